import Foundation
import SpectralDMFT

/// p-spin equilibrium data sets: correlations and spectra at several T, and τ_α toward T_d with the fitted γ.
enum PSpinDataSets {
    static var all: [DataSet] {
        [
            DataSet(name: "pspin_equilibrium", description: "p = 3: C(τ), R(τ), χ'(ω), χ''(ω), Ĉ(ω) at several T above T_d (spectral)", produce: equilibrium),
            DataSet(name: "pspin_relaxation", description: "p = 3: τ_α(T) toward T_d, fitted γ, and the critical decay at T_d (time doubling)", produce: relaxation),
        ]
    }

    /// Indices of `values` (increasing, from 0) thinned to about `perDecade` points per decade of `values` above `minimum`.
    static func logSpacedIndices(_ values: [Double], minimum: Double, perDecade: Double) -> [Int] {
        var indices: [Int] = [0]
        var next = minimum
        for (index, value) in values.enumerated() where index > 0 && value >= next {
            indices.append(index)
            next = value * pow(10, 1 / perDecade)
        }
        return indices
    }

    static func equilibrium(quick: Bool) throws -> DataSetOutput {
        let cubic = try PSpinMixture.pure(3)
        let temperatures = quick ? [1.0, 0.8] : [1.0, 0.8, 0.7, 0.65, 0.63]
        var correlation = CSVTable(columns: ["T", "tau", "C", "R"])
        var spectra = CSVTable(columns: ["T", "omega", "chi_real", "chi_imag", "C_omega"])
        var statistics: [String: Double] = [:]
        for temperature in temperatures {
            let solution = try PSpinEquilibrium(mixture: cubic, temperature: temperature).solve(method: .spectral)
            statistics["tau_alpha_T\(temperature)"] = solution.relaxationTime ?? .nan
            statistics["iterations_T\(temperature)"] = Double(solution.report.iterations)
            statistics["residual_T\(temperature)"] = solution.report.residual
            let lags = solution.lags
            for j in logSpacedIndices(lags, minimum: 1e-2, perDecade: 40) where solution.correlation[j] > 1e-9 {
                correlation.append([temperature, lags[j], solution.correlation[j], solution.response[j]])
            }
            guard let spectrum = solution.spectra else { continue }
            let frequencies = spectrum.frequencies
            for k in logSpacedIndices(frequencies, minimum: 1e-4, perDecade: 40) where frequencies[k] <= 100 {
                spectra.append([temperature, frequencies[k], spectrum.susceptibilityReal[k], spectrum.susceptibilityImaginary[k],
                                spectrum.correlation[k]])
            }
        }
        return DataSetOutput(tables: [("pspin_correlation.csv", correlation), ("pspin_spectra.csv", spectra)],
                             parameters: ["model": "pure p = 3, f(q) = q^3/2", "T": temperatures.map { "\($0)" }.joined(separator: ", "),
                                          "method": "spectral, automatic grid", "thinning": "40 points per decade"],
                             statistics: statistics)
    }

    static func relaxation(quick: Bool) throws -> DataSetOutput {
        let cubic = try PSpinMixture.pure(3)
        let transition = cubic.dynamicalTransition
        let solver = try DoublingSolver()
        var table = CSVTable(columns: ["T", "distance", "tau_alpha"])
        var fitDistances: [Double] = [], fitTimes: [Double] = []
        let exponents = quick ? stride(from: -3.0, through: -0.5, by: 0.5).map { $0 } : stride(from: -4.0, through: -0.3, by: 0.1).map { $0 }
        for exponent in exponents {
            let distance = pow(10, exponent)
            let solution = try solver.solve(PSpinEquilibrium(mixture: cubic, temperature: transition.temperature + distance))
            let time = solution.relaxationTime ?? .nan
            table.append([transition.temperature + distance, distance, time])
            if exponent >= -3 - 1e-9 && exponent <= -2 + 1e-9 { fitDistances.append(distance); fitTimes.append(time) }
        }
        let gamma = -ConvergenceOrder.fit(steps: fitDistances, errors: fitTimes)
        let critical = try DoublingSolver().solve(.critical(mixture: cubic))
        var decay = CSVTable(columns: ["tau", "C"])
        for j in logSpacedIndices(critical.lags, minimum: 1e-3, perDecade: quick ? 5 : 20) { decay.append([critical.lags[j], critical.correlation[j]]) }
        let fit = critical.criticalDecayFit(over: 1e5...1e10)
        return DataSetOutput(tables: [("pspin_relaxation_time.csv", table), ("pspin_critical_decay.csv", decay)],
                             parameters: ["model": "pure p = 3", "T_d": "\(transition.temperature)",
                                          "fit": "τ_α ∝ (T − T_d)^−γ over T − T_d ∈ [1e-3, 1e-2]; C − q ∝ τ^−a over τ ∈ [1e5, 1e10] at T_d",
                                          "method": "time doubling (Fuchs et al. 1991), N = 512"],
                             statistics: ["gamma": gamma, "critical_plateau": fit?.plateau ?? .nan, "critical_exponent": fit?.exponent ?? .nan])
    }
}
