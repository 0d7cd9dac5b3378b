import Foundation

/// The non-equilibrium steady state (NESS) of a spherical mixed p-spin model driven by a random non-conservative
/// force: the stationary problem of docs/PHYSICS.md §2 (driven p-spin), validated once when it is made.
///
/// Dynamics `ds_i/dt = −∂H/∂s_i − μ s_i + F_i(s) + ξ_i`, with H of covariance N f(q) and a random force of
/// covariance `⟨F_i(s)F_j(s')⟩ = δ_ij ε² h'(q)` (default `h(q) = q^k/2`), fully asymmetric by default (see
/// `symmetry`). There is no FDT: the correlation C(τ) and the response R(τ) are independent unknowns of
///
///     R̂(ω) = 1/(μ − iω − Σ̂(ω)),   Ĉ(ω) = |R̂(ω)|² (2T + D̂(ω)),   C(0) = 1 fixes μ,
///     Σ(τ) = f''(C(τ)) R(τ),       D(τ) = f'(C(τ)) + ε² h'(C(τ)),
///
/// with `ĝ(ω) = ∫_0^∞ g e^{iωτ} dτ` for the causal Σ, R and `ĝ(ω) = ∫ g(|τ|) e^{iωτ} dτ` for the even C, D.
/// At ε = 0 and T > T_d it is the equilibrium problem `PSpinEquilibrium`. Below T_d a decaying (ergodic) solution
/// exists for ε > 0; it is found by continuation from large ε (`DrivenPSpinScan`).
///
/// Units: time in the units of the Langevin dynamics (mobility 1), T and ε² h in the units of f.
///
///     let problem = try DrivenPSpin(mixture: .pure(3), temperature: 0.8, drive: 0.5)
///     let solution = try problem.solve()
///     solution.relaxationTime, solution.injectedPower, solution.slowEffectiveTemperature
public struct DrivenPSpin: StationaryProblem, Codable, Equatable {
    /// The model f(q) = Σ c_p q^p/2.
    public let mixture: PSpinMixture
    /// The covariance function of the drive, h(q) = Σ c_k q^k/2 (default q^k/2, k ≥ 2).
    public let driveMixture: PSpinMixture
    /// The drive strength ε ≥ 0 (it enters only as ε²).
    public let drive: Double
    /// The symmetry η of the drive: the correlation of J̃^i_{j…} with J̃^j_{i…} (0: fully asymmetric, the default;
    /// 1: a gradient force, equilibrium with f + ε²h). It adds η ε² h''(C) R to the memory kernel; the injected
    /// power is then `P = −(1 − η) ε² ∫h''(C) C' R`. *[Derived by analogy with Crisanti–Sompolinsky; checked at
    /// η = 1 against the equilibrium of f + ε²h.]*
    public let symmetry: Double
    /// The temperature T > 0 of the bath.
    public let temperature: Double
    /// T_d and q_d of the undriven model.
    public let transition: DynamicalTransition

    /// The problem with drive `ε h(q)`, `h = driveMixture`, of symmetry η (`symmetry`, default 0).
    ///
    /// - Throws: `DrivenPSpinError.invalidTemperature` (T not finite and > 0), `.invalidDrive` (ε not finite and
    ///   ≥ 0), `.invalidSymmetry` (η outside [−1/(k_max − 1), 1], k_max the highest degree of h: beyond, the
    ///   k pairwise correlations cannot all be η), `.undrivenBelowTransition` (ε = 0 at T ≤ T_d: no stationary
    ///   ergodic state, the system ages).
    public init(mixture: PSpinMixture, driveMixture: PSpinMixture, temperature: Double, drive: Double,
                symmetry: Double = 0) throws {
        guard temperature.isFinite, temperature > 0 else { throw DrivenPSpinError.invalidTemperature(temperature) }
        guard drive.isFinite, drive >= 0 else { throw DrivenPSpinError.invalidDrive(drive) }
        let highest = driveMixture.terms.map(\.degree).max() ?? 2
        let lowest = -1 / Double(highest - 1)
        guard symmetry.isFinite, symmetry >= lowest, symmetry <= 1 else {
            throw DrivenPSpinError.invalidSymmetry(symmetry, lowerBound: lowest)
        }
        let transition = mixture.dynamicalTransition
        if drive == 0 && temperature <= transition.temperature {
            throw DrivenPSpinError.undrivenBelowTransition(temperature: temperature, transition: transition.temperature)
        }
        self.mixture = mixture
        self.driveMixture = driveMixture
        self.temperature = temperature
        self.drive = drive
        self.symmetry = symmetry
        self.transition = transition
    }

    /// The problem with the k-body drive `h(q) = q^k/2`.
    ///
    /// - Throws: `DrivenPSpinError.invalidDriveOrder` for k < 2, and the errors of
    ///   `init(mixture:driveMixture:temperature:drive:symmetry:)`.
    public init(mixture: PSpinMixture, temperature: Double, drive: Double, driveOrder k: Int = 3,
                symmetry: Double = 0) throws {
        guard k >= 2 else { throw DrivenPSpinError.invalidDriveOrder(k) }
        try self.init(mixture: mixture, driveMixture: try PSpinMixture.pure(k), temperature: temperature, drive: drive,
                      symmetry: symmetry)
    }

    /// β = 1/T.
    public var inverseTemperature: Double { 1 / temperature }
    /// True when T > T_d (a stationary state exists at every ε, continuously connected to equilibrium at ε = 0).
    public var isAboveTransition: Bool { temperature > transition.temperature }

    /// The equilibrium problem at ε = 0 (nil below T_d).
    public var equilibrium: PSpinEquilibrium? {
        try? PSpinEquilibrium(mixture: mixture, temperature: temperature)
    }

    /// The memory-kernel function `f''(q) + η ε² h''(q)` (Σ = that of C, times R).
    public func memoryCurvature(_ q: Double) -> Double {
        mixture.secondDerivative(q) + symmetry * drive * drive * driveMixture.secondDerivative(q)
    }

    /// The noise kernel `D(q) = f'(q) + ε² h'(q)`.
    public func noiseKernel(_ q: Double) -> Double {
        mixture.derivative(q) + drive * drive * driveMixture.derivative(q)
    }

    /// Solves on the automatic grid (`DrivenPSpinSpectralSolver.automaticGrid(for:previous:)`), doubling the window
    /// up to four times while C is still decaying at its end.
    ///
    /// Below T_d and for ε < 1 the decaying (ergodic) branch is reached by continuation: the problem is solved at
    /// `ε_i = ε^{i/n}` (from 1 down to ε, n = ⌈ln ε/ln 0.85⌉ steps of at most 15%), each from the previous
    /// solution. (A start far from the decaying branch at small ε does not converge or lands on the plateau.)
    ///
    /// - Throws: `DrivenPSpinError.noDecayingSolution` when C has not decayed (plateau branch, or still decaying
    ///   after the last doubling), `ConvergenceError` (carrying the residual) when the iteration does not
    ///   converge, `GridError.tooManyPoints` when the window would need more than
    ///   `DrivenPSpinSpectralSolver.maximumIntervals` intervals (τ_α too long: ε too small below T_d).
    public func solve() throws -> DrivenPSpinSolution {
        guard !isAboveTransition, drive < 1 else { return try solve(initialGuess: nil) }
        let steps = Int((log(drive) / log(0.85)).rounded(.up))
        var previous: DrivenPSpinSolution?
        for i in 0..<steps {
            let ladder = try DrivenPSpin(mixture: mixture, driveMixture: driveMixture, temperature: temperature,
                                         drive: pow(drive, Double(i) / Double(steps)), symmetry: symmetry)
            previous = try ladder.solve(initialGuess: previous)
        }
        return try solve(initialGuess: previous)
    }

    /// As `solve()`, starting from `initialGuess` (a solution of a nearby problem, on any grid): continuation.
    public func solve(initialGuess: DrivenPSpinSolution?) throws -> DrivenPSpinSolution {
        var grid = try DrivenPSpinSpectralSolver.automaticGrid(for: self, previous: initialGuess)
        var guess = initialGuess
        var doublings = 0
        while true {
            do {
                return try DrivenPSpinSpectralSolver(grid: grid).solve(self, initialGuess: guess)
            } catch DrivenPSpinError.noDecayingSolution(_, _, _, let solution?)
                        where doublings < 4 && !solution.isOnPlateau {
                // C is still decaying at the window's end: double the window and continue from what was found.
                doublings += 1
                guess = solution
                let intervals = PSpinSpectralSolver.smoothSize(atLeast: 2 * grid.intervals)
                guard intervals <= DrivenPSpinSpectralSolver.maximumIntervals else {
                    throw GridError.tooManyPoints(intervals)
                }
                grid = try LagGrid(step: grid.step, intervals: intervals)
            }
        }
    }
}

/// A driven p-spin problem that cannot be solved as stated, or a solve that found no decaying state. The
/// description is one line, fit for a command-line error.
public enum DrivenPSpinError: Error, CustomStringConvertible {
    /// T is not a finite positive number.
    case invalidTemperature(Double)
    /// ε is negative, NaN or infinite.
    case invalidDrive(Double)
    /// The drive order k of h(q) = q^k/2 is below 2.
    case invalidDriveOrder(Int)
    /// The symmetry η is not a finite number in [lowerBound, 1].
    case invalidSymmetry(Double, lowerBound: Double)
    /// ε = 0 at T ≤ T_d: there is no ergodic stationary state.
    case undrivenBelowTransition(temperature: Double, transition: Double)
    /// C has not decayed at the end of the window (the plateau branch, or a window too short); the converged
    /// (or last) iterate is attached, with C at the window's end.
    case noDecayingSolution(drive: Double, temperature: Double, plateau: Double, solution: DrivenPSpinSolution?)

    public var description: String {
        switch self {
        case .invalidTemperature(let temperature):
            return "invalid temperature T = \(temperature): it must be a finite number > 0"
        case .invalidDrive(let drive):
            return "invalid drive epsilon = \(drive): it must be a finite number >= 0"
        case .invalidDriveOrder(let k):
            return "invalid drive order k = \(k): it must be an integer >= 2"
        case .invalidSymmetry(let eta, let lowerBound):
            return "invalid drive symmetry eta = \(eta): it must be a finite number in [\(lowerBound), 1]"
        case .undrivenBelowTransition(let temperature, let transition):
            return "epsilon = 0 at T = \(temperature) <= T_d = \(transition): there is no stationary state (the system "
                + "ages); give epsilon > 0 or follow the dynamics with dmft pspin quench"
        case .noDecayingSolution(let drive, let temperature, let plateau, _):
            return "no decaying solution at T = \(temperature), epsilon = \(drive): C stays at \(plateau) at the end of "
                + "the window (plateau branch); continue from larger epsilon (dmft pspin drive-scan)"
        }
    }
}

extension PSpinMixture {
    /// The n-th derivative of `f(q) = Σ c_p q^p/2` at q (n ≥ 0; exact for the polynomial).
    func derivative(order n: Int, at q: Double) -> Double {
        var sum = 0.0
        for term in terms where term.degree >= n {
            var falling = 1.0
            for i in 0..<n { falling *= Double(term.degree - i) }
            sum += term.coefficient * falling * power(q, term.degree - n)
        }
        return 0.5 * sum
    }
}
