import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

/// The driven problem from the command line, its errors as one input line.
func drivenProblem(_ mixture: PSpinMixture, temperature: Double, epsilon: Double, k: Int,
                   eta: Double = 0) throws -> DrivenPSpin {
    do {
        return try DrivenPSpin(mixture: mixture, temperature: temperature, drive: epsilon, driveOrder: k, symmetry: eta)
    } catch {
        throw InputError("\(error)")
    }
}

struct PSpinDriveRecord: Encodable {
    let p: Int?
    let mixture: String
    let T: Double
    let Td: Double
    let epsilon: Double
    let k: Int
    let eta: Double
    let tauAlpha: Double?
    let C1, C2, C5, C10: Double
    let energy: Double
    let mu: Double
    let muFromIdentity: Double
    let injectedPower: Double
    let heatToBath: Double
    let Teff: Double?
    let branch: String
    let dt: Double
    let window: Double
    let iterations: Int
    let residual: Double
    let seconds: Double
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case p, mixture, T, Td, epsilon, k, eta, tauAlpha = "tau_alpha", C1 = "C_1", C2 = "C_2", C5 = "C_5", C10 = "C_10"
        case energy, mu, muFromIdentity = "mu_from_identity", injectedPower = "injected_power"
        case heatToBath = "heat_to_bath", Teff = "T_eff", branch, dt, window, iterations, residual, seconds, version, files
    }
}

struct PSpinDriveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drive",
        abstract: "Stationary state of the p-spin driven by a random non-conservative force: C, R, τ_α, T_eff, power.",
        discussion: """
        Solves R̂ = 1/(μ − iω − Σ̂), Ĉ = |R̂|²(2T + D̂), Σ = f''(C)R, D = f'(C) + ε²h'(C), h = q^k/2, C(0) = 1, \
        with C and R as independent unknowns (no FDT). Below T_d the decaying branch is reached by continuation from \
        ε = 1. --output writes CSV `tau,C,R,chi` (chi = ∫_0^τ R) and a run record FILE.run.json.
        """
    )

    @OptionGroup var model: PSpinModelOptions

    @Option(name: .customLong("T"), help: "Temperature T > 0.")
    var temperature: Double

    @Option(parsing: .unconditional, help: "Drive strength ε ≥ 0 (ε > 0 below T_d).")
    var epsilon: Double

    @Option(name: .customLong("k"), help: "Order of the drive, h(q) = q^k/2 (k ≥ 2).")
    var k: Int = 3

    @Option(parsing: .unconditional, help: "Symmetry η of the drive (0: fully asymmetric; 1: a gradient force).")
    var eta: Double = 0

    @Flag(help: "Print one JSON object on standard output.")
    var json = false

    @Option(help: "Write C(τ), R(τ) and χ(τ) = ∫_0^τ R as CSV `tau,C,R,chi`.")
    var output: String?

    func validate() throws {
        _ = try drivenProblem(try model.model(), temperature: temperature, epsilon: epsilon, k: k, eta: eta)
    }

    func run() throws {
        let mixture = try model.model()
        let problem = try drivenProblem(mixture, temperature: temperature, epsilon: epsilon, k: k, eta: eta)
        let recordPath = output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") }
        for path in [output, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        let start = Date()
        let solution: DrivenPSpinSolution
        do { solution = try problem.solve() } catch { throw InputError("\(error)") }
        let seconds = Date().timeIntervalSince(start)
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "C", "R", "chi"])
            for j in solution.lags.indices {
                table.append([solution.lags[j], solution.correlation[j], solution.response[j],
                              solution.integratedResponse[j]])
            }
            try table.write(to: output)
            written.append(output)
        }
        let window = solution.lags[solution.lags.count - 1]
        func value(at lag: Double) -> Double { lag <= window ? solution.correlation(atLag: lag) : .nan }
        let record = PSpinDriveRecord(
            p: mixture.pureDegree, mixture: mixture.description, T: temperature,
            Td: mixture.dynamicalTransition.temperature, epsilon: epsilon, k: k, eta: eta, tauAlpha: solution.relaxationTime,
            C1: value(at: 1), C2: value(at: 2), C5: value(at: 5), C10: value(at: 10), energy: solution.energy,
            mu: solution.lagrangeMultiplier, muFromIdentity: solution.multiplierFromIdentity,
            injectedPower: solution.injectedPower, heatToBath: solution.heatToBath,
            Teff: solution.slowEffectiveTemperature, branch: "\(solution.branch)", dt: solution.lagStep,
            window: window, iterations: solution.report.iterations, residual: solution.report.residual,
            seconds: seconds, version: PackageInfo.version, files: written)
        if let recordPath { try AtomicFile.write(try JSONRecord.encode(record, pretty: true, snakeCase: false) + "\n", to: recordPath) }
        if json {
            print(try JSONRecord.encode(record, snakeCase: false))
        } else {
            print("driven p-spin \(mixture.formula), h(q) = q^\(k)/2, at T = \(temperature), ε = \(epsilon) "
                  + "(T_d = \(record.Td)): \(solution.branch) branch")
            print("  τ_α = \(solution.relaxationTime.map { "\($0)" } ?? "beyond the window")   (C(τ_α) = 1/e)")
            print("  C(1) = \(record.C1), C(2) = \(record.C2), C(5) = \(record.C5), C(10) = \(record.C10)")
            print("  E = \(solution.energy),  μ = \(solution.lagrangeMultiplier)  (T + ∫(ΣC + DR) = \(solution.multiplierFromIdentity))")
            print("  injected power = \(solution.injectedPower),  heat to the bath = \(solution.heatToBath)")
            print("  T_eff (slow part, χ–C slope) = \(solution.slowEffectiveTemperature.map { "\($0)" } ?? "n/a")")
            print("  \(solution.report.iterations) iterations, residual \(solution.report.residual), dt = \(solution.lagStep), "
                  + "window \(window), " + String(format: "%.1f ms", seconds * 1000))
            for path in written { print("  wrote \(path)") }
            if let recordPath { print("  wrote \(recordPath)") }
        }
    }
}

struct PSpinDriveScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drive-scan",
        abstract: "τ_α, E, μ, T_eff and injected power of the driven p-spin over a range of ε (large to small, continuation).",
        discussion: """
        Writes CSV `epsilon,tau_alpha,energy,mu,T_eff,power,heat,branch,iterations,residual,seconds` (T_eff: slope \
        of χ against C for 0.05 ≤ C ≤ 0.4; power: injected, heat: to the bath; iterations and seconds of the last \
        solve of the point, after any window doubling) and FILE.run.json; failed points are nan, reported, and make \
        the exit status non-zero.
        """
    )

    @OptionGroup var model: PSpinModelOptions

    @Option(name: .customLong("T"), help: "Temperature T > 0.")
    var temperature: Double

    @Option(name: .customLong("epsilon-min"), help: "Smallest drive ε (> 0 below T_d).")
    var epsilonMin: Double

    @Option(name: .customLong("epsilon-max"), help: "Largest drive ε.")
    var epsilonMax: Double

    @Option(help: "Number of drives (evenly spaced, endpoints included).")
    var steps: Int

    @Option(name: .customLong("k"), help: "Order of the drive, h(q) = q^k/2 (k ≥ 2).")
    var k: Int = 3

    @Option(help: "Output CSV file.")
    var output: String

    @Option(name: .customLong("workers"), parsing: .unconditional,
            help: "Continuation lanes run in parallel, at most 4 per core (default: one per core); the numbers depend on it.")
    var requestedWorkers: Int?

    @OptionGroup var shardOption: ShardOption

    var workers: Int { requestedWorkers ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        guard (1...100_000).contains(steps) else { throw InputError("invalid steps = \(steps): it must be between 1 and 100000") }
        try CommandSupport.require(epsilonMax, named: "epsilon-max", "a finite number >= epsilon-min") { $0 >= epsilonMin }
        _ = try drivenProblem(try model.model(), temperature: temperature, epsilon: epsilonMin, k: k)
        try ThreadCount.require(workers, named: "workers")
        if shardOption.shard != nil && requestedWorkers != nil {
            throw InputError("--shard I/N runs continuation lane I of N (as a single run with --workers N): leave out --workers")
        }
    }

    func run() throws {
        let mixture = try model.model()
        let recordPath = CommandSupport.sibling(of: output, suffix: ".run.json")
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(recordPath)
        let drives = evenlySpaced(from: epsilonMax, to: epsilonMin, count: steps)
        let showProgress = CommandSupport.showsProgress
        let start = Date()
        // Lane w continues through the points w, w + lanes, …: with --shard I/N the shard is lane I − 1 of N.
        let shard = shardOption.selected
        let lanes = shardOption.shard == nil ? max(1, min(workers, drives.count)) : shard.count
        let lanePoints = DrivenPSpinScan.run(mixture: mixture, driveMixture: try PSpinMixture.pure(k), temperature: temperature,
                                             drives: drives, lanes: lanes,
                                             selectedLanes: shardOption.shard == nil ? Array(0..<lanes) : [shard.index - 1]) { done in
            if showProgress { CommandSupport.progress("drive-scan: \(done)/\(drives.count) drives") }
        }
        let points = shard.indices(of: drives.count).map { lanePoints[$0]! }
        if showProgress { CommandSupport.endProgress() }
        var table = CSVTable(columns: ["epsilon", "tau_alpha", "energy", "mu", "T_eff", "power", "heat", "branch",
                                       "iterations", "residual", "seconds"])
        var failures = 0
        for point in points {
            if let solution = point.solution {
                table.append(fields: ["\(point.drive)", "\(solution.relaxationTime ?? .nan)", "\(solution.energy)",
                                      "\(solution.lagrangeMultiplier)", "\(solution.slowEffectiveTemperature ?? .nan)",
                                      "\(solution.injectedPower)", "\(solution.heatToBath)", "\(solution.branch)",
                                      "\(solution.report.iterations)", "\(solution.report.residual)", "\(solution.seconds)"])
            } else {
                failures += 1
                CommandSupport.warn("epsilon = \(point.drive): \(point.failure ?? "failed")")
                table.append(fields: ["\(point.drive)", "nan", "nan", "nan", "nan", "nan", "nan", "failed", "nan",
                                      "\(point.failedResidual)", "nan"])
            }
        }
        try table.write(to: output)
        struct Record: Encodable {
            let mixture: String; let temperature: Double; let k: Int; let epsilonMin, epsilonMax: Double; let steps: Int
            let failures: Int; let seconds: Double; let version: String; let lanes: Int; let shard: ShardRecord?
        }
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(try JSONRecord.encode(Record(mixture: mixture.description, temperature: temperature, k: k,
                                                          epsilonMin: epsilonMin, epsilonMax: epsilonMax, steps: steps,
                                                          failures: failures, seconds: seconds, version: PackageInfo.version,
                                                          lanes: lanes,
                                                          shard: shardOption.record([.init(path: URL(fileURLWithPath: output).standardizedFileURL.path,
                                                                                           suffix: "", rows: steps)])),
                                                   pretty: true) + "\n", to: recordPath)
        print("scanned \(points.count) drives in " + String(format: "%.2f s", seconds) + "; wrote \(output) and \(recordPath)")
        if failures > 0 {
            throw RunFailure("\(CommandSupport.counted(failures, "drive")) of \(drives.count) failed (see above; nan rows in \(output))")
        }
    }
}
