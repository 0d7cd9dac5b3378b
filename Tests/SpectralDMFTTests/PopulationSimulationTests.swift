import Foundation
import Testing
@testable import SpectralDMFT

/// The general finite-N simulator (populations, biases, mean couplings, η; docs/PHYSICS.md §1.9–§1.13).
@Suite struct PopulationSimulationTests {
    static let linear = Nonlinearity(name: "linear", function: { $0 }, derivative: { _ in 1 }, antiderivative: { 0.5 * $0 * $0 })

    /// A one-population spec with h0 = J0 = η = 0 is the plain network, bit for bit (couplings, RK4 and Heun steps).
    @Test func plainSpecReproducesTheOddNetworkBitForBit() throws {
        for noise in [0.0, 0.7] {
            let model = try NetworkModel(coupling: 2, noise: noise)
            let plain = try FiniteNetwork(model: model, size: 40, backend: .vectorised, threads: 1)
            let general = try FiniteNetwork(spec: .single(coupling: 2, noise: noise), size: 40, backend: .vectorised, threads: 1)
            var a = Xoshiro256StarStar(seed: 5, stream: 2), b = a
            plain.draw(using: &a)
            general.draw(using: &b)
            let increments = [Double](repeating: 0.01, count: plain.couplings.leadingDimension)
            for _ in 0..<50 {
                if noise == 0 {
                    plain.stepRungeKutta4(dt: 0.05); general.stepRungeKutta4(dt: 0.05)
                } else {
                    increments.withUnsafeBufferPointer { plain.stepHeun(dt: 0.05, increments: $0.baseAddress!) }
                    increments.withUnsafeBufferPointer { general.stepHeun(dt: 0.05, increments: $0.baseAddress!) }
                }
            }
            #expect(Array(plain.state) == Array(general.state))
        }
    }

    /// Block draw: the sample mean and variance of each block are J0_kl/N and g_kl²/N within four standard errors.
    @Test func blockDrawHasTheRequestedMeansAndVariances() throws {
        let spec = try PopulationNetworkSpec(fractions: [0.75, 0.25], couplingScales: [[1, 2], [0.5, 3]],
                                             meanCouplings: [[4, -2], [1, -6]], biases: [0, 0], noises: [0, 0],
                                             nonlinearities: [.reluTanh, .reluTanh], symmetry: 0.3)
        let n = 240
        let network = try FiniteNetwork(spec: spec, size: n, backend: .vectorised, threads: 1)
        var generator = Xoshiro256StarStar(seed: 9)
        network.draw(using: &generator)
        #expect(network.ranges == [0..<180, 180..<240])
        for k in 0..<2 {
            for l in 0..<2 {
                var values: [Double] = []
                for i in network.ranges[k] { for j in network.ranges[l] where i != j { values.append(network.couplings[i, j]) } }
                let count = Double(values.count)
                let mean = values.reduce(0, +) / count
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
                let sd = spec.couplingScales[k][l] / Double(n).squareRoot()
                #expect(abs(mean - spec.meanCouplings[k][l] / Double(n)) < 4 * sd / count.squareRoot(), "block \(k)\(l)")
                #expect(abs(variance / (sd * sd) - 1) < 4 * (2 / count).squareRoot(), "block \(k)\(l)")
            }
        }
    }

    /// Linear φ with η = 0.5, G = 0.5, σ = 1: the simulated Δ(τ) of each realisation against the exact stationary
    /// covariance of the SAME couplings (`LinearNetworkCovariance`, same seed and stream), within five standard
    /// errors over six seeds (the time average over T = 200 fluctuates by ~√(2Δ0²τ_c/(NT)) ≈ 0.02 per realisation)
    /// plus the Heun bias bound (|λ|dt)²/4 relative, |λ| ≤ 1 + 2G; and the DMFT within the same error plus 1/N.
    @Test(.enabled(if: LAPACKLibrary.isAvailable)) func linearPartiallySymmetricSimulationMatchesExactCovariance() throws {
        let n = 80, seeds = 6
        let spec = try PopulationNetworkSpec.single(coupling: 0.5, noise: 1, nonlinearity: Self.linear, symmetry: 0.5)
        var options = NetworkSimulationOptions(size: n, duration: 200)
        options.transient = 15
        options.realisations = seeds
        options.seed = 21
        options.maximumLag = 3
        let simulator = try PopulationNetworkSimulator(spec: spec, options: options)
        let runs = try (0..<seeds).map { try simulator.runRealisation($0).populations[0] }
        let model = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 0.5, noise: 1)
        let exact = try (0..<seeds).map { try LinearNetworkCovariance(model: model, size: n, seed: 21, stream: $0) }
        let dmft = try model.solve()
        let heun = (0.05 * 2) * (0.05 * 2) / 4 * dmft.variance
        for lag in [0.0, 1, 3] {
            let index = Int((lag / simulator.plan.sampleInterval).rounded())
            // The connected Δ has μ² taken out; the covariance is about 0, so add it back (μ ~ 1/√(NT) here).
            let raw = runs.map { $0.correlation[index] + $0.mean * $0.mean }
            let differences = zip(raw, exact).map { $0 - $1.correlation(atLag: lag) }
            let (mean, error) = NetworkSimulator.meanAndStandardError(differences)
            #expect(abs(mean) < 5 * error + heun, "τ = \(lag): simulation − exact = \(mean) ± \(error)")
            let (simulated, spread) = NetworkSimulator.meanAndStandardError(raw)
            let versusDMFT = abs(simulated - dmft.correlation(atLag: lag))
            #expect(versusDMFT < 5 * spread + heun + 1 / Double(n), "τ = \(lag): \(versusDMFT)")
        }
    }

    @Test func badSpecsAreRefused() {
        #expect(throws: ModelError.self) {
            try PopulationNetworkSpec(fractions: [0.8, 0.3], couplingScales: [[1, 1], [1, 1]], meanCouplings: [[0, 0], [0, 0]],
                                      biases: [0, 0], noises: [0, 0], nonlinearities: [.tanh, .tanh])
        }
        #expect(throws: ModelError.self) {
            try PopulationNetworkSpec(fractions: [0.8, 0.2], couplingScales: [[1, 1], [1]], meanCouplings: [[0, 0], [0, 0]],
                                      biases: [0, 0], noises: [0, 0], nonlinearities: [.tanh, .tanh])
        }
        #expect(throws: ModelError.self) {
            try PopulationNetworkSpec(fractions: [1], couplingScales: [[-1]], meanCouplings: [[0]], biases: [0], noises: [0],
                                      nonlinearities: [.tanh])
        }
    }
}

/// `dmft network simulate` with the general options.
@Suite struct GeneralSimulateCommandLineTests {
    @Test func biasSelectsTheGeneralSimulatorAndReportsMuAndRate() throws {
        let result = try runQuickTool(["network", "simulate", "--N", "60", "--g", "2", "--bias", "0.5", "--phi", "relu-tanh",
                                       "--t-max", "20", "--transient", "5", "--seeds", "2", "--json"])
        #expect(result.status == 0, "\(result.error)")
        let record = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
        let rate = record["mean_rate"] as! Double
        #expect(rate > 0 && rate < 1)             // relu-tanh rates lie in [0, 1)
        #expect(record["h0"] as? Double == 0.5)
        #expect(record["mu"] is Double && record["mu_error"] is Double)
    }

    @Test(arguments: [["--scale", "2", "--bias", "0.5"], ["--eta", "1.5"], ["--model", "/nonexistent/model.json"]])
    func badGeneralInputIsOneErrorLine(_ extra: [String]) throws {
        let result = try runQuickTool(["network", "simulate", "--N", "60", "--g", "2", "--t-max", "20"] + extra)
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("Error: "))
        #expect(result.error.split(separator: "\n").count == 1)
    }
}
