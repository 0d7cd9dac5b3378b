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
    /// Couplings `gMin + i (gMax − gMin)/(steps − 1)`, `i = 0…steps−1` (one point when steps = 1).
    public static func couplings(from gMin: Double, to gMax: Double, steps: Int) -> [Double] {
        steps == 1 ? [gMin] : (0..<steps).map { gMin + Double($0) * (gMax - gMin) / Double(steps - 1) }
    }

    /// Solves at every coupling in `couplings` with noise σ and transfer function φ, on automatic grids
    /// (step capped at 0.05 when `lyapunov` is set, for the Numerov ground state). Failures are returned as
    /// points with `solution == nil`, never as numbers.
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
                let automatic = try NetworkStationarySolver.automaticGrid(for: model)
                let grid = lyapunov && automatic.step > 0.05
                    ? try LagGrid(step: 0.05, minimumWindow: automatic.window) : automatic
                let solver: NetworkStationarySolver
                if let existing = solvers[grid] {
                    solver = existing
                } else {
                    solver = NetworkStationarySolver(grid: grid, options: options)
                    solvers[grid] = solver
                }
                let solution = try solver.solve(model: model)
                let exponent = lyapunov ? try LyapunovExponent.compute(model: model, solution: solution) : nil
                return NetworkScanPoint(coupling: g, noise: noise, solution: solution, failure: nil, failedResidual: .nan,
                                        lyapunov: exponent)
            } catch let error as ConvergenceError {
                var residual = Double.nan
                if case .notConverged(let last, _, _) = error { residual = last }
                return NetworkScanPoint(coupling: g, noise: noise, solution: nil, failure: "\(error)", failedResidual: residual,
                                        lyapunov: nil)
            } catch {
                return NetworkScanPoint(coupling: g, noise: noise, solution: nil, failure: "\(error)", failedResidual: .nan,
                                        lyapunov: nil)
            }
        }
    }
}
