import Foundation

/// One point of a temperature scan of the p-spin equilibrium: the solution, or the error that stopped it.
public struct PSpinScanPoint: Sendable {
    /// Temperature T.
    public let temperature: Double
    /// The converged solution, or nil when the solve failed.
    public let solution: PSpinEquilibriumSolution?
    /// Why the solve failed (nil on success): one line.
    public let failure: String?
    /// Last residual of a failed solve (NaN when unknown).
    public let failedResidual: Double
}

/// Solves the p-spin equilibrium at many temperatures in parallel, the counterpart of `NetworkScan`.
public enum PSpinScan {
    /// Solves `mixture` at every temperature of `temperatures` (e.g. `evenlySpaced(from:to:count:)`) with
    /// `method` (`.auto` picks per point; each solution's `method` says which ran). Failures, including
    /// temperatures at or below T_d, are returned as points with `solution == nil`, never as numbers.
    public static func run(
        mixture: PSpinMixture, temperatures: [Double], method: PSpinEquilibriumMethod = .auto,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        completed: (@Sendable (Int) -> Void)? = nil
    ) -> [PSpinScanPoint] {
        ParallelMap.run(count: temperatures.count, workers: workers, makeWorkspace: { () }, completed: completed) { _, index in
            let temperature = temperatures[index]
            do {
                let solution = try PSpinEquilibrium(mixture: mixture, temperature: temperature).solve(method: method)
                return PSpinScanPoint(temperature: temperature, solution: solution, failure: nil, failedResidual: .nan)
            } catch {
                return PSpinScanPoint(temperature: temperature, solution: nil, failure: "\(error)",
                                      failedResidual: ConvergenceError.residual(of: error))
            }
        }
    }
}
