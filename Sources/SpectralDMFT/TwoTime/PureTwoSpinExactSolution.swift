import Foundation

/// Exponentially scaled modified Bessel functions `e^{−x} I_ν(x)` for ν = 0, 1, 2 and x ≥ 0.
///
/// Power series `I_ν(x) = Σ_m (x/2)^{2m+ν} / (m! (m+ν)!)` (positive terms, relative error ~1e-16) for x ≤ 30;
/// the asymptotic series `e^{−x} I_ν(x) = (2πx)^{−1/2} Σ_m (−1)^m a_m(ν) / x^m`,
/// `a_m(ν) = Π_{r=1}^{m} (4ν² − (2r−1)²) / (m! 8^m)`, summed to its smallest term (< 1e-20 for x > 30), beyond.
package enum ScaledBessel {
    /// `e^{−x} I_ν(x)`.
    package static func value(order nu: Int, _ x: Double) -> Double {
        precondition(nu >= 0 && x >= 0)
        if x <= 30 {
            let half = 0.5 * x
            var term = 1.0
            for m in 0..<nu { term *= half / Double(m + 1) }
            var sum = term
            let square = half * half
            var m = 0
            while true {
                term *= square / (Double(m + 1) * Double(m + 1 + nu))
                sum += term
                m += 1
                if term <= 1e-18 * sum || m > 500 { break }
            }
            return sum * exp(-x)
        }
        let mu = 4.0 * Double(nu * nu)
        var term = 1.0, sum = 1.0
        for m in 1...200 {
            let next = -term * (mu - Double((2 * m - 1) * (2 * m - 1))) / (Double(m) * 8 * x)
            if abs(next) >= abs(term) { break }
            term = next
            sum += term
            if abs(term) < 1e-20 { break }
        }
        return sum / (2 * Double.pi * x).squareRoot()
    }

    /// `I_1(a u)/u` times `e^{−a u}`, with its limit a/2 at u = 0 (u ≥ 0).
    static func scaledRatio(_ a: Double, _ u: Double) -> Double {
        if u == 0 { return 0.5 * a }
        return value(order: 1, a * u) / u
    }
}

/// The exact solution of the pure p = 2 spherical model after a quench from a random start to temperature T
/// (Cugliandolo & Dean 1995; docs/PHYSICS.md §2), used as the reference of the two-time integrator.
///
/// With Γ(t) = exp(2∫_0^t μ) and the semicircle on [−2, 2],
///
///     Γ(t) = I_1(4t)/(2t) + 2T ∫_0^t Γ(s) I_1(4(t−s))/(2(t−s)) ds,
///     R(t,t') = √(Γ(t')/Γ(t)) I_1(2(t−t'))/(t−t'),
///     C(t,t') = [ I_1(2(t+t'))/(t+t') + 2T ∫_0^{t'} Γ(s) I_1(2(t+t'−2s))/(t+t'−2s) ds ] / √(Γ(t)Γ(t')),
///     μ(t) = Γ'(t)/(2Γ(t)),   E(t)/N = −(μ(t) − T)/2.
///
/// Γ is computed as Γ̃ = e^{−λt} Γ (λ = max(4, 2T + 2/T), its growth rate) on a fine grid of step δ by the
/// Gregory-type rule with 8-node stencils, its first 8 values solved together through the even extension of the
/// kernel; μ from the differentiated equation. Accuracy ~1e-13 relative for δ = 1/400 and t ≤ 20. Times passed to
/// the accessors are rounded to the δ grid (they must be multiples of δ to the caller's tolerance).
public struct PureTwoSpinExactSolution: Sendable {
    /// The temperature.
    public let temperature: Double
    /// The fine grid step δ.
    public let step: Double
    /// λ: Γ is stored as e^{−λt} Γ(t).
    let growth: Double
    /// Γ̃(nδ).
    let scaledGamma: [Double]
    let quadrature: VolterraWeights

    /// Solves for Γ on [0, maximumTime] with step δ = `step`.
    public init(temperature: Double, maximumTime: Double, step: Double = 1.0 / 400) {
        precondition(temperature >= 0 && maximumTime > 0 && step > 0)
        self.temperature = temperature
        self.step = step
        let lambda = max(4, temperature > 0 ? 2 * temperature + 2 / temperature : 4)
        growth = lambda
        let q = 8
        let weights = VolterraWeights(order: 2, stencil: q)
        quadrature = weights
        let count = max(Int((maximumTime / step).rounded(.up)), q) + 1
        // k̃(u) = e^{−λu} I_1(4|u|)/(2|u|), for every lag (and the negative lags of the start block).
        func kernel(_ u: Double) -> Double {
            let a = abs(u)
            return exp(-lambda * u + 4 * a) * 0.5 * ScaledBessel.scaledRatio(4, a)
        }
        let lags = (0..<count).map { kernel(Double($0) * step) }
        var gamma = [Double](repeating: 0, count: count)
        gamma[0] = 1
        let twoT = 2 * temperature
        // Start block: Γ̃_n − 2Tδ Σ_{m=1}^{q} W_{n,m} k̃((n−m)δ) Γ̃_m = k̃(nδ) + 2Tδ W_{n,0} k̃(nδ), n = 1…q.
        let nodes = (0...q).map(Double.init)
        var matrix = [Double](repeating: 0, count: q * q)
        var rhs = [Double](repeating: 0, count: q)
        for n in 1...q {
            let startWeights = Lagrange.integral(nodes, from: 0, to: Double(n))
            for m in 1...q {
                matrix[(n - 1) * q + (m - 1)] = (n == m ? 1 : 0) - twoT * step * startWeights[m] * kernel(Double(n - m) * step)
            }
            rhs[n - 1] = lags[n] + twoT * step * startWeights[0] * lags[n]
        }
        _ = DenseLinearAlgebra.solve(&matrix, &rhs, size: q)
        for n in 1...q { gamma[n] = rhs[n - 1] }
        if count > q + 1 {
            for n in (q + 1)..<count {
                var sum = 0.0
                for m in 0..<n { sum += gamma[m] * lags[n - m] }
                weights.forEachCorrection(intervals: n) { i, c in if i < n { sum += c * gamma[i] * lags[n - i] } }
                let last = weights.weight(n, intervals: n)
                gamma[n] = (lags[n] + twoT * step * sum) / (1 - twoT * step * last * lags[0])
            }
        }
        scaledGamma = gamma
    }

    /// The last time covered.
    public var maximumTime: Double { Double(scaledGamma.count - 1) * step }

    func index(_ t: Double) -> Int {
        let i = Int((t / step).rounded())
        precondition(i >= 0 && i < scaledGamma.count && abs(Double(i) * step - t) <= 1e-9 * max(1, t),
                     "time \(t) is not on the reference grid")
        return i
    }

    /// μ(t) = Γ'/(2Γ).
    public func lagrangeMultiplier(at t: Double) -> Double {
        let n = index(t)
        let lambda = growth, h = step
        // Γ̃' = k̃'(t) + 2T [Γ̃(t) + ∫_0^t Γ̃(s) k̃'(t−s) ds], k̃'(u) = e^{−λu}(2 I_2(4u)/u − λ I_1(4u)/(2u)).
        func slope(_ u: Double) -> Double {
            if u == 0 { return -lambda }
            let e4 = exp((4 - lambda) * u)
            return e4 * (2 * ScaledBessel.value(order: 2, 4 * u) / u - lambda * 0.5 * ScaledBessel.scaledRatio(4, u))
        }
        var integral = 0.0
        if n > 0 {
            if n >= 8 {
                var sum = 0.0
                for m in 0...n { sum += scaledGamma[m] * slope(Double(n - m) * h) }
                quadrature.forEachCorrection(intervals: n) { i, c in sum += c * scaledGamma[i] * slope(Double(n - i) * h) }
                integral = h * sum
            } else {
                let nodes = (0...n).map(Double.init)
                let w = Lagrange.integral(nodes, from: 0, to: Double(n))
                for m in 0...n { integral += w[m] * scaledGamma[m] * slope(Double(n - m) * h) }
                integral *= h
            }
        }
        let derivative = slope(t) + 2 * temperature * (scaledGamma[n] + integral)
        return 0.5 * (lambda + derivative / scaledGamma[n])
    }

    /// E(t)/N = −(μ(t) − T)/2.
    public func energy(at t: Double) -> Double { -0.5 * (lagrangeMultiplier(at: t) - temperature) }

    /// R(t, t') for t ≥ t' (R(t,t) = 1).
    public func response(_ t: Double, _ earlier: Double) -> Double {
        let i = index(t), j = index(earlier)
        precondition(i >= j)
        let lag = Double(i - j) * step
        return (scaledGamma[j] / scaledGamma[i]).squareRoot() * exp((2 - 0.5 * growth) * lag)
            * ScaledBessel.scaledRatio(2, lag)
    }

    /// C(t, t') (symmetric; C(t,t) = 1).
    public func correlation(_ t: Double, _ other: Double) -> Double {
        var i = index(t), j = index(other)
        if i < j { swap(&i, &j) }
        let h = step, lambda = growth
        let total = Double(i + j) * h
        let outer = (2 - 0.5 * lambda)
        var value = exp(outer * total) * ScaledBessel.scaledRatio(2, total)
        if j > 0 && temperature > 0 {
            func integrand(_ m: Int) -> Double {
                let s = Double(m) * h, u = total - 2 * s
                return scaledGamma[m] * exp((lambda - 4) * s + outer * total) * ScaledBessel.scaledRatio(2, u)
            }
            var sum = 0.0
            if j >= 8 {
                for m in 0...j { sum += integrand(m) }
                quadrature.forEachCorrection(intervals: j) { m, c in sum += c * integrand(m) }
            } else {
                // Short range (t' < 8δ): Newton–Cotes through the j + 1 nodes.
                let nodes = (0...j).map(Double.init)
                let w = Lagrange.integral(nodes, from: 0, to: Double(j))
                for m in 0...j { sum += w[m] * integrand(m) }
            }
            value += 2 * temperature * h * sum
        }
        return value / (scaledGamma[i] * scaledGamma[j]).squareRoot()
    }

    /// The largest deviations of a quench `solution` from this exact solution: |ΔE(t)| over `times`, and |ΔC(t,t')|,
    /// |ΔR(t,t')| over `times` × the `earlier` times t' < t (all on the solution's grid). The regression check of the
    /// two-time integrator, shared by the tests and `dmft validate`.
    package func largestDeviations(of solution: PSpinQuenchSolution, times: [Double], earlier: [Double]) throws
        -> (energy: Double, correlation: Double, response: Double) {
        var energy = 0.0, correlation = 0.0, response = 0.0
        for t in times {
            let i = try solution.row(atTime: t)
            energy = max(energy, abs(solution.energy(row: i) - self.energy(at: t)))
            for previous in earlier where previous < t {
                let j = try solution.row(atTime: previous)
                correlation = max(correlation, abs(solution.correlation(row: i, column: j) - self.correlation(t, previous)))
                response = max(response, abs(solution.response(row: i, column: j) - self.response(t, previous)))
            }
        }
        return (energy, correlation, response)
    }
}
