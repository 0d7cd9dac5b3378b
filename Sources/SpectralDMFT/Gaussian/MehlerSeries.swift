import Foundation

/// The Mehler (Hermite) expansion of the Gaussian pair average at equal variances, for starting values:
/// for u, v ~ N(μ, Δ0) with covariance Δ = ρ Δ0,
///
///     E[f(u) f(v)] = Σ_n a_n ρⁿ,   a_n = ĉ_n²,   ĉ_n = E[f(μ + √Δ0 z) He_n(z)] / √n!,
///
/// so that `C_f(Δ; Δ0, μ) = E_z[(E_x f(μ + √(Δ0−Δ) x + √Δ z))²]` becomes a polynomial in ρ once the ĉ_n are known
/// (one one-dimensional average per order instead of one double integral per lag). The series is truncated at
/// `order`: a kink of f (a jump of f') makes a_n ∝ n^{−5/2}, so the truncation errs by O(order^{−3/2}) at ρ = 1 and
/// by O(ρ^order order^{−5/2}/(1 − ρ)) below; it is used only where an answer accurate to ~1e-6 is enough (the starts
/// of the general solvers), never for a result.
struct MehlerSeries {
    /// a_0 … a_order.
    let coefficients: [Double]

    /// Default truncation order.
    static let defaultOrder = 160

    /// The series of f and of g at the same (mean, variance) from one set of nodes: composite 16-point
    /// Gauss–Legendre panels of width ≤ min(1.2, 1.5 d/√Δ0) on z ∈ [−9, 9], split at the kinks (16 nodes per panel resolve
    /// the oscillations of He_n e^{−z²/4}, wavelength ≈ 2π/√n, to ~1e-17 at n = 160), and the stable recurrence of the orthonormal Hermite polynomials
    /// `h_{n+1} = (z h_n − √n h_{n−1})/√(n+1)`.
    static func pair(mean: Double, variance: Double, kinks: [Double], distance: Double, order: Int = defaultOrder,
                     _ f: (Double) -> Double, _ g: (Double) -> Double) -> (MehlerSeries, MehlerSeries) {
        let sd = max(variance, 0).squareRoot()
        var first = [Double](repeating: 0, count: order + 1), second = first
        guard sd > 0 else {
            let a = f(mean), b = g(mean)
            first[0] = a * a; second[0] = b * b
            return (MehlerSeries(coefficients: first), MehlerSeries(coefficients: second))
        }
        let cutoff = KinkedGaussian.cutoff
        var breaks: [Double] = [-cutoff, cutoff]
        for k in kinks {
            let z = (k - mean) / sd
            if z > -cutoff && z < cutoff { breaks.append(z) }
        }
        breaks.sort()
        let width = min(1.2, 1.5 * distance / sd)
        let roots = (0...(order + 1)).map { Double($0).squareRoot() }
        let inverseRoots = roots.map { $0 > 0 ? 1 / $0 : 0 }
        let norm = 1 / (2 * Double.pi).squareRoot()
        let nodes = KinkedGaussian.glNodes, weights = KinkedGaussian.glWeights
        first.withUnsafeMutableBufferPointer { cf in
            second.withUnsafeMutableBufferPointer { cg in
                roots.withUnsafeBufferPointer { root in
                    inverseRoots.withUnsafeBufferPointer { inverse in
                        for b in 1..<breaks.count {
                            let lower = breaks[b - 1], upper = breaks[b]
                            guard upper > lower else { continue }
                            let panels = max(1, Int(((upper - lower) / width).rounded(.up)))
                            let panelWidth = (upper - lower) / Double(panels)
                            for p in 0..<panels {
                                let centre = lower + (Double(p) + 0.5) * panelWidth, half = 0.5 * panelWidth
                                for i in 0..<16 {
                                    let z = centre + half * nodes[i]
                                    let w = half * weights[i] * norm * Foundation.exp(-0.5 * z * z)
                                    let x = mean + sd * z
                                    let wf = w * f(x), wg = w * g(x)
                                    var previous = 0.0, current = 1.0
                                    for n in 0...order {
                                        cf[n] += wf * current
                                        cg[n] += wg * current
                                        let next = (z * current - root[n] * previous) * inverse[n + 1]
                                        previous = current; current = next
                                    }
                                }
                            }
                        }
                    }
                }
                for n in 0...order { cf[n] *= cf[n]; cg[n] *= cg[n] }
            }
        }
        return (MehlerSeries(coefficients: first), MehlerSeries(coefficients: second))
    }

    /// Σ a_n ρⁿ (Horner).
    func value(_ rho: Double) -> Double {
        var sum = 0.0
        for n in stride(from: coefficients.count - 1, through: 0, by: -1) { sum = sum * rho + coefficients[n] }
        return sum
    }

    /// d/dρ Σ a_n ρⁿ.
    func slope(_ rho: Double) -> Double {
        var sum = 0.0
        for n in stride(from: coefficients.count - 1, through: 1, by: -1) { sum = sum * rho + Double(n) * coefficients[n] }
        return sum
    }
}
