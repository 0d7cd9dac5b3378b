import Foundation
import Testing
@testable import SpectralDMFT

// General one-population networks (non-odd φ, bias h0, mean coupling J0): kink-split Gaussian averages against
// closed forms, the fixed-point branch and g_c, and the spectral solver against the generalised potential method.

private let relu = Nonlinearity(name: "relu", function: { max($0, 0) }, derivative: { $0 > 0 ? 1 : 0 },
                                antiderivative: { $0 > 0 ? 0.5 * $0 * $0 : 0 }, kinks: [0])

private func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

@Suite("General networks")
struct GeneralNetworkTests {
    @Test("Kink-split averages: E[relu(m + s z)] and the arc-cosine kernel E[relu(u) relu(v)] in closed form")
    func kinkedAveragesMatchClosedForms() {
        for (m, s) in [(0.0, 1.0), (0.3, 0.7), (-1.2, 2.0), (2.5, 0.4)] {
            let exact = m * normalCDF(m / s) + s * exp(-0.5 * m * m / (s * s)) / (2 * Double.pi).squareRoot()
            let value = KinkedGaussian.expectation(mean: m, sd: s, kinks: [0], distance: .pi / 2, relu.function)
            #expect(abs(value - exact) <= 1e-14 * max(1, exact))
        }
        // Zero mean, Var u = Var v = Δ0, Cov = Δ: (Δ0/2π)(sin θ + (π − θ) cos θ), cos θ = Δ/Δ0.
        let variance = 1.7
        for rho in [0.0, 0.2, 0.5, 0.9, 0.999, 0.999999, 1.0] {
            let theta = acos(rho)
            let exact = variance / (2 * Double.pi) * (sin(theta) + (Double.pi - theta) * cos(theta))
            let value = KinkedGaussian.squaredConditionalMean(
                mean: 0, outer: (rho * variance).squareRoot(), inner: ((1 - rho) * variance).squareRoot(),
                kinks: [0], distance: .pi / 2, relu.function)
            #expect(abs(value - exact) <= 1e-13, "ρ = \(rho): \(value) vs \(exact)")
        }
    }

    @Test("relu-tanh with h0 = J0 = 0: g_c = √2 exactly by the criterion g²⟨φ'²⟩ = 1")
    func reluTanhThresholdIsRootTwo() throws {
        let model = try GeneralNetworkModel(coupling: 1, nonlinearity: .reluTanh)
        let critical = try model.criticalCoupling()
        #expect(abs(critical - 2.0.squareRoot()) <= 1e-9)
        // Below: q = 0 is the stable fixed point; above: q > 0 and born unstable.
        let below = try GeneralNetworkModel(coupling: 1.3, nonlinearity: .reluTanh).fixedPoint()
        #expect(below.variance == 0 && below.isStable)
        let above = try GeneralNetworkModel(coupling: 1.6, nonlinearity: .reluTanh).fixedPoint()
        #expect(above.variance > 0.01 && !above.isStable)
    }

    @Test("Odd φ with h0 = J0 = 0 goes to the odd-φ solver: identical numbers")
    func oddCaseIsUnchanged() throws {
        let general = try GeneralNetworkModel(coupling: 2, nonlinearity: .tanh)
        #expect(general.isOddCase)
        let solver = try NetworkStationarySolver(for: try NetworkModel(coupling: 2))
        let old = try solver.solve(try NetworkModel(coupling: 2))
        let new = try GeneralNetworkSolver(grid: solver.grid).solve(general)
        #expect(new.correlation == old.correlation)
        #expect(new.staticVariance == 0 && new.mean == 0)
    }

    @Test("Spectral solver against the generalised potential method", arguments: [
        ("tanh", 2.0, 0.5, 0.0), ("relu-tanh", 2.5, 0.2, 0.0), ("relu-tanh", 2.5, 0.5, -1.0),
    ])
    func spectralAgreesWithPotential(name: String, g: Double, h0: Double, j0: Double) throws {
        let phi = try #require(Nonlinearity.general(named: name))
        let model = try GeneralNetworkModel(coupling: g, bias: h0, meanCoupling: j0, nonlinearity: phi)
        let potential = try GeneralPotentialMethod.solve(model)
        let solution = try model.solve()
        print(name, g, h0, j0, solution.variance - potential.variance, solution.staticVariance - potential.staticVariance,
              solution.mean - potential.mean, solution.rate - potential.rate, solution.report.iterations, solution.grid.count)
        let lags = [1.0, 3.0, 10.0]
        let reference = GeneralPotentialMethod.correlation(model, solution: potential, lags: lags)
        for (lag, value) in zip(lags, reference) { print(lag, solution.correlation(atLag: lag) - value) }
        #expect(abs(solution.variance - potential.variance) <= 1e-8)
        #expect(abs(solution.staticVariance - potential.staticVariance) <= 1e-8)
        #expect(abs(solution.mean - potential.mean) <= 1e-8)
        #expect(abs(solution.rate - potential.rate) <= 1e-8)
    }
}
