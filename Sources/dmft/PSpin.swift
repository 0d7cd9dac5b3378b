import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

struct PSpin: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pspin",
        abstract: "Spherical p-spin glass, f(q) = Σ c_p q^p/2: equilibrium above T_d, the transition, quenches and aging.",
        subcommands: [PSpinSolve.self, PSpinScanCommand.self, PSpinTransition.self, PSpinQuenchCommand.self, PSpinAgeCommand.self, PSpinDriveCommand.self, PSpinDriveScanCommand.self]
    )
}

/// `--p P` or `--mixture "3:1,4:0.5"`, shared by the p-spin subcommands.
struct PSpinModelOptions: ParsableArguments {
    @Option(name: .customLong("p"), parsing: .unconditional, help: "Pure p-spin model, f(q) = q^p/2 (p ≥ 2).")
    var degree: Int?

    @Option(parsing: .unconditional, help: "Mixture f(q) = Σ c_p q^p/2 as p:c_p pairs, e.g. \"3:1,4:0.5\" (c_p ≥ 0).")
    var mixture: String?

    /// The model named on the command line.
    func model() throws -> PSpinMixture {
        switch (degree, mixture) {
        case (nil, nil): throw InputError("give the model: --p P or --mixture \"3:1,4:0.5\"")
        case (.some, .some): throw InputError("give either --p or --mixture, not both")
        case (let p?, nil):
            do { return try PSpinMixture.pure(p) } catch { throw InputError("\(error)") }
        case (nil, let text?):
            do { return try PSpinMixture(parsing: text) } catch { throw InputError("\(error)") }
        }
    }

    func validate() throws { _ = try model() }
}

/// The equilibrium problem at `temperature`: a finite T > 0 (one input line otherwise), and the library's refusal of
/// T ≤ T_d, naming T_d and the quench integrator.
func equilibriumProblem(_ mixture: PSpinMixture, temperature: Double) throws -> PSpinEquilibrium {
    try CommandSupport.require(temperature, named: "T", "> 0") { $0 > 0 }
    do { return try PSpinEquilibrium(mixture: mixture, temperature: temperature) } catch { throw InputError("\(error)") }
}

struct PSpinSolveRecord: Encodable {
    let p: Int?
    let mixture: String
    let T: Double
    let Td: Double
    let qd: Double
    let tauAlpha: Double?
    let energy: Double
    let energyFromDynamics: Double
    let mu: Double
    let method: String
    let iterations: Int
    let residual: Double
    let seconds: Double
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case p, mixture, T, Td, qd, tauAlpha = "tau_alpha", energy, energyFromDynamics = "energy_from_dynamics", mu, method
        case iterations, residual, seconds, version, files
    }
}

struct PSpinSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Equilibrium C(τ), R(τ) = −βC'(τ), χ(ω), Ĉ(ω), energy, μ and τ_α at T > T_d.",
        discussion: """
        Solves ∂_τC = −TC − β∫_0^τ f'(C(τ−s)) ∂_sC(s) ds with C(0) = 1 (FDT). --method spectral iterates in \
        frequency space on a uniform lag grid chosen from T (the window holds C down to ~1e-8); --method doubling \
        integrates in time on a doubling grid to τ = 1e10; --method auto (default) runs spectral unless its grid \
        would exceed 2^17 points (close to T_d), doubling then; the output says which ran. --output writes CSV \
        `tau,C,R`; --spectrum writes `omega,chi_real,chi_imag,C_omega` (spectral method only); a run record \
        FILE.run.json goes beside --output.
        """
    )

    @OptionGroup var model: PSpinModelOptions

    @Option(name: .customLong("T"), parsing: .unconditional, help: "Temperature T > T_d.", transform: ArgumentValue.number)
    var temperature: Double

    @Option(help: "Equilibrium solver (see above).")
    var method: PSpinEquilibriumMethod = .auto

    @OptionGroup var outputs: SolveOutputOptions

    var json: Bool { outputs.json }
    var output: String? { outputs.output }
    var spectrum: String? { outputs.spectrum }
    var recordPath: String? { output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") } }

    func validate() throws {
        let problem = try equilibriumProblem(try model.model(), temperature: temperature)
        if spectrum != nil && method.resolved(for: problem) != .spectral {
            throw InputError("--spectrum needs the spectral method, and --method \(method.rawValue) runs doubling at T = \(temperature)")
        }
        try CommandSupport.requireDistinct([("--output", output), ("--spectrum", spectrum), ("the run record", recordPath)])
    }

    func run() throws {
        let mixture = try model.model()
        let problem = try equilibriumProblem(mixture, temperature: temperature)
        for path in [output, spectrum, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        let start = Date()
        let summary = try problem.solve(method: method)
        let seconds = Date().timeIntervalSince(start)
        let method = summary.method
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "C", "R"])
            for j in summary.lags.indices { table.append([summary.lags[j], summary.correlation[j], summary.response[j]]) }
            try table.write(to: output)
            written.append(output)
        }
        if let spectrum, let spectra = summary.spectra {
            var table = CSVTable(columns: ["omega", "chi_real", "chi_imag", "C_omega"])
            for k in spectra.frequencies.indices {
                table.append([spectra.frequencies[k], spectra.susceptibilityReal[k], spectra.susceptibilityImaginary[k],
                              spectra.correlation[k]])
            }
            try table.write(to: spectrum)
            written.append(spectrum)
        }
        let transition = mixture.dynamicalTransition
        let record = PSpinSolveRecord(
            p: mixture.pureDegree, mixture: mixture.description, T: temperature, Td: transition.temperature,
            qd: transition.plateau, tauAlpha: summary.relaxationTime, energy: summary.energy,
            energyFromDynamics: summary.energyFromDynamics, mu: summary.lagrangeMultiplier, method: method.rawValue,
            iterations: summary.report.iterations, residual: summary.report.residual, seconds: seconds,
            version: PackageInfo.version, files: written)
        if let recordPath { try AtomicFile.write(try JSONRecord.encode(record, pretty: true, snakeCase: false) + "\n", to: recordPath) }
        if json {
            print(try JSONRecord.encode(record, snakeCase: false))
        } else {
            print("p-spin \(mixture.formula) at T = \(temperature) (T_d = \(transition.temperature)), \(method) method")
            print("  τ_α = \(summary.relaxationTime.map { "\($0)" } ?? "beyond the window")   (C(τ_α) = 1/e)")
            print("  E = \(summary.energy)   (−∫f'(C)R = \(summary.energyFromDynamics)),  μ = \(summary.lagrangeMultiplier)")
            print("  \(summary.report.iterations) iterations, residual \(summary.report.residual), " + String(format: "%.1f ms", seconds * 1000))
            for path in written { print("  wrote \(path)") }
            if let recordPath { print("  wrote \(recordPath)") }
        }
    }
}

struct PSpinScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "τ_α, energy and μ over a range of temperatures above T_d, on every core.",
        discussion: "Writes CSV `T,tau_alpha,energy,mu,method,iterations,residual` and FILE.run.json; failed points are nan, reported, and make the exit status non-zero."
    )

    @OptionGroup var model: PSpinModelOptions

    @Option(name: .customLong("T-min"), parsing: .unconditional, help: "Lowest temperature (> T_d).",
            transform: ArgumentValue.number)
    var temperatureMin: Double

    @Option(name: .customLong("T-max"), parsing: .unconditional, help: "Highest temperature.", transform: ArgumentValue.number)
    var temperatureMax: Double

    @Option(parsing: .unconditional, help: "Number of temperatures (evenly spaced, endpoints included).")
    var steps: Int

    @Option(help: "Equilibrium solver (auto: spectral unless its grid is too large, close to T_d).")
    var method: PSpinEquilibriumMethod = .auto

    @Option(help: ArgumentHelp("Output CSV file (the run record goes to FILE.run.json).", valueName: "file"),
            transform: ArgumentValue.path)
    var output: String

    @OptionGroup var shardOption: ShardOption

    var recordPath: String { CommandSupport.sibling(of: output, suffix: ".run.json") }

    func validate() throws {
        guard (1...100_000).contains(steps) else { throw InputError("invalid steps = \(steps): steps must be between 1 and 100000") }
        try CommandSupport.require(temperatureMax, named: "T-max", ">= T-min") { $0 >= temperatureMin }
        _ = try equilibriumProblem(try model.model(), temperature: temperatureMin)
        try CommandSupport.requireDistinct([("--output", output), ("the run record", recordPath)])
    }

    func run() throws {
        let mixture = try model.model()
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(recordPath)
        let temperatures = shardOption.selected.select(evenlySpaced(from: temperatureMin, to: temperatureMax, count: steps))
        let showProgress = CommandSupport.showsProgress
        let start = Date()
        let points = PSpinScan.run(mixture: mixture, temperatures: temperatures, method: method) { done in
            if showProgress { CommandSupport.progress("scan: \(done)/\(CommandSupport.counted(temperatures.count, "temperature"))") }
        }
        if showProgress { CommandSupport.endProgress() }
        var table = CSVTable(columns: ["T", "tau_alpha", "energy", "mu", "method", "iterations", "residual"])
        var failures = 0
        for point in points {
            if let solution = point.solution {
                table.append(fields: ["\(point.temperature)", "\(solution.relaxationTime ?? Double.nan)", "\(solution.energy)",
                                      "\(solution.lagrangeMultiplier)", solution.method.rawValue,
                                      "\(solution.report.iterations)", "\(solution.report.residual)"])
            } else {
                failures += 1
                CommandSupport.warn("T = \(point.temperature): \(point.failure ?? "failed")")
                table.append(fields: ["\(point.temperature)", "nan", "nan", "nan", method.rawValue, "nan", "\(point.failedResidual)"])
            }
        }
        try table.write(to: output)
        struct Record: Encodable { let mixture: String; let tMin, tMax: Double; let steps: Int; let method: String; let failures: Int; let seconds: Double; let version: String
                              let shard: ShardRecord? }
        let seconds = Date().timeIntervalSince(start)
        try AtomicFile.write(try JSONRecord.encode(Record(mixture: mixture.description, tMin: temperatureMin, tMax: temperatureMax,
                                                          steps: steps, method: method.rawValue, failures: failures, seconds: seconds,
                                                          version: PackageInfo.version,
                                                          shard: shardOption.record([.init(path: output, suffix: "", rows: steps)])),
                                                   pretty: true) + "\n", to: recordPath)
        print("scanned \(CommandSupport.counted(temperatures.count, "temperature")) in " + String(format: "%.2f s", seconds)
              + "; wrote \(output) and \(recordPath)")
        if failures > 0 {
            throw RunFailure("\(CommandSupport.counted(failures, "temperature")) of \(temperatures.count) failed "
                             + "(see above; nan rows in \(output))")
        }
    }
}

struct PSpinTransition: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transition",
        abstract: "The dynamical transition T_d² = max_q f'(q)(1−q)/q and its plateau q_d.")

    @OptionGroup var model: PSpinModelOptions

    @OptionGroup var format: JSONOption

    var json: Bool { format.json }

    func run() throws {
        let mixture = try model.model()
        let transition = mixture.dynamicalTransition
        if json {
            struct Record: Encodable { let mixture: String; let p: Int?; let Td, qd: Double; let kind: String }
            print(try JSONRecord.encode(Record(mixture: mixture.description, p: mixture.pureDegree, Td: transition.temperature,
                                               qd: transition.plateau, kind: "\(transition.kind)"), snakeCase: false))
        } else {
            print("\(mixture.formula): T_d = \(transition.temperature), q_d = \(transition.plateau) (\(transition.kind))")
        }
    }
}
