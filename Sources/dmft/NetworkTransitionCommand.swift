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
        root of g²⟨φ'²⟩ = 1 on the fixed-point branch (docs/PHYSICS.md §1.10), printed with μ, q and M there. \
        With --model FILE.json (several populations, σ_k = 0) it is the critical overall scale s_c where the spectral \
        radius of 𝕄_kl = s² α_l g_kl² ⟨φ_l'²⟩ reaches 1 on the fixed-point branch (§1.11), printed with μ_k, q_k, M_k \
        and the largest mean-mode eigenvalue (real part) of α_l J0_kl ⟨φ_l'⟩ there.
        """
    )

    @OptionGroup var noiseOption: NoiseOption

    @OptionGroup var transferFunctionOption: TransferFunctionOption

    @OptionGroup var format: JSONOption

    @OptionGroup(title: "General network (non-odd φ, bias, mean coupling)") var general: GeneralNetworkOptions

    @OptionGroup(title: "Several populations") var populations: PopulationModelOptions

    var noise: Double { noiseOption.noise }
    var json: Bool { format.json }

    func validate() throws {
        guard populations.modelFile != nil else { return }
        guard populations.scale == nil else { throw InputError("--scale is not used by `network transition`: it reports the critical scale s_c") }
        var given: [String] = []
        if noise != 0 { given.append("--sigma") }
        if transferFunctionOption.transferFunction != .tanh { given.append("--phi") }
        if general.bias != 0 { given.append("--bias") }
        if general.meanCoupling != 0 { given.append("--mean-coupling") }
        guard given.isEmpty else {
            throw InputError("\(given.joined(separator: ", ")) cannot be combined with --model: the model file sets them per population")
        }
    }

    func run() throws {
        if let network = try populations.load() { return try runPopulations(network) }
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

    /// s_c of a `--model` network (σ_k = 0) and the fixed point there.
    private func runPopulations(_ network: PopulationNetworkModel) throws {
        guard network.populations.allSatisfy({ $0.noise == 0 }) else {
            throw InputError("the transition of a --model network is available at σ = 0 only: set every noise to 0 in the model file")
        }
        let start = Date()
        let critical = try network.criticalScale()
        let point = try network.scaled(critical).fixedPoint()
        let seconds = Date().timeIntervalSince(start)
        struct Population: Encodable { let name: String; let mu, q, meanRate: Double }
        struct Record: Encodable {
            let model: String; let sC: Double; let spectralRadius: Double; let meanModeEigenvalue: Double
            let populations: [Population]; let seconds: Double; let route: String
        }
        let rows = (0..<network.count).map {
            Population(name: network.populations[$0].name, mu: point.means[$0], q: point.variances[$0], meanRate: point.rates[$0])
        }
        if json {
            print(try JSONRecord.encode(Record(model: populations.modelFile ?? "", sC: critical, spectralRadius: point.spectralRadius,
                                               meanModeEigenvalue: point.meanModeEigenvalue, populations: rows,
                                               seconds: seconds, route: "spectral radius on the fixed point")))
        } else {
            print("transition to chaos of \(network.count) populations (σ = 0)")
            print("  s_c (ρ(𝕄) = 1 on the fixed point) = \(critical)")
            for row in rows { print("  \(row.name): μ = \(row.mu), q = \(row.q), M = \(row.meanRate)") }
            print("  largest mean-mode eigenvalue Re λ(α J0 ⟨φ'⟩) = \(point.meanModeEigenvalue)")
        }
    }
}
