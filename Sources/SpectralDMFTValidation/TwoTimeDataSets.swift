import Foundation
import SpectralDMFT

/// Data sets of transients: p-spin quench energies, aging curves and FD data; the regression of the two-time
/// integrator against the stationary solvers; the finite-N simulation against the DMFT.
enum TwoTimeDataSets {
    static var all: [DataSet] {
        [
            DataSet(name: "pspin_quench", description: "p = 3 quenches to T = 0 and 0.4: E(t), μ(t), C(t_w+τ, t_w), R, and FD data χ vs C", produce: quench),
            DataSet(name: "regression", description: "two-time integrator at long times vs the stationary solvers (p-spin T = 1; network g = 2, σ = 0.5)", produce: regression),
            DataSet(name: "network_simulation", description: "finite-N simulation vs DMFT at g = 2: ⟨h²⟩, λ_max over N, and Δ(τ)", produce: simulation),
        ]
    }

    /// E_∞(T) after a quench of pure p below T_d (docs/PHYSICS.md §2), E_th at T = 0.
    static func asymptoticEnergy(p: Int, temperature: Double) -> Double {
        let pp = Double(p)
        if temperature == 0 { return -(2 * (pp - 1) / pp).squareRoot() }
        // q from (p(p−1)/2) q^{p−2} (1−q)² = T², on the branch q > (p−2)/(p−1).
        let branchStart = (pp - 2) / (pp - 1)
        let q = RootFinding.brent({ q in pp * (pp - 1) / 2 * pow(q, pp - 2) * (1 - q) * (1 - q) - temperature * temperature },
                                  lower: branchStart, upper: 1) ?? .nan
        let x = (pp - 2) * (1 - q) / q
        return -(1 / (2 * temperature)) * (1 - (1 - x) * pow(q, pp))
    }

    static func quench(quick: Bool) throws -> DataSetOutput {
        let cubic = try PSpinMixture.pure(3)
        let options = quick ? TwoTimeOptions(step: 0.1, steps: 200) : TwoTimeOptions(step: 0.05, steps: 4000)
        let waiting = quick ? [2.5, 5, 10] : [12.5, 25, 50, 100]
        let thin = quick ? 1 : 10
        var energy = CSVTable(columns: ["T", "t", "energy", "mu"])
        var aging = CSVTable(columns: ["T", "t_w", "tau", "C", "R"])
        var fdt = CSVTable(columns: ["T", "t_w", "t", "C", "chi"])
        var statistics: [String: Double] = [:]
        for temperature in [0.0, 0.4] {
            let integrator = try PSpinQuenchIntegrator(mixture: cubic, temperature: temperature, options: options)
            try integrator.advance()
            let solution = integrator.solution
            for i in Swift.stride(from: solution.rowsAfterQuench.lowerBound, through: solution.lastRow, by: thin) {
                energy.append([temperature, solution.time(ofRow: i), solution.energy(row: i), solution.lagrangeMultiplier(row: i)])
            }
            for tw in waiting {
                let column = try solution.row(atTime: tw)
                let actual = solution.time(ofRow: column)
                for i in Swift.stride(from: column, through: solution.lastRow, by: max(1, thin / 2)) {
                    let c = solution.correlation(row: i, column: column)
                    aging.append([temperature, actual, solution.time(ofRow: i) - actual, c, solution.response(row: i, column: column)])
                    fdt.append([temperature, actual, solution.time(ofRow: i), c, solution.susceptibility(row: i, from: column)])
                }
            }
            statistics["final_energy_T\(temperature)"] = solution.energy(row: solution.lastRow)
            statistics["asymptotic_energy_T\(temperature)"] = asymptoticEnergy(p: 3, temperature: temperature)
            statistics["memory_bytes_T\(temperature)"] = Double(integrator.memoryBytes)
        }
        return DataSetOutput(tables: [("pspin_quench_energy.csv", energy), ("pspin_aging.csv", aging), ("pspin_fdt.csv", fdt)],
                             parameters: ["model": "pure p = 3", "T": "0, 0.4 (from a random start)",
                                          "grid": "dt = \(options.step), \(options.steps) steps, order \(options.order)",
                                          "t_w": waiting.map { "\($0)" }.joined(separator: ", "),
                                          "E_infinity": "docs/PHYSICS.md §2: E_th = −√(2(p−1)/p) at T = 0, E_∞(T) below T_d"],
                             statistics: statistics)
    }

    static func regression(quick: Bool) throws -> DataSetOutput {
        // p-spin: quench to T = 1, C(t_w + τ, t_w) at large t_w against the equilibrium C(τ).
        let cubic = try PSpinMixture.pure(3)
        let options = quick ? TwoTimeOptions(step: 0.05, steps: 400) : TwoTimeOptions(step: 0.025, steps: 2000)
        let waiting = quick ? 10.0 : 40.0
        let integrator = try PSpinQuenchIntegrator(mixture: cubic, temperature: 1, options: options)
        try integrator.advance()
        let solution = integrator.solution
        let equilibrium = try PSpinEquilibrium(mixture: cubic, temperature: 1).solve(method: .spectral)
        var pspin = CSVTable(columns: ["tau", "C_two_time", "C_equilibrium", "R_two_time", "R_equilibrium"])
        let column = try solution.row(atTime: waiting)
        var pspinWorst = 0.0
        for i in column...solution.lastRow {
            let tau = solution.time(ofRow: i) - solution.time(ofRow: column)
            let c = solution.correlation(row: i, column: column)
            pspin.append([tau, c, equilibrium.correlation(atLag: tau), solution.response(row: i, column: column),
                          equilibrium.response(atLag: tau)])
            pspinWorst = max(pspinWorst, abs(c - equilibrium.correlation(atLag: tau)))
        }
        // Network: g = 2, σ = 0.5, Δ(t_w + τ, t_w) at large t_w against the stationary Δ(τ).
        let model = try NetworkModel(coupling: 2, noise: 0.5)
        let networkOptions = quick ? TwoTimeOptions(step: 0.05, steps: 1000) : TwoTimeOptions(step: 0.05, steps: 3200)
        let networkWaiting = quick ? [20.0, 30] : [50.0, 100, 150]
        let transient = try NetworkTransientIntegrator(model: model, initialVariance: 1, options: networkOptions,
                                                       waitingTimes: networkWaiting)
        try transient.advance()
        let stationary = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model)).solve(model)
        var network = CSVTable(columns: ["t_w", "tau", "delta_two_time", "delta_stationary"])
        var networkWorst = 0.0
        for index in networkWaiting.indices {
            let (tw, values) = transient.recordedColumn(index)
            for (m, value) in values.enumerated() {
                let tau = Double(m) * networkOptions.step
                guard tau <= 20 else { break }
                let reference = stationary.correlation(atLag: tau)
                network.append([tw, tau, value, reference])
                if index == networkWaiting.count - 1 && tau <= 10 { networkWorst = max(networkWorst, abs(value - reference)) }
            }
        }
        return DataSetOutput(tables: [("regression_pspin.csv", pspin), ("regression_network.csv", network)],
                             parameters: ["pspin": "p = 3 quench to T = 1, t_w = \(waiting), dt = \(options.step); equilibrium from the spectral solver",
                                          "network": "g = 2, σ = 0.5, Δ_init = 1, dt = \(networkOptions.step), t_w = \(networkWaiting); stationary from the spectral solver"],
                             statistics: ["pspin_max_difference_tau_all": pspinWorst, "network_max_difference_last_tw_tau_le_10": networkWorst])
    }

    static func simulation(quick: Bool) throws -> DataSetOutput {
        let sizes = quick ? [100, 200] : [500, 1000, 2000]
        let realisations = quick ? 2 : 8
        let duration = quick ? 50.0 : 200
        var summary = CSVTable(columns: ["N", "g", "sigma", "delta0", "delta0_error", "lambda_max", "lambda_max_error",
                                         "dmft_delta0", "dmft_lambda_max"])
        var profile = CSVTable(columns: ["sigma", "tau", "delta_simulation", "delta_simulation_error", "delta_dmft"])
        for sigma in [0.0, 0.5] {
            let model = try NetworkModel(coupling: 2, noise: sigma)
            let (lyapunov, stationary) = try NetworkTransition.lyapunovExponent(coupling: 2, noise: sigma)
            for size in sizes {
                var options = NetworkSimulationOptions(size: size, duration: duration)
                options.realisations = realisations
                options.computesLyapunovExponent = true
                options.backend = .vectorised   // the same bits on every machine, with or without a BLAS
                let result = try NetworkSimulator(model: model, options: options).run(progress: nil)
                summary.append([Double(size), 2, sigma, result.variance, result.varianceError, result.lyapunovExponent ?? .nan,
                                result.lyapunovExponentError ?? .nan, stationary.variance, lyapunov.lambdaMax])
                if size == sizes.last {
                    for (j, lag) in result.lags.enumerated() {
                        profile.append([sigma, lag, result.correlation[j], result.correlationError[j], stationary.correlation(atLag: lag)])
                    }
                }
            }
        }
        return DataSetOutput(tables: [("network_simulation.csv", summary), ("network_simulation_profile.csv", profile)],
                             parameters: ["model": "g = 2, tanh, σ = 0 and 0.5", "N": sizes.map { "\($0)" }.joined(separator: ", "),
                                          "realisations": "\(realisations) (seeds from 1)", "t_max": "\(duration) after a transient of 50",
                                          "integrators": "RK4 (σ = 0), stochastic Heun (σ > 0), automatic dt",
                                          "backend": "vectorised loop (bitwise reproducible)"],
                             statistics: [:])
    }
}
