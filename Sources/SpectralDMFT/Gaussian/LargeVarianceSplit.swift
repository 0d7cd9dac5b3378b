import Foundation

/// `E[φ(u)φ(v)]` for a saturating odd φ (tanh) at large variance, at a cost that does not grow with the variance.
///
/// Split φ = erf(αx) + q(x) with α = √π/2 (the same slope at 0), so that q = φ − erf(α·) is smooth (analytic in the
/// strip |Im x| < π/2 for tanh), odd, and concentrated near the origin (|q(x)| ≤ 2e^{−2|x|} + erfc(α|x|)). For
/// (u, v) Gaussian with Var u = Var v = Δ0, Cov = ρΔ0 and conditional spread c² = Δ0(1 − ρ²):
///
///     E[φ(u)φ(v)] = E[erf(αu) erf(αv)] + 2 E[q(v) erf(αρv / √(1 + 2α²c²))] + E[q(u) q(v)],
///
/// the first term in closed form, (2/π) arcsin(2α²ρΔ0/(1 + 2α²Δ0)) (docs/PHYSICS.md §1), the second a
/// one-dimensional trapezoid sum over |v| ≤ 22 with step 0.2 (error ~e^{−π²/0.2}), the third a two-dimensional
/// trapezoid sum over |u|, |v| ≤ 22 with step 0.2 when c ≥ 0.3 (the joint density's narrow direction, width c,
/// is then resolved: error ~e^{−2π²c²/h²} < 1e-19), and for c < 0.3 an outer sum over u of q(u) times the inner
/// Gaussian average of q(ρu + c z) (trapezoid in z, step 0.5). Every sum has O(1) terms (≤ 110 × 221) whatever Δ0.
/// Accurate to ~1e-15 absolute for Δ0 ≥ 1; used by `CorrelationTable` for tanh at large variance.
struct LargeVarianceSplit {
    /// Which average: `E[φ(u)φ(v)]` (smooth part erf(αx), odd) or `E[φ'(u)φ'(v)]` (smooth part e^{−α²x²}, even).
    enum Kind { case function, derivative }

    /// The slope-matching erf scale α = √π/2.
    static let alpha = Double.pi.squareRoot() / 2
    /// Half-width of the region where q is kept.
    static let range = 22.0
    /// Trapezoid step in u and v.
    static let step = 0.2
    /// Below this conditional spread c the two-dimensional sum is replaced by the inner z-average.
    static let narrowSpread = 0.3

    let variance: Double
    let function: @Sendable (Double) -> Double
    let kind: Kind
    let nodeCount: Int            // nodes v_k = k·step, k = 0…nodeCount−1
    private var remainder: [Double]  // q(v_k)
    private var density: [Double]    // step · N(v_k; 0, Δ0)

    /// Prepares the split of `function` (odd, saturating to ±1 like tanh) at variance `variance` (≥ 1); with
    /// `kind: .derivative`, `function` is φ' (even, → 0 like sech²) and the smooth part is erf(αx)' = e^{−α²x²}.
    init(function: @escaping @Sendable (Double) -> Double, variance: Double, kind: Kind = .function) {
        self.variance = variance
        self.function = function
        self.kind = kind
        nodeCount = Int((Self.range / Self.step).rounded()) + 1
        remainder = [Double](repeating: 0, count: nodeCount)
        density = [Double](repeating: 0, count: nodeCount)
        let norm = Self.step / (2 * Double.pi * variance).squareRoot()
        for k in 0..<nodeCount {
            let v = Double(k) * Self.step
            remainder[k] = Self.remainder(function, v, kind)
            density[k] = norm * exp(-0.5 * v * v / variance)
        }
    }

    @inline(__always) static func remainder(_ function: (Double) -> Double, _ x: Double, _ kind: Kind) -> Double {
        kind == .function ? function(x) - erf(alpha * x) : function(x) - exp(-alpha * alpha * x * x)
    }

    /// `E[φ(u)φ(v)]` at correlation coefficient cos θ, θ ∈ [0, π/2] (ρ ≥ 0; use oddness for ρ < 0).
    func value(angle theta: Double) -> Double {
        let rho = cos(theta), sine = sin(theta)
        let a = 2 * Self.alpha * Self.alpha
        let spread = variance.squareRoot() * sine           // c
        let spreadSquared = spread * spread
        let closed: Double
        var cross = 0.0
        if kind == .function {
            closed = (2 / Double.pi) * asin(min(1, a * rho * variance / (1 + a * variance)))
            // Cross term: 2 E[q(v) erf(βv)], β = αρ/√(1 + 2α²c²); the integrand is even in v.
            let beta = Self.alpha * rho / (1 + a * spreadSquared).squareRoot()
            remainder.withUnsafeBufferPointer { q in
                density.withUnsafeBufferPointer { w in
                    for k in 1..<nodeCount { cross += w[k] * q[k] * erf(beta * Double(k) * Self.step) }
                }
            }
        } else {
            // E[γ(u)γ(v)], γ = e^{−α²x²}: [(1 + 2α²Δ0)² − (2α²ρΔ0)²]^{−1/2} = [(1 + 2α²Δ0(1−ρ))(1 + 2α²Δ0(1+ρ))]^{−1/2}.
            let oneMinus = sine * sine / (1 + rho)
            closed = 1 / ((1 + a * variance * oneMinus) * (1 + a * variance * (1 + rho))).squareRoot()
            // Cross term: 2 E[q(v) E[γ(u)|v]], E[γ(ρv + cz)] = e^{−α²ρ²v²/(1 + 2α²c²)} / √(1 + 2α²c²).
            let widen = 1 + a * spreadSquared
            let rate = Self.alpha * Self.alpha * rho * rho / widen
            remainder.withUnsafeBufferPointer { q in
                density.withUnsafeBufferPointer { w in
                    cross = 0.5 * w[0] * q[0]  // v = 0 counted once after the doubling below
                    for k in 1..<nodeCount {
                        let v = Double(k) * Self.step
                        cross += w[k] * q[k] * exp(-rate * v * v)
                    }
                }
            }
            cross /= widen.squareRoot()
        }
        cross *= 2  // both signs of v
        return closed + 2 * cross + remainderProduct(rho: rho, spread: spread)
    }

    /// `E[q(u) q(v)]`.
    private func remainderProduct(rho: Double, spread: Double) -> Double {
        let h = Self.step
        let n = nodeCount
        let odd = kind == .function
        var total = 0.0
        if spread >= Self.narrowSpread {
            // 2-D trapezoid; (u, v) → (−u, −v) leaves q(u)q(v)p(u,v) unchanged: sum u > 0 (all v), doubled.
            let inverse = 1 / (2 * spread * spread)
            let norm = h * h / (2 * Double.pi * variance.squareRoot() * spread)
            remainder.withUnsafeBufferPointer { q in
                for i in (odd ? 1 : 0)..<n {
                    let u = Double(i) * h
                    let qu = i == 0 ? 0.5 * q[0] : q[i]  // u = 0 counted once after the doubling
                    if qu == 0 { continue }
                    var row = 0.0
                    for j in (-(n - 1))...(n - 1) {
                        let v = Double(j) * h
                        let exponent = (u * u - 2 * rho * u * v + v * v) * inverse
                        if exponent > 745 { continue }
                        let qv = j >= 0 ? q[j] : (odd ? -q[-j] : q[-j])
                        row += qv * exp(-exponent)
                    }
                    total += qu * row
                }
            }
            return 2 * norm * total
        }
        // Narrow: outer over u (weights of N(0, Δ0)), inner Gaussian average over z of q(ρu + c z).
        let innerStep = 0.5
        let innerHalf = Int((GaussianAverages.cutoff / innerStep).rounded(.up))
        let innerNorm = innerStep / (2 * Double.pi).squareRoot()
        remainder.withUnsafeBufferPointer { q in
            density.withUnsafeBufferPointer { w in
                for i in (odd ? 1 : 0)..<n {
                    let u = Double(i) * h
                    var inner = 0.0
                    if spread == 0 {
                        inner = Self.remainder(function, rho * u, kind)
                    } else {
                        for k in -innerHalf...innerHalf {
                            let z = Double(k) * innerStep
                            inner += innerNorm * exp(-0.5 * z * z) * Self.remainder(function, rho * u + spread * z, kind)
                        }
                    }
                    total += (i == 0 ? 0.5 : 1) * w[i] * q[i] * inner
                }
            }
        }
        return 2 * total
    }
}
