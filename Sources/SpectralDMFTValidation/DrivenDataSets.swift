import Foundation
import SpectralDMFT

/// The driven p-spin NESS (docs/PHYSICS.md §2.7): τ_α, T_eff, E, μ and the injected power against the drive ε at
/// T = 0.8 (above T_d) and T = 0.5 (below), and the fluctuation–dissipation plot χ(τ) against C(τ) at T = 0.5.
enum DrivenDataSets {
    static var all: [DataSet] {
        [
            DataSet(name: "driven", description: "driven p = k = 3 NESS at T = 0.8 and 0.5: τ_α, T_eff, E, μ, power for ε = 1 → 0.15, and FD plots (spectral, continuation)", produce: driven),
        ]
    }

    /// The drives of a scan: `count` values log-spaced from 1 down to 0.15, in decreasing order.
    static func drives(count: Int) -> [Double] {
        var values: [Double] = []
        for i in 0..<count {
            let value: Double = i == 0 ? 1 : i == count - 1 ? 0.15 : pow(0.15, Double(i) / Double(count - 1))
            values.append(value)
        }
        return values
    }

    static func driven(quick: Bool) throws -> DataSetOutput {
        let cubic = try PSpinMixture.pure(3)
        let count = quick ? 10 : 30
        // A fixed number of workers: each walks down its own share of the drives from its previous solution, so the
        // grids (and the last digits) depend on it; fixed, the data are the same on every machine.
        let workers = quick ? 1 : 2
        let drives = drives(count: count)
        let fdIndices = [0, count / 3, (2 * count) / 3, count - 1]
        var scan = CSVTable(columns: ["T", "epsilon", "tau_alpha", "T_eff", "T_eff_C03", "T_eff_C01", "energy", "mu",
                                     "power", "heat"])
        var fd = CSVTable(columns: ["T", "epsilon", "tau", "C", "R", "chi"])
        var statistics: [String: Double] = [:]
        var failures = 0
        for temperature in [0.8, 0.5] {
            var seconds = 0.0
            var points: [DrivenPSpinScanPoint] = []
            seconds = try Timing.seconds {
                points = try DrivenPSpinScan.run(mixture: cubic, temperature: temperature, drives: drives, workers: workers)
            }
            statistics["seconds_T\(temperature)"] = seconds
            var solutions: [DrivenPSpinSolution] = []
            for point in points {
                guard let solution = point.solution, solution.branch == .decaying, let time = solution.relaxationTime else {
                    failures += 1
                    continue
                }
                solutions.append(solution)
                scan.append([temperature, point.drive, time, solution.slowEffectiveTemperature ?? .nan,
                             solution.effectiveTemperature(atCorrelation: 0.3) ?? .nan,
                             solution.effectiveTemperature(atCorrelation: 0.1) ?? .nan,
                             solution.energy, solution.lagrangeMultiplier, solution.injectedPower, solution.heatToBath])
            }
            guard failures == 0 else { continue }
            let times = solutions.map { $0.relaxationTime! }
            let last = count - 1
            statistics["local_exponent_small_epsilon_T\(temperature)"] =
                log(times[last] / times[last - 1]) / log(drives[last - 1] / drives[last])
            statistics["local_exponent_large_epsilon_T\(temperature)"] = log(times[1] / times[0]) / log(drives[0] / drives[1])
            statistics["T_eff_smallest_epsilon_T\(temperature)"] = solutions[last].slowEffectiveTemperature ?? .nan
            statistics["tau_alpha_smallest_epsilon_T\(temperature)"] = times[last]
            guard temperature == 0.5 else { continue }
            for index in fdIndices {
                let solution = solutions[index]
                for j in PSpinDataSets.logSpacedIndices(solution.lags, minimum: 1e-2, perDecade: quick ? 10 : 40)
                    where solution.correlation[j] >= 1e-3 {
                    fd.append([temperature, solution.drive, solution.lags[j], solution.correlation[j], solution.response[j],
                               solution.integratedResponse[j]])
                }
            }
        }
        guard failures == 0 else { throw DataSetError.failedPoints(failures) }
        // References: the undriven equilibrium at T = 0.8, and the aging state of the undriven quench at T = 0.5.
        let equilibrium = try PSpinEquilibrium(mixture: cubic, temperature: 0.8).solve(method: .spectral)
        statistics["tau_alpha_equilibrium_T0.8"] = equilibrium.relaxationTime ?? .nan
        let aging = TwoTimeValidation.agingParameters(p: 3, temperature: 0.5)
        statistics["aging_plateau_T0.5"] = aging.plateau
        statistics["aging_T_over_x_T0.5"] = 1 / aging.slope
        statistics["aging_energy_T0.5"] = aging.energy
        return DataSetOutput(
            tables: [("driven_scan.csv", scan), ("driven_fd.csv", fd)],
            parameters: [
                "model": "pure p = 3, f(q) = q^3/2; drive h(q) = q^3/2 (k = 3), fully asymmetric",
                "T": "0.8, 0.5 (T_d = \(cubic.dynamicalTransition.temperature))",
                "epsilon": "\(count) values log-spaced from 1 to 0.15",
                "method": "DrivenPSpinScan (spectral NESS, automatic grids, continuation from large ε) on \(workers) worker(s)",
                "T_eff": "slope of χ against C over 0.05 ≤ C ≤ 0.4; T_eff_C03, T_eff_C01: −C'/R at C = 0.3, 0.1",
                "fd": "T = 0.5 at ε = " + fdIndices.map { String(format: "%.4f", drives[$0]) }.joined(separator: ", ")
                    + "; lags thinned to \(quick ? 10 : 40) per decade, C ≥ 1e-3",
                "references": "tau_alpha_equilibrium_T0.8: ε = 0; aging_*: undriven quench at T = 0.5 (docs/PHYSICS.md §2.7.6)",
            ],
            statistics: statistics)
    }
}
