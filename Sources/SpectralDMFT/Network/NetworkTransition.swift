import Foundation

/// Where a noise-driven random network becomes chaotic: the three characteristic couplings at one noise level.
public struct NetworkTransitionResult: Sendable, Codable {
    /// Noise amplitude σ.
    public let sigma: Double
    /// g_c: root of λ_max(g; σ) = 0 (DMFT solve + Lyapunov exponent at each trial g).
    public let gC: Double
    /// Root of the criterion Δ0 = g²⟨φ²⟩ at variance Δ0 (i.e. Δ''(0⁺) = 0), with Δ0 from the potential method.
    public let gCCriterion: Double
    /// Line of local instability: g² ⟨φ'²⟩ = 1 at variance Δ0.
    public let gLocal: Double
}

/// The transition to chaos of a random rate network driven by white noise (Schuecker, Goedeke & Helias 2018;
/// PHYSICS.md §1). Without noise all three couplings equal 1; with σ > 0 the transition moves to g_c(σ) > g_local.
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

    /// The three couplings at noise σ. Throws when a root cannot be bracketed or a solve fails.
    public static func locate(noise: Double, nonlinearity: Nonlinearity = .tanh) throws -> NetworkTransitionResult {
        guard noise.isFinite, noise >= 0 else {
            throw ModelError.invalidParameter(name: "sigma", value: noise, requirement: "a finite number >= 0")
        }
        if noise == 0 { return NetworkTransitionResult(sigma: 0, gC: 1, gCCriterion: 1, gLocal: 1) }
        let local = try root("g²⟨φ'²⟩ − 1", noise: noise, from: 1, tolerance: 1e-12) {
            try localInstability($0, noise: noise, nonlinearity: nonlinearity)
        }
        let criterion = try root("Δ0 − g²⟨φ²⟩", noise: noise, from: local, tolerance: 1e-12) {
            -(try curvatureCriterion($0, noise: noise, nonlinearity: nonlinearity))
        }
        let critical = try root("λ_max", noise: noise, from: local, tolerance: 1e-9) {
            try lyapunovExponent(coupling: $0, noise: noise, nonlinearity: nonlinearity).0.lambdaMax
        }
        return NetworkTransitionResult(sigma: noise, gC: critical, gCCriterion: criterion, gLocal: local)
    }
}
