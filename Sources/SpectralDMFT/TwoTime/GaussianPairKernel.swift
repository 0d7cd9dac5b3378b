import Foundation

/// `C_φ(a, b, c) = E[φ(u) φ(v)]` for jointly Gaussian (u, v) with unequal variances Var u = a, Var v = b and
/// covariance c: the kernel of the two-time network equations, where a = Δ(t,t) and b = Δ(s,s) differ during a
/// transient.
///
/// **Closed form** when φ has one (erf: `(2/π) arcsin((π/2)c/√((1+πa/2)(1+πb/2)))`), evaluated directly.
///
/// **Otherwise Mehler's expansion** in the correlation coefficient ρ = c/√(ab):
///
///     C_φ(a, b, c) = Σ_{n≥0} ĉ_n(a) ĉ_n(b) ρ^n,     ĉ_n(a) = E[φ(√a z) He_n(z)/√n!],  z ~ N(0, 1),
///
/// exact for every (a, b, ρ) with |ρ| ≤ 1. The coefficient vector of a variance is computed once (trapezoid rule
/// of `GaussianAverages`, its step refined to ≤ 1.1/√N to resolve He_N) and reused for every pair involving that
/// variance, so one evaluation is a short Horner sum (odd φ: odd n only), cut where |ρ|^{n} < 1e-16.
///
/// **Accuracy.** The computed ĉ_n reach a floor of ~1e-12 (where the rule's cutoff |z| ≤ 9.5 meets the reach
/// 2√n of the Hermite functions); the series is kept up to that floor or `maximumOrder` = 600, whichever comes
/// first, and the squared tail beyond is the stored `tail` (the pair's truncation error is at most
/// `√(τ(a)τ(b))`, attained only at |ρ| = 1). For tanh the coefficients decay slowly at large variance (tanh → sign):
/// measured against the two-dimensional quadrature `GaussianAverages.pairExpectation` over ρ ∈ [−1, 1], the
/// error is ≤ 3e-13 for a, b ≤ 8 and 1e-10 at a = 20 (tests cover a, b ≤ 2.5 at 1e-12); erf through the series
/// agrees with its closed form to 5e-16.
///
/// **Cost.** One coefficient vector: ~600 × 200 recurrence steps (0.1 ms); one pair: ≤ 300 multiply–adds near
/// the diagonal (|ρ| → 1), ~20–60 once |ρ| < 0.5. In the network transient every time s gets one vector, and the
/// row t evaluates t/h pairs: about 8 s for 4000 steps of g = 2 (tanh) on one core.
package struct GaussianPairKernel: Sendable {
    /// The transfer function.
    package let nonlinearity: Nonlinearity
    /// Highest Hermite order ever kept.
    package let maximumOrder: Int
    /// Target of the squared tail Σ_{n>N} ĉ_n².
    package static let tailTarget = 1e-24
    let closedForm: (@Sendable (Double, Double, Double) -> Double)?
    let odd: Bool

    /// A kernel for φ; uses φ's closed form when it has one (unless `useClosedForm` is false).
    package init(nonlinearity: Nonlinearity, useClosedForm: Bool = true, maximumOrder: Int = 600) {
        self.nonlinearity = nonlinearity
        self.maximumOrder = maximumOrder
        closedForm = useClosedForm ? nonlinearity.closedFormCorrelation : nil
        odd = nonlinearity.isOdd
    }

    /// True when evaluations go through the closed form.
    package var isClosedForm: Bool { closedForm != nil }

    /// The Mehler data of one variance: the coefficients kept (odd orders only for odd φ) and the squared tail.
    package struct Coefficients: Sendable {
        /// The variance a.
        package let variance: Double
        /// √a.
        package let standardDeviation: Double
        /// ĉ_n(a) for the orders kept: n = 1, 3, 5, … (odd φ) or n = 0, 1, 2, …
        package let values: [Double]
        /// τ(a) = E[φ(√a z)²] − Σ kept ĉ_n² (≥ 0 up to rounding).
        package let tail: Double
    }

    /// The coefficient data of variance `a` (for a closed-form kernel only the variance is kept).
    package func coefficients(variance a: Double, startingOrder: Int = 64) -> Coefficients {
        let sd = max(a, 0).squareRoot()
        if closedForm != nil || !(a > 0) {
            return Coefficients(variance: a, standardDeviation: sd, values: [], tail: 0)
        }
        let phi = nonlinearity.function
        var order = min(max(startingOrder, 16), maximumOrder)
        while true {
            // Step ≤ 1.1/√order resolves He_order; the strip of φ(√a z) is d/√a.
            let scale = max(sd, 0.18 * nonlinearity.singularityDistance * Double(order).squareRoot() / 1.1)
            let rule = GaussianAverages.rule(scale: scale, singularityDistance: nonlinearity.singularityDistance)
            let all = Self.parallelCoefficients(rule, order: order, parity: odd ? -1 : 0) { phi(sd * $0) }
            // The computed coefficients reach a floor of ~1e-12 (the quadrature's cutoff |z| ≤ 9.5 meets the
            // Hermite functions' reach 2√n); the series is resolved once the last eight are below that floor.
            let resolved = all[(order - 7)...].allSatisfy { abs($0) < 2e-12 }
            if resolved || order >= maximumOrder {
                // Tail sums from the end (no cancellation): keep the shortest series whose omitted squares sum
                // below the target.
                var tail = 0.0
                var keep = order
                while keep > 0 && tail + all[keep] * all[keep] <= Self.tailTarget {
                    tail += all[keep] * all[keep]
                    keep -= 1
                }
                if !resolved {
                    // Not resolved at the cap: bound the rest by the last computed terms' level.
                    tail += Double(order) * all[(order - 7)...].reduce(0) { max($0, $1 * $1) }
                }
                let kept = odd ? stride(from: 1, through: keep, by: 2).map { all[$0] } : Array(all[0...keep])
                return Coefficients(variance: a, standardDeviation: sd, values: kept, tail: tail)
            }
            order = min(2 * order, maximumOrder)
        }
    }

    /// `GaussianAverages.hermiteCoefficients` with the nodes split into two fixed halves summed on two cores (and
    /// added in a fixed order, so the bits do not depend on the thread count).
    static func parallelCoefficients(_ rule: (nodes: [Double], weights: [Double]), order: Int, parity: Int,
                                     _ g: @escaping @Sendable (Double) -> Double) -> [Double] {
        // With a parity only the nodes z ≥ 0 do work: split those.
        let used = rule.nodes.indices.filter { parity == 0 || rule.nodes[$0] >= 0 }
        guard used.count >= 64 else {
            return GaussianAverages.hermiteCoefficients(nodes: rule.nodes, weights: rule.weights, order: order,
                                                        parity: parity, g)
        }
        let middle = used.count / 2
        let halves = [Array(used[..<middle]), Array(used[middle...])]
        var parts: [[Double]] = [[], []]
        parts.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable(buffer.baseAddress!)
            TwoTimeParallel.run(iterations: 2) { half in
                let indices = halves[half]
                shared.value[half] = GaussianAverages.hermiteCoefficients(
                    nodes: indices.map { rule.nodes[$0] }, weights: indices.map { rule.weights[$0] }, order: order,
                    parity: parity, g)
            }
        }
        return zip(parts[0], parts[1]).map { $0 + $1 }
    }

    /// C_φ for two prepared variances and covariance c (ρ = c/√(ab) clamped to [−1, 1]).
    ///
    /// The series stops at the first order N with |ρ|^{N+1} ≤ 1e-16 (the omitted terms are bounded by
    /// |ρ|^{N+1} √(E φ_a² E φ_b²) ≤ |ρ|^{N+1} for |φ| ≤ 1) or at the shorter of the two stored series, and is
    /// summed by a four-way split Horner scheme (independent chains in ρ^8 for odd φ).
    @inline(__always)
    package func value(_ first: Coefficients, _ second: Coefficients, covariance c: Double) -> Double {
        if let closedForm { return closedForm(first.variance, second.variance, c) }
        let denominator = first.standardDeviation * second.standardDeviation
        guard denominator > 0 else { return 0 }
        let rho = min(1, max(-1, c / denominator))
        var count = min(first.values.count, second.values.count)
        if count == 0 { return 0 }
        let magnitude = abs(rho)
        if magnitude < 0.999 {
            // Orders beyond log(1e-16)/log|ρ| are negligible (odd φ: the m-th stored term has order 2m + 1).
            let needed = Int((-36.84 / log(max(magnitude, 1e-300))).rounded(.up)) + 1
            count = min(count, odd ? needed / 2 + 1 : needed + 1)
        }
        return first.values.withUnsafeBufferPointer { p in
            second.values.withUnsafeBufferPointer { q in
                let step = odd ? rho * rho : rho
                let step2 = step * step, step4 = step2 * step2
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var m = ((count - 1) / 4) * 4
                while m >= 0 {
                    s0 = s0 * step4 + p[m] * q[m]
                    if m + 1 < count { s1 = s1 * step4 + p[m + 1] * q[m + 1] } else { s1 *= step4 }
                    if m + 2 < count { s2 = s2 * step4 + p[m + 2] * q[m + 2] } else { s2 *= step4 }
                    if m + 3 < count { s3 = s3 * step4 + p[m + 3] * q[m + 3] } else { s3 *= step4 }
                    m -= 4
                }
                let sum = s0 + step * (s1 + step * (s2 + step * s3))
                return odd ? sum * rho : sum
            }
        }
    }

    /// C_φ(a, b, c) directly (prepares both variances; for one-off use).
    package func value(varianceU a: Double, varianceV b: Double, covariance c: Double) -> Double {
        if let closedForm { return closedForm(a, b, c) }
        return value(coefficients(variance: a), coefficients(variance: b), covariance: c)
    }

    /// The Cauchy–Schwarz bound √(τ(a)τ(b)) on the truncation error of a pair.
    package func truncationBound(_ first: Coefficients, _ second: Coefficients) -> Double {
        (first.tail * second.tail).squareRoot()
    }
}
