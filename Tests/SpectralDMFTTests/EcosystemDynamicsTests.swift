import Foundation
import Testing
@testable import SpectralDMFT

/// The sampling DMFT engine with the Lotka–Volterra process (γ = 0): convergence with common random numbers, exact
/// identities, and agreement with direct simulation.
@Suite struct EcosystemDynamicsTests {
    static func solve(mu: Double = 4, sigma: Double = 1, duration: Double, step: Double, paths: Int,
                      repetitions: Int) throws -> SamplingSolution {
        let problem = try EcosystemDynamicsProblem(model: EcosystemModel(mu: mu, sigma: sigma, gamma: 0),
                                                   duration: duration, step: step)
        var options = SamplingOptions()
        options.paths = paths
        options.repetitions = repetitions
        options.seed = 11
        return try problem.solve(options: options)
    }

    /// The damped iteration converges geometrically below 1e-10; χ(t, t⁻) = m(t) and C(0, t) = m(t) (N(0) = 1)
    /// hold in every repetition; C is symmetric.
    @Test func convergesWithExactIdentities() throws {
        let solution = try Self.solve(duration: 2, step: 0.1, paths: 500, repetitions: 2)
        #expect(solution.report.residual <= 1e-10)
        #expect(solution.report.iterations < 100)
        let n = solution.kernels.timeCount
        for kernels in solution.repetitions {
            for k in 0..<n {
                #expect(abs(kernels.response[k * n + k] - kernels.mean[k]) < 1e-12)
                #expect(abs(kernels.covariance[k] - kernels.mean[k]) < 1e-12)
                #expect(kernels.covariance[k * n + 3] == kernels.covariance[3 * n + k])
            }
        }
        // Same options, same numbers (common random numbers are seeded).
        let again = try Self.solve(duration: 2, step: 0.1, paths: 500, repetitions: 2)
        #expect(again.kernels == solution.kernels)
    }

    /// Exact slopes at t = 0 from N(0) = 1: dm/dt = 1 − 1 − μ = −μ and dC(t,t)/dt = −2μ; at dt = 0.005 the Heun
    /// differences agree to O(μ² dt) ≈ 0.1.
    @Test func initialSlopes() throws {
        let solution = try Self.solve(duration: 0.01, step: 0.005, paths: 2000, repetitions: 2)
        let n = solution.kernels.timeCount
        let slopeM = (solution.kernels.mean[1] - 1) / 0.005
        let slopeC = (solution.kernels.covariance[n + 1] - 1) / 0.005
        #expect(abs(slopeM + 4) < 0.15, "dm/dt(0) = \(slopeM)")
        #expect(abs(slopeC + 8) < 0.3, "dC/dt(0) = \(slopeC)")
    }

    /// m(t) and C(t,t) against direct simulation (S = 400, 8 seeds) for 0.5 ≤ t ≤ 2, within 3.5 combined standard
    /// errors (dt = 0.05: the Heun error is below the statistical one here).
    @Test func agreesWithSimulation() throws {
        let solution = try Self.solve(duration: 2, step: 0.05, paths: 600, repetitions: 3)
        var options = EcosystemSimulationOptions(species: 400)
        options.realisations = 8
        options.seed = 5
        options.step = 0.05
        options.duration = 2
        options.sampleInterval = 0.5
        options.findsFixedPoint = false
        let simulation = try EcosystemSimulator(model: EcosystemModel(mu: 4, sigma: 1, gamma: 0), options: options).run()
        let n = solution.kernels.timeCount
        for (index, time) in simulation.times.enumerated() where time >= 0.5 {
            let k = Int((time / 0.05).rounded())
            let m = simulation.meanTrajectory[index], c = simulation.secondMomentTrajectory[index]
            let mError = (m.error * m.error + solution.errors.mean[k] * solution.errors.mean[k]).squareRoot()
            let cError = (c.error * c.error + solution.errors.covariance[k * n + k] * solution.errors.covariance[k * n + k]).squareRoot()
            #expect(abs(m.mean - solution.kernels.mean[k]) <= 3.5 * mError, "m(\(time)): \(m.mean) vs \(solution.kernels.mean[k])")
            #expect(abs(c.mean - solution.kernels.covariance[k * n + k]) <= 3.5 * cError,
                    "C(\(time)): \(c.mean) vs \(solution.kernels.covariance[k * n + k])")
        }
    }

    /// Bad input: γ ≠ 0 (not implemented), fewer than 2 paths.
    @Test func badInputIsRefused() throws {
        #expect(throws: EcosystemError.self) {
            try EcosystemDynamicsProblem(model: EcosystemModel(mu: 4, sigma: 0.8, gamma: 0.5), duration: 10, step: 0.1)
        }
        var options = SamplingOptions()
        options.paths = 1
        #expect(throws: SamplingError.self) { try SamplingDMFTSolver(options: options) }
    }
}
