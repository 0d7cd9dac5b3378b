import Foundation
import Testing
@testable import SpectralDMFT

/// Direct simulation with exact fixed points: complementarity, reproducibility, agreement with the cavity solution.
@Suite struct EcosystemSimulationTests {
    static func run(_ model: EcosystemModel, species: Int = 250, seeds: Int = 4, threads: Int = 2,
                    duration: Double = 30) throws -> EcosystemSimulationResult {
        var options = EcosystemSimulationOptions(species: species)
        options.realisations = seeds
        options.seed = 7
        options.duration = duration
        options.threads = threads
        return try EcosystemSimulator(model: model, options: options).run()
    }

    /// Exact fixed points satisfy the complementarity conditions to rounding, the dynamics approach them, and
    /// φ, ⟨N⟩, ⟨N²⟩ agree with the cavity solution within 4 standard errors (S = 250: finite-S corrections are
    /// O(1/S), far below the error bars).
    @Test(arguments: [(0.5, 0.0), (0.5, 0.5), (1.0, -0.5)])
    func fixedPointsAgreeWithCavity(sigma: Double, gamma: Double) throws {
        let model = try EcosystemModel(mu: 4, sigma: sigma, gamma: gamma)
        let result = try Self.run(model)
        let cavity = try EcosystemCavityProblem(model: model).solve()
        #expect(try #require(result.complementarityResidual) < 1e-10)
        for realisation in result.realisations {
            let point = try #require(realisation.fixedPoint)
            #expect(point.distanceFromDynamics < 0.1)
        }
        for (estimate, expected) in [(result.survivingFraction, cavity.survivingFraction),
                                     (result.meanAbundance, cavity.meanAbundance),
                                     (result.secondMoment, cavity.secondMoment)] {
            let value = try #require(estimate)
            #expect(value.error > 0)
            #expect(abs(value.mean - expected) <= 4 * value.error, "\(value.mean) ± \(value.error) vs cavity \(expected)")
        }
    }

    /// The same seed gives bitwise the same realisations whatever the thread count; another seed differs.
    @Test func reproducibleAcrossThreads() throws {
        let model = try EcosystemModel(mu: 4, sigma: 0.8, gamma: 0)
        let one = try Self.run(model, species: 120, seeds: 2, threads: 1, duration: 10)
        let two = try Self.run(model, species: 120, seeds: 2, threads: 2, duration: 10)
        #expect(one.realisations == two.realisations)
        #expect(one.realisations[0] != one.realisations[1])
    }

    /// The integrator is fourth order: halving dt divides the error of m(t = 1) by 2⁴ or more (≈ 28 is measured
    /// at these steps, where the fifth-order term still contributes; a second-order scheme would give ≈ 4).
    @Test func trajectoriesConvergeInStep() throws {
        let model = try EcosystemModel(mu: 4, sigma: 1, gamma: 0)
        func m(at step: Double) throws -> Double {
            var options = EcosystemSimulationOptions(species: 100)
            options.realisations = 1
            options.step = step
            options.duration = 1
            options.sampleInterval = 1
            options.findsFixedPoint = false
            return try EcosystemSimulator(model: model, options: options).run().realisations[0].meanTrajectory.last!
        }
        let coarse = try m(at: 0.05), fine = try m(at: 0.025), finest = try m(at: 0.0125)
        let ratio = abs(coarse - fine) / abs(fine - finest)
        #expect(ratio > 12 && ratio < 40, "RK4 error ratio \(ratio) (16 or more expected)")
    }

    /// Unbounded growth is reported, not returned as numbers.
    @Test func divergenceIsAnError() throws {
        let model = try EcosystemModel(mu: -2, sigma: 0.5, gamma: 0)
        #expect(throws: EcosystemError.self) { try Self.run(model, species: 100, seeds: 1, threads: 1, duration: 40) }
    }
}
