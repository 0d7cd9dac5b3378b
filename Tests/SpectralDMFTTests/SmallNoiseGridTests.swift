import Foundation
import Testing
@testable import SpectralDMFT

// Small noise near g = 1: Δ decays on the scale 1/κ, with κ ~ σ^{2/3} at g = 1. σ = 1e-7 used to say "impossible
// grid" (7·10⁷ intervals at dt = 0.025). The automatic grid now spans the window with 2^16 intervals where the step
// 0.025 would need more, and below κ = 0.008, where double precision (not the grid) limits the spectral map, the
// solve refuses with one line that carries the potential method's Δ0.

@Test func smallNoiseGridReachesTheDecayScaleAndAgreesWithThePotentialMethod() throws {
    // g = 1.002, σ = 0.01: κ ≈ 0.021, the window 38/κ ≈ 1800 needs 2^17 intervals at dt = 0.025; 2^16 are used.
    let model = try NetworkModel(coupling: 1.002, noise: 0.01)
    let grid = try NetworkStationarySolver.automaticGrid(for: model)
    #expect(grid.intervals == NetworkStationarySolver.smallNoiseIntervals && grid.step > 0.025)
    let solution = try NetworkStationarySolver(grid: grid).solve(model)
    let potential = try PotentialMethod.variance(model: model)
    #expect(abs(solution.variance - potential) <= 1e-8 * potential, "Δ0 \(solution.variance) vs \(potential)")
}

@Test func tinyNoiseAtThresholdIsOneLineWithThePotentialMethodsVariance() throws {
    let model = try NetworkModel(coupling: 1, noise: 1e-7)
    let grid = try NetworkStationarySolver.automaticGrid(for: model)   // no longer an impossible grid
    #expect(grid.intervals <= NetworkStationarySolver.smallNoiseIntervals)
    let potential = try PotentialMethod.variance(model: model)
    #expect(abs(potential / (0.5 * pow(1e-7, 4.0 / 3)) - 1) <= 1e-3)  // Δ0³ = σ⁴/8 at g = 1
    do {
        _ = try NetworkStationarySolver(grid: grid).solve(model)
        Issue.record("expected a refusal")
    } catch let error as SolverError {
        guard case .tailRateTooSmall(_, _, let rate, let variance) = error else { Issue.record("\(error)"); return }
        #expect(rate < NetworkStationarySolver.smallestNoisyTailRate && variance == potential)
        #expect(!error.description.contains("\n") && error.description.contains("network reference"))
    }
}

@Test func tooLargeAGridIsRefusedUpFront() throws {
    let model = try NetworkModel(coupling: 1.5)
    let fine = try LagGrid(step: 0.0002, minimumWindow: 380)
    #expect(fine.intervals > NetworkStationarySolver.maximumIntervals)
    do {
        try NetworkStationarySolver.checkSize(of: fine)
        Issue.record("expected a refusal")
    } catch let error as SolverError {
        let text = error.description
        #expect(text.contains("\(fine.intervals) intervals") && text.contains("--step") && !text.contains("\n"))
    }
    // The automatic grids of the supported range stay inside the bound.
    try NetworkStationarySolver.checkSize(of: try NetworkStationarySolver.automaticGrid(for: model))
    // The quiescent branch (closed form) is never refused, whatever its grid (the λ_max scans include g ≤ 1, σ = 0).
    let quiescent = try NetworkModel(coupling: 1)
    let quiescentGrid = try NetworkStationarySolver.automaticGrid(for: quiescent, lyapunov: true)
    #expect(quiescentGrid.intervals > NetworkStationarySolver.maximumIntervals)
    let tinyNoise = try NetworkModel(coupling: 1, noise: 1e-7)
    #expect(throws: SolverError.self) { _ = try NetworkStationarySolver.automaticGrid(for: tinyNoise, lyapunov: true) }
}

@Test func cornerOfTheSupportedRangeAgreesWithThePotentialMethodTo1e8() throws {
    // g = σ = 100 (Δ0 ≈ 9814): the kink of Δ at τ = 0 set the error (3.8e-8 at dt = 0.05/σ); the step 0.025/σ there
    // brings it to ~4e-9.
    let model = try NetworkModel(coupling: 100, noise: 100)
    let solution = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model)).solve(model)
    let potential = try PotentialMethod.variance(model: model)
    #expect(abs(solution.variance / potential - 1) <= 1e-8, "Δ0 \(solution.variance) vs \(potential)")
}
