import Foundation
import Testing
@testable import SpectralDMFT

// The potential (classical-particle) method for the stationary rate network: literature values, threshold
// asymptotics, tail rate, and agreement with an independent RK4 integration of Δ̈ = Δ − g² C_φ(Δ; Δ0).

private func relativeError(_ value: Double, _ reference: Double) -> Double { abs(value - reference) / abs(reference) }

/// Δ(τ_end) from Δ̈ = Δ − g² C_φ(Δ; Δ0), Δ(0) = Δ0, Δ̇(0) = `initialSlope`, by classical RK4 with `steps` steps.
private func integrateCorrelation(coupling: Double, variance: Double, initialSlope: Double, until end: Double,
                                  steps: Int, kernel: (Double) -> Double) -> Double {
    let couplingSquared = coupling * coupling
    func acceleration(_ covariance: Double) -> Double { covariance - couplingSquared * kernel(covariance) }
    let step = end / Double(steps)
    var position = variance, velocity = initialSlope
    for _ in 0..<steps {
        let a1 = acceleration(position)
        let a2 = acceleration(position + 0.5 * step * velocity)
        let a3 = acceleration(position + 0.5 * step * (velocity + 0.5 * step * a1))
        let a4 = acceleration(position + step * (velocity + 0.5 * step * a2))
        position += step * velocity + step * step / 6 * (a1 + a2 + a3)
        velocity += step / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
    }
    return position
}

/// RK4 at `steps` and 2·`steps`, Richardson-extrapolated. `error` = |fine − coarse|/15 estimates the error of the
/// finer run, so it bounds the (higher-order) error of the extrapolated value with a wide margin; it is the
/// tolerance of the comparisons below (~1e-10 with these steps; the observed differences are ~1e-12).
private func extrapolatedCorrelation(coupling: Double, variance: Double, initialSlope: Double, until end: Double,
                                     steps: Int, kernel: (Double) -> Double) -> (value: Double, error: Double) {
    let coarse = integrateCorrelation(coupling: coupling, variance: variance, initialSlope: initialSlope, until: end,
                                      steps: steps, kernel: kernel)
    let fine = integrateCorrelation(coupling: coupling, variance: variance, initialSlope: initialSlope, until: end,
                                    steps: 2 * steps, kernel: kernel)
    return (fine + (fine - coarse) / 15, abs(fine - coarse) / 15)
}

private func tanhKernel(variance: Double) -> (Double) -> Double {
    let phi = Nonlinearity.tanh
    return { covariance in
        GaussianAverages.pairExpectation(phi.function, phi.function, varianceU: variance, varianceV: variance,
                                         covariance: covariance, singularityDistance: phi.singularityDistance)
    }
}

@Test func varianceMatchesLiteratureForTanh() throws {
    let literature: [(coupling: Double, variance: Double)] = [(1.5, 0.7476863806), (2, 1.9248054137)]
    for entry in literature {
        let variance = try PotentialMethod.variance(model: NetworkModel(coupling: entry.coupling))
        #expect(relativeError(variance, entry.variance) < 1e-8, "g = \(entry.coupling): Δ0 = \(variance)")
        #expect(abs(try PotentialMethod.energyResidual(model: NetworkModel(coupling: entry.coupling), variance: variance)) < 1e-14)
    }
}

@Test func quiescentBelowThreshold() throws {
    for coupling in [0.5, 0.9, 1.0] {
        let model = try NetworkModel(coupling: coupling)
        #expect(try PotentialMethod.variance(model: model) == 0)
        #expect(try PotentialMethod.correlation(model: model, atLags: [0, 1, 5]) == [0, 0, 0])
        #expect(try PotentialMethod.profile(model: model).branch == .quiescent)
    }
}

@Test func varianceApproachesThresholdLinearly() throws {
    // Δ0 = (g²−1)/(2g²) + O((g−1)²) ⇒ Δ0/(g−1) → 1, with a deviation that shrinks ∝ (g − 1).
    var deviations: [Double] = []
    for coupling in [1.04, 1.02, 1.01] {
        let variance = try PotentialMethod.variance(model: NetworkModel(coupling: coupling))
        deviations.append(abs(variance / (coupling - 1) - 1))
    }
    #expect(deviations[2] < 0.02)
    #expect(deviations[1] < 0.6 * deviations[0] && deviations[1] > 0.4 * deviations[0])
    #expect(deviations[2] < 0.6 * deviations[1] && deviations[2] > 0.4 * deviations[1])
}

@Test func sechProfileNearThreshold() throws {
    // Δ(τ)/Δ0 − sech(g Δ0 τ/√3) = O(g − 1) uniformly in τ.
    var worst: [Double] = []
    for coupling in [1.02, 1.01] {
        let profile = try PotentialMethod.profile(model: NetworkModel(coupling: coupling))
        let rate = coupling * profile.variance / 3.0.squareRoot()
        var largest = 0.0
        for scaledLag in [0.5, 1, 2, 3, 5] {
            let lag = scaledLag / rate
            largest = max(largest, abs(profile.correlation(atLag: lag) / profile.variance - 1 / cosh(rate * lag)))
        }
        worst.append(largest)
        #expect(largest < 3 * (coupling - 1))
        #expect(relativeError(profile.tailRate, rate) < 5 * (coupling - 1))
    }
    #expect(worst[1] < 0.6 * worst[0])
}

@Test func tailDecaysAtRateKappa() throws {
    for (coupling, noise) in [(2.0, 0.0), (1.5, 1.0)] {
        let model = try NetworkModel(coupling: coupling, noise: noise)
        let profile = try PotentialMethod.profile(model: model)
        // ⟨φ'⟩ by Gauss–Legendre in x (a quadrature the method does not use).
        let variance = profile.variance, width = 14 * variance.squareRoot()
        let meanSlope = GaussLegendre.integrate({ x in
            Nonlinearity.tanh.derivative(x) * exp(-x * x / (2 * variance)) / (2 * Double.pi * variance).squareRoot()
        }, from: -width, to: width, panel: 0.05)
        let kappa = (1 - coupling * coupling * meanSlope * meanSlope).squareRoot()
        #expect(relativeError(profile.tailRate, kappa) < 1e-13)
        // Fit inside the tabulated range (10⁻⁴ … 10⁻⁷ Δ0), where corrections are O(Δ²).
        let early = try #require(profile.lag(atCorrelation: 1e-4 * profile.variance))
        let late = try #require(profile.lag(atCorrelation: 1e-7 * profile.variance))
        let fitted = log(profile.correlation(atLag: early) / profile.correlation(atLag: late)) / (late - early)
        #expect(relativeError(fitted, kappa) < 1e-8, "fitted rate \(fitted), κ = \(kappa)")
    }
}

@Test func lagAndCorrelationAreInverse() throws {
    let profile = try PotentialMethod.profile(model: NetworkModel(coupling: 2, noise: 0.5))
    for lag in [0.0, 0.3, 2.7, 11, 40, 150] {
        let value = profile.correlation(atLag: lag)
        let recovered = try #require(profile.lag(atCorrelation: value))
        #expect(abs(recovered - lag) < 1e-10 * max(1, lag))
        #expect(profile.correlation(atLag: -lag) == value)
    }
    #expect(profile.correlation(atLag: 0) == profile.variance)
}

@Test func noiseDrivenProfileAgreesWithDirectIntegration() throws {
    // σ > 0: Δ(0) = Δ0, Δ̇(0⁺) = −σ²/2; compare at τ = 1 and 3 with RK4 (Richardson error estimate).
    let coupling = 1.5, noise = 1.0
    let model = try NetworkModel(coupling: coupling, noise: noise)
    let profile = try PotentialMethod.profile(model: model)
    let kernel = tanhKernel(variance: profile.variance)
    for end in [1.0, 3.0] {
        let direct = extrapolatedCorrelation(coupling: coupling, variance: profile.variance,
                                             initialSlope: -noise * noise / 2, until: end,
                                             steps: Int(end * 20), kernel: kernel)
        let tolerance = max(direct.error, 1e-11)
        #expect(tolerance < 1e-7)
        #expect(abs(profile.correlation(atLag: end) - direct.value) < tolerance,
                "τ = \(end): \(profile.correlation(atLag: end)) vs RK4 \(direct.value) ± \(direct.error)")
    }
}

@Test func chaoticProfileAgreesWithDirectIntegration() throws {
    // σ = 0, g = 2: start at rest at Δ0 (the turning point).
    let coupling = 2.0
    let profile = try PotentialMethod.profile(model: NetworkModel(coupling: coupling))
    let direct = extrapolatedCorrelation(coupling: coupling, variance: profile.variance, initialSlope: 0,
                                         until: 3, steps: 60, kernel: tanhKernel(variance: profile.variance))
    let tolerance = max(direct.error, 1e-11)
    #expect(tolerance < 1e-7)
    #expect(abs(profile.correlation(atLag: 3) - direct.value) < tolerance,
            "\(profile.correlation(atLag: 3)) vs RK4 \(direct.value) ± \(direct.error)")
}

@Test func erfNonlinearityAgreesWithClosedForms() throws {
    // Var Φ(√Δ0 z) = ∫_0^{Δ0} E[φ(u)φ(v)] dc = (2/π)[Δ0 arcsin(αΔ0) + (√(1 − α²Δ0²) − 1)/α], α = (π/2)/(1 + πΔ0/2).
    func closedFormResidual(coupling: Double, noise: Double, variance: Double) -> Double {
        let alpha = (Double.pi / 2) / (1 + Double.pi * variance / 2)
        let varianceOfPhi = (2 / Double.pi) * (variance * asin(alpha * variance)
            + ((1 - alpha * alpha * variance * variance).squareRoot() - 1) / alpha)
        return 0.5 * variance * variance - coupling * coupling * varianceOfPhi - pow(noise, 4) / 8
    }
    for (coupling, noise) in [(2.0, 0.0), (3.0, 0.0), (1.2, 0.8)] {
        let model = try NetworkModel(coupling: coupling, noise: noise, nonlinearity: .erf)
        let variance = try PotentialMethod.variance(model: model)
        // Independent root of the closed-form energy equation by bisection (on the σ = 0 branch, away from Δ0 = 0).
        var low = noise == 0 ? 1e-3 : 0, high = 4 * coupling * coupling
        for _ in 0..<200 {
            let middle = 0.5 * (low + high)
            if closedFormResidual(coupling: coupling, noise: noise, variance: middle) < 0 { low = middle } else { high = middle }
        }
        #expect(relativeError(variance, 0.5 * (low + high)) < 1e-12, "g = \(coupling), σ = \(noise)")
        let profile = try PotentialMethod.profile(model: model, variance: variance)
        let direct = extrapolatedCorrelation(coupling: coupling, variance: variance, initialSlope: -noise * noise / 2,
                                             until: 3, steps: 120) { covariance in
            GaussianKernels.erfCorrelation(variance, variance, covariance)
        }
        #expect(abs(profile.correlation(atLag: 3) - direct.value) < max(direct.error, 1e-11))
        #expect(profile.correlation(atLag: 3) < variance && profile.correlation(atLag: 3) > 0)
    }
}

@Test func potentialDropFormsAgreeWhereTheyMeet() throws {
    // The three cancellation-free forms of W = V(0) − V(Δ) must agree with each other, with V itself, and their
    // slope must be the force −∂V/∂Δ = Δ − g² E[φ(u)φ(v)] (Price's theorem).
    let coupling = 2.0
    let model = try NetworkModel(coupling: coupling, noise: 0.5)
    let variance = try PotentialMethod.variance(model: model)
    let landscape = PotentialLandscape(model: model, variance: variance,
                                       tailRateSquared: PotentialMethod.tailRateSquared(model: model, variance: variance))
    for ratio in [0.05, 0.2, 0.25] {
        let covariance = ratio * variance
        let series = landscape.scaledDropNearZero(covariance: covariance)
        let split = landscape.split(covariance: covariance, conditionalVariance: variance - covariance)
        let direct = 1 - 2 * coupling * coupling * split.spreadOfConditionalMean / (covariance * covariance)
        #expect(relativeError(series, direct) < 1e-11, "Δ/Δ0 = \(ratio)")
    }
    for ratio in [0.3, 0.5, 0.8] {
        let covariance = ratio * variance, gap = variance - covariance
        let nearZero = 0.5 * covariance * covariance * landscape.scaledDropNearZero(covariance: covariance)
        let nearTop = 0.5 * gap * landscape.scaledDropNearTop(gapSquared: gap)
        let fromPotential = PotentialMethod.potential(model: model, variance: variance, covariance: 0)
            - PotentialMethod.potential(model: model, variance: variance, covariance: covariance)
        #expect(relativeError(nearZero, nearTop) < 1e-12, "Δ/Δ0 = \(ratio)")
        #expect(relativeError(fromPotential, nearTop) < 1e-12)
    }
    let kernel = tanhKernel(variance: variance)
    for ratio in [0.1, 0.4, 0.7] {
        let covariance = ratio * variance, step = 1e-3 * variance
        func drop(_ at: Double) -> Double { PotentialMethod.potentialDrop(model: model, variance: variance, covariance: at) }
        // Fourth-order central difference.
        let slope = (8 * (drop(covariance + step) - drop(covariance - step))
            - (drop(covariance + 2 * step) - drop(covariance - 2 * step))) / (12 * step)
        let force = covariance - coupling * coupling * kernel(covariance)
        #expect(abs(slope - force) < 1e-9 * variance, "Δ/Δ0 = \(ratio)")
    }
    #expect(relativeError(PotentialMethod.potentialDrop(model: model, variance: variance, covariance: variance),
                          pow(0.5, 4) / 8) < 1e-10)
}

@Test func profileIsConvergedInResolution() throws {
    for (coupling, noise) in [(1.1, 0.0), (3.0, 0.0), (2.0, 0.5)] {
        let model = try NetworkModel(coupling: coupling, noise: noise)
        let variance = try PotentialMethod.variance(model: model)
        let lags = [0.5, 1, 3, 10, 20]
        let standard = try PotentialMethod.correlation(model: model, variance: variance, atLags: lags)
        let refined = try PotentialMethod.correlation(model: model, variance: variance, atLags: lags,
                                                      resolution: PotentialResolution(nodesPerPanel: 30, subdivisions: 2))
        let coarse = try PotentialMethod.correlation(model: model, variance: variance, atLags: lags,
                                                     resolution: PotentialResolution(nodesPerPanel: 8, subdivisions: 1))
        for i in lags.indices {
            #expect(abs(standard[i] - refined[i]) < 1e-12 * variance, "g = \(coupling), σ = \(noise), τ = \(lags[i])")
        }
        // A coarse table is visibly worse: the comparison can fail.
        #expect(zip(coarse, refined).map { abs($0 - $1) }.max()! > 1e-11 * variance)
    }
}

@Test func rejectsInconsistentInput() throws {
    let model = try NetworkModel(coupling: 2)
    #expect(throws: PotentialMethodError.self) { try PotentialMethod.profile(model: model, variance: 1.9) }
    #expect(throws: PotentialMethodError.self) {
        try PotentialMethod.profile(model: model, resolution: PotentialResolution(nodesPerPanel: 2))
    }
    #expect(throws: PotentialMethodError.invalidLag(.infinity)) {
        try PotentialMethod.correlation(model: model, atLags: [1, .infinity])
    }
    let error = PotentialMethodError.inconsistentVariance(given: 1.9, relativeResidual: 0.01)
    #expect(!error.description.contains("\n") && error.description.contains("1.9"))
    // A variance from the solver itself is accepted.
    let variance = try PotentialMethod.variance(model: model)
    #expect(try PotentialMethod.profile(model: model, variance: variance).variance == variance)
}
