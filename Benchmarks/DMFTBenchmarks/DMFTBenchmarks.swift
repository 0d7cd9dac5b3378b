import Benchmark
import SpectralDMFT
import SpectralDMFTValidation

// The rows of `dmft bench` under package-benchmark (wall clock, CPU and memory; baselines and comparisons):
//
//   swift package benchmark
//   swift package --allow-writing-to-package-directory benchmark baseline update main
//   swift package benchmark baseline compare main
//
// The workloads are those of `dmft bench` (SpectralDMFTValidation.BenchWorkloads). Each solver row also records the
// custom metric "× floor": its wall time over the bare-DCT floor measured once at the start of the same process
// (the median of 7 × 200 transforms), so the ratios are comparable across machines and baselines.

/// The bare-DCT floor of this run in seconds: median over 7 repeats of 200 transforms at the g = 1.5 grid.
let floorSeconds: Double = {
    guard let floor = try? BenchWorkloads.FloorTransform() else { return .nan }
    floor.run(times: 200)   // warm up (FFTW plan, caches)
    return Timing.median((0..<7).map { _ in Timing.seconds { floor.run(times: 200) } / 200 })
}()

extension BenchmarkMetric {
    /// Wall time of one iteration as a multiple of the bare-DCT floor of the same run.
    static var floorRatio: BenchmarkMetric { .custom("× floor", polarity: .prefersSmaller, useScalingFactor: false) }
}

/// Runs `body` once per scaled iteration, recording its wall time as a multiple of the floor.
func againstFloor(_ benchmark: Benchmark, _ body: () throws -> Void) rethrows {
    for _ in benchmark.scaledIterations {
        let seconds = try Timing.seconds(body)
        benchmark.measurement(.floorRatio, Int((seconds / floorSeconds).rounded()))
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .floorRatio],
                                           timeUnits: .milliseconds, warmupIterations: 1,
                                           maxDuration: .seconds(10), maxIterations: 25)
    let slow = Benchmark.Configuration(metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .floorRatio], timeUnits: .milliseconds,
                                       warmupIterations: 0, maxDuration: .seconds(60), maxIterations: 3)

    // The floor: one bare DCT-I at the g = 1.5 grid size, 1000 transforms per iteration (reported per transform).
    Benchmark("bare DCT-I (floor)", configuration: .init(metrics: [.wallClock, .cpuTotal], timeUnits: .microseconds,
                                                          scalingFactor: .kilo, maxDuration: .seconds(5))) { benchmark in
        let floor = try BenchWorkloads.FloorTransform()
        benchmark.startMeasurement()
        floor.run(times: benchmark.scaledIterations.count)
    }
    for g in [1.5, 1.02] {
        Benchmark("network solve g = \(g), residual 1e-10") { benchmark in
            let workload = try BenchWorkloads.NetworkSolve(coupling: g)
            benchmark.startMeasurement()
            try againstFloor(benchmark) { blackHole(try workload.run()) }
        }
    }
    Benchmark("λ_max at g = 2 (solve + ground state)") { benchmark in
        try againstFloor(benchmark) { blackHole(try BenchWorkloads.lyapunovExponent()) }
    }
    for temperature in [0.8, 0.65] {
        Benchmark("p-spin p = 3 spectral solve, T = \(temperature)") { benchmark in
            try againstFloor(benchmark) { blackHole(try BenchWorkloads.pspinSpectral(temperature: temperature)) }
        }
    }
    Benchmark("p-spin p = 3 doubling solve, T = 0.62 (to τ = 1e10)") { benchmark in
        try againstFloor(benchmark) { try BenchWorkloads.pspinDoubling() }
    }
    Benchmark("network scan, 100 g in [0.5, 3], every core") { benchmark in
        againstFloor(benchmark) { blackHole(BenchWorkloads.networkScan()) }
    }
    // General networks (docs/PHYSICS.md §1.10, §1.11): one D = 1 solve, the E–I networks at s = 3, a 100-point scan.
    Benchmark("general network solve (relu-tanh, h0 = 0.5, J0 = −1, g = 3)") { benchmark in
        let model = try GeneralNetworkModel(coupling: 3, bias: 0.5, meanCoupling: -1, nonlinearity: .reluTanh)
        try againstFloor(benchmark) { blackHole(try model.solve()) }
    }
    for (label, rankOne) in [("rank one", true), ("general", false)] {
        Benchmark("E–I network solve, \(label), s = 3") { benchmark in
            let model = try PopulationNetworkModel(
                populations: [NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .reluTanh, bias: 0.3),
                              NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .reluTanh, bias: 0.2)],
                coupling: rankOne ? [[1, 2], [1.5, 3]] : [[1, 2], [1.5, 1]], meanCoupling: [[1.25, -2.5], [1.25, -2.5]], scale: 3)
            try againstFloor(benchmark) { blackHole(try model.solve()) }
        }
    }
    Benchmark("general network scan, tanh h0 = 0.5, 100 g in [2, 3], every core", configuration: slow) { benchmark in
        let couplings = (0..<100).map { 2 + Double($0) / 99 }
        againstFloor(benchmark) {
            blackHole(GeneralNetworkScan.run(couplings: couplings, noise: 0, bias: 0.5, meanCoupling: 0, nonlinearity: .tanh))
        }
    }
    Benchmark("p = 3 quench, 4000 steps", configuration: slow) { benchmark in
        try againstFloor(benchmark) { blackHole(try BenchWorkloads.pspinQuench()) }
    }
    Benchmark("network transient (tanh, g = 2), 4000 steps", configuration: slow) { benchmark in
        try againstFloor(benchmark) { try BenchWorkloads.networkTransient() }
    }

    // The finite network at N = 2000: the product J·x (the simulation's floor) and one unit of model time (absolute
    // times; `dmft bench` quotes them as multiples of J·x).
    var backends: [MatrixVectorBackend] = [.vectorised]
    if BLASLibrary.optimised != nil { backends.append(.blas) }
    for backend in backends {
        Benchmark("simulate: J·x, N = 2000, \(backend)", configuration: .init(metrics: [.wallClock, .cpuTotal],
                                                                              timeUnits: .microseconds,
                                                                              maxDuration: .seconds(5))) { benchmark in
            let product = try SimulationBench.Product(size: 2000, backend: backend)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { product.multiply() }
        }
        for (sigma, tangent) in [(0.0, false), (0.0, true), (0.5, false), (0.5, true)] {
            Benchmark("simulate: N = 2000, σ = \(sigma)\(tangent ? " +tan" : ""), \(backend), 1 unit of model time",
                      configuration: .init(metrics: [.wallClock, .cpuTotal])) { benchmark in
                let workload = try SimulationBench.ModelTime(size: 2000, sigma: sigma, tangent: tangent, backend: backend)
                let steps = max(1, Int((1 / workload.step).rounded()))
                workload.advance(steps: steps)   // onto the attractor
                benchmark.startMeasurement()
                for _ in benchmark.scaledIterations { workload.advance(steps: steps) }
            }
        }
    }
}
