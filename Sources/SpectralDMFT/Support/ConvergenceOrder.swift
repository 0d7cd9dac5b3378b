import Foundation

/// The observed order of convergence of a discretisation, from errors measured at several step sizes.
public enum ConvergenceOrder {
    /// The least-squares slope of log error against log step: the exponent p of error ≈ A·stepᵖ.
    ///
    /// With two points this is log(e₁/e₂) / log(h₁/h₂), the classical observed order (log₂ of the error ratio when
    /// the step is halved); with more points it is the least-squares fit through all of them. Errors are clamped
    /// at 1e-300 so that an exact zero gives a large finite order rather than infinity. The same fit gives any
    /// power-law exponent, e.g. γ of τ ∝ (T − T_d)^−γ as `−fit(steps: distances, errors: times)`.
    ///
    /// - Parameters:
    ///   - steps: the step sizes (positive, not all equal).
    ///   - errors: the error at each step (non-negative), as many as `steps`.
    /// - Returns: the fitted order p.
    public static func fit(steps: [Double], errors: [Double]) -> Double {
        precondition(steps.count == errors.count && steps.count >= 2, "ConvergenceOrder.fit needs two or more (step, error) pairs")
        let x = steps.map { log($0) }, y = errors.map { log(max($0, 1e-300)) }
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var numerator = 0.0, denominator = 0.0
        for (a, b) in zip(x, y) {
            numerator += (a - meanX) * (b - meanY)
            denominator += (a - meanX) * (a - meanX)
        }
        return numerator / denominator
    }

    /// The observed orders between successive steps: `fit` of each pair (steps[k], steps[k+1]), k = 0, 1, ….
    ///
    /// - Parameters:
    ///   - steps: the step sizes (positive, successive ones different).
    ///   - errors: the error at each step (non-negative), as many as `steps`.
    /// - Returns: `steps.count − 1` orders.
    public static func successive(steps: [Double], errors: [Double]) -> [Double] {
        precondition(steps.count == errors.count && steps.count >= 2, "ConvergenceOrder.successive needs two or more (step, error) pairs")
        return (0..<(steps.count - 1)).map { fit(steps: [steps[$0], steps[$0 + 1]], errors: [errors[$0], errors[$0 + 1]]) }
    }
}
