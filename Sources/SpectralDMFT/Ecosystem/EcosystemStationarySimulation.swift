import Foundation

/// What a long direct simulation measures in a stationary state (λ > 0): the time-averaged autocorrelation
/// C(τ) = (1/S) Σ_i ⟨N_i(t) N_i(t + τ)⟩_t over a window after a transient, the mean abundance and the fraction of
/// time species spend below a threshold, each with its standard error over the realisations.
public struct EcosystemStationaryMeasurement: Sendable, Codable {
    /// Lags τ_j = j·Δ (Δ = the sample interval), j = 0…K.
    public let lags: [Double]
    /// C(τ_j) with its standard error over realisations.
    public let correlation: [EcosystemEstimate]
    /// m = ⟨N⟩ over species and window.
    public let meanAbundance: EcosystemEstimate
    /// m over the first half of the window: a drift from the second half (beyond their errors) means the window is
    /// not stationary yet.
    public let meanAbundanceFirstHalf: EcosystemEstimate
    /// m over the second half of the window.
    public let meanAbundanceSecondHalf: EcosystemEstimate
    /// The plateau C∞: the mean of C over lags [3τ_max/4, τ_max] (the definition of `EcosystemStationarySolution`).
    public let plateau: EcosystemEstimate
    /// First τ with C(τ) − C∞ ≤ (C(0) − C∞)/e (linear interpolation), per realisation (as the stationary solver).
    public let decorrelationTime: EcosystemEstimate
    /// Fraction of (species, sample) pairs with N < `extinctionThreshold`.
    public let nearExtinctFraction: EcosystemEstimate
    /// The threshold used.
    public let extinctionThreshold: Double
    /// Std over the window of m(t) = (1/S)Σ_i N_i(t), averaged over realisations: the collective fluctuation
    /// (O(S^{−1/2}) in a chaotic state).
    public let meanFluctuation: Double
    /// Per-realisation C(τ), for diagnostics.
    public let realisations: [[Double]]
    /// Per-realisation m, for diagnostics.
    public let realisationMeans: [Double]
    /// Per-realisation standard deviation of m(t) over the window, for diagnostics.
    public let realisationFluctuations: [Double]

    /// C(0) = ⟨N²⟩.
    public var secondMoment: EcosystemEstimate { correlation[0] }
}

extension EcosystemSimulator {
    /// Integrates every realisation for `transient` + `window` (RK4 in log N with `options.step`), samples the
    /// abundances every `options.sampleInterval` over the window, and measures C(τ) for τ ≤ `maximumLag` (FFT lag
    /// sums), m and the near-extinct fraction. Interactions and initial state are drawn exactly as by `run()`
    /// (stream k of the seed for realisation k), so realisation k is the same community.
    ///
    /// - Throws: `EcosystemError.invalidParameter` for λ = 0 (no stationary state), a non-positive transient or
    ///   window, a maximum lag beyond half the window; `.diverged` on unbounded growth; `AllocationError`.
    public func stationaryCorrelation(transient: Double, window: Double, maximumLag: Double,
                                      extinctionThreshold: Double = 0.01,
                                      progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> EcosystemStationaryMeasurement {
        func require(_ ok: Bool, _ name: String, _ value: Double, _ requirement: String) throws {
            if !ok { throw EcosystemError.invalidParameter(name: name, value: value, requirement: requirement) }
        }
        try require(model.lambda > 0, "lambda", model.lambda, "> 0 for a stationary measurement")
        try require(transient.isFinite && transient >= 0, "transient", transient, ">= 0")
        try require(window.isFinite && window > 0, "window", window, "> 0")
        let every = max(1, Int((options.sampleInterval / options.step).rounded()))
        let interval = Double(every) * options.step
        let samples = Int((window / interval).rounded())
        let lagCount = Int((maximumLag / interval).rounded()) + 1
        try require(maximumLag.isFinite && lagCount >= 2 && lagCount - 1 <= samples / 2, "max-lag", maximumLag,
                    "at least one sample interval and at most window/2")
        try require(extinctionThreshold.isFinite && extinctionThreshold > 0, "extinction-threshold", extinctionThreshold, "> 0")
        let count = options.realisations
        let workers = max(1, min(options.threads, count))
        let matrixThreads = max(1, options.threads / workers)
        let model = self.model, options = self.options
        let transientSteps = Int((transient / options.step).rounded())
        let outcomes = ParallelMap.run(
            count: count, workers: workers, makeWorkspace: { () -> StationarySimulationWorkspace? in nil },
            completed: { done in progress?(done, count) },
            body: { workspace, index -> Result<StationarySimulationWorkspace.Outcome, any Error> in
                Result {
                    if workspace == nil {
                        workspace = try StationarySimulationWorkspace(species: options.species, samples: samples,
                                                                      matrixThreads: matrixThreads)
                    }
                    return try workspace!.measure(index, model: model, options: options, transientSteps: transientSteps,
                                                  every: every, samples: samples, lagCount: lagCount,
                                                  threshold: extinctionThreshold)
                }
            })
        let results = try outcomes.map { try $0.get() }
        let plateauStart = Int((0.75 * Double(lagCount - 1)).rounded())
        let plateaus = results.map { EcosystemStationarySolver.plateau($0.c, from: plateauStart) }
        let times = zip(results, plateaus).map { result, plateau in
            EcosystemStationarySolver.decorrelationTime(result.c, plateau: plateau, step: interval)
        }
        return EcosystemStationaryMeasurement(
            lags: (0..<lagCount).map { Double($0) * interval },
            correlation: (0..<lagCount).map { j in EcosystemEstimate(results.map { $0.c[j] }) },
            meanAbundance: EcosystemEstimate(results.map(\.m)),
            meanAbundanceFirstHalf: EcosystemEstimate(results.map(\.firstHalf)),
            meanAbundanceSecondHalf: EcosystemEstimate(results.map(\.secondHalf)),
            plateau: EcosystemEstimate(plateaus), decorrelationTime: EcosystemEstimate(times),
            nearExtinctFraction: EcosystemEstimate(results.map(\.below)),
            extinctionThreshold: extinctionThreshold, meanFluctuation: results.map(\.spread).reduce(0, +) / Double(count),
            realisations: results.map(\.c), realisationMeans: results.map(\.m),
            realisationFluctuations: results.map(\.spread))
    }
}

/// One worker's buffers for `stationaryCorrelation`: the interactions, RK4 stages and the sampled series.
final class StationarySimulationWorkspace {
    /// One realisation's measurement: C(τ_j), m, m over each half of the window, the near-extinct fraction and the
    /// standard deviation of m(t) over the window.
    struct Outcome {
        let c: [Double], m: Double, firstHalf: Double, secondHalf: Double, below: Double, spread: Double
    }

    let species: Int
    let matrix: CouplingMatrix
    let logAbundance, abundance, product, stage, slope, trial: AlignedBuffer
    /// Samples × species, row-major (sample-major): series of species i at stride `species`.
    let series: AlignedBuffer

    init(species: Int, samples: Int, matrixThreads: Int) throws {
        self.species = species
        matrix = try CouplingMatrix(size: species, backend: .vectorised, threads: matrixThreads)
        let ld = matrix.leadingDimension
        logAbundance = AlignedBuffer(count: ld)
        abundance = AlignedBuffer(count: ld)
        product = AlignedBuffer(count: ld)
        stage = AlignedBuffer(count: ld)
        slope = AlignedBuffer(count: ld)
        trial = AlignedBuffer(count: ld)
        series = try AlignedBuffer(allocating: max(1, samples * species), for: "the sampled abundances")
    }

    /// The interactions and initial state of realisation `index`, drawn as `EcosystemSimulator.run()` draws them.
    private func draw(_ index: Int, model: EcosystemModel, options: EcosystemSimulationOptions) {
        EcosystemRealisationDraw.draw(index, model: model, options: options, matrix: matrix, logAbundance: logAbundance)
    }

    func measure(_ index: Int, model: EcosystemModel, options: EcosystemSimulationOptions, transientSteps: Int,
                 every: Int, samples: Int, lagCount: Int,
                 threshold: Double) throws -> Outcome {
        draw(index, model: model, options: options)
        let dt = options.step
        let y = logAbundance.baseAddress
        let out = series.baseAddress
        let steps = transientSteps + samples * every
        var recorded = 0
        for step in 1...steps {
            EcosystemRungeKutta.step(dt, lambda: model.lambda, matrix: matrix, logAbundance: logAbundance,
                                     abundance: abundance, product: product, stage: stage, slope: slope, trial: trial)
            if step > transientSteps && (step - transientSteps) % every == 0 {
                let row = out + recorded * species
                var first = 0.0
                for i in 0..<species {
                    let n = exp(y[i])
                    row[i] = n
                    first += n
                }
                guard first.isFinite, first < 1e100 else {
                    throw EcosystemError.diverged(realisation: index, time: Double(step) * dt)
                }
                recorded += 1
            }
        }
        let accumulator = LaggedProductAccumulator(maximumLag: lagCount - 1, minimumBlockLength: 4 * lagCount)
        for i in 0..<species { accumulator.addSeries(out + i, stride: species, count: samples) }
        let sums = accumulator.lagSums()
        let s = Double(species)
        let c = (0..<lagCount).map { j in sums[j] / (s * Double(samples - j)) }
        var total = 0.0, below = 0.0, means: [Double] = []
        means.reserveCapacity(samples)
        for t in 0..<samples {
            var row = 0.0
            for i in 0..<species {
                let n = out[t * species + i]
                row += n
                if n < threshold { below += 1 }
            }
            total += row
            means.append(row / s)
        }
        let m = total / (s * Double(samples))
        let spread = (means.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(samples)).squareRoot()
        let half = samples / 2
        let firstHalf = means[..<half].reduce(0, +) / Double(max(half, 1))
        let secondHalf = means[half...].reduce(0, +) / Double(samples - half)
        return Outcome(c: c, m: m, firstHalf: firstHalf, secondHalf: secondHalf, below: below / (s * Double(samples)),
                       spread: spread)
    }
}
