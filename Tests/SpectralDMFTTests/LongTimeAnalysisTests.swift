import Foundation
import Testing
@testable import SpectralDMFT

/// The aging asymptote (threshold state) formulas and the fits used on long-time runs: the FD slope, the energy
/// exponent.
@Suite struct LongTimeAnalysisTests {
    @Test func thresholdStateOfThePureThreeSpinModel() throws {
        // docs/PHYSICS.md §2.5: p = 3, T = 0.4: q = 0.729638, x = 0.370543, βx = 0.926357, E_∞ = −0.944368.
        let state = try AgingAsymptote(mixture: .pure(3), temperature: 0.4)
        #expect(abs(state.plateau - 0.729638) < 1e-6)
        #expect(abs(state.breakingParameter - 0.370543) < 1e-6)
        #expect(abs(state.agingSlope - 0.926357) < 1e-6)
        #expect(abs(state.energy + 0.944368) < 1e-6)
        // Marginality β² f''(q)(1 − q)² = 1.
        let q = state.plateau
        #expect(abs(3 * q * (1 - q) * (1 - q) / 0.16 - 1) < 1e-12)
        // T = 0: the threshold energy −2/√3 and βx → 1/√3; the limit T → 0 of the formulas is continuous.
        let zero = try AgingAsymptote(mixture: .pure(3), temperature: 0)
        #expect(abs(zero.energy + 2 / 3.0.squareRoot()) < 1e-15)
        #expect(abs(zero.agingSlope - 1 / 3.0.squareRoot()) < 1e-15)
        let cold = try AgingAsymptote(mixture: .pure(3), temperature: 1e-4)
        #expect(abs(cold.energy - zero.energy) < 1e-3 && abs(cold.agingSlope - zero.agingSlope) < 1e-3)
        // Above T_d = √(3/8), and for p = 2, there is no such state.
        #expect(throws: TwoTimeError.self) { _ = try AgingAsymptote(mixture: .pure(3), temperature: 0.62) }
        #expect(throws: TwoTimeError.self) { _ = try AgingAsymptote(mixture: .pure(2), temperature: 0.5) }
        _ = try AgingAsymptote(mixture: .pure(3), temperature: 0.61)
    }

    @Test func lineFitRecoversAnExactLineAndItsScatter() throws {
        let xs = (0..<10).map(Double.init)
        let exact = try #require(LineFit(xs, xs.map { 2 - 0.5 * $0 }))
        #expect(abs(exact.slope + 0.5) < 1e-14 && abs(exact.intercept - 2) < 1e-14 && exact.slopeError < 1e-14)
        let noisy = try #require(LineFit(xs, xs.enumerated().map { 2 - 0.5 * $0.element + ($0.offset % 2 == 0 ? 0.1 : -0.1) }))
        #expect(abs(noisy.slope + 0.5) < 3 * noisy.slopeError && noisy.slopeError > 0)
        #expect(LineFit([1, 1, 1], [1, 2, 3]) == nil)
    }

    @Test func energyExponentOfThePureTwoSpinQuenchMatchesTheClosedForm() throws {
        // p = 2, T = 0: E − E_th = −I₀(4t)/I₁(4t) + 1/(2t) + 1 → 3/(8t), α → 1.
        let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: .pure(2), temperature: 0),
                                              options: LongTimeOptions(blockSize: 64, maximumTime: 32))
        let solution = try solver.solve()
        let fit = try #require(solution.energyPowerLaw(asymptote: -1, from: 4, to: 32))
        let times = solution.samples.map(\.time).filter { $0 >= 4 && $0 <= 32 }
        let exact = try #require(LineFit(times.map { log($0) },
                                         times.map { log(PureTwoSpinExactSolution.zeroTemperatureEnergy(at: $0) + 1) }))
        #expect(fit.points == times.count && fit.points > 40)
        #expect(abs(exact.slope + 1) < 0.05)        // α ≈ 1 already on [4, 32]
        // Measured 0.027 at M = 64: the scheme's error in E (≈ 3e-4) against E − E_th ≈ 1e-2 at t = 32.
        #expect(abs(fit.slope - exact.slope) < 0.04, "α = \(-fit.slope), closed form \(-exact.slope)")
    }

    @Test func fluctuationDissipationSlopeAboveTdIsMinusBeta() throws {
        // T = 0.8 > T_d: after t_w = 16 the dynamics is close to equilibrium and FDT gives dχ/dC = −β = −1.25.
        let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: .pure(3), temperature: 0.8),
                                              options: LongTimeOptions(blockSize: 64, maximumTime: 64, waitingTimes: [16]))
        solver.strict = false  // at T > T_d and M = 64, E rises by ≈ 1e-3 near t = 17 (docs/PHYSICS.md §2.8)
        let solution = try solver.solve()
        let cut = try #require(solution.waitingCuts.first)
        let fit = try #require(cut.fluctuationDissipationSlope(correlations: 0.1...0.9))
        #expect(fit.points >= 5)
        #expect(abs(fit.slope + 1.25) < 0.05, "slope \(fit.slope)")
    }
}
