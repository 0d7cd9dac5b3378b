import Foundation

/// What a finite-network simulation does: network size, times, step, statistics and backend.
///
/// Times are in units of the single-unit relaxation time. Each of the `realisations` independent runs draws its own
/// couplings, initial state and noise, discards `transient`, then measures for `duration` (the `t_max` of the CLI).
public struct NetworkSimulationOptions: Sendable, Codable {
    /// Number of units N (2…16384).
    public var size: Int
    /// Measured model time per realisation after the transient, `t_max` (> 0).
    public var duration: Double
    /// Model time discarded at the start of each realisation (≥ 0). Default 50: relaxation onto the attractor takes
    /// a few decorrelation times away from g = 1.
    public var transient: Double = 50
    /// Time step dt; nil: `NetworkSimulationPlan.automaticStep(for:integrator:)`.
    public var step: Double? = nil
    /// Integrator; nil: RK4 for σ = 0, stochastic Heun for σ > 0.
    public var integrator: SimulationIntegrator? = nil
    /// Spacing of the samples of h used for Δ(τ); rounded to a whole number of steps (at least one).
    /// Default: the multiple of dt nearest 0.1.
    public var sampleInterval: Double? = nil
    /// Largest lag of Δ(τ); nil: min(30, duration/2). Must not exceed `duration`.
    public var maximumLag: Double? = nil
    /// Number K of independent realisations (J, initial state, noise), ≥ 1; error bars need K ≥ 2.
    public var realisations: Int = 4
    /// Seed: realisation k uses `Xoshiro256StarStar(seed: seed, stream: k)`.
    public var seed: UInt64 = 1
    /// Also follow a tangent vector and estimate λ_max (Benettin): 1.5–2× the cost (measured at N = 2000).
    public var computesLyapunovExponent: Bool = false
    /// Model time between renormalisations of the tangent vector (rounded to whole steps, at least one).
    public var renormalisationInterval: Double = 1
    /// Variance of the initial state, h_i(0) ~ N(0, initialVariance).
    public var initialVariance: Double = 1
    /// How products with J are done (`.automatic`: OpenBLAS when installed, measured 1.4–1.7× faster).
    public var backend: MatrixVectorBackend = .automatic
    /// Threads for the vectorised loop (rows of J are split among them; a BLAS uses its own threads).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Options for `size` units measured for `duration`; the rest take their defaults.
    public init(size: Int, duration: Double) {
        self.size = size
        self.duration = duration
    }
}

/// Where a running simulation is, for progress reports.
public struct SimulationProgress: Sendable {
    /// Realisation being run (0-based).
    public let realisation: Int
    /// Number of realisations K.
    public let realisations: Int
    /// Model time done in this realisation (transient included).
    public let time: Double
    /// Model time of one realisation (transient included).
    public let totalTime: Double
    /// Fraction of the whole run done, 0…1.
    public var fraction: Double { (Double(realisation) + time / totalTime) / Double(realisations) }
}

/// The measurements of one realisation.
public struct RealisationMeasurement: Sendable, Codable {
    /// Δ_k(τ_ℓ) = (1/N) Σ_i ⟨h_i(t) h_i(t+τ_ℓ)⟩_t of this realisation (no mean subtracted).
    public let correlation: [Double]
    /// Largest Lyapunov exponent of this realisation (nil when not computed).
    public let lyapunovExponent: Double?
}

/// Result of `NetworkSimulator.run`: the population-averaged autocorrelation with error bars over realisations,
/// ⟨h²⟩ = Δ(0), and λ_max.
public struct NetworkSimulationResult: Sendable, Codable {
    /// Number of units N.
    public let size: Int
    /// Coupling g.
    public let coupling: Double
    /// Noise amplitude σ.
    public let noise: Double
    /// Name of φ.
    public let transferFunction: String
    /// Integrator used.
    public let integrator: SimulationIntegrator
    /// Time step dt.
    public let step: Double
    /// Transient discarded per realisation (whole steps).
    public let transient: Double
    /// Model time measured per realisation (whole samples).
    public let duration: Double
    /// Spacing of the samples (and lags).
    public let sampleInterval: Double
    /// Number of realisations K.
    public let realisations: Int
    /// Seed of the generator.
    public let seed: UInt64
    /// What did the products with J.
    public let backend: String
    /// Lags τ_ℓ = ℓ · sampleInterval.
    public let lags: [Double]
    /// Δ(τ_ℓ): mean over realisations of `RealisationMeasurement.correlation`.
    public let correlation: [Double]
    /// Standard error of that mean (sample standard deviation / √K; NaN for K = 1).
    public let correlationError: [Double]
    /// ⟨h²⟩ = Δ(0), mean over realisations.
    public let variance: Double
    /// Standard error of ⟨h²⟩ over realisations (NaN for K = 1).
    public let varianceError: Double
    /// λ_max, mean over realisations (nil when not computed). Units: inverse model time.
    public let lyapunovExponent: Double?
    /// Standard error of λ_max over realisations (nil when not computed, NaN for K = 1).
    public let lyapunovExponentError: Double?
    /// Each realisation's measurements, in order.
    public let measurements: [RealisationMeasurement]
}

/// The whole-step schedule of a simulation, worked out from `NetworkSimulationOptions` without allocating anything
/// (so a command line can validate its input before doing any work).
public struct NetworkSimulationPlan: Sendable, Codable {
    /// The integrator in use.
    public let integrator: SimulationIntegrator
    /// The time step dt.
    public let step: Double
    /// Steps between samples of h.
    public let stepsPerSample: Int
    /// Steps between renormalisations of the tangent vector.
    public let stepsPerRenormalisation: Int
    /// Steps discarded per realisation.
    public let transientSteps: Int
    /// Steps measured per realisation (a whole number of samples).
    public let measuredSteps: Int
    /// Largest lag in samples.
    public let maximumLagSamples: Int

    /// Spacing of the samples, `stepsPerSample · dt`.
    public var sampleInterval: Double { Double(stepsPerSample) * step }
    /// Samples per unit and realisation, n = measuredSteps / stepsPerSample + 1.
    public var sampleCount: Int { measuredSteps / stepsPerSample + 1 }
    /// Model time measured per realisation (a whole number of samples; at most `options.duration`).
    public var measuredTime: Double { Double(measuredSteps) * step }

    /// The automatic time step: RK4 `min(0.1, 0.25/g)`, stochastic Heun `min(0.05, 0.125/g)`.
    ///
    /// Why: the Jacobian's spectrum lies in a disk of radius ≲ g about −1, and the chaotic dynamics vary on times
    /// ≳ 1/g. RK4 at g·dt = 0.2 has a local error ~(g dt)⁵/120 ≈ 3e-6 and is far inside its stability region
    /// (|z| ≲ 2.8). Heun is weak order 2: its O(dt²) bias in ⟨h²⟩ (−dt²/4 relative for the noise part alone,
    /// 6e-4 at dt = 0.05) is below the statistical error of a production run. Halving either step changes ⟨h²⟩
    /// and λ_max at g = 2 by less than their statistical errors (measured).
    public static func automaticStep(for model: NetworkModel, integrator: SimulationIntegrator) -> Double {
        automaticStep(coupling: model.coupling, integrator: integrator)
    }

    /// `automaticStep(for:integrator:)` for a coupling scale g.
    package static func automaticStep(coupling: Double, integrator: SimulationIntegrator) -> Double {
        switch integrator {
        case .rungeKutta4: return min(0.1, 0.25 / coupling)
        case .stochasticHeun: return min(0.05, 0.125 / coupling)
        }
    }

    /// Validates `options` for `model` and works out the schedule.
    ///
    /// - Throws: `SimulationError` for an invalid option: N outside 2…16384, t_max ≤ 0, a negative transient,
    ///   dt ≤ 0 or beyond the integrator's stability limit (2.7/(1+g) for RK4, 2/(1+g) for Heun), RK4 with σ > 0,
    ///   K < 1, a lag longer than t_max, a non-positive sample or renormalisation interval, more than 10¹⁰ steps.
    public init(model: NetworkModel, options: NetworkSimulationOptions) throws {
        try self.init(coupling: model.coupling, noise: model.noise, options: options)
    }

    /// The schedule for a network of coupling scale g = `coupling` (step and stability limit) and largest noise
    /// amplitude `noise` (integrator choice); throws as `init(model:options:)`.
    package init(coupling: Double, noise: Double, options: NetworkSimulationOptions) throws {
        let size = options.size
        guard size >= 2 && size <= SimulationLimits.maximumSize else { throw SimulationError.invalidSize(size) }
        guard options.duration.isFinite && options.duration > 0 else { throw SimulationError.invalidDuration(options.duration) }
        guard options.transient.isFinite && options.transient >= 0 else { throw SimulationError.invalidTransient(options.transient) }
        guard options.realisations >= 1 && options.realisations <= 100_000 else {
            throw SimulationError.invalidRealisations(options.realisations)
        }
        guard options.initialVariance.isFinite && options.initialVariance > 0 else {
            throw SimulationError.invalidInitialVariance(options.initialVariance)
        }
        guard options.threads >= 1 else { throw SimulationError.invalidThreads(options.threads) }
        let integrator = options.integrator ?? .default(noise: noise)
        if integrator == .rungeKutta4 && noise > 0 { throw SimulationError.integratorNeedsNoNoise }
        let step = options.step ?? Self.automaticStep(coupling: coupling, integrator: integrator)
        guard step.isFinite && step > 0 else { throw SimulationError.invalidStep(step) }
        let limit = (integrator == .rungeKutta4 ? 2.7 : 2.0) / (1 + coupling)
        guard step <= limit else { throw SimulationError.stepBeyondStability(step: step, limit: limit, integrator: integrator) }
        let totalSteps = (options.transient + options.duration) / step
        guard totalSteps <= 1e10 else { throw SimulationError.tooManySteps(totalSteps) }
        let sampleInterval = options.sampleInterval ?? 0.1
        guard sampleInterval.isFinite && sampleInterval > 0 else { throw SimulationError.invalidSampleInterval(sampleInterval) }
        let renormalisation = options.renormalisationInterval
        guard renormalisation.isFinite && renormalisation > 0 else {
            throw SimulationError.invalidRenormalisationInterval(renormalisation)
        }
        guard sampleInterval <= options.duration else {
            throw SimulationError.durationShorterThanSample(duration: options.duration, sampleInterval: sampleInterval)
        }
        // Both ratios below are bounded by totalSteps ≤ 1e10 (sample ≤ duration) or capped, so Int() cannot trap.
        let stepsPerSample = max(1, Int((sampleInterval / step).rounded()))
        let actualInterval = Double(stepsPerSample) * step
        let intervals = Int((options.duration / actualInterval * (1 + 1e-12)).rounded(.down))
        guard intervals >= 1 else {
            throw SimulationError.durationShorterThanSample(duration: options.duration, sampleInterval: actualInterval)
        }
        let maximumLag = options.maximumLag ?? min(30, options.duration / 2)
        guard maximumLag.isFinite && maximumLag >= 0 && maximumLag <= options.duration else {
            throw SimulationError.invalidMaximumLag(lag: maximumLag, duration: options.duration)
        }
        let lagSamples = min(Int((maximumLag / actualInterval).rounded()), intervals)
        guard lagSamples <= 1 << 20 else { throw SimulationError.tooManyLags(lagSamples) }
        self.integrator = integrator
        self.step = step
        self.stepsPerSample = stepsPerSample
        stepsPerRenormalisation = max(1, Int(min(renormalisation / step, 1e15).rounded()))
        transientSteps = Int((options.transient / step).rounded())
        measuredSteps = intervals * stepsPerSample
        maximumLagSamples = lagSamples
    }
}

/// Direct simulation of finite random rate networks (docs/PHYSICS.md §1), the independent check of the DMFT.
///
/// For each realisation k = 0…K−1: draw J, h(0), u(0) from `Xoshiro256StarStar(seed:stream: k)`; integrate for
/// `transient` (discarded) and then `duration` with RK4 (σ = 0) or stochastic Heun (σ > 0, noise from the same
/// stream, one N(0, σ² dt) increment per unit and step). Meanwhile:
///
/// - **Autocorrelation.** h is sampled every `sampleInterval`; the n samples of every unit are streamed through a
///   `LaggedProductAccumulator` (zero-padded real FFTs), giving
///   `Δ_k(τ_ℓ) = (1/N) Σ_i (1/(n − ℓ)) Σ_{t=0}^{n−1−ℓ} h_i(t) h_i(t+ℓ)` exactly (the unbiased lag average).
///   ⟨h²⟩ = Δ(0). Memory: N × (block + lags) samples, independent of the duration.
/// - **λ_max (Benettin).** A tangent vector u evolves with the linearised step map (no noise; for σ > 0 the state
///   it is linearised about is driven by the noise). Every `renormalisationInterval` it is renormalised and
///   log|u| is added up; λ_k = Σ log|u| / duration, counted after the transient (the tangent aligns during it).
///
/// The results are the means over realisations with standard errors (sample standard deviation / √K): they measure
/// the spread from the disorder, the initial state and the finite time together. Deterministic: the same seed and
/// options give bitwise identical results with the vectorised loop on any number of threads (and with one BLAS at a
/// fixed thread count).
///
///     var options = NetworkSimulationOptions(size: 1000, duration: 200)
///     options.computesLyapunovExponent = true
///     let result = try NetworkSimulator(model: NetworkModel(coupling: 2), options: options).run()
///     print(result.variance, result.varianceError, result.lyapunovExponent!)
public final class NetworkSimulator {
    /// The model simulated.
    public let model: NetworkModel
    /// The options, as given.
    public let options: NetworkSimulationOptions
    /// The schedule in whole steps.
    public let plan: NetworkSimulationPlan
    /// The network (reused by every realisation).
    package let network: FiniteNetwork
    private let accumulator: LaggedProductAccumulator
    /// Sample rows (time-major): `blockLength + maximumLag` rows of `leadingDimension` values.
    private let samples: AlignedBuffer
    private let increments: AlignedBuffer

    /// Validates `options` for `model` (see `NetworkSimulationPlan.init`) and allocates the network and
    /// workspaces (8 N² bytes for J, about 8 N (1024 + lags) for the samples).
    ///
    /// - Throws: `SimulationError` for invalid options; `.blasUnavailable` when `.blas` is forced without a BLAS.
    public init(model: NetworkModel, options: NetworkSimulationOptions) throws {
        plan = try NetworkSimulationPlan(model: model, options: options)
        self.model = model
        self.options = options
        network = try FiniteNetwork(model: model, size: options.size, backend: options.backend, threads: options.threads)
        accumulator = LaggedProductAccumulator(maximumLag: plan.maximumLagSamples, minimumBlockLength: 256)
        let rows = accumulator.blockLength + plan.maximumLagSamples
        samples = try AlignedBuffer(allocating: rows * network.couplings.leadingDimension, for: "the sample rows")
        increments = AlignedBuffer(count: network.couplings.leadingDimension)
    }

    /// Runs every realisation in turn and combines them.
    ///
    /// - Parameter progress: called from this thread about every 1% of a realisation.
    /// - Throws: `SimulationError.diverged` when the state stops being finite.
    public func run(progress: ((SimulationProgress) -> Void)? = nil) throws -> NetworkSimulationResult {
        let count = options.realisations
        var measurements: [RealisationMeasurement] = []
        for index in 0..<count {
            measurements.append(try runRealisation(index) { time, total in
                progress?(SimulationProgress(realisation: index, realisations: count, time: time, totalTime: total))
            })
        }
        let lagCount = plan.maximumLagSamples + 1
        var mean = [Double](repeating: 0, count: lagCount), error = mean
        for lag in 0..<lagCount {
            (mean[lag], error[lag]) = Self.meanAndStandardError(measurements.map { $0.correlation[lag] })
        }
        var lyapunov: (Double, Double)? = nil
        if options.computesLyapunovExponent {
            lyapunov = Self.meanAndStandardError(measurements.map { $0.lyapunovExponent! })
        }
        return NetworkSimulationResult(
            size: options.size, coupling: model.coupling, noise: model.noise, transferFunction: model.nonlinearity.name,
            integrator: plan.integrator, step: plan.step, transient: Double(plan.transientSteps) * plan.step,
            duration: plan.measuredTime, sampleInterval: plan.sampleInterval, realisations: count,
            seed: options.seed, backend: network.couplings.backendDescription,
            lags: (0..<lagCount).map { Double($0) * plan.sampleInterval }, correlation: mean, correlationError: error,
            variance: mean[0], varianceError: error[0], lyapunovExponent: lyapunov?.0, lyapunovExponentError: lyapunov?.1,
            measurements: measurements)
    }

    /// Runs realisation `index` (stream `index` of the seed) and returns its Δ_k(τ) and λ_k.
    ///
    /// - Parameters:
    ///   - index: the realisation (and the stream of the seed it draws from).
    ///   - progress: called with (model time done, total model time) about every 1% of the run.
    public func runRealisation(_ index: Int, progress: ((Double, Double) -> Void)? = nil) throws -> RealisationMeasurement {
        var generator = Xoshiro256StarStar(seed: options.seed, stream: index)
        network.draw(initialVariance: options.initialVariance, using: &generator)
        let tangent = options.computesLyapunovExponent
        let n = options.size, ld = network.couplings.leadingDimension
        let noiseScale = model.noise * plan.step.squareRoot()
        let noise = increments.baseAddress
        let totalSteps = plan.transientSteps + plan.measuredSteps
        let reportEvery = max(1, totalSteps / 100)
        let dt = plan.step

        func advance() {
            switch plan.integrator {
            case .rungeKutta4:
                network.stepRungeKutta4(dt: dt, tangent: tangent)
            case .stochasticHeun:
                for i in 0..<n { noise[i] = noiseScale * generator.nextNormal() }
                network.stepHeun(dt: dt, increments: noise, tangent: tangent)
            }
        }
        func report(_ done: Int) {
            if let progress, done % reportEvery == 0 { progress(Double(done) * dt, Double(totalSteps) * dt) }
        }

        accumulator.reset()
        let rowCapacity = accumulator.blockLength + plan.maximumLagSamples
        var filled = 0
        let rows = samples.baseAddress
        func record() {
            (rows + filled * ld).update(from: network.current.baseAddress, count: n)
            filled += 1
            if filled == rowCapacity {
                for unit in 0..<n {
                    accumulator.addBlock(rows + unit, stride: ld, blockCount: accumulator.blockLength, windowCount: rowCapacity)
                }
                rows.update(from: rows + accumulator.blockLength * ld, count: plan.maximumLagSamples * ld)
                filled = plan.maximumLagSamples
            }
        }
        let logGrowth = try network.runSteps(plan: plan, realisation: index, tangent: tangent,
                                             advance: advance, sample: record, report: report)
        for unit in 0..<n { accumulator.addSeries(rows + unit, stride: ld, count: filled) }

        let sums = accumulator.lagSums()
        let samplesPerUnit = plan.sampleCount
        let correlation = (0...plan.maximumLagSamples).map { lag in sums[lag] / (Double(n) * Double(samplesPerUnit - lag)) }
        let exponent = tangent ? logGrowth / (Double(plan.measuredSteps) * dt) : nil
        if tangent && !(exponent!.isFinite) {
            throw SimulationError.diverged(realisation: index, time: Double(totalSteps) * dt)
        }
        return RealisationMeasurement(correlation: correlation, lyapunovExponent: exponent)
    }

    /// Mean and standard error (sample standard deviation / √K) of `values`; the error is NaN for one value.
    public static func meanAndStandardError(_ values: [Double]) -> (mean: Double, error: Double) {
        let count = Double(values.count)
        let mean = values.reduce(0, +) / count
        guard values.count > 1 else { return (mean, .nan) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
        return (mean, (variance / count).squareRoot())
    }
}

/// Invalid simulation options and failures of a run. Each description is one line, fit for a command-line error.
public enum SimulationError: Error, Equatable, CustomStringConvertible {
    case invalidSize(Int)
    case invalidDuration(Double)
    case invalidTransient(Double)
    case invalidStep(Double)
    case stepBeyondStability(step: Double, limit: Double, integrator: SimulationIntegrator)
    case integratorNeedsNoNoise
    case tooManySteps(Double)
    case invalidSampleInterval(Double)
    case durationShorterThanSample(duration: Double, sampleInterval: Double)
    case invalidMaximumLag(lag: Double, duration: Double)
    case tooManyLags(Int)
    case invalidRealisations(Int)
    case invalidRenormalisationInterval(Double)
    case invalidInitialVariance(Double)
    case invalidThreads(Int)
    case blasUnavailable
    case diverged(realisation: Int, time: Double)

    public var description: String {
        switch self {
        case .invalidSize(let n):
            return "invalid N = \(n): a network needs between 2 and \(SimulationLimits.maximumSize) units"
        case .invalidDuration(let t):
            return "invalid t-max = \(t): it must be a finite number > 0"
        case .invalidTransient(let t):
            return "invalid transient = \(t): it must be a finite number >= 0"
        case .invalidStep(let dt):
            return "invalid dt = \(dt): it must be a finite number > 0"
        case .stepBeyondStability(let dt, let limit, let integrator):
            return "invalid dt = \(dt): \(integrator) is unstable or inaccurate beyond dt = \(String(format: "%.3g", limit)) at this g; use a smaller step"
        case .integratorNeedsNoNoise:
            return "RK4 integrates the noiseless network only; with sigma > 0 use the stochastic Heun scheme"
        case .tooManySteps(let steps):
            return "too many steps (\(String(format: "%.3g", steps))): shorten t-max or the transient, or enlarge dt"
        case .invalidSampleInterval(let interval):
            return "invalid sample interval = \(interval): it must be a finite number > 0"
        case .durationShorterThanSample(let duration, let interval):
            return "t-max = \(duration) is shorter than one sample interval (\(interval))"
        case .invalidMaximumLag(let lag, let duration):
            return "invalid max-lag = \(lag): it must be a finite number between 0 and t-max = \(duration)"
        case .tooManyLags(let count):
            return "too many lags (\(count) samples): shorten max-lag or enlarge the sample interval"
        case .invalidRealisations(let count):
            return "invalid seeds = \(count): the number of realisations must be between 1 and 100000"
        case .invalidRenormalisationInterval(let interval):
            return "invalid renormalisation interval = \(interval): it must be a finite number > 0"
        case .invalidInitialVariance(let variance):
            return "invalid initial variance = \(variance): it must be a finite number > 0"
        case .invalidThreads(let threads):
            return "invalid threads = \(threads): it must be >= 1"
        case .blasUnavailable:
            return "no CBLAS library (libopenblas.so.0 or libblas.so.3) could be loaded; install libopenblas0 or use the vectorised backend"
        case .diverged(let realisation, let time):
            return "the simulation diverged (non-finite state) at t = \(time) in realisation \(realisation); use a smaller dt"
        }
    }
}
