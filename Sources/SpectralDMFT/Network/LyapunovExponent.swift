import Foundation

/// The maximal Lyapunov exponent of a random rate network from its stationary DMFT solution.
public struct LyapunovResult: Sendable, Codable {
    /// λ_max = −1 + √(1 − E0), in inverse time units.
    public let lambdaMax: Double
    /// Lowest eigenvalue E0 of `H = −∂_τ² + 1 − g² C_φ'(τ)` (Richardson-extrapolated).
    public let groundEnergy: Double
    /// Bottom of H's continuum, `1 − g²⟨φ'⟩²` (= κ², the tail rate squared): E0 when there is no bound state.
    public let continuumEdge: Double
    /// True when E0 is a bound state below the continuum.
    public let isBoundState: Bool
    /// Estimated discretisation error of E0 (|E_dt − E_2dt| / 15).
    public let groundEnergyError: Double

    /// Estimated error of λ_max propagated from E0: `δE0 / (2√(1 − E0))`.
    public var lambdaMaxError: Double { groundEnergyError / (2 * (1 - groundEnergy).squareRoot()) }
}

/// λ_max from the stationary DMFT (SCS 1988; Crisanti & Sompolinsky 2018; docs/PHYSICS.md §1).
///
/// With `C_φ'(τ) = E[φ'(u)φ'(v)]` (Var u = Var v = Δ0, Cov = Δ(τ)), from the same `CorrelationTable` machinery as
/// the solver, E0 is the lowest eigenvalue of `H = −∂_τ² + 1 − g² C_φ'(τ)` on the whole line; the ground state
/// is even, so it is found by shooting from τ = 0 with ψ(0) = 1, ψ'(0) = 0 (Numerov, O(dt⁴); the first step by
/// Taylor expansion, which honours the kink of C_φ' at τ = 0 when σ > 0) and bisecting on the number of nodes.
/// E0 is computed on the lag grid and on every second lag, and Richardson-extrapolated (O(dt⁶)). Then
/// `λ_max = −1 + √(1 − E0)`. On the quiescent branch (σ = 0, g ≤ 1) `λ_max = g − 1` exactly.
public enum LyapunovExponent {
    /// λ_max for the stationary solution `solution` of `model`.
    public static func compute(model: NetworkModel, solution: NetworkSolution) throws -> LyapunovResult {
        let g = model.coupling
        if solution.branch == .quiescent {
            return LyapunovResult(lambdaMax: g - 1, groundEnergy: 1 - g * g, continuumEdge: 1 - g * g,
                                  isBoundState: false, groundEnergyError: 0)
        }
        let potential = potentialValues(model: model, solution: solution)
        let variance = solution.variance
        let meanSlope = GaussianAverages.expectation(variance: variance,
                                                     singularityDistance: model.nonlinearity.singularityDistance,
                                                     model.nonlinearity.derivative)
        let edge = 1 - g * g * meanSlope * meanSlope
        return extrapolated(potential: potential, step: solution.grid.step, edge: edge)
    }

    /// λ_max of a general one-population network (any φ, bias h0, mean coupling J0; docs/PHYSICS.md §1.10) from its
    /// stationary solution.
    ///
    /// - Fixed-point branch (σ = 0, below g_c): the Jacobian −1 + J diag φ'(h*) has its bulk within radius
    ///   g√⟨φ'²⟩ and the mean-mode outlier at J0⟨φ'⟩, so λ_max = −1 + max(g√⟨φ'²⟩, J0⟨φ'⟩) exactly.
    /// - Chaotic or noise-driven branch: E0 is the lowest eigenvalue of `H = −∂_τ² + 1 − g² C_φ'(τ)` with the FULL
    ///   kernel `C_φ'(τ) = E_z[(E_x φ'(μ + √(Δ0−Δ(τ)) x + √Δ(τ) z))²]` (split at the kinks of φ), whose potential
    ///   tends to κ² = 1 − g² C_φ'(Δ∞) (not 1 − g²⟨φ'⟩²); shooting, node counting and Richardson extrapolation as
    ///   in `compute(model:solution:)`, `λ_max = −1 + √(1 − E0)`. For odd φ with h0 = J0 = 0 the kernel is the one
    ///   of §1.6 and the result agrees with `compute(model:solution:)` (tests: to 1e-9 at g = 2). The mean mode is
    ///   not part of H (it is a separate outlier, J0⟨φ'⟩ on the fixed-point branch).
    public static func compute(model: GeneralNetworkModel, solution: GeneralNetworkSolution) throws -> LyapunovResult {
        let g = model.coupling
        let slope = model.nonlinearity.derivative
        if solution.branch == .fixedPoint {
            let point = try model.fixedPoint()
            let growth = max(point.bulkRadius, point.meanModeEigenvalue)
            let energy = 1 - growth * growth
            return LyapunovResult(lambdaMax: -1 + growth, groundEnergy: energy, continuumEdge: 1 - point.bulkRadius * point.bulkRadius,
                                  isBoundState: false, groundEnergyError: 0)
        }
        let variance = solution.variance, mean = solution.mean
        let g2 = g * g
        let potential = solution.correlation.map { 1 - g2 * model.kernel(slope, lag: $0, variance: variance, mean: mean) }
        let edge = 1 - g2 * model.kernel(slope, lag: solution.staticVariance, variance: variance, mean: mean)
        return extrapolated(potential: potential, step: solution.grid.step, edge: edge)
    }

    /// λ_max from the ground state of `−∂² + Q` (Q sampled at step h): E0 on every lag and on every second lag,
    /// Richardson-extrapolated (error |E_h − E_2h|/15); the continuum edge when there is no bound state.
    static func extrapolated(potential: [Double], step: Double, edge: Double) -> LyapunovResult {
        extrapolated(fine: groundEnergy(potential: potential, step: step, stride: 1, edge: edge),
                     coarse: groundEnergy(potential: potential, step: step, stride: 2, edge: edge), edge: edge)
    }

    /// λ_max from the ground energies on a grid and on one twice as coarse (nil: no bound state below `edge`):
    /// E0 = E_h + (E_h − E_2h)/15 with error |E_h − E_2h|/15, or the edge.
    static func extrapolated(fine: Double?, coarse: Double?, edge: Double) -> LyapunovResult {
        let energy: Double, error: Double, bound: Bool
        if let fine, let coarse {
            energy = fine + (fine - coarse) / 15
            error = abs(fine - coarse) / 15
            bound = true
        } else {
            energy = edge
            error = 0
            bound = false
        }
        return LyapunovResult(lambdaMax: -1 + (1 - energy).squareRoot(), groundEnergy: energy, continuumEdge: edge,
                              isBoundState: bound, groundEnergyError: error)
    }

    /// The potential `Q(τ_j) = 1 − g² C_φ'(Δ(τ_j); Δ0)` on the solution's lag grid.
    public static func potentialValues(model: NetworkModel, solution: NetworkSolution) -> [Double] {
        let table = CorrelationTable(nonlinearity: model.nonlinearity, pair: .derivative)
        table.prepare(variance: solution.variance)
        var values = [Double](repeating: 0, count: solution.correlation.count)
        solution.correlation.withUnsafeBufferPointer { covariances in
            values.withUnsafeMutableBufferPointer { table.evaluate(covariances, into: $0) }
        }
        let gSquared = model.coupling * model.coupling
        return values.map { 1 - gSquared * $0 }
    }

    /// Lowest even eigenvalue below `edge` of `−ψ'' + Q ψ = E ψ` with Q sampled every `stride` lags; nil if none.
    static func groundEnergy(potential: [Double], step: Double, stride: Int, edge: Double) -> Double? {
        let samples = Swift.stride(from: 0, to: potential.count, by: stride).map { potential[$0] }
        let h = step * Double(stride)
        // Below min Q there are no nodes; just under the edge there is one iff a bound state exists.
        var low = samples.min()! - 1e-9
        var high = edge - 1e-12 * max(1, abs(edge))
        guard nodes(samples, h: h, energy: high, oddSector: false) > 0 else { return nil }
        for _ in 0..<200 {
            let middle = 0.5 * (low + high)
            if nodes(samples, h: h, energy: middle, oddSector: false) > 0 { high = middle } else { low = middle }
            if high - low <= 1e-15 * max(1, abs(middle)) { break }
        }
        return 0.5 * (low + high)
    }

    /// Lowest odd eigenvalue below `edge` (ψ(0) = 0): for σ = 0 it is the zero mode ψ = Δ̇, so it must vanish.
    public static func oddGroundEnergy(model: NetworkModel, solution: NetworkSolution) -> Double? {
        let potential = potentialValues(model: model, solution: solution)
        let meanSlope = GaussianAverages.expectation(variance: solution.variance,
                                                     singularityDistance: model.nonlinearity.singularityDistance,
                                                     model.nonlinearity.derivative)
        let edge = 1 - model.coupling * model.coupling * meanSlope * meanSlope
        var low = potential.min()! - 1e-9
        var high = edge - 1e-12
        let h = solution.grid.step
        guard nodes(potential, h: h, energy: high, oddSector: true) > 0 else { return nil }
        for _ in 0..<200 {
            let middle = 0.5 * (low + high)
            if nodes(potential, h: h, energy: middle, oddSector: true) > 0 { high = middle } else { low = middle }
            if high - low <= 1e-15 { break }
        }
        return 0.5 * (low + high)
    }

    /// Number of sign changes of the Numerov solution of ψ'' = (Q − E)ψ from τ = 0 (stopping once it diverges).
    static func nodes(_ potential: [Double], h: Double, energy: Double, oddSector: Bool) -> Int {
        let n = potential.count
        let h2 = h * h
        return potential.withUnsafeBufferPointer { q -> Int in
            // Start: Taylor series about 0⁺ with one-sided derivatives of Q.
            let f0 = q[0] - energy
            let slope = (-3 * q[0] + 4 * q[1] - q[2]) / (2 * h)
            let curvature = (2 * q[0] - 5 * q[1] + 4 * q[2] - q[3]) / h2
            var previous: Double, current: Double
            if oddSector {
                // ψ(0) = 0, ψ'(0) = 1: ψ''' = f ψ' ... ψ(h) = h + f0 h³/6 + 2 Q' h⁴/24.
                previous = 0
                current = h + f0 * h2 * h / 6 + slope * h2 * h2 / 12
            } else {
                // ψ(0) = 1, ψ'(0) = 0: ψ'' = f, ψ''' = Q', ψ'''' = Q'' + f².
                previous = 1
                current = 1 + f0 * h2 / 2 + slope * h2 * h / 6 + (curvature + f0 * f0) * h2 * h2 / 24
            }
            var count = 0
            var fPrevious = f0, fCurrent = q[1] - energy
            for j in 1..<(n - 1) {
                let fNext = q[j + 1] - energy
                let next = (2 * (1 + 5 * h2 * fCurrent / 12) * current - (1 - h2 * fPrevious / 12) * previous)
                    / (1 - h2 * fNext / 12)
                if (next < 0) != (current < 0) && next != 0 { count += 1 }
                previous = current; current = next
                fPrevious = fCurrent; fCurrent = fNext
                if abs(current) > 1e150 { break }
            }
            return count
        }
    }
}
