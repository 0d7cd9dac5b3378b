import Foundation

/// The equilibrium (ergodic, FDT) dynamics of a spherical mixed p-spin model at temperature T above the dynamical
/// transition: the stationary problem of docs/PHYSICS.md §2, validated once when it is made.
///
///     ∂_τ C(τ) = −T C(τ) − β ∫_0^τ f'(C(τ−s)) ∂_s C(s) ds,   C(0) = 1,   R = −βC',   μ = T + βf'(1).
///
/// Units: time in the units of the Langevin dynamics (mobility 1), T in the units of f.
///
///     let problem = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8)
///     let spectral = try problem.solve(with: try PSpinSpectralSolver(for: problem))
///     let doubling = try problem.solve(with: try DoublingSolver())
///     spectral.relaxationTime, doubling.relaxationTime                 // τ_α = 5.0301…
public struct PSpinEquilibrium: StationaryProblem, Codable, Equatable {
    /// The model f(q) = Σ c_p q^p/2.
    public let mixture: PSpinMixture
    /// The temperature T = 1/β (> T_d, or = T_d for a critical problem).
    public let temperature: Double
    /// T_d and q_d of the model.
    public let transition: DynamicalTransition
    /// True for the critical problem at T = T_d (C(τ) → q_d as τ^{−a}; only the doubling solver runs it).
    public let isCritical: Bool

    /// The problem at `temperature`.
    ///
    /// - Throws: `PSpinEquilibriumError.invalidTemperature` for a temperature that is not finite and positive;
    ///   `.belowDynamicalTransition` for T ≤ T_d (no ergodic solution: follow the dynamics with
    ///   `PSpinQuenchIntegrator`).
    public init(mixture: PSpinMixture, temperature: Double) throws {
        guard temperature.isFinite, temperature > 0 else { throw PSpinEquilibriumError.invalidTemperature(temperature) }
        let transition = mixture.dynamicalTransition
        guard temperature > transition.temperature else {
            throw PSpinEquilibriumError.belowDynamicalTransition(
                temperature: temperature, transition: transition.temperature, plateau: transition.plateau,
                model: mixture.formula)
        }
        self.mixture = mixture
        self.temperature = temperature
        self.transition = transition
        isCritical = false
    }

    /// The critical problem at exactly T = T_d, where C(τ) decays onto the plateau q_d as `q_d + A τ^{−a}` and never
    /// below it (see `PSpinEquilibriumSolution.criticalDecayFit(over:)`). Only `DoublingSolver` solves it.
    public static func critical(mixture: PSpinMixture) -> PSpinEquilibrium {
        PSpinEquilibrium(mixture: mixture, criticalTransition: mixture.dynamicalTransition)
    }

    private init(mixture: PSpinMixture, criticalTransition: DynamicalTransition) {
        self.mixture = mixture
        temperature = criticalTransition.temperature
        transition = criticalTransition
        isCritical = true
    }

    /// β = 1/T.
    public var inverseTemperature: Double { 1 / temperature }
    /// The Lagrange multiplier of the spherical constraint, μ = T + β f'(1).
    public var lagrangeMultiplier: Double { temperature + mixture.derivative(1) / temperature }
    /// The equilibrium energy per spin, E/N = −β f(1) (= −1/(2T) for pure p).
    public var energy: Double { -mixture.f(1) / temperature }

    /// Solves with `PSpinEquilibriumMethod.auto`: the spectral solver where its automatic window is affordable,
    /// the time-doubling solver otherwise (close to T_d). The solution's `method` says which ran.
    public func solve() throws -> PSpinEquilibriumSolution {
        try solve(method: .auto)
    }

    /// Solves with the solver of `method` on its automatic grid and default options. For `.spectral`, when |C| at
    /// the end of the automatic window exceeds the solver's `maximumTail` (the window estimate is calibrated on pure
    /// p = 3), the window is doubled and the solve repeated, up to three times.
    ///
    /// - Throws: `PSpinEquilibriumError`, `DoublingSolverError`, `GridError`, or `ConvergenceError` carrying the
    ///   residual.
    public func solve(method: PSpinEquilibriumMethod) throws -> PSpinEquilibriumSolution {
        switch method.resolved(for: self) {
        case .doubling:
            return try DoublingSolver().solve(self)
        default:
            var grid = try PSpinSpectralSolver.automaticGrid(for: self)
            var attempts = 0
            while true {
                do {
                    return try PSpinSpectralSolver(grid: grid).solve(self)
                } catch SolverError.windowTooShort where attempts < 3 {
                    attempts += 1
                    grid = try LagGrid(step: grid.step, intervals: PSpinSpectralSolver.smoothSize(atLeast: 2 * grid.intervals))
                }
            }
        }
    }
}

/// Which equilibrium p-spin solver runs.
public enum PSpinEquilibriumMethod: String, Sendable, Codable, CaseIterable {
    /// `PSpinSpectralSolver`: uniform lag grid, O(dt⁸), spectra included.
    case spectral
    /// `DoublingSolver`: time doubling to τ = 1e10, O(h²), no spectra; fast at any distance from T_d.
    case doubling
    /// Spectral when its automatic grid has at most `PSpinEquilibriumMethod.spectralPointLimit` points,
    /// doubling otherwise (and for the critical problem).
    case auto

    /// The largest automatic spectral grid `auto` accepts: 2^17 points (a few tens of ms per solve).
    public static let spectralPointLimit = 1 << 17

    /// The concrete method `auto` stands for at `problem` (`.spectral` or `.doubling`); other cases are themselves.
    public func resolved(for problem: PSpinEquilibrium) -> PSpinEquilibriumMethod {
        guard self == .auto else { return self }
        if problem.isCritical { return .doubling }
        guard let grid = try? PSpinSpectralSolver.automaticGrid(for: problem),
              grid.count <= Self.spectralPointLimit else { return .doubling }
        return .spectral
    }
}

/// A p-spin equilibrium problem that cannot be solved as stated. The description is one line, fit for a
/// command-line error.
public enum PSpinEquilibriumError: Error, Equatable, CustomStringConvertible {
    /// T ≤ T_d: there is no ergodic stationary (FDT) solution.
    case belowDynamicalTransition(temperature: Double, transition: Double, plateau: Double, model: String)
    /// The temperature is not a finite positive number.
    case invalidTemperature(Double)
    /// The critical problem (T = T_d) was given to a solver that needs T > T_d.
    case criticalNeedsDoubling

    public var description: String {
        switch self {
        case .belowDynamicalTransition(let temperature, let transition, let plateau, let model):
            return "T = \(temperature) is at or below the dynamical transition T_d = \(transition) of \(model) "
                + "(plateau q_d = \(plateau)): there is no ergodic stationary solution; follow the dynamics with the "
                + "quench integrator (dmft pspin quench)"
        case .invalidTemperature(let temperature):
            return "invalid temperature T = \(temperature): it must be a finite number > 0"
        case .criticalNeedsDoubling:
            return "the critical problem T = T_d is solved by the time-doubling solver only"
        }
    }
}
