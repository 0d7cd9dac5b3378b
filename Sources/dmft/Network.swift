import ArgumentParser

struct Network: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Random rate networks dh/dt = −h + Jφ(h) + ξ, J_ij ~ N(0, g²/N), ⟨ξξ⟩ = σ²δ: DMFT, chaos, transients, simulation.",
        subcommands: [NetworkSolve.self, NetworkReference.self, NetworkScanCommand.self, NetworkTransitionCommand.self,
                      NetworkSimulate.self, NetworkTransient.self,
                      NetworkPhaseDiagram.self]
    )
}

/// Options naming a network model, shared by the network subcommands.
struct NetworkModelOptions: ParsableArguments {
    @Option(name: .customLong("g"), help: "Coupling strength g (> 0).")
    var coupling: Double

    @Option(name: .customLong("sigma"), help: "Noise amplitude σ (≥ 0); the noise intensity is σ².")
    var noise: Double = 0

    @Option(name: .customLong("phi"), help: "Transfer function: tanh or erf (erf(√π x/2), slope 1 at 0).")
    var transferFunction: String = "tanh"

    func validate() throws {
        try CommandSupport.require(coupling, named: "g", "a finite number > 0") { $0 > 0 }
        try CommandSupport.require(noise, named: "sigma", "a finite number >= 0") { $0 >= 0 }
        _ = try CommandSupport.nonlinearity(named: transferFunction)
    }
}
