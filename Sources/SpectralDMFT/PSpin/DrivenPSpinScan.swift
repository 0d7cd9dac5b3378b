import Foundation
import Synchronization

/// One point of a drive scan of the driven p-spin NESS: the solution, or the error that stopped it.
public struct DrivenPSpinScanPoint: Sendable {
    /// The drive ε.
    public let drive: Double
    /// The converged decaying solution, or nil when the solve failed.
    public let solution: DrivenPSpinSolution?
    /// Why the solve failed (nil on success): one line.
    public let failure: String?
    /// Last residual of a failed solve (NaN when unknown).
    public let failedResidual: Double
}

/// Solves the driven p-spin NESS over a range of drives ε, from large to small ε with continuation, in parallel:
/// the counterpart of `PSpinScan`.
///
/// Below T_d the stationary equations have a decaying (ergodic) and a plateau branch at small ε; the decaying one
/// is followed by continuation from large drive. The drives are sorted in decreasing order and dealt out in turn
/// to the workers (worker w takes points w, w + W, w + 2W, …), so each worker walks down in ε in steps of W
/// scan steps, starting every solve from its own previous solution (window and grid follow the growing τ_α), and
/// the expensive small-ε points are shared evenly. A worker's first point other than the largest drive is reached
/// from a solve at the largest drive. Failed points are reported (`solution == nil`), never as numbers, and the
/// walk continues from the last good solution.
public enum DrivenPSpinScan {
    /// Solves the NESS of `mixture` with drive `h = driveMixture` at `temperature` for every ε in `drives`
    /// (e.g. `evenlySpaced(from:to:count:)`; any order). The points are returned in the order of `drives`.
    public static func run(
        mixture: PSpinMixture, driveMixture: PSpinMixture, temperature: Double, drives: [Double],
        symmetry: Double = 0, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        completed: (@Sendable (Int) -> Void)? = nil
    ) -> [DrivenPSpinScanPoint] {
        let lanes = max(1, min(workers, drives.count))
        let points = run(mixture: mixture, driveMixture: driveMixture, temperature: temperature, drives: drives,
                         symmetry: symmetry, lanes: lanes, selectedLanes: Array(0..<lanes), completed: completed)
        return drives.indices.map { points[$0]! }
    }

    /// The continuation lanes `selectedLanes` (each in 0..<lanes) of a scan split into `lanes` lanes, in parallel:
    /// lane w solves the points at positions w, w + lanes, … of the drives sorted in decreasing order. Returns the
    /// points of those lanes by their index in `drives`. The lanes of one scan are independent, so running them in
    /// separate processes (`dmft pspin drive-scan --shard`) gives the numbers of one run with `lanes` workers.
    package static func run(
        mixture: PSpinMixture, driveMixture: PSpinMixture, temperature: Double, drives: [Double],
        symmetry: Double = 0, lanes: Int, selectedLanes: [Int],
        completed: (@Sendable (Int) -> Void)? = nil
    ) -> [Int: DrivenPSpinScanPoint] {
        let order = drives.indices.sorted { drives[$0] > drives[$1] }
        let finished = Atomic<Int>(0)
        let results = ParallelMap.run(count: selectedLanes.count, workers: max(1, selectedLanes.count),
                                      makeWorkspace: { () }) { _, selected in
            let lane = selectedLanes[selected]
            var points: [(Int, DrivenPSpinScanPoint)] = []
            var previous: DrivenPSpinSolution?
            if lane > 0, let largest = order.first {
                previous = try? DrivenPSpin(mixture: mixture, driveMixture: driveMixture, temperature: temperature,
                                            drive: drives[largest], symmetry: symmetry).solve()
            }
            for position in stride(from: lane, to: order.count, by: lanes) {
                let index = order[position], drive = drives[index]
                do {
                    let problem = try DrivenPSpin(mixture: mixture, driveMixture: driveMixture,
                                                  temperature: temperature, drive: drive, symmetry: symmetry)
                    let solution = try problem.solve(initialGuess: previous)
                    previous = solution
                    points.append((index, DrivenPSpinScanPoint(drive: drive, solution: solution, failure: nil,
                                                               failedResidual: .nan)))
                } catch {
                    points.append((index, DrivenPSpinScanPoint(drive: drive, solution: nil, failure: "\(error)",
                                                               failedResidual: ConvergenceError.residual(of: error))))
                }
                let done = finished.add(1, ordering: .relaxed).newValue
                completed?(done)
            }
            return points
        }
        var ordered: [Int: DrivenPSpinScanPoint] = [:]
        for lane in results { for (index, point) in lane { ordered[index] = point } }
        return ordered
    }

    /// As `run(mixture:driveMixture:temperature:drives:workers:completed:)` with the k-body drive h = q^k/2.
    public static func run(
        mixture: PSpinMixture, temperature: Double, drives: [Double], driveOrder k: Int = 3,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        completed: (@Sendable (Int) -> Void)? = nil
    ) throws -> [DrivenPSpinScanPoint] {
        guard k >= 2 else { throw DrivenPSpinError.invalidDriveOrder(k) }
        return run(mixture: mixture, driveMixture: try PSpinMixture.pure(k), temperature: temperature, drives: drives,
                   workers: workers, completed: completed)
    }
}
