import Foundation

/// The static cavity problem of a random Lotka–Volterra ecosystem (λ = 0) in its unique-fixed-point phase
/// σ < σ_c(γ), μ > μ_UG(σ, γ).
///
/// At the fixed point a species feels the Gaussian field σ√q z (z ~ N(0, 1), q = ⟨N²⟩) and the reaction term
/// γσ²χN, so N = max(0, (1 − μm + σ√q z)/(1 − γσ²χ)). With the survival margin Δ = (1 − μm)/(σ√q) and the
/// truncated moments w_k(Δ) = E[(Δ + z)^k 1{Δ + z > 0}], the self-consistency closes as
///
///     σ (w2 + γ w0)/√w2 = 1                      (Δ, from σ and γ only)
///     1 − γσ²χ = σ√w2,   χ = w0/(σ√w2),   √q = 1/(σΔ + μ w1/√w2),   m = √q w1/√w2,   φ = w0.
///
/// Solve with `try EcosystemCavityProblem(model: model).solve()`.
public struct EcosystemCavityProblem: Sendable {
    /// The model (λ = 0).
    public let model: EcosystemModel

    /// The cavity problem of `model`.
    ///
    /// - Throws: `EcosystemError.immigrationNotSupported` for λ > 0, `.beyondUniqueFixedPoint` (naming σ_c) for
    ///   σ ≥ σ_c(γ), `.unboundedGrowth` (naming μ_UG) for μ ≤ μ_UG(σ, γ).
    public init(model: EcosystemModel) throws {
        guard model.lambda == 0 else { throw EcosystemError.immigrationNotSupported(lambda: model.lambda) }
        let critical = model.criticalSigma
        guard model.sigma < critical else {
            throw EcosystemError.beyondUniqueFixedPoint(sigma: model.sigma, criticalSigma: critical, gamma: model.gamma)
        }
        let threshold = try EcosystemCavitySolver.unboundedGrowthMu(sigma: model.sigma, gamma: model.gamma)
        guard model.mu > threshold else { throw EcosystemError.unboundedGrowth(mu: model.mu, threshold: threshold) }
        self.model = model
    }

    /// Solves the problem with the default `EcosystemCavitySolver`.
    public func solve() throws -> EcosystemCavitySolution { try EcosystemCavitySolver().solve(self) }
}

/// The static cavity solution: survivor fraction, moments of the abundance distribution, response.
public struct EcosystemCavitySolution: Sendable, Codable, Equatable {
    /// The model solved.
    public let model: EcosystemModel
    /// Fraction of surviving species φ = Φ(Δ).
    public let survivingFraction: Double
    /// Mean abundance m = ⟨N⟩ (over all species, extinct ones counted as 0).
    public let meanAbundance: Double
    /// Second moment q = ⟨N²⟩.
    public let secondMoment: Double
    /// Integrated response χ = ⟨∂N/∂h⟩ to a shift h of the growth rates (γ = 0: χ = φ).
    public let response: Double
    /// Standardised survival margin Δ = (1 − μm)/(σ√q) (→ 0 as σ → σ_c).
    public let margin: Double
    /// σ_c(γ) = √2/(1 + γ).
    public let criticalSigma: Double
    /// μ_UG(σ, γ): abundances grow without bound for μ ≤ μ_UG (< 0 in this phase).
    public let unboundedGrowthMu: Double
    /// Method, evaluations of the Δ equation, and the residual of the three self-consistency equations (max
    /// relative mismatch of m, q and χ re-evaluated from the solution).
    public let report: ConvergenceReport

    /// Mean and standard deviation of the Gaussian that, truncated to N > 0, is the survivors' abundance law.
    public var survivorGaussian: (mean: Double, standardDeviation: Double) {
        let w2 = TruncatedGaussian.moments(margin).w2
        return ((1 - model.mu * meanAbundance) / (model.sigma * w2.squareRoot()), secondMoment.squareRoot() / w2.squareRoot())
    }
}

/// Solves `EcosystemCavityProblem`: Brent's method for Δ on [0, 2/σ + 40], then closed forms.
public struct EcosystemCavitySolver: Sendable {
    /// Absolute tolerance on Δ.
    public var tolerance: Double

    /// A solver resolving Δ to `tolerance` (default 1e-14).
    public init(tolerance: Double = 1e-14) { self.tolerance = tolerance }

    /// The margin Δ(σ, γ) > 0 of the unique-fixed-point phase and the number of evaluations used.
    static func margin(sigma: Double, gamma: Double, tolerance: Double = 1e-14) throws -> (Double, Int) {
        let critical = EcosystemModel.criticalSigma(gamma: gamma)
        guard sigma < critical else {
            throw EcosystemError.beyondUniqueFixedPoint(sigma: sigma, criticalSigma: critical, gamma: gamma)
        }
        var evaluations = 0
        // σ(w2 + γw0)/√w2 − 1: < 0 at Δ = 0 below σ_c, ≈ σΔ − 1 for large Δ.
        let root = RootFinding.brent({ delta in
            evaluations += 1
            let w = TruncatedGaussian.moments(delta)
            return sigma * (w.w2 + gamma * w.w0) / w.w2.squareRoot() - 1
        }, lower: 0, upper: 2 / sigma + 40, absoluteTolerance: tolerance)
        guard let root else { throw ConvergenceError.notConverged(residual: .nan, iterations: evaluations, tolerance: tolerance) }
        return (root, evaluations)
    }

    /// μ_UG(σ, γ) = −σΔ√w2/w1, the mean interaction below which abundances diverge (σ < σ_c).
    ///
    /// - Throws: `EcosystemError.beyondUniqueFixedPoint` for σ ≥ σ_c(γ) (where this line is only approximate),
    ///   `.invalidParameter` for σ ≤ 0 or γ outside [−1, 1].
    public static func unboundedGrowthMu(sigma: Double, gamma: Double) throws -> Double {
        _ = try EcosystemModel(mu: 0, sigma: sigma, gamma: gamma)
        let delta = try margin(sigma: sigma, gamma: gamma).0
        let w = TruncatedGaussian.moments(delta)
        return -sigma * delta * w.w2.squareRoot() / w.w1
    }

    /// The cavity solution of `problem`.
    public func solve(_ problem: EcosystemCavityProblem) throws -> EcosystemCavitySolution {
        let model = problem.model
        let sigma = model.sigma, gamma = model.gamma, mu = model.mu
        let (delta, evaluations) = try Self.margin(sigma: sigma, gamma: gamma, tolerance: tolerance)
        let w = TruncatedGaussian.moments(delta)
        let denominator = sigma * w.w2.squareRoot()           // 1 − γσ²χ
        let chi = w.w0 / denominator
        let rootQ = 1 / (sigma * delta + mu * w.w1 / w.w2.squareRoot())
        guard rootQ > 0, rootQ.isFinite else {
            throw EcosystemError.unboundedGrowth(mu: mu, threshold: -sigma * delta * w.w2.squareRoot() / w.w1)
        }
        let m = rootQ * w.w1 / w.w2.squareRoot()
        let q = rootQ * rootQ
        // Residual: the original self-consistency equations evaluated at (m, q, χ).
        let reaction = 1 - gamma * sigma * sigma * chi
        let marginBack = (1 - mu * m) / (sigma * rootQ)
        let wb = TruncatedGaussian.moments(marginBack)
        let residual = max(abs(sigma * rootQ * wb.w1 / reaction / m - 1),
                           abs(sigma * sigma * q * wb.w2 / (reaction * reaction) / q - 1),
                           abs(wb.w0 / reaction / chi - 1))
        return EcosystemCavitySolution(
            model: model, survivingFraction: w.w0, meanAbundance: m, secondMoment: q, response: chi, margin: delta,
            criticalSigma: model.criticalSigma, unboundedGrowthMu: -sigma * delta * w.w2.squareRoot() / w.w1,
            report: ConvergenceReport(method: "brent(margin) + closed form", iterations: evaluations, residual: residual))
    }
}
