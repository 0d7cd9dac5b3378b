import Foundation
import SpectralDMFT

/// The two-time checks of issue 4 at production resolution (release build: about two minutes on two cores).
///
/// 1. p = 2 against the exact Cugliandolo–Dean solution at T = 0 and 0.5: errors of E, C, R at dt = 0.04, 0.02,
///    0.01 up to t = 10, the fitted order (expect 4), and E(10) at dt = 0.01 (within 1e-4).
/// 2. p = 3 quench to T = 1: C(t_w+τ, t_w) at t_w = 40 against the equilibrium C(τ) of `DoublingSolver` for τ ≤ 10,
///    E(50) against −0.5, and R = β ∂_{t'}C.
/// 3. p = 3 quenches to T = 0 and 0.4 up to t = 200: the gap E(t) − E_∞ (E_th at T = 0) and its decay exponent,
///    and the fluctuation–dissipation slopes −β (C > q) and −βx (C < q) at t_w = 100 within 5%.
/// 4. Network g = 2, σ = 0 and 0.5 (tanh): Δ(t_w+τ, t_w) at t_w = 150 against the stationary Δ(τ) within 1e-4,
///    and the order of the network integrator.
/// 5. A run stopped halfway, checkpointed and resumed ends with the same bits.
enum TwoTimeValidation {
    static let area = "two-time"

    static func run(_ record: (ValidationCheck) -> Void) throws {
        try pureTwoSpin(record)
        try highTemperatureQuench(record)
        for temperature in [0.0, 0.4] { try agingQuench(temperature: temperature, record) }
        try network(record)
        try checkpoint(record)
    }

    // MARK: - p = 2 exact solution

    static func pureTwoSpin(_ record: (ValidationCheck) -> Void) throws {
        let mixture = try PSpinMixture.pure(2)
        let steps = [0.04, 0.02, 0.01]
        for temperature in [0.0, 0.5] {
            let exact = PureTwoSpinExactSolution(temperature: temperature, maximumTime: 10)
            var errors: [[Double]] = []   // [E, C, R] per step
            var finalEnergyError = 0.0
            for step in steps {
                let integrator = try PSpinQuenchIntegrator(mixture: mixture, temperature: temperature,
                                                           options: TwoTimeOptions(step: step, maximumTime: 10))
                try integrator.advance()
                let solution = integrator.solution
                let (energy, correlation, response) = try exact.largestDeviations(
                    of: solution, times: Array(stride(from: 1.0, through: 10, by: 1)), earlier: [1, 2, 5, 8])
                finalEnergyError = abs(solution.energy(row: solution.lastRow) - exact.energy(at: 10))
                errors.append([energy, correlation, response])
            }
            let names = ["E", "C", "R"]
            for q in 0..<3 {
                let order = ConvergenceOrder.fit(steps: steps, errors: errors.map { $0[q] })
                let detail = "errors " + errors.map { String(format: "%.2e", $0[q]) }.joined(separator: ", ")
                    + " at dt = 0.04, 0.02, 0.01 (t ≤ 10); fitted order " + String(format: "%.2f", order)
                record(ValidationCheck(area: area, name: "p = 2, T = \(temperature): order of \(names[q]) (expect 4)",
                                       measured: abs(order - 4), limit: 0.5, passed: abs(order - 4) <= 0.5, detail: detail))
            }
            record(ValidationCheck(area: area, name: "p = 2, T = \(temperature): |E(10) − exact| at dt = 0.01",
                                   measured: finalEnergyError, limit: 1e-4, passed: finalEnergyError <= 1e-4,
                                   detail: "exact E(10) = \(exact.energy(at: 10))"))
        }
    }

    // MARK: - p = 3 above T_d

    static func highTemperatureQuench(_ record: (ValidationCheck) -> Void) throws {
        let mixture = try PSpinMixture.pure(3)
        let integrator = try PSpinQuenchIntegrator(mixture: mixture, temperature: 1,
                                                   options: TwoTimeOptions(step: 0.025, maximumTime: 50))
        let seconds = try Timing.seconds { try integrator.advance() }
        let solution = integrator.solution
        let equilibrium = try DoublingSolver(options: DoublingOptions(blockSize: 4096)).solve(PSpinEquilibrium(mixture: mixture, temperature: 1))
        let j = try solution.row(atTime: 40)
        let beta = 1.0
        var correlationError = 0.0, fdtError = 0.0
        for i in j...(try solution.row(atTime: 50)) {
            let lag = solution.time(ofRow: i) - 40
            correlationError = max(correlationError, abs(solution.correlation(row: i, column: j)
                - (lag == 0 ? 1 : equilibrium.correlation(atLag: lag))))
            if lag >= 0.1 {
                fdtError = max(fdtError, abs(solution.response(row: i, column: j)
                    - beta * solution.correlationSlopeInEarlierTime(row: i, column: j)))
            }
        }
        record(ValidationCheck(area: area, name: "p = 3, T = 1: max |C(40+τ,40) − C_eq(τ)|, τ ≤ 10",
                               measured: correlationError, limit: 1e-3, passed: correlationError <= 1e-3,
                               detail: "dt = 0.025, 2000 steps in " + String(format: "%.1f s", seconds)
                                   + "; C_eq from DoublingSolver (block 4096)"))
        let energyGap = abs(solution.energy(row: solution.lastRow) + 0.5)
        record(ValidationCheck(area: area, name: "p = 3, T = 1: |E(50) + 0.5|", measured: energyGap, limit: 1e-4,
                               passed: energyGap <= 1e-4, detail: "E(50) = \(solution.energy(row: solution.lastRow))"))
        record(ValidationCheck(area: area, name: "p = 3, T = 1: max |R − β ∂_t'C| at t' = 40, 0.1 ≤ τ ≤ 10",
                               measured: fdtError, limit: 1e-3, passed: fdtError <= 1e-3,
                               detail: "∂_t'C from the order-4 interpolant along the row"))
    }

    // MARK: - Aging below T_d

    /// q and βx of the aging state of pure p at temperature T (docs/PHYSICS.md §2); T = 0 as the limit.
    static func agingParameters(p: Int, temperature: Double) -> (plateau: Double, slope: Double, energy: Double) {
        let degree = Double(p), scale = degree * (degree - 1) / 2
        if temperature == 0 {
            return (1, (degree - 2) / scale.squareRoot(), -(2 * (degree - 1) / degree).squareRoot())
        }
        // (p(p−1)/2) q^{p−2} (1−q)² = T² on the branch q > (p−2)/p (where the left side decreases).
        var low = (degree - 2) / degree, high = 1.0
        for _ in 0..<200 {
            let q = 0.5 * (low + high)
            let value = scale * pow(q, degree - 2) * (1 - q) * (1 - q)
            if value > temperature * temperature { low = q } else { high = q }
        }
        let q = 0.5 * (low + high)
        let x = (degree - 2) * (1 - q) / q
        let beta = 1 / temperature
        return (q, beta * x, -(beta / 2) * (1 - (1 - x) * pow(q, degree)))
    }

    static func agingQuench(temperature: Double, _ record: (ValidationCheck) -> Void) throws {
        let mixture = try PSpinMixture.pure(3)
        let integrator = try PSpinQuenchIntegrator(mixture: mixture, temperature: temperature,
                                                   options: TwoTimeOptions(step: 0.05, maximumTime: 200))
        let seconds = try Timing.seconds { try integrator.advance() }
        let solution = integrator.solution
        let (q, agingSlope, limitEnergy) = agingParameters(p: 3, temperature: temperature)
        let label = temperature == 0 ? "E_th" : "E_∞"
        let gap100 = solution.energy(row: try solution.row(atTime: 100)) - limitEnergy
        let gap200 = solution.energy(row: solution.lastRow) - limitEnergy
        let exponent = log(gap100 / gap200) / log(2)
        record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): E(200) − \(label) (> 0, shrinking)",
                               measured: gap200, limit: 0.02, passed: gap200 > 0 && gap200 < gap100 && gap200 <= 0.02,
                               detail: String(format: "%@ = %.6f, E(100) − %@ = %.5f, E(200) − %@ = %.5f, gap ∝ t^−%.3f (t = 100…200); dt = 0.05, 4000 steps in %.1f s",
                                              label, limitEnergy, label, gap100, label, gap200, exponent, seconds)))
        // FD plot at t_w = 100: χ(t, t_w) against C(t, t_w), t_w ≤ t ≤ 200.
        let j = try solution.row(atTime: 100)
        var points: [(Double, Double)] = []
        for i in j...solution.lastRow {
            points.append((solution.correlation(row: i, column: j), solution.susceptibility(row: i, from: j)))
        }
        let smallest = points.map(\.0).min()!
        let aging = linearSlope(points.filter { $0.0 >= smallest && $0.0 <= q - 0.1 })
        let agingError = abs(-aging / agingSlope - 1)
        record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): FD slope −βx (C < q) at t_w = 100",
                               measured: agingError, limit: 0.05, passed: agingError <= 0.05,
                               detail: String(format: "fit over C ∈ [%.3f, %.3f]: %.4f, theory −βx = %.4f (q = %.4f)",
                                              smallest, q - 0.1, aging, -agingSlope, q)))
        if temperature > 0 {
            let stationary = linearSlope(points.filter { $0.0 >= q + 0.5 * (1 - q) && $0.0 <= 1 - 0.05 * (1 - q) })
            let beta = 1 / temperature
            let stationaryError = abs(-stationary / beta - 1)
            record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): FD slope −β (C > q) at t_w = 100",
                                   measured: stationaryError, limit: 0.05, passed: stationaryError <= 0.05,
                                   detail: String(format: "fit over C ∈ [%.3f, %.3f]: %.4f, theory −β = %.4f",
                                                  q + 0.5 * (1 - q), 1 - 0.05 * (1 - q), stationary, -beta)))
        }
    }

    /// Least-squares slope dy/dx of points (x, y) (a straight line, not a power law; NaN below three points).
    static func linearSlope(_ points: [(Double, Double)]) -> Double {
        guard points.count >= 3 else { return .nan }
        let n = Double(points.count)
        let mx = points.map(\.0).reduce(0, +) / n, my = points.map(\.1).reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for (x, y) in points { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return sxy / sxx
    }

    // MARK: - Network

    static func network(_ record: (ValidationCheck) -> Void) throws {
        for sigma in [0.0, 0.5] {
            let model = try NetworkModel(coupling: 2, noise: sigma, nonlinearity: .tanh)
            let stationary = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model),
                                                         options: IterationOptions(tolerance: 1e-12)).solve(model)
            let integrator = try NetworkTransientIntegrator(model: model, initialVariance: 1,
                                                            options: TwoTimeOptions(step: 0.05, maximumTime: 160),
                                                            waitingTimes: [50, 100, 150])
            let seconds = try Timing.seconds { try integrator.advance() }
            let deviations = (0..<3).map { index -> Double in
                let (_, values) = integrator.recordedColumn(index)
                var worst = 0.0
                for (m, value) in values.enumerated() where Double(m) * 0.05 <= 10 + 1e-9 {
                    worst = max(worst, abs(value - stationary.correlation(atLag: Double(m) * 0.05)))
                }
                return worst
            }
            record(ValidationCheck(area: area, name: "network g = 2, σ = \(sigma): max |Δ(150+τ,150) − Δ_st(τ)|, τ ≤ 10",
                                   measured: deviations[2], limit: 1e-4, passed: deviations[2] <= 1e-4,
                                   detail: String(format: "t_w = 50, 100, 150: %.2e, %.2e, %.2e; dt = 0.05, 3200 steps in %.1f s",
                                                  deviations[0], deviations[1], deviations[2], seconds)))
        }
        // Order of the network integrator (erf, g = 1.5, σ = 0.5): Δ at fixed points for dt, dt/2, dt/4.
        let model = try NetworkModel(coupling: 1.5, noise: 0.5, nonlinearity: .erf)
        func values(_ step: Double) throws -> [Double] {
            try NetworkTransientIntegrator.sampledCorrelation(model: model, initialVariance: 0.5, step: step, maximumTime: 10,
                                                              waitingTimes: [2, 5], lags: [0, 1, 2, 5])
        }
        let coarse = try values(0.1), middle = try values(0.05), fine = try values(0.025)
        let first = zip(coarse, middle).map { abs($0 - $1) }.max()!
        let second = zip(middle, fine).map { abs($0 - $1) }.max()!
        let order = ConvergenceOrder.fit(steps: [0.1, 0.05], errors: [first, second])
        record(ValidationCheck(area: area, name: "network (erf, g = 1.5, σ = 0.5): order in dt (expect 4)",
                               measured: abs(order - 4), limit: 0.5, passed: abs(order - 4) <= 0.5,
                               detail: String(format: "differences %.2e (0.1 vs 0.05), %.2e (0.05 vs 0.025): order %.2f",
                                              first, second, order)))
    }

    // MARK: - Checkpoint

    static func checkpoint(_ record: (ValidationCheck) -> Void) throws {
        let mixture = try PSpinMixture.pure(3)
        let options = TwoTimeOptions(step: 0.05, steps: 800)
        let straight = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.4, options: options)
        try straight.advance()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("checkpoint.bin").path
        let first = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.4, options: options)
        try first.advance(stopAfterSteps: 400, checkpoint: CheckpointPolicy(path: path, interval: 1e9))
        let resumed = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.4, options: options)
        try resumed.restore(from: path)
        try resumed.advance()
        var differing = 0
        let a = straight.solution, b = resumed.solution
        for i in 0...options.steps {
            if a.energy(row: i).bitPattern != b.energy(row: i).bitPattern { differing += 1 }
            for j in 0...i where a.correlation(row: i, column: j).bitPattern != b.correlation(row: i, column: j).bitPattern
                || a.response(row: i, column: j).bitPattern != b.response(row: i, column: j).bitPattern {
                differing += 1
            }
        }
        record(ValidationCheck(area: area, name: "checkpoint at step 400 of 800 and resume: differing values",
                               measured: Double(differing), limit: 0, passed: differing == 0,
                               detail: "p = 3, T = 0.4, dt = 0.05; every C, R and E compared bit for bit"))
    }
}
