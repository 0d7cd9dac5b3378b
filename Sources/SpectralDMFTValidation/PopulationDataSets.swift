import Foundation
import SpectralDMFT

/// The two E–I networks of docs/examples (relu-tanh, fractions 0.8/0.2, E biases 0.3, I 0.2, positive-mean E and
/// negative-mean I couplings J0 = [[1.25, −2.5], [1.25, −2.5]]): `general` is ei.json (g = [[1, 2], [1.5, 1]], a general
/// block variance), `rankOne` is ei-rank-one.json (g = [[1, 2], [1.5, 3]], A_kl = α_l g_kl² of rank one).
enum EINetworks {
    static func model(_ name: String, scale: Double) throws -> PopulationNetworkModel {
        let coupling: [[Double]] = name == "ei-rank-one" ? [[1, 2], [1.5, 3]] : [[1, 2], [1.5, 1]]
        return try PopulationNetworkModel(
            populations: [NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .reluTanh, bias: 0.3),
                          NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .reluTanh, bias: 0.2)],
            coupling: coupling, meanCoupling: [[1.25, -2.5], [1.25, -2.5]], scale: scale)
    }

    /// The models' names, as the example files.
    static let names = ["ei", "ei-rank-one"]

    /// The finite-N simulation of `model` (RK4, dt = 0.05, samples every 0.1, lags to 30, vectorised products:
    /// bitwise reproducible for a given thread count).
    static func simulate(_ model: PopulationNetworkModel, size: Int, seeds: Int, duration: Double, transient: Double,
                         backend: MatrixVectorBackend = .vectorised) throws -> PopulationSimulationResult {
        var options = NetworkSimulationOptions(size: size, duration: duration)
        options.transient = transient
        options.realisations = seeds
        options.step = 0.05
        options.maximumLag = 30
        options.backend = backend
        return try PopulationNetworkSimulator(spec: try PopulationNetworkSpec(model: model), options: options).run()
    }
}

/// The E–I network data set (docs/PHYSICS.md §1.11, §1.13).
enum PopulationDataSets {
    static var all: [DataSet] {
        [DataSet(name: "ei_network",
                 description: "E–I network (relu-tanh, 0.8/0.2): s_c, μ_k, M_k, Δ0_k, Δ∞_k, λ_max vs s; Δ_k(τ) at s = 3 (and simulation, full only)",
                 produce: eiNetwork)]
    }

    static func eiNetwork(quick: Bool) throws -> DataSetOutput {
        let scales = quick ? [1.0, 3] : evenlySpaced(from: 0.25, to: 4, count: 16)
        var transition = CSVTable(columns: ["model", "s_c"])
        var diagram = CSVTable(columns: ["model", "s", "chaotic", "mu_E", "mu_I", "M_E", "M_I", "delta0_E", "delta0_I",
                                         "delta_inf_E", "delta_inf_I", "lambda_max"])
        var profiles = CSVTable(columns: ["model", "tau", "delta_E", "delta_I"])
        var simulation = CSVTable(columns: ["model", "tau", "delta_E", "delta_E_error", "delta_I", "delta_I_error"])
        var summary = CSVTable(columns: ["model", "population", "quantity", "simulation", "standard_error", "dmft"])
        var statistics: [String: Double] = [:]
        var failures = 0
        for (index, name) in EINetworks.names.enumerated() {
            let base = try EINetworks.model(name, scale: 1)
            let critical = try base.criticalScale()
            transition.append([Double(index), critical])
            statistics["s_c_\(name)"] = critical
            var atThree: PopulationNetworkSolution?
            for s in scales {
                let model = try base.scaled(s)
                do {
                    let solution = try model.solve()
                    if s == 3 { atThree = solution }
                    let exponent = try LyapunovExponent.compute(model: model, solution: solution)
                    let p = solution.populations
                    diagram.append([Double(index), s, solution.branch == .fixedPoint ? 0 : 1, p[0].mean, p[1].mean, p[0].rate, p[1].rate,
                                    p[0].variance, p[1].variance, p[0].staticVariance, p[1].staticVariance, exponent.lambdaMax])
                } catch {
                    failures += 1
                    diagram.append([Double(index), s] + [Double](repeating: .nan, count: 10))
                }
            }
            let model = try base.scaled(3)
            let solution = try atThree ?? model.solve()
            let lagStride = max(1, Int(((quick ? 0.5 : 0.1) / solution.grid.step).rounded()))
            for j in Swift.stride(from: 0, to: solution.grid.count, by: lagStride) where solution.lags[j] <= 30 + 1e-9 {
                profiles.append([Double(index), solution.lags[j], solution.correlations[0][j], solution.correlations[1][j]])
            }
            guard !quick else { continue }
            let simulated = try EINetworks.simulate(model, size: 1000, seeds: 4, duration: 200, transient: 50)
            for (j, tau) in simulated.lags.enumerated() where j % 2 == 0 {
                let e = simulated.populations[0], i = simulated.populations[1]
                simulation.append([Double(index), tau, e.correlation[j], e.correlationError[j], i.correlation[j], i.correlationError[j]])
            }
            for (k, measured) in simulated.populations.enumerated() {
                let state = solution.populations[k]
                summary.append([Double(index), Double(k), 0, measured.mean, measured.meanError, state.mean])
                summary.append([Double(index), Double(k), 1, measured.rate, measured.rateError, state.rate])
                summary.append([Double(index), Double(k), 2, measured.correlation[0], measured.correlationError[0], state.variance])
                summary.append([Double(index), Double(k), 3, measured.staticVariance, measured.staticVarianceError, state.staticVariance])
            }
        }
        statistics["failed_points"] = Double(failures)
        var tables: [(file: String, table: CSVTable)] = [("ei_transition.csv", transition), ("ei_phase_diagram.csv", diagram),
                                                         ("ei_profiles.csv", profiles)]
        if !quick { tables += [("ei_simulation.csv", simulation), ("ei_simulation_summary.csv", summary)] }
        return DataSetOutput(
            tables: tables,
            parameters: ["models": "0 = ei (docs/examples/ei.json, general block variance), 1 = ei-rank-one (docs/examples/ei-rank-one.json)",
                         "s": quick ? "1, 3" : "0.25 to 4, \(scales.count) points",
                         "chaotic": "0 = stable fixed point, 1 = chaotic branch",
                         "profiles": "s = 3, tau 0 to 30",
                         "simulation": quick ? "none (full data set only)"
                             : "s = 3, N = 1000, 4 seeds, transient 50, t_max 200, RK4 dt = 0.05, vectorised products",
                         "summary quantity": "0 = mu, 1 = M, 2 = delta0, 3 = delta_inf (mean of the lags 20 to 30); population 0 = E, 1 = I",
                         "grid": "automatic (dt = 0.05 for relu-tanh)", "tolerance": "1e-11"],
            statistics: statistics)
    }
}
