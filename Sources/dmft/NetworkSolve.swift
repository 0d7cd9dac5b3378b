import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft network solve` reports (JSON with `--json`, and the run record beside `--output`).
struct NetworkSolveRecord: Encodable {
    let g: Double
    let sigma: Double
    let phi: String
    let branch: String
    let delta0: Double
    let decorrelationTime: Double
    let iterations: Int
    let residual: Double
    let seconds: Double
    let step: Double
    let window: Double
    let points: Int
    let acceleration: String
    let lambdaMax: Double?
    let lambdaMaxError: Double?
    let tolerance: Double
    let version: String
    let files: [String]
    /// General networks only (--bias, --mean-coupling, non-odd --phi): h0, J0, μ, M = ⟨φ⟩ (mean_rate), Δ∞.
    var h0: Double? = nil
    var j0: Double? = nil
    var mu: Double? = nil
    var meanRate: Double? = nil
    var deltaInf: Double? = nil
}

struct NetworkSolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Stationary autocorrelation Δ(τ), its variance Δ0 and spectrum at one coupling g.",
        discussion: """
        Solves (1 − ∂²_τ) Δ = g² C_φ(Δ; Δ0) + σ² δ(τ) in frequency space (Newton–Krylov by default). \
        For σ = 0 and g ≤ 1 the answer is the quiescent branch Δ ≡ 0. With --output FILE.csv writes \
        CSV `tau,delta`, the spectrum as CSV `omega,power` (FILE-spectrum.csv unless --spectrum is given) and \
        the run record FILE.run.json (parameters, grid, solver statistics). The automatic grid follows from g and σ \
        (step) and from the tail rate κ (window). A --bias, a --mean-coupling or a non-odd --phi (relu-tanh, \
        logistic, threshold-linear) selects the general solver (docs/PHYSICS.md §1.10): Δ(τ) then decays to \
        Δ∞ > 0, the spectrum is that of Δ − Δ∞, and the JSON and run record gain h0, j0, mu, mean_rate (M = ⟨φ⟩) and delta_inf. \
        With --model FILE.json (several populations, docs/PHYSICS.md §1.11; see docs/examples/ei.json) and --scale s, \
        the CSV is `tau,delta,delta_K…` (delta the fraction-weighted average, one delta_K per population K), the \
        spectrum `omega,power_K…`, and the JSON and run record list per population name, fraction, phi, h0, sigma, mu, \
        mean_rate, delta0, delta_inf and decorrelation_time; with --lyapunov also lambda_max and lambda_max_error, λ_max of \
        the D × D tangent problem (docs/PHYSICS.md §1.13).
        """
    )

    @OptionGroup var model: NetworkSolveModelOptions

    @OptionGroup(title: "General network (non-odd φ, bias, mean coupling)") var general: GeneralNetworkOptions

    @OptionGroup(title: "Several populations") var populations: PopulationModelOptions

    @OptionGroup var outputs: SolveOutputOptions

    @OptionGroup(title: "Grid and convergence") var grid: GridOptions

    @Option(help: "Iteration scheme.")
    var acceleration: AccelerationChoice = .newtonKrylov

    @Flag(help: "Also compute the maximal Lyapunov exponent λ_max = −1 + √(1 − E0) (lag step capped at 0.05).")
    var lyapunov = false

    @Option(parsing: .unconditional, help: "Maximum number of map evaluations.")
    var maxIterations: Int = 20_000

    var json: Bool { outputs.json }
    var output: String? { outputs.output }
    var spectrum: String? { outputs.spectrum }
    var step: Double? { grid.step }
    var window: Double? { grid.window }
    var tolerance: Double { grid.tolerance }

    /// The spectrum file (`--spectrum`, or FILE-spectrum.csv beside `--output`) and the run record FILE.run.json.
    func outputPaths() -> (spectrum: String?, record: String?) {
        (spectrum ?? output.map { CommandSupport.sibling(of: $0, suffix: "-spectrum.csv") },
         output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") })
    }

    func validate() throws {
        if populations.modelFile != nil {
            try model.requireAbsent(with: "--model", general: general)
            guard acceleration == .newtonKrylov else { throw InputError("--acceleration \(acceleration.rawValue) is not available with --model (Newton–Krylov only)") }
        } else if model.g == nil {
            throw InputError("missing --g (the coupling) or --model FILE.json")
        }
        guard maxIterations > 0 else { throw InputError("invalid max-iterations = \(maxIterations): max-iterations must be > 0") }
        let paths = outputPaths()
        try CommandSupport.requireDistinct([("--output", output), ("--spectrum", paths.spectrum), ("the run record", paths.record)])
    }

    func run() throws {
        if let network = try populations.load() { return try runPopulations(network) }
        let phi = model.transferFunction.nonlinearity
        if general.isGeneral(phi) { return try runGeneral(phi) }
        let networkModel = try NetworkModel(coupling: model.coupling, noise: model.noise, nonlinearity: phi)
        let automatic = try NetworkStationarySolver.automaticGrid(for: networkModel, lyapunov: lyapunov)
        let grid = step == nil && window == nil
            ? automatic : try LagGrid(step: step ?? automatic.step, minimumWindow: window ?? automatic.window)
        if !networkModel.isQuiescent { try NetworkStationarySolver.checkSize(of: grid) }
        let (spectrumPath, recordPath) = outputPaths()
        for path in [output, spectrumPath, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }

        let options = IterationOptions(tolerance: tolerance, maximumIterations: maxIterations,
                                       acceleration: acceleration.acceleration)
        let solver = NetworkStationarySolver(grid: grid, options: options)
        let start = Date()
        let solution = try solver.solve(networkModel)
        let exponent = lyapunov ? try LyapunovExponent.compute(model: networkModel, solution: solution) : nil
        let seconds = Date().timeIntervalSince(start)

        let written = try writeTables(lags: solution.lags, correlation: solution.correlation,
                                      frequencies: solution.frequencies, spectrum: solution.spectrum, spectrumPath: spectrumPath)
        let record = NetworkSolveRecord(
            g: solution.coupling, sigma: solution.noise, phi: solution.transferFunction, branch: solution.branch.rawValue,
            delta0: solution.variance, decorrelationTime: solution.decorrelationTime,
            iterations: solution.report.iterations, residual: solution.report.residual, seconds: seconds,
            step: grid.step, window: grid.window, points: grid.count, acceleration: options.acceleration.description,
            lambdaMax: exponent?.lambdaMax, lambdaMaxError: exponent?.lambdaMaxError,
            tolerance: tolerance, version: PackageInfo.version, files: written)
        if let recordPath {
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        }
        if json {
            print(try JSONRecord.encode(record))
        } else {
            print("network g = \(solution.coupling), σ = \(solution.noise), φ = \(solution.transferFunction): \(solution.branch.rawValue)")
            print("  Δ0 = \(solution.variance)")
            print("  τ½ = \(solution.decorrelationTime)   (Δ(τ½) = Δ0/2)")
            if let exponent { print("  λ_max = \(exponent.lambdaMax)   (E0 = \(exponent.groundEnergy))") }
            print("  \(solution.report.iterations) map evaluations, residual \(solution.report.residual), "
                  + String(format: "%.1f ms", seconds * 1000) + " (grid dt = \(grid.step), window \(grid.window))")
            for path in written { print("  wrote \(path)") }
            if let recordPath { print("  wrote \(recordPath)") }
        }
    }

    /// Writes `tau,delta` to `--output` and `omega,power` to `spectrumPath` (each when given); returns the paths written.
    private func writeTables(lags: [Double], correlation: [Double], frequencies: [Double], spectrum: [Double],
                             spectrumPath: String?) throws -> [String] {
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "delta"])
            for (tau, delta) in zip(lags, correlation) { table.append([tau, delta]) }
            try table.write(to: output)
            written.append(output)
        }
        if let spectrumPath {
            var table = CSVTable(columns: ["omega", "power"])
            for (omega, power) in zip(frequencies, spectrum) { table.append([omega, power]) }
            try table.write(to: spectrumPath)
            written.append(spectrumPath)
        }
        return written
    }

    /// The general one-population network: Δ(τ) with its static part Δ∞, μ and M.
    private func runGeneral(_ phi: Nonlinearity) throws {
        guard acceleration == .newtonKrylov else { throw InputError("--acceleration \(acceleration.rawValue) is not available for the general network solver (Newton–Krylov only)") }
        let (spectrumPath, recordPath) = outputPaths()
        for path in [output, spectrumPath, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        let start = Date()
        // --lyapunov caps the lag step at 0.05 (the automatic step is 0.1 only for σ = 0 and a smooth φ).
        let cappedStep = step ?? (lyapunov && model.noise == 0 && phi.kinks.isEmpty ? 0.05 : nil)
        let solution = try GeneralNetworkSolve.solve(coupling: model.coupling, noise: model.noise, options: general,
                                                     phi: phi, step: cappedStep, window: window, tolerance: tolerance,
                                                     maxIterations: maxIterations)
        let exponent = lyapunov ? try LyapunovExponent.computeByPopulations(
            model: try GeneralNetworkModel(coupling: model.coupling, noise: model.noise, bias: general.bias,
                                           meanCoupling: general.meanCoupling, nonlinearity: phi),
            solution: solution) : nil
        let seconds = Date().timeIntervalSince(start)
        let grid = solution.grid
        let written = try writeTables(lags: solution.lags, correlation: solution.correlation,
                                      frequencies: grid.frequencies, spectrum: solution.spectrum, spectrumPath: spectrumPath)
        var record = NetworkSolveRecord(
            g: solution.coupling, sigma: solution.noise, phi: solution.transferFunction, branch: solution.branch.rawValue,
            delta0: solution.variance, decorrelationTime: solution.decorrelationTime,
            iterations: solution.report.iterations, residual: solution.report.residual, seconds: seconds,
            step: grid.step, window: grid.window, points: grid.count, acceleration: solution.report.method,
            lambdaMax: exponent?.lambdaMax, lambdaMaxError: exponent?.lambdaMaxError, tolerance: tolerance,
            version: PackageInfo.version, files: written)
        record.h0 = solution.bias; record.j0 = solution.meanCoupling
        record.mu = solution.mean; record.meanRate = solution.rate; record.deltaInf = solution.staticVariance
        if let recordPath {
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        }
        if json {
            print(try JSONRecord.encode(record))
        } else {
            print("network g = \(solution.coupling), σ = \(solution.noise), φ = \(solution.transferFunction), h0 = \(solution.bias), J0 = \(solution.meanCoupling): \(solution.branch.rawValue)")
            print("  Δ0 = \(solution.variance), Δ∞ = \(solution.staticVariance)")
            print("  μ = \(solution.mean), M = ⟨φ⟩ = \(solution.rate)")
            print("  τ½ = \(solution.decorrelationTime)   (Δ(τ½) − Δ∞ = (Δ0 − Δ∞)/2)")
            if let exponent { print("  λ_max = \(exponent.lambdaMax) ± \(exponent.lambdaMaxError)") }
            print("  \(solution.report.iterations) map evaluations, residual \(solution.report.residual), "
                  + String(format: "%.1f ms", seconds * 1000) + " (grid dt = \(grid.step), window \(grid.window))")
            for path in written { print("  wrote \(path)") }
            if let recordPath { print("  wrote \(recordPath)") }
        }
    }
}

/// `--g` (not with `--model`), `--sigma`, `--phi` of `network solve`.
struct NetworkSolveModelOptions: ParsableArguments {
    @Option(name: .customLong("g"), parsing: .unconditional, help: "Coupling strength g (> 0; required unless --model).",
            transform: ArgumentValue.number)
    var g: Double?

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    var coupling: Double { g ?? .nan }
    var noise: Double { noiseOption.noise }
    var transferFunction: TransferFunctionChoice { transferFunctionOption.transferFunction }

    func validate() throws {
        if let g { try CommandSupport.require(g, named: "g", "> 0") { $0 > 0 } }
    }

    /// Throws when a one-population option is given together with `option` (--model).
    func requireAbsent(with option: String, general: GeneralNetworkOptions) throws {
        var given: [String] = []
        if g != nil { given.append("--g") }
        if noise != 0 { given.append("--sigma") }
        if transferFunction != .tanh { given.append("--phi") }
        if general.bias != 0 { given.append("--bias") }
        if general.meanCoupling != 0 { given.append("--mean-coupling") }
        guard given.isEmpty else {
            throw InputError("\(given.joined(separator: ", ")) cannot be combined with \(option): the model file sets g, noise, phi, bias and J0 per population")
        }
    }
}

/// One population of a `--model` solve in the JSON and run record.
struct PopulationRecord: Encodable {
    let name: String
    let fraction: Double
    let phi: String
    let h0: Double
    let sigma: Double
    let mu: Double
    let meanRate: Double
    let delta0: Double
    let deltaInf: Double
    let decorrelationTime: Double
}

/// What `dmft network solve --model` reports.
struct PopulationSolveRecord: Encodable {
    let model: String
    let scale: Double
    let g: [[Double]]
    let j0: [[Double]]
    let branch: String
    let populations: [PopulationRecord]
    let iterations: Int
    let residual: Double
    let method: String
    let seconds: Double
    let step: Double
    let window: Double
    let points: Int
    let tolerance: Double
    let version: String
    let files: [String]
    /// With --lyapunov: λ_max of the D × D tangent problem (docs/PHYSICS.md §1.13) and its grid error.
    var lambdaMax: Double? = nil
    var lambdaMaxError: Double? = nil
}

extension NetworkSolve {
    /// Several populations (`--model`): Δ_k(τ), μ_k, M_k, Δ0_k, Δ∞_k.
    func runPopulations(_ network: PopulationNetworkModel) throws {
        let (spectrumPath, recordPath) = outputPaths()
        for path in [output, spectrumPath, recordPath].compactMap({ $0 }) { try AtomicFile.checkWritable(path) }
        let start = Date()
        let options = IterationOptions(tolerance: tolerance, maximumIterations: maxIterations, acceleration: .standard)
        let solution = try PopulationNetworkSolver.solve(network, step: step, window: window, options: options)
        let exponent = lyapunov ? try LyapunovExponent.compute(model: network, solution: solution) : nil
        let seconds = Date().timeIntervalSince(start)
        let names = network.populations.map(\.name)
        var written: [String] = []
        if let output {
            var table = CSVTable(columns: ["tau", "delta"] + names.map { "delta_\($0)" })
            let average = solution.correlation
            for j in 0..<solution.grid.count {
                table.append([solution.grid.lags[j], average[j]] + solution.correlations.map { $0[j] })
            }
            try table.write(to: output)
            written.append(output)
        }
        if let spectrumPath {
            var table = CSVTable(columns: ["omega"] + names.map { "power_\($0)" })
            let frequencies = solution.grid.frequencies
            for j in 0..<solution.grid.count { table.append([frequencies[j]] + solution.spectra.map { $0[j] }) }
            try table.write(to: spectrumPath)
            written.append(spectrumPath)
        }
        let records = zip(network.populations, solution.populations).map { p, state in
            PopulationRecord(name: p.name, fraction: p.fraction, phi: p.nonlinearity.name, h0: p.bias, sigma: p.noise,
                             mu: state.mean, meanRate: state.rate, delta0: state.variance, deltaInf: state.staticVariance,
                             decorrelationTime: state.decorrelationTime)
        }
        var record = PopulationSolveRecord(
            model: populations.modelFile ?? "", scale: network.scale, g: network.coupling, j0: network.meanCoupling,
            branch: solution.branch.rawValue, populations: records, iterations: solution.report.iterations,
            residual: solution.report.residual, method: solution.report.method, seconds: seconds,
            step: solution.grid.step, window: solution.grid.window, points: solution.grid.count, tolerance: tolerance,
            version: PackageInfo.version, files: written)
        record.lambdaMax = exponent?.lambdaMax
        record.lambdaMaxError = exponent?.lambdaMaxError
        if let recordPath { try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath) }
        if json {
            print(try JSONRecord.encode(record))
        } else {
            print("network of \(network.count) populations, s = \(network.scale): \(solution.branch.rawValue)")
            for r in records {
                print("  \(r.name) (α = \(r.fraction), φ = \(r.phi), h0 = \(r.h0), σ = \(r.sigma)): μ = \(r.mu), M = \(r.meanRate), Δ0 = \(r.delta0), Δ∞ = \(r.deltaInf), τ½ = \(r.decorrelationTime)")
            }
            if let exponent { print("  λ_max = \(exponent.lambdaMax) ± \(exponent.lambdaMaxError)") }
            print("  \(solution.report.iterations) map evaluations, residual \(solution.report.residual), "
                  + String(format: "%.1f ms", seconds * 1000) + " (grid dt = \(solution.grid.step), window \(solution.grid.window))")
            for path in written { print("  wrote \(path)") }
            if let recordPath { print("  wrote \(recordPath)") }
        }
    }
}
