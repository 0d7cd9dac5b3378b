import Foundation
import SpectralDMFT

/// One benchmark row: what was timed, its median and minimum over the repeats, and its work count.
package struct BenchRow: Encodable, Sendable {
    package let name: String
    package let medianSeconds: Double
    package let minimumSeconds: Double
    package let repeats: Int
    package let iterations: Int?
    package let ratioToFloor: Double?
    package let target: String

    package init(name: String, medianSeconds: Double, minimumSeconds: Double, repeats: Int, iterations: Int?,
                 ratioToFloor: Double?, target: String) {
        self.name = name
        self.medianSeconds = medianSeconds
        self.minimumSeconds = minimumSeconds
        self.repeats = repeats
        self.iterations = iterations
        self.ratioToFloor = ratioToFloor
        self.target = target
    }

    /// The row as one line of the `dmft bench` table.
    package var formatted: String {
        func time(_ seconds: Double) -> String {
            seconds < 1e-3 ? String(format: "%8.1f µs", seconds * 1e6)
                : seconds < 1 ? String(format: "%8.2f ms", seconds * 1e3) : String(format: "%8.3f s ", seconds)
        }
        let name = self.name.padding(toLength: 54, withPad: " ", startingAt: 0)
        let ratio = ratioToFloor.map { String(format: "%9.0f×", $0) } ?? String(repeating: " ", count: 10)
        let iterations = self.iterations.map { String(format: "%5d it", $0) } ?? String(repeating: " ", count: 8)
        return "\(name) median \(time(medianSeconds))  min \(time(minimumSeconds))  \(ratio) floor \(iterations)  \(target)"
    }
}

/// The units of work timed by `dmft bench` and by the package-benchmark suite (Benchmarks/DMFTBenchmarks): each
/// call does one complete piece of work with fresh solvers (only FFTW plans are shared between calls).
package enum BenchWorkloads {
    /// The floor: one bare DCT-I (the transform a network iteration does twice) at the g = 1.5 grid size.
    package final class FloorTransform {
        /// The number of points of the transform.
        package let count: Int
        private let transform: EvenFourierTransform
        private let values: [Double]
        private var spectrum: [Double]

        package init() throws {
            let grid = try NetworkStationarySolver.automaticGrid(for: try NetworkModel(coupling: 1.5))
            count = grid.count
            transform = EvenFourierTransform(grid: grid)
            values = grid.lags.map { exp(-$0 / 5) }
            spectrum = [Double](repeating: 0, count: grid.count)
        }

        /// `times` transforms in a row.
        package func run(times: Int = 1) {
            values.withUnsafeBufferPointer { source in
                spectrum.withUnsafeMutableBufferPointer { target in
                    for _ in 0..<times { transform.forward(source, into: target) }
                }
            }
        }
    }

    /// The network solve of `dmft network solve --g g` (σ = 0, tanh, automatic grid, residual 1e-10).
    package struct NetworkSolve {
        package let model: NetworkModel
        package let grid: LagGrid

        package init(coupling: Double) throws {
            model = try NetworkModel(coupling: coupling)
            grid = try NetworkStationarySolver.automaticGrid(for: model)
        }

        /// One solve with a fresh solver; returns its iterations.
        package func run() throws -> Int {
            let solver = NetworkStationarySolver(grid: grid, options: IterationOptions(tolerance: 1e-10))
            return try solver.solve(model).report.iterations
        }
    }

    /// λ_max at g = 2, σ = 0: the stationary solve and the ground state of the stability operator.
    package static func lyapunovExponent() throws -> Double {
        try NetworkTransition.lyapunovExponent(coupling: 2, noise: 0).0.lambdaMax
    }

    /// The spectral p = 3 solve at `temperature`; returns its iterations.
    package static func pspinSpectral(temperature: Double) throws -> Int {
        try PSpinEquilibrium(mixture: try PSpinMixture.pure(3), temperature: temperature).solve(method: .spectral).report.iterations
    }

    /// The time-doubling p = 3 solve at T = 0.62 (to τ = 1e10).
    package static func pspinDoubling() throws {
        _ = try DoublingSolver().solve(PSpinEquilibrium(mixture: .pure(3), temperature: 0.62))
    }

    /// The network scan of 100 couplings in [0.5, 3] on every core; returns the number of failed points.
    package static func networkScan() -> Int {
        NetworkScan.run(couplings: evenlySpaced(from: 0.5, to: 3, count: 100), noise: 0).filter { $0.solution == nil }.count
    }

    /// The p = 3 quench to T = 0.4, 4000 steps of dt = 0.05; returns (memory in bytes, corrector passes).
    package static func pspinQuench() throws -> (memory: Int, passes: Int) {
        let integrator = try PSpinQuenchIntegrator(mixture: try PSpinMixture.pure(3), temperature: 0.4,
                                                   options: TwoTimeOptions(step: 0.05, steps: 4000))
        try integrator.advance()
        return (integrator.memoryBytes, integrator.statistics.passes)
    }

    /// The network transient (tanh, g = 2, σ = 0), 4000 steps of dt = 0.05.
    package static func networkTransient() throws {
        let model = try NetworkModel(coupling: 2, noise: 0, nonlinearity: .tanh)
        let integrator = try NetworkTransientIntegrator(model: model, initialVariance: 1,
                                                        options: TwoTimeOptions(step: 0.05, steps: 4000), waitingTimes: [100])
        try integrator.advance()
    }
}

/// What `dmft bench` measures.
package struct BenchOptions: Sendable {
    /// Repeats per measurement (the median is reported).
    package var repeats = 7
    /// The two-time integrator rows (a 4000-step p = 3 quench, about 10 s per repeat).
    package var includesTwoTime = true
    /// The finite-N simulation rows.
    package var includesSimulation = true
    /// Plain damped, Anderson and Newton–Krylov iteration compared at g = 1.01, 1.1, 1.5, 3 (slow).
    package var comparesIteration = false

    package init() {}
}

/// The rows of `dmft bench`: every solve timed `repeats` times and quoted as a multiple of the bare-DCT floor
/// measured in the same run.
package enum BenchSuite {
    /// Measures every row, handing each to `report` as soon as it is measured.
    package static func run(_ options: BenchOptions, report: (BenchRow) -> Void) throws {
        let repeats = options.repeats
        let floorWorkload = try BenchWorkloads.FloorTransform()
        let inner = 200
        let floorTimes = (0..<repeats).map { _ in Timing.seconds { floorWorkload.run(times: inner) } / Double(inner) }
        let floor = Timing.median(floorTimes)
        report(BenchRow(name: "bare DCT-I, \(floorWorkload.count) points (floor)", medianSeconds: floor,
                        minimumSeconds: floorTimes.min()!, repeats: repeats, iterations: nil, ratioToFloor: 1, target: ""))

        for (g, target) in [(1.5, "< 50 ms"), (1.02, "")] {
            let workload = try BenchWorkloads.NetworkSolve(coupling: g)
            var iterations = 0
            let times = try (0..<repeats).map { _ in try Timing.seconds { iterations = try workload.run() } }
            let median = Timing.median(times)
            report(BenchRow(name: "network solve g = \(g), residual 1e-10 (\(workload.grid.count) lags)", medianSeconds: median,
                            minimumSeconds: times.min()!, repeats: repeats, iterations: iterations,
                            ratioToFloor: median / floor, target: target))
        }

        var lyapunovValue = 0.0
        let lyapunovTimes = try (0..<repeats).map { _ in
            try Timing.seconds { lyapunovValue = try BenchWorkloads.lyapunovExponent() }
        }
        let lyapunovMedian = Timing.median(lyapunovTimes)
        report(BenchRow(name: "λ_max at g = 2 (solve + ground state), λ = \(String(format: "%.6f", lyapunovValue))",
                        medianSeconds: lyapunovMedian, minimumSeconds: lyapunovTimes.min()!, repeats: repeats,
                        iterations: nil, ratioToFloor: lyapunovMedian / floor, target: "< 100 ms"))

        for (temperature, target) in [(0.8, "< 50 ms"), (0.65, "< 1 s")] {
            var iterations = 0
            let times = try (0..<repeats).map { _ in
                try Timing.seconds { iterations = try BenchWorkloads.pspinSpectral(temperature: temperature) }
            }
            let median = Timing.median(times)
            report(BenchRow(name: "p-spin p = 3 spectral solve, T = \(temperature)", medianSeconds: median,
                            minimumSeconds: times.min()!, repeats: repeats, iterations: iterations,
                            ratioToFloor: median / floor, target: target))
        }
        let doublingTimes = try (0..<repeats).map { _ in try Timing.seconds { try BenchWorkloads.pspinDoubling() } }
        let doublingMedian = Timing.median(doublingTimes)
        report(BenchRow(name: "p-spin p = 3 doubling solve, T = 0.62 (to τ = 1e10)", medianSeconds: doublingMedian,
                        minimumSeconds: doublingTimes.min()!, repeats: repeats, iterations: nil,
                        ratioToFloor: doublingMedian / floor, target: "< 0.5 s"))

        var failures = 0
        let scanTimes = (0..<max(1, repeats / 2)).map { _ in Timing.seconds { failures = BenchWorkloads.networkScan() } }
        let scanMedian = Timing.median(scanTimes)
        report(BenchRow(name: "network scan, 100 g in [0.5, 3], every core\(failures > 0 ? " (\(failures) FAILED)" : "")",
                        medianSeconds: scanMedian, minimumSeconds: scanTimes.min()!, repeats: scanTimes.count,
                        iterations: nil, ratioToFloor: scanMedian / floor, target: "< 3 s"))
        if options.includesTwoTime {
            for row in try TwoTimeBench.run(repeats: repeats) { report(row) }
        }
        if options.includesSimulation {
            for row in try SimulationBench.run(repeats: max(1, repeats / 3)) { report(row) }
        }
        if options.comparesIteration {
            for g in [1.01, 1.1, 1.5, 3] {
                let model = try NetworkModel(coupling: g)
                let grid = try NetworkStationarySolver.automaticGrid(for: model)
                for acceleration in [Acceleration.plain(damping: 1), .anderson(depth: 8, damping: 1), .standard] {
                    let solver = NetworkStationarySolver(
                        grid: grid, options: IterationOptions(tolerance: 1e-10, maximumIterations: 20_000, acceleration: acceleration))
                    var iterations = 0
                    var outcome = ""
                    let seconds = Timing.seconds {
                        do { iterations = try solver.solve(model).report.iterations }
                        catch { outcome = " (\(error))" }
                    }
                    report(BenchRow(name: "g = \(g): \(acceleration)\(outcome)", medianSeconds: seconds, minimumSeconds: seconds,
                                    repeats: 1, iterations: iterations, ratioToFloor: seconds / floor, target: ""))
                }
            }
        }
    }
}
