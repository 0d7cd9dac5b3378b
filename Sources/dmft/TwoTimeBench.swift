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
        let mixture = try PSpinMixture.pure(3)
        let options = TwoTimeOptions(step: 0.05, steps: 4000)
        var memory = 0, passes = 0
        let quenchTimes = try (0..<count).map { _ in
            try Timing.seconds {
                let integrator = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.4, options: options)
                try integrator.advance()
                memory = integrator.memoryBytes
                passes = integrator.statistics.passes
            }
        }
        rows.append(BenchRow(name: "p = 3 quench, 4000 steps, \(MemoryBudget.format(bytes: memory))",
                             medianSeconds: Timing.median(quenchTimes), minimumSeconds: quenchTimes.min()!, repeats: count,
                             iterations: passes, ratioToFloor: nil, target: "< 60 s"))
        let model = try NetworkModel(coupling: 2, noise: 0, nonlinearity: .tanh)
        let networkTimes = try (0..<count).map { _ in
            try Timing.seconds {
                let integrator = try NetworkTransientIntegrator(model: model, initialVariance: 1, options: options,
                                                                waitingTimes: [100])
                try integrator.advance()
            }
        }
        rows.append(BenchRow(name: "network transient (tanh, g = 2), 4000 steps", medianSeconds: Timing.median(networkTimes),
                             minimumSeconds: networkTimes.min()!, repeats: count, iterations: nil, ratioToFloor: nil,
                             target: ""))
        return rows
    }
}
