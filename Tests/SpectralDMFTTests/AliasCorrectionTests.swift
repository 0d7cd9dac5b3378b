import Foundation
import Testing
@testable import SpectralDMFT

/// Sine transform of e^{−τ} at the grid's frequencies: maximum error against ω/(1+ω²) over ω ≤ `band`
/// (f(0) = f''(0) = f⁗(0) = 1).
private func exponentialSineError(step: Double, curvature: Double, fourth: Double = 0, band: Double = 5) throws -> Double {
    let grid = try LagGrid(step: step, minimumWindow: 60)
    let transform = SineTransform(grid: grid)
    let spectrum = transform.forward(grid.lags.map { exp(-$0) }, secondDerivativeAtZero: curvature,
                                     fourthDerivativeAtZero: fourth)
    var worst = 0.0
    for (k, omega) in grid.frequencies.enumerated() where omega <= band {
        worst = max(worst, abs(spectrum[k] - omega / (1 + omega * omega)))
    }
    return worst
}

@Test func sineTransformWithoutCurvatureCorrectionIsFourthOrder() throws {
    let steps = [0.2, 0.1, 0.05]
    let errors = try steps.map { try exponentialSineError(step: $0, curvature: 0) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(abs(order - 4) < 0.2, "errors \(errors), orders \(orders)") }
}

@Test func sineTransformWithBothCorrectionsIsSixthOrder() throws {
    let steps = [0.4, 0.2, 0.1]
    let errors = try steps.map { try exponentialSineError(step: $0, curvature: 1) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(order > 5.7, "errors \(errors), orders \(orders)") }
    #expect(errors[2] < 1e-9, "errors \(errors)")
}

@Test func sineTransformWithThreeCorrectionsIsEighthOrder() throws {
    let steps = [0.8, 0.4, 0.2]
    let errors = try steps.map { try exponentialSineError(step: $0, curvature: 1, fourth: 1) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(order > 7.5, "errors \(errors), orders \(orders)") }
    #expect(errors[2] < 1e-9, "errors \(errors)")
}

@Test func sineTransformIsAccurateUpToTheBandEdge() throws {
    // Near ω = π/dt the residual alias is the ω⁻⁵ tail, O(dt⁵) absolute.
    let steps = [0.2, 0.1, 0.05]
    let errors = try steps.map { try exponentialSineError(step: $0, curvature: 1, band: .infinity) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(order > 4.7, "errors \(errors), orders \(orders)") }
}

@Test func inverseSineTransformRecoversAFunctionWithAJump() throws {
    // f = e^{−τ} for τ > 0 (odd extension jumps by 2 at 0): S = ω/(1+ω²) ~ 1/ω − 1/ω³.
    func error(step: Double, corrected: Bool) throws -> Double {
        let grid = try LagGrid(step: step, minimumWindow: 60)
        let transform = SineTransform(grid: grid)
        let spectrum = grid.frequencies.map { $0 / (1 + $0 * $0) }
        let values = transform.inverse(spectrum, valueAtZero: corrected ? 1 : 0, secondDerivativeAtZero: corrected ? 1 : 0)
        var worst = 0.0
        for (j, tau) in grid.lags.enumerated() where tau < 20 { worst = max(worst, abs(values[j] - exp(-tau))) }
        return worst
    }
    let plain = try [0.1, 0.05].map { try error(step: $0, corrected: false) }
    #expect(plain[1] > 1e-3, "uncorrected errors \(plain)")
    let steps = [0.2, 0.1, 0.05]
    let corrected = try steps.map { try error(step: $0, corrected: true) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: corrected)
    for order in orders { #expect(order > 3.7, "errors \(corrected), orders \(orders)") }
    #expect(corrected[2] < 1e-7, "errors \(corrected)")
}

@Test func sineTransformRoundTripIsExactForInteriorSamples() throws {
    let grid = try LagGrid(step: 0.05, minimumWindow: 30)
    let transform = SineTransform(grid: grid)
    let values = grid.lags.map { $0 * exp(-$0) * cos(0.7 * $0) }   // f(0) = 0, f''(0) = −2
    let roundTrip = transform.inverse(transform.forward(values))
    #expect(zip(values, roundTrip).map { abs($0 - $1) }.max()! < 1e-13)
}

@Test func evenTransformWithThirdDerivativeCorrectionIsSixthOrder() throws {
    let steps = [0.4, 0.2, 0.1]
    let errors = try steps.map { try exponentialEvenError(step: $0, fifth: 0) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(order > 5.7, "errors \(errors), orders \(orders)") }
}

@Test func evenTransformWithFifthDerivativeCorrectionIsEighthOrder() throws {
    let steps = [0.8, 0.4, 0.2]
    let errors = try steps.map { try exponentialEvenError(step: $0, fifth: -1) }
    let orders = ConvergenceOrder.successive(steps: steps, errors: errors)
    for order in orders { #expect(order > 7.5, "errors \(errors), orders \(orders)") }
    #expect(errors[2] < 1e-9, "errors \(errors)")
}

/// Even transform of e^{−|τ|} (odd derivatives −1 at 0⁺) with kink, third- and optional fifth-derivative corrections:
/// maximum error against 2/(1+ω²) over ω ≤ 5.
private func exponentialEvenError(step: Double, fifth: Double) throws -> Double {
    let grid = try LagGrid(step: step, minimumWindow: 60)
    let spectrum = EvenFourierTransform(grid: grid).forward(grid.lags.map { exp(-$0) }, kinkSlope: -1,
                                                            thirdDerivative: -1, fifthDerivative: fifth)
    var worst = 0.0
    for (k, omega) in grid.frequencies.enumerated() where omega <= 5 {
        worst = max(worst, abs(spectrum[k] - 2 / (1 + omega * omega)))
    }
    return worst
}

@Test func aliasSumsMatchDirectSummation() {
    // Σ_{n≠0} (ω + 2πn/dt)^{−p} summed directly over the pairs ±n, n ≤ N, plus the Euler–Maclaurin remainder of
    // the two slowly converging sums (p = 1: −(2ω/a²)(1/N − 1/(2N²)); p = 2: (2/a²)(1/N − 1/(2N²)); a = 2π/dt).
    // Both branches of `AliasSums` are exercised: u = ω dt/2 below and above 1.
    let step = 0.3, terms = 100_000
    let a = 2 * Double.pi / step, n = Double(terms)
    for omega in [1e-6, 0.01, 0.5, 3.0, 6.5, 7.0, 10.0] {
        var sums = [Double](repeating: 0, count: 6)
        for index in stride(from: terms, through: 1, by: -1) {
            let plus = omega + a * Double(index), minus = omega - a * Double(index)
            for p in 1...6 { sums[p - 1] += pow(plus, -Double(p)) + pow(minus, -Double(p)) }
        }
        sums[0] -= 2 * omega / (a * a) * (1 / n - 0.5 / (n * n))
        sums[1] += 2 / (a * a) * (1 / n - 0.5 / (n * n))
        let closed = (1...6).map { AliasSums.sum(power: $0, frequency: omega, step: step) }
        for p in 0..<6 {
            // Rounding of the direct sum: terms of size a^{−p}, partly cancelling for odd p.
            let tolerance = 1e-12 * abs(sums[p]) + 1e-13 * pow(a, -Double(p + 1))
            #expect(abs(closed[p] - sums[p]) <= tolerance, "ω = \(omega), p = \(p + 1): \(closed[p]) vs \(sums[p])")
        }
    }
}
