import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

// MARK: - Closed sets of choices (listed in every help text by ArgumentParser)

/// `--phi`: the transfer function φ of a network.
enum TransferFunctionChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case tanh
    case erf
    case reluTanh = "relu-tanh"
    case logistic
    case thresholdLinear = "threshold-linear"

    /// Throws one-line input error unless φ is odd: every network command but `network solve` needs an odd φ.
    func requireOdd(for command: String) throws {
        guard nonlinearity.isOdd else {
            throw InputError("--phi \(rawValue) is not odd: `dmft network \(command)` needs tanh or erf (a non-odd φ works with `dmft network solve`)")
        }
    }

    /// The library's nonlinearity of this name (the last three are not odd: `network solve` only).
    var nonlinearity: Nonlinearity {
        switch self {
        case .tanh: return .tanh
        case .erf: return .erf
        case .reluTanh: return .reluTanh
        case .logistic: return .logistic
        case .thresholdLinear: return .thresholdLinear()
        }
    }
}

/// `--acceleration`: the iteration scheme of the stationary network solver.
enum AccelerationChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case newtonKrylov = "newton-krylov"
    case anderson
    case plain

    /// The library's scheme (Anderson depth 8 and undamped steps, as before the enum).
    var acceleration: Acceleration {
        switch self {
        case .newtonKrylov: return .standard
        case .anderson: return .anderson(depth: 8, damping: 1)
        case .plain: return .plain(damping: 1)
        }
    }
}

/// `--method`: the library's choice of equilibrium p-spin solver (auto, spectral, doubling).
extension PSpinEquilibriumMethod: ExpressibleByArgument {}

/// `--start`: the initial condition of a p-spin quench.
enum QuenchStartKind: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// A random configuration: a quench from infinite temperature.
    case random
    /// Equilibrium at the temperature `--start-T` above T_d.
    case equilibrium
}

/// `--order`: the order of the two-time schemes.
enum SchemeOrder: Int, ExpressibleByArgument, CaseIterable, Sendable {
    case second = 2
    case third = 3
    case fourth = 4
}

/// `--backend`: how the simulator multiplies by the coupling matrix.
enum BackendChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case automatic
    case blas
    case vectorised

    var backend: MatrixVectorBackend {
        switch self {
        case .automatic: return .automatic
        case .blas: return .blas
        case .vectorised: return .vectorised
        }
    }
}

// MARK: - Parsing of values

/// Value parsers for `@Option(transform:)`.
enum ArgumentValue {
    /// A number as Swift reads it (`1.5`, `-1`, `1e-3`, `nan`, `inf`), with −0 turned into +0 so that it is echoed
    /// as `0.0`. Range checks are left to `validate()`, which names the parameter and its requirement.
    ///
    /// ArgumentParser shows no default for an option with a transform: such options state theirs in their help.
    @Sendable static func number(_ text: String) throws -> Double {
        guard let value = Double(text) else { throw ValidationError("not a number") }
        return value == 0 ? 0 : value
    }

    /// An output path, made absolute (so that run records list every file the same way); an empty path is refused
    /// rather than read as the current directory.
    @Sendable static func path(_ text: String) throws -> String {
        guard !text.isEmpty else { throw ValidationError("give a file or folder name, not an empty string") }
        return URL(fileURLWithPath: text).standardizedFileURL.path
    }
}

// MARK: - Option groups shared by several subcommands

/// `--phi`.
struct TransferFunctionOption: ParsableArguments {
    @Option(name: .customLong("phi"), help: "Transfer function φ (erf means erf(√π x/2), slope 1 at 0).")
    var transferFunction: TransferFunctionChoice = .tanh
}

/// `--sigma`.
struct NoiseOption: ParsableArguments {
    @Option(name: .customLong("sigma"), parsing: .unconditional,
            help: "Noise amplitude σ (≥ 0); the noise intensity is σ². (default: 0)", transform: ArgumentValue.number)
    var noise: Double = 0

    func validate() throws {
        try CommandSupport.require(noise, named: "sigma", ">= 0") { $0 >= 0 }
    }
}

/// `--json`.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print one JSON object on standard output.")
    var json = false
}

/// `--json`, `--output FILE`, `--spectrum FILE`: where a stationary solve writes its answer. The run record goes to
/// FILE.run.json beside `--output`; the columns are given in each command's discussion.
struct SolveOutputOptions: ParsableArguments {
    @OptionGroup var format: JSONOption

    @Option(help: ArgumentHelp("Write the solution as CSV to this file (columns above); the run record goes to FILE.run.json.",
                               valueName: "file"),
            transform: ArgumentValue.path)
    var output: String?

    @Option(help: ArgumentHelp("Write the spectrum as CSV to this file (columns above).", valueName: "file"),
            transform: ArgumentValue.path)
    var spectrum: String?

    var json: Bool { format.json }
}

/// `--step`, `--window`, `--tolerance`: overrides of a solver's automatic lag grid and its convergence tolerance.
struct GridOptions: ParsableArguments {
    /// Tolerances below this are beneath double precision: the iteration could only run to its limit.
    static let smallestTolerance = 1e-15

    @Option(parsing: .unconditional, help: "Lag step dt (default: automatic).", transform: ArgumentValue.number)
    var step: Double?

    @Option(parsing: .unconditional, help: "Lag window: largest lag held (default: automatic).", transform: ArgumentValue.number)
    var window: Double?

    @Option(parsing: .unconditional, help: "Convergence tolerance on the relative residual, 1e-15 … 0.1. (default: 1e-10)",
            transform: ArgumentValue.number)
    var tolerance: Double = 1e-10

    func validate() throws {
        if let step { try CommandSupport.require(step, named: "step", "> 0") { $0 > 0 } }
        if let window { try CommandSupport.require(window, named: "window", "> 0") { $0 > 0 } }
        try CommandSupport.require(tolerance, named: "tolerance", "between 1e-15 and 0.1") {
            $0 >= Self.smallestTolerance && $0 <= 0.1
        }
    }
}

/// `--workers` / `--threads`: a number of threads, at least 1 and at most four per core.
enum ThreadCount {
    static var maximum: Int { 4 * ProcessInfo.processInfo.activeProcessorCount }

    static func require(_ count: Int, named name: String) throws {
        guard (1...maximum).contains(count) else {
            throw InputError("invalid \(name) = \(count): it must be between 1 and \(maximum) (4 per core)")
        }
    }
}

/// `--shard I/N`: compute only the I-th of N deterministic parts of a sweep (point k goes to shard k mod N + 1);
/// `dmft merge` puts the shards' files together into what the whole run writes.
struct ShardOption: ParsableArguments {
    @Option(help: ArgumentHelp("Compute only shard I of N of the sweep's points (point k is in shard k mod N + 1); "
                               + "combine the shards' outputs with `dmft merge`.", valueName: "I/N"),
            transform: { try Shard(parsing: $0) })
    var shard: Shard?

    /// The record's `shard` entry for these outputs (nil without --shard).
    func record(_ outputs: [ShardRecord.Output]) -> ShardRecord? { ShardRecord(shard, outputs: outputs) }

    /// The shard to compute: the whole sweep without --shard.
    var selected: Shard { shard ?? .whole }
}
