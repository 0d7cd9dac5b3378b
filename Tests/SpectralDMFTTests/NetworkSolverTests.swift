import Foundation
import Testing
@testable import SpectralDMFT

private func solve(_ g: Double, noise: Double = 0, phi: Nonlinearity = .tanh, step: Double? = nil,
                   acceleration: Acceleration = .standard) throws -> NetworkSolution {
    let model = try NetworkModel(coupling: g, noise: noise, nonlinearity: phi)
    let automatic = try NetworkStationarySolver.automaticGrid(for: model)
    let grid = try LagGrid(step: step ?? automatic.step, minimumWindow: automatic.window)
    let solver = NetworkStationarySolver(grid: grid, options: IterationOptions(tolerance: 1e-12, maximumIterations: 5000,
                                                                                acceleration: acceleration))
    return try solver.solve(model)
}

@Test func spectralSolverMatchesPotentialMethodForTanh() throws {
    let model = try NetworkModel(coupling: 2)
    let solution = try solve(2)
    let reference = try PotentialMethod.variance(model: model)
    #expect(solution.branch == .chaotic)
    #expect(abs(solution.variance / reference - 1) < 1e-10)
    // Literature value (docs/PHYSICS.md).
    #expect(abs(solution.variance - 1.9248054137) < 1e-9)
    let lags = [1.0, 3, 10]
    let profile = try PotentialMethod.correlation(model: model, variance: reference, atLags: lags)
    for (lag, expected) in zip(lags, profile) { #expect(abs(solution.correlation(atLag: lag) - expected) < 1e-9) }
    #expect(solution.report.residual <= 1e-12)
}

@Test func spectralSolverWithClosedFormErfKernelMatchesPotentialMethod() throws {
    let model = try NetworkModel(coupling: 1.5, nonlinearity: .erf)
    let solution = try solve(1.5, phi: .erf)
    let reference = try PotentialMethod.variance(model: model)
    #expect(abs(solution.variance / reference - 1) < 1e-10)
    let profile = try PotentialMethod.correlation(model: model, variance: reference, atLags: [2, 6])
    #expect(abs(solution.correlation(atLag: 2) - profile[0]) < 1e-9)
    #expect(abs(solution.correlation(atLag: 6) - profile[1]) < 1e-9)
}

@Test func noiseDrivenSolutionIsFourthOrderInTheStep() throws {
    let model = try NetworkModel(coupling: 1.5, noise: 1)
    let reference = try PotentialMethod.variance(model: model)
    let steps = [0.1, 0.05]
    let errors = try steps.map { abs(try solve(1.5, noise: 1, step: $0).variance - reference) }
    let order = ConvergenceOrder.fit(steps: steps, errors: errors)
    #expect(order > 3.6 && order < 4.6, "errors \(errors), order \(order)")
    let fine = try solve(1.5, noise: 1)   // automatic step 0.025
    #expect(fine.branch == .noiseDriven)
    #expect(abs(fine.variance / reference - 1) < 1e-8)
    // The kink Δ'(0⁺) = −σ²/2 is honoured.
    let slope = (fine.correlation[1] - fine.correlation[0]) / fine.grid.step
    #expect(abs(slope + 0.5) < 0.05)
    let profile = try PotentialMethod.correlation(model: model, variance: reference, atLags: [1, 3])
    #expect(abs(fine.correlation(atLag: 1) - profile[0]) < 1e-8)
    #expect(abs(fine.correlation(atLag: 3) - profile[1]) < 1e-8)
}

@Test func varianceOverDistanceToThresholdTendsToOne() throws {
    var ratios: [Double] = []
    for g in [1.04, 1.02, 1.01] {
        let solution = try solve(g)
        ratios.append(solution.variance / (g - 1))
        #expect(abs(solution.variance / (try PotentialMethod.variance(model: try NetworkModel(coupling: g))) - 1) < 1e-8)
    }
    #expect(abs(ratios[2] - 1) < 0.02)
    #expect(abs(ratios[0] - 1) > abs(ratios[1] - 1) && abs(ratios[1] - 1) > abs(ratios[2] - 1))
}

@Test func quiescentBelowThresholdWithoutNoise() throws {
    let solution = try solve(0.8)
    #expect(solution.branch == .quiescent)
    #expect(solution.variance == 0 && solution.correlation.allSatisfy { $0 == 0 })
    // With noise below threshold the fluctuations are driven: Δ0 above the free value σ²/2.
    let driven = try solve(0.8, noise: 0.7)
    #expect(driven.branch == .noiseDriven && driven.variance > 0.245)
    let reference = try PotentialMethod.variance(model: try NetworkModel(coupling: 0.8, noise: 0.7))
    #expect(abs(driven.variance / reference - 1) < 1e-8)
}

@Test func spectrumObeysSumRules() throws {
    let solution = try solve(1.5, noise: 0.5)
    // Δ0 = (1/2π) ∫ Δ̂ dω and Δ̂(0) = 2 ∫_0^∞ Δ dτ, both by the trapezoid rule on the grids.
    let frequencyStep = solution.grid.frequencyStep
    var integral = 0.5 * (solution.spectrum.first! + solution.spectrum.last!)
    for value in solution.spectrum.dropFirst().dropLast() { integral += value }
    #expect(abs(integral * frequencyStep / Double.pi - solution.variance) < 1e-3 * solution.variance)
    var area = 0.5 * solution.correlation[0]
    for value in solution.correlation.dropFirst() { area += value }
    #expect(abs(solution.spectrum[0] - 2 * area * solution.grid.step) < 1e-3 * solution.spectrum[0])
    #expect(solution.spectrum.allSatisfy { $0 > 0 })
}

@Test func newtonKrylovAndAndersonIterationReachTheSameFixedPoint() throws {
    // The default acceleration is Newton–Krylov on the preconditioned map.
    let newtonKrylov = try solve(2, noise: 0.5, step: 0.05, acceleration: .standard)
    let anderson = try solve(2, noise: 0.5, step: 0.05, acceleration: .anderson(depth: 8, damping: 1))
    // Anderson iterates the unpreconditioned map, a different O(dt⁴) discretisation (~1e-10 apart at dt = 0.05).
    #expect(abs(anderson.variance - newtonKrylov.variance) < 1e-9)
    #expect(anderson.report.iterations > newtonKrylov.report.iterations)
}

@Test func nonConvergenceIsAnErrorCarryingTheResidual() throws {
    let model = try NetworkModel(coupling: 1.5)
    let solver = NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model),
                                         options: IterationOptions(tolerance: 1e-12, maximumIterations: 3))
    do {
        _ = try solver.solve(model)
        Issue.record("a three-evaluation solve must not converge")
    } catch let ConvergenceError.notConverged(residual, iterations, _) {
        #expect(residual > 1e-12 && residual.isFinite)
        #expect(iterations <= 4)
    }
}

@Test func invalidModelsAreRejected() {
    #expect(throws: ModelError.self) { try NetworkModel(coupling: 0) }
    #expect(throws: ModelError.self) { try NetworkModel(coupling: -1) }
    #expect(throws: ModelError.self) { try NetworkModel(coupling: .nan) }
    #expect(throws: ModelError.self) { try NetworkModel(coupling: 1.5, noise: -0.1) }
    #expect(throws: ModelError.self) { try NetworkModel(coupling: 1.5, noise: .infinity) }
    let biased = Nonlinearity(name: "biased", function: { tanh($0) + 0.2 }, derivative: { 1 - tanh($0) * tanh($0) })
    #expect(throws: ModelError.self) { try NetworkModel(coupling: 1.5, nonlinearity: biased) }
}

@Test func userClosureTransferFunctionSolves() throws {
    // A user-supplied tanh, tabulated by quadrature and with a numerical antiderivative, reproduces the built-in one.
    let user = Nonlinearity(name: "user-tanh", function: { tanh($0) }, derivative: { 1 - tanh($0) * tanh($0) })
    let solution = try solve(1.5, phi: user)
    #expect(abs(solution.variance - 0.7476863806) < 1e-9)
}
