import Foundation
import Testing
@testable import SpectralDMFT

/// The decimating long-time integrator against the exact p = 2 solution, the uniform-grid integrator (p = 3) and
/// its own run at twice the block size. Tolerances are the measured errors of these small blocks (second-order
/// scheme in 1/M) with a margin of about 1.5.
@Suite struct LongTimeQuenchTests {
    static func run(_ mixture: PSpinMixture, T: Double, M: Int, tMax: Double, waitingTimes: [Double] = [],
                    strict: Bool = true, flagTolerance: Double = 1e-3, threads: Int? = nil) throws -> LongTimeQuenchSolution {
        let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: mixture, temperature: T),
                                              options: LongTimeOptions(blockSize: M, maximumTime: tMax, waitingTimes: waitingTimes))
        solver.strict = strict
        solver.flagTolerance = flagTolerance
        if let threads { solver.threads = threads }
        return try solver.solve()
    }

    @Test func pureTwoSpinAtZeroTemperatureFollowsTheClosedFormAndConvergesInM() throws {
        let coarse = try Self.run(.pure(2), T: 0, M: 32, tMax: 50)
        let fine = try Self.run(.pure(2), T: 0, M: 64, tMax: 50)
        var worstCoarse = 0.0, worstFine = 0.0, worstBar = 0.0
        for t in [0.25, 1, 4, 16, 50.0] {
            let exact = PureTwoSpinExactSolution.zeroTemperatureEnergy(at: t)
            let e32 = try #require(coarse.sample(at: t)).energy, e64 = try #require(fine.sample(at: t)).energy
            worstCoarse = max(worstCoarse, abs(e32 - exact))
            worstFine = max(worstFine, abs(e64 - exact))
            // The error bar (difference to the run at 2M, doubled) covers the true error of the coarse run.
            #expect(abs(e32 - exact) <= 2 * abs(e32 - e64) + 1e-9, "t = \(t)")
            worstBar = max(worstBar, abs(e32 - e64))
        }
        #expect(worstFine < 1e-3)            // a few 1e-4 at t = 50
        #expect(worstCoarse / worstFine > 2)  // measured ≈ 2.3–2.8 per doubling of M at late t
        #expect(coarse.flags.violations.isEmpty && fine.flags.violations.isEmpty)
        #expect(coarse.largestEnergyDifference(to: fine).value >= worstBar)
    }

    @Test func pureTwoSpinAtFiniteTemperatureMatchesTheExactSolution() throws {
        let exact = PureTwoSpinExactSolution(temperature: 0.5, maximumTime: 16, step: 1.0 / 64)
        let solution = try Self.run(.pure(2), T: 0.5, M: 64, tMax: 16)
        var worst = 0.0
        for t in [0.5, 1, 2, 4, 8, 16.0] {
            worst = max(worst, abs(try #require(solution.sample(at: t)).energy - exact.energy(at: t)))
        }
        #expect(worst < 7e-4)  // measured 4.9e-4 (t = 16)
        #expect(worst > 1e-6)  // the scheme's error is visible here: the check is not vacuous
    }

    @Test func threeSpinAgreesWithTheUniformIntegrator() throws {
        for T in [0.0, 0.4] {
            let uniform = try PSpinQuench(mixture: .pure(3), temperature: T)
                .integrate(options: TwoTimeOptions(step: 0.0625, maximumTime: 16))
            let solution = try Self.run(.pure(3), T: T, M: 64, tMax: 16, waitingTimes: [2])
            var energy = 0.0, correlation = 0.0
            for t in [0.5, 1, 2, 4, 8, 16.0] {
                let row = try uniform.row(atTime: t)
                energy = max(energy, abs(try #require(solution.sample(at: t)).energy - uniform.energy(row: row)))
            }
            let cut = try #require(solution.waitingCuts.first)
            #expect(cut.waitingTime == 2)
            #expect(cut.times.count > 20)
            let column = try uniform.row(atTime: cut.waitingTime)
            for (k, t) in cut.times.enumerated() {
                correlation = max(correlation, abs(cut.correlation[k] - uniform.correlation(row: try uniform.row(atTime: t), column: column)))
            }
            #expect(energy < 2e-3, "T = \(T)")       // about 1e-3 at M = 64 (second order in 1/M)
            #expect(correlation < 1.3e-2, "T = \(T)")  // about 5e-3–8e-3 at M = 64
        }
    }

    @Test func zeroTemperatureEnergyDecreasesAndStaysAboveTheThreshold() throws {
        let solution = try Self.run(.pure(3), T: 0, M: 64, tMax: 64)
        let threshold = try #require(try LongTimeQuench(mixture: .pure(3), temperature: 0).thresholdEnergy)
        #expect(abs(threshold + 2 / 3.0.squareRoot()) < 1e-15)
        #expect(try #require(solution.flags.largestEnergyRise) <= 0)
        #expect(solution.flags.largestCorrelationExcess <= 1e-12)
        let last = try #require(solution.samples.last)
        #expect(last.energy > threshold && last.energy < threshold + 0.05)
    }

    @Test func finiteTemperatureEnergyApproachesTheThresholdStateWithoutDrift() throws {
        // T = 0.4 to t = 4096 at M = 64: once the step exceeds the fast time, the diagonal interval spans the decay of
        // C from 1 to the plateau, where the trapezoid rule in χ (earlier versions) was off by O((1 − q)³) and E drifted
        // upward (rise 2.5e-3, E(4096) − E_∞ = 1.4e-2). The χ-linear rule: rise 1.3e-3, E − E_∞ = 5.3e-3 (measured).
        let solution = try Self.run(.pure(3), T: 0.4, M: 64, tMax: 4096, strict: false)
        let asymptote = try AgingAsymptote(mixture: .pure(3), temperature: 0.4)
        let gap = try #require(solution.samples.last).energy - asymptote.energy
        #expect(gap > 0 && gap < 7e-3)
        #expect(try #require(solution.flags.largestEnergyRise) < 1.8e-3)
    }

    @Test func impossibleOutputIsRefusedInStrictMode() throws {
        // At M = 64 the p = 2, T = 0 run to t = 200 shows an energy rise above 1e-6 (the scheme's error near a
        // doubling): strict mode refuses it, non-strict mode reports it.
        #expect(throws: TwoTimeError.self) { _ = try Self.run(.pure(2), T: 0, M: 64, tMax: 200, flagTolerance: 1e-6) }
        let lenient = try Self.run(.pure(2), T: 0, M: 64, tMax: 200, strict: false, flagTolerance: 1e-6)
        #expect(try #require(lenient.flags.largestEnergyRise) > 1e-6)
        #expect(lenient.flags.violations.contains { $0.hasPrefix("E(t) rises") })
    }

    @Test func memoryIsIndependentOfTheHorizonAndTheBitsOfTheThreadCount() throws {
        let quench = try LongTimeQuench(mixture: .pure(3), temperature: 0.4)
        let short = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: 128, maximumTime: 10))
        let long = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: 128, maximumTime: 1e5))
        #expect(short.memoryBytes == long.memoryBytes)
        let one = try Self.run(.pure(3), T: 0.4, M: 32, tMax: 8, threads: 1)
        let two = try Self.run(.pure(3), T: 0.4, M: 32, tMax: 8, threads: 2)
        #expect(one.samples == two.samples)
        // t doubles per block: log₂(t_max / (M h₀)) doublings.
        #expect(one.doublings == Int((log2(8 / (32 * 0x1p-30))).rounded(.up)))
    }

    @Test func invalidOptionsAreRefused() throws {
        let quench = try LongTimeQuench(mixture: .pure(3), temperature: 0)
        #expect(throws: TwoTimeError.self) { _ = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: 15, maximumTime: 10)) }
        #expect(throws: TwoTimeError.self) { _ = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: 64, maximumTime: -1)) }
        #expect(throws: TwoTimeError.self) { _ = try LongTimeQuench(mixture: .pure(3), temperature: -0.1) }
        let options = LongTimeOptions(blockSize: 64, maximumTime: 10)
        #expect(options.gridWaitingTime(near: 1000) == 1024)
    }
}
