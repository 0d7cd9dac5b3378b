import ArgumentParser
import Foundation
import SpectralDMFT

struct NetworkReferenceRecord: Encodable {
    let g: Double
    let sigma: Double
    let phi: String
    let delta0: Double
    let tailRate: Double
    let lags: [Double]
    let deltaAtLags: [Double]
    let seconds: Double
}

struct NetworkReference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Δ0 and Δ(τ) by the potential (energy-conservation) method: the independent check of `solve`.",
        discussion: """
        Δ0 solves Δ0²/2 − g² Var_z[Φ(√Δ0 z)] = σ⁴/8 (Φ' = φ); Δ(τ) follows from τ(Δ) = ∫_Δ^{Δ0} dΔ'/√(2(V(0) − V(Δ'))).
        """
    )

    @OptionGroup var model: NetworkModelOptions

    @OptionGroup var format: JSONOption

    @Option(parsing: .unconditional, help: "Comma-separated lags at which to report Δ(τ).")
    var lags: String = "1,3,10"

    var json: Bool { format.json }

    func parsedLags() throws -> [Double] {
        try CommandSupport.numbers(lags, named: "lags", in: 0...Double.infinity)
    }

    func validate() throws { _ = try parsedLags() }

    func run() throws {
        try model.transferFunction.requireOdd(for: "reference")
        let phi = model.transferFunction.nonlinearity
        let networkModel = try NetworkModel(coupling: model.coupling, noise: model.noise, nonlinearity: phi)
        let lagValues = try parsedLags()
        let start = Date()
        let variance = try PotentialMethod.variance(model: networkModel)
        let values = variance > 0 ? try PotentialMethod.correlation(model: networkModel, variance: variance, atLags: lagValues)
                                  : lagValues.map { _ in 0 }
        let rate = PotentialMethod.tailRate(model: networkModel, variance: variance)
        let record = NetworkReferenceRecord(g: model.coupling, sigma: model.noise, phi: phi.name, delta0: variance,
                                            tailRate: rate, lags: lagValues, deltaAtLags: values,
                                            seconds: Date().timeIntervalSince(start))
        if json {
            print(try JSONRecord.encode(record))
        } else {
            print("potential method, g = \(model.coupling), σ = \(model.noise), φ = \(phi.name)")
            print("  Δ0 = \(variance)")
            print("  tail rate κ = \(rate)")
            for (lag, value) in zip(lagValues, values) { print("  Δ(\(lag)) = \(value)") }
        }
    }
}
