import Foundation
import SpectralDMFT

/// General one-population networks beyond the stationary solve: λ_max from the linearised DMFT with the full
/// kernel C_φ' (docs/PHYSICS.md §1.10) and the general finite-N simulator (bias) against the spectral solver.
enum GeneralChaosValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "general-chaos"
        // Reduction: odd φ, h0 = J0 = 0 on the odd solver's automatic grid.
        let odd = try NetworkModel(coupling: 2)
        let oddSolution = try odd.solve()
        let expected = try LyapunovExponent.compute(model: odd, solution: oddSolution)
        let general = try GeneralNetworkModel(coupling: 2)
        let generalSolution = try GeneralNetworkSolver(grid: oddSolution.grid).solve(general)
        let reduced = try LyapunovExponent.compute(model: general, solution: generalSolution)
        let reduction = abs(reduced.lambdaMax - expected.lambdaMax)
        record(ValidationCheck(area: area, name: "λ_max general kernel = odd λ_max, tanh, g = 2", measured: reduction,
                               limit: 1e-9, passed: reduction <= 1e-9,
                               detail: String(format: "λ_max = %.10f (published 0.112458)", reduced.lambdaMax)))
        // relu-tanh, h0 = J0 = 0: λ_max → 0 at g_c = √2 (fixed-point branch, −1 + g/√2).
        let critical = 2.0.squareRoot() * (1 - 1e-9)
        let below = try GeneralNetworkModel(coupling: critical, nonlinearity: .reluTanh)
        let atCritical = try LyapunovExponent.compute(model: below, solution: try below.solve())
        record(ValidationCheck(area: area, name: "λ_max → 0 at g_c = √2, relu-tanh (g = √2(1 − 1e-9))",
                               measured: abs(atCritical.lambdaMax), limit: 2e-9, passed: abs(atCritical.lambdaMax) <= 2e-9,
                               detail: "λ_max = \(atCritical.lambdaMax)"))
        // Chaotic branch: λ_max > 0 with a bound state, for non-odd φ and bias.
        for (name, g, h0) in [("relu-tanh", 2.0, 0.0), ("tanh", 2.0, 0.5)] {
            let model = try GeneralNetworkModel(coupling: g, bias: h0, nonlinearity: Nonlinearity.general(named: name)!)
            let solution = try model.solve()
            let result = try LyapunovExponent.compute(model: model, solution: solution)
            record(ValidationCheck(area: area, name: "λ_max > 0 (bound state) and its grid error, \(name), g = \(g), h0 = \(h0)",
                                   measured: result.lambdaMaxError, limit: 1e-6,
                                   passed: result.lambdaMax > 0 && result.isBoundState && result.lambdaMaxError <= 1e-6,
                                   detail: String(format: "λ_max = %.8f ± %.1e, κ² = %.6f", result.lambdaMax,
                                                  result.lambdaMaxError, result.continuumEdge)))
        }

        // The general simulator (bias) against the spectral solver: tanh, h0 = 0.5, g = 2, N = 1000, 4 seeds.
        let model = try GeneralNetworkModel(coupling: 2, bias: 0.5, nonlinearity: .tanh)
        let dmft = try model.solve()
        var options = NetworkSimulationOptions(size: 1000, duration: 150)
        options.transient = 30
        options.realisations = 4
        options.maximumLag = 30
        let spec = try PopulationNetworkSpec.single(coupling: 2, bias: 0.5, nonlinearity: .tanh)
        let clock = ContinuousClock()
        var simulated: PopulationSimulationResult?
        let seconds = try clock.measure { simulated = try PopulationNetworkSimulator(spec: spec, options: options).run() }
        let population = simulated!.populations[0]
        let last = population.correlation.count - 1
        let comparisons: [(String, Double, Double, Double)] = [
            ("M", population.rate, population.rateError, dmft.rate),
            ("μ", population.mean, population.meanError, dmft.mean),
            ("Δ0", population.correlation[0], population.correlationError[0], dmft.variance),
            ("Δ(30)", population.correlation[last], population.correlationError[last], dmft.correlation(atLag: simulated!.lags[last])),
        ]
        let worst = comparisons.map { abs($0.1 - $0.3) / (4 * $0.2) }.max()!
        record(ValidationCheck(
            area: area, name: "simulation (N = 1000, 4 seeds) vs DMFT, tanh, g = 2, h0 = 0.5", measured: worst, limit: 1,
            passed: worst <= 1,
            detail: comparisons.map { String(format: "%@ %.4f ± %.4f vs %.4f", $0.0, $0.1, $0.2, $0.3) }.joined(separator: "; ")
                + String(format: "; max |diff|/(4 SE); %.0f s", Double(seconds.components.seconds))))
    }
}
