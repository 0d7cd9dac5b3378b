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

/// λ_max of the general network reduces to the odd-φ λ_max (tanh, h0 = J0 = 0, g = 2; same coarse grid).
@Test func generalLyapunovExponentReducesToTheOddCase() throws {
    let odd = try NetworkModel(coupling: 2)
    let oddSolution = try NetworkStationarySolver(grid: LagGrid(step: 0.5, minimumWindow: 120)).solve(odd)
    let expected = try LyapunovExponent.compute(model: odd, solution: oddSolution)
    let general = try GeneralNetworkModel(coupling: 2)
    let generalSolution = try GeneralNetworkSolver(grid: oddSolution.grid).solve(general)
    let result = try LyapunovExponent.compute(model: general, solution: generalSolution)
    #expect(abs(result.lambdaMax - expected.lambdaMax) < 1e-9, "\(result.lambdaMax) vs \(expected.lambdaMax)")
    #expect(abs(result.continuumEdge - expected.continuumEdge) < 1e-12)
}

/// relu-tanh, h0 = J0 = 0: on the fixed-point branch (g < g_c = √2) λ_max = −1 + g/√2 exactly, → 0 at g_c.
@Test func generalLyapunovExponentOnTheFixedPointBranchVanishesAtTheCriticalCoupling() throws {
    for g in [1.0, 1.3, 1.41] {
        let model = try GeneralNetworkModel(coupling: g, nonlinearity: .reluTanh)
        let solution = try model.solve()
        #expect(solution.branch == .fixedPoint)
        let result = try LyapunovExponent.compute(model: model, solution: solution)
        #expect(abs(result.lambdaMax - (-1 + g / 2.0.squareRoot())) < 1e-12)
    }
}
