import Foundation
import Testing
@testable import SpectralDMFT

// Several populations: D = 2 identical populations against D = 1, the rank-one reduction against the potential
// method, s_c on the fixed-point branch, and bad input. Production resolution runs in `dmft validate --only
// general-network`.

private func twin(_ phi: Nonlinearity, bias: Double, g: Double, j0: Double, fractions: (Double, Double) = (0.5, 0.5)) throws -> PopulationNetworkModel {
    try PopulationNetworkModel(
        populations: [NetworkPopulation(name: "a", fraction: fractions.0, nonlinearity: phi, bias: bias),
                      NetworkPopulation(name: "b", fraction: fractions.1, nonlinearity: phi, bias: bias)],
        coupling: [[g, g], [g, g]], meanCoupling: [[j0, j0], [j0, j0]])
}

@Suite("Population networks")
struct PopulationNetworkTests {
    @Test("Eigenvalues of small matrices: closed form 2 × 2 and a 3 × 3 with a complex pair")
    func smallEigenvalues() {
        let pair = SmallMatrix.eigenvalues([0, -2, 2, 0], dimension: 2)
        #expect(pair.allSatisfy { abs($0.real) < 1e-15 && abs(abs($0.imaginary) - 2) < 1e-15 })
        // Block diag(rotation by 1 with radius 1, 3): eigenvalues 3, cos 1 ± i sin 1.
        let c = cos(1.0), s = sin(1.0)
        let values = SmallMatrix.eigenvalues([c, -s, 0, s, c, 0, 0, 0, 3], dimension: 3).sorted { $0.real > $1.real }
        #expect(abs(values[0].real - 3) < 1e-12 && values[0].imaginary == 0)
        #expect(abs(values[1].real - c) < 1e-12 && abs(abs(values[1].imaginary) - s) < 1e-12)
        let perron = SmallMatrix.perron([1, 2, 3, 4], dimension: 2)
        #expect(abs(perron.root - (5 + 33.0.squareRoot()) / 2) < 1e-12)
    }

    @Test("Two identical populations are one: fixed point, s_c and the chaotic Δ, μ, M equal D = 1")
    func identicalPopulationsAreOne() throws {
        let model = try twin(.tanh, bias: 0.5, g: 2, j0: -1, fractions: (0.7, 0.3))
        let single = try GeneralNetworkModel(coupling: 2, bias: 0.5, meanCoupling: -1, nonlinearity: .tanh)
        let below = try model.scaled(0.6).fixedPoint()
        let belowSingle = try GeneralNetworkModel(coupling: 1.2, bias: 0.5, meanCoupling: -1, nonlinearity: .tanh).fixedPoint()
        #expect(below.isStable && belowSingle.isStable)
        for k in 0..<2 {
            #expect(abs(below.variances[k] - belowSingle.variance) <= 1e-12)
            #expect(abs(below.means[k] - belowSingle.mean) <= 1e-12)
        }
        #expect(abs(below.spectralRadius - belowSingle.bulkRadius * belowSingle.bulkRadius) <= 1e-12)
        let sc = try model.criticalScale()
        #expect(abs(2 * sc - (try single.criticalCoupling())) <= 1e-10)

        // The chaotic state of the twin against D = 1 runs in `dmft validate --only general-network` (1e-9).
    }

    @Test("Rank-one E–I network: spectral Δ_k against the one-dimensional potential route")
    func rankOneAgreesWithPotential() throws {
        // A_kl = s² α_l g_kl² = u_k v_l with g_kl = a_k b_l; different biases so that μ_E ≠ μ_I.
        let model = try PopulationNetworkModel(
            populations: [NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .tanh, bias: 0.4),
                          NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .tanh, bias: -0.2)],
            coupling: [[1, 2], [1.5, 3]], meanCoupling: [[0.5, -1], [0.5, -1]], scale: 1.6)
        let factors = try #require(PopulationPotentialMethod.rankOneFactors(model))
        #expect(abs(factors.left[0] / factors.left[1] - 1 / 2.25) <= 1e-14)
        let potential = try PopulationPotentialMethod.solve(model)
        // The spectral solver's start: the same equations on Mehler series, close to the potential route.
        let start = try PopulationPotentialMethod.start(model, left: factors.left, right: factors.right, reducedNoise: factors.noise)
        #expect(abs(start.amplitude - potential.amplitude) <= 1e-6 * potential.amplitude)
        #expect(abs(start.staticAmplitude - potential.staticAmplitude) <= 1e-6 * potential.amplitude)
        #expect(zip(start.means, potential.means).allSatisfy { abs($0 - $1) <= 1e-6 })
        let solution = try model.solve()
        #expect(solution.branch == .chaotic)
        let lags = [1.0, 3.0]
        let x = PopulationPotentialMethod.amplitude(model, solution: potential, lags: lags)
        for k in 0..<2 {
            let state = solution.populations[k]
            #expect(abs(state.variance - potential.variances[k]) <= 1e-8)
            #expect(abs(state.staticVariance - potential.staticVariances[k]) <= 1e-8)
            #expect(abs(state.mean - potential.means[k]) <= 1e-8)
            #expect(abs(state.rate - potential.rates[k]) <= 1e-8)
            for (lag, value) in zip(lags, x) {
                #expect(abs(solution.correlation(population: k, atLag: lag) - factors.left[k] * value) <= 1e-8)
            }
        }
        #expect(solution.populations[0].mean != solution.populations[1].mean)
        #expect(solution.populations[0].staticVariance > 0.01)
    }

    @Test("Bad models are typed errors")
    func badInput() {
        let e = NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .reluTanh)
        let i = NetworkPopulation(name: "I", fraction: 0.3, nonlinearity: .reluTanh)
        #expect(throws: ModelError.self) { try PopulationNetworkModel(populations: [e, i], coupling: [[1, 1], [1, 1]]) }
        let i2 = NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .reluTanh)
        #expect(throws: ModelError.self) { try PopulationNetworkModel(populations: [e, i2], coupling: [[1, 1], [1]]) }
        #expect(throws: ModelError.self) { try PopulationNetworkModel(populations: [e, i2], coupling: [[1, -1], [1, 1]]) }
        #expect(throws: ModelError.self) { try PopulationNetworkModel(populations: [e, i2], coupling: [[1, 1], [1, 1]], symmetry: 0.5) }
        // J0 large and positive at the odd point μ = 0: W diag⟨φ'⟩ has the eigenvalue ≈ 2.4 > 1.
        let te = NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .tanh)
        let ti = NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .tanh)
        #expect(throws: GeneralNetworkError.self) {
            try PopulationNetworkModel(populations: [te, ti], coupling: [[0.1, 0.1], [0.1, 0.1]],
                                       meanCoupling: [[3, 0], [3, 0]]).fixedPoint()
        }
    }
}

@Suite("Population networks on the command line")
struct PopulationCommandLineTests {
    private func modelFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-pop-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private let good = """
    { "populations": [ { "name": "E", "fraction": 0.8, "phi": "relu-tanh", "bias": 0.3 },
                       { "name": "I", "fraction": 0.2, "phi": "relu-tanh", "bias": 0.2 } ],
      "g": [[1, 2], [1.5, 1]], "J0": [[1.25, -2.5], [1.25, -2.5]] }
    """

    @Test("--model: s_c from the spectral radius; below it the fixed point per population in JSON and CSV")
    func transitionAndFixedPoint() throws {
        let path = try modelFile(good)
        let transition = try runTool(["network", "transition", "--model", path, "--json"])
        #expect(transition.status == 0, "stderr: \(transition.error)")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(transition.output.utf8)) as? [String: Any])
        let critical = try #require(record["s_c"] as? Double)
        #expect(abs((record["spectral_radius"] as? Double ?? .nan) - 1) <= 1e-9)
        #expect(critical > 1.5 && critical < 2.2)
        // Below s_c: the stable fixed point; q_k = Σ_l A_kl ⟨φ_l²⟩ is checked in the library tests.
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-pop-\(UUID().uuidString).csv").path
        let solve = try runTool(["network", "solve", "--model", path, "--scale", String(0.9 * critical), "--json", "--output", csv])
        #expect(solve.status == 0, "stderr: \(solve.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(solve.output.utf8)) as? [String: Any])
        #expect(object["branch"] as? String == "fixed-point")
        let populations = try #require(object["populations"] as? [[String: Any]])
        #expect(populations.map { $0["name"] as? String } == ["E", "I"])
        for p in populations {
            #expect((p["delta0"] as? Double ?? .nan) == (p["delta_inf"] as? Double ?? .nan))
            #expect((p["mean_rate"] as? Double ?? 0) > 0 && p["mu"] is Double)
        }
        let header = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").first
        #expect(header == "tau,delta,delta_E,delta_I")
    }

    @Test("Bad model files and option mixes: one Error line, nothing written")
    func badInput() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-pop-never-\(UUID().uuidString).csv").path
        let files = [
            good.replacingOccurrences(of: "0.2, \"phi\"", with: "0.3, \"phi\""),                 // fractions sum to 1.1
            good.replacingOccurrences(of: "[[1, 2], [1.5, 1]]", with: "[[1, 2], [1.5]]"),          // not square
            good.replacingOccurrences(of: "[[1, 2], [1.5, 1]]", with: "[[1, -2], [1.5, 1]]"),      // negative g
            good.replacingOccurrences(of: "\"relu-tanh\", \"bias\": 0.2", with: "\"sigmoid\", \"bias\": 0.2"),  // unknown φ
            good.replacingOccurrences(of: "\"J0\"", with: "\"eta\": 0.5, \"J0\""),                 // η ≠ 0, nonlinear φ
            // Unstable mean mode: tanh at μ = 0 with α J0 ⟨φ'⟩ ≈ 2.4.
            """
            { "populations": [ { "fraction": 0.8, "phi": "tanh" }, { "fraction": 0.2, "phi": "tanh" } ],
              "g": [[0.1, 0.1], [0.1, 0.1]], "J0": [[3, 0], [3, 0]] }
            """,
            "{ \"populations\": [] ",
        ]
        for text in files {
            let path = try modelFile(text)
            for arguments in [["network", "solve", "--model", path, "--output", output], ["network", "transition", "--model", path]] {
                let bad = try runTool(arguments)
                let lines = bad.error.split(separator: "\n")
                #expect(bad.status == 1 && lines.count == 1 && lines.first?.hasPrefix("Error: ") == true, "\(text): \(bad.error)")
                #expect(bad.output.isEmpty)
                #expect(!FileManager.default.fileExists(atPath: output))
            }
        }
        let path = try modelFile(good)
        for arguments in [["network", "solve", "--model", path, "--g", "2"], ["network", "solve", "--model", path, "--bias", "0.1"],
                          ["network", "solve", "--scale", "2", "--g", "2"], ["network", "solve"],
                          ["network", "transition", "--model", path, "--scale", "2"],
                          ["network", "solve", "--model", "/nonexistent/model.json"]] {
            let bad = try runTool(arguments)
            let lines = bad.error.split(separator: "\n")
            #expect(bad.status == 1 && lines.count == 1 && lines.first?.hasPrefix("Error: ") == true, "\(arguments): \(bad.error)")
        }
    }
}
