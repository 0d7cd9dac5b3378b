/// The interval rule of the long-time integrator's memory integrals (docs/PHYSICS.md §2.8, "Quadrature").
///
/// Along a row t, every integral against the response, ∫ A(C(t,s)) L(s) d_sχ(t,s), is taken interval by interval in
/// the χ(t,·) parametrisation with C(t,·) linear in χ(t,·) on each interval and the slow factor L linear in χ as
/// well. A(C) is a polynomial (f', f'' or f' + C f''), so the rule integrates it exactly with ⌈p_max/2⌉ Gauss–Legendre
/// points in the interval's parameter λ ∈ [0, 1]. The assumption C linear in χ is exact in the quasi-equilibrium
/// fast part, where FDT gives C = 1 − Tχ, and second order where both are smooth; the trapezoid rule in χ used
/// before (½(A_far + A_near)Δχ) is exact only when A is linear in C, i.e. for p = 2, and over an interval that
/// spans the fast decay of C from 1 to the plateau q (h ≫ τ_fast) it is off by O((1 − q)³) for p ≥ 3.
struct ChiLinearIntervalRule: Sendable {
    /// Gauss–Legendre nodes and weights on [0, 1] (weights sum to 1).
    let nodes: [Double]
    let weights: [Double]

    /// The rule exact for the mixture's polynomials f', f'' and f' + C f'' (degree ≤ p_max − 1) times a linear factor.
    init(_ polynomial: MixturePolynomial) {
        let degree = polynomial.degrees.max() ?? 2
        let (x, w) = GaussLegendre.rule(points: max(1, (degree + 1) / 2))
        nodes = x.map { 0.5 * ($0 + 1) }
        weights = w.map { 0.5 * $0 }
    }

    /// Means over λ ∈ [0, 1] of an interval on which C goes linearly from `far` (λ = 0, the earlier time s) to `near`
    /// (λ = 1): f''(C)(1 − λ), f''(C)λ, f'(C) and f'(C) + C f''(C). Multiplied by Δχ they are the weights of the
    /// slow factor's two end values and the integrals of μ and E over the interval.
    @inline(__always)
    func means(_ polynomial: MixturePolynomial, far a: Double, near b: Double)
        -> (secondFar: Double, secondNear: Double, first: Double, multiplier: Double) {
        var secondFar = 0.0, secondNear = 0.0, first = 0.0, multiplier = 0.0
        for k in nodes.indices {
            let lambda = nodes[k], w = weights[k]
            let c = a + lambda * (b - a)
            let (f1, f2) = polynomial.derivatives(c)
            secondFar += w * (1 - lambda) * f2
            secondNear += w * lambda * f2
            first += w * f1
            multiplier += w * (f1 + c * f2)
        }
        return (secondFar, secondNear, first, multiplier)
    }
}
