import Foundation

extension Nonlinearity {
    /// φ(x) = max(0, tanh x): a non-negative rate with a kink at 0 (φ' jumps from 0 to 1). Φ = ln cosh x for x > 0,
    /// 0 below. With h0 = J0 = 0 the chaos threshold is g_c = √2 exactly (docs/PHYSICS.md, general networks).
    public static let reluTanh = Nonlinearity(
        name: "relu-tanh",
        function: { $0 > 0 ? Foundation.tanh($0) : 0 },
        derivative: { x in
            guard x > 0 else { return 0 }
            let t = Foundation.tanh(x); return 1 - t * t
        },
        antiderivative: { x in x > 0 ? Nonlinearity.tanh.antiderivative(x) : 0 },
        singularityDistance: Double.pi / 2,
        kinks: [0]
    )

    /// The logistic sigmoid φ(x) = 1/(1 + e^{−x}) = ½ + ½ tanh(x/2), with Φ(x) = ln(1 + eˣ) − ln 2. Poles at ±iπ.
    public static let logistic = Nonlinearity(
        name: "logistic",
        function: { 1 / (1 + Foundation.exp(-$0)) },
        derivative: { x in
            let p = 1 / (1 + Foundation.exp(-x)); return p * (1 - p)
        },
        antiderivative: { x in
            (x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))) - Foundation.log(2)
        },
        singularityDistance: Double.pi
    )

    /// Threshold-linear with saturation: φ(x) = 0 below `threshold`, x − threshold up to `threshold + saturation`,
    /// `saturation` above (kinks at both corners). Name `threshold-linear` for the default (0, 1).
    ///
    /// - Precondition: `saturation > 0`, both finite.
    public static func thresholdLinear(threshold: Double = 0, saturation: Double = 1) -> Nonlinearity {
        precondition(threshold.isFinite && saturation.isFinite && saturation > 0, "saturation must be positive")
        let top = threshold + saturation
        let primitive: @Sendable (Double) -> Double = { x in
            if x <= threshold { return 0 }
            if x <= top { let r = x - threshold; return 0.5 * r * r }
            return 0.5 * saturation * saturation + saturation * (x - top)
        }
        let origin = primitive(0)
        let name = threshold == 0 && saturation == 1 ? "threshold-linear" : "threshold-linear(\(threshold),\(saturation))"
        return Nonlinearity(
            name: name,
            function: { x in min(max(x - threshold, 0), saturation) },
            derivative: { x in x > threshold && x < top ? 1 : 0 },
            antiderivative: { x in primitive(x) - origin },
            singularityDistance: Double.pi / 2,
            kinks: [threshold, top]
        )
    }

    /// Every built-in transfer function accepted by the general network solvers: tanh, erf, relu-tanh, logistic,
    /// threshold-linear.
    public static let generalNames = ["tanh", "erf", "relu-tanh", "logistic", "threshold-linear"]

    /// A built-in transfer function by name (any of `generalNames`), nil for an unknown name.
    public static func general(named name: String) -> Nonlinearity? {
        switch name.lowercased() {
        case "tanh": return .tanh
        case "erf": return .erf
        case "relu-tanh": return .reluTanh
        case "logistic": return .logistic
        case "threshold-linear": return .thresholdLinear()
        default: return nil
        }
    }

    /// The jump φ'(k⁺) − φ'(k⁻) at each kink (one-sided values at k ± 1e-9·max(1, |k|)).
    var kinkJumps: [Double] {
        kinks.map { k in
            let offset = 1e-9 * max(1, abs(k))
            return derivative(k + offset) - derivative(k - offset)
        }
    }
}

/// Gaussian averages `E[f(m + σ z)]`, z ~ N(0, 1), for functions analytic except at known kinks, by composite
/// 16-point Gauss–Legendre panels on z ∈ [−9, 9] split exactly at the kinks.
///
/// A panel of width w for a function analytic in a strip of half-width d/σ (in z) errs by ~(ρ)^{−32} with
/// ρ = 2d/(σw) + √(1 + (2d/(σw))²); the width `min(1.5, 1.5 d/σ)` gives ρ ≥ 3, i.e. ≲ 1e-15 (the Gaussian weight
/// alone, entire, would allow panels of width 3 at ~1e-17: `maximumWidth`). Around a kink that
/// has been smoothed on a scale ε (the inner average of a pair expectation), breakpoints at ±ε·2^j (geometric
/// grading) resolve the boundary layer. The weight beyond |z| = 9 is below 3e-19.
package enum KinkedGaussian {
    /// Half-width of the z interval.
    static let cutoff = 9.0

    /// Calls `body(z, weight)` for each node of the rule for `E[f(mean + sd·z)]`, with `kinks` in the variable
    /// `mean + sd·z`, `distance` the strip half-width of f there, and `smoothing` (≥ 0) the width, in that variable,
    /// of a smoothed kink to grade towards. `breaks` is a reused workspace.
    @inline(__always)
    static func forEachNode(mean: Double, sd: Double, kinks: [Double], distance: Double, smoothing: Double,
                            maximumWidth: Double = 1.5, breaks: inout [Double], _ body: (Double, Double) -> Void) {
        guard sd > 0 else { body(0, 1); return }
        breaks.removeAll(keepingCapacity: true)
        breaks.append(-cutoff); breaks.append(cutoff)
        let width = min(maximumWidth, 1.5 * distance / sd)
        for k in kinks {
            let zk = (k - mean) / sd
            guard zk > -cutoff, zk < cutoff else { continue }
            breaks.append(zk)
            let epsilon = smoothing / sd
            if epsilon > 0 && epsilon < width {
                var offset = epsilon
                while offset < width {
                    if zk - offset > -cutoff { breaks.append(zk - offset) }
                    if zk + offset < cutoff { breaks.append(zk + offset) }
                    offset *= 2
                }
            }
        }
        breaks.sort()
        let norm = 1 / (2 * Double.pi).squareRoot()
        glNodes.withUnsafeBufferPointer { nodes in
            glWeights.withUnsafeBufferPointer { weights in
                for b in 1..<breaks.count {
                    let lower = breaks[b - 1], upper = breaks[b]
                    guard upper > lower else { continue }
                    let panels = max(1, Int(((upper - lower) / width).rounded(.up)))
                    let panelWidth = (upper - lower) / Double(panels)
                    for p in 0..<panels {
                        let centre = lower + (Double(p) + 0.5) * panelWidth
                        let half = 0.5 * panelWidth
                        for i in 0..<16 {
                            let z = centre + half * nodes[i]
                            body(z, half * weights[i] * norm * Foundation.exp(-0.5 * z * z))
                        }
                    }
                }
            }
        }
    }

    static let glNodes = GaussLegendre.sixteen.nodes
    static let glWeights = GaussLegendre.sixteen.weights

    /// `E[f(mean + sd·z)]`. At sd = 0 with the mean on a kink, the average of the one-sided limits.
    static func expectation(mean: Double, sd: Double, kinks: [Double], distance: Double,
                            _ f: (Double) -> Double) -> Double {
        if sd <= 0 {
            if kinks.contains(mean) { return 0.5 * (f(mean.nextDown) + f(mean.nextUp)) }
            return f(mean)
        }
        var breaks = [Double](); breaks.reserveCapacity(64)
        var sum = 0.0
        forEachNode(mean: mean, sd: sd, kinks: kinks, distance: distance, smoothing: 0, breaks: &breaks) { z, w in
            sum += w * f(mean + sd * z)
        }
        return sum
    }

    /// `E_z[ (E_x f(mean + outer·z + inner·x))² ]` for independent standard normals z, x: the Gaussian kernel
    /// `C_f(Δ; Δ0, μ)` with `outer = √Δ`, `inner = √(Δ0 − Δ)`.
    static func squaredConditionalMean(mean: Double, outer: Double, inner: Double, kinks: [Double],
                                       distance: Double, _ f: (Double) -> Double) -> Double {
        var outerBreaks = [Double](); outerBreaks.reserveCapacity(128)
        var innerBreaks = [Double](); innerBreaks.reserveCapacity(64)
        // The inner rule without kinks, shared by every outer node whose kinks lie beyond the cutoff.
        var cachedNodes = [Double](), cachedWeights = [Double]()
        if inner > 0 {
            forEachNode(mean: 0, sd: inner, kinks: [], distance: distance, smoothing: 0, breaks: &innerBreaks) { x, v in
                cachedNodes.append(inner * x); cachedWeights.append(v)
            }
        }
        let reach = cutoff * inner
        var total = 0.0
        cachedNodes.withUnsafeBufferPointer { xs in
            cachedWeights.withUnsafeBufferPointer { vs in
                forEachNode(mean: mean, sd: outer, kinks: kinks, distance: distance, smoothing: inner,
                            breaks: &outerBreaks) { z, w in
                    let y = mean + outer * z
                    var conditional = 0.0
                    if inner > 0 {
                        if kinks.allSatisfy({ abs($0 - y) >= reach }) {
                            for i in 0..<xs.count { conditional += vs[i] * f(y + xs[i]) }
                        } else {
                            forEachNode(mean: y, sd: inner, kinks: kinks, distance: distance, smoothing: 0,
                                        breaks: &innerBreaks) { x, v in conditional += v * f(y + inner * x) }
                        }
                    } else {
                        conditional = f(y)
                    }
                    total += w * conditional * conditional
                }
            }
        }
        return total
    }
}
