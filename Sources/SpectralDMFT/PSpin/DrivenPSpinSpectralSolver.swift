import Foundation

/// Solves the stationary (NESS) dynamics of the driven spherical p-spin model in frequency space, with C and R
/// as independent unknowns (docs/PHYSICS.md §2, driven p-spin).
///
/// Equations, with `Σ = f''(C)R`, `D = f'(C) + ε²h'(C)`, `ĝ(ω) = ∫_0^∞ g e^{iωτ} dτ` (causal) and
/// `ĝ(ω) = ∫ g(|τ|) e^{iωτ} dτ` (even):
///
///     R̂(ω) = 1/(μ − iω − Σ̂(ω)),     Ĉ(ω) = (2T + D̂(ω)) |R̂(ω)|²,     C(0) = 1.
///
/// **Unknown and map.** The unknown is one vector `x = (C_0…C_M, R_0…R_M, μ, C''(0) dt², C⁗(0) dt⁴)` on the uniform
/// lag grid. One map evaluation is
/// 1. `Σ_j = f''(C_j) R_j`, `D_j = f'(C_j) + ε²h'(C_j)`;
/// 2. `Σ̂ = Σ̂_even/2 + i S_Σ` (one DCT-I and one DST-I) and `D̂` (one DCT-I), alias-corrected with the exact
///    derivatives at 0⁺ (`DrivenSmallLagSeries`: D', D''', D⁽⁵⁾; Σ', Σ''', Σ⁽⁵⁾; Σ'', Σ⁗);
/// 3. μ from `C(0) = (1/2W) Σ'_k Ĉ_k = 1` by a safeguarded scalar Newton iteration (O(M), no transform);
/// 4. `C = g_C + DCT⁻¹(Ĉ − ĝ_C)` and `R = g_R + DCT⁻¹(2 Re R̂ − ĝ_R)`, where g_C, g_R are sums of four
///    exponentials with the same jumps as C(|τ|), R(|τ|) in the first, third, fifth and seventh derivatives at 0
///    (`C'(0⁺) = −T`, `R'(0⁺) = −μ`, …), so the inverted remainders are smooth through τ = 0;
/// 5. the non-local `C''(0)` and `C⁗(0)` re-measured from the spectrum of the remainder.
/// Five real transforms of M + 1 points per evaluation, on preallocated buffers: an iteration allocates nothing.
/// The fixed point is found by `FixedPointIterator` (Anderson mixing by default) to a tolerance on
/// `max |G(x) − x|`. The scheme is high order in dt (measured in the tests: about dt⁶–dt⁸).
///
/// **Grid.** `automaticGrid(for:previous:)`: step `0.15/μ` with the μ of a previous solution (continuation), or
/// `μ_est = T + (f'(1) + ε²h'(1))/T` (exact at ε = 0, an overestimate with drive); window 1.5 times the decay lag
/// (C = 1e-8) of a previous solution, or above T_d the window of the undriven equilibrium (the drive only shortens
/// τ_α), or 200 time units. After a solve, |C| above `maximumTail` at the window's end throws
/// `DrivenPSpinError.noDecayingSolution` with the solution attached (its `branch` says plateau or still decaying).
///
/// A solver owns its grid, transforms and workspaces; make one and reuse it across a scan.
///
/// ```swift
/// let problem = try DrivenPSpin(mixture: .pure(3), temperature: 0.8, drive: 0.5)
/// let solver = DrivenPSpinSpectralSolver(grid: try DrivenPSpinSpectralSolver.automaticGrid(for: problem))
/// let solution = try problem.solve(with: solver)
/// ```
public final class DrivenPSpinSpectralSolver: StationarySolver {
    /// The lag grid in use.
    public let grid: LagGrid
    /// Iteration options, fixed when the solver is made.
    public let options: IterationOptions
    /// Largest |C(τ_M)| accepted at the end of the window for a decaying solution.
    public let maximumTail: Double

    private let count: Int
    private let evenTransform: EvenFourierTransform
    private let sineTransform: SineTransform
    private let iterator: FixedPointIterator
    private let state: AlignedBuffer
    private let memoryValues: AlignedBuffer       // Σ_j
    private let noiseValues: AlignedBuffer        // D_j
    private let memoryEven: AlignedBuffer         // Σ̂_even(ω_k) = 2 Re Σ̂
    private let memorySine: AlignedBuffer         // S_Σ(ω_k) = Im Σ̂
    private let noiseSpectrum: AlignedBuffer      // D̂(ω_k)
    private let correlationWork: AlignedBuffer    // Ĉ − ĝ_C
    private let responseWork: AlignedBuffer       // 2 Re R̂ − ĝ_R
    private let frequencyValues: AlignedBuffer    // ω_k
    private let weights: AlignedBuffer            // DCT-I weights w_k/(2W)
    private let lagBasis: [AlignedBuffer]         // e^{−iλτ_j}, i = 1…4
    private let frequencyBasis: [AlignedBuffer]   // 2iλ/((iλ)² + ω_k²)
    private var basisRate = 0.0

    /// Anderson mixing over 10 iterates without damping, tolerance 1e-11, at most 1000 map evaluations (about 60
    /// are needed for p = k = 3 at T = 0.5, ε = 0.15 by continuation).
    public static let defaultOptions = IterationOptions(tolerance: 1e-11, maximumIterations: 1000,
                                                        acceleration: .anderson(depth: 10, damping: 1))

    /// A solver on `grid` (allocates the transforms and every workspace).
    public init(grid: LagGrid, options: IterationOptions = DrivenPSpinSpectralSolver.defaultOptions,
                maximumTail: Double = 1e-6) {
        self.grid = grid
        self.options = options
        self.maximumTail = maximumTail
        let count = grid.count
        self.count = count
        evenTransform = EvenFourierTransform(grid: grid)
        sineTransform = SineTransform(grid: grid)
        iterator = FixedPointIterator(dimension: 2 * count + 3, options: options)
        state = AlignedBuffer(count: 2 * count + 3)
        memoryValues = AlignedBuffer(count: count)
        noiseValues = AlignedBuffer(count: count)
        memoryEven = AlignedBuffer(count: count)
        memorySine = AlignedBuffer(count: count)
        noiseSpectrum = AlignedBuffer(count: count)
        correlationWork = AlignedBuffer(count: count)
        responseWork = AlignedBuffer(count: count)
        frequencyValues = AlignedBuffer(count: count)
        weights = AlignedBuffer(count: count)
        lagBasis = (0..<4).map { _ in AlignedBuffer(count: count) }
        frequencyBasis = (0..<4).map { _ in AlignedBuffer(count: count) }
        let scale = 1 / (2 * grid.window)
        for k in 0..<count {
            frequencyValues[k] = Double(k) * grid.frequencyStep
            weights[k] = (k == 0 || k == count - 1 ? 1 : 2) * scale
        }
    }

    /// A solver on the automatic grid of `problem`.
    public convenience init(for problem: DrivenPSpin,
                            options: IterationOptions = DrivenPSpinSpectralSolver.defaultOptions) throws {
        self.init(grid: try Self.automaticGrid(for: problem), options: options)
    }

    // MARK: - Grid and start

    /// A rough μ from above: `T + (f'(1) + ε²h'(1))/T` (exact at ε = 0).
    public static func estimatedMultiplier(for problem: DrivenPSpin) -> Double {
        problem.temperature + problem.noiseKernel(1) / problem.temperature
    }

    /// The largest automatic grid, 2^20 intervals: a solver with Anderson depth 10 holds about 75 vectors of that
    /// length (≈ 600 MB).
    public static let maximumIntervals = 1 << 20

    /// The automatic grid (see the type's documentation), with the number of intervals a fast FFT size `2^a 3^b`.
    ///
    /// - Throws: `GridError.tooManyPoints` when the window needs more than `maximumIntervals` intervals.
    public static func automaticGrid(for problem: DrivenPSpin, previous: DrivenPSpinSolution? = nil) throws -> LagGrid {
        let step = 0.15 / (previous?.lagrangeMultiplier ?? estimatedMultiplier(for: problem))
        var window: Double
        if let previous {
            window = 1.5 * previous.decayLag
        } else if let equilibrium = problem.equilibrium {
            window = 1.2 * PSpinSpectralSolver.estimatedDecayLag(mixture: equilibrium.mixture,
                                                                 temperature: equilibrium.temperature)
        } else {
            window = 200
        }
        window = max(window, 40)
        let needed = (window / step).rounded(.up)
        guard needed <= Double(maximumIntervals) else { throw GridError.tooManyPoints(Int(min(needed, 1e18))) }
        return try LagGrid(step: step, intervals: PSpinSpectralSolver.smoothSize(atLeast: max(16, Int(needed))))
    }

    // MARK: - Solving

    /// Solves `problem` on this solver's grid from the default start.
    public func solve(_ problem: DrivenPSpin) throws -> DrivenPSpinSolution {
        try solve(problem, initialGuess: nil)
    }

    /// Solves `problem` on this solver's grid.
    ///
    /// - Parameters:
    ///   - problem: the driven model, drive and temperature.
    ///   - initialGuess: a solution of a nearby problem (any grid: interpolated, and 0 beyond its window) to
    ///     continue from; nil for the default start (above T_d the equilibrium profile at ε = 0 with R = −βC',
    ///     below T_d `C = R = e^{−τ}`).
    ///   - progress: called with (map evaluation, residual).
    /// - Throws: `ConvergenceError` (carrying the residual) when the iteration does not converge;
    ///   `DrivenPSpinError.noDecayingSolution` (with the converged solution) when |C| at the window's end exceeds
    ///   `maximumTail`.
    public func solve(_ problem: DrivenPSpin, initialGuess: DrivenPSpinSolution?,
                      progress: ((Int, Double) -> Void)? = nil) throws -> DrivenPSpinSolution {
        let start = ContinuousClock.now
        let n = count, step = grid.step
        let x = state.baseAddress
        // Start.
        var startMultiplier = Self.estimatedMultiplier(for: problem)
        if let initialGuess {
            for j in 0..<n {
                let lag = Double(j) * step
                let inside = lag <= initialGuess.lags[initialGuess.lags.count - 1]
                x[j] = inside ? initialGuess.correlation(atLag: lag) : 0
                x[n + j] = inside ? initialGuess.response(atLag: lag) : 0
            }
            startMultiplier = initialGuess.lagrangeMultiplier
            x[2 * n + 1] = initialGuess.secondDerivativeAtZero * step * step
            x[2 * n + 2] = initialGuess.fourthDerivativeAtZero * pow(step, 4)
        } else if let equilibrium = problem.equilibrium {
            let correlation = PSpinSpectralSolver.initialGuess(for: equilibrium, grid: grid)
            let beta = 1 / problem.temperature
            for j in 0..<n {
                x[j] = correlation[j]
                let slope: Double
                if j == 0 { slope = -problem.temperature }
                else if j == n - 1 { slope = (correlation[j] - correlation[j - 1]) / step }
                else { slope = (correlation[j + 1] - correlation[j - 1]) / (2 * step) }
                x[n + j] = -beta * slope
            }
            let expansion = SmallLagExpansion(mixture: problem.mixture, temperature: problem.temperature)
            x[2 * n + 1] = expansion.correlationDerivative(2) * step * step
            x[2 * n + 2] = expansion.correlationDerivative(4) * pow(step, 4)
        } else {
            for j in 0..<n {
                x[j] = exp(-Double(j) * step)
                x[n + j] = x[j]
            }
            x[2 * n + 1] = startMultiplier * problem.temperature * step * step
            x[2 * n + 2] = 0
        }
        x[0] = 1
        x[n] = 1
        x[2 * n] = startMultiplier
        prepareBasis(rate: 0.5 * startMultiplier)
        let model = ModelDerivatives(problem: problem)

        let report = try model.polynomials { polynomials in
            try iterator.solve(state: state, progress: progress) { input, output in
                evaluate(input, into: output, problem: problem, model: model, polynomials: polynomials)
                return 1
            }
        }
        let elapsed = start.duration(to: .now).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        let solution = finish(problem: problem, model: model, report: report, seconds: seconds)
        let tail = abs(solution.correlation[n - 1])
        guard tail <= maximumTail else {
            throw DrivenPSpinError.noDecayingSolution(drive: problem.drive, temperature: problem.temperature,
                                                      plateau: solution.correlation[n - 1], solution: solution)
        }
        return solution
    }

    /// Fills the exponential bases for the rates `i·rate`.
    private func prepareBasis(rate: Double) {
        guard rate != basisRate else { return }
        basisRate = rate
        let step = grid.step
        for i in 0..<4 {
            let lambda = Double(i + 1) * rate
            let lagValues = lagBasis[i].baseAddress, spectrum = frequencyBasis[i].baseAddress
            let decay = exp(-lambda * step)
            var factor = 1.0
            for j in 0..<count {
                factor = j % 64 == 0 ? exp(-lambda * Double(j) * step) : factor * decay
                lagValues[j] = factor
                let omega = frequencyValues[j]
                spectrum[j] = 2 * lambda / (lambda * lambda + omega * omega)
            }
        }
    }

    /// The derivatives at q = 1 of f and ε²h, and the polynomial coefficients of f', f'' and ε²h' on the lags.
    struct ModelDerivatives {
        let f: SIMD16<Double>
        let h: SIMD16<Double>
        let temperature: Double
        let driveCurvature: Double          // ε² h''(1)
        let symmetry: Double                // η
        let slopeExponents: [Int]           // f' + ε²h' = Σ a_i C^{e_i}
        let slopeCoefficients: [Double]
        let curvatureExponents: [Int]       // f'' = Σ b_i C^{e_i}
        let curvatureCoefficients: [Double]

        init(problem: DrivenPSpin) {
            let squared = problem.drive * problem.drive
            f = DrivenSmallLagSeries.derivativesAtOne(problem.mixture)
            h = DrivenSmallLagSeries.derivativesAtOne(problem.driveMixture, scale: squared)
            temperature = problem.temperature
            driveCurvature = squared * problem.driveMixture.secondDerivative(1)
            symmetry = problem.symmetry
            var slope: [Int: Double] = [:]
            for term in problem.mixture.terms { slope[term.degree - 1, default: 0] += term.coefficient * Double(term.degree) / 2 }
            if squared > 0 {
                for term in problem.driveMixture.terms {
                    slope[term.degree - 1, default: 0] += squared * term.coefficient * Double(term.degree) / 2
                }
            }
            let sortedSlope = slope.sorted { $0.key < $1.key }
            slopeExponents = sortedSlope.map(\.key)
            slopeCoefficients = sortedSlope.map(\.value)
            var curvature: [Int: Double] = [:]
            for term in problem.mixture.terms {
                curvature[term.degree - 2, default: 0] += term.coefficient * Double(term.degree * (term.degree - 1)) / 2
            }
            if squared > 0 && problem.symmetry != 0 {
                for term in problem.driveMixture.terms {
                    curvature[term.degree - 2, default: 0] += problem.symmetry * squared * term.coefficient
                        * Double(term.degree * (term.degree - 1)) / 2
                }
            }
            let sortedCurvature = curvature.sorted { $0.key < $1.key }
            curvatureExponents = sortedCurvature.map(\.key)
            curvatureCoefficients = sortedCurvature.map(\.value)
        }

        /// Calls `body` with the coefficient tables as buffers.
        func polynomials<Result>(_ body: (Polynomials) throws -> Result) rethrows -> Result {
            try slopeExponents.withUnsafeBufferPointer { se in
                try slopeCoefficients.withUnsafeBufferPointer { sc in
                    try curvatureExponents.withUnsafeBufferPointer { ce in
                        try curvatureCoefficients.withUnsafeBufferPointer { cc in
                            try body(Polynomials(slopeExponents: se, slopeCoefficients: sc,
                                                 curvatureExponents: ce, curvatureCoefficients: cc))
                        }
                    }
                }
            }
        }
    }

    /// The polynomial tables as buffers (valid inside `ModelDerivatives.polynomials`).
    struct Polynomials {
        let slopeExponents: UnsafeBufferPointer<Int>
        let slopeCoefficients: UnsafeBufferPointer<Double>
        let curvatureExponents: UnsafeBufferPointer<Int>
        let curvatureCoefficients: UnsafeBufferPointer<Double>

        @inline(__always)
        static func evaluate(_ c: Double, _ exponents: UnsafeBufferPointer<Int>,
                             _ coefficients: UnsafeBufferPointer<Double>) -> Double {
            var sum = 0.0
            for term in 0..<exponents.count {
                var power = 1.0
                for _ in 0..<exponents[term] { power *= c }
                sum += coefficients[term] * power
            }
            return sum
        }
    }

    /// The small-lag series at the state's μ, C''(0), C⁗(0).
    private func series(model: ModelDerivatives, multiplier: Double, scaledSecond: Double,
                        scaledFourth: Double) -> DrivenSmallLagSeries {
        let step = grid.step
        return DrivenSmallLagSeries(f: model.f, h: model.h, temperature: model.temperature, multiplier: multiplier,
                                    secondDerivative: scaledSecond / (step * step),
                                    fourthDerivative: scaledFourth / (step * step * step * step),
                                    symmetry: model.symmetry)
    }

    /// One evaluation of the map `x ↦ G(x)` (see the type's documentation). Leaves the spectra of the input in
    /// `memoryEven`, `memorySine`, `noiseSpectrum`, and `Ĉ − ĝ_C`, `2 Re R̂ − ĝ_R` in the work buffers.
    private func evaluate(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>,
                          problem: DrivenPSpin, model: ModelDerivatives, polynomials: Polynomials) {
        let n = count, step = grid.step, temperature = problem.temperature
        let source = input.baseAddress!, target = output.baseAddress!
        let muIn = source[2 * n]
        let s = series(model: model, multiplier: muIn, scaledSecond: source[2 * n + 1], scaledFourth: source[2 * n + 2])
        // 1. Kernels on the lags.
        let sigma = memoryValues.baseAddress, noise = noiseValues.baseAddress
        for j in 0..<n {
            let c = source[j]
            noise[j] = Polynomials.evaluate(c, polynomials.slopeExponents, polynomials.slopeCoefficients)
            sigma[j] = Polynomials.evaluate(c, polynomials.curvatureExponents, polynomials.curvatureCoefficients)
                * (j == 0 ? 1 : source[n + j])
        }
        // 2. Transforms with the exact jumps at 0⁺.
        evenTransform.forward(UnsafeBufferPointer(noiseValues.pointer), kinkSlope: s.noise[1], thirdDerivative: s.noise[3],
                              fifthDerivative: s.noise[5], into: noiseSpectrum.pointer)
        evenTransform.forward(UnsafeBufferPointer(memoryValues.pointer), kinkSlope: s.memory[1],
                              thirdDerivative: s.memory[3], fifthDerivative: s.memory[5], into: memoryEven.pointer)
        sineTransform.forward(UnsafeBufferPointer(memoryValues.pointer), secondDerivativeAtZero: s.memory[2],
                              fourthDerivativeAtZero: s.memory[4], into: memorySine.pointer)
        // 3. μ from C(0) = 1: S(μ) = Σ_k w_k A_k/((μ − a_k)² + b_k²) + (g(0) − Σ_k w_k ĝ_k) − 1.
        let correlationKinks = ExponentialKinks(rate: basisRate, odd: [s.correlation[1], s.correlation[3],
                                                                      s.correlation[5], s.correlation[7]])
        let responseKinks = ExponentialKinks(rate: basisRate, odd: [s.response[1], s.response[3], s.response[5],
                                                                    s.response[7]])
        let even = memoryEven.baseAddress, sine = memorySine.baseAddress, dHat = noiseSpectrum.baseAddress
        let omega = frequencyValues.baseAddress, w = weights.baseAddress
        let e0 = frequencyBasis[0].baseAddress, e1 = frequencyBasis[1].baseAddress
        let e2 = frequencyBasis[2].baseAddress, e3 = frequencyBasis[3].baseAddress
        let ca = correlationKinks.amplitudes, ra = responseKinks.amplitudes
        var kinkAlias = correlationKinks.valueAtZero
        for k in 0..<n { kinkAlias -= w[k] * (ca[0] * e0[k] + ca[1] * e1[k] + ca[2] * e2[k] + ca[3] * e3[k]) }
        let constant = kinkAlias - 1
        func constraint(_ mu: Double) -> (value: Double, slope: Double) {
            var value = constant, slope = 0.0
            for k in 0..<n {
                let a = mu - 0.5 * even[k], b = omega[k] + sine[k]
                let inverse = 1 / (a * a + b * b)
                let term = w[k] * (2 * temperature + dHat[k]) * inverse
                value += term
                slope -= 2 * term * a * inverse
            }
            return (value, slope)
        }
        let floor = 0.5 * even[0]          // μ > ∫Σ keeps R̂(0) = χ(0) positive
        var mu = max(muIn, floor + 1e-3 * abs(muIn))
        for _ in 0..<60 {
            let (value, slope) = constraint(mu)
            guard value.isFinite, slope < 0 else { mu = .nan; break }
            var next = mu - value / slope
            if next <= floor { next = 0.5 * (mu + floor) }
            let change = abs(next - mu)
            mu = next
            if change <= 1e-15 * abs(mu) { break }
        }
        // 4. Spectra of the output, the non-local derivatives, and the inverse transforms.
        let cWork = correlationWork.baseAddress, rWork = responseWork.baseAddress
        var second = 0.0, fourth = 0.0
        for k in 0..<n {
            let a = mu - 0.5 * even[k], b = omega[k] + sine[k]
            let inverse = 1 / (a * a + b * b)
            let remainder = (2 * temperature + dHat[k]) * inverse
                - (ca[0] * e0[k] + ca[1] * e1[k] + ca[2] * e2[k] + ca[3] * e3[k])
            cWork[k] = remainder
            rWork[k] = 2 * a * inverse - (ra[0] * e0[k] + ra[1] * e1[k] + ra[2] * e2[k] + ra[3] * e3[k])
            let omega2 = omega[k] * omega[k]
            second -= w[k] * omega2 * remainder
            fourth += w[k] * omega2 * omega2 * remainder
        }
        var kinkSecond = 0.0, kinkFourth = 0.0
        for i in 0..<4 {
            let lambda = Double(i + 1) * basisRate
            kinkSecond += ca[i] * lambda * lambda
            kinkFourth += ca[i] * lambda * lambda * lambda * lambda
        }
        let correlationOut = UnsafeMutableBufferPointer(start: target, count: n)
        let responseOut = UnsafeMutableBufferPointer(start: target + n, count: n)
        evenTransform.inverse(UnsafeBufferPointer(correlationWork.pointer), into: correlationOut)
        evenTransform.inverse(UnsafeBufferPointer(responseWork.pointer), into: responseOut)
        let g0 = lagBasis[0].baseAddress, g1 = lagBasis[1].baseAddress
        let g2 = lagBasis[2].baseAddress, g3 = lagBasis[3].baseAddress
        for j in 0..<n {
            target[j] += ca[0] * g0[j] + ca[1] * g1[j] + ca[2] * g2[j] + ca[3] * g3[j]
            target[n + j] += ra[0] * g0[j] + ra[1] * g1[j] + ra[2] * g2[j] + ra[3] * g3[j]
        }
        target[n] = 1
        target[2 * n] = mu
        target[2 * n + 1] = (second + kinkSecond) * step * step
        target[2 * n + 2] = (fourth + kinkFourth) * step * step * step * step
    }

    /// Builds the solution from the converged state (one more evaluation fills the spectra).
    private func finish(problem: DrivenPSpin, model: ModelDerivatives, report: ConvergenceReport,
                        seconds: Double) -> DrivenPSpinSolution {
        let n = count, step = grid.step, temperature = problem.temperature
        let scratch = AlignedBuffer(count: 2 * n + 3)
        model.polynomials { polynomials in
            evaluate(UnsafeBufferPointer(state.pointer), into: scratch.pointer, problem: problem, model: model,
                     polynomials: polynomials)
        }
        let mu = state[2 * n]
        let secondDerivative = state[2 * n + 1] / (step * step)
        let fourthDerivative = state[2 * n + 2] / pow(step, 4)
        let s = series(model: model, multiplier: mu, scaledSecond: state[2 * n + 1], scaledFourth: state[2 * n + 2])
        let correlation = Array(UnsafeBufferPointer(start: state.baseAddress, count: n))
        var response = Array(UnsafeBufferPointer(start: state.baseAddress + n, count: n))
        response[0] = 1
        let ca = ExponentialKinks(rate: basisRate, odd: [s.correlation[1], s.correlation[3], s.correlation[5],
                                                         s.correlation[7]]).amplitudes
        let ra = ExponentialKinks(rate: basisRate, odd: [s.response[1], s.response[3], s.response[5],
                                                         s.response[7]]).amplitudes

        // Spectra of the solution.
        let even = memoryEven.baseAddress, sine = memorySine.baseAddress, dHat = noiseSpectrum.baseAddress
        let omega = frequencyValues.baseAddress
        var frequencies = [Double](repeating: 0, count: n), power = frequencies, noise = frequencies
        var real = frequencies, imaginary = frequencies, heatIntegrand = frequencies
        for k in 0..<n {
            let a = mu - 0.5 * even[k], b = omega[k] + sine[k]
            let inverse = 1 / (a * a + b * b)
            frequencies[k] = omega[k]
            real[k] = a * inverse
            imaginary[k] = b * inverse
            power[k] = (2 * temperature + dHat[k]) * inverse
            noise[k] = dHat[k]
            heatIntegrand[k] = omega[k] * inverse * (omega[k] * dHat[k] - 2 * temperature * sine[k])
        }
        // Heat to the bath: (1/π) ∫_0^∞ I(ω) dω, trapezoid plus the tail a/ω² + b/ω⁴, a = 2T(1 − η)ε²h''(1).
        var heat = 0.5 * (heatIntegrand[0] + heatIntegrand[n - 1])
        for k in 1..<(n - 1) { heat += heatIntegrand[k] }
        heat *= grid.frequencyStep
        let edge = omega[n - 1]
        let leading = 2 * temperature * (1 - model.symmetry) * model.driveCurvature
        let next = (heatIntegrand[n - 1] * edge * edge - leading) * edge * edge
        heat += leading / edge + next / (3 * edge * edge * edge)
        heat /= Double.pi

        // C'(τ): g_C'(τ) plus the derivative of the smooth remainder (a sine series of −ω(Ĉ − ĝ)/2).
        var sineInput = [Double](repeating: 0, count: n)
        for k in 0..<n { sineInput[k] = -0.5 * omega[k] * correlationWork[k] }
        var slope = sineTransform.inverse(sineInput)
        // χ(τ) = ∫_0^τ R: the remainder's cosine series integrated term by term, plus that of g_R.
        var integratedInput = [Double](repeating: 0, count: n)
        for k in 1..<n { integratedInput[k] = 0.5 * responseWork[k] / omega[k] }
        var integrated = sineTransform.inverse(integratedInput)
        let zeroMode = responseWork[0] / (2 * grid.window)
        for j in 0..<n {
            let lag = Double(j) * step
            var kinkSlope = 0.0, kinkIntegral = 0.0
            for i in 0..<4 {
                let lambda = Double(i + 1) * basisRate, decay = lagBasis[i][j]
                kinkSlope -= ca[i] * lambda * decay
                kinkIntegral += ra[i] * (1 - decay) / lambda
            }
            slope[j] += kinkSlope
            integrated[j] += zeroMode * lag + kinkIntegral
        }
        integrated[n - 1] = integrated[n - 2] + 0.5 * step * (response[n - 2] + response[n - 1])

        // Integrals over the lags with Euler–Maclaurin corrections at 0⁺ from the series.
        let f1 = model.f, hh = model.h
        func compose(_ derivatives: SIMD16<Double>, shift: Int) -> SIMD8<Double> {
            // Taylor coefficients of g^{(shift)}(C(τ)) from those of C.
            let factorial: SIMD8<Double> = [1, 1, 2, 6, 24, 120, 720, 5040]
            var delta = s.correlation / factorial
            delta[0] = 0
            var power = SIMD8<Double>(); power[0] = 1
            var result = SIMD8<Double>()
            var inverseFactorial = 1.0
            for m in 0..<8 {
                if m + shift < 16 { result += (derivatives[m + shift] * inverseFactorial) * power }
                power = DrivenSmallLagSeries.product(power, delta)
                inverseFactorial /= Double(m + 1)
            }
            return result
        }
        let factorial: SIMD8<Double> = [1, 1, 2, 6, 24, 120, 720, 5040]
        let cTaylor = s.correlation / factorial, rTaylor = s.response / factorial
        var slopeTaylor = SIMD8<Double>()
        for i in 0..<7 { slopeTaylor[i] = Double(i + 1) * cTaylor[i + 1] }
        slopeTaylor[5] = 0; slopeTaylor[6] = 0        // C⁽⁶⁾, C⁽⁷⁾ of C' are not known
        let fPrime = compose(f1, shift: 1), dSeries = compose(f1 + hh, shift: 1), fSecond = compose(f1 + problem.symmetry * hh, shift: 2)
        let hSecond = compose(hh, shift: 2)
        func integrate(_ values: [Double], series: SIMD8<Double>, orders: Int) -> Double {
            var sum = 0.5 * (values[0] + values[n - 1])
            for j in 1..<(n - 1) { sum += values[j] }
            sum *= step
            let bernoulli: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42]
            for k in 1...orders {
                let order = 2 * k - 1
                sum += bernoulli[k - 1] * pow(step, Double(2 * k)) / factorialOf(2 * k) * factorial[order] * series[order]
            }
            return sum
        }
        let fPrimeValues = correlation.map { problem.mixture.derivative($0) }
        let energyValues = (0..<n).map { fPrimeValues[$0] * response[$0] }
        let energy = -integrate(energyValues, series: DrivenSmallLagSeries.product(fPrime, rTaylor), orders: 3)
        let identityValues = (0..<n).map { j -> Double in
            let c = correlation[j]
            return problem.memoryCurvature(c) * response[j] * c + problem.noiseKernel(c) * response[j]
        }
        let identitySeries = DrivenSmallLagSeries.product(DrivenSmallLagSeries.product(fSecond, rTaylor), cTaylor)
            + DrivenSmallLagSeries.product(dSeries, rTaylor)
        let identity = temperature + integrate(identityValues, series: identitySeries, orders: 3)
        let squared = (1 - problem.symmetry) * problem.drive * problem.drive
        let powerValues = (0..<n).map { j in
            -squared * problem.driveMixture.secondDerivative(correlation[j]) * slope[j] * response[j]
        }
        let powerSeries = -(1 - problem.symmetry) * DrivenSmallLagSeries.product(DrivenSmallLagSeries.product(hSecond, slopeTaylor), rTaylor)
        let injected = integrate(powerValues, series: powerSeries, orders: 2)

        let spectra = DrivenPSpinSpectra(frequencies: frequencies, correlation: power, susceptibilityReal: real,
                                         susceptibilityImaginary: imaginary, noise: noise)
        return DrivenPSpinSolution(
            problem: problem, lags: grid.lags, lagStep: step, correlation: correlation, response: response,
            correlationSlope: slope, integratedResponse: integrated, lagrangeMultiplier: mu,
            multiplierFromIdentity: identity, energy: energy, injectedPower: injected, heatToBath: heat,
            secondDerivativeAtZero: secondDerivative, fourthDerivativeAtZero: fourthDerivative, spectra: spectra,
            report: report, seconds: seconds)
    }
}

/// n! as a Double.
private func factorialOf(_ n: Int) -> Double { n <= 1 ? 1 : (2...n).reduce(1.0) { $0 * Double($1) } }
