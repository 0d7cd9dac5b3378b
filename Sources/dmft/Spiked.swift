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
        _ = try options()
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
        Example:
          dmft spiked quench --p 3 --delta2 0.4 --delta-p 1 --T 0 --m0 0.001 --t-max 100 --dt 0.05 --output spk
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
        guard let waitingTimes else { return [grid.tMax / 8, grid.tMax / 4, grid.tMax / 2] }
        return try CommandSupport.numbers(waitingTimes, named: "waiting times", in: 0...grid.tMax)
    }

    func validate() throws {
        _ = try grid.quench(matrixNoise: matrixNoise)
        _ = try parsedWaitingTimes()
    }

    func run() throws {
        let quench = try grid.quench(matrixNoise: matrixNoise)
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
        overshoot C ≤ 1) and FILE.run.json. Example:
          dmft spiked threshold --p 3 --delta-p 1 --T 0 --delta2-range 0.30:0.45:6 --t-max 100 --output scan.csv
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
        let options = try grid.options()
        let recordPath = outputFiles[1]
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(recordPath)
        let first = try grid.quench(matrixNoise: values[0])
        let scan = SpikedThresholdScan(p: grid.p, tensorNoise: grid.tensorNoise, temperature: grid.temperature,
                                       initialOverlap: grid.initialOverlap, options: options)
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
        var table = CSVTable(columns: ["delta2", "t_rec", "m_final", "E_final", "t_end"])
        for point in points {
            table.append([point.matrixNoise, point.recoveryTime ?? .nan, point.finalOverlap, point.finalEnergy, point.endTime])
        }
        try table.write(to: output)
        struct Record: Encodable {
            let p: Int; let deltaP: Double?; let temperature: Double; let m0: Double
            let dt: Double; let tMax: Double; let order: Int; let correctorPasses: Int; let workers: Int
            let points: [SpikedThresholdScan.Point]
            let divergence: RecoveryDivergence?
            let closedFormThreshold: Double
            let relativeDeviation: Double?
            let seconds: Double; let version: String; let files: [String]
        }
        let record = Record(p: grid.p, deltaP: grid.tensorNoise.isFinite ? grid.tensorNoise : nil, temperature: grid.temperature,
                            m0: grid.initialOverlap, dt: options.step, tMax: options.maximumTime, order: options.order,
                            correctorPasses: options.correctorPasses, workers: workers, points: points, divergence: fit,
                            closedFormThreshold: closedForm,
                            relativeDeviation: fit.map { ($0.threshold - closedForm) / closedForm },
                            seconds: seconds, version: PackageInfo.version, files: outputFiles)
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        print("spiked threshold p = \(grid.p), Δ_p = \(grid.tensorNoise), T = \(grid.temperature), m0 = \(grid.initialOverlap), "
              + "t-max = \(options.maximumTime), dt = \(options.step): \(points.count) points in " + String(format: "%.1f s", seconds))
        for point in points {
            let time = point.recoveryTime.map { String(format: "%.4g", $0) } ?? "none"
            print(String(format: "  Δ₂ = %.6g  t_rec = ", point.matrixNoise) + time
                  + String(format: "  m = %.6g at t = %.6g", point.finalOverlap, point.endTime))
        }
        if let fit {
            print(String(format: "  divergence of t_rec: Δ₂* = %.5f ± %.5f (ν = %.3f ± %.3f, %d points); closed form %.5f (%+.2f%%)",
                         fit.threshold, fit.thresholdError, fit.exponent, fit.exponentError, fit.points, closedForm,
                         100 * (fit.threshold - closedForm) / closedForm))
        } else {
            print("  divergence of t_rec: too few recovered points to fit (need 4); closed form \(closedForm)")
        }
        print("  wrote \(output) and \(recordPath)")
    }
}
