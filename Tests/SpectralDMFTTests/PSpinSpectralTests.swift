import Foundation
import Testing
@testable import SpectralDMFT

// MARK: - Helpers

/// A spectral solve of `mixture` at `temperature` on a grid of spacing `step` and window ≥ `window`.
private func spectralSolve(_ mixture: PSpinMixture, temperature: Double, step: Double, window: Double,
                           start: PSpinSpectralSolver.StartingProfile = .timeDoubling,
                           options: IterationOptions = PSpinSpectralSolver.defaultOptions) throws -> PSpinEquilibriumSolution {
    let solver = PSpinSpectralSolver(grid: try LagGrid(step: step, minimumWindow: window), options: options,
                                     startingProfile: start)
    return try solver.solve(PSpinEquilibrium(mixture: mixture, temperature: temperature))
}

/// The time-doubling solution with N = `blockSize` (h₀ = 1e-9), run to τ = `until`.
private func doublingSolve(_ mixture: PSpinMixture, temperature: Double, blockSize: Int,
                           until end: Double) throws -> PSpinEquilibriumSolution {
    let options = DoublingOptions(initialStep: 1e-9, blockSize: blockSize, maximumTime: end)
    return try DoublingSolver(options: options).solve(PSpinEquilibrium(mixture: mixture, temperature: temperature))
}

/// Exact C(τ) for f = q²/2 at T > 1 (Cugliandolo–Dean): C(τ) = 1 − T ∫_0^τ I_1(2u) e^{−(T+β)u}/u du.
private func exactTwoSpinCorrelation(temperature: Double, at time: Double) -> Double {
    let decay = temperature + 1 / temperature
    func integrand(_ u: Double) -> Double {
        var term = 1.0, sum = 1.0       // I_1(2u)/u = Σ_k u^{2k}/(k!(k+1)!)
        for k in 1..<2000 {
            term *= u * u / (Double(k) * Double(k + 1))
            sum += term
            if term < 1e-17 * sum { break }
        }
        return sum * exp(-decay * u)
    }
    return 1 - temperature * GaussLegendre.integrate(integrand, from: 0, to: time, panel: 0.25)
}

// MARK: - Small-τ expansion

@Test func smallLagExpansionHasTheDerivativesOfTheEquation() throws {
    for (text, temperature) in [("3", 0.8), ("3:0.5,4:0.5", 0.7), ("2", 1.5)] {
        let mixture = try PSpinMixture(parsing: text)
        let expansion = SmallLagExpansion(mixture: mixture, temperature: temperature)
        let mu = temperature + mixture.derivative(1) / temperature
        let second = mixture.secondDerivative(1)
        #expect(expansion.correlation[0] == 1)
        #expect(abs(expansion.correlationDerivative(1) + temperature) <= 1e-15)
        #expect(abs(expansion.correlationDerivative(2) - temperature * mu) <= 1e-14 * mu)
        // The doubling solver's C'''(0⁺) = −T(μ² + f''(1)).
        #expect(abs(expansion.correlationDerivative(3) + temperature * (mu * mu + second)) <= 1e-13 * mu * mu)
        #expect(abs(expansion.memoryDerivative(1) + temperature * second) <= 1e-14)
        #expect(abs(expansion.memory[0] - mixture.derivative(1)) <= 1e-15)
    }
    // C'''' by hand for pure p = 3 (f' = 3C²/2, f'' = 3C, f''' = 3): with I = ∫_0^τ F(τ−s)C'(s)ds,
    // I''' (0) = F(0)C'''(0) + F'(0)C''(0) + F''(0)C'(0), so C⁗(0) = −T C'''(0) − β I'''(0), F'' = f'''C'² + f''C''.
    let temperature = 0.8, beta = 1 / temperature
    let expansion = SmallLagExpansion(mixture: try .pure(3), temperature: temperature)
    let c1 = -temperature, mu = temperature + 1.5 * beta, c2 = temperature * mu, c3 = -temperature * (mu * mu + 3)
    let f1 = 3 * c1, f2 = 3 * c1 * c1 + 3 * c2
    let c4 = -temperature * c3 - beta * (1.5 * c3 + f1 * c2 + f2 * c1)
    #expect(abs(expansion.correlationDerivative(4) - c4) <= 1e-12 * abs(c4))
}

// MARK: - Accuracy

@Test func correlationStartsAtOneAndBothEnergyRoutesAgree() throws {
    let temperature = 0.8
    let solution = try PSpinEquilibrium(mixture: .pure(3), temperature: temperature).solve(method: .spectral)
    #expect(abs(solution.correlation[0] - 1) <= 1e-10, "C(0) − 1 = \(solution.correlation[0] - 1)")
    // The dynamic route against the exact −f(1)/T: the scheme is O(dt⁸) (C(0) − 1 ~ 1e-11 at the automatic step)
    // and the window ends where C < 1e-8, so −∫f'(C)R carries at most ~1e-9 of discretisation and truncation error.
    #expect(abs(solution.energyFromDynamics + (try PSpinMixture.pure(3)).f(1) / temperature) <= 1e-8,
            "−∫f'(C)R = \(solution.energyFromDynamics)")
    #expect(abs(solution.lagrangeMultiplier - (temperature + 1.5 / temperature)) <= 1e-15)
    #expect(solution.response[0] == 1)
    #expect(solution.tail <= 1e-8)
    #expect(solution.report.residual <= PSpinSpectralSolver.defaultOptions.tolerance)
    // C decreases monotonically and R = −βC' > 0.
    #expect(zip(solution.correlation, solution.correlation.dropFirst()).allSatisfy { $0 > $1 || $1 < 1e-9 })
    #expect(solution.response.prefix(while: { $0 > 1e-9 }).count > solution.lags.count / 4)
}

@Test func schemeIsEighthOrderInTheStep() throws {
    // C(0) − 1 is the scheme's error at τ = 0 (C(0) = 1 is not imposed).
    let mixture = try PSpinMixture.pure(3)
    let steps = [0.16, 0.08]
    let errors = try steps.map {
        abs(try spectralSolve(mixture, temperature: 1, step: $0, window: 80).correlation[0] - 1)
    }
    let order = ConvergenceOrder.fit(steps: steps, errors: errors)
    #expect(order > 7.5 && order < 8.5, "errors \(errors), order \(order)")
    #expect(errors[1] < 1e-9)
}

@Test func spectralTwoSpinModelMatchesTheExactSolution() throws {
    // p = 2 (T_c = 1): the exact C is known in closed form; the tail decays as e^{−(T−1)²τ/T} τ^{−3/2}.
    let temperature = 1.5
    let solution = try spectralSolve(.pure(2), temperature: temperature, step: 0.05, window: 160)
    var worst = 0.0
    for time in [0.1, 0.5, 1.0, 2.0, 5.0, 10.0] {
        worst = max(worst, abs(solution.correlation(atLag: time) - exactTwoSpinCorrelation(temperature: temperature, at: time)))
    }
    #expect(worst <= 1e-10, "largest deviation \(worst)")
}

@Test func agreesWithTheDoublingSolver() throws {
    // The spectral C (O(dt⁸), ~1e-11) serves as the reference: the difference is the doubling solver's own O(h²)
    // error, which must fall about fourfold when its block size doubles.
    let mixture = try PSpinMixture.pure(3), temperature = 0.8
    let spectral = try PSpinEquilibrium(mixture: mixture, temperature: temperature).solve(method: .spectral)
    var differences: [Double] = [], relaxationDifferences: [Double] = []
    for blockSize in [128, 256] {
        let doubling = try doublingSolve(mixture, temperature: temperature, blockSize: blockSize, until: 25)
        var largest = 0.0
        for (time, value) in zip(doubling.lags, doubling.correlation) where time <= 20 {
            largest = max(largest, abs(spectral.correlation(atLag: time) - value))
        }
        differences.append(largest)
        let tauDoubling = try #require(doubling.relaxationTime), tauSpectral = try #require(spectral.relaxationTime)
        relaxationDifferences.append(abs(tauDoubling - tauSpectral) / tauSpectral)
    }
    #expect(differences[1] <= 6e-6, "differences \(differences)")
    // Doubling the block size halves the doubling solver's step in every block.
    let order = ConvergenceOrder.fit(steps: [1, 0.5], errors: differences)
    #expect(order > 1.7 && order < 2.4, "differences \(differences), order \(order)")
    #expect(relaxationDifferences[1] <= 2e-5, "τ_α differences \(relaxationDifferences)")
    // The response agrees too (spectral R against the doubling solver's integral form).
    let doubling = try doublingSolve(mixture, temperature: temperature, blockSize: 256, until: 25)
    var largestResponse = 0.0
    for (time, value) in zip(doubling.lags, doubling.response) where time >= 0.2 && time <= 20 {
        largestResponse = max(largestResponse, abs(spectral.response(atLag: time) - value))
    }
    #expect(largestResponse <= 1e-5, "largest response difference \(largestResponse)")
}

@Test func startAndSchemeDoNotChangeTheFixedPoint() throws {
    // Anderson from the time-doubling start (the default) against Newton–Krylov and plain iteration from the formula.
    let mixture = try PSpinMixture.pure(3)
    let reference = try spectralSolve(mixture, temperature: 0.9, step: 0.08, window: 100)
    for scheme in [Acceleration.standard, .plain(damping: 1)] {
        let other = try spectralSolve(mixture, temperature: 0.9, step: 0.08, window: 100, start: .analytic,
                                      options: IterationOptions(tolerance: 1e-11, acceleration: scheme))
        let largest = zip(reference.correlation, other.correlation).map { abs($0 - $1) }.max()!
        #expect(largest <= 1e-10, "\(scheme): largest difference \(largest)")
    }
}

// MARK: - Frequency domain

@Test func spectraObeyTheFluctuationDissipationTheorem() throws {
    let mixture = try PSpinMixture.pure(3), temperature = 0.8, beta = 1 / temperature
    let solution = try spectralSolve(mixture, temperature: temperature, step: 0.05, window: 300)
    let grid = try LagGrid(step: 0.05, minimumWindow: 300)
    let spectra = try #require(solution.spectra)
    #expect(solution.lags == grid.lags && spectra.frequencies == grid.frequencies)
    let expansion = SmallLagExpansion(mixture: mixture, temperature: temperature)
    // Ĉ recomputed from the returned C(τ) (kink-corrected even transform), and χ'' from the returned R(τ).
    let powerFromC = EvenFourierTransform(grid: grid).forward(
        solution.correlation, kinkSlope: -temperature, thirdDerivative: expansion.correlationDerivative(3),
        fifthDerivative: expansion.correlationDerivative(5))
    var response = solution.response
    response[0] = 1
    let dissipationFromR = SineTransform(grid: grid).forward(
        response, secondDerivativeAtZero: -beta * expansion.correlationDerivative(3),
        fourthDerivativeAtZero: -beta * expansion.correlationDerivative(5))
    var worstPower = 0.0, worstFDT = 0.0, worstSine = 0.0
    for (k, omega) in grid.frequencies.enumerated() {
        worstPower = max(worstPower, abs(powerFromC[k] - spectra.correlation[k]))
        worstFDT = max(worstFDT, abs(spectra.susceptibilityImaginary[k] - beta * omega / 2 * powerFromC[k]))
        worstSine = max(worstSine, abs(spectra.susceptibilityImaginary[k] - dissipationFromR[k]))
    }
    // Largest near the band edge, where (βω/2) multiplies the O(dt⁸) alias residue by ~40.
    #expect(worstPower <= 1e-9, "Ĉ: \(worstPower)")
    #expect(worstFDT <= 1e-8, "χ'' − (βω/2)Ĉ: \(worstFDT)")
    #expect(worstSine <= 1e-8, "χ'' − ∫R sin ωτ: \(worstSine)")
    #expect(abs(spectra.susceptibilityReal[0] - beta) <= 1e-9)
    // High frequency: χ'' → 1/ω, Ĉ → 2T/ω².
    let last = grid.count - 1, omegaMax = grid.frequencies[last]
    #expect(abs(spectra.susceptibilityImaginary[last] * omegaMax - 1) <= 0.01)
    #expect(abs(spectra.correlation[last] * omegaMax * omegaMax / (2 * temperature) - 1) <= 0.01)
}

@Test func susceptibilityObeysKramersKronig() throws {
    // χ'(ω) = (2/π) P∫_0^∞ ω'χ''(ω')/(ω'² − ω²) dω' (χ'(∞) = 0), evaluated on the frequency grid: the integrand minus
    // its value at ω' = ω is regular (and even in ω', so the trapezoid rule is spectrally accurate at 0); the
    // subtracted part and the tail beyond Ω = π/dt, where χ'' = 1/ω − a/ω³ (a = μ² + f''(1)), are done exactly.
    let mixture = try PSpinMixture.pure(3), temperature = 0.8
    let solution = try spectralSolve(mixture, temperature: temperature, step: 0.05, window: 300)
    let spectra = try #require(solution.spectra)
    let frequencies = spectra.frequencies, dissipation = spectra.susceptibilityImaginary
    let step = frequencies[1], count = frequencies.count
    let bandEdge = frequencies[count - 1]
    let mu = solution.lagrangeMultiplier, tailCurvature = mu * mu + mixture.secondDerivative(1)
    var worst = 0.0
    for k in [1, 3, 10, 30, 100, 300, 1000, 2000] {
        let omega = frequencies[k], pole = omega * dissipation[k]
        var sum = 0.0
        for (i, value) in frequencies.enumerated() {
            let regular: Double
            if i == k {
                // Limit: h'(ω)/(2ω), h = ω'χ''(ω') (even), by eighth-order central differences.
                func h(_ index: Int) -> Double { frequencies[abs(index)] * dissipation[abs(index)] }
                let weights = [4.0 / 5, -1.0 / 5, 4.0 / 105, -1.0 / 280]
                var slope = 0.0
                for (offset, weight) in weights.enumerated() { slope += weight * (h(i + offset + 1) - h(i - offset - 1)) }
                regular = slope / step / (2 * omega)
            } else {
                regular = (value * dissipation[i] - pole) / (value * value - omega * omega)
            }
            sum += (i == 0 || i == count - 1 ? 0.5 : 1) * regular
        }
        sum *= step
        let logarithm = log((bandEdge + omega) / (bandEdge - omega)) / (2 * omega)   // ∫_Ω^∞ dω'/(ω'² − ω²)
        let inBand = sum - pole * logarithm      // P∫_0^Ω dω'/(ω'² − ω²) = −logarithm
        let tail = logarithm - tailCurvature * (logarithm - 1 / bandEdge) / (omega * omega)
        let reconstructed = 2 / Double.pi * (inBand + tail)
        worst = max(worst, abs(reconstructed - spectra.susceptibilityReal[k]))
    }
    #expect(worst <= 1e-6, "largest |χ'_KK − χ'| = \(worst) (χ'(0) = \(1 / temperature))")
}

// MARK: - Failures and other models

@Test func spectralSolverRefusesTheCriticalProblem() throws {
    let mixture = try PSpinMixture.pure(3)
    let solver = PSpinSpectralSolver(grid: try LagGrid(step: 0.1, intervals: 64))
    let critical = PSpinEquilibrium.critical(mixture: mixture)
    #expect(throws: PSpinEquilibriumError.criticalNeedsDoubling) { try solver.solve(critical) }
    #expect(throws: PSpinEquilibriumError.criticalNeedsDoubling) { try PSpinSpectralSolver.automaticGrid(for: critical) }
    #expect(PSpinEquilibriumMethod.auto.resolved(for: critical) == .doubling)
}

@Test func bothSolversAnswerThroughTheSameProtocol() throws {
    // The same problem through the two interchangeable solvers: one solution type, the same names, the same τ_α.
    let problem = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8)
    func relaxation<S: StationarySolver>(_ solver: S) throws -> (Double?, String) where S.Problem == PSpinEquilibrium {
        let solution = try problem.solve(with: solver)
        return (solution.characteristicTime, solution.report.method)
    }
    let spectral = try relaxation(try PSpinSpectralSolver(for: problem))
    let doubling = try relaxation(try DoublingSolver(options: DoublingOptions(blockSize: 1024)))
    let spectralTime = try #require(spectral.0), doublingTime = try #require(doubling.0)
    #expect(abs(spectralTime / doublingTime - 1) <= 1e-5, "τ_α \(spectralTime) vs \(doublingTime)")
    #expect(spectral.1.hasPrefix("anderson") && doubling.1.hasPrefix("time-doubling"))
    #expect(try problem.solve().method == .spectral)
}

@Test func failuresThrowWithTheirNumbers() throws {
    let mixture = try PSpinMixture.pure(3)
    // Too few iterations: the error carries the residual.
    do {
        var options = PSpinSpectralSolver.defaultOptions
        options.maximumIterations = 3
        _ = try spectralSolve(mixture, temperature: 0.8, step: 0.1, window: 300, start: .analytic, options: options)
        Issue.record("three evaluations were enough")
    } catch ConvergenceError.notConverged(let residual, _, let tolerance) {
        #expect(residual > tolerance && residual.isFinite)
    }
    // A window that cuts C off at ~1e-3 (it reaches 1e-8 only at τ ≈ 190).
    do {
        _ = try spectralSolve(mixture, temperature: 0.8, step: 0.1, window: 60)
        Issue.record("a window of 60 was accepted")
    } catch SolverError.windowTooShort(let window, let tail) {
        #expect(window >= 60 && tail > 1e-6)
    }
}

@Test func spectralSolverRunsOtherModelsEndToEnd() throws {
    for (text, temperature) in [("4", 0.65), ("3:0.5,4:0.5", 0.7)] {
        let mixture = try PSpinMixture(parsing: text)
        #expect(temperature > mixture.dynamicalTransition.temperature)
        let solution = try PSpinEquilibrium(mixture: mixture, temperature: temperature).solve(method: .spectral)
        #expect(abs(solution.correlation[0] - 1) <= 1e-10, "\(text): C(0) − 1 = \(solution.correlation[0] - 1)")
        // The dynamic route against the exact −f(1)/T (O(dt⁸) scheme and window tail: ~1e-9 at most).
        #expect(abs(solution.energyFromDynamics + mixture.f(1) / temperature) <= 1e-8, "\(text): \(solution.energyFromDynamics)")
        let doubling = try doublingSolve(mixture, temperature: temperature, blockSize: 128, until: 1e4)
        let tauSpectral = try #require(solution.relaxationTime), tauDoubling = try #require(doubling.relaxationTime)
        #expect(abs(tauSpectral - tauDoubling) <= 2e-4 * tauSpectral, "\(text): τ_α \(tauSpectral) vs \(tauDoubling)")
    }
}
