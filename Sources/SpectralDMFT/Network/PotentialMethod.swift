import Foundation

/// The classical-particle (potential) method for the stationary random rate network (docs/PHYSICS.md §1), an
/// independent route to Δ0 and Δ(τ) that shares no code with the spectral solver beyond Gaussian quadrature.
///
/// The stationary autocorrelation Δ(τ) = ⟨h(t)h(t+τ)⟩ of `dh/dt = −h + Jφ(h) + ξ` moves like a particle,
/// `Δ̈ = −∂V/∂Δ`, in the potential
///
///     V(Δ; Δ0) = −Δ²/2 + g² C_Φ(Δ),   C_Φ(Δ) = E[Φ(u)Φ(v)] = ∫Dz [∫Dx Φ(√(Δ0−Δ) x + √Δ z)]²,   Φ' = φ,
///
/// with Var u = Var v = Δ0 and Cov(u, v) = Δ. Energy conservation from τ = 0 (Δ = Δ0, Δ̇ = −σ²/2) to τ = ∞
/// (Δ → 0, Δ̇ → 0) fixes Δ0 through `Δ0²/2 − g² Var_z Φ(√Δ0 z) = σ⁴/8`, and then
/// `τ(Δ) = ∫_Δ^{Δ0} dΔ' / √(2W(Δ'))` with the potential drop `W(Δ) = V(0) − V(Δ)`.
///
/// Numerics. W is evaluated without catastrophic cancellation: near Δ0 as
/// `W = σ⁴/8 − s²(2Δ0 − s²)/2 + g² E_z Var_x Φ(√Δ z + s x)` (s² = Δ0 − Δ); for Δ0/4 < Δ ≤ Δ0/2 as
/// `W = Δ²/2 − g² Var_z E_x Φ(√Δ z + s x)`; for Δ ≤ Δ0/4 by the Mehler series
/// `W = κ²Δ²/2 − g² Σ_{n≥4, even} ĉ_n² (Δ/Δ0)^n`, ĉ_n the orthonormal-Hermite coefficients of Φ(√Δ0 z) and
/// `κ = √(1 − g²⟨φ'⟩²)`. The integral for τ uses Δ = Δ0 − s² on [Δ0/2, Δ0] (which removes the turning-point
/// singularity 1/√(Δ0 − Δ) when σ = 0; panels graded geometrically towards s = 0) and Δ = (Δ0/2) e^{−u} below,
/// where the integrand tends to 1/κ. On each panel the integrand is interpolated at Chebyshev points and
/// integrated exactly, so τ(Δ) is a piecewise polynomial that is inverted by safeguarded Newton iteration.
/// Below Δ = 10⁻⁸ Δ0 the profile continues as the exact asymptote `Δ ∝ e^{−κτ}` (relative error O(10⁻¹⁶)).
///
/// Units: τ in units of the single-unit relaxation time; Δ, Δ0 dimensionless (variances of h).
/// The transfer function must be odd (guaranteed by `NetworkModel`).
public enum PotentialMethod {
    /// Δ0 = Δ(0), the stationary variance of h: the nontrivial root of `Δ0²/2 − g² Var_z Φ(√Δ0 z) = σ⁴/8`.
    ///
    /// Returns 0 on the quiescent branch (σ = 0, g ≤ 1). For σ = 0 the trivial root Δ0 = 0 is divided out
    /// (the root of `1/2 − g² Var Φ / Δ0²` is sought); the root is bracketed by geometric expansion and refined
    /// by Brent's method to ~1e-15 relative. Throws `PotentialMethodError.noVarianceRoot` if no sign change is
    /// found (e.g. an unbounded φ that grows too fast).
    public static func variance(model: NetworkModel) throws -> Double {
        if model.isQuiescent { return 0 }
        let g2 = model.coupling * model.coupling
        let noiseEnergy = pow(model.noise, 4) / 8
        let nonlinearity = model.nonlinearity
        let residual: (Double) -> Double
        var lower: Double
        if model.noise == 0 {
            // (Δ0²/2 − g² VarΦ)/Δ0², negative as Δ0 → 0⁺ for g > 1.
            residual = { candidate in 0.5 - g2 * antiderivativeVariance(nonlinearity, variance: candidate) / (candidate * candidate) }
            lower = 0.25 * (g2 - 1) / (2 * g2)
            while !(residual(lower) < 0) {
                lower *= 0.25
                if lower < 1e-150 { throw PotentialMethodError.noVarianceRoot(coupling: model.coupling, noise: model.noise) }
            }
        } else {
            residual = { candidate in
                0.5 * candidate * candidate - g2 * antiderivativeVariance(nonlinearity, variance: candidate) - noiseEnergy
            }
            lower = 0
        }
        var upper = max(2 * lower, model.noise * model.noise / 2, 1e-3)
        while !(residual(upper) > 0) {
            lower = upper
            upper *= 4
            if upper > 1e12 { throw PotentialMethodError.noVarianceRoot(coupling: model.coupling, noise: model.noise) }
        }
        return try brentRoot(residual, lower: lower, upper: upper, model: model)
    }

    /// The residual of the energy equation, `Δ0²/2 − g² Var_z Φ(√Δ0 z) − σ⁴/8`, zero at the stationary variance.
    ///
    /// Dimension: variance² (Δ0 is a variance of h).
    public static func energyResidual(model: NetworkModel, variance: Double) -> Double {
        let g2 = model.coupling * model.coupling
        return 0.5 * variance * variance - g2 * antiderivativeVariance(model.nonlinearity, variance: variance)
            - pow(model.noise, 4) / 8
    }

    /// The potential `V(Δ; Δ0) = −Δ²/2 + g² E[Φ(u)Φ(v)]`, Var u = Var v = Δ0, Cov = Δ, for 0 ≤ Δ ≤ Δ0.
    ///
    /// `∂V/∂Δ = −Δ + g² E[φ(u)φ(v)]` (Price's theorem), so `Δ̈ = −∂V/∂Δ` is the stationary DMFT equation for τ > 0.
    /// Computed directly as `−Δ²/2 + g² ∫Dz [∫Dx Φ(√(Δ0−Δ) x + √Δ z)]²` by the trapezoid rules of
    /// `GaussianAverages`; differences of V should use `potentialDrop`, which avoids cancellation.
    public static func potential(model: NetworkModel, variance: Double, covariance: Double) -> Double {
        let split = PotentialLandscape.split(model.nonlinearity, covariance: covariance,
                                             conditionalVariance: variance - covariance)
        let g2 = model.coupling * model.coupling
        return -0.5 * covariance * covariance
            + g2 * (split.mean * split.mean + split.spreadOfConditionalMean)
    }

    /// The potential drop `W(Δ) = V(0; Δ0) − V(Δ; Δ0) = ½Δ̇²` along the stationary trajectory, for 0 ≤ Δ ≤ Δ0.
    ///
    /// Uses the cancellation-free forms listed in the type's documentation (series for Δ ≤ Δ0/4, variance of the
    /// conditional mean up to Δ0/2, mean conditional variance above), with `V(0) − V(Δ0) = σ⁴/8`, so `variance`
    /// should be the root returned by `variance(model:)`. Dimension: variance².
    public static func potentialDrop(model: NetworkModel, variance: Double, covariance: Double) -> Double {
        let landscape = PotentialLandscape(model: model, variance: variance,
                                           tailRateSquared: tailRateSquared(model: model, variance: variance))
        if covariance >= variance { return landscape.noiseEnergy }
        if covariance > 0.5 * variance {
            let gap = variance - covariance
            return 0.5 * gap * landscape.scaledDropNearTop(gapSquared: gap)
        }
        return 0.5 * covariance * covariance * landscape.scaledDropNearZero(covariance: covariance)
    }

    /// The tail rate `κ = √(1 − g²⟨φ'⟩²)`, ⟨φ'⟩ at variance Δ0: Δ(τ) ∝ e^{−κτ} as τ → ∞ (units: 1/time).
    ///
    /// On the quiescent branch (Δ0 = 0, σ = 0, g ≤ 1) this is the linearised decay rate of perturbations of Δ ≡ 0,
    /// `√(1 − g² φ'(0)²)`. Returns NaN when `1 − g²⟨φ'⟩² < 0` (no stationary approach to Δ = 0).
    public static func tailRate(model: NetworkModel, variance: Double) -> Double {
        let squared = tailRateSquared(model: model, variance: variance)
        return squared >= 0 ? squared.squareRoot() : .nan
    }

    /// The full stationary profile Δ(τ), tabulated once as piecewise Chebyshev interpolants of dτ/dΔ.
    ///
    /// `variance`: Δ0 if already known (from `variance(model:)`); it must satisfy the energy equation to
    /// 1e-6 relative (`|residual| ≤ 1e-6 (Δ0²/2 + σ⁴/8)`), else `PotentialMethodError.inconsistentVariance`.
    /// With σ = 0, `variance: 0` selects the trivial solution Δ ≡ 0 (which exists, unstable, for g > 1).
    /// Throws `.noTrajectory` if W(Δ) ≤ 0 somewhere in (0, Δ0) and `.unstableTail` if κ² ≤ 0.
    public static func profile(model: NetworkModel, variance: Double? = nil,
                               resolution: PotentialResolution = .standard) throws -> PotentialProfile {
        guard resolution.nodesPerPanel >= 4, resolution.nodesPerPanel <= 200,
              resolution.subdivisions >= 1, resolution.subdivisions <= 64 else {
            throw PotentialMethodError.invalidResolution(nodesPerPanel: resolution.nodesPerPanel,
                                                         subdivisions: resolution.subdivisions)
        }
        let stationaryVariance: Double
        if let variance {
            guard variance.isFinite, variance >= 0 else {
                throw PotentialMethodError.inconsistentVariance(given: variance, relativeResidual: .nan)
            }
            // Δ0 = 0 at σ = 0 is the (trivial) fixed point Δ ≡ 0, a root for every g.
            if !(model.noise == 0 && variance == 0) {
                let scale = 0.5 * variance * variance + pow(model.noise, 4) / 8
                let relative = abs(energyResidual(model: model, variance: variance)) / scale
                guard relative <= 1e-6 else {
                    throw PotentialMethodError.inconsistentVariance(given: variance, relativeResidual: relative)
                }
            }
            stationaryVariance = variance
        } else {
            stationaryVariance = try Self.variance(model: model)
        }
        let rateSquared = tailRateSquared(model: model, variance: stationaryVariance)
        if stationaryVariance == 0 {
            return PotentialProfile(model: model, variance: 0, tailRate: max(rateSquared, 0).squareRoot(),
                                    panels: [], tailStartCovariance: 0, tailStartLag: 0)
        }
        guard rateSquared > 0 else {
            throw PotentialMethodError.unstableTail(coupling: model.coupling, noise: model.noise,
                                                    tailRateSquared: rateSquared)
        }
        let landscape = PotentialLandscape(model: model, variance: stationaryVariance, tailRateSquared: rateSquared)
        let panels = try landscape.panels(resolution: resolution)
        let last = panels[panels.count - 1]
        return PotentialProfile(model: model, variance: stationaryVariance, tailRate: rateSquared.squareRoot(),
                                panels: panels, tailStartCovariance: last.covariance(at: last.upper),
                                tailStartLag: last.lagAtUpper)
    }

    /// Δ(τ) at the given lags (any sign; Δ is even), from `profile(model:variance:resolution:)`.
    ///
    /// Returns zeros on the quiescent branch. Throws `.invalidLag` for a non-finite lag.
    public static func correlation(model: NetworkModel, variance: Double? = nil, atLags lags: [Double],
                                   resolution: PotentialResolution = .standard) throws -> [Double] {
        for lag in lags where !lag.isFinite { throw PotentialMethodError.invalidLag(lag) }
        let profile = try profile(model: model, variance: variance, resolution: resolution)
        return lags.map { profile.correlation(atLag: $0) }
    }

    // MARK: - Internals

    /// `Var_z Φ(√variance z)` by the trapezoid rule, as a centred (two-pass) sum.
    static func antiderivativeVariance(_ nonlinearity: Nonlinearity, variance: Double) -> Double {
        let sd = max(variance, 0).squareRoot()
        let rule = refinedRule(scale: sd, nonlinearity)
        var values = [Double](repeating: 0, count: rule.nodes.count)
        var weightTotal = 0.0, sum = 0.0
        for i in rule.nodes.indices {
            values[i] = nonlinearity.antiderivative(sd * rule.nodes[i])
            weightTotal += rule.weights[i]
            sum += rule.weights[i] * values[i]
        }
        let mean = sum / weightTotal
        var spread = 0.0
        for i in rule.nodes.indices {
            let deviation = values[i] - mean
            spread += rule.weights[i] * deviation * deviation
        }
        return spread / weightTotal
    }

    /// `κ² = 1 − g²⟨φ'⟩²` with ⟨φ'⟩ at variance Δ0.
    static func tailRateSquared(model: NetworkModel, variance: Double) -> Double {
        let sd = max(variance, 0).squareRoot()
        let rule = refinedRule(scale: sd, model.nonlinearity)
        var meanSlope = 0.0
        for i in rule.nodes.indices { meanSlope += rule.weights[i] * model.nonlinearity.derivative(sd * rule.nodes[i]) }
        return 1 - model.coupling * model.coupling * meanSlope * meanSlope
    }

    /// How much finer than `GaussianAverages`' default the trapezoid steps are taken (the rule is asked for a
    /// scale this much larger). The default step leaves ~6e-14 relative error in Var Φ(√Δ0 z) for tanh at
    /// Δ0 ≈ 0.75 (checked against 30-digit quadrature); 4/3 brings every average here to rounding.
    static let quadratureRefinement = 4.0 / 3.0

    /// Trapezoid nodes and weights for E over z ~ N(0,1) of a function of `scale·z`, `quadratureRefinement` finer
    /// than the default rule of `GaussianAverages`.
    static func refinedRule(scale: Double, _ nonlinearity: Nonlinearity) -> (nodes: [Double], weights: [Double]) {
        GaussianAverages.rule(scale: quadratureRefinement * scale, singularityDistance: nonlinearity.singularityDistance)
    }

    /// Brent's method on a sign-changing bracket (see `RootFinding.brent`), failing as `noVarianceRoot`.
    static func brentRoot(_ f: (Double) -> Double, lower: Double, upper: Double, model: NetworkModel) throws -> Double {
        guard let root = RootFinding.brent(f, lower: lower, upper: upper) else {
            throw PotentialMethodError.noVarianceRoot(coupling: model.coupling, noise: model.noise)
        }
        return root
    }
}

/// Accuracy settings of the potential-method quadrature.
///
/// The lag integral τ(Δ) is split into panels (graded towards the turning point Δ0 and covering
/// Δ ∈ [10⁻⁸ Δ0, Δ0]); on each panel dτ/dΔ is interpolated at `nodesPerPanel` Chebyshev points. `subdivisions`
/// splits every panel into that many equal parts. `.standard` (20 nodes, 1 subdivision) is converged to rounding
/// (Δ(τ) to ~1e-15 relative) for tanh at 1.1 ≤ g ≤ 3, σ ∈ [0, 1]; near threshold the rounding floor rises
/// (~1e-12 at g = 1.01) because W = O(κ²Δ²) is a small difference. Refine both to check.
public struct PotentialResolution: Sendable, Equatable {
    /// Chebyshev points per panel (4…200).
    public var nodesPerPanel: Int
    /// Equal parts each panel is split into (1…64).
    public var subdivisions: Int

    /// A resolution with `nodesPerPanel` points on each of the panels split `subdivisions` times.
    public init(nodesPerPanel: Int = 20, subdivisions: Int = 1) {
        self.nodesPerPanel = nodesPerPanel
        self.subdivisions = subdivisions
    }

    /// 20 Chebyshev points per panel, no subdivision.
    public static let standard = PotentialResolution()
}

/// The stationary autocorrelation Δ(τ) of a random rate network by the potential method.
///
/// τ(Δ) is held as piecewise Chebyshev antiderivatives of dτ/dΔ in the variables s = √(Δ0 − Δ) (Δ ≥ Δ0/2)
/// and u = ln(Δ0/(2Δ)) (Δ < Δ0/2); beyond Δ = 10⁻⁸ Δ0, Δ(τ) = Δ_end e^{−κ(τ − τ_end)}. Units as `NetworkModel`.
public struct PotentialProfile: Sendable {
    /// Coupling g.
    public let coupling: Double
    /// Noise amplitude σ.
    public let noise: Double
    /// Name of φ.
    public let transferFunction: String
    /// Which stationary state this is.
    public let branch: NetworkBranch
    /// Δ0 = Δ(0), the variance of h.
    public let variance: Double
    /// κ = √(1 − g²⟨φ'⟩²): Δ(τ) ∝ e^{−κτ} as τ → ∞ (1/time).
    public let tailRate: Double
    /// Number of Chebyshev panels used for τ(Δ).
    public var panelCount: Int { panels.count }

    let panels: [LagPanel]
    let tailStartCovariance: Double
    let tailStartLag: Double

    init(model: NetworkModel, variance: Double, tailRate: Double, panels: [LagPanel],
         tailStartCovariance: Double, tailStartLag: Double) {
        coupling = model.coupling
        noise = model.noise
        transferFunction = model.nonlinearity.name
        branch = model.noise > 0 ? .noiseDriven : (variance > 0 ? .chaotic : .quiescent)
        self.variance = variance
        self.tailRate = tailRate
        self.panels = panels
        self.tailStartCovariance = tailStartCovariance
        self.tailStartLag = tailStartLag
    }

    /// Δ(τ) for any finite lag (Δ(−τ) = Δ(τ)); 0 on the quiescent branch.
    public func correlation(atLag lag: Double) -> Double {
        guard !lag.isNaN else { return .nan }
        guard variance > 0 else { return 0 }
        let target = abs(lag)
        if target >= tailStartLag {
            return tailStartCovariance * exp(-tailRate * (target - tailStartLag))
        }
        // Last panel whose starting lag is ≤ target (panels are ordered by increasing lag).
        var low = 0, high = panels.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if panels[middle].lagAtLower <= target { low = middle } else { high = middle - 1 }
        }
        let panel = panels[low]
        return panel.covariance(at: panel.point(atLag: target))
    }

    /// τ ≥ 0 with Δ(τ) = `correlation`, for 0 < correlation ≤ Δ0; nil otherwise (or on the quiescent branch).
    public func lag(atCorrelation correlation: Double) -> Double? {
        guard variance > 0, correlation > 0, correlation <= variance else { return nil }
        if correlation < tailStartCovariance {
            return tailStartLag + log(tailStartCovariance / correlation) / tailRate
        }
        for panel in panels {
            let point = panel.point(atCovariance: correlation)
            if point >= panel.lower && point <= panel.upper { return panel.lag(at: point) }
        }
        return nil
    }

    /// The decorrelation time τ½ with Δ(τ½) = Δ0/2 (0 on the quiescent branch).
    public var decorrelationTime: Double { variance > 0 ? (lag(atCorrelation: 0.5 * variance) ?? .nan) : 0 }
}

/// Failures of the potential method. Each description is one line.
public enum PotentialMethodError: Error, Equatable, CustomStringConvertible {
    /// The energy equation `Δ0²/2 − g² Var Φ = σ⁴/8` has no bracketed nontrivial root.
    case noVarianceRoot(coupling: Double, noise: Double)
    /// A supplied Δ0 does not satisfy the energy equation (relative residual shown).
    case inconsistentVariance(given: Double, relativeResidual: Double)
    /// `V(0) − V(Δ) ≤ 0` at this Δ: no trajectory from Δ0 reaches Δ = 0.
    case noTrajectory(covariance: Double)
    /// `κ² = 1 − g²⟨φ'⟩² ≤ 0`: Δ cannot approach 0 exponentially.
    case unstableTail(coupling: Double, noise: Double, tailRateSquared: Double)
    /// A resolution outside 4…200 nodes per panel or 1…64 subdivisions.
    case invalidResolution(nodesPerPanel: Int, subdivisions: Int)
    /// A lag that is not a finite number.
    case invalidLag(Double)

    /// One line, fit for a command-line error.
    public var description: String {
        switch self {
        case .noVarianceRoot(let coupling, let noise):
            return "potential method: no stationary variance found for g = \(coupling), sigma = \(noise) (energy equation has no bracketed root)"
        case .inconsistentVariance(let given, let residual):
            return "potential method: variance \(given) does not solve the energy equation (relative residual \(residual) > 1e-6)"
        case .noTrajectory(let covariance):
            return "potential method: V(0) - V(Δ) <= 0 at Δ = \(covariance); no trajectory from Δ0 reaches Δ = 0"
        case .unstableTail(let coupling, let noise, let rateSquared):
            return "potential method: 1 - g²<φ'>² = \(rateSquared) <= 0 at g = \(coupling), sigma = \(noise); no exponential tail"
        case .invalidResolution(let nodes, let subdivisions):
            return "potential method: invalid resolution (\(nodes) nodes per panel, \(subdivisions) subdivisions); need 4...200 and 1...64"
        case .invalidLag(let lag):
            return "potential method: lag \(lag) is not a finite number"
        }
    }
}

// MARK: - Potential drop

/// The potential V(Δ; Δ0) of one model at one Δ0, with the Mehler coefficients of Φ(√Δ0 z).
struct PotentialLandscape {
    /// Variance Δ0.
    let variance: Double
    /// g².
    let couplingSquared: Double
    /// σ⁴/8 = V(0) − V(Δ0).
    let noiseEnergy: Double
    /// κ² = 1 − g²⟨φ'⟩².
    let tailRateSquared: Double
    /// The transfer function.
    let nonlinearity: Nonlinearity
    /// ĉ_n² for n = 0…`seriesOrder`: squared orthonormal-Hermite coefficients of Φ(√Δ0 z).
    let squaredHermiteCoefficients: [Double]

    /// Highest Hermite order kept; with Δ ≤ Δ0/4 the omitted terms are below 4^{−38} Var Φ.
    static let seriesOrder = 36
    /// Below this Δ/Δ0 the Mehler series replaces the two-dimensional quadrature.
    static let seriesLimit = 0.25

    init(model: NetworkModel, variance: Double, tailRateSquared: Double) {
        self.variance = variance
        couplingSquared = model.coupling * model.coupling
        noiseEnergy = pow(model.noise, 4) / 8
        self.tailRateSquared = tailRateSquared
        nonlinearity = model.nonlinearity
        squaredHermiteCoefficients = Self.hermiteCoefficients(model.nonlinearity, variance: variance,
                                                              order: Self.seriesOrder).map { $0 * $0 }
    }

    /// `ĉ_n = E[Φ(√Δ0 z) He_n(z)/√n!]`, n = 0…order, by the trapezoid rule and the orthonormal recurrence
    /// `h_{n+1} = (z h_n − √n h_{n−1}) / √(n+1)`.
    static func hermiteCoefficients(_ nonlinearity: Nonlinearity, variance: Double, order: Int) -> [Double] {
        let sd = max(variance, 0).squareRoot()
        let rule = PotentialMethod.refinedRule(scale: sd, nonlinearity)
        return GaussianAverages.hermiteCoefficients(nodes: rule.nodes, weights: rule.weights, order: order) {
            nonlinearity.antiderivative(sd * $0)
        }
    }

    /// The parts of `C_Φ(Δ) = E_z[m(z)²]`, m(z) = E_x Φ(√Δ z + s x), s² = `conditionalVariance` = Δ0 − Δ.
    struct Split {
        /// E_z m(z) = E Φ(√Δ0 w).
        var mean: Double
        /// Var_z m(z) = C_Φ(Δ) − C_Φ(0).
        var spreadOfConditionalMean: Double
        /// E_z Var_x Φ(√Δ z + s x) = C_Φ(Δ0) − C_Φ(Δ).
        var meanConditionalSpread: Double
    }

    /// `split` for this landscape's transfer function.
    func split(covariance: Double, conditionalVariance: Double) -> Split {
        Self.split(nonlinearity, covariance: covariance, conditionalVariance: conditionalVariance)
    }

    /// Scale (standard deviation × `quadratureRefinement`) above which the uniform trapezoid rule, whose node count
    /// grows with it, gives way to `GradedGaussianRule` (about 620 trapezoid nodes at the switch).
    static let gradedScale = 8.0

    /// Both differences of C_Φ from one pass over a two-dimensional rule (z ≥ 0 only: m is even).
    ///
    /// Small scales: the uniform trapezoid rules of `PotentialMethod.refinedRule`. Large scales (√Δ or s above
    /// `gradedScale`, i.e. Δ0 ≳ 36): Gauss–Legendre panels graded around the near-singularity, at z = 0 for the
    /// outer variable (m(z) is analytic in |Im z| < (π/2)/√Δ) and at x = −√Δ z / s for the inner one, so the cost
    /// grows like log Δ0 instead of Δ0.
    static func split(_ nonlinearity: Nonlinearity, covariance: Double, conditionalVariance: Double) -> Split {
        let commonScale = max(covariance, 0).squareRoot()
        let conditionalScale = max(conditionalVariance, 0).squareRoot()
        let refinement = PotentialMethod.quadratureRefinement
        let gradedOuter = refinement * commonScale > gradedScale
        let gradedInner = refinement * conditionalScale > gradedScale
        let outerNodes: [Double], outerRuleWeights: [Double]
        if gradedOuter {
            let half = GradedGaussianRule.rule(centre: 0, width: nonlinearity.singularityDistance / commonScale, lower: 0)
            outerNodes = half.nodes
            outerRuleWeights = half.weights.map { 2 * $0 }
        } else {
            let outer = PotentialMethod.refinedRule(scale: commonScale, nonlinearity)
            let centre = outer.nodes.count / 2
            outerNodes = Array(outer.nodes[centre...])
            outerRuleWeights = (centre..<outer.nodes.count).map { $0 == centre ? outer.weights[$0] : 2 * outer.weights[$0] }
        }
        let uniformInner = gradedInner ? nil : PotentialMethod.refinedRule(scale: conditionalScale, nonlinearity)
        var innerNodes = uniformInner.map { $0.nodes.map { conditionalScale * $0 } } ?? []
        var innerWeights = uniformInner?.weights ?? []
        var innerTotal = innerWeights.reduce(0, +)
        let antiderivative = nonlinearity.antiderivative
        var values = [Double](repeating: 0, count: innerNodes.count)
        var outerWeights = [Double](), conditionalMeans = [Double]()
        outerWeights.reserveCapacity(outerNodes.count)
        conditionalMeans.reserveCapacity(outerNodes.count)
        var outerTotal = 0.0, meanSum = 0.0, conditionalSpreadSum = 0.0
        for i in outerNodes.indices {
            let shift = commonScale * outerNodes[i]
            if gradedInner {
                let inner = GradedGaussianRule.rule(centre: -shift / conditionalScale,
                                                    width: nonlinearity.singularityDistance / conditionalScale)
                innerNodes = inner.nodes.map { conditionalScale * $0 }
                innerWeights = inner.weights
                innerTotal = innerWeights.reduce(0, +)
                if values.count != innerNodes.count { values = [Double](repeating: 0, count: innerNodes.count) }
            }
            var sum = 0.0
            for k in innerNodes.indices {
                let value = antiderivative(shift + innerNodes[k])
                values[k] = value
                sum += innerWeights[k] * value
            }
            let conditionalMean = sum / innerTotal
            var spread = 0.0
            for k in innerNodes.indices {
                let deviation = values[k] - conditionalMean
                spread += innerWeights[k] * deviation * deviation
            }
            let weight = outerRuleWeights[i]
            outerWeights.append(weight)
            conditionalMeans.append(conditionalMean)
            outerTotal += weight
            meanSum += weight * conditionalMean
            conditionalSpreadSum += weight * spread / innerTotal
        }
        let mean = meanSum / outerTotal
        var spreadOfMean = 0.0
        for i in conditionalMeans.indices {
            let deviation = conditionalMeans[i] - mean
            spreadOfMean += outerWeights[i] * deviation * deviation
        }
        return Split(mean: mean, spreadOfConditionalMean: spreadOfMean / outerTotal,
                     meanConditionalSpread: conditionalSpreadSum / outerTotal)
    }

    /// `2W(Δ)/Δ²` for 0 < Δ ≤ Δ0/2: Mehler series below Δ0/4, else `1 − 2g² Var_z m / Δ²`.
    func scaledDropNearZero(covariance: Double) -> Double {
        let ratio = covariance / variance
        if ratio <= Self.seriesLimit {
            // 2W/Δ² = κ² − (2g²/Δ0²) Σ_{n ≥ 4, even} ĉ_n² r^{n−2}.
            let ratioSquared = ratio * ratio
            var sum = 0.0, power = ratioSquared
            var n = 4
            while n <= Self.seriesOrder {
                sum += squaredHermiteCoefficients[n] * power
                power *= ratioSquared
                n += 2
            }
            return tailRateSquared - 2 * couplingSquared * sum / (variance * variance)
        }
        let split = split(covariance: covariance, conditionalVariance: variance - covariance)
        return 1 - 2 * couplingSquared * split.spreadOfConditionalMean / (covariance * covariance)
    }

    /// `2W/s²` at Δ = Δ0 − s²: `σ⁴/(4s²) − (2Δ0 − s²) + 2g² E_z Var_x Φ / s²`.
    func scaledDropNearTop(gapSquared: Double) -> Double {
        let split = split(covariance: variance - gapSquared, conditionalVariance: gapSquared)
        return 2 * noiseEnergy / gapSquared - (2 * variance - gapSquared)
            + 2 * couplingSquared * split.meanConditionalSpread / gapSquared
    }

    /// Lag panels covering Δ from Δ0 down to 10⁻⁸ Δ0, in order of increasing lag.
    func panels(resolution: PotentialResolution) throws -> [LagPanel] {
        let nodeCount = resolution.nodesPerPanel
        var boundaries: [(LagPanel.Variable, Double, Double)] = []

        // Near the top: s = √(Δ0 − Δ) ∈ [0, √(Δ0/2)], graded geometrically towards s = 0 down to the scale
        // on which the s² expansion of W stops converging (~d/√Δ0) and, for σ > 0, the scale
        // σ²/√(8a) on which σ⁴/8 and a s² (a = g²⟨φ²⟩ − Δ0) cross.
        let topWidth = (0.5 * variance).squareRoot()
        var innermost = min(topWidth, 0.25 * nonlinearity.singularityDistance / variance.squareRoot())
        if noiseEnergy > 0 {
            let meanSquare = GaussianAverages.expectation(variance: variance,
                                                          singularityDistance: nonlinearity.singularityDistance) {
                let value = nonlinearity.function($0)
                return value * value
            }
            let curvature = couplingSquared * meanSquare - variance
            if curvature > 0 {
                let crossover = (2 * noiseEnergy / curvature).squareRoot() / 2
                innermost = min(innermost, max(crossover, 1e-4 * topWidth))
            }
        }
        // At least two panels: the pole of dτ/dΔ at Δ = 0 (s = √Δ0) lies only a factor √2 beyond s = √(Δ0/2).
        let topPanels = max(2, Int((log2(topWidth / innermost) - 1e-9).rounded(.up)) + 1)
        var lowerEdge = 0.0
        for j in 1...topPanels {
            let upperEdge = j == topPanels ? topWidth : topWidth * pow(2, Double(j - topPanels))
            boundaries.append((.gap, lowerEdge, upperEdge))
            lowerEdge = upperEdge
        }

        // Below Δ0/2: u = ln(Δ0/(2Δ)) ∈ [0, ln(0.5e8)], first panel up to Δ0/4 (end of the 2-D quadrature).
        let seriesStart = log(0.5 / Self.seriesLimit)
        let tailEnd = log(0.5 / PotentialLandscape.tailEndRatio)
        boundaries.append((.logarithm, 0, seriesStart))
        let tailPanels = Int(((tailEnd - seriesStart) / 2).rounded(.up))
        for j in 0..<tailPanels {
            boundaries.append((.logarithm, seriesStart + (tailEnd - seriesStart) * Double(j) / Double(tailPanels),
                               seriesStart + (tailEnd - seriesStart) * Double(j + 1) / Double(tailPanels)))
        }

        var panels: [LagPanel] = []
        var lag = 0.0
        for (variable, lower, upper) in boundaries {
            let parts = resolution.subdivisions
            for part in 0..<parts {
                let partLower = lower + (upper - lower) * Double(part) / Double(parts)
                let partUpper = part == parts - 1 ? upper : lower + (upper - lower) * Double(part + 1) / Double(parts)
                let panel = try LagPanel(variable: variable, lower: partLower, upper: partUpper, lagAtLower: lag,
                                         variance: variance, nodeCount: nodeCount) { point in
                    try integrand(variable: variable, at: point)
                }
                lag = panel.lagAtUpper
                panels.append(panel)
            }
        }
        return panels
    }

    /// Δ/Δ0 at which the tabulated profile hands over to the exact exponential tail.
    static let tailEndRatio = 1e-8

    /// dτ/ds = 2/√(2W/s²) (Δ = Δ0 − s²) or dτ/du = 1/√(2W/Δ²) (Δ = (Δ0/2) e^{−u}).
    func integrand(variable: LagPanel.Variable, at point: Double) throws -> Double {
        let scaledDrop: Double
        switch variable {
        case .gap:
            scaledDrop = scaledDropNearTop(gapSquared: point * point)
        case .logarithm:
            scaledDrop = scaledDropNearZero(covariance: 0.5 * variance * exp(-point))
        }
        guard scaledDrop > 0, scaledDrop.isFinite else {
            throw PotentialMethodError.noTrajectory(covariance: LagPanel.covariance(variable: variable, at: point,
                                                                                    variance: variance))
        }
        return (variable == .gap ? 2 : 1) / scaledDrop.squareRoot()
    }
}

// MARK: - Chebyshev panels of τ(Δ)

/// One panel of τ as a function of s = √(Δ0 − Δ) or u = ln(Δ0/(2Δ)): Chebyshev series of dτ/d(variable)
/// and of its antiderivative (zero at `lower`).
struct LagPanel: Sendable {
    /// The integration variable of a panel.
    enum Variable: Sendable {
        /// s with Δ = Δ0 − s².
        case gap
        /// u with Δ = (Δ0/2) e^{−u}.
        case logarithm
    }

    let variable: Variable
    let lower: Double
    let upper: Double
    let variance: Double
    let lagAtLower: Double
    let lagAtUpper: Double
    /// Chebyshev coefficients of dτ/d(variable) on [lower, upper] (first one doubled, Numerical Recipes convention).
    let slopeCoefficients: [Double]
    /// Chebyshev coefficients of ∫_lower^x dτ.
    let lagCoefficients: [Double]

    init(variable: Variable, lower: Double, upper: Double, lagAtLower: Double, variance: Double, nodeCount: Int,
         slope: (Double) throws -> Double) throws {
        self.variable = variable
        self.lower = lower
        self.upper = upper
        self.variance = variance
        self.lagAtLower = lagAtLower
        let centre = 0.5 * (upper + lower), halfWidth = 0.5 * (upper - lower)
        var values = [Double](repeating: 0, count: nodeCount)
        for j in 0..<nodeCount {
            values[j] = try slope(centre + halfWidth * cos(Double.pi * (Double(j) + 0.5) / Double(nodeCount)))
        }
        var coefficients = [Double](repeating: 0, count: nodeCount)
        for k in 0..<nodeCount {
            var sum = 0.0
            for j in 0..<nodeCount {
                sum += values[j] * cos(Double.pi * Double(k) * (Double(j) + 0.5) / Double(nodeCount))
            }
            coefficients[k] = 2 * sum / Double(nodeCount)
        }
        slopeCoefficients = coefficients
        // Antiderivative: C_k = (h/2)(c_{k−1} − c_{k+1})/k, with C_0 fixing ∫ = 0 at the lower end.
        var integral = [Double](repeating: 0, count: nodeCount)
        let factor = 0.5 * halfWidth
        var alternating = 0.0, sign = 1.0
        for k in 1..<nodeCount {
            let next = k + 1 < nodeCount ? coefficients[k + 1] : 0
            integral[k] = factor * (coefficients[k - 1] - next) / Double(k)
            alternating += sign * integral[k]
            sign = -sign
        }
        integral[0] = 2 * alternating
        lagCoefficients = integral
        lagAtUpper = lagAtLower + Self.chebyshevSum(integral, at: 1)
    }

    /// Σ c_k T_k(t) − c_0/2 by Clenshaw's recurrence, t ∈ [−1, 1].
    static func chebyshevSum(_ coefficients: [Double], at t: Double) -> Double {
        var current = 0.0, previous = 0.0
        let twice = 2 * t
        for k in stride(from: coefficients.count - 1, through: 1, by: -1) {
            let saved = current
            current = twice * current - previous + coefficients[k]
            previous = saved
        }
        return t * current - previous + 0.5 * coefficients[0]
    }

    private func standardised(_ point: Double) -> Double { (2 * point - lower - upper) / (upper - lower) }

    /// τ at a value of the panel's variable.
    func lag(at point: Double) -> Double { lagAtLower + Self.chebyshevSum(lagCoefficients, at: standardised(point)) }

    /// dτ/d(variable) at a point of the panel.
    func slope(at point: Double) -> Double { Self.chebyshevSum(slopeCoefficients, at: standardised(point)) }

    /// Δ at a value of the variable.
    func covariance(at point: Double) -> Double { Self.covariance(variable: variable, at: point, variance: variance) }

    static func covariance(variable: Variable, at point: Double, variance: Double) -> Double {
        switch variable {
        case .gap: return variance - point * point
        case .logarithm: return 0.5 * variance * exp(-point)
        }
    }

    /// The variable's value at a covariance Δ (may fall outside the panel).
    func point(atCovariance covariance: Double) -> Double {
        switch variable {
        case .gap: return max(variance - covariance, 0).squareRoot()
        case .logarithm: return log(0.5 * variance / covariance)
        }
    }

    /// The variable where τ = `target` (lagAtLower ≤ target ≤ lagAtUpper), by Newton's method kept inside a bracket.
    func point(atLag target: Double) -> Double {
        var low = lower, high = upper
        let span = lagAtUpper - lagAtLower
        var point = span > 0 ? lower + (upper - lower) * min(max((target - lagAtLower) / span, 0), 1) : lower
        for _ in 0..<100 {
            let mismatch = lag(at: point) - target
            if mismatch > 0 { high = point } else if mismatch < 0 { low = point } else { return point }
            let derivative = slope(at: point)
            var next = point - mismatch / derivative
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            if abs(next - point) <= 2 * Double.ulpOfOne * max(abs(point), upper - lower) { return next }
            point = next
        }
        return point
    }
}
