import Foundation
import Testing
@testable import SpectralDMFT

@Test func drivenExplore() throws {
    let mixture = try PSpinMixture.pure(3)
    let equilibrium = try PSpinEquilibrium(mixture: mixture, temperature: 0.8)
    let grid = try PSpinSpectralSolver.automaticGrid(for: equilibrium)
    print("grid", grid.step, grid.intervals)
    let reference = try PSpinSpectralSolver(grid: grid).solve(equilibrium)
    let problem = try DrivenPSpin(mixture: mixture, temperature: 0.8, drive: 0)
    let solution = try DrivenPSpinSpectralSolver(grid: grid).solve(problem, initialGuess: nil) { i, r in
        if i % 10 == 0 { print(i, r) }
    }
    var dc = 0.0, dr = 0.0
    for j in 0..<grid.count {
        dc = max(dc, abs(solution.correlation[j] - reference.correlation[j]))
        dr = max(dr, abs(solution.response[j] - reference.response[j]))
    }
    print("report", solution.report.iterations, solution.report.residual)
    print("tau", solution.relaxationTime!, reference.relaxationTime!, "dC", dc, "dR", dr)
    print("mu", solution.lagrangeMultiplier, equilibrium.lagrangeMultiplier, solution.multiplierFromIdentity)
    print("E", solution.energy, equilibrium.energy, "P", solution.injectedPower, solution.heatToBath)
    print("C''", solution.secondDerivativeAtZero, 0.8 * equilibrium.lagrangeMultiplier)
    let expansion = SmallLagExpansion(mixture: mixture, temperature: 0.8)
    print("C4", solution.fourthDerivativeAtZero, expansion.correlationDerivative(4))
    print("slope0", solution.correlationSlopeAtZero, "Teff", solution.slowEffectiveTemperature ?? .nan)
    let s = DrivenSmallLagSeries(f: DrivenSmallLagSeries.derivativesAtOne(mixture), h: SIMD16(), temperature: 0.8,
        multiplier: equilibrium.lagrangeMultiplier, secondDerivative: expansion.correlationDerivative(2),
        fourthDerivative: expansion.correlationDerivative(4))
    for n in 0..<8 { print(n, s.correlation[n], expansion.correlationDerivative(n), s.response[n], -expansion.correlationDerivative(n + 1) / 0.8) }
    for (T, eps) in [(0.8, 0.2), (0.8, 0.5), (0.5, 1.0)] {
        let p = try DrivenPSpin(mixture: mixture, temperature: T, drive: eps)
        let sol = try p.solve()
        print("T", T, "eps", eps, "tau", sol.relaxationTime ?? .nan, "it", sol.report.iterations, "n", sol.lags.count,
              "mu", sol.lagrangeMultiplier, sol.multiplierFromIdentity, "P", sol.injectedPower, sol.heatToBath,
              "slope0", sol.correlationSlopeAtZero, "Teff", sol.slowEffectiveTemperature ?? .nan, sol.seconds)
    }
}
