import Foundation

/// The parameter range the network solvers support (docs/PHYSICS.md §1).
///
/// Inside it every stationary solve, the potential method, the transition and the transients answer in bounded
/// time: the stationary variance is at most Δ0 ≈ 0.73 g² + σ²/2 (≈ 1.2·10⁴ at the corner g = σ = 100), and the
/// Gaussian averages of tanh at that variance are done by the large-variance split of `CorrelationTable`
/// (φ = sign + (tanh − sign)), whose cost does not grow with Δ0. Beyond it `NetworkModel.init` throws
/// `ModelError.outsideSupportedRange` (one line, fit for a command-line error).
extension NetworkModel {
    /// Largest coupling g accepted.
    public static let maximumCoupling = 100.0
    /// Largest noise amplitude σ accepted.
    public static let maximumNoise = 100.0

    /// Largest lag step that resolves C_φ(τ) at large variance: min(0.5/g, (0.05/σ)·min(1, (10/σ)^0.3)).
    ///
    /// For a saturating φ the kernel C_φ(Δ(τ); Δ0) varies on the angle scale θ = arccos(Δ/Δ0) ~ 1/√Δ0 near τ = 0
    /// (tanh → sign turns the arcsine law's corner into a smooth one). Without noise θ ≈ 0.6 τ at large g and
    /// √Δ0 ≈ 0.85 g, so the structure sits at τ ~ 2/g; with noise the kink Δ ≈ Δ0 − (σ²/2)|τ| makes it τ ~ 1/σ²,
    /// smoothed by the scheme's kink correction down to a residual error that the step 0.05/σ keeps below 1e-9
    /// relative up to σ = 10. Beyond, the residual error of the kink grows (measured at g = σ = 100: Δ0 3.8e-8 off the
    /// potential method at dt = 0.05/σ, 3.9e-9 at 0.025/σ, i.e. ~dt^3.3): the factor (10/σ)^0.3 halves the step
    /// at σ = 100 and leaves σ ≤ 10 unchanged. Either bound is ≥ 0.025 for g ≤ 20 and σ ≤ 2.
    public static func largeVarianceStep(coupling: Double, noise: Double) -> Double {
        min(0.5 / coupling, noise > 0 ? 0.05 / noise * min(1, pow(10 / noise, 0.3)) : .infinity)
    }

    /// Throws `ModelError.outsideSupportedRange` when g > `maximumCoupling` or σ > `maximumNoise`
    /// (non-finite and negative values are left to the caller's other checks).
    static func checkSupportedRange(coupling: Double, noise: Double) throws {
        if coupling.isFinite, coupling > maximumCoupling {
            throw ModelError.outsideSupportedRange(name: "g", value: coupling, maximum: maximumCoupling)
        }
        if noise.isFinite, noise > maximumNoise {
            throw ModelError.outsideSupportedRange(name: "sigma", value: noise, maximum: maximumNoise)
        }
    }
}
