import Foundation

/// The potential method for a population network whose variance matrix has rank one, `A_kl = u_k v_l`, with noise
/// `σ_k² = u_k σ²`: the independent route that `PopulationNetworkSolver` is checked against.
///
/// Then `Δ_k(τ) = u_k X(τ)` and the D equations reduce to one, `Ẍ = X − Σ_l v_l C_φl(u_l X; u_l X0, μ_l)
/// = −∂V/∂X` with `V(X) = −X²/2 + Σ_l (v_l/u_l) Q_l(u_l X)`, `Q_l(Δ) = E_z[(E_x Φ_l(μ_l + √(Δ_l0−Δ) x + √Δ z))²]`
/// (dQ_l/dΔ = C_φl). The particle leaves X0 with velocity −σ²/2 and comes to rest at X∞, so
/// (i) `X∞ = Σ_l v_l C_φl(u_l X∞)` (the smaller root, Newton from 0), (ii) `V(X0) + σ⁴/8 = V(X∞)`,
/// (iii) `μ_k = h0_k + Σ_l W_kl M_l(μ_l, u_l X0)` fix (X0, X∞, μ). For D = 1 it is `GeneralPotentialMethod`.
public enum PopulationPotentialMethod {
    /// The solution of (i)–(iii).
    public struct Solution: Sendable, Equatable, Codable {
        /// u (Δ_k = u_k X).
        public let left: [Double]
        /// v.
        public let right: [Double]
        /// σ² of the reduced equation.
        public let reducedNoise: Double
        /// X0.
        public let amplitude: Double
        /// X∞.
        public let staticAmplitude: Double
        /// μ_k.
        public let means: [Double]
        /// M_k.
        public let rates: [Double]
        /// κ = √(1 − Σ_l v_l u_l C_φl'(u_l X∞)): X − X∞ ∝ e^{−κτ}.
        public let tailRate: Double
        /// Δ_k(0) = u_k X0.
        public var variances: [Double] { left.map { $0 * amplitude } }
        /// Δ_k(∞) = u_k X∞.
        public var staticVariances: [Double] { left.map { $0 * staticAmplitude } }
    }

    /// (u, v) with A = u vᵀ (u normalised to max 1) and σ² with σ_k² = u_k σ², when the model is rank one to
    /// 1e-12 relative; nil otherwise.
    public static func rankOneFactors(_ model: PopulationNetworkModel) -> (left: [Double], right: [Double], noise: Double)? {
        let d = model.count, a = model.varianceMatrix
        let largest = a.map(abs).max() ?? 0
        guard largest > 0 else { return nil }
        // Column with the largest entry.
        var pivotRow = 0, pivotColumn = 0
        for k in 0..<d { for l in 0..<d where a[k * d + l] > a[pivotRow * d + pivotColumn] { pivotRow = k; pivotColumn = l } }
        let u = (0..<d).map { a[$0 * d + pivotColumn] / a[pivotRow * d + pivotColumn] }
        let v = (0..<d).map { a[pivotRow * d + $0] }
        for k in 0..<d { for l in 0..<d where abs(a[k * d + l] - u[k] * v[l]) > 1e-12 * largest { return nil } }
        guard u.allSatisfy({ $0 > 0 }) else { return nil }
        let noises = model.populations.map { $0.noise * $0.noise }
        let sigma2 = noises[pivotRow]
        let loudest = noises.max() ?? 0
        for k in 0..<d where abs(noises[k] - u[k] * sigma2) > 1e-12 * loudest { return nil }
        return (u, v, sigma2)
    }

    /// Solves (i)–(iii) for a rank-one model.
    ///
    /// - Throws: `GeneralNetworkError.noChaoticSolution` when the model is not rank one or no root is bracketed,
    ///   `.unstableMeanMode`.
    public static func solve(_ model: PopulationNetworkModel) throws -> Solution {
        guard let (u, v, sigma2) = rankOneFactors(model) else { throw GeneralNetworkError.noChaoticSolution(coupling: model.scale) }
        return try solve(model, left: u, right: v, reducedNoise: sigma2)
    }

    /// μ_k and M_k at X0 (variances u_k X0) by `selfConsistentMeans`, each call started from the previous answer.
    static func warmStartedMeans(_ model: PopulationNetworkModel, left u: [Double])
        -> (Double) throws -> (means: [Double], rates: [Double]) {
        var warmMeans: [Double]?
        return { x0 in
            let solved = try model.selfConsistentMeans(variances: u.map { $0 * x0 }, start: warmMeans)
            warmMeans = solved.means
            return (solved.means, solved.rates)
        }
    }

    /// Solves (i)–(iii) with the factors given (used as well for the rank-one approximation of a general A, which
    /// gives `PopulationNetworkSolver` its start).
    static func solve(_ model: PopulationNetworkModel, left u: [Double], right v: [Double], reducedNoise sigma2: Double) throws -> Solution {
        let d = model.count
        let phis = model.populations.map(\.nonlinearity)
        let means = warmStartedMeans(model, left: u)
        func staticAmplitude(_ x0: Double, _ mu: [Double]) -> Double? {
            GeneralPotentialMethod.smallerRoot(upper: x0) { x in
                var value = x, derivative = 1.0
                for l in 0..<d {
                    let (kernel, slopeKernel) = KinkedGaussian.squaredConditionalMeans(
                        mean: mu[l], outer: max(u[l] * x, 0).squareRoot(), inner: max(u[l] * x0 - u[l] * x, 0).squareRoot(),
                        kinks: phis[l].kinks, distance: phis[l].singularityDistance, phis[l].function, phis[l].derivative)
                    value -= v[l] * kernel
                    derivative -= v[l] * u[l] * slopeKernel
                }
                return (value, derivative)
            }
        }
        func energy(_ x0: Double) throws -> (residual: Double, means: [Double], rates: [Double], infinity: Double)? {
            let (mu, rates) = try means(x0)
            guard let infinity = staticAmplitude(x0, mu) else { return nil }
            var drop = 0.0
            for l in 0..<d {
                let primitive = phis[l].antiderivative
                let top = PopulationKernels.average(phis[l], mean: mu[l], variance: u[l] * x0) { let p = primitive($0); return p * p }
                let bottom = PopulationKernels.kernel(phis[l], primitive, lag: u[l] * infinity, variance: u[l] * x0, mean: mu[l])
                drop += v[l] / u[l] * (top - bottom)
            }
            return (drop - 0.5 * (x0 * x0 - infinity * infinity) + sigma2 * sigma2 / 8, mu, rates, infinity)
        }
        let xq = try staticAmplitudeRoot(model, left: u, right: v, means: means)
        if sigma2 == 0 {
            guard xq > 0 else { throw GeneralNetworkError.noChaoticSolution(coupling: model.scale) }
        }
        let root = try GeneralPotentialMethod.energyRoot(
            candidates: GeneralPotentialMethod.candidates(staticRoot: xq, noiseSquared: sigma2),
            bisections: 24, relativeTolerance: 1e-15) { try energy($0)?.residual }
        guard let x0 = root, let final = try energy(x0) else { throw GeneralNetworkError.noChaoticSolution(coupling: model.scale) }
        var curvature = 1.0
        for l in 0..<d {
            curvature -= v[l] * u[l] * PopulationKernels.kernel(phis[l], phis[l].derivative, lag: u[l] * final.infinity,
                                                                variance: u[l] * x0, mean: final.means[l])
        }
        return Solution(left: u, right: v, reducedNoise: sigma2, amplitude: x0, staticAmplitude: final.infinity,
                        means: final.means, rates: final.rates, tailRate: max(curvature, 0).squareRoot())
    }

    /// The static branch in X, `X = Σ_l v_l ⟨φ_l²⟩(μ_l, u_l X)` (0 when it is the only root): Brent's method after a
    /// doubling bracket from X = 1e-14. `means(X)` gives μ (and M) at Δ_l = u_l X.
    static func staticAmplitudeRoot(_ model: PopulationNetworkModel, left u: [Double], right v: [Double],
                                    means: (Double) throws -> (means: [Double], rates: [Double])) throws -> Double {
        let phis = model.populations.map(\.nonlinearity)
        func staticResidual(_ x: Double) throws -> Double {
            let (mu, _) = try means(x)
            var sum = 0.0
            for l in 0..<model.count {
                sum += v[l] * PopulationKernels.average(phis[l], mean: mu[l], variance: u[l] * x) { let p = phis[l].function($0); return p * p }
            }
            return x - sum
        }
        var xq = 0.0
        let low = 1e-14
        if try staticResidual(low) < 0 {
            var high = 1.0
            while try staticResidual(high) < 0 {
                high *= 2
                guard high < 1e12 else { throw GeneralNetworkError.noStaticBranch }
            }
            guard let root = try RootFinding.brent(staticResidual, lower: low, upper: high, absoluteTolerance: 1e-16) else {
                throw GeneralNetworkError.noStaticBranch
            }
            xq = root
        }
        return xq
    }

    /// Equations (i)–(iii) solved cheaply, for the spectral solver's start and window: each C_φl and Q_l at fixed
    /// (X0, μ) is a Mehler series in ρ = X/X0 (`MehlerSeries`; ρ is the same for every population since
    /// Δ_l = u_l X), the scan has 1 point per decade, Brent stops at 1e-9 relative. Accurate to ~1e-6: a start,
    /// never a result (`PopulationNetworkSolver` falls back to `solve` when it fails).
    static func start(_ model: PopulationNetworkModel, left u: [Double], right v: [Double], reducedNoise sigma2: Double) throws -> Solution {
        let d = model.count
        let phis = model.populations.map(\.nonlinearity)
        let means = warmStartedMeans(model, left: u)
        func energy(_ x0: Double) throws -> (residual: Double, means: [Double], rates: [Double], infinity: Double, slope: Double)? {
            let (mu, rates) = try means(x0)
            var kernels: [MehlerSeries] = [], potentials: [MehlerSeries] = []
            for l in 0..<d {
                let (kernel, potential) = MehlerSeries.pair(mean: mu[l], variance: u[l] * x0, kinks: phis[l].kinks,
                                                            distance: phis[l].singularityDistance, phis[l].function,
                                                            phis[l].antiderivative)
                kernels.append(kernel); potentials.append(potential)
            }
            guard x0 > 0, let infinity = GeneralPotentialMethod.smallerRoot(upper: x0, { x in
                let rho = x / x0
                var value = x, derivative = 1.0
                for l in 0..<d {
                    value -= v[l] * kernels[l].value(rho)
                    derivative -= v[l] * kernels[l].slope(rho) / x0
                }
                return (value, derivative)
            }) else { return nil }
            let rho = infinity / x0
            var drop = 0.0, slope = 0.0
            for l in 0..<d {
                let primitive = phis[l].antiderivative
                let top = PopulationKernels.average(phis[l], mean: mu[l], variance: u[l] * x0) { let p = primitive($0); return p * p }
                drop += v[l] / u[l] * (top - potentials[l].value(rho))
                slope += v[l] * kernels[l].slope(rho) / x0
            }
            return (drop - 0.5 * (x0 * x0 - infinity * infinity) + sigma2 * sigma2 / 8, mu, rates, infinity, slope)
        }
        let xq = try staticAmplitudeRoot(model, left: u, right: v, means: means)
        if sigma2 == 0 {
            guard xq > 0 else { throw GeneralNetworkError.noChaoticSolution(coupling: model.scale) }
        }
        let root = try GeneralPotentialMethod.energyRoot(
            candidates: GeneralPotentialMethod.candidates(staticRoot: xq, noiseSquared: sigma2, perDecade: 1),
            bisections: 14, relativeTolerance: 1e-9) { try energy($0)?.residual }
        guard let x0 = root, let final = try energy(x0) else { throw GeneralNetworkError.noChaoticSolution(coupling: model.scale) }
        return Solution(left: u, right: v, reducedNoise: sigma2, amplitude: x0, staticAmplitude: final.infinity,
                        means: final.means, rates: final.rates, tailRate: max(1 - final.slope, 0).squareRoot())
    }

    /// X(τ) at `lags` (≥ 0), by inverting `τ(X) = ∫_X^{X0} dX'/√(2(V(X∞) − V(X')))` in w = √(X0 − X) (composite
    /// Gauss–Legendre on panels halving the distance to w∞, Brent inside the panel); Δ_k(τ) = u_k X(τ).
    public static func amplitude(_ model: PopulationNetworkModel, solution: Solution, lags: [Double]) -> [Double] {
        let d = model.count, u = solution.left, v = solution.right
        let phis = model.populations.map(\.nonlinearity)
        let x0 = solution.amplitude, mu = solution.means, sigma2 = solution.reducedNoise
        var tops = [Double](repeating: 0, count: d)
        for l in 0..<d {
            let primitive = phis[l].antiderivative
            tops[l] = PopulationKernels.average(phis[l], mean: mu[l], variance: u[l] * x0) { let p = primitive($0); return p * p }
        }
        let end = (x0 - solution.staticAmplitude).squareRoot()
        func speed(_ w: Double) -> Double {
            let x = x0 - w * w
            var drop = -0.5 * (x0 * x0 - x * x) + sigma2 * sigma2 / 8
            for l in 0..<d {
                let q = PopulationKernels.kernel(phis[l], phis[l].antiderivative, lag: u[l] * x, variance: u[l] * x0, mean: mu[l])
                drop += v[l] / u[l] * (tops[l] - q)
            }
            return 2 * w / (2 * max(drop, 1e-300)).squareRoot()
        }
        return GeneralPotentialMethod.invertLagIntegral(lags: lags, end: end, speed: speed).map { w in
            guard let w else { return solution.staticAmplitude }
            return x0 - w * w
        }
    }
}
