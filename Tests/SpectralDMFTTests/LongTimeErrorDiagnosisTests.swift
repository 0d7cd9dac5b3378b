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

    /// The same quadrature for p = 3 on the uniform order-4 integrator's values (dt = 1/16, t = 12): E by the
    /// trapezoid rule in χ on a coarse subgrid of step h, with the first interval near the diagonal and/or near
    /// t' = 0 taken on the fine grid instead.
    static func threeSpinEnergyQuadratureErrors(T: Double, coarse: Int) throws -> (plain: Double, diagonal: Double, initial: Double, both: Double) {
        let u = try PSpinQuench(mixture: .pure(3), temperature: T).integrate(options: TwoTimeOptions(step: 1.0 / 16, maximumTime: 12))
        let last = u.lastRow, base = u.rowsAfterQuench.lowerBound, n = last - base
        func interval(_ a: Int, _ b: Int) -> Double {
            let ca = u.correlation(row: last, column: a), cb = u.correlation(row: last, column: b)
            return -0.75 * (ca * ca + cb * cb) * (u.susceptibility(row: last, from: a) - u.susceptibility(row: last, from: b))
        }
        func energy(diagonal: Bool, initial: Bool) -> Double {
            let low = initial ? coarse : 0, high = diagonal ? n - coarse : n
            var e = 0.0
            for k in 0..<low { e += interval(base + k, base + k + 1) }
            for k in high..<n { e += interval(base + k, base + k + 1) }
            for k in stride(from: low, to: high, by: coarse) { e += interval(base + k, base + k + coarse) }
            return e - u.energy(row: last)
        }
        return (energy(diagonal: false, initial: false), energy(diagonal: true, initial: false),
                energy(diagonal: false, initial: true), energy(diagonal: true, initial: true))
    }

    @Test func threeSpinEnergyQuadratureNeedsBothLayers() throws {
        // h = 1/2 (8 fine steps). T = 0: the initial layer carries the error; T = 0.4: mostly the diagonal layer.
        // Measured: T = 0 plain −9.1e-4, diagonal fine −9.7e-4, initial fine 5.8e-5, both −3.4e-6;
        //           T = 0.4 plain −1.05e-3, diagonal fine −2.6e-4, initial fine −8.5e-4, both −5.9e-5.
        let cold = try Self.threeSpinEnergyQuadratureErrors(T: 0, coarse: 8)
        let warm = try Self.threeSpinEnergyQuadratureErrors(T: 0.4, coarse: 8)
        #expect(abs(cold.plain) > 5e-4 && abs(warm.plain) > 5e-4)
        #expect(abs(cold.initial) < 0.2 * abs(cold.plain) && abs(cold.diagonal) > 0.8 * abs(cold.plain))
        #expect(abs(warm.diagonal) < 0.35 * abs(warm.plain) && abs(warm.initial) > 0.6 * abs(warm.plain))
        #expect(abs(cold.both) < 0.15 * abs(cold.plain) && abs(warm.both) < 0.15 * abs(warm.plain))
    }
}
