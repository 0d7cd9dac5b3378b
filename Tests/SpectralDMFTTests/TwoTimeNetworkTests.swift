import Foundation
import Testing
@testable import SpectralDMFT

/// max_τ≤window |Δ(t_w+τ, t_w) − Δ_st(τ)| for each recorded waiting time.
private func deviations(_ integrator: NetworkTransientIntegrator, from stationary: NetworkSolution, window: Double) -> [Double] {
    (0..<integrator.waitingRows.count).map { index in
        let (_, values) = integrator.recordedColumn(index)
        var worst = 0.0
        for (m, value) in values.enumerated() where Double(m) * integrator.step <= window {
            worst = max(worst, abs(value - stationary.correlation(atLag: Double(m) * integrator.step)))
        }
        return worst
    }
}

@Test func chaoticNetworkRelaxesToTheStationaryCorrelation() throws {
    // φ = erf (closed-form kernel), g = 2, σ = 0: the transient from Δ_init = 1 approaches Δ(τ) of the spectral
    // stationary solver, exponentially in t_w (rate ≈ 0.1 measured in release up to t_w = 150).
    let model = try NetworkModel(coupling: 2, noise: 0, nonlinearity: .erf)
    let stationary = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model)).solve(model)
    let integrator = try NetworkTransientIntegrator(model: model, initialVariance: 1,
                                                    options: TwoTimeOptions(step: 0.1, maximumTime: 70),
                                                    waitingTimes: [20, 40, 60])
    try integrator.advance()
    let errors = deviations(integrator, from: stationary, window: 10)
    #expect(errors[1] < errors[0] / 3 && errors[2] < errors[1] / 3, "deviations \(errors)")
    #expect(errors[2] < 3e-3, "deviation at t_w = 60: \(errors[2])")
    #expect(abs(integrator.variances.last! - stationary.variance) < 1e-3)
    // Δ(t, 0) = Δ_init e^{−t} exactly (column of t_w = 0 would show it; check through the record of row 0).
}

@Test func noisyTanhNetworkRelaxesToTheStationaryCorrelation() throws {
    // φ = tanh (Mehler kernel), g = 0.8, σ = 0.8 from Δ_init = 0: fast relaxation onto the noise-driven state.
    let model = try NetworkModel(coupling: 0.8, noise: 0.8, nonlinearity: .tanh)
    let stationary = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model)).solve(model)
    let integrator = try NetworkTransientIntegrator(model: model, initialVariance: 0,
                                                    options: TwoTimeOptions(step: 0.1, maximumTime: 30),
                                                    waitingTimes: [0, 20])
    try integrator.advance()
    let (_, first) = integrator.recordedColumn(0)
    #expect(first[0] == 0 && first.allSatisfy { $0 == 0 }, "Δ(t, 0) = Δ_init e^{−t} = 0")
    let errors = deviations(integrator, from: stationary, window: 8)
    #expect(errors[1] < 2e-5, "deviation at t_w = 20: \(errors[1])")
}

@Test func networkTransientConvergesAtTheStatedOrder() throws {
    // Δ(t,s) at fixed points for h, h/2, h/4: successive differences fall by ~2^k.
    let model = try NetworkModel(coupling: 1.5, noise: 0.5, nonlinearity: .erf)
    func values(_ step: Double) throws -> [Double] {
        try NetworkTransientIntegrator.sampledCorrelation(model: model, initialVariance: 0.5, step: step, maximumTime: 4,
                                                          waitingTimes: [1, 2], lags: [0, 0.5, 1, 2])
    }
    let coarse = try values(0.1), middle = try values(0.05), fine = try values(0.025)
    let first = zip(coarse, middle).map { abs($0 - $1) }.max()!
    let second = zip(middle, fine).map { abs($0 - $1) }.max()!
    let order = ConvergenceOrder.fit(steps: [0.1, 0.05], errors: [first, second])
    #expect(order > 3.5, "order \(order) (differences \(first), \(second))")
    #expect(second < 3e-5)
}

@Test func aStepBeyondTheStabilityLimitIsRefusedNotReturned() throws {
    // Order 4 with dt = 0.35 at g = 2 leaves the stability region: the covariance bound catches it.
    let model = try NetworkModel(coupling: 2, noise: 0, nonlinearity: .erf)
    let integrator = try NetworkTransientIntegrator(model: model, initialVariance: 1,
                                                    options: TwoTimeOptions(step: 0.35, maximumTime: 20), waitingTimes: [])
    #expect(throws: TwoTimeError.self) { try integrator.advance() }
}
