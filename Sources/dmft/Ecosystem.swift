import ArgumentParser
import Foundation
import SpectralDMFT

struct Ecosystem: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Random Lotka–Volterra ecosystems dN_i/dt = N_i(1 − N_i − Σ_j α_ij N_j) + λ: cavity solution, sampling DMFT, simulation.",
        subcommands: [EcosystemCavity.self, EcosystemDynamics.self, EcosystemSimulate.self, EcosystemStationary.self, EcosystemPhaseDiagramCommand.self]
    )
}

/// `--mu`, `--sigma`, `--gamma`: the interaction statistics shared by the ecosystem subcommands.
struct EcosystemModelOptions: ParsableArguments {
    @Option(name: .customLong("mu"), parsing: .unconditional,
            help: "Mean interaction μ (E α_ij = μ/S; > 0 competitive).", transform: ArgumentValue.number)
    var mu: Double

    @Option(name: .customLong("sigma"), parsing: .unconditional,
            help: "Interaction spread σ > 0 (Var α_ij = σ²/S).", transform: ArgumentValue.number)
    var sigma: Double

    @Option(name: .customLong("gamma"), parsing: .unconditional,
            help: "Interaction symmetry γ = Corr(α_ij, α_ji) in [−1, 1]. (default: 0)", transform: ArgumentValue.number)
    var gamma: Double = 0

    /// The model with immigration `lambda`; one-line `InputError` when invalid.
    func model(lambda: Double = 0) throws -> EcosystemModel {
        do { return try EcosystemModel(mu: mu, sigma: sigma, gamma: gamma, lambda: lambda) } catch let error as EcosystemError {
            throw InputError(error.description)
        }
    }
}

/// What `dmft ecosystem cavity` reports.
struct EcosystemCavityRecord: Encodable {
    let mu: Double, sigma: Double, gamma: Double
    let phi: Double, meanN: Double, meanN2: Double, chi: Double, delta: Double
    let sigmaC: Double, muUG: Double
    let method: String, residual: Double
    let version: String

    enum CodingKeys: String, CodingKey {
        case mu, sigma, gamma, phi, meanN = "mean_N", meanN2 = "mean_N2", chi, delta, sigmaC = "sigma_c", muUG = "mu_UG"
        case method, residual, version
    }
}

struct EcosystemCavity: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cavity",
        abstract: "Static cavity solution (λ = 0, unique-fixed-point phase): survivors φ, ⟨N⟩, ⟨N²⟩, response χ.",
        discussion: """
        Solves the replica-symmetric cavity equations of the random Lotka–Volterra model at its unique fixed point: \
        φ = Φ(Δ) survivors, m = ⟨N⟩, q = ⟨N²⟩ (extinct species count as 0), χ = ⟨∂N/∂h⟩, with the phase boundaries \
        σ_c = √2/(1+γ) (no unique fixed point beyond it: refused) and μ_UG(σ, γ) (unbounded growth below it: refused).
        Example: dmft ecosystem cavity --mu 4 --sigma 0.8 --gamma 0.5
        """
    )

    @OptionGroup var model: EcosystemModelOptions

    @OptionGroup var format: JSONOption

    func problem() throws -> EcosystemCavityProblem {
        do { return try EcosystemCavityProblem(model: try model.model()) } catch let error as EcosystemError {
            throw InputError(error.description)
        }
    }

    func validate() throws { _ = try problem() }

    func run() throws {
        let solution = try problem().solve()
        let record = EcosystemCavityRecord(
            mu: model.mu, sigma: model.sigma, gamma: model.gamma, phi: solution.survivingFraction,
            meanN: solution.meanAbundance, meanN2: solution.secondMoment, chi: solution.response, delta: solution.margin,
            sigmaC: solution.criticalSigma, muUG: solution.unboundedGrowthMu, method: solution.report.method,
            residual: solution.report.residual, version: PackageInfo.version)
        if format.json {
            print(try JSONRecord.encode(record, snakeCase: false))
        } else {
            print("cavity μ = \(model.mu), σ = \(model.sigma), γ = \(model.gamma) (σ_c = \(String(format: "%.6g", solution.criticalSigma)), "
                  + "μ_UG = \(String(format: "%.6g", solution.unboundedGrowthMu)))")
            print(String(format: "  survivors φ = %.12g", solution.survivingFraction))
            print(String(format: "  ⟨N⟩ = %.12g", solution.meanAbundance))
            print(String(format: "  ⟨N²⟩ = %.12g", solution.secondMoment))
            print(String(format: "  χ = %.12g", solution.response))
            print(String(format: "  Δ = %.12g; self-consistency residual %.1e", solution.margin, solution.report.residual))
        }
    }
}

/// `uniform` or `constant:V`.
extension EcosystemStart: ExpressibleByArgument {
    public init?(argument: String) {
        if argument == "uniform" {
            self = .uniform
        } else if argument.hasPrefix("constant:"), let value = Double(argument.dropFirst("constant:".count)), value.isFinite, value > 0 {
            self = .constant(value)
        } else {
            return nil
        }
    }

    public var defaultValueDescription: String { description }
}

/// What `dmft ecosystem simulate` reports.
struct EcosystemSimulateRecord: Encodable {
    struct Estimate: Encodable {
        let mean: Double, error: Double
        init(_ estimate: EcosystemEstimate) { mean = estimate.mean; error = estimate.error }
    }
    let S: Int, mu: Double, sigma: Double, gamma: Double, lambda: Double
    let seeds: Int, seed: UInt64, dt: Double, tMax: Double, start: String
    let phi: Estimate?, meanN: Estimate?, meanN2: Estimate?
    let complementarityResidual: Double?
    let solves: [Int]?
    let cavity: EcosystemCavityRecord?
    let seconds: Double
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case S, mu, sigma, gamma, lambda, seeds, seed, dt, tMax = "t_max", start, phi, meanN = "mean_N", meanN2 = "mean_N2"
        case complementarityResidual = "complementarity_residual", solves, cavity, seconds, version, files
    }
}

struct EcosystemSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Direct simulation of S species: m(t), ⟨N²⟩(t) and the exact fixed point (φ, ⟨N⟩, ⟨N²⟩) with error bars.",
        discussion: """
        Each of --seeds realisations (stream k of --seed) draws α_ij with mean μ/S, variance σ²/S and correlation γ \
        between α_ij and α_ji (α_ii = 0), starts from --start, and integrates log N_i by RK4 up to --t-max. For \
        λ = 0 it then solves the linear complementarity conditions exactly: survivors obey (I + α_SS)N_S = 1 with \
        N_S > 0 and no extinct species can invade (the survivor set is repaired until both hold). Error bars are \
        standard errors over the seeds; below σ_c the cavity values are printed beside them. With --output FILE.csv \
        writes `t,m,m_error,c,c_error` (c = ⟨N²⟩(t)) and the run record FILE.run.json.
        With --window (λ > 0, the stationary chaotic phase) it instead integrates --transient + --window and measures \
        the time-averaged C(τ) = (1/S)Σ_i⟨N_i(t)N_i(t+τ)⟩ for τ ≤ --max-lag on the --sample-interval grid, m (and m \
        over each half of the window, a stationarity check), C∞, the decorrelation time and the near-extinct \
        fraction, as the stationary DMFT defines them; --output FILE.csv then gets `tau,C,C_error`.
        Example: dmft ecosystem simulate --S 2000 --mu 4 --sigma 1 --seeds 4
        Example: dmft ecosystem simulate --S 1000 --mu 10 --sigma 2.5 --lambda 0.01 --dt 0.05 --sample-interval 0.25 \
        --transient 100 --window 400 --max-lag 30 --seeds 8
        """
    )

    @Option(name: .customLong("S"), parsing: .unconditional, help: "Number of species S (2…16384).")
    var species: Int

    @OptionGroup var model: EcosystemModelOptions

    @Option(name: .customLong("lambda"), parsing: .unconditional,
            help: "Immigration λ ≥ 0 (no fixed point is computed for λ > 0). (default: 0)", transform: ArgumentValue.number)
    var lambda: Double = 0

    @Option(parsing: .unconditional, help: "Number of independent realisations; error bars need 2 or more.")
    var seeds: Int = 4

    @Option(parsing: .unconditional, help: "Seed of the generator (xoshiro256**); realisation k uses its stream k.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "RK4 step in log N, in (0, 1]. (default: 0.1)", transform: ArgumentValue.number)
    var dt: Double = 0.1

    @Option(name: .customLong("t-max"), parsing: .unconditional,
            help: "Model time integrated (before the exact fixed point is solved for). (default: 60)", transform: ArgumentValue.number)
    var tMax: Double = 60

    @Option(name: .customLong("sample-interval"), parsing: .unconditional,
            help: "Spacing of the recorded m(t), ⟨N²⟩(t). (default: 0.5)", transform: ArgumentValue.number)
    var sampleInterval: Double = 0.5

    @Option(help: "Initial abundances: uniform (on (0, 1)) or constant:V.")
    var start: EcosystemStart = .constant(1)

    @Option(parsing: .unconditional,
            help: "Stationary measurement (λ > 0): the measured window, after --transient (replaces --t-max).",
            transform: ArgumentValue.number)
    var window: Double?

    @Option(parsing: .unconditional, help: "With --window: time integrated and discarded first. (default: 100)",
            transform: ArgumentValue.number)
    var transient: Double = 100

    @Option(name: .customLong("max-lag"), parsing: .unconditional,
            help: "With --window: largest lag of C(τ) (C∞ = mean of C on [3τ_max/4, τ_max]). (default: 30)",
            transform: ArgumentValue.number)
    var maxLag: Double = 30

    @Option(name: .customLong("extinction-threshold"), parsing: .unconditional,
            help: "With --window: species with N below this count as near extinction. (default: 0.01)",
            transform: ArgumentValue.number)
    var extinctionThreshold: Double = 0.01

    @Option(name: .customLong("threads"), parsing: .unconditional, help: "Threads, at most 4 per core (default: one per core).")
    var requestedThreads: Int?

    @OptionGroup var format: JSONOption

    @Option(help: ArgumentHelp("Write m(t), ⟨N²⟩(t) as CSV `t,m,m_error,c,c_error` (and the run record FILE.run.json).",
                               valueName: "file"),
            transform: ArgumentValue.path)
    var output: String?

    var recordPath: String? { output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") } }

    func simulator() throws -> EcosystemSimulator {
        let threads = try EcosystemCommandSupport.threads(requestedThreads)
        if let window {
            guard lambda > 0 else {
                throw InputError("invalid lambda = \(lambda): --window (a stationary measurement) needs lambda > 0")
            }
            try CommandSupport.require(window, named: "window", "> 0") { $0 > 0 }
            try CommandSupport.require(transient, named: "transient", ">= 0") { $0 >= 0 }
            try CommandSupport.require(maxLag, named: "max-lag", "> 0 and at most window/2") { $0 > 0 && $0 <= window / 2 }
            try CommandSupport.require(extinctionThreshold, named: "extinction-threshold", "> 0") { $0 > 0 }
        }
        var options = EcosystemSimulationOptions(species: species)
        options.realisations = seeds
        options.seed = seed
        options.step = dt
        options.duration = tMax
        options.sampleInterval = sampleInterval
        options.start = start
        options.threads = threads
        do {
            return try EcosystemSimulator(model: try model.model(lambda: lambda), options: options)
        } catch let error as EcosystemError {
            throw InputError(error.description)
        }
    }

    func validate() throws { _ = try simulator() }

    func run() throws {
        let simulator = try simulator()
        for path in [output, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        if let window {
            try runStationary(simulator, window: window)
            return
        }
        let showProgress = CommandSupport.showsProgress
        let begin = Date()
        let result = try simulator.run { done, total in
            if showProgress { CommandSupport.progress("simulate: \(done)/\(total) realisations") }
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(begin)
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["t", "m", "m_error", "c", "c_error"])
            for (k, (m, c)) in zip(result.meanTrajectory, result.secondMomentTrajectory).enumerated() {
                table.append([result.times[k], m.mean, m.error, c.mean, c.error])
            }
            try table.write(to: output)
            written.append(output)
        }
        let cavity: EcosystemCavitySolution? = lambda == 0
            ? (try? EcosystemCavityProblem(model: simulator.model)).flatMap { try? $0.solve() } : nil
        let cavityRecord = cavity.map { solution in
            EcosystemCavityRecord(
                mu: model.mu, sigma: model.sigma, gamma: model.gamma, phi: solution.survivingFraction,
                meanN: solution.meanAbundance, meanN2: solution.secondMoment, chi: solution.response,
                delta: solution.margin, sigmaC: solution.criticalSigma, muUG: solution.unboundedGrowthMu,
                method: solution.report.method, residual: solution.report.residual, version: PackageInfo.version)
        }
        let record = EcosystemSimulateRecord(
            S: species, mu: model.mu, sigma: model.sigma, gamma: model.gamma, lambda: lambda, seeds: seeds, seed: seed,
            dt: dt, tMax: tMax, start: start.description,
            phi: result.survivingFraction.map(EcosystemSimulateRecord.Estimate.init),
            meanN: result.meanAbundance.map(EcosystemSimulateRecord.Estimate.init),
            meanN2: result.secondMoment.map(EcosystemSimulateRecord.Estimate.init),
            complementarityResidual: result.complementarityResidual,
            solves: lambda == 0 ? result.realisations.map { $0.fixedPoint?.solves ?? 0 } : nil,
            cavity: cavityRecord, seconds: seconds, version: PackageInfo.version, files: written)
        if try EcosystemCommandSupport.writeRecord(record, to: recordPath, written: &written, printJSON: format.json) { return }
        print("simulation S = \(species), μ = \(model.mu), σ = \(model.sigma), γ = \(model.gamma), λ = \(lambda): "
              + "\(seeds) seed\(seeds == 1 ? "" : "s"), RK4 in log N, dt = \(dt), t ≤ \(tMax), start \(start)")
        func line(_ name: String, _ estimate: EcosystemEstimate?, _ reference: Double?) {
            guard let estimate else { return }
            var text = "  \(name) = " + (estimate.error.isNaN ? String(format: "%.6g", estimate.mean)
                                                              : String(format: "%.6g ± %.2g", estimate.mean, estimate.error))
            if let reference { text += String(format: "   (cavity %.6g)", reference) }
            print(text)
        }
        line("survivors φ", result.survivingFraction, cavity?.survivingFraction)
        line("⟨N⟩", result.meanAbundance, cavity?.meanAbundance)
        line("⟨N²⟩", result.secondMoment, cavity?.secondMoment)
        if let residual = result.complementarityResidual {
            print(String(format: "  exact fixed points: complementarity residual %.1e", residual))
        }
        if let m = result.meanTrajectory.last, let c = result.secondMomentTrajectory.last {
            print(String(format: "  at t = %g: m = %.6g ± %.2g, ⟨N²⟩ = %.6g ± %.2g", result.times.last ?? 0, m.mean, m.error, c.mean, c.error))
        }
        print(String(format: "  %.2f s", seconds))
        for path in written { print("  wrote \(path)") }
    }
}

/// What `dmft ecosystem simulate --window …` (a stationary measurement) records.
struct EcosystemStationarySimulateRecord: Encodable {
    typealias Estimate = EcosystemEstimateRecord
    let S: Int, mu: Double, sigma: Double, gamma: Double, lambda: Double
    let seeds: Int, seed: UInt64, dt: Double, sampleInterval: Double, transient: Double, window: Double, maxLag: Double
    let extinctionThreshold: Double, start: String
    let C0: Estimate, Cinf: Estimate, m: Estimate, mFirstHalf: Estimate, mSecondHalf: Estimate
    let decorrelationTime: Estimate, nearExtinctFraction: Estimate, meanFluctuation: Double
    let seedC0: [Double], seedM: [Double], seedMFluctuation: [Double]
    let seconds: Double
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case S, mu, sigma, gamma, lambda, seeds, seed, dt, sampleInterval = "sample_interval", transient, window
        case maxLag = "max_lag", extinctionThreshold = "extinction_threshold", start, C0, Cinf = "C_inf", m
        case mFirstHalf = "m_first_half", mSecondHalf = "m_second_half", decorrelationTime = "decorrelation_time"
        case nearExtinctFraction = "near_extinct_fraction", meanFluctuation = "m_fluctuation"
        case seedC0 = "C0_per_seed", seedM = "m_per_seed", seedMFluctuation = "m_fluctuation_per_seed", seconds, version, files
    }
}

extension EcosystemSimulate {
    /// `--window`: the stationary measurement of `EcosystemSimulator.stationaryCorrelation`.
    func runStationary(_ simulator: EcosystemSimulator, window: Double) throws {
        let (measurement, seconds) = try EcosystemCommandSupport.timedWithProgress { report in
            try EcosystemCommandSupport.inputErrors {
                try simulator.stationaryCorrelation(transient: transient, window: window, maximumLag: maxLag,
                                                    extinctionThreshold: extinctionThreshold) { done, total in
                    report("simulate: \(done)/\(total) realisations")
                }
            }
        }
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "C", "C_error"])
            for (tau, c) in zip(measurement.lags, measurement.correlation) { table.append([tau, c.mean, c.error]) }
            try table.write(to: output)
            written.append(output)
        }
        typealias E = EcosystemEstimateRecord
        let record = EcosystemStationarySimulateRecord(
            S: species, mu: model.mu, sigma: model.sigma, gamma: model.gamma, lambda: lambda, seeds: seeds, seed: seed,
            dt: dt, sampleInterval: measurement.lags.count > 1 ? measurement.lags[1] : sampleInterval,
            transient: transient, window: window, maxLag: maxLag, extinctionThreshold: extinctionThreshold,
            start: start.description, C0: E(measurement.secondMoment), Cinf: E(measurement.plateau),
            m: E(measurement.meanAbundance), mFirstHalf: E(measurement.meanAbundanceFirstHalf),
            mSecondHalf: E(measurement.meanAbundanceSecondHalf), decorrelationTime: E(measurement.decorrelationTime),
            nearExtinctFraction: E(measurement.nearExtinctFraction), meanFluctuation: measurement.meanFluctuation,
            seedC0: measurement.realisations.map { $0[0] }, seedM: measurement.realisationMeans,
            seedMFluctuation: measurement.realisationFluctuations, seconds: seconds, version: PackageInfo.version, files: written)
        if try EcosystemCommandSupport.writeRecord(record, to: recordPath, written: &written, printJSON: format.json) { return }
        print("stationary simulation S = \(species), μ = \(model.mu), σ = \(model.sigma), γ = \(model.gamma), λ = \(lambda): "
              + "\(seeds) seed\(seeds == 1 ? "" : "s"), RK4 in log N, dt = \(dt), window \(window) after \(transient)")
        print("  C(0) = \(measurement.secondMoment.shown), C∞ = \(measurement.plateau.shown), m = \(measurement.meanAbundance.shown)")
        print("  m over the window halves: \(measurement.meanAbundanceFirstHalf.shown), \(measurement.meanAbundanceSecondHalf.shown); "
              + String(format: "std of m(t) %.2g", measurement.meanFluctuation))
        print("  decorrelation time (C − C∞ at 1/e) = \(measurement.decorrelationTime.shown), "
              + "near extinct (N < \(extinctionThreshold)) = \(measurement.nearExtinctFraction.shown)")
        print(String(format: "  %.2f s", seconds))
        for path in written { print("  wrote \(path)") }
    }
}

extension EcosystemSimulate: WritesOutputFiles {
    var outputFiles: [String] { [output, recordPath].compactMap { $0 } }
}
