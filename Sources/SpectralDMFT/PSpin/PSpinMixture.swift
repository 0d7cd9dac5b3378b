import Foundation

/// The covariance function of a spherical mixed p-spin model, `f(q) = Σ_p c_p q^p / 2`.
///
/// The Hamiltonian has `⟨H(s)H(s')⟩ = N f(s·s'/N)` (docs/PHYSICS.md §2); the pure p-spin model is one term with
/// `c_p = 1`, `f(q) = q^p/2`. Degrees are integers `p ≥ 2`, coefficients finite and `≥ 0`, at least one
/// positive. Terms are stored sorted by degree; terms with `c_p = 0` are dropped.
///
/// The command-line form is a comma-separated list of `p:c_p` pairs, e.g. `"3:1,4:0.5"` for
/// `f(q) = (q³ + 0.5 q⁴)/2`; a bare degree `"3"` means `c_3 = 1`.
///
/// ```swift
/// let model = try PSpinMixture(parsing: "3:1,4:0.5")
/// model.derivative(0.5)          // f'(1/2)
/// model.dynamicalTransition      // T_d and the plateau q_d
/// ```
public struct PSpinMixture: Sendable, Codable, Equatable, Hashable, CustomStringConvertible {
    /// One term `c_p q^p / 2` of the mixture.
    public struct Term: Sendable, Codable, Equatable, Hashable {
        /// The degree p (an integer ≥ 2).
        public let degree: Int
        /// The coefficient c_p (finite, ≥ 0).
        public let coefficient: Double

        /// A term; validated when a `PSpinMixture` is made from it.
        public init(degree: Int, coefficient: Double) {
            self.degree = degree
            self.coefficient = coefficient
        }
    }

    /// The terms with `c_p > 0`, sorted by increasing degree.
    public let terms: [Term]

    /// Largest degree accepted, 64: beyond it `q^p` underflows to 0 for every q ≤ 1/2^{16} … and T_d, C(t,t')
    /// and the energy lose all meaning in double precision (p(p−1) q^{p−2} is needed near q = 1).
    public static let maximumDegree = 64
    /// Largest coefficient accepted, 10¹²: with p ≤ 64 it keeps `f''(1) = Σ c_p p(p−1)/2` below 10^{17}·(terms),
    /// so f, f', f'' and T_d (∝ √c) stay finite. Energies scale as √c, temperatures as √c.
    public static let maximumCoefficient = 1e12

    /// Validates and stores the terms.
    ///
    /// - Throws: `PSpinModelError` for a degree below 2 or above `maximumDegree`, a negative, non-finite or
    ///   larger than `maximumCoefficient` coefficient, a repeated
    ///   degree, or when no coefficient is positive.
    public init(terms: [Term]) throws {
        var seen = Set<Int>()
        for term in terms {
            guard term.degree >= 2 else { throw PSpinModelError.invalidDegree(term.degree) }
            guard term.degree <= Self.maximumDegree else { throw PSpinModelError.degreeTooLarge(term.degree) }
            guard term.coefficient.isFinite else {
                throw PSpinModelError.nonFiniteCoefficient(degree: term.degree, value: term.coefficient)
            }
            guard term.coefficient <= Self.maximumCoefficient else {
                throw PSpinModelError.coefficientTooLarge(degree: term.degree, value: term.coefficient)
            }
            guard term.coefficient >= 0 else {
                throw PSpinModelError.negativeCoefficient(degree: term.degree, value: term.coefficient)
            }
            guard seen.insert(term.degree).inserted else { throw PSpinModelError.repeatedDegree(term.degree) }
        }
        let positive = terms.filter { $0.coefficient > 0 }.sorted { $0.degree < $1.degree }
        guard !positive.isEmpty else { throw PSpinModelError.noPositiveTerm }
        self.terms = positive
    }

    /// Validates `[(p, c_p)]` pairs; see `init(terms:)`.
    public init(_ pairs: [(degree: Int, coefficient: Double)]) throws {
        try self.init(terms: pairs.map { Term(degree: $0.degree, coefficient: $0.coefficient) })
    }

    /// Parses the command-line form `"p:c_p,p:c_p,…"` (spaces allowed; a bare `"p"` means `c_p = 1`).
    ///
    /// - Throws: `PSpinModelError.malformedSpecification` naming the offending piece, or any validation error
    ///   of `init(terms:)`.
    public init(parsing specification: String) throws {
        let trimmed = specification.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else {
            throw PSpinModelError.malformedSpecification(specification, reason: "it is empty; write e.g. 3:1,4:0.5")
        }
        var parsed: [Term] = []
        for piece in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let text = piece.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else {
                throw PSpinModelError.malformedSpecification(specification, reason: "it has an empty term")
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count <= 2 else {
                throw PSpinModelError.malformedSpecification(specification, reason: "term '\(text)' is not of the form p:c_p")
            }
            guard let degree = Int(parts[0]) else {
                throw PSpinModelError.malformedSpecification(
                    specification, reason: "degree '\(parts[0])' in term '\(text)' is not an integer")
            }
            var coefficient = 1.0
            if parts.count == 2 {
                guard let value = Double(parts[1]) else {
                    throw PSpinModelError.malformedSpecification(
                        specification, reason: "coefficient '\(parts[1])' in term '\(text)' is not a number")
                }
                coefficient = value
            }
            parsed.append(Term(degree: degree, coefficient: coefficient))
        }
        try self.init(terms: parsed)
    }

    /// The pure p-spin model, `f(q) = q^p / 2`.
    public static func pure(_ degree: Int) throws -> PSpinMixture {
        try PSpinMixture(terms: [Term(degree: degree, coefficient: 1)])
    }

    /// The degree p when the model is pure (one term with `c_p = 1`), otherwise nil.
    public var pureDegree: Int? {
        terms.count == 1 && terms[0].coefficient == 1 ? terms[0].degree : nil
    }

    /// `f(q) = Σ_p c_p q^p / 2`.
    public func f(_ q: Double) -> Double {
        var sum = 0.0
        for term in terms { sum += term.coefficient * power(q, term.degree) }
        return 0.5 * sum
    }

    /// `f'(q) = Σ_p c_p p q^{p−1} / 2`.
    public func derivative(_ q: Double) -> Double {
        var sum = 0.0
        for term in terms { sum += term.coefficient * Double(term.degree) * power(q, term.degree - 1) }
        return 0.5 * sum
    }

    /// `f''(q) = Σ_p c_p p (p−1) q^{p−2} / 2`.
    public func secondDerivative(_ q: Double) -> Double {
        var sum = 0.0
        for term in terms {
            sum += term.coefficient * Double(term.degree * (term.degree - 1)) * power(q, term.degree - 2)
        }
        return 0.5 * sum
    }

    /// The command-line form, e.g. `"3:1,4:0.5"`; `PSpinMixture(parsing: m.description) == m`.
    public var description: String {
        terms.map { "\($0.degree):\(Self.format($0.coefficient))" }.joined(separator: ",")
    }

    /// A short label fit for file names and plot legends: `"p3"` for a pure model, `"3:1,4:0.5"` otherwise.
    public var label: String {
        if let degree = pureDegree { return "p\(degree)" }
        return description
    }

    /// The covariance as a formula, e.g. `"f(q) = (q^3 + 0.5 q^4)/2"`.
    public var formula: String {
        let body = terms.map { term in
            term.coefficient == 1 ? "q^\(term.degree)" : "\(Self.format(term.coefficient)) q^\(term.degree)"
        }.joined(separator: " + ")
        return terms.count == 1 && terms[0].coefficient == 1 ? "f(q) = \(body)/2" : "f(q) = (\(body))/2"
    }

    /// The dynamical (mode-coupling) transition of the equilibrium dynamics; see `DynamicalTransition`.
    public var dynamicalTransition: DynamicalTransition { DynamicalTransition(mixture: self) }

    /// `q^n` for a small non-negative integer n by repeated squaring (exact for n ≤ 1).
    @inline(__always)
    func power(_ q: Double, _ exponent: Int) -> Double {
        var result = 1.0, base = q, remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result *= base }
            base *= base
            remaining >>= 1
        }
        return result
    }

    /// `value` without a trailing ".0" when it is an integer.
    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}

/// The dynamical transition of the equilibrium (FDT) dynamics of a mixed spherical p-spin model.
///
/// The long-time limit q of C(τ) solves `q/(1−q) = β² f'(q)`, i.e. `T² = f'(q)(1−q)/q`. A non-zero solution first
/// appears, on cooling, at
///
///     T_d² = max_{q ∈ (0,1)} f'(q)(1−q)/q,        q_d = argmax   (discontinuous transition),
///
/// and the plateau jumps from 0 to q_d. Pure p ≥ 3: `T_d² = p (p−2)^{p−2} / (2 (p−1)^{p−1})`,
/// `q_d = (p−2)/(p−1)` (p = 3: T_d = √(3/8), q_d = 1/2).
///
/// When the supremum is reached as q → 0⁺ — only possible with a p = 2 term, where the limit is
/// `f''(0) = c_2` — the transition is continuous: `T_d = √c_2` with plateau `q_d = 0` (pure p = 2: T_d = 1, the
/// Cugliandolo–Dean condensation temperature). Below T_d the equilibrium solvers refuse to run.
///
/// The maximiser is located on a 4096-point scan of (0, 1) and polished by bisection on the stationarity condition
/// `f''(q) q (1−q) − f'(q) = 0` to about 1e-15 in q; T_d is then accurate to rounding.
public struct DynamicalTransition: Sendable, Codable, Equatable {
    /// Whether the plateau appears with a jump (mode-coupling, `q_d > 0`) or continuously (`q_d = 0`).
    public enum Kind: String, Sendable, Codable {
        /// The plateau jumps to q_d > 0 (mode-coupling transition; C(τ) − q_d ∝ τ^{−a} at T_d).
        case discontinuous
        /// The plateau grows from 0 (a p = 2 term dominates; pure p = 2 condenses at T = 1).
        case continuous
    }

    /// The transition temperature T_d (> 0).
    public let temperature: Double
    /// The plateau q_d of C(τ) at T_d (0 for a continuous transition).
    public let plateau: Double
    /// Discontinuous or continuous.
    public let kind: Kind

    /// Locates the transition of `mixture`.
    public init(mixture: PSpinMixture) {
        // g(q) = f'(q)(1−q)/q = (1−q) Σ c_p p q^{p−2}/2, continuous on [0, 1] with g(0) = c_2, g(1) = 0.
        func objective(_ q: Double) -> Double {
            var sum = 0.0
            for term in mixture.terms { sum += term.coefficient * Double(term.degree) * mixture.power(q, term.degree - 2) }
            return 0.5 * sum * (1 - q)
        }
        // Derivative of g times q: positive left of a maximum, negative right of it.
        func slope(_ q: Double) -> Double {
            mixture.secondDerivative(q) * q * (1 - q) - mixture.derivative(q)
        }
        let samples = 4096
        var bestIndex = 0
        var bestValue = objective(0)
        for index in 1..<samples {
            let value = objective(Double(index) / Double(samples))
            if value > bestValue { bestValue = value; bestIndex = index }
        }
        if bestIndex == 0 {
            // The supremum is the q → 0⁺ limit (a p = 2 term dominates): continuous transition.
            temperature = bestValue.squareRoot()
            plateau = 0
            kind = .continuous
            return
        }
        var low = Double(bestIndex - 1) / Double(samples)
        var high = Double(bestIndex + 1) / Double(samples)
        if slope(low) > 0 && slope(high) < 0 {
            for _ in 0..<200 {
                let middle = 0.5 * (low + high)
                if middle <= low || middle >= high { break }
                if slope(middle) > 0 { low = middle } else { high = middle }
            }
        } else {
            // Degenerate bracket (flat maximum): golden-section search on g itself.
            let ratio = (5.0.squareRoot() - 1) / 2
            for _ in 0..<200 {
                let left = high - ratio * (high - low), right = low + ratio * (high - low)
                if objective(left) > objective(right) { high = right } else { low = left }
                if high - low < 1e-15 { break }
            }
        }
        let argmax = 0.5 * (low + high)
        let value = objective(argmax)
        if value <= objective(0) {
            temperature = objective(0).squareRoot()
            plateau = 0
            kind = .continuous
        } else {
            temperature = value.squareRoot()
            plateau = argmax
            kind = .discontinuous
        }
    }
}

/// An invalid p-spin model or model specification. The description is one line, fit for a command-line error.
public enum PSpinModelError: Error, Equatable, CustomStringConvertible {
    /// A degree below 2.
    case invalidDegree(Int)
    /// A coefficient below 0.
    case negativeCoefficient(degree: Int, value: Double)
    /// A NaN or infinite coefficient.
    case nonFiniteCoefficient(degree: Int, value: Double)
    /// A degree above `PSpinMixture.maximumDegree`.
    case degreeTooLarge(Int)
    /// A coefficient above `PSpinMixture.maximumCoefficient`.
    case coefficientTooLarge(degree: Int, value: Double)
    /// The same degree given twice.
    case repeatedDegree(Int)
    /// Every coefficient is zero (or no term was given).
    case noPositiveTerm
    /// The command-line string could not be read.
    case malformedSpecification(String, reason: String)

    public var description: String {
        switch self {
        case .invalidDegree(let degree):
            return "invalid degree p = \(degree): every degree must be an integer >= 2"
        case .negativeCoefficient(let degree, let value):
            return "negative coefficient c_\(degree) = \(PSpinMixture.format(value)): coefficients must be >= 0"
        case .nonFiniteCoefficient(let degree, let value):
            return "coefficient c_\(degree) = \(value) is not a finite number"
        case .degreeTooLarge(let degree):
            return "degree p = \(degree) is too large: degrees up to \(PSpinMixture.maximumDegree) are supported"
        case .coefficientTooLarge(let degree, let value):
            return "coefficient c_\(degree) = \(value) is too large: coefficients up to 1e12 are supported"
        case .repeatedDegree(let degree):
            return "degree p = \(degree) appears more than once"
        case .noPositiveTerm:
            return "the mixture has no positive coefficient: at least one c_p must be > 0"
        case .malformedSpecification(let text, let reason):
            return "cannot read the mixture '\(text)': \(reason) (expected p:c_p pairs such as 3:1,4:0.5)"
        }
    }
}
