import Foundation

/// The stationary state of one population of a `PopulationNetworkModel`.
public struct PopulationState: Sendable, Codable, Equatable {
    /// The population's label.
    public let name: String
    /// μ_k = h0_k + Σ_l α_l J0_kl M_l.
    public let mean: Double
    /// M_k = ⟨φ_k(h)⟩.
    public let rate: Double
    /// Δ_k(0).
    public let variance: Double
    /// Δ_k(∞): the variance of the temporal means of the units of population k.
    public let staticVariance: Double
    /// τ½: Δ_k(τ½) − Δ∞_k = (Δ_k(0) − Δ∞_k)/2 (0 on the fixed-point branch).
    public let decorrelationTime: Double
}

/// The stationary state of a `PopulationNetworkModel`.
public struct PopulationNetworkSolution: StationarySolution, Codable {
    /// s.
    public let scale: Double
    /// Which state this is.
    public let branch: GeneralNetworkBranch
    /// The lag grid.
    public let grid: LagGrid
    /// The fractions α_k.
    public let fractions: [Double]
    /// Δ_k(τ_j) at `grid.lags`, one array per population.
    public let correlations: [[Double]]
    /// The spectrum of each population's decaying part, `∫ (Δ_k(τ) − Δ∞_k) e^{iωτ} dτ`, at `grid.frequencies`.
    public let spectra: [[Double]]
    /// μ_k, M_k, Δ0_k, Δ∞_k, τ½ per population.
    public let populations: [PopulationState]
    /// What ran, iterations, residual.
    public let report: ConvergenceReport

    /// The lags τ_j = j·dt.
    public var lags: [Double] { grid.lags }
    /// The network-averaged autocorrelation `Σ_k α_k Δ_k(τ)` (what a simulation averaged over all units measures).
    public var correlation: [Double] {
        (0..<grid.count).map { j in zip(fractions, correlations).reduce(0) { $0 + $1.0 * $1.1[j] } }
    }
    /// The network average at any lag in the window (6-point Lagrange interpolation).
    public func correlation(atLag lag: Double) -> Double {
        Interpolation.lagrange(correlation, step: grid.step, at: abs(lag), evenAboutZero: true)
    }
    /// Δ_k at any lag in the window.
    public func correlation(population k: Int, atLag lag: Double) -> Double {
        Interpolation.lagrange(correlations[k], step: grid.step, at: abs(lag), evenAboutZero: true)
    }
    /// The largest τ½ of the populations, nil on the fixed-point branch.
    public var characteristicTime: Double? {
        let times = populations.map(\.decorrelationTime).filter { $0.isFinite }
        return branch == .fixedPoint || times.isEmpty ? nil : times.max()
    }
}

/// Spectral Newton–Krylov solver of the D-population network DMFT (`PopulationNetworkModel`).
///
/// Unknowns: Δ_k(τ_j) for each population on one DCT-I (Neumann) box [0, L], and the means μ_k. The box's k = 0
/// mode carries the constants Δ∞_k, so the static parts are treated exactly. One map evaluation tabulates each
/// `C_φl(Δ; Δ_l(0), μ_l)` as a Chebyshev series in s = √(Δ_l(0) − Δ) (as `GeneralNetworkSolver`), forms the sources
/// `S_k = Σ_l A_kl C_l(τ) − p_k Δ_k(τ)` with the diagonal preconditioner `p_k = Σ_l A_kl C_l'(Δ_l,tail)` (clamped
/// below 0.99), and returns
/// `Δ_k ← F⁻¹[F[S_k]/(κ_k² + ω²)] + (σ_k²/2κ_k) e^{−κ_k τ}`, κ_k² = 1 − p_k, `μ_k ← h0_k + Σ_l W_kl M_l`.
/// At the fixed point the preconditioner cancels: (1 − ∂²)Δ_k = Σ_l A_kl C_l + σ_k² δ. Endpoint corrections as in
/// the one-population solver: the noise kink `S_k'(0⁺) = −Σ_l A_kl ⟨φ_l'²⟩ σ_l²/2 + p_k σ_k²/2`, and with all σ = 0 the
/// kinks of φ_l through `C_l'''(0⁺)`.
public final class PopulationNetworkSolver: StationarySolver {
    /// The lag grid.
    public let grid: LagGrid
    /// Number of populations D the workspaces are sized for.
    public let populationCount: Int
    /// Iteration options.
    public let options: IterationOptions

    private let transform: EvenFourierTransform
    private let iterator: FixedPointIterator
    private let state: AlignedBuffer
    private let kernelValues: AlignedBuffer
    private let sourceWork: AlignedBuffer
    private let spectrumWork: AlignedBuffer
    private let frequencySquared: AlignedBuffer
    private let kernelTables: [GeneralKernelTable]
    private var meanSquares: [Double]
    private var tops: [Double]
    private var variances: [Double]
    private var rates: [Double]
    private var slopeSquares: [Double]
    private var tailSlopes: [Double]
    private var thirds: [Double]

    /// Defaults: Newton–Krylov, relative tolerance 1e-11.
    public static let defaultOptions = GeneralNetworkSolver.defaultOptions

    /// A solver for D = `populations` on `grid`.
    public init(grid: LagGrid, populations: Int, options: IterationOptions = PopulationNetworkSolver.defaultOptions) {
        precondition(populations >= 1)
        self.grid = grid
        self.populationCount = populations
        self.options = options
        let n = grid.count
        transform = EvenFourierTransform(grid: grid)
        iterator = FixedPointIterator(dimension: populations * (n + 1), options: options)
        state = AlignedBuffer(count: populations * (n + 1))
        kernelValues = AlignedBuffer(count: populations * n)
        sourceWork = AlignedBuffer(count: n)
        spectrumWork = AlignedBuffer(count: n)
        frequencySquared = AlignedBuffer(count: n)
        for k in 0..<n {
            let omega = Double(k) * grid.frequencyStep
            frequencySquared[k] = omega * omega
        }
        kernelTables = (0..<populations).map { _ in GeneralKernelTable() }
        tops = [Double](repeating: 0, count: populations)
        variances = tops; meanSquares = tops; rates = tops; slopeSquares = tops; tailSlopes = tops; thirds = tops
    }

    /// The automatic grid: step 0.1 (all σ = 0, smooth φ), 0.05 (all σ = 0, a kinked φ) or 0.025 (some σ > 0), window
    /// max(20, 32/κ) (40 when κ is unknown).
    public static func automaticGrid(for model: PopulationNetworkModel, tailRate: Double?) throws -> LagGrid {
        var window = 40.0
        if let tailRate, tailRate > 0, tailRate.isFinite { window = max(20, 32 / tailRate) }
        let noisy = model.populations.contains { $0.noise > 0 }
        let kinked = model.populations.contains { !$0.nonlinearity.kinks.isEmpty }
        return try LagGrid(step: noisy ? 0.025 : (kinked ? 0.05 : 0.1), minimumWindow: window)
    }

    /// The rank-one approximation of A (Perron root r, right vector u, left vector w: A ≈ r u wᵀ/(wᵀu)) with the
    /// weighted noise, solved by `PopulationPotentialMethod` (exact when A is rank one): cheaply
    /// (`PopulationPotentialMethod.start`, Mehler series, ~1e-6) unless `accurate`, or when the cheap route fails.
    static func rankOneStart(_ model: PopulationNetworkModel, accurate: Bool = false) throws -> PopulationPotentialMethod.Solution {
        let u: [Double], v: [Double], noise: Double
        if let exact = PopulationPotentialMethod.rankOneFactors(model) {
            (u, v, noise) = (exact.left, exact.right, exact.noise)
        } else {
            let d = model.count
            let (root, right, left) = SmallMatrix.perron(model.varianceMatrix, dimension: d)
            let top = right.max() ?? 1
            u = right.map { max($0 / top, 1e-6) }
            let overlap = zip(left, u).reduce(0) { $0 + $1.0 * $1.1 }
            v = left.map { root * $0 / overlap }
            noise = zip(left, model.populations).reduce(0) { $0 + $1.0 * $1.1.noise * $1.1.noise } / overlap
        }
        if !accurate, let start = try? PopulationPotentialMethod.start(model, left: u, right: v, reducedNoise: noise) { return start }
        return try PopulationPotentialMethod.solve(model, left: u, right: v, reducedNoise: noise)
    }

    /// Solves `model` on its automatic grid: D = 1 by `GeneralNetworkModel`; the stable fixed point (all σ = 0,
    /// ρ(𝕄) < 1); otherwise from the rank-one start.
    static func solveAutomatic(_ model: PopulationNetworkModel) throws -> PopulationNetworkSolution {
        try solve(model, step: nil, window: nil, options: defaultOptions)
    }

    /// Solves `model` on the automatic grid with `step` and/or `window` overridden when given. D = 1 runs
    /// `GeneralNetworkSolver` (the odd case `NetworkStationarySolver`) exactly as `GeneralNetworkModel.solve()`; D ≥ 2
    /// returns the stable fixed point (all σ = 0, ρ(𝕄) < 1) or the chaotic/noise-driven state from the rank-one
    /// start (`PopulationPotentialMethod` on the Perron approximation of A).
    ///
    /// - Throws: `GeneralNetworkError`, `ConvergenceError`, `SolverError`, `GridError`.
    public static func solve(_ model: PopulationNetworkModel, step: Double? = nil, window: Double? = nil,
                             options: IterationOptions = PopulationNetworkSolver.defaultOptions) throws -> PopulationNetworkSolution {
        func grid(_ automatic: LagGrid) throws -> LagGrid {
            step == nil && window == nil ? automatic : try LagGrid(step: step ?? automatic.step, minimumWindow: window ?? automatic.window)
        }
        if let single = model.singlePopulation {
            return PopulationNetworkSolution(single: try single.solve(step: step, window: window, options: options), model: model)
        }
        if model.populations.allSatisfy({ $0.noise == 0 }) {
            let point = try model.fixedPoint()
            if point.isStable { return fixedPointSolution(model, point: point, grid: try grid(try LagGrid(step: 0.1, minimumWindow: 20))) }
        }
        func attempt(_ start: PopulationPotentialMethod.Solution) throws -> PopulationNetworkSolution {
            let solver = PopulationNetworkSolver(grid: try grid(try automaticGrid(for: model, tailRate: start.tailRate)),
                                                 populations: model.count, options: options)
            return try solver.solve(model, initialGuess: initialGuess(model: model, start: start, grid: solver.grid))
        }
        if let start = try? rankOneStart(model, accurate: false), let solution = try? attempt(start) { return solution }
        return try attempt(try rankOneStart(model, accurate: true))
    }

    static func fixedPointSolution(_ model: PopulationNetworkModel, point: PopulationFixedPoint, grid: LagGrid) -> PopulationNetworkSolution {
        PopulationNetworkSolution(
            scale: model.scale, branch: .fixedPoint, grid: grid, fractions: model.populations.map(\.fraction),
            correlations: point.variances.map { [Double](repeating: $0, count: grid.count) },
            spectra: point.variances.map { _ in [Double](repeating: 0, count: grid.count) },
            populations: (0..<model.count).map { k in
                PopulationState(name: model.populations[k].name, mean: point.means[k], rate: point.rates[k],
                                variance: point.variances[k], staticVariance: point.variances[k], decorrelationTime: 0)
            },
            report: ConvergenceReport(method: "fixed point (static branch, stable)", iterations: 0, residual: 0))
    }

    /// The starting state from a rank-one solution: `Δ_k = u_k [X∞ + (σ²/2)e^{−τ} + (X0 − X∞ − σ²/2) sech(aτ)]`,
    /// then μ. Only the start: the converged profile is the spectral scheme's own fixed point.
    static func initialGuess(model: PopulationNetworkModel, start: PopulationPotentialMethod.Solution, grid: LagGrid) -> [Double] {
        let sigma2 = start.reducedNoise
        let amplitude = start.amplitude - start.staticAmplitude - sigma2 / 2
        // Curvature: X''(0) = X0 − Σ v_l ⟨φ_l²⟩.
        var meanSquare = 0.0
        for l in 0..<model.count {
            let phi = model.populations[l].nonlinearity
            meanSquare += start.right[l] * PopulationKernels.average(phi, mean: start.means[l], variance: start.left[l] * start.amplitude) {
                let p = phi.function($0); return p * p
            }
        }
        let curvature = (meanSquare - start.amplitude + sigma2 / 2) / max(amplitude, 1e-300)
        let rate = curvature > 0 && amplitude > 0 ? curvature.squareRoot() : 1
        let profile = grid.lags.map { tau in
            start.staticAmplitude + 0.5 * sigma2 * exp(-tau) + max(amplitude, 0) / cosh(min(rate * tau, 700))
        }
        var guess: [Double] = []
        for k in 0..<model.count { guess += profile.map { start.left[k] * $0 } }
        return guess + start.means
    }

    /// Solves `model` from the automatic start (`solveAutomatic` for the grid as well).
    public func solve(_ model: PopulationNetworkModel) throws -> PopulationNetworkSolution {
        if model.populations.allSatisfy({ $0.noise == 0 }) {
            let point = try model.fixedPoint()
            if point.isStable { return Self.fixedPointSolution(model, point: point, grid: grid) }
        }
        return try solve(model, initialGuess: Self.initialGuess(model: model, start: try Self.rankOneStart(model), grid: grid))
    }

    /// Solves `model` from `initialGuess` (Δ_1 at the lags, …, Δ_D at the lags, then μ_1 … μ_D).
    ///
    /// - Throws: `ConvergenceError`, `SolverError.windowTooShort`, `GeneralNetworkError`.
    public func solve(_ model: PopulationNetworkModel, initialGuess: [Double]) throws -> PopulationNetworkSolution {
        let d = model.count, n = grid.count
        precondition(d == populationCount, "the solver was made for \(populationCount) populations")
        precondition(initialGuess.count == d * (n + 1), "initial guess must have D (grid.count + 1) values")
        state.assign(from: initialGuess)
        let a = model.varianceMatrix, w = model.meanMatrix
        let phis = model.populations.map(\.nonlinearity)
        let h0 = model.populations.map(\.bias)
        let sigma2 = model.populations.map { $0.noise * $0.noise }
        let silent = sigma2.allSatisfy { $0 == 0 }
        let jumps = phis.map(\.kinkJumps)
        let values = kernelValues.pointer, source = sourceWork.pointer, spectrum = spectrumWork.pointer
        let omegaSquared = frequencySquared.baseAddress
        let step = grid.step

        let tables = kernelTables
        func map(_ current: UnsafeBufferPointer<Double>, _ next: UnsafeMutableBufferPointer<Double>) throws -> Double {
            var scale = 0.0
            for l in 0..<d {
                let base = l * n
                let variance = max(current[base], 1e-300), mean = current[d * n + l]
                scale = max(scale, variance)
                var lowest = variance
                for j in 0..<n { lowest = min(lowest, current[base + j]) }
                let table = tables[l]
                table.prepare(phis[l], variance: variance, mean: mean,
                              requiredTop: min(variance.squareRoot(), max(variance - lowest, 1e-6 * variance).squareRoot()))
                let top = table.top
                variances[l] = variance; tops[l] = top; thirds[l] = 0
                rates[l] = PopulationKernels.average(phis[l], mean: mean, variance: variance, phis[l].function)
                slopeSquares[l] = PopulationKernels.average(phis[l], mean: mean, variance: variance) { let v = phis[l].derivative($0); return v * v }
                let tailS = max(variance - current[base + n - 1], 0).squareRoot()
                table.coefficients.withUnsafeBufferPointer { c in
                    meanSquares[l] = GeneralKernelTable.evaluate(c, s: 0, top: top)
                    if tailS > 1e-6 * top {
                        let h = 1e-5 * top
                        let derivative = (GeneralKernelTable.evaluate(c, s: min(tailS + h, top), top: top)
                            - GeneralKernelTable.evaluate(c, s: max(tailS - h, 0), top: top)) / (min(tailS + h, top) - max(tailS - h, 0))
                        tailSlopes[l] = max(-derivative / (2 * tailS), 0)
                    } else {
                        tailSlopes[l] = slopeSquares[l]
                    }
                    GeneralKernelTable.evaluate(c, top: top, variance: variance, lags: current.baseAddress! + base, count: n,
                                                into: values.baseAddress! + base)
                }
            }
            // The third derivative of a kinked C_l at 0+ (sigma = 0): 4 sum J^2 p(kink) (a/2)^(3/2)/sqrt(pi),
            // a = -Delta_l''(0) = sum_m A_lm <phi_m^2> - Delta_l(0).
            if silent {
                for l in 0..<d where !jumps[l].isEmpty {
                    var meanSquare = 0.0
                    for m in 0..<d { meanSquare += a[l * d + m] * meanSquares[m] }
                    let curvature = max(meanSquare - variances[l], 0) / 2
                    var third = 0.0
                    let mean = current[d * n + l]
                    for (kink, jump) in zip(phis[l].kinks, jumps[l]) {
                        let z = (kink - mean) / variances[l].squareRoot()
                        let density = exp(-0.5 * z * z) / (2 * Double.pi * variances[l]).squareRoot()
                        third += 4 * jump * jump * density * pow(curvature, 1.5) / Double.pi.squareRoot()
                    }
                    thirds[l] = third
                }
            }
            for k in 0..<d {
                var p = 0.0
                for l in 0..<d { p += a[k * d + l] * tailSlopes[l] }
                p = min(max(p, 0), 0.99)
                let decaySquared = 1 - p, decay = decaySquared.squareRoot()
                var kink = p * sigma2[k] / 2, third = 0.0
                for l in 0..<d {
                    kink -= a[k * d + l] * slopeSquares[l] * sigma2[l] / 2
                    third += a[k * d + l] * thirds[l]
                }
                for j in 0..<n {
                    var sum = -p * current[k * n + j]
                    for l in 0..<d where a[k * d + l] != 0 { sum += a[k * d + l] * values[l * n + j] }
                    source[j] = sum
                }
                transform.forward(UnsafeBufferPointer(source), kinkSlope: kink, thirdDerivative: third, into: spectrum)
                for m in 0..<n { spectrum[m] /= decaySquared + omegaSquared[m] }
                transform.inverse(UnsafeBufferPointer(spectrum), tailCoefficient: -2 * kink,
                                  into: UnsafeMutableBufferPointer(rebasing: next[(k * n)..<((k + 1) * n)]))
                if sigma2[k] > 0 {
                    let amplitude = sigma2[k] / (2 * decay)
                    for j in 0..<n { next[k * n + j] += amplitude * exp(-decay * Double(j) * step) }
                }
                var mu = h0[k]
                for l in 0..<d { mu += w[k * d + l] * rates[l] }
                next[d * n + k] = mu
            }
            return scale
        }
        // Staged as in `GeneralNetworkSolver`: to `stageTolerance`, then to the tolerance from tables rebuilt unless
        // within `exactRadius`, then from exact tables only if some population ended farther than that.
        for table in tables { table.invalidate() }
        var reports = [try iterator.solve(state: state, tolerance: max(options.tolerance, GeneralKernelTable.stageTolerance), map: map)]
        for _ in 0..<2 {
            var far = false
            for l in 0..<d where tables[l].distance(variance: state[l * n], mean: state[d * n + l]) > GeneralKernelTable.exactRadius {
                far = true; tables[l].invalidate()
            }
            if !far && reports.count > 1 { break }
            reports.append(try iterator.solve(state: state, map: map))
        }
        let last = reports[reports.count - 1]
        var report = ConvergenceReport(method: last.method, iterations: reports.reduce(0) { $0 + $1.iterations },
                                       residual: last.residual, residualHistory: reports.flatMap(\.residualHistory))
        report.method += ", DCT-I box with static modes, \(d) populations"
        let all = state.array
        var correlations: [[Double]] = [], spectra: [[Double]] = [], states: [PopulationState] = []
        var largestFluctuation = 0.0, largestVariance = 0.0
        let means = Array(all[(d * n)..<(d * n + d)])
        var slopes = [Double](repeating: 0, count: d)
        for k in 0..<d {
            let correlation = Array(all[(k * n)..<((k + 1) * n)])
            let variance = correlation[0], infinity = correlation[n - 1]
            let reference = correlation[(n - 1) * 9 / 10]
            let tail = abs(reference - infinity) / max(variance, 1e-300)
            guard tail <= 1e-10 else { throw SolverError.windowTooShort(window: grid.window, relativeTail: tail) }
            largestFluctuation = max(largestFluctuation, variance - infinity)
            largestVariance = max(largestVariance, variance)
            for j in 0..<n { source[j] = correlation[j] - infinity }
            transform.forward(UnsafeBufferPointer(source), kinkSlope: -0.5 * sigma2[k], into: spectrum)
            spectra.append(Array(UnsafeBufferPointer(spectrum)))
            let half = Interpolation.firstCrossing(correlation.map { $0 - infinity }, step: step, level: (variance - infinity) / 2)
            let rate = PopulationKernels.average(phis[k], mean: means[k], variance: variance, phis[k].function)
            slopes[k] = PopulationKernels.average(phis[k], mean: means[k], variance: variance, phis[k].derivative)
            states.append(PopulationState(name: model.populations[k].name, mean: means[k], rate: rate, variance: variance,
                                          staticVariance: infinity, decorrelationTime: half ?? .nan))
            correlations.append(correlation)
        }
        if silent && largestFluctuation <= 1e-10 * largestVariance {
            throw GeneralNetworkError.noChaoticSolution(coupling: model.scale)
        }
        let eigenvalue = model.meanModeEigenvalue(slopes: slopes)
        guard eigenvalue < 1 else { throw GeneralNetworkError.unstableMeanMode(eigenvalue: eigenvalue) }
        return PopulationNetworkSolution(scale: model.scale, branch: silent ? .chaotic : .noiseDriven, grid: grid,
                                         fractions: model.populations.map(\.fraction), correlations: correlations,
                                         spectra: spectra, populations: states, report: report)
    }
}

extension PopulationNetworkSolution {
    /// The D = 1 solution of `GeneralNetworkModel` as a population solution.
    init(single: GeneralNetworkSolution, model: PopulationNetworkModel) {
        self.init(scale: model.scale, branch: single.branch, grid: single.grid, fractions: [1],
                  correlations: [single.correlation], spectra: [single.spectrum],
                  populations: [PopulationState(name: model.populations[0].name, mean: single.mean, rate: single.rate,
                                                variance: single.variance, staticVariance: single.staticVariance,
                                                decorrelationTime: single.decorrelationTime)],
                  report: single.report)
    }
}
