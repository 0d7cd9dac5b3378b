import Foundation

/// A finite-N rate network with D populations, biases, mean couplings and partially symmetric couplings, as the
/// simulator takes it (docs/PHYSICS.md §1.9–§1.13):
///
///     dh_i/dt = −h_i + h0_k + Σ_j J_ij φ_l(h_j) + ξ_i,   J_ij = J0_kl/N + g_kl z_ij/√N   (i in k, j in l),
///     ⟨ξ_i(t)ξ_i(s)⟩ = σ_k² δ(t − s),   ⟨z_ij z_ji⟩ = η (i ≠ j), z_ii ~ N(0, 1).
///
/// Population k holds the units `range(of: k, size:)`: contiguous, N_k = round(α_k N) (the last takes the rest).
/// A plain spec (`single(...)`) is the one-population model of `GeneralNetworkModel`/`NetworkModel`.
package struct PopulationNetworkSpec: Sendable {
    /// α_k (> 0, summing to 1).
    package var fractions: [Double]
    /// g_kl ≥ 0 (D × D).
    package var couplingScales: [[Double]]
    /// J0_kl (D × D).
    package var meanCouplings: [[Double]]
    /// h0_k.
    package var biases: [Double]
    /// σ_k ≥ 0.
    package var noises: [Double]
    /// φ_k.
    package var nonlinearities: [Nonlinearity]
    /// η ∈ [−1, 1], the correlation of z_ij and z_ji.
    package var symmetry: Double

    /// Validates the shapes and ranges; throws `ModelError` (one line) for fractions not summing to 1 (to 1e-9),
    /// a non-square or mis-sized matrix, negative scales or noises, |η| > 1, or a non-finite value.
    package init(fractions: [Double], couplingScales: [[Double]], meanCouplings: [[Double]], biases: [Double],
                 noises: [Double], nonlinearities: [Nonlinearity], symmetry: Double = 0) throws {
        let d = fractions.count
        guard d >= 1 else { throw ModelError.invalidParameter(name: "populations", value: 0, requirement: "at least one") }
        guard fractions.allSatisfy({ $0.isFinite && $0 > 0 }), abs(fractions.reduce(0, +) - 1) <= 1e-9 else {
            throw ModelError.invalidParameter(name: "fractions sum", value: fractions.reduce(0, +), requirement: "1, with every fraction > 0")
        }
        for (name, matrix) in [("g", couplingScales), ("J0", meanCouplings)] {
            guard matrix.count == d, matrix.allSatisfy({ $0.count == d }) else {
                throw ModelError.invalidParameter(name: "\(name) rows", value: Double(matrix.count),
                                                  requirement: "a \(d) × \(d) matrix (one row and column per population)")
            }
            guard matrix.allSatisfy({ $0.allSatisfy { $0.isFinite && abs($0) <= 100 } }) else {
                throw ModelError.invalidParameter(name: name, value: .nan, requirement: "finite entries with |value| <= 100")
            }
        }
        guard couplingScales.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw ModelError.invalidParameter(name: "g", value: couplingScales.flatMap { $0 }.min()!, requirement: "non-negative entries")
        }
        guard biases.count == d, biases.allSatisfy({ $0.isFinite && abs($0) <= 100 }) else {
            throw ModelError.invalidParameter(name: "bias count", value: Double(biases.count), requirement: "\(d) finite values with |h0| <= 100")
        }
        guard noises.count == d, noises.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 100 }) else {
            throw ModelError.invalidParameter(name: "sigma count", value: Double(noises.count), requirement: "\(d) values in [0, 100]")
        }
        guard nonlinearities.count == d else {
            throw ModelError.invalidParameter(name: "phi count", value: Double(nonlinearities.count), requirement: "\(d) transfer functions")
        }
        guard symmetry.isFinite, abs(symmetry) <= 1 else {
            throw ModelError.invalidParameter(name: "eta", value: symmetry, requirement: "a number between -1 and 1")
        }
        self.fractions = fractions
        self.couplingScales = couplingScales
        self.meanCouplings = meanCouplings
        self.biases = biases
        self.noises = noises
        self.nonlinearities = nonlinearities
        self.symmetry = symmetry
    }

    /// One population: g, σ, h0, J0, φ, η.
    package static func single(coupling: Double, noise: Double = 0, bias: Double = 0, meanCoupling: Double = 0,
                               nonlinearity: Nonlinearity = .tanh, symmetry: Double = 0) throws -> PopulationNetworkSpec {
        try PopulationNetworkSpec(fractions: [1], couplingScales: [[coupling]], meanCouplings: [[meanCoupling]],
                                  biases: [bias], noises: [noise], nonlinearities: [nonlinearity], symmetry: symmetry)
    }

    /// D.
    package var populationCount: Int { fractions.count }
    /// The largest g_kl (sets the automatic time step like g of one population).
    package var largestScale: Double { couplingScales.flatMap { $0 }.max() ?? 0 }
    /// The largest σ_k.
    package var largestNoise: Double { noises.max() ?? 0 }

    /// The units of population k at size N: N_k = round(α_k N) in order, the last population taking the rest.
    package func ranges(size: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        for k in 0..<populationCount {
            let count = k == populationCount - 1 ? size - start : min(size - start, Int((fractions[k] * Double(size)).rounded()))
            result.append(start..<(start + count))
            start += count
        }
        return result
    }
}
