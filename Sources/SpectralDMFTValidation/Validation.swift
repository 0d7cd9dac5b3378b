import Foundation
import SpectralDMFT

/// One production-resolution check: a measured number, what it is compared with, and whether it passes.
package struct ValidationCheck: Encodable, Sendable {
    package let area: String
    package let name: String
    package let measured: Double
    package let limit: Double
    package let passed: Bool
    package let detail: String

    package init(area: String, name: String, measured: Double, limit: Double, passed: Bool, detail: String) {
        self.area = area
        self.name = name
        self.measured = measured
        self.limit = limit
        self.passed = passed
        self.detail = detail
    }

    /// The check as one line of the `dmft validate` table.
    package var formatted: String {
        let name = (area + ": " + self.name).padding(toLength: 74, withPad: " ", startingAt: 0)
        return "\(passed ? "PASS" : "FAIL")  \(name) \(String(format: "%11.3e", measured)) ≤ \(String(format: "%8.1e", limit))  \(detail)"
    }
}

/// The areas of `dmft validate`, in the order they run.
package enum ValidationArea: String, CaseIterable, Sendable {
    /// Spectral network solver against the potential method, threshold behaviour, transform orders.
    case network
    /// λ_max against published values, the near-threshold law, the two routes to g_c(σ).
    case chaos
    /// p-spin equilibrium: spectral against time doubling, order in dt, the approach to T_d.
    case pspin
    /// The two-time integrators: exact p = 2 solution, quenches, aging, network transients, checkpoints.
    case twoTime = "two-time"
    /// The driven p-spin NESS: ε = 0 against equilibrium, the driven two-time integrator, identities, continuation.
    case driven
    /// The finite-N simulation against the DMFT.
    case simulation
    /// General one-population networks (any φ, bias, mean coupling): spectral against the potential method, g_c.
    case generalNetwork = "general-network"
    /// The block-doubling long-time integrator: exact p = 2, the uniform integrator, equilibrium above T_d, flags.
    case longTime = "long-time"
    /// Random Lotka–Volterra ecosystems: the cavity solution against simulation with exact fixed points.
    case ecosystem
    /// Partially symmetric couplings: the exact linear DMFT against the exact covariance of finite networks.
    case partialSymmetry = "partial-symmetry"
    /// General one-population networks: λ_max with the full kernel, and the general finite-N simulator against the DMFT.
    case generalChaos = "general-chaos"
    /// The stationary chaotic phase of the ecosystem (γ = 0, λ > 0, σ > √2): the circulant embedding of its field.
    case ecosystemChaos = "ecosystem-chaos"
    /// The spiked matrix-tensor model: m₀ = 0 bit for bit, the exact spiked matrix, the recovery threshold.
    case spiked

    /// Runs the checks of this area, handing each to `record` as soon as it is measured.
    package func run(_ record: (ValidationCheck) -> Void) throws {
        switch self {
        case .network: try NetworkValidation.run(record)
        case .chaos: try ChaosValidation.run(record)
        case .pspin: try PSpinValidation.run(record)
        case .twoTime: try TwoTimeValidation.run(record)
        case .driven: try DrivenValidation.run(record)
        case .simulation: try SimulationValidation.run(record)
        case .generalNetwork: try GeneralNetworkValidation.run(record)
        case .longTime: try LongTimeValidation.run(record)
        case .ecosystem: try EcosystemValidation.run(record)
        case .partialSymmetry: try PartialSymmetryValidation.run(record)
        case .generalChaos: try GeneralChaosValidation.run(record)
        case .ecosystemChaos: try EcosystemStationaryValidation.run(record)
        case .spiked: try SpikedValidation.run(record)
        }
    }
}

/// Every production-resolution check of the package (run from a release build).
package enum Validation {
    /// Runs the checks of `areas` in order, handing each to `record`; returns them all.
    @discardableResult
    package static func run(areas: [ValidationArea] = ValidationArea.allCases,
                            record: (ValidationCheck) -> Void = { _ in }) throws -> [ValidationCheck] {
        var checks: [ValidationCheck] = []
        for area in areas {
            try area.run { check in
                checks.append(check)
                record(check)
            }
        }
        return checks
    }
}

/// The network checks: spectral solver against the potential method, threshold behaviour, transform orders.
enum NetworkValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "network"
        for (g, sigma) in [(1.1, 0.0), (1.5, 0), (2, 0), (3, 0), (1.5, 1), (2, 0.5)] {
            let model = try NetworkModel(coupling: g, noise: sigma)
            let solver = NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: model),
                                                 options: IterationOptions(tolerance: 1e-10))
            let solution = try solver.solve(model)
            let reference = try PotentialMethod.variance(model: model)
            let relative = abs(solution.variance / reference - 1)
            record(ValidationCheck(area: area, name: "Δ0 vs potential method, g = \(g), σ = \(sigma)", measured: relative,
                                   limit: 1e-7, passed: relative <= 1e-7,
                                   detail: "Δ0 = \(solution.variance), reference \(reference), \(solution.report.iterations) it"))
            let lags = [1.0, 3, 10]
            let expected = try PotentialMethod.correlation(model: model, variance: reference, atLags: lags)
            // Grid values, as written to the CSV (1, 3 and 10 are grid lags at the automatic steps).
            let worst = zip(lags, expected).map { lag, value in
                abs(solution.correlation[Int((lag / solution.grid.step).rounded())] - value)
            }.max()!
            record(ValidationCheck(area: area, name: "Δ(τ) at τ = 1, 3, 10 vs potential method, g = \(g), σ = \(sigma)",
                                   measured: worst, limit: 1e-6, passed: worst <= 1e-6, detail: "max abs difference"))
        }
        let g = 1.01
        let nearModel = try NetworkModel(coupling: g)
        let near = try NetworkStationarySolver(grid: try NetworkStationarySolver.automaticGrid(for: nearModel),
                                               options: IterationOptions(tolerance: 1e-10)).solve(nearModel)
        record(ValidationCheck(area: area, name: "g = 1.01 converges", measured: near.report.residual, limit: 1e-10,
                               passed: near.report.residual <= 1e-10, detail: "\(near.report.iterations) it"))
        let ratio = near.variance / (g - 1)
        record(ValidationCheck(area: area, name: "g = 1.01: |Δ0/(g−1) − 1|", measured: abs(ratio - 1), limit: 0.02,
                               passed: abs(ratio - 1) <= 0.02, detail: "Δ0/(g−1) = \(ratio)"))

        // The tabulated kernel at large variance, against the closed form (erf, quadrature path forced).
        let table = CorrelationTable(nonlinearity: .erf, pair: .function, useClosedForm: false)
        var tableError = 0.0
        for variance in [1.0, 100.0] {
            for scale in [1.0, 1.05] {
                let v = variance * scale
                table.prepare(variance: v)
                for rho in stride(from: -1.0, through: 1.0, by: 1.0 / 64) {
                    tableError = max(tableError, abs(table.value(covariance: rho * v) - GaussianKernels.erfCorrelation(v, v, rho * v)))
                }
            }
        }
        record(ValidationCheck(area: area, name: "C_φ table vs closed form (erf), variance 1 to 105", measured: tableError,
                               limit: 1e-13, passed: tableError <= 1e-13, detail: "max abs error over ρ ∈ [−1, 1]"))

        // Order of accuracy in dt with noise (O(dt⁴) expected from the kink and tail corrections).
        let noisy = try NetworkModel(coupling: 1.5, noise: 1)
        let reference = try PotentialMethod.variance(model: noisy)
        let window = try NetworkStationarySolver.automaticGrid(for: noisy).window
        let errors = try [0.1, 0.05, 0.025].map { step in
            let solver = NetworkStationarySolver(grid: try LagGrid(step: step, minimumWindow: window),
                                                 options: IterationOptions(tolerance: 1e-13))
            return abs(try solver.solve(noisy).variance - reference)
        }
        let order = ConvergenceOrder.fit(steps: [0.05, 0.025], errors: [errors[1], errors[2]])
        record(ValidationCheck(area: area, name: "order in dt of Δ0 with σ = 1 (expect 4)", measured: abs(order - 4),
                               limit: 0.5, passed: abs(order - 4) <= 0.5,
                               detail: "errors \(errors.map { String(format: "%.2e", $0) }) at dt = 0.1, 0.05, 0.025; order \(String(format: "%.2f", order))"))
    }
}

/// The chaos checks: λ_max against published DMFT values, the near-threshold law, the two routes to g_c(σ).
enum ChaosValidation {
    /// DMFT λ_max of the tanh network (σ = 0) from D. G. Clark, arXiv:2610.12426, data file
    /// `data/max_exponent_operator.json` of the rnn-lyapunov repository (continuous-time limit, 6 digits).
    static let published: [(g: Double, lambdaMax: Double)] = [(1.25, 0.016963), (1.5, 0.046746), (2, 0.112458), (3, 0.235461), (5, 0.433697)]

    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "chaos"
        for (g, value) in published {
            let (result, _) = try NetworkTransition.lyapunovExponent(coupling: g, noise: 0)
            let difference = abs(result.lambdaMax - value)
            record(ValidationCheck(area: area, name: "λ_max(g = \(g)) vs Clark 2026 DMFT value \(value)", measured: difference,
                                   limit: 1e-4, passed: difference <= 1e-4,
                                   detail: "λ_max = \(result.lambdaMax) ± \(String(format: "%.1e", result.lambdaMaxError))"))
        }
        var deviations: [Double] = []
        for g in [1.04, 1.02, 1.01] {
            let (result, _) = try NetworkTransition.lyapunovExponent(coupling: g, noise: 0, maximumStep: 1)
            deviations.append(result.lambdaMax / ((g - 1) * (g - 1) / 2) - 1)
        }
        record(ValidationCheck(area: area, name: "near threshold: |λ_max / ((g−1)²/2) − 1| at g = 1.01", measured: abs(deviations[2]),
                               limit: 0.05, passed: abs(deviations[2]) <= 0.05 && abs(deviations[0]) > abs(deviations[1])
                                   && abs(deviations[1]) > abs(deviations[2]),
                               detail: "deviations at g = 1.04, 1.02, 1.01: \(deviations.map { String(format: "%.4f", $0) })"))
        let (zero, _) = try NetworkTransition.lyapunovExponent(coupling: 0.7, noise: 0)
        record(ValidationCheck(area: area, name: "quiescent branch: |λ_max − (g − 1)| at g = 0.7", measured: abs(zero.lambdaMax + 0.3),
                               limit: 1e-14, passed: abs(zero.lambdaMax + 0.3) <= 1e-14, detail: ""))
        for sigma in [0.5, 1.0] {
            let transition = try NetworkTransition.locate(noise: sigma)
            let difference = abs(transition.gC - transition.gCCriterion)
            record(ValidationCheck(area: area, name: "σ = \(sigma): |g_c(λ=0) − g_c(Δ0 = g²⟨φ²⟩)|", measured: difference,
                                   limit: 1e-4, passed: difference <= 1e-4,
                                   detail: "g_c = \(transition.gC), criterion \(transition.gCCriterion)"))
            let margin = transition.gC - transition.gLocal
            record(ValidationCheck(area: area, name: "σ = \(sigma): g_c − g_local > 0", measured: -margin, limit: 0,
                                   passed: margin > 0, detail: "g_local = \(transition.gLocal)"))
        }
    }
}

/// The finite-N simulation against the DMFT at g = 2, σ = 0 and 0.5 (N = 2000, 8 realisations, t = 200).
enum SimulationValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "simulation"
        for sigma in [0.0, 0.5] {
            let model = try NetworkModel(coupling: 2, noise: sigma)
            let (lyapunov, solution) = try NetworkTransition.lyapunovExponent(coupling: 2, noise: sigma)
            var options = NetworkSimulationOptions(size: 2000, duration: 200)
            options.realisations = 8
            options.computesLyapunovExponent = true
            let result = try NetworkSimulator(model: model, options: options).run(progress: nil)
            let relative = abs(result.variance / solution.variance - 1)
            record(ValidationCheck(area: area, name: "g = 2, σ = \(sigma), N = 2000: ⟨h²⟩ vs DMFT Δ0 (relative)", measured: relative,
                                   limit: 0.03, passed: relative <= 0.03,
                                   detail: "⟨h²⟩ = \(String(format: "%.4f", result.variance)) ± \(String(format: "%.4f", result.varianceError)), Δ0 = \(String(format: "%.5f", solution.variance))"))
            let exponent = result.lyapunovExponent ?? .nan
            let difference = abs(exponent - lyapunov.lambdaMax)
            record(ValidationCheck(area: area, name: "g = 2, σ = \(sigma), N = 2000: λ_max vs DMFT", measured: difference,
                                   limit: 0.01, passed: difference <= 0.01,
                                   detail: "λ_max = \(String(format: "%.4f", exponent)) ± \(String(format: "%.4f", result.lyapunovExponentError ?? .nan)), DMFT \(String(format: "%.5f", lyapunov.lambdaMax)) (backend \(result.backend))"))
        }
    }
}
