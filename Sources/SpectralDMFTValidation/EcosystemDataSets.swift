import Foundation
import SpectralDMFT

/// Random Lotka–Volterra ecosystems (docs/PHYSICS.md §8): the cavity curves against simulation with exact fixed
/// points, the sampling DMFT of the transient against simulation, and the stationary chaotic phase against a long
/// simulation.
enum EcosystemDataSets {
    static var all: [DataSet] {
        [
            DataSet(name: "ecosystem", description: "random Lotka–Volterra at μ = 4: cavity φ, ⟨N⟩, ⟨N²⟩ vs σ (γ = −0.5, 0, 0.5) against exact fixed points; sampling DMFT m(t), C(t,t) against simulation; stationary chaotic C(τ) (μ = 10, σ = 2.5, λ = 1e-3) against simulation", produce: ecosystem),
        ]
    }

    static let gammas = [-0.5, 0.0, 0.5]

    static func ecosystem(quick: Bool) throws -> DataSetOutput {
        var statistics: [String: Double] = [:]
        // 1. Cavity curves up to σ_c(γ), and simulation points with exact fixed points.
        var cavity = CSVTable(columns: ["gamma", "sigma", "phi", "mean_N", "mean_N2", "chi"])
        var fixedPoints = CSVTable(columns: ["gamma", "sigma", "S", "seeds", "phi", "phi_error", "mean_N", "mean_N_error",
                                             "mean_N2", "mean_N2_error", "cavity_phi", "cavity_mean_N", "cavity_mean_N2"])
        let curvePoints = quick ? 20 : 120
        let species = quick ? 100 : 500, seeds = quick ? 2 : 4
        let simulated = quick ? [0.5, 1.0] : [0.3, 0.5, 0.8, 1.0, 1.2]
        var worstFixedPoint = 0.0
        for gamma in gammas {
            let critical = EcosystemModel.criticalSigma(gamma: gamma)
            for i in 1...curvePoints {
                let sigma = critical * Double(i) / Double(curvePoints) * (i == curvePoints ? 1 - 1e-6 : 1)
                let solution = try EcosystemCavityProblem(model: EcosystemModel(mu: 4, sigma: sigma, gamma: gamma)).solve()
                cavity.append([gamma, sigma, solution.survivingFraction, solution.meanAbundance, solution.secondMoment,
                               solution.response])
            }
            for sigma in simulated where sigma < critical {
                let model = try EcosystemModel(mu: 4, sigma: sigma, gamma: gamma)
                let reference = try EcosystemCavityProblem(model: model).solve()
                var options = EcosystemSimulationOptions(species: species)
                options.realisations = seeds
                options.seed = 2026
                let result = try EcosystemSimulator(model: model, options: options).run()
                let phi = result.survivingFraction!, mean = result.meanAbundance!, second = result.secondMoment!
                fixedPoints.append([gamma, sigma, Double(species), Double(seeds), phi.mean, phi.error, mean.mean, mean.error,
                                    second.mean, second.error, reference.survivingFraction, reference.meanAbundance,
                                    reference.secondMoment])
                for (estimate, value) in [(phi, reference.survivingFraction), (mean, reference.meanAbundance),
                                          (second, reference.secondMoment)] {
                    worstFixedPoint = max(worstFixedPoint, abs(estimate.mean - value) / estimate.error)
                }
            }
        }
        statistics["fixed_points_worst_SE"] = worstFixedPoint
        // 2. The transient: sampling DMFT against simulation at μ = 4, σ = 1, γ = 0 from N(0) = 1.
        let duration = quick ? 2.0 : 20.0
        let model = try EcosystemModel(mu: 4, sigma: 1, gamma: 0)
        var sampling = SamplingOptions()
        sampling.paths = quick ? 200 : 2500
        sampling.repetitions = quick ? 2 : 4
        sampling.seed = 1
        sampling.threads = 2
        let dynamics = try EcosystemDynamicsProblem(model: model, duration: duration, step: 0.1).solve(options: sampling)
        var simulationOptions = EcosystemSimulationOptions(species: quick ? 100 : 1000)
        simulationOptions.realisations = quick ? 2 : 8
        simulationOptions.seed = 2027
        simulationOptions.step = 0.05
        simulationOptions.duration = duration
        simulationOptions.sampleInterval = quick ? 0.1 : 0.5
        simulationOptions.findsFixedPoint = false
        let simulation = try EcosystemSimulator(model: model, options: simulationOptions).run()
        var transient = CSVTable(columns: ["source", "t", "m", "m_error", "c", "c_error"])
        let n = dynamics.kernels.timeCount
        for k in 0..<n {
            transient.append(fields: ["dmft"] + [dynamics.times[k], dynamics.kernels.mean[k], dynamics.errors.mean[k],
                                                 dynamics.kernels.covariance[k * n + k],
                                                 dynamics.errors.covariance[k * n + k]].map { "\($0)" })
        }
        for (k, time) in simulation.times.enumerated() {
            let m = simulation.meanTrajectory[k], c = simulation.secondMomentTrajectory[k]
            transient.append(fields: ["simulation"] + [time, m.mean, m.error, c.mean, c.error].map { "\($0)" })
        }
        statistics["transient_sweeps_max"] = Double(dynamics.reports.map(\.iterations).max()!)
        let reference = try EcosystemCavityProblem(model: model).solve()
        statistics["cavity_mean_N_sigma1"] = reference.meanAbundance
        statistics["cavity_mean_N2_sigma1"] = reference.secondMoment
        // 3. The stationary chaotic phase against a long simulation.
        var setup = EcosystemStationaryValidation.validationSetup
        if quick {
            setup.paths = 64
            setup.repetitions = 2
            setup.window = 60
            setup.transient = 20
            setup.maximumLag = 10
            setup.species = 60
            setup.seeds = 2
            setup.simulationWindow = 40
            setup.simulationTransient = 20
            setup.comparedLags = [1, 3, 6]
        }
        let comparison = try EcosystemStationaryComparison.run(setup, threads: 2)
        var stationary = CSVTable(columns: ["source", "tau", "C", "C_error"])
        let dmft = comparison.solution, sim = comparison.measurement
        for j in dmft.lags.indices {
            stationary.append(fields: ["dmft", "\(dmft.lags[j])", "\(dmft.correlation[j])", "\(dmft.correlationError[j])"])
        }
        for j in sim.lags.indices {
            stationary.append(fields: ["simulation", "\(sim.lags[j])", "\(sim.correlation[j].mean)", "\(sim.correlation[j].error)"])
        }
        var summary = CSVTable(columns: ["quantity", "dmft", "dmft_error", "simulation", "simulation_error", "z"])
        for row in comparison.rows {
            summary.append(fields: [row.name.replacingOccurrences(of: " ", with: "_")]
                + [row.dmft.mean, row.dmft.error, row.simulation.mean, row.simulation.error, row.z].map { "\($0)" })
        }
        statistics["stationary_worst_abs_z"] = abs(comparison.worst.z)
        statistics["stationary_sweeps_max"] = Double(dmft.reports.map(\.iterations).max()!)
        return DataSetOutput(
            tables: [("ecosystem_cavity.csv", cavity), ("ecosystem_fixed_points.csv", fixedPoints),
                     ("ecosystem_transient.csv", transient), ("ecosystem_stationary.csv", stationary),
                     ("ecosystem_stationary_summary.csv", summary)],
            parameters: [
                "cavity": "μ = 4, γ ∈ {−0.5, 0, 0.5}, \(curvePoints) values of σ up to σ_c(γ)(1 − 1e-6)",
                "fixed_points": "EcosystemSimulator, S = \(species), \(seeds) seeds (seed 2026), RK4 dt = 0.1 to t = 60, "
                    + "then the exact fixed point; σ ∈ \(simulated) below σ_c(γ)",
                "transient": "μ = 4, σ = 1, γ = 0, N(0) = 1, t ≤ \(duration): sampling DMFT dt = 0.1, "
                    + "\(sampling.repetitions) × \(sampling.paths) paths, seed 1; simulation S = \(simulationOptions.species), "
                    + "\(simulationOptions.realisations) seeds (seed 2027), RK4 dt = 0.05",
                "stationary": setup.description,
            ],
            statistics: statistics)
    }
}
