import Foundation
import SpectralDMFT

/// The random Lotka–Volterra checks: the static cavity solution against direct simulation with exact fixed points
/// (S = 2000, 4 seeds), and its limit at σ_c.
enum EcosystemValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "ecosystem"
        // φ → 1/2 at σ → σ_c⁻ for every γ.
        for gamma in [-0.5, 0, 0.5] {
            let critical = EcosystemModel.criticalSigma(gamma: gamma)
            let solution = try EcosystemCavityProblem(model: EcosystemModel(mu: 4, sigma: critical * (1 - 1e-6), gamma: gamma)).solve()
            let deviation = abs(solution.survivingFraction - 0.5)
            record(ValidationCheck(area: area, name: "cavity φ at σ = σ_c(1 − 1e-6), γ = \(gamma): |φ − 1/2|", measured: deviation,
                                   limit: 1e-5, passed: deviation <= 1e-5,
                                   detail: String(format: "σ_c = %.6f, Δ = %.2e, μ_UG = %.2e", critical, solution.margin,
                                                  solution.unboundedGrowthMu)))
        }
        // Cavity against simulation at μ = 4 (σ below σ_c only).
        let species = 2000, seeds = 4
        for gamma in [-0.5, 0, 0.5] {
            for sigma in [0.5, 0.8, 1.0] where sigma < EcosystemModel.criticalSigma(gamma: gamma) {
                let model = try EcosystemModel(mu: 4, sigma: sigma, gamma: gamma)
                let cavity = try EcosystemCavityProblem(model: model).solve()
                var options = EcosystemSimulationOptions(species: species)
                options.realisations = seeds
                options.seed = 2026
                let result = try EcosystemSimulator(model: model, options: options).run()
                let pairs: [(String, EcosystemEstimate, Double)] = [
                    ("φ", result.survivingFraction!, cavity.survivingFraction),
                    ("⟨N⟩", result.meanAbundance!, cavity.meanAbundance),
                    ("⟨N²⟩", result.secondMoment!, cavity.secondMoment),
                ]
                let worst = pairs.map { abs($0.1.mean - $0.2) / $0.1.error }.max()!
                let detail = pairs.map { String(format: "%@ %.5f±%.5f (cavity %.5f)", $0.0, $0.1.mean, $0.1.error, $0.2) }
                    .joined(separator: ", ")
                record(ValidationCheck(area: area, name: "cavity vs simulation S = \(species), \(seeds) seeds, σ = \(sigma), γ = \(gamma) (SE)",
                                       measured: worst, limit: 3, passed: worst <= 3, detail: detail))
                let residual = result.complementarityResidual!
                record(ValidationCheck(area: area, name: "exact fixed points, σ = \(sigma), γ = \(gamma): complementarity residual",
                                       measured: residual, limit: 1e-9, passed: residual <= 1e-9,
                                       detail: "linear solves per seed \(result.realisations.map { $0.fixedPoint!.solves })"))
            }
        }
    }
}
