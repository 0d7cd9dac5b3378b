import Foundation
import Testing
@testable import SpectralDMFT

/// The finite network of a `PopulationNetworkModel` (`dmft network simulate --model`) and λ_max in the general
/// simulator (docs/PHYSICS.md §1.13).
@Suite struct PopulationModelSimulationTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/examples")

    static func ei(scale: Double) throws -> PopulationNetworkModel {
        try PopulationNetworkModel(
            populations: [NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .reluTanh, bias: 0.3),
                          NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .reluTanh, bias: 0.2, noise: 0.1)],
            coupling: [[1, 2], [1.5, 1]], meanCoupling: [[1.25, -2.5], [1.25, -2.5]], scale: scale)
    }

    /// The conversion keeps every parameter, multiplies g by s, and sizes the populations round(α_k N) with the last
    /// taking the rest; g_eff is √(max row of α_l s² g_kl²) here (the mean row sums are smaller).
    @Test func modelConvertsToTheSimulatorsSpec() throws {
        let spec = try PopulationNetworkSpec(model: try Self.ei(scale: 3))
        #expect(spec.fractions == [0.8, 0.2])
        #expect(spec.couplingScales == [[3, 6], [4.5, 3]])
        #expect(spec.meanCouplings == [[1.25, -2.5], [1.25, -2.5]])
        #expect(spec.biases == [0.3, 0.2] && spec.noises == [0, 0.1] && spec.symmetry == 0)
        #expect(spec.nonlinearities.map(\.name) == ["relu-tanh", "relu-tanh"])
        #expect(spec.ranges(size: 4000) == [0..<3200, 3200..<4000])
        #expect(spec.ranges(size: 1001) == [0..<801, 801..<1001])
        // Rows: 0.8·9 + 0.2·36 = 14.4 and 0.8·20.25 + 0.2·9 = 18; means 0.8·1.25 + 0.2·2.5 = 1.5.
        #expect(abs(spec.effectiveCoupling - 18.0.squareRoot()) < 1e-14)
        // One population: max(g, |J0|), as before.
        #expect(try PopulationNetworkSpec.single(coupling: 2, meanCoupling: -3).effectiveCoupling == 3)
        #expect(try PopulationNetworkSpec.single(coupling: 2.7).effectiveCoupling == 2.7)
    }

    /// One population with h0 = J0 = 0 follows the same couplings and steps as `NetworkSimulator`, so its Benettin
    /// λ_max and ⟨h²⟩ are the same numbers (λ to rounding: the two sum log-norms in the same order).
    @Test func lyapunovExponentOfThePlainSpecEqualsTheOddSimulator() throws {
        var options = NetworkSimulationOptions(size: 50, duration: 20)
        options.transient = 5
        options.realisations = 2
        options.computesLyapunovExponent = true
        options.backend = .vectorised
        options.threads = 1
        let odd = try NetworkSimulator(model: try NetworkModel(coupling: 2), options: options).run()
        let general = try PopulationNetworkSimulator(spec: .single(coupling: 2), options: options).run()
        #expect(general.step == odd.step)
        let exponents = try #require(general.lyapunovExponents)
        for (a, b) in zip(exponents, odd.measurements.map { $0.lyapunovExponent! }) { #expect(abs(a - b) <= 1e-14 * abs(b) + 1e-15) }
        // The general Δ is connected about μ: add μ² back per realisation to get the odd simulator's raw ⟨h²⟩.
        let raw = general.populations[0].realisationValues.map { $0[2] + $0[0] * $0[0] }
        for (a, b) in zip(raw, odd.measurements.map { $0.correlation[0] }) { #expect(abs(a - b) <= 1e-12 * b) }
    }

    /// `network simulate --model`: per-population CSV columns and run record (μ, M, Δ0, Δ∞ with errors, N_k), λ_max.
    @Test func simulateWithAModelFileWritesPerPopulationOutputs() throws {
        let folder = try scratchFolder("simulate-model")
        let csv = folder.appendingPathComponent("ei.csv").path
        let model = Self.examples.appendingPathComponent("ei.json").path
        let result = try runQuickTool(["network", "simulate", "--model", model, "--scale", "3", "--N", "50", "--t-max", "6",
                                       "--transient", "1", "--seeds", "2", "--max-lag", "2", "--lyapunov",
                                       "--backend", "vectorised", "--output", csv])
        #expect(result.status == 0, "\(result.error)")
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "tau,delta_E,delta_E_error,delta_I,delta_I_error")
        #expect(lines.count == 1 + 21)   // lags 0, 0.1, …, 2 (dt = 0.05 divides the sample interval)
        let record = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("ei.run.json"))) as! [String: Any]
        #expect(record["N"] as? Int == 50 && record["scale"] as? Double == 3)
        #expect(record["lambda_max"] is Double && record["dt"] as? Double == 0.05)
        let populations = try #require(record["populations"] as? [[String: Any]])
        #expect(populations.map { $0["name"] as? String } == ["E", "I"])
        #expect(populations.map { $0["N"] as? Int } == [40, 10])
        for p in populations {
            for key in ["mu", "mu_error", "mean_rate", "mean_rate_error", "delta0", "delta0_error", "delta_inf", "delta_inf_error"] {
                #expect(p[key] is Double, "missing \(key)")
            }
        }
        let first = lines[1].split(separator: ",").map { Double($0)! }
        #expect(abs(first[1] - (populations[0]["delta0"] as! Double)) < 1e-15)
    }

    @Test(arguments: [["--g", "2"], ["--bias", "0.5"], ["--eta", "0.5"], ["--phi", "erf"]])
    func modelFileRefusesOnePopulationOptions(_ extra: [String]) throws {
        let model = Self.examples.appendingPathComponent("ei.json").path
        let result = try runQuickTool(["network", "simulate", "--model", model, "--N", "50", "--t-max", "5"] + extra)
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("Error: ") && result.error.split(separator: "\n").count == 1)
    }
}
