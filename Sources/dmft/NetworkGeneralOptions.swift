import ArgumentParser
import Foundation
import SpectralDMFT

/// `--bias`, `--mean-coupling`: the general one-population network (docs/PHYSICS.md §1.10).
struct GeneralNetworkOptions: ParsableArguments {
    @Option(name: .customLong("bias"), parsing: .unconditional,
            help: "Bias h0 (external input; non-zero, or a non-odd --phi, selects the general solver). (default: 0)",
            transform: ArgumentValue.number)
    var bias: Double = 0

    @Option(name: .customLong("mean-coupling"), parsing: .unconditional,
            help: "Mean coupling J0 (J_ij = J0/N + g z_ij/√N). (default: 0)", transform: ArgumentValue.number)
    var meanCoupling: Double = 0

    /// True when the model needs the general solver.
    func isGeneral(_ phi: Nonlinearity) -> Bool { bias != 0 || meanCoupling != 0 || !phi.kinks.isEmpty || !phi.isOdd }
}

/// The general-network part of `dmft network solve`: solve, then hand back what the command prints and writes.
enum GeneralNetworkSolve {
    static func solve(coupling: Double, noise: Double, options: GeneralNetworkOptions, phi: Nonlinearity,
                      step: Double?, window: Double?, tolerance: Double, maxIterations: Int) throws -> GeneralNetworkSolution {
        let model = try GeneralNetworkModel(coupling: coupling, noise: noise, bias: options.bias,
                                            meanCoupling: options.meanCoupling, nonlinearity: phi)
        if try noise == 0 && model.fixedPoint().isStable { return try model.solve() }
        return try model.solve(step: step, window: window, options: IterationOptions(
            tolerance: tolerance, maximumIterations: maxIterations, acceleration: .standard))
    }
}
