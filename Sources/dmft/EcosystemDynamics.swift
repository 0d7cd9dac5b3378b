import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft ecosystem dynamics` records in DIR/run.json.
struct EcosystemDynamicsRecord: Encodable {
    let mu: Double, sigma: Double, gamma: Double, lambda: Double
    let tMax: Double, dt: Double, start: String
    let paths: Int, repetitions: Int, seed: UInt64, damping: Double, tolerance: Double, acceleration: Int, jitter: Double
    let iterations: [Int], residuals: [Double]
    let clippedWeight: Double
    let linearAlgebra: String
    let finalMean: Double, finalMeanError: Double, finalSecondMoment: Double, finalSecondMomentError: Double
    let seconds: Double
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case mu, sigma, gamma, lambda, tMax = "t_max", dt, start, paths, repetitions, seed, damping, tolerance, acceleration, jitter
        case iterations, residuals, clippedWeight = "clipped_weight", linearAlgebra = "linear_algebra", finalMean = "final_m", finalMeanError = "final_m_error"
        case finalSecondMoment = "final_C", finalSecondMomentError = "final_C_error", seconds, version, files
    }
}

struct EcosystemDynamics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dynamics",
        abstract: "Sampling DMFT of the transient: m(t), C(t,s), χ(t,s) with error bars over repetitions.",
        discussion: """
        Solves the single-species process dN/dt = N[1 − N − μ m(t) − σ η(t) + γσ² ∫χ(t,s)N(s)ds] + λ, \
        ⟨η(t)η(s)⟩ = C(t,s), self-consistently by Monte Carlo over --paths paths: η = Lξ with L the Cholesky factor of C and the same normal draws ξ in every \
        sweep (common random numbers), Heun in log N with a trapezoid memory, the per-path response from its Volterra \
        equation (γ ≠ 0; cost ∝ paths·(t/dt)³), damped iteration to --tolerance. Error bars are standard errors \
        over --repetitions independent repetitions. Writes DIR/trajectory.csv `t,m,m_error,c,c_error` (c = C(t,t)), \
        DIR/correlation.csv `t,s,C,C_error,chi,chi_error` (s ≤ t) and DIR/run.json.
        Example: dmft ecosystem dynamics --mu 4 --sigma 1 --t-max 20 --dt 0.1 --paths 10000 --output lv
        """
    )

    @OptionGroup var model: EcosystemModelOptions

    @Option(name: .customLong("lambda"), parsing: .unconditional, help: "Immigration λ ≥ 0. (default: 0)",
            transform: ArgumentValue.number)
    var lambda: Double = 0

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Last time of the grid.", transform: ArgumentValue.number)
    var tMax: Double

    @Option(parsing: .unconditional, help: "Grid step, in (0, 1]. (default: 0.1)", transform: ArgumentValue.number)
    var dt: Double = 0.1

    @Option(parsing: .unconditional, help: "Paths per repetition (at least 2).")
    var paths: Int = 10_000

    @Option(parsing: .unconditional, help: "Independent repetitions (error bars need 2 or more).")
    var repetitions: Int = 4

    @Option(parsing: .unconditional, help: "Seed of the normal draws.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Damping a of x ← (1−a)x + a G(x), in (0, 1]. (default: 0.5)",
            transform: ArgumentValue.number)
    var damping: Double = 0.5

    @Option(parsing: .unconditional, help: "Converged when max|G(x) − x|/max C(t,t) ≤ this. (default: 1e-10)",
            transform: ArgumentValue.number)
    var tolerance: Double = 1e-10

    @Option(parsing: .unconditional, help: "Anderson acceleration depth (0: plain damped iteration).")
    var acceleration: Int = 0

    @Option(parsing: .unconditional, help: "Relative diagonal jitter of the Cholesky factor of C. (default: 1e-10)",
            transform: ArgumentValue.number)
    var jitter: Double = 1e-10

    @Flag(name: .customLong("blas"), inversion: .prefixedNo,
          help: "Use an optimised BLAS (OpenBLAS/BLIS) for the dense products when one is found; --no-blas: the package's loops.")
    var blas = true

    @Option(help: "Initial abundances: uniform (on (0, 1)) or constant:V.")
    var start: EcosystemStart = .constant(1)

    @Option(name: .customLong("threads"), parsing: .unconditional, help: "Threads, at most 4 per core (default: one per core).")
    var requestedThreads: Int?

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String

    var folder: URL { URL(fileURLWithPath: output) }
    var files: [String] {
        ["trajectory.csv", "correlation.csv", "run.json"].map { folder.appendingPathComponent($0).path }
    }

    func configuration() throws -> (EcosystemDynamicsProblem, SamplingOptions) {
        let threads = try EcosystemCommandSupport.threads(requestedThreads)
        var options = SamplingOptions()
        options.paths = paths
        options.repetitions = repetitions
        options.seed = seed
        options.damping = damping
        options.tolerance = tolerance
        options.threads = threads
        options.acceleration = acceleration
        options.jitter = jitter
        options.usesBLAS = blas
        return try EcosystemCommandSupport.inputErrors {
            let problem = try EcosystemDynamicsProblem(model: try model.model(lambda: lambda), duration: tMax, step: dt,
                                                       start: start)
            _ = try SamplingDMFTSolver(options: options)
            return (problem, options)
        }
    }

    func validate() throws { _ = try configuration() }

    func run() throws {
        if blas { SamplingBLAS.preferAVX2Kernels() }
        let (problem, options) = try configuration()
        try EcosystemCommandSupport.checkOutput(folder: output, files: files)
        let linearAlgebra = try SamplingDMFTSolver(options: options).linearAlgebraDescription
        let (solution, seconds) = try EcosystemCommandSupport.timedWithProgress { report in
            try problem.solve(options: options) { repetition, iteration, residual in
                report(String(format: "dynamics: repetition %d/%d, iteration %d, residual %.1e",
                              repetition + 1, options.repetitions, iteration, residual))
            }
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let n = solution.kernels.timeCount, times = solution.times
        let k = solution.kernels, e = solution.errors
        var trajectory = CSVTable(columns: ["t", "m", "m_error", "c", "c_error"])
        for i in 0..<n { trajectory.append([times[i], k.mean[i], e.mean[i], k.covariance[i * n + i], e.covariance[i * n + i]]) }
        try trajectory.write(to: files[0])
        var correlation = CSVTable(columns: ["t", "s", "C", "C_error", "chi", "chi_error"])
        for i in 0..<n {
            for j in 0...i {
                correlation.append([times[i], times[j], k.covariance[i * n + j], e.covariance[i * n + j],
                                    k.response[i * n + j], e.response[i * n + j]])
            }
        }
        try correlation.write(to: files[1])
        let record = EcosystemDynamicsRecord(
            mu: model.mu, sigma: model.sigma, gamma: model.gamma, lambda: lambda, tMax: tMax, dt: dt,
            start: start.description, paths: paths, repetitions: repetitions, seed: seed, damping: damping,
            tolerance: tolerance, acceleration: acceleration, jitter: jitter, iterations: solution.reports.map(\.iterations), residuals: solution.reports.map(\.residual),
            clippedWeight: solution.clippedWeight, linearAlgebra: linearAlgebra, finalMean: k.mean[n - 1], finalMeanError: e.mean[n - 1],
            finalSecondMoment: k.covariance[n * n - 1], finalSecondMomentError: e.covariance[n * n - 1],
            seconds: seconds, version: PackageInfo.version, files: Array(files.prefix(2)))
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true, snakeCase: false) + "\n", to: files[2])
        print("ecosystem dynamics μ = \(model.mu), σ = \(model.sigma), γ = \(model.gamma), λ = \(lambda): \(n) times (dt = \(dt)), "
              + "\(repetitions) × \(paths) paths, iterations \(solution.reports.map(\.iterations)), "
              + String(format: "residual ≤ %.1e, %.2f s", solution.report.residual, seconds) + " (\(linearAlgebra))")
        print(String(format: "  at t = %g: m = %.6g ± %.2g, C(t,t) = %.6g ± %.2g", times[n - 1], k.mean[n - 1], e.mean[n - 1],
                     k.covariance[n * n - 1], e.covariance[n * n - 1]))
        for path in files { print("  wrote \(path)") }
    }
}

extension EcosystemDynamics: WritesOutputFiles {
    var outputFiles: [String] { files }
}
