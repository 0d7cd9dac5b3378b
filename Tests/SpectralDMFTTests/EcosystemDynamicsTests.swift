import Foundation
import Testing
@testable import SpectralDMFT

/// The sampling DMFT engine with the Lotka–Volterra process (γ = 0): convergence with common random numbers, exact
/// identities, and agreement with direct simulation.
@Suite struct EcosystemDynamicsTests {
    static func solve(mu: Double = 4, sigma: Double = 1, gamma: Double = 0, duration: Double, step: Double, paths: Int,
                      repetitions: Int) throws -> SamplingSolution {
        let problem = try EcosystemDynamicsProblem(model: EcosystemModel(mu: mu, sigma: sigma, gamma: gamma),
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
    /// errors (dt = 0.05: the Heun error is below the statistical one here), for γ = 0 and, with the memory term,
    /// γ = 0.5 at σ = 0.8 (γ = −0.5 is in `dmft validate --only ecosystem`).
    @Test(arguments: [(1.0, 0.0), (0.8, 0.5)])
    func agreesWithSimulation(sigma: Double, gamma: Double) throws {
        let solution = try Self.solve(sigma: sigma, gamma: gamma, duration: 2, step: 0.05, paths: 600, repetitions: 3)
        #expect(solution.report.residual <= 1e-10)
        var options = EcosystemSimulationOptions(species: 400)
        options.realisations = 8
        options.seed = 5
        options.step = 0.05
        options.duration = 2
        options.sampleInterval = 0.5
        options.findsFixedPoint = false
        let simulation = try EcosystemSimulator(model: EcosystemModel(mu: 4, sigma: sigma, gamma: gamma), options: options).run()
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
        // The memory term is resolved: with the same draws (common random numbers), γ = 0.5 minus γ = 0 at t = 2 is
        // positive (cooperative feedback raises m) by many standard errors of the paired difference.
        if gamma != 0 {
            let independent = try Self.solve(sigma: sigma, gamma: 0, duration: 2, step: 0.05, paths: 600, repetitions: 3)
            let k = n - 1
            let shifts = zip(solution.repetitions, independent.repetitions).map { $0.mean[k] - $1.mean[k] }
            let shift = EcosystemEstimate(shifts)
            #expect(shift.mean > 10 * shift.error, "memory shift \(shift.mean) ± \(shift.error)")
        }
    }

    /// Smooth test kernels on `n` times of step `dt` (m, χ decaying, χ(t,t⁻) = m(t)), a fixed field path.
    static func testKernels(n: Int, dt: Double) -> (SamplingKernels, [Double]) {
        var mean = [Double](repeating: 0, count: n), chi = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let t = Double(k) * dt
            mean[k] = 0.4 + 0.6 * exp(-2 * t)
            for j in 0...k { chi[k * n + j] = mean[k] * exp(-0.7 * (t - Double(j) * dt)) }
        }
        let field = (0..<n).map { 0.5 * sin(1.3 * Double($0) * dt) - 0.2 }
        return (SamplingKernels(timeCount: n, mean: mean, covariance: [Double](repeating: 0, count: n * n), response: chi),
                field)
    }

    /// The Volterra response scheme at γ = 0 is the closed form r = N exp(−∫(N + λ/N)) (its decay factor is the
    /// same trapezoid exponential, stepped instead of separated): agreement to rounding.
    @Test func volterraResponseMatchesClosedFormAtGammaZero() throws {
        let dt = 0.02, n = 101
        let model = try EcosystemModel(mu: 4, sigma: 1, gamma: 0, lambda: 0.05)
        let (kernels, field) = Self.testKernels(n: n, dt: dt)
        var responses: [[Double]] = []
        for general in [false, true] {
            let process = LotkaVolterraProcess(model: model, step: dt, timeCount: n, start: .constant(1), generalResponse: general)
            var workspace = process.makeWorkspace()
            var observable = [Double](repeating: 0, count: n), response = [Double](repeating: 0, count: n * n)
            field.withUnsafeBufferPointer { f in
                observable.withUnsafeMutableBufferPointer { o in
                    response.withUnsafeMutableBufferPointer { r in
                        process.integrate(path: 0, field: f.baseAddress!, kernels: kernels, workspace: &workspace,
                                          observable: o.baseAddress!, response: r.baseAddress!)
                    }
                }
            }
            responses.append(response)
        }
        var largest = 0.0
        for i in 0..<(n * n) { largest = max(largest, abs(responses[0][i] - responses[1][i])) }
        #expect(largest < 1e-12)
        #expect(responses[0][(n - 1) * n] > 1e-3, "a response that is not trivially zero")
    }

    /// γ = 0.5: the per-path response from the Volterra equation against a finite difference of the path itself (a
    /// growth-rate pulse of weight ε·dt at one grid time, ε = 1e-6): agreement to O(dt), shrinking ≈ 2× or better as
    /// dt halves.
    @Test func volterraResponseMatchesFiniteDifference() throws {
        var errors: [Double] = []
        for dt in [0.02, 0.01] {
            let n = Int((2 / dt).rounded()) + 1
            let model = try EcosystemModel(mu: 4, sigma: 0.8, gamma: 0.5, lambda: 0.05)
            let (kernels, field) = Self.testKernels(n: n, dt: dt)
            let process = LotkaVolterraProcess(model: model, step: dt, timeCount: n, start: .constant(1))
            var workspace = process.makeWorkspace()
            var observable = [Double](repeating: 0, count: n), response = [Double](repeating: 0, count: n * n)
            var base = [Double](repeating: 0, count: n), shifted = base, pulse = base
            let epsilon = 1e-6
            var worst = 0.0, scale = 0.0
            field.withUnsafeBufferPointer { f in
            kernels.mean.withUnsafeBufferPointer { m in
            kernels.response.withUnsafeBufferPointer { chi in
                observable.withUnsafeMutableBufferPointer { o in
                    response.withUnsafeMutableBufferPointer { r in
                        process.integrate(path: 0, field: f.baseAddress!, kernels: kernels, workspace: &workspace,
                                          observable: o.baseAddress!, response: r.baseAddress!)
                    }
                }
                base.withUnsafeMutableBufferPointer { b in
                    process.trajectory(initial: 1, field: f.baseAddress!, mean: m.baseAddress!, chi: chi.baseAddress!,
                                       into: b.baseAddress!, shift: nil)
                }
                for j in stride(from: n / 4, to: n - 1, by: n / 4) {
                    for i in 0..<n { pulse[i] = i == j ? epsilon : 0 }
                    pulse.withUnsafeBufferPointer { h in
                        shifted.withUnsafeMutableBufferPointer { s in
                            process.trajectory(initial: 1, field: f.baseAddress!, mean: m.baseAddress!, chi: chi.baseAddress!,
                                               into: s.baseAddress!, shift: h.baseAddress!)
                        }
                    }
                    for k in (j + 1)..<n {
                        let difference = (shifted[k] - base[k]) / (epsilon * dt)
                        worst = max(worst, abs(difference - response[k * n + j]))
                        scale = max(scale, abs(response[k * n + j]))
                    }
                }
            }
            }
            }
            errors.append(worst / scale)
        }
        #expect(errors[0] < 0.05, "\(errors)")
        #expect(errors[1] < 0.6 * errors[0], "\(errors)")
    }

    /// The BLAS route (η = Lξ by `dtrmm`, Σ x xᵀ by `dsyrk`, the separable γ = 0 response by `dgemm`, blocks of 64
    /// paths) and the package's loops (blocks of 4) iterate the same map with different rounding: both converge to
    /// 1e-10 and their fixed points agree to 1e-8 (a few times the tolerance times max C(t,t) = 1), for γ = 0
    /// (separable response) and γ = 0.5 (Volterra response accumulated by the process). Runs only where an optimised
    /// BLAS is installed (CI installs OpenBLAS).
    @Test(.enabled(if: SamplingBLAS.shared != nil), arguments: [(1.0, 0.0), (0.8, 0.5)])
    func blasMatchesLoops(sigma: Double, gamma: Double) throws {
        let problem = try EcosystemDynamicsProblem(model: EcosystemModel(mu: 4, sigma: sigma, gamma: gamma),
                                                   duration: 2, step: 0.1)
        var options = SamplingOptions()
        options.paths = 300
        options.repetitions = 1
        options.seed = 7
        let blas = try problem.solve(options: options)
        options.usesBLAS = false
        let loops = try problem.solve(options: options)
        #expect(blas.report.residual <= 1e-10 && loops.report.residual <= 1e-10)
        func gap(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max()! }
        let worst = max(gap(blas.kernels.mean, loops.kernels.mean), gap(blas.kernels.covariance, loops.kernels.covariance),
                        gap(blas.kernels.response, loops.kernels.response))
        #expect(worst < 1e-8, "max |BLAS − loops| = \(worst)")
        #expect(try SamplingDMFTSolver(options: options).linearAlgebraDescription == "package loops")
        options.usesBLAS = true
        #expect(try SamplingDMFTSolver(options: options).linearAlgebraDescription != "package loops")
    }

    /// Bad input: fewer than 2 paths, a step outside (0, 1].
    @Test func badInputIsRefused() throws {
        #expect(throws: EcosystemError.self) {
            try EcosystemDynamicsProblem(model: EcosystemModel(mu: 4, sigma: 0.8, gamma: 0.5), duration: 10, step: 0)
        }
        var options = SamplingOptions()
        options.paths = 1
        #expect(throws: SamplingError.self) { try SamplingDMFTSolver(options: options) }
    }
}
