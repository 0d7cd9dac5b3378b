import Foundation

/// The spiked matrix-tensor model (Sarao Mannelli, Biroli, Cammarota, Krzakala, Urbani, Zdeborová, PRX 10, 011057
/// (2020)): a planted signal x* (|x*|² = N) seen through a matrix with Gaussian noise of variance Δ₂ and an
/// order-p tensor with noise of variance Δ_p (docs/PHYSICS.md §2.9).
///
/// The loss of a configuration x on the sphere |x|² = N is −N f(m) plus a Gaussian field with covariance N f(q), with
/// m = x·x*/N and
///
///     f(q) = q²/(2Δ₂) + q^p/(p Δ_p),
///
/// i.e. the mixed p-spin model of `PSpinMixture` with c₂ = 1/Δ₂ and c_p = 2/(p Δ_p), plus the signal.
/// Δ_p = +∞ is the spiked matrix (p = 2 plus rank one). Δ₂ and Δ_p are noise variances (dimensionless).
public struct SpikedMatrixTensor: Sendable, Equatable, Codable {
    /// The tensor order p ≥ 3.
    public let p: Int
    /// Δ₂ > 0, the matrix noise variance.
    public let matrixNoise: Double
    /// Δ_p > 0, the tensor noise variance (+∞: no tensor).
    public let tensorNoise: Double

    /// The model with tensor order `p`, matrix noise Δ₂ = `matrixNoise` and tensor noise Δ_p = `tensorNoise`.
    ///
    /// - Throws: `TwoTimeError.invalidParameter` for p outside 3…`PSpinMixture.maximumDegree`, Δ₂ not finite and
    ///   positive, Δ_p not positive (+∞ allowed), or coefficients 1/Δ₂, 2/(pΔ_p) beyond `PSpinMixture`'s range.
    public init(p: Int, matrixNoise: Double, tensorNoise: Double) throws {
        guard p >= 3, p <= PSpinMixture.maximumDegree else {
            throw TwoTimeError.invalidParameter(name: "p", value: Double(p),
                                                requirement: "an integer in 3...\(PSpinMixture.maximumDegree)")
        }
        guard matrixNoise.isFinite, matrixNoise > 0 else {
            throw TwoTimeError.invalidParameter(name: "delta2", value: matrixNoise, requirement: "a finite number > 0")
        }
        guard tensorNoise > 0, !tensorNoise.isNaN else {
            throw TwoTimeError.invalidParameter(name: "delta-p", value: tensorNoise, requirement: "a number > 0 (inf allowed)")
        }
        self.p = p
        self.matrixNoise = matrixNoise
        self.tensorNoise = tensorNoise
        do { _ = try Self.mixture(p: p, matrixNoise: matrixNoise, tensorNoise: tensorNoise) } catch {
            throw TwoTimeError.invalidParameter(name: "delta2", value: matrixNoise,
                                                requirement: "such that 1/delta2 and 2/(p delta-p) are valid coefficients (\(error))")
        }
    }

    private static func mixture(p: Int, matrixNoise: Double, tensorNoise: Double) throws -> PSpinMixture {
        var terms = [PSpinMixture.Term(degree: 2, coefficient: 1 / matrixNoise)]
        if tensorNoise.isFinite { terms.append(PSpinMixture.Term(degree: p, coefficient: 2 / (Double(p) * tensorNoise))) }
        return try PSpinMixture(terms: terms)
    }

    /// The mixture f(q) = q²/(2Δ₂) + q^p/(pΔ_p): c₂ = 1/Δ₂, c_p = 2/(pΔ_p) (only c₂ for Δ_p = ∞).
    public var mixture: PSpinMixture {
        // Validated in init.
        (try? Self.mixture(p: p, matrixNoise: matrixNoise, tensorNoise: tensorNoise))!
    }

    /// The gradient-flow threshold of the landscape,
    ///
    ///     Δ₂^GF(Δ_p) = [√(Δ_p² + 4(p−1)Δ_p) − Δ_p] / (2(p−1))      (Δ_p = ∞: 1, the BBP threshold of the matrix),
    ///
    /// the largest Δ₂ at which the threshold minima of the m = 0 landscape have an unstable direction toward the
    /// signal: the BBP condition 1/Δ₂ > √f''(1) = √(1/Δ₂ + (p−1)/Δ_p) (`thresholdMinimaHaveOutlier`). Below it gradient
    /// flow from a random start finds the signal; above it, it stays at m = 0 (Sarao Mannelli et al., NeurIPS 2019,
    /// arXiv:1907.08226; PRX 10, 011057). p = 3, Δ_p = 1 gives exactly 1/2.
    public static func gradientFlowThreshold(p: Int, tensorNoise: Double) -> Double {
        guard tensorNoise.isFinite else { return 1 }
        let q = Double(p - 1)
        return ((tensorNoise * tensorNoise + 4 * q * tensorNoise).squareRoot() - tensorNoise) / (2 * q)
    }

    /// `gradientFlowThreshold(p:tensorNoise:)` of this model's p and Δ_p.
    public var gradientFlowThreshold: Double { Self.gradientFlowThreshold(p: p, tensorNoise: tensorNoise) }

    /// True when the Hessian at the threshold minima of the m = 0 landscape (a semicircle of radius 2√f''(1) with its
    /// left edge at 0) has an outlier below the bulk from the rank-one signal term f''(0) = 1/Δ₂: 1/Δ₂ > √f''(1).
    public var thresholdMinimaHaveOutlier: Bool {
        1 / matrixNoise > mixture.secondDerivative(1).squareRoot()
    }
}

/// A quench of the spiked matrix-tensor model from a random configuration with overlap m(0) = m₀ with the signal
/// to temperature T (T = 0: gradient flow; T = 1: Bayes-optimal Langevin sampling of the posterior).
///
/// The two-time equations are those of the mixed p-spin quench (`PSpinQuench`) plus the one-time overlap m(t)
/// (docs/PHYSICS.md §2.9):
///
///     ∂_t C(t,t') = [p-spin terms] + f'(m(t)) m(t'),
///     ∂_t m(t)    = −μ(t) m(t) + f'(m(t)) + ∫_0^t f''(C(t,s)) R(t,s) m(s) ds,
///     μ(t)        = [p-spin terms] + f'(m(t)) m(t),      E(t)/N = −f(m(t)) − ∫_0^t f'(C(t,s)) R(t,s) ds.
///
/// The solver is `PSpinQuenchIntegrator` with `initialOverlap: m₀` (same grid, order, corrector); m₀ = 0 gives
/// m ≡ 0 and the bits of the plain quench.
///
///     let model = try SpikedMatrixTensor(p: 3, matrixNoise: 0.4, tensorNoise: 1)
///     let run = try SpikedQuench(model: model, temperature: 0, initialOverlap: 1e-3)
///         .integrate(options: TwoTimeOptions(step: 0.05, maximumTime: 100))
///     run.recoveryTime   // t at which m first reaches half its final value, nil if m → 0
public struct SpikedQuench: Sendable, Equatable {
    /// The model.
    public let model: SpikedMatrixTensor
    /// The bath temperature T ≥ 0.
    public let temperature: Double
    /// m(0) ∈ [−1, 1].
    public let initialOverlap: Double

    /// The quench of `model` to `temperature` from a random start with overlap `initialOverlap`.
    ///
    /// - Throws: `TwoTimeError.invalidParameter` for T negative or not finite, |m₀| > 1 or m₀ not finite.
    public init(model: SpikedMatrixTensor, temperature: Double, initialOverlap: Double) throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw TwoTimeError.invalidParameter(name: "T", value: temperature, requirement: "a finite number >= 0")
        }
        guard initialOverlap.isFinite, abs(initialOverlap) <= 1 else {
            throw TwoTimeError.invalidParameter(name: "m0", value: initialOverlap, requirement: "in [-1, 1]")
        }
        self.model = model
        self.temperature = temperature
        self.initialOverlap = initialOverlap
    }

    /// The integrator of this quench (allocates the triangles; refuses runs that do not fit in memory).
    public func integrator(options: TwoTimeOptions) throws -> PSpinQuenchIntegrator {
        try PSpinQuenchIntegrator(mixture: model.mixture, temperature: temperature, start: .random, options: options,
                                  initialOverlap: initialOverlap)
    }

    /// Integrates the whole horizon of `options` and returns the solution.
    ///
    /// - Throws: as `PSpinQuenchIntegrator.init` and `advance` (memory, non-finite values, |C| > 1).
    public func integrate(options: TwoTimeOptions, progress: ((TwoTimeProgress) -> Void)? = nil) throws -> SpikedQuenchSolution {
        let integrator = try integrator(options: options)
        try integrator.advance(progress: progress)
        return SpikedQuenchSolution(quench: self, twoTime: integrator.solution)
    }

    /// Integrates until m(t) has settled at a recovered value or to the horizon of `options`, whichever is first.
    ///
    /// After every unit of time the run stops when |m| ≥ `SpikedQuenchSolution.recoveryLevel` and m changed by less
    /// than `tolerance`·|m| over the last unit of time. Gradient flow then sits in a minimum, C(t,t') → 1 over a
    /// growing range of lags, and the order-3/4 steps at T ≈ 0 overshoot C ≤ 1 (`TwoTimeError.unstable`); t_rec
    /// needs only m up to its plateau. An `unstable` error once |m| ≥ `recoveryLevel` also ends the run at the last
    /// completed row (whether m had settled there is then judged by `recoveryTime`); any other error is thrown.
    /// The solution ends at the stopping row.
    public func integrateUntilRecovered(options: TwoTimeOptions, tolerance: Double = 1e-3) throws -> SpikedQuenchSolution {
        let integrator = try integrator(options: options)
        let unit = max(1, Int((1 / options.step).rounded()))
        let m = integrator.overlaps.baseAddress
        while !integrator.isComplete {
            do {
                try integrator.advance(stopAfterSteps: min(options.steps, integrator.completedSteps + unit))
            } catch let error as TwoTimeError {
                guard case .unstable = error, integrator.completedRow >= 0,
                      abs(m[integrator.completedRow]) >= SpikedQuenchSolution.recoveryLevel else { throw error }
                break
            }
            let row = integrator.completedRow
            guard row >= unit else { continue }
            if abs(m[row]) >= SpikedQuenchSolution.recoveryLevel && abs(m[row] - m[row - unit]) <= tolerance * abs(m[row]) {
                break
            }
        }
        return SpikedQuenchSolution(quench: self, twoTime: integrator.solution)
    }
}

/// The solution of a `SpikedQuench`: the two-time functions and m(t), with the recovery time.
public struct SpikedQuenchSolution {
    /// The problem.
    public let quench: SpikedQuench
    /// C, R, μ, E and m on the grid.
    public let twoTime: PSpinQuenchSolution

    /// The solution of `quench` from its two-time run (an integrator made by `SpikedQuench.integrator(options:)`).
    public init(quench: SpikedQuench, twoTime: PSpinQuenchSolution) {
        self.quench = quench
        self.twoTime = twoTime
    }

    /// The final overlap above which a run counts as having found the signal (m → 0 runs stay ~m₀ or decay).
    public static let recoveryLevel = 0.1

    /// The grid times t_i = i·h, i = 0…n.
    public var times: [Double] { twoTime.rowsAfterQuench.map { twoTime.time(ofRow: $0) } }
    /// m(t_i).
    public var overlaps: [Double] { twoTime.rowsAfterQuench.map { twoTime.overlap(row: $0) } }
    /// E(t_i)/N.
    public var energies: [Double] { twoTime.rowsAfterQuench.map { twoTime.energy(row: $0) } }
    /// m at the end of the run.
    public var finalOverlap: Double { twoTime.overlap(row: twoTime.lastRow) }

    /// The relative change of m over the last unit of time below which a recovered m counts as settled.
    public static let settledChange = 1e-2

    /// The recovery time: the first time m(t) reaches half its final value (linear interpolation between grid
    /// points); nil when the run has not found the signal by its end: |m| < `recoveryLevel` there, or m still
    /// moving by more than `settledChange`·|m| over the last unit of time (no final value yet).
    public var recoveryTime: Double? {
        Self.recoveryTime(times: times, overlaps: overlaps)
    }

    /// The first time |m| reaches `level`, by linear interpolation between samples (nil if it never does).
    static func firstCrossing(of level: Double, times: [Double], overlaps: [Double]) -> Double? {
        for i in overlaps.indices where abs(overlaps[i]) >= level {
            guard i > 0 else { return times[0] }
            let a = abs(overlaps[i - 1]), b = abs(overlaps[i])
            return times[i - 1] + (level - a) / (b - a) * (times[i] - times[i - 1])
        }
        return nil
    }

    /// `recoveryTime` of a sampled m(t) on a uniform grid.
    public static func recoveryTime(times: [Double], overlaps: [Double]) -> Double? {
        guard let last = overlaps.last, abs(last) >= recoveryLevel, times.count >= 2 else { return nil }
        let unit = min(times.count - 1, max(1, Int((1 / (times[1] - times[0])).rounded())))
        guard abs(last - overlaps[overlaps.count - 1 - unit]) <= settledChange * abs(last) else { return nil }
        return SpikedQuenchSolution.firstCrossing(of: abs(last) / 2, times: times, overlaps: overlaps)
    }
}

/// The exact m(t) and E(t) of gradient flow (T = 0) on the spiked matrix (Δ_p = ∞) after a random start with overlap
/// m₀ (docs/PHYSICS.md §2.9), the oracle of the spiked integrator.
///
/// The loss is −½ xᵀMx with M = J + θ v vᵀ, J a GOE matrix with semicircle of variance σ² = 1/Δ₂ (radius 2/√Δ₂),
/// θ = 1/Δ₂, v = x*/√N. Gradient flow on the sphere is linear up to normalisation, x(t) ∝ e^{Mt} x(0), so with
/// ν_v the spectral measure of v under M,
///
///     A(s) = ∫ e^{λs} dν_v(λ),   S(s) = ∫ e^{λs} ρ_sc(λ) dλ = I_1(2σs)/(σs),
///     Z(t) = m₀² A(2t) + (1 − m₀²) S(2t),   m(t) = m₀ A(t)/√Z(t),   E(t)/N = −Z'(t)/(4 Z(t)),
///
/// where ν_v(λ) = ρ_sc(λ)/(1 + 1/Δ₂ − λ) on the bulk plus, for Δ₂ < 1 (BBP), an atom of weight 1 − Δ₂ at the
/// outlier λ = 1 + 1/Δ₂. The integrals are done in λ = 2σ cos φ by the trapezoidal rule in φ (exponentially
/// convergent: the integrands are smooth and even in φ), scaled by e^{−Λs} with Λ the largest eigenvalue.
public struct SpikedMatrixExactSolution: Sendable {
    /// Δ₂.
    public let matrixNoise: Double
    /// m₀.
    public let initialOverlap: Double
    private let nodes: [Double]      // λ(φ_k)
    private let bulkWeights: [Double]  // trapezoid weight × ρ_sc dλ
    private let signalWeights: [Double]  // trapezoid weight × dν_v (bulk part)
    private let outlier: Double
    private let outlierWeight: Double
    private let largest: Double

    /// The exact solution for Δ₂ = `matrixNoise` > 0 and m₀ = `initialOverlap` ∈ [−1, 1].
    public init(matrixNoise: Double, initialOverlap: Double, nodes count: Int = 4096) {
        precondition(matrixNoise > 0 && abs(initialOverlap) <= 1 && count > 2)
        self.matrixNoise = matrixNoise
        self.initialOverlap = initialOverlap
        let c = 1 / matrixNoise, sigma = c.squareRoot()
        var nodes = [Double](), bulk = [Double](), signal = [Double]()
        for k in 0...count {
            let phi = Double.pi * Double(k) / Double(count)
            let lambda = 2 * sigma * cos(phi)
            // ρ_sc(λ) dλ = (2/π) sin²φ dφ; trapezoid in φ with half weights at the ends (where sin φ = 0 anyway).
            let w = (2 / Double.pi) * sin(phi) * sin(phi) * (Double.pi / Double(count)) * (k == 0 || k == count ? 0.5 : 1)
            nodes.append(lambda)
            bulk.append(w)
            let gap = 1 + c - lambda
            // At Δ₂ = 1 the gap vanishes at φ = 0 together with sin²φ (limit: finite); sin φ = 0 there, weight 0.
            signal.append(gap > 0 ? w / gap : 0)
        }
        self.nodes = nodes
        bulkWeights = bulk
        signalWeights = signal
        outlier = 1 + c
        outlierWeight = c > 1 ? 1 - matrixNoise : 0
        largest = max(2 * sigma, outlierWeight > 0 ? outlier : 2 * sigma)
    }

    /// (∫ e^{λs} dμ, ∫ λ e^{λs} dμ) × e^{−Λs} for μ = ν_v (signal) or ρ_sc.
    private func moments(_ s: Double, signal: Bool) -> (Double, Double) {
        var zero = 0.0, first = 0.0
        let weights = signal ? signalWeights : bulkWeights
        for k in nodes.indices {
            let e = weights[k] * exp((nodes[k] - largest) * s)
            zero += e
            first += nodes[k] * e
        }
        if signal && outlierWeight > 0 {
            let e = outlierWeight * exp((outlier - largest) * s)
            zero += e
            first += outlier * e
        }
        return (zero, first)
    }

    /// m(t).
    public func overlap(at t: Double) -> Double {
        let m0 = initialOverlap
        let a = moments(t, signal: true).0
        let z = m0 * m0 * moments(2 * t, signal: true).0 + (1 - m0 * m0) * moments(2 * t, signal: false).0
        return m0 * a / z.squareRoot()
    }

    /// E(t)/N = −μ(t)/2 with μ = Z'/(2Z).
    public func energy(at t: Double) -> Double {
        let m0 = initialOverlap
        let signal = moments(2 * t, signal: true), bulk = moments(2 * t, signal: false)
        let z = m0 * m0 * signal.0 + (1 - m0 * m0) * bulk.0
        let slope = 2 * (m0 * m0 * signal.1 + (1 - m0 * m0) * bulk.1)
        return -slope / (4 * z)
    }
}

extension SpikedQuench {
    /// This quench on the long-time block-doubling engine (`LongTimeQuenchSolver`, docs/PHYSICS.md §2.8–2.9): the
    /// mixture f of the model with the signal m(0) = m₀. Memory independent of t, so t = 1e4–1e5 is reachable; the
    /// error is that of the engine (second order at early t, ≈ 1/M at late t: estimate it by a run at 2M).
    ///
    ///     let solution = try LongTimeQuenchSolver(quench.longTimeQuench,
    ///                                             options: LongTimeOptions(blockSize: 256, maximumTime: 1e4)).solve()
    ///     solution.recoveryTime
    public var longTimeQuench: LongTimeQuench {
        // The parameters were validated by SpikedQuench.init (T ≥ 0 finite, |m₀| ≤ 1).
        (try? LongTimeQuench(mixture: model.mixture, temperature: temperature, initialOverlap: initialOverlap))!
    }
}

extension LongTimeQuenchSolution {
    /// The recovery time of a spiked run (`LongTimeQuench.initialOverlap` ≠ 0): the first time m(t) reaches half its
    /// final value (linear interpolation between rows); nil when |m| at the end is below
    /// `SpikedQuenchSolution.recoveryLevel`, or when m moved by more than `SpikedQuenchSolution.settledChange`·|m|
    /// over the last octave of the run [t_last/2, t_last] (on the doubling grid an octave is the natural unit; a run
    /// that recovers in its last octave has no final value yet).
    public var recoveryTime: Double? {
        Self.recoveryTime(times: samples.map(\.time), overlaps: overlaps)
    }

    /// `recoveryTime` of m(t) sampled at increasing `times` (any spacing).
    public static func recoveryTime(times: [Double], overlaps: [Double]) -> Double? {
        guard let last = overlaps.last, let end = times.last, abs(last) >= SpikedQuenchSolution.recoveryLevel,
              times.count == overlaps.count, times.count >= 2 else { return nil }
        guard let middle = times.lastIndex(where: { $0 <= end / 2 }),
              abs(last - overlaps[middle]) <= SpikedQuenchSolution.settledChange * abs(last) else { return nil }
        return SpikedQuenchSolution.firstCrossing(of: abs(last) / 2, times: times, overlaps: overlaps)
    }
}
