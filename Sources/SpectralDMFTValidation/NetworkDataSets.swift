import Foundation
import SpectralDMFT

/// Network data sets: the chaos transition, the phase diagram, correlation profiles and spectra.
enum NetworkDataSets {
    static var all: [DataSet] {
        [
            DataSet(name: "chaos_transition", description: "Δ0, decorrelation time and λ_max vs g at σ = 0, 0.5, 1", produce: chaosTransition),
            DataSet(name: "phase_diagram", description: "λ_max on a (g, σ) grid and the lines g_c, g_c criterion, g_local", produce: phaseDiagram),
            DataSet(name: "network_profiles", description: "Δ(τ) and its spectrum at g = 1.25, 1.5, 2, 3 (σ = 0) and g = 2, σ = 0.5", produce: profiles),
        ]
    }

    static func chaosTransition(quick: Bool) throws -> DataSetOutput {
        let couplings = evenlySpaced(from: 0.5, to: 3, count: quick ? 11 : 101)
        var table = CSVTable(columns: ["sigma", "g", "delta0", "decorrelation_time", "lambda_max"])
        var failures = 0.0
        for sigma in [0.0, 0.5, 1.0] {
            for point in NetworkScan.run(couplings: couplings, noise: sigma, lyapunov: true) {
                if let solution = point.solution, let exponent = point.lyapunov {
                    table.append([sigma, point.coupling, solution.variance, solution.decorrelationTime, exponent.lambdaMax])
                } else {
                    failures += 1
                    table.append([sigma, point.coupling, .nan, .nan, .nan])
                }
            }
        }
        guard failures == 0 else { throw DataSetError.failedPoints(Int(failures)) }
        return DataSetOutput(tables: [("chaos_transition.csv", table)],
                             parameters: ["g": "0.5 to 3, \(couplings.count) points", "sigma": "0, 0.5, 1", "phi": "tanh",
                                          "grid": "automatic, step ≤ 0.05", "tolerance": "1e-10"],
                             statistics: ["points": Double(3 * couplings.count)])
    }

    static func phaseDiagram(quick: Bool) throws -> DataSetOutput {
        let couplings = evenlySpaced(from: 0.5, to: 3, count: quick ? 6 : 51)
        let noises = evenlySpaced(from: 0, to: 1.5, count: quick ? 3 : 16)
        var grid = CSVTable(columns: ["g", "sigma", "delta0", "lambda_max"])
        for sigma in noises {
            for point in NetworkScan.run(couplings: couplings, noise: sigma, lyapunov: true) {
                guard let solution = point.solution, let exponent = point.lyapunov else {
                    throw DataSetError.failedPoints(1)
                }
                grid.append([point.coupling, sigma, solution.variance, exponent.lambdaMax])
            }
        }
        let lines = ParallelMap.run(count: noises.count, makeWorkspace: { () }) { _, index in
            Result { try NetworkTransition.locate(noise: noises[index]) }
        }
        var table = CSVTable(columns: ["sigma", "g_c", "g_c_criterion", "g_local"])
        for line in lines {
            let transition = try line.get()
            table.append([transition.sigma, transition.gC, transition.gCCriterion, transition.gLocal])
        }
        return DataSetOutput(tables: [("phase_diagram.csv", grid), ("phase_transition_lines.csv", table)],
                             parameters: ["g": "0.5 to 3, \(couplings.count) points", "sigma": "0 to 1.5, \(noises.count) points",
                                          "phi": "tanh"],
                             statistics: ["grid_points": Double(couplings.count * noises.count)])
    }

    static func profiles(quick: Bool) throws -> DataSetOutput {
        var correlation = CSVTable(columns: ["g", "sigma", "tau", "delta"])
        var spectrum = CSVTable(columns: ["g", "sigma", "omega", "power"])
        var statistics: [String: Double] = [:]
        let cases: [(Double, Double)] = quick ? [(1.5, 0), (2, 0.5)] : [(1.25, 0), (1.5, 0), (2, 0), (3, 0), (2, 0.5)]
        for (g, sigma) in cases {
            let model = try NetworkModel(coupling: g, noise: sigma)
            let grid = try NetworkStationarySolver.automaticGrid(for: model)
            let solution = try NetworkStationarySolver(grid: grid).solve(model)
            statistics["iterations_g\(g)_sigma\(sigma)"] = Double(solution.report.iterations)
            statistics["residual_g\(g)_sigma\(sigma)"] = solution.report.residual
            let lagStride = max(1, Int((0.1 / grid.step).rounded()))
            for j in Swift.stride(from: 0, to: grid.count, by: lagStride) where grid.lags[j] <= 60 {
                correlation.append([g, sigma, grid.lags[j], solution.correlation[j]])
            }
            let frequencies = grid.frequencies
            let frequencyStride = max(1, Int((0.02 / grid.frequencyStep).rounded()))
            for k in Swift.stride(from: 0, to: grid.count, by: frequencyStride) where frequencies[k] <= 10 {
                spectrum.append([g, sigma, frequencies[k], solution.spectrum[k]])
            }
        }
        return DataSetOutput(tables: [("network_profiles.csv", correlation), ("network_spectra.csv", spectrum)],
                             parameters: ["cases": cases.map { "g = \($0.0), σ = \($0.1)" }.joined(separator: "; "),
                                          "phi": "tanh", "grid": "automatic", "tau": "0 to 60", "omega": "0 to 10"],
                             statistics: statistics)
    }
}
