import Foundation
import Testing
@testable import SpectralDMFT

/// The interval rule of the long-time integrator: exact under FDT (C = 1 − Tχ on the interval), exact for the
/// mixture's polynomials times a linear factor, and the trapezoid rule in χ for p = 2.
@Suite struct ChiLinearIntervalRuleTests {
    static let mixtures = ["2:1", "3:1", "3:1,4:0.5", "2:0.3,5:1"]

    @Test(arguments: mixtures) func integralsOverAnFDTIntervalAreTheClosedForms(_ specification: String) throws {
        let mixture = try PSpinMixture(parsing: specification)
        let polynomial = MixturePolynomial(mixture)
        let rule = ChiLinearIntervalRule(polynomial)
        let T = 0.4
        for cFar in [0.95, 0.73, 0.3, 0.0] {
            // Along s from t − h to t under FDT, C goes from cFar to 1 and χ(t, s) from (1 − cFar)/T to 0.
            let dChi = -(1 - cFar) / T
            let means = rule.means(polynomial, far: cFar, near: 1)
            let (f1Near, _) = polynomial.derivatives(1), (f1Far, _) = polynomial.derivatives(cFar)
            // ∫ f'(C) dχ = −(f(1) − f(cFar))/T and ∫ (C f')' dχ = −(f'(1) − cFar f'(cFar))/T.
            let energy = -(mixture.f(1) - mixture.f(cFar)) / T
            let multiplier = -(f1Near - cFar * f1Far) / T
            #expect(abs(means.first * dChi - energy) <= 1e-14 * max(1, abs(energy)), "\(specification), C = \(cFar)")
            #expect(abs(means.multiplier * dChi - multiplier) <= 1e-14 * max(1, abs(multiplier)), "\(specification), C = \(cFar)")
            // The weights of a linear factor L(λ) = L_far (1 − λ) + L_near λ against f''(C(λ)): a 64-point rule.
            var far = 0.0, near = 0.0
            let (nodes, weights) = GaussLegendre.rule(points: 64)
            for (x, w) in zip(nodes, weights) {
                let lambda = 0.5 * (x + 1)
                let f2 = polynomial.derivatives(cFar + lambda * (1 - cFar)).1
                far += 0.5 * w * (1 - lambda) * f2
                near += 0.5 * w * lambda * f2
            }
            #expect(abs(means.secondFar - far) <= 1e-14 * max(1, far) && abs(means.secondNear - near) <= 1e-14 * max(1, near))
        }
    }

    @Test func theTrapezoidRuleOfTheOldSchemeIsOffForPThreeAndExactForPTwo() throws {
        // Over an interval spanning the fast decay (C from 1 to the plateau q), the trapezoid ½(f'(q) + f'(1))Δχ is off
        // by (c/4)(1 − q)³/T for f = c q³/2 and exact for p = 2: the error the rule removes.
        let T = 0.4, q = 0.73
        let dChi = -(1 - q) / T
        for (specification, expected) in [("2:1", 0.0), ("3:1", 0.25 * pow(1 - q, 3) / T)] {
            let polynomial = MixturePolynomial(try PSpinMixture(parsing: specification))
            let rule = ChiLinearIntervalRule(polynomial)
            let trapezoid = 0.5 * (polynomial.derivatives(q).0 + polynomial.derivatives(1).0) * dChi
            let exact = rule.means(polynomial, far: q, near: 1).first * dChi
            #expect(abs((exact - trapezoid) - expected) <= 1e-14, "\(specification)")
        }
    }
}
