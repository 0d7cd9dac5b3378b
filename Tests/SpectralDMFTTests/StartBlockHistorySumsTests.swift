import Foundation
import Testing
@testable import SpectralDMFT

@Test func startBlockSumsEqualTheDirectHistoryIntegrals() throws {
    // Equilibrium start: the start-block right-hand sides, now accumulated row by row with the memory factors
    // computed once per s, equal the composite-rule integrals evaluated term by term.
    let mixture = try PSpinMixture.pure(3)
    let run = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.5, start: .equilibrium(temperature: 2.0),
                                        options: TwoTimeOptions(step: 0.2, steps: 12))
    try run.advance(stopAfterSteps: 1)
    let H = run.historySteps
    #expect(H > 10)
    for i in (H + 1)...(H + run.options.order) {
        var fastC = [Double](repeating: 0, count: i), fastR = fastC
        run.startBlockRightHandSides(row: i, correlationSide: &fastC, responseSide: &fastR)
        var worst = 0.0
        for j in 0..<i {
            let sigmaC = run.integrate(0, i, j, H) { s in
                run.polynomial.derivatives(run.correlation[i, s]).1 * run.response[i, s] * run.correlation.symmetric(s, j)
            }
            let noise = run.integrate(0, j, H, H) { s in run.polynomial.derivatives(run.correlation[i, s]).0 * run.response[j, s] }
            let sigmaR = run.integrate(j, i, H, H) { s in
                run.polynomial.derivatives(run.correlation[i, s]).1 * run.response[i, s] * run.response[s, j]
            }
            worst = max(worst, abs(fastC[j] - (sigmaC + noise)), abs(fastR[j] - sigmaR))
        }
        #expect(worst <= 1e-13, "row \(i): \(worst)")
    }
}
