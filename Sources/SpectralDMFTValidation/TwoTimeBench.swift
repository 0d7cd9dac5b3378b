import Foundation
import SpectralDMFT

/// Benchmark rows of the two-time integrators, for `dmft bench`.
///
/// The p = 3 quench to T = 0.4 with 4000 steps of dt = 0.05 (t = 200, order 4, two corrector passes; target
/// < 60 s on two cores, memory in the row's name), and the network transient with 4000 steps (tanh, g = 2).
/// Each row is timed `min(repeats, 3)` times (a run takes tens of seconds).
enum TwoTimeBench {
    static func run(repeats: Int) throws -> [BenchRow] {
        let count = max(1, min(repeats, 3))
        var rows: [BenchRow] = []
        var memory = 0, passes = 0
        let quenchTimes = try (0..<count).map { _ in
            try Timing.seconds { (memory, passes) = try BenchWorkloads.pspinQuench() }
        }
        rows.append(BenchRow(name: "p = 3 quench, 4000 steps, \(MemoryBudget.format(bytes: memory))",
                             medianSeconds: Timing.median(quenchTimes), minimumSeconds: quenchTimes.min()!, repeats: count,
                             iterations: passes, ratioToFloor: nil, target: "< 60 s"))
        let networkTimes = try (0..<count).map { _ in try Timing.seconds { try BenchWorkloads.networkTransient() } }
        rows.append(BenchRow(name: "network transient (tanh, g = 2), 4000 steps", medianSeconds: Timing.median(networkTimes),
                             minimumSeconds: networkTimes.min()!, repeats: count, iterations: nil, ratioToFloor: nil,
                             target: ""))
        return rows
    }
}
