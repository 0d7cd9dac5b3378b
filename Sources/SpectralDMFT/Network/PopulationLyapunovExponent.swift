import Foundation

extension LyapunovExponent {
    /// λ_max of a network of D populations (`PopulationNetworkModel`) from its stationary solution
    /// (docs/PHYSICS.md §1.13, "λ_max for several populations").
    ///
    /// Two replicas of the network with the same couplings, a tangent (infinitesimal) separation δh: its autocorrelation
    /// per population, D_k(t, s), obeys `(∂_t + 1)(∂_s + 1) D_k = Σ_l A_kl C_φl'(t − s) D_l`, with the FULL derivative
    /// kernel `C_φl'(τ) = E_z[(E_x φ_l'(μ_l + √(Δ_l(0) − Δ_l(τ)) x + √Δ_l(τ) z))²]` (kink-split quadrature). Growth
    /// e^{λ(t+s)} ψ_k(t − s) turns it into the D × D matrix Schrödinger problem
    ///
    ///     H ψ = E ψ,   H_kl = (−∂_τ² + 1) δ_kl − A_kl C_φl'(τ),   λ_max = −1 + √(1 − E0),
    ///
    /// E0 the lowest eigenvalue. H is not symmetric, but A_kl C_φl' ≥ 0 makes it cooperative: E0 is real and its
    /// eigenvector positive (Perron). The continuum starts at `1 − ρ(A diag C_φl'(Δ∞_l))`; without a bound state below
    /// it E0 is that edge. For D = 1 this is `compute(model: GeneralNetworkModel, …)`.
    ///
    /// Numerics: matrix Numerov on the solution's lag grid (even sector: reflection at τ = 0, with the O(h³) term of a
    /// kink of the potential at 0⁺ — φ kinks or noise — put back; Dirichlet at the end of the window), the lowest
    /// eigenvalue by shifted inverse iteration (block-tridiagonal solves, the shift moved onto the eigenvalue as it
    /// converges), on every lag and on every second lag, Richardson-extrapolated (O(h⁴) → error |E_h − E_2h|/15).
    /// On the fixed-point branch `λ_max = −1 + max(√ρ(𝕄), mean-mode eigenvalue)` exactly (bulk radius and outliers).
    ///
    /// - Throws: `ConvergenceError.notConverged` if the inverse iteration does not settle (residual: the last change of
    ///   E) or its vector is not positive (residual: its most negative component).
    public static func compute(model: PopulationNetworkModel, solution: PopulationNetworkSolution) throws -> LyapunovResult {
        if solution.branch == .fixedPoint {
            let point = try model.fixedPoint()
            let bulk = point.spectralRadius.squareRoot()
            let growth = max(bulk, point.meanModeEigenvalue)
            return LyapunovResult(lambdaMax: -1 + growth, groundEnergy: 1 - growth * growth, continuumEdge: 1 - bulk * bulk,
                                  isBoundState: false, groundEnergyError: 0)
        }
        let problem = PopulationTangentProblem(model: model, solution: solution)
        let edge = problem.continuumEdge
        let fine = try problem.lowestEigenvalue(stride: 1, odd: false)
        let coarse = try problem.lowestEigenvalue(stride: 2, odd: false)
        let bound = fine < edge && coarse < edge
        return extrapolated(fine: bound ? fine : nil, coarse: bound ? coarse : nil, edge: edge)
    }
}

extension LyapunovExponent {
    /// λ_max of a one-population general network by the population route: `compute(model:solution:)` of the
    /// D = 1 `PopulationNetworkModel` (matrix Numerov on the kernel C_φ' interpolated from Chebyshev points in
    /// s = √(Δ0 − Δ), Richardson-extrapolated), the route of `dmft network solve --lyapunov` with `--phi`/`--bias`/
    /// `--mean-coupling`. `compute(model: GeneralNetworkModel, …)` solves the same problem by shooting with the kernel
    /// at every lag (slower; the two agree within their error estimates, `PopulationLyapunovTests`).
    ///
    /// - Throws: as `compute(model: PopulationNetworkModel, …)`.
    public static func computeByPopulations(model: GeneralNetworkModel, solution: GeneralNetworkSolution) throws -> LyapunovResult {
        let population = NetworkPopulation(name: "1", fraction: 1, nonlinearity: model.nonlinearity, bias: model.bias,
                                           noise: model.noise)
        let network = try PopulationNetworkModel(populations: [population], coupling: [[model.coupling]],
                                                 meanCoupling: [[model.meanCoupling]])
        return try compute(model: network, solution: PopulationNetworkSolution(single: solution, model: network))
    }
}

/// The tangent (linearised) problem of a D-population stationary state: the potential matrices
/// `V_j = A diag(C_φl'(Δ_l(τ_j)))` on the lag grid, and the lowest eigenvalue of `−∂² + 1 − V` by matrix Numerov.
package struct PopulationTangentProblem {
    /// D.
    package let dimension: Int
    /// The lag step h.
    package let step: Double
    /// V_j, row-major D × D per lag, lag-major.
    package let potential: [Double]
    /// Number of lags.
    package let count: Int
    /// 1 − ρ(V_∞), the bottom of the continuum.
    package let continuumEdge: Double

    /// The potential of `solution`: per population the kernel C_φl' by kink-split Gaussian quadrature (as the
    /// solver's) at Chebyshev points in s = √(Δ_l(0) − Δ), interpolated to every lag (`interpolatedKernel`).
    package init(model: PopulationNetworkModel, solution: PopulationNetworkSolution) {
        let d = model.count, n = solution.grid.count
        let a = model.varianceMatrix
        var v = [Double](repeating: 0, count: n * d * d)
        var tail = [Double](repeating: 0, count: d * d)
        for l in 0..<d {
            let phi = model.populations[l].nonlinearity
            let state = solution.populations[l]
            let correlation = solution.correlations[l]
            let lowest = min(correlation.min() ?? state.variance, state.staticVariance)
            let kernel = Self.interpolatedKernel(top: max(state.variance - lowest, 0).squareRoot()) { s in
                PopulationKernels.kernel(phi, phi.derivative, lag: state.variance - s * s, variance: state.variance, mean: state.mean)
            }
            for j in 0..<n {
                let c = kernel(max(state.variance - correlation[j], 0).squareRoot())
                for k in 0..<d { v[j * d * d + k * d + l] = a[k * d + l] * c }
            }
            let c = kernel(max(state.variance - state.staticVariance, 0).squareRoot())
            for k in 0..<d { tail[k * d + l] = a[k * d + l] * c }
        }
        dimension = d
        step = solution.grid.step
        potential = v
        count = n
        continuumEdge = 1 - (SmallMatrix.eigenvalues(tail, dimension: d).map(\.real).max() ?? 0)
    }

    /// `f(s)` on [0, top] by barycentric interpolation at Chebyshev points: the kernel C_φ'(Δ) is smooth in
    /// s = √(Δ0 − Δ), kinks of φ included (their effect is a term ∝ s). Starts with 48 points and doubles them (to at
    /// most 384) until the interpolant agrees with `f` to 1e-12 (relative to max |f|) at three test points between
    /// the nodes; then a few dozen kernel quadratures serve every lag.
    static func interpolatedKernel(top: Double, _ f: (Double) -> Double) -> (Double) -> Double {
        guard top > 0 else {
            let value = f(0)
            return { _ in value }
        }
        var count = 48
        while true {
            let angles: [Double] = (0..<count).map { i -> Double in Double.pi * (Double(i) + 0.5) / Double(count) }
            let nodes: [Double] = angles.map { angle -> Double in 0.5 * top * (1 - cos(angle)) }
            let values: [Double] = nodes.map(f)
            var weights: [Double] = angles.map { angle -> Double in sin(angle) }
            for i in Swift.stride(from: 1, to: count, by: 2) { weights[i] = -weights[i] }
            let interpolant: (Double) -> Double = { s in
                var numerator = 0.0, denominator = 0.0
                for i in 0..<count {
                    let difference = s - nodes[i]
                    if difference == 0 { return values[i] }
                    let w = weights[i] / difference
                    numerator += w * values[i]
                    denominator += w
                }
                return numerator / denominator
            }
            let scale = values.map(abs).max() ?? 1
            let error = [0.137, 0.5003, 0.913].map { abs(interpolant($0 * top) - f($0 * top)) }.max() ?? 0
            if error <= 1e-12 * max(scale, 1e-300) || count >= 384 { return interpolant }
            count *= 2
        }
    }

    /// The lowest eigenvalue of `(−∂² + 1 − V) ψ = E ψ` on [0, L] with every `stride`-th lag: even sector
    /// (ψ'(0) = 0) or odd sector (ψ(0) = 0), ψ(L) = 0.
    ///
    /// - Throws: `ConvergenceError.notConverged` when the shifted inverse iteration does not converge to a positive vector.
    package func lowestEigenvalue(stride: Int, odd: Bool) throws -> Double {
        let d = dimension, dd = d * d
        let h = step * Double(stride)
        let points = (count - 1) / stride + 1          // samples 0 … points − 1; the last is the Dirichlet end
        let first = odd ? 1 : 0
        let m = points - 1 - first                       // unknowns ψ_first … ψ_{points−2}
        precondition(m >= 3, "window too short for the tangent problem")
        // Q_j = I − V_j at the sampled lags.
        var q = [Double](repeating: 0, count: points * dd)
        for j in 0..<points {
            for e in 0..<dd { q[j * dd + e] = -potential[j * stride * dd + e] }
            for k in 0..<d { q[j * dd + k * d + k] += 1 }
        }
        // Even sector: the kink of Q at 0⁺ (slope c = Q'(0⁺)) adds h³cψ0/6 to the reflected stencil: Q_0 → Q_0 + h c/5.
        var q0 = Array(q[0..<dd])
        if !odd {
            for e in 0..<dd {
                let slope = (-3 * q[e] + 4 * q[dd + e] - q[2 * dd + e]) / (2 * h)
                q0[e] += h * slope / 5
            }
        }
        let inverseH2 = 1 / (h * h)
        var largestRow = 0.0
        for j in 0..<points {
            for k in 0..<d {
                var row = 0.0
                for l in 0..<d { row += abs(potential[j * stride * dd + k * d + l]) }
                largestRow = max(largestRow, row)
            }
        }
        var shift = 1 - largestRow - 1
        // Workspaces: factored diagonal inverses, multipliers, upper blocks.
        var inverses = [Double](repeating: 0, count: m * dd)
        var multipliers = [Double](repeating: 0, count: m * dd)
        var uppers = [Double](repeating: 0, count: m * dd)
        var block = [Double](repeating: 0, count: dd), lower = block, product = block
        func qBlock(_ j: Int, into out: inout [Double]) {
            if j == 0 && !odd { for e in 0..<dd { out[e] = q0[e] } } else { for e in 0..<dd { out[e] = q[j * dd + e] } }
        }
        func factor(_ sigma: Double) -> Bool {
            for row in 0..<m {
                let j = row + first
                // Diagonal block 2/h² I + 10 (Q_j − σ)/12.
                qBlock(j, into: &block)
                for e in 0..<dd { block[e] *= 10.0 / 12 }
                for k in 0..<d { block[k * d + k] += 2 * inverseH2 - 10 * sigma / 12 }
                // Upper block −c/h² I + c (Q_{j+1} − σ)/12, c = 2 on the reflected row 0 (even), else 1.
                let c = (j == 0 && !odd) ? 2.0 : 1.0
                if row < m - 1 {
                    for e in 0..<dd { uppers[row * dd + e] = c * q[(j + 1) * dd + e] / 12 }
                    for k in 0..<d { uppers[row * dd + k * d + k] += c * (-inverseH2 - sigma / 12) }
                }
                if row > 0 {
                    // Lower block −1/h² I + (Q_{j−1} − σ)/12; multiplier L D'^{-1}_{row−1}; D' = D − M U_{row−1}.
                    for e in 0..<dd { lower[e] = q[(j - 1) * dd + e] / 12 }
                    for k in 0..<d { lower[k * d + k] += -inverseH2 - sigma / 12 }
                    Self.multiply(lower, inverses, offset: (row - 1) * dd, d, into: &product)
                    for e in 0..<dd { multipliers[row * dd + e] = product[e] }
                    Self.multiply(product, uppers, offset: (row - 1) * dd, d, into: &lower)
                    for e in 0..<dd { block[e] -= lower[e] }
                }
                guard Self.invert(&block, d) else { return false }
                for e in 0..<dd { inverses[row * dd + e] = block[e] }
            }
            return true
        }
        var x = [Double](repeating: 1, count: m * d), rhs = x, y = x
        var vector = [Double](repeating: 0, count: d), other = vector
        func solve() {
            // rhs = B x (Numerov mass, ψ at the Dirichlet end = 0; at the even row 0 the reflected neighbour counts twice).
            for row in 0..<m {
                let j = row + first
                for k in 0..<d {
                    var value = 10 * x[row * d + k]
                    if row + 1 < m { value += ((j == 0 && !odd) ? 2 : 1) * x[(row + 1) * d + k] }
                    if row > 0 { value += x[(row - 1) * d + k] }
                    rhs[row * d + k] = value / 12
                }
            }
            // Forward elimination, then back substitution.
            for row in 1..<m {
                for k in 0..<d {
                    var sum = 0.0
                    for l in 0..<d { sum += multipliers[row * dd + k * d + l] * rhs[(row - 1) * d + l] }
                    rhs[row * d + k] -= sum
                }
            }
            for row in Swift.stride(from: m - 1, through: 0, by: -1) {
                for k in 0..<d { vector[k] = rhs[row * d + k] }
                if row < m - 1 {
                    for k in 0..<d {
                        var sum = 0.0
                        for l in 0..<d { sum += uppers[row * dd + k * d + l] * y[(row + 1) * d + l] }
                        vector[k] -= sum
                    }
                }
                for k in 0..<d {
                    var sum = 0.0
                    for l in 0..<d { sum += inverses[row * dd + k * d + l] * vector[l] }
                    other[k] = sum
                }
                for k in 0..<d { y[row * d + k] = other[k] }
            }
        }
        func normalise(_ values: inout [Double]) {
            let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in values.indices { values[i] /= norm }
        }
        normalise(&x)
        var estimate = Double.nan, previous = Double.nan
        var refined = false
        guard factor(shift) else { throw ConvergenceError.notConverged(residual: .nan, iterations: 0, tolerance: 1e-14) }
        for iteration in 1...400 {
            solve()
            var dot = 0.0
            for i in 0..<(m * d) { dot += x[i] * y[i] }
            estimate = shift + 1 / dot
            x = y
            normalise(&x)
            if x.reduce(0, +) < 0 { for i in x.indices { x[i] = -x[i] } }
            let change = abs(estimate - previous)
            previous = estimate
            if refined && change <= 1e-14 * max(1, abs(estimate)) {
                // The ground state is positive (Perron); the odd sector's lowest is positive on τ > 0 as well.
                guard x.allSatisfy({ $0 > -1e-10 }) else {
                    throw ConvergenceError.notConverged(residual: x.min() ?? .nan, iterations: iteration, tolerance: 1e-10)
                }
                return estimate
            }
            if !refined && change <= 1e-6 * max(1, abs(estimate)) {
                // Move the shift just below the eigenvalue: the iteration then converges in a few steps.
                shift = estimate - 1e-7 * max(1, abs(estimate))
                refined = true
                guard factor(shift) else { return estimate }
            }
        }
        throw ConvergenceError.notConverged(residual: abs(estimate - previous), iterations: 400, tolerance: 1e-14)
    }

    /// out = a · b[offset…] (D × D, row-major).
    private static func multiply(_ a: [Double], _ b: [Double], offset: Int, _ d: Int, into out: inout [Double]) {
        for i in 0..<d {
            for j in 0..<d {
                var sum = 0.0
                for p in 0..<d { sum += a[i * d + p] * b[offset + p * d + j] }
                out[i * d + j] = sum
            }
        }
    }

    /// In-place inverse of a D × D matrix (Gauss–Jordan, partial pivoting); false if singular.
    private static func invert(_ a: inout [Double], _ d: Int) -> Bool {
        var inverse = [Double](repeating: 0, count: d * d)
        for k in 0..<d { inverse[k * d + k] = 1 }
        for c in 0..<d {
            var pivot = c
            for r in c..<d where abs(a[r * d + c]) > abs(a[pivot * d + c]) { pivot = r }
            guard abs(a[pivot * d + c]) > 1e-300 else { return false }
            if pivot != c {
                for j in 0..<d { a.swapAt(c * d + j, pivot * d + j); inverse.swapAt(c * d + j, pivot * d + j) }
            }
            let scale = 1 / a[c * d + c]
            for j in 0..<d { a[c * d + j] *= scale; inverse[c * d + j] *= scale }
            for r in 0..<d where r != c {
                let f = a[r * d + c]
                if f == 0 { continue }
                for j in 0..<d { a[r * d + j] -= f * a[c * d + j]; inverse[r * d + j] -= f * inverse[c * d + j] }
            }
        }
        a = inverse
        return true
    }
}

extension PopulationNetworkSolution {
    /// The exact state of `model` when its D populations are identical copies of one (equal φ, h0, σ, equal rows of
    /// g and J0, so Δ_k = Δ of the one population): `single` repeated, with `model`'s names and fractions. For checks
    /// of D-population routines against D = 1.
    package static func identicalPopulations(_ single: GeneralNetworkSolution, model: PopulationNetworkModel) -> PopulationNetworkSolution {
        PopulationNetworkSolution(
            scale: model.scale, branch: single.branch, grid: single.grid, fractions: model.populations.map(\.fraction),
            correlations: model.populations.map { _ in single.correlation }, spectra: model.populations.map { _ in single.spectrum },
            populations: model.populations.map {
                PopulationState(name: $0.name, mean: single.mean, rate: single.rate, variance: single.variance,
                                staticVariance: single.staticVariance, decorrelationTime: single.decorrelationTime)
            },
            report: single.report)
    }
}
