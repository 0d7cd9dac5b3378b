import Foundation
import Testing
@testable import SpectralDMFT

/// λ_max of several populations: the D × D tangent problem (docs/PHYSICS.md §1.13).
@Suite struct PopulationLyapunovTests {
    /// The D-population solution of `populations` identical copies of a one-population solution (exact: with equal
    /// φ, h0, σ and equal rows of g and J0, Δ_k = Δ of the one population).
    static func copies(of single: PopulationNetworkSolution, fractions: [Double]) -> PopulationNetworkSolution {
        PopulationNetworkSolution(scale: single.scale, branch: single.branch, grid: single.grid, fractions: fractions,
                                  correlations: fractions.map { _ in single.correlations[0] },
                                  spectra: fractions.map { _ in single.spectra[0] },
                                  populations: fractions.map { _ in single.populations[0] }, report: single.report)
    }

    static func identical(_ phi: Nonlinearity, g: Double, h0: Double = 0, j0: Double = 0, fractions: [Double]) throws -> PopulationNetworkModel {
        try PopulationNetworkModel(
            populations: fractions.enumerated().map { NetworkPopulation(name: "P\($0.offset)", fraction: $0.element, nonlinearity: phi, bias: h0) },
            coupling: fractions.map { _ in fractions.map { _ in g } }, meanCoupling: fractions.map { _ in fractions.map { _ in j0 } })
    }

    /// tanh, g = 2, odd: the matrix Numerov route with D = 1 and with two identical populations against the scalar
    /// shooting of §1.6 on the same (coarse, dt = 0.2) grid (independent discretisations, both Richardson-extrapolated)
    /// and the published 0.112458.
    @Test func reducesToTheOddLyapunovExponent() throws {
        let one = try Self.identical(.tanh, g: 2, fractions: [1])
        let single = try PopulationNetworkSolver.solve(one, step: 0.2, window: 130)
        let odd = try NetworkModel(coupling: 2)
        let expected = try LyapunovExponent.compute(model: odd, solution: try NetworkStationarySolver(grid: single.grid).solve(odd))
        let d1 = try LyapunovExponent.compute(model: one, solution: single)
        #expect(d1.isBoundState)
        let tolerance = 10 * (d1.lambdaMaxError + expected.lambdaMaxError)
        #expect(abs(d1.lambdaMax - expected.lambdaMax) < tolerance,
                "\(d1.lambdaMax) vs \(expected.lambdaMax) (errors \(d1.lambdaMaxError), \(expected.lambdaMaxError))")
        #expect(abs(d1.lambdaMax - 0.112458) < 1e-5, "\(d1.lambdaMax) ± \(d1.lambdaMaxError)")
        let two = try Self.identical(.tanh, g: 2, fractions: [0.8, 0.2])
        let d2 = try LyapunovExponent.compute(model: two, solution: Self.copies(of: single, fractions: [0.8, 0.2]))
        #expect(abs(d2.lambdaMax - d1.lambdaMax) < 1e-12)
        #expect(abs(d2.continuumEdge - d1.continuumEdge) < 1e-12)
    }

    /// A kinked φ (relu-tanh, mean 0.3, Δ∞ > 0) on a synthetic profile Δ(τ) = Δ∞ + (Δ0 − Δ∞) sech(0.8τ): two identical
    /// populations (matrix Numerov with the kink term at τ = 0) against the one-population shooting of §1.13, within
    /// ten times their Richardson error estimates on a coarse grid (the operators are the same; only the
    /// discretisations differ). Self-consistent E–I states and the zero mode are checked by `dmft validate`.
    @Test func kinkedPotentialAgreesWithTheScalarShooting() throws {
        let grid = try LagGrid(step: 0.2, minimumWindow: 16)
        let correlation = grid.lags.map { 1.2 + 0.8 / cosh(0.8 * $0) }
        let general = GeneralNetworkSolution(
            coupling: 2.5, noise: 0, bias: 0.3, meanCoupling: 0, transferFunction: "relu-tanh", branch: .chaotic, grid: grid,
            correlation: correlation, spectrum: correlation.map { _ in 0 }, variance: 2, staticVariance: 1.2, mean: 0.3, rate: 0,
            decorrelationTime: 1, report: ConvergenceReport(method: "synthetic", iterations: 0, residual: 0))
        let scalar = try LyapunovExponent.compute(model: try GeneralNetworkModel(coupling: 2.5, bias: 0.3, nonlinearity: .reluTanh),
                                                  solution: general)
        let one = try Self.identical(.reluTanh, g: 2.5, h0: 0.3, fractions: [1])
        let two = try Self.identical(.reluTanh, g: 2.5, h0: 0.3, fractions: [0.8, 0.2])
        let matrix = try LyapunovExponent.compute(
            model: two, solution: Self.copies(of: PopulationNetworkSolution(single: general, model: one), fractions: [0.8, 0.2]))
        #expect(scalar.isBoundState && matrix.isBoundState)
        #expect(abs(matrix.continuumEdge - scalar.continuumEdge) < 1e-12)
        let tolerance = 10 * (scalar.lambdaMaxError + matrix.lambdaMaxError)
        #expect(abs(matrix.lambdaMax - scalar.lambdaMax) < tolerance,
                "\(matrix.lambdaMax) vs \(scalar.lambdaMax) (errors \(matrix.lambdaMaxError), \(scalar.lambdaMaxError))")
        #expect(matrix.lambdaMaxError < 1e-3 && scalar.lambdaMaxError < 1e-3)
    }

    /// On the fixed-point branch λ_max = −1 + max(√ρ(𝕄), mean modes): zero at s_c.
    @Test func fixedPointExponentVanishesAtTheCriticalScale() throws {
        let two = try Self.identical(.tanh, g: 1, h0: 0.3, fractions: [0.5, 0.5])
        let critical = try two.criticalScale()
        let below = try two.scaled(critical * (1 - 1e-9))
        let result = try LyapunovExponent.compute(model: below, solution: try below.solve())
        #expect(abs(result.lambdaMax) < 1e-8, "\(result.lambdaMax)")
    }
}
