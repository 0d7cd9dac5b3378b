import Foundation

/// Where a point (μ, σ, γ) of the random Lotka–Volterra model lies (λ = 0).
public enum EcosystemPhaseRegion: String, Sendable, Codable, CaseIterable {
    /// σ < σ_c(γ) and μ > μ_UG(σ, γ): one globally attracting fixed point, described by the cavity solution.
    case uniqueFixedPoint = "unique-fixed-point"
    /// σ ≥ σ_c(γ) = √2/(1 + γ): multiple attractors (γ > 0) or persistent fluctuations (γ ≲ 0, with λ > 0); the
    /// replica-symmetric cavity solution does not apply.
    case pastCriticalSigma = "past-sigma-c"
    /// σ < σ_c(γ) but μ ≤ μ_UG(σ, γ): abundances grow without bound.
    case unboundedGrowth = "unbounded-growth"
}

/// One point of an `EcosystemPhaseDiagram`.
public struct EcosystemPhasePoint: Sendable, Codable {
    /// Interaction spread σ.
    public let sigma: Double
    /// Interaction symmetry γ.
    public let gamma: Double
    /// σ_c(γ) = √2/(1 + γ).
    public let criticalSigma: Double
    /// μ_UG(σ, γ) = −σΔ√w2/w1 for σ < σ_c (nil past σ_c, where the formula is only an approximation).
    public let unboundedGrowthMu: Double?
    /// The region of (μ, σ, γ).
    public let region: EcosystemPhaseRegion
    /// The cavity solution in the unique-fixed-point region, nil elsewhere (never extrapolated).
    public let cavity: EcosystemCavitySolution?
}

/// The static phase diagram of the random Lotka–Volterra model (λ = 0) at one mean interaction μ on a (σ, γ) grid:
/// the boundary σ_c(γ) = √2/(1 + γ) of the unique-fixed-point phase, the unbounded-growth line μ_UG(σ, γ), and the
/// cavity observables φ, ⟨N⟩, ⟨N²⟩, χ where the cavity solution holds. Points past σ_c or at/below μ_UG are marked
/// with their region and carry no observables.
public struct EcosystemPhaseDiagram: Sendable {
    /// Mean interaction μ of the observables.
    public let mu: Double
    /// Values of σ (> 0).
    public let sigmas: [Double]
    /// Values of γ (in [−1, 1]).
    public let gammas: [Double]

    /// A grid; validated by `evaluate()`.
    public init(mu: Double, sigmas: [Double], gammas: [Double]) {
        self.mu = mu
        self.sigmas = sigmas
        self.gammas = gammas
    }

    /// Every (σ, γ) point, σ varying fastest within each γ.
    ///
    /// - Throws: `EcosystemError.invalidParameter` for a non-finite μ, σ ≤ 0 or γ outside [−1, 1].
    public func evaluate() throws -> [EcosystemPhasePoint] {
        var points: [EcosystemPhasePoint] = []
        for gamma in gammas {
            for sigma in sigmas {
                let model = try EcosystemModel(mu: mu, sigma: sigma, gamma: gamma)
                let critical = model.criticalSigma
                guard sigma < critical else {
                    points.append(EcosystemPhasePoint(sigma: sigma, gamma: gamma, criticalSigma: critical,
                                                      unboundedGrowthMu: nil, region: .pastCriticalSigma, cavity: nil))
                    continue
                }
                let threshold = try EcosystemCavitySolver.unboundedGrowthMu(sigma: sigma, gamma: gamma)
                guard mu > threshold else {
                    points.append(EcosystemPhasePoint(sigma: sigma, gamma: gamma, criticalSigma: critical,
                                                      unboundedGrowthMu: threshold, region: .unboundedGrowth, cavity: nil))
                    continue
                }
                let cavity = try EcosystemCavityProblem(model: model).solve()
                points.append(EcosystemPhasePoint(sigma: sigma, gamma: gamma, criticalSigma: critical,
                                                  unboundedGrowthMu: threshold, region: .uniqueFixedPoint, cavity: cavity))
            }
        }
        return points
    }
}
