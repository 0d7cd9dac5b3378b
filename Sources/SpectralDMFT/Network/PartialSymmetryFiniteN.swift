import Foundation

/// The exact stationary autocorrelation of ONE finite realisation of the partially symmetric linear network
/// `dx/dt = A x + σ ξ`, `A = J − 1` (the independent check of `PartiallySymmetricLinearNetwork`).
///
/// The stationary covariance Σ = ⟨x xᵀ⟩ solves the Lyapunov equation `A Σ + Σ Aᵀ + σ² 1 = 0`, and
/// `Δ_N(τ) = (1/N) tr(e^{Aτ} Σ)` (τ ≥ 0). Both follow from the eigendecomposition A = V Λ V⁻¹ (LAPACK `dgeev`, left
/// and right vectors; V⁻¹ has rows u_kᴴ/(u_kᴴ v_k)): with B = V⁻¹V⁻ᴴ and P = VᴴV,
///
///     Σ = V Σ̃ Vᴴ,  Σ̃_kj = −σ² B_kj / (λ_k + λ̄_j),   Δ_N(τ) = (1/N) Σ_k Re[c_k e^{λ_k τ}],  c_k = Σ_j Σ̃_kj P_jk.
///
/// Cost: one `dgeev` and two complex N × N products (≈ 45 N³ flops: ~10–20 s at N = 1000 on two shared cores);
/// afterwards Δ_N(τ) costs O(N) per lag. Realisation k of seed s draws J from `Xoshiro256StarStar(seed: s, stream: k)`
/// with `CouplingMatrix.fillPartiallySymmetric` (J_ij = G z_ij/√N, pairs (z_ij, z_ji) correlated η, z_ii ~ N(0, 1)).
public struct LinearNetworkCovariance: Sendable {
    /// Number of units N.
    public let size: Int
    /// Eigenvalues λ_k of A = J − 1 (real parts).
    public let eigenvaluesReal: [Double]
    /// Eigenvalues λ_k of A = J − 1 (imaginary parts).
    public let eigenvaluesImaginary: [Double]
    /// c_k (real parts): Δ_N(τ) = (1/N) Σ_k Re[c_k e^{λ_k τ}].
    let coefficientsReal: [Double]
    /// c_k (imaginary parts).
    let coefficientsImaginary: [Double]
    /// Σ itself (row-major N × N), kept only when asked for (tests at small N).
    package let covariance: [Double]?
    /// A = J − 1 (row-major), kept only with the covariance.
    package let drift: [Double]?

    /// Draws realisation `stream` of `seed` at size N and solves its Lyapunov equation.
    ///
    /// - Throws: `LinearNetworkCovarianceError` without LAPACK, for N outside 2…4096, when `dgeev` fails or the
    ///   realisation is unstable (an eigenvalue with Re λ ≥ 0, possible at finite N near G(1 + η) = 1).
    public init(model: PartiallySymmetricLinearNetwork, size: Int, seed: UInt64, stream: Int = 0) throws {
        try self.init(model: model, size: size, seed: seed, stream: stream, keepsCovariance: false)
    }

    package init(model: PartiallySymmetricLinearNetwork, size n: Int, seed: UInt64, stream: Int, keepsCovariance: Bool) throws {
        guard let lapack = LAPACKLibrary.shared else { throw LinearNetworkCovarianceError.lapackUnavailable }
        guard n >= 2 && n <= 4096 else { throw LinearNetworkCovarianceError.invalidSize(n) }
        size = n
        let couplings = try CouplingMatrix(size: n, backend: .vectorised, threads: 1)
        var generator = Xoshiro256StarStar(seed: seed, stream: stream)
        couplings.fillPartiallySymmetric(standardDeviation: model.gain / Double(n).squareRoot(), symmetry: model.symmetry,
                                         using: &generator)
        // Column-major A = J − 1 for LAPACK (a[i + j n] = A_ij).
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { a[i + j * n] = couplings[i, j] }
            a[i + i * n] -= 1
        }
        let driftCopy: [Double]? = keepsCovariance ? (0..<(n * n)).map { a[($0 % n) * n + $0 / n] } : nil
        guard let eigen = lapack.eigen(&a, size: n) else { throw LinearNetworkCovarianceError.eigenFailed }
        guard let maximum = eigen.real.max(), maximum < 0 else {
            throw LinearNetworkCovarianceError.unstableRealisation(eigen.real.max() ?? .nan)
        }
        // Complex eigenvector matrices (column-major, interleaved): V (right), L (left, columns u_k).
        func complexVectors(_ packed: [Double]) -> [Double] {
            var result = [Double](repeating: 0, count: 2 * n * n)
            var k = 0
            while k < n {
                if eigen.imaginary[k] == 0 {
                    for i in 0..<n { result[2 * (i + k * n)] = packed[i + k * n] }
                    k += 1
                } else {
                    for i in 0..<n {
                        let re = packed[i + k * n], im = packed[i + (k + 1) * n]
                        result[2 * (i + k * n)] = re; result[2 * (i + k * n) + 1] = im
                        result[2 * (i + (k + 1) * n)] = re; result[2 * (i + (k + 1) * n) + 1] = -im
                    }
                    k += 2
                }
            }
            return result
        }
        let v = complexVectors(eigen.right), l = complexVectors(eigen.left)
        // d_k = u_kᴴ v_k.
        var dr = [Double](repeating: 0, count: n), di = dr
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for i in 0..<n {
                let ur = l[2 * (i + k * n)], ui = -l[2 * (i + k * n) + 1]      // conj(u)
                let vr = v[2 * (i + k * n)], vi = v[2 * (i + k * n) + 1]
                sr += ur * vr - ui * vi
                si += ur * vi + ui * vr
            }
            dr[k] = sr; di[k] = si
        }
        let gram = lapack.multiply(l, conjugateA: true, l, conjugateB: false, size: n)    // LᴴL
        let overlap = lapack.multiply(v, conjugateA: true, v, conjugateB: false, size: n) // VᴴV
        let s2 = model.noise * model.noise
        var cr = [Double](repeating: 0, count: n), ci = cr
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for j in 0..<n {
                // B_kj = (LᴴL)_kj / (d_k d̄_j); Σ̃_kj = −σ² B_kj/(λ_k + λ̄_j); term Σ̃_kj P_jk.
                let gr = gram[2 * (k + j * n)], gi = gram[2 * (k + j * n) + 1]
                let pr = overlap[2 * (j + k * n)], pi = overlap[2 * (j + k * n) + 1]
                // denominator d_k d̄_j (λ_k + λ̄_j)
                let er = dr[k] * dr[j] + di[k] * di[j], ei = di[k] * dr[j] - dr[k] * di[j]
                let lr = eigen.real[k] + eigen.real[j], li = eigen.imaginary[k] - eigen.imaginary[j]
                let qr = er * lr - ei * li, qi = er * li + ei * lr
                let nr = gr * pr - gi * pi, ni = gr * pi + gi * pr
                let norm = qr * qr + qi * qi
                sr += (nr * qr + ni * qi) / norm
                si += (ni * qr - nr * qi) / norm
            }
            cr[k] = -s2 * sr; ci[k] = -s2 * si
        }
        eigenvaluesReal = eigen.real
        eigenvaluesImaginary = eigen.imaginary
        coefficientsReal = cr
        coefficientsImaginary = ci
        drift = driftCopy
        if keepsCovariance {
            // Σ = V Σ̃ Vᴴ, Σ̃_kj = −σ² (LᴴL)_kj / (d_k d̄_j (λ_k + λ̄_j)).
            var tilde = [Double](repeating: 0, count: 2 * n * n)
            for k in 0..<n {
                for j in 0..<n {
                    let gr = gram[2 * (k + j * n)], gi = gram[2 * (k + j * n) + 1]
                    let er = dr[k] * dr[j] + di[k] * di[j], ei = di[k] * dr[j] - dr[k] * di[j]
                    let lr = eigen.real[k] + eigen.real[j], li = eigen.imaginary[k] - eigen.imaginary[j]
                    let qr = er * lr - ei * li, qi = er * li + ei * lr
                    let norm = qr * qr + qi * qi
                    tilde[2 * (k + j * n)] = -s2 * (gr * qr + gi * qi) / norm
                    tilde[2 * (k + j * n) + 1] = -s2 * (gi * qr - gr * qi) / norm
                }
            }
            let left = lapack.multiply(v, conjugateA: false, tilde, conjugateB: false, size: n)
            let full = lapack.multiply(left, conjugateA: false, v, conjugateB: true, size: n)
            covariance = (0..<(n * n)).map { full[2 * (($0 % n) * n + $0 / n)] }   // row-major, real part
        } else {
            covariance = nil
        }
    }

    /// Δ_N(τ) = (1/N) tr(e^{Aτ} Σ) for τ ≥ 0 (|τ| otherwise: Δ_N is even).
    public func correlation(atLag lag: Double) -> Double {
        let tau = abs(lag)
        var sum = 0.0
        for k in 0..<size {
            let decay = Foundation.exp(eigenvaluesReal[k] * tau)
            let angle = eigenvaluesImaginary[k] * tau
            sum += decay * (coefficientsReal[k] * Foundation.cos(angle) - coefficientsImaginary[k] * Foundation.sin(angle))
        }
        return sum / Double(size)
    }

    /// Δ_N at each of `lags`.
    public func correlation(atLags lags: [Double]) -> [Double] { lags.map { correlation(atLag: $0) } }
}

/// The mean of Δ_N(τ) over realisations and its standard error: the finite-N reference for the DMFT.
public struct LinearNetworkEnsemble: Sendable, Codable {
    /// N.
    public let size: Int
    /// Number of realisations K.
    public let realisations: Int
    /// The lags.
    public let lags: [Double]
    /// Mean of Δ_N(τ) over the realisations.
    public let correlation: [Double]
    /// Standard error of that mean (sample standard deviation/√K; NaN for K = 1).
    public let correlationError: [Double]

    /// Realisations 0..<K of `seed` at size N, evaluated at `lags`.
    public init(model: PartiallySymmetricLinearNetwork, size: Int, realisations: Int, seed: UInt64, lags: [Double]) throws {
        guard realisations >= 1 else { throw LinearNetworkCovarianceError.invalidRealisations(realisations) }
        var rows: [[Double]] = []
        for stream in 0..<realisations {
            rows.append(try LinearNetworkCovariance(model: model, size: size, seed: seed, stream: stream).correlation(atLags: lags))
        }
        var mean = [Double](repeating: 0, count: lags.count), error = mean
        for index in lags.indices {
            (mean[index], error[index]) = NetworkSimulator.meanAndStandardError(rows.map { $0[index] })
        }
        self.size = size
        self.realisations = realisations
        self.lags = lags
        correlation = mean
        correlationError = error
    }
}

/// Failures of `LinearNetworkCovariance`. One line each.
public enum LinearNetworkCovarianceError: Error, Equatable, CustomStringConvertible {
    case lapackUnavailable
    case invalidSize(Int)
    case invalidRealisations(Int)
    case eigenFailed
    case unstableRealisation(Double)

    public var description: String {
        switch self {
        case .lapackUnavailable:
            return "no LAPACK (libopenblas.so.0, or liblapack.so.3 with libblas.so.3) could be loaded; install libopenblas0"
        case .invalidSize(let n): return "invalid N = \(n): the exact covariance takes 2 to 4096 units"
        case .invalidRealisations(let k): return "invalid realisations = \(k): it must be >= 1"
        case .eigenFailed: return "LAPACK dgeev failed on the coupling matrix"
        case .unstableRealisation(let value):
            return "this realisation is unstable (largest Re λ of J − 1 is \(value) >= 0): no stationary covariance"
        }
    }
}
