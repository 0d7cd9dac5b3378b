import Foundation

/// The transient dynamical mean-field theory of a random Lotka–Volterra ecosystem with independent interactions
/// (γ = 0), solved by `SamplingDMFTSolver`: m(t) = ⟨N(t)⟩, C(t,s) = ⟨N(t)N(s)⟩ and χ(t,s) from the single-species
/// process
///
///     dN/dt = N [1 − N − μ m(t) − σ η(t)] + λ,   ⟨η(t)η(s)⟩ = C(t,s),
///
/// started from `start`. (γ ≠ 0 adds the memory term γσ²∫χN, not implemented yet: refused.)
public struct EcosystemDynamicsProblem: Sendable {
    /// The model (γ = 0).
    public let model: EcosystemModel
    /// Last time t_max of the grid.
    public let duration: Double
    /// Grid step dt.
    public let step: Double
    /// Initial abundances.
    public let start: EcosystemStart

    /// A problem on the grid t_k = k·dt up to `duration`.
    ///
    /// - Throws: `EcosystemError.invalidParameter` for γ ≠ 0 (not implemented), dt outside (0, 1], a duration that
    ///   is not positive or longer than 4000 steps, or a non-positive constant start.
    public init(model: EcosystemModel, duration: Double, step: Double, start: EcosystemStart = .constant(1)) throws {
        guard model.gamma == 0 else {
            throw EcosystemError.invalidParameter(name: "gamma", value: model.gamma,
                                                  requirement: "0 for the sampling DMFT (the memory term of γ ≠ 0 is not implemented yet)")
        }
        guard step.isFinite, step > 0, step <= 1 else {
            throw EcosystemError.invalidParameter(name: "dt", value: step, requirement: "in (0, 1]")
        }
        guard duration.isFinite, duration > 0, duration / step <= 4000 else {
            throw EcosystemError.invalidParameter(name: "t-max", value: duration, requirement: "> 0 and at most 4000 steps")
        }
        if case .constant(let value) = start, !(value.isFinite && value > 0) {
            throw EcosystemError.invalidParameter(name: "start", value: value, requirement: "> 0 (constant start)")
        }
        self.model = model
        self.duration = duration
        self.step = step
        self.start = start
    }

    /// The single-species process on this problem's grid.
    public var process: LotkaVolterraProcess {
        LotkaVolterraProcess(model: model, step: step, timeCount: Int((duration / step).rounded()) + 1, start: start)
    }

    /// Solves the problem with `SamplingDMFTSolver(options:)`.
    public func solve(options: SamplingOptions = SamplingOptions(),
                      progress: ((Int, Int, Double) -> Void)? = nil) throws -> SamplingSolution {
        try SamplingDMFTSolver(options: options).solve(process, progress: progress)
    }
}

/// The single-species Lotka–Volterra process for `SamplingDMFTSolver` (γ = 0).
///
/// Heun (second order) in y = log N on the grid, with η and m at the grid times:
/// f_k(y) = 1 − e^y − μ m_k − σ η_k + λ e^{−y}, y* = y_k + dt f_k(y_k), y_{k+1} = y_k + dt (f_k(y_k) + f_{k+1}(y*))/2.
/// The response of one path is r(t,s) = N(t) exp(−∫_s^t (N + λ/N) du) (γ = 0), with the integral by trapezoid
/// I_k; it is separable, r_kj = (N_k e^{−I_k}) e^{I_j}, so a path costs O(K²) multiplications and no exponentials.
public struct LotkaVolterraProcess: SampledSingleSiteProcess {
    /// The model.
    public let model: EcosystemModel
    /// Grid step.
    public let step: Double
    /// Grid times K + 1.
    public let timeCount: Int
    /// Initial abundances (uniform: drawn from the path number, so the same for every sweep).
    public let start: EcosystemStart

    /// Scratch: e^{I_k} and N_k e^{−I_k}.
    public struct Workspace {
        var growing: [Double]
        var decaying: [Double]
    }

    public func makeWorkspace() -> Workspace {
        Workspace(growing: [Double](repeating: 0, count: timeCount), decaying: [Double](repeating: 0, count: timeCount))
    }

    public func initialKernels() -> SamplingKernels {
        let n = timeCount
        let (m0, c0): (Double, Double)
        switch start {
        case .constant(let value): (m0, c0) = (value, value * value)
        case .uniform: (m0, c0) = (0.5, 1.0 / 3)
        }
        return SamplingKernels(timeCount: n, mean: [Double](repeating: m0, count: n),
                               covariance: [Double](repeating: c0, count: n * n),
                               response: [Double](repeating: 0, count: n * n))
    }

    /// The initial abundance of path `path`.
    func initialAbundance(_ path: Int) -> Double {
        switch start {
        case .constant(let value): return value
        case .uniform:
            var generator = SplitMix64(seed: 0x5EED_0000_0000_0000 ^ UInt64(path))
            var u = 0.0
            while u == 0 { u = Double(generator.next() >> 11) * 0x1.0p-53 }
            return u
        }
    }

    public func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                          observable: UnsafeMutablePointer<Double>, response: UnsafeMutablePointer<Double>) {
        let n = timeCount, dt = step
        let mu = model.mu, sigma = model.sigma, lambda = model.lambda
        var y = log(initialAbundance(path))
        var integral = 0.0, previousRate = 0.0
        kernels.mean.withUnsafeBufferPointer { m in
            workspace.growing.withUnsafeMutableBufferPointer { growing in
                workspace.decaying.withUnsafeMutableBufferPointer { decaying in
                    for k in 0..<n {
                        let abundance = exp(y)
                        observable[k] = abundance
                        let rate = abundance + lambda / abundance
                        if k > 0 { integral += 0.5 * dt * (previousRate + rate) }
                        previousRate = rate
                        growing[k] = exp(integral)
                        decaying[k] = abundance / growing[k]
                        if k == n - 1 { break }
                        let f0 = 1 - abundance - mu * m[k] - sigma * field[k] + lambda / abundance
                        let trial = exp(y + dt * f0)
                        let f1 = 1 - trial - mu * m[k + 1] - sigma * field[k + 1] + lambda / trial
                        y += 0.5 * dt * (f0 + f1)
                    }
                    for k in 0..<n {
                        let row = response + k * n, u = decaying[k]
                        for j in 0...k { row[j] += u * growing[j] }
                    }
                }
            }
        }
    }
}
