import Foundation
import SpectralDMFT

/// The partial-symmetry checks: the exact DMFT of the linear network with correlation η between J_ij and J_ji
/// against its η = 0 and η = 1 closed forms and against the exact stationary covariance of finite realisations
/// (Lyapunov equation by LAPACK eigendecomposition; docs/PHYSICS.md §1.12).
enum PartialSymmetryValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "partial-symmetry"
        // η = 0: Δ = σ² e^{−κτ}/(2κ).
        let asymmetric = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 0, noise: 1).solve()
        let kappa = 0.75.squareRoot()
        let ouError = [0.0, 1, 3, 10].map { abs(asymmetric.correlation(atLag: $0) - Foundation.exp(-kappa * $0) / (2 * kappa)) }.max()!
        record(ValidationCheck(area: area, name: "η = 0, G = 0.5: Δ(τ) vs σ²e^{−κτ}/(2κ)", measured: ouError, limit: 1e-9,
                               passed: ouError <= 1e-9, detail: "τ = 0, 1, 3, 10; dt = \(asymmetric.grid.step)"))
        // η = 1: the semicircle integral.
        let gain = 0.4
        let symmetric = try PartiallySymmetricLinearNetwork(gain: gain, symmetry: 1, noise: 1).solve()
        func semicircle(_ tau: Double) -> Double {
            let count = 4000
            var sum = 0.0
            for k in 1..<count {
                let theta = Double.pi * Double(k) / Double(count)
                let lambda = 2 * gain * Foundation.cos(theta), s = Foundation.sin(theta)
                sum += (2 / Double.pi) * s * s * Foundation.exp((lambda - 1) * tau) / (2 * (1 - lambda))
            }
            return sum * Double.pi / Double(count)
        }
        let scError = [0.0, 1, 3, 10].map { abs(symmetric.correlation(atLag: $0) - semicircle($0)) }.max()!
        record(ValidationCheck(area: area, name: "η = 1, G = 0.4: Δ(τ) vs the semicircle integral", measured: scError,
                               limit: 1e-9, passed: scError <= 1e-9, detail: "τ = 0, 1, 3, 10"))

        // Finite N: mean of the exact Δ_N(τ) over realisations against the DMFT, |difference| ≤ 1e-3 (acceptance) and
        // within 4 standard errors + 1/N.
        guard LAPACKLibrary.isAvailable else {
            record(ValidationCheck(area: area, name: "finite-N exact covariance", measured: .nan, limit: 0, passed: false,
                                   detail: LinearNetworkCovarianceError.lapackUnavailable.description))
            return
        }
        let size = 800, realisations = 3
        let lags = (0...20).map { Double($0) * 0.5 }
        for eta in [0.5, -0.5] {
            let model = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: eta, noise: 1)
            let solution = try model.solve()
            let clock = ContinuousClock()
            var ensemble: LinearNetworkEnsemble?
            let seconds = try clock.measure {
                ensemble = try LinearNetworkEnsemble(model: model, size: size, realisations: realisations, seed: 1, lags: lags)
            }
            let finite = ensemble!
            var worst = 0.0, worstSigma = 0.0
            for (index, tau) in lags.enumerated() {
                let difference = abs(solution.correlation(atLag: tau) - finite.correlation[index])
                worst = max(worst, difference)
                worstSigma = max(worstSigma, difference / (4 * finite.correlationError[index] + 1 / Double(size)))
            }
            record(ValidationCheck(
                area: area, name: "η = \(eta), G = 0.5, σ = 1: Δ(τ) vs exact finite-N covariance", measured: worst, limit: 1e-3,
                passed: worst <= 1e-3 && worstSigma <= 1,
                detail: String(format: "τ = 0…10; N = %d, %d realisations, SE(Δ0) = %.1e, max |diff|/(4 SE + 1/N) = %.2f; Δ0 = %.8f; %.1f s",
                               size, realisations, finite.correlationError[0], worstSigma, solution.variance,
                               Double(seconds.components.seconds) + Double(seconds.components.attoseconds) * 1e-18)))
        }
    }
}
