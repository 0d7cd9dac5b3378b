import Foundation
import Testing
@testable import SpectralDMFT

/// m₀ = 0: m ≡ 0 and every stored value equals the plain mixed p-spin quench bit for bit (same integrator, the
/// signal terms evaluated and equal to +0).
@Test(arguments: [0.0, 0.3])
func spikedQuenchWithoutInitialOverlapIsThePlainQuenchBitForBit(temperature: Double) throws {
    let model = try SpikedMatrixTensor(p: 3, matrixNoise: 0.7, tensorNoise: 1)
    let options = TwoTimeOptions(step: 0.05, maximumTime: 3)
    let spiked = try SpikedQuench(model: model, temperature: temperature, initialOverlap: 0).integrator(options: options)
    try spiked.advance()
    let plain = try PSpinQuenchIntegrator(mixture: model.mixture, temperature: temperature, options: options)
    try plain.advance()
    let values = CausalTriangle.valueCount(points: plain.lastRow + 1)
    let sameC = Array(UnsafeBufferPointer(start: spiked.correlation.storage.baseAddress, count: values))
        == Array(UnsafeBufferPointer(start: plain.correlation.storage.baseAddress, count: values))
    let sameR = Array(UnsafeBufferPointer(start: spiked.response.storage.baseAddress, count: values))
        == Array(UnsafeBufferPointer(start: plain.response.storage.baseAddress, count: values))
    #expect(sameC && sameR)
    #expect(spiked.multipliers == plain.multipliers)
    #expect(spiked.energies == plain.energies)
    #expect(spiked.solution.overlaps.allSatisfy { $0 == 0 })
    // The signal is switched on: a nonzero m₀ changes the run.
    let seeded = try SpikedQuench(model: model, temperature: temperature, initialOverlap: 0.01).integrate(options: options)
    #expect(seeded.twoTime.energy(row: seeded.twoTime.lastRow) != plain.energies[plain.lastRow])
}

/// The closed form of the oracle at m₀ = 0, Δ₂ = 1 is the pure p = 2 solution of Cugliandolo & Dean (another code).
@Test func spikedMatrixOracleReducesToThePureTwoSpinSolution() {
    let oracle = SpikedMatrixExactSolution(matrixNoise: 1, initialOverlap: 0)
    let pure = PureTwoSpinExactSolution(temperature: 0, maximumTime: 4)
    for t in [0.5, 1.0, 2.0, 4.0] {
        #expect(abs(oracle.energy(at: t) - pure.energy(at: t)) < 1e-10, "t = \(t)")
        #expect(oracle.overlap(at: t) == 0)
    }
    // t = 0: m = m₀, E = −f(m₀) (the bulk mean is 0, the signal mean is ∫λ dν_v = θ = 1/Δ₂).
    let seeded = SpikedMatrixExactSolution(matrixNoise: 0.5, initialOverlap: 0.3)
    #expect(abs(seeded.overlap(at: 0) - 0.3) < 1e-12)
    #expect(abs(seeded.energy(at: 0) + 0.09 / (2 * 0.5)) < 1e-12)
}

/// Δ_p → ∞, T = 0: the integrator's m(t) and E(t) against the exact rank-one gradient flow, below (Δ₂ = 0.5, the
/// signal is found, m → √(1 − Δ₂)) and above (Δ₂ = 2, m → 0) the BBP threshold, with the order in dt measured.
/// Δ₂ = 0.5 has μ ≈ 3 (the p = 2 part is the pure model with time scaled by 1/Δ₂), so it needs half the step of
/// Δ₂ = 2 for the asymptotic order.
@Test(arguments: [(0.5, 0.025), (2.0, 0.05)])
func spikedMatrixGradientFlowMatchesTheRankOneSolution(matrixNoise: Double, coarseStep: Double) throws {
    let model = try SpikedMatrixTensor(p: 3, matrixNoise: matrixNoise, tensorNoise: .infinity)
    let quench = try SpikedQuench(model: model, temperature: 0, initialOverlap: 0.2)
    let oracle = SpikedMatrixExactSolution(matrixNoise: matrixNoise, initialOverlap: 0.2)
    func errors(_ step: Double) throws -> (Double, Double) {
        let run = try quench.integrate(options: TwoTimeOptions(step: step, maximumTime: 4)).twoTime
        var overlap = 0.0, energy = 0.0
        for t in [0.2, 0.5, 1.0, 2.0, 4.0] {
            let row = try run.row(atTime: t)
            overlap = max(overlap, abs(run.overlap(row: row) - oracle.overlap(at: t)))
            energy = max(energy, abs(run.energy(row: row) - oracle.energy(at: t)))
        }
        return (overlap, energy)
    }
    let coarse = try errors(coarseStep), fine = try errors(coarseStep / 2)
    // Measured: Δ₂ = 0.5, h = 0.025 → 0.0125: m 2.2e-6 → 1.8e-7, E 3.9e-6 → 3.2e-7 (order 3.6);
    // Δ₂ = 2, h = 0.05 → 0.025: m 6.8e-7 → 3.6e-8, E 8.1e-7 → 7.4e-8 (order 4.2, 3.4).
    #expect(fine.0 < 1e-6 && fine.1 < 1e-6, "errors \(fine)")
    #expect(ConvergenceOrder.fit(steps: [coarseStep, coarseStep / 2], errors: [coarse.0, fine.0]) > 3.3)
    #expect(ConvergenceOrder.fit(steps: [coarseStep, coarseStep / 2], errors: [coarse.1, fine.1]) > 3.3)
}

/// The closed-form gradient-flow threshold and the BBP condition it comes from.
@Test func gradientFlowThresholdIsTheBBPConditionOfTheThresholdMinima() throws {
    #expect(abs(SpikedMatrixTensor.gradientFlowThreshold(p: 3, tensorNoise: 1) - 0.5) < 1e-15)
    #expect(SpikedMatrixTensor.gradientFlowThreshold(p: 3, tensorNoise: .infinity) == 1)
    for (p, tensorNoise) in [(3, 1.0), (3, 0.2), (4, 2.0), (5, 0.7)] {
        let star = SpikedMatrixTensor.gradientFlowThreshold(p: p, tensorNoise: tensorNoise)
        // At Δ₂* the outlier condition 1/Δ₂ = √f''(1) holds with equality; it holds strictly just below only.
        let model = try SpikedMatrixTensor(p: p, matrixNoise: star, tensorNoise: tensorNoise)
        #expect(abs(1 / star - model.mixture.secondDerivative(1).squareRoot()) < 1e-12 / star)
        #expect(try SpikedMatrixTensor(p: p, matrixNoise: star * 0.99, tensorNoise: tensorNoise).thresholdMinimaHaveOutlier)
        #expect(try !SpikedMatrixTensor(p: p, matrixNoise: star * 1.01, tensorNoise: tensorNoise).thresholdMinimaHaveOutlier)
    }
    #expect(throws: TwoTimeError.self) { try SpikedMatrixTensor(p: 2, matrixNoise: 1, tensorNoise: 1) }
    #expect(throws: TwoTimeError.self) { try SpikedMatrixTensor(p: 3, matrixNoise: 0, tensorNoise: 1) }
    #expect(throws: TwoTimeError.self) { try SpikedQuench(model: try SpikedMatrixTensor(p: 3, matrixNoise: 1, tensorNoise: 1),
                                                          temperature: 0, initialOverlap: 1.5) }
}

/// The divergence fit recovers Δ* and ν of exact power-law data, and the recovery time is the half-way crossing.
@Test func recoveryDivergenceFitRecoversAKnownPowerLaw() throws {
    let points = [0.30, 0.35, 0.40, 0.43, 0.45].map {
        SpikedThresholdScan.Point(matrixNoise: $0, recoveryTime: 3 * pow(0.5 - $0, -1.5), finalOverlap: 0.8, finalEnergy: -1, endTime: 50)
    } + [SpikedThresholdScan.Point(matrixNoise: 0.55, recoveryTime: nil, finalOverlap: 1e-5, finalEnergy: -1, endTime: 100)]
    let fit = try #require(RecoveryDivergence.fit(points))
    #expect(abs(fit.threshold - 0.5) < 1e-6 && abs(fit.exponent - 1.5) < 1e-4 && fit.points == 5)
    let time = SpikedQuenchSolution.recoveryTime(times: [0, 1, 2, 3, 4], overlaps: [0.001, 0.1, 0.5, 0.6, 0.601])
    #expect(abs(try #require(time) - (1 + 0.2005 / 0.4)) < 1e-12)
    // Too small at the end, or still rising (no final value yet): no recovery.
    #expect(SpikedQuenchSolution.recoveryTime(times: [0, 1], overlaps: [0.001, 0.05]) == nil)
    #expect(SpikedQuenchSolution.recoveryTime(times: [0, 1, 2, 3], overlaps: [0.001, 0.1, 0.5, 0.6]) == nil)
}

/// Checkpoint and resume of a spiked run give the same bits (m is stored in the checkpoint).
@Test func spikedCheckpointResumesBitIdentically() throws {
    let model = try SpikedMatrixTensor(p: 3, matrixNoise: 0.4, tensorNoise: 1)
    let quench = try SpikedQuench(model: model, temperature: 0, initialOverlap: 0.05)
    let options = TwoTimeOptions(step: 0.05, maximumTime: 2)
    let whole = try quench.integrate(options: options)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("spiked-\(UUID().uuidString).bin").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let first = try quench.integrator(options: options)
    try first.advance(stopAfterSteps: 17)
    try first.writeCheckpoint(to: path)
    let second = try quench.integrator(options: options)
    try second.restore(from: path)
    try second.advance()
    #expect(second.solution.overlaps == whole.twoTime.overlaps)
    #expect(second.energies == whole.twoTime.energies)
    let other = try SpikedQuench(model: model, temperature: 0, initialOverlap: 0.06).integrator(options: options)
    #expect(throws: TwoTimeError.self) { try other.restore(from: path) }
}
