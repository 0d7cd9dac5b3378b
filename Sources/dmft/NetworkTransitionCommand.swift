import ArgumentParser
import Foundation
import SpectralDMFT

struct NetworkTransitionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transition",
        abstract: "The transition to chaos at noise σ: g_c from λ_max = 0, from the criterion Δ0 = g²⟨φ²⟩, and g_local.",
        discussion: """
        g_c is the root of λ_max(g; σ) = 0 (a DMFT solve and the ground state of H at each trial g) for σ ≥ 0.1; \
        below, where the lag window would grow as 1/σ, it is the criterion root (equal to it), and below σ = 1e-3 \
        the small-noise series of that root; the output names the route. g_c_criterion is \
        the root of Δ0 = g²⟨φ²⟩ (Δ''(0⁺) = 0) with Δ0 from the potential method; g_local the root of g²⟨φ'²⟩ = 1. \
        Without noise all three are 1.
        """
    )

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    @OptionGroup var format: JSONOption

    var noise: Double { noiseOption.noise }
    var json: Bool { format.json }

    func run() throws {
        try transferFunctionOption.transferFunction.requireOdd(for: "transition")
        let phi = transferFunctionOption.transferFunction.nonlinearity
        let start = Date()
        let result = try NetworkTransition.locate(noise: noise, nonlinearity: phi)
        let seconds = Date().timeIntervalSince(start)
        if json {
            struct Record: Encodable { let sigma, gC, gCCriterion, gLocal, seconds: Double; let phi, route: String }
            print(try JSONRecord.encode(Record(sigma: result.sigma, gC: result.gC, gCCriterion: result.gCCriterion,
                                               gLocal: result.gLocal, seconds: seconds, phi: phi.name,
                                               route: result.route.rawValue)))
        } else {
            print("transition to chaos at σ = \(noise), φ = \(phi.name)")
            print("  g_c                    = \(result.gC)   (\(result.route.rawValue))")
            print("  g_c (Δ0 = g²⟨φ²⟩)      = \(result.gCCriterion)")
            print("  g_local (g²⟨φ'²⟩ = 1)  = \(result.gLocal)")
        }
    }
}
