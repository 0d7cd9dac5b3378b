import Foundation
import SpectralDMFT

/// The stationary chaotic phase of the random Lotka–Volterra model (γ = 0, λ > 0, σ > √2): the circulant embedding
/// that draws its field, at the period of a production run (P = 16384, τ ≤ 40 at dt = 0.05).
///
/// Not here (yet): the TTI sampling DMFT against a long direct simulation. At μ = 10, σ = 2.5, λ = 1e-3 the
/// iteration did not converge at production size (docs/PHYSICS.md §8.7, "Status"), so no such check is claimed.
enum EcosystemStationaryValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "ecosystem-chaos"
        let period = 16384, step = 0.05
        // A decaying covariance of the shape the solver feeds it: C(0) − C∞ with a 5-unit decay, tapered to 0.
        let count = Int(40 / step) + 1
        let covariance = (0..<count).map { j -> Double in
            let tau = Double(j) * step
            let taper = tau <= 20 ? 1 : tau >= 30 ? 0 : 0.5 * (1 + cos(Double.pi * (tau - 20) / 10))
            return 0.09 * exp(-tau * tau / 50) * taper
        }
        let field = try CirculantGaussianField(period: period)
        let clipped = field.prepare(covariance: covariance)
        let noise = AlignedBuffer(count: period), scratch = AlignedBuffer(count: period)
        let once = AlignedBuffer(count: period), twice = AlignedBuffer(count: period)
        noise[0] = 1
        field.sample(noise: noise, scratch: scratch, into: once)
        field.sample(noise: once, scratch: scratch, into: twice)
        var worst = 0.0
        for j in 0..<period {
            let lag = min(j, period - j)
            worst = max(worst, abs(twice[j] - (lag < count ? covariance[lag] : 0)))
        }
        record(ValidationCheck(
            area: area, name: "circulant embedding P = 16384: Λ^{1/2}Λ^{1/2}δ = c (max abs error)", measured: worst,
            limit: 1e-12, passed: worst <= 1e-12,
            detail: String(format: "clipped weight %.1e, C(0) = 0.09", clipped)))
    }
}
