import Foundation
import Testing
@testable import SpectralDMFT

/// The partially symmetric linear network (docs/PHYSICS.md, "Partially symmetric couplings"): the closed-form DMFT
/// against the exact η = 0 and η = 1 limits, and against the exact covariance of finite realisations.
@Suite struct PartialSymmetryTests {
    /// η = 0: Ĉ = σ²/(1 + ω² − G²), Δ(τ) = σ² e^{−κτ}/(2κ), κ = √(1 − G²).
    @Test func asymmetricLimitIsTheOrnsteinUhlenbeckProcess() throws {
        let model = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 0, noise: 1.3)
        let solution = try model.solve()
        let kappa = (1 - 0.25).squareRoot()
        for tau in [0.0, 0.3, 1, 2.5, 7, 20] {
            let exact = 1.69 * Foundation.exp(-kappa * tau) / (2 * kappa)
            #expect(abs(solution.correlation(atLag: tau) - exact) < 1e-9, "τ = \(tau)")
        }
        #expect(solution.report.residual < 1e-13)
    }

    /// η = 1 (symmetric J, semicircle of radius 2G): Σ = σ²(2(1 − J))⁻¹, so
    /// Δ(τ) = σ² ∫ ρ(λ) e^{(λ−1)τ} / (2(1 − λ)) dλ, here by the trapezoid rule in θ (λ = 2G cos θ, ρ dλ = (2/π) sin²θ dθ).
    @Test func symmetricLimitIsTheSemicircleIntegral() throws {
        let gain = 0.4
        let model = try PartiallySymmetricLinearNetwork(gain: gain, symmetry: 1, noise: 1)
        let solution = try model.solve()
        func exact(_ tau: Double) -> Double {
            let count = 4000
            var sum = 0.0
            for k in 1..<count {
                let theta = Double.pi * Double(k) / Double(count)
                let lambda = 2 * gain * Foundation.cos(theta)
                let s = Foundation.sin(theta)
                sum += (2 / Double.pi) * s * s * Foundation.exp((lambda - 1) * tau) / (2 * (1 - lambda))
            }
            return sum * Double.pi / Double(count)
        }
        for tau in [0.0, 0.5, 2, 6, 15] {
            #expect(abs(solution.correlation(atLag: tau) - exact(tau)) < 1e-9, "τ = \(tau)")
        }
    }

    /// The tail constant the transform's alias correction uses, A = σ²G²(1 − 2η), and the O(dt⁵) convergence
    /// (dt = 0.1 and 0.05 against 0.0125).
    @Test func spectralTailAndGridConvergence() throws {
        let model = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: -0.5, noise: 1)
        let omega = 400.0
        let measured = omega * omega * omega * omega * (model.spectrum(frequency: omega) - 1 / (1 + omega * omega))
        #expect(abs(measured - model.spectralTailCoefficient) < 1e-3 * abs(model.spectralTailCoefficient))
        func value(_ step: Double) throws -> Double {
            try PartiallySymmetricLinearSolver(grid: LagGrid(step: step, minimumWindow: 200)).solve(model).correlation(atLag: 1)
        }
        let reference = try value(0.0125)
        let coarse = abs(try value(0.1) - reference), fine = abs(try value(0.05) - reference)
        #expect(coarse < 1e-6)
        #expect(fine < coarse / 8 || fine < 1e-13)
    }

    @Test func unstableOrInvalidParametersAreRefused() {
        #expect(throws: ModelError.self) { try PartiallySymmetricLinearNetwork(gain: 0.7, symmetry: 0.5, noise: 1) }
        #expect(throws: ModelError.self) { try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 1.2, noise: 1) }
        #expect(throws: ModelError.self) { try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 0, noise: 0) }
    }

    /// The pair draw: sample ⟨z_ij z_ji⟩ ≈ η and ⟨z_ij²⟩ ≈ 1 within four standard errors.
    @Test func partiallySymmetricDrawHasTheRequestedCorrelation() throws {
        let n = 200, eta = -0.6
        let matrix = try CouplingMatrix(size: n, backend: .vectorised, threads: 1)
        var generator = Xoshiro256StarStar(seed: 7)
        matrix.fillPartiallySymmetric(standardDeviation: 1, symmetry: eta, using: &generator)
        var product = 0.0, square = 0.0, pairs = 0.0
        for i in 0..<n {
            for j in (i + 1)..<n {
                product += matrix[i, j] * matrix[j, i]
                square += matrix[j, i] * matrix[j, i]
                pairs += 1
            }
        }
        #expect(abs(product / pairs - eta) < 4 * ((1 + eta * eta) / pairs).squareRoot())
        #expect(abs(square / pairs - 1) < 4 * (2 / pairs).squareRoot())
    }

    /// One small realisation: Σ from the eigendecomposition solves AΣ + ΣAᵀ + σ² = 0, and Δ_N(τ) = tr(e^{Aτ}Σ)/N
    /// matches e^{Aτ} from a scaled Taylor series.
    @Test(.enabled(if: LAPACKLibrary.isAvailable)) func finiteCovarianceSolvesTheLyapunovEquation() throws {
        let n = 40, sigma = 0.8
        let model = try PartiallySymmetricLinearNetwork(gain: 0.6, symmetry: 0.4, noise: sigma)
        let exact = try LinearNetworkCovariance(model: model, size: n, seed: 3, stream: 1, keepsCovariance: true)
        let a = exact.drift!, s = exact.covariance!
        func product(_ x: [Double], _ y: [Double]) -> [Double] {
            var z = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for k in 0..<n { let v = x[i * n + k]; if v != 0 { for j in 0..<n { z[i * n + j] += v * y[k * n + j] } } } }
            return z
        }
        let as_ = product(a, s)
        var residual = 0.0
        for i in 0..<n {
            for j in 0..<n {
                residual = max(residual, abs(as_[i * n + j] + as_[j * n + i] + (i == j ? sigma * sigma : 0)))
            }
        }
        #expect(residual < 1e-11)
        // e^{Aτ} = (e^{Aτ/2^m})^{2^m}, Taylor to 20 terms.
        let tau = 1.5, m = 6
        let scaled = a.map { $0 * tau / Double(1 << m) }
        var exponential = [Double](repeating: 0, count: n * n), term = exponential
        for i in 0..<n { exponential[i * n + i] = 1; term[i * n + i] = 1 }
        for order in 1...20 {
            term = product(term, scaled).map { $0 / Double(order) }
            for index in term.indices { exponential[index] += term[index] }
        }
        for _ in 0..<m { exponential = product(exponential, exponential) }
        let es = product(exponential, s)
        let trace = (0..<n).reduce(0.0) { $0 + es[$1 * n + $1] } / Double(n)
        #expect(abs(exact.correlation(atLag: tau) - trace) < 1e-12)
        #expect(abs(exact.correlation(atLag: 0) - (0..<n).reduce(0.0) { $0 + s[$1 * n + $1] } / Double(n)) < 1e-12)
    }

    /// DMFT against the mean of four exact finite-N covariances at N = 200 (η = ±0.5, G = 0.5, σ = 1): the
    /// difference is within four standard errors plus 1/N (the order of the finite-size bias of a normalised trace).
    @Test(.enabled(if: LAPACKLibrary.isAvailable), arguments: [0.5, -0.5])
    func dmftAgreesWithFiniteNetworks(eta: Double) throws {
        let model = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: eta, noise: 1)
        let solution = try model.solve()
        let lags = [0.0, 1, 3, 8]
        let ensemble = try LinearNetworkEnsemble(model: model, size: 200, realisations: 4, seed: 11, lags: lags)
        for (index, tau) in lags.enumerated() {
            let difference = abs(solution.correlation(atLag: tau) - ensemble.correlation[index])
            #expect(difference < 4 * ensemble.correlationError[index] + 1.0 / 200, "τ = \(tau): \(difference)")
        }
    }
}

/// `dmft network linear`: the files and the record, and one error line with nothing written for bad input.
@Suite struct PartialSymmetryCommandLineTests {
    @Test func writesCorrelationSpectrumAndRecord() throws {
        let folder = try scratchFolder("linear")
        let output = folder.appendingPathComponent("lin")
        let result = try runQuickTool(["network", "linear", "--gain", "0.5", "--eta", "0.5", "--sigma", "1",
                                       "--output", output.path])
        #expect(result.status == 0, "\(result.error)")
        let table = try String(contentsOf: output.appendingPathComponent("correlation.csv"), encoding: .utf8)
        #expect(table.hasPrefix("tau,delta\n"))
        let spectrum = try String(contentsOf: output.appendingPathComponent("spectrum.csv"), encoding: .utf8)
        #expect(spectrum.hasPrefix("omega,spectrum,response_re,response_im\n"))
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("run.json"))) as! [String: Any]
        let expected = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 0.5, noise: 1).solve().variance
        #expect(abs((record["delta0"] as! Double) - expected) < 1e-14)
        #expect(record["eta"] as? Double == 0.5)
    }

    @Test func unstableModelIsOneErrorLineAndWritesNothing() throws {
        let folder = try scratchFolder("linear-bad")
        let output = folder.appendingPathComponent("lin")
        let result = try runQuickTool(["network", "linear", "--gain", "0.8", "--eta", "0.5", "--output", output.path])
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("Error: invalid gain = 0.8"))
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }
}
