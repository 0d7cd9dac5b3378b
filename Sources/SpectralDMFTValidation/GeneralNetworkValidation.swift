import Foundation
import SpectralDMFT

/// The general-network checks (one population, any φ, bias h0, mean coupling J0): the spectral solver against the
/// generalised potential method, g_c, the order in dt with noise, and the odd case unchanged.
enum GeneralNetworkValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "general-network"
        let clock = ContinuousClock()
        let cases: [(String, Double, Double, Double)] = [
            ("tanh", 2, 0.5, 0), ("tanh", 3, 0.5, 0), ("relu-tanh", 2, 0, 0), ("relu-tanh", 3, 0, 0),
            ("relu-tanh", 2.5, 0.2, 0), ("relu-tanh", 3, 0.2, 0), ("relu-tanh", 2.5, 0.5, -1), ("relu-tanh", 3, 0.5, -1),
        ]
        for (name, g, h0, j0) in cases {
            let phi = Nonlinearity.general(named: name)!
            let model = try GeneralNetworkModel(coupling: g, bias: h0, meanCoupling: j0, nonlinearity: phi)
            let label = "\(name), g = \(g), h0 = \(h0), J0 = \(j0)"
            var solution: GeneralNetworkSolution?
            let seconds = try clock.measure { solution = try model.solve() }
            let spectral = solution!
            let potential = try GeneralPotentialMethod.solve(model)
            let scalars = [abs(spectral.variance - potential.variance), abs(spectral.staticVariance - potential.staticVariance),
                           abs(spectral.mean - potential.mean), abs(spectral.rate - potential.rate)].max()!
            record(ValidationCheck(
                area: area, name: "Δ0, Δ∞, μ, M vs potential method, \(label)", measured: scalars, limit: 1e-8,
                passed: scalars <= 1e-8,
                detail: String(format: "Δ0 = %.12f, Δ∞ = %.12f, μ = %.12f, M = %.12f; %d it, %.2f s",
                               spectral.variance, spectral.staticVariance, spectral.mean, spectral.rate,
                               spectral.report.iterations, Double(seconds.components.seconds) + Double(seconds.components.attoseconds) * 1e-18)))
            let lags = [1.0, 3, 10]
            let expected = GeneralPotentialMethod.correlation(model, solution: potential, lags: lags)
            let worst = zip(lags, expected).map { lag, value in
                abs(spectral.correlation[Int((lag / spectral.grid.step).rounded())] - value)
            }.max()!
            record(ValidationCheck(area: area, name: "Δ(1), Δ(3), Δ(10) vs potential method, \(label)", measured: worst,
                                   limit: 1e-8, passed: worst <= 1e-8,
                                   detail: "max abs difference; dt = \(spectral.grid.step), window \(spectral.grid.window)"))
        }

        // g_c: relu-tanh at h0 = J0 = 0 is √2 exactly; for tanh at h0 = 0.5 the root (found in q) is bracketed by the
        // criterion evaluated along g (fixed point solved at each g) at g_c(1 ± 1e-9).
        let relu = try GeneralNetworkModel(coupling: 1, nonlinearity: .reluTanh)
        let reluCritical = try relu.criticalCoupling()
        let reluError = abs(reluCritical - 2.0.squareRoot())
        record(ValidationCheck(area: area, name: "g_c = √2, relu-tanh, h0 = J0 = 0", measured: reluError, limit: 1e-9,
                               passed: reluError <= 1e-9, detail: "g_c = \(reluCritical)"))
        for (name, h0, j0) in [("tanh", 0.5, 0.0), ("relu-tanh", 0.2, 0.0), ("relu-tanh", 0.5, -1.0)] {
            let phi = Nonlinearity.general(named: name)!
            let critical = try GeneralNetworkModel(coupling: 1, bias: h0, meanCoupling: j0, nonlinearity: phi).criticalCoupling()
            let below = try GeneralNetworkModel(coupling: critical * (1 - 1e-9), bias: h0, meanCoupling: j0,
                                                nonlinearity: phi).fixedPoint().bulkRadius
            let above = try GeneralNetworkModel(coupling: critical * (1 + 1e-9), bias: h0, meanCoupling: j0,
                                                nonlinearity: phi).fixedPoint().bulkRadius
            let bracketed = below < 1 && above > 1
            record(ValidationCheck(area: area, name: "g_c bracketed at ±1e-9 along g, \(name), h0 = \(h0), J0 = \(j0)",
                                   measured: bracketed ? 0 : 1, limit: 0, passed: bracketed,
                                   detail: String(format: "g_c = %.12f; g√⟨φ'²⟩ − 1 = %.2e, %.2e", critical, below - 1, above - 1)))
        }

        // σ = 0.5, tanh, h0 = 0.5, g = 2: O(dt⁴) of Δ0 against the potential method.
        let noisy = try GeneralNetworkModel(coupling: 2, noise: 0.5, bias: 0.5, nonlinearity: .tanh)
        let reference = try GeneralPotentialMethod.solve(noisy)
        let window = try GeneralNetworkSolver.automaticGrid(for: noisy, tailRate: reference.tailRate).window
        let errors = try [0.1, 0.05, 0.025].map { step in
            let solver = GeneralNetworkSolver(grid: try LagGrid(step: step, minimumWindow: window),
                                              options: IterationOptions(tolerance: 1e-13, maximumIterations: 2000))
            let guess = GeneralNetworkSolver.initialGuess(model: noisy, potential: reference, grid: solver.grid)
            return abs(try solver.solve(noisy, initialGuess: guess).variance - reference.variance)
        }
        let order = log(errors[1] / errors[2]) / log(2)
        record(ValidationCheck(area: area, name: "order in dt of Δ0, σ = 0.5, tanh, h0 = 0.5, g = 2 (expect 4)",
                               measured: abs(order - 4), limit: 0.5, passed: abs(order - 4) <= 0.5,
                               detail: "errors \(errors.map { String(format: "%.2e", $0) }) at dt = 0.1, 0.05, 0.025; order \(String(format: "%.2f", order))"))

        // The odd case goes to the odd-φ solver: the same numbers, bit for bit.
        var oddWorst = 0.0
        for (g, sigma) in [(1.5, 0.0), (2, 0.5)] {
            let old = try NetworkModel(coupling: g, noise: sigma).solve()
            let new = try GeneralNetworkModel(coupling: g, noise: sigma).solve()
            oddWorst = max(oddWorst, zip(old.correlation, new.correlation).map { abs($0 - $1) }.max() ?? .infinity)
            if old.correlation.count != new.correlation.count { oddWorst = .infinity }
        }
        record(ValidationCheck(area: area, name: "odd φ, h0 = J0 = 0: identical to the odd-φ solver", measured: oddWorst,
                               limit: 0, passed: oddWorst == 0, detail: "tanh at (g, σ) = (1.5, 0), (2, 0.5)"))
        try populations(record)
    }

    /// The E–I networks of docs/examples (relu-tanh, fractions 0.8/0.2, E columns of J0 positive, I columns negative).
    static func excitatoryInhibitory(rankOne: Bool, scale: Double) throws -> PopulationNetworkModel {
        try PopulationNetworkModel(
            populations: [NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .reluTanh, bias: 0.3),
                          NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .reluTanh, bias: 0.2)],
            coupling: rankOne ? [[1, 2], [1.5, 3]] : [[1, 2], [1.5, 1]],
            meanCoupling: [[1.25, -2.5], [1.25, -2.5]], scale: scale)
    }

    /// Several populations: the rank-one E–I network against the one-dimensional potential route, two identical
    /// populations against one, and s_c by the spectral-radius criterion.
    static func populations(_ record: (ValidationCheck) -> Void) throws {
        let area = "general-network"
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

        // Rank one: Δ_k = u_k X, X from the potential method.
        for scale in [2.0, 3.0] {
            let model = try excitatoryInhibitory(rankOne: true, scale: scale)
            var solution: PopulationNetworkSolution?
            let time = try clock.measure { solution = try model.solve() }
            let spectral = solution!
            let potential = try PopulationPotentialMethod.solve(model)
            var scalars = 0.0
            for k in 0..<2 {
                let state = spectral.populations[k]
                scalars = max(scalars, abs(state.variance - potential.variances[k]), abs(state.staticVariance - potential.staticVariances[k]),
                              abs(state.mean - potential.means[k]), abs(state.rate - potential.rates[k]))
            }
            let e = spectral.populations[0], i = spectral.populations[1]
            record(ValidationCheck(
                area: area, name: "E–I rank one, s = \(scale): Δ0_k, Δ∞_k, μ_k, M_k vs potential method", measured: scalars,
                limit: 1e-8, passed: scalars <= 1e-8,
                detail: String(format: "E: Δ0 = %.10f, Δ∞ = %.10f, μ = %.10f, M = %.10f; I: Δ0 = %.10f, Δ∞ = %.10f, μ = %.10f, M = %.10f; %d it, %.2f s",
                               e.variance, e.staticVariance, e.mean, e.rate, i.variance, i.staticVariance, i.mean, i.rate,
                               spectral.report.iterations, seconds(time))))
            let lags = [1.0, 3, 10]
            let x = PopulationPotentialMethod.amplitude(model, solution: potential, lags: lags)
            var worst = 0.0
            for k in 0..<2 {
                for (lag, value) in zip(lags, x) {
                    worst = max(worst, abs(spectral.correlations[k][Int((lag / spectral.grid.step).rounded())] - potential.left[k] * value))
                }
            }
            record(ValidationCheck(area: area, name: "E–I rank one, s = \(scale): Δ_k(1), Δ_k(3), Δ_k(10) vs potential method",
                                   measured: worst, limit: 1e-8, passed: worst <= 1e-8,
                                   detail: "dt = \(spectral.grid.step), window \(spectral.grid.window)"))
        }

        // Two identical populations (fractions 0.8/0.2) are the one-population network.
        let single = try GeneralNetworkModel(coupling: 3, bias: 0.5, meanCoupling: -1, nonlinearity: .reluTanh)
        let twin = try PopulationNetworkModel(
            populations: [NetworkPopulation(name: "a", fraction: 0.8, nonlinearity: .reluTanh, bias: 0.5),
                          NetworkPopulation(name: "b", fraction: 0.2, nonlinearity: .reluTanh, bias: 0.5)],
            coupling: [[3, 3], [3, 3]], meanCoupling: [[-1, -1], [-1, -1]])
        let one = try single.solve(), two = try twin.solve()
        var twinWorst = 0.0
        for state in two.populations {
            twinWorst = max(twinWorst, abs(state.variance - one.variance), abs(state.staticVariance - one.staticVariance),
                            abs(state.mean - one.mean), abs(state.rate - one.rate))
        }
        for lag in [1.0, 3, 10] { twinWorst = max(twinWorst, abs(two.correlation(atLag: lag) - one.correlation(atLag: lag))) }
        record(ValidationCheck(area: area, name: "D = 2 identical populations = D = 1 (relu-tanh, h0 = 0.5, J0 = −1, g = 3)",
                               measured: twinWorst, limit: 1e-9, passed: twinWorst <= 1e-9,
                               detail: "Δ0, Δ∞, μ, M of both populations and Δ(1), Δ(3), Δ(10) of the average"))
        let twinCritical = try twin.criticalScale() * 3
        let singleCritical = try single.criticalCoupling()
        let criticalGap = abs(twinCritical - singleCritical)
        record(ValidationCheck(area: area, name: "D = 2 identical populations: s_c g = g_c of D = 1", measured: criticalGap,
                               limit: 1e-9, passed: criticalGap <= 1e-9,
                               detail: String(format: "s_c g = %.12f, g_c = %.12f", twinCritical, singleCritical)))

        // s_c of the E–I networks: ρ(𝕄) brackets 1 at s_c(1 ± 1e-9); the chaotic state at s = 3.
        for rankOne in [true, false] {
            let model = try excitatoryInhibitory(rankOne: rankOne, scale: 1)
            let critical = try model.criticalScale()
            let below = try model.scaled(critical * (1 - 1e-9)).fixedPoint()
            let above = try model.scaled(critical * (1 + 1e-9)).fixedPoint()
            let bracketed = below.spectralRadius < 1 && above.spectralRadius > 1
            let label = rankOne ? "rank one" : "general block variance"
            record(ValidationCheck(area: area, name: "E–I \(label): s_c bracketed at ±1e-9 by ρ(𝕄) = 1", measured: bracketed ? 0 : 1,
                                   limit: 0, passed: bracketed,
                                   detail: String(format: "s_c = %.12f; ρ − 1 = %.2e, %.2e; mean mode %.4f", critical,
                                                  below.spectralRadius - 1, above.spectralRadius - 1, below.meanModeEigenvalue)))
        }
        let general = try excitatoryInhibitory(rankOne: false, scale: 3)
        var generalSolution: PopulationNetworkSolution?
        let generalTime = try clock.measure { generalSolution = try general.solve() }
        let g = generalSolution!
        let fluctuating = g.branch == .chaotic && g.populations.allSatisfy { $0.variance - $0.staticVariance > 1e-3 && $0.staticVariance > 0 }
        record(ValidationCheck(area: area, name: "E–I general block variance, s = 3: chaotic Δ_k converged", measured: g.report.residual,
                               limit: 1e-11, passed: fluctuating && g.report.residual <= 1e-11,
                               detail: g.populations.map { "\($0.name): " + String(format: "Δ0 = %.8f, Δ∞ = %.8f, μ = %.8f, M = %.8f", $0.variance, $0.staticVariance, $0.mean, $0.rate) }.joined(separator: "; ")
                                   + String(format: "; %d it, %.2f s", g.report.iterations, seconds(generalTime))))
    }
}
