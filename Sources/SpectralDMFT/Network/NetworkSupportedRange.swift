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
