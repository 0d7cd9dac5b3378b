import Foundation

/// Where a noise-driven random network becomes chaotic: the three characteristic couplings at one noise level.
public struct NetworkTransitionResult: Sendable, Codable {
    /// Noise amplitude σ.
    public let sigma: Double
    /// g_c, the coupling where λ_max(g; σ) crosses 0, found by `route`.
    public let gC: Double
    /// Root of the criterion Δ0 = g²⟨φ²⟩ at variance Δ0 (i.e. Δ''(0⁺) = 0), with Δ0 from the potential method.
    public let gCCriterion: Double
    /// Line of local instability: g² ⟨φ'²⟩ = 1 at variance Δ0.
    public let gLocal: Double
    /// How `gC` was found.
    public let route: NetworkTransitionRoute
}

/// How `NetworkTransition.locate` found g_c at a given σ (docs/PHYSICS.md §1.7).
public enum NetworkTransitionRoute: String, Sendable, Codable {
    /// σ = 0: g_c = 1 exactly.
    case exact
    /// σ < `NetworkTransition.seriesNoiseLimit`: the small-noise series of the criterion root.
    case smallNoiseSeries = "small-noise series"
    /// σ < `NetworkTransition.criterionNoiseLimit`: the root of the criterion Δ0 = g²⟨φ²⟩ (equal to the λ_max root).
    case criterion = "criterion Δ0 = g²⟨φ²⟩"
    /// Otherwise: the root of λ_max(g; σ) from DMFT solves and the ground state of H.
    case lyapunov = "λ_max = 0"
}

/// The transition to chaos of a random rate network driven by white noise (Schuecker, Goedeke & Helias 2018;
/// docs/PHYSICS.md §1). Without noise all three couplings equal 1; with σ > 0 the transition moves to g_c(σ) > g_local.
public enum NetworkTransition {
    /// Errors locating a transition.
    public enum TransitionError: Error, CustomStringConvertible {
        case noBracket(quantity: String, noise: Double)

        public var description: String {
            switch self {
            case .noBracket(let quantity, let noise): return "could not bracket the root of \(quantity) at σ = \(noise)"
            }
        }
    }

    /// λ_max at (g, σ): a stationary solve on the automatic grid (its step capped at `maximumStep`) and the
    /// ground state of H.
    public static func lyapunovExponent(coupling: Double, noise: Double, nonlinearity: Nonlinearity = .tanh,
                                        maximumStep: Double = 0.05,
                                        options: IterationOptions = IterationOptions(tolerance: 1e-12)) throws -> (LyapunovResult, NetworkSolution) {
        let model = try NetworkModel(coupling: coupling, noise: noise, nonlinearity: nonlinearity)
        let automatic = try NetworkStationarySolver.automaticGrid(for: model)
        let grid = try LagGrid(step: min(automatic.step, maximumStep), minimumWindow: automatic.window)
        let solution = try NetworkStationarySolver(grid: grid, options: options).solve(model)
        return (try LyapunovExponent.compute(model: model, solution: solution), solution)
    }

    /// `g²⟨φ'²⟩ − 1` at the potential-method variance of (g, σ).
    static func localInstability(_ g: Double, noise: Double, nonlinearity: Nonlinearity) throws -> Double {
        let model = try NetworkModel(coupling: g, noise: noise, nonlinearity: nonlinearity)
        let variance = try PotentialMethod.variance(model: model)
        let meanSquareSlope = GaussianAverages.expectation(variance: variance, singularityDistance: nonlinearity.singularityDistance) {
            let slope = nonlinearity.derivative($0); return slope * slope
        }
        return g * g * meanSquareSlope - 1
    }

    /// `(Δ0 − g²⟨φ²⟩)/Δ0` at the potential-method variance of (g, σ): Δ''(0⁺)/Δ0.
    static func curvatureCriterion(_ g: Double, noise: Double, nonlinearity: Nonlinearity) throws -> Double {
        let model = try NetworkModel(coupling: g, noise: noise, nonlinearity: nonlinearity)
        let variance = try PotentialMethod.variance(model: model)
        let meanSquare = GaussianAverages.expectation(variance: variance, singularityDistance: nonlinearity.singularityDistance) {
            let value = nonlinearity.function($0); return value * value
        }
        return (variance - g * g * meanSquare) / variance
    }

    /// Root in g of an increasing-through-zero function, bracketed upward from `start` by factors of 1.25.
    static func root(_ quantity: String, noise: Double, from start: Double, tolerance: Double,
                     _ f: (Double) throws -> Double) throws -> Double {
        var lower = start, upper = start
        var lowerValue = try f(lower)
        var upperValue = lowerValue
        var expansions = 0
        while (lowerValue < 0) == (upperValue < 0) {
            expansions += 1
            guard expansions < 40 else { throw TransitionError.noBracket(quantity: quantity, noise: noise) }
            if lowerValue < 0 {
                lower = upper; lowerValue = upperValue
                upper *= 1.25; upperValue = try f(upper)
            } else {
                upper = lower; upperValue = lowerValue
                lower /= 1.25; lowerValue = try f(lower)
            }
        }
        guard let found = try RootFinding.brent(f, lower: lower, upper: upper, absoluteTolerance: tolerance) else {
            throw TransitionError.noBracket(quantity: quantity, noise: noise)
        }
        return found
    }

    /// Below this σ the three couplings come from the small-noise series (`SmallNoiseSeries`, tanh and erf):
    /// the series' truncation error there is below 1e-10, while the direct roots lose digits (the energy
    /// equation balances terms of order σ⁴ against terms of order Δ0² ~ σ²).
    public static let seriesNoiseLimit = 1e-3
    /// Below this σ, g_c is the root of the curvature criterion Δ0 = g²⟨φ²⟩ (one-dimensional averages; equal to the
    /// λ_max root, docs/PHYSICS.md §1) instead of the root of λ_max from DMFT solves, whose lag window grows as
    /// 1/(g_c − 1) ~ 1/σ and whose cost explodes as σ → 0.
    public static let criterionNoiseLimit = 0.1

    /// The three couplings at noise σ. Throws when a root cannot be bracketed or a solve fails.
    ///
    /// σ = 0: all equal 1. σ < `seriesNoiseLimit` (tanh, erf): the small-noise series. σ < `criterionNoiseLimit`:
    /// g_c = the criterion root. Otherwise g_c is the root of λ_max(g) from DMFT solves. Each branch agrees with
    /// the next where both apply (tests), so g_c(σ) is continuous and → 1 as σ → 0.
    public static func locate(noise: Double, nonlinearity: Nonlinearity = .tanh) throws -> NetworkTransitionResult {
        guard noise.isFinite, noise >= 0 else {
            throw ModelError.invalidParameter(name: "sigma", value: noise, requirement: "a finite number >= 0")
        }
        if noise == 0 { return NetworkTransitionResult(sigma: 0, gC: 1, gCCriterion: 1, gLocal: 1, route: .exact) }
        if noise < seriesNoiseLimit {
            guard let series = SmallNoiseSeries(nonlinearity: nonlinearity) else {
                throw ModelError.invalidParameter(name: "sigma", value: noise,
                                                  requirement: "at least \(seriesNoiseLimit) for φ = \(nonlinearity.name) "
                                                    + "(the small-noise series is known for tanh and erf)")
            }
            let criterion = series.criticalCoupling(noise: noise)
            return NetworkTransitionResult(sigma: noise, gC: criterion, gCCriterion: criterion,
                                           gLocal: series.localCoupling(noise: noise), route: .smallNoiseSeries)
        }
        let local = try root("g²⟨φ'²⟩ − 1", noise: noise, from: 1, tolerance: 1e-12) {
            try localInstability($0, noise: noise, nonlinearity: nonlinearity)
        }
        let criterion = try root("Δ0 − g²⟨φ²⟩", noise: noise, from: local, tolerance: 1e-12) {
            -(try curvatureCriterion($0, noise: noise, nonlinearity: nonlinearity))
        }
        if noise < criterionNoiseLimit {
            return NetworkTransitionResult(sigma: noise, gC: criterion, gCCriterion: criterion, gLocal: local,
                                           route: .criterion)
        }
        let critical = try root("λ_max", noise: noise, from: local, tolerance: 1e-9) {
            try lyapunovExponent(coupling: $0, noise: noise, nonlinearity: nonlinearity).0.lambdaMax
        }
        return NetworkTransitionResult(sigma: noise, gC: critical, gCCriterion: criterion, gLocal: local, route: .lyapunov)
    }
}

/// The transition couplings at small noise, as power series in σ (tanh and erf).
///
/// Derivation (docs/PHYSICS.md §1). For small variance expand the Gaussian averages in Δ0 with φ's Taylor series
/// (tanh: φ = x − x³/3 + 2x⁵/15 − …, Φ = ln cosh x): ⟨φ²⟩ = Δ0 − 2Δ0² + …, ⟨φ'²⟩ = 1 − 2Δ0 + …,
/// Var Φ = Δ0²/2 − Δ0³ + …. The criterion Δ0 = g²⟨φ²⟩ gives g² = Δ0/⟨φ²⟩ = 1 + 2Δ0 − 5Δ0²/3 + …; in the energy
/// equation Δ0²/2 − g² Var Φ = σ⁴/8 the orders Δ0² and Δ0³ then cancel and Δ0⁴/6 − Δ0⁵ + … = σ⁴/8, so
/// Δ0 = (3/4)^{1/4} σ + (3√3/4) σ² + …, and g_c = 1 + (3^{1/4}/√2) σ + (√3/12) σ² − (113·√2·3^{3/4}/480) σ³
/// + (171/40) σ⁴ + O(σ⁵). The local line g²⟨φ'²⟩ = 1 follows in the same way. Series to order 10 in Δ0 were
/// expanded symbolically; the coefficients below are exact to rounding. The truncation error at σ = 10⁻³ is
/// ~σ⁵·10 ≈ 1e-14; the series agree with the direct roots there (tests).
package struct SmallNoiseSeries: Sendable {
    /// Coefficients of g_c − 1 in powers σ¹…σ⁴.
    package let critical: [Double]
    /// Coefficients of g_local − 1 in powers σ¹…σ⁴.
    package let local: [Double]

    /// The series for `nonlinearity` (by name: tanh or erf); nil for other transfer functions.
    package init?(nonlinearity: Nonlinearity) {
        switch nonlinearity.name {
        case "tanh":
            critical = [0.93060485910209960, 0.14433756729740644, -0.75891501435037648, 4.275]
            local = [0.62233297728847833, -0.19364916731037084, 0.071906843495546330, 0.343]
        case "erf":
            critical = [0.82472708309345080, 0.11336246026463862, -0.056095854711811575, -0.0012851047397251769]
            local = [0.55152824107022923, -0.15209170034901045, 0.11072538572682853, -0.10224293309253507]
        default:
            return nil
        }
    }

    /// g_c(σ) = 1 + Σ_k critical[k−1] σ^k.
    package func criticalCoupling(noise: Double) -> Double { 1 + Self.sum(critical, noise) }

    /// g_local(σ) = 1 + Σ_k local[k−1] σ^k.
    package func localCoupling(noise: Double) -> Double { 1 + Self.sum(local, noise) }

    static func sum(_ coefficients: [Double], _ x: Double) -> Double {
        var total = 0.0
        for coefficient in coefficients.reversed() { total = (total + coefficient) * x }
        return total
    }
}
