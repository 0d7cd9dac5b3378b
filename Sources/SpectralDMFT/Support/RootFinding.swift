/// Scalar root finding shared by the solvers.
package enum RootFinding {
    /// A root of `f` in [lower, upper] by Brent's method (inverse quadratic interpolation safeguarded by
    /// bisection), to `4ε|x| + absoluteTolerance` in x; nil when the bracket does not change sign or f is not finite.
    package static func brent(_ f: (Double) throws -> Double, lower: Double, upper: Double,
                             absoluteTolerance: Double = 0) rethrows -> Double? {
        // best: current estimate; previous: the one before; contrapoint: keeps the sign change with best.
        var previous = lower, best = upper
        var previousValue = try f(previous), bestValue = try f(best)
        guard previousValue.isFinite, bestValue.isFinite, (previousValue < 0) != (bestValue < 0)
              || previousValue == 0 || bestValue == 0 else { return nil }
        if previousValue == 0 { return previous }
        if bestValue == 0 { return best }
        var contrapoint = previous, contrapointValue = previousValue
        var step = best - previous, olderStep = step
        for _ in 0..<300 {
            if (bestValue > 0) == (contrapointValue > 0) {
                contrapoint = previous; contrapointValue = previousValue
                step = best - previous; olderStep = step
            }
            if abs(contrapointValue) < abs(bestValue) {
                previous = best; best = contrapoint; contrapoint = previous
                previousValue = bestValue; bestValue = contrapointValue; contrapointValue = previousValue
            }
            let tolerance = 4 * Double.ulpOfOne * abs(best) + 1e-300 + absoluteTolerance
            let halfBracket = 0.5 * (contrapoint - best)
            if abs(halfBracket) <= tolerance || bestValue == 0 { return best }
            if abs(olderStep) >= tolerance && abs(previousValue) > abs(bestValue) {
                let ratio = bestValue / previousValue
                var numerator: Double, denominator: Double
                if previous == contrapoint {
                    // Secant step.
                    numerator = 2 * halfBracket * ratio; denominator = 1 - ratio
                } else {
                    // Inverse quadratic interpolation through the three points.
                    let previousRatio = previousValue / contrapointValue, bestRatio = bestValue / contrapointValue
                    numerator = ratio * (2 * halfBracket * previousRatio * (previousRatio - bestRatio)
                        - (best - previous) * (bestRatio - 1))
                    denominator = (previousRatio - 1) * (bestRatio - 1) * (ratio - 1)
                }
                if numerator > 0 { denominator = -denominator } else { numerator = -numerator }
                if 2 * numerator < min(3 * halfBracket * denominator - abs(tolerance * denominator),
                                       abs(olderStep * denominator)) {
                    olderStep = step; step = numerator / denominator
                } else {
                    step = halfBracket; olderStep = step
                }
            } else {
                step = halfBracket; olderStep = step
            }
            previous = best; previousValue = bestValue
            best += abs(step) > tolerance ? step : (halfBracket > 0 ? tolerance : -tolerance)
            bestValue = try f(best)
            guard bestValue.isFinite else { return nil }
        }
        return best
    }
}
