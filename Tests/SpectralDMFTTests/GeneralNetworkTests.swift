import Foundation
import Testing
@testable import SpectralDMFT

// General one-population networks (non-odd φ, bias h0, mean coupling J0): kink-split Gaussian averages against
// closed forms, the fixed-point branch and g_c, and the spectral solver against the generalised potential method.

private let relu = Nonlinearity(name: "relu", function: { max($0, 0) }, derivative: { $0 > 0 ? 1 : 0 },
                                antiderivative: { $0 > 0 ? 0.5 * $0 * $0 : 0 }, kinks: [0])

private func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

@Suite("General networks")
struct GeneralNetworkTests {
    @Test("Kink-split averages: E[relu(m + s z)] and the arc-cosine kernel E[relu(u) relu(v)] in closed form")
    func kinkedAveragesMatchClosedForms() {
        for (m, s) in [(0.0, 1.0), (0.3, 0.7), (-1.2, 2.0), (2.5, 0.4)] {
            let exact = m * normalCDF(m / s) + s * exp(-0.5 * m * m / (s * s)) / (2 * Double.pi).squareRoot()
            let value = KinkedGaussian.expectation(mean: m, sd: s, kinks: [0], distance: .pi / 2, relu.function)
            #expect(abs(value - exact) <= 1e-14 * max(1, exact))
        }
        // Zero mean, Var u = Var v = Δ0, Cov = Δ: (Δ0/2π)(sin θ + (π − θ) cos θ), cos θ = Δ/Δ0.
        let variance = 1.7
        for rho in [0.0, 0.2, 0.5, 0.9, 0.999, 0.999999, 1.0] {
            let theta = acos(rho)
            let exact = variance / (2 * Double.pi) * (sin(theta) + (Double.pi - theta) * cos(theta))
            let value = KinkedGaussian.squaredConditionalMean(
                mean: 0, outer: (rho * variance).squareRoot(), inner: ((1 - rho) * variance).squareRoot(),
                kinks: [0], distance: .pi / 2, relu.function)
            #expect(abs(value - exact) <= 1e-13, "ρ = \(rho): \(value) vs \(exact)")
        }
    }

    @Test("Mehler series of relu against the arc-cosine kernel: exact below ρ = 1, truncated at ρ = 1")
    func mehlerSeriesOfRelu() {
        let variance = 1.7
        let (kernel, potential) = MehlerSeries.pair(mean: 0, variance: variance, kinks: [0], distance: relu.singularityDistance,
                                                    relu.function, relu.antiderivative)
        func arcCosine(_ rho: Double) -> Double {
            variance * ((1 - rho * rho).squareRoot() + (Double.pi - acos(rho)) * rho) / (2 * Double.pi)
        }
        #expect(abs(kernel.value(0.5) - arcCosine(0.5)) <= 1e-13)
        #expect(abs(kernel.value(0.9) - arcCosine(0.9)) <= 1e-10)
        // dC/dρ = Δ0 E[φ'(u)φ'(v)] = Δ0 (π − arccos ρ)/(2π).
        #expect(abs(kernel.slope(0.5) - variance * (Double.pi - acos(0.5)) / (2 * Double.pi)) <= 1e-12)
        // The kink's a_n ∝ n^{−5/2} leaves O(order^{−3/2}) at ρ = 1, from below.
        let gap = arcCosine(1) - kernel.value(1)
        #expect(gap > 0 && gap < 1e-3)
        // Φ = x²/2 for x > 0: E[Φ²] = (3/8) Δ0² (half of E z⁴ / 4).
        #expect(abs(potential.value(1) - 0.375 * variance * variance) <= 1e-5)
    }

    @Test("relu-tanh with h0 = J0 = 0: g_c = √2 exactly by the criterion g²⟨φ'²⟩ = 1")
    func reluTanhThresholdIsRootTwo() throws {
        let model = try GeneralNetworkModel(coupling: 1, nonlinearity: .reluTanh)
        let critical = try model.criticalCoupling()
        #expect(abs(critical - 2.0.squareRoot()) <= 1e-9)
        // Below: q = 0 is the stable fixed point; above: q > 0 and born unstable.
        let below = try GeneralNetworkModel(coupling: 1.3, nonlinearity: .reluTanh).fixedPoint()
        #expect(below.variance == 0 && below.isStable)
        let above = try GeneralNetworkModel(coupling: 1.6, nonlinearity: .reluTanh).fixedPoint()
        #expect(above.variance > 0.01 && !above.isStable)
    }

    @Test("Odd φ with h0 = J0 = 0 goes to the odd-φ solver: identical numbers")
    func oddCaseIsUnchanged() throws {
        let general = try GeneralNetworkModel(coupling: 2, nonlinearity: .tanh)
        #expect(general.isOddCase)
        let solver = try NetworkStationarySolver(for: try NetworkModel(coupling: 2))
        let old = try solver.solve(try NetworkModel(coupling: 2))
        let new = try GeneralNetworkSolver(grid: solver.grid).solve(general)
        #expect(new.correlation == old.correlation)
        #expect(new.staticVariance == 0 && new.mean == 0)
    }

    @Test("Below g_c the stable fixed point: q = g² E[φ²(μ + √q z)] by an independent trapezoid average")
    func fixedPointBranch() throws {
        let model = try GeneralNetworkModel(coupling: 1.2, bias: 0.5, nonlinearity: .tanh)
        let solution = try model.solve()
        #expect(solution.branch == .fixedPoint)
        let q = solution.variance, mu = solution.mean
        #expect(mu == 0.5 && solution.staticVariance == q && solution.correlation.allSatisfy { $0 == q })
        let meanSquare = GaussianAverages.expectation(variance: q) { let t = tanh(mu + $0); return t * t }
        #expect(abs(q - 1.44 * meanSquare) <= 1e-11)   // Brent in q; quadratures agree to ~1e-15
        let rate = GaussianAverages.expectation(variance: q) { tanh(mu + $0) }
        #expect(abs(solution.rate - rate) <= 1e-13)
        let critical = try model.criticalCoupling()
        #expect(critical > 1.2 && critical < 2)
    }

    @Test("Bad input is a typed error")
    func badInput() {
        #expect(throws: ModelError.self) { try GeneralNetworkModel(coupling: -1) }
        #expect(throws: ModelError.self) { try GeneralNetworkModel(coupling: 2, bias: .nan) }
        #expect(Nonlinearity.general(named: "sigmoidal") == nil)
        #expect(Nonlinearity.general(named: "relu-tanh")?.kinks == [0])
    }

    // One smooth case here (debug build, ~10 s); the kinked and mean-coupling cases at 1e-8, Δ(10) and the noise
    // order run in `dmft validate --only general-network`.
    @Test("Spectral solver against the generalised potential method: tanh, h0 = 0.5, g = 2")
    func spectralAgreesWithPotential() throws {
        let model = try GeneralNetworkModel(coupling: 2, bias: 0.5, nonlinearity: .tanh)
        let potential = try GeneralPotentialMethod.solve(model)
        // The solver's own start (Mehler series) is close to, but not, the potential method's answer.
        let start = try GeneralPotentialMethod.start(model)
        #expect(abs(start.variance - potential.variance) <= 1e-6 * potential.variance)
        #expect(abs(start.staticVariance - potential.staticVariance) <= 1e-6 * potential.variance)
        #expect(abs(start.tailRate - potential.tailRate) <= 1e-5)
        let solution = try model.solve()
        #expect(solution.branch == .chaotic)
        #expect(abs(solution.variance - potential.variance) <= 1e-8)
        #expect(abs(solution.staticVariance - potential.staticVariance) <= 1e-8)
        #expect(potential.staticVariance > 0.1 && potential.variance - potential.staticVariance > 0.1)
        #expect(abs(solution.mean - potential.mean) <= 1e-8)
        #expect(abs(solution.rate - potential.rate) <= 1e-8)
        let lags = [1.0, 3.0]
        let reference = GeneralPotentialMethod.correlation(model, solution: potential, lags: lags)
        for (lag, value) in zip(lags, reference) {
            #expect(abs(solution.correlation[Int(lag / solution.grid.step + 0.5)] - value) <= 1e-8)
        }
    }

    @Test("dmft network solve --lyapunov with --phi/--bias/--mean-coupling: λ_max as through a one-population --model file")
    func lyapunovCommandLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lyapunov-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("one.json")
        try """
        {"populations": [{"name": "A", "fraction": 1, "phi": "relu-tanh", "bias": 0.5, "noise": 0}],
         "g": [[3]], "J0": [[-1]], "eta": 0}
        """.write(to: file, atomically: true, encoding: .utf8)
        let direct = try runTool(["network", "solve", "--g", "3", "--phi", "relu-tanh", "--bias", "0.5", "--mean-coupling", "-1",
                                  "--lyapunov", "--json"])
        #expect(direct.status == 0, "stderr: \(direct.error)")
        let viaFile = try runTool(["network", "solve", "--model", file.path, "--scale", "1", "--lyapunov", "--json"])
        #expect(viaFile.status == 0, "stderr: \(viaFile.error)")
        let a = try #require(try JSONSerialization.jsonObject(with: Data(direct.output.utf8)) as? [String: Any])
        let b = try #require(try JSONSerialization.jsonObject(with: Data(viaFile.output.utf8)) as? [String: Any])
        let lambda = try #require(a["lambda_max"] as? Double), error = try #require(a["lambda_max_error"] as? Double)
        let reference = try #require(b["lambda_max"] as? Double)
        // Same model, same solver and tangent code: the two routes agree to rounding; the chaotic state grows (λ > 0).
        #expect(abs(lambda - reference) <= 1e-12 && lambda > 0.01 && error < 1e-4, "\(lambda) vs \(reference) ± \(error)")
    }

    @Test("dmft network solve --bias: the general solver's Δ∞, μ, M in the JSON; bad input is one Error line")
    func commandLine() throws {
        let result = try runTool(["network", "solve", "--g", "2", "--phi", "tanh", "--bias", "0.5", "--json"])
        #expect(result.status == 0, "stderr: \(result.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        // The validated values (dmft validate --only general-network, potential method to 1e-13).
        #expect(abs((object["delta_inf"] as? Double ?? .nan) - 1.318154884548) <= 1e-9)
        #expect(abs((object["delta0"] as? Double ?? .nan) - 2.166899023014) <= 1e-9)
        #expect(abs((object["mean_rate"] as? Double ?? .nan) - 0.229638436380) <= 1e-9)
        #expect(object["mu"] as? Double == 0.5 && object["branch"] as? String == "chaotic")
        let transition = try runTool(["network", "transition", "--phi", "relu-tanh", "--json"])
        let gc = try #require(try JSONSerialization.jsonObject(with: Data(transition.output.utf8)) as? [String: Any])
        #expect(abs((gc["g_c"] as? Double ?? .nan) - 2.0.squareRoot()) <= 1e-9)
        for arguments in [["network", "solve", "--g", "2", "--phi", "sigmoid"],
                          ["network", "transition", "--phi", "logistic", "--sigma", "0.5"],
                          ["network", "scan", "--g-min", "1.5", "--g-max", "2", "--steps", "2", "--phi", "relu-tanh", "--lyapunov",
                           "--output", FileManager.default.temporaryDirectory.appendingPathComponent("never.csv").path],
                          ["network", "solve", "--g", "2", "--bias", "nan"]] {
            let bad = try runTool(arguments)
            let lines = bad.error.split(separator: "\n")
            #expect(bad.status == 1 && lines.count == 1 && lines.first?.hasPrefix("Error: ") == true,
                    "\(arguments): \(bad.error)")
            #expect(bad.output.isEmpty)
        }
    }
}
