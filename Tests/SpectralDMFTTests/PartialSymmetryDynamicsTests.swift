import Foundation
import Testing
@testable import SpectralDMFT

/// The sampling DMFT of the partially symmetric network (docs/PHYSICS.md §1.12) against independent routes on small
/// grids: the exact linear theory at η ≠ 0 and the Gaussian two-time equations at η = 0.
@Suite struct PartialSymmetryDynamicsTests {
    static func options(paths: Int, repetitions: Int = 4, seed: UInt64 = 3) -> SamplingOptions {
        var options = PartiallySymmetricNetworkDynamics.defaultOptions
        options.paths = paths
        options.repetitions = repetitions
        options.seed = seed
        return options
    }

    /// Linear φ, η = −0.5, G = 0.5, σ = 1 from h(0) ~ N(0, 1): by t = 6 the transient (rate ≥ 2(1 − G(1+η)) = 1.5)
    /// is below 1e-4, so C(t_max, t_max − τ) is the exact stationary Δ(τ) of `PartiallySymmetricLinearNetwork`, up
    /// to 4 standard errors plus the time-step bias (measured in release: −3.3% of Δ0 at dt = 0.2, within 1% at
    /// dt ≤ 0.1; allowed 6% here at dt = 0.25, a small-grid smoke test — `dmft validate` checks dt = 0.1 at 2%). The response
    /// is deterministic for a linear unit: its spread over repetitions is rounding only. Linear φ has φ' = 1, so
    /// R(t, t⁻) = 1 exactly.
    @Test func linearNetworkRelaxesToTheExactStationaryState() throws {
        let problem = try PartiallySymmetricNetworkDynamics(coupling: 0.5, symmetry: -0.5, noise: 1, nonlinearity: .linear,
                                                            duration: 6, step: 0.25)
        let solution = try problem.solve(options: Self.options(paths: 500))
        let exact = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: -0.5, noise: 1).solve()
        #expect(solution.report.residual <= 1e-8)
        for lag in [0.0, 0.5, 1, 2] {
            let (value, error) = solution.atEnd(\.rateCorrelation, \.rateCorrelationError, lag: lag)
            let reference = exact.correlation(atLag: lag)
            #expect(abs(value - reference) <= 4 * error + 0.06 * exact.variance,
                    "τ = \(lag): \(value) ± \(error) vs \(reference)")
            #expect(error < 0.05 * exact.variance)
        }
        let n = solution.timeCount
        for k in 1..<n { #expect(abs(solution.response[k * n + k] - 1) <= 1e-12) }
        #expect(solution.responseError.max()! <= 1e-10)
        // Δ from the fresh-path pass agrees with C (φ = identity, μ ≈ 0).
        let delta = solution.atEnd(\.inputCovariance, \.inputCovarianceError, lag: 0)
        let c = solution.atEnd(\.rateCorrelation, \.rateCorrelationError, lag: 0)
        #expect(abs(delta.value - c.value) <= 4 * (delta.error + c.error) + 0.01)
    }

    /// η = 0 (no reaction term): the process is Gaussian and the sampling DMFT must reproduce the two-time equations
    /// of §1.8 (`NetworkTransientIntegrator`, tanh, g = 1.5, σ = 0.5, Δ_init = 1) at every time, within 4 standard
    /// errors plus the Heun bias (2% of Δ).
    @Test func asymmetricNetworkMatchesTheGaussianTwoTimeEquations() throws {
        let problem = try PartiallySymmetricNetworkDynamics(coupling: 1.5, symmetry: 0, noise: 0.5, duration: 4, step: 0.1)
        let solution = try problem.solve(options: Self.options(paths: 600))
        #expect(solution.report.residual <= 1e-8)
        let waiting = [1.0, 2, 3], lags = [0.0, 0.5, 1]
        let reference = try NetworkTransientIntegrator.sampledCorrelation(
            model: try NetworkModel(coupling: 1.5, noise: 0.5), initialVariance: 1, step: 0.05, maximumTime: 4,
            waitingTimes: waiting, lags: lags)
        var index = 0
        let n = solution.timeCount
        for tw in waiting {
            for lag in lags {
                let j = Int((tw / 0.1).rounded()), k = j + Int((lag / 0.1).rounded())
                let value = solution.inputCovariance[k * n + j], error = solution.inputCovarianceError[k * n + j]
                #expect(abs(value - reference[index]) <= 4 * error + 0.02 * reference[index],
                        "t_w = \(tw), τ = \(lag): \(value) ± \(error) vs \(reference[index])")
                index += 1
            }
        }
        // odd φ, h0 = 0: M = 0 within errors.
        #expect(abs(solution.rate[n - 1]) <= 4 * solution.rateError[n - 1] + 1e-3)
    }

    /// The reaction term matters: at η = ±0.5 (tanh, g = 1.5, h0 = 0.5) the variance at t_max moves in the
    /// direction the linearised theory gives (up for η > 0) by many standard errors; the response obeys
    /// R(t, t⁻) = ⟨φ'(h(t))⟩ ∈ (0, 1].
    @Test func symmetryShiftsTheVariance() throws {
        func variance(_ eta: Double) throws -> (Double, Double, PartiallySymmetricNetworkSolution) {
            let problem = try PartiallySymmetricNetworkDynamics(coupling: 1.5, symmetry: eta, bias: 0.5, noise: 0.5,
                                                                duration: 4, step: 0.2)
            let solution = try problem.solve(options: Self.options(paths: 400, repetitions: 3))
            let (value, error) = solution.atEnd(\.inputCovariance, \.inputCovarianceError, lag: 0)
            return (value, error, solution)
        }
        let (plus, plusError, solution) = try variance(0.5)
        let (minus, minusError, _) = try variance(-0.5)
        #expect(plus - minus > 6 * (plusError + minusError))
        let n = solution.timeCount
        for k in 1..<n {
            let diagonal = solution.response[k * n + k]
            #expect(diagonal > 0 && diagonal <= 1)
        }
    }

    @Test func invalidParametersThrow() {
        #expect(throws: ModelError.self) { try PartiallySymmetricNetworkDynamics(coupling: 1, symmetry: 1.5, duration: 1, step: 0.1) }
        #expect(throws: ModelError.self) { try PartiallySymmetricNetworkDynamics(coupling: 0, symmetry: 0, duration: 1, step: 0.1) }
        #expect(throws: ModelError.self) { try PartiallySymmetricNetworkDynamics(coupling: 1, symmetry: 0, duration: 1000, step: 0.1) }
        #expect(throws: ModelError.self) { try PartiallySymmetricNetworkDynamics(coupling: 1, symmetry: 0, noise: -1, duration: 1, step: 0.1) }
    }

    /// `dmft network sample` writes its three files, and bad input is one `Error:` line with nothing written.
    @Test func commandWritesFilesOrOneErrorLine() throws {
        let folder = try scratchFolder("network-sample")
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("run").path
        let (status, output, error) = try runTool(["network", "sample", "--g", "1.2", "--eta", "0.5", "--bias", "0.5",
                                                   "--sigma", "0.5", "--t-max", "1", "--dt", "0.25", "--paths", "64",
                                                   "--repetitions", "2", "--output", out])
        #expect(status == 0, "\(error)")
        #expect(output.contains("M = "))
        for name in ["trajectory.csv", "correlation.csv", "run.json"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run/\(name)").path))
        }
        let table = try String(contentsOfFile: folder.appendingPathComponent("run/trajectory.csv").path, encoding: .utf8)
        #expect(table.split(separator: "\n").count == 1 + 5)
        for (arguments, name) in [(["--eta", "1.5"], "eta"), (["--dt", "2"], "dt"), (["--paths", "1"], "paths")] {
            let bad = folder.appendingPathComponent("bad").path
            let (status, output, error) = try runTool(["network", "sample", "--g", "1", "--t-max", "1", "--output", bad] + arguments)
            #expect(status == 1 && output.isEmpty)
            let lines = error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(name), "\(error)")
            #expect(!FileManager.default.fileExists(atPath: bad))
        }
    }
}
