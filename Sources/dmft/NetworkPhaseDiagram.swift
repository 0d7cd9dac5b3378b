import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

struct NetworkPhaseDiagramRecord: Encodable {
    let gMin: Double
    let gMax: Double
    let gSteps: Int
    let sigmaMax: Double
    let sigmaSteps: Int
    let phi: String
    let failures: Int
    let seconds: Double
    let version: String
    let files: [String]
    let shard: ShardRecord?
}

struct NetworkPhaseDiagram: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phase-diagram",
        abstract: "λ_max over a (g, σ) grid and the transition lines g_c(σ), g_c_criterion(σ), g_local(σ), on every core.",
        discussion: """
        Writes FILE.csv `g,sigma,delta0,lambda_max` over the grid, FILE-transition.csv \
        `sigma,g_c,g_c_criterion,g_local` at each σ of the grid, and FILE.run.json. Failed points are written as nan, \
        reported, and make the exit status non-zero.
        """
    )

    @Option(name: .customLong("g-min"), parsing: .unconditional, help: "Smallest coupling.", transform: ArgumentValue.number)
    var gMin: Double

    @Option(name: .customLong("g-max"), parsing: .unconditional, help: "Largest coupling.", transform: ArgumentValue.number)
    var gMax: Double

    @Option(name: .customLong("g-steps"), parsing: .unconditional, help: "Couplings on the grid.")
    var gSteps: Int = 41

    @Option(name: .customLong("sigma-max"), parsing: .unconditional,
            help: "Largest noise amplitude (the grid starts at σ = 0).", transform: ArgumentValue.number)
    var sigmaMax: Double

    @Option(name: .customLong("sigma-steps"), parsing: .unconditional, help: "Noise levels on the grid.")
    var sigmaSteps: Int = 11

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    @Option(help: ArgumentHelp("Output CSV file (FILE-transition.csv and FILE.run.json go beside it).", valueName: "file"),
            transform: ArgumentValue.path)
    var output: String

    @OptionGroup var shardOption: ShardOption

    var transitionPath: String { CommandSupport.sibling(of: output, suffix: "-transition.csv") }
    var recordPath: String { CommandSupport.sibling(of: output, suffix: ".run.json") }

    func validate() throws {
        try CommandSupport.require(gMin, named: "g-min", "> 0") { $0 > 0 }
        try CommandSupport.require(gMax, named: "g-max", ">= g-min") { $0 >= gMin }
        try CommandSupport.require(sigmaMax, named: "sigma-max", ">= 0") { $0 >= 0 }
        guard (1...10_000).contains(gSteps) else { throw InputError("invalid g-steps = \(gSteps): g-steps must be between 1 and 10000") }
        guard (1...1_000).contains(sigmaSteps) else { throw InputError("invalid sigma-steps = \(sigmaSteps): sigma-steps must be between 1 and 1000") }
        try CommandSupport.requireDistinct([("--output", output), ("the transition file", transitionPath), ("the run record", recordPath)])
    }

    func run() throws {
        try transferFunctionOption.transferFunction.requireOdd(for: "phase-diagram")
        let phi = transferFunctionOption.transferFunction.nonlinearity
        for path in [output, transitionPath, recordPath] { try AtomicFile.checkWritable(path) }
        let couplings = evenlySpaced(from: gMin, to: gMax, count: gSteps)
        let noises = evenlySpaced(from: 0, to: sigmaMax, count: sigmaSteps)
        let shard = shardOption.selected
        let lineIndices = shard.indices(of: noises.count), pointIndices = shard.indices(of: noises.count * couplings.count)
        let jobs = pointIndices.count + lineIndices.count
        let showProgress = CommandSupport.showsProgress
        let start = Date()

        enum Job: Sendable { case point(NetworkScanPoint); case line(Double, NetworkTransitionResult?, String?) }
        let results = ParallelMap.run(count: jobs, makeWorkspace: { () }, completed: { done in
            if showProgress { CommandSupport.progress("phase diagram: \(done)/\(jobs)") }
        }) { _, index -> Job in
            if index < lineIndices.count {
                let sigma = noises[lineIndices[index]]
                do { return .line(sigma, try NetworkTransition.locate(noise: sigma, nonlinearity: phi), nil) }
                catch { return .line(sigma, nil, "\(error)") }
            }
            let flat = pointIndices[index - lineIndices.count]
            let sigma = noises[flat / couplings.count], g = couplings[flat % couplings.count]
            return .point(NetworkScan.run(couplings: [g], noise: sigma, nonlinearity: phi, lyapunov: true, workers: 1)[0])
        }
        if showProgress { CommandSupport.endProgress() }

        var grid = CSVTable(columns: ["g", "sigma", "delta0", "lambda_max"])
        var lines = CSVTable(columns: ["sigma", "g_c", "g_c_criterion", "g_local"])
        var failures = 0
        for result in results {
            switch result {
            case .point(let point):
                if let solution = point.solution, let exponent = point.lyapunov {
                    grid.append([point.coupling, point.noise, solution.variance, exponent.lambdaMax])
                } else {
                    failures += 1
                    CommandSupport.warn("g = \(point.coupling), σ = \(point.noise): \(point.failure ?? "failed")")
                    grid.append([point.coupling, point.noise, .nan, .nan])
                }
            case .line(let sigma, let transition, let failure):
                if let transition {
                    lines.append([sigma, transition.gC, transition.gCCriterion, transition.gLocal])
                } else {
                    failures += 1
                    CommandSupport.warn("transition at σ = \(sigma): \(failure ?? "failed")")
                    lines.append([sigma, .nan, .nan, .nan])
                }
            }
        }
        try grid.write(to: output)
        try lines.write(to: transitionPath)
        let seconds = Date().timeIntervalSince(start)
        let record = NetworkPhaseDiagramRecord(gMin: gMin, gMax: gMax, gSteps: gSteps, sigmaMax: sigmaMax, sigmaSteps: sigmaSteps,
                                               phi: phi.name, failures: failures, seconds: seconds,
                                               version: PackageInfo.version, files: [output, transitionPath],
                                               shard: shardOption.record([
                                                   .init(path: output, suffix: "", rows: noises.count * couplings.count),
                                                   .init(path: transitionPath, suffix: "-transition.csv", rows: noises.count)]))
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        let part = shardOption.shard.map { "shard \($0) (\(CommandSupport.counted(pointIndices.count, "point")), \(CommandSupport.counted(lineIndices.count, "transition"))) of " } ?? ""
        print("phase diagram: \(part)\(couplings.count)×\(noises.count) points and \(CommandSupport.counted(noises.count, "transition")) in "
              + String(format: "%.1f s", seconds) + "; wrote \(output), \(transitionPath), \(recordPath)")
        if failures > 0 {
            throw RunFailure("\(CommandSupport.counted(failures, "point")) of \(jobs) failed (see above; nan rows in \(output) and \(transitionPath))")
        }
    }
}
