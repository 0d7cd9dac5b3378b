import Foundation
import SpectralDMFT

/// The equilibrium start of the long-time engine (`LongTimeQuench.initialTemperature`, docs/PHYSICS.md §2.8),
/// p = 3 (T_d ≈ 0.612), release build, a few seconds:
///
/// 1. T' = T = 0.8 at M = 64 and 128 to t = 64: the run must be stationary. max |E(t) − E_eq| for t ≤ 4 (step
///    small against τ_α ≈ 5; second order in 1/M) and its ratio per doubling of M; max |C(t_w + τ, t_w) − C_eq(τ)|
///    for τ ≤ 8 at t_w = 1 against the equilibrium solver; and at t_w = 32 (step 0.5–1, a regression bound: the
///    block-doubling grid no longer resolves τ_α well, as for the random start).
/// 2. A quench T' = 1.0 → T = 0.8 at M = 128: E(0) = −β'f(1) exactly, and E(t) for t ≤ 32 against the uniform
///    integrator started from an explicit equilibrium history at T' (`QuenchStart.equilibrium`, dt = 1/16): an
///    independent route to the same initial condition.
extension LongTimeValidation {
    static func equilibriumStart(_ record: (ValidationCheck) -> Void) throws {
        let mixture = try PSpinMixture.pure(3)
        let equilibrium = try PSpinEquilibrium(mixture: mixture, temperature: 0.8)
        let reference = try DoublingSolver(options: DoublingOptions(blockSize: 4096)).solve(equilibrium)
        func run(T: Double, start: Double, M: Int, tMax: Double, waitingTimes: [Double]) throws -> (LongTimeQuenchSolution, Double) {
            let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: mixture, temperature: T, initialTemperature: start),
                                                  options: LongTimeOptions(blockSize: M, maximumTime: tMax, waitingTimes: waitingTimes))
            solver.strict = false
            var solution: LongTimeQuenchSolution?
            let seconds = try Timing.seconds { solution = try solver.solve() }
            return (solution!, seconds)
        }
        func cutError(_ cut: LongTimeWaitingCut, lags: Double) -> Double {
            var worst = 0.0
            for (k, t) in cut.times.enumerated() where t > cut.waitingTime && t - cut.waitingTime <= lags {
                worst = max(worst, abs(cut.correlation[k] - reference.correlation(atLag: t - cut.waitingTime)))
            }
            return worst
        }
        var energy: [Double] = [], early: [Double] = [], late: [Double] = [], seconds = 0.0
        for M in [64, 128] {
            let (solution, s) = try run(T: 0.8, start: 0.8, M: M, tMax: 64, waitingTimes: [1, 32])
            seconds += s
            energy.append(solution.samples.filter { $0.time <= 4 }.map { abs($0.energy - equilibrium.energy) }.max()!)
            early.append(cutError(solution.waitingCuts[0], lags: 8))
            late.append(cutError(solution.waitingCuts[1], lags: 32))
        }
        record(ValidationCheck(area: area, name: "p = 3, T' = T = 0.8: max |E(t) − E_eq|, t ≤ 4, M = 128",
                               measured: energy[1], limit: 2.5e-5, passed: energy[1] <= 2.5e-5,
                               detail: String(format: "M = 64: %.2e, ratio %.2f (second order: 4); %.1f s for both M",
                                              energy[0], energy[0] / energy[1], seconds)))
        record(ValidationCheck(area: area, name: "p = 3, T' = T = 0.8: E error ratio per doubling of M (≥ 3)",
                               measured: energy[0] / energy[1], limit: 3, passed: energy[0] / energy[1] >= 3,
                               detail: "M = 64 vs 128, t ≤ 4"))
        record(ValidationCheck(area: area, name: "p = 3, T' = T = 0.8: max |C(1+τ, 1) − C_eq(τ)|, τ ≤ 8, M = 128",
                               measured: early[1], limit: 1.3e-3, passed: early[1] <= 1.3e-3,
                               detail: String(format: "M = 64: %.2e; C_eq from DoublingSolver", early[0])))
        record(ValidationCheck(area: area, name: "p = 3, T' = T = 0.8: max |C(32+τ, 32) − C_eq(τ)|, τ ≤ 32, M = 128",
                               measured: late[1], limit: 0.05, passed: late[1] <= 0.05,
                               detail: String(format: "M = 64: %.2e; regression bound (step 0.5–1 at t_w = 32, τ_α ≈ 5)", late[0])))

        let (quench, s) = try run(T: 0.8, start: 1.0, M: 128, tMax: 32, waitingTimes: [])
        let initial = quench.samples[0].energy + mixture.f(1) / 1.0
        record(ValidationCheck(area: area, name: "p = 3, T' = 1 → T = 0.8: |E(0) + β'f(1)|", measured: abs(initial),
                               limit: 1e-14, passed: abs(initial) <= 1e-14, detail: "the start's equilibrium energy at T' = 1"))
        let uniform = try PSpinQuench(mixture: mixture, temperature: 0.8, start: .equilibrium(temperature: 1.0))
            .integrate(options: TwoTimeOptions(step: 0.0625, maximumTime: 32))
        var worst = 0.0
        for t in [0.25, 0.5, 1, 2, 4, 8, 16, 32.0] {
            guard let sample = quench.sample(at: t) else { continue }
            worst = max(worst, abs(sample.energy - uniform.energy(row: try uniform.row(atTime: t))))
        }
        let last = quench.samples.last!.energy
        record(ValidationCheck(area: area, name: "p = 3, T' = 1 → T = 0.8: max |E − E_uniform|, t ≤ 32, M = 128",
                               measured: worst, limit: 2.5e-3, passed: worst <= 2.5e-3,
                               detail: String(format: "uniform: equilibrium history at T', dt = 1/16; E(32) = %.6f (E_eq(0.8) = −0.625); %.1f s; the engine's error once h ≈ 0.5 (as from a random start)",
                                              last, s)))
    }
}
