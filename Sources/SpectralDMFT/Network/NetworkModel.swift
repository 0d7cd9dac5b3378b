/// A random rate network `dh/dt = −h + J φ(h) + ξ`, `J_ij ~ N(0, g²/N)`, `⟨ξ_i(t)ξ_j(s)⟩ = σ² δ_ij δ(t−s)`: the
/// stationary problem of docs/PHYSICS.md §1, validated once when it is made.
///
/// Units: time in units of the single-unit relaxation time (the −h term has rate 1); h is dimensionless.
///
///     let solution = try NetworkModel(coupling: 1.5).solve()    // Δ0 = 0.74768638055…
public struct NetworkModel: StationaryProblem {
    /// Coupling strength g (> 0): standard deviation of J_ij times √N.
    public let coupling: Double
    /// Noise amplitude σ (≥ 0): white noise of intensity σ².
    public let noise: Double
    /// The transfer function φ (odd).
    public let nonlinearity: Nonlinearity

    /// Validates and stores the parameters; throws `ModelError` for g ≤ 0, σ < 0, non-finite values, values beyond
    /// the supported range (`maximumCoupling`, `maximumNoise`) or an even/biased φ.
    public init(coupling: Double, noise: Double = 0, nonlinearity: Nonlinearity = .tanh) throws {
        guard coupling.isFinite, coupling > 0 else { throw ModelError.invalidParameter(name: "g", value: coupling, requirement: "a finite number > 0") }
        guard noise.isFinite, noise >= 0 else { throw ModelError.invalidParameter(name: "sigma", value: noise, requirement: "a finite number >= 0") }
        try Self.checkSupportedRange(coupling: coupling, noise: noise)
        guard nonlinearity.isOdd else { throw ModelError.transferFunctionNotOdd(nonlinearity.name) }
        self.coupling = coupling
        self.noise = noise
        self.nonlinearity = nonlinearity
    }

    /// True when the only stationary solution is the quiescent fixed point Δ ≡ 0 (σ = 0 and g ≤ 1).
    public var isQuiescent: Bool { noise == 0 && coupling <= 1 }

    /// Solves on the automatic grid (`NetworkStationarySolver.automaticGrid(for:)`) with the default options:
    /// preconditioned Newton–Krylov to 1e-10 relative.
    public func solve() throws -> NetworkSolution {
        try NetworkStationarySolver(for: self).solve(self)
    }
}

/// Which stationary state a network solution describes.
public enum NetworkBranch: String, Sendable, Codable {
    /// σ = 0, g ≤ 1: Δ ≡ 0.
    case quiescent
    /// σ = 0, g > 1: self-sustained chaotic fluctuations.
    case chaotic
    /// σ > 0: fluctuations driven (and possibly made chaotic) by the noise.
    case noiseDriven = "noise-driven"
}

/// Invalid model parameters. The description is one line, fit for a command-line error.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    case invalidParameter(name: String, value: Double, requirement: String)
    case transferFunctionNotOdd(String)
    case unknownTransferFunction(String)
    /// A parameter beyond the supported range (`NetworkModel.maximumCoupling`, `.maximumNoise`).
    case outsideSupportedRange(name: String, value: Double, maximum: Double)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let requirement):
            return "invalid \(name) = \(value): it must be \(requirement)"
        case .transferFunctionNotOdd(let name):
            return "transfer function '\(name)' is not odd: the stationary network solver needs φ(−x) = −φ(x)"
        case .outsideSupportedRange(let name, let value, let maximum):
            return "\(name) = \(value) is outside the supported range: \(name) <= \(maximum) (docs/PHYSICS.md §1)"
        case .unknownTransferFunction(let name):
            return "unknown transfer function '\(name)': choose tanh or erf"
        }
    }
}
