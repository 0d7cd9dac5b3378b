import Foundation

/// One population of a random rate network with any transfer function, a bias and a mean coupling:
///
///     dh_i/dt = −h_i + h0 + Σ_j J_ij φ(h_j) + ξ_i,   J_ij = J0/N + g z_ij/√N,   ⟨ξ_i(t)ξ_j(s)⟩ = σ² δ_ij δ(t−s).
///
/// The effective single unit has mean μ = h0 + J0 M, M = ⟨φ(h)⟩, and an autocorrelation Δ(τ) of h − μ that solves
/// `(1 − ∂²)Δ = g² C_φ(Δ; Δ0, μ) + σ² δ(τ)` with the full Gaussian kernel
/// `C_φ(Δ; Δ0, μ) = E_z[(E_x φ(μ + √(Δ0−Δ) x + √Δ z))²]`; Δ(τ) → Δ∞ = g² C_φ(Δ∞) > 0 unless φ is odd and
/// h0 = J0 = 0 (docs/PHYSICS.md, "General networks"). Units as in `NetworkModel`: time in units of the single-unit
/// relaxation time.
///
///     let model = try GeneralNetworkModel(coupling: 3, bias: 0.2, nonlinearity: .reluTanh)
///     let solution = try model.solve()       // Δ0, Δ∞, μ, M and Δ(τ)
public struct GeneralNetworkModel: StationaryProblem {
    /// g > 0: the standard deviation of J_ij times √N.
    public let coupling: Double
    /// σ ≥ 0: white noise of intensity σ².
    public let noise: Double
    /// h0: the constant external input (bias).
    public let bias: Double
    /// J0: the mean coupling times N.
    public let meanCoupling: Double
    /// φ: any transfer function (kinks declared in `Nonlinearity.kinks`).
    public let nonlinearity: Nonlinearity

    /// Validates and stores the parameters; throws `ModelError` for g ≤ 0, σ < 0, a non-finite value, or g, σ
    /// beyond the supported range of `NetworkModel`.
    public init(coupling: Double, noise: Double = 0, bias: Double = 0, meanCoupling: Double = 0,
                nonlinearity: Nonlinearity = .tanh) throws {
        guard coupling.isFinite, coupling > 0 else { throw ModelError.invalidParameter(name: "g", value: coupling, requirement: "a finite number > 0") }
        guard noise.isFinite, noise >= 0 else { throw ModelError.invalidParameter(name: "sigma", value: noise, requirement: "a finite number >= 0") }
        guard bias.isFinite, abs(bias) <= 100 else { throw ModelError.invalidParameter(name: "bias", value: bias, requirement: "a finite number with |h0| <= 100") }
        guard meanCoupling.isFinite, abs(meanCoupling) <= 100 else {
            throw ModelError.invalidParameter(name: "mean-coupling", value: meanCoupling, requirement: "a finite number with |J0| <= 100")
        }
        try NetworkModel.checkSupportedRange(coupling: coupling, noise: noise)
        self.coupling = coupling
        self.noise = noise
        self.bias = bias
        self.meanCoupling = meanCoupling
        self.nonlinearity = nonlinearity
    }

    /// True when the model is the one of `NetworkModel` (odd, smooth φ, h0 = J0 = 0): `solve()` then runs the
    /// existing odd-φ solver unchanged, with μ = M = Δ∞ = 0.
    public var isOddCase: Bool { bias == 0 && meanCoupling == 0 && nonlinearity.kinks.isEmpty && nonlinearity.isOdd }

    /// The stationary state: the fixed-point branch when it is stable (σ = 0), otherwise the chaotic (σ = 0) or
    /// noise-driven branch from the spectral solver on its automatic grid.
    ///
    /// - Throws: `GeneralNetworkError` (unstable mean mode, no chaotic solution), `ConvergenceError`.
    public func solve() throws -> GeneralNetworkSolution {
        try solve(step: nil, window: nil, options: GeneralNetworkSolver.defaultOptions)
    }

    /// `solve()` on the automatic grid with `step` and/or `window` overridden when given, and the solver's options.
    ///
    /// The chaotic or noise-driven branch starts from `GeneralPotentialMethod`'s equations solved cheaply (Mehler
    /// series, ~1e-6; they give the window 32/κ and the initial profile); when that start or the spectral solve
    /// from it fails, the accurate potential method supplies the start instead. The answer is the spectral scheme's
    /// own fixed point either way.
    ///
    /// - Throws: `GeneralNetworkError`, `ConvergenceError`, `SolverError`, `GridError`.
    public func solve(step: Double?, window: Double?, options: IterationOptions) throws -> GeneralNetworkSolution {
        try solve(step: step, window: window, options: options, accurateFallback: true)
    }

    /// `solve(step:window:options:)`; without `accurateFallback` a failure of the cheap start (or of the solve from
    /// it) is thrown instead of retried from the accurate potential method.
    func solve(step: Double?, window: Double?, options: IterationOptions, accurateFallback: Bool) throws -> GeneralNetworkSolution {
        func grid(_ automatic: LagGrid) throws -> LagGrid {
            step == nil && window == nil ? automatic : try LagGrid(step: step ?? automatic.step, minimumWindow: window ?? automatic.window)
        }
        let point = isOddCase ? nil : try fixedPoint()
        if isOddCase || (noise == 0 && point?.isStable == true) {
            return try GeneralNetworkSolver(grid: try grid(try GeneralNetworkSolver.automaticGrid(for: self, tailRate: nil)),
                                            options: options).solve(self)
        }
        func attempt(_ potential: GeneralPotentialMethod.Solution) throws -> GeneralNetworkSolution {
            let solver = GeneralNetworkSolver(grid: try grid(try GeneralNetworkSolver.automaticGrid(for: self, tailRate: potential.tailRate)),
                                              options: options)
            return try solver.solve(self, initialGuess: GeneralNetworkSolver.initialGuess(model: self, potential: potential,
                                                                                         grid: solver.grid))
        }
        guard accurateFallback else { return try attempt(try GeneralPotentialMethod.start(self, fixedPoint: point)) }
        if let start = try? GeneralPotentialMethod.start(self, fixedPoint: point), let solution = try? attempt(start) {
            return solution
        }
        return try attempt(try GeneralPotentialMethod.solve(self))
    }

    /// The start of the chaotic or noise-driven branch: `GeneralPotentialMethod.start`, or the accurate
    /// `GeneralPotentialMethod.solve` when the cheap one fails.
    func chaoticStart() throws -> GeneralPotentialMethod.Solution {
        if let start = try? GeneralPotentialMethod.start(self) { return start }
        return try GeneralPotentialMethod.solve(self)
    }

    // MARK: Gaussian averages at the model's φ

    /// `E[f(μ + √variance z)]` split at φ's kinks.
    func average(mean: Double, variance: Double, _ f: (Double) -> Double) -> Double {
        KinkedGaussian.expectation(mean: mean, sd: max(variance, 0).squareRoot(), kinks: nonlinearity.kinks,
                                   distance: nonlinearity.singularityDistance, f)
    }

    /// `C_f(Δ; Δ0, μ) = E_z[(E_x f(μ + √(Δ0−Δ) x + √Δ z))²]`.
    func kernel(_ f: (Double) -> Double, lag delta: Double, variance: Double, mean: Double) -> Double {
        let outer = max(delta, 0).squareRoot(), inner = max(variance - delta, 0).squareRoot()
        return KinkedGaussian.squaredConditionalMean(mean: mean, outer: outer, inner: inner, kinks: nonlinearity.kinks,
                                                     distance: nonlinearity.singularityDistance, f)
    }

    /// The mean μ solving `μ = h0 + J0 E[φ(μ + √variance z)]`, and the mean-mode eigenvalue J0⟨φ'⟩ there.
    ///
    /// - Throws: `GeneralNetworkError.unstableMeanMode` when J0⟨φ'⟩ ≥ 1 at the root (or no root is bracketed).
    func selfConsistentMean(variance: Double) throws -> (mean: Double, eigenvalue: Double) {
        let phi = nonlinearity.function, slope = nonlinearity.derivative
        let j0 = meanCoupling, h0 = bias
        guard j0 != 0 else { return (h0, 0) }
        func residual(_ mu: Double) -> Double { mu - h0 - j0 * average(mean: mu, variance: variance, phi) }
        var width = 1.0
        var root: Double?
        for _ in 0..<40 {
            if let found = RootFinding.brent(residual, lower: h0 - width, upper: h0 + width, absoluteTolerance: 1e-15) {
                root = found; break
            }
            width *= 2
        }
        guard let mu = root else { throw GeneralNetworkError.unstableMeanMode(eigenvalue: .nan) }
        let eigenvalue = j0 * average(mean: mu, variance: variance, slope)
        guard eigenvalue < 1 else { throw GeneralNetworkError.unstableMeanMode(eigenvalue: eigenvalue) }
        return (mu, eigenvalue)
    }

    /// The fixed-point (static) branch at σ = 0: `q = g² E[φ²(μ + √q z)]`, `μ = h0 + J0 E[φ(μ + √q z)]`, and its
    /// stability: bulk radius g√⟨φ'²⟩ < 1 and mean mode J0⟨φ'⟩ < 1 (docs/PHYSICS.md).
    ///
    /// q = 0 is returned when it is a solution and no q > 0 is bracketed (e.g. relu-tanh, h0 = 0, g ≤ √2).
    public func fixedPoint() throws -> NetworkFixedPoint {
        let g2 = coupling * coupling
        let phi = nonlinearity.function
        func residual(_ q: Double) throws -> Double {
            let mu = try selfConsistentMean(variance: q).mean
            return q - g2 * average(mean: mu, variance: q) { let v = phi($0); return v * v }
        }
        let low = 1e-14
        var q = 0.0
        if try residual(low) < 0 {
            var high = max(1.0, g2)
            while try residual(high) < 0 {
                high *= 2
                guard high < 1e12 else { throw GeneralNetworkError.noStaticBranch }
            }
            guard let root = try RootFinding.brent(residual, lower: low, upper: high, absoluteTolerance: 1e-16) else {
                throw GeneralNetworkError.noStaticBranch
            }
            q = root
        }
        let (mu, eigenvalue) = try selfConsistentMean(variance: q)
        let slope = nonlinearity.derivative
        let rate = average(mean: mu, variance: q, phi)
        let slopeSquare = average(mean: mu, variance: q) { let v = slope($0); return v * v }
        return NetworkFixedPoint(mean: mu, variance: q, rate: rate, bulkRadius: coupling * slopeSquare.squareRoot(),
                                 meanModeEigenvalue: eigenvalue)
    }

    /// The chaos threshold g_c on the fixed-point branch, g_c² ⟨φ'²⟩_{μ, q} = 1 (σ is ignored: this is the σ = 0
    /// criterion).
    ///
    /// On the static branch μ(q) does not depend on g (μ = h0 + J0 E[φ(μ + √q z)]) and g² = q/⟨φ²⟩, so the
    /// criterion is one equation in q, `q⟨φ'²⟩/⟨φ²⟩ = 1`, solved by Brent's method after a log-uniform bracket scan
    /// of q ∈ [1e-20, 1e4]; then g_c = √(q_c/⟨φ²⟩). Written in q, the root is simple even where the branch is born
    /// unstable (relu-tanh at h0 = 0, where g²⟨φ'²⟩ − 1 = O(q²) above g_c). When the ratio is already ≥ 1 at
    /// q → 0 (φ(μ) = 0 there, e.g. relu-tanh with h0 = J0 = 0), the branch starts critical at q = 0 and
    /// g_c = lim √(q/⟨φ²⟩) = 1/√⟨φ'²⟩ (√2 for relu-tanh).
    ///
    /// - Throws: `GeneralNetworkError.noTransition` when no root is bracketed, `.unstableMeanMode`.
    public func criticalCoupling() throws -> Double {
        let phi = nonlinearity.function, slope = nonlinearity.derivative
        func parts(_ q: Double) throws -> (criterion: Double, couplingSquared: Double) {
            let mu = try selfConsistentMean(variance: q).mean
            let meanSquare = average(mean: mu, variance: q) { let v = phi($0); return v * v }
            let slopeSquare = average(mean: mu, variance: q) { let v = slope($0); return v * v }
            return (q * slopeSquare / meanSquare - 1, q / meanSquare)
        }
        let smallest = 1e-20
        let start = try parts(smallest)
        if start.criterion >= -1e-12 { return start.couplingSquared.squareRoot() }
        var lower = smallest
        for i in 1...96 {
            let q = smallest * pow(10, Double(i) / 4)
            if try parts(q).criterion >= 0 {
                guard let root = try RootFinding.brent({ try parts($0).criterion }, lower: lower, upper: q,
                                                       absoluteTolerance: 1e-18) else { break }
                return try parts(root).couplingSquared.squareRoot()
            }
            lower = q
        }
        throw GeneralNetworkError.noTransition
    }
}

/// The fixed point of a general one-population network at σ = 0 and its stability.
public struct NetworkFixedPoint: Sendable, Codable, Equatable {
    /// μ: the mean input h.
    public let mean: Double
    /// q = Δ0 = Δ∞: the variance of the static inputs across units.
    public let variance: Double
    /// M = ⟨φ(h)⟩.
    public let rate: Double
    /// g√⟨φ'²⟩: the radius of the bulk of the Jacobian's spectrum (chaos when > 1).
    public let bulkRadius: Double
    /// J0⟨φ'⟩: the outlier (mean-mode) eigenvalue of J·diag φ'.
    public let meanModeEigenvalue: Double
    /// Both below 1.
    public var isStable: Bool { bulkRadius < 1 && meanModeEigenvalue < 1 }
}

/// Failures specific to the general network solvers. One line each.
public enum GeneralNetworkError: Error, Equatable, CustomStringConvertible {
    /// J0⟨φ'⟩ ≥ 1: the mean (outlier) mode is unstable and the network runs away or is bistable.
    case unstableMeanMode(eigenvalue: Double)
    /// No static solution q was bracketed.
    case noStaticBranch
    /// The criterion g²⟨φ'²⟩ = 1 has no root on the static branch (q ≤ 1e4).
    case noTransition
    /// The potential method found no chaotic root (the model is on its stable fixed point, or too close to g_c).
    case noChaoticSolution(coupling: Double)

    public var description: String {
        switch self {
        case .unstableMeanMode(let value):
            return value.isNaN
                ? "unstable mean mode: the mean input μ = h0 + J0 M has no solution"
                : "unstable mean mode: J0⟨φ'⟩ = \(value) >= 1 (choose a smaller mean coupling)"
        case .noStaticBranch: return "no static fixed point q = g²⟨φ²⟩ was found"
        case .noTransition:
            return "the chaos criterion g²⟨φ'²⟩ = 1 has no root on the static branch"
        case .noChaoticSolution(let g):
            return "no chaotic stationary solution at g = \(g): the fixed point is stable or g is too close to g_c"
        }
    }
}

extension KinkedGaussian {
    /// Widest panel (in standard deviations) of the kernel tables' integrals: where the Gaussian weight, not f,
    /// limits the panels (standard deviation below f's strip half-width), 16 Gauss–Legendre nodes on width 3 integrate
    /// the entire weight to ~1e-17 (`forEachNode`), and each table node costs about half the double integral of
    /// width 1.5.
    static let tableWidth = 3.0

    /// `C = E_z[(E_x f(m + σz + s x))²]` (σ = `outer`, s = `inner`) with its derivatives in the mean m and in the outer
    /// variance V = σ², from the same nodes by Stein's identities: `∂_m C = E[z F]/σ`, `∂_V C = E[(z² − 1) F]/(2V)`
    /// with F = (E_x f)². The derivatives are NaN when σ = 0. Panels up to `tableWidth` wide.
    static func squaredConditionalMeanWithDerivatives(mean: Double, outer: Double, inner: Double, kinks: [Double],
                                                      distance: Double, _ f: (Double) -> Double)
        -> (value: Double, meanDerivative: Double, varianceDerivative: Double) {
        var outerBreaks = [Double](); outerBreaks.reserveCapacity(128)
        var innerBreaks = [Double](); innerBreaks.reserveCapacity(64)
        var cachedNodes = [Double](), cachedWeights = [Double]()
        if inner > 0 {
            forEachNode(mean: 0, sd: inner, kinks: [], distance: distance, smoothing: 0, maximumWidth: tableWidth,
                        breaks: &innerBreaks) { x, v in
                cachedNodes.append(inner * x); cachedWeights.append(v)
            }
        }
        let reach = cutoff * inner
        var total = 0.0, first = 0.0, second = 0.0
        cachedNodes.withUnsafeBufferPointer { xs in
            cachedWeights.withUnsafeBufferPointer { vs in
                forEachNode(mean: mean, sd: outer, kinks: kinks, distance: distance, smoothing: inner,
                            maximumWidth: tableWidth, breaks: &outerBreaks) { z, w in
                    let y = mean + outer * z
                    var conditional = 0.0
                    if inner > 0 {
                        var far = true
                        for k in kinks where abs(k - y) < reach { far = false; break }
                        if far {
                            for i in 0..<xs.count { conditional += vs[i] * f(y + xs[i]) }
                        } else {
                            forEachNode(mean: y, sd: inner, kinks: kinks, distance: distance, smoothing: 0,
                                        maximumWidth: tableWidth, breaks: &innerBreaks) { x, v in
                                conditional += v * f(y + inner * x)
                            }
                        }
                    } else {
                        conditional = f(y)
                    }
                    let square = w * conditional * conditional
                    total += square
                    first += z * square
                    second += (z * z - 1) * square
                }
            }
        }
        guard outer > 0 else { return (total, .nan, .nan) }
        return (total, first / outer, second / (2 * outer * outer))
    }
}

/// The Chebyshev table of `C_φ(Δ; Δ0, μ)` in s = √(Δ0 − Δ) on [0, top], with its derivatives in Δ0 (at fixed s) and
/// in μ, used by the general and population solvers.
///
/// A table is built at a base point (Δ0_b, μ_b) and reused, to first order,
/// `C(s; Δ0, μ) ≈ C(s; b) + (Δ0 − Δ0_b) ∂_Δ0 C + (μ − μ_b) ∂_μ C`, while (Δ0, μ) stay within 1e-4 (relative) of the
/// base and the lags reached stay inside [0, top]. That is the case for the Newton–Krylov directional derivatives
/// (the perturbations are ~1e-7 relative), so a table is built once per Newton step instead of once per map
/// evaluation. The linearisation error, ≲ 1e-8 relative, is removed by the solvers' later stages: a first stage
/// to the residual `stageTolerance`, a rebuild there (unless within `exactRadius` of the base), a second stage to
/// the tolerance, and a third from an exact table only if the second ended farther than `exactRadius` from its base
/// (error of the first-order table within that radius ≲ 1e-12).
package final class GeneralKernelTable {
    static let size = 28
    /// Threads that share a table's double integrals (at most 2: the machines this runs on have 2 cores; inside a
    /// parallel scan `concurrentPerform` runs them on the calling thread when no other is free).
    static let workers = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
    /// Relative distance from the base within which the table is reused.
    static let reuse = 1e-4
    /// Relative distance from the base within which the first-order table is exact to ~1e-12 (the neglected term is
    /// second order): a solve that converged this close to its table's base needs no pass from an exact table.
    static let exactRadius = 1e-6
    /// The solvers' first stage stops at this scaled residual (or at their tolerance when looser); the table is then
    /// rebuilt at that state unless it is within `exactRadius` of its base, and the solve continues to the tolerance,
    /// so that it ends within ~1e-7 of the last base and needs no further pass from an exact table.
    static let stageTolerance = 1e-7
    private var base = [Double](repeating: 0, count: size)
    private var varianceSlope = [Double](repeating: 0, count: size)
    private var meanSlope = [Double](repeating: 0, count: size)
    private var nodes = [Double](repeating: 0, count: 3 * size)
    /// The combined coefficients at the last `prepare`.
    private(set) var coefficients = [Double](repeating: 0, count: size)
    private(set) var top = 0.0
    private var baseVariance = Double.nan, baseMean = Double.nan
    private var linear = false
    /// Number of tables built (for reports and tests).
    private(set) var builds = 0

    package init() {}

    /// Forces a rebuild at the next `prepare`.
    func invalidate() { baseVariance = .nan }

    /// The distance of (variance, mean) from the table's base, relative as in `prepare`'s reuse test (infinite when
    /// there is no linearised table).
    func distance(variance: Double, mean: Double) -> Double {
        guard baseVariance.isFinite, linear else { return .infinity }
        let meanScale = max(abs(baseMean), baseVariance.squareRoot(), 1e-300)
        return max(abs(variance - baseVariance) / baseVariance, abs(mean - baseMean) / meanScale)
    }

    /// Makes `coefficients` describe C at (variance, mean) on [0, top] with top ≥ `requiredTop`.
    /// φ as the double integrals evaluate it: tanh and relu-tanh through one `exp` (tanh|x| = (1 − e)/(1 + e),
    /// e = e^{−2|x|}, absolute error ~2e-16, about twice as fast as the library's tanh, which goes through expm1 for
    /// relative accuracy near 0 that an integral does not need); any other φ as given.
    static func integrand(_ phi: Nonlinearity) -> @Sendable (Double) -> Double {
        @inline(__always) @Sendable func tanhByExp(_ x: Double) -> Double {
            let e = exp(-2 * abs(x)), t = (1 - e) / (1 + e)
            return x < 0 ? -t : t
        }
        switch phi.name {
        case Nonlinearity.tanh.name: return { tanhByExp($0) }
        case Nonlinearity.reluTanh.name: return { $0 > 0 ? tanhByExp($0) : 0 }
        default: return phi.function
        }
    }

    func prepare(_ phi: Nonlinearity, variance: Double, mean: Double, requiredTop: Double) {
        let n = Self.size
        let meanScale = max(abs(baseMean), baseVariance.squareRoot(), 1e-300)
        let near = baseVariance.isFinite && linear
            && abs(variance - baseVariance) <= Self.reuse * baseVariance
            && abs(mean - baseMean) <= Self.reuse * meanScale
            && requiredTop <= top
        if !near {
            top = min(variance.squareRoot(), max(requiredTop * 1.1, requiredTop))
            linear = true
            // The n double integrals, interleaved over the workers (each writes its own nodes; the values do not
            // depend on the number of workers).
            let range = top, kinks = phi.kinks, distance = phi.singularityDistance, function = Self.integrand(phi)
            nodes.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let output = buffer
                let workers = Self.workers
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for i in stride(from: worker, to: n, by: workers) {
                        let s = 0.5 * range * (1 + cos(Double.pi * (Double(i) + 0.5) / Double(n)))
                        let lag = variance - s * s
                        let result = KinkedGaussian.squaredConditionalMeanWithDerivatives(
                            mean: mean, outer: max(lag, 0).squareRoot(), inner: s, kinks: kinks,
                            distance: distance, function)
                        output[i] = result.value
                        output[n + i] = result.varianceDerivative
                        output[2 * n + i] = result.meanDerivative
                    }
                }
            }
            for i in 0..<n where !(nodes[n + i].isFinite && nodes[2 * n + i].isFinite) { linear = false }
            for k in 0..<n {
                var a = 0.0, b = 0.0, c = 0.0
                for i in 0..<n {
                    let w = cos(Double.pi * Double(k) * (Double(i) + 0.5) / Double(n))
                    a += nodes[i] * w; b += nodes[n + i] * w; c += nodes[2 * n + i] * w
                }
                let scale = 2 / Double(n) * (k == 0 ? 0.5 : 1)
                base[k] = a * scale; varianceSlope[k] = b * scale; meanSlope[k] = c * scale
            }
            baseVariance = variance; baseMean = mean
            builds += 1
        }
        let dv = variance - baseVariance, dm = mean - baseMean
        if linear {
            for k in 0..<n { coefficients[k] = base[k] + dv * varianceSlope[k] + dm * meanSlope[k] }
        } else {
            for k in 0..<n { coefficients[k] = base[k] }
        }
    }

    /// The table at s ∈ [0, top] (clamped), by Clenshaw.
    @inline(__always)
    func value(at s: Double) -> Double {
        coefficients.withUnsafeBufferPointer { Self.evaluate($0, s: s, top: top) }
    }

    @inline(__always)
    static func evaluate(_ c: UnsafeBufferPointer<Double>, s: Double, top: Double) -> Double {
        let t = 2 * min(max(s, 0), top) / top - 1
        var b1 = 0.0, b2 = 0.0
        for k in stride(from: c.count - 1, through: 1, by: -1) {
            let b0 = 2 * t * b1 - b2 + c[k]
            b2 = b1; b1 = b0
        }
        return t * b1 - b2 + c[0]
    }

    /// `out[j] = evaluate(c, s: √max(variance − lags[j], 0), top: top)` for j < count: the same arithmetic as
    /// `evaluate` lane by lane (bit-identical results), four lags at a time so that the four Clenshaw recurrences
    /// run side by side instead of one latency-bound chain per lag.
    static func evaluate(_ c: UnsafeBufferPointer<Double>, top: Double, variance: Double,
                         lags: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>) {
        let terms = c.count
        var j = 0
        let zero = SIMD4<Double>(repeating: 0), upper = SIMD4<Double>(repeating: top)
        let two = SIMD4<Double>(repeating: 2), one = SIMD4<Double>(repeating: 1)
        while j + 4 <= count {
            let lag = SIMD4<Double>(lags[j], lags[j + 1], lags[j + 2], lags[j + 3])
            let s = pointwiseMax(SIMD4<Double>(repeating: variance) - lag, zero).squareRoot()
            let t = two * pointwiseMin(pointwiseMax(s, zero), upper) / upper - one
            let twoT = two * t
            var b1 = zero, b2 = zero
            var k = terms - 1
            while k >= 1 {
                let b0 = twoT * b1 - b2 + SIMD4<Double>(repeating: c[k])
                b2 = b1; b1 = b0
                k -= 1
            }
            let value = t * b1 - b2 + SIMD4<Double>(repeating: c[0])
            out[j] = value[0]; out[j + 1] = value[1]; out[j + 2] = value[2]; out[j + 3] = value[3]
            j += 4
        }
        while j < count {
            out[j] = evaluate(c, s: max(variance - lags[j], 0).squareRoot(), top: top)
            j += 1
        }
    }
}

extension KinkedGaussian {
    /// `(E_z[(E_x f)²], E_z[(E_x g)²])` at the same (mean, outer, inner) from one set of nodes: the kernels of φ and φ'
    /// that the potential methods' Newton steps for Δ∞ need together.
    static func squaredConditionalMeans(mean: Double, outer: Double, inner: Double, kinks: [Double], distance: Double,
                                        _ f: (Double) -> Double, _ g: (Double) -> Double) -> (Double, Double) {
        var outerBreaks = [Double](); outerBreaks.reserveCapacity(128)
        var innerBreaks = [Double](); innerBreaks.reserveCapacity(64)
        var cachedNodes = [Double](), cachedWeights = [Double]()
        if inner > 0 {
            forEachNode(mean: 0, sd: inner, kinks: [], distance: distance, smoothing: 0, breaks: &innerBreaks) { x, v in
                cachedNodes.append(inner * x); cachedWeights.append(v)
            }
        }
        let reach = cutoff * inner
        var totalF = 0.0, totalG = 0.0
        cachedNodes.withUnsafeBufferPointer { xs in
            cachedWeights.withUnsafeBufferPointer { vs in
                forEachNode(mean: mean, sd: outer, kinks: kinks, distance: distance, smoothing: inner,
                            breaks: &outerBreaks) { z, w in
                    let y = mean + outer * z
                    var cf = 0.0, cg = 0.0
                    if inner > 0 {
                        var far = true
                        for k in kinks where abs(k - y) < reach { far = false; break }
                        if far {
                            for i in 0..<xs.count { cf += vs[i] * f(y + xs[i]); cg += vs[i] * g(y + xs[i]) }
                        } else {
                            forEachNode(mean: y, sd: inner, kinks: kinks, distance: distance, smoothing: 0,
                                        breaks: &innerBreaks) { x, v in
                                cf += v * f(y + inner * x); cg += v * g(y + inner * x)
                            }
                        }
                    } else {
                        cf = f(y); cg = g(y)
                    }
                    totalF += w * cf * cf
                    totalG += w * cg * cg
                }
            }
        }
        return (totalF, totalG)
    }
}
