import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft network simulate` reports (JSON with `--json`, and the run record beside `--output`).
///
/// Keys are written as listed in `CodingKeys` (`N` keeps its capital). Quantities not computed (λ_max without
/// `--lyapunov`) are `null`; an error bar from a single seed is `"nan"`.
struct NetworkSimulateRecord: Encodable {
    let size: Int
    let g: Double
    let sigma: Double
    let phi: String
    let delta0: Double
    let delta0Error: Double
    let lambdaMax: Double?
    let lambdaMaxError: Double?
    let seconds: Double
    let secondsPerUnitTime: Double
    let seeds: Int
    let seed: UInt64
    let dt: Double
    let integrator: String
    let tMax: Double
    let transient: Double
    let sampleInterval: Double
    let maxLag: Double
    let backend: String
    let delta0Seeds: [Double]
    let lambdaMaxSeeds: [Double]?
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case size = "N", g, sigma, phi, delta0, delta0Error = "delta0_error", lambdaMax = "lambda_max"
        case lambdaMaxError = "lambda_max_error", seconds, secondsPerUnitTime = "seconds_per_unit_time", seeds, seed, dt
        case integrator, tMax = "t_max", transient, sampleInterval = "sample_interval", maxLag = "max_lag", backend
        case delta0Seeds = "delta0_seeds", lambdaMaxSeeds = "lambda_max_seeds", version, files
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(size, forKey: .size)
        try container.encode(g, forKey: .g)
        try container.encode(sigma, forKey: .sigma)
        try container.encode(phi, forKey: .phi)
        try container.encode(delta0, forKey: .delta0)
        try container.encode(delta0Error, forKey: .delta0Error)
        try container.encode(lambdaMax, forKey: .lambdaMax)            // null when not computed
        try container.encode(lambdaMaxError, forKey: .lambdaMaxError)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(secondsPerUnitTime, forKey: .secondsPerUnitTime)
        try container.encode(seeds, forKey: .seeds)
        try container.encode(seed, forKey: .seed)
        try container.encode(dt, forKey: .dt)
        try container.encode(integrator, forKey: .integrator)
        try container.encode(tMax, forKey: .tMax)
        try container.encode(transient, forKey: .transient)
        try container.encode(sampleInterval, forKey: .sampleInterval)
        try container.encode(maxLag, forKey: .maxLag)
        try container.encode(backend, forKey: .backend)
        try container.encode(delta0Seeds, forKey: .delta0Seeds)
        try container.encode(lambdaMaxSeeds, forKey: .lambdaMaxSeeds)
        try container.encode(version, forKey: .version)
        try container.encode(files, forKey: .files)
    }

    /// The record as one JSON object (keys as written in `CodingKeys`).
    func json(pretty: Bool = false) throws -> String {
        try JSONRecord.encode(self, pretty: pretty, snakeCase: false)
    }
}

struct NetworkSimulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Direct simulation of a finite network: ⟨h²⟩, Δ(τ) and λ_max with error bars over seeds.",
        discussion: """
        Integrates dh_i/dt = −h_i + Σ_j J_ij φ(h_j) + ξ_i for N units, J_ij ~ N(0, g²/N) (all entries, diagonal \
        included), h_i(0) ~ N(0, 1): RK4 for σ = 0, stochastic Heun (weak order 2) for σ > 0. Each of the --seeds \
        realisations (stream k of --seed) draws its own J, initial state and noise, discards --transient and measures \
        for --t-max. Δ(τ) = (1/N) Σ_i ⟨h_i(t) h_i(t+τ)⟩_t by zero-padded FFT; λ_max by Benettin renormalisation of a \
        tangent vector (--lyapunov). Error bars are standard errors over the seeds. With --output FILE.csv writes \
        CSV `tau,delta,delta_error` and the run record FILE.run.json.
        With --bias h0, --mean-coupling J0, --eta η (correlation of J_ij and J_ji) or a non-odd --phi the general \
        network dh_i/dt = −h_i + h0 + Σ_j J_ij φ(h_j) + ξ_i, J_ij = J0/N + g z_ij/√N, is simulated instead: it reports \
        μ = ⟨h⟩, M = ⟨φ(h)⟩ and Δ(τ) connected about μ (it tends to Δ∞ > 0), all with error bars; no --lyapunov.
        Example: dmft network simulate --N 2000 --g 2 --t-max 200 --seeds 4 --lyapunov
        """
    )

    @Option(name: .customLong("N"), parsing: .unconditional, help: "Number of units N (2…16384).")
    var size: Int

    @OptionGroup var model: NetworkModelOptions

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Measured model time per seed, after the transient.",
            transform: ArgumentValue.number)
    var tMax: Double

    @Option(parsing: .unconditional, help: "Number of independent realisations (J, initial state, noise); error bars need 2 or more.")
    var seeds: Int = 4

    @Option(parsing: .unconditional, help: "Seed of the generator (xoshiro256**); realisation k uses its stream k.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Time step (default: RK4 min(0.1, 0.25/g); stochastic Heun min(0.05, 0.125/g)).",
            transform: ArgumentValue.number)
    var dt: Double?

    @Option(parsing: .unconditional, help: "Model time discarded at the start of each seed. (default: 50)", transform: ArgumentValue.number)
    var transient: Double = 50

    @Option(name: .customLong("sample-interval"), parsing: .unconditional,
            help: "Spacing of the samples of h for Δ(τ) (rounded to whole steps). (default: 0.1)", transform: ArgumentValue.number)
    var sampleInterval: Double = 0.1

    @Option(name: .customLong("max-lag"), parsing: .unconditional, help: "Largest lag of Δ(τ) (default: min(30, t-max/2)).",
            transform: ArgumentValue.number)
    var maxLag: Double?

    @Option(name: .customLong("bias"), parsing: .unconditional,
            help: "Bias h0 (external input of every unit). (default: 0)", transform: ArgumentValue.number)
    var bias: Double = 0

    @Option(name: .customLong("mean-coupling"), parsing: .unconditional,
            help: "Mean coupling J0 (J_ij = J0/N + g z_ij/√N). (default: 0)", transform: ArgumentValue.number)
    var meanCoupling: Double = 0

    @Option(name: .customLong("eta"), parsing: .unconditional,
            help: "Correlation η of z_ij and z_ji in [−1, 1] (partially symmetric couplings). (default: 0)",
            transform: ArgumentValue.number)
    var eta: Double = 0

    /// A bias, a mean coupling, η ≠ 0 or a non-odd φ: the general simulator (μ, M and the connected Δ(τ)).
    var isGeneral: Bool { bias != 0 || meanCoupling != 0 || eta != 0 || !model.transferFunction.nonlinearity.isOdd }

    @Flag(help: "Also estimate the largest Lyapunov exponent (Benettin).")
    var lyapunov = false

    @Option(name: .customLong("renormalisation-interval"), parsing: .unconditional,
            help: "Model time between renormalisations of the tangent vector. (default: 1)", transform: ArgumentValue.number)
    var renormalisationInterval: Double = 1

    @Option(help: "Matrix–vector products: automatic (an optimised BLAS if installed, else vectorised), blas or vectorised.")
    var backend: BackendChoice = .automatic

    @Option(name: .customLong("threads"), parsing: .unconditional,
            help: "Threads for the vectorised loop, at most 4 per core (default: one per core).")
    var requestedThreads: Int?

    var threads: Int { requestedThreads ?? ProcessInfo.processInfo.activeProcessorCount }

    @OptionGroup var format: JSONOption

    @Option(help: ArgumentHelp("Write Δ(τ) as CSV `tau,delta,delta_error` to this file (and the run record FILE.run.json).",
                               valueName: "file"),
            transform: ArgumentValue.path)
    var output: String?

    var json: Bool { format.json }

    /// The model and options named on the command line; throws `InputError` for anything invalid.
    func configuration() throws -> (NetworkModel, NetworkSimulationOptions, NetworkSimulationPlan) {
        let phi = model.transferFunction.nonlinearity
        let chosenBackend = backend.backend
        try ThreadCount.require(threads, named: "threads")
        if chosenBackend == .blas && BLASLibrary.any == nil { throw InputError(SimulationError.blasUnavailable.description) }
        do {
            let networkModel = try NetworkModel(coupling: model.coupling, noise: model.noise, nonlinearity: phi)
            var options = NetworkSimulationOptions(size: size, duration: tMax)
            options.realisations = seeds
            options.seed = seed
            options.step = dt
            options.transient = transient
            options.sampleInterval = sampleInterval
            options.maximumLag = maxLag
            options.computesLyapunovExponent = lyapunov
            options.renormalisationInterval = renormalisationInterval
            options.backend = chosenBackend
            options.threads = threads
            let plan = try NetworkSimulationPlan(model: networkModel, options: options)
            return (networkModel, options, plan)
        } catch let error as SimulationError {
            throw InputError(error.description)
        } catch let error as ModelError {
            throw InputError(error.description)
        }
    }

    func validate() throws {
        if isGeneral { _ = try generalConfiguration() } else { _ = try configuration() }
    }

    func run() throws {
        if isGeneral { return try runGeneral() }
        try model.transferFunction.requireOdd(for: "simulate")
        let (networkModel, options, plan) = try configuration()
        let recordPath = output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") }
        for path in [output, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }

        let showProgress = CommandSupport.showsProgress
        let start = Date()
        let simulator = try NetworkSimulator(model: networkModel, options: options)
        let result = try simulator.run { state in
            if showProgress {
                CommandSupport.progress(String(format: "simulate: seed %d/%d, t = %.0f/%.0f (%.0f%%)", state.realisation + 1,
                                               state.realisations, state.time, state.totalTime, 100 * state.fraction))
            }
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(start)

        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "delta", "delta_error"])
            for index in result.lags.indices {
                table.append([result.lags[index], result.correlation[index], result.correlationError[index]])
            }
            try table.write(to: output)
            written.append(output)
        }
        let modelTime = Double(result.realisations) * (result.transient + result.duration)
        let record = NetworkSimulateRecord(
            size: result.size, g: result.coupling, sigma: result.noise, phi: result.transferFunction,
            delta0: result.variance, delta0Error: result.varianceError,
            lambdaMax: result.lyapunovExponent, lambdaMaxError: result.lyapunovExponentError,
            seconds: seconds, secondsPerUnitTime: seconds / modelTime, seeds: result.realisations, seed: result.seed,
            dt: result.step, integrator: result.integrator.rawValue, tMax: result.duration, transient: result.transient,
            sampleInterval: result.sampleInterval, maxLag: result.lags.last ?? 0, backend: result.backend,
            delta0Seeds: result.measurements.map { $0.correlation[0] },
            lambdaMaxSeeds: lyapunov ? result.measurements.map { $0.lyapunovExponent ?? .nan } : nil,
            version: PackageInfo.version, files: written)
        if let recordPath {
            try AtomicFile.write(try record.json(pretty: true) + "\n", to: recordPath)
        }
        if json {
            print(try record.json())
        } else {
            func withError(_ value: Double, _ error: Double) -> String {
                error.isNaN ? String(format: "%.6g", value) : String(format: "%.6g ± %.2g", value, error)
            }
            print("simulation N = \(result.size), g = \(result.coupling), σ = \(result.noise), φ = \(result.transferFunction): "
                  + "\(result.realisations) seed\(result.realisations == 1 ? "" : "s") × (\(result.transient) transient + "
                  + "\(result.duration)), \(result.integrator.rawValue) dt = \(result.step)")
            print("  ⟨h²⟩ = Δ(0) = \(withError(result.variance, result.varianceError))")
            if let exponent = result.lyapunovExponent {
                print("  λ_max = \(withError(exponent, result.lyapunovExponentError ?? .nan))")
            }
            print("  \(plan.sampleCount) samples per unit and seed, lags up to \(result.lags.last ?? 0)")
            print("  " + String(format: "%.2f s (%.3g s per unit of model time)", seconds, seconds / modelTime)
                  + "; products: \(result.backend)")
            for path in written { print("  wrote \(path)") }
            if let recordPath { print("  wrote \(recordPath)") }
        }
    }
}

/// What `dmft network simulate` reports for the general network (a bias, a mean coupling, η or a non-odd φ).
struct NetworkSimulateGeneralRecord: Encodable {
    let size: Int
    let g: Double
    let sigma: Double
    let phi: String
    let h0: Double
    let j0: Double
    let eta: Double
    let mu: Double
    let muError: Double
    let meanRate: Double
    let meanRateError: Double
    let delta0: Double
    let delta0Error: Double
    let seconds: Double
    let seeds: Int
    let seed: UInt64
    let dt: Double
    let integrator: String
    let tMax: Double
    let transient: Double
    let sampleInterval: Double
    let maxLag: Double
    let backend: String
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case size = "N", g, sigma, phi, h0, j0, eta, mu, muError = "mu_error", meanRate = "mean_rate"
        case meanRateError = "mean_rate_error", delta0, delta0Error = "delta0_error", seconds, seeds, seed, dt, integrator
        case tMax = "t_max", transient, sampleInterval = "sample_interval", maxLag = "max_lag", backend, version, files
    }
}

extension NetworkSimulate {
    /// The general simulator's spec and options; throws `InputError` for anything invalid.
    func generalConfiguration() throws -> (PopulationNetworkSpec, NetworkSimulationOptions) {
        if lyapunov {
            throw InputError("--lyapunov is not available with --bias, --mean-coupling, --eta or a non-odd --phi")
        }
        try ThreadCount.require(threads, named: "threads")
        if backend.backend == .blas && BLASLibrary.any == nil { throw InputError(SimulationError.blasUnavailable.description) }
        do {
            let spec = try PopulationNetworkSpec.single(coupling: model.coupling, noise: model.noise, bias: bias,
                                                        meanCoupling: meanCoupling, nonlinearity: model.transferFunction.nonlinearity,
                                                        symmetry: eta)
            var options = NetworkSimulationOptions(size: size, duration: tMax)
            options.realisations = seeds
            options.seed = seed
            options.step = dt
            options.transient = transient
            options.sampleInterval = sampleInterval
            options.maximumLag = maxLag
            options.backend = backend.backend
            options.threads = threads
            _ = try NetworkSimulationPlan(coupling: max(model.coupling, abs(meanCoupling), 1e-3), noise: model.noise, options: options)
            return (spec, options)
        } catch let error as SimulationError {
            throw InputError(error.description)
        } catch let error as ModelError {
            throw InputError(error.description)
        }
    }

    /// `run()` for the general network: μ, M, Δ0 and the connected Δ(τ) with error bars over seeds.
    func runGeneral() throws {
        let (spec, options) = try generalConfiguration()
        let recordPath = output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") }
        for path in [output, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        let showProgress = CommandSupport.showsProgress
        let start = Date()
        let simulator = try PopulationNetworkSimulator(spec: spec, options: options)
        let result = try simulator.run { state in
            if showProgress {
                CommandSupport.progress(String(format: "simulate: seed %d/%d, t = %.0f/%.0f (%.0f%%)", state.realisation + 1,
                                               state.realisations, state.time, state.totalTime, 100 * state.fraction))
            }
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(start)
        let population = result.populations[0]
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "delta", "delta_error"])
            for index in result.lags.indices {
                table.append([result.lags[index], population.correlation[index], population.correlationError[index]])
            }
            try table.write(to: output)
            written.append(output)
        }
        let record = NetworkSimulateGeneralRecord(
            size: result.size, g: model.coupling, sigma: model.noise, phi: model.transferFunction.rawValue, h0: bias,
            j0: meanCoupling, eta: eta, mu: population.mean, muError: population.meanError, meanRate: population.rate,
            meanRateError: population.rateError, delta0: population.correlation[0], delta0Error: population.correlationError[0],
            seconds: seconds, seeds: result.realisations, seed: result.seed, dt: result.step,
            integrator: result.integrator.rawValue, tMax: result.duration, transient: result.transient,
            sampleInterval: result.sampleInterval, maxLag: result.lags.last ?? 0, backend: result.backend,
            version: PackageInfo.version, files: written)
        if let recordPath { try AtomicFile.write(try JSONRecord.encode(record, pretty: true, snakeCase: false) + "\n", to: recordPath) }
        if json {
            print(try JSONRecord.encode(record, snakeCase: false))
            return
        }
        func withError(_ value: Double, _ error: Double) -> String {
            error.isNaN ? String(format: "%.6g", value) : String(format: "%.6g ± %.2g", value, error)
        }
        print("simulation N = \(result.size), g = \(model.coupling), σ = \(model.noise), φ = \(model.transferFunction.rawValue), "
              + "h0 = \(bias), J0 = \(meanCoupling), η = \(eta): \(result.realisations) seed\(result.realisations == 1 ? "" : "s") × "
              + "(\(result.transient) transient + \(result.duration)), \(result.integrator.rawValue) dt = \(result.step)")
        print("  μ = \(withError(population.mean, population.meanError)), M = ⟨φ⟩ = \(withError(population.rate, population.rateError))")
        print("  Δ(0) = \(withError(population.correlation[0], population.correlationError[0])), "
              + "Δ(\(result.lags.last ?? 0)) = \(withError(population.correlation.last ?? .nan, population.correlationError.last ?? .nan))"
              + " (connected about μ)")
        print("  " + String(format: "%.2f s", seconds) + "; products: \(result.backend)")
        for path in written { print("  wrote \(path)") }
        if let recordPath { print("  wrote \(recordPath)") }
    }
}
