import Foundation

/// The random Lotka–Volterra ecosystem
///
///     dN_i/dt = N_i (1 − N_i − Σ_j α_ij N_j) + λ,   α_ii = 0,
///     E α_ij = μ/S,   Var α_ij = σ²/S,   Corr(α_ij, α_ji) = γ,
///
/// for S → ∞ species with abundances N_i ≥ 0 (carrying capacities and growth rates 1, so time is in units of the
/// intrinsic growth time). μ > 0 is competitive, μ < 0 cooperative on average; γ = 1 symmetric, γ = 0 independent,
/// γ = −1 predator–prey-like interactions; λ ≥ 0 is a constant immigration. Notation of the ecological literature
/// (docs/PHYSICS.md, "Random Lotka–Volterra ecosystems"): μ and σ here are *not* the p-spin multiplier or a noise.
public struct EcosystemModel: Sendable, Equatable, Codable {
    /// Mean interaction μ (E α_ij = μ/S).
    public let mu: Double
    /// Interaction spread σ > 0 (Var α_ij = σ²/S).
    public let sigma: Double
    /// Interaction symmetry γ ∈ [−1, 1] (Corr(α_ij, α_ji)).
    public let gamma: Double
    /// Immigration λ ≥ 0.
    public let lambda: Double

    /// A validated model.
    ///
    /// - Throws: `EcosystemError.invalidParameter` for a non-finite μ, σ ≤ 0, γ outside [−1, 1] or λ < 0.
    public init(mu: Double, sigma: Double, gamma: Double, lambda: Double = 0) throws {
        guard mu.isFinite else { throw EcosystemError.invalidParameter(name: "mu", value: mu, requirement: "a finite number") }
        guard sigma.isFinite, sigma > 0 else {
            throw EcosystemError.invalidParameter(name: "sigma", value: sigma, requirement: "> 0 (and finite)")
        }
        guard gamma.isFinite, (-1...1).contains(gamma) else {
            throw EcosystemError.invalidParameter(name: "gamma", value: gamma, requirement: "in [-1, 1]")
        }
        guard lambda.isFinite, lambda >= 0 else {
            throw EcosystemError.invalidParameter(name: "lambda", value: lambda, requirement: ">= 0 (and finite)")
        }
        self.mu = mu
        self.sigma = sigma
        self.gamma = gamma
        self.lambda = lambda
    }

    /// The end of the unique-fixed-point phase, σ_c(γ) = √2/(1 + γ) (independent of μ; +∞ at γ = −1): at σ_c the
    /// survivors' interaction matrix reaches the May bound, and exactly half of the species survive.
    public static func criticalSigma(gamma: Double) -> Double {
        gamma <= -1 ? .infinity : 2.0.squareRoot() / (1 + gamma)
    }

    /// σ_c(γ) of this model.
    public var criticalSigma: Double { Self.criticalSigma(gamma: gamma) }
}

/// Invalid ecosystem input, or a state the requested method does not describe.
public enum EcosystemError: Error, Equatable, CustomStringConvertible {
    /// A parameter outside its range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// σ ≥ σ_c(γ): the unique fixed point (and the replica-symmetric cavity solution) no longer describes the
    /// attractor.
    case beyondUniqueFixedPoint(sigma: Double, criticalSigma: Double, gamma: Double)
    /// μ ≤ μ_UG(σ, γ): abundances grow without bound.
    case unboundedGrowth(mu: Double, threshold: Double)
    /// The static cavity solution is for λ = 0.
    case immigrationNotSupported(lambda: Double)
    /// The survivor set could not be made consistent (linear complementarity) within the allowed pivots.
    case fixedPointNotFound(realisation: Int, pivots: Int, violation: Double)
    /// A direct simulation diverged (abundances beyond 1e100 or not finite).
    case diverged(realisation: Int, time: Double)

    public var description: String {
        func format(_ x: Double) -> String { String(format: "%.6g", x) }
        switch self {
        case .invalidParameter(let name, let value, let requirement):
            return "invalid \(name) = \(format(value)): \(name) must be \(requirement)"
        case .beyondUniqueFixedPoint(let sigma, let critical, let gamma):
            return "sigma = \(format(sigma)) is at or beyond sigma_c = sqrt(2)/(1+gamma) = \(format(critical)) (gamma = "
                + "\(format(gamma))): no unique fixed point there, the cavity solution does not apply"
        case .unboundedGrowth(let mu, let threshold):
            return "mu = \(format(mu)) is at or below mu_UG = \(format(threshold)): abundances grow without bound"
        case .immigrationNotSupported(let lambda):
            return "the static cavity solution is for lambda = 0 (got \(format(lambda)))"
        case .fixedPointNotFound(let realisation, let pivots, let violation):
            return "realisation \(realisation): no consistent survivor set after \(pivots) pivots (violation \(format(violation)))"
        case .diverged(let realisation, let time):
            return "realisation \(realisation): abundances diverged at t = \(format(time)) (unbounded growth)"
        }
    }
}

/// Standard normal density, cdf and the truncated moments w0, w1, w2 of the cavity solution.
enum TruncatedGaussian {
    /// φ(x) = e^{−x²/2}/√(2π).
    static func density(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }
    /// Φ(x) = erfc(−x/√2)/2 (accurate in both tails).
    static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// (w0, w1, w2) = E[(Δ + z)^k 1{Δ + z > 0}] for k = 0, 1, 2, z ~ N(0, 1).
    static func moments(_ delta: Double) -> (w0: Double, w1: Double, w2: Double) {
        let cdf = cdf(delta), density = density(delta)
        return (cdf, delta * cdf + density, (1 + delta * delta) * cdf + delta * density)
    }
}
