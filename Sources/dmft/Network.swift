import ArgumentParser

struct Network: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Random rate networks dh/dt = −h + Jφ(h) + ξ, J_ij ~ N(0, g²/N), ⟨ξξ⟩ = σ²δ: DMFT, chaos, transients, simulation.",
        subcommands: [NetworkSolve.self, NetworkReference.self, NetworkScanCommand.self, NetworkTransitionCommand.self,
                      NetworkSimulate.self, NetworkTransient.self,
                      NetworkPhaseDiagram.self, NetworkLinear.self, NetworkSample.self]
    )
}

/// `--g`, `--sigma`, `--phi`: a network model, shared by the network subcommands.
struct NetworkModelOptions: ParsableArguments {
    @Option(name: .customLong("g"), parsing: .unconditional, help: "Coupling strength g (> 0).",
            transform: ArgumentValue.number)
    var coupling: Double

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    var noise: Double { noiseOption.noise }
    var transferFunction: TransferFunctionChoice { transferFunctionOption.transferFunction }

    func validate() throws {
        try CommandSupport.require(coupling, named: "g", "> 0") { $0 > 0 }
    }
}
