import Foundation
import Testing
@testable import SpectralDMFT

// MARK: - Independent references

/// C(τ) of the same equation on a uniform grid: implicit trapezoid rule for C' = D and for the memory integral,
///
///     D_n = −T C_n − β δ [½ f'(C_n) D_0 + Σ_{k=1}^{n−1} f'(C_{n−k}) D_k + ½ f'(C_0) D_n],  C_n = C_{n−1} + δ(D_{n−1} + D_n)/2,
///
/// solved for C_n by Newton's method. O(δ²) with an expansion in even powers of δ (Richardson-extrapolable).
private func uniformTrapezoidCorrelation(_ mixture: PSpinMixture, temperature: Double, step: Double,
                                         until end: Double) -> [Double] {
    let beta = 1 / temperature
    let count = Int((end / step).rounded()) + 1
    var correlation = [Double](repeating: 1, count: count)
    var derivative = [Double](repeating: -temperature, count: count)
    let memoryAtOne = mixture.derivative(1)
    for n in 1..<count {
        var history = 0.0
        for k in 1..<n { history += mixture.derivative(correlation[n - k]) * derivative[k] }
        var value = correlation[n - 1] + step * derivative[n - 1]
        for _ in 0..<50 {
            let slope = 2 * (value - correlation[n - 1]) / step - derivative[n - 1]
            let residual = slope + temperature * value + beta * step
                * (0.5 * mixture.derivative(value) * derivative[0] + history + 0.5 * memoryAtOne * slope)
            let jacobian = 2 / step + temperature + beta * step
                * (0.5 * mixture.secondDerivative(value) * derivative[0] + memoryAtOne / step)
            let update = residual / jacobian
            value -= update
            if abs(update) < 1e-15 { break }
        }
        correlation[n] = value
        derivative[n] = 2 * (value - correlation[n - 1]) / step - derivative[n - 1]
    }
    return correlation
}

/// Exact C(τ) for f = q²/2 (memory linear in C). The Laplace form C̃ = (1 + βC̃)/(z(1 + βC̃) + T) is the quadratic
/// βz C̃² + (z + T − β) C̃ − 1 = 0, whose inverse transform is
///
///     C(τ) = 1 − T ∫_0^τ I_1(2u) e^{−(T+β)u} / u du      (T > 1; C(0) = 1, C'(0) = −T, C(∞) = 0).
private func exactTwoSpinCorrelation(temperature: Double, at time: Double, panel: Double = 0.25) -> Double {
    let decay = temperature + 1 / temperature
    // I_1(2u)/u = Σ_k u^{2k} / (k! (k+1)!), all terms positive.
    func integrand(_ u: Double) -> Double {
        var term = 1.0, sum = 1.0
        for k in 1..<2000 {
            term *= u * u / (Double(k) * Double(k + 1))
            sum += term
            if term < 1e-17 * sum { break }
        }
        return sum * exp(-decay * u)
    }
    return 1 - temperature * GaussLegendre.integrate(integrand, from: 0, to: time, panel: panel)
}

private func solve(_ mixture: PSpinMixture, temperature: Double, initialStep: Double = 1e-9, blockSize: Int = 128,
                   maximumTime: Double = 1e10, critical: Bool = false) throws -> PSpinEquilibriumSolution {
    let options = DoublingOptions(initialStep: initialStep, blockSize: blockSize, maximumTime: maximumTime)
    let problem = critical ? PSpinEquilibrium.critical(mixture: mixture)
        : try PSpinEquilibrium(mixture: mixture, temperature: temperature)
    return try DoublingSolver(options: options).solve(problem)
}

// MARK: - Tests

@Test func startsFromTheInitialConditionWithTheKink() throws {
    let temperature = 0.8
    let solution = try solve(PSpinMixture.pure(3), temperature: temperature)
    #expect(solution.lags[0] == 0)
    #expect(solution.correlation[0] == 1)
    #expect(solution.response[0] == 1)
    // C'(0⁺) = −T: the first step follows it.
    let slope = (solution.correlation[1] - 1) / solution.lags[1]
    #expect(abs(slope + temperature) <= 1e-6)
    #expect(solution.stopReason == .decayed)
    #expect(solution.correlation.last! < DoublingOptions().decayThreshold)
    #expect(solution.method == .doubling && solution.report.method.hasPrefix("time-doubling"))
    #expect(zip(solution.lags, solution.lags.dropFirst()).allSatisfy { $0 < $1 })
    // C decreases monotonically (completely monotone for these kernels).
    #expect(zip(solution.correlation, solution.correlation.dropFirst()).allSatisfy { $0 >= $1 })
}

/// What the discretisation allows between the dynamic energy −∫f'(C)R of `solution` (block size 128) and the exact
/// −f(1)/T: the time-doubling scheme and its trapezoid rule are O(h²), so the error at block size N is about
/// (4/3)|E_N − E_2N| (Richardson, from a solve at 2N; twice that is allowed), plus the truncation f(C(τ_end))/T.
private func dynamicEnergyTolerance(_ solution: PSpinEquilibriumSolution, mixture: PSpinMixture,
                                    temperature: Double) throws -> Double {
    let finer = try solve(mixture, temperature: temperature, blockSize: 256)
    let estimate = 4.0 / 3 * abs(solution.energyFromDynamics - finer.energyFromDynamics)
    return 2 * estimate + abs(mixture.f(solution.correlation.last!)) / temperature
}

@Test func energyAndMultiplierAreTheEquilibriumValues() throws {
    for temperature in [1.0, 0.7] {
        let mixture = try PSpinMixture.pure(3)
        let solution = try solve(mixture, temperature: temperature)
        #expect(abs(solution.lagrangeMultiplier - (temperature + 1.5 / temperature)) <= 1e-15)
        // −∫ f'(C) R dτ with the computed R against the exact −f(1)/T = −1/(2T): checks R = −βC' (FDT) on the whole grid.
        let error = abs(solution.energyFromDynamics + mixture.f(1) / temperature)
        let tolerance = try dynamicEnergyTolerance(solution, mixture: mixture, temperature: temperature)
        #expect(error <= tolerance, "error \(error), tolerance \(tolerance)")
        #expect(error <= 2e-5)
    }
}

@Test func responseIsMinusBetaTimesTheSlope() throws {
    let temperature = 0.75
    let solution = try solve(PSpinMixture.pure(3), temperature: temperature, blockSize: 256)
    for time in [0.3, 2.0, 15.0] {
        let delta = 1e-4 * time
        let slope = (solution.correlation(atLag: time + delta) - solution.correlation(atLag: time - delta)) / (2 * delta)
        #expect(abs(solution.response(atLag: time) + slope / temperature) <= 1e-5 * max(1, solution.response(atLag: time)))
    }
}

@Test func refusesTemperaturesAtOrBelowTheTransition() throws {
    let mixture = try PSpinMixture.pure(3)
    let transition = (3.0 / 8).squareRoot()
    for temperature in [0.5, transition, transition * (1 - 1e-9)] {
        do {
            _ = try PSpinEquilibrium(mixture: mixture, temperature: temperature)
            Issue.record("T = \(temperature) made a problem")
        } catch let error as PSpinEquilibriumError {
            guard case .belowDynamicalTransition(let t, let td, let qd, _) = error else {
                Issue.record("unexpected \(error)"); continue
            }
            #expect(t == temperature && abs(td - transition) < 1e-14 && abs(qd - 0.5) < 1e-12)
            #expect(error.description.contains("T_d = 0.6123724"))
            #expect(error.description.contains("quench"))
        }
    }
    #expect(throws: PSpinEquilibriumError.invalidTemperature(-1)) { try PSpinEquilibrium(mixture: mixture, temperature: -1) }
    #expect(throws: DoublingSolverError.self) { try DoublingSolver(options: DoublingOptions(blockSize: 15)) }
    #expect(throws: DoublingSolverError.self) { try DoublingSolver(options: DoublingOptions(initialStep: 0)) }
    // The pure 2-spin model condenses continuously at T = 1.
    #expect(throws: PSpinEquilibriumError.self) { try PSpinEquilibrium(mixture: PSpinMixture.pure(2), temperature: 1) }
}

@Test func twoSpinModelMatchesTheExactSolution() throws {
    let temperature = 1.5
    let times = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0]
    let exact = times.map { exactTwoSpinCorrelation(temperature: temperature, at: $0) }
    var errors: [Double] = []
    for (blockSize, initialStep) in [(128, 1e-9), (256, 5e-10)] {
        let solution = try solve(PSpinMixture.pure(2), temperature: temperature, initialStep: initialStep,
                                 blockSize: blockSize)
        errors.append(zip(times, exact).map { abs(solution.correlation(atLag: $0) - $1) }.max()!)
    }
    #expect(errors[1] <= 4e-6, "errors \(errors)")
    #expect(errors[0] / errors[1] > 3.2, "errors \(errors)")
    // The exact solution itself: C(∞) = 0 (∫_0^∞ I_1(2u)e^{−(T+β)u}/u du = β). The tail decays as
    // e^{−(T−1)²τ/T} τ^{−3/2}, about 2e-14 at τ = 150.
    #expect(abs(exactTwoSpinCorrelation(temperature: temperature, at: 150, panel: 1)) < 1e-12)
}

@Test func threeSpinAgreesWithUniformGridIntegrationAtSecondOrder() throws {
    let mixture = try PSpinMixture.pure(3)
    let temperature = 1.0, end = 10.0
    // Reference: Richardson extrapolation of the uniform-grid trapezoid solution (δ = 0.02, 0.01).
    let coarse = uniformTrapezoidCorrelation(mixture, temperature: temperature, step: 0.02, until: end)
    let fine = uniformTrapezoidCorrelation(mixture, temperature: temperature, step: 0.01, until: end)
    let checkTimes = [1.0, 5.0, 10.0]
    let reference = checkTimes.map { time in
        let i = Int((time / 0.02).rounded()), j = Int((time / 0.01).rounded())
        return (4 * fine[j] - coarse[i]) / 3
    }
    // Doubling solver, refined by halving h₀ and doubling N: every block then covers the same times with half the
    // step, and the coarse grid is a subset of the fine one (h₀ = 2^-k puts τ = 1, 5, 10 on the grid).
    var errors: [Double] = []
    for level in 0..<3 {
        let blockSize = 64 << level
        let solution = try solve(mixture, temperature: temperature, initialStep: pow(2, -20 - Double(level)),
                                 blockSize: blockSize, maximumTime: end)
        #expect(solution.stopReason == .maximumTime)
        var largest = 0.0
        for (time, value) in zip(checkTimes, reference) {
            let index = try #require(solution.lags.firstIndex { abs($0 - time) < 1e-12 }, "τ = \(time) on the grid")
            largest = max(largest, abs(solution.correlation[index] - value))
        }
        errors.append(largest)
    }
    #expect(errors[2] <= 2e-6, "errors \(errors)")
    // The step of every block halves from one level to the next.
    let orders = ConvergenceOrder.successive(steps: (0..<errors.count).map { pow(2, -20 - Double($0)) }, errors: errors)
    for order in orders { #expect(order > 1.7 && order < 2.4, "observed orders \(orders); errors \(errors)") }
}

@Test func relaxationTimeConvergesAndGrowsTowardsTheTransition() throws {
    let mixture = try PSpinMixture.pure(3)
    let coarse = try solve(mixture, temperature: 0.7, blockSize: 128)
    let fine = try solve(mixture, temperature: 0.7, initialStep: 5e-10, blockSize: 256)
    let tauCoarse = try #require(coarse.relaxationTime), tauFine = try #require(fine.relaxationTime)
    #expect(abs(tauCoarse - tauFine) <= 2e-4 * tauFine)
    #expect(abs(fine.correlation(atLag: tauFine) - exp(-1)) <= 1e-12)
    #expect(abs(tauFine - 14.6798) < 2e-3)   // release measurement, N = 2048: 14.679782
    // A two-step decay at 0.7: the plateau estimate sits between q_d and 1.
    let plateau = try #require(fine.plateauEstimate)
    #expect(plateau > 0.5 && plateau < 0.7)
    let warmer = try solve(mixture, temperature: 1.0)
    #expect(try #require(warmer.relaxationTime) < tauFine)
    #expect(warmer.plateauEstimate == nil)
}

@Test func criticalRunApproachesThePlateauWithTheMCTExponent() throws {
    let mixture = try PSpinMixture.pure(3)
    let transition = mixture.dynamicalTransition.temperature
    let solution = try solve(mixture, temperature: transition, blockSize: 128, critical: true)
    #expect(solution.stopReason == .maximumTime)
    #expect(solution.relaxationTime == nil)
    let fit = try #require(solution.criticalDecayFit(over: 1e5...1e10))
    #expect(abs(fit.plateau - 0.5) <= 1e-4)
    #expect(abs(fit.exponent - 0.395263) <= 0.02 * 0.395263)
}

@Test func otherModelsRunEndToEnd() throws {
    for (text, temperature) in [("4", 0.6), ("3:0.5,4:0.5", 0.6)] {
        let mixture = try PSpinMixture(parsing: text)
        let solution = try solve(mixture, temperature: temperature)
        #expect(solution.stopReason == .decayed, "\(text)")
        #expect(solution.relaxationTime != nil, "\(text)")
        let error = abs(solution.energyFromDynamics + mixture.f(1) / temperature)
        let tolerance = try dynamicEnergyTolerance(solution, mixture: mixture, temperature: temperature)
        #expect(error <= tolerance, "\(text): error \(error), tolerance \(tolerance)")
    }
}
