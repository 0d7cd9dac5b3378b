import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft network transient` records in DIR/run.json.
struct NetworkTransientRecord: Encodable {
    let g: Double
    let sigma: Double
    let phi: String
    let deltaInit: Double
    let dt: Double
    let steps: Int
    let tMax: Double
    let order: Int
    let waitingTimes: [Double]
    let finalVariance: Double
    let stationaryVariance: Double?
    let seconds: Double
    let memoryBytes: Int
    let corrector: TwoTimeStatistics
    let version: String
    let files: [String]
}

struct NetworkTransient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transient",
        abstract: "Two-time relaxation Δ(t,s) of a random network from h(0) ~ N(0, Δ_init) toward its stationary state.",
        discussion: """
        Integrates (∂_t + 1)(∂_s + 1)Δ(t,s) = g² C_φ(t,s) + σ²δ(t−s) (docs/PHYSICS.md §1) with the unequal-variance \
        kernel C_φ, order-4 scheme, O(t-max/dt) memory and O((t-max/dt)²) time. Writes DIR/correlation.csv \
        `t_w,tau,delta` (Δ(t_w+τ, t_w)) and DIR/run.json (with the stationary Δ0 of the potential method for \
        comparison). Example:
          dmft network transient --g 2 --sigma 0.5 --t-max 200 --dt 0.05 --waiting-times 50,100,150 --output relax
        """
    )

    @OptionGroup var model: NetworkModelOptions

    @Option(name: .customLong("delta-init"), parsing: .unconditional, help: "Initial variance Δ_init = Var h(0) (≥ 0). (default: 1)",
            transform: ArgumentValue.number)
    var deltaInit: Double = 1

    @Option(name: .customLong("t-max"), parsing: .unconditional, help: "Final time.", transform: ArgumentValue.number)
    var tMax: Double

    @Option(name: .customLong("dt"), parsing: .unconditional, help: "Time step.", transform: ArgumentValue.number)
    var dt: Double

    @Option(name: .customLong("waiting-times"), parsing: .unconditional,
            help: "Comma-separated waiting times t_w in [0, t-max] (default: t-max/4, t-max/2, 3 t-max/4).")
    var waitingTimes: String?

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String

    @Option(name: .customLong("order"), help: "Order of the scheme.")
    var schemeOrder: SchemeOrder = .fourth

    var order: Int { schemeOrder.rawValue }

    func parsedWaitingTimes() throws -> [Double] {
        guard let waitingTimes else { return [tMax / 4, tMax / 2, 3 * tMax / 4] }
        return try CommandSupport.numbers(waitingTimes, named: "waiting times", in: 0...tMax)
    }

    func options() throws -> TwoTimeOptions {
        let options = TwoTimeOptions(step: dt, maximumTime: tMax, order: order)
        do { try options.validate() } catch let error as TwoTimeError { throw InputError(error.description) }
        return options
    }

    func validate() throws {
        try CommandSupport.require(deltaInit, named: "delta-init", ">= 0") { $0 >= 0 }
        try CommandSupport.require(tMax, named: "t-max", "> 0") { $0 > 0 }
        try CommandSupport.require(dt, named: "dt", "> 0 and <= t-max") { $0 > 0 && $0 <= tMax }
        _ = try options()
        _ = try parsedWaitingTimes()
    }

    func run() throws {
        try model.transferFunction.requireOdd(for: "transient")
        let phi = model.transferFunction.nonlinearity
        let networkModel: NetworkModel
        do { networkModel = try NetworkModel(coupling: model.coupling, noise: model.noise, nonlinearity: phi) } catch let error as ModelError {
            throw InputError(error.description)
        }
        let options = try options()
        let waiting = try parsedWaitingTimes()
        let folder = URL(fileURLWithPath: output)
        try CommandSupport.checkOutputFolder(output)
        let correlationPath = folder.appendingPathComponent("correlation.csv").path
        let recordPath = folder.appendingPathComponent("run.json").path
        if FileManager.default.fileExists(atPath: folder.path) {
            try AtomicFile.checkWritable(correlationPath)
            try AtomicFile.checkWritable(recordPath)
        }
        let integrator: NetworkTransientIntegrator
        do {
            integrator = try NetworkTransientIntegrator(model: networkModel, initialVariance: deltaInit, options: options,
                                                        waitingTimes: waiting)
        } catch let error as TwoTimeError {
            throw InputError(error.description)
        }
        let showProgress = CommandSupport.showsProgress
        var lastShown = 0.0
        let began = Date()
        try integrator.advance { report in
            guard showProgress, report.elapsedSeconds - lastShown >= 0.5 else { return }
            lastShown = report.elapsedSeconds
            CommandSupport.progress(String(format: "transient: step %d/%d  t = %.2f  Δ(t,t) = %.6f", report.completedSteps,
                                           report.totalSteps, report.time, report.observable))
        }
        if showProgress { CommandSupport.endProgress() }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let seconds = Date().timeIntervalSince(began)
        var table = CSVTable(columns: ["t_w", "tau", "delta"])
        var actual: [Double] = []
        for index in waiting.indices {
            let (tw, values) = integrator.recordedColumn(index)
            actual.append(tw)
            for (m, value) in values.enumerated() { table.append([tw, Double(m) * dt, value]) }
        }
        try table.write(to: correlationPath)
        let stationary = try? PotentialMethod.variance(model: networkModel)
        let record = NetworkTransientRecord(
            g: model.coupling, sigma: model.noise, phi: phi.name, deltaInit: deltaInit, dt: dt, steps: options.steps,
            tMax: options.maximumTime, order: order, waitingTimes: actual, finalVariance: integrator.variances.last ?? .nan,
            stationaryVariance: stationary, seconds: seconds,
            memoryBytes: NetworkTransientIntegrator.memoryRequirement(steps: options.steps, order: order, mehlerTerms: 300),
            corrector: integrator.statistics, version: PackageInfo.version, files: [correlationPath])
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        print("network transient g = \(model.coupling), σ = \(model.noise), φ = \(phi.name), Δ_init = \(deltaInit): "
              + "\(options.steps) steps of dt = \(dt) in " + String(format: "%.1f s", seconds))
        print("  Δ(t_max, t_max) = \(integrator.variances.last ?? .nan)" + (stationary.map { " (stationary Δ0 = \($0))" } ?? ""))
        print("  wrote \(correlationPath)")
        print("  wrote \(recordPath)")
    }
}
