import Foundation
import Testing
@testable import SpectralDMFT

/// Transform of e^{−|τ|} at the grid's frequencies: maximum error against 2/(1+ω²) over |ω| ≤ 5.
private func exponentialTransformError(step: Double, corrected: Bool) throws -> Double {
    let grid = try LagGrid(step: step, minimumWindow: 60)
    let transform = EvenFourierTransform(grid: grid)
    let values = grid.lags.map { exp(-$0) }
    let spectrum = transform.forward(values, kinkSlope: corrected ? -1 : 0)
    var worst = 0.0
    for (k, omega) in grid.frequencies.enumerated() where omega <= 5 {
        worst = max(worst, abs(spectrum[k] - 2 / (1 + omega * omega)))
    }
    return worst
}

@Test func plainTrapezoidOnAKinkIsSecondOrder() throws {
    let coarse = try exponentialTransformError(step: 0.1, corrected: false)
    let fine = try exponentialTransformError(step: 0.05, corrected: false)
    let order = ConvergenceOrder.fit(steps: [0.1, 0.05], errors: [coarse, fine])
    #expect(abs(order - 2) < 0.05, "measured order \(order)")
}

@Test func kinkCorrectedTransformIsFourthOrder() throws {
    let steps = [0.2, 0.1, 0.05]
    let errors = try steps.map { try exponentialTransformError(step: $0, corrected: true) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(abs(order - 4) < 0.3, "measured orders \(orders), errors \(errors)") }
    #expect(errors[2] < 1e-7)
}

@Test func smoothGaussianTransformIsSpectrallyAccurate() throws {
    let grid = try LagGrid(step: 0.25, minimumWindow: 20)
    let transform = EvenFourierTransform(grid: grid)
    let spectrum = transform.forward(grid.lags.map { exp(-$0 * $0 / 2) })
    var worst = 0.0
    for (k, omega) in grid.frequencies.enumerated() {
        worst = max(worst, abs(spectrum[k] - (2 * Double.pi).squareRoot() * exp(-omega * omega / 2)))
    }
    #expect(worst < 1e-13)
}

@Test func inverseUndoesForward() throws {
    let grid = try LagGrid(step: 0.05, minimumWindow: 30)
    let transform = EvenFourierTransform(grid: grid)
    let values = grid.lags.map { exp(-$0) * cos(0.7 * $0) }
    let roundTrip = transform.inverse(transform.forward(values))
    let worst = zip(values, roundTrip).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-13)
}

@Test func impossibleGridsAreRejected() {
    #expect(throws: GridError.self) { try LagGrid(step: 0, minimumWindow: 10) }
    #expect(throws: GridError.self) { try LagGrid(step: .nan, minimumWindow: 10) }
    #expect(throws: GridError.self) { try LagGrid(step: 0.1, minimumWindow: -1) }
    #expect(throws: GridError.self) { try LagGrid(step: 1e-9, minimumWindow: 1e9) }
    #expect(throws: GridError.self) { try LagGrid(step: 0.1, intervals: 4) }
}

@Test func inverseWithQuarticTailIsFourthOrder() throws {
    // f(τ) = (e^{−|τ|} − e^{−2|τ|}/2... ) : take f̂ = 2/((1+ω²)(4+ω²))·6, i.e. f = 2e^{−|τ|} − e^{−2|τ|}, whose
    // third derivative jumps at 0 and whose spectrum decays as 12/ω⁴.
    func error(step: Double, corrected: Bool) throws -> Double {
        let grid = try LagGrid(step: step, minimumWindow: 40)
        let transform = EvenFourierTransform(grid: grid)
        let spectrum = grid.frequencies.map { 12 / ((1 + $0 * $0) * (4 + $0 * $0)) }
        var values = [Double](repeating: 0, count: grid.count)
        spectrum.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { transform.inverse(source, tailCoefficient: corrected ? 12 : 0, into: $0) }
        }
        return zip(grid.lags, values).map { abs($1 - (2 * exp(-$0) - exp(-2 * $0))) }.max()!
    }
    let plain = try [0.1, 0.05].map { try error(step: $0, corrected: false) }
    #expect(abs(ConvergenceOrder.fit(steps: [0.1, 0.05], errors: plain) - 3) < 0.1, "plain errors \(plain)")
    let steps = [0.2, 0.1, 0.05]
    let corrected = try steps.map { try error(step: $0, corrected: true) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: corrected)
    for order in orders { #expect(order > 3.7, "corrected errors \(corrected), orders \(orders)") }
}
