import Foundation
import Testing
@testable import SpectralDMFT

// At large variance (angle-panel table, graded potential-method rules, step min(0.5/g, 0.05/σ)) the spectral solver
// and the potential method, which share no code beyond Gaussian quadrature, agree on Δ0 to 1e-8.

@Test func largeCouplingSolveAgreesWithThePotentialMethod() throws {
    // g = 12, Δ0 ≈ 103: angle-panel table in the solver, graded two-dimensional rules in the potential method.
    let model = try NetworkModel(coupling: 12)
    let grid = try NetworkStationarySolver.automaticGrid(for: model)
    let solution = try NetworkStationarySolver(grid: grid).solve(model)
    let potential = try PotentialMethod.variance(model: model)
    #expect(abs(solution.variance - potential) <= 1e-8 * potential, "\(solution.variance) vs \(potential)")
    let lags = [0.5, 2.0, 6.0]
    let reference = try PotentialMethod.correlation(model: model, variance: solution.variance, atLags: lags)
    for (lag, value) in zip(lags, reference) {
        #expect(abs(solution.correlation(atLag: lag) - value) <= 1e-8 * solution.variance, "τ = \(lag)")
    }
}

@Test func gradedGaussianRuleIntegratesASharpTanhExactly() {
    // E[tanh(s z)] shifted: E[tanh(s(z − c))] vs the uniform trapezoid at a fine step.
    for (scale, centre) in [(300.0, 0.4), (1000.0, -2.0), (50.0, 9.0)] {
        let rule = GradedGaussianRule.rule(centre: centre, width: (Double.pi / 2) / scale)
        var graded = 0.0
        for i in rule.nodes.indices { graded += rule.weights[i] * tanh(scale * (rule.nodes[i] - centre)) }
        let exact = GaussianAverages.expectation(variance: 1, singularityDistance: Double.pi / 2 / scale) { tanh(scale * ($0 - centre)) }
        #expect(abs(graded - exact) <= 5e-14, "scale \(scale), centre \(centre)")
        #expect(rule.nodes.count < 700)
    }
}
