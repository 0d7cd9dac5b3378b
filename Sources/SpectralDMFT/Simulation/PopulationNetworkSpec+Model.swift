import Foundation

extension PopulationNetworkSpec {
    /// The finite-N network of a DMFT model of several populations, so that `dmft network simulate --model` and
    /// `dmft network solve --model` read the same file and describe the same network:
    ///
    ///     J_ij = J0_kl/N + s g_kl z_ij/√N   (i in population k, j in population l),
    ///
    /// with h0_k, σ_k and φ_k of population k, η = 0 (a `PopulationNetworkModel` only holds η = 0). The fractions α_k
    /// are kept; the sizes at N units are `ranges(size:)`: N_k = round(α_k N) in the file's order, the last
    /// population taking the rest, so they always add up to N (for α = 0.8/0.2 and N = 4000: 3200 and 800).
    /// The DMFT is the N → ∞ limit of this network with α_k fixed (docs/PHYSICS.md §1.11, §1.13).
    ///
    /// - Throws: `ModelError` if the model lies outside the simulator's range (|s g_kl| or |J0_kl| above 100).
    package init(model: PopulationNetworkModel) throws {
        try self.init(fractions: model.populations.map(\.fraction),
                      couplingScales: model.coupling.map { row in row.map { model.scale * $0 } },
                      meanCouplings: model.meanCoupling,
                      biases: model.populations.map(\.bias),
                      noises: model.populations.map(\.noise),
                      nonlinearities: model.populations.map(\.nonlinearity),
                      symmetry: 0)
    }

    /// The coupling scale that sets the automatic time step and the integrators' stability limit:
    /// `g_eff = max(√(max_k Σ_l α_l g_kl²), max_k Σ_l α_l |J0_kl|)`.
    ///
    /// The first term bounds the bulk radius √ρ(A) of the random part (ρ(A) ≤ the largest row sum of
    /// A_kl = α_l g_kl², and |φ'| ≤ 1 for the built-in φ), the second the mean-mode outliers (eigenvalues of
    /// W_kl = α_l J0_kl). For one population it is max(g, |J0|), the scale `network simulate` has always used.
    package var effectiveCoupling: Double {
        let d = populationCount
        var variance = 0.0, mean = 0.0
        for k in 0..<d {
            var rowVariance = 0.0, rowMean = 0.0
            for l in 0..<d {
                rowVariance += fractions[l] * couplingScales[k][l] * couplingScales[k][l]
                rowMean += fractions[l] * abs(meanCouplings[k][l])
            }
            variance = max(variance, rowVariance)
            mean = max(mean, rowMean)
        }
        return max(variance.squareRoot(), mean, 1e-3)
    }
}
