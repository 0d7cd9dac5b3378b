import Foundation

/// Which stationary state a general network solution describes.
public enum GeneralNetworkBranch: String, Sendable, Codable {
    /// σ = 0 below g_c: the stable fixed point, Δ(τ) ≡ q.
    case fixedPoint = "fixed-point"
    /// σ = 0 above g_c: chaotic fluctuations on top of the static variance Δ∞.
    case chaotic
    /// σ > 0.
    case noiseDriven = "noise-driven"
}

/// The stationary state of a `GeneralNetworkModel`: Δ(τ) = ⟨δh(t) δh(t+τ)⟩ (δh = h − μ) and the static quantities.
public struct GeneralNetworkSolution: StationarySolution, Codable {
    /// g.
    public let coupling: Double
    /// σ.
    public let noise: Double
    /// h0.
    public let bias: Double
    /// J0.
    public let meanCoupling: Double
    /// Name of φ.
    public let transferFunction: String
    /// Which state this is.
    public let branch: GeneralNetworkBranch
    /// The lag grid.
    public let grid: LagGrid
    /// Δ(τ_j) at `grid.lags`.
    public let correlation: [Double]
    /// Spectrum of the decaying part, `∫ (Δ(τ) − Δ∞) e^{iωτ} dτ`, at `grid.frequencies` (the static part adds
    /// 2π Δ∞ δ(ω)).
    public let spectrum: [Double]
    /// Δ0 = Δ(0).
    public let variance: Double
    /// Δ∞ = lim Δ(τ): the variance of the units' temporal means.
    public let staticVariance: Double
    /// μ = h0 + J0 M.
    public let mean: Double
    /// M = ⟨φ(h)⟩.
    public let rate: Double
    /// τ½: Δ(τ½) − Δ∞ = (Δ0 − Δ∞)/2 (0 on the fixed-point branch).
    public let decorrelationTime: Double
    /// What ran, iterations, residual.
    public let report: ConvergenceReport

    /// The lags τ_j = j·dt.
    public var lags: [Double] { grid.lags }
    /// τ½, nil on the fixed-point branch.
    public var characteristicTime: Double? { branch == .fixedPoint || !decorrelationTime.isFinite ? nil : decorrelationTime }
    /// Δ(τ) anywhere in the window (6-point Lagrange interpolation).
    public func correlation(atLag lag: Double) -> Double {
        Interpolation.lagrange(correlation, step: grid.step, at: abs(lag), evenAboutZero: true)
    }
}

/// Spectral Newton–Krylov solver of the general one-population network DMFT.
///
/// Unknowns: Δ(τ_j) on a DCT-I (Neumann) box [0, L] and μ. The box's k = 0 mode carries the constant Δ∞, so the
/// static part is treated exactly: one map evaluation is
/// `Δ ↦ F⁻¹[ g² F[C_φ(Δ) − ℓΔ] / (κ² + ω²) ] + (σ²/2κ) e^{−κτ}`, `μ ↦ h0 + J0 M(Δ0, μ)`,
/// with `ℓ = C_φ'(Δ∞)` (the full kernel's slope at the tail, clamped below 1/g²) moved to the left and κ² = 1 − g²ℓ.
/// At ω = 0 this reads κ²Δ∞ = g²(C∞ − ℓΔ∞), i.e. Δ∞ = g² C_φ(Δ∞).
///
/// `C_φ(Δ; Δ0, μ)` is tabulated as a Chebyshev series in s = √(Δ0 − Δ) on [0, 1.1 √(Δ0 − min_j Δ_j)] (28 double
/// integrals split at the kinks, `KinkedGaussian`), with its derivatives in Δ0 and μ, once per Newton step
/// (`GeneralKernelTable`: reused to first order by the directional derivatives; a second Newton–Krylov pass from an
/// exact table makes the answer the exact map's fixed point; the solve is staged so that it ends within
/// `GeneralKernelTable.exactRadius` = 1e-6 of its last table's base, where the first-order table is exact to ~1e-12,
/// and needs no such pass): in s the kernel is smooth even for kinked φ, whose
/// kernel has an s³ cusp. Endpoint corrections of the transform: the noise kink `C'(0⁺) = −(σ²/2)⟨φ'²⟩`, and for a
/// kinked φ at σ = 0 the jump of the third derivative, `C'''(0⁺) = 4 Σ_k J_k² p(k) (a/2)^{3/2}/√π` (J_k the jump of
/// φ' at kink k, p the N(μ, Δ0) density, a = g²⟨φ²⟩ − Δ0); the scheme is then spectral (smooth φ, σ = 0), O(dt⁶)
/// (kinked φ, σ = 0) or O(dt⁴) (smooth φ, σ > 0). A kinked φ with σ > 0 has an s³ ∝ |τ|^{3/2} term left
/// uncorrected: O(dt^{5/2}).
public final class GeneralNetworkSolver: StationarySolver {
    /// The lag grid.
    public let grid: LagGrid
    /// Iteration options.
    public let options: IterationOptions

    private let transform: EvenFourierTransform
    private let iterator: FixedPointIterator
    private let state: AlignedBuffer
    private let kernelValues: AlignedBuffer
    private let spectrumWork: AlignedBuffer
    private let frequencySquared: AlignedBuffer
    private let kernelTable = GeneralKernelTable()

    /// Defaults: Newton–Krylov, relative tolerance 1e-11.
    public static let defaultOptions = IterationOptions(tolerance: 1e-11, maximumIterations: 2_000, acceleration: .standard)

    /// A solver on `grid`.
    public init(grid: LagGrid, options: IterationOptions = GeneralNetworkSolver.defaultOptions) {
        self.grid = grid
        self.options = options
        transform = EvenFourierTransform(grid: grid)
        iterator = FixedPointIterator(dimension: grid.count + 1, options: options)
        state = AlignedBuffer(count: grid.count + 1)
        kernelValues = AlignedBuffer(count: grid.count)
        spectrumWork = AlignedBuffer(count: grid.count)
        frequencySquared = AlignedBuffer(count: grid.count)
        for k in 0..<grid.count {
            let omega = Double(k) * grid.frequencyStep
            frequencySquared[k] = omega * omega
        }
    }

    /// A solver on the automatic grid for `model` (`automaticGrid(for:tailRate:)`, κ from the potential method's equations,
    /// `GeneralPotentialMethod.start`).
    public convenience init(for model: GeneralNetworkModel) throws {
        var rate: Double?
        if !model.isOddCase && !(model.noise == 0 && (try? model.fixedPoint())?.isStable == true) {
            rate = (try? model.chaoticStart())?.tailRate
        }
        self.init(grid: try Self.automaticGrid(for: model, tailRate: rate))
    }

    /// The automatic grid: the odd-φ solver's grid for the odd case; otherwise step 0.1 (σ = 0, smooth φ), 0.05
    /// (σ = 0, kinked φ) or 0.025 (σ > 0), and window 32/κ (Δ − Δ∞ down to ~1e-14 of Δ0), at least 20 (40 when κ
    /// is unknown).
    public static func automaticGrid(for model: GeneralNetworkModel, tailRate: Double?) throws -> LagGrid {
        if model.isOddCase {
            return try NetworkStationarySolver.automaticGrid(
                for: try NetworkModel(coupling: model.coupling, noise: model.noise, nonlinearity: model.nonlinearity))
        }
        var window = 40.0
        if let tailRate, tailRate > 0, tailRate.isFinite { window = max(20, 32 / tailRate) }
        let step = model.noise > 0 ? 0.025 : (model.nonlinearity.kinks.isEmpty ? 0.1 : 0.05)
        return try LagGrid(step: step, minimumWindow: window)
    }

    /// Solves `model` (see the type's documentation). Odd smooth φ with h0 = J0 = 0 goes to `NetworkStationarySolver`
    /// unchanged; a stable fixed point (σ = 0) is returned as Δ ≡ q.
    public func solve(_ model: GeneralNetworkModel) throws -> GeneralNetworkSolution {
        try solve(model, initialGuess: nil)
    }

    /// Solves `model` from `initialGuess` (Δ at the lags, then μ; nil for the potential-method profile).
    ///
    /// - Throws: `ConvergenceError`, `SolverError.windowTooShort`, `GeneralNetworkError`.
    public func solve(_ model: GeneralNetworkModel, initialGuess: [Double]?) throws -> GeneralNetworkSolution {
        let g = model.coupling, sigma = model.noise
        let count = grid.count
        if model.isOddCase {
            let odd = try NetworkModel(coupling: g, noise: sigma, nonlinearity: model.nonlinearity)
            let solution = try NetworkStationarySolver(grid: grid).solve(odd)
            let branch: GeneralNetworkBranch = solution.branch == .quiescent ? .fixedPoint
                : (solution.branch == .chaotic ? .chaotic : .noiseDriven)
            return GeneralNetworkSolution(
                coupling: g, noise: sigma, bias: 0, meanCoupling: 0, transferFunction: solution.transferFunction,
                branch: branch, grid: grid, correlation: solution.correlation, spectrum: solution.spectrum,
                variance: solution.variance, staticVariance: 0, mean: 0, rate: 0,
                decorrelationTime: solution.decorrelationTime, report: solution.report)
        }
        if sigma == 0 {
            let point = try model.fixedPoint()
            if point.isStable {
                return GeneralNetworkSolution(
                    coupling: g, noise: 0, bias: model.bias, meanCoupling: model.meanCoupling,
                    transferFunction: model.nonlinearity.name, branch: .fixedPoint, grid: grid,
                    correlation: [Double](repeating: point.variance, count: count),
                    spectrum: [Double](repeating: 0, count: count), variance: point.variance,
                    staticVariance: point.variance, mean: point.mean, rate: point.rate, decorrelationTime: 0,
                    report: ConvergenceReport(method: "fixed point (static branch, stable)", iterations: 0, residual: 0))
            }
        }
        if let initialGuess {
            precondition(initialGuess.count == count + 1, "initial guess must have grid.count + 1 values")
            state.assign(from: initialGuess)
        } else {
            state.assign(from: try Self.initialGuess(model: model, grid: grid))
        }
        let phi = model.nonlinearity
        let g2 = g * g, sigma2 = sigma * sigma
        let jumps = phi.kinkJumps
        let values = kernelValues.pointer, spectrum = spectrumWork.pointer
        let omegaSquared = frequencySquared.baseAddress
        let step = grid.step
        let h0 = model.bias, j0 = model.meanCoupling

        let table = kernelTable
        func map(_ current: UnsafeBufferPointer<Double>, _ next: UnsafeMutableBufferPointer<Double>) throws -> Double {
            let variance = max(current[0], 1e-300), mean = current[count]
            // The table covers the lags the iterate reaches, Δ ≥ min Δ_j (with a margin), s = √(Δ0 − Δ) ≤ top.
            var lowest = variance
            for j in 0..<count { lowest = min(lowest, current[j]) }
            table.prepare(phi, variance: variance, mean: mean,
                          requiredTop: min(variance.squareRoot(), max(variance - lowest, 1e-6 * variance).squareRoot()))
            let top = table.top
            let rate = model.average(mean: mean, variance: variance, phi.function)
            let slopeSquare = model.average(mean: mean, variance: variance) { let v = phi.derivative($0); return v * v }
            var linear = 0.0, meanSquare = 0.0
            table.coefficients.withUnsafeBufferPointer { c in
                meanSquare = g2 * GeneralKernelTable.evaluate(c, s: 0, top: top)
                // Preconditioner: ℓ = C'(Δ_tail) = −(dC/ds)/(2s) at s = √(Δ0 − Δ_tail).
                let tailS = max(variance - current[count - 1], 0).squareRoot()
                if tailS > 1e-6 * top {
                    let h = 1e-5 * top
                    let derivative = (GeneralKernelTable.evaluate(c, s: min(tailS + h, top), top: top)
                        - GeneralKernelTable.evaluate(c, s: max(tailS - h, 0), top: top)) / (min(tailS + h, top) - max(tailS - h, 0))
                    linear = -derivative / (2 * tailS)
                } else {
                    linear = slopeSquare
                }
                GeneralKernelTable.evaluate(c, top: top, variance: variance, lags: current.baseAddress!, count: count,
                                            into: values.baseAddress!)
            }
            linear = min(max(linear, 0), 0.99 / g2)
            let decay = (1 - g2 * linear).squareRoot()
            for j in 0..<count { values[j] -= linear * current[j] }
            let kink = -0.5 * sigma2 * (slopeSquare - linear)
            var third = 0.0
            if sigma2 == 0 && !jumps.isEmpty {
                let curvature = max(meanSquare - variance, 0) / 2
                for (k, jump) in zip(phi.kinks, jumps) {
                    let z = (k - mean) / variance.squareRoot()
                    let density = exp(-0.5 * z * z) / (2 * Double.pi * variance).squareRoot()
                    third += 4 * jump * jump * density * pow(curvature, 1.5) / Double.pi.squareRoot()
                }
            }
            transform.forward(UnsafeBufferPointer(values), kinkSlope: kink, thirdDerivative: third, into: spectrum)
            let decaySquared = decay * decay
            for k in 0..<count { spectrum[k] *= g2 / (decaySquared + omegaSquared[k]) }
            transform.inverse(UnsafeBufferPointer(spectrum), tailCoefficient: -2 * g2 * kink,
                              into: UnsafeMutableBufferPointer(rebasing: next[0..<count]))
            if sigma2 > 0 {
                let amplitude = sigma2 / (2 * decay)
                for j in 0..<count { next[j] += amplitude * exp(-decay * Double(j) * step) }
            }
            next[count] = h0 + j0 * rate
            return variance
        }
        // Stage 1 (to the residual `stageTolerance`) reuses each table within a Newton step; stage 2 goes on to the
        // tolerance from a table rebuilt there unless it is within `exactRadius`; stage 3, from an exact table, runs
        // only if stage 2 ended farther than `exactRadius` from its base (the first-order error is then ≳ 1e-12).
        table.invalidate()
        var reports = [try iterator.solve(state: state, tolerance: max(options.tolerance, GeneralKernelTable.stageTolerance), map: map)]
        for _ in 0..<2 {
            let far = table.distance(variance: state[0], mean: state[count]) > GeneralKernelTable.exactRadius
            if far { table.invalidate() } else if reports.count > 1 { break }
            reports.append(try iterator.solve(state: state, map: map))
        }
        let last = reports[reports.count - 1]
        var report = ConvergenceReport(method: last.method, iterations: reports.reduce(0) { $0 + $1.iterations },
                                       residual: last.residual, residualHistory: reports.flatMap(\.residualHistory))
        report.method += ", DCT-I box with static mode"
        let all = state.array
        let correlation = Array(all[0..<count])
        let variance = correlation[0], mean = all[count]
        let infinity = correlation[count - 1]
        let reference = correlation[(count - 1) * 9 / 10]
        let tail = abs(reference - infinity) / max(variance, 1e-300)
        guard tail <= 1e-10 else { throw SolverError.windowTooShort(window: grid.window, relativeTail: tail) }
        if sigma == 0 && variance - infinity <= 1e-10 * variance {
            throw GeneralNetworkError.noChaoticSolution(coupling: g)
        }
        let eigenvalue = j0 * model.average(mean: mean, variance: variance, phi.derivative)
        guard eigenvalue < 1 else { throw GeneralNetworkError.unstableMeanMode(eigenvalue: eigenvalue) }
        let rate = model.average(mean: mean, variance: variance, phi.function)
        // Spectrum of the decaying part: transform of Δ − Δ∞ (its kink is Δ'(0⁺) = −σ²/2).
        for j in 0..<count { values[j] = correlation[j] - infinity }
        transform.forward(UnsafeBufferPointer(values), kinkSlope: -0.5 * sigma2, into: spectrum)
        let power = Array(UnsafeBufferPointer(spectrum))
        let halfTime = Interpolation.firstCrossing(correlation.map { $0 - infinity }, step: step,
                                                   level: (variance - infinity) / 2)
        return GeneralNetworkSolution(
            coupling: g, noise: sigma, bias: model.bias, meanCoupling: model.meanCoupling,
            transferFunction: phi.name, branch: sigma > 0 ? .noiseDriven : .chaotic, grid: grid,
            correlation: correlation, spectrum: power, variance: variance, staticVariance: infinity, mean: mean,
            rate: rate, decorrelationTime: halfTime ?? .nan, report: report)
    }

    /// The starting state: (μ, Δ0, Δ∞) from the potential method's equations (solved cheaply,
    /// `GeneralPotentialMethod.start`, or accurately when that fails) and
    /// `Δ∞ + (σ²/2)e^{−τ} + (Δ0 − Δ∞ − σ²/2) sech(aτ)`, `a` matching the curvature at 0; then μ.
    /// Only the start: the converged profile is the spectral scheme's own fixed point.
    public static func initialGuess(model: GeneralNetworkModel, grid: LagGrid) throws -> [Double] {
        initialGuess(model: model, potential: try model.chaoticStart(), grid: grid)
    }

    /// The starting state from a potential-method solution already at hand.
    public static func initialGuess(model: GeneralNetworkModel, potential: GeneralPotentialMethod.Solution,
                                    grid: LagGrid) -> [Double] {
        let g2 = model.coupling * model.coupling, sigma2 = model.noise * model.noise
        let phi = model.nonlinearity.function
        let meanSquare = model.average(mean: potential.mean, variance: potential.variance) { let v = phi($0); return v * v }
        let amplitude = potential.variance - potential.staticVariance - sigma2 / 2
        let curvature = (g2 * meanSquare - potential.variance + sigma2 / 2) / max(amplitude, 1e-300)
        let rate = curvature > 0 && amplitude > 0 ? curvature.squareRoot() : 1
        var guess = grid.lags.map { tau in
            potential.staticVariance + 0.5 * sigma2 * exp(-tau) + max(amplitude, 0) / cosh(min(rate * tau, 700))
        }
        guess.append(potential.mean)
        return guess
    }
}
