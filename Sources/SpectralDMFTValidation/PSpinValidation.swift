import Foundation
import SpectralDMFT

/// The p-spin equilibrium checks: spectral against time-doubling, order in dt, C(0) and energy, the approach to T_d.
enum PSpinValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "pspin"
        let cubic = try PSpinMixture.pure(3)
        let fine = try DoublingSolver(options: DoublingOptions(initialStep: 1e-10, blockSize: 2048))
        for temperature in [1.0, 0.8, 0.7] {
            let spectral = try PSpinEquilibrium(mixture: cubic, temperature: temperature).solve(method: .spectral)
            let doubling = try fine.solve(PSpinEquilibrium(mixture: cubic, temperature: temperature))
            var worst = 0.0
            for (time, value) in zip(doubling.lags, doubling.correlation) where time <= 50 {
                worst = max(worst, abs(spectral.correlation(atLag: time) - value))
            }
            record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): max|C_spectral − C_doubling|, τ ≤ 50",
                                   measured: worst, limit: 1e-6, passed: worst <= 1e-6, detail: "doubling N = 2048"))
            let relative = abs(spectral.relaxationTime! / doubling.relaxationTime! - 1)
            record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): τ_α spectral vs doubling (relative)",
                                   measured: relative, limit: 1e-5, passed: relative <= 1e-5,
                                   detail: "τ_α = \(spectral.relaxationTime!)"))
            let normalisation = abs(spectral.correlation[0] - 1)
            record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): |C(0) − 1|", measured: normalisation,
                                   limit: 1e-10, passed: normalisation <= 1e-10, detail: ""))
            let energy = abs(spectral.energyFromDynamics + 1 / (2 * temperature))
            record(ValidationCheck(area: area, name: "p = 3, T = \(temperature): |−∫f'(C)R + 1/(2T)|", measured: energy,
                                   limit: 1e-8, passed: energy <= 1e-8, detail: "E = −βf(1) = \(spectral.energy)"))
        }

        // Order of the spectral solver in dt at T = 0.8 (reference dt = 0.0125, window 300).
        let steps = [0.2, 0.1, 0.05]
        let reference = try PSpinSpectralSolver(grid: try LagGrid(step: 0.0125, minimumWindow: 300))
            .solve(PSpinEquilibrium(mixture: cubic, temperature: 0.8))
        let errors = try steps.map { step -> Double in
            let solution = try PSpinSpectralSolver(grid: try LagGrid(step: step, minimumWindow: 300)).solve(PSpinEquilibrium(mixture: cubic, temperature: 0.8))
            var worst = 0.0
            for (j, lag) in solution.lags.enumerated() where lag <= 50 {
                worst = max(worst, abs(solution.correlation[j] - reference.correlation(atLag: lag)))
            }
            return worst
        }
        let firstOrder = ConvergenceOrder.fit(steps: [0.2, 0.1], errors: [errors[0], errors[1]])
        let order = ConvergenceOrder.fit(steps: [0.1, 0.05], errors: [errors[1], errors[2]])
        record(ValidationCheck(area: area, name: "order in dt of the spectral solver, T = 0.8 (measured)", measured: -order,
                               limit: -4, passed: order >= 4,
                               detail: "errors \(errors.map { String(format: "%.1e", $0) }) at dt = 0.2, 0.1, 0.05; orders \(String(format: "%.2f", firstOrder)), \(String(format: "%.2f", order))"))

        // Approach to T_d: τ_α ∝ (T − T_d)^−γ over T − T_d ∈ [1e-3, 1e-2] (doubling solver).
        let transition = cubic.dynamicalTransition
        let doubling = try DoublingSolver()
        var distances: [Double] = [], times: [Double] = []
        for k in 0...10 {
            let distance = pow(10, -3 + Double(k) / 10)
            let solution = try doubling.solve(PSpinEquilibrium(mixture: cubic, temperature: transition.temperature + distance))
            distances.append(distance); times.append(solution.relaxationTime!)
        }
        let gamma = -ConvergenceOrder.fit(steps: distances, errors: times)
        record(ValidationCheck(area: area, name: "γ from τ_α ∝ (T − T_d)^−γ, T − T_d ∈ [1e-3, 1e-2]", measured: abs(gamma / 1.764980 - 1),
                               limit: 0.02, passed: abs(gamma / 1.764980 - 1) <= 0.02, detail: "γ = \(gamma) (MCT 1.764980)"))
        let critical = try DoublingSolver().solve(.critical(mixture: cubic))
        if let fit = critical.criticalDecayFit(over: 1e5...1e10) {
            record(ValidationCheck(area: area, name: "at T_d: plateau q_d (expect 1/2)", measured: abs(fit.plateau - 0.5), limit: 1e-3,
                                   passed: abs(fit.plateau - 0.5) <= 1e-3, detail: "fit of C = q + Aτ^−a over τ ∈ [1e5, 1e10]: q = \(fit.plateau)"))
            record(ValidationCheck(area: area, name: "at T_d: exponent a (expect 0.395263)", measured: abs(fit.exponent / 0.395263 - 1),
                                   limit: 0.05, passed: abs(fit.exponent / 0.395263 - 1) <= 0.05, detail: "a = \(fit.exponent)"))
        } else {
            record(ValidationCheck(area: area, name: "at T_d: critical decay fit", measured: .nan, limit: 0, passed: false, detail: "no fit"))
        }

        // p = 4 and the mixture (q³ + q⁴)/4 end to end.
        let quartic = try PSpinMixture.pure(4)
        let formula = (8.0 / 27).squareRoot()
        let quarticTd = quartic.dynamicalTransition.temperature
        record(ValidationCheck(area: area, name: "p = 4: T_d vs √(8/27)", measured: abs(quarticTd - formula), limit: 1e-12,
                               passed: abs(quarticTd - formula) <= 1e-12, detail: "T_d = \(quarticTd)"))
        let mixture = try PSpinMixture(parsing: "3:0.5,4:0.5")
        for model in [quartic, mixture] {
            let temperature = model.dynamicalTransition.temperature + 0.1
            let spectral = try PSpinEquilibrium(mixture: model, temperature: temperature).solve(method: .spectral)
            let timeDomain = try fine.solve(PSpinEquilibrium(mixture: model, temperature: temperature))
            let difference = abs(spectral.relaxationTime! / timeDomain.relaxationTime! - 1)
            record(ValidationCheck(area: area, name: "\(model.formula), T = T_d + 0.1: τ_α spectral vs doubling", measured: difference,
                                   limit: 1e-5, passed: difference <= 1e-5,
                                   detail: "T_d = \(model.dynamicalTransition.temperature), τ_α = \(spectral.relaxationTime!)"))
        }
    }
}
