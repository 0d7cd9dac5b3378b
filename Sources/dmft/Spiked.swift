import ArgumentParser
import Foundation
import SpectralDMFT

struct Spiked: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spiked",
        abstract: "Spiked matrix-tensor model: gradient flow / Langevin quenches with the signal overlap m(t), and the recovery threshold.",
        subcommands: [SpikedQuenchCommand.self, SpikedThresholdCommand.self]
    )
}

/// `--engine`: the uniform two-time grid or the long-time block-doubling engine.
enum SpikedEngine: String, ExpressibleByArgument, CaseIterable, Sendable {
    case uniform
    case longTime = "long-time"
}

/// `--p`, `--delta-p`, `--T`, `--m0` and the grid, shared by the spiked subcommands.
struct SpikedGridOptions: ParsableArguments {
    @Option(name: .customLong("p"), parsing: .unconditional, help: "Tensor order p ≥ 3.")
    var p: Int = 3

    @Option(name: .customLong("delta-p"), parsing: .unconditional,
            help: "Tensor noise variance Δ_p > 0 (inf: the spiked matrix alone).", transform: ArgumentValue.number)
    var tensorNoise: Double

    @Option(name: .customLong("T"), parsing: .unconditional, help: "Temperature T ≥ 0 (0: gradient flow). (default: 0)",
            transform: ArgumentValue.number)
    var temperature: Double = 0

    @Option(name: .customLong("m0"), parsing: .unconditional,
            help: "Initial overlap m(0) with the signal, in [-1, 1]. (default: 0.001)", transform: ArgumentValue.number)
    var initialOverlap: Double = 1e-3

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Final time.", transform: ArgumentValue.number)
    var tMax: Double

    @Option(name: .customLong("dt"), parsing: .unconditional,
            help: "Time step (at T < 0.01 the order-3/4 steps need dt ≤ 0.05). (default: 0.05)", transform: ArgumentValue.number)
    var dt: Double = 0.05

    @Option(name: .customLong("order"), help: "Order of the scheme.")
    var schemeOrder: SchemeOrder = .fourth

    @Option(name: .customLong("corrector-passes"), parsing: .unconditional, help: "Corrector sweeps per time step.")
    var correctorPasses: Int = 2

    @Option(name: .customLong("engine"),
            help: "uniform: the order-2/3/4 grid of step --dt (t ≲ 500); long-time: the block-doubling engine of `pspin age` (t to 1e5+, --block-size; --dt, --order, --corrector-passes unused).")
    var engine: SpikedEngine = .uniform

    @Option(name: .customLong("block-size"), parsing: .unconditional,
            help: "Long-time engine: steps per block M (even, 16…4096); the error of E falls ≈ 2× per doubling of M, t_rec converges more slowly (docs/PHYSICS.md §2.9).")
    var blockSize: Int = 256

    @Option(name: .customLong("flag-tolerance"), parsing: .unconditional,
            help: "Long-time engine: tolerance of the impossible-output checks (C > 1, E rising above its running minimum), about the run's error bar. (default: 0.001)",
            transform: ArgumentValue.number)
    var flagTolerance: Double = 1e-3

    /// The long-time grid (nil for the uniform engine).
    func longTimeOptions(waitingTimes: [Double] = []) throws -> LongTimeOptions? {
        guard engine == .longTime else { return nil }
        let options = LongTimeOptions(blockSize: blockSize, maximumTime: tMax, waitingTimes: waitingTimes)
        do { try options.validate() } catch let error as TwoTimeError { throw InputError(error.description) }
        return options
    }

    func options() throws -> TwoTimeOptions {
        try CommandSupport.require(tMax, named: "t-max", "> 0") { $0 > 0 }
        try CommandSupport.require(dt, named: "dt", "> 0 and <= t-max") { $0 > 0 && $0 <= tMax }
        let options = TwoTimeOptions(step: dt, maximumTime: tMax, order: schemeOrder.rawValue, correctorPasses: correctorPasses)
        do { try options.validate() } catch let error as TwoTimeError { throw InputError(error.description) }
        let rows = options.steps + 1
        let bytes = PSpinQuenchIntegrator.memoryRequirement(rows: rows)
        if bytes > MemoryBudget.availableBytes {
            throw InputError(TwoTimeError.insufficientMemory(required: bytes, available: MemoryBudget.availableBytes,
                                                             points: rows).description)
        }
        return options
    }

    /// The model at Δ₂ = `matrixNoise` and its quench (one `InputError` line for a bad value).
    func quench(matrixNoise: Double) throws -> SpikedQuench {
        guard tensorNoise > 0, !tensorNoise.isNaN else {
            throw InputError("invalid delta-p = \(tensorNoise): it must be a number > 0 (inf allowed)")
        }
        do {
            return try SpikedQuench(model: try SpikedMatrixTensor(p: p, matrixNoise: matrixNoise, tensorNoise: tensorNoise),
                                    temperature: temperature, initialOverlap: initialOverlap)
        } catch let error as TwoTimeError { throw InputError(error.description) }
    }

    func validate() throws {
        try CommandSupport.require(temperature, named: "T", ">= 0") { $0 >= 0 }
        try CommandSupport.require(initialOverlap, named: "m0", "in [-1, 1]") { abs($0) <= 1 }
        if engine == .uniform { _ = try options() } else { _ = try longTimeOptions() }
        try CommandSupport.require(flagTolerance, named: "flag-tolerance", "> 0") { $0 > 0 }
    }
}

/// What `dmft spiked quench` records in DIR/run.json.
struct SpikedQuenchRecord: Encodable {
    let p: Int
    let delta2: Double
    let deltaP: Double?
    let mixture: String
    let formula: String
    let temperature: Double
    let m0: Double
    let gradientFlowThreshold: Double
    let thresholdMinimaHaveOutlier: Bool
    let dt: Double
    let steps: Int
    let tMax: Double
    let order: Int
    let correctorPasses: Int
    let waitingTimes: [Double]
    let finalOverlap: Double
    let finalEnergy: Double
    let finalMultiplier: Double
    let recoveryTime: Double?
    let seconds: Double
    let memoryBytes: Int
    let corrector: TwoTimeStatistics
    let version: String
    let files: [String]
}

struct SpikedQuenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quench",
        abstract: "Two-time dynamics of the spiked matrix-tensor model from a random start: m(t), E(t), C and R.",
        discussion: """
        The mixed p-spin quench with f(q) = q²/(2Δ₂) + q^p/(pΔ_p) plus the overlap m(t) with the planted signal \
        (docs/PHYSICS.md §2.9), on the uniform order-4 grid of `dmft pspin quench` (memory (t-max/dt)² doubles). \
        Writes DIR/energy.csv `t,energy,mu,m`, DIR/correlation.csv `t_w,tau,C,R`, DIR/fdt.csv `t_w,t,C,chi` and \
        DIR/run.json (with the recovery time t_rec: m first reaches half of m(t_max); none if |m(t_max)| < 0.1 or \
        m still moves by more than 1% over the last unit of time). At T < 0.01 gradient flow that has found the \
        signal settles in a minimum where the order-3/4 steps overshoot C ≤ 1 (an error): use --order 2 there, or \
        `dmft spiked threshold`, which stops each run once m has settled. \
        With --engine long-time the run uses the block-doubling engine of `dmft pspin age` (t-max up to 1e9,         memory 2(M+1)² doubles whatever t-max; error ≈ 1/M at late t, estimate it with a second run at 2M):         DIR/energy.csv `t,energy,mu,m`, DIR/correlation.csv `t_w,tau,C`, DIR/fdt.csv `t_w,t,C,chi` at the waiting         times (default 1, 10, … up to t-max/10, moved to grid times h0·2^k) and DIR/run.json; t_rec there needs m         settled (within 1%) over the last octave [t-max/2, t-max].         Examples:
          dmft spiked quench --p 3 --delta2 0.4 --delta-p 1 --T 0 --m0 0.001 --t-max 100 --dt 0.05 --output spk
          dmft spiked quench --p 3 --delta2 0.47 --delta-p 1 --m0 1e-8 --t-max 1e4 --engine long-time --output spk
        """
    )

    @Option(name: .customLong("delta2"), parsing: .unconditional, help: "Matrix noise variance Δ₂ > 0.",
            transform: ArgumentValue.number)
    var matrixNoise: Double

    @OptionGroup var grid: SpikedGridOptions

    @Option(name: .customLong("waiting-times"), parsing: .unconditional,
            help: "Comma-separated waiting times t_w in [0, t-max] (default: t-max/8, t-max/4, t-max/2).")
    var waitingTimes: String?

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String

    func parsedWaitingTimes() throws -> [Double] {
        guard let waitingTimes else {
            guard grid.engine == .longTime else { return [grid.tMax / 8, grid.tMax / 4, grid.tMax / 2] }
            var list: [Double] = []
            var t = 1.0
            while t <= grid.tMax / 10 { list.append(t); t *= 10 }
            return list
        }
        return try CommandSupport.numbers(waitingTimes, named: "waiting times",
                                          in: (grid.engine == .longTime ? 1e-6 : 0)...grid.tMax)
    }

    func validate() throws {
        _ = try grid.quench(matrixNoise: matrixNoise)
        _ = try parsedWaitingTimes()
    }

    func run() throws {
        let quench = try grid.quench(matrixNoise: matrixNoise)
        if let longTime = try grid.longTimeOptions(waitingTimes: try parsedWaitingTimes()) {
            try SpikedLongTimeOutput.run(quench, options: longTime, flagTolerance: grid.flagTolerance, output: output)
            return
        }
        let options = try grid.options()
        let waiting = try parsedWaitingTimes()
        try CommandSupport.checkOutputFolder(output)
        let folder = URL(fileURLWithPath: output)
        let recordPath = folder.appendingPathComponent("run.json").path
        if FileManager.default.fileExists(atPath: folder.path) {
            for name in ["energy.csv", "correlation.csv", "fdt.csv", "run.json"] {
                try AtomicFile.checkWritable(folder.appendingPathComponent(name).path)
            }
        }
        let integrator: PSpinQuenchIntegrator
        do { integrator = try quench.integrator(options: options) } catch let error as TwoTimeError {
            throw InputError(error.description)
        }
        let showProgress = CommandSupport.showsProgress
        var lastShown = 0.0
        let began = Date()
        try integrator.advance { report in
            guard showProgress, report.elapsedSeconds - lastShown >= 0.5 || report.completedSteps == report.totalSteps else { return }
            lastShown = report.elapsedSeconds
            let eta = report.elapsedSeconds / Double(max(1, report.completedSteps)) * Double(report.totalSteps - report.completedSteps)
            CommandSupport.progress(String(format: "spiked quench: step %d/%d  t = %.3f  E = %.6f  elapsed %.0f s  eta %.0f s",
                                           report.completedSteps, report.totalSteps, report.time, report.observable,
                                           report.elapsedSeconds, eta))
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(began)
        let solution = SpikedQuenchSolution(quench: quench, twoTime: integrator.solution)
        let run = solution.twoTime
        let createdFolder = !FileManager.default.fileExists(atPath: folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            let written = try PSpinQuenchCommand.writeOutputs(run, waitingTimes: waiting, folder: folder)
            let model = quench.model
            let record = SpikedQuenchRecord(
                p: model.p, delta2: model.matrixNoise, deltaP: model.tensorNoise.isFinite ? model.tensorNoise : nil,
                mixture: model.mixture.description, formula: model.mixture.formula, temperature: quench.temperature,
                m0: quench.initialOverlap, gradientFlowThreshold: model.gradientFlowThreshold,
                thresholdMinimaHaveOutlier: model.thresholdMinimaHaveOutlier, dt: options.step, steps: options.steps,
                tMax: options.maximumTime, order: options.order, correctorPasses: options.correctorPasses,
                waitingTimes: try waiting.map { run.time(ofRow: try run.row(atTime: $0)) },
                finalOverlap: solution.finalOverlap, finalEnergy: run.energy(row: run.lastRow),
                finalMultiplier: run.lagrangeMultiplier(row: run.lastRow), recoveryTime: solution.recoveryTime,
                seconds: seconds, memoryBytes: integrator.memoryBytes, corrector: integrator.statistics,
                version: PackageInfo.version, files: written)
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
            print("spiked quench p = \(model.p), Δ₂ = \(model.matrixNoise), Δ_p = \(model.tensorNoise), T = \(quench.temperature), "
                  + "m0 = \(quench.initialOverlap): \(options.steps) steps of dt = \(options.step) in " + String(format: "%.1f s", seconds))
            print("  m(t_max) = \(solution.finalOverlap), E(t_max) = \(run.energy(row: run.lastRow)), t_rec = "
                  + (solution.recoveryTime.map { String(format: "%.3f", $0) } ?? "none (|m| < 0.1 or not settled at t_max)")
                  + "; closed-form GF threshold Δ₂ = \(model.gradientFlowThreshold)")
            for path in written + [recordPath] { print("  wrote \(path)") }
        } catch {
            if createdFolder { try? FileManager.default.removeItem(at: folder) }
            throw error
        }
    }
}

struct SpikedThresholdCommand: ParsableCommand, WritesOutputFiles {
    static let configuration = CommandConfiguration(
        commandName: "threshold",
        abstract: "Scans Δ₂ at fixed Δ_p: recovery time t_rec(Δ₂) and the Δ₂ where it diverges, against the closed form.",
        discussion: """
        Runs `dmft spiked quench` at every Δ₂ of --delta2-range (points run --workers at a time) and records t_rec, \
        the first time m(t) reaches half of its final value (no recovery when |m| < 0.1 or still moving at t_max). The divergence Δ₂* is the \
        least-squares fit t_rec = a (Δ₂* − Δ₂)^(−ν) over the recovered points (at least 4), with jackknife errors, \
        compared with the closed-form gradient-flow threshold Δ₂^GF = [√(Δ_p² + 4(p−1)Δ_p) − Δ_p]/(2(p−1)) \
        (1/2 for p = 3, Δ_p = 1). Each point costs one quench of t-max/dt steps (∝ (t-max/dt)^3.2). Writes the CSV \
        `delta2,t_rec,m_final,E_final,t_end` (t_rec nan: no recovery; a recovered run stops at t_end once m has \
        settled, within 0.1% over one time unit, or when the minimum it settles in makes the order-3/4 steps \
        overshoot C ≤ 1) and FILE.run.json. With --engine long-time every point runs on the \
        block-doubling engine (t-max 1e4 and beyond; both cores across points) to t-max or until m has settled at a \
        recovered value (within 0.1% over an octave of t), or at the last completed row if a later row fails (after \
        recovery the step exceeds the time scale of the jump into the signal minimum; the failure is printed and \
        recorded in FILE.run.json), t_rec needs m settled over the \
        last octave, the CSV gains the columns `gamma` (growth rate of m in its linear regime) and `E_rise` (largest rise of E above \
        its running minimum: at late times the step exceeds the time scale of the recovery event itself) and two more \
        estimates of Δ₂* are reported: the fit with an offset t_rec = A + B (Δ₂* − Δ₂)^(−ν) (at least 5 points) and \
        the rate-based γ = g (Δ₂* − Δ₂)^ν. Examples:
          dmft spiked threshold --p 3 --delta-p 1 --T 0 --delta2-range 0.30:0.45:6 --t-max 100 --output scan.csv
          dmft spiked threshold --p 3 --delta-p 1 --m0 1e-8 --delta2-range 0.30:0.48:10 --t-max 1e4 \
            --engine long-time --output scan.csv
        """
    )

    @Option(name: .customLong("delta2-range"),
            help: ArgumentHelp("Δ₂ values: LOW:HIGH:COUNT (evenly spaced, ends included) or a comma-separated list.",
                               valueName: "range"))
    var range: String

    @OptionGroup var grid: SpikedGridOptions

    @Option(name: .customLong("workers"), parsing: .unconditional, help: "Scan points run at the same time (default: one per core).")
    var requestedWorkers: Int?

    @Option(help: "Output CSV file.", transform: ArgumentValue.path)
    var output: String

    var outputFiles: [String] { [output, CommandSupport.sibling(of: output, suffix: ".run.json")] }

    var workers: Int { requestedWorkers ?? ProcessInfo.processInfo.activeProcessorCount }

    func matrixNoises() throws -> [Double] {
        let parts = range.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3 {
            guard let low = Double(parts[0]), let high = Double(parts[1]), let count = Int(parts[2]),
                  low.isFinite, high.isFinite, low > 0, high >= low, (1...1000).contains(count) else {
                throw InputError("invalid delta2-range '\(range)': give LOW:HIGH:COUNT with 0 < LOW <= HIGH and COUNT in 1...1000")
            }
            if count == 1 { return [low] }
            return (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
        }
        let values = try CommandSupport.numbers(range, named: "delta2-range", in: 0...Double.greatestFiniteMagnitude)
        guard values.allSatisfy({ $0 > 0 }) else { throw InputError("invalid delta2-range '\(range)': every Δ₂ must be > 0") }
        return values
    }

    func validate() throws {
        for value in try matrixNoises() { _ = try grid.quench(matrixNoise: value) }
        try ThreadCount.require(workers, named: "workers")
    }

    func run() throws {
        let values = try matrixNoises()
        let longTime = try grid.longTimeOptions()
        // The uniform grid's options (unused by the long-time engine, whose grid is `longTime`; not recorded then).
        let options = longTime == nil ? try grid.options() : TwoTimeOptions(step: 1, maximumTime: 1)
        let recordPath = outputFiles[1]
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(recordPath)
        let first = try grid.quench(matrixNoise: values[0])
        let scan = SpikedThresholdScan(p: grid.p, tensorNoise: grid.tensorNoise, temperature: grid.temperature,
                                       initialOverlap: grid.initialOverlap, options: options, longTime: longTime,
                                       flagTolerance: grid.flagTolerance)
        let showProgress = CommandSupport.showsProgress
        let began = Date()
        let points: [SpikedThresholdScan.Point]
        do {
            points = try scan.run(matrixNoises: values, workers: workers) { done, total in
                if showProgress { CommandSupport.progress("spiked threshold: \(done)/\(total) points") }
            }
        } catch let error as TwoTimeError { throw InputError(error.description) }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(began)
        let closedForm = first.model.gradientFlowThreshold
        let fit = RecoveryDivergence.fit(points)
        let offsetFit = longTime == nil ? nil : RecoveryDivergence.fitWithOffset(points)
        let rateFit = longTime == nil ? nil : RecoveryDivergence.fitRates(points)
        var table = CSVTable(columns: ["delta2", "t_rec", "m_final", "E_final", "t_end"] + (longTime == nil ? [] : ["gamma", "E_rise"]))
        for point in points {
            table.append([point.matrixNoise, point.recoveryTime ?? .nan, point.finalOverlap, point.finalEnergy, point.endTime]
                         + (longTime == nil ? [] : [point.growthRate ?? .nan, point.flags?.largestEnergyRise ?? .nan]))
        }
        try table.write(to: output)
        struct Record: Encodable {
            let p: Int; let deltaP: Double?; let temperature: Double; let m0: Double
            /// dt, order and corrector passes of the uniform engine (absent with the long-time engine).
            let dt: Double?; let tMax: Double; let order: Int?; let correctorPasses: Int?; let workers: Int
            let engine: String; let blockSize: Int?
            let points: [SpikedThresholdScan.Point]
            let divergence: RecoveryDivergence?
            let divergenceWithOffset: RecoveryDivergence?
            let rateDivergence: RecoveryDivergence?
            let closedFormThreshold: Double
            let relativeDeviation: Double?
            let seconds: Double; let version: String; let files: [String]
        }
        let record = Record(p: grid.p, deltaP: grid.tensorNoise.isFinite ? grid.tensorNoise : nil, temperature: grid.temperature,
                            m0: grid.initialOverlap, dt: longTime == nil ? options.step : nil,
                            tMax: longTime?.maximumTime ?? options.maximumTime, order: longTime == nil ? options.order : nil,
                            correctorPasses: longTime == nil ? options.correctorPasses : nil, workers: workers,
                            engine: grid.engine.rawValue,
                            blockSize: longTime?.blockSize, points: points, divergence: fit,
                            divergenceWithOffset: offsetFit, rateDivergence: rateFit,
                            closedFormThreshold: closedForm,
                            relativeDeviation: fit.map { ($0.threshold - closedForm) / closedForm },
                            seconds: seconds, version: PackageInfo.version, files: outputFiles)
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        let grid = longTime.map { "block size M = \($0.blockSize) (long-time engine)" } ?? "dt = \(options.step)"
        print("spiked threshold p = \(self.grid.p), Δ_p = \(self.grid.tensorNoise), T = \(self.grid.temperature), m0 = \(self.grid.initialOverlap), "
              + "t-max = \(longTime?.maximumTime ?? options.maximumTime), \(grid): \(points.count) points in " + String(format: "%.1f s", seconds))
        for point in points {
            let time = point.recoveryTime.map { String(format: "%.4g", $0) } ?? "none"
            var line = String(format: "  Δ₂ = %.6g  t_rec = ", point.matrixNoise) + time
            line += String(format: "  m = %.6g at t = %.6g", point.finalOverlap, point.endTime)
            if let rate = point.growthRate { line += String(format: "  γ = %.5g", rate) }
            if let stopped = point.stoppedEarly { line += "  (stopped: \(stopped))" }
            print(line)
        }
        if let fit {
            print(String(format: "  divergence of t_rec: Δ₂* = %.5f ± %.5f (ν = %.3f ± %.3f, %d points); closed form %.5f (%+.2f%%)",
                         fit.threshold, fit.thresholdError, fit.exponent, fit.exponentError, fit.points, closedForm,
                         100 * (fit.threshold - closedForm) / closedForm))
        } else {
            print("  divergence of t_rec: too few recovered points to fit (need 4); closed form \(closedForm)")
        }
        for (name, extra) in [("t_rec = A + B (Δ₂* − Δ₂)^−ν", offsetFit), ("rate γ ∝ (Δ₂* − Δ₂)^ν", rateFit)] where longTime != nil {
            if let extra {
                print(String(format: "  %@: Δ₂* = %.5f ± %.5f (ν = %.3f ± %.3f, %d points) (%+.2f%%)", name, extra.threshold,
                             extra.thresholdError, extra.exponent, extra.exponentError, extra.points,
                             100 * (extra.threshold - closedForm) / closedForm))
            } else {
                print("  \(name): too few points to fit")
            }
        }
        print("  wrote \(output) and \(recordPath)")
    }
}

/// `dmft spiked quench --engine long-time`: the run on the block-doubling engine and its files.
enum SpikedLongTimeOutput {
    struct Record: Encodable {
        let p: Int
        let delta2: Double
        let deltaP: Double?
        let mixture: String
        let formula: String
        let temperature: Double
        let m0: Double
        let gradientFlowThreshold: Double
        let thresholdMinimaHaveOutlier: Bool
        let engine: String
        let blockSize: Int
        let initialStep: Double
        let tMax: Double
        let waitingTimes: [Double]
        let doublings: Int
        let passes: Int
        let largestFinalChange: Double
        let flags: LongTimeFlags
        let finalOverlap: Double
        let finalEnergy: Double
        let finalMultiplier: Double
        let recoveryTime: Double?
        let growthRate: Double?
        let seconds: Double
        let memoryBytes: Int
        let version: String
        let files: [String]
    }

    static func run(_ quench: SpikedQuench, options: LongTimeOptions, flagTolerance: Double, output: String) throws {
        try CommandSupport.checkOutputFolder(output)
        let folder = URL(fileURLWithPath: output)
        let paths = ["energy.csv", "correlation.csv", "fdt.csv", "run.json"].map { folder.appendingPathComponent($0).path }
        if FileManager.default.fileExists(atPath: folder.path) { for path in paths { try AtomicFile.checkWritable(path) } }
        let solver: LongTimeQuenchSolver
        do { solver = try LongTimeQuenchSolver(quench.longTimeQuench, options: options) } catch let error as TwoTimeError {
            throw InputError(error.description)
        }
        solver.flagTolerance = flagTolerance
        let began = Date()
        let showProgress = CommandSupport.showsProgress
        let solution = try solver.solve { t, energy in
            guard showProgress else { return }
            CommandSupport.progress(String(format: "spiked quench (long-time, M = %d): t = %.4g  E = %.8f  elapsed %.0f s",
                                           options.blockSize, t, energy, Date().timeIntervalSince(began)))
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(began)
        let createdFolder = !FileManager.default.fileExists(atPath: folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            var energy = CSVTable(columns: ["t", "energy", "mu", "m"])
            for (k, sample) in solution.samples.enumerated() where sample.time > 0 {
                energy.append([sample.time, sample.energy, sample.multiplier, solution.overlaps[k]])
            }
            var correlation = CSVTable(columns: ["t_w", "tau", "C"])
            var fdt = CSVTable(columns: ["t_w", "t", "C", "chi"])
            for cut in solution.waitingCuts {
                for (k, t) in cut.times.enumerated() {
                    correlation.append([cut.waitingTime, t - cut.waitingTime, cut.correlation[k]])
                    fdt.append([cut.waitingTime, t, cut.correlation[k], cut.susceptibility[k]])
                }
            }
            try energy.write(to: paths[0])
            try correlation.write(to: paths[1])
            try fdt.write(to: paths[2])
            let model = quench.model
            let last = solution.samples[solution.samples.count - 1]
            let growth = SpikedThresholdScan.Point.growthRate(times: solution.samples.map(\.time), overlaps: solution.overlaps,
                                                              initialOverlap: quench.initialOverlap)
            let record = Record(
                p: model.p, delta2: model.matrixNoise, deltaP: model.tensorNoise.isFinite ? model.tensorNoise : nil,
                mixture: model.mixture.description, formula: model.mixture.formula, temperature: quench.temperature,
                m0: quench.initialOverlap, gradientFlowThreshold: model.gradientFlowThreshold,
                thresholdMinimaHaveOutlier: model.thresholdMinimaHaveOutlier, engine: "long-time",
                blockSize: options.blockSize, initialStep: options.initialStep, tMax: last.time,
                waitingTimes: solution.waitingCuts.map(\.waitingTime), doublings: solution.doublings,
                passes: solution.report.iterations, largestFinalChange: solution.report.residual, flags: solution.flags,
                finalOverlap: solution.overlaps[solution.overlaps.count - 1], finalEnergy: last.energy,
                finalMultiplier: last.multiplier, recoveryTime: solution.recoveryTime, growthRate: growth,
                seconds: seconds, memoryBytes: solver.memoryBytes, version: PackageInfo.version, files: Array(paths.prefix(3)))
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: paths[3])
            print("spiked quench p = \(model.p), Δ₂ = \(model.matrixNoise), Δ_p = \(model.tensorNoise), T = \(quench.temperature), "
                  + "m0 = \(quench.initialOverlap): long-time engine, M = \(options.blockSize), to t = \(last.time) in "
                  + String(format: "%.1f s", seconds))
            print("  m(t_max) = \(record.finalOverlap), E(t_max) = \(last.energy), t_rec = "
                  + (solution.recoveryTime.map { String(format: "%.4g", $0) } ?? "none (|m| < 0.1 or not settled over the last octave)")
                  + (growth.map { String(format: ", γ = %.5g", $0) } ?? "")
                  + "; closed-form GF threshold Δ₂ = \(model.gradientFlowThreshold)")
            for path in paths { print("  wrote \(path)") }
        } catch {
            if createdFolder { try? FileManager.default.removeItem(at: folder) }
            throw error
        }
    }
}
