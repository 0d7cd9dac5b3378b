import Foundation

/// The linear random network with partially symmetric couplings, exactly solvable at N → ∞:
///
///     dx_i/dt = −x_i + Σ_j J_ij x_j + ξ_i,   ⟨J_ij²⟩ = G²/N,  ⟨J_ij J_ji⟩ = η G²/N (i ≠ j),  ⟨ξ_i(t)ξ_j(s)⟩ = σ² δ_ij δ(t−s).
///
/// (The linearisation of any rate network about a fixed point h* has this form with G = g φ'(h*).) The effective
/// single unit gains the reaction term η G² ∫ R(t−s) x(s) ds, so the response and the autocorrelation are
///
///     R̂(ω) = [(1 − iω) − √((1 − iω)² − 4ηG²)] / (2ηG²) = 2 / [(1 − iω) + √((1 − iω)² − 4ηG²)],
///     Ĉ(ω) = σ² |R̂(ω)|² / (1 − G² |R̂(ω)|²),
///
/// with the branch of the square root that gives R̂ → 1/(1 − iω) as η → 0 (the principal one: for G(1 + η) < 1 its
/// argument never crosses the negative real axis). Stationary only when G(1 + η) < 1, the right edge of the elliptic
/// law. Units: time in units of the single-unit relaxation time; Fourier convention `f̂(ω) = ∫ f(|τ|) e^{iωτ} dτ`
/// (docs/PHYSICS.md, "Partially symmetric couplings").
///
///     let model = try PartiallySymmetricLinearNetwork(gain: 0.5, symmetry: 0.5, noise: 1)
///     let solution = try model.solve()      // Δ(τ) = ⟨x(t) x(t+τ)⟩, Δ0, Ĉ(ω)
public struct PartiallySymmetricLinearNetwork: StationaryProblem {
    /// G > 0: the standard deviation of J_ij times √N (g φ'(h*) for a linearised network).
    public let gain: Double
    /// η ∈ [−1, 1]: the correlation coefficient of J_ij and J_ji.
    public let symmetry: Double
    /// σ > 0: white noise of intensity σ².
    public let noise: Double

    /// Validates and stores the parameters; throws `ModelError` for G ≤ 0, |η| > 1, σ ≤ 0, a non-finite value, or
    /// G(1 + η) ≥ 1 (no stationary state: the spectrum of J − 1 reaches the right half plane).
    public init(gain: Double, symmetry: Double, noise: Double = 1) throws {
        guard gain.isFinite, gain > 0 else { throw ModelError.invalidParameter(name: "gain", value: gain, requirement: "a finite number > 0") }
        guard symmetry.isFinite, abs(symmetry) <= 1 else {
            throw ModelError.invalidParameter(name: "eta", value: symmetry, requirement: "a number between -1 and 1")
        }
        guard noise.isFinite, noise > 0, noise <= 100 else {
            throw ModelError.invalidParameter(name: "sigma", value: noise, requirement: "a finite number in (0, 100]")
        }
        guard gain * (1 + symmetry) < 1 else {
            throw ModelError.invalidParameter(name: "gain", value: gain,
                                              requirement: "below 1/(1 + eta) = \(1 / (1 + symmetry)) (G(1 + eta) < 1: beyond it the linear network has no stationary state)")
        }
        self.gain = gain
        self.symmetry = symmetry
        self.noise = noise
    }

    /// The slowest relaxation rate bound 1 − G(1 + η) (the distance of the elliptic spectrum of J − 1 from 0).
    public var gap: Double { 1 - gain * (1 + symmetry) }

    /// R̂(ω) as (real, imaginary) parts, from the cancellation-free form 2/[(1 − iω) + √((1 − iω)² − 4ηG²)].
    public func response(frequency omega: Double) -> (real: Double, imaginary: Double) {
        // a = 1 − iω, a² − 4ηG² = (1 − ω² − 4ηG²) − 2iω.
        let (sr, si) = Self.principalSquareRoot(1 - omega * omega - 4 * symmetry * gain * gain, -2 * omega)
        let dr = 1 + sr, di = -omega + si
        let norm = dr * dr + di * di
        return (2 * dr / norm, -2 * di / norm)
    }

    /// Ĉ(ω) = σ² |R̂|² / (1 − G² |R̂|²): the spectrum of x.
    public func spectrum(frequency omega: Double) -> Double {
        let r = response(frequency: omega)
        let modulus = r.real * r.real + r.imaginary * r.imaginary
        return noise * noise * modulus / (1 - gain * gain * modulus)
    }

    /// A in Ĉ(ω) − σ²/(1 + ω²) ≈ A/ω⁴ for large ω: A = σ² G² (1 − 2η) (from R̂ = 1/a + ηG²/a³ + O(a⁻⁵), a = 1 − iω).
    public var spectralTailCoefficient: Double { noise * noise * gain * gain * (1 - 2 * symmetry) }

    /// Solves on the automatic grid (`PartiallySymmetricLinearSolver.automaticGrid(for:)`).
    public func solve() throws -> LinearNetworkSolution {
        try PartiallySymmetricLinearSolver(grid: PartiallySymmetricLinearSolver.automaticGrid(for: self)).solve(self)
    }

    /// The principal square root of x + iy (real part ≥ 0), without cancellation.
    static func principalSquareRoot(_ x: Double, _ y: Double) -> (Double, Double) {
        let modulus = (x * x + y * y).squareRoot()
        if modulus == 0 { return (0, 0) }
        if x >= 0 {
            let r = (0.5 * (modulus + x)).squareRoot()
            return (r, y / (2 * r))
        }
        let i = (0.5 * (modulus - x)).squareRoot()
        let signedI = y < 0 ? -i : i
        return (y / (2 * signedI), signedI)
    }
}

/// The stationary state of a `PartiallySymmetricLinearNetwork`: Δ(τ) = ⟨x(t) x(t+τ)⟩ and its spectrum.
public struct LinearNetworkSolution: StationarySolution, Codable {
    /// G.
    public let gain: Double
    /// η.
    public let symmetry: Double
    /// σ.
    public let noise: Double
    /// The lag grid.
    public let grid: LagGrid
    /// Δ(τ_j) at `grid.lags`.
    public let correlation: [Double]
    /// Ĉ(ω_k) = ∫ Δ(|τ|) e^{iωτ} dτ at `grid.frequencies` (closed form).
    public let spectrum: [Double]
    /// R̂(ω_k) real parts at `grid.frequencies`.
    public let responseReal: [Double]
    /// R̂(ω_k) imaginary parts at `grid.frequencies`.
    public let responseImaginary: [Double]
    /// Δ0 = Δ(0).
    public let variance: Double
    /// τ½: Δ(τ½) = Δ0/2.
    public let decorrelationTime: Double
    /// What ran and the residual of R̂'s quadratic equation ηG²R̂² − (1 − iω)R̂ + 1 = 0 (max over the grid).
    public let report: ConvergenceReport

    /// The lags τ_j = j·dt.
    public var lags: [Double] { grid.lags }
    /// τ½ (nil when it lies beyond the window).
    public var characteristicTime: Double? { decorrelationTime.isFinite ? decorrelationTime : nil }
    /// Δ(τ) anywhere in the window (6-point Lagrange interpolation).
    public func correlation(atLag lag: Double) -> Double {
        Interpolation.lagrange(correlation, step: grid.step, at: abs(lag), evenAboutZero: true)
    }
}

/// Δ(τ) of the partially symmetric linear network from its closed-form spectrum by one inverse DCT-I.
///
/// The noise part σ²/(1 + ω²), whose inverse is (σ²/2) e^{−|τ|} (the kink Δ'(0⁺) = −σ²/2), is taken out and added
/// back exactly; the rest decays as A/ω⁴ (`spectralTailCoefficient`) and its out-of-band aliases are added by the
/// transform (`EvenFourierTransform.inverse(_:tailCoefficient:into:)`), so the error is O(dt⁵) plus the window's
/// alias ~e^{−2(1 − G(1+η))L}.
public final class PartiallySymmetricLinearSolver: StationarySolver {
    /// The lag grid.
    public let grid: LagGrid
    private let transform: EvenFourierTransform

    /// A solver on `grid`.
    public init(grid: LagGrid) {
        self.grid = grid
        transform = EvenFourierTransform(grid: grid)
    }

    /// dt = 0.02 and a window of max(40, 50/(1 − G(1+η))) (at most 2^20 intervals; dt grows beyond that).
    public static func automaticGrid(for model: PartiallySymmetricLinearNetwork) throws -> LagGrid {
        let window = max(40, 50 / model.gap)
        let step = max(0.02, window / Double(1 << 20))
        return try LagGrid(step: step, minimumWindow: window)
    }

    /// Δ(τ), Ĉ(ω) and R̂(ω) of `model` on this solver's grid.
    public func solve(_ model: PartiallySymmetricLinearNetwork) throws -> LinearNetworkSolution {
        let frequencies = grid.frequencies
        let count = grid.count
        var spectrum = [Double](repeating: 0, count: count)
        var remainder = spectrum, real = spectrum, imaginary = spectrum
        let s2 = model.noise * model.noise, eta = model.symmetry, g2 = model.gain * model.gain
        var residual = 0.0
        for k in 0..<count {
            let omega = frequencies[k]
            let r = model.response(frequency: omega)
            real[k] = r.real
            imaginary[k] = r.imaginary
            let modulus = r.real * r.real + r.imaginary * r.imaginary
            spectrum[k] = s2 * modulus / (1 - g2 * modulus)
            remainder[k] = spectrum[k] - s2 / (1 + omega * omega)
            // ηG²R² − (1 − iω)R + 1, relative to 1.
            let r2r = r.real * r.real - r.imaginary * r.imaginary, r2i = 2 * r.real * r.imaginary
            let qr = eta * g2 * r2r - (r.real + omega * r.imaginary) + 1
            let qi = eta * g2 * r2i - (r.imaginary - omega * r.real)
            residual = max(residual, (qr * qr + qi * qi).squareRoot())
        }
        guard spectrum.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw ConvergenceError.nonFinite(iteration: 0) }
        var correlation = [Double](repeating: 0, count: count)
        remainder.withUnsafeBufferPointer { source in
            correlation.withUnsafeMutableBufferPointer {
                transform.inverse(source, tailCoefficient: model.spectralTailCoefficient, into: $0)
            }
        }
        let lags = grid.lags
        for j in 0..<count { correlation[j] += 0.5 * s2 * Foundation.exp(-lags[j]) }
        let variance = correlation[0]
        var half = Double.infinity
        if let index = correlation.firstIndex(where: { $0 <= 0.5 * variance }), index > 0 {
            let a = correlation[index - 1], b = correlation[index]
            half = lags[index - 1] + (a - 0.5 * variance) / (a - b) * grid.step
        }
        return LinearNetworkSolution(
            gain: model.gain, symmetry: model.symmetry, noise: model.noise, grid: grid, correlation: correlation,
            spectrum: spectrum, responseReal: real, responseImaginary: imaginary, variance: variance,
            decorrelationTime: half,
            report: ConvergenceReport(method: "closed form R̂(ω), Ĉ(ω); inverse DCT-I with the noise kink and the ω⁻⁴ tail exact",
                                      iterations: 0, residual: residual))
    }
}
