import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft pspin age` records in DIR/run.json.
struct PSpinAgeRecord: Encodable {
    struct Run: Encodable {
        let blockSize: Int
        let doublings: Int
        let passes: Int
        let largestFinalChange: Double
        let seconds: Double
        let memoryBytes: Int
    }
    let mixture: String
    let formula: String
    let temperature: Double
    let start: String
    /// T' of an equilibrium start (nil: random start).
    let initialTemperature: Double?
    let tMax: Double
    let initialStep: Double
    let waitingTimes: [Double]
    let runs: [Run]
    let finalEnergy: Double
    let finalMultiplier: Double
    let thresholdEnergy: Double?
    let energyErrorBar: Double?
    let flags: LongTimeFlags
    /// The threshold state the aging approaches (pure p ≥ 3 below T_d).
    let asymptote: AgingAsymptote?
    /// E(t) − E_∞ ≈ A t^{−α} fitted on [t_max/100, t_max].
    let energyExponent: Exponent?
    /// dχ/dC of each waiting-time cut for C in [0.1, 0.5].
    let fdSlopes: [FDSlope]
    struct Exponent: Encodable {
        let from: Double
        let to: Double
        let asymptote: Double
        let alpha: Double
        /// Standard error of the fit.
        let statisticalError: Double
        /// |α_M − α_2M| (with --error-bar).
        let blockSizeDifference: Double?
    }
    struct FDSlope: Encodable {
        let waitingTime: Double
        let correlationRange: [Double]
        let slope: Double
        let slopeError: Double
        let points: Int
        /// |slope_M − slope_2M| (with --error-bar).
        let blockSizeDifference: Double?
    }
    /// The checkpoint continued (--resume) and the rows it held; nil for a fresh run.
    let resumedFrom: String?
    let resumedAtRow: Int?
    let cores: Int
    let version: String
    let files: [String]
}

/// The parameters of a `dmft pspin age` run that a checkpoint must share with the run resuming it.
struct PSpinAgeCheckpointContext: Codable, Equatable {
    let model: String
    let temperature: Double
    let initialTemperature: Double?
    let tMax: Double
    let blockSize: Int
    let errorBar: Bool
    let waitingTimes: [Double]
    let flagTolerance: Double

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The first parameter that differs, "name here vs in the checkpoint".
    func difference(from stored: String) -> String {
        guard let other = try? JSONDecoder().decode(Self.self, from: Data(stored.utf8)) else { return "unreadable parameters" }
        func show(_ value: Double?) -> String { value.map { "\($0)" } ?? "none" }
        if model != other.model { return "model \(model) here, \(other.model) in the checkpoint" }
        if temperature != other.temperature { return "T = \(temperature) here, \(other.temperature) in the checkpoint" }
        if initialTemperature != other.initialTemperature {
            return "initial-temperature \(show(initialTemperature)) here, \(show(other.initialTemperature)) in the checkpoint"
        }
        if tMax != other.tMax { return "t-max = \(tMax) here, \(other.tMax) in the checkpoint" }
        if blockSize != other.blockSize { return "block-size = \(blockSize) here, \(other.blockSize) in the checkpoint" }
        if errorBar != other.errorBar { return "--error-bar \(errorBar ? "given" : "not given") here, the opposite in the checkpoint" }
        if waitingTimes != other.waitingTimes { return "waiting times \(waitingTimes) here, \(other.waitingTimes) in the checkpoint" }
        return "flag-tolerance = \(flagTolerance) here, \(other.flagTolerance) in the checkpoint"
    }
}

struct PSpinAgeCommand: ParsableCommand, WritesOutputFiles {
    static let configuration = CommandConfiguration(
        commandName: "age",
        abstract: "Long-time aging after a quench from a random start (t up to 1e5): E(t), C(t_w + τ, t_w), FD data.",
        discussion: """
        Integrates the Cugliandolo–Kurchan equations (docs/PHYSICS.md §2) in C and χ on a block-doubling grid \
        (Kim–Latz type): blocks of M steps, and when a block is full every second row and column is kept and the \
        step doubles, so memory is 2(M+1)² doubles whatever t-max and the cost grows like log t. Any T ≥ 0 \
        (T = 0 is gradient descent). Second-order scheme in 1/M: --error-bar runs again at 2M, reports the 2M \
        values and |E_M − E_2M| as the error bar. Waiting times are moved to the nearest grid time h0·2^k \
        (h0 = 2^-30). The run refuses impossible output (C > 1; E rising above its running minimum; at T = 0, E \
        below E_th) larger than --flag-tolerance. Accuracy today: |ΔE| ≈ 1e-4–1e-3 at M = 512 (docs/PHYSICS.md §2.8); \
        T = 0 and T = 0.4 run to 1e5 within the default tolerance (largest rise of E ≈ 5e-4 at M = 256); \
        above T_d (T = 0.8) the error once the step exceeds τ_α is ≈ 5e-3 and the default tolerance stops the run. Writes DIR/energy.csv `t,energy,mu,error_bar`, DIR/correlation.csv `t_w,tau,C`, \
        DIR/fdt.csv `t_w,t,C,chi` (χ(t,t_w) = ∫_{t_w}^t R(t,s) ds), DIR/fd_ratio.csv `t_w,t,C,dchi_dC,X` (the FD \
        ratio X = −T dχ/dC along each cut, by three-point differences in t) and DIR/run.json, which also holds, for a pure \
        p ≥ 3 below T_d, the threshold state (q, x, βx, E_∞), the exponent α of E − E_∞ ∝ t^−α fitted on \
        [t-max/100, t-max] and, per t_w, the FD slope dχ/dC for 0.1 ≤ C ≤ 0.5 (each with its fit error and, with \
        --error-bar, its change between M and 2M). --initial-temperature T' (also --start-T) starts from \
        equilibrium at T' > T_d instead of a random configuration (annealed average, docs/PHYSICS.md §2.8; T' ≤ T_d \
        is refused); with T' = T the run is stationary. --checkpoint FILE writes the whole state (the block, \
        2(M+1)² doubles, and the rows so far; ≈ 4.6 MB at M = 512) every --checkpoint-rows rows and every \
        --checkpoint-interval seconds; --resume FILE continues it with outputs identical to an uninterrupted run, \
        and refuses a checkpoint of other parameters with one line. Examples:
          dmft pspin age --p 3 --T 0.4 --t-max 1e4 --block-size 256 --error-bar --output age04
          dmft pspin age --p 3 --T 0.8 --start-T 1 --t-max 100 --checkpoint c --output hot
          dmft pspin age --p 3 --T 0.8 --start-T 1 --t-max 100 --checkpoint c --resume c --output hot
        """
    )

    @OptionGroup var model: PSpinModelOptions

    @Option(name: .customLong("T"), parsing: .unconditional, help: "Temperature T ≥ 0 after the quench.",
            transform: ArgumentValue.number)
    var temperature: Double

    @Option(name: [.customLong("initial-temperature"), .customLong("start-T")], parsing: .unconditional,
            help: "Equilibrium start: the initial configuration is drawn from the Boltzmann measure at T' > T_d (default: a random start).",
            transform: ArgumentValue.number)
    var initialTemperature: Double?

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Final time (≤ 1e9).", transform: ArgumentValue.number)
    var tMax: Double

    @Option(name: .customLong("block-size"), parsing: .unconditional, help: "Steps per block M (even, 16…4096).")
    var blockSize: Int = 256

    @Option(name: .customLong("waiting-times"), parsing: .unconditional,
            help: "Comma-separated waiting times t_w in (0, t-max] (default: 1, 10, 100, … up to t-max/10).")
    var waitingTimes: String?

    @Flag(name: .customLong("error-bar"), help: "Run again at twice the block size and report the difference as the error bar.")
    var errorBar = false

    @Option(name: .customLong("flag-tolerance"), parsing: .unconditional,
            help: "Tolerance of the impossible-output checks, about the run's error bar (default: 1e-3).",
            transform: ArgumentValue.number)
    var flagTolerance: Double = 1e-3

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String

    @Option(help: ArgumentHelp("Write the run's state to this file (replaced atomically) every --checkpoint-rows rows and every --checkpoint-interval seconds.",
                               valueName: "file"), transform: ArgumentValue.path)
    var checkpoint: String?

    @Option(name: .customLong("checkpoint-rows"), parsing: .unconditional,
            help: "Computed rows between checkpoints (default: by time only).")
    var checkpointRows: Int?

    @Option(name: .customLong("checkpoint-interval"), parsing: .unconditional,
            help: "Seconds of wall time between checkpoints. (default: 180)", transform: ArgumentValue.number)
    var checkpointInterval: Double = 180

    @Option(help: ArgumentHelp("Continue from this checkpoint (written with the same parameters); the outputs equal those of an uninterrupted run.",
                               valueName: "file"), transform: ArgumentValue.path)
    var resume: String?

    func context() throws -> PSpinAgeCheckpointContext {
        PSpinAgeCheckpointContext(model: try model.model().formula, temperature: temperature,
                                  initialTemperature: initialTemperature, tMax: tMax, blockSize: blockSize,
                                  errorBar: errorBar, waitingTimes: try parsedWaitingTimes(), flagTolerance: flagTolerance)
    }

    var outputFiles: [String] {
        ["energy.csv", "correlation.csv", "fdt.csv", "run.json", "fd_ratio.csv"]
            .map { URL(fileURLWithPath: output).appendingPathComponent($0).path }
    }

    func parsedWaitingTimes() throws -> [Double] {
        guard let waitingTimes else {
            var list: [Double] = []
            var t = 1.0
            while t <= tMax / 10 { list.append(t); t *= 10 }
            return list
        }
        return try CommandSupport.numbers(waitingTimes, named: "waiting times", in: 1e-6...tMax)
    }

    func options(blockSize: Int) throws -> LongTimeOptions {
        LongTimeOptions(blockSize: blockSize, maximumTime: tMax, waitingTimes: try parsedWaitingTimes())
    }

    func validate() throws {
        _ = try model.model()
        try CommandSupport.require(temperature, named: "T", ">= 0") { $0 >= 0 }
        try CommandSupport.require(tMax, named: "t-max", "> 0 and <= 1e9") { $0 > 0 && $0 <= 1e9 }
        try CommandSupport.require(flagTolerance, named: "flag-tolerance", "> 0") { $0 > 0 }
        if let initialTemperature {
            let transition = try model.model().dynamicalTransition.temperature
            try CommandSupport.require(initialTemperature, named: "initial-temperature",
                                       "> T_d = \(transition) (an equilibrium start needs the paramagnet)") { $0 > transition }
        }
        guard blockSize >= 16, blockSize <= (errorBar ? 2048 : 4096), blockSize % 2 == 0 else {
            throw InputError("invalid block-size = \(blockSize): it must be an even integer in 16...\(errorBar ? 2048 : 4096)")
        }
        _ = try parsedWaitingTimes()
        if let checkpointRows, checkpointRows < 1 {
            throw InputError("invalid checkpoint-rows = \(checkpointRows): checkpoint-rows must be >= 1")
        }
        try CommandSupport.require(checkpointInterval, named: "checkpoint-interval", "> 0") { $0 > 0 }
        if checkpoint == nil && (checkpointRows != nil) {
            throw InputError("--checkpoint-rows needs --checkpoint FILE")
        }
    }

    func run() throws {
        let mixture = try model.model()
        let folder = URL(fileURLWithPath: output)
        try CommandSupport.checkOutputFolder(output)
        let quench: LongTimeQuench
        do {
            quench = try LongTimeQuench(mixture: mixture, temperature: temperature, initialTemperature: initialTemperature)
        } catch let error as TwoTimeError {
            throw InputError(error.description)
        }
        let sizes = errorBar ? [blockSize, 2 * blockSize] : [blockSize]
        let context = try context()
        // A checkpoint to continue: refused (one line, nothing written) unless it is of this very run.
        var resumed: LongTimeCheckpoint?
        if let resume {
            do { resumed = try LongTimeCheckpoint(path: resume) } catch let error as TwoTimeError {
                throw InputError(error.description)
            }
            if let stored = resumed?.context, stored != context.json {
                throw InputError("checkpoint \(resume) belongs to another run (\(context.difference(from: stored))); start afresh or pass its parameters")
            }
        }
        // The stage (index in sizes) the checkpoint was written in; earlier runs are stored whole in it.
        let stage = resumed?.attachment("stage")?.first.map { Int($0) } ?? 0
        guard stage >= 0, stage < sizes.count else { throw InputError("checkpoint \(resume ?? ""): corrupted (stage \(stage))") }
        var solutions: [LongTimeQuenchSolution] = []
        var runs: [PSpinAgeRecord.Run] = []
        for (index, size) in sizes.enumerated() {
            let solver: LongTimeQuenchSolver
            do { solver = try LongTimeQuenchSolver(quench, options: try options(blockSize: size)) } catch let error as TwoTimeError {
                throw InputError(error.description)
            }
            solver.flagTolerance = flagTolerance
            if index < stage, let resumed {
                var arrays: [String: [Double]] = [:]
                for name in resumed.attachmentNames where name.hasPrefix("run\(index).") {
                    arrays[String(name.dropFirst("run\(index).".count))] = resumed.attachment(name)
                }
                let done: LongTimeQuenchSolution
                do {
                    done = try LongTimeQuenchSolution(mixture: mixture, temperature: temperature, options: try options(blockSize: size),
                                                      checkpointArrays: arrays, path: resumed.path)
                } catch let error as TwoTimeError { throw InputError(error.description) }
                solutions.append(done)
                runs.append(.init(blockSize: size, doublings: done.doublings, passes: done.report.iterations,
                                  largestFinalChange: done.report.residual, seconds: arrays["seconds"]?.first ?? 0,
                                  memoryBytes: solver.memoryBytes))
                continue
            }
            if let checkpoint {
                var attachments: [String: [Double]] = ["stage": [Double(index)]]
                for (j, done) in solutions.enumerated() {
                    for (name, values) in done.checkpointArrays() { attachments["run\(j).\(name)"] = values }
                    attachments["run\(j).seconds"] = [runs[j].seconds]
                }
                solver.checkpointPolicy = LongTimeCheckpointPolicy(
                    path: checkpoint, everyRows: checkpointRows, everySeconds: checkpointInterval, context: context.json,
                    attachments: attachments, onFailure: { CommandSupport.warn("\($0)") })
            }
            let continued = index == stage ? resumed : nil
            let began = Date()
            let showProgress = CommandSupport.showsProgress
            let solution: LongTimeQuenchSolution
            do {
                solution = try solver.solve(resumingFrom: continued) { t, energy in
                guard showProgress else { return }
                CommandSupport.progress(String(format: "age (M = %d): t = %.4g  E = %.8f  elapsed %.0f s",
                                               size, t, energy, Date().timeIntervalSince(began)))
                }
            } catch let error as TwoTimeError {
                if showProgress { CommandSupport.endProgress() }
                switch error {
                case .checkpointMismatch, .unreadableCheckpoint: throw InputError(error.description)
                default: throw error
                }
            }
            if showProgress { CommandSupport.endProgress() }
            solutions.append(solution)
            runs.append(.init(blockSize: size, doublings: solution.doublings, passes: solution.report.iterations,
                              largestFinalChange: solution.report.residual,
                              seconds: Date().timeIntervalSince(began) + (continued?.seconds ?? 0),
                              memoryBytes: solver.memoryBytes))
        }
        let coarse = solutions[0], best = solutions[solutions.count - 1]
        let createdFolder = !FileManager.default.fileExists(atPath: folder.path)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        do {
            var energy = CSVTable(columns: ["t", "energy", "mu", "error_bar"])
            var largestBar: Double?
            for sample in coarse.samples where sample.time > 0 {
                if solutions.count == 2 {
                    guard let fine = best.sample(at: sample.time) else { continue }
                    let bar = abs(fine.energy - sample.energy)
                    largestBar = max(largestBar ?? 0, sample.time >= 1 ? bar : 0)
                    energy.append([sample.time, fine.energy, fine.multiplier, bar])
                } else {
                    energy.append([sample.time, sample.energy, sample.multiplier, .nan])
                }
            }
            var correlation = CSVTable(columns: ["t_w", "tau", "C"])
            var fdt = CSVTable(columns: ["t_w", "t", "C", "chi"])
            var ratio = CSVTable(columns: ["t_w", "t", "C", "dchi_dC", "X"])
            for cut in best.waitingCuts {
                for (k, t) in cut.times.enumerated() {
                    correlation.append([cut.waitingTime, t - cut.waitingTime, cut.correlation[k]])
                    fdt.append([cut.waitingTime, t, cut.correlation[k], cut.susceptibility[k]])
                }
                for point in cut.fluctuationDissipationRatio(temperature: temperature) {
                    ratio.append([cut.waitingTime, point.time, point.correlation, point.slope, point.ratio])
                }
            }
            let paths = outputFiles
            try energy.write(to: paths[0])
            try correlation.write(to: paths[1])
            try fdt.write(to: paths[2])
            try ratio.write(to: paths[4])
            let last = best.samples.last!
            let asymptote = try? AgingAsymptote(mixture: mixture, temperature: temperature)
            var exponent: PSpinAgeRecord.Exponent?
            if let limit = asymptote?.energy ?? (temperature == 0 ? quench.thresholdEnergy : nil), last.time >= 100,
               let fit = best.energyPowerLaw(asymptote: limit, from: last.time / 100, to: last.time) {
                let other = solutions.count == 2 ? coarse.energyPowerLaw(asymptote: limit, from: last.time / 100, to: last.time) : nil
                exponent = .init(from: last.time / 100, to: last.time, asymptote: limit, alpha: -fit.slope,
                                 statisticalError: fit.slopeError, blockSizeDifference: other.map { abs($0.slope - fit.slope) })
            }
            let range = 0.1...0.5
            var slopes: [PSpinAgeRecord.FDSlope] = []
            for (k, cut) in best.waitingCuts.enumerated() {
                guard let fit = cut.fluctuationDissipationSlope(correlations: range) else { continue }
                let other = solutions.count == 2 ? coarse.waitingCuts[k].fluctuationDissipationSlope(correlations: range) : nil
                slopes.append(.init(waitingTime: cut.waitingTime, correlationRange: [range.lowerBound, range.upperBound],
                                    slope: fit.slope, slopeError: fit.slopeError, points: fit.points,
                                    blockSizeDifference: other.map { abs($0.slope - fit.slope) }))
            }
            let record = PSpinAgeRecord(
                mixture: mixture.description, formula: mixture.formula, temperature: temperature,
                start: initialTemperature.map { "equilibrium at T' = \($0)" } ?? "random", initialTemperature: initialTemperature,
                tMax: last.time, initialStep: best.options.initialStep, waitingTimes: best.waitingCuts.map(\.waitingTime),
                runs: runs, finalEnergy: last.energy, finalMultiplier: last.multiplier,
                thresholdEnergy: temperature == 0 ? quench.thresholdEnergy : nil, energyErrorBar: largestBar,
                flags: best.flags, asymptote: asymptote, energyExponent: exponent, fdSlopes: slopes,
                resumedFrom: resume, resumedAtRow: resumed?.completedRows, cores: ProcessInfo.processInfo.activeProcessorCount, version: PackageInfo.version,
                files: Array(paths.prefix(3)) + [paths[4]])
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: paths[3])
            print("p-spin aging \(mixture.label), T = \(temperature) from "
                  + (initialTemperature.map { "an equilibrium start at T' = \($0)" } ?? "a random start")
                  + " to t = \(last.time): "
                  + runs.map { String(format: "M = %d in %.1f s", $0.blockSize, $0.seconds) }.joined(separator: ", "))
            print("  E(t_max) = \(last.energy)" + (largestBar.map { String(format: " ± %.2e (largest |E_M − E_2M| for t ≥ 1)", $0) } ?? ""))
            if let exponent {
                print(String(format: "  E − E_∞ ∝ t^−α on [%g, %g]: α = %.4f ± %.4f (fit)", exponent.from, exponent.to,
                             exponent.alpha, exponent.statisticalError)
                      + (exponent.blockSizeDifference.map { String(format: " ± %.4f (M vs 2M)", $0) } ?? ""))
            }
            for slope in slopes {
                print(String(format: "  FD slope dχ/dC at t_w = %g (0.1 ≤ C ≤ 0.5): %.4f", slope.waitingTime, slope.slope)
                      + (asymptote.map { String(format: " (aging theory −βx = %.4f)", -$0.agingSlope) } ?? ""))
            }
            for path in paths { print("  wrote \(path)") }
        } catch {
            if createdFolder { try? FileManager.default.removeItem(at: folder) }
            throw error
        }
    }
}
