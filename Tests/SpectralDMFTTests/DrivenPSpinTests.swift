import Foundation
import Testing
@testable import SpectralDMFT

// Driven p-spin NESS (docs/PHYSICS.md §2, driven p-spin): the spectral solver against the equilibrium solver at
// ε = 0, and the identities of the NESS (C'(0⁺) = −T, X(0⁺) = 1, the equal-time μ identity, power balance).

/// The NESS of p = 3 with the k = 3 drive at (T, ε) on a grid of step `step` and `intervals` intervals.
private func drivenSolve(temperature: Double, drive: Double, step: Double, intervals: Int) throws -> DrivenPSpinSolution {
    let problem = try DrivenPSpin(mixture: .pure(3), temperature: temperature, drive: drive)
    return try DrivenPSpinSpectralSolver(grid: try LagGrid(step: step, intervals: intervals)).solve(problem)
}

@Test func drivenSeriesReducesToTheEquilibriumExpansionWithoutDrive() throws {
    for (text, temperature) in [("3", 0.8), ("3:0.5,4:0.5", 0.7)] {
        let mixture = try PSpinMixture(parsing: text)
        let expansion = SmallLagExpansion(mixture: mixture, temperature: temperature)
        let series = DrivenSmallLagSeries(
            f: DrivenSmallLagSeries.derivativesAtOne(mixture), h: SIMD16(), temperature: temperature,
            multiplier: expansion.multiplier, secondDerivative: expansion.correlationDerivative(2),
            fourthDerivative: expansion.correlationDerivative(4))
        for n in [0, 1, 2, 3, 4, 5, 7] {
            let exact = expansion.correlationDerivative(n)
            #expect(abs(series.correlation[n] - exact) <= 1e-12 * max(1, abs(exact)))
        }
        // FDT: R = −βC', so R^{(n)}(0⁺) = −β C^{(n+1)}(0⁺).
        for n in [0, 1, 2, 3, 4, 6] {
            let exact = -expansion.correlationDerivative(n + 1) / temperature
            #expect(abs(series.response[n] - exact) <= 1e-12 * max(1, abs(exact)))
        }
    }
}

@Test func drivenSeriesHasTheLocalJumpsOfTheDrivenEquations() throws {
    // p = k = 3: f'' = 3C, h'' = 3C. C'(0⁺) = −T, C'''(0⁺) = −T(μ² + f''(1) − ε²h''(1)), R' = −μ, R'' = μ² + f''(1),
    // D'(0⁺) = −T(f''(1) + ε²h''(1)), Σ'(0⁺) = −T f'''(1) − μ f''(1).
    let mixture = try PSpinMixture.pure(3)
    let temperature = 0.6, mu = 2.3, drive = 0.7
    let squared = drive * drive
    let series = DrivenSmallLagSeries(
        f: DrivenSmallLagSeries.derivativesAtOne(mixture), h: DrivenSmallLagSeries.derivativesAtOne(mixture, scale: squared),
        temperature: temperature, multiplier: mu, secondDerivative: 1.1, fourthDerivative: 4.2)
    #expect(abs(series.correlation[1] + temperature) <= 1e-15)
    #expect(abs(series.correlation[3] + temperature * (mu * mu + 3 - 3 * squared)) <= 1e-13)
    #expect(abs(series.response[1] + mu) <= 1e-15)
    #expect(abs(series.response[2] - (mu * mu + 3)) <= 1e-13)
    #expect(abs(series.noise[1] + temperature * 3 * (1 + squared)) <= 1e-14)
    #expect(abs(series.memory[1] + temperature * 3 + mu * 3) <= 1e-14)
}

@Test func undrivenNESSIsTheEquilibriumSolution() throws {
    // ε = 0, T = 0.8 > T_d: τ_α, C and R of the equilibrium spectral solver (FDT built in) on the same grids.
    let equilibrium = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8)
    let grid = try PSpinSpectralSolver.automaticGrid(for: equilibrium)
    let problem = try DrivenPSpin(mixture: .pure(3), temperature: 0.8, drive: 0)
    let reference = try PSpinSpectralSolver(grid: grid).solve(equilibrium)
    let solution = try problem.solve()
    #expect(solution.lagStep == grid.step && solution.lags.count == grid.count)
    #expect(abs(solution.relaxationTime! - reference.relaxationTime!) <= 1e-8)
    #expect(abs(solution.lagrangeMultiplier - equilibrium.lagrangeMultiplier) <= 1e-8)
    #expect(abs(solution.energy - equilibrium.energy) <= 1e-8)
    var largest = 0.0
    for j in 0..<grid.count { largest = max(largest, abs(solution.correlation[j] - reference.correlation[j])) }
    #expect(largest <= 1e-8)
    // The equilibrium solver's R (a sine inversion, O(dt⁶)) is 1.2e-8 off at this step: compare R at dt/2.
    let fine = try LagGrid(step: grid.step / 2, intervals: 2 * grid.intervals)
    let fineReference = try PSpinSpectralSolver(grid: fine).solve(equilibrium)
    let fineSolution = try DrivenPSpinSpectralSolver(grid: fine).solve(problem)
    largest = 0
    for j in 0..<fine.count { largest = max(largest, abs(fineSolution.response[j] - fineReference.response[j])) }
    #expect(largest <= 1e-8)
    // FDT holds: X = 1 at every lag where C' is not tiny, and no power is injected or dissipated.
    let ratio = solution.fluctuationDissipationRatio
    for j in stride(from: 1, to: grid.count / 8, by: 7) { #expect(abs(ratio[j] - 1) <= 1e-6) }
    #expect(solution.injectedPower == 0 && abs(solution.heatToBath) <= 1e-7)
}

@Test func drivenNESSSatisfiesItsIdentities() throws {
    // p = k = 3, T = 0.8, ε = 0.5 on the automatic grid.
    let temperature = 0.8, drive = 0.5
    let problem = try DrivenPSpin(mixture: .pure(3), temperature: temperature, drive: drive)
    let solution = try problem.solve()
    let mu = solution.lagrangeMultiplier, step = solution.lagStep
    #expect(solution.branch == .decaying)
    #expect(abs(solution.correlation[0] - 1) <= 1e-12)
    // C'(0⁺) = −T from an 8-point one-sided difference of the samples (O(dt⁷)).
    #expect(abs(solution.correlationSlopeAtZero + temperature) <= 1e-5)
    // X(τ → 0⁺) = 1: quadratic extrapolation from the first three lags.
    let ratio = solution.fluctuationDissipationRatio
    #expect(abs(3 * ratio[1] - 3 * ratio[2] + ratio[3] - 1) <= 1e-4)
    // The slow part is hotter than the bath.
    #expect(solution.slowEffectiveTemperature! > temperature + 0.2)
    // μ = T + ∫(ΣC + DR).
    #expect(abs(mu - solution.multiplierFromIdentity) <= 1e-8)
    // Power balance P = Q̇ > 0 (lag quadrature against frequency quadrature), and C''(0) = μT − P.
    #expect(solution.injectedPower > 0.1)
    #expect(abs(solution.injectedPower - solution.heatToBath) <= 1e-7)
    #expect(abs(solution.secondDerivativeAtZero - (mu * temperature - solution.injectedPower)) <= 1e-7)
    // Pure p: μ = T − pE + ε² ∫h'(C)R (trapezoid with its first end correction, O(dt⁴)).
    let values = (0..<solution.lags.count).map { j in
        drive * drive * 1.5 * solution.correlation[j] * solution.correlation[j] * solution.response[j]
    }
    var integral = 0.5 * values[0] + values.dropFirst().reduce(0, +) - 0.5 * values[values.count - 1]
    integral *= step
    integral += step * step / 12 * drive * drive * (-temperature * 3 - mu * 1.5)
    #expect(abs(mu - (temperature - 3 * solution.energy + integral)) <= 1e-5)
    // The spectra: Ĉ ≈ 2T/ω² and χ'' ≈ 1/ω at the band edge.
    let spectra = solution.spectra, last = spectra.frequencies.count - 1, edge = spectra.frequencies[last]
    #expect(abs(spectra.correlation[last] * edge * edge / (2 * temperature) - 1) <= 0.05)
    #expect(abs(spectra.susceptibilityImaginary[last] * edge - 1) <= 0.05)
    // τ_α shrinks with drive (shear thinning): 5.030 at ε = 0.
    #expect(solution.relaxationTime! < 3)
}

@Test func drivenSchemeIsHighOrderInTheStep() throws {
    // τ_α and C(2) at dt = 0.3, 0.15, 0.075 (same window 307.2): the differences fall 2^8-fold per halving.
    var times: [Double] = [], values: [Double] = []
    for factor in [1, 2, 4] {
        let solution = try drivenSolve(temperature: 0.8, drive: 0.5, step: 0.3 / Double(factor), intervals: 1024 * factor)
        times.append(solution.relaxationTime!)
        values.append(solution.correlation(atLag: 2))
    }
    let timeOrder = log2((times[0] - times[1]) / (times[1] - times[2]))
    let valueOrder = log2((values[0] - values[1]) / (values[1] - values[2]))
    #expect(timeOrder > 7 && valueOrder > 7)
}

@Test func drivenMixtureWithAMatrixDrive() throws {
    // f = (q³ + 0.5 q⁴)/2 with the k = 2 (random asymmetric matrix) drive.
    let mixture = try PSpinMixture(parsing: "3:1,4:0.5")
    let problem = try DrivenPSpin(mixture: mixture, temperature: 0.9, drive: 0.4, driveOrder: 2)
    let solution = try problem.solve()
    #expect(solution.branch == .decaying)
    #expect(abs(solution.lagrangeMultiplier - solution.multiplierFromIdentity) <= 1e-8)
    #expect(abs(solution.injectedPower - solution.heatToBath) <= 1e-7)
    #expect(abs(solution.correlationSlopeAtZero + 0.9) <= 1e-5)
    let undriven = try PSpinEquilibrium(mixture: mixture, temperature: 0.9).solve(method: .spectral)
    #expect(solution.relaxationTime! < undriven.relaxationTime!)
}

@Test func drivenGlassBelowTransitionByContinuation() throws {
    // T = 0.5 < T_d = 0.612: the decaying branch from ε = 1 down, on two workers; τ_α grows as ε falls and the
    // slow part has one effective temperature above T.
    let drives = [0.5, 1.0, 0.8, 0.65]
    let points = try DrivenPSpinScan.run(mixture: .pure(3), temperature: 0.5, drives: drives, workers: 2)
    #expect(points.map(\.drive) == drives)
    let solutions = points.compactMap(\.solution)
    #expect(solutions.count == 4)
    let sorted = solutions.sorted { $0.drive > $1.drive }
    for i in 1..<sorted.count { #expect(sorted[i].relaxationTime! > sorted[i - 1].relaxationTime!) }
    for solution in solutions {
        #expect(solution.branch == .decaying)
        #expect(abs(solution.injectedPower - solution.heatToBath) <= 1e-7)
        let slow = solution.slowEffectiveTemperature!
        #expect(slow > 0.5)
        for level in [0.3, 0.1] { #expect(abs(solution.effectiveTemperature(atCorrelation: level)! / slow - 1) <= 0.05) }
    }
    // The same point by the continuation ladder of `solve()` (other grids): the same τ_α.
    let direct = try DrivenPSpin(mixture: .pure(3), temperature: 0.5, drive: 0.5).solve()
    #expect(abs(direct.relaxationTime! - solutions[0].relaxationTime!) <= 1e-7)
}

@Test func drivenProblemRejectsBadInput() throws {
    let mixture = try PSpinMixture.pure(3)
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: mixture, temperature: 0.8, drive: -0.1) }
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: mixture, temperature: 0.8, drive: .nan) }
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: mixture, temperature: 0.8, drive: 0.5, driveOrder: 1) }
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: mixture, temperature: 0, drive: 0.5) }
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: mixture, temperature: 0.5, drive: 0) }
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpinScan.run(mixture: mixture, temperature: 0.5, drives: [1], driveOrder: 1) }
}

// MARK: - Command line

@Test func pspinDriveWritesTheTableAndTheRunRecord() throws {
    let folder = try scratchFolder("pspin-drive")
    let csv = folder.appendingPathComponent("c.csv").path
    let result = try runTool(["pspin", "drive", "--p", "3", "--T", "0.8", "--epsilon", "0.5", "--json", "--output", csv])
    #expect(result.status == 0, "\(result.error)")
    let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
    for key in ["p", "T", "epsilon", "k", "tau_alpha", "energy", "mu", "injected_power", "heat_to_bath", "T_eff", "branch"] {
        #expect(object[key] != nil, "missing \(key)")
    }
    let solution = try DrivenPSpin(mixture: .pure(3), temperature: 0.8, drive: 0.5).solve()
    #expect(abs((object["tau_alpha"] as! Double) - solution.relaxationTime!) < 1e-12)
    #expect(object["branch"] as? String == "decaying")
    let text = try String(contentsOfFile: csv, encoding: .utf8)
    #expect(text.hasPrefix("tau,C,R,chi\n"))
    // chi = ∫_0^τ R: its last value against the trapezoid rule on the table (O(dt²)).
    let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    var trapezoid = 0.0
    for i in 1..<rows.count { trapezoid += 0.5 * (rows[i][0] - rows[i - 1][0]) * (rows[i][2] + rows[i - 1][2]) }
    #expect(abs(rows[rows.count - 1][3] - trapezoid) < 1e-3)
    let record = folder.appendingPathComponent("c.run.json").path
    #expect(FileManager.default.fileExists(atPath: record))
}

@Test(arguments: [
    ["pspin", "drive", "--p", "3", "--T", "0.8", "--epsilon", "-0.5"],
    ["pspin", "drive", "--p", "3", "--T", "0.8", "--epsilon", "nan"],
    ["pspin", "drive", "--p", "3", "--T", "0.8", "--epsilon", "0.5", "--k", "1"],
    ["pspin", "drive", "--p", "3", "--T", "0.5", "--epsilon", "0"],
    ["pspin", "drive-scan", "--p", "3", "--T", "0.5", "--epsilon-min", "0", "--epsilon-max", "1", "--steps", "3"],
])
func badDriveInputFailsWithOneLine(arguments: [String]) throws {
    let folder = try scratchFolder("pspin-drive-bad")
    let csv = folder.appendingPathComponent("out.csv").path
    let result = try runTool(arguments + ["--output", csv])
    #expect(result.status == 1)
    #expect(result.error.split(separator: "\n").filter { $0.hasPrefix("Error") }.count == 1, "stderr: \(result.error)")
    #expect(!result.error.contains("Usage"), "stderr: \(result.error)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
}

// MARK: - Two-time integrator with drive

@Test func drivenQuenchRelaxesToTheNESS() throws {
    // p = k = 3 at (T, ε) = (0.8, 0.5) from a random start: at t_w = 20 (≈ 7 τ_α) the two-time C(t_w + τ, t_w)
    // and R are the stationary ones of the spectral NESS solver, to the order-4 scheme's accuracy at h = 0.1.
    let drive = try QuenchDrive(strength: 0.5, order: 3)
    let quench = try PSpinQuench(mixture: .pure(3), temperature: 0.8, drive: drive)
    let run = try quench.integrate(options: TwoTimeOptions(step: 0.1, maximumTime: 26))
    let ness = try DrivenPSpin(mixture: .pure(3), temperature: 0.8, drive: 0.5).solve()
    let waiting = try run.row(atTime: 20)
    for lag in [1.0, 2.0, 5.0] {
        let row = waiting + Int((lag / 0.1).rounded())
        #expect(abs(run.correlation(row: row, column: waiting) - ness.correlation(atLag: lag)) <= 1e-3)
        #expect(abs(run.response(row: row, column: waiting) - ness.response(atLag: lag)) <= 1e-3)
    }
    #expect(abs(run.lagrangeMultiplier(row: run.lastRow) - ness.lagrangeMultiplier) <= 1e-3)
    #expect(abs(run.energy(row: run.lastRow) - ness.energy) <= 1e-3)
    // The drive matters: the undriven equilibrium C(5) is 0.3 higher.
    let undriven = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8).solve()
    #expect(undriven.correlation(atLag: 5) - ness.correlation(atLag: 5) > 0.1)
}

@Test func fullySymmetricDriveIsEquilibriumWithTheCombinedModel() throws {
    // η = 1: the drive is a gradient force, and the NESS is the equilibrium of f + ε²h = (1 + ε²) q³/2.
    let drive = 0.5, temperature = 0.9
    let problem = try DrivenPSpin(mixture: .pure(3), temperature: temperature, drive: drive, symmetry: 1)
    let combined = try PSpinEquilibrium(mixture: PSpinMixture(parsing: "3:\(1 + drive * drive)"), temperature: temperature)
    let grid = try PSpinSpectralSolver.automaticGrid(for: combined)
    let solution = try DrivenPSpinSpectralSolver(grid: grid).solve(problem)
    let reference = try PSpinSpectralSolver(grid: grid).solve(combined)
    #expect(abs(solution.relaxationTime! - reference.relaxationTime!) <= 1e-8)
    #expect(abs(solution.lagrangeMultiplier - combined.lagrangeMultiplier) <= 1e-8)
    #expect(solution.injectedPower == 0 && abs(solution.heatToBath) <= 1e-7)
    #expect(abs(solution.slowEffectiveTemperature! - temperature) <= 1e-7)
    // The energy of the J part alone, by FDT: −∫f'(C)R = β ∫_0^∞ f'(C)C' dτ = −β f(1) = −1/(2T).
    #expect(abs(solution.energy + 0.5 / temperature) <= 1e-8)
    // η outside [−1/(k − 1), 1] is refused.
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: .pure(3), temperature: 0.9, drive: 0.5, symmetry: 1.1) }
    #expect(throws: DrivenPSpinError.self) { try DrivenPSpin(mixture: .pure(3), temperature: 0.9, drive: 0.5, symmetry: -0.6) }
}
