import Foundation

extension PureTwoSpinExactSolution {
    /// E(t)/N of the pure p = 2 model (f = q²/2) after a quench from a random start to T = 0, in closed form:
    /// Γ(t) = I₁(4t)/(2t), μ = Γ'/(2Γ) = 2 I₀(4t)/I₁(4t) − 1/t, so E(t) = −μ/2 = −I₀(4t)/I₁(4t) + 1/(2t)
    /// (→ E_th = −1 as t → ∞). Valid at any t > 0 (scaled Bessel functions, no grid).
    public static func zeroTemperatureEnergy(at t: Double) -> Double {
        precondition(t > 0)
        let x = 4 * t
        return -ScaledBessel.value(order: 0, x) / ScaledBessel.value(order: 1, x) + 0.5 / t
    }
}
