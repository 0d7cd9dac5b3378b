import Foundation

/// The asymptotic (threshold, marginal) state that the aging dynamics of a pure model f(q) = c q^p/2 (p ≥ 3)
/// approaches after a quench from a random start to T < T_d (docs/PHYSICS.md §2.5).
///
/// q is the larger root of c (p(p−1)/2) q^{p−2} (1 − q)² = T² (marginal stability β² f''(q)(1 − q)² = 1,
/// branch q > (p − 2)/p), x = (p − 2)(1 − q)/q, E_∞ = −β[f(1) − (1 − x) f(q)] = −(βc/2)(1 − (1 − x) q^p).
/// At T = 0: q = 1, E_∞ = E_th = −√(2c(p − 1)/p), βx = (p − 2)/√(c p(p − 1)/2) (limits of the same formulas).
/// The FD plot χ(t, t_w) against C(t, t_w) at large t_w has slope −β for C > q and −βx for C < q.
/// Units: energy per spin, temperature in the units of f.
public struct AgingAsymptote: Sendable, Codable, Equatable {
    /// p.
    public let degree: Int
    /// c in f(q) = c q^p/2.
    public let coefficient: Double
    /// T.
    public let temperature: Double
    /// q: the plateau of C(t_w + τ, t_w) at 1 ≪ τ ≪ t_w.
    public let plateau: Double
    /// x = (p − 2)(1 − q)/q.
    public let breakingParameter: Double
    /// E_∞(T) (E_th at T = 0).
    public let energy: Double
    /// βx, minus the FD slope dχ/dC of the aging part (C < q).
    public let agingSlope: Double

    /// The asymptote of the pure model `mixture` at `temperature` below T_d.
    ///
    /// - Throws: `TwoTimeError.invalidParameter` if the mixture is not a single term of degree ≥ 3 or T is not in
    ///   [0, T_d).
    public init(mixture: PSpinMixture, temperature T: Double) throws {
        guard mixture.terms.count == 1, let term = mixture.terms.first, term.degree >= 3 else {
            throw TwoTimeError.invalidParameter(name: "mixture degree", value: Double(mixture.terms.first?.degree ?? 0),
                                                requirement: "a single term of degree >= 3")
        }
        let p = Double(term.degree), c = term.coefficient
        let scale = c * p * (p - 1) / 2
        // T_d² = max_q f'(q)(1 − q)/q = (cp/2) q_d^{p−2}(1 − q_d) at q_d = (p − 2)/(p − 1).
        let qd = (p - 2) / (p - 1)
        let dynamical = (c * p / 2 * pow(qd, p - 2) * (1 - qd)).squareRoot()
        guard T.isFinite, T >= 0, T < dynamical else {
            throw TwoTimeError.invalidParameter(name: "T", value: T, requirement: "in [0, T_d = \(dynamical)) (aging)")
        }
        // g(q) = scale q^{p−2}(1 − q)² decreases on [(p − 2)/p, 1] to 0; the marginal q is its root g(q) = T².
        let low = (p - 2) / p
        degree = term.degree
        coefficient = c
        temperature = T
        if T == 0 {
            plateau = 1
            breakingParameter = 0
            energy = -(2 * c * (p - 1) / p).squareRoot()
            agingSlope = (p - 2) / scale.squareRoot()
            return
        }
        var a = low, b = 1.0
        for _ in 0..<200 {
            let mid = 0.5 * (a + b)
            if scale * pow(mid, p - 2) * (1 - mid) * (1 - mid) > T * T { a = mid } else { b = mid }
        }
        let q = 0.5 * (a + b)
        let x = (p - 2) * (1 - q) / q
        plateau = q
        breakingParameter = x
        energy = -(c / (2 * T)) * (1 - (1 - x) * pow(q, p))
        agingSlope = x / T
    }
}

/// A least-squares straight line y = intercept + slope·x with the standard error of the slope.
public struct LineFit: Sendable, Codable, Equatable {
    /// The slope.
    public var slope: Double
    /// The intercept.
    public var intercept: Double
    /// The standard error of the slope from the scatter of the points about the line (0 for an exact line).
    public var slopeError: Double
    /// The number of points fitted.
    public var points: Int

    /// The fit of `ys` against `xs`; nil for fewer than three points or all x equal.
    public init?(_ xs: [Double], _ ys: [Double]) {
        let n = xs.count
        guard n >= 3, ys.count == n else { return nil }
        let mx = xs.reduce(0, +) / Double(n), my = ys.reduce(0, +) / Double(n)
        var sxx = 0.0, sxy = 0.0
        for k in 0..<n { sxx += (xs[k] - mx) * (xs[k] - mx); sxy += (xs[k] - mx) * (ys[k] - my) }
        guard sxx > 0 else { return nil }
        slope = sxy / sxx
        intercept = my - slope * mx
        var residual = 0.0
        for k in 0..<n { let r = ys[k] - intercept - slope * xs[k]; residual += r * r }
        slopeError = (residual / Double(n - 2) / sxx).squareRoot()
        points = n
    }
}

extension LongTimeQuenchSolution {
    /// The exponent α of E(t) − E_∞ ≈ A t^{−α}: a straight-line fit of log(E − E_∞) against log t over the computed
    /// rows with `from` ≤ t ≤ `to` and E > E_∞. The returned `slope` is −α, `slopeError` its statistical error only
    /// (add the difference to a run at 2M for the discretisation error). nil if fewer than three rows qualify.
    public func energyPowerLaw(asymptote: Double, from: Double, to: Double) -> LineFit? {
        var xs: [Double] = [], ys: [Double] = []
        for sample in samples where sample.time >= from && sample.time <= to && sample.energy > asymptote {
            xs.append(log(sample.time))
            ys.append(log(sample.energy - asymptote))
        }
        return LineFit(xs, ys)
    }
}

extension LongTimeWaitingCut {
    /// The fluctuation–dissipation slope dχ/dC of this cut: a straight-line fit of χ(t, t_w) against C(t, t_w) over
    /// the points with C in `correlations` (−β where FDT holds, −βx in the aging part C < q). nil for fewer than
    /// three points.
    public func fluctuationDissipationSlope(correlations: ClosedRange<Double>) -> LineFit? {
        var xs: [Double] = [], ys: [Double] = []
        for (k, c) in correlation.enumerated() where correlations.contains(c) {
            xs.append(c)
            ys.append(susceptibility[k])
        }
        return LineFit(xs, ys)
    }
}

/// One point of the fluctuation–dissipation ratio along a waiting-time cut (`LongTimeWaitingCut.fluctuationDissipationRatio`).
public struct FluctuationDissipationRatioPoint: Sendable, Codable, Equatable {
    /// The later time t (Langevin units).
    public var time: Double
    /// C(t, t_w).
    public var correlation: Double
    /// The local slope dχ/dC of the cut at t: (∂_t χ(t, t_w))/(∂_t C(t, t_w)).
    public var slope: Double
    /// X = −T dχ/dC: 1 where FDT holds, x in the aging part of a threshold state, 0 at T = 0 (where −dχ/dC = βX stays
    /// finite: read `slope`).
    public var ratio: Double
}

extension LongTimeWaitingCut {
    /// The fluctuation–dissipation ratio X(C) = −T dχ/dC along this cut (C and χ as functions of t at fixed t_w):
    ///
    ///     X(t, t_w) = −T ∂_t χ(t, t_w) / ∂_t C(t, t_w),
    ///
    /// with both derivatives by the three-point formula on the cut's (non-uniform) times, at every point but the first
    /// and the last. It is the local slope of the FD plot χ against C at this t_w, the curve whose straight-line fit
    /// is `fluctuationDissipationSlope(correlations:)`; it equals the FD ratio T R(t, t_w)/∂_{t_w}C(t, t_w) where X
    /// depends on C alone (FDT, and the aging part at large t_w). Points where C does not change between neighbours
    /// are skipped.
    ///
    /// - Parameter temperature: the bath temperature T ≥ 0 of the run.
    public func fluctuationDissipationRatio(temperature: Double) -> [FluctuationDissipationRatioPoint] {
        var points: [FluctuationDissipationRatioPoint] = []
        guard times.count >= 3 else { return points }
        for k in 1..<(times.count - 1) {
            let h1 = times[k] - times[k - 1], h2 = times[k + 1] - times[k]
            let a = -h2 / (h1 * (h1 + h2)), b = (h2 - h1) / (h1 * h2), c = h1 / (h2 * (h1 + h2))
            let dC = a * correlation[k - 1] + b * correlation[k] + c * correlation[k + 1]
            let dX = a * susceptibility[k - 1] + b * susceptibility[k] + c * susceptibility[k + 1]
            guard dC != 0, dC.isFinite, dX.isFinite else { continue }
            let slope = dX / dC
            points.append(FluctuationDissipationRatioPoint(time: times[k], correlation: correlation[k], slope: slope,
                                                           ratio: -temperature * slope))
        }
        return points
    }
}
