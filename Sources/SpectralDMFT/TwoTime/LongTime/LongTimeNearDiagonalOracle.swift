import Foundation

/// Exact near-diagonal values injected into the block-doubling integrator (diagnosis of its error; not a scheme).
///
/// The carried scheme of `LongTimeQuenchSolver` does not compute the values closest to the diagonal: the lag-h value
/// C(t, t − h), χ(t, t − h) is copied from the previous row, the diagonal-interval means
/// c̄(t) = h⁻¹∫_0^h C(t, t − u) du, x̄(t) = h⁻¹∫_0^h χ(t, t − u) du are carried, and the columns at lags 2h, 3h, …
/// are stepped by BDF in t at fixed t' although they change on the scale of the step. An oracle replaces, in every
/// row, the lag-h value, the means (also those of the rows kept at a decimation) and the columns at lags
/// 2h … `lags`·h by exact values, so that a run shows how much of the scheme's error those values carry.
package protocol LongTimeNearDiagonalOracle: Sendable {
    /// Coarse lags pinned to exact values (1: the lag-h value and the means only; k: also the columns at 2h … kh).
    var lags: Int { get }
    /// C(t, t − τ) and χ(t, t − τ).
    func values(time t: Double, lag tau: Double) -> (correlation: Double, susceptibility: Double)
    /// The diagonal-interval means h⁻¹∫_0^h C(t, t − u) du and h⁻¹∫_0^h χ(t, t − u) du.
    func diagonalMeans(time t: Double, step h: Double) -> (correlation: Double, susceptibility: Double)
}

/// The exact two-time solution of the pure p = 2 model (f = q²/2) after a quench from a random start to T = 0
/// (docs/PHYSICS.md §2.6), with Γ̂(s) = e^{−4s}Γ(s) = e^{−4s}I₁(4s)/(2s):
///
///     C(t, t') = e^{−2(t+t')} I₁(2(t + t')) / ((t + t') √(Γ̂(t) Γ̂(t'))),
///     R(t, t − u) = √(Γ̂(t − u)/Γ̂(t)) · e^{−2u} I₁(2u)/u,       χ(t, t − τ) = ∫_0^τ R(t, t − u) du,
///
/// the integrals by composite 16-point Gauss–Legendre on panels of length ≤ 1/2 (the integrands are analytic; χ agrees
/// with Simpson's rule on the tabulated exact solution to 1e-10, the accuracy of that check).
package struct PureTwoSpinZeroTemperatureOracle: LongTimeNearDiagonalOracle {
    package var lags: Int
    let rule = GaussLegendre.rule(points: 16)

    package init(lags: Int) { self.lags = lags }

    /// Γ̂(s) = e^{−4s} I₁(4s)/(2s), → 1 at s = 0.
    static func scaledGamma(_ s: Double) -> Double {
        s <= 0 ? 1 : ScaledBessel.value(order: 1, 4 * s) / (2 * s)
    }

    /// C(t, t') for t, t' ≥ 0.
    package static func correlation(_ t: Double, _ tp: Double) -> Double {
        let sum = t + tp
        guard sum > 0 else { return 1 }
        return ScaledBessel.scaledRatio(2, sum) / (scaledGamma(t) * scaledGamma(tp)).squareRoot()
    }

    /// R(t, t − u) for 0 ≤ u ≤ t.
    package static func response(_ t: Double, lag u: Double) -> Double {
        (scaledGamma(t - u) / scaledGamma(t)).squareRoot() * ScaledBessel.scaledRatio(2, u)
    }

    /// ∫_0^τ g(u) du by composite Gauss–Legendre.
    func integrate(_ tau: Double, _ g: (Double) -> Double) -> Double {
        guard tau > 0 else { return 0 }
        let panels = max(1, Int((2 * tau).rounded(.up)))
        let width = tau / Double(panels)
        var sum = 0.0
        for p in 0..<panels {
            let mid = (Double(p) + 0.5) * width
            for (x, w) in zip(rule.nodes, rule.weights) { sum += w * g(mid + 0.5 * width * x) }
        }
        return 0.5 * width * sum
    }

    package func values(time t: Double, lag tau: Double) -> (correlation: Double, susceptibility: Double) {
        (Self.correlation(t, t - tau), integrate(tau) { Self.response(t, lag: $0) })
    }

    package func diagonalMeans(time t: Double, step h: Double) -> (correlation: Double, susceptibility: Double) {
        let c = integrate(h) { Self.correlation(t, t - $0) } / h
        let x = integrate(h) { (h - $0) * Self.response(t, lag: $0) } / h
        return (c, x)
    }
}

extension LongTimeQuenchSolver {
    /// Pins the lag-h value and the means of row `i` (step `h`) to the oracle's values; returns the exact values of
    /// the columns at lags 2h … kh (to be re-imposed after every Jacobi pass), or nil without an oracle.
    func pinNearDiagonal(row i: Int, step h: Double) -> [(column: Int, c: Double, x: Double)]? {
        guard let oracle = nearDiagonalOracle else { return nil }
        let t = Double(i) * h
        let first = oracle.values(time: t, lag: h)
        C[i * stride + i - 1] = first.correlation
        X[i * stride + i - 1] = first.susceptibility
        let means = oracle.diagonalMeans(time: t, step: h)
        diagonalC[i] = means.correlation
        diagonalX[i] = means.susceptibility
        var pinned: [(column: Int, c: Double, x: Double)] = []
        if oracle.lags >= 2 {
            for k in 2...oracle.lags where i - k >= 0 {
                let v = oracle.values(time: t, lag: Double(k) * h)
                pinned.append((i - k, v.correlation, v.susceptibility))
            }
        }
        repin(pinned, row: i)
        return pinned
    }

    /// Re-imposes pinned columns of row `i`.
    func repin(_ pinned: [(column: Int, c: Double, x: Double)], row i: Int) {
        for value in pinned {
            C[i * stride + value.column] = value.c
            X[i * stride + value.column] = value.x
        }
    }

    /// Replaces the pass's new values of the pinned columns by their exact values; returns the largest change of
    /// the pass over all columns (the pinned ones then do not change).
    func imposePinned(_ pinned: [(column: Int, c: Double, x: Double)], row i: Int, columns: Int,
                      bufferC: inout [Double], bufferX: inout [Double]) -> Double {
        for value in pinned {
            bufferC[value.column] = value.c
            bufferX[value.column] = value.x
        }
        var largest = 0.0
        for j in 0..<columns {
            largest = max(largest, abs(bufferC[j] - C[i * stride + j]), abs(bufferX[j] - X[i * stride + j]))
        }
        return largest
    }

    /// After a decimation to step `h`: the exact means of the kept rows 1 … M/2.
    func pinNearDiagonalAfterDecimation(step h: Double) {
        guard let oracle = nearDiagonalOracle else { return }
        for i in 1...(M / 2) {
            let means = oracle.diagonalMeans(time: Double(i) * h, step: h)
            diagonalC[i] = means.correlation
            diagonalX[i] = means.susceptibility
        }
    }
}
