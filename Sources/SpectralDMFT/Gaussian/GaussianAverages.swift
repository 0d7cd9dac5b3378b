import Foundation

/// Gaussian averages of a transfer function by the trapezoid rule on a standard-normal variable.
///
/// For an integrand analytic in a strip of half-width `d` (in the standardised variable z), the trapezoid
/// rule with step h on [−cutoff, cutoff] errs by ~e^{−2π d/h}, so it stays exact to rounding where
/// Gauss–Hermite fails (tanh at large variance, whose poles approach the real axis as 1/√variance).
/// The step is `min(0.5, 0.18 · d / scale)` with `scale` the standard deviation multiplying z.
package enum GaussianAverages {
    /// Half-width of the z interval; the Gaussian weight beyond is below 3e-20.
    package static let cutoff = 9.5

    /// Trapezoid nodes and weights for `E[g(z)]`, z ~ N(0, 1), resolving structure of width `d/scale`.
    package static func rule(scale: Double, singularityDistance d: Double) -> (nodes: [Double], weights: [Double]) {
        let step = stepSize(scale: scale, singularityDistance: d)
        let half = Int((cutoff / step).rounded(.up))
        let norm = step / (2 * Double.pi).squareRoot()
        var nodes = [Double](), weights = [Double]()
        nodes.reserveCapacity(2 * half + 1); weights.reserveCapacity(2 * half + 1)
        for i in -half...half {
            let z = Double(i) * step
            nodes.append(z)
            weights.append(norm * exp(-0.5 * z * z))
        }
        return (nodes, weights)
    }

    /// Step of the trapezoid rule for a variable `scale·z` through a function analytic in a strip of half-width `d`.
    ///
    /// Never below `cutoff / 2^22` (a rule of at most ~8.4M nodes), so that a huge or infinite scale cannot make the
    /// node count overflow `Int`; the solvers' supported ranges keep the scale far below that floor.
    package static func stepSize(scale: Double, singularityDistance d: Double) -> Double {
        guard scale > 0, d.isFinite else { return 0.5 }
        let step = min(0.5, 0.18 * d / scale)
        return step >= cutoff / 4_194_304 ? step : cutoff / 4_194_304
    }

    /// `E[g(u)]` for u ~ N(0, variance); `d` is the half-width of g's strip of analyticity. Allocates nothing.
    package static func expectation(variance: Double, singularityDistance d: Double = Double.pi / 2,
                                   _ g: (Double) -> Double) -> Double {
        let sd = max(variance, 0).squareRoot()
        let step = stepSize(scale: sd, singularityDistance: d)
        let half = Int((cutoff / step).rounded(.up))
        let norm = step / (2 * Double.pi).squareRoot()
        var sum = 0.0
        for i in -half...half {
            let z = Double(i) * step
            sum += norm * exp(-0.5 * z * z) * g(sd * z)
        }
        return sum
    }

    /// Orthonormal-Hermite coefficients `ĉ_n = E[g(z) He_n(z)/√n!]`, n = 0…`order`, z ~ N(0, 1), on the trapezoid
    /// rule (`nodes`, `weights`) from `rule(scale:singularityDistance:)`, by the stable recurrence
    /// `h_{n+1} = (z h_n − √n h_{n−1}) / √(n+1)`. Mehler's formula then gives, for standard normals with
    /// correlation ρ, `E[g₁(z₁) g₂(z₂)] = Σ_n ĉ_n(g₁) ĉ_n(g₂) ρ^n`. The rule's step must resolve h_order
    /// (wavelength ~2π/√order).
    ///
    /// `parity` +1 (g even) or −1 (g odd) sums only the nodes z ≥ 0 of the symmetric rule, doubled (the
    /// coefficients of the other parity are then exactly 0); 0 makes no assumption.
    package static func hermiteCoefficients(nodes: [Double], weights: [Double], order: Int, parity: Int = 0,
                                           _ g: (Double) -> Double) -> [Double] {
        var coefficients = [Double](repeating: 0, count: order + 1)
        let roots = (0...(order + 1)).map { Double($0).squareRoot() }
        coefficients.withUnsafeMutableBufferPointer { c in
            roots.withUnsafeBufferPointer { root in
                for i in nodes.indices {
                    let z = nodes[i]
                    if parity != 0 && z < 0 { continue }
                    var weighted = weights[i] * g(z)
                    if parity != 0 && z > 0 { weighted *= 2 }
                    var previous = 1.0, current = z
                    c[0] += weighted
                    if order >= 1 { c[1] += weighted * z }
                    if order >= 2 {
                        for n in 1..<order {
                            let next = (z * current - root[n] * previous) / root[n + 1]
                            c[n + 1] += weighted * next
                            previous = current; current = next
                        }
                    }
                }
                if parity != 0 {
                    for n in stride(from: parity > 0 ? 1 : 0, through: order, by: 2) { c[n] = 0 }
                }
            }
        }
        return coefficients
    }

    /// `E[φ(u) ψ(v)]` for (u, v) jointly Gaussian with Var u = `varianceU`, Var v = `varianceV`, Cov = `covariance`.
    ///
    /// Written as u = √a z₁, v = (c/√a) z₁ + √(b − c²/a) z₂ with independent standard normals, the inner
    /// average over z₂ done first. Throws nothing; a covariance with c² > ab is clamped to the boundary.
    /// `jointlySymmetric` declares φ(−u)ψ(−v) = φ(u)ψ(v) (φ and ψ of equal parity) and halves the work.
    package static func pairExpectation(
        _ phi: (Double) -> Double, _ psi: (Double) -> Double,
        varianceU a: Double, varianceV b: Double, covariance c: Double,
        singularityDistance d: Double = Double.pi / 2, jointlySymmetric: Bool = false
    ) -> Double {
        guard a > 0 else { return phi(0) * expectation(variance: b, singularityDistance: d, psi) }
        let sdU = a.squareRoot()
        let slope = c / sdU
        let conditional = max(0, b - slope * slope).squareRoot()
        let outer = rule(scale: max(sdU, abs(slope)), singularityDistance: d)
        let inner = conditional > 1e-14 * max(1, b.squareRoot())
            ? rule(scale: conditional, singularityDistance: d) : (nodes: [0.0], weights: [1.0])
        var total = 0.0
        for i in outer.nodes.indices {
            let z1 = outer.nodes[i]
            if jointlySymmetric && z1 < 0 { continue }
            let mean = slope * z1
            var smoothed = 0.0
            for k in inner.nodes.indices { smoothed += inner.weights[k] * psi(mean + conditional * inner.nodes[k]) }
            let weight = jointlySymmetric && z1 > 0 ? 2 * outer.weights[i] : outer.weights[i]
            total += weight * phi(sdU * z1) * smoothed
        }
        return total
    }
}
