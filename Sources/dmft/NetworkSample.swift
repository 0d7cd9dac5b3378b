import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft network sample` records in DIR/run.json.
struct NetworkSampleRecord: Encodable {
    let g: Double, eta: Double, sigma: Double, phi: String, bias: Double, meanCoupling: Double
    let tMax: Double, dt: Double, initialVariance: Double
    let paths: Int, repetitions: Int, seed: UInt64, damping: Double, tolerance: Double, acceleration: Int
    let iterations: [Int], residuals: [Double]
    let finalRate: Double, finalRateError: Double, finalInputMean: Double, finalInputMeanError: Double
    let finalVariance: Double, finalVarianceError: Double
    let seconds: Double
    let version: String
    let files: [String]

    enum CodingKeys: String, CodingKey {
        case g, eta, sigma, phi, bias, meanCoupling = "mean_coupling", tMax = "t_max", dt, initialVariance = "initial_variance"
        case paths, repetitions, seed, damping, tolerance, acceleration, iterations, residuals
        case finalRate = "final_M", finalRateError = "final_M_error", finalInputMean = "final_mu"
        case finalInputMeanError = "final_mu_error", finalVariance = "final_Delta", finalVarianceError = "final_Delta_error"
        case seconds, version, files
    }
}

struct NetworkSample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sampling DMFT of the transient of a network with partially symmetric couplings (any φ, --eta).",
        discussion: """
        Solves the single unit dh/dt = −h + h0 + J0 M(t) + g ψ(t) + η g² ∫R(t,s)φ(h(s))ds + ξ, ⟨ψψ⟩ = C_φ(t,s) = \
        ⟨φ(h(t))φ(h(s))⟩, M = ⟨φ(h)⟩, R = ⟨δφ(h(t))/δb(s)⟩, from h(0) ~ N(0, --initial-variance), by Monte Carlo over \
        --paths paths with the same draws in every sweep (common random numbers), Heun with a trapezoid memory, the \
        per-path response from its tangent Volterra equation (η ≠ 0: cost ∝ paths·(t/dt)³). Error bars are standard \
        errors over --repetitions independent repetitions. Writes DIR/trajectory.csv `t,M,M_error,mu,mu_error,\
        Delta,Delta_error` (Δ(t,t) connected), DIR/correlation.csv `t,s,C_phi,C_phi_error,R,R_error,Delta,Delta_error` \
        (s ≤ t) and DIR/run.json.
        Example: dmft network sample --g 1.5 --eta 0.5 --phi tanh --bias 0.5 --sigma 0.5 --t-max 20 --output sym
        """
    )

    @Option(name: .customLong("g"), parsing: .unconditional, help: "Coupling strength g (> 0).",
            transform: ArgumentValue.number)
    var coupling: Double

    @Option(name: .customLong("eta"), parsing: .unconditional,
            help: "Correlation η of J_ij and J_ji, in [−1, 1]. (default: 0)", transform: ArgumentValue.number)
    var eta: Double = 0

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    @OptionGroup var general: GeneralNetworkOptions

    @Flag(name: .customLong("linear"), help: "φ(x) = x, the linear network (replaces --phi).")
    var linear = false

    var nonlinearity: Nonlinearity { linear ? .linear : transferFunctionOption.transferFunction.nonlinearity }
    var phiName: String { linear ? "linear" : transferFunctionOption.transferFunction.rawValue }

    @Option(name: .customLong("initial-variance"), parsing: .unconditional,
            help: "Variance of the Gaussian initial state h(0). (default: 1)", transform: ArgumentValue.number)
    var initialVariance: Double = 1

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Last time of the grid.", transform: ArgumentValue.number)
    var tMax: Double

    @Option(parsing: .unconditional, help: "Grid step, in (0, 1]. (default: 0.1)", transform: ArgumentValue.number)
    var dt: Double = 0.1

    @Option(parsing: .unconditional, help: "Paths per repetition (at least 2).")
    var paths: Int = 4000

    @Option(parsing: .unconditional, help: "Independent repetitions (error bars need 2 or more).")
    var repetitions: Int = 4

    @Option(parsing: .unconditional, help: "Seed of the normal draws.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Damping a of x ← (1−a)x + a G(x), in (0, 1]. (default: 0.5)",
            transform: ArgumentValue.number)
    var damping: Double = 0.5

    @Option(parsing: .unconditional, help: "Converged when max|G(x) − x|/max C_φ(t,t) ≤ this. (default: 1e-8)",
            transform: ArgumentValue.number)
    var tolerance: Double = 1e-8

    @Option(parsing: .unconditional, help: "Anderson acceleration depth (0: plain damped iteration).")
    var acceleration: Int = 5

    @Option(name: .customLong("threads"), parsing: .unconditional, help: "Threads, at most 4 per core (default: one per core).")
    var requestedThreads: Int?

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String

    var folder: URL { URL(fileURLWithPath: output) }
    var files: [String] {
        ["trajectory.csv", "correlation.csv", "run.json"].map { folder.appendingPathComponent($0).path }
    }

    func configuration() throws -> (PartiallySymmetricNetworkDynamics, SamplingOptions) {
        let threads = try EcosystemCommandSupport.threads(requestedThreads)
        var options = PartiallySymmetricNetworkDynamics.defaultOptions
        options.paths = paths
        options.repetitions = repetitions
        options.seed = seed
        options.damping = damping
        options.tolerance = tolerance
        options.threads = threads
        options.acceleration = acceleration
        do {
            let problem = try PartiallySymmetricNetworkDynamics(
                coupling: coupling, symmetry: eta, bias: general.bias, meanCoupling: general.meanCoupling,
                noise: noiseOption.noise, nonlinearity: nonlinearity,
                duration: tMax, step: dt, initialVariance: initialVariance)
            _ = try SamplingDMFTSolver(options: options)
            return (problem, options)
        } catch let error as ModelError {
            throw InputError(error.description)
        } catch let error as SamplingError {
            throw InputError(error.description)
        }
    }

    func validate() throws { _ = try configuration() }

    func run() throws {
        let (problem, options) = try configuration()
        try EcosystemCommandSupport.checkOutput(folder: output, files: files)
        let (solution, seconds) = try EcosystemCommandSupport.timedWithProgress { report in
            try problem.solve(options: options) { repetition, iteration, residual in
                report(String(format: "sample: repetition %d/%d, iteration %d, residual %.1e",
                              repetition + 1, options.repetitions, iteration, residual))
            }
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let n = solution.timeCount, times = solution.times, s = solution
        var trajectory = CSVTable(columns: ["t", "M", "M_error", "mu", "mu_error", "Delta", "Delta_error"])
        for i in 0..<n {
            trajectory.append([times[i], s.rate[i], s.rateError[i], s.inputMean[i], s.inputMeanError[i],
                               s.inputCovariance[i * n + i], s.inputCovarianceError[i * n + i]])
        }
        try trajectory.write(to: files[0])
        var correlation = CSVTable(columns: ["t", "s", "C_phi", "C_phi_error", "R", "R_error", "Delta", "Delta_error"])
        for i in 0..<n {
            for j in 0...i {
                let k = i * n + j
                correlation.append([times[i], times[j], s.rateCorrelation[k], s.rateCorrelationError[k], s.response[k],
                                    s.responseError[k], s.inputCovariance[k], s.inputCovarianceError[k]])
            }
        }
        try correlation.write(to: files[1])
        let last = n * n - 1
        let record = NetworkSampleRecord(
            g: coupling, eta: eta, sigma: noiseOption.noise, phi: phiName,
            bias: general.bias, meanCoupling: general.meanCoupling, tMax: tMax, dt: dt, initialVariance: initialVariance,
            paths: paths, repetitions: repetitions, seed: seed, damping: damping, tolerance: tolerance,
            acceleration: acceleration, iterations: s.reports.map(\.iterations), residuals: s.reports.map(\.residual),
            finalRate: s.rate[n - 1], finalRateError: s.rateError[n - 1], finalInputMean: s.inputMean[n - 1],
            finalInputMeanError: s.inputMeanError[n - 1], finalVariance: s.inputCovariance[last],
            finalVarianceError: s.inputCovarianceError[last], seconds: seconds, version: PackageInfo.version,
            files: Array(files.prefix(2)))
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true, snakeCase: false) + "\n", to: files[2])
        print("network sample g = \(coupling), η = \(eta), σ = \(noiseOption.noise), φ = \(phiName), "
              + "h0 = \(general.bias), J0 = \(general.meanCoupling): \(n) times (dt = \(dt)), \(repetitions) × \(paths) paths, "
              + "iterations \(s.reports.map(\.iterations)), " + String(format: "residual ≤ %.1e, %.2f s", s.report.residual, seconds))
        print(String(format: "  at t = %g: M = %.6g ± %.2g, μ = %.6g ± %.2g", times[n - 1], s.rate[n - 1], s.rateError[n - 1],
                     s.inputMean[n - 1], s.inputMeanError[n - 1]))
        for lag in [0.0, 0.5, 1, 2, 4] where lag <= tMax {
            let (value, error) = s.atEnd(\.inputCovariance, \.inputCovarianceError, lag: lag)
            print(String(format: "  Δ(t_max, t_max − %g) = %.6g ± %.2g", lag, value, error))
        }
        for path in files { print("  wrote \(path)") }
    }
}

extension NetworkSample: WritesOutputFiles {
    var outputFiles: [String] { files }
}
