import Foundation
import SpectralDMFT

/// General networks beyond the stationary solve: λ_max from the linearised DMFT with the full kernel C_φ' (one
/// population, docs/PHYSICS.md §1.10; D populations, §1.13) and the general finite-N simulator of the E–I network
/// against the spectral solver.
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

        try populations(area: area, record)
    }

    /// Several populations (docs/PHYSICS.md §1.11, §1.13): λ_max of the D × D tangent problem against D = 1, its
    /// zero mode, and the E–I network (docs/examples/ei.json) at s = 3 against a finite-N simulation.
    static func populations(area: String, _ record: (ValidationCheck) -> Void) throws {
        // Two identical populations are one: the matrix route against the scalar shooting of the D = 1 solution.
        let single = try GeneralNetworkModel(coupling: 3, bias: 0.5, meanCoupling: -1, nonlinearity: .reluTanh)
        let singleSolution = try single.solve()
        let scalar = try LyapunovExponent.compute(model: single, solution: singleSolution)
        func identical(_ fractions: [Double]) throws -> PopulationNetworkModel {
            try PopulationNetworkModel(
                populations: fractions.enumerated().map {
                    NetworkPopulation(name: "P\($0.offset)", fraction: $0.element, nonlinearity: .reluTanh, bias: 0.5)
                },
                coupling: fractions.map { _ in fractions.map { _ in 3 } }, meanCoupling: fractions.map { _ in fractions.map { _ in -1 } })
        }
        let pair = try identical([0.8, 0.2])
        let copies = PopulationNetworkSolution.identicalPopulations(singleSolution, model: pair)
        let matrix = try LyapunovExponent.compute(model: pair, solution: copies)
        let reduction = abs(matrix.lambdaMax - scalar.lambdaMax)
        record(ValidationCheck(area: area, name: "λ_max of 2 identical populations = D = 1 λ_max, relu-tanh, g = 3, h0 = 0.5, J0 = −1",
                               measured: reduction, limit: 1e-7, passed: reduction <= 1e-7 && matrix.isBoundState,
                               detail: String(format: "%.10f vs %.10f (grid errors %.1e, %.1e)", matrix.lambdaMax, scalar.lambdaMax,
                                              matrix.lambdaMaxError, scalar.lambdaMaxError)))
        // The E–I networks at s = 3: a bound state, its grid error, and the zero mode ψ_k = Δ̇_k of the odd sector.
        var ei: (PopulationNetworkModel, PopulationNetworkSolution)?
        for name in EINetworks.names {
            let model = try EINetworks.model(name, scale: 3)
            let solution = try model.solve()
            if name == "ei" { ei = (model, solution) }
            let result = try LyapunovExponent.compute(model: model, solution: solution)
            let zero = try PopulationTangentProblem(model: model, solution: solution).lowestEigenvalue(stride: 1, odd: true)
            let worst = max(result.lambdaMaxError, abs(zero))
            record(ValidationCheck(area: area, name: "λ_max > 0 of \(name) at s = 3: grid error and odd-sector zero mode",
                                   measured: worst, limit: 1e-6,
                                   passed: result.lambdaMax > 0 && result.isBoundState && worst <= 1e-6,
                                   detail: String(format: "λ_max = %.8f ± %.1e, E_odd = %.1e, edge %.6f", result.lambdaMax,
                                                  result.lambdaMaxError, zero, result.continuumEdge)))
        }

        // The E–I network against the finite-N simulator (N = 1000, 4 seeds, BLAS when installed).
        let (model, dmft) = ei!
        let clock = ContinuousClock()
        var simulated: PopulationSimulationResult?
        let seconds = try clock.measure {
            simulated = try EINetworks.simulate(model, size: 1000, seeds: 4, duration: 60, transient: 20, backend: .automatic)
        }
        var comparisons: [(String, Double, Double, Double)] = []
        for (k, population) in simulated!.populations.enumerated() {
            let state = dmft.populations[k], label = model.populations[k].name
            comparisons += [("μ_\(label)", population.mean, population.meanError, state.mean),
                            ("M_\(label)", population.rate, population.rateError, state.rate),
                            ("Δ0_\(label)", population.correlation[0], population.correlationError[0], state.variance),
                            ("Δ∞_\(label)", population.staticVariance, population.staticVarianceError, state.staticVariance)]
            for lag in [3.0, 10] {
                let j = Int((lag / simulated!.sampleInterval).rounded())
                comparisons.append(("Δ_\(label)(\(Int(lag)))", population.correlation[j], population.correlationError[j],
                                    dmft.correlation(population: k, atLag: lag)))
            }
        }
        let worst = comparisons.map { abs($0.1 - $0.3) / (4 * $0.2) }.max()!
        record(ValidationCheck(
            area: area, name: "simulation (N = 1000, 4 seeds) vs DMFT, E–I (ei.json), s = 3", measured: worst, limit: 1,
            passed: worst <= 1,
            detail: comparisons.map { String(format: "%@ %.4f ± %.4f vs %.4f", $0.0, $0.1, $0.2, $0.3) }.joined(separator: "; ")
                + String(format: "; max |diff|/(4 SE); %.0f s", Double(seconds.components.seconds))))
    }
}
