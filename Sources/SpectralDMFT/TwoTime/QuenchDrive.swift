/// The random non-conservative force of the driven p-spin model in a two-time run: covariance
/// `⟨F_i(s)F_j(s')⟩ = δ_ij ε² h'(q)` (docs/PHYSICS.md §2, driven p-spin). It enters only the noise kernel,
/// `D(t,s) = f'(C(t,s)) + ε² h'(C(t,s))`, in the correlation equation and in μ; the memory kernel stays f''(C)R and
/// the energy −∫f'(C)R.
public struct QuenchDrive: Sendable, Codable, Equatable {
    /// The covariance function h(q) = Σ c_k q^k/2 of the drive.
    public let mixture: PSpinMixture
    /// The strength ε ≥ 0.
    public let strength: Double

    /// A drive of strength `strength` with covariance `mixture`.
    ///
    /// - Throws: `DrivenPSpinError.invalidDrive` when ε is negative or not finite.
    public init(mixture: PSpinMixture, strength: Double) throws {
        guard strength.isFinite, strength >= 0 else { throw DrivenPSpinError.invalidDrive(strength) }
        self.mixture = mixture
        self.strength = strength
    }

    /// The k-body drive h(q) = q^k/2.
    ///
    /// - Throws: `DrivenPSpinError.invalidDriveOrder` for k < 2, `.invalidDrive` for a bad ε.
    public init(strength: Double, order k: Int = 3) throws {
        guard k >= 2 else { throw DrivenPSpinError.invalidDriveOrder(k) }
        try self.init(mixture: try PSpinMixture.pure(k), strength: strength)
    }
}
