import Foundation

/// The spectra of a driven p-spin NESS on the frequencies ω_k = πk/window of the solver's grid.
///
/// Conventions (docs/PHYSICS.md §2): `Ĉ(ω) = ∫ C(|τ|) e^{iωτ} dτ`, `χ(ω) = R̂(ω) = ∫_0^∞ R(τ) e^{iωτ} dτ`,
/// `D̂(ω) = ∫ D(|τ|) e^{iωτ} dτ`. Without drive `χ''(ω) = (βω/2) Ĉ(ω)` (FDT); with drive it fails at low ω.
public struct DrivenPSpinSpectra: Sendable, Codable {
    /// The frequencies ω_k.
    public let frequencies: [Double]
    /// Ĉ(ω_k) = |R̂|² (2T + D̂): it decays as 2T/ω² (the kink C'(0⁺) = −T).
    public let correlation: [Double]
    /// χ'(ω_k) = Re R̂.
    public let susceptibilityReal: [Double]
    /// χ''(ω_k) = Im R̂ ≈ 1/ω at high frequency (R(0⁺) = 1).
    public let susceptibilityImaginary: [Double]
    /// D̂(ω_k), the spectrum of the noise kernel D = f'(C) + ε²h'(C).
    public let noise: [Double]
}

/// Which stationary solution a driven p-spin solve found.
public enum DrivenPSpinBranch: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The ergodic branch: C has decayed to |C| ≤ `maximumTail` at the window's end.
    case decaying
    /// C is still decaying at the window's end (value attached): the window is too short.
    case undecayed(tail: Double)
    /// C sits on a plateau q > 0 at the window's end (the non-ergodic branch).
    case plateau(Double)

    public var description: String {
        switch self {
        case .decaying: return "decaying"
        case .undecayed(let tail): return "undecayed (C = \(tail) at the window's end)"
        case .plateau(let q): return "plateau (q = \(q))"
        }
    }
}

/// The correlation and response of the driven spherical p-spin NESS, with the observables of
/// docs/PHYSICS.md §2 (driven p-spin): the one solution type of `DrivenPSpin`.
///
/// Lags are uniform, `τ_j = j·dt` from 0. `correlation[0] = C(0) = 1` (imposed through μ), `response[0] =
/// R(0⁺) = 1`. Units as in `DrivenPSpin`.
public struct DrivenPSpinSolution: StationarySolution, Codable {
    /// The problem solved.
    public let problem: DrivenPSpin
    /// The lags τ_j = j·dt.
    public let lags: [Double]
    /// The lag step dt.
    public let lagStep: Double
    /// C(τ_j).
    public let correlation: [Double]
    /// R(τ_j) (R(0⁺) = 1).
    public let response: [Double]
    /// C'(τ_j), spectrally (C'(0⁺) = −T by construction of the kink profile; see `correlationSlopeAtZero` for an
    /// independent finite-difference value).
    public let correlationSlope: [Double]
    /// χ(τ_j) = ∫_0^{τ_j} R(u) du, the integrated response (spectrally).
    public let integratedResponse: [Double]
    /// The Lagrange multiplier μ, fixed by C(0) = 1.
    public let lagrangeMultiplier: Double
    /// `T + ∫_0^∞ [Σ(u)C(u) + D(u)R(u)] du` from the computed C and R: the equal-time identity, = μ to the
    /// accuracy of the scheme.
    public let multiplierFromIdentity: Double
    /// E/N = −∫_0^∞ f'(C(u)) R(u) du.
    public let energy: Double
    /// The power injected by the drive, `P = −(1 − η) ε² ∫_0^∞ h''(C) C' R du ≥ 0` (lag quadrature; η the drive's
    /// symmetry, 0 by default: the gradient part of the drive injects nothing).
    public let injectedPower: Double
    /// The heat released to the bath, `Q̇ = ∫ dω/2π ω|R̂|² [ωD̂ − 2T Im Σ̂]` (frequency quadrature plus the
    /// analytic 2T(1 − η)ε²h''(1)/ω² tail); = `injectedPower` in the NESS (Harada–Sasa).
    public let heatToBath: Double
    /// C''(0) = μT − P (measured from the spectrum).
    public let secondDerivativeAtZero: Double
    /// C⁗(0) (measured from the spectrum).
    public let fourthDerivativeAtZero: Double
    /// The spectra.
    public let spectra: DrivenPSpinSpectra
    /// The method, iterations and residual.
    public let report: ConvergenceReport
    /// Wall-clock seconds of the iteration.
    public let seconds: Double
    /// τ_α, the first lag with C(τ_α) = 1/e; nil when C stays above 1/e or has not decayed (never reported for a
    /// solution that has not decayed).
    public let relaxationTime: Double?
    /// Which branch: decaying, undecayed (window too short) or plateau.
    public let branch: DrivenPSpinBranch

    /// The |C| accepted at the window's end for a decaying solution.
    public static let decayThreshold = 1e-6

    init(problem: DrivenPSpin, lags: [Double], lagStep: Double, correlation: [Double], response: [Double],
         correlationSlope: [Double], integratedResponse: [Double], lagrangeMultiplier: Double,
         multiplierFromIdentity: Double, energy: Double, injectedPower: Double, heatToBath: Double,
         secondDerivativeAtZero: Double, fourthDerivativeAtZero: Double, spectra: DrivenPSpinSpectra,
         report: ConvergenceReport, seconds: Double) {
        self.problem = problem
        self.lags = lags
        self.lagStep = lagStep
        self.correlation = correlation
        self.response = response
        self.correlationSlope = correlationSlope
        self.integratedResponse = integratedResponse
        self.lagrangeMultiplier = lagrangeMultiplier
        self.multiplierFromIdentity = multiplierFromIdentity
        self.energy = energy
        self.injectedPower = injectedPower
        self.heatToBath = heatToBath
        self.secondDerivativeAtZero = secondDerivativeAtZero
        self.fourthDerivativeAtZero = fourthDerivativeAtZero
        self.spectra = spectra
        self.report = report
        self.seconds = seconds
        let count = correlation.count
        let tail = correlation[count - 1]
        if abs(tail) <= Self.decayThreshold {
            branch = .decaying
        } else if tail > 0.05 && abs(tail - correlation[count / 2]) < 0.1 * tail {
            branch = .plateau(tail)
        } else {
            branch = .undecayed(tail: tail)
        }
        relaxationTime = branch == .decaying
            ? Interpolation.firstCrossing(correlation, step: lagStep, level: exp(-1)) : nil
    }

    /// The temperature T.
    public var temperature: Double { problem.temperature }
    /// The drive ε.
    public var drive: Double { problem.drive }
    /// τ_α.
    public var characteristicTime: Double? { relaxationTime }
    /// True when C sits on a plateau q > 0 at the window's end.
    public var isOnPlateau: Bool { if case .plateau = branch { return true } else { return false } }
    /// |C| at the last lag.
    public var tail: Double { abs(correlation[correlation.count - 1]) }

    /// The lag where |C| first falls below 1e-8; beyond the window, extrapolated from the exponential decay of
    /// the last quarter of the window (the window's end when C does not decay there).
    public var decayLag: Double {
        if let index = correlation.firstIndex(where: { abs($0) < 1e-8 }) { return lags[index] }
        let count = correlation.count, first = 3 * count / 4, last = count - 1
        let c1 = correlation[first], c2 = correlation[last]
        guard c1 > 0, c2 > 0, c2 < c1 else { return lags[last] }
        let rate = log(c1 / c2) / (lags[last] - lags[first])
        return lags[last] + log(c2 / 1e-8) / rate
    }

    /// C(τ) at any lag in the window (10-point Lagrange interpolation, one-sided near 0).
    public func correlation(atLag lag: Double) -> Double {
        PSpinEquilibriumSolution.interpolateUniform(correlation, step: lagStep, at: abs(lag))
    }

    /// R(τ) at any lag τ ≥ 0 in the window.
    public func response(atLag lag: Double) -> Double {
        PSpinEquilibriumSolution.interpolateUniform(response, step: lagStep, at: lag)
    }

    /// The fluctuation–dissipation ratio `X(τ_j) = −T R(τ_j)/C'(τ_j)` (1 at τ → 0⁺; 1 everywhere under FDT).
    public var fluctuationDissipationRatio: [Double] {
        (0..<correlation.count).map { -temperature * response[$0] / correlationSlope[$0] }
    }

    /// C'(0⁺) from the samples alone (one-sided 8-point finite difference, O(dt⁷)): = −T (independent check).
    public var correlationSlopeAtZero: Double {
        let coefficients: [Double] = [-363.0 / 140, 7, -21.0 / 2, 35.0 / 3, -35.0 / 4, 21.0 / 5, -7.0 / 6, 1.0 / 7]
        var sum = 0.0
        for (index, weight) in coefficients.enumerated() { sum += weight * correlation[index] }
        return sum / lagStep
    }

    /// The effective temperature `T_eff = −C'(τ)/R(τ)` at the first lag where C falls to `level`; nil if it
    /// never does.
    public func effectiveTemperature(atCorrelation level: Double) -> Double? {
        guard let index = correlation.indices.dropFirst().first(where: { correlation[$0] <= level }) else { return nil }
        let previous = index - 1
        let fraction = (correlation[previous] - level) / (correlation[previous] - correlation[index])
        let slope = correlationSlope[previous] + fraction * (correlationSlope[index] - correlationSlope[previous])
        let value = response[previous] + fraction * (response[index] - response[previous])
        return -slope / value
    }

    /// The correlation range taken as the slow part for `slowEffectiveTemperature`.
    public static let slowRange: ClosedRange<Double> = 0.05...0.4

    /// The effective temperature of the slow part: `−1/slope` of the least-squares line of the parametric plot
    /// χ(τ) against C(τ) over the lags where C ∈ `slowRange` (before C first falls below its lower end); nil with
    /// fewer than 3 such lags or for a solution that has not decayed. Under FDT it is T.
    public var slowEffectiveTemperature: Double? {
        guard branch == .decaying else { return nil }
        var xs: [Double] = [], ys: [Double] = []
        for j in correlation.indices {
            let c = correlation[j]
            if c < Self.slowRange.lowerBound { break }
            if c <= Self.slowRange.upperBound { xs.append(c); ys.append(integratedResponse[j]) }
        }
        guard xs.count >= 3 else { return nil }
        let n = Double(xs.count)
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0
        for i in xs.indices { sxy += (xs[i] - mx) * (ys[i] - my); sxx += (xs[i] - mx) * (xs[i] - mx) }
        return -sxx / sxy
    }
}
