import ArgumentParser
import Foundation
import SpectralDMFT

/// One benchmark row: what was timed, its median and minimum over the repeats, and its work count.
struct BenchRow: Encodable {
    let name: String
    let medianSeconds: Double
    let minimumSeconds: Double
    let repeats: Int
    let iterations: Int?
    let ratioToFloor: Double?
    let target: String
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Median timings of the solvers (run it from a release build: swift run -c release dmft bench).",
        discussion: """
        Each row is timed `--repeats` times with a fresh solver (nothing cached between repeats except FFTW plans); \
        the floor is one bare DCT-I of the g = 1.5 grid, and every solve is also quoted as a multiple of it.
        """
    )

    @Option(help: "Repeats per measurement (the median is reported).")
    var repeats: Int = 7

    @Flag(help: "Print the rows as JSON.")
    var json = false

    @Flag(help: "Skip the two-time integrator timings (a 4000-step p = 3 quench, about 10 s per repeat).")
    var skipTwoTime = false

    @Flag(help: "Skip the finite-N simulation timings (about 10 s).")
    var skipSimulation = false

    @Flag(help: "Also compare plain damped, Anderson and Newton–Krylov iteration at g = 1.01, 1.1, 1.5, 3 (slow: plain iteration needs thousands of steps).")
    var compareIteration = false

    func validate() throws {
        guard repeats >= 1 && repeats <= 1000 else { throw InputError("invalid repeats = \(repeats): it must be between 1 and 1000") }
    }

    func run() throws {
        #if DEBUG
        CommandSupport.warn("warning: this is a debug build; timings are meaningless (use swift run -c release dmft bench)")
        #endif
        var rows: [BenchRow] = []
        func report(_ row: BenchRow) {
            rows.append(row)
            if !json { print(Self.format(row)) }
        }
        if !json {
            print("dmft bench: \(repeats) repeats, \(ProcessInfo.processInfo.activeProcessorCount) cores")
            print(String(repeating: "-", count: 96))
        }

        // Floor: one DCT-I (the transform an iteration does twice) at the g = 1.5 grid size.
        let reference = try NetworkModel(coupling: 1.5)
        let referenceGrid = try NetworkStationarySolver.automaticGrid(for: reference)
        let transform = EvenFourierTransform(grid: referenceGrid)
        let values = referenceGrid.lags.map { exp(-$0 / 5) }
        var spectrum = [Double](repeating: 0, count: referenceGrid.count)
        let inner = 200
        let floorTimes = (0..<repeats).map { _ in
            Timing.seconds {
                values.withUnsafeBufferPointer { source in
                    spectrum.withUnsafeMutableBufferPointer { target in
                        for _ in 0..<inner { transform.forward(source, into: target) }
                    }
                }
            } / Double(inner)
        }
        let floor = Timing.median(floorTimes)
        report(BenchRow(name: "bare DCT-I, \(referenceGrid.count) points (floor)", medianSeconds: floor,
                        minimumSeconds: floorTimes.min()!, repeats: repeats, iterations: nil, ratioToFloor: 1, target: ""))

        for (g, target) in [(1.5, "< 50 ms"), (1.02, "")] {
            let model = try NetworkModel(coupling: g)
            let grid = try NetworkStationarySolver.automaticGrid(for: model)
            var iterations = 0
            let times = try (0..<repeats).map { _ in
                try Timing.seconds {
                    let solver = NetworkStationarySolver(grid: grid, options: IterationOptions(tolerance: 1e-10))
                    iterations = try solver.solve(model).report.iterations
                }
            }
            let median = Timing.median(times)
            report(BenchRow(name: "network solve g = \(g), residual 1e-10 (\(grid.count) lags)", medianSeconds: median,
                            minimumSeconds: times.min()!, repeats: repeats, iterations: iterations,
                            ratioToFloor: median / floor, target: target))
        }

        var lyapunovValue = 0.0
        let lyapunovTimes = try (0..<repeats).map { _ in
            try Timing.seconds { lyapunovValue = try NetworkTransition.lyapunovExponent(coupling: 2, noise: 0).0.lambdaMax }
        }
        let lyapunovMedian = Timing.median(lyapunovTimes)
        report(BenchRow(name: "λ_max at g = 2 (solve + ground state), λ = \(String(format: "%.6f", lyapunovValue))",
                        medianSeconds: lyapunovMedian, minimumSeconds: lyapunovTimes.min()!, repeats: repeats,
                        iterations: nil, ratioToFloor: lyapunovMedian / floor, target: "< 100 ms"))

        let cubic = try PSpinMixture.pure(3)
        for (temperature, target) in [(0.8, "< 50 ms"), (0.65, "< 1 s")] {
            var iterations = 0
            let times = try (0..<repeats).map { _ in
                try Timing.seconds { iterations = try PSpinEquilibrium(mixture: cubic, temperature: temperature).solve(method: .spectral).report.iterations }
            }
            let median = Timing.median(times)
            report(BenchRow(name: "p-spin p = 3 spectral solve, T = \(temperature)", medianSeconds: median,
                            minimumSeconds: times.min()!, repeats: repeats, iterations: iterations,
                            ratioToFloor: median / floor, target: target))
        }
        let doublingTimes = try (0..<repeats).map { _ in
            try Timing.seconds { _ = try DoublingSolver().solve(PSpinEquilibrium(mixture: cubic, temperature: 0.62)) }
        }
        let doublingMedian = Timing.median(doublingTimes)
        report(BenchRow(name: "p-spin p = 3 doubling solve, T = 0.62 (to τ = 1e10)", medianSeconds: doublingMedian,
                        minimumSeconds: doublingTimes.min()!, repeats: repeats, iterations: nil,
                        ratioToFloor: doublingMedian / floor, target: "< 0.5 s"))

        let couplings = evenlySpaced(from: 0.5, to: 3, count: 100)
        var failures = 0
        let scanTimes = (0..<max(1, repeats / 2)).map { _ in
            Timing.seconds {
                failures = NetworkScan.run(couplings: couplings, noise: 0).filter { $0.solution == nil }.count
            }
        }
        let scanMedian = Timing.median(scanTimes)
        report(BenchRow(name: "network scan, 100 g in [0.5, 3], every core\(failures > 0 ? " (\(failures) FAILED)" : "")",
                        medianSeconds: scanMedian, minimumSeconds: scanTimes.min()!, repeats: scanTimes.count,
                        iterations: nil, ratioToFloor: scanMedian / floor, target: "< 3 s"))
        if !skipTwoTime {
            for row in try TwoTimeBench.run(repeats: repeats) { report(row) }
        }

        if !skipSimulation {
            for row in try SimulationBench.run(repeats: max(1, repeats / 3)) { report(row) }
        }

        if compareIteration {
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
        if json { print(try JSONRecord.encode(rows)) }
    }

    static func format(_ row: BenchRow) -> String {
        func time(_ seconds: Double) -> String {
            seconds < 1e-3 ? String(format: "%8.1f µs", seconds * 1e6)
                : seconds < 1 ? String(format: "%8.2f ms", seconds * 1e3) : String(format: "%8.3f s ", seconds)
        }
        let name = row.name.padding(toLength: 54, withPad: " ", startingAt: 0)
        let ratio = row.ratioToFloor.map { String(format: "%9.0f×", $0) } ?? String(repeating: " ", count: 10)
        let iterations = row.iterations.map { String(format: "%5d it", $0) } ?? String(repeating: " ", count: 8)
        return "\(name) median \(time(row.medianSeconds))  min \(time(row.minimumSeconds))  \(ratio) floor \(iterations)  \(row.target)"
    }
}
