import Foundation

/// The spectra of an equilibrium p-spin solution on the frequencies ω_k = πk/window of a uniform lag grid (the
/// spectral solver's output).
///
/// Conventions (docs/PHYSICS.md §2): `Ĉ(ω) = ∫ C(|τ|) e^{iωτ} dτ`, `χ(ω) = ∫_0^∞ R(τ) e^{iωτ} dτ = χ' + iχ''`,
/// FDT `χ''(ω) = (βω/2) Ĉ(ω)`.
public struct PSpinSpectra: Sendable, Codable {
    /// The frequencies ω_k = πk/window.
    public let frequencies: [Double]
    /// Ĉ(ω_k): the power spectrum of C, `2T χ''(ω)/ω` (`2β(1 + βF̂(0)/2)` at ω = 0, F = f'(C)); it decays as
    /// `2T/ω²` (the kink of C at τ = 0).
    public let correlation: [Double]
    /// χ'(ω_k) = Re χ, the reactive part: χ'(0) = β, χ'(ω) ≈ μ/ω² at high frequency.
    public let susceptibilityReal: [Double]
    /// χ''(ω_k) = Im χ = (βω/2) Ĉ(ω), the dissipative part: ≈ 1/ω at high frequency.
    public let susceptibilityImaginary: [Double]
}

/// The equilibrium correlation and response of a spherical p-spin model above T_d (or at T_d for the critical
/// problem): the one solution type of every `PSpinEquilibrium` solver.
///
/// `lags` start at 0. The spectral solver's lags are uniform (`lagStep` = dt) and it adds the `spectra`; the
/// time-doubling solver's lags are uniform within each block (step `initialStep · 2^b`), so roughly logarithmic,
/// and it adds `doublingStatistics` and `stopReason`. `correlation[0] = C(0)` (1 exactly for doubling, 1 to the
/// scheme's accuracy for spectral) and `response[0] = R(0⁺) = 1`. Units as in `PSpinEquilibrium`.
public struct PSpinEquilibriumSolution: StationarySolution, Codable {
    /// The problem solved.
    public let problem: PSpinEquilibrium
    /// The solver that ran (`.spectral` or `.doubling`).
    public let method: PSpinEquilibriumMethod
    /// The lags τ_j (increasing, τ_0 = 0).
    public let lags: [Double]
    /// The uniform lag step, nil when the lags are not uniform (time doubling).
    public let lagStep: Double?
    /// C(τ_j).
    public let correlation: [Double]
    /// R(τ_j) = −β C'(τ_j) (FDT), computed without differencing (spectrally, or from the memory integral).
    public let response: [Double]
    /// E/N = −∫_0^∞ f'(C(τ)) R(τ) dτ from the computed C and R: a check of FDT and of the solution; it equals
    /// `energy` to the accuracy of the scheme (spectral: trapezoid with Euler–Maclaurin end corrections; doubling:
    /// trapezoid on the grid, up to the correlation left at its end).
    public let energyFromDynamics: Double
    /// τ_α: the first lag with C(τ_α) = 1/e; nil if C stays above 1/e in the window.
    public let relaxationTime: Double?
    /// C at the inflection point of C against ln τ (the minimum of |dC/d ln τ| = T τ R(τ) between the microscopic
    /// and the α decay): an estimate of the plateau, which tends to q_d as T → T_d⁺. Nil when C has no such
    /// two-step shape (high T, or a critical run: use `criticalDecayFit(over:)`).
    public let plateauEstimate: Double?
    /// |C| at the last lag.
    public let tail: Double
    /// The spectra (spectral solver only).
    public let spectra: PSpinSpectra?
    /// Blocks, steps and Newton iterations (time-doubling solver only).
    public let doublingStatistics: DoublingStatistics?
    /// Why the time-doubling solve stopped (time-doubling solver only).
    public let stopReason: DoublingStopReason?
    /// The method that ran, its iterations and residual.
    public let report: ConvergenceReport

    init(problem: PSpinEquilibrium, method: PSpinEquilibriumMethod, lags: [Double], lagStep: Double?,
         correlation: [Double], response: [Double], energyFromDynamics: Double, relaxationTime: Double?,
         spectra: PSpinSpectra?, doublingStatistics: DoublingStatistics?, stopReason: DoublingStopReason?,
         report: ConvergenceReport) {
        self.problem = problem
        self.method = method
        self.lags = lags
        self.lagStep = lagStep
        self.correlation = correlation
        self.response = response
        self.energyFromDynamics = energyFromDynamics
        self.relaxationTime = relaxationTime
        self.spectra = spectra
        self.doublingStatistics = doublingStatistics
        self.stopReason = stopReason
        self.report = report
        tail = abs(correlation.last ?? 0)
        plateauEstimate = Self.inflection(times: lags, correlation: correlation, response: response,
                                          before: relaxationTime)
    }

    /// The model.
    public var mixture: PSpinMixture { problem.mixture }
    /// The temperature T = 1/β.
    public var temperature: Double { problem.temperature }
    /// T_d and q_d of the model.
    public var transition: DynamicalTransition { problem.transition }
    /// β = 1/T.
    public var inverseTemperature: Double { problem.inverseTemperature }
    /// The Lagrange multiplier of the spherical constraint, μ = T + β f'(1).
    public var lagrangeMultiplier: Double { problem.lagrangeMultiplier }
    /// The equilibrium energy per spin, E/N = −β f(1) (= −1/(2T) for pure p), exact in equilibrium.
    public var energy: Double { problem.energy }
    /// τ_α.
    public var characteristicTime: Double? { relaxationTime }
    /// The memory kernel m(τ_j) = β² f'(C(τ_j)).
    public var memory: [Double] {
        let scale = 1 / (temperature * temperature)
        return correlation.map { scale * mixture.derivative($0) }
    }

    /// C(τ) at any lag in the window: on a uniform grid by 10-point Lagrange interpolation, one-sided near τ = 0
    /// (C is smooth on [0, ∞); the kink is at the boundary), error O(dt¹⁰); on the doubling grid by 4-point
    /// Lagrange interpolation (exact at the nodes).
    public func correlation(atLag lag: Double) -> Double {
        interpolate(correlation, at: abs(lag))
    }

    /// R(τ) at any lag τ ≥ 0 in the window, interpolated as `correlation(atLag:)`.
    public func response(atLag lag: Double) -> Double {
        interpolate(response, at: lag)
    }

    private func interpolate(_ values: [Double], at lag: Double) -> Double {
        if let lagStep { return Self.interpolateUniform(values, step: lagStep, at: lag) }
        return Self.interpolate(times: lags, values: values, at: lag)
    }

    /// The 10-point Lagrange interpolant of samples at `j·step`, with nodes centred on `x` where possible.
    static func interpolateUniform(_ values: [Double], step: Double, at x: Double) -> Double {
        let points = 10
        let position = x / step
        let last = values.count - 1
        let base = max(0, min(Int(position.rounded(.down)) - points / 2 + 1, last - points + 1))
        var result = 0.0
        for i in 0..<points {
            var weight = 1.0
            for k in 0..<points where k != i {
                weight *= (position - Double(base + k)) / Double(i - k)
            }
            result += weight * values[base + i]
        }
        return result
    }

    /// A least-squares fit of `C(τ) = q + A τ^{−a}` on the grid points with τ in `range`: the critical decay
    /// onto the plateau at T = T_d (a = 0.395263 for every pure p). For each a the fit is linear in (q, A); a is
    /// found by golden-section search in [0.01, 2]. Nil with fewer than 4 points in the range.
    public func criticalDecayFit(over range: ClosedRange<Double>) -> CriticalDecayFit? {
        var logTimes: [Double] = [], values: [Double] = []
        for (time, value) in zip(lags, correlation) where range.contains(time) && time > 0 {
            logTimes.append(log(time)); values.append(value)
        }
        guard values.count >= 4 else { return nil }
        func linearFit(_ exponent: Double) -> (plateau: Double, amplitude: Double, error: Double) {
            var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
            let n = Double(values.count)
            for (logTime, value) in zip(logTimes, values) {
                let basis = exp(-exponent * logTime)
                sx += basis; sy += value; sxx += basis * basis; sxy += basis * value
            }
            let amplitude = (n * sxy - sx * sy) / (n * sxx - sx * sx)
            let plateau = (sy - amplitude * sx) / n
            var error = 0.0
            for (logTime, value) in zip(logTimes, values) {
                let difference = value - plateau - amplitude * exp(-exponent * logTime)
                error += difference * difference
            }
            return (plateau, amplitude, (error / n).squareRoot())
        }
        var low = 0.01, high = 2.0
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<100 {
            let left = high - ratio * (high - low), right = low + ratio * (high - low)
            if linearFit(left).error < linearFit(right).error { high = right } else { low = left }
        }
        let exponent = 0.5 * (low + high)
        let best = linearFit(exponent)
        return CriticalDecayFit(plateau: best.plateau, amplitude: best.amplitude, exponent: exponent,
                                rootMeanSquareError: best.error, points: values.count)
    }

    // MARK: - Grid helpers (the grid is non-uniform, so the uniform `Interpolation` helpers do not apply)

    /// Index of the last node ≤ time (binary search), clamped to [0, count − 2].
    private static func interval(of time: Double, in times: [Double]) -> Int {
        var low = 0, high = times.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if times[middle] <= time { low = middle } else { high = middle }
        }
        return min(low, times.count - 2)
    }

    /// 4-point Lagrange interpolation on the nodes around `time`.
    private static func interpolate(times: [Double], values: [Double], at time: Double) -> Double {
        guard times.count >= 4 else { return values.last ?? .nan }
        let index = interval(of: time, in: times)
        let base = min(max(index - 1, 0), times.count - 4)
        var result = 0.0
        for i in base..<(base + 4) {
            var weight = 1.0
            for k in base..<(base + 4) where k != i { weight *= (time - times[k]) / (times[i] - times[k]) }
            result += weight * values[i]
        }
        return result
    }

    /// First τ where the samples fall to `level`, refined by bisection on the local cubic; nil if never.
    static func crossing(times: [Double], values: [Double], level: Double) -> Double? {
        guard times.count >= 4, let index = values.indices.dropFirst().first(where: { values[$0] <= level }) else {
            return nil
        }
        var low = times[index - 1], high = times[index]
        for _ in 0..<100 {
            let middle = 0.5 * (low + high)
            if interpolate(times: times, values: values, at: middle) > level { low = middle } else { high = middle }
            if high - low <= 1e-15 * high { break }
        }
        return 0.5 * (low + high)
    }

    /// C at the deepest interior local minimum of τ R(τ) before `limit` (nil if none).
    static func inflection(times: [Double], correlation: [Double], response: [Double], before limit: Double?) -> Double? {
        guard times.count >= 3 else { return nil }
        let end = limit ?? .infinity
        var bestIndex: Int?
        var bestValue = Double.infinity
        var rising = false
        for i in 1..<(times.count - 1) where times[i] < end {
            let previous = times[i - 1] * response[i - 1]
            let current = times[i] * response[i]
            let next = times[i + 1] * response[i + 1]
            if current > previous { rising = true }
            if rising && current < previous && current <= next && current < bestValue {
                bestValue = current; bestIndex = i
            }
        }
        return bestIndex.map { correlation[$0] }
    }
}

/// The fit `C(τ) ≈ q + A τ^{−a}` of a critical run (see `PSpinEquilibriumSolution.criticalDecayFit`).
public struct CriticalDecayFit: Sendable, Equatable, Codable {
    /// The plateau q (→ q_d).
    public let plateau: Double
    /// The amplitude A.
    public let amplitude: Double
    /// The exponent a (mode-coupling value 0.395263 for pure p).
    public let exponent: Double
    /// Root-mean-square deviation of the fit.
    public let rootMeanSquareError: Double
    /// Number of grid points used.
    public let points: Int
}
