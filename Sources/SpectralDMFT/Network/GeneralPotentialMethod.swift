import Foundation

/// The generalised potential method for one population with any φ, bias and mean coupling: the independent route
/// that the spectral `GeneralNetworkSolver` is checked against (docs/PHYSICS.md, "General networks").
///
/// `Δ̈ = Δ − g² C_φ(Δ) = −∂V/∂Δ` with `V(Δ) = −Δ²/2 + g² Q(Δ)`, `Q(Δ) = E_z[(E_x Φ(μ + √(Δ0−Δ) x + √Δ z))²]`. The
/// particle leaves Δ0 with velocity −σ²/2 and comes to rest on the equilibrium Δ∞ at τ = ∞, so three scalar
/// equations fix (μ, Δ0, Δ∞):
/// (i) `Δ∞ = g² C_φ(Δ∞; Δ0, μ)` (the smaller root, by Newton from 0), (ii) `V(Δ0) + σ⁴/8 = V(Δ∞)`,
/// (iii) `μ = h0 + J0 E[φ(μ + √Δ0 z)]`. Δ(τ) then follows from `τ(Δ) = ∫_Δ^{Δ0} dΔ'/√(2(V(Δ∞) − V(Δ')))`,
/// written in u = √(Δ0 − Δ), where the integrand is smooth even for kinked φ.
public enum GeneralPotentialMethod {
    /// (μ, Δ0, Δ∞, M) of the chaotic or noise-driven branch.
    public struct Solution: Sendable, Equatable, Codable {
        /// μ.
        public let mean: Double
        /// Δ0.
        public let variance: Double
        /// Δ∞.
        public let staticVariance: Double
        /// M = E[φ(μ + √Δ0 z)].
        public let rate: Double
        /// κ = √(1 − g² C_φ'(Δ∞)): Δ − Δ∞ ∝ e^{−κτ}.
        public let tailRate: Double
    }

    /// Δ∞ for given (Δ0, μ): the smaller root of F(Δ) = Δ − g² C_φ(Δ; Δ0, μ) by Newton from 0 (F is concave, so
    /// the iterates increase monotonically); nil when there is no root below Δ0.
    static func staticVariance(_ model: GeneralNetworkModel, variance: Double, mean: Double) -> Double? {
        let g2 = model.coupling * model.coupling
        let phi = model.nonlinearity.function, slope = model.nonlinearity.derivative
        return smallerRoot(upper: variance) { delta in
            let (kernel, slopeKernel) = KinkedGaussian.squaredConditionalMeans(
                mean: mean, outer: max(delta, 0).squareRoot(), inner: max(variance - delta, 0).squareRoot(),
                kinks: model.nonlinearity.kinks, distance: model.nonlinearity.singularityDistance, phi, slope)
            return (delta - g2 * kernel, 1 - g2 * slopeKernel)
        }
    }

    /// The smaller root of a concave F with F(0) ≤ 0 on [0, `upper`], by Newton from 0 (`evaluate` gives F and F'):
    /// the iterates increase monotonically. nil when F' ≤ 0 before the root or the iterate passes `upper`. The static
    /// equation of both potential methods and of their starts (Δ∞ = g² C_φ(Δ∞), X∞ = Σ_l v_l C_φl(u_l X∞)).
    static func smallerRoot(upper: Double, _ evaluate: (Double) -> (value: Double, derivative: Double)) -> Double? {
        var x = 0.0
        for _ in 0..<200 {
            let (value, derivative) = evaluate(x)
            if value >= 0 { return x }
            guard derivative > 0 else { return nil }
            let step = -value / derivative
            x += step
            guard x <= upper * (1 + 1e-12) else { return nil }
            if step <= 1e-15 * max(upper, 1e-300) { return x }
        }
        return nil
    }

    /// The trial values of Δ0 (or X0) scanned for the energy root: log-uniform in q − Δ0 below the static root q
    /// (σ = 0; `perDecade` points per decade from q·1e-12 to q/10, then 4 per decade to q·10^{−1/4}), or over [q/1000, 4(q + σ²)] descending (σ > 0,
    /// 15/4 · `perDecade` per decade, reference max(q, σ²/2, 1e-3)).
    static func candidates(staticRoot q: Double, noiseSquared sigma2: Double, perDecade: Int = 4) -> [Double] {
        var candidates: [Double] = []
        if sigma2 == 0 {
            // q − q·1e-12 … q − q·10^{-1/4}: `perDecade` per decade down to q − q/10, 4 per decade below.
            let coarse = 11 * perDecade, density = Double(perDecade)
            for i in 0..<coarse { candidates.append(q - q * pow(10, -12 + Double(i) / density)) }
            for i in 44..<48 { candidates.append(q - q * pow(10, -12 + Double(i) / 4)) }
        } else {
            let reference = max(q, sigma2 / 2, 1e-3)
            let count = 15 * perDecade, density = Double(15 * perDecade) / 4
            for i in 0...count { candidates.append(4 * reference * pow(10, -Double(i) / density)) }   // descending
        }
        return candidates
    }

    /// The root of the energy residual: the first sign change along `candidates` (walking away from the top); where
    /// the residual stops existing (`residual` nil: past the saddle node of Δ∞) the edge is found by `bisections`
    /// bisections and the residual tested there; then Brent's method to `relativeTolerance` of the bracket's top.
    /// nil when no sign change is found.
    static func energyRoot(candidates: [Double], bisections: Int, relativeTolerance: Double,
                           _ residual: (Double) throws -> Double?) throws -> Double? {
        var previous: (x: Double, r: Double)?
        var bracket: (Double, Double)?
        for x in candidates where x > 0 {
            guard let value = try residual(x) else {
                if let p = previous {
                    var inside = p.x, outside = x
                    for _ in 0..<bisections {
                        let middle = 0.5 * (inside + outside)
                        if try residual(middle) != nil { inside = middle } else { outside = middle }
                    }
                    if let edge = try residual(inside), (p.r < 0) != (edge < 0) {
                        bracket = (min(inside, p.x), max(inside, p.x))
                    }
                    break
                }
                continue
            }
            if let p = previous, (p.r < 0) != (value < 0) { bracket = (min(x, p.x), max(x, p.x)); break }
            previous = (x, value)
        }
        guard let (low, high) = bracket else { return nil }
        return try RootFinding.brent({ try residual($0) ?? .nan }, lower: low, upper: high,
                                     absoluteTolerance: relativeTolerance * high)
    }

    /// V(Δ0) − V(Δ∞) + σ⁴/8 (zero at the solution), with (μ, Δ∞) solved for this Δ0; nil when Δ∞ does not exist.
    static func energyResidual(_ model: GeneralNetworkModel, variance: Double) throws -> (residual: Double, mean: Double, staticVariance: Double)? {
        let mean = try model.selfConsistentMean(variance: variance).mean
        guard let infinity = staticVariance(model, variance: variance, mean: mean) else { return nil }
        let g2 = model.coupling * model.coupling, sigma2 = model.noise * model.noise
        let primitive = model.nonlinearity.antiderivative
        let top = model.average(mean: mean, variance: variance) { let v = primitive($0); return v * v }
        let bottom = model.kernel(primitive, lag: infinity, variance: variance, mean: mean)
        let residual = g2 * (top - bottom) - 0.5 * (variance * variance - infinity * infinity) + sigma2 * sigma2 / 8
        return (residual, mean, infinity)
    }

    /// Solves (i)–(iii). The root in Δ0 is bracketed by a scan log-uniform in q − Δ0 below the static q (σ = 0), or
    /// over [q/1000, 4(q + σ²)] (σ > 0, largest root), then refined by Brent's method to ~1e-15 relative.
    ///
    /// - Throws: `GeneralNetworkError.noChaoticSolution` when no root is bracketed (stable fixed point, or g too
    ///   close to g_c for the scan), `GeneralNetworkError.unstableMeanMode`.
    public static func solve(_ model: GeneralNetworkModel) throws -> Solution {
        let point = try model.fixedPoint()
        let q = point.variance
        if model.noise == 0 {
            guard q > 0, !point.isStable else { throw GeneralNetworkError.noChaoticSolution(coupling: model.coupling) }
        }
        let root = try energyRoot(candidates: candidates(staticRoot: q, noiseSquared: model.noise * model.noise),
                                  bisections: 24, relativeTolerance: 1e-15) { x in
            try energyResidual(model, variance: x)?.residual
        }
        guard let variance = root, let final = try energyResidual(model, variance: variance) else {
            throw GeneralNetworkError.noChaoticSolution(coupling: model.coupling)
        }
        let g2 = model.coupling * model.coupling
        let rate = model.average(mean: final.mean, variance: variance, model.nonlinearity.function)
        let curvature = 1 - g2 * model.kernel(model.nonlinearity.derivative, lag: final.staticVariance,
                                             variance: variance, mean: final.mean)
        return Solution(mean: final.mean, variance: variance, staticVariance: final.staticVariance, rate: rate,
                        tailRate: max(curvature, 0).squareRoot())
    }

    /// The same three equations solved cheaply, for the spectral solver's start and window: the kernels C_φ and Q at
    /// fixed (Δ0, μ) are Mehler series in ρ = Δ/Δ0 (`MehlerSeries`, one one-dimensional average per trial Δ0
    /// instead of a double integral per Newton step of Δ∞), the scan has 1 point per decade and Brent's method stops
    /// at 1e-9 relative. Accurate to ~1e-6 (the series' truncation, largest for kinked φ): a start, never a result.
    /// `GeneralNetworkModel.solve()` falls back to `solve(_:)` when it fails.
    ///
    /// - Throws: as `solve(_:)`.
    static func start(_ model: GeneralNetworkModel, fixedPoint: NetworkFixedPoint? = nil) throws -> Solution {
        let point = try fixedPoint ?? model.fixedPoint()
        let q = point.variance
        if model.noise == 0 {
            guard q > 0, !point.isStable else { throw GeneralNetworkError.noChaoticSolution(coupling: model.coupling) }
        }
        let g2 = model.coupling * model.coupling, sigma2 = model.noise * model.noise
        let phi = model.nonlinearity
        func energy(_ variance: Double) throws -> (residual: Double, mean: Double, staticVariance: Double, slope: Double)? {
            let mean = try model.selfConsistentMean(variance: variance).mean
            let (kernel, potential) = MehlerSeries.pair(mean: mean, variance: variance, kinks: phi.kinks,
                                                        distance: phi.singularityDistance, phi.function, phi.antiderivative)
            guard let infinity = smallerRoot(upper: variance, { delta in
                let rho = delta / variance
                return (delta - g2 * kernel.value(rho), 1 - g2 * kernel.slope(rho) / variance)
            }) else { return nil }
            let top = model.average(mean: mean, variance: variance) { let v = phi.antiderivative($0); return v * v }
            let rho = infinity / variance
            let residual = g2 * (top - potential.value(rho)) - 0.5 * (variance * variance - infinity * infinity) + sigma2 * sigma2 / 8
            return (residual, mean, infinity, kernel.slope(rho) / variance)
        }
        let root = try energyRoot(candidates: candidates(staticRoot: q, noiseSquared: sigma2, perDecade: 1),
                                  bisections: 14, relativeTolerance: 1e-9) { try energy($0)?.residual }
        guard let variance = root, let final = try energy(variance) else {
            throw GeneralNetworkError.noChaoticSolution(coupling: model.coupling)
        }
        let rate = model.average(mean: final.mean, variance: variance, phi.function)
        return Solution(mean: final.mean, variance: variance, staticVariance: final.staticVariance, rate: rate,
                        tailRate: max(1 - g2 * final.slope, 0).squareRoot())
    }

    /// Δ(τ) at `lags` (≥ 0) by inverting τ(Δ): composite Gauss–Legendre in u = √(Δ0 − Δ) on panels that halve the
    /// distance to u∞ = √(Δ0 − Δ∞), then Brent's method for u inside the panel that holds τ.
    public static func correlation(_ model: GeneralNetworkModel, solution: Solution, lags: [Double]) -> [Double] {
        let g2 = model.coupling * model.coupling, sigma2 = model.noise * model.noise
        let variance = solution.variance, mean = solution.mean
        let primitive = model.nonlinearity.antiderivative
        let top = model.average(mean: mean, variance: variance) { let v = primitive($0); return v * v }
        let end = (variance - solution.staticVariance).squareRoot()
        // dτ/du = 2u / √(2 (V(Δ∞) − V(Δ0 − u²))), V(Δ∞) − V(Δ) = V(Δ0) − V(Δ) + σ⁴/8.
        func speed(_ u: Double) -> Double {
            let delta = variance - u * u
            let q = model.kernel(primitive, lag: delta, variance: variance, mean: mean)
            let drop = g2 * (top - q) - 0.5 * (variance * variance - delta * delta) + sigma2 * sigma2 / 8
            return 2 * u / (2 * max(drop, 1e-300)).squareRoot()
        }
        return invertLagIntegral(lags: lags, end: end, speed: speed).map { u in
            guard let u else { return solution.staticVariance }
            return variance - u * u
        }
    }

    /// The inversion of τ(u) = ∫_0^u (dτ/du') du' shared by both potential routes: composite 16-point Gauss–Legendre
    /// on panels [a, a + (end − a)/2] that halve the distance to `end` (at most 200), then Brent's method inside the
    /// panel that holds |lag|. Returns u at each lag (0 at lag 0; nil past the last panel, i.e. at the static value).
    static func invertLagIntegral(lags: [Double], end: Double, speed: (Double) -> Double) -> [Double?] {
        let rule = GaussLegendre.sixteen
        func integral(_ a: Double, _ b: Double) -> Double {
            var sum = 0.0
            for i in 0..<16 { sum += rule.weights[i] * speed(0.5 * (a + b) + 0.5 * (b - a) * rule.nodes[i]) }
            return 0.5 * (b - a) * sum
        }
        let maximum = lags.map(abs).max() ?? 0
        var panels: [(a: Double, b: Double, tauA: Double, tauB: Double)] = []
        var a = 0.0, tau = 0.0
        while tau < maximum && panels.count < 200 {
            let b = a + 0.5 * (end - a)
            let next = tau + integral(a, b)
            panels.append((a, b, tau, next))
            a = b; tau = next
        }
        return lags.map { lag in
            let target = abs(lag)
            if target == 0 { return 0 }
            guard let panel = panels.first(where: { $0.tauB >= target }) else { return nil }
            return RootFinding.brent({ u in panel.tauA + integral(panel.a, u) - target },
                                     lower: panel.a, upper: panel.b, absoluteTolerance: 1e-15 * end) ?? .nan
        }
    }
}
