import Foundation
import SpectralDMFT

/// The spiked matrix-tensor checks (docs/PHYSICS.md §2.9) at production resolution (release build).
///
/// 1. m₀ = 0 reproduces the mixed p-spin quench (p = 3, Δ_p = 1, Δ₂ = 0.5, T = 0 and 1) bit for bit up to t = 50.
/// 2. Δ_p = ∞, T = 0 against the exact rank-one gradient flow (`SpikedMatrixExactSolution`), Δ₂ = 0.5, 0.9 and 2,
///    m₀ = 0.05, t ≤ 10: the error of m and E at dt = 0.04, 0.02, 0.01 and the fitted order (expect 4).
/// 3. p = 3, Δ_p = 1, T = 0, m₀ = 1e-3, t ≤ 100: m(t) recovers below the closed-form threshold Δ₂^GF = 1/2 and
///    stays small well above it (Δ₂ = 0.7); t_rec grows with Δ₂; the finite-time divergence fit is reported.
/// 4. The long-time engine (`SpikedQuench.longTimeQuench`): m₀ = 0 reproduces the plain long-time quench bit for bit
///    (p = 3, Δ_p = 1, Δ₂ = 0.45, T = 0, M = 64, t ≤ 1e3), and the spiked matrix (Δ_p = ∞, Δ₂ = 0.5, m₀ = 1e-3,
///    T = 0) follows the exact rank-one gradient flow to t = 1e3 with an error that falls with M (M = 128, 256),
///    t_rec included.
/// 5. Above the threshold (Δ₂ = 0.7, m₀ = 1e-8, t ≤ 1e4, long-time engine): no exponential growth of m.
enum SpikedValidation {
    static let area = "spiked"

    static func run(_ record: (ValidationCheck) -> Void) throws {
        try zeroOverlap(record)
        try spikedMatrix(record)
        try threshold(record)
        try longTime(record)
        try aboveThreshold(record)
    }

    // MARK: - Above the threshold: no exponential growth of m

    /// Δ₂ = 0.7 > Δ₂^GF = 1/2: the threshold states have no unstable direction toward the signal, so the linear
    /// regime of m cannot grow exponentially; ln(m/m₀) = γ∞ t + (slower) with γ∞ ≤ 0. The local exponent
    /// α = d ln m / d ln t over [5e3, 1e4] is ≈ γ∞ t + O(1) there; α < 0.5 bounds any exponential rate by 5e-5
    /// (below the threshold, Δ₂ = 0.49, the rate is 4e-3). Measured α = 0.100 (M = 64), 0.077 (M = 256); m/m₀ grows
    /// slowly as a power law (4.8 at t = 1e4), it does not decay (docs/PHYSICS.md §2.9.1).
    static func aboveThreshold(_ record: (ValidationCheck) -> Void) throws {
        let m0 = 1e-8
        let quench = try SpikedQuench(model: try SpikedMatrixTensor(p: 3, matrixNoise: 0.7, tensorNoise: 1),
                                      temperature: 0, initialOverlap: m0).longTimeQuench
        let solver = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: 64, maximumTime: 1e4))
        solver.strict = false
        let run = try solver.solve()
        var x: [Double] = [], y: [Double] = []
        for (k, sample) in run.samples.enumerated() where sample.time >= 5e3 * (1 - 1e-12) {
            x.append(log(sample.time))
            y.append(log(abs(run.overlaps[k])))
        }
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for k in x.indices { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx) }
        let exponent = x.count >= 3 && sxx > 0 ? sxy / sxx : .nan
        let last = abs(run.overlaps[run.overlaps.count - 1])
        record(ValidationCheck(area: area, name: "long-time engine, p = 3, Δ_p = 1, Δ₂ = 0.7, T = 0: d ln m/d ln t on [5e3, 1e4]",
                               measured: exponent, limit: 0.5, passed: exponent < 0.5 && last < SpikedQuenchSolution.recoveryLevel,
                               detail: String(format: "m0 = 1e-8, M = 64: m(%.0f)/m0 = %.3f, %d rows fitted; α < 0.5 bounds an exponential rate by 5e-5",
                                              run.samples[run.samples.count - 1].time, last / m0, x.count)))
    }

    // MARK: - The long-time engine

    static func longTime(_ record: (ValidationCheck) -> Void) throws {
        let model = try SpikedMatrixTensor(p: 3, matrixNoise: 0.45, tensorNoise: 1)
        let zero = try SpikedQuench(model: model, temperature: 0, initialOverlap: 0).longTimeQuench
        let options = LongTimeOptions(blockSize: 64, maximumTime: 1000, waitingTimes: [1, 16])
        // Not strict: at M = 64 the plain run's E rises ~1e-3 above its running minimum (flags compared too).
        let spikedSolver = try LongTimeQuenchSolver(zero, options: options)
        let plainSolver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: model.mixture, temperature: 0), options: options)
        spikedSolver.strict = false
        plainSolver.strict = false
        let a = try spikedSolver.solve(), b = try plainSolver.solve()
        let same = a.samples == b.samples && a.waitingCuts == b.waitingCuts && a.lastRow.correlation == b.lastRow.correlation
            && a.lastRow.susceptibility == b.lastRow.susceptibility && a.overlaps.allSatisfy { $0 == 0 } && a.flags == b.flags
        record(ValidationCheck(area: area, name: "long-time engine, m0 = 0 (p = 3, Δ₂ = 0.45, Δ_p = 1, T = 0): differs from the plain quench",
                               measured: same ? 0 : 1, limit: 0, passed: same,
                               detail: "\(a.samples.count) rows (μ, E), cuts and the last row compared with ==, M = 64, t ≤ 1e3"))

        // Δ_p = ∞: the exact rank-one flow. m(t) crosses half its final value √(1 − Δ₂)/2 at the exact t_rec.
        let m0 = 1e-3, delta2 = 0.5
        let exact = SpikedMatrixExactSolution(matrixNoise: delta2, initialOverlap: m0)
        var low = 0.0, high = 1000.0
        let half = (1 - delta2).squareRoot() / 2
        for _ in 0..<60 { let mid = (low + high) / 2; if exact.overlap(at: mid) < half { low = mid } else { high = mid } }
        let exactRecovery = (low + high) / 2
        let quench = try SpikedQuench(model: try SpikedMatrixTensor(p: 3, matrixNoise: delta2, tensorNoise: .infinity),
                                      temperature: 0, initialOverlap: m0).longTimeQuench
        var errors: [(m: Double, recovery: Double)] = []
        for M in [128, 256] {
            let solver = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: M, maximumTime: 1000))
            solver.strict = false
            let run = try solver.solve()
            var worst = 0.0
            for (k, sample) in run.samples.enumerated() where sample.time >= 0.25 {
                worst = max(worst, abs(run.overlaps[k] - exact.overlap(at: sample.time)))
            }
            errors.append((worst, abs((run.recoveryTime ?? .infinity) - exactRecovery)))
        }
        let detail = String(format: "max |m − exact| (t ≤ 1e3) = %.2e, %.2e; |t_rec − exact %.3f| = %.3f, %.3f at M = 128, 256",
                            errors[0].m, errors[1].m, exactRecovery, errors[0].recovery, errors[1].recovery)
        record(ValidationCheck(area: area, name: "long-time engine, Δ_p = ∞, Δ₂ = 0.5, T = 0: max |m − exact| at M = 256",
                               // Measured 1.51e-2, 5.59e-3 (M = 128, 256; t_rec off by 0.194, 0.068 of 18.157):
                               // limit 1.5 × the M = 256 error, and the error must fall > 2× per doubling of M.
                               measured: errors[1].m, limit: 8e-3,
                               passed: errors[1].m <= 8e-3 && errors[0].m / errors[1].m > 2 && errors[1].recovery < errors[0].recovery,
                               detail: detail))
    }

    // MARK: - m₀ = 0

    static func zeroOverlap(_ record: (ValidationCheck) -> Void) throws {
        let model = try SpikedMatrixTensor(p: 3, matrixNoise: 0.5, tensorNoise: 1)
        let options = TwoTimeOptions(step: 0.05, maximumTime: 50)
        for temperature in [0.0, 1.0] {
            let spiked = try SpikedQuench(model: model, temperature: temperature, initialOverlap: 0).integrate(options: options).twoTime
            let plain = try PSpinQuench(mixture: model.mixture, temperature: temperature).integrate(options: options)
            var differing = 0, compared = 0
            for i in plain.rowsAfterQuench {
                for j in 0...i {
                    compared += 2
                    if spiked.correlation(row: i, column: j) != plain.correlation(row: i, column: j) { differing += 1 }
                    if spiked.response(row: i, column: j) != plain.response(row: i, column: j) { differing += 1 }
                }
                compared += 3
                if spiked.energy(row: i) != plain.energy(row: i) { differing += 1 }
                if spiked.lagrangeMultiplier(row: i) != plain.lagrangeMultiplier(row: i) { differing += 1 }
                if spiked.overlap(row: i) != 0 { differing += 1 }
            }
            record(ValidationCheck(area: area, name: "m0 = 0, p = 3, Δ₂ = 0.5, Δ_p = 1, T = \(temperature): values ≠ plain quench",
                                   measured: Double(differing), limit: 0, passed: differing == 0,
                                   detail: "\(compared) values (C, R, μ, E, m) compared with == up to t = 50, dt = 0.05"))
        }
    }

    // MARK: - Δ_p = ∞: exact rank-one gradient flow

    static func spikedMatrix(_ record: (ValidationCheck) -> Void) throws {
        let steps = [0.04, 0.02, 0.01]
        for matrixNoise in [0.5, 0.9, 2.0] {
            let model = try SpikedMatrixTensor(p: 3, matrixNoise: matrixNoise, tensorNoise: .infinity)
            let quench = try SpikedQuench(model: model, temperature: 0, initialOverlap: 0.05)
            let exact = SpikedMatrixExactSolution(matrixNoise: matrixNoise, initialOverlap: 0.05)
            var errors: [[Double]] = []
            for step in steps {
                let run = try quench.integrate(options: TwoTimeOptions(step: step, maximumTime: 10)).twoTime
                var overlap = 0.0, energy = 0.0
                for t in stride(from: 0.5, through: 10, by: 0.5) {
                    let row = try run.row(atTime: t)
                    overlap = max(overlap, abs(run.overlap(row: row) - exact.overlap(at: t)))
                    energy = max(energy, abs(run.energy(row: row) - exact.energy(at: t)))
                }
                errors.append([overlap, energy])
            }
            for (q, name) in ["m", "E"].enumerated() {
                let order = ConvergenceOrder.fit(steps: Array(steps.suffix(2)), errors: errors.suffix(2).map { $0[q] })
                let detail = "errors " + errors.map { String(format: "%.2e", $0[q]) }.joined(separator: ", ")
                    + " at dt = 0.04, 0.02, 0.01 (t ≤ 10, m0 = 0.05); order (last halving) " + String(format: "%.2f", order)
                    + "; exact m(10) = " + String(format: "%.6f", exact.overlap(at: 10))
                record(ValidationCheck(area: area, name: "Δ_p = ∞, Δ₂ = \(matrixNoise), T = 0: max |\(name) − exact| at dt = 0.01",
                                       measured: errors[2][q], limit: 1e-6, passed: errors[2][q] <= 1e-6 && order >= 3.3,
                                       detail: detail))
            }
        }
    }

    // MARK: - p = 3, Δ_p = 1: the threshold

    /// The scan: order 2 (the order-3/4 steps overshoot C ≤ 1 near T = 0 once 1 − C is tiny over many lags, which
    /// the strong p = 2 part makes happen before t = 200 even without recovery), t ≤ 100, m₀ = 1e-3.
    static let thresholdOptions = TwoTimeOptions(step: 0.05, maximumTime: 100, order: 2)
    static let thresholdOverlap = 1e-3
    static let thresholdPoints = [0.30, 0.34, 0.38, 0.42, 0.70]

    static func threshold(_ record: (ValidationCheck) -> Void) throws {
        let closedForm = SpikedMatrixTensor.gradientFlowThreshold(p: 3, tensorNoise: 1)
        let scan = SpikedThresholdScan(p: 3, tensorNoise: 1, temperature: 0, initialOverlap: thresholdOverlap,
                                       options: thresholdOptions)
        let points = try scan.run(matrixNoises: thresholdPoints)
        let table = points.map { point in
            String(format: "%.2f:", point.matrixNoise) + (point.recoveryTime.map { String(format: "%.1f", $0) } ?? "none")
                + String(format: "(m=%.3g)", point.finalOverlap)
        }.joined(separator: " ")
        let below = points.filter { $0.matrixNoise < closedForm }, above = points.filter { $0.matrixNoise > closedForm }
        let missing = below.filter { $0.recoveryTime == nil }.count
        record(ValidationCheck(area: area, name: "p = 3, Δ_p = 1, T = 0: Δ₂ < 1/2 without recovery (count)",
                               measured: Double(missing), limit: 0, passed: missing == 0 && !below.isEmpty,
                               detail: "Δ₂:t_rec(m at end) " + table))
        let largestAbove = above.map { abs($0.finalOverlap) }.max() ?? 0
        record(ValidationCheck(area: area, name: "p = 3, Δ_p = 1, T = 0: Δ₂ = 0.7 > 1/2 stays at m ≈ 0 (m(t_max))",
                               measured: largestAbove, limit: SpikedQuenchSolution.recoveryLevel,
                               passed: largestAbove < SpikedQuenchSolution.recoveryLevel,
                               detail: "t_max = \(thresholdOptions.maximumTime), dt = \(thresholdOptions.step), m0 = \(thresholdOverlap)"))
        // t_rec grows with Δ₂ toward the threshold. The fitted divergence is reported, not passed: at this reach
        // (t ≤ 100, m₀ = 1e-3) recovery still happens at and somewhat above Δ₂^GF, so the fit lies well above 1/2
        // (docs/PHYSICS.md §2.9, measured numbers there).
        let times = below.compactMap(\.recoveryTime)
        let increasing = times.count == below.count && zip(times, times.dropFirst()).allSatisfy { $0 < $1 }
        let fitText = RecoveryDivergence.fit(below).map {
            String(format: "finite-time fit t_rec = a(Δ₂* − Δ₂)^−ν: Δ₂* = %.3f ± %.3f, ν = %.2f ± %.2f (closed form 0.5)",
                   $0.threshold, $0.thresholdError, $0.exponent, $0.exponentError)
        } ?? "fewer than 4 recovered points"
        let decreasing = zip(times, times.dropFirst()).filter { $0 >= $1 }.count + (below.count - times.count)
        record(ValidationCheck(area: area, name: "p = 3, Δ_p = 1, T = 0: steps where t_rec(Δ₂) fails to increase",
                               measured: Double(decreasing), limit: 0, passed: increasing && decreasing == 0,
                               detail: fitText))
    }
}
