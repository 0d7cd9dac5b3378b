import Foundation

/// The stationary autocorrelation Δ(τ) of a random rate network, and its spectrum.
public struct NetworkSolution: StationarySolution, Codable {
    /// Coupling g.
    public let coupling: Double
    /// Noise amplitude σ.
    public let noise: Double
    /// Name of φ.
    public let transferFunction: String
    /// Which state this is.
    public let branch: NetworkBranch
    /// The lag grid.
    public let grid: LagGrid
    /// Δ(τ_j) = ⟨h(t) h(t+τ_j)⟩ at the lags `grid.lags`.
    public let correlation: [Double]
    /// Power spectrum Δ̂(ω_k) = ∫ Δ(τ) e^{iωτ} dτ = (g² Ĉ_φ(ω) + σ²)/(1 + ω²) at `grid.frequencies`.
    public let spectrum: [Double]
    /// Variance Δ0 = Δ(0).
    public let variance: Double
    /// Decorrelation time τ½: Δ(τ½) = Δ0/2 (0 on the quiescent branch).
    public let decorrelationTime: Double
    /// Iterations and residuals of the solve.
    public let report: ConvergenceReport

    /// The lags τ_j = j·dt.
    public var lags: [Double] { grid.lags }
    /// τ½, nil on the quiescent branch (where Δ ≡ 0 has no decay).
    public var characteristicTime: Double? { branch == .quiescent || !decorrelationTime.isFinite ? nil : decorrelationTime }
    /// The frequencies ω_k.
    public var frequencies: [Double] { grid.frequencies }

    /// Δ(τ) at any lag in the window, by 6-point Lagrange interpolation (exact to the grid's accuracy for smooth Δ).
    public func correlation(atLag lag: Double) -> Double {
        Interpolation.lagrange(correlation, step: grid.step, at: abs(lag), evenAboutZero: true)
    }
}

/// Solves the stationary network DMFT by fixed-point iteration in frequency space.
///
/// Equation (docs/PHYSICS.md §1): `(1 − ∂_τ²) Δ(τ) = g² C_φ(Δ(τ); Δ0) + σ² δ(τ)`, i.e.
/// `Δ̂(ω) = (g² Ĉ_φ(ω) + σ²)/(1 + ω²)`, with `C_φ(Δ; Δ0) = E[φ(u)φ(v)]`, Var u = Var v = Δ0, Cov = Δ.
///
/// The noise part is exact in the time domain, `(σ²/2) e^{−|τ|}`; one iteration is
/// `Δ ↦ (σ²/2)e^{−|τ|} + F⁻¹[ g² F[C_φ(Δ; Δ(0))] / (1 + ω²) ]`, where `C_φ` is read from a `CorrelationTable`
/// (Chebyshev in ρ, interpolated in Δ(0)), and `F` is the even transform of `EvenFourierTransform` with the kink of
/// `C_φ` at τ = 0 (slope `−(σ²/2)⟨φ'²⟩`) corrected exactly. For σ = 0 the scheme is spectrally accurate in
/// the step; for σ > 0 it is O(dt⁴).
///
/// Preconditioning: in the tail, `C_φ ≈ ⟨φ'⟩² Δ`, and the plain map amplifies slow tail modes by
/// `g²⟨φ'⟩²/(1 + ω²) → 1 − κ²` (κ the tail rate): damped iteration then needs hundreds of steps. The solver
/// moves that linear part to the left, `(κ² − ∂²) Δ = g² (C_φ − ⟨φ'⟩² Δ) + σ² δ(τ)`, whose noise part is
/// `(σ²/2κ) e^{−κ|τ|}` exactly, and solves the resulting fixed point by Jacobian-free Newton–Krylov (the
/// default), which also copes with the map's one unstable even direction.
///
/// A solver owns its grid, FFT workspaces and iteration workspaces, all fixed when it is made; make one and reuse
/// it across a scan.
///
///     let model = try NetworkModel(coupling: 2, noise: 0.5)
///     let solver = NetworkStationarySolver(for: model)           // automatic grid, default options
///     let solution = try model.solve(with: solver)
public final class NetworkStationarySolver: StationarySolver {
    /// The lag grid in use.
    public let grid: LagGrid
    /// Iteration options (tolerance on max|G(Δ) − Δ| / Δ0, acceleration), fixed when the solver is made.
    public let options: IterationOptions
    /// Whether the linear part g²⟨φ'⟩²Δ of the kernel is moved to the left-hand side (see the type's documentation).
    /// True only with Newton–Krylov and `linearPreconditioning` requested: the preconditioned map has an unstable
    /// direction that damped and Anderson iteration cannot follow, so those iterate the unpreconditioned map.
    public let isPreconditioned: Bool

    private let transform: EvenFourierTransform
    private let iterator: FixedPointIterator
    private let state: AlignedBuffer
    private let kernelValues: AlignedBuffer
    private let spectrumWork: AlignedBuffer
    private let frequencySquared: AlignedBuffer   // ω_k²

    /// The default iteration options: preconditioned Newton–Krylov (20 Krylov vectors) to a relative residual of
    /// 1e-10, at most 20 000 map evaluations.
    public static let defaultOptions = IterationOptions(tolerance: 1e-10, maximumIterations: 20_000,
                                                        acceleration: .standard)

    /// A solver on `grid` with `options`; `linearPreconditioning` applies with Newton–Krylov only (see
    /// `isPreconditioned`).
    public init(grid: LagGrid, options: IterationOptions = NetworkStationarySolver.defaultOptions,
                linearPreconditioning: Bool = true) {
        self.grid = grid
        self.options = options
        if case .newtonKrylov = options.acceleration { isPreconditioned = linearPreconditioning } else { isPreconditioned = false }
        transform = EvenFourierTransform(grid: grid)
        iterator = FixedPointIterator(dimension: grid.count, options: options)
        state = AlignedBuffer(count: grid.count)
        kernelValues = AlignedBuffer(count: grid.count)
        spectrumWork = AlignedBuffer(count: grid.count)
        frequencySquared = AlignedBuffer(count: grid.count)
        for k in 0..<grid.count {
            let omega = Double(k) * grid.frequencyStep
            frequencySquared[k] = omega * omega
        }
    }

    /// A solver on the automatic grid for `model` (`automaticGrid(for:lyapunov:)`).
    public convenience init(for model: NetworkModel, lyapunov: Bool = false,
                            options: IterationOptions = NetworkStationarySolver.defaultOptions) throws {
        self.init(grid: try Self.automaticGrid(for: model, lyapunov: lyapunov), options: options)
    }

    /// The starting profile: Δ0 from the energy equation of the potential method (a scalar root, ~20 µs), and
    /// `(σ²/2) e^{−τ} + (Δ0 − σ²/2) sech(aτ)` with `a` matching the exact curvature `Δ''(0⁺) = Δ0 − g²⟨φ²⟩`.
    /// Only the start: the converged profile is the spectral scheme's own fixed point.
    public static func initialGuess(model: NetworkModel, grid: LagGrid) -> [Double] {
        let g = model.coupling, noiseIntensity = model.noise * model.noise
        let variance = (try? PotentialMethod.variance(model: model)).flatMap { $0 > 0 ? $0 : nil }
            ?? max(g * g - 1, 0.05 * g * g) + noiseIntensity / 2
        let phi = model.nonlinearity
        let meanSquare = GaussianAverages.expectation(variance: variance, singularityDistance: phi.singularityDistance) {
            let value = phi.function($0); return value * value
        }
        let amplitude = variance - noiseIntensity / 2
        let curvature = (g * g * meanSquare - variance + noiseIntensity / 2) / max(amplitude, 1e-300)
        let rate = curvature > 0 && amplitude > 0 ? curvature.squareRoot() : 1
        return grid.lags.map { tau in
            0.5 * noiseIntensity * exp(-tau) + max(amplitude, 0) / cosh(min(rate * tau, 700))
        }
    }

    /// `⟨φ'⟩` and `⟨φ'²⟩` at variance `variance` (the second only when needed), in one trapezoid sum.
    static func slopeAverages(_ phi: Nonlinearity, variance: Double, needSquare: Bool) -> (mean: Double, meanSquare: Double) {
        let sd = variance.squareRoot()
        let step = GaussianAverages.stepSize(scale: sd, singularityDistance: phi.singularityDistance)
        let half = Int((GaussianAverages.cutoff / step).rounded(.up))
        let norm = step / (2 * Double.pi).squareRoot()
        var mean = 0.0, meanSquare = 0.0
        for i in -half...half {
            let z = Double(i) * step
            let weight = norm * exp(-0.5 * z * z)
            let slope = phi.derivative(sd * z)
            mean += weight * slope
            meanSquare += weight * slope * slope
        }
        return (mean, needSquare ? meanSquare : 0)
    }

    /// The grid chosen automatically for `model`; with `lyapunov` the step is capped at `lyapunovStep` (the
    /// Numerov ground state of `LyapunovExponent` needs it).
    ///
    /// Step: 0.1 for σ = 0, where the scheme is spectrally accurate (0.1·0.05/(g−1) within 0.05 of threshold,
    /// where Δ varies on the scale √3/(g−1)); 0.025 for σ > 0, where it is O(dt⁴). Window: Δ decays as
    /// e^{−κτ} with κ = √(1 − g²⟨φ'⟩²) at the variance Δ0 of the energy equation (potential method, a scalar
    /// root), so the window is 38/κ (Δ down to ~3e-17 of Δ0), at least 20, rounded up to a power-of-two grid.
    ///
    /// Small noise near g = 1 (σ > 0, κ < 0.023, without `lyapunov`): the step grows to window/2^16
    /// (`smallNoiseIntervals`) once the window exceeds 0.025·2^16. There Δ ≈ (σ²/2κ) e^{−κ|τ|} varies only on the scale
    /// 1/κ (the linear part that would put structure on the scale 1 sits on the left-hand side of the
    /// preconditioned equation), and the O(dt⁴) term is carried by jumps of C_φ's derivatives at τ = 0 of
    /// relative size σ² (measured at g = 1, σ = 1e-3, κ = 0.01: Δ0 within 4e-14 of the potential method on
    /// 2^16 intervals). Below κ = `smallestNoisyTailRate` `solve` refuses (double precision, not the grid, is then
    /// the limit). With `lyapunov` the step stays ≤ 0.05 and a window beyond `maximumIntervals` is refused.
    /// - Throws: `GridError` for an impossible grid, `SolverError.gridTooLarge` beyond `maximumIntervals`.
    public static func automaticGrid(for model: NetworkModel, lyapunov: Bool = false) throws -> LagGrid {
        let distance = abs(model.coupling - 1)
        let naturalStep = min(model.noise > 0 ? 0.025 : min(0.1 * max(1, 0.05 / max(distance, 1e-9)), 2),
                              NetworkModel.largeVarianceStep(coupling: model.coupling, noise: model.noise))
        var step = lyapunov ? min(naturalStep, lyapunovStep) : naturalStep
        var window = 60 / max(distance, 1e-3)
        if !model.isQuiescent, let variance = try? PotentialMethod.variance(model: model), variance > 0 {
            let rate = PotentialMethod.tailRate(model: model, variance: variance)
            if rate > 0 && rate.isFinite { window = 38 / rate }
        }
        window = max(20, window)
        if model.noise > 0 && !lyapunov && window > 0.025 * Double(smallNoiseIntervals) {
            step = max(step, window / Double(smallNoiseIntervals))
        }
        // The quiescent branch is answered in closed form, whatever the grid.
        let needed = window / step
        guard model.isQuiescent || needed <= Double(maximumIntervals) else {
            throw SolverError.gridTooLarge(step: step, window: window, intervals: Int(min(needed, 1e18)),
                                           limit: maximumIntervals)
        }
        let grid = try LagGrid(step: step, minimumWindow: window)
        if !model.isQuiescent { try checkSize(of: grid) }
        return grid
    }

    /// The smallest tail rate κ = √(1 − g²⟨φ'⟩²) a solve with noise accepts: 0.008.
    ///
    /// Near g = 1 with small σ both κ² and the nonlinear remainder C_φ − ⟨φ'⟩²Δ are differences of O(1)
    /// numbers of size ~Δ0, so one map evaluation carries a relative rounding error that grows like 1/κ² and the
    /// iteration stalls above its tolerance (measured at g = 1: κ = 0.010 (σ = 1e-3) agrees with the potential
    /// method to 4e-14, κ = 0.0045 (σ = 3e-4) to 6e-10, κ = 0.0022 (σ = 1e-4) does not converge). Below it `solve`
    /// throws `SolverError.tailRateTooSmall` carrying the potential method's Δ0, which has no such cancellation.
    public static let smallestNoisyTailRate = 0.008

    /// Intervals of the automatic grid in the small-noise regime near g = 1: 2^16 (see `automaticGrid`).
    public static let smallNoiseIntervals = 1 << 16

    /// The largest grid a solver accepts: 2^20 intervals (a solve then takes seconds and ~0.4 GB).
    public static let maximumIntervals = 1 << 20

    /// Bytes a solver and its solution hold on `grid`: about 48 doubles per lag (the Newton–Krylov basis of 21
    /// vectors, the iteration and transform workspaces, the returned profile and spectrum).
    public static func memoryRequirement(for grid: LagGrid) -> Int { 48 * 8 * grid.count }

    /// Throws `SolverError.gridTooLarge` when `grid` has more than `maximumIntervals` intervals or needs more than the
    /// available memory (`ulimit -v`, cgroup and free memory, whichever is smallest).
    public static func checkSize(of grid: LagGrid) throws {
        let bytes = memoryRequirement(for: grid)
        let available = MemoryBudget.availableBytes
        guard grid.intervals <= maximumIntervals, bytes <= available else {
            throw SolverError.gridTooLarge(step: grid.step, window: grid.window, intervals: grid.intervals,
                                           limit: min(maximumIntervals, available / (48 * 8)))
        }
    }

    /// The largest lag step used when λ_max is wanted: 0.05.
    public static let lyapunovStep = 0.05

    /// Solves for the stationary state of `model` from the default initial guess.
    public func solve(_ model: NetworkModel) throws -> NetworkSolution {
        try solve(model, initialGuess: nil, progress: nil)
    }

    /// Solves for the stationary state of `model`.
    ///
    /// - Parameters:
    ///   - model: the network to solve.
    ///   - initialGuess: Δ at the grid's lags; nil for `initialGuess(model:grid:)`.
    ///   - progress: called with (iteration, residual) after each iteration.
    /// - Throws: `ConvergenceError` when the iteration does not reach the tolerance (the error carries the
    ///   residual); `SolverError.windowTooShort` when Δ has not decayed to 1e-10·Δ0 at the window's end;
    ///   `SolverError.collapsedToQuiescent` when, for σ = 0 and g > 1, it fell onto Δ ≡ 0;
    ///   `SolverError.tailRateTooSmall` for σ > 0 and κ < `smallestNoisyTailRate` (small noise near g = 1).
    public func solve(_ model: NetworkModel, initialGuess: [Double]?,
                      progress: ((Int, Double) -> Void)? = nil) throws -> NetworkSolution {
        let g = model.coupling, sigma = model.noise
        let count = grid.count
        if sigma > 0, let variance = try? PotentialMethod.variance(model: model), variance > 0 {
            let rate = PotentialMethod.tailRate(model: model, variance: variance)
            if rate.isFinite && rate < Self.smallestNoisyTailRate {
                throw SolverError.tailRateTooSmall(coupling: g, noise: sigma, rate: rate, potentialVariance: variance)
            }
        }
        if model.isQuiescent {
            return NetworkSolution(
                coupling: g, noise: sigma, transferFunction: model.nonlinearity.name, branch: .quiescent, grid: grid,
                correlation: [Double](repeating: 0, count: count), spectrum: [Double](repeating: 0, count: count),
                variance: 0, decorrelationTime: 0,
                report: ConvergenceReport(method: "closed form (quiescent branch)", iterations: 0, residual: 0))
        }
        // A fresh table per solve: a bracket left by an earlier solve would make the result depend (at the
        // 1e-14 level) on what this solver did before, and scans that share solvers across threads would not be
        // bitwise reproducible.
        let table = CorrelationTable(nonlinearity: model.nonlinearity, pair: .function)
        let phi = model.nonlinearity
        if let initialGuess {
            precondition(initialGuess.count == count, "initial guess must have grid.count values")
            state.assign(from: initialGuess)
        } else {
            state.assign(from: Self.initialGuess(model: model, grid: grid))
        }
        let gSquared = g * g, noiseIntensity = sigma * sigma
        let values = kernelValues.pointer, spectrum = spectrumWork.pointer
        let omegaSquared = frequencySquared.baseAddress
        let step = grid.step

        let preconditioned = isPreconditioned
        var report = try iterator.solve(state: state, progress: progress) { current, next in
            let variance = max(current[0], 1e-300)
            let slopes = Self.slopeAverages(phi, variance: variance, needSquare: noiseIntensity > 0)
            // Linear part g² ⟨φ'⟩² Δ moved to the left: (κ² − ∂²) Δ = g² (C_φ − ⟨φ'⟩² Δ) + σ² δ.
            let linear = preconditioned ? min(slopes.mean * slopes.mean, 0.99 / gSquared) : 0
            let decay = (1 - gSquared * linear).squareRoot()
            table.prepare(variance: variance)
            table.evaluate(current, into: values)
            for j in 0..<count { values[j] -= linear * current[j] }
            let kink = -0.5 * noiseIntensity * (slopes.meanSquare - linear)
            transform.forward(UnsafeBufferPointer(values), kinkSlope: kink, into: spectrum)
            let decaySquared = decay * decay
            for k in 0..<count { spectrum[k] *= gSquared / (decaySquared + omegaSquared[k]) }
            // Beyond the band, g² Ĉ/(κ² + ω²) ≈ −2 g² kink / ω⁴.
            transform.inverse(UnsafeBufferPointer(spectrum), tailCoefficient: -2 * gSquared * kink, into: next)
            if noiseIntensity > 0 {
                let amplitude = noiseIntensity / (2 * decay)
                for j in 0..<count { next[j] += amplitude * exp(-decay * Double(j) * step) }
            }
            return variance
        }

        if preconditioned { report.method += ", preconditioned" }
        let correlation = state.array
        let variance = correlation[0]
        let tail = abs(correlation[count - 1]) / max(variance, 1e-300)
        guard tail <= 1e-10 else { throw SolverError.windowTooShort(window: grid.window, relativeTail: tail) }
        if model.noise == 0 && variance <= 1e-12 {
            throw SolverError.collapsedToQuiescent(coupling: g)
        }
        // Spectrum of the solution: g² Ĉ_φ / (1 + ω²) + σ²/(1 + ω²).
        table.prepare(variance: variance)
        correlation.withUnsafeBufferPointer { table.evaluate($0, into: values) }
        let kink = -0.5 * noiseIntensity * Self.slopeAverages(phi, variance: variance, needSquare: noiseIntensity > 0).meanSquare
        transform.forward(UnsafeBufferPointer(values), kinkSlope: kink, into: spectrum)
        let power = (0..<count).map { k in (gSquared * spectrum[k] + noiseIntensity) / (1 + omegaSquared[k]) }
        let halfTime = Interpolation.firstCrossing(correlation, step: grid.step, level: variance / 2)
        return NetworkSolution(
            coupling: g, noise: sigma, transferFunction: phi.name, branch: sigma > 0 ? .noiseDriven : .chaotic,
            grid: grid, correlation: correlation, spectrum: power, variance: variance,
            decorrelationTime: halfTime ?? .nan, report: report)
    }
}

/// Failures of a solver other than non-convergence.
public enum SolverError: Error, Equatable, CustomStringConvertible {
    /// The solution has not decayed by the end of the lag window.
    case windowTooShort(window: Double, relativeTail: Double)
    /// For σ = 0 and g > 1 the iteration fell onto the unstable quiescent solution.
    case collapsedToQuiescent(coupling: Double)
    /// The lag grid (step, window) has more intervals than the solver accepts (`maximumIntervals`, or what the
    /// available memory holds).
    case gridTooLarge(step: Double, window: Double, intervals: Int, limit: Int)
    /// σ > 0 with a tail rate κ below `NetworkStationarySolver.smallestNoisyTailRate`: the spectral map's rounding
    /// exceeds the tolerance. Carries the potential method's Δ0.
    case tailRateTooSmall(coupling: Double, noise: Double, rate: Double, potentialVariance: Double)

    public var description: String {
        switch self {
        case .windowTooShort(let window, let tail):
            return "the lag window \(window) is too short: the correlation has only decayed to \(tail) of its variance; enlarge it"
        case .collapsedToQuiescent(let g):
            return "the iteration at g = \(g) fell onto the unstable quiescent solution Δ ≡ 0; try another initial guess"
        case .gridTooLarge(let step, let window, let intervals, let limit):
            return "the lag grid dt = \(step), window \(window) has \(intervals) intervals, more than the \(limit) a solve "
                + "accepts (time and memory); use a larger --step or a smaller --window"
        case .tailRateTooSmall(let g, let sigma, let rate, let variance):
            return "at g = \(g), σ = \(sigma) the correlation decays at the rate κ = \(rate), below the "
                + "\(NetworkStationarySolver.smallestNoisyTailRate) the spectral solve resolves in double precision "
                + "(small noise near g = 1, docs/PHYSICS.md §1.7); the potential method gives Δ0 = \(variance) "
                + "(dmft network reference --g \(g) --sigma \(sigma))"
        }
    }
}
