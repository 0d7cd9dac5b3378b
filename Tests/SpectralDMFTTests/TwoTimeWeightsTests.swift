import Foundation
import Testing
@testable import SpectralDMFT

// MARK: - Weight tables

@Test func backwardDifferentiationMatchesTheClassicalTables() {
    let bdf2 = VolterraWeights(order: 2).backwardDifferentiation
    for (value, expected) in zip(bdf2, [1.5, -2, 0.5]) { #expect(abs(value - expected) < 1e-14) }
    let bdf4 = VolterraWeights(order: 4).backwardDifferentiation
    for (value, expected) in zip(bdf4, [25.0 / 12, -4, 3, -4.0 / 3, 0.25]) { #expect(abs(value - expected) < 1e-13) }
}

@Test(arguments: [2, 3, 4, 8])
func compositeQuadratureIsExactForPolynomialsOfItsOrder(stencil: Int) {
    let weights = VolterraWeights(order: min(stencil, 4), stencil: stencil)
    for m in [1, 2, 3, 5, 9, 17, 40, 101] {
        let w = weights.weights(intervals: m)
        // ∫_0^m x^d dx for every degree the rule must integrate exactly.
        let degrees = m + 1 < stencil ? m : stencil - 1
        for d in 0...degrees {
            var sum = 0.0
            for i in 0...m { sum += w[i] * pow(Double(i), Double(d)) }
            let exact = pow(Double(m), Double(d + 1)) / Double(d + 1)
            #expect(abs(sum - exact) <= 1e-11 * max(1, exact), "stencil \(stencil), m = \(m), degree \(d)")
        }
    }
}

@Test func longRulesAreOnesInsideWithFixedEndCorrections() {
    let weights = VolterraWeights(order: 4)
    for m in (weights.fullLimit + 1)...(weights.fullLimit + 30) {
        let direct = VolterraWeights.compositeWeights(intervals: m, stencil: 4)
        for i in 0...m { #expect(abs(weights.weight(i, intervals: m) - direct[i]) < 1e-14) }
    }
    // The order of the rule: ∫_0^1 e^x on a grid of m intervals, halving h.
    func error(_ m: Int) -> Double {
        let h = 1 / Double(m)
        return abs(weights.integrate(from: 0, intervals: m, step: h) { exp(Double($0) * h) } - (exp(1) - 1))
    }
    let order = ConvergenceOrder.fit(steps: [1.0 / 40, 1.0 / 80], errors: [error(40), error(80)])
    #expect(abs(order - 4) < 0.3, "order \(order)")
}

@Test func cornerLatticeDifferentiatesBivariatePolynomialsExactly() {
    for k in 2...4 {
        let lattice = CornerLattice(order: k)
        // f(t, s) = Σ_{p+q ≤ k} (p + 2q + 1) t^p s^q / 7, ∂_t f exact.
        func f(_ t: Double, _ s: Double) -> Double {
            var sum = 0.0
            for p in 0...k { for q in 0...(k - p) { sum += Double(p + 2 * q + 1) * pow(t, Double(p)) * pow(s, Double(q)) / 7 } }
            return sum
        }
        func ft(_ t: Double, _ s: Double) -> Double {
            var sum = 0.0
            for p in 1...k { for q in 0...(k - p) { sum += Double(p) * Double(p + 2 * q + 1) * pow(t, Double(p - 1)) * pow(s, Double(q)) / 7 } }
            return sum
        }
        let values = lattice.points.map { f(Double($0.0), Double($0.1)) }
        for (index, point) in lattice.points.enumerated() {
            var derivative = 0.0
            for column in values.indices { derivative += lattice.timeDerivative[index][column] * values[column] }
            #expect(abs(derivative - ft(Double(point.0), Double(point.1))) < 1e-9, "k = \(k) at \(point)")
        }
        let outside = lattice.evaluationWeights(1, 2)
        var value = 0.0
        for column in values.indices { value += outside[column] * values[column] }
        #expect(abs(value - f(1, 2)) < 1e-9)
    }
}

// MARK: - Bessel functions and the exact p = 2 reference

@Test func scaledBesselFunctionsMatchReferenceValues() {
    // e^{−x} I_ν(x) from mpmath (30 digits), on both sides of the series/asymptotic switch at x = 30.
    let reference: [(Double, [Double])] = [
        (0.5, [0.6450352704491501, 0.1564208031848717, 0.019352057709663282]),
        (10, [0.12783333716342862, 0.12126268138445552, 0.10358080088653751]),
        (29.9, [0.073269219046001907, 0.072033374911868786, 0.068450933098719718]),
        (30.1, [0.073023294131060942, 0.071799854351014325, 0.068252539689133085]),
        (200, [0.028227159949111916, 0.028156503394832919, 0.027945594915163584]),
    ]
    for (x, values) in reference {
        for nu in 0...2 {
            let value = ScaledBessel.value(order: nu, x)
            #expect(abs(value / values[nu] - 1) < 2e-15, "I_\(nu)(\(x))")
        }
    }
}

@Test func exactPureTwoSpinSolutionAtZeroTemperatureIsClosedForm() {
    // T = 0: Γ = I_1(4t)/(2t) exactly, so μ = (1/2) d/dt ln Γ = 2 I_2(4t)/I_1(4t) (with I_1' = I_2 + I_1/x);
    // the Volterra solver and the differentiated equation must reproduce it.
    let exact = PureTwoSpinExactSolution(temperature: 0, maximumTime: 5)
    for t in [0.5, 1.0, 5.0] {
        let x = 4 * t
        let mu = 2 * (ScaledBessel.value(order: 2, x) / ScaledBessel.value(order: 1, x))
        #expect(abs(exact.lagrangeMultiplier(at: t) - mu) < 1e-12)
        #expect(abs(exact.correlation(t, t) - 1) < 1e-12)
        #expect(abs(exact.response(t, t) - 1) < 1e-14)
    }
    #expect(abs(exact.energy(at: 5) + exact.lagrangeMultiplier(at: 5) / 2) < 1e-15)
}

// MARK: - Unequal-variance Gaussian kernel

@Test func mehlerKernelMatchesTwoDimensionalQuadrature() {
    let kernel = GaussianPairKernel(nonlinearity: .tanh)
    let tanh = Nonlinearity.tanh.function
    for a in [0.05, 1.0, 2.5] {
        let first = kernel.coefficients(variance: a)
        for b in [0.3, 1.9] {
            let second = kernel.coefficients(variance: b)
            for rho in [-1.0, -0.4, 0.0, 0.8, 0.99, 1.0] {
                let c = rho * (a * b).squareRoot()
                let expected = GaussianAverages.pairExpectation(tanh, tanh, varianceU: a, varianceV: b, covariance: c)
                #expect(abs(kernel.value(first, second, covariance: c) - expected) < 1e-12, "a \(a) b \(b) ρ \(rho)")
            }
        }
    }
    // The series path against erf's closed form.
    let series = GaussianPairKernel(nonlinearity: .erf, useClosedForm: false)
    for (a, b, rho) in [(0.2, 3.0, 0.7), (1.0, 1.5, -1.0), (2.0, 0.5, 1.0)] {
        let c = rho * (a * b).squareRoot()
        #expect(abs(series.value(varianceU: a, varianceV: b, covariance: c) - GaussianKernels.erfCorrelation(a, b, c)) < 1e-14)
    }
}
