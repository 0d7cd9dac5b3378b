import Foundation
import Testing
@testable import SpectralDMFT

@Test(arguments: [0.3, 1.0, 10.0, 100.0])
func erfQuadratureMatchesClosedForm(variance: Double) {
    let erf = Nonlinearity.erf
    for rho in [-0.9, -0.2, 0.3, 0.8, 0.99, 1.0] {
        let quadrature = GaussianAverages.pairExpectation(erf.function, erf.function, varianceU: variance,
                                                          varianceV: variance, covariance: rho * variance,
                                                          singularityDistance: Double.pi / 2)
        let exact = GaussianKernels.erfCorrelation(variance, variance, rho * variance)
        #expect(abs(quadrature - exact) < 1e-13, "variance \(variance), rho \(rho)")
    }
}

@Test func unequalVariancesMatchClosedForm() {
    let erf = Nonlinearity.erf
    let value = GaussianAverages.pairExpectation(erf.function, erf.function, varianceU: 2, varianceV: 0.5, covariance: -0.7)
    #expect(abs(value - GaussianKernels.erfCorrelation(2, 0.5, -0.7)) < 1e-14)
    let slopes = GaussianAverages.pairExpectation(erf.derivative, erf.derivative, varianceU: 2, varianceV: 0.5, covariance: 0.4)
    #expect(abs(slopes - GaussianKernels.erfDerivativeCorrelation(2, 0.5, 0.4)) < 1e-14)
}

@Test func signKernelIsTheSteepErfLimit() {
    // erf(αx) → sign(x) as α → ∞; the closed forms must agree in the limit.
    let steep = GaussianKernels.erfCorrelation(scale: 1e7, 1.3, 0.8, 0.5)
    #expect(abs(steep - GaussianKernels.signCorrelation(1.3, 0.8, 0.5)) < 1e-12)
}

@Test func tanhAtLargeVarianceApproachesSign() {
    // At variance 100, E[tanh u tanh v] differs from the sign kernel by O(1/√variance), and the
    // quadrature must stay exact to rounding: compare against a much finer trapezoid rule.
    let tanh = Nonlinearity.tanh
    for rho in [0.5, 0.95, 1.0] {
        let standard = GaussianAverages.pairExpectation(tanh.function, tanh.function, varianceU: 100, varianceV: 100,
                                                        covariance: rho * 100)
        let fine = GaussianAverages.pairExpectation(tanh.function, tanh.function, varianceU: 100, varianceV: 100,
                                                    covariance: rho * 100, singularityDistance: Double.pi / 8)
        #expect(abs(standard - fine) < 1e-13, "rho \(rho)")
        #expect(abs(standard - GaussianKernels.signCorrelation(1, 1, rho)) < 0.2)
    }
    // E[tanh²] at variance 100: 1 − E[sech²] with E[sech² u] ≈ 2/√(2π·100) for large variance.
    let meanSquare = GaussianAverages.expectation(variance: 100) { let t = Foundation.tanh($0); return t * t }
    #expect(abs((1 - meanSquare) - 2 / (2 * Double.pi * 100).squareRoot()) < 2e-3)
}

@Test(arguments: [0.5, 2.0, 12.0])
func chebyshevTableReproducesTheAverage(variance: Double) {
    let table = CorrelationTable(nonlinearity: .erf, pair: .function, useClosedForm: false)
    table.prepare(variance: variance)
    #expect(table.nodeCount > 0)
    for rho in stride(from: -1.0, through: 1.0, by: 0.0625) {
        let exact = GaussianKernels.erfCorrelation(variance, variance, rho * variance)
        #expect(abs(table.value(covariance: rho * variance) - exact) < 5e-14, "rho \(rho), nodes \(table.nodeCount)")
    }
}

@Test func derivativeTableIsEvenForOddPhi() {
    let table = CorrelationTable(nonlinearity: .erf, pair: .derivative, useClosedForm: false)
    table.prepare(variance: 1.7)
    for rho in [0.1, 0.6, 0.97] {
        let exact = GaussianKernels.erfDerivativeCorrelation(1.7, 1.7, rho * 1.7)
        #expect(abs(table.value(covariance: rho * 1.7) - exact) < 5e-14)
        #expect(abs(table.value(covariance: -rho * 1.7) - exact) < 5e-14)
    }
}

@Test func tanhIsOddAndAUserClosureIsNot() {
    #expect(Nonlinearity.tanh.isOdd)
    let shifted = Nonlinearity(name: "shifted", function: { Foundation.tanh($0) + 0.1 }, derivative: { 1 - pow(Foundation.tanh($0), 2) })
    #expect(!shifted.isOdd)
    // Numerical antiderivative of a user closure agrees with ln cosh.
    let user = Nonlinearity(name: "user-tanh", function: { Foundation.tanh($0) }, derivative: { 1 - pow(Foundation.tanh($0), 2) })
    #expect(abs(user.antiderivative(2.3) - Foundation.log(Foundation.cosh(2.3))) < 1e-14)
}
