import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft pspin quench` records in DIR/run.json.
struct PSpinQuenchRecord: Encodable {
    struct Grid: Encodable {
        let dt: Double
        let steps: Int
        let tMax: Double
        let order: Int
        let correctorPasses: Int
        let historySteps: Int
        let historyTime: Double
        let points: Int
    }
    struct Timing: Encodable {
        let seconds: Double
        let secondsPerStep: Double
        let stepsThisRun: Int
        let resumedFromStep: Int?
        let cores: Int
    }
    struct Memory: Encodable {
        let bytes: Int
        let available: Int
        let valuesPerFunction: Int
    }
    let mixture: String
    let formula: String
    let temperature: Double
    let start: String
    let startTemperature: Double?
    let dynamicalTransition: Double
    let waitingTimes: [Double]
    let grid: Grid
    let timing: Timing
    let memory: Memory
    let finalEnergy: Double
    let finalMultiplier: Double
    let epsilon: Double
    let k: Int
    let corrector: TwoTimeStatistics
    let version: String
    let files: [String]
}

struct PSpinQuenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quench",
        abstract: "Two-time dynamics of the spherical p-spin model after a quench: E(t), μ(t), C and R, FD plot.",
        discussion: """
        Integrates the Cugliandolo–Kurchan equations (docs/PHYSICS.md §2) on a uniform grid from a random start \
        (a quench from infinite temperature) or, with --start-T, from equilibrium at T' > T_d, to temperature T. \
        Scheme of order 4 (BDF and Gregory weights, start-up block): halving dt divides the error by ~16. \
        Memory is (t-max/dt)² doubles (two triangles); it is stated and checked before the run. Stable steps: \
        near T = 0 the order-3 and order-4 steps overshoot C ≤ 1 for dt > 0.05, so use dt ≤ 0.05 there (or \
        --order 2); above T ≈ 0.01 any dt that resolves the dynamics runs. \
        Writes DIR/energy.csv `t,energy,mu`, DIR/correlation.csv `t_w,tau,C,R`, DIR/fdt.csv `t_w,t,C,chi` \
        (χ(t,t_w) = ∫_{t_w}^t R(t,s) ds) and DIR/run.json. A checkpoint DIR/checkpoint.bin is written every \
        --checkpoint-interval seconds; --resume continues it bit-identically. Examples:
          dmft pspin quench --p 3 --T 0.4 --t-max 200 --dt 0.05 --waiting-times 25,50,100 --output q04
          dmft pspin quench --mixture 3:1,4:0.5 --T 0.8 --start-T 1.2 --t-max 50 --dt 0.02 --output warm
        """
    )

    @OptionGroup var model: PSpinModelOptions

    @Option(name: .customLong("T"), parsing: .unconditional, help: "Temperature T ≥ 0 after the quench.",
            transform: ArgumentValue.number)
    var temperature: Double

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Final time.", transform: ArgumentValue.number)
    var tMax: Double

    @Option(name: .customLong("dt"), parsing: .unconditional, help: "Time step.", transform: ArgumentValue.number)
    var dt: Double

    @Option(name: .customLong("start"),
            help: "Initial condition: a random start (a quench from infinite temperature) or equilibrium at --start-T (default: equilibrium if --start-T is given, else random).")
    var startKind: QuenchStartKind?

    @Option(name: .customLong("start-T"), parsing: .unconditional,
            help: "Start from equilibrium at this temperature T' > T_d (implies --start equilibrium).",
            transform: ArgumentValue.number)
    var startTemperature: Double?

    @Option(name: .customLong("waiting-times"), parsing: .unconditional,
            help: "Comma-separated waiting times t_w in [0, t-max] (default: t-max/8, t-max/4, t-max/2).")
    var waitingTimes: String?

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String

    @Flag(help: "Continue from DIR/checkpoint.bin (same parameters required).")
    var resume = false

    @Option(name: .customLong("order"), help: "Order of the scheme.")
    var schemeOrder: SchemeOrder = .fourth

    @Option(name: .customLong("corrector-passes"), parsing: .unconditional, help: "Corrector sweeps per time step (1 = PEC, 2 = PECE).")
    var correctorPasses: Int = 2

    @Option(name: .customLong("checkpoint-interval"), parsing: .unconditional, help: "Seconds between checkpoints. (default: 180)",
            transform: ArgumentValue.number)
    var checkpointInterval: Double = 180

    var order: Int { schemeOrder.rawValue }

    @Flag(name: .customLong("keep-checkpoint"), help: "Keep DIR/checkpoint.bin after the run completes.")
    var keepCheckpoint = false

    @Option(parsing: .unconditional, help: "Drive strength ε ≥ 0 of a random non-conservative force (noise kernel f'(C) + ε²h'(C)).")
    var epsilon: Double = 0

    @Option(name: .customLong("k"), help: "Order of the drive, h(q) = q^k/2 (k ≥ 2).")
    var k: Int = 3

    /// The drive, nil when ε = 0.
    func drive() throws -> QuenchDrive? {
        do { return epsilon == 0 && !epsilon.isNaN ? nil : try QuenchDrive(strength: epsilon, order: k) } catch {
            throw InputError("\(error)")
        }
    }

    /// The waiting times (rounded to the grid later).
    func parsedWaitingTimes() throws -> [Double] {
        guard let waitingTimes else { return [tMax / 8, tMax / 4, tMax / 2] }
        return try CommandSupport.numbers(waitingTimes, named: "waiting times", in: 0...tMax)
    }

    func options() throws -> TwoTimeOptions {
        let options = TwoTimeOptions(step: dt, maximumTime: tMax, order: order, correctorPasses: correctorPasses)
        do { try options.validate() } catch let error as TwoTimeError { throw InputError(error.description) }
        return options
    }

    func validate() throws {
        _ = try model.model()
        try CommandSupport.require(temperature, named: "T", ">= 0") { $0 >= 0 }
        try CommandSupport.require(tMax, named: "t-max", "> 0") { $0 > 0 }
        try CommandSupport.require(dt, named: "dt", "> 0 and <= t-max") { $0 > 0 && $0 <= tMax }
        switch (startKind, startTemperature) {
        case (.equilibrium, nil): throw InputError("--start equilibrium needs --start-T (the temperature of the equilibrium start)")
        case (.random, .some): throw InputError("--start-T is the temperature of an equilibrium start: drop --start random")
        default: break
        }
        if let startTemperature {
            try CommandSupport.require(startTemperature, named: "start-T", "> 0") { $0 > 0 }
        }
        try CommandSupport.require(checkpointInterval, named: "checkpoint-interval", "> 0") { $0 > 0 }
        _ = try options()
        _ = try parsedWaitingTimes()
        guard k >= 2 else { throw InputError("\(DrivenPSpinError.invalidDriveOrder(k))") }
        _ = try drive()
    }

    func run() throws {
        let mixture = try model.model()
        let options = try options()
        let waiting = try parsedWaitingTimes()
        let folder = URL(fileURLWithPath: output)
        try CommandSupport.checkOutputFolder(output)
        if let startTemperature {
            let transition = mixture.dynamicalTransition.temperature
            guard startTemperature > transition else {
                throw InputError("invalid start-T = \(startTemperature): it must be above T_d = \(transition) (no ergodic equilibrium below)")
            }
        }
        // Memory before any work (and before the history solve): refuse what does not fit.
        let start: QuenchStart = startTemperature.map { .equilibrium(temperature: $0) } ?? .random
        let plainRows = options.steps + 1
        let plainBytes = PSpinQuenchIntegrator.memoryRequirement(rows: plainRows)
        let available = MemoryBudget.availableBytes
        if plainBytes > available {
            throw InputError(TwoTimeError.insufficientMemory(required: plainBytes, available: available, points: plainRows).description)
        }
        let paths = ["energy.csv", "correlation.csv", "fdt.csv", "run.json", "checkpoint.bin"].map {
            folder.appendingPathComponent($0).path
        }
        let checkpointPath = paths[4]
        if FileManager.default.fileExists(atPath: folder.path) {
            for path in paths { try AtomicFile.checkWritable(path) }
        }
        let integrator: PSpinQuenchIntegrator
        do {
            integrator = try PSpinQuenchIntegrator(mixture: mixture, temperature: temperature, start: start, options: options,
                                                   drive: try drive())
        } catch let error as TwoTimeError {
            throw InputError(error.description)
        } catch let error as DoublingSolverError {
            throw InputError("the equilibrium history at start-T failed: \(error.description)")
        }
        var resumedFrom: Int?
        if resume {
            if FileManager.default.fileExists(atPath: checkpointPath) {
                do { try integrator.restore(from: checkpointPath) } catch let error as TwoTimeError {
                    throw InputError(error.description)
                }
                resumedFrom = integrator.completedSteps
            } else {
                CommandSupport.warn("no checkpoint in \(output): starting from t = 0")
            }
        }
        // The memory, stated before integrating (and again in run.json).
        print("quench: \(integrator.lastRow + 1) grid points, memory \(MemoryBudget.format(bytes: integrator.memoryBytes)) "
                            + "of \(MemoryBudget.format(bytes: available)) available"
                            + (resumedFrom.map { "; resuming at step \($0) of \(options.steps)" } ?? ""))
        let createdFolder = !FileManager.default.fileExists(atPath: folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do { try integrate(integrator, mixture: mixture, options: options, waiting: waiting, folder: folder, paths: paths,
                           available: available, resumedFrom: resumedFrom) } catch {
            // A failed run (e.g. unstable for this dt) leaves no half-made folder behind.
            if createdFolder { try? FileManager.default.removeItem(at: folder) }
            throw error
        }
    }

    /// Runs the integrator with checkpoints and progress, then writes the outputs and run.json.
    func integrate(_ integrator: PSpinQuenchIntegrator, mixture: PSpinMixture, options: TwoTimeOptions, waiting: [Double],
                   folder: URL, paths: [String], available: Int, resumedFrom: Int?) throws {
        let checkpointPath = paths[4]
        let showProgress = CommandSupport.showsProgress
        var lastShown = 0.0
        let stepsBefore = integrator.completedSteps
        let began = Date()
        let policy = CheckpointPolicy(path: checkpointPath, interval: checkpointInterval) { failure in
            CommandSupport.warn("\(failure)")
        }
        try integrator.advance(checkpoint: policy) { report in
            guard showProgress, report.elapsedSeconds - lastShown >= 0.5 || report.completedSteps == report.totalSteps else { return }
            lastShown = report.elapsedSeconds
            let done = report.completedSteps - stepsBefore, left = report.totalSteps - report.completedSteps
            let eta = done > 0 ? report.elapsedSeconds / Double(done) * Double(left) : 0
            CommandSupport.progress(String(format: "quench: step %d/%d  t = %.3f  E = %.6f  elapsed %.0f s  eta %.0f s",
                                           report.completedSteps, report.totalSteps, report.time, report.observable,
                                           report.elapsedSeconds, eta))
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(began)
        let solution = integrator.solution
        let written = try Self.writeOutputs(solution, waitingTimes: waiting, folder: folder)

        let lastRow = solution.lastRow
        let record = PSpinQuenchRecord(
            mixture: mixture.description, formula: mixture.formula, temperature: temperature,
            start: startTemperature == nil ? "random" : "equilibrium", startTemperature: startTemperature,
            dynamicalTransition: mixture.dynamicalTransition.temperature,
            waitingTimes: try waiting.map { solution.time(ofRow: try solution.row(atTime: $0)) },
            grid: .init(dt: dt, steps: options.steps, tMax: options.maximumTime, order: order, correctorPasses: correctorPasses,
                        historySteps: integrator.historySteps, historyTime: Double(integrator.historySteps) * dt,
                        points: integrator.lastRow + 1),
            timing: .init(seconds: seconds, secondsPerStep: seconds / Double(max(1, options.steps - stepsBefore)),
                          stepsThisRun: options.steps - stepsBefore, resumedFromStep: resumedFrom,
                          cores: ProcessInfo.processInfo.activeProcessorCount),
            memory: .init(bytes: integrator.memoryBytes, available: available,
                          valuesPerFunction: (integrator.lastRow + 1) * (integrator.lastRow + 2) / 2),
            finalEnergy: solution.energy(row: lastRow), finalMultiplier: solution.lagrangeMultiplier(row: lastRow),
            epsilon: epsilon, k: k,
            corrector: integrator.statistics, version: PackageInfo.version, files: written)
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: paths[3])
        if !keepCheckpoint { try? FileManager.default.removeItem(atPath: checkpointPath) }
        print("p-spin quench \(mixture.label), T = \(temperature)\(startTemperature.map { " from equilibrium at T' = \($0)" } ?? " from a random start"): "
              + "\(options.steps) steps of dt = \(dt)"
              + (resumedFrom.map { ", resumed at step \($0): the last \(options.steps - $0) in " } ?? " in ")
              + String(format: "%.1f s", seconds) + " (\(MemoryBudget.format(bytes: integrator.memoryBytes)))")
        print("  E(t_max) = \(solution.energy(row: lastRow)), μ(t_max) = \(solution.lagrangeMultiplier(row: lastRow))")
        for path in written + [paths[3]] { print("  wrote \(path)") }
    }

    /// Writes energy.csv, correlation.csv and fdt.csv; returns their paths.
    /// With a planted signal (`dmft spiked quench`) energy.csv has a fourth column m.
    static func writeOutputs(_ solution: PSpinQuenchSolution, waitingTimes: [Double], folder: URL) throws -> [String] {
        let energyPath = folder.appendingPathComponent("energy.csv").path
        let correlationPath = folder.appendingPathComponent("correlation.csv").path
        let fdtPath = folder.appendingPathComponent("fdt.csv").path
        let signal = solution.initialOverlap != nil
        var energy = CSVTable(columns: ["t", "energy", "mu"] + (signal ? ["m"] : []))
        for i in solution.rowsAfterQuench {
            energy.append([solution.time(ofRow: i), solution.energy(row: i), solution.lagrangeMultiplier(row: i)]
                          + (signal ? [solution.overlap(row: i)] : []))
        }
        var correlation = CSVTable(columns: ["t_w", "tau", "C", "R"])
        var fdt = CSVTable(columns: ["t_w", "t", "C", "chi"])
        for waiting in waitingTimes {
            let column = try solution.row(atTime: waiting)
            let tw = solution.time(ofRow: column)
            for i in column...solution.lastRow {
                let c = solution.correlation(row: i, column: column)
                correlation.append([tw, solution.time(ofRow: i) - tw, c, solution.response(row: i, column: column)])
                fdt.append([tw, solution.time(ofRow: i), c, solution.susceptibility(row: i, from: column)])
            }
        }
        try energy.write(to: energyPath)
        try correlation.write(to: correlationPath)
        try fdt.write(to: fdtPath)
        return [energyPath, correlationPath, fdtPath]
    }
}
