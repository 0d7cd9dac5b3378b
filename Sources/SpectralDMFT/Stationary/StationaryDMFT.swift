/// The shape every stationary DMFT model follows: a **problem** value (the model and its parameters, validated once
/// when it is made), interchangeable **solvers** (each owns its grid and workspaces and is reused across a scan), and
/// one **solution** type per model family, with the same names for the same things whatever solver produced it.
///
///     let problem = try NetworkModel(coupling: 1.5)                         // validated here, typed errors
///     let solution = try problem.solve()                                   // automatic solver and grid
///     let same = try problem.solve(with: NetworkStationarySolver(for: problem))   // or a solver you configure
///     solution.variance, solution.lags, solution.correlation(atLag: 3), solution.report
///
/// Conventions (docs/PHYSICS.md): lags τ ≥ 0 in the model's time unit, correlations of even functions of τ, spectra
/// `f̂(ω) = ∫ f(|τ|) e^{iωτ} dτ`.
public protocol StationaryProblem: Sendable {
    /// The solution type shared by every solver of this problem.
    associatedtype Solution: StationarySolution

    /// Solves the problem with the solver its model recommends (automatic grid and options).
    ///
    /// - Throws: the model's solver errors, and `ConvergenceError` (carrying the residual) when a solve does not
    ///   converge: a solve never returns an unconverged answer.
    func solve() throws -> Solution
}

/// A solver of one kind of stationary problem. Conformers for the same `Problem` are interchangeable: they
/// return the same `Solution` type, with a `report` that names the method that actually ran.
public protocol StationarySolver {
    /// The problem type this solver handles.
    associatedtype Problem: StationaryProblem

    /// Solves `problem` with this solver's grid and options.
    func solve(_ problem: Problem) throws -> Problem.Solution
}

/// What every stationary solution provides: the lags, the correlation on them and anywhere in the window, a
/// characteristic decay time and a report of the solve.
public protocol StationarySolution: Sendable {
    /// The lags τ_j ≥ 0 at which `correlation` is given (increasing, τ_0 = 0; uniform or not, by solver).
    var lags: [Double] { get }
    /// The stationary correlation at `lags`.
    var correlation: [Double] { get }
    /// The correlation at any lag in the window, interpolated to the accuracy of the grid.
    func correlation(atLag lag: Double) -> Double
    /// The model's characteristic decay time (τ½ of a network, τ_α of a p-spin), nil when it lies beyond the window.
    var characteristicTime: Double? { get }
    /// What ran, how many iterations, and the final residual.
    var report: ConvergenceReport { get }
}

extension StationaryProblem {
    /// Solves the problem with `solver`: `try problem.solve(with: solver)`.
    public func solve<S: StationarySolver>(with solver: S) throws -> Solution where S.Problem == Self {
        try solver.solve(self)
    }
}

/// `count` evenly spaced values from `first` to `last`, both included (`[first]` when count is 1): the points of
/// every scan.
public func evenlySpaced(from first: Double, to last: Double, count: Int) -> [Double] {
    count == 1 ? [first] : (0..<max(count, 0)).map { first + Double($0) * (last - first) / Double(count - 1) }
}
