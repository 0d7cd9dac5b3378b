import Foundation

/// One point of a scan over the coupling g: the stationary variance, decorrelation time and solver statistics,
/// or the error that stopped it.
public struct NetworkScanPoint: Sendable {
    /// Coupling g.
    public let coupling: Double
    /// Noise amplitude σ.
    public let noise: Double
    /// The converged solution, or nil when the solve failed.
    public let solution: NetworkSolution?
    /// Why the solve failed (nil on success).
    public let failure: String?
    /// Last residual of a failed solve (NaN when unknown).
    public let failedResidual: Double
    /// λ_max when the scan asked for it.
    public let lyapunov: LyapunovResult?
}

/// Solves the stationary network DMFT at many couplings in parallel (one solver per worker and grid).
public enum NetworkScan {
    /// Solves at every coupling in `couplings` (e.g. `evenlySpaced(from:to:count:)`) with noise σ and transfer
    /// function φ, on automatic grids (`NetworkStationarySolver.automaticGrid(for:lyapunov:)`). Failures are
    /// returned as points with `solution == nil`, never as numbers.
    public static func run(
        couplings: [Double], noise: Double, nonlinearity: Nonlinearity = .tanh,
        options: IterationOptions = IterationOptions(), lyapunov: Bool = false,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        completed: (@Sendable (Int) -> Void)? = nil
    ) -> [NetworkScanPoint] {
        ParallelMap.run(
            count: couplings.count, workers: workers,
            makeWorkspace: { [LagGrid: NetworkStationarySolver]() },
            completed: completed
        ) { solvers, index in
            let g = couplings[index]
            do {
                let model = try NetworkModel(coupling: g, noise: noise, nonlinearity: nonlinearity)
                let grid = try NetworkStationarySolver.automaticGrid(for: model, lyapunov: lyapunov)
                let solver: NetworkStationarySolver
                if let existing = solvers[grid] {
                    solver = existing
                } else {
                    solver = NetworkStationarySolver(grid: grid, options: options)
                    solvers[grid] = solver
                }
                let solution = try solver.solve(model)
                let exponent = lyapunov ? try LyapunovExponent.compute(model: model, solution: solution) : nil
                return NetworkScanPoint(coupling: g, noise: noise, solution: solution, failure: nil, failedResidual: .nan,
                                        lyapunov: exponent)
            } catch {
                return NetworkScanPoint(coupling: g, noise: noise, solution: nil, failure: "\(error)",
                                        failedResidual: ConvergenceError.residual(of: error), lyapunov: nil)
            }
        }
    }
}
