import Foundation

/// The equilibrium correlation, response and susceptibility of a spherical p-spin model above T_d, on a uniform
/// lag grid and its dual frequencies: the result of `PSpinSpectralSolver`.
///
/// Conventions (PHYSICS.md §2): `Ĉ(ω) = ∫ C(|τ|) e^{iωτ} dτ`, `χ(ω) = ∫_0^∞ R(τ) e^{iωτ} dτ = χ'(ω) + iχ''(ω)`,
/// FDT `R(τ) = −β C'(τ)` and `χ''(ω) = (βω/2) Ĉ(ω)`. Times in the units of the Langevin dynamics, frequencies in
/// their inverse. The arrays are indexed like `lags` (τ_j = j·dt) or `frequencies` (ω_k = πk/window).
public struct PSpinSpectralSolution: Sendable, Codable {
    /// The model.
    public let mixture: PSpinMixture
    /// The temperature T = 1/β (> T_d).
    public let temperature: Double
    /// T_d and q_d of the model.
    public let transition: DynamicalTransition
    /// The lag grid (and its frequencies).
    public let grid: LagGrid
    /// C(τ_j) at `lags`; `correlation[0] = C(0)`, which equals 1 to the accuracy of the scheme (not imposed).
    public let correlation: [Double]
    /// R(τ_j) = −β C'(τ_j), computed spectrally (not by differencing): `R(τ) = (2/π) ∫_0^∞ χ''(ω) sin(ωτ) dω` by an
    /// inverse DST-I, with the aliases of the tail `χ'' ≈ 1/ω − R''(0⁺)/ω³ + R⁗(0⁺)/ω⁵` folded in
    /// (`R''(0⁺) = μ² + f''(1)`). `response[0] = R(0⁺) = 1`.
    public let response: [Double]
    /// Ĉ(ω_k) at `frequencies`: the power spectrum of C, `2T χ''(ω)/ω` (`2β(1 + βF̂(0)/2)` at ω = 0, with
    /// F = f'(C)); it decays as `2T/ω²` (the kink of C at τ = 0).
    public let correlationSpectrum: [Double]
    /// χ'(ω_k) = Re χ, the reactive part: χ'(0) = β, χ'(ω) ≈ μ/ω² at high frequency.
    public let susceptibilityReal: [Double]
    /// χ''(ω_k) = Im χ = (βω/2) Ĉ(ω), the dissipative part: ≈ 1/ω at high frequency.
    public let susceptibilityImaginary: [Double]
    /// The Lagrange multiplier μ = T + β f'(1).
    public let lagrangeMultiplier: Double
    /// E/N = −β f(1) (= −1/(2T) for pure p), exact in equilibrium.
    public let energy: Double
    /// E/N = −∫_0^∞ f'(C(τ)) R(τ) dτ from the computed C and R: the trapezoid rule on the lags with the
    /// Euler–Maclaurin end corrections at τ = 0 (odd derivatives of f'(C)R at 0⁺ from the exact small-τ expansion).
    /// A check of R = −βC' and of the solution: it equals `energy` to the accuracy of the scheme.
    public let energyFromDynamics: Double
    /// τ_α: the first lag with C(τ_α) = 1/e (6-point Lagrange interpolation); nil if C stays above 1/e.
    public let relaxationTime: Double?
    /// |C(τ_M)|, the correlation left at the end of the window.
    public let tail: Double
    /// Iteration options used (tolerance on max_j |G(C)_j − C_j|).
    public let options: IterationOptions
    /// Map evaluations and residuals of the solve.
    public let report: ConvergenceReport

    /// β = 1/T.
    public var inverseTemperature: Double { 1 / temperature }
    /// The lags τ_j = j·dt.
    public var lags: [Double] { grid.lags }
    /// The frequencies ω_k = πk/window.
    public var frequencies: [Double] { grid.frequencies }

    /// C(τ) at any lag in the window by 10-point Lagrange interpolation, one-sided near τ = 0 (C is smooth on
    /// [0, ∞); the kink is at the boundary): error `O(dt¹⁰)`, below 1e-10 on the automatic grids.
    public func correlation(atLag lag: Double) -> Double {
        Self.interpolate(correlation, step: grid.step, at: abs(lag))
    }

    /// R(τ) at any lag τ ≥ 0 in the window by 10-point Lagrange interpolation, one-sided near τ = 0.
    public func response(atLag lag: Double) -> Double {
        Self.interpolate(response, step: grid.step, at: lag)
    }

    /// The 10-point Lagrange interpolant of samples at `j·step`, with nodes centred on `x` where possible.
    static func interpolate(_ values: [Double], step: Double, at x: Double) -> Double {
        let points = 10
        let position = x / step
        let last = values.count - 1
        let base = max(0, min(Int(position.rounded(.down)) - points / 2 + 1, last - points + 1))
        var result = 0.0
        for i in 0..<points {
            var weight = 1.0
            for k in 0..<points where k != i {
                weight *= (position - Double(base + k)) / Double(i - k)
            }
            result += weight * values[base + i]
        }
        return result
    }
}
