import Foundation

/// The transient dynamical mean-field theory of a random rate network with partially symmetric couplings and any
/// transfer function φ, solved by `SamplingDMFTSolver` (one population):
///
///     dh_i/dt = −h_i + h0 + Σ_j J_ij φ(h_j) + ξ_i,   J_ij = J0/N + g z_ij/√N,   corr(z_ij, z_ji) = η,
///     ⟨ξ_i(t)ξ_j(s)⟩ = σ² δ_ij δ(t−s),   h_i(0) ~ N(0, Δ_init).
///
/// The single unit obeys
///
///     dh/dt = −h + h0 + J0 M(t) + g ψ(t) + η g² ∫_0^t R(t,s) φ(h(s)) ds + ξ(t),
///     ⟨ψ(t)ψ(s)⟩ = C_φ(t,s) = ⟨φ(h(t)) φ(h(s))⟩,   M(t) = ⟨φ(h(t))⟩,   R(t,s) = ⟨δφ(h(t))/δb(s)⟩,
///
/// with b a field added to dh/dt. For η ≠ 0 and nonlinear φ the process is not Gaussian, so C_φ, M and R are
/// averages over sampled paths (docs/PHYSICS.md, "Partially symmetric couplings, nonlinear φ"). Time in units of the
/// single-unit relaxation time; h in the units of φ's argument.
///
///     let problem = try PartiallySymmetricNetworkDynamics(coupling: 1.5, symmetry: 0.5, bias: 0.5, noise: 0.5,
///                                                         duration: 20, step: 0.1)
///     let solution = try problem.solve()     // M(t), C_φ(t,s), R(t,s), μ(t), Δ(t,s) with standard errors
public struct PartiallySymmetricNetworkDynamics: Sendable {
    /// g > 0: the standard deviation of J_ij times √N.
    public let coupling: Double
    /// η ∈ [−1, 1]: the correlation coefficient of J_ij and J_ji.
    public let symmetry: Double
    /// h0: the constant external input.
    public let bias: Double
    /// J0: the mean coupling times N.
    public let meanCoupling: Double
    /// σ ≥ 0: white noise of intensity σ².
    public let noise: Double
    /// φ (any transfer function; `Nonlinearity.linear` gives the exactly solvable linear network).
    public let nonlinearity: Nonlinearity
    /// Last time t_max of the grid.
    public let duration: Double
    /// Grid step dt.
    public let step: Double
    /// Δ_init: the variance of the Gaussian initial state h(0) (mean 0).
    public let initialVariance: Double

    /// A problem on the grid t_k = k·dt up to `duration`.
    ///
    /// - Throws: `ModelError.invalidParameter` for g ≤ 0, |η| > 1, σ < 0, a non-finite or |h0|, |J0| > 100, dt
    ///   outside (0, 1], a duration that is not positive, longer than 500 or than 4000 steps, or Δ_init < 0.
    public init(coupling: Double, symmetry: Double, bias: Double = 0, meanCoupling: Double = 0, noise: Double = 0,
                nonlinearity: Nonlinearity = .tanh, duration: Double, step: Double, initialVariance: Double = 1) throws {
        func require(_ ok: Bool, _ name: String, _ value: Double, _ requirement: String) throws {
            if !ok { throw ModelError.invalidParameter(name: name, value: value, requirement: requirement) }
        }
        try require(coupling.isFinite && coupling > 0 && coupling <= 100, "g", coupling, "a finite number in (0, 100]")
        try require(symmetry.isFinite && abs(symmetry) <= 1, "eta", symmetry, "a number between -1 and 1")
        try require(bias.isFinite && abs(bias) <= 100, "bias", bias, "a finite number with |h0| <= 100")
        try require(meanCoupling.isFinite && abs(meanCoupling) <= 100, "mean-coupling", meanCoupling,
                    "a finite number with |J0| <= 100")
        try require(noise.isFinite && noise >= 0 && noise <= 100, "sigma", noise, "a finite number in [0, 100]")
        try require(step.isFinite && step > 0 && step <= 1, "dt", step, "in (0, 1]")
        try require(duration.isFinite && duration > 0 && duration <= 500 && duration / step <= 4000, "t-max", duration,
                    "in (0, 500] and at most 4000 steps")
        try require(initialVariance.isFinite && initialVariance >= 0 && initialVariance <= 1e4, "initial-variance",
                    initialVariance, "in [0, 1e4]")
        self.coupling = coupling
        self.symmetry = symmetry
        self.bias = bias
        self.meanCoupling = meanCoupling
        self.noise = noise
        self.nonlinearity = nonlinearity
        self.duration = duration
        self.step = step
        self.initialVariance = initialVariance
    }

    /// Number of grid times K + 1.
    public var timeCount: Int { Int((duration / step).rounded()) + 1 }

    /// The single-unit process whose white noise and initial state are drawn from `noiseSeed` (per path).
    public func process(noiseSeed: UInt64 = 0) -> PartiallySymmetricNetworkProcess {
        PartiallySymmetricNetworkProcess(problem: self, timeCount: timeCount, noiseSeed: noiseSeed)
    }

    /// Default sampling options: 4000 paths, 4 repetitions, damping 0.5 with Anderson acceleration of depth 5,
    /// tolerance 1e-8 (relative to max C_φ(t,t); the kernels then move by ~1e-7 between tolerances 1e-6 and 1e-8,
    /// far below their sampling errors), 400 sweeps.
    public static var defaultOptions: SamplingOptions {
        var options = SamplingOptions()
        options.paths = 4000
        options.acceleration = 5
        options.tolerance = 1e-8
        options.maximumIterations = 400
        return options
    }

    /// Solves the problem: each repetition r is one `SamplingDMFTSolver` solve with its own field draws (seed
    /// derived from `options.seed` and r) and its own white noise and initial states (the process's `noiseSeed`),
    /// followed by one pass of fresh paths with the converged kernels that measures μ(t) and Δ(t,s). Standard errors
    /// are over the repetitions. `progress` gets (repetition, iteration, residual).
    ///
    /// - Throws: `SamplingError.invalidOption`, `ConvergenceError` (not converged, with its residual; non-finite).
    public func solve(options: SamplingOptions = PartiallySymmetricNetworkDynamics.defaultOptions,
                      progress: ((Int, Int, Double) -> Void)? = nil) throws -> PartiallySymmetricNetworkSolution {
        try options.iteration.validate()
        let repetitions = options.repetitions
        var single = options
        single.repetitions = 1
        var kernels: [SamplingKernels] = [], reports: [ConvergenceReport] = []
        var means: [[Double]] = [], covariances: [[Double]] = []
        for r in 0..<repetitions {
            var mixer = SplitMix64(seed: options.seed ^ (0xA5A5_5A5A_0000_0000 &+ UInt64(r)))
            single.seed = mixer.next()
            let process = process(noiseSeed: mixer.next())
            let solution = try SamplingDMFTSolver(options: single).solve(process) { progress?(r, $1, $2) }
            kernels.append(solution.kernels)
            reports.append(solution.report)
            let (mean, covariance) = process.inputStatistics(kernels: solution.kernels, paths: options.paths,
                                                             seed: mixer.next(), jitter: options.jitter)
            means.append(mean)
            covariances.append(covariance)
        }
        func average(_ samples: [[Double]]) -> (mean: [Double], error: [Double]) {
            let count = samples[0].count, r = Double(samples.count)
            var mean = [Double](repeating: 0, count: count), error = mean
            for i in 0..<count {
                var s = 0.0
                for sample in samples { s += sample[i] }
                let m = s / r
                var v = 0.0
                for sample in samples { v += (sample[i] - m) * (sample[i] - m) }
                mean[i] = m
                error[i] = samples.count < 2 ? .nan : (v / (r - 1) / r).squareRoot()
            }
            return (mean, error)
        }
        let rate = average(kernels.map(\.mean)), second = average(kernels.map(\.covariance))
        let response = average(kernels.map(\.response))
        let input = average(means), delta = average(covariances)
        return PartiallySymmetricNetworkSolution(
            step: step, timeCount: timeCount, rate: rate.mean, rateError: rate.error,
            rateCorrelation: second.mean, rateCorrelationError: second.error,
            response: response.mean, responseError: response.error,
            inputMean: input.mean, inputMeanError: input.error,
            inputCovariance: delta.mean, inputCovarianceError: delta.error, reports: reports)
    }
}

extension Nonlinearity {
    /// φ(x) = x: the linear network (its partially symmetric DMFT is `PartiallySymmetricLinearNetwork`).
    public static let linear = Nonlinearity(name: "linear", function: { $0 }, derivative: { _ in 1 },
                                            antiderivative: { 0.5 * $0 * $0 }, singularityDistance: .infinity)
}

/// The result of `PartiallySymmetricNetworkDynamics.solve`: means over the repetitions and their standard errors
/// (NaN for one repetition). Matrices are row-major `timeCount × timeCount`, entry (k, j) at t_k, t_j.
public struct PartiallySymmetricNetworkSolution: Sendable, Codable {
    /// Grid step dt.
    public let step: Double
    /// Grid times K + 1.
    public let timeCount: Int
    /// M(t_k) = ⟨φ(h(t_k))⟩.
    public let rate: [Double]
    /// Standard errors of `rate`.
    public let rateError: [Double]
    /// C_φ(t_k, t_j) = ⟨φ(h(t_k)) φ(h(t_j))⟩ (full second moment).
    public let rateCorrelation: [Double]
    /// Standard errors of `rateCorrelation`.
    public let rateCorrelationError: [Double]
    /// R(t_k, t_j) = ⟨δφ(h(t_k))/δb(t_j)⟩ for j ≤ k (zero above the diagonal; R(t_k, t_k) means R(t_k, t_k⁻) = ⟨φ'⟩).
    public let response: [Double]
    /// Standard errors of `response`.
    public let responseError: [Double]
    /// μ(t_k) = ⟨h(t_k)⟩.
    public let inputMean: [Double]
    /// Standard errors of `inputMean`.
    public let inputMeanError: [Double]
    /// Δ(t_k, t_j) = ⟨h(t_k) h(t_j)⟩ − μ(t_k) μ(t_j) (connected).
    public let inputCovariance: [Double]
    /// Standard errors of `inputCovariance`.
    public let inputCovarianceError: [Double]
    /// One report per repetition.
    public let reports: [ConvergenceReport]

    /// The report of the slowest repetition.
    public var report: ConvergenceReport { reports.max { $0.residual < $1.residual }! }
    /// The grid times t_k = k·dt.
    public var times: [Double] { (0..<timeCount).map { Double($0) * step } }

    /// Entry (t_max, t_max − τ) of a matrix and of its error matrix, τ rounded to the grid.
    public func atEnd(_ matrix: KeyPath<PartiallySymmetricNetworkSolution, [Double]>,
                      _ errors: KeyPath<PartiallySymmetricNetworkSolution, [Double]>,
                      lag: Double) -> (value: Double, error: Double) {
        let k = timeCount - 1, j = max(0, k - Int((lag / step).rounded()))
        return (self[keyPath: matrix][k * timeCount + j], self[keyPath: errors][k * timeCount + j])
    }
}

/// The single unit of `PartiallySymmetricNetworkDynamics` for `SamplingDMFTSolver`. Observable x = φ(h).
///
/// Path: Heun on the grid with the field ψ and the kernels at the grid times, the white noise as the increment
/// σ√dt z_k added to both stages, and the memory I_k = ∫_0^{t_k} R(t_k,s) φ(h(s)) ds by the trapezoid rule
/// (R(t_k, t_k⁻) = χ_kk), I_{k+1} at the predictor using φ(h*) for its last node. h(0) = √Δ_init z and the z_k are
/// drawn from a generator seeded by (`noiseSeed`, path), so a path's noise is the same in every sweep.
///
/// Response of one path, r(t,s) = φ'(h(t)) ρ(t,s) (t > s), ρ = δh(t)/δb(s) from the tangent dynamics
///
///     ∂_t ρ(t,s) = −ρ(t,s) + η g² ∫_s^t R(t,u) r(u,s) du,   ρ(s⁺, s) = 1.
///
/// For η = 0, ρ = e^{−(t−s)} and r is separable (u_k = φ'(h_k) e^{−t_k}, v_j = e^{t_j}); otherwise the linear
/// Volterra equation is integrated with the exact decay factor e^{−dt} and the trapezoid rule for the memory, all
/// s at once, O(K³/6) per path (the scheme of `LotkaVolterraProcess`).
public struct PartiallySymmetricNetworkProcess: SampledSingleSiteProcess {
    /// The problem.
    public let problem: PartiallySymmetricNetworkDynamics
    /// Grid times.
    public let timeCount: Int
    /// Seed of the per-path white noise and initial states.
    public let noiseSeed: UInt64

    /// Grid step.
    public var step: Double { problem.step }

    /// Scratch of one worker.
    public struct Workspace {
        let input, slope, increments: AlignedBuffer
        let rows, rho, memory, partial: AlignedBuffer
    }

    public func makeWorkspace() -> Workspace {
        let n = timeCount, general = problem.symmetry != 0
        return Workspace(input: AlignedBuffer(count: n), slope: AlignedBuffer(count: n),
                         increments: AlignedBuffer(count: n), rows: AlignedBuffer(count: general ? n * n : 1),
                         rho: AlignedBuffer(count: n), memory: AlignedBuffer(count: n), partial: AlignedBuffer(count: n))
    }

    /// m = 0, C_kj = ½ e^{−|t_k − t_j|} (positive definite), χ = 0.
    public func initialKernels() -> SamplingKernels {
        let n = timeCount
        var covariance = [Double](repeating: 0, count: n * n)
        for k in 0..<n { for j in 0..<n { covariance[k * n + j] = 0.5 * exp(-step * Double(abs(k - j))) } }
        return SamplingKernels(timeCount: n, mean: [Double](repeating: 0, count: n), covariance: covariance,
                               response: [Double](repeating: 0, count: n * n))
    }

    /// η = 0: separable response.
    public var hasSeparableResponse: Bool { problem.symmetry == 0 }

    public func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                          observable: UnsafeMutablePointer<Double>, response: UnsafeMutablePointer<Double>) {
        let n = timeCount
        kernels.mean.withUnsafeBufferPointer { m in
            kernels.response.withUnsafeBufferPointer { chi in
                trajectory(path: path, field: field, mean: m.baseAddress!, chi: chi.baseAddress!, workspace: workspace,
                           rate: observable)
                if problem.symmetry == 0 {
                    let slope = workspace.slope.baseAddress, growing = workspace.rho.baseAddress
                    for k in 0..<n { growing[k] = exp(step * Double(k)) }
                    for k in 0..<n {
                        let row = response + k * n, u = slope[k] / growing[k]
                        for j in 0...k { row[j] += u * growing[j] }
                    }
                } else {
                    volterraResponse(workspace, chi: chi.baseAddress!, into: response)
                }
            }
        }
    }

    public func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                          observable: UnsafeMutablePointer<Double>, left: UnsafeMutablePointer<Double>,
                          right: UnsafeMutablePointer<Double>) {
        precondition(hasSeparableResponse, "the response is separable only for η = 0")
        kernels.mean.withUnsafeBufferPointer { m in
            kernels.response.withUnsafeBufferPointer { chi in
                trajectory(path: path, field: field, mean: m.baseAddress!, chi: chi.baseAddress!, workspace: workspace,
                           rate: observable)
            }
        }
        let slope = workspace.slope.baseAddress, dt = step
        for k in 0..<timeCount {
            let growing = exp(dt * Double(k))
            right[k] = growing
            left[k] = slope[k] / growing
        }
    }

    /// Heun along `field`; h_k into `workspace.input`, φ'(h_k) into `workspace.slope`, φ(h_k) into `rate`.
    func trajectory(path: Int, field: UnsafePointer<Double>, mean m: UnsafePointer<Double>, chi: UnsafePointer<Double>,
                    workspace: Workspace, rate x: UnsafeMutablePointer<Double>) {
        let n = timeCount, dt = step, p = problem
        let phi = p.nonlinearity.function, slopeOf = p.nonlinearity.derivative
        let g = p.coupling, c = p.symmetry * p.coupling * p.coupling, h0 = p.bias, j0 = p.meanCoupling
        let h = workspace.input.baseAddress, slope = workspace.slope.baseAddress, z = workspace.increments.baseAddress
        var generator = Xoshiro256StarStar(seed: noiseSeed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(path + 1))
        var y = p.initialVariance.squareRoot() * generator.nextNormal()
        let kick = p.noise * dt.squareRoot()
        for k in 0..<(n - 1) { z[k] = kick * generator.nextNormal() }
        var memory = 0.0          // I_k
        for k in 0..<n {
            let xk = phi(y)
            h[k] = y; x[k] = xk; slope[k] = slopeOf(y)
            if k == n - 1 { break }
            if c != 0 && k > 0 { memory += 0.5 * dt * chi[k * n + k] * xk }
            var partial = 0.0
            if c != 0 {
                let row = chi + (k + 1) * n
                var s0 = 0.0, s1 = 0.0
                var j = 1
                while j + 1 <= k { s0 += row[j] * x[j]; s1 += row[j + 1] * x[j + 1]; j += 2 }
                while j <= k { s0 += row[j] * x[j]; j += 1 }
                partial = dt * (0.5 * row[0] * x[0] + s0 + s1)
            }
            let f0 = -y + h0 + j0 * m[k] + g * field[k] + c * memory
            let trial = y + dt * f0 + z[k]
            let trialMemory = partial + 0.5 * dt * chi[(k + 1) * n + k + 1] * phi(trial)
            let f1 = -trial + h0 + j0 * m[k + 1] + g * field[k + 1] + c * trialMemory
            y += 0.5 * dt * (f0 + f1) + z[k]
            memory = partial
        }
    }

    /// η ≠ 0: with E = e^{−dt}, Q_kj = ∫_{t_j}^{t_k} R(t_k,u) r(u,t_j) du (trapezoid) and c = ηg²,
    ///
    ///     ρ_{k+1,j} (1 − c dt² χ_{k+1,k+1} φ'_{k+1}/4) = E ρ_kj + (c dt/2)(E Q_kj + Q'_{k+1,j}),
    ///
    /// Q' the trapezoid sum without its last node; r_kj = φ'_k ρ_kj, ρ_jj = 1. Adds r to `response`.
    func volterraResponse(_ workspace: Workspace, chi: UnsafePointer<Double>, into response: UnsafeMutablePointer<Double>) {
        let n = timeCount, decay = exp(-step)
        VolterraResponse.accumulate(count: n, step: step, coupling: problem.symmetry * problem.coupling * problem.coupling,
                                    slope: workspace.slope.baseAddress, chi: chi, diagonal: { chi[$0 * n + $0] },
                                    decay: { _ in decay }, rows: workspace.rows.baseAddress, rho: workspace.rho.baseAddress,
                                    memory: workspace.memory.baseAddress, partial: workspace.partial.baseAddress,
                                    into: response)
    }

    /// μ_k = ⟨h_k⟩ and the connected Δ_kj = ⟨h_k h_j⟩ − μ_k μ_j over `paths` fresh paths (field ψ = L ζ, L the
    /// Cholesky factor of the kernels' C with relative jitter `jitter`, ζ from `seed`), the response not computed.
    func inputStatistics(kernels: SamplingKernels, paths: Int, seed: UInt64, jitter: Double) -> ([Double], [Double]) {
        let n = timeCount
        let lower = AlignedBuffer(count: n * n), field = AlignedBuffer(count: n), rate = AlignedBuffer(count: n)
        _ = SamplingDMFTSolver.cholesky(kernels.covariance, n: n, into: lower.baseAddress, jitter: jitter)
        let workspace = makeWorkspace()
        var sum = [Double](repeating: 0, count: n), second = [Double](repeating: 0, count: n * n)
        var generator = Xoshiro256StarStar(seed: seed)
        let zeta = AlignedBuffer(count: n)
        kernels.mean.withUnsafeBufferPointer { m in
            kernels.response.withUnsafeBufferPointer { chi in
                sum.withUnsafeMutableBufferPointer { s in
                    second.withUnsafeMutableBufferPointer { s2 in
                        let l = lower.baseAddress, psi = field.baseAddress, xi = zeta.baseAddress
                        let h = workspace.input.baseAddress
                        for path in 0..<paths {
                            for j in 0..<n { xi[j] = generator.nextNormal() }
                            for k in 0..<n {
                                let row = l + k * n
                                var v = 0.0
                                for j in 0...k { v += row[j] * xi[j] }
                                psi[k] = v
                            }
                            // Paths numbered after the solver's, so their noise is fresh too.
                            trajectory(path: paths + path, field: psi, mean: m.baseAddress!, chi: chi.baseAddress!,
                                       workspace: workspace, rate: rate.baseAddress)
                            for k in 0..<n {
                                s[k] += h[k]
                                let hk = h[k], row = s2.baseAddress! + k * n
                                for j in 0...k { row[j] += hk * h[j] }
                            }
                        }
                    }
                }
            }
        }
        let inverse = 1 / Double(paths)
        for k in 0..<n { sum[k] *= inverse }
        for k in 0..<n {
            for j in 0...k {
                let value = second[k * n + j] * inverse - sum[k] * sum[j]
                second[k * n + j] = value
                second[j * n + k] = value
            }
        }
        return (sum, second)
    }
}
