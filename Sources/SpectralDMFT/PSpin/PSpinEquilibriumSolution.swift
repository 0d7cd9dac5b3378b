import Foundation

/// The equilibrium correlation and response of a spherical p-spin model at T ≥ T_d, on a time-doubling grid.
///
/// `times` start at 0 and are uniform within each block (step `initialStep · 2^b`), so the grid is roughly
/// logarithmic with N/2 points per doubling of τ. `correlation[0] = 1`, `response[0] = R(0⁺) = 1`.
public struct PSpinEquilibriumSolution: Sendable, Codable {
    /// The model.
    public let mixture: PSpinMixture
    /// The temperature T = 1/β.
    public let temperature: Double
    /// T_d and q_d of the model.
    public let transition: DynamicalTransition
    /// The solver configuration used.
    public let options: DoublingOptions
    /// The times τ_i (increasing, τ_0 = 0).
    public let times: [Double]
    /// C(τ_i).
    public let correlation: [Double]
    /// R(τ_i) = −β C'(τ_i) (FDT), evaluated from the memory integral, `R = C + ∫_0^τ m(τ−s) ∂_sC(s) ds`.
    public let response: [Double]
    /// Why the solve stopped.
    public let stopReason: DoublingStopReason
    /// Blocks, steps and Newton iterations, and the largest residual of a step.
    public let statistics: DoublingStatistics

    /// The α-relaxation time τ_α: the first τ with C(τ_α) = 1/e (cubic interpolation); nil if C stays above 1/e.
    public let relaxationTime: Double?
    /// C at the inflection point of C against ln τ (the minimum of |dC/d ln τ| = T τ R(τ) between the microscopic
    /// and the α decay): an estimate of the plateau, which tends to q_d as T → T_d⁺. Nil when C has no such
    /// two-step shape (high T, or a critical run where the inflection is at τ = ∞: use `criticalDecayFit`).
    public let plateauEstimate: Double?

    init(mixture: PSpinMixture, temperature: Double, transition: DynamicalTransition, options: DoublingOptions,
         times: [Double], correlation: [Double], response: [Double], stopReason: DoublingStopReason,
         statistics: DoublingStatistics) {
        self.mixture = mixture
        self.temperature = temperature
        self.transition = transition
        self.options = options
        self.times = times
        self.correlation = correlation
        self.response = response
        self.stopReason = stopReason
        self.statistics = statistics
        relaxationTime = Self.crossing(times: times, values: correlation, level: exp(-1))
        plateauEstimate = Self.inflection(times: times, correlation: correlation, response: response,
                                          before: relaxationTime)
    }

    /// β = 1/T.
    public var inverseTemperature: Double { 1 / temperature }
    /// The Lagrange multiplier of the spherical constraint, μ = T + β f'(1).
    public var lagrangeMultiplier: Double { temperature + mixture.derivative(1) / temperature }
    /// The equilibrium energy per spin, E/N = −β f(1) (= −1/(2T) for pure p).
    public var energy: Double { -mixture.f(1) / temperature }
    /// The memory kernel m(τ_i) = β² f'(C(τ_i)).
    public var memory: [Double] {
        let scale = 1 / (temperature * temperature)
        return correlation.map { scale * mixture.derivative($0) }
    }
    /// E/N = −∫_0^τmax f'(C(τ)) R(τ) dτ from the computed functions (trapezoid rule on the grid). Equals
    /// `energy` + β f(C(τmax)) up to the quadrature error: a check of R = −βC' (FDT) and of the solution.
    public var energyFromDynamics: Double {
        var sum = 0.0
        for i in 1..<times.count {
            let left = mixture.derivative(correlation[i - 1]) * response[i - 1]
            let right = mixture.derivative(correlation[i]) * response[i]
            sum += 0.5 * (times[i] - times[i - 1]) * (left + right)
        }
        return -sum
    }

    /// C(τ) at any τ in [0, τmax] by 4-point Lagrange interpolation on the grid (exact at the nodes).
    public func correlation(at time: Double) -> Double {
        Self.interpolate(times: times, values: correlation, at: time)
    }

    /// R(τ) at any τ in (0, τmax] by 4-point Lagrange interpolation on the grid (exact at the nodes).
    public func response(at time: Double) -> Double {
        Self.interpolate(times: times, values: response, at: time)
    }

    /// A least-squares fit of `C(τ) = q + A τ^{−a}` on the grid points with τ in `range`: the critical decay
    /// onto the plateau at T = T_d (a = 0.395263 for every pure p). For each a the fit is linear in (q, A); a is
    /// found by golden-section search in [0.01, 2]. Nil with fewer than 4 points in the range.
    public func criticalDecayFit(over range: ClosedRange<Double>) -> CriticalDecayFit? {
        var logTimes: [Double] = [], values: [Double] = []
        for (time, value) in zip(times, correlation) where range.contains(time) && time > 0 {
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
