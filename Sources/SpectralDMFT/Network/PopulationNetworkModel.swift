import Foundation

/// One population (cell type) of a `PopulationNetworkModel`.
public struct NetworkPopulation: Sendable {
    /// A label for output files (e.g. "E", "I").
    public let name: String
    /// α_k: the fraction of the N units in this population, 0 < α_k ≤ 1 (the fractions sum to 1).
    public let fraction: Double
    /// φ_k: the transfer function of the units of this population (any φ; kinks declared in `Nonlinearity.kinks`).
    public let nonlinearity: Nonlinearity
    /// h0_k: the constant external input of the units of this population.
    public let bias: Double
    /// σ_k ≥ 0: white-noise intensity σ_k² of each unit of this population.
    public let noise: Double

    /// Stores the population (checked by `PopulationNetworkModel.init`).
    public init(name: String, fraction: Double, nonlinearity: Nonlinearity, bias: Double = 0, noise: Double = 0) {
        self.name = name
        self.fraction = fraction
        self.nonlinearity = nonlinearity
        self.bias = bias
        self.noise = noise
    }
}

/// A random rate network of D populations (cell types) with block-structured coupling statistics:
///
///     dh_i/dt = −h_i + h0_k + Σ_l Σ_{j∈l} J_ij φ_l(h_j) + ξ_i,     i ∈ population k,
///     J_ij = J0_kl/N + s g_kl z_ij/√N,   z_ij ~ N(0, 1) i.i.d.,    ⟨ξ_i(t)ξ_i(t')⟩ = σ_k² δ(t − t').
///
/// Population k holds N α_k units. N is the total number of units (not N_l), so the variance matrix of the effective
/// process is `A_kl = s² α_l g_kl²` and the mean-coupling matrix is `W_kl = α_l J0_kl`. The effective single unit of
/// population k has mean `μ_k = h0_k + Σ_l α_l J0_kl M_l` (M_l = ⟨φ_l(h)⟩ in population l) and an autocorrelation
/// Δ_k(τ) of h − μ_k solving
/// `(1 − ∂²)Δ_k = Σ_l A_kl C_φl(Δ_l(τ); Δ_l(0), μ_l) + σ_k² δ(τ)`, with the full Gaussian kernel
/// `C_φ(Δ; Δ0, μ) = E_z[(E_x φ(μ + √(Δ0−Δ) x + √Δ z))²]` (docs/PHYSICS.md, "Several populations"). Time in units of
/// the single-unit relaxation time.
///
/// To build the same network in a finite-N simulation: unit i in population k (the first ⌊α_1 N⌉ units are k = 1,
/// and so on) gets bias `populations[k].bias`, noise `populations[k].noise`, transfer function
/// `populations[k].nonlinearity`, and J_ij is drawn from N(`meanCoupling[k][l]`/N, (`scale`·`coupling[k][l]`)²/N).
///
///     let ei = try PopulationNetworkModel(
///         populations: [NetworkPopulation(name: "E", fraction: 0.8, nonlinearity: .reluTanh, bias: 0.3),
///                       NetworkPopulation(name: "I", fraction: 0.2, nonlinearity: .reluTanh, bias: 0.3)],
///         coupling: [[1, 2], [1, 2]], meanCoupling: [[1, -4], [1, -4]], scale: 3)
///     let solution = try ei.solve()    // Δ_k(τ), μ_k, M_k, Δ0_k, Δ∞_k
public struct PopulationNetworkModel: StationaryProblem {
    /// The D populations.
    public let populations: [NetworkPopulation]
    /// g_kl ≥ 0 (D × D): the standard deviation of J_ij (i ∈ k, j ∈ l) times √N, before the overall scale.
    public let coupling: [[Double]]
    /// J0_kl (D × D): the mean of J_ij (i ∈ k, j ∈ l) times N.
    public let meanCoupling: [[Double]]
    /// s > 0: the overall scale multiplying every g_kl (the control parameter of the transition).
    public let scale: Double

    /// Validates and stores the model.
    ///
    /// - Parameters:
    ///   - populations: the D populations (fractions summing to 1).
    ///   - coupling: g_kl ≥ 0, D × D (standard deviations × √N).
    ///   - meanCoupling: J0_kl, D × D (means × N); nil for none.
    ///   - scale: s > 0 multiplying every g_kl.
    ///   - symmetry: η, the correlation of J_ij and J_ji. Only η = 0 is solved: for nonlinear φ the effective
    ///     process with η ≠ 0 is non-Gaussian (docs/PHYSICS.md), so any other value throws.
    /// - Throws: `ModelError` for fractions that are not positive or do not sum to 1 (to 1e-9), a matrix that is not
    ///   D × D, a negative or non-finite g_kl, a non-finite J0_kl, h0_k or σ_k < 0, s ≤ 0, η ≠ 0, and s·g_kl or σ_k
    ///   beyond the supported range of `NetworkModel`.
    public init(populations: [NetworkPopulation], coupling: [[Double]], meanCoupling: [[Double]]? = nil,
                scale: Double = 1, symmetry: Double = 0) throws {
        let d = populations.count
        guard d >= 1 else { throw ModelError.invalidParameter(name: "populations", value: 0, requirement: "at least one population") }
        var total = 0.0
        for (k, p) in populations.enumerated() {
            guard p.fraction.isFinite, p.fraction > 0, p.fraction <= 1 else {
                throw ModelError.invalidParameter(name: "fraction[\(k)]", value: p.fraction, requirement: "a number in (0, 1]")
            }
            total += p.fraction
            guard p.bias.isFinite, abs(p.bias) <= 100 else {
                throw ModelError.invalidParameter(name: "bias[\(k)]", value: p.bias, requirement: "a finite number with |h0| <= 100")
            }
            guard p.noise.isFinite, p.noise >= 0 else {
                throw ModelError.invalidParameter(name: "noise[\(k)]", value: p.noise, requirement: "a finite number >= 0")
            }
        }
        guard abs(total - 1) <= 1e-9 else {
            throw ModelError.invalidParameter(name: "sum of the fractions", value: total, requirement: "1")
        }
        let means = meanCoupling ?? [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for (label, matrix) in [("g", coupling), ("J0", means)] {
            guard matrix.count == d, matrix.allSatisfy({ $0.count == d }) else {
                throw ModelError.invalidParameter(name: "\(label) matrix", value: Double(matrix.count),
                                                  requirement: "a square \(d) × \(d) matrix (one row and one column per population)")
            }
        }
        for k in 0..<d {
            for l in 0..<d {
                let g = coupling[k][l], j0 = means[k][l]
                guard g.isFinite, g >= 0 else {
                    throw ModelError.invalidParameter(name: "g[\(k)][\(l)]", value: g,
                                                      requirement: "a finite standard deviation >= 0 (the variance is g²/N)")
                }
                guard j0.isFinite, abs(j0) <= 100 else {
                    throw ModelError.invalidParameter(name: "J0[\(k)][\(l)]", value: j0, requirement: "a finite number with |J0| <= 100")
                }
            }
        }
        guard scale.isFinite, scale > 0 else { throw ModelError.invalidParameter(name: "scale", value: scale, requirement: "a finite number > 0") }
        guard symmetry.isFinite, abs(symmetry) <= 1 else {
            throw ModelError.invalidParameter(name: "eta", value: symmetry, requirement: "a number in [-1, 1]")
        }
        guard symmetry == 0 else {
            throw ModelError.invalidParameter(
                name: "eta", value: symmetry,
                requirement: "0 for a nonlinear φ: partially symmetric couplings make the effective process non-Gaussian and need the sampling DMFT route, which does not exist yet")
        }
        let largest = coupling.flatMap { $0 }.max() ?? 0
        guard largest > 0 else { throw ModelError.invalidParameter(name: "g", value: 0, requirement: "a matrix with at least one g_kl > 0") }
        try NetworkModel.checkSupportedRange(coupling: scale * largest, noise: populations.map(\.noise).max() ?? 0)
        self.populations = populations
        self.coupling = coupling
        self.meanCoupling = means
        self.scale = scale
    }

    /// D.
    public var count: Int { populations.count }

    /// The same network at another overall scale s.
    public func scaled(_ newScale: Double) throws -> PopulationNetworkModel {
        try PopulationNetworkModel(populations: populations, coupling: coupling, meanCoupling: meanCoupling, scale: newScale)
    }

    /// A_kl = s² α_l g_kl², row-major.
    public var varianceMatrix: [Double] {
        var a = [Double](repeating: 0, count: count * count)
        for k in 0..<count { for l in 0..<count { a[k * count + l] = scale * scale * populations[l].fraction * coupling[k][l] * coupling[k][l] } }
        return a
    }

    /// W_kl = α_l J0_kl, row-major: μ = h0 + W M.
    public var meanMatrix: [Double] {
        var w = [Double](repeating: 0, count: count * count)
        for k in 0..<count { for l in 0..<count { w[k * count + l] = populations[l].fraction * meanCoupling[k][l] } }
        return w
    }

    /// The one-population model when D = 1 (s g_11 as g); nil otherwise.
    public var singlePopulation: GeneralNetworkModel? {
        guard count == 1, let p = populations.first else { return nil }
        return try? GeneralNetworkModel(coupling: scale * coupling[0][0], noise: p.noise, bias: p.bias,
                                        meanCoupling: meanCoupling[0][0], nonlinearity: p.nonlinearity)
    }

    /// The stationary state: the stable fixed point (all σ_k = 0, ρ(𝕄) < 1), otherwise the chaotic or noise-driven
    /// branch from `PopulationNetworkSolver` on its automatic grid. D = 1 is solved by `GeneralNetworkModel`,
    /// unchanged.
    ///
    /// - Throws: `GeneralNetworkError` (unstable mean mode, no chaotic solution), `ConvergenceError`.
    public func solve() throws -> PopulationNetworkSolution {
        try PopulationNetworkSolver.solveAutomatic(self)
    }

    // MARK: Mean and fixed point

    /// The means μ solving `μ_k = h0_k + Σ_l W_kl E[φ_l(μ_l + √q_l z)]` at the variances q (Newton with
    /// backtracking from μ = h0), with the rates M and the mean-mode matrix `W diag(⟨φ_l'⟩)`.
    ///
    /// - Throws: `GeneralNetworkError.unstableMeanMode` when an eigenvalue of `W diag⟨φ'⟩` has real part ≥ 1 at the
    ///   root, or no root is found.
    func selfConsistentMeans(variances q: [Double], start: [Double]? = nil) throws -> (means: [Double], rates: [Double], eigenvalue: Double) {
        let d = count
        let w = meanMatrix
        let h0 = populations.map(\.bias)
        func rates(_ mu: [Double]) -> [Double] {
            (0..<d).map { l in PopulationKernels.average(populations[l].nonlinearity, mean: mu[l], variance: q[l], populations[l].nonlinearity.function) }
        }
        func slopes(_ mu: [Double]) -> [Double] {
            (0..<d).map { l in PopulationKernels.average(populations[l].nonlinearity, mean: mu[l], variance: q[l], populations[l].nonlinearity.derivative) }
        }
        func residual(_ mu: [Double]) -> [Double] {
            let m = rates(mu)
            var r = [Double](repeating: 0, count: d)
            for k in 0..<d {
                var sum: Double = mu[k] - h0[k]
                for l in 0..<d { sum -= w[k * d + l] * m[l] }
                r[k] = sum
            }
            return r
        }
        func norm(_ r: [Double]) -> Double { r.map(abs).max() ?? 0 }
        var mu = start ?? h0
        if w.allSatisfy({ $0 == 0 }) {
            mu = h0
        } else {
            var r = residual(mu)
            var converged = false
            for _ in 0..<100 {
                if norm(r) <= 1e-15 * max(1, norm(mu)) { converged = true; break }
                let s = slopes(mu)
                var jacobian = [Double](repeating: 0, count: d * d)
                for k in 0..<d { for l in 0..<d { jacobian[k * d + l] = (k == l ? 1 : 0) - w[k * d + l] * s[l] } }
                guard let step = SmallMatrix.solve(jacobian, r, dimension: d) else { break }
                var t = 1.0, accepted = false
                for _ in 0..<40 {
                    let trial = (0..<d).map { mu[$0] - t * step[$0] }
                    let rt = residual(trial)
                    if norm(rt) < norm(r) || norm(rt) <= 1e-15 * max(1, norm(trial)) { mu = trial; r = rt; accepted = true; break }
                    t *= 0.5
                }
                if !accepted { converged = norm(r) <= 1e-12 * max(1, norm(mu)); break }
            }
            guard converged else { throw GeneralNetworkError.unstableMeanMode(eigenvalue: .nan) }
        }
        let m = rates(mu)
        let eigenvalue = meanModeEigenvalue(slopes: slopes(mu))
        guard eigenvalue < 1 else { throw GeneralNetworkError.unstableMeanMode(eigenvalue: eigenvalue) }
        return (mu, m, eigenvalue)
    }

    /// The largest real part of the eigenvalues of `W diag(⟨φ_l'⟩)`.
    func meanModeEigenvalue(slopes: [Double]) -> Double {
        let d = count, w = meanMatrix
        if w.allSatisfy({ $0 == 0 }) { return 0 }
        var matrix = [Double](repeating: 0, count: d * d)
        for k in 0..<d { for l in 0..<d { matrix[k * d + l] = w[k * d + l] * slopes[l] } }
        return SmallMatrix.eigenvalues(matrix, dimension: d).map(\.real).max() ?? 0
    }

    /// The fixed-point (static) branch at σ = 0: `q_k = Σ_l A_kl E[φ_l²(μ_l + √q_l z)]` with the self-consistent
    /// means, and its stability: the spectral radius ρ of `𝕄_kl = A_kl ⟨φ_l'²⟩` (bulk radius √ρ) and the mean-mode
    /// eigenvalues of `W diag⟨φ'⟩`. Newton in q from `start` (or from A⟨φ²⟩ at q = 0).
    ///
    /// - Throws: `GeneralNetworkError.noStaticBranch`, `.unstableMeanMode`.
    public func fixedPoint() throws -> PopulationFixedPoint {
        try fixedPoint(start: nil)
    }

    func fixedPoint(start: [Double]?) throws -> PopulationFixedPoint {
        let d = count, a = varianceMatrix
        var means = populations.map(\.bias)
        func residual(_ q: [Double]) throws -> [Double] {
            let solved = try selfConsistentMeans(variances: q, start: means)
            means = solved.means
            let square = (0..<d).map { l in
                PopulationKernels.average(populations[l].nonlinearity, mean: solved.means[l], variance: q[l]) {
                    let v = populations[l].nonlinearity.function($0); return v * v
                }
            }
            var r = [Double](repeating: 0, count: d)
            for k in 0..<d {
                var sum: Double = q[k]
                for l in 0..<d { sum -= a[k * d + l] * square[l] }
                r[k] = sum
            }
            return r
        }
        func norm(_ r: [Double]) -> Double { r.map(abs).max() ?? 0 }
        var q: [Double]
        if let start { q = start } else {
            // From above: q ← A⟨φ²⟩ decreases towards the largest static solution (Newton from below can walk off
            // where the slope of the residual is negative), then Newton polishes.
            q = (0..<d).map { k in (0..<d).reduce(1.0) { $0 + a[k * d + $1] } }
            for _ in 0..<60 {
                let r0 = try residual(q)
                let next = (0..<d).map { max(q[$0] - r0[$0], 0) }
                let change = (0..<d).map { abs(next[$0] - q[$0]) }.max() ?? 0
                q = next
                if change <= 1e-4 * max(norm(q), 1e-12) { break }
            }
        }
        var r = try residual(q)
        var converged = false
        for _ in 0..<200 {
            let scale = max(norm(q), 1e-300)
            if norm(r) <= 1e-14 * max(scale, 1e-12) { converged = true; break }
            var jacobian = [Double](repeating: 0, count: d * d)
            for l in 0..<d {
                var shifted = q
                let h = max(1e-7 * q[l], 1e-12)
                shifted[l] += h
                let rh = try residual(shifted)
                for k in 0..<d { jacobian[k * d + l] = (rh[k] - r[k]) / h }
            }
            _ = try residual(q)
            guard let step = SmallMatrix.solve(jacobian, r, dimension: d) else { break }
            var t = 1.0, accepted = false
            for _ in 0..<50 {
                let trial = (0..<d).map { max(q[$0] - t * step[$0], 0) }
                let rt = try residual(trial)
                if norm(rt) < norm(r) { q = trial; r = rt; accepted = true; break }
                t *= 0.5
            }
            if !accepted { converged = norm(r) <= 1e-11 * max(norm(q), 1e-12); break }
        }
        guard converged, q.allSatisfy({ $0.isFinite }) else { throw GeneralNetworkError.noStaticBranch }
        let solved = try selfConsistentMeans(variances: q, start: means)
        let slopeSquares = (0..<d).map { l in
            PopulationKernels.average(populations[l].nonlinearity, mean: solved.means[l], variance: q[l]) {
                let v = populations[l].nonlinearity.derivative($0); return v * v
            }
        }
        var stability = [Double](repeating: 0, count: d * d)
        for k in 0..<d { for l in 0..<d { stability[k * d + l] = a[k * d + l] * slopeSquares[l] } }
        let radius = SmallMatrix.eigenvalues(stability, dimension: d).map { ($0.real * $0.real + $0.imaginary * $0.imaginary).squareRoot() }.max() ?? 0
        return PopulationFixedPoint(means: solved.means, variances: q, rates: solved.rates, spectralRadius: radius,
                                    meanModeEigenvalue: solved.eigenvalue)
    }

    /// The critical overall scale s_c: ρ(𝕄(s)) = 1 on the fixed-point branch (σ ignored). The branch is followed
    /// from s = 0.05 upwards on a log grid (Newton warm-started from the previous q), the first crossing refined by
    /// Brent's method to ~1e-13 relative. D = 1 uses `GeneralNetworkModel.criticalCoupling()` (s_c = g_c/g_11).
    ///
    /// - Throws: `GeneralNetworkError.noTransition` when ρ stays below 1 up to s = 1000, `.unstableMeanMode`,
    ///   `.noStaticBranch`.
    public func criticalScale() throws -> Double {
        if let single = singlePopulation { return try single.criticalCoupling() / coupling[0][0] }
        var previous: (s: Double, f: Double, q: [Double])?
        var warm: [Double]?
        func criterion(_ s: Double) throws -> Double {
            let point = try self.scaled(s).fixedPoint(start: warm)
            warm = point.variances
            return point.spectralRadius - 1
        }
        let maximum = 1000.0 / max(1e-300, coupling.flatMap { $0 }.max() ?? 1)
        var s = 0.05
        while s <= min(maximum, 5000) {
            let f = try criterion(s)
            if f >= 0 {
                if let p = previous {
                    warm = p.q
                    var lastQ = p.q
                    let root = try RootFinding.brent({ x in
                        warm = lastQ
                        let value = try criterion(x)
                        lastQ = warm ?? lastQ
                        return value
                    }, lower: p.s, upper: s, absoluteTolerance: 1e-14 * s)
                    if let root { return root }
                }
                throw GeneralNetworkError.noTransition
            }
            previous = (s, f, warm ?? [])
            s *= 1.05
        }
        throw GeneralNetworkError.noTransition
    }
}

/// The fixed point of a multi-population network at σ = 0 and its stability.
public struct PopulationFixedPoint: Sendable, Codable, Equatable {
    /// μ_k.
    public let means: [Double]
    /// q_k = Δ_k(0) = Δ_k(∞).
    public let variances: [Double]
    /// M_k = ⟨φ_k(h)⟩.
    public let rates: [Double]
    /// ρ(𝕄), 𝕄_kl = A_kl ⟨φ_l'²⟩: the bulk of the Jacobian's spectrum has radius √ρ (chaos when ρ > 1).
    public let spectralRadius: Double
    /// The largest real part of the eigenvalues of `W diag⟨φ'⟩` (the mean modes).
    public let meanModeEigenvalue: Double
    /// ρ < 1 and the mean modes below 1.
    public var isStable: Bool { spectralRadius < 1 && meanModeEigenvalue < 1 }
}

/// Gaussian averages at a population's φ, split at its kinks.
package enum PopulationKernels {
    /// `E[f(μ + √variance z)]`.
    static func average(_ phi: Nonlinearity, mean: Double, variance: Double, _ f: (Double) -> Double) -> Double {
        KinkedGaussian.expectation(mean: mean, sd: max(variance, 0).squareRoot(), kinks: phi.kinks,
                                   distance: phi.singularityDistance, f)
    }

    /// `C_f(Δ; Δ0, μ) = E_z[(E_x f(μ + √(Δ0−Δ) x + √Δ z))²]`.
    static func kernel(_ phi: Nonlinearity, _ f: (Double) -> Double, lag delta: Double, variance: Double, mean: Double) -> Double {
        let outer = max(delta, 0).squareRoot(), inner = max(variance - delta, 0).squareRoot()
        return KinkedGaussian.squaredConditionalMean(mean: mean, outer: outer, inner: inner, kinks: phi.kinks,
                                                     distance: phi.singularityDistance, f)
    }
}

/// Dense linear algebra for the D × D matrices of a population model (D small).
package enum SmallMatrix {
    /// x with A x = b (Gaussian elimination, partial pivoting); nil for a singular A.
    static func solve(_ a: [Double], _ b: [Double], dimension n: Int) -> [Double]? {
        var m = a, x = b
        for c in 0..<n {
            var pivot = c
            for r in c..<n where abs(m[r * n + c]) > abs(m[pivot * n + c]) { pivot = r }
            guard abs(m[pivot * n + c]) > 1e-300 else { return nil }
            if pivot != c {
                for j in 0..<n { m.swapAt(c * n + j, pivot * n + j) }
                x.swapAt(c, pivot)
            }
            for r in (c + 1)..<n where r < n {
                let f = m[r * n + c] / m[c * n + c]
                if f == 0 { continue }
                for j in c..<n { m[r * n + j] -= f * m[c * n + j] }
                x[r] -= f * x[c]
            }
        }
        for c in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[c]
            for j in (c + 1)..<n where j < n { sum -= m[c * n + j] * x[j] }
            x[c] = sum / m[c * n + c]
        }
        return x
    }

    /// The eigenvalues of a real n × n matrix (row-major): the roots of its characteristic polynomial
    /// (Faddeev–LeVerrier coefficients, Durand–Kerner roots). Meant for the small D of population models (D ≤ 8);
    /// D = 1, 2 are in closed form.
    static func eigenvalues(_ a: [Double], dimension n: Int) -> [(real: Double, imaginary: Double)] {
        if n == 1 { return [(a[0], 0)] }
        if n == 2 {
            let trace = a[0] + a[3], det = a[0] * a[3] - a[1] * a[2]
            let disc = trace * trace / 4 - det
            if disc >= 0 {
                let r = disc.squareRoot()
                return [(trace / 2 + r, 0), (trace / 2 - r, 0)]
            }
            return [(trace / 2, (-disc).squareRoot()), (trace / 2, -(-disc).squareRoot())]
        }
        // Faddeev–LeVerrier: p(λ) = λⁿ + c_1 λⁿ⁻¹ + … + c_n.
        var coefficients = [Double](repeating: 0, count: n + 1)
        coefficients[0] = 1
        var m = [Double](repeating: 0, count: n * n)   // M_0 = 0
        for k in 1...n {
            // M_k = A M_{k−1} + c_{k−1} I
            var next = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                for j in 0..<n {
                    var sum = 0.0
                    for p in 0..<n { sum += a[i * n + p] * m[p * n + j] }
                    next[i * n + j] = sum + (i == j ? coefficients[k - 1] : 0)
                }
            }
            var trace = 0.0
            for i in 0..<n { for p in 0..<n { trace += a[i * n + p] * next[p * n + i] } }
            coefficients[k] = -trace / Double(k)
            m = next
        }
        // Durand–Kerner on the monic polynomial.
        let bound = 1 + (coefficients.dropFirst().map(abs).max() ?? 0)
        var re = (0..<n).map { bound * 0.9 * cos(2 * Double.pi * Double($0) / Double(n) + 0.4) }
        var im = (0..<n).map { bound * 0.9 * sin(2 * Double.pi * Double($0) / Double(n) + 0.4) }
        for _ in 0..<2000 {
            var change = 0.0
            for i in 0..<n {
                // p(z_i)
                var pr = 1.0, pi = 0.0
                for k in 1...n {
                    (pr, pi) = (pr * re[i] - pi * im[i] + coefficients[k], pr * im[i] + pi * re[i])
                }
                var dr = 1.0, di = 0.0
                for j in 0..<n where j != i {
                    let xr = re[i] - re[j], xi = im[i] - im[j]
                    (dr, di) = (dr * xr - di * xi, dr * xi + di * xr)
                }
                let denominator = dr * dr + di * di
                guard denominator > 0 else { continue }
                let qr = (pr * dr + pi * di) / denominator, qi = (pi * dr - pr * di) / denominator
                re[i] -= qr; im[i] -= qi
                change = max(change, (qr * qr + qi * qi).squareRoot())
            }
            if change <= 1e-15 * bound { break }
        }
        return (0..<n).map { (re[$0], abs(im[$0]) <= 1e-12 * bound ? 0 : im[$0]) }
    }

    /// The Perron root and right/left Perron vectors of a non-negative n × n matrix (power iteration on A + I).
    static func perron(_ a: [Double], dimension n: Int) -> (root: Double, right: [Double], left: [Double]) {
        func iterate(transpose: Bool) -> (Double, [Double]) {
            var v = [Double](repeating: 1 / Double(n), count: n)
            var root = 0.0
            for _ in 0..<5000 {
                var w = v
                for i in 0..<n {
                    for j in 0..<n { w[i] += (transpose ? a[j * n + i] : a[i * n + j]) * v[j] }
                }
                let total = w.reduce(0, +)
                guard total > 0 else { return (0, v) }
                let next = w.map { $0 / total }
                root = total / v.reduce(0, +) - 1
                let change = zip(next, v).map { abs($0 - $1) }.max() ?? 0
                v = next
                if change <= 1e-15 { break }
            }
            return (root, v)
        }
        let (root, right) = iterate(transpose: false)
        let (_, left) = iterate(transpose: true)
        return (root, right, left)
    }
}
