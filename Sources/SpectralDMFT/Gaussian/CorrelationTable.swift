import Foundation

/// `K(Δ) = E[φ(u) ψ(v)]` for Var u = Var v = `variance`, Cov u v = Δ, tabulated once per variance as a
/// Chebyshev series in ρ = Δ / variance ∈ [−1, 1], so that evaluating it at all n lags costs O(n·M).
///
/// Nodes are Chebyshev–Lobatto points ρ_i = cos(π i / (M−1)) (nested when M−1 doubles). M starts at 17 and
/// doubles until the last quarter of the coefficients is below `1e-14 · max|K|`, up to 2049 nodes (tanh at
/// variance 100 needs ~500). With ρ = cos θ the series is a cosine series in θ, and a transfer function that
/// sharpens at large variance (tanh → sign) smooths the triangle wave `1 − 2θ/π` on the scale θ ~ 1/√variance:
/// that is what sets M. When φ and ψ share a parity, only ρ ≥ 0 is integrated and the rest follows by symmetry.
/// A closed-form kernel, when given, is evaluated directly instead of tabulated.
public final class CorrelationTable {
    /// Which Gaussian average the table holds.
    public enum Pair: Sendable {
        /// `E[φ(u)φ(v)]` (even in ρ ↦ −ρ up to sign: odd for odd φ).
        case function
        /// `E[φ'(u)φ'(v)]`.
        case derivative
    }

    /// The transfer function.
    public let nonlinearity: Nonlinearity
    /// Which average.
    public let pair: Pair
    /// Variance the table was last prepared for.
    public private(set) var variance: Double = .nan
    /// Number of Chebyshev coefficients in use.
    public private(set) var nodeCount: Int = 0
    /// Largest node count allowed.
    public static let maximumNodes = 2049

    private var coefficients: [Double] = []
    private var nodeValues: [Double] = []
    private let parity: Double  // +1 even in ρ, −1 odd in ρ, 0 unknown
    private let closedForm: (@Sendable (Double, Double, Double) -> Double)?

    /// A table for `pair` of `nonlinearity`. `useClosedForm` selects the closed-form kernel when φ has one.
    public init(nonlinearity: Nonlinearity, pair: Pair = .function, useClosedForm: Bool = true) {
        self.nonlinearity = nonlinearity
        self.pair = pair
        let odd = nonlinearity.isOdd
        // φ odd ⇒ E[φφ] odd in ρ and E[φ'φ'] even in ρ.
        switch pair {
        case .function: parity = odd ? -1 : 0
        case .derivative: parity = odd ? 1 : 0
        }
        let form = pair == .function ? nonlinearity.closedFormCorrelation : nonlinearity.closedFormDerivativeCorrelation
        closedForm = useClosedForm ? form : nil
    }

    /// Direct (untabulated) value of the average at covariance ρ·variance.
    public func exactValue(correlationCoefficient rho: Double, variance: Double) -> Double {
        let covariance = rho * variance
        if let closedForm { return closedForm(variance, variance, covariance) }
        let nl = nonlinearity
        switch pair {
        case .function:
            return GaussianAverages.pairExpectation(nl.function, nl.function, varianceU: variance, varianceV: variance,
                                                    covariance: covariance, singularityDistance: nl.singularityDistance)
        case .derivative:
            return GaussianAverages.pairExpectation(nl.derivative, nl.derivative, varianceU: variance, varianceV: variance,
                                                    covariance: covariance, singularityDistance: nl.singularityDistance)
        }
    }

    /// Builds the Chebyshev series for `variance` (no work if it is unchanged or a closed form is used).
    public func prepare(variance newVariance: Double) {
        if newVariance == variance { return }
        variance = newVariance
        if closedForm != nil || newVariance <= 0 { nodeCount = 0; return }
        var intervals = 16
        nodeValues = [Double](repeating: 0, count: intervals + 1)
        fillNodes(&nodeValues, intervals: intervals, indices: Array(0...intervals))
        while true {
            coefficients = Self.chebyshevCoefficients(nodeValues)
            let scale = nodeValues.reduce(0) { max($0, abs($1)) }
            let tail = coefficients[(3 * intervals / 4)...].reduce(0) { max($0, abs($1)) }
            if tail <= 1e-14 * max(scale, 1e-300) || 2 * intervals + 1 > Self.maximumNodes { break }
            // Refine: old node i becomes new node 2i.
            let refined = 2 * intervals
            var values = [Double](repeating: 0, count: refined + 1)
            for i in 0...intervals { values[2 * i] = nodeValues[i] }
            fillNodes(&values, intervals: refined, indices: Array(stride(from: 1, to: refined, by: 2)))
            nodeValues = values
            intervals = refined
        }
        // Drop the negligible tail so evaluation is as short as possible.
        let scale = coefficients.reduce(0) { max($0, abs($1)) }
        var last = coefficients.count - 1
        while last > 0 && abs(coefficients[last]) <= 1e-17 * scale { last -= 1 }
        coefficients.removeSubrange((last + 1)...)
        nodeCount = coefficients.count
    }

    /// Computes the node values at `indices` (ρ_i = cos(π i / intervals)), using the parity for ρ < 0.
    private func fillNodes(_ values: inout [Double], intervals: Int, indices: [Int]) {
        for i in indices where parity == 0 || 2 * i <= intervals {
            let rho = cos(Double.pi * Double(i) / Double(intervals))
            values[i] = exactValue(correlationCoefficient: rho, variance: variance)
        }
        if parity == 0 { return }
        for i in indices where 2 * i > intervals { values[i] = parity * values[intervals - i] }
    }

    /// Chebyshev coefficients a_k of the interpolant through Lobatto values (f(ρ) = Σ a_k T_k(ρ)).
    static func chebyshevCoefficients(_ values: [Double]) -> [Double] {
        let intervals = values.count - 1
        var result = [Double](repeating: 0, count: values.count)
        for k in 0...intervals {
            var sum = 0.5 * (values[0] + (k % 2 == 0 ? 1 : -1) * values[intervals])
            for i in 1..<intervals { sum += values[i] * cos(Double.pi * Double(i * k % (2 * intervals)) / Double(intervals)) }
            result[k] = 2 * sum / Double(intervals)
        }
        result[0] *= 0.5
        result[intervals] *= 0.5
        return result
    }

    /// The average at covariance `covariance` (ρ clamped to [−1, 1]); `prepare(variance:)` must come first.
    @inline(__always) public func value(covariance: Double) -> Double {
        let rho = variance > 0 ? min(1, max(-1, covariance / variance)) : 0
        if let closedForm { return closedForm(variance, variance, rho * variance) }
        if nodeCount == 0 { return exactValue(correlationCoefficient: rho, variance: variance) }
        return coefficients.withUnsafeBufferPointer { Self.clenshaw($0, rho) }
    }

    /// Evaluates the average at every covariance in `covariances`, writing `values` (may alias).
    public func evaluate(_ covariances: UnsafeBufferPointer<Double>, into values: UnsafeMutableBufferPointer<Double>) {
        precondition(covariances.count == values.count)
        let n = covariances.count
        if closedForm != nil || nodeCount == 0 {
            for j in 0..<n { values[j] = value(covariance: covariances[j]) }
            return
        }
        let inverse = 1 / variance
        coefficients.withUnsafeBufferPointer { series in
            for j in 0..<n {
                let rho = min(1, max(-1, covariances[j] * inverse))
                values[j] = Self.clenshaw(series, rho)
            }
        }
    }

    @inline(__always) static func clenshaw(_ series: UnsafeBufferPointer<Double>, _ x: Double) -> Double {
        var b1 = 0.0, b2 = 0.0
        let twoX = 2 * x
        var k = series.count - 1
        while k >= 1 {
            let b0 = series[k] + twoX * b1 - b2
            b2 = b1; b1 = b0
            k -= 1
        }
        return series[0] + x * b1 - b2
    }
}
