import Foundation
import Testing
@testable import SpectralDMFT

@Test func smallNoiseSeriesAgreesWithTheDirectRoots() throws {
    // Where both work (σ = 1e-3 … 3e-3) the series and the one-dimensional roots agree.
    for phi in [Nonlinearity.tanh, .erf] {
        let series = try #require(SmallNoiseSeries(nonlinearity: phi))
        for sigma in [1e-3, 3e-3] {
            let local = try NetworkTransition.root("local", noise: sigma, from: 1, tolerance: 1e-13) {
                try NetworkTransition.localInstability($0, noise: sigma, nonlinearity: phi)
            }
            let criterion = try NetworkTransition.root("criterion", noise: sigma, from: local, tolerance: 1e-13) {
                -(try NetworkTransition.curvatureCriterion($0, noise: sigma, nonlinearity: phi))
            }
            // Truncation O(σ⁵): ≲ 1e-11 at 3e-3.
            #expect(abs(series.criticalCoupling(noise: sigma) - criterion) <= 1e-9, "\(phi.name) σ = \(sigma)")
            #expect(abs(series.localCoupling(noise: sigma) - local) <= 1e-9, "\(phi.name) σ = \(sigma)")
        }
    }
}

@Test func transitionGoesContinuouslyAndMonotonicallyToOneAsNoiseVanishes() throws {
    let sigmas = [1e-308, 1e-12, 1e-6, 1e-3 * (1 - 1e-12), 1e-3, 0.01, 0.05]
    var previous = 1.0
    for sigma in sigmas {
        let result = try NetworkTransition.locate(noise: sigma)
        #expect(result.gC > previous || (sigma < 1e-15 && result.gC >= previous), "σ = \(sigma)")
        #expect(result.gC - 1 <= 0.95 * sigma + 1e-15 && result.gC >= result.gLocal, "σ = \(sigma)")
        previous = result.gC
    }
    // Across the switch from series to root the value is continuous.
    let below = try NetworkTransition.locate(noise: 1e-3 * (1 - 1e-12)).gC
    let above = try NetworkTransition.locate(noise: 1e-3).gC
    #expect(abs(below - above) <= 1e-10)
}
