import Foundation
import Testing
@testable import SpectralDMFT

@Test func lyapunovExponentIsGMinusOneOnTheQuiescentBranch() throws {
    for g in [0.3, 0.8, 1.0] {
        let (result, solution) = try NetworkTransition.lyapunovExponent(coupling: g, noise: 0)
        #expect(solution.branch == .quiescent)
        #expect(abs(result.lambdaMax - (g - 1)) < 1e-15)
    }
}

@Test func lyapunovExponentNearThresholdFollowsTheQuadraticLaw() throws {
    // λ_max ≈ (g − 1)²/2 near g = 1⁺: the ratio tends to 1, its deviation shrinking linearly in g − 1.
    var deviations: [Double] = []
    for g in [1.02, 1.01] {
        let (result, _) = try NetworkTransition.lyapunovExponent(coupling: g, noise: 0, maximumStep: 1)
        deviations.append(abs(result.lambdaMax / ((g - 1) * (g - 1) / 2) - 1))
    }
    #expect(deviations[1] < 0.05)
    #expect(abs(deviations[0] / deviations[1] - 2) < 0.3, "deviations \(deviations)")
}

@Test func lyapunovExponentMatchesPublishedDMFTValue() throws {
    // Clark, arXiv:2610.12426, data of the rnn-lyapunov repository: λ_max(g = 2) = 0.112458 (6 digits).
    let (result, _) = try NetworkTransition.lyapunovExponent(coupling: 2, noise: 0, maximumStep: 0.1)
    #expect(result.isBoundState)
    #expect(abs(result.lambdaMax - 0.112458) < 2e-6)
    #expect(result.groundEnergyError < 1e-6)
}

@Test func timeDerivativeOfDeltaIsAZeroEnergyState() throws {
    // ψ = Δ̇ solves Hψ = 0 and is odd: the lowest odd eigenvalue of H vanishes (σ = 0).
    let model = try NetworkModel(coupling: 1.5)
    let solution = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model),
                                               options: IterationOptions(tolerance: 1e-12)).solve(model)
    let odd = try #require(LyapunovExponent.oddGroundEnergy(model: model, solution: solution))
    #expect(abs(odd) < 1e-8)
    let even = try LyapunovExponent.compute(model: model, solution: solution)
    #expect(even.groundEnergy < -0.05)   // the even ground state lies below: chaos
}

@Test func bothRoutesToTheNoisyTransitionAgree() throws {
    let result = try NetworkTransition.locate(noise: 0.5)
    #expect(abs(result.gC - result.gCCriterion) < 1e-6)
    #expect(result.gC > result.gLocal + 0.1)
    #expect(result.gLocal > 1)
    // λ_max changes sign across g_c.
    let below = try NetworkTransition.lyapunovExponent(coupling: result.gC - 0.02, noise: 0.5).0.lambdaMax
    let above = try NetworkTransition.lyapunovExponent(coupling: result.gC + 0.02, noise: 0.5).0.lambdaMax
    #expect(below < 0 && above > 0)
}
