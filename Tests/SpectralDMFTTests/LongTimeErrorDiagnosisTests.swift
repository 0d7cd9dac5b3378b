import Foundation
import Testing
@testable import SpectralDMFT

/// Where the block-doubling integrator's error sits (docs/PHYSICS.md §2.8, "Band scheme: status"), measured on the
/// exact p = 2, T = 0 solution: the closed-form two-time functions, the energy quadrature of the coarse grid applied
/// to exact values, and the solver with exact near-diagonal values injected.
@Suite struct LongTimeErrorDiagnosisTests {
    typealias Exact = PureTwoSpinZeroTemperatureOracle

    @Test func closedFormTwoTimeFunctionsMatchTheTabulatedExactSolution() throws {
        let table = PureTwoSpinExactSolution(temperature: 0, maximumTime: 8, step: 1.0 / 256)
        var worst = 0.0
        for (t, tp) in [(1.0, 0.5), (4.0, 3.0), (8.0, 7.75), (8.0, 0.0)] {
            worst = max(worst, abs(Exact.correlation(t, tp) - table.correlation(t, tp)),
                        abs(Exact.response(t, lag: t - tp) - table.response(t, tp)))
        }
        #expect(worst < 1e-12)
        // χ(t, t − τ) by the oracle's quadrature against Simpson's rule on the table's R (512 intervals of 1/256).
        let oracle = Exact(lags: 1)
        let chi = oracle.values(time: 8, lag: 2).susceptibility
        var simpson = 0.0
        for k in 0...512 {
            let weight = k == 0 || k == 512 ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)
            simpson += weight * table.response(8, 8 - Double(k) / 256)
        }
        simpson /= 3 * 256
        #expect(abs(chi - simpson) < 1e-10)  // Simpson's own O(δ⁴) error is ~1e-11 here
        #expect(abs(Exact.correlation(5, 5) - 1) < 1e-14)
    }

    /// E(t) = ∫_0^t f'(C(t,s)) d_sχ(t,s) by the scheme's trapezoid rule in the χ parametrisation, on exact grid values
    /// at step h = t/i, with the lags [0, band] (near the diagonal) or the times [0, early] (near t' = 0) integrated
    /// exactly instead.
    static func energyQuadratureError(t: Double, rows i: Int, diagonalIntervals: Int = 0, initialIntervals: Int = 0) -> Double {
        let oracle = Exact(lags: 1)
        let h = t / Double(i)
        var c = [1.0], x = [0.0]
        for k in 1...i {
            x.append(x[k - 1] + oracle.integrate(h) { Exact.response(t, lag: Double(k - 1) * h + $0) })
            c.append(Exact.correlation(t, t - Double(k) * h))
        }
        var energy = 0.0
        if diagonalIntervals > 0 {
            energy -= oracle.integrate(Double(diagonalIntervals) * h) { Exact.correlation(t, t - $0) * Exact.response(t, lag: $0) }
        }
        if initialIntervals > 0 {
            energy -= oracle.integrate(Double(initialIntervals) * h) { Exact.correlation(t, $0) * Exact.response(t, lag: t - $0) }
        }
        for k in (diagonalIntervals + 1)...(i - initialIntervals) {
            energy -= 0.5 * (c[k] + c[k - 1]) * (x[k] - x[k - 1])
        }
        return energy - PureTwoSpinExactSolution.zeroTemperatureEnergy(at: t)
    }

    @Test func energyQuadratureIsFirstOrderBecauseOfTheInitialLayerNotTheDiagonal() {
        let t = 1024.0
        let plain = [48, 96].map { Self.energyQuadratureError(t: t, rows: $0) }
        let diagonal = [48, 96].map { Self.energyQuadratureError(t: t, rows: $0, diagonalIntervals: 1) }
        let initial = [48, 96].map { Self.energyQuadratureError(t: t, rows: $0, initialIntervals: 1) }
        // Measured (h = 21.3, 10.7): plain −2.04e-4, −9.86e-5; diagonal interval exact −2.37e-4, −1.06e-4;
        // initial interval exact 3.33e-5, 4.64e-6.
        #expect(abs(plain[1]) > 5e-5 && abs(plain[0] / plain[1]) < 2.5)        // first order
        #expect(abs(diagonal[1]) > 5e-5 && abs(diagonal[0] / diagonal[1]) < 2.5)  // a fine diagonal band: no gain
        #expect(abs(initial[1]) < 1e-5 && abs(initial[0] / initial[1]) > 4)     // the initial layer was the error
    }

    @Test func exactNearDiagonalValuesRemoveOnlyPartOfTheSolverError() throws {
        func error(lags: Int) throws -> Double {
            let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: .pure(2), temperature: 0),
                                                  options: LongTimeOptions(blockSize: 32, maximumTime: 64, tolerance: 1e-11))
            if lags > 0 { solver.nearDiagonalOracle = Exact(lags: lags) }
            let solution = try solver.solve()
            return try #require(solution.sample(at: 64)).energy - PureTwoSpinExactSolution.zeroTemperatureEnergy(at: 64)
        }
        let carried = try error(lags: 0), pinnedFirst = try error(lags: 1), pinnedFour = try error(lags: 4)
        // Measured at M = 32, t = 64: 1.48e-3 (carried), 8.35e-4 (lag h and means exact), 3.58e-4 (lags ≤ 4h exact).
        #expect(carried > 1.2e-3 && carried < 1.8e-3)
        #expect(pinnedFirst > 0.4 * carried && pinnedFirst < 0.7 * carried)
        #expect(pinnedFour > 0.15 * carried && pinnedFour < 0.35 * carried)
    }
}
