import Foundation

/// `K(Δ; Δ0) = E[φ(u) ψ(v)]` for Var u = Var v = Δ0, Cov u v = Δ, as a table that costs O(n·M) to evaluate at
/// n lags, for any Δ0 near the one it was built for.
///
/// **In ρ = Δ/Δ0 ∈ [−1, 1]**: a Chebyshev interpolant through Chebyshev–Lobatto points ρ_i = cos(π i/(M−1)),
/// M starting at 17 and doubling until the last quarter of the coefficients is below `1e-14 · max|K|` (tanh needs
/// 64 at Δ0 ≈ 1, ~500 at Δ0 = 100). With ρ = cos θ this is a cosine series in θ; a transfer function that sharpens
/// at large variance (tanh → sign) smooths the triangle wave `1 − 2θ/π` on the scale θ ~ 1/√Δ0, which sets M.
/// Node values come from `GaussianAverages.pairExpectation`; when φ and ψ share a parity only ρ ≥ 0 is integrated.
///
/// **In Δ0**: solvers change Δ0 at every iteration (and by tiny amounts in Newton–Krylov directional
/// derivatives), so the table holds the ρ-series at K = 8 Chebyshev points of a bracket Δ0·[1 − 0.04, 1 + 0.04]
/// and interpolates its coefficients barycentrically in Δ0; K is such that the interpolation error,
/// ~50^{−K}, is at rounding level (K(ρ; Δ0) is analytic in Δ0 > 0). A Δ0 outside the bracket builds a new one
/// around it. A closed-form kernel, when given, is evaluated directly instead.
///
/// **Large variance** (φ with `saturatesLikeTanh`, either pair, bracket centre Δ0 ≥ `gradedVarianceThreshold`):
/// the ρ-series would need ~√Δ0 terms, each node an O(Δ0) quadrature. Instead K is held as a function of the angle
/// θ = arccos ρ ∈ [0, π/2] (K(−ρ) = −K(ρ), or +K(ρ) for `.derivative`, gives the rest), in which K is even and smooth, with its structure on the
/// scale θ ~ 1/√Δ0 near θ = 0 (tanh → sign smooths the arcsine law's corner). Panels [0, θ₁], [θ₁, 2θ₁], [2θ₁, 4θ₁],
/// …, [·, π/2] with θ₁ = 1/√Δ0 each carry a `gradedNodes`-point Chebyshev interpolant, and the node values come from
/// `LargeVarianceSplit` (φ = erf + localised remainder), whose cost does not grow with Δ0: the table costs
/// O(log Δ0) node evaluations instead of O(Δ0^{3/2}).
package final class CorrelationTable {
    /// Which Gaussian average the table holds.
    package enum Pair: Sendable {
        /// `E[φ(u)φ(v)]` (odd in ρ for odd φ).
        case function
        /// `E[φ'(u)φ'(v)]` (even in ρ for odd φ).
        case derivative
    }

    /// The transfer function.
    package let nonlinearity: Nonlinearity
    /// Which average.
    package let pair: Pair
    /// Variance the table was last prepared for.
    package private(set) var variance: Double = .nan
    /// Number of Chebyshev coefficients in ρ in use (0 for a closed form).
    package var nodeCount: Int { coefficients.count }
    /// How many times a variance bracket was built (each costs K·M two-dimensional quadratures).
    package private(set) var bracketBuilds = 0
    /// Largest number of ρ nodes allowed.
    package static let maximumNodes = 2049
    /// Number of Chebyshev points in Δ0 per bracket.
    package static let varianceNodes = 8
    /// Relative half-width of a variance bracket.
    package static let bracketHalfWidth = 0.04

    /// Bracket centre from which the angle-panel form (large variance, saturating φ) is used. Below it the
    /// ρ-series is cheaper: measured in release (tanh, σ = 0), the angle form is 25–50 % slower at Δ0 = 2–5.4
    /// (g = 2.2–3) and faster from Δ0 ≈ 8 (g = 3.5) on, 40 % at g = 5.
    package static let gradedVarianceThreshold = 6.5
    /// Chebyshev points per angle panel.
    package static let gradedNodes = 24
    /// Panel edges θ_p of the angle form (empty: the ρ-series is in use).
    private var angleEdges: [Double] = []

    private var coefficients: [Double] = []
    private var bracketVariances: [Double] = []
    private var bracketWeights: [Double] = []
    private var bracketSeries: [[Double]] = []
    private var bracketFactors: [Double] = []
    private var bracketRange: ClosedRange<Double> = 1...1
    private let parity: Double  // +1 even in ρ, −1 odd in ρ, 0 unknown
    private let closedForm: (@Sendable (Double, Double, Double) -> Double)?

    /// A table for `pair` of `nonlinearity`. `useClosedForm` selects the closed-form kernel when φ has one.
    package init(nonlinearity: Nonlinearity, pair: Pair = .function, useClosedForm: Bool = true) {
        self.nonlinearity = nonlinearity
        self.pair = pair
        let odd = nonlinearity.isOdd
        switch pair {
        case .function: parity = odd ? -1 : 0
        case .derivative: parity = odd ? 1 : 0
        }
        let form = pair == .function ? nonlinearity.closedFormCorrelation : nonlinearity.closedFormDerivativeCorrelation
        closedForm = useClosedForm ? form : nil
        bracketRange = 1...1
        bracketVariances = []
    }

    /// Direct (untabulated) value of the average at covariance ρ·variance.
    package func exactValue(correlationCoefficient rho: Double, variance: Double) -> Double {
        let covariance = rho * variance
        if let closedForm { return closedForm(variance, variance, covariance) }
        let nl = nonlinearity
        let f = pair == .function ? nl.function : nl.derivative
        return GaussianAverages.pairExpectation(f, f, varianceU: variance, varianceV: variance, covariance: covariance,
                                                singularityDistance: nl.singularityDistance, jointlySymmetric: parity != 0)
    }

    /// Makes the table ready for `variance`: interpolates within the current bracket, or builds a new bracket.
    package func prepare(variance newVariance: Double) {
        if newVariance == variance { return }
        variance = newVariance
        if closedForm != nil || !(newVariance > 0) { coefficients = []; return }
        if bracketVariances.isEmpty || !bracketRange.contains(newVariance) { buildBracket(around: newVariance) }
        interpolateCoefficients()
    }

    private func buildBracket(around centre: Double) {
        bracketBuilds += 1
        let count = Self.varianceNodes, half = Self.bracketHalfWidth
        bracketRange = (centre * (1 - half))...(centre * (1 + half))
        angleEdges = usesAngleForm(centre: centre) ? Self.angleEdges(variance: centre) : []
        bracketVariances = (0..<count).map { k in
            centre * (1 + half * cos(Double.pi * (2 * Double(k) + 1) / (2 * Double(count))))
        }
        bracketWeights = (0..<count).map { k in
            (k % 2 == 0 ? 1.0 : -1.0) * sin(Double.pi * (2 * Double(k) + 1) / (2 * Double(count)))
        }
        var series = bracketVariances.map { chebyshevSeries(variance: $0) }
        let longest = series.map(\.count).max() ?? 0
        for k in series.indices where series[k].count < longest {
            series[k] += [Double](repeating: 0, count: longest - series[k].count)
        }
        bracketSeries = series
    }

    /// Barycentric interpolation in Δ0 of the ρ-series coefficients.
    private func interpolateCoefficients() {
        let length = bracketSeries[0].count
        if coefficients.count != length { coefficients = [Double](repeating: 0, count: length) }
        if bracketFactors.count != bracketVariances.count { bracketFactors = [Double](repeating: 0, count: bracketVariances.count) }
        if let exact = bracketVariances.firstIndex(of: variance) {
            for k in bracketFactors.indices { bracketFactors[k] = k == exact ? 1 : 0 }
        } else {
            var total = 0.0
            for k in bracketVariances.indices {
                bracketFactors[k] = bracketWeights[k] / (variance - bracketVariances[k])
                total += bracketFactors[k]
            }
            for k in bracketFactors.indices { bracketFactors[k] /= total }
        }
        coefficients.withUnsafeMutableBufferPointer { target in
            for j in 0..<length { target[j] = 0 }
            for k in bracketSeries.indices where bracketFactors[k] != 0 {
                let factor = bracketFactors[k]
                bracketSeries[k].withUnsafeBufferPointer { row in
                    for j in 0..<length { target[j] += factor * row[j] }
                }
            }
        }
    }

    private func usesAngleForm(centre: Double) -> Bool {
        nonlinearity.saturatesLikeTanh && parity == (pair == .function ? -1 : 1) && centre >= Self.gradedVarianceThreshold
    }

    /// Panel edges 0 = θ₀ < θ₁ = 1/√Δ0 < 2θ₁ < 4θ₁ < … < π/2 (the last panel spans at most a factor 8/3).
    static func angleEdges(variance: Double) -> [Double] {
        let quarter = Double.pi / 2
        var edges = [0.0]
        var edge = min(1 / variance.squareRoot(), quarter / 2)
        while edge < 0.75 * quarter {
            edges.append(edge)
            edge *= 2
        }
        edges.append(quarter)
        return edges
    }

    /// Chebyshev coefficients (first-kind points, a_0 halved so that f = Σ a_k T_k) of K(θ) on every angle panel,
    /// concatenated.
    private func angleSeries(variance: Double) -> [Double] {
        let split = pair == .function
            ? LargeVarianceSplit(function: nonlinearity.function, variance: variance)
            : LargeVarianceSplit(function: nonlinearity.derivative, variance: variance, kind: .derivative)
        let n = Self.gradedNodes
        var result: [Double] = []
        result.reserveCapacity((angleEdges.count - 1) * n)
        var values = [Double](repeating: 0, count: n)
        for p in 0..<(angleEdges.count - 1) {
            let lower = angleEdges[p], upper = angleEdges[p + 1]
            let centre = 0.5 * (lower + upper), halfWidth = 0.5 * (upper - lower)
            for j in 0..<n {
                values[j] = split.value(angle: centre + halfWidth * cos(Double.pi * (Double(j) + 0.5) / Double(n)))
            }
            for k in 0..<n {
                var sum = 0.0
                for j in 0..<n { sum += values[j] * cos(Double.pi * Double(k) * (Double(j) + 0.5) / Double(n)) }
                result.append((k == 0 ? 1 : 2) * sum / Double(n))
            }
        }
        return result
    }

    /// K at correlation coefficient ρ from the angle panels.
    @inline(__always) private func angleValue(_ series: UnsafeBufferPointer<Double>, rho: Double) -> Double {
        let theta = acos(abs(rho))
        var p = 0
        let last = angleEdges.count - 2
        while p < last && theta > angleEdges[p + 1] { p += 1 }
        let lower = angleEdges[p], upper = angleEdges[p + 1]
        let x = min(1, max(-1, (2 * theta - lower - upper) / (upper - lower)))
        let n = Self.gradedNodes
        let value = Self.clenshaw(UnsafeBufferPointer(rebasing: series[(p * n)..<((p + 1) * n)]), x)
        return rho < 0 && pair == .function ? -value : value
    }

    /// The adaptive Chebyshev-in-ρ series at one variance (or the angle panels' series, see the type).
    private func chebyshevSeries(variance: Double) -> [Double] {
        if !angleEdges.isEmpty { return angleSeries(variance: variance) }
        var intervals = 16
        var nodeValues = [Double](repeating: 0, count: intervals + 1)
        fillNodes(&nodeValues, intervals: intervals, indices: Array(0...intervals), variance: variance)
        var series: [Double]
        while true {
            series = Self.chebyshevCoefficients(nodeValues)
            let scale = nodeValues.reduce(0) { max($0, abs($1)) }
            let tail = series[(3 * intervals / 4)...].reduce(0) { max($0, abs($1)) }
            if tail <= 1e-14 * max(scale, 1e-300) || 2 * intervals + 1 > Self.maximumNodes { break }
            let refined = 2 * intervals
            var values = [Double](repeating: 0, count: refined + 1)
            for i in 0...intervals { values[2 * i] = nodeValues[i] }
            fillNodes(&values, intervals: refined, indices: Array(stride(from: 1, to: refined, by: 2)), variance: variance)
            nodeValues = values
            intervals = refined
        }
        let scale = series.reduce(0) { max($0, abs($1)) }
        var last = series.count - 1
        while last > 0 && abs(series[last]) <= 1e-17 * scale { last -= 1 }
        return Array(series[0...last])
    }

    /// Computes the node values at `indices` (ρ_i = cos(π i / intervals)), using the parity for ρ < 0.
    private func fillNodes(_ values: inout [Double], intervals: Int, indices: [Int], variance: Double) {
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
    @inline(__always) package func value(covariance: Double) -> Double {
        let rho = variance > 0 ? min(1, max(-1, covariance / variance)) : 0
        if let closedForm { return closedForm(variance, variance, rho * variance) }
        if coefficients.isEmpty { return exactValue(correlationCoefficient: rho, variance: variance) }
        if !angleEdges.isEmpty { return coefficients.withUnsafeBufferPointer { angleValue($0, rho: rho) } }
        return coefficients.withUnsafeBufferPointer { Self.clenshaw($0, rho) }
    }

    /// Evaluates the average at every covariance in `covariances`, writing `values` (may alias).
    package func evaluate(_ covariances: UnsafeBufferPointer<Double>, into values: UnsafeMutableBufferPointer<Double>) {
        precondition(covariances.count == values.count)
        let n = covariances.count
        if closedForm != nil || coefficients.isEmpty {
            for j in 0..<n { values[j] = value(covariance: covariances[j]) }
            return
        }
        let inverse = 1 / variance
        if !angleEdges.isEmpty {
            coefficients.withUnsafeBufferPointer { series in
                for j in 0..<n { values[j] = angleValue(series, rho: min(1, max(-1, covariances[j] * inverse))) }
            }
            return
        }
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
