import Foundation

/// The transient dynamical mean-field theory of a random Lotka–Volterra ecosystem, solved by `SamplingDMFTSolver`:
/// m(t) = ⟨N(t)⟩, C(t,s) = ⟨N(t)N(s)⟩ and χ(t,s) = ⟨δN(t)/δh(s)⟩ from the single-species process
///
///     dN/dt = N [1 − N − μ m(t) − σ η(t) + γσ² ∫_0^t χ(t,s) N(s) ds + h(t)] + λ,   ⟨η(t)η(s)⟩ = C(t,s),
///
/// started from `start` (time in units of the intrinsic growth time, abundances in units of the carrying capacity).
/// The memory term (γ ≠ 0) is the reaction of the community to the species; see `LotkaVolterraProcess`.
public struct EcosystemDynamicsProblem: Sendable {
    /// The model (any γ ∈ [−1, 1], λ ≥ 0).
    public let model: EcosystemModel
    /// Last time t_max of the grid.
    public let duration: Double
    /// Grid step dt.
    public let step: Double
    /// Initial abundances.
    public let start: EcosystemStart

    /// A problem on the grid t_k = k·dt up to `duration`.
    ///
    /// - Throws: `EcosystemError.invalidParameter` for dt outside (0, 1], a duration that is not positive or longer
    ///   than 4000 steps, or a non-positive constant start.
    public init(model: EcosystemModel, duration: Double, step: Double, start: EcosystemStart = .constant(1)) throws {
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

/// The single-species Lotka–Volterra process for `SamplingDMFTSolver`, for any interaction symmetry γ:
///
///     d log N/dt = 1 − N − μ m(t) − σ η(t) + γσ² M(t) + λ/N,   M(t) = ∫_0^t χ(t,s) N(s) ds.
///
/// Heun (second order) in y = log N on the grid, with η and m at the grid times and the memory M by the trapezoid
/// rule, M_k = dt [χ_{k0}N_0/2 + Σ_{0<j<k} χ_{kj}N_j + m_k N_k/2] (χ(t,t⁻) = m(t)):
/// f_k(y) = 1 − e^y − μ m_k − σ η_k + γσ² M_k + λ e^{−y}, y* = y_k + dt f_k(y_k),
/// y_{k+1} = y_k + dt (f_k(y_k) + f_{k+1}(y*))/2, where M_{k+1} at the predictor uses N* = e^{y*} for its last node.
///
/// Response of one path, r(t,s) = δN(t)/δh(s) = N(t) ρ(t,s) for t > s, with
///
///     ∂_t ρ(t,s) = −[N(t) + λ/N(t)] ρ(t,s) + γσ² ∫_s^t χ(t,u) r(u,s) du,   ρ(s⁺,s) = 1,
///
/// a linear Volterra equation along the path (docs/PHYSICS.md §8.6). For γ = 0 it is solved in closed form,
/// ρ = exp(−∫_s^t (N + λ/N)), separable, O(K²) per path. For γ ≠ 0 it is integrated with the exact decay factor and
/// the trapezoid rule for the memory source, all s at once (row t_{k+1} from rows ≤ t_k), O(K³/6) per path.
public struct LotkaVolterraProcess: SampledSingleSiteProcess {
    /// The model.
    public let model: EcosystemModel
    /// Grid step.
    public let step: Double
    /// Grid times K + 1.
    public let timeCount: Int
    /// Initial abundances (uniform: drawn from the path number, so the same for every sweep).
    public let start: EcosystemStart
    /// Integrate the response by the general Volterra scheme even for γ = 0 (a check of that scheme against the
    /// closed form).
    let generalResponse: Bool

    /// A process on `timeCount` grid times of step `step`.
    public init(model: EcosystemModel, step: Double, timeCount: Int, start: EcosystemStart) {
        self.init(model: model, step: step, timeCount: timeCount, start: start, generalResponse: false)
    }

    init(model: EcosystemModel, step: Double, timeCount: Int, start: EcosystemStart, generalResponse: Bool) {
        self.model = model
        self.step = step
        self.timeCount = timeCount
        self.start = start
        self.generalResponse = generalResponse
    }

    /// Scratch of one worker: the path, e^{I_k} and N_k e^{−I_k} (γ = 0), and for γ ≠ 0 the response rows r(t_u, t_j),
    /// ρ(t_k, t_j), the memory integrals and the partial sums of the next row.
    public struct Workspace {
        let abundance, rate, growing, decaying: AlignedBuffer
        let rows: AlignedBuffer
        let rho, memory, partial: AlignedBuffer
    }

    public func makeWorkspace() -> Workspace {
        let n = timeCount, general = model.gamma != 0 || generalResponse
        return Workspace(abundance: AlignedBuffer(count: n), rate: AlignedBuffer(count: n), growing: AlignedBuffer(count: n),
                         decaying: AlignedBuffer(count: n), rows: AlignedBuffer(count: general ? n * n : 1),
                         rho: AlignedBuffer(count: n), memory: AlignedBuffer(count: n), partial: AlignedBuffer(count: n))
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
        kernels.mean.withUnsafeBufferPointer { m in
            kernels.response.withUnsafeBufferPointer { chi in
                trajectory(initial: initialAbundance(path), field: field, mean: m.baseAddress!, chi: chi.baseAddress!,
                           into: workspace.abundance.baseAddress, shift: nil)
                let n = timeCount, abundance = workspace.abundance.baseAddress
                for k in 0..<n { observable[k] = abundance[k] }
                if model.gamma == 0 && !generalResponse {
                    separableResponse(workspace, into: response)
                } else {
                    volterraResponse(workspace, mean: m.baseAddress!, chi: chi.baseAddress!, into: response)
                }
            }
        }
    }

    /// γ = 0 (closed-form response): r(t_k, t_j) = u_k v_j with u_k = N_k e^{−I_k}, v_j = e^{I_j}.
    public var hasSeparableResponse: Bool { model.gamma == 0 && !generalResponse }

    /// γ = 0: the path and the factors u_k = N_k e^{−I_k}, v_k = e^{I_k} of its response (see `separableResponse`).
    public func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                          observable: UnsafeMutablePointer<Double>, left: UnsafeMutablePointer<Double>,
                          right: UnsafeMutablePointer<Double>) {
        precondition(hasSeparableResponse, "the response is separable only for γ = 0")
        kernels.mean.withUnsafeBufferPointer { m in
            kernels.response.withUnsafeBufferPointer { chi in
                trajectory(initial: initialAbundance(path), field: field, mean: m.baseAddress!, chi: chi.baseAddress!,
                           into: observable, shift: nil)
            }
        }
        responseFactors(observable, decaying: left, growing: right)
    }

    /// γ = 0: four paths at a time (`trajectories`), then the response factors of each.
    public func integrate(paths first: Int, count: Int, fields: UnsafePointer<Double>, kernels: SamplingKernels,
                          workspace: inout Workspace, observables: UnsafeMutablePointer<Double>,
                          left: UnsafeMutablePointer<Double>, right: UnsafeMutablePointer<Double>) {
        precondition(hasSeparableResponse, "the response is separable only for γ = 0")
        let n = timeCount
        kernels.mean.withUnsafeBufferPointer { m in
            var p = 0
            while p < count {
                let group = min(4, count - p)
                var initial = SIMD4<Double>(repeating: 1)
                for q in 0..<group { initial[q] = initialAbundance(first + p + q) }
                trajectories(group, initial: initial, fields: fields + p * n, mean: m.baseAddress!,
                             into: observables + p * n)
                p += group
            }
        }
        for p in 0..<count {
            responseFactors(observables + p * n, decaying: left + p * n, growing: right + p * n)
        }
    }

    /// γ = 0, no growth-rate field: `count` ≤ 4 paths of `trajectory` advanced together (rows of `timeCount` values
    /// in `fields` and `abundances`). Every lane does exactly the arithmetic of `trajectory` (the terms that vanish
    /// at γ = 0, and λ/N at λ = 0, are left out: adding an exact zero changes no finite value), so the paths are
    /// bitwise those of `trajectory`; the four independent chains of `exp` overlap in the processor.
    func trajectories(_ count: Int, initial: SIMD4<Double>, fields: UnsafePointer<Double>, mean m: UnsafePointer<Double>,
                      into abundances: UnsafeMutablePointer<Double>) {
        let n = timeCount, dt = step, half = 0.5 * dt
        let mu = model.mu, sigma = model.sigma, lambda = model.lambda
        var y = SIMD4<Double>(log(initial[0]), log(initial[1]), log(initial[2]), log(initial[3]))
        let f0p = fields, f1p = fields + (count > 1 ? n : 0), f2p = fields + (count > 2 ? 2 * n : 0)
        let f3p = fields + (count > 3 ? 3 * n : 0)
        for k in 0..<n {
            let nk = SIMD4<Double>(exp(y[0]), exp(y[1]), exp(y[2]), exp(y[3]))
            for q in 0..<count { abundances[q * n + k] = nk[q] }
            if k == n - 1 { break }
            let field0 = SIMD4<Double>(f0p[k], f1p[k], f2p[k], f3p[k])
            let field1 = SIMD4<Double>(f0p[k + 1], f1p[k + 1], f2p[k + 1], f3p[k + 1])
            var f0 = (1 - nk) - mu * m[k] - sigma * field0
            if lambda != 0 { f0 += lambda / nk }
            let z = y + dt * f0
            let trial = SIMD4<Double>(exp(z[0]), exp(z[1]), exp(z[2]), exp(z[3]))
            var f1 = (1 - trial) - mu * m[k + 1] - sigma * field1
            if lambda != 0 { f1 += lambda / trial }
            y += half * (f0 + f1)
        }
    }

    /// I_k = ∫_0^{t_k}(N + λ/N) by trapezoid; u_k = N_k e^{−I_k} into `decaying`, v_k = e^{I_k} into `growing`.
    @inline(__always)
    func responseFactors(_ abundance: UnsafePointer<Double>, decaying: UnsafeMutablePointer<Double>,
                         growing: UnsafeMutablePointer<Double>) {
        let n = timeCount, dt = step, lambda = model.lambda
        var integral = 0.0, previousRate = 0.0
        for k in 0..<n {
            let nk = abundance[k]
            let rate = nk + lambda / nk
            if k > 0 { integral += 0.5 * dt * (previousRate + rate) }
            previousRate = rate
            growing[k] = exp(integral)
            decaying[k] = nk / growing[k]
        }
    }

    /// Heun in log N along `field` with the kernels m and χ; N_k into `abundance`. `shift` (tests) adds a growth-rate
    /// field h_k at the grid times.
    func trajectory(initial: Double, field: UnsafePointer<Double>, mean m: UnsafePointer<Double>,
                    chi: UnsafePointer<Double>, into abundance: UnsafeMutablePointer<Double>, shift: UnsafePointer<Double>?) {
        let n = timeCount, dt = step
        let mu = model.mu, sigma = model.sigma, lambda = model.lambda
        let g = model.gamma * sigma * sigma
        var y = log(initial)
        var memory = 0.0          // M_k
        for k in 0..<n {
            let nk = exp(y)
            abundance[k] = nk
            if k == n - 1 { break }
            if g != 0 && k > 0 {
                // M_k = P_k + dt m_k N_k / 2, P_k computed at the previous step.
                memory += 0.5 * dt * m[k] * nk
            }
            // P_{k+1} = dt [χ_{k+1,0} N_0 / 2 + Σ_{j=1}^{k} χ_{k+1,j} N_j].
            var partial = 0.0
            if g != 0 {
                let row = chi + (k + 1) * n
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                var j = 1
                while j + 3 <= k {
                    s0 += row[j] * abundance[j]; s1 += row[j + 1] * abundance[j + 1]
                    s2 += row[j + 2] * abundance[j + 2]; s3 += row[j + 3] * abundance[j + 3]
                    j += 4
                }
                while j <= k { s0 += row[j] * abundance[j]; j += 1 }
                partial = dt * (0.5 * row[0] * abundance[0] + (s0 + s1) + (s2 + s3))
            }
            let h0 = shift?[k] ?? 0, h1 = shift?[k + 1] ?? 0
            let f0 = 1 - nk - mu * m[k] - sigma * field[k] + g * memory + lambda / nk + h0
            let trial = exp(y + dt * f0)
            let trialMemory = partial + 0.5 * dt * m[k + 1] * trial
            let f1 = 1 - trial - mu * m[k + 1] - sigma * field[k + 1] + g * trialMemory + lambda / trial + h1
            y += 0.5 * dt * (f0 + f1)
            memory = partial
        }
    }

    /// γ = 0: r_kj = N_k exp(−∫_{t_j}^{t_k}(N + λ/N)) = (N_k e^{−I_k}) e^{I_j}, I by trapezoid; adds r to `response`.
    func separableResponse(_ workspace: Workspace, into response: UnsafeMutablePointer<Double>) {
        let n = timeCount
        let growing = workspace.growing.baseAddress, decaying = workspace.decaying.baseAddress
        responseFactors(workspace.abundance.baseAddress, decaying: decaying, growing: growing)
        for k in 0..<n {
            let row = response + k * n, u = decaying[k]
            for j in 0...k { row[j] += u * growing[j] }
        }
    }

    /// Any γ: the Volterra equation for ρ(t, t_j), all j at once, row by row. With a_k = N_k + λ/N_k, the decay
    /// factor E_k = exp(−dt (a_k + a_{k+1})/2) (integrating factor, exact for γ = 0 and stable however small N gets),
    /// the memory Q_kj = ∫_{t_j}^{t_k} χ(t_k,u) r(u,t_j) du (trapezoid) and g = γσ², the trapezoid step of the source is
    ///
    ///     ρ_{k+1,j} (1 − g dt² m_{k+1} N_{k+1}/4) = E_k ρ_kj + (g dt/2) (E_k Q_kj + Q'_{k+1,j})
    ///
    /// with Q'_{k+1,j} the trapezoid sum without its last node (dt/2) m_{k+1} r_{k+1,j}; r_kj = N_k ρ_kj; ρ_jj = 1.
    func volterraResponse(_ workspace: Workspace, mean m: UnsafePointer<Double>, chi: UnsafePointer<Double>,
                          into response: UnsafeMutablePointer<Double>) {
        let n = timeCount, dt = step, lambda = model.lambda
        let abundance = workspace.abundance.baseAddress, a = workspace.rate.baseAddress
        for k in 0..<n { a[k] = abundance[k] + lambda / abundance[k] }
        VolterraResponse.accumulate(count: n, step: dt, coupling: model.gamma * model.sigma * model.sigma,
                                    slope: abundance, chi: chi, diagonal: { m[$0] },
                                    decay: { exp(-0.5 * dt * (a[$0] + a[$0 + 1])) }, rows: workspace.rows.baseAddress,
                                    rho: workspace.rho.baseAddress, memory: workspace.memory.baseAddress,
                                    partial: workspace.partial.baseAddress, into: response)
    }
}
