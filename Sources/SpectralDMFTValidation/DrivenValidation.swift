import Foundation
import SpectralDMFT

/// The driven p-spin checks (docs/PHYSICS.md §2.7), p = k = 3:
///
/// 1. ε = 0, T = 0.8: τ_α, C(τ) and R(τ) of the (C, R) NESS solver against the equilibrium `PSpinSpectralSolver` on
///    the same grid within 1e-8 (R at dt/2, where the equilibrium solver's sine inversion is accurate enough).
/// 2. (T, ε) = (0.8, 0.5) and (0.5, 1): C(τ) at τ = 1, 2, 5, 10 and τ_α against the driven two-time integrator from
///    a random start at a long t_w, Richardson-extrapolated (order 4) from h = 0.05 and 0.025.
/// 3. At the same points: C'(0⁺) = −T, X(τ → 0⁺) = 1, μ = T + ∫(ΣC + DR), P = Q̇ and C''(0) = μT − P.
/// 4. T = 0.5 < T_d, 30 drives from ε = 1 to 0.15 with continuation: the decaying branch at every point, one
///    effective temperature over the slow part, and τ_α growing as ε falls.
enum DrivenValidation {
    static let area = "driven"

    static func run(_ record: (ValidationCheck) -> Void) throws {
        try undriven(record)
        for (temperature, drive, waiting) in [(0.8, 0.5, 40.0), (0.5, 1.0, 50.0)] {
            let solution = try DrivenPSpin(mixture: .pure(3), temperature: temperature, drive: drive).solve()
            try twoTime(solution, waiting: waiting, record)
            identities(solution, record)
        }
        try scan(record)
    }

    // MARK: - ε = 0 against the equilibrium solver

    static func undriven(_ record: (ValidationCheck) -> Void) throws {
        let equilibrium = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8)
        let problem = try DrivenPSpin(mixture: .pure(3), temperature: 0.8, drive: 0)
        let grid = try PSpinSpectralSolver.automaticGrid(for: equilibrium)
        let reference = try PSpinSpectralSolver(grid: grid).solve(equilibrium)
        let solution = try DrivenPSpinSpectralSolver(grid: grid).solve(problem)
        let gridText = String(format: "dt = %.5f, M = %d", grid.step, grid.intervals)
        let timeError = abs(solution.relaxationTime! - reference.relaxationTime!)
        record(ValidationCheck(area: area, name: "ε = 0, T = 0.8: |τ_α NESS − τ_α equilibrium|", measured: timeError,
                               limit: 1e-8, passed: timeError <= 1e-8,
                               detail: "τ_α = \(solution.relaxationTime!), equilibrium \(reference.relaxationTime!); \(gridText)"))
        var correlationError = 0.0
        for j in 0..<grid.count { correlationError = max(correlationError, abs(solution.correlation[j] - reference.correlation[j])) }
        let multiplierError = abs(solution.lagrangeMultiplier - equilibrium.lagrangeMultiplier)
        let energyError = abs(solution.energy - equilibrium.energy)
        record(ValidationCheck(area: area, name: "ε = 0, T = 0.8: max|C NESS − C equilibrium|", measured: correlationError,
                               limit: 1e-8, passed: correlationError <= 1e-8,
                               detail: String(format: "every lag of the grid; |Δμ| = %.1e, |ΔE| = %.1e", multiplierError, energyError)))
        // The equilibrium solver's R (a sine inversion, O(dt⁶)) is 1.2e-8 off at the automatic step: compare at dt/2.
        let fine = try LagGrid(step: grid.step / 2, intervals: 2 * grid.intervals)
        let fineReference = try PSpinSpectralSolver(grid: fine).solve(equilibrium)
        let fineSolution = try DrivenPSpinSpectralSolver(grid: fine).solve(problem)
        var responseError = 0.0
        for j in 0..<fine.count { responseError = max(responseError, abs(fineSolution.response[j] - fineReference.response[j])) }
        var coarseResponseError = 0.0
        for j in 0..<grid.count { coarseResponseError = max(coarseResponseError, abs(solution.response[j] - reference.response[j])) }
        record(ValidationCheck(area: area, name: "ε = 0, T = 0.8: max|R NESS − R equilibrium| at dt/2", measured: responseError,
                               limit: 1e-8, passed: responseError <= 1e-8,
                               detail: String(format: "dt = %.5f; %.1e at dt (the equilibrium R's O(dt⁶) error)",
                                              fine.step, coarseResponseError)))
    }

    // MARK: - Against the driven two-time integrator

    /// The lags where C is compared.
    static let lags = [1.0, 2, 5, 10]

    /// C(t_w + τ, t_w) at `lags` and τ_α (C = 1/e, 6-point interpolant) of a driven quench from a random start.
    static func quenchColumn(temperature: Double, drive: Double, step: Double,
                             waiting: Double) throws -> (values: [Double], relaxationTime: Double, seconds: Double) {
        let integrator = try PSpinQuenchIntegrator(
            mixture: .pure(3), temperature: temperature,
            options: TwoTimeOptions(step: step, maximumTime: waiting + lags.last! + 2),
            drive: try QuenchDrive(strength: drive, order: 3))
        let seconds = try Timing.seconds { try integrator.advance() }
        let solution = integrator.solution
        let column = try solution.row(atTime: waiting)
        let values = (column...solution.lastRow).map { solution.correlation(row: $0, column: column) }
        let sampled = lags.map { values[Int(($0 / step).rounded())] }
        let time = Interpolation.firstCrossing(values, step: step, level: exp(-1)) ?? .nan
        return (sampled, time, seconds)
    }

    static func twoTime(_ ness: DrivenPSpinSolution, waiting: Double, _ record: (ValidationCheck) -> Void) throws {
        let temperature = ness.temperature, drive = ness.drive
        let label = "T = \(temperature), ε = \(drive)"
        let coarse = try quenchColumn(temperature: temperature, drive: drive, step: 0.05, waiting: waiting)
        let fine = try quenchColumn(temperature: temperature, drive: drive, step: 0.025, waiting: waiting)
        // Richardson for the order-4 scheme: X = X(h/2) + (X(h/2) − X(h))/15.
        func extrapolate(_ a: Double, _ b: Double) -> Double { b + (b - a) / 15 }
        let expected = lags.map { ness.correlation(atLag: $0) }
        let extrapolated = zip(coarse.values, fine.values).map { extrapolate($0, $1) }
        let differences = zip(extrapolated, expected).map { $0 - $1 }
        let raw = zip(fine.values, expected).map { $0 - $1 }
        let worst = differences.map(abs).max()!
        let correction = zip(coarse.values, fine.values).map { abs($1 - $0) / 15 }.max()!
        let timing = String(format: "h⁴ term at h = 0.025: %.1e; %.1f s + %.1f s", correction, coarse.seconds, fine.seconds)
        record(ValidationCheck(area: area, name: "\(label): |C two-time − C NESS| at τ = 1, 2, 5, 10",
                               measured: worst, limit: correlationLimit, passed: worst <= correlationLimit,
                               detail: "t_w = \(waiting), random start, Richardson h⁴: "
                                   + differences.map { String(format: "%+.1e", $0) }.joined(separator: ", ")
                                   + "; raw at h = 0.025: " + raw.map { String(format: "%+.1e", $0) }.joined(separator: ", ")
                                   + "; " + timing))
        let time = extrapolate(coarse.relaxationTime, fine.relaxationTime)
        let timeError = abs(time - ness.relaxationTime!)
        record(ValidationCheck(area: area, name: "\(label): |τ_α two-time − τ_α NESS|", measured: timeError,
                               limit: relaxationTimeLimit, passed: timeError <= relaxationTimeLimit,
                               detail: String(format: "τ_α NESS = %.8f, two-time %.8f (h = 0.05), %.8f (h = 0.025), extrapolated %.8f",
                                              ness.relaxationTime!, coarse.relaxationTime, fine.relaxationTime, time)))
    }

    /// Tolerance on the extrapolated C(τ). The h⁴ term removed at h = 0.025, (X(0.025) − X(0.05))/15, is up to 1.7e-6
    /// here; h = 0.05 is at the edge of the asymptotic range (μ(t) converges as h³, docs/PHYSICS.md §2.7.6), so the
    /// remainder is not much smaller than that term: the limit allows ten times it (measured: ≤ 1e-6).
    static let correlationLimit = 1e-5
    /// Tolerance on the extrapolated τ_α: the same reasoning, the h⁴ term is up to 1.6e-5 (measured: ≤ 9e-6;
    /// docs/PHYSICS.md §2.7.6 reports 1e-5 to 7e-5 for this pair of steps at four (T, ε)).
    static let relaxationTimeLimit = 1e-4

    // MARK: - Identities of the NESS

    static func identities(_ solution: DrivenPSpinSolution, _ record: (ValidationCheck) -> Void) {
        let temperature = solution.temperature
        let label = "T = \(temperature), ε = \(solution.drive)"
        let grid = String(format: "dt = %.5f", solution.lagStep)
        let slope = abs(solution.correlationSlopeAtZero + temperature)
        record(ValidationCheck(area: area, name: "\(label): |C'(0⁺) + T|", measured: slope, limit: 1e-5, passed: slope <= 1e-5,
                               detail: "8-point one-sided difference of the C samples (O(dt⁷)), \(grid)"))
        let ratio = solution.fluctuationDissipationRatio
        let start = abs(3 * ratio[1] - 3 * ratio[2] + ratio[3] - 1)
        record(ValidationCheck(area: area, name: "\(label): |X(τ → 0⁺) − 1|", measured: start, limit: 1e-4, passed: start <= 1e-4,
                               detail: String(format: "X = −TR/C', quadratic extrapolation from X(dt) = %.8f, X(2dt), X(3dt); %@",
                                              ratio[1], grid)))
        let multiplier = abs(solution.lagrangeMultiplier - solution.multiplierFromIdentity)
        record(ValidationCheck(area: area, name: "\(label): |μ − T − ∫(ΣC + DR)|", measured: multiplier, limit: 1e-8,
                               passed: multiplier <= 1e-8,
                               detail: "μ = \(solution.lagrangeMultiplier) (from C(0) = 1); lag quadrature with end corrections"))
        let balance = abs(solution.injectedPower - solution.heatToBath)
        record(ValidationCheck(area: area, name: "\(label): |P − Q̇| (power balance)", measured: balance, limit: 1e-7,
                               passed: balance <= 1e-7 && solution.injectedPower > 0,
                               detail: "P = −ε²∫h''(C)C'R = \(solution.injectedPower) (lags), Q̇ = \(solution.heatToBath) (frequencies)"))
        let curvature = abs(solution.secondDerivativeAtZero
            - (solution.lagrangeMultiplier * temperature - solution.injectedPower))
        record(ValidationCheck(area: area, name: "\(label): |C''(0) − (μT − P)|", measured: curvature, limit: 1e-7,
                               passed: curvature <= 1e-7, detail: "C''(0) = \(solution.secondDerivativeAtZero) from the spectrum"))
    }

    // MARK: - Below T_d: the decaying branch by continuation

    /// The drives of the T = 0.5 scan, as `dmft pspin drive-scan --epsilon-min 0.15 --epsilon-max 1 --steps 30`.
    static let scanDrives = evenlySpaced(from: 1, to: 0.15, count: 30)
    /// The τ_α from which the slow part counts as separated from the fast one in the T_eff check.
    static let slowSeparation = 80.0

    static func scan(_ record: (ValidationCheck) -> Void) throws {
        let temperature = 0.5
        var points: [DrivenPSpinScanPoint] = []
        let seconds = try Timing.seconds {
            points = try DrivenPSpinScan.run(mixture: .pure(3), temperature: temperature, drives: scanDrives, workers: 2)
        }
        let label = "T = 0.5, ε = 1 → 0.15"
        let solutions = points.compactMap(\.solution).filter { $0.branch == .decaying && $0.relaxationTime != nil }
        let missing = points.count - solutions.count
        let failures = points.filter { $0.solution == nil }.map { "ε = \(String(format: "%.3f", $0.drive)): \($0.failure ?? "")" }
        record(ValidationCheck(area: area, name: "\(label): points off the decaying branch", measured: Double(missing), limit: 0,
                               passed: missing == 0,
                               detail: failures.first ?? String(format: "30 drives, continuation on 2 workers in %.1f s; τ_α = %.3f (ε = 1) to %.2f (ε = 0.15)",
                                                                seconds, solutions.first?.relaxationTime ?? .nan,
                                                                solutions.last?.relaxationTime ?? .nan)))
        guard missing == 0 else { return }
        // One effective temperature over the slow part: −C'/R at C = 0.3 and 0.1 against the χ–C slope, where the
        // slow part is separated from the microscopic relaxation (τ_α ≥ 80, ε ≤ 0.21). At ε = 1 (τ_α = 2.6) there is
        // no separation and the three differ by 0.1; the spread falls as τ_α grows (2.5e-5 at ε = 0.15).
        func spread(_ solution: DrivenPSpinSolution) -> (Double, Double, Double, Double) {
            guard let slow = solution.slowEffectiveTemperature,
                  let upper = solution.effectiveTemperature(atCorrelation: 0.3),
                  let lower = solution.effectiveTemperature(atCorrelation: 0.1) else { return (.infinity, .nan, .nan, .nan) }
            return (max(upper, lower, slow) - min(upper, lower, slow), upper, lower, slow)
        }
        let separated = solutions.filter { $0.relaxationTime! >= slowSeparation }
        var flatness = separated.isEmpty ? Double.infinity : 0
        var worst = solutions[solutions.count - 1]
        for solution in separated where spread(solution).0 >= flatness { flatness = spread(solution).0; worst = solution }
        let values = spread(worst), first = spread(solutions[0])
        record(ValidationCheck(area: area, name: "\(label): T_eff spread, slow part (τ_α ≥ \(Int(slowSeparation)))",
                               measured: flatness, limit: 1e-3, passed: flatness <= 1e-3,
                               detail: String(format: "%d drives; largest at ε = %.3f: −C'/R = %.5f (C = 0.3), %.5f (C = 0.1), χ–C slope %.5f; spread %.1e at ε = 0.15, %.1e at ε = 1; T_eff(ε = 0.15) = %.5f (aging T/x = 0.884)",
                                              separated.count, worst.drive, values.1, values.2, values.3,
                                              spread(solutions[solutions.count - 1]).0, first.0,
                                              solutions[solutions.count - 1].slowEffectiveTemperature ?? .nan)))
        // τ_α increases as ε decreases (drives are in decreasing order).
        let times = solutions.map { $0.relaxationTime! }
        var smallestRatio = Double.infinity
        for i in 1..<times.count { smallestRatio = min(smallestRatio, times[i] / times[i - 1]) }
        let exponent = log(times[times.count - 1] / times[times.count - 2]) / log(scanDrives[scanDrives.count - 2] / scanDrives[scanDrives.count - 1])
        record(ValidationCheck(area: area, name: "\(label): τ_α increasing as ε falls (1 − min ratio)",
                               measured: -(smallestRatio - 1), limit: 0, passed: smallestRatio > 1,
                               detail: String(format: "smallest τ_α(ε_{i+1})/τ_α(ε_i) = %.4f; d ln τ_α/d ln(1/ε) = %.2f at ε = 0.15",
                                              smallestRatio, exponent)))
    }
}
