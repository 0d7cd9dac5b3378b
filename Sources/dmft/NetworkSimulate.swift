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
        μ = ⟨h⟩, M = ⟨φ(h)⟩, Δ(τ) connected about μ and its tail value Δ∞ (the mean of Δ over the last third of the \
        lags), all with error bars.
        With --model FILE.json (the model file of `network solve --model`, e.g. docs/examples/ei.json) and --scale s \
        the network of several populations is simulated: J_ij = J0_kl/N + s g_kl z_ij/√N for i in population k and \
        j in l, population k holding round(α_k N) units (the last one the rest). Per population it reports μ_k, M_k, \
        Δ0_k, Δ∞_k and Δ_k(τ) (CSV `tau,delta_K,delta_K_error…`); the time step follows the effective coupling \
        max(√(max_k Σ_l α_l s² g_kl²), max_k Σ_l α_l |J0_kl|).
        Example: dmft network simulate --N 2000 --g 2 --t-max 200 --seeds 4 --lyapunov
        Example: dmft network simulate --model docs/examples/ei.json --scale 3 --N 4000 --t-max 200 --seeds 4
        """
    )

    @Option(name: .customLong("N"), parsing: .unconditional, help: "Number of units N (2…16384).")
    var size: Int

    @OptionGroup var model: NetworkSolveModelOptions

    @OptionGroup(title: "Several populations") var populations: PopulationModelOptions

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

    /// A model file, a bias, a mean coupling, η ≠ 0 or a non-odd φ: the general simulator (μ, M and the connected Δ(τ)).
    var isGeneral: Bool {
        populations.modelFile != nil || bias != 0 || meanCoupling != 0 || eta != 0 || !model.transferFunction.nonlinearity.isOdd
    }

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

    @Option(help: ArgumentHelp("Write Δ(τ) as CSV `tau,delta,delta_error` (with --model `tau,delta_K,delta_K_error…`) to this file (and the run record FILE.run.json).",
                               valueName: "file"),
            transform: ArgumentValue.path)
    var output: String?

    var json: Bool { format.json }

    /// The options every path shares (the model's coupling scale and noise only enter through the plan).
    func simulationOptions() throws -> NetworkSimulationOptions {
        try ThreadCount.require(threads, named: "threads")
        if backend.backend == .blas && BLASLibrary.any == nil { throw InputError(SimulationError.blasUnavailable.description) }
        var options = NetworkSimulationOptions(size: size, duration: tMax)
        options.realisations = seeds
        options.seed = seed
        options.step = dt
        options.transient = transient
        options.sampleInterval = sampleInterval
        options.maximumLag = maxLag
        options.computesLyapunovExponent = lyapunov
        options.renormalisationInterval = renormalisationInterval
        options.backend = backend.backend
        options.threads = threads
        return options
    }

    /// `body` with the library's model and simulation errors turned into one-line input errors.
    func checked<Value>(_ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let error as SimulationError {
            throw InputError(error.description)
        } catch let error as ModelError {
            throw InputError(error.description)
        }
    }

    /// The odd one-population network: its model, options and schedule; throws `InputError` for anything invalid.
    func configuration() throws -> (NetworkModel, NetworkSimulationOptions, NetworkSimulationPlan) {
        let options = try simulationOptions()
        return try checked {
            let networkModel = try NetworkModel(coupling: model.coupling, noise: model.noise, nonlinearity: model.transferFunction.nonlinearity)
            return (networkModel, options, try NetworkSimulationPlan(model: networkModel, options: options))
        }
    }

    /// The general simulator's spec (from --model, or the one population of --g, --sigma, --phi, --bias,
    /// --mean-coupling, --eta) and options; throws `InputError` for anything invalid.
    func generalConfiguration() throws -> (PopulationNetworkSpec, NetworkSimulationOptions, PopulationNetworkModel?) {
        let options = try simulationOptions()
        let network = try populations.load()
        return try checked {
            let spec = try network.map { try PopulationNetworkSpec(model: $0) }
                ?? PopulationNetworkSpec.single(coupling: model.coupling, noise: model.noise, bias: bias, meanCoupling: meanCoupling,
                                                nonlinearity: model.transferFunction.nonlinearity, symmetry: eta)
            _ = try PopulationNetworkSimulator.plan(spec: spec, options: options)
            return (spec, options, network)
        }
    }

    func validate() throws {
        if populations.modelFile != nil {
            var given: [String] = []
            if model.g != nil { given.append("--g") }
            if model.noise != 0 { given.append("--sigma") }
            if model.transferFunction != .tanh { given.append("--phi") }
            if bias != 0 { given.append("--bias") }
            if meanCoupling != 0 { given.append("--mean-coupling") }
            if eta != 0 { given.append("--eta") }
            guard given.isEmpty else {
                throw InputError("\(given.joined(separator: ", ")) cannot be combined with --model: the model file sets g, noise, phi, bias and J0 per population")
            }
        } else if model.g == nil {
            throw InputError("missing --g (the coupling) or --model FILE.json")
        }
        if isGeneral { _ = try generalConfiguration() } else { _ = try configuration() }
    }

    /// Runs `simulate` with a progress line on a terminal; returns its result and the wall time in seconds.
    func timed<Result>(_ simulate: (@escaping (SimulationProgress) -> Void) throws -> Result) throws -> (Result, Double) {
        let showProgress = CommandSupport.showsProgress
        let start = Date()
        let result = try simulate { state in
            if showProgress {
                CommandSupport.progress(String(format: "simulate: seed %d/%d, t = %.0f/%.0f (%.0f%%)", state.realisation + 1,
                                               state.realisations, state.time, state.totalTime, 100 * state.fraction))
            }
        }
        if showProgress { CommandSupport.endProgress() }
        return (result, Date().timeIntervalSince(start))
    }

    /// Writes `table` to --output (if given) and the run record (`record(files)`, pretty) beside it as FILE.run.json;
    /// returns every file written, the run record last, and the record as one compact JSON line. The record's own
    /// `files` lists the CSV only.
    func write<Record: Encodable>(_ table: () -> CSVTable, record: ([String]) -> Record) throws -> (files: [String], json: String) {
        var written: [String] = []
        if let output {
            try table().write(to: output)
            written.append(output)
        }
        let value = record(written)
        if let output {
            let recordPath = CommandSupport.sibling(of: output, suffix: ".run.json")
            try AtomicFile.write(try JSONRecord.encode(value, pretty: true, snakeCase: false) + "\n", to: recordPath)
            written.append(recordPath)
        }
        return (written, try JSONRecord.encode(value, snakeCase: false))
    }

    func run() throws {
        let recordPath = output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") }
        if isGeneral {
            let configuration = try generalConfiguration()
            for path in [output, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
            return try runGeneral(configuration)
        }
        try model.transferFunction.requireOdd(for: "simulate")
        let (networkModel, options, plan) = try configuration()
        for path in [output, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        let (result, seconds) = try timed { try NetworkSimulator(model: networkModel, options: options).run(progress: $0) }
        let modelTime = Double(result.realisations) * (result.transient + result.duration)
        let (written, json) = try write({
            var table = CSVTable(columns: ["tau", "delta", "delta_error"])
            for index in result.lags.indices {
                table.append([result.lags[index], result.correlation[index], result.correlationError[index]])
            }
            return table
        }, record: { files in
            NetworkSimulateRecord(
                size: result.size, g: result.coupling, sigma: result.noise, phi: result.transferFunction,
                delta0: result.variance, delta0Error: result.varianceError,
                lambdaMax: result.lyapunovExponent, lambdaMaxError: result.lyapunovExponentError,
                seconds: seconds, secondsPerUnitTime: seconds / modelTime, seeds: result.realisations, seed: result.seed,
                dt: result.step, integrator: result.integrator.rawValue, tMax: result.duration, transient: result.transient,
                sampleInterval: result.sampleInterval, maxLag: result.lags.last ?? 0, backend: result.backend,
                delta0Seeds: result.measurements.map { $0.correlation[0] },
                lambdaMaxSeeds: lyapunov ? result.measurements.map { $0.lyapunovExponent ?? .nan } : nil,
                version: PackageInfo.version, files: files)
        })
        if self.json {
            print(json)
            return
        }
        print("simulation N = \(result.size), g = \(result.coupling), σ = \(result.noise), φ = \(result.transferFunction): "
              + "\(result.realisations) seed\(result.realisations == 1 ? "" : "s") × (\(result.transient) transient + "
              + "\(result.duration)), \(result.integrator.rawValue) dt = \(result.step)")
        print("  ⟨h²⟩ = Δ(0) = \(Self.withError(result.variance, result.varianceError))")
        if let exponent = result.lyapunovExponent {
            print("  λ_max = \(Self.withError(exponent, result.lyapunovExponentError ?? .nan))")
        }
        print("  \(plan.sampleCount) samples per unit and seed, lags up to \(result.lags.last ?? 0)")
        print("  " + String(format: "%.2f s (%.3g s per unit of model time)", seconds, seconds / modelTime)
              + "; products: \(result.backend)")
        for path in written { print("  wrote \(path)") }
    }

    /// `value ± error` (the value alone when the error is NaN: one seed).
    static func withError(_ value: Double, _ error: Double) -> String {
        error.isNaN ? String(format: "%.6g", value) : String(format: "%.6g ± %.2g", value, error)
    }
}

/// What `dmft network simulate` reports for the general one-population network (a bias, a mean coupling, η or a
/// non-odd φ). `lambda_max` and `lambda_max_error` are present with `--lyapunov` only.
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
    let deltaInf: Double
    let deltaInfError: Double
    let lambdaMax: Double?
    let lambdaMaxError: Double?
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
        case meanRateError = "mean_rate_error", delta0, delta0Error = "delta0_error", deltaInf = "delta_inf"
        case deltaInfError = "delta_inf_error", lambdaMax = "lambda_max", lambdaMaxError = "lambda_max_error"
        case seconds, seeds, seed, dt, integrator
        case tMax = "t_max", transient, sampleInterval = "sample_interval", maxLag = "max_lag", backend, version, files
    }
}

/// One population of `dmft network simulate --model` in the JSON and run record.
struct SimulatedPopulationRecord: Encodable {
    let name: String
    let fraction: Double
    let size: Int
    let phi: String
    let h0: Double
    let sigma: Double
    let mu: Double
    let muError: Double
    let meanRate: Double
    let meanRateError: Double
    let delta0: Double
    let delta0Error: Double
    let deltaInf: Double
    let deltaInfError: Double

    enum CodingKeys: String, CodingKey {
        case name, fraction, size = "N", phi, h0, sigma, mu, muError = "mu_error", meanRate = "mean_rate"
        case meanRateError = "mean_rate_error", delta0, delta0Error = "delta0_error", deltaInf = "delta_inf"
        case deltaInfError = "delta_inf_error"
    }
}

/// What `dmft network simulate --model` reports: per population μ_k, M_k, Δ0_k, Δ∞_k (tail estimate) with standard
/// errors over seeds, and λ_max with `--lyapunov` (absent otherwise).
struct PopulationSimulateRecord: Encodable {
    let model: String
    let scale: Double
    let g: [[Double]]
    let j0: [[Double]]
    let size: Int
    let populations: [SimulatedPopulationRecord]
    let lambdaMax: Double?
    let lambdaMaxError: Double?
    let lambdaMaxSeeds: [Double]?
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
        case model, scale, g, j0, size = "N", populations, lambdaMax = "lambda_max", lambdaMaxError = "lambda_max_error"
        case lambdaMaxSeeds = "lambda_max_seeds", seconds, seeds, seed, dt, integrator, tMax = "t_max", transient
        case sampleInterval = "sample_interval", maxLag = "max_lag", backend, version, files
    }
}

/// The general simulator's record: one population (top-level μ, M, …) or several (`--model`).
enum GeneralSimulateRecord: Encodable {
    case single(NetworkSimulateGeneralRecord)
    case populations(PopulationSimulateRecord)

    func encode(to encoder: Encoder) throws {
        switch self {
        case .single(let record): try record.encode(to: encoder)
        case .populations(let record): try record.encode(to: encoder)
        }
    }
}

extension NetworkSimulate {
    /// `run()` for the general network (one population of --g … --eta, or the populations of --model): μ_k, M_k, Δ0_k,
    /// Δ∞_k and the connected Δ_k(τ) with error bars, λ_max with --lyapunov.
    func runGeneral(_ configuration: (PopulationNetworkSpec, NetworkSimulationOptions, PopulationNetworkModel?)) throws {
        let (spec, options, network) = configuration
        let (result, seconds) = try timed { try PopulationNetworkSimulator(spec: spec, options: options).run(progress: $0) }
        let names = network?.populations.map(\.name) ?? [""]
        let (written, json) = try write({
            var table = CSVTable(columns: ["tau"] + names.flatMap { name in
                name.isEmpty ? ["delta", "delta_error"] : ["delta_\(name)", "delta_\(name)_error"]
            })
            for index in result.lags.indices {
                table.append([result.lags[index]] + result.populations.flatMap { [$0.correlation[index], $0.correlationError[index]] })
            }
            return table
        }, record: { files -> GeneralSimulateRecord in
            if let network {
                let records = zip(network.populations, result.populations).map { p, m in
                    SimulatedPopulationRecord(
                        name: p.name, fraction: p.fraction, size: m.size, phi: p.nonlinearity.name, h0: p.bias, sigma: p.noise,
                        mu: m.mean, muError: m.meanError, meanRate: m.rate, meanRateError: m.rateError,
                        delta0: m.correlation[0], delta0Error: m.correlationError[0],
                        deltaInf: m.staticVariance, deltaInfError: m.staticVarianceError)
                }
                return .populations(PopulationSimulateRecord(
                    model: populations.modelFile ?? "", scale: network.scale, g: network.coupling, j0: network.meanCoupling,
                    size: result.size, populations: records, lambdaMax: result.lyapunovExponent,
                    lambdaMaxError: result.lyapunovExponentError, lambdaMaxSeeds: result.lyapunovExponents, seconds: seconds,
                    seeds: result.realisations, seed: result.seed, dt: result.step, integrator: result.integrator.rawValue,
                    tMax: result.duration, transient: result.transient, sampleInterval: result.sampleInterval,
                    maxLag: result.lags.last ?? 0, backend: result.backend, version: PackageInfo.version, files: files))
            }
            let population = result.populations[0]
            return .single(NetworkSimulateGeneralRecord(
                size: result.size, g: model.coupling, sigma: model.noise, phi: model.transferFunction.rawValue, h0: bias,
                j0: meanCoupling, eta: eta, mu: population.mean, muError: population.meanError, meanRate: population.rate,
                meanRateError: population.rateError, delta0: population.correlation[0], delta0Error: population.correlationError[0],
                deltaInf: population.staticVariance, deltaInfError: population.staticVarianceError,
                lambdaMax: result.lyapunovExponent, lambdaMaxError: result.lyapunovExponentError,
                seconds: seconds, seeds: result.realisations, seed: result.seed, dt: result.step,
                integrator: result.integrator.rawValue, tMax: result.duration, transient: result.transient,
                sampleInterval: result.sampleInterval, maxLag: result.lags.last ?? 0, backend: result.backend,
                version: PackageInfo.version, files: files))
        })
        if self.json {
            print(json)
            return
        }
        let last = result.lags.last ?? 0
        if let network {
            print("simulation N = \(result.size) of \(network.count) populations, s = \(network.scale): "
                  + "\(result.realisations) seed\(result.realisations == 1 ? "" : "s") × (\(result.transient) transient + "
                  + "\(result.duration)), \(result.integrator.rawValue) dt = \(result.step)")
        } else {
            print("simulation N = \(result.size), g = \(model.coupling), σ = \(model.noise), φ = \(model.transferFunction.rawValue), "
                  + "h0 = \(bias), J0 = \(meanCoupling), η = \(eta): \(result.realisations) seed\(result.realisations == 1 ? "" : "s") × "
                  + "(\(result.transient) transient + \(result.duration)), \(result.integrator.rawValue) dt = \(result.step)")
        }
        for (name, population) in zip(names, result.populations) {
            if !name.isEmpty { print("  \(name) (N = \(population.size)):") }
            print("  μ = \(Self.withError(population.mean, population.meanError)), M = ⟨φ⟩ = \(Self.withError(population.rate, population.rateError))")
            print("  Δ(0) = \(Self.withError(population.correlation[0], population.correlationError[0])), "
                  + "Δ(\(last)) = \(Self.withError(population.correlation.last ?? .nan, population.correlationError.last ?? .nan)), "
                  + "Δ∞ ≈ \(Self.withError(population.staticVariance, population.staticVarianceError)) (connected about μ)")
        }
        if let exponent = result.lyapunovExponent {
            print("  λ_max = \(Self.withError(exponent, result.lyapunovExponentError ?? .nan))")
        }
        print("  " + String(format: "%.2f s", seconds) + "; products: \(result.backend)")
        for path in written { print("  wrote \(path)") }
    }
}
