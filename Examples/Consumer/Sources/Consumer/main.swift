import SpectralDMFT

// A random rate network at g = 1.5: one call.
let network = try NetworkModel(coupling: 1.5).solve()
print("network g = 1.5: Δ0 = \(network.variance), τ½ = \(network.decorrelationTime), \(network.report.method)")

// The p-spin glass at T = 0.8 by both equilibrium solvers, through the same protocol.
let problem = try PSpinEquilibrium(mixture: .pure(3), temperature: 0.8)

/// τ_α of `problem` by any solver of it: the solvers are interchangeable.
func relaxationTime<Solver: StationarySolver>(by solver: Solver) throws -> Double
where Solver.Problem == PSpinEquilibrium {
    let solution = try problem.solve(with: solver)
    print("p-spin T = 0.8, \(solution.report.method): τ_α = \(solution.relaxationTime ?? .nan), "
          + "E = \(solution.energyFromDynamics) (exact \(solution.energy))")
    return solution.relaxationTime ?? .nan
}
let spectral = try relaxationTime(by: try PSpinSpectralSolver(for: problem))
let doubling = try relaxationTime(by: try DoublingSolver())
print("τ_α spectral/doubling − 1 = \(spectral / doubling - 1)")

// A quench from a random start to T = 0.4 (below T_d): two calls.
let quench = try PSpinQuench(mixture: .pure(3), temperature: 0.4)
let aging = try quench.integrate(options: TwoTimeOptions(step: 0.1, maximumTime: 20))
print("quench to T = 0.4: E(20) = \(aging.energy(row: aging.lastRow))")
