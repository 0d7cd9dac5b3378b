import Foundation

/// A quadrature rule for `E[g(z)]`, z ~ N(0, 1), where g is analytic except for a near-singularity of width δ at
/// `centre` (a pole pair at centre ± iδ, as for tanh(scale·(z − centre)) with δ = (π/2)/scale), at a cost that grows
/// only like log(1/δ).
///
/// Panels start at `centre` and grow geometrically, [centre, centre + δ], [+δ, +2δ], [+2δ, +4δ], …, up to a width of
/// `maximumPanel`, then stay at that width up to ±`GaussianAverages.cutoff`; each carries a 16-point Gauss–Legendre
/// rule. A pole at distance ≥ (panel's distance from the centre, or δ) from a panel puts it inside a Bernstein
/// ellipse of parameter ≥ 4.6, so each panel errs by ≲ 4.6^{−32} ≈ 1e-21 of its mass. The weights include the
/// Gaussian density. Used where the uniform trapezoid rule of `GaussianAverages` would need thousands of nodes
/// (step ∝ δ).
enum GradedGaussianRule {
    /// Widest panel, in units of the standard deviation.
    static let maximumPanel = 1.0

    /// Nodes and weights (density included) on [lower, upper] ⊂ [−cutoff, cutoff], graded around `centre`.
    static func rule(centre rawCentre: Double, width: Double, lower: Double = -GaussianAverages.cutoff,
                     upper: Double = GaussianAverages.cutoff) -> (nodes: [Double], weights: [Double]) {
        let centre = min(upper, max(lower, rawCentre))
        let delta = max(width, 1e-12)
        var edges: [Double] = [centre]
        var offset = delta, previous = 0.0
        let rightSpan = upper - centre, leftSpan = centre - lower
        while previous < rightSpan {
            let step = min(offset - previous, maximumPanel)
            previous = min(previous + step, rightSpan)
            edges.append(previous == rightSpan ? upper : centre + previous)
            offset = 2 * previous
        }
        offset = delta; previous = 0.0
        var left: [Double] = []
        while previous < leftSpan {
            let step = min(offset - previous, maximumPanel)
            previous = min(previous + step, leftSpan)
            left.append(previous == leftSpan ? lower : centre - previous)
            offset = 2 * previous
        }
        let allEdges = left.reversed() + edges
        let (gl, glWeights) = GaussLegendre.sixteen
        let norm = 1 / (2 * Double.pi).squareRoot()
        var nodes: [Double] = [], weights: [Double] = []
        nodes.reserveCapacity(16 * allEdges.count)
        weights.reserveCapacity(16 * allEdges.count)
        for p in 0..<(allEdges.count - 1) {
            let a = allEdges[p], b = allEdges[p + 1]
            if b <= a { continue }
            let middle = 0.5 * (a + b), half = 0.5 * (b - a)
            for i in 0..<16 {
                let z = middle + half * gl[i]
                nodes.append(z)
                weights.append(half * glWeights[i] * norm * exp(-0.5 * z * z))
            }
        }
        return (nodes, weights)
    }
}
