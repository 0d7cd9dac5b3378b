import Foundation

/// What one population of a `PopulationNetworkSimulator` run measured: means over realisations with standard
/// errors (sample standard deviation/√K; NaN for K = 1).
package struct PopulationMeasurement: Sendable, Codable {
    /// N_k.
    package let size: Int
    /// μ_k = ⟨h_i(t)⟩ over the population's units and the measured time.
    package let mean: Double
    package let meanError: Double
    /// M_k = ⟨φ_k(h_i(t))⟩.
    package let rate: Double
    package let rateError: Double
    /// Δ_k(τ_ℓ) = (1/N_k) Σ_i ⟨h_i(t) h_i(t+τ_ℓ)⟩_t − μ_k² (connected about the population mean, so it contains
    /// the spread of the units' temporal means, Δ∞, as the DMFT's Δ does).
    package let correlation: [Double]
    package let correlationError: [Double]
    /// Δ∞_k estimated from the tail: each realisation's mean of Δ_k(τ_ℓ) over the last third of the lags,
    /// τ_ℓ ∈ [2L/3, L] (L the largest lag), then mean and standard error over realisations. It is Δ∞ when Δ_k − Δ∞_k
    /// has decayed by 2L/3 (the DMFT says how fast: e^{−κτ}).
    package let staticVariance: Double
    package let staticVarianceError: Double
    /// Each realisation's (μ_k, M_k, Δ_k(0), tail estimate of Δ∞_k).
    package let realisationValues: [[Double]]
}

/// Result of `PopulationNetworkSimulator.run`.
package struct PopulationSimulationResult: Sendable, Codable {
    package let size: Int
    package let realisations: Int
    package let seed: UInt64
    package let integrator: SimulationIntegrator
    package let step: Double
    package let transient: Double
    package let duration: Double
    package let sampleInterval: Double
    package let backend: String
    /// τ_ℓ = ℓ · sampleInterval.
    package let lags: [Double]
    /// One entry per population, in the spec's order.
    package let populations: [PopulationMeasurement]
    /// λ_max (Benettin, mean over realisations) when `computesLyapunovExponent`; nil otherwise.
    package let lyapunovExponent: Double?
    /// Its standard error over realisations (NaN for K = 1); nil when not computed.
    package let lyapunovExponentError: Double?
    /// Each realisation's λ_max, nil when not computed.
    package let lyapunovExponents: [Double]?
}

/// Direct simulation of the general finite network of a `PopulationNetworkSpec` (populations, biases, mean
/// couplings, per-population φ and noise, partially symmetric couplings): the independent check of the general
/// DMFT (docs/PHYSICS.md §1.9–§1.13).
///
/// The schedule, integrators, seeding (`Xoshiro256StarStar(seed:stream: k)` for realisation k: couplings, h(0),
/// tangent draw, then the noise), the FFT lag sums, λ_max by Benettin's method (`computesLyapunovExponent`) and
/// the error bars are those of `NetworkSimulator`; per population it measures μ_k, M_k, the connected Δ_k(τ) and a
/// tail estimate of Δ∞_k. The time step follows `PopulationNetworkSpec.effectiveCoupling`.
package final class PopulationNetworkSimulator {
    package let spec: PopulationNetworkSpec
    package let options: NetworkSimulationOptions
    package let plan: NetworkSimulationPlan
    package let network: FiniteNetwork
    private let accumulators: [LaggedProductAccumulator]
    private let samples: AlignedBuffer
    private let increments: AlignedBuffer
    private let noiseScales: AlignedBuffer

    /// Validates `options` (`plan(spec:options:)`) and allocates the network and workspaces.
    package init(spec: PopulationNetworkSpec, options: NetworkSimulationOptions) throws {
        plan = try Self.plan(spec: spec, options: options)
        self.spec = spec
        self.options = options
        network = try FiniteNetwork(spec: spec, size: options.size, backend: options.backend, threads: options.threads)
        let lagSamples = plan.maximumLagSamples
        accumulators = network.ranges.map { _ in LaggedProductAccumulator(maximumLag: lagSamples, minimumBlockLength: 256) }
        let rows = accumulators[0].blockLength + lagSamples
        samples = try AlignedBuffer(allocating: rows * network.couplings.leadingDimension, for: "the sample rows")
        increments = AlignedBuffer(count: network.couplings.leadingDimension)
        noiseScales = AlignedBuffer(count: network.couplings.leadingDimension)
        let root = plan.step.squareRoot()
        for (k, range) in network.ranges.enumerated() {
            for i in range { noiseScales[i] = spec.noises[k] * root }
        }
    }

    /// The schedule: `NetworkSimulationPlan` with g = `spec.effectiveCoupling` and σ the largest σ_k. Without an
    /// explicit step, the automatic step is shortened to the next whole fraction of the sample interval
    /// (dt = Δs/⌈Δs/dt_auto⌉), so that the lags are exact multiples of it (unchanged whenever dt_auto divides it,
    /// e.g. 0.1 for g_eff ≤ 2.5).
    ///
    /// - Throws: `SimulationError` as `NetworkSimulationPlan`.
    package static func plan(spec: PopulationNetworkSpec, options: NetworkSimulationOptions) throws -> NetworkSimulationPlan {
        var options = options
        let coupling = spec.effectiveCoupling
        if options.step == nil {
            let integrator = options.integrator ?? .default(noise: spec.largestNoise)
            let automatic = NetworkSimulationPlan.automaticStep(coupling: coupling, integrator: integrator)
            let interval = options.sampleInterval ?? 0.1
            if interval.isFinite && interval > 0 && interval <= 1e6 * automatic {
                options.step = interval / (interval / automatic * (1 - 1e-12)).rounded(.up)
            }
        }
        return try NetworkSimulationPlan(coupling: coupling, noise: spec.largestNoise, options: options)
    }

    /// Runs every realisation and combines them per population.
    package func run(progress: ((SimulationProgress) -> Void)? = nil) throws -> PopulationSimulationResult {
        let count = options.realisations
        var perRealisation: [PopulationRealisation] = []
        for index in 0..<count {
            perRealisation.append(try runRealisation(index) { time, total in
                progress?(SimulationProgress(realisation: index, realisations: count, time: time, totalTime: total))
            })
        }
        let lagCount = plan.maximumLagSamples + 1
        let tailStart = (2 * plan.maximumLagSamples) / 3
        func tail(_ correlation: [Double]) -> Double {
            correlation[tailStart...].reduce(0, +) / Double(lagCount - tailStart)
        }
        var populations: [PopulationMeasurement] = []
        for (k, range) in network.ranges.enumerated() {
            let values = perRealisation.map { $0.populations[k] }
            let mean = NetworkSimulator.meanAndStandardError(values.map(\.mean))
            let rate = NetworkSimulator.meanAndStandardError(values.map(\.rate))
            let infinity = NetworkSimulator.meanAndStandardError(values.map { tail($0.correlation) })
            var correlation = [Double](repeating: 0, count: lagCount), error = correlation
            for lag in 0..<lagCount {
                (correlation[lag], error[lag]) = NetworkSimulator.meanAndStandardError(values.map { $0.correlation[lag] })
            }
            populations.append(PopulationMeasurement(
                size: range.count, mean: mean.mean, meanError: mean.error, rate: rate.mean, rateError: rate.error,
                correlation: correlation, correlationError: error,
                staticVariance: infinity.mean, staticVarianceError: infinity.error,
                realisationValues: values.map { [$0.mean, $0.rate, $0.correlation[0], tail($0.correlation)] }))
        }
        let exponents = options.computesLyapunovExponent ? perRealisation.map { $0.lyapunovExponent ?? .nan } : nil
        let lyapunov = exponents.map { NetworkSimulator.meanAndStandardError($0) }
        return PopulationSimulationResult(
            size: options.size, realisations: count, seed: options.seed, integrator: plan.integrator, step: plan.step,
            transient: Double(plan.transientSteps) * plan.step, duration: plan.measuredTime,
            sampleInterval: plan.sampleInterval, backend: network.couplings.backendDescription,
            lags: (0..<lagCount).map { Double($0) * plan.sampleInterval }, populations: populations,
            lyapunovExponent: lyapunov?.mean, lyapunovExponentError: lyapunov?.error, lyapunovExponents: exponents)
    }

    /// Realisation `index`: per population (μ_k, M_k, connected Δ_k(τ_ℓ)), and λ_max when
    /// `computesLyapunovExponent` (Benettin: the tangent u follows the linearised step, renormalised every
    /// `renormalisationInterval`; log|u| summed after the transient, during which it aligns).
    package func runRealisation(_ index: Int, progress: ((Double, Double) -> Void)? = nil) throws -> PopulationRealisation {
        var generator = Xoshiro256StarStar(seed: options.seed, stream: index)
        network.draw(initialVariance: options.initialVariance, using: &generator)
        let tangent = options.computesLyapunovExponent
        let n = options.size, ld = network.couplings.leadingDimension
        let noise = increments.baseAddress, scales = noiseScales.baseAddress
        let totalSteps = plan.transientSteps + plan.measuredSteps
        let reportEvery = max(1, totalSteps / 100)
        let dt = plan.step
        let ranges = network.ranges
        let phis = spec.nonlinearities.map(\.function)

        func advance() {
            switch plan.integrator {
            case .rungeKutta4:
                network.stepRungeKutta4(dt: dt, tangent: tangent)
            case .stochasticHeun:
                for i in 0..<n { noise[i] = scales[i] * generator.nextNormal() }
                network.stepHeun(dt: dt, increments: noise, tangent: tangent)
            }
        }
        func report(_ done: Int) {
            if let progress, done % reportEvery == 0 { progress(Double(done) * dt, Double(totalSteps) * dt) }
        }
        for accumulator in accumulators { accumulator.reset() }
        let blockLength = accumulators[0].blockLength
        let rowCapacity = blockLength + plan.maximumLagSamples
        var filled = 0
        let rows = samples.baseAddress
        var sumH = [Double](repeating: 0, count: ranges.count), sumPhi = sumH
        func record() {
            let h = network.current.baseAddress
            (rows + filled * ld).update(from: h, count: n)
            for (k, range) in ranges.enumerated() {
                let phi = phis[k]
                var a = 0.0, b = 0.0
                for i in range { a += h[i]; b += phi(h[i]) }
                sumH[k] += a; sumPhi[k] += b
            }
            filled += 1
            if filled == rowCapacity {
                for (k, range) in ranges.enumerated() {
                    for unit in range {
                        accumulators[k].addBlock(rows + unit, stride: ld, blockCount: blockLength, windowCount: rowCapacity)
                    }
                }
                rows.update(from: rows + blockLength * ld, count: plan.maximumLagSamples * ld)
                filled = plan.maximumLagSamples
            }
        }
        let logGrowth = try network.runSteps(plan: plan, realisation: index, tangent: tangent,
                                             advance: advance, sample: record, report: report)
        for (k, range) in ranges.enumerated() {
            for unit in range { accumulators[k].addSeries(rows + unit, stride: ld, count: filled) }
        }
        let exponent = tangent ? logGrowth / (Double(plan.measuredSteps) * dt) : nil
        if let exponent, !exponent.isFinite { throw SimulationError.diverged(realisation: index, time: Double(totalSteps) * dt) }
        let samplesPerUnit = Double(plan.sampleCount)
        let measured = ranges.enumerated().map { k, range in
            let units = Double(range.count)
            let mu = sumH[k] / (units * samplesPerUnit), rate = sumPhi[k] / (units * samplesPerUnit)
            let sums = accumulators[k].lagSums()
            let correlation = (0...plan.maximumLagSamples).map { lag in
                sums[lag] / (units * (samplesPerUnit - Double(lag))) - mu * mu
            }
            return (mu, rate, correlation)
        }
        return PopulationRealisation(populations: measured, lyapunovExponent: exponent)
    }
}

/// One realisation of a `PopulationNetworkSimulator`: per population (μ_k, M_k, connected Δ_k(τ_ℓ)), and λ_max.
package struct PopulationRealisation: Sendable {
    package let populations: [(mean: Double, rate: Double, correlation: [Double])]
    /// λ_max of this realisation (nil when not computed).
    package let lyapunovExponent: Double?
}
