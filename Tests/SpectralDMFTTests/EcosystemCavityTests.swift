import Foundation
import Testing
@testable import SpectralDMFT

/// The static cavity solution of the random Lotka–Volterra model, against its exact identities, a direct quadrature
/// of the self-consistency equations, and (in EcosystemSimulationTests) direct simulation.
@Suite struct EcosystemCavityTests {
    static func solve(_ mu: Double, _ sigma: Double, _ gamma: Double) throws -> EcosystemCavitySolution {
        try EcosystemCavityProblem(model: EcosystemModel(mu: mu, sigma: sigma, gamma: gamma)).solve()
    }

    /// γ = 0: w2(Δ) = 1/σ² and χ = φ exactly.
    @Test(arguments: [0.3, 0.8, 1.2, 1.4])
    func independentInteractionsIdentities(sigma: Double) throws {
        let solution = try Self.solve(4, sigma, 0)
        let w2 = TruncatedGaussian.moments(solution.margin).w2
        #expect(abs(w2 * sigma * sigma - 1) < 1e-12)
        #expect(abs(solution.response - solution.survivingFraction) < 1e-13)
        #expect(solution.report.residual < 1e-12)
    }

    /// σ → σ_c⁻: Δ → 0, φ → 1/2 and μ_UG → 0 for every γ.
    @Test(arguments: [-0.5, 0.0, 0.5, 0.9])
    func survivorsHalfAtCriticalSigma(gamma: Double) throws {
        let critical = EcosystemModel.criticalSigma(gamma: gamma)
        #expect(abs(critical - 2.0.squareRoot() / (1 + gamma)) < 1e-15)
        let solution = try Self.solve(4, critical * (1 - 1e-7), gamma)
        #expect(abs(solution.survivingFraction - 0.5) < 1e-6)
        #expect(solution.margin > 0 && solution.margin < 1e-5)
        #expect(abs(solution.unboundedGrowthMu) < 1e-5)
        // Well inside the phase more than half survive and μ_UG < 0.
        let inside = try Self.solve(4, critical * 0.5, gamma)
        #expect(inside.survivingFraction > 0.6)
        #expect(inside.unboundedGrowthMu < 0)
    }

    /// The closed forms against a direct quadrature of ⟨N⟩, ⟨N²⟩, ⟨∂N/∂h⟩ with
    /// N(z) = max(0, (1 − μm + σ√q z)/(1 − γσ²χ)), z ~ N(0, 1) (composite Simpson on [z*, 12], z* the kink).
    @Test(arguments: [(4.0, 0.5, -0.5), (4, 0.8, 0), (4, 0.9, 0.5), (-0.3, 0.6, 0.3), (10, 1.3, -1)])
    func closedFormsAgreeWithQuadrature(mu: Double, sigma: Double, gamma: Double) throws {
        let s = try Self.solve(mu, sigma, gamma)
        let reaction = 1 - gamma * sigma * sigma * s.response
        let rootQ = s.secondMoment.squareRoot()
        let kink = -(1 - mu * s.meanAbundance) / (sigma * rootQ)
        let intervals = 20_000, upper = 12.0, h = (upper - kink) / Double(intervals)
        var m = 0.0, q = 0.0, chi = 0.0, phi = 0.0
        for k in 0...intervals {
            let z = kink + Double(k) * h
            let weight = (k == 0 || k == intervals ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)) * h / 3
            let density = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            let n = (1 - mu * s.meanAbundance + sigma * rootQ * z) / reaction
            m += weight * density * n
            q += weight * density * n * n
            chi += weight * density / reaction
            phi += weight * density
        }
        #expect(abs(m / s.meanAbundance - 1) < 1e-9)
        #expect(abs(q / s.secondMoment - 1) < 1e-9)
        #expect(abs(chi / s.response - 1) < 1e-9)
        #expect(abs(phi - s.survivingFraction) < 1e-9)
        #expect(reaction > 0)
    }

    /// Bad input names its bound: σ_c for σ past it, μ_UG for μ below it, the range of γ, λ > 0.
    @Test func badInputIsRefused() throws {
        #expect(throws: EcosystemError.beyondUniqueFixedPoint(sigma: 1.5, criticalSigma: 2.0.squareRoot(), gamma: 0)) {
            try Self.solve(4, 1.5, 0)
        }
        do {
            _ = try Self.solve(4, 1.0, 0.5)
            Issue.record("σ = 1 > σ_c(0.5) = 0.943 was accepted")
        } catch let error as EcosystemError {
            #expect(error.description.contains("sigma_c"))
            #expect(error.description.contains("0.942809"))
        }
        let threshold = try EcosystemCavitySolver.unboundedGrowthMu(sigma: 1, gamma: 0)
        #expect(threshold < 0)
        #expect(throws: EcosystemError.unboundedGrowth(mu: threshold - 0.01, threshold: threshold)) {
            try Self.solve(threshold - 0.01, 1, 0)
        }
        // Just above μ_UG the abundances are large but finite.
        #expect(try Self.solve(threshold + 1e-3, 1, 0).meanAbundance > 100)
        #expect(throws: EcosystemError.self) { try EcosystemModel(mu: 4, sigma: 1, gamma: 1.5) }
        #expect(throws: EcosystemError.self) { try EcosystemModel(mu: 4, sigma: 0, gamma: 0) }
        #expect(throws: EcosystemError.immigrationNotSupported(lambda: 0.1)) {
            try EcosystemCavityProblem(model: EcosystemModel(mu: 4, sigma: 1, gamma: 0, lambda: 0.1))
        }
    }
}
