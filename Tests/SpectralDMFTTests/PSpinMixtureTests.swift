import Foundation
import Testing
@testable import SpectralDMFT

/// Closed form for the pure p-spin transition: T_d² = p (p−2)^{p−2} / (2 (p−1)^{p−1}), q_d = (p−2)/(p−1).
private func pureTransition(_ p: Int) -> (temperature: Double, plateau: Double) {
    let degree = Double(p)
    let squared = degree * pow(degree - 2, degree - 2) / (2 * pow(degree - 1, degree - 1))
    return (squared.squareRoot(), (degree - 2) / (degree - 1))
}

/// max over a dense grid of f'(q)(1−q)/q: an independent, crude locator of T_d.
private func scannedTransition(_ mixture: PSpinMixture, points: Int = 1_000_000) -> (temperature: Double, plateau: Double) {
    var best = -Double.infinity, argmax = 0.0
    for index in 1..<points {
        let q = Double(index) / Double(points)
        let value = mixture.derivative(q) * (1 - q) / q
        if value > best { best = value; argmax = q }
    }
    return (best.squareRoot(), argmax)
}

@Test func pureThreeAndFourSpinTransitionsMatchTheClosedForm() throws {
    for p in [3, 4, 5, 8] {
        let transition = try PSpinMixture.pure(p).dynamicalTransition
        let exact = pureTransition(p)
        #expect(transition.kind == .discontinuous)
        #expect(abs(transition.temperature - exact.temperature) <= 1e-12, "p = \(p)")
        #expect(abs(transition.plateau - exact.plateau) <= 1e-12, "p = \(p)")
    }
    // The values quoted in docs/PHYSICS.md §2.
    #expect(abs(try PSpinMixture.pure(3).dynamicalTransition.temperature - (3.0 / 8).squareRoot()) <= 1e-14)
    #expect(abs(try PSpinMixture.pure(4).dynamicalTransition.temperature - (8.0 / 27).squareRoot()) <= 1e-14)
    #expect(abs(try PSpinMixture.pure(3).dynamicalTransition.temperature - 0.6123724) < 5e-8)
    #expect(abs(try PSpinMixture.pure(4).dynamicalTransition.temperature - 0.5443311) < 5e-8)
}

@Test func mixedThreeFourTransitionAgreesWithClosedFormAndScan() throws {
    // f = (q³ + q⁴)/4: stationarity of f'(q)(1−q)/q gives 12q² − 2q − 3 = 0, q_d = (1 + √37)/12,
    // T_d² = (3 q_d + 4 q_d²)(1 − q_d)/4.
    let mixture = try PSpinMixture(parsing: "3:0.5,4:0.5")
    let transition = mixture.dynamicalTransition
    let plateau = (1 + 37.0.squareRoot()) / 12
    let temperature = ((3 * plateau + 4 * plateau * plateau) * (1 - plateau) / 4).squareRoot()
    #expect(transition.kind == .discontinuous)
    #expect(abs(transition.plateau - plateau) <= 1e-12)
    #expect(abs(transition.temperature - temperature) <= 1e-12)
    let scanned = scannedTransition(mixture)
    #expect(abs(scanned.plateau - transition.plateau) <= 2e-6)
    #expect(abs(scanned.temperature - transition.temperature) <= 1e-10)
    #expect(scanned.temperature <= transition.temperature + 1e-15)
}

@Test func twoSpinTermsGiveAContinuousTransitionUnlessOutweighed() throws {
    let pureTwo = try PSpinMixture.pure(2).dynamicalTransition
    #expect(pureTwo.kind == .continuous)
    #expect(pureTwo.temperature == 1)
    #expect(pureTwo.plateau == 0)
    // f = (q² + 0.1 q³)/2: f'(q)(1−q)/q = (1−q)(1 + 0.15 q) is largest at q → 0: continuous at T = 1.
    let weakCubic = try PSpinMixture(parsing: "2:1,3:0.1").dynamicalTransition
    #expect(weakCubic.kind == .continuous)
    #expect(abs(weakCubic.temperature - 1) <= 1e-15)
    // f = (0.1 q² + q³)/2: (1−q)(0.1 + 1.5 q) peaks at q = 1.4/3 with value 0.8·(1.6/3) > 0.1: discontinuous.
    let strongCubic = try PSpinMixture(parsing: "2:0.1,3:1").dynamicalTransition
    #expect(strongCubic.kind == .discontinuous)
    #expect(abs(strongCubic.plateau - 1.4 / 3) <= 1e-12)
    #expect(abs(strongCubic.temperature - (1.6 / 3 * 0.8).squareRoot()) <= 1e-12)
}

@Test func covarianceAndDerivativesAgreeWithFiniteDifferences() throws {
    let mixture = try PSpinMixture(parsing: "2:0.3,3:1,5:0.25")
    for q in [-0.7, 0.0, 0.2, 0.5, 0.9, 1.0] {
        let exact = 0.3 * q * q / 2 + q * q * q / 2 + 0.25 * pow(q, 5) / 2
        #expect(abs(mixture.f(q) - exact) <= 1e-15)
        let delta = 1e-5
        let slope = (mixture.f(q + delta) - mixture.f(q - delta)) / (2 * delta)
        let curvature = (mixture.derivative(q + delta) - mixture.derivative(q - delta)) / (2 * delta)
        #expect(abs(mixture.derivative(q) - slope) <= 1e-9)
        #expect(abs(mixture.secondDerivative(q) - curvature) <= 1e-9)
    }
    let pure = try PSpinMixture.pure(3)
    #expect(pure.f(1) == 0.5 && pure.derivative(1) == 1.5 && pure.secondDerivative(1) == 3)
}

@Test func parsesTheCommandLineFormAndRoundTrips() throws {
    let mixture = try PSpinMixture(parsing: " 4:0.5, 3:1 ")
    #expect(mixture.terms == [.init(degree: 3, coefficient: 1), .init(degree: 4, coefficient: 0.5)])
    #expect(mixture.description == "3:1,4:0.5")
    #expect(try PSpinMixture(parsing: mixture.description) == mixture)
    #expect(mixture.formula == "f(q) = (q^3 + 0.5 q^4)/2")
    #expect(try PSpinMixture(parsing: "3") == PSpinMixture.pure(3))
    #expect(try PSpinMixture.pure(3).label == "p3")
    #expect(try PSpinMixture.pure(3).formula == "f(q) = q^3/2")
    #expect(try PSpinMixture(parsing: "3:1,4:0").terms.count == 1)   // zero terms are dropped
    let decoded = try JSONDecoder().decode(PSpinMixture.self, from: JSONEncoder().encode(mixture))
    #expect(decoded == mixture)
}

@Test func malformedOrInvalidSpecificationsThrowReadableErrors() throws {
    for text in ["", "  ", "3:", ":1", "x:1", "3:y", "3:1:2", "3:1,,4:1", "2.5:1", "3;1"] {
        #expect(throws: PSpinModelError.self, "'\(text)'") { try PSpinMixture(parsing: text) }
        do { _ = try PSpinMixture(parsing: text) } catch let error as PSpinModelError {
            guard case .malformedSpecification = error else { Issue.record("'\(text)': \(error)"); continue }
            #expect(!error.description.contains("\n"))
            #expect(error.description.contains("p:c_p"))
        }
    }
    #expect(throws: PSpinModelError.negativeCoefficient(degree: 3, value: -1)) { try PSpinMixture(parsing: "3:-1") }
    #expect(PSpinModelError.negativeCoefficient(degree: 3, value: -1).description.hasPrefix("negative coefficient c_3 = -1"))
    #expect(throws: PSpinModelError.invalidDegree(1)) { try PSpinMixture(parsing: "1:1") }
    #expect(throws: PSpinModelError.repeatedDegree(3)) { try PSpinMixture(parsing: "3:1,3:2") }
    #expect(throws: PSpinModelError.noPositiveTerm) { try PSpinMixture(parsing: "3:0,4:0") }
    #expect(throws: PSpinModelError.self) { try PSpinMixture(parsing: "3:inf") }
    #expect(throws: PSpinModelError.self) { try PSpinMixture(parsing: "3:nan") }
    #expect(throws: PSpinModelError.noPositiveTerm) { try PSpinMixture(terms: []) }
}
