import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

struct NetworkScanRecord: Encodable {
    let gMin: Double
    let gMax: Double
    let steps: Int
    let sigma: Double
    let phi: String
    let workers: Int
    let lyapunov: Bool
    let failures: Int
    let seconds: Double
    let version: String
    let output: String
    let shard: ShardRecord?
    /// General networks only: h0 and J0.
    var h0: Double? = nil
    var j0: Double? = nil
}

struct NetworkScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Δ0, decorrelation time and solver statistics over a range of couplings g, on every core.",
        discussion: """
        Writes CSV `g,sigma,delta0,decorrelation_time,iterations,residual` (and `lambda_max` with --lyapunov) and \
        the run record FILE.run.json. \
        A point that fails is written with delta0 = nan and its residual, reported, and makes the exit status non-zero. \
        A --bias, a --mean-coupling or a non-odd --phi selects the general solver (docs/PHYSICS.md §1.10): the couplings \
        are then cut into one contiguous piece per worker, each point solved from its own start (from the previous \
        point of its piece where that start fails), and the CSV gains \
        mu, mean_rate (M = ⟨φ⟩) and delta_inf (--lyapunov is not available there).
        """
    )

    @Option(name: .customLong("g-min"), parsing: .unconditional, help: "Smallest coupling.", transform: ArgumentValue.number)
    var gMin: Double

    @Option(name: .customLong("g-max"), parsing: .unconditional, help: "Largest coupling.", transform: ArgumentValue.number)
    var gMax: Double

    @Option(parsing: .unconditional, help: "Number of couplings (evenly spaced, endpoints included).")
    var steps: Int

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    @OptionGroup(title: "General network (non-odd φ, bias, mean coupling)") var general: GeneralNetworkOptions

    @Option(help: ArgumentHelp("Output CSV file (the run record goes to FILE.run.json).", valueName: "file"),
            transform: ArgumentValue.path)
    var output: String

    @Flag(help: "Also compute the maximal Lyapunov exponent λ_max at every coupling (column lambda_max).")
    var lyapunov = false

    @Option(name: .customLong("workers"), parsing: .unconditional,
            help: "Worker threads, at most 4 per core (default: one per core).")
    var requestedWorkers: Int?

    @OptionGroup var shardOption: ShardOption

    var workers: Int { requestedWorkers ?? ProcessInfo.processInfo.activeProcessorCount }

    var noise: Double { noiseOption.noise }
    var recordPath: String { CommandSupport.sibling(of: output, suffix: ".run.json") }

    func validate() throws {
        try CommandSupport.require(gMin, named: "g-min", "> 0") { $0 > 0 }
        try CommandSupport.require(gMax, named: "g-max", ">= g-min") { $0 >= gMin }
        guard steps >= 1 && steps <= 1_000_000 else { throw InputError("invalid steps = \(steps): steps must be between 1 and 1000000") }
        try ThreadCount.require(workers, named: "workers")
        try CommandSupport.requireDistinct([("--output", output), ("the run record", recordPath)])
    }

    func run() throws {
        let phi = transferFunctionOption.transferFunction.nonlinearity
        if general.isGeneral(phi) { return try runGeneral(phi) }
        try transferFunctionOption.transferFunction.requireOdd(for: "scan")
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(recordPath)
        let couplings = shardOption.selected.select(evenlySpaced(from: gMin, to: gMax, count: steps))
        let total = couplings.count
        let showProgress = CommandSupport.showsProgress
        let start = Date()
        let points = NetworkScan.run(couplings: couplings, noise: noise, nonlinearity: phi, lyapunov: lyapunov,
                                     workers: workers) { done in
            if showProgress { CommandSupport.progress("scan: \(done)/\(CommandSupport.counted(total, "coupling"))") }
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(start)

        var columns = ["g", "sigma", "delta0", "decorrelation_time", "iterations", "residual"]
        if lyapunov { columns.append("lambda_max") }
        var table = CSVTable(columns: columns)
        var failures = 0
        for point in points {
            if let solution = point.solution {
                var row = [point.coupling, point.noise, solution.variance, solution.decorrelationTime,
                           Double(solution.report.iterations), solution.report.residual]
                if lyapunov { row.append(point.lyapunov?.lambdaMax ?? .nan) }
                table.append(row)
            } else {
                failures += 1
                CommandSupport.warn("g = \(point.coupling): \(point.failure ?? "failed")")
                var row = [point.coupling, point.noise, .nan, .nan, .nan, point.failedResidual]
                if lyapunov { row.append(.nan) }
                table.append(row)
            }
        }
        try table.write(to: output)
        let record = NetworkScanRecord(gMin: gMin, gMax: gMax, steps: steps, sigma: noise, phi: phi.name, workers: workers,
                                       lyapunov: lyapunov, failures: failures, seconds: seconds, version: PackageInfo.version, output: output,
                                       shard: shardOption.record([.init(path: output, suffix: "", rows: steps)]))
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        print("scanned \(CommandSupport.counted(total, "coupling")) in " + String(format: "%.2f s", seconds)
              + " on \(CommandSupport.counted(workers, "worker")); wrote \(output) and \(recordPath)")
        if failures > 0 {
            throw RunFailure("\(CommandSupport.counted(failures, "coupling")) of \(total) failed (see above; nan rows in \(output))")
        }
    }

    /// The general one-population network over g (each point from its own start; the previous point of the worker's piece where that fails).
    private func runGeneral(_ phi: Nonlinearity) throws {
        guard !lyapunov else { throw InputError("--lyapunov is not available for a non-odd --phi, --bias or --mean-coupling yet") }
        try AtomicFile.checkWritable(output)
        try AtomicFile.checkWritable(recordPath)
        let couplings = shardOption.selected.select(evenlySpaced(from: gMin, to: gMax, count: steps))
        let total = couplings.count
        let showProgress = CommandSupport.showsProgress
        let start = Date()
        let points = GeneralNetworkScan.run(couplings: couplings, noise: noise, bias: general.bias,
                                            meanCoupling: general.meanCoupling, nonlinearity: phi, workers: workers) { done in
            if showProgress { CommandSupport.progress("scan: \(done)/\(CommandSupport.counted(total, "coupling"))") }
        }
        if showProgress { CommandSupport.endProgress() }
        let seconds = Date().timeIntervalSince(start)
        var table = CSVTable(columns: ["g", "sigma", "delta0", "decorrelation_time", "iterations", "residual", "mu",
                                       "mean_rate", "delta_inf"])
        var failures = 0
        for point in points {
            if let solution = point.solution {
                table.append([point.coupling, noise, solution.variance, solution.decorrelationTime,
                              Double(solution.report.iterations), solution.report.residual, solution.mean, solution.rate,
                              solution.staticVariance])
            } else {
                failures += 1
                CommandSupport.warn("g = \(point.coupling): \(point.failure ?? "failed")")
                table.append([point.coupling, noise, .nan, .nan, .nan, point.failedResidual, .nan, .nan, .nan])
            }
        }
        try table.write(to: output)
        var record = NetworkScanRecord(gMin: gMin, gMax: gMax, steps: steps, sigma: noise, phi: phi.name, workers: workers,
                                       lyapunov: false, failures: failures, seconds: seconds, version: PackageInfo.version, output: output,
                                       shard: shardOption.record([.init(path: output, suffix: "", rows: steps)]))
        record.h0 = general.bias; record.j0 = general.meanCoupling
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        print("scanned \(CommandSupport.counted(total, "coupling")) in " + String(format: "%.2f s", seconds)
              + " on \(CommandSupport.counted(workers, "worker")) (general network, h0 = \(general.bias), J0 = \(general.meanCoupling)); wrote \(output) and \(recordPath)")
        if failures > 0 {
            throw RunFailure("\(CommandSupport.counted(failures, "coupling")) of \(total) failed (see above; nan rows in \(output))")
        }
    }
}
