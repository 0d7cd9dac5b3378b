import Foundation
import Testing
@testable import SpectralDMFT

// The large-variance form of the correlation table (φ = erf + localised remainder, angle panels) against closed
// forms and the direct two-dimensional quadrature.

@Test func largeVarianceSplitMatchesTheErfClosedFormAtAnyVariance() {
    // φ = erf(2x): the remainder erf(2x) − erf(√π x/2) is localised, and E[φ(u)φ(v)] has a closed form.
    let phi: @Sendable (Double) -> Double = { erf(2 * $0) }
    for variance in [3.0, 50.0, 1e3, 1.2e4] {
        let split = LargeVarianceSplit(function: phi, variance: variance)
        for theta in [0.0, 1e-4, 0.3 / variance.squareRoot(), 1 / variance.squareRoot(), 0.2, 0.9, Double.pi / 2] {
            let rho = cos(theta)
            let exact = GaussianKernels.erfCorrelation(scale: 2, variance, variance, rho * variance)
            #expect(abs(split.value(angle: theta) - exact) <= 5e-14, "Δ0 = \(variance), θ = \(theta)")
        }
    }
}

@Test func largeVarianceSplitMatchesTheDirectQuadratureForTanh() {
    for variance in [2.5, 40.0] {
        let split = LargeVarianceSplit(function: { tanh($0) }, variance: variance)
        for theta in [0.0, 0.05, 0.4, 1.2] {
            let rho = cos(theta)
            let direct = GaussianAverages.pairExpectation({ tanh($0) }, { tanh($0) }, varianceU: variance, varianceV: variance,
                                                          covariance: rho * variance, jointlySymmetric: true)
            #expect(abs(split.value(angle: theta) - direct) <= 2e-13, "Δ0 = \(variance), θ = \(theta)")
        }
    }
}

@Test func angleTableInterpolatesTanhToRoundingAndTendsToTheSignLaw() {
    let table = CorrelationTable(nonlinearity: .tanh, pair: .function)
    for variance in [3.0, 300.0] {
        table.prepare(variance: variance * 1.013)  // inside the bracket, off its nodes
        let split = LargeVarianceSplit(function: { tanh($0) }, variance: variance * 1.013)
        var worst = 0.0
        for k in 0...40 {
            let rho = -1 + 2 * Double(k) / 40 + (k % 2 == 0 ? 0 : 1e-3)
            let clamped = min(1, max(-1, rho))
            let reference = (clamped < 0 ? -1 : 1) * split.value(angle: acos(abs(clamped)))
            worst = max(worst, abs(table.value(covariance: clamped * variance * 1.013) - reference))
        }
        #expect(worst <= 1e-13, "Δ0 = \(variance): \(worst)")
    }
    // Large variance: tanh → sign, E = (2/π) arcsin ρ up to O(1/√Δ0).
    let split = LargeVarianceSplit(function: { tanh($0) }, variance: 1e4)
    let gap = abs(split.value(angle: acos(0.5)) - GaussianKernels.signCorrelation(1, 1, 0.5))
    #expect(gap < 0.05 && gap > 0)
}

@Test func derivativeSplitMatchesClosedFormsAndTheDirectQuadrature() {
    // φ' of φ = erf(2x): E[φ'(u)φ'(v)] = (16/π) [(1 + 8a)(1 + 8b) − 64c²]^{−1/2}.
    let slope: @Sendable (Double) -> Double = { 4 / Double.pi.squareRoot() * exp(-4 * $0 * $0) }
    for variance in [3.0, 1.2e4] {
        let split = LargeVarianceSplit(function: slope, variance: variance, kind: .derivative)
        for theta in [0.0, 0.2 / variance.squareRoot(), 2 / variance.squareRoot(), 0.7, Double.pi / 2] {
            let c = cos(theta) * variance
            let exact = (16 / Double.pi) / ((1 + 8 * variance) * (1 + 8 * variance) - 64 * c * c).squareRoot()
            #expect(abs(split.value(angle: theta) - exact) <= 5e-14 + 1e-12 * exact, "Δ0 = \(variance), θ = \(theta)")
        }
    }
    // tanh' = sech² at Δ0 = 6 against a fine two-dimensional trapezoid (step 0.004 in both standard normals on ±10,
    // numpy): the library's `pairExpectation` is off by 3e-12 at ρ = 1, where its inner rule degenerates.
    let split = LargeVarianceSplit(function: Nonlinearity.tanh.derivative, variance: 6, kind: .derivative)
    for (theta, reference) in [(0.0, 0.21158614327927544), (0.1, 0.20691671267734096), (0.8, 0.11923976270629791)] {
        #expect(abs(split.value(angle: theta) - reference) <= 1e-13, "θ = \(theta)")
    }
}
