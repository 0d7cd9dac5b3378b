import Foundation

/// Solves the equilibrium dynamics of a spherical mixed p-spin model above T_d in frequency space.
///
/// Equation (docs/PHYSICS.md §2), with FDT `R = −βC'`, `C(0) = 1`, `C'(0⁺) = −T`, `f(q) = Σ_p c_p q^p/2`:
///
///     ∂_τ C(τ) = −T C(τ) − β ∫_0^τ f'(C(τ−s)) ∂_s C(s) ds,      μ = T + β f'(1),   E/N = −β f(1).
///
/// With `F(τ) = f'(C(|τ|))` and `m̃(ω) = ∫_0^∞ F e^{iωτ} dτ = F̂(ω)/2 + i S_F(ω)` (even and sine transforms), the
/// Laplace form `C̃(z) = (1 + βm̃)/(z(1 + βm̃) + T)` at `z = −iω` gives the susceptibility and, by FDT, the spectrum
///
///     χ(ω) = 1/(T − iω(1 + β m̃(ω))),     Ĉ(ω) = 2T χ''(ω)/ω = 2T u/((T + βω S_F)² + ω² u²),   u = 1 + β F̂(ω)/2.
///
/// Units: time in the units of the Langevin dynamics (mobility 1), frequency in its inverse, T in the units of f.
///
/// **Unknown and map.** The unknown is C at the lags. One map evaluation is `C ↦ F = f'(C) ↦ (F̂, S_F) ↦ Ĉ ↦ C`:
/// one DCT-I, one DST-I and one inverse DCT-I on preallocated buffers. This is the mode-coupling iteration, a
/// contraction above T_d (plain iteration converges, slowly near T_d), so no preconditioning is needed; the fixed
/// point is found by `FixedPointIterator` with Anderson mixing by default (`defaultOptions`: depth 10, no damping),
/// to a tolerance on `max_j |G(C)_j − C_j|` (C is of order 1, so the residual is absolute). Measured for p = 3 from
/// the default start (`StartingProfile.timeDoubling`): 10 evaluations at T = 0.8, 17 at T = 0.65, 38 at T = 0.62.
/// Newton–Krylov (`Acceleration.standard`) also converges from that start (20, 25, 67 evaluations), but its line
/// search crawls from a start without the two-step shape (848 evaluations at T = 0.62, against 83 for Anderson).
///
/// **Kinks.** C(|τ|) and F(|τ|) jump in every odd derivative at τ = 0, and the odd extension of F behind the sine
/// transform jumps with every even derivative. All of these are known exactly: the Taylor series of the solution
/// at 0⁺ follows order by order from the equation (`SmallLagExpansion`: `C'(0⁺) = −T`, `C''(0) = Tμ`,
/// `C'''(0⁺) = −T(μ² + f''(1))`, …). So
/// - F̂ is corrected for the aliases of its tail `−2F'/ω² + 2F'''/ω⁴ − 2F⁽⁵⁾/ω⁶` (`EvenFourierTransform`);
/// - S_F for the aliases of `F(0)/ω − F''/ω³ + F⁗/ω⁵` (`SineTransform`);
/// - before the inverse transform a sum of four exponentials `g = Σ α_i e^{−λ_i|τ|}` with the same jumps as C in
///   C', C''', C⁽⁵⁾, C⁽⁷⁾ (`KinkProfile`) is taken out of Ĉ (its spectrum `Σ 2α_iλ_i/(λ_i² + ω²)` is exact) and
///   added back in τ, so the inverted rest is smooth through τ = 0 to eighth order.
/// The scheme is then `O(dt⁸)` (measured: `C(0) − 1` falls 256-fold per halving of dt). `C(0) = 1` is not imposed:
/// it holds to the accuracy of the scheme and checks it.
///
/// **Grid.** `automaticGrid(for:)`: step `dt = 0.15/μ` (1/μ is the microscopic time; `|C(0) − 1|`
/// ≈ 1e-11 then) and a window of `1.2 × estimatedDecayLag`, the lag where C ≈ 1e-8,
/// `(12.7 ε^{−γ} + 11)/T_d`, `ε = (T − T_d)/T_d`, γ = 1.765 (τ_α from the mode-coupling law times the length of the
/// exponential tail, calibrated on pure p = 3), with the number of intervals rounded up to a fast FFT size
/// `2^a 3^b`. Pass any other grid to `init(grid:options:maximumTail:startingProfile:)` to override. After a solve,
/// |C| above `maximumTail` at the window's end throws `SolverError.windowTooShort` (`PSpinEquilibrium.solve(method:)`
/// then doubles the window and retries).
///
/// A solver owns its grid, transforms and workspaces (an iteration allocates nothing); make one and reuse it across
/// a scan, passing the previous correlation as `initialGuess` to continue from it.
///
/// ```swift
/// let problem = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8)
/// let solution = try problem.solve(with: try PSpinSpectralSolver(for: problem))
/// solution.relaxationTime                     // τ_α = 5.03014
/// solution.spectra?.susceptibilityImaginary   // χ''(ω_k)
/// ```
public final class PSpinSpectralSolver: StationarySolver {
    /// How the iteration starts when `solve` is given no initial guess.
    public enum StartingProfile: String, Sendable, Codable {
        /// C from the time-doubling solver at low resolution (`blockSize` 128, `initialStep` 1e-6: O(h²), about
        /// 1e-4 off), interpolated onto the lags; a few ms, 0.03 s at T = 0.62. It has the two-step shape near T_d
        /// and halves the evaluations (T = 0.65: 17 instead of 37). Only the start: the result is the spectral
        /// scheme's own fixed point, independent of it.
        case timeDoubling
        /// `(1 − q) e^{−μτ} + q e^{−τ/τ_α,est}`, `q = clamp(q_d (T_d/T)², 0, 0.9)`: fine far above T_d, slow near it.
        case analytic
    }

    /// The lag grid in use.
    public let grid: LagGrid
    /// Iteration options (tolerance on max_j |G(C)_j − C_j|, evaluation limit, acceleration), fixed when the solver
    /// is made: the iterator sizes its workspaces for them.
    public let options: IterationOptions
    /// Largest |C(τ_M)| accepted at the end of the window.
    public let maximumTail: Double
    /// The start of the iteration when `solve` is given no initial guess.
    public let startingProfile: StartingProfile

    private let evenTransform: EvenFourierTransform
    private let sineTransform: SineTransform
    private let iterator: FixedPointIterator
    private let state: AlignedBuffer              // C_j, the iterate
    private let memoryValues: AlignedBuffer       // F_j = f'(C_j)
    private let evenSpectrum: AlignedBuffer       // F̂(ω_k)
    private let sineSpectrum: AlignedBuffer       // S_F(ω_k)
    private let spectrumWork: AlignedBuffer       // Ĉ(ω_k) − ĝ(ω_k)
    private let frequencyValues: AlignedBuffer    // ω_k
    private let kinkValues: AlignedBuffer         // g(τ_j), the exponential sum with the kinks of C
    private let kinkSpectrum: AlignedBuffer       // ĝ(ω_k)

    /// Anderson mixing over 10 iterates without damping, tolerance 1e-11, at most 2000 map evaluations.
    public static let defaultOptions = IterationOptions(tolerance: 1e-11, maximumIterations: 2000,
                                                        acceleration: .anderson(depth: 10, damping: 1))

    /// A solver on `grid` (allocates the transforms and every workspace), accepting |C| ≤ `maximumTail` at the
    /// window's end and starting from `startingProfile` when `solve` is given no initial guess.
    public init(grid: LagGrid, options: IterationOptions = PSpinSpectralSolver.defaultOptions,
                maximumTail: Double = 1e-6, startingProfile: StartingProfile = .timeDoubling) {
        self.grid = grid
        self.options = options
        self.maximumTail = maximumTail
        self.startingProfile = startingProfile
        let count = grid.count
        evenTransform = EvenFourierTransform(grid: grid)
        sineTransform = SineTransform(grid: grid)
        iterator = FixedPointIterator(dimension: count, options: options)
        state = AlignedBuffer(count: count)
        memoryValues = AlignedBuffer(count: count)
        evenSpectrum = AlignedBuffer(count: count)
        sineSpectrum = AlignedBuffer(count: count)
        spectrumWork = AlignedBuffer(count: count)
        frequencyValues = AlignedBuffer(count: count)
        kinkValues = AlignedBuffer(count: count)
        kinkSpectrum = AlignedBuffer(count: count)
        for k in 0..<count { frequencyValues[k] = Double(k) * grid.frequencyStep }
    }

    /// A solver on the automatic grid of `problem` (`automaticGrid(for:)`) with `options`.
    public convenience init(for problem: PSpinEquilibrium,
                            options: IterationOptions = PSpinSpectralSolver.defaultOptions) throws {
        self.init(grid: try Self.automaticGrid(for: problem), options: options)
    }

    // MARK: - Grid and start

    /// A rough estimate of τ_α (C(τ_α) = 1/e), used for the analytic start: `0.22 ε^{−γ}/T_d + 1.5/μ`, with
    /// `ε = (T − T_d)/T_d` and the mode-coupling exponent γ = 1.765 of pure models (calibrated on p = 3 against the
    /// doubling solver: within 35% for 0.62 ≤ T ≤ 1).
    public static func estimatedRelaxationTime(mixture: PSpinMixture, temperature: Double) -> Double {
        let transition = mixture.dynamicalTransition.temperature
        let reduced = max((temperature - transition) / transition, 1e-12)
        let multiplier = temperature + mixture.derivative(1) / temperature
        return 0.22 * pow(reduced, -1.765) / transition + 1.5 / multiplier
    }

    /// The lag by which C has decayed to about 1e-8: `(12.7 ε^{−γ} + 11)/T_d`, `ε = (T − T_d)/T_d`, γ = 1.765.
    ///
    /// Above T_d the correlation ends in a pure exponential `C ∝ e^{−τ/τ_tail}` (the pole of C̃ nearest 0,
    /// `T τ_tail = 1 + β ∫_0^∞ f'(C) e^{τ/τ_tail} dτ`), and τ_tail is 1.7 τ_α at T = 1 but 3.2 τ_α at T = 0.62
    /// (p = 3), so C reaches 1e-8 only after 31 τ_α (T = 1) to 57 τ_α (T = 0.62). This fit of that lag to the
    /// doubling solver (p = 3, 0.62 ≤ T ≤ 1) is good to 4%; it scales with 1/T_d for other models.
    public static func estimatedDecayLag(mixture: PSpinMixture, temperature: Double) -> Double {
        let transition = mixture.dynamicalTransition.temperature
        let reduced = max((temperature - transition) / transition, 1e-12)
        return (12.7 * pow(reduced, -1.765) + 11) / transition
    }

    /// The grid chosen automatically for `problem` (see the type's documentation): step `0.15/μ`, window at least
    /// `1.2 × estimatedDecayLag` (C ≈ 1e-8 there), with the number of intervals rounded up to the next `2^a 3^b`
    /// (a fast size for FFTW's DCT-I and DST-I, at most 12.5% above the need).
    ///
    /// - Throws: `PSpinEquilibriumError.criticalNeedsDoubling` for the critical problem, or `GridError` when the
    ///   window needs more than 2^26 points (T too close to T_d: use `DoublingSolver` or `.auto`).
    public static func automaticGrid(for problem: PSpinEquilibrium) throws -> LagGrid {
        guard !problem.isCritical else { throw PSpinEquilibriumError.criticalNeedsDoubling }
        let mixture = problem.mixture, temperature = problem.temperature
        let multiplier = temperature + mixture.derivative(1) / temperature
        let step = 0.15 / multiplier
        let window = 1.2 * estimatedDecayLag(mixture: mixture, temperature: temperature)
        let needed = (window / step).rounded(.up)
        guard needed <= Double(1 << 26) else { throw GridError.tooManyPoints(Int(min(needed, 1e18))) }
        return try LagGrid(step: step, intervals: smoothSize(atLeast: max(16, Int(needed))))
    }

    /// The smallest `2^a 3^b ≥ count` with `a ≥ 3`.
    static func smoothSize(atLeast count: Int) -> Int {
        var best = Int.max
        var powerOfThree = 1
        while powerOfThree <= 3 * count {
            var size = 8 * powerOfThree
            while size < count { size *= 2 }
            best = min(best, size)
            powerOfThree *= 3
        }
        return best
    }

    /// The starting profile of kind `kind` at the lags of `grid` (the time-doubling profile falls back to the
    /// analytic one if that solver fails).
    public static func initialGuess(for problem: PSpinEquilibrium, grid: LagGrid,
                                    kind: StartingProfile = .timeDoubling) -> [Double] {
        let mixture = problem.mixture, temperature = problem.temperature
        if kind == .timeDoubling,
           let solver = try? DoublingSolver(options: DoublingOptions(initialStep: 1e-6, blockSize: 128,
                                                                     decayThreshold: 1e-12)),
           let coarse = try? solver.solve(problem) {
            let last = coarse.lags[coarse.lags.count - 1]
            return grid.lags.map { $0 <= last ? coarse.correlation(atLag: $0) : 0 }
        }
        let transition = mixture.dynamicalTransition
        let multiplier = temperature + mixture.derivative(1) / temperature
        let ratio = transition.temperature / temperature
        let plateau = min(max(transition.plateau * ratio * ratio, 0), 0.9)
        let slow = estimatedRelaxationTime(mixture: mixture, temperature: temperature)
        return grid.lags.map { tau in (1 - plateau) * exp(-multiplier * tau) + plateau * exp(-tau / slow) }
    }

    // MARK: - Solving

    /// Solves `problem` on this solver's grid from the profile of `startingProfile`.
    public func solve(_ problem: PSpinEquilibrium) throws -> PSpinEquilibriumSolution {
        try solve(problem, initialGuess: nil, progress: nil)
    }

    /// Solves `problem` (T = 1/β > T_d) on this solver's grid.
    ///
    /// - Parameters:
    ///   - problem: the equilibrium problem (not critical).
    ///   - initialGuess: C at the grid's lags; nil for the profile of `startingProfile`
    ///     (`initialGuess(for:grid:kind:)`).
    ///   - progress: called with (map evaluation, residual) as the iteration proceeds.
    /// - Throws: `PSpinEquilibriumError.criticalNeedsDoubling` for the critical problem; `ConvergenceError`
    ///   (carrying the residual) when the iteration does not reach the tolerance; `SolverError.windowTooShort` when
    ///   |C| at the window's end exceeds `maximumTail`.
    public func solve(_ problem: PSpinEquilibrium, initialGuess: [Double]?,
                      progress: ((Int, Double) -> Void)? = nil) throws -> PSpinEquilibriumSolution {
        guard !problem.isCritical else { throw PSpinEquilibriumError.criticalNeedsDoubling }
        let mixture = problem.mixture, temperature = problem.temperature
        let count = grid.count
        if let initialGuess {
            precondition(initialGuess.count == count, "initial guess must have grid.count values")
            state.assign(from: initialGuess)
        } else {
            state.assign(from: Self.initialGuess(for: problem, grid: grid, kind: startingProfile))
        }
        let expansion = SmallLagExpansion(mixture: mixture, temperature: temperature)
        let jumps = MemoryJumps(expansion: expansion)
        KinkProfile(expansion: expansion).fill(values: kinkValues, spectrum: kinkSpectrum, grid: grid)
        let beta = 1 / temperature
        // f'(C) = Σ a_i C^{e_i}, e_i = p − 1, a_i = c_p p / 2.
        let exponents = mixture.terms.map { $0.degree - 1 }
        let coefficients = mixture.terms.map { $0.coefficient * Double($0.degree) / 2 }
        let memory = memoryValues.pointer
        let even = evenSpectrum.pointer, sine = sineSpectrum.pointer, spectrum = spectrumWork.pointer
        let omega = frequencyValues.baseAddress
        let kinkTime = kinkValues.baseAddress, kinkFrequency = kinkSpectrum.baseAddress

        let report = try exponents.withUnsafeBufferPointer { exponent in
            try coefficients.withUnsafeBufferPointer { coefficient in
                try iterator.solve(state: state, progress: progress) { current, next in
                    Self.evaluateMemory(current, exponents: exponent, coefficients: coefficient, into: memory)
                    transformMemory(jumps)
                    for k in 0..<count {
                        let u = 1 + 0.5 * beta * even[k]
                        let v = temperature + beta * omega[k] * sine[k]
                        let w = omega[k] * u
                        spectrum[k] = 2 * temperature * u / (v * v + w * w) - kinkFrequency[k]
                    }
                    evenTransform.inverse(UnsafeBufferPointer(spectrum), into: next)
                    for j in 0..<count { next[j] += kinkTime[j] }
                    return 1
                }
            }
        }

        let tail = abs(state[count - 1])
        guard tail <= maximumTail else { throw SolverError.windowTooShort(window: grid.window, relativeTail: tail) }

        // Spectra, response and energy check of the converged C.
        exponents.withUnsafeBufferPointer { exponent in
            coefficients.withUnsafeBufferPointer { coefficient in
                Self.evaluateMemory(UnsafeBufferPointer(state.pointer), exponents: exponent, coefficients: coefficient,
                                    into: memory)
            }
        }
        transformMemory(jumps)
        var real = [Double](repeating: 0, count: count)
        var imaginary = [Double](repeating: 0, count: count)
        var power = [Double](repeating: 0, count: count)
        real.withUnsafeMutableBufferPointer { real in
            imaginary.withUnsafeMutableBufferPointer { imaginary in
                power.withUnsafeMutableBufferPointer { power in
                    for k in 0..<count {
                        let u = 1 + 0.5 * beta * even[k]
                        let v = temperature + beta * omega[k] * sine[k]
                        let w = omega[k] * u
                        let denominator = v * v + w * w
                        real[k] = v / denominator
                        imaginary[k] = w / denominator
                        power[k] = 2 * temperature * u / denominator
                    }
                }
            }
        }
        // R = −βC' from χ'': R(0⁺) = 1, R''(0⁺) = −β C'''(0⁺) = μ² + f''(1), R⁗(0⁺) = −β C⁽⁵⁾(0⁺).
        var response = [Double](repeating: 0, count: count)
        imaginary.withUnsafeBufferPointer { source in
            response.withUnsafeMutableBufferPointer {
                sineTransform.inverse(source, valueAtZero: 1,
                                      secondDerivativeAtZero: -beta * expansion.correlationDerivative(3),
                                      fourthDerivativeAtZero: -beta * expansion.correlationDerivative(5), into: $0)
            }
        }
        let integrand = spectrumWork.baseAddress
        for j in 0..<count { integrand[j] = memory[j] * response[j] }
        let energyFromDynamics = -expansion.halfLineIntegralOfMemoryTimesResponse(
            UnsafeBufferPointer(spectrumWork.pointer), step: grid.step)
        let correlation = state.array
        let relaxationTime = Interpolation.firstCrossing(correlation, step: grid.step, level: exp(-1))

        let spectra = PSpinSpectra(frequencies: grid.frequencies, correlation: power, susceptibilityReal: real,
                                   susceptibilityImaginary: imaginary)
        return PSpinEquilibriumSolution(
            problem: problem, method: .spectral, lags: grid.lags, lagStep: grid.step, correlation: correlation,
            response: response, energyFromDynamics: energyFromDynamics, relaxationTime: relaxationTime,
            spectra: spectra, doublingStatistics: nil, stopReason: nil, report: report)
    }

    /// The one-sided derivatives of F = f'(C) at 0⁺ that set the alias corrections of its transforms.
    private struct MemoryJumps {
        let first, second, third, fourth, fifth: Double
        init(expansion: SmallLagExpansion) {
            first = expansion.memoryDerivative(1)
            second = expansion.memoryDerivative(2)
            third = expansion.memoryDerivative(3)
            fourth = expansion.memoryDerivative(4)
            fifth = expansion.memoryDerivative(5)
        }
    }

    /// F̂ into `evenSpectrum` and S_F into `sineSpectrum`, from F in `memoryValues`, alias-corrected.
    private func transformMemory(_ jumps: MemoryJumps) {
        let memory = UnsafeBufferPointer(memoryValues.pointer)
        evenTransform.forward(memory, kinkSlope: jumps.first, thirdDerivative: jumps.third,
                              fifthDerivative: jumps.fifth, into: evenSpectrum.pointer)
        sineTransform.forward(memory, secondDerivativeAtZero: jumps.second, fourthDerivativeAtZero: jumps.fourth,
                              into: sineSpectrum.pointer)
    }

    /// `F_j = Σ_i a_i C_j^{e_i}` (integer exponents by repeated multiplication).
    @inline(__always)
    private static func evaluateMemory(_ correlation: UnsafeBufferPointer<Double>, exponents: UnsafeBufferPointer<Int>,
                                       coefficients: UnsafeBufferPointer<Double>,
                                       into memory: UnsafeMutableBufferPointer<Double>) {
        let source = correlation.baseAddress!, target = memory.baseAddress!
        for j in 0..<correlation.count {
            let c = source[j]
            var sum = 0.0
            for term in 0..<exponents.count {
                var power = 1.0
                for _ in 0..<exponents[term] { power *= c }
                sum += coefficients[term] * power
            }
            target[j] = sum
        }
    }
}
