import ArgumentParser
import Foundation
import SpectralDMFT

/// What `dmft network linear` records in run.json (and prints with `--json`).
struct NetworkLinearRecord: Encodable {
    struct Check: Encodable {
        let size: Int
        let realisations: Int
        let seed: UInt64
        let lags: [Double]
        let finiteN: [Double]
        let finiteNError: [Double]
        let dmft: [Double]
        let largestDifference: Double
    }
    let model: String
    let gain: Double
    let eta: Double
    let sigma: Double
    let delta0: Double
    let tauHalf: Double?
    let dt: Double
    let window: Double
    let method: String
    let responseResidual: Double
    let check: Check?
    let version: String
    let files: [String]
}

struct NetworkLinear: ParsableCommand, WritesOutputFiles {
    static let configuration = CommandConfiguration(
        commandName: "linear",
        abstract: "Linear network with partially symmetric couplings (correlation η of J_ij and J_ji): exact Δ(τ) and spectrum.",
        discussion: """
        dx_i/dt = −x_i + Σ_j J_ij x_j + ξ_i with ⟨J_ij²⟩ = G²/N, ⟨J_ij J_ji⟩ = ηG²/N and noise intensity σ². The DMFT is \
        exact: the response R̂(ω) = 2/[(1 − iω) + √((1 − iω)² − 4ηG²)] solves R̂ = 1/(1 − iω − ηG²R̂) (the reaction term \
        ηG² R ∗ x of the effective unit), the spectrum of x is Ĉ(ω) = σ²|R̂|²/(1 − G²|R̂|²), and Δ(τ) = ⟨x(t)x(t+τ)⟩ is \
        its inverse transform (one DCT-I; noise kink and ω⁻⁴ tail exact). Stationary for G(1 + η) < 1. With \
        --check-size N the exact stationary covariance of --check-seeds finite realisations (Lyapunov equation \
        AΣ + ΣAᵀ + σ² = 0 by LAPACK eigendecomposition, Δ_N(τ) = tr(e^{Aτ}Σ)/N) is compared at τ = 0, 0.5, …, 10.
        Writes FOLDER/correlation.csv (tau,delta), FOLDER/spectrum.csv (omega,spectrum,response_re,response_im) and \
        FOLDER/run.json.
        Example: dmft network linear --gain 0.5 --eta 0.5 --sigma 1 --output lin --check-size 1000 --check-seeds 3
        """
    )

    @Option(name: .customLong("gain"), parsing: .unconditional, help: "Gain G > 0 (the standard deviation of J_ij times √N).",
            transform: ArgumentValue.number)
    var gain: Double

    @Option(name: .customLong("eta"), parsing: .unconditional, help: "Symmetry η in [−1, 1]: the correlation of J_ij and J_ji.",
            transform: ArgumentValue.number)
    var eta: Double

    @Option(name: .customLong("sigma"), parsing: .unconditional, help: "Noise amplitude σ > 0 (intensity σ²). (default: 1)",
            transform: ArgumentValue.number)
    var sigma: Double = 1

    @Option(name: .customLong("check-size"), parsing: .unconditional,
            help: "Also compare with the exact covariance of finite networks of this size (2…4096; needs LAPACK).")
    var checkSize: Int?

    @Option(name: .customLong("check-seeds"), parsing: .unconditional, help: "Finite realisations for --check-size. (default: 3)")
    var checkSeeds: Int = 3

    @Option(parsing: .unconditional, help: "Seed of the finite realisations (realisation k uses stream k). (default: 1)")
    var seed: UInt64 = 1

    @OptionGroup var format: JSONOption

    @Option(help: ArgumentHelp("Output folder (created if its parent exists).", valueName: "folder"),
            transform: ArgumentValue.path)
    var output: String?

    var outputFiles: [String] {
        guard let output else { return [] }
        return ["correlation.csv", "spectrum.csv", "run.json"].map { URL(fileURLWithPath: output).appendingPathComponent($0).path }
    }

    func model() throws -> PartiallySymmetricLinearNetwork {
        do { return try PartiallySymmetricLinearNetwork(gain: gain, symmetry: eta, noise: sigma) } catch let error as ModelError {
            throw InputError(error.description)
        }
    }

    func validate() throws {
        _ = try model()
        if let checkSize {
            guard checkSize >= 2 && checkSize <= 4096 else { throw InputError(LinearNetworkCovarianceError.invalidSize(checkSize).description) }
            guard checkSeeds >= 1 && checkSeeds <= 1000 else { throw InputError("invalid check-seeds = \(checkSeeds): it must be between 1 and 1000") }
            guard LAPACKLibrary.isAvailable else { throw InputError(LinearNetworkCovarianceError.lapackUnavailable.description) }
        }
    }

    func run() throws {
        let network = try model()
        if let output { try CommandSupport.checkOutputFolder(output) }
        let solution = try network.solve()
        var check: NetworkLinearRecord.Check?
        if let checkSize {
            let lags = (0...20).map { Double($0) * 0.5 }
            let showProgress = CommandSupport.showsProgress
            if showProgress { CommandSupport.progress("linear: exact covariance of \(checkSeeds) realisations at N = \(checkSize)…") }
            let ensemble: LinearNetworkEnsemble
            do {
                ensemble = try LinearNetworkEnsemble(model: network, size: checkSize, realisations: checkSeeds, seed: seed, lags: lags)
            } catch let error as LinearNetworkCovarianceError {
                if showProgress { CommandSupport.endProgress() }
                throw InputError(error.description)
            }
            if showProgress { CommandSupport.endProgress() }
            let dmft = lags.map { solution.correlation(atLag: $0) }
            let largest = zip(dmft, ensemble.correlation).map { abs($0 - $1) }.max() ?? .nan
            check = .init(size: checkSize, realisations: checkSeeds, seed: seed, lags: lags, finiteN: ensemble.correlation,
                          finiteNError: ensemble.correlationError, dmft: dmft, largestDifference: largest)
        }
        var written: [String] = []
        let record = { NetworkLinearRecord(
            model: "linear, partially symmetric", gain: gain, eta: eta, sigma: sigma, delta0: solution.variance,
            tauHalf: solution.characteristicTime, dt: solution.grid.step, window: solution.grid.window,
            method: solution.report.method, responseResidual: solution.report.residual, check: check,
            version: PackageInfo.version, files: written) }
        if let output {
            let folder = URL(fileURLWithPath: output)
            let createdFolder = !FileManager.default.fileExists(atPath: folder.path)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            do {
                let paths = outputFiles
                var correlation = CSVTable(columns: ["tau", "delta"])
                for (tau, value) in zip(solution.lags, solution.correlation) where tau <= 200 { correlation.append([tau, value]) }
                var spectrum = CSVTable(columns: ["omega", "spectrum", "response_re", "response_im"])
                for (k, omega) in solution.grid.frequencies.enumerated() where omega <= 50 {
                    spectrum.append([omega, solution.spectrum[k], solution.responseReal[k], solution.responseImaginary[k]])
                }
                try correlation.write(to: paths[0])
                try spectrum.write(to: paths[1])
                written = Array(paths.prefix(2))
                try AtomicFile.write(try JSONRecord.encode(record(), pretty: true) + "\n", to: paths[2])
                written.append(paths[2])
            } catch {
                if createdFolder { try? FileManager.default.removeItem(at: folder) }
                throw error
            }
        }
        if format.json {
            print(try JSONRecord.encode(record(), pretty: false))
            return
        }
        print("linear network G = \(gain), η = \(eta), σ = \(sigma) (exact DMFT): Δ0 = \(String(format: "%.10g", solution.variance))"
              + (solution.characteristicTime.map { String(format: ", τ½ = %.6g", $0) } ?? ""))
        print("  Δ(1) = \(String(format: "%.10g", solution.correlation(atLag: 1))), Δ(5) = \(String(format: "%.10g", solution.correlation(atLag: 5)))")
        if let check {
            print("  finite N = \(check.size), \(check.realisations) realisation\(check.realisations == 1 ? "" : "s") (exact covariance): "
                  + String(format: "largest |Δ_DMFT − Δ_N| over τ = 0…10 is %.2e", check.largestDifference)
                  + (check.finiteNError[0].isNaN ? "" : String(format: " (standard error at τ = 0: %.1e)", check.finiteNError[0])))
        }
        for path in written { print("  wrote \(path)") }
    }
}
