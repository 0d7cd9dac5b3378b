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
        Without noise all three are 1. With a --bias, a --mean-coupling or a non-odd --phi (σ = 0 only), g_c is the \
        root of g²⟨φ'²⟩ = 1 on the fixed-point branch (docs/PHYSICS.md §1.10), printed with μ, q and M there.
        """
    )

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    @OptionGroup var format: JSONOption

    @OptionGroup(title: "General network (non-odd φ, bias, mean coupling)") var general: GeneralNetworkOptions

    var noise: Double { noiseOption.noise }
    var json: Bool { format.json }

    func run() throws {
        let phi = transferFunctionOption.transferFunction.nonlinearity
        if general.isGeneral(phi) { return try runGeneral(phi) }
        try transferFunctionOption.transferFunction.requireOdd(for: "transition")
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

    /// g_c of the general one-population network from the fixed-point branch (σ = 0).
    private func runGeneral(_ phi: Nonlinearity) throws {
        guard noise == 0 else {
            throw InputError("--sigma \(noise): the transition of a general network (non-odd φ, bias, mean coupling) is available at σ = 0 only")
        }
        let start = Date()
        let gC = try GeneralNetworkModel(coupling: 1, bias: general.bias, meanCoupling: general.meanCoupling,
                                         nonlinearity: phi).criticalCoupling()
        let point = try GeneralNetworkModel(coupling: gC, bias: general.bias, meanCoupling: general.meanCoupling,
                                            nonlinearity: phi).fixedPoint()
        let seconds = Date().timeIntervalSince(start)
        if json {
            struct Record: Encodable { let sigma, h0, j0, gC, mu, q, meanRate, meanModeEigenvalue, seconds: Double; let phi, route: String }
            print(try JSONRecord.encode(Record(sigma: 0, h0: general.bias, j0: general.meanCoupling, gC: gC, mu: point.mean,
                                               q: point.variance, meanRate: point.rate,
                                               meanModeEigenvalue: point.meanModeEigenvalue, seconds: seconds,
                                               phi: phi.name, route: "fixed-point criterion")))
        } else {
            print("transition to chaos at σ = 0, φ = \(phi.name), h0 = \(general.bias), J0 = \(general.meanCoupling)")
            print("  g_c (g²⟨φ'²⟩ = 1 on the fixed point) = \(gC)")
            print("  there: μ = \(point.mean), q = \(point.variance), M = \(point.rate), J0⟨φ'⟩ = \(point.meanModeEigenvalue)")
        }
    }
}
