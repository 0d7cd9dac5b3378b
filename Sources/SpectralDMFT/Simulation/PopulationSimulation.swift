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
    /// Each realisation's (μ_k, M_k, Δ_k(0)).
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
}

/// Direct simulation of the general finite network of a `PopulationNetworkSpec` (populations, biases, mean
/// couplings, per-population φ and noise, partially symmetric couplings): the independent check of the general
/// DMFT (docs/PHYSICS.md §1.9–§1.13).
///
/// The schedule, integrators, seeding (`Xoshiro256StarStar(seed:stream: k)` for realisation k: couplings, h(0),
/// tangent draw, then the noise), the FFT lag sums and the error bars are those of `NetworkSimulator`; per
/// population it measures μ_k, M_k and the connected Δ_k(τ). λ_max is not measured here.
package final class PopulationNetworkSimulator {
    package let spec: PopulationNetworkSpec
    package let options: NetworkSimulationOptions
    package let plan: NetworkSimulationPlan
    package let network: FiniteNetwork
    private let accumulators: [LaggedProductAccumulator]
    private let samples: AlignedBuffer
    private let increments: AlignedBuffer
    private let noiseScales: AlignedBuffer

    /// Validates `options` (as `NetworkSimulationPlan`, with g the largest of g_kl and |J0_kl| and σ the largest σ_k)
    /// and allocates the network and workspaces. `computesLyapunovExponent` is ignored.
    package init(spec: PopulationNetworkSpec, options: NetworkSimulationOptions) throws {
        let scale = max(spec.largestScale, spec.meanCouplings.flatMap { $0 }.map { abs($0) }.max() ?? 0, 1e-3)
        plan = try NetworkSimulationPlan(coupling: scale, noise: spec.largestNoise, options: options)
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

    /// Runs every realisation and combines them per population.
    package func run(progress: ((SimulationProgress) -> Void)? = nil) throws -> PopulationSimulationResult {
        let count = options.realisations
        var perRealisation: [[(mean: Double, rate: Double, correlation: [Double])]] = []
        for index in 0..<count {
            perRealisation.append(try runRealisation(index) { time, total in
                progress?(SimulationProgress(realisation: index, realisations: count, time: time, totalTime: total))
            })
        }
        let lagCount = plan.maximumLagSamples + 1
        var populations: [PopulationMeasurement] = []
        for (k, range) in network.ranges.enumerated() {
            let values = perRealisation.map { $0[k] }
            let mean = NetworkSimulator.meanAndStandardError(values.map(\.mean))
            let rate = NetworkSimulator.meanAndStandardError(values.map(\.rate))
            var correlation = [Double](repeating: 0, count: lagCount), error = correlation
            for lag in 0..<lagCount {
                (correlation[lag], error[lag]) = NetworkSimulator.meanAndStandardError(values.map { $0.correlation[lag] })
            }
            populations.append(PopulationMeasurement(
                size: range.count, mean: mean.mean, meanError: mean.error, rate: rate.mean, rateError: rate.error,
                correlation: correlation, correlationError: error,
                realisationValues: values.map { [$0.mean, $0.rate, $0.correlation[0]] }))
        }
        return PopulationSimulationResult(
            size: options.size, realisations: count, seed: options.seed, integrator: plan.integrator, step: plan.step,
            transient: Double(plan.transientSteps) * plan.step, duration: plan.measuredTime,
            sampleInterval: plan.sampleInterval, backend: network.couplings.backendDescription,
            lags: (0..<lagCount).map { Double($0) * plan.sampleInterval }, populations: populations)
    }

    /// Realisation `index`: per population (μ_k, M_k, connected Δ_k(τ_ℓ)).
    package func runRealisation(_ index: Int, progress: ((Double, Double) -> Void)? = nil) throws
        -> [(mean: Double, rate: Double, correlation: [Double])] {
        var generator = Xoshiro256StarStar(seed: options.seed, stream: index)
        network.draw(initialVariance: options.initialVariance, using: &generator)
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
                network.stepRungeKutta4(dt: dt)
            case .stochasticHeun:
                for i in 0..<n { noise[i] = scales[i] * generator.nextNormal() }
                network.stepHeun(dt: dt, increments: noise)
            }
        }
        func report(_ done: Int) {
            if let progress, done % reportEvery == 0 { progress(Double(done) * dt, Double(totalSteps) * dt) }
        }
        for stepIndex in 0..<plan.transientSteps {
            advance()
            report(stepIndex + 1)
        }
        guard network.state.allSatisfy({ $0.isFinite }) else {
            throw SimulationError.diverged(realisation: index, time: Double(plan.transientSteps) * dt)
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
        record()
        for stepIndex in 0..<plan.measuredSteps {
            advance()
            if (stepIndex + 1) % plan.stepsPerSample == 0 {
                record()
                if !network.state.allSatisfy({ $0.isFinite }) {
                    throw SimulationError.diverged(realisation: index, time: Double(plan.transientSteps + stepIndex + 1) * dt)
                }
            }
            report(plan.transientSteps + stepIndex + 1)
        }
        for (k, range) in ranges.enumerated() {
            for unit in range { accumulators[k].addSeries(rows + unit, stride: ld, count: filled) }
        }
        let samplesPerUnit = Double(plan.sampleCount)
        return ranges.enumerated().map { k, range in
            let units = Double(range.count)
            let mu = sumH[k] / (units * samplesPerUnit), rate = sumPhi[k] / (units * samplesPerUnit)
            let sums = accumulators[k].lagSums()
            let correlation = (0...plan.maximumLagSamples).map { lag in
                sums[lag] / (units * (samplesPerUnit - Double(lag))) - mu * mu
            }
            return (mu, rate, correlation)
        }
    }
}
