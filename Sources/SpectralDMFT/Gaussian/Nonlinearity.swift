import Foundation

/// A transfer function φ of a rate network, with what the Gaussian averages and solvers need of it.
///
/// The network DMFT averages products `φ(u)φ(v)` over jointly Gaussian `(u, v)`. Quadrature step sizes are
/// chosen from `singularityDistance`, the half-width of the strip around the real axis in which φ is
/// analytic (π/2 for tanh, whose poles sit at ±iπ/2). For an entire function that grows off the axis, such as
/// erf, it is the width over which it stays of order one (π/2 for erf(√π x/2) as well).
/// The stationary solvers require φ to be odd, `φ(−x) = −φ(x)`, so that `⟨φ⟩ = 0` and Δ(τ → ∞) = 0.
public struct Nonlinearity: Sendable {
    /// Short name used in output files and JSON (`tanh`, `erf`, or the user's).
    public let name: String
    /// φ(x).
    public let function: @Sendable (Double) -> Double
    /// φ'(x).
    public let derivative: @Sendable (Double) -> Double
    /// Φ(x) = ∫_0^x φ, the antiderivative used by the potential method.
    public let antiderivative: @Sendable (Double) -> Double
    /// Half-width of the strip of analyticity of φ around the real axis.
    public let singularityDistance: Double
    /// Closed form of `E[φ(u)φ(v)]` for `(Var u, Var v, Cov)`, when one is known.
    public let closedFormCorrelation: (@Sendable (Double, Double, Double) -> Double)?
    /// Closed form of `E[φ'(u)φ'(v)]` for `(Var u, Var v, Cov)`, when one is known.
    public let closedFormDerivativeCorrelation: (@Sendable (Double, Double, Double) -> Double)?
    /// True when φ − erf(√π x/2) is odd, analytic in the strip |Im x| < π/2 and decays at least like e^{−2|x|}
    /// (tanh): `CorrelationTable` then averages φ at large variance by `LargeVarianceSplit`, at a cost independent
    /// of the variance. False for user functions unless declared.
    public let saturatesLikeTanh: Bool
    /// Points where φ' jumps (φ continuous, φ'' a delta there), ascending; empty for a smooth φ. The general network
    /// solvers split every Gaussian average at them (`KinkedGaussian`); the odd-φ solvers do not use them.
    public let kinks: [Double]

    /// A transfer function given by closures. When `antiderivative` is nil, Φ is integrated numerically
    /// (16-point Gauss–Legendre on panels of width ≤ 1/2, accurate to ~1e-15 for analytic φ).
    public init(
        name: String,
        function: @escaping @Sendable (Double) -> Double,
        derivative: @escaping @Sendable (Double) -> Double,
        antiderivative: (@Sendable (Double) -> Double)? = nil,
        singularityDistance: Double = Double.pi / 2,
        closedFormCorrelation: (@Sendable (Double, Double, Double) -> Double)? = nil,
        closedFormDerivativeCorrelation: (@Sendable (Double, Double, Double) -> Double)? = nil,
        saturatesLikeTanh: Bool = false,
        kinks: [Double] = []
    ) {
        self.saturatesLikeTanh = saturatesLikeTanh
        self.kinks = kinks.filter { $0.isFinite }.sorted()
        self.name = name
        self.function = function
        self.derivative = derivative
        self.antiderivative = antiderivative ?? { x in GaussLegendre.integrate(function, from: 0, to: x) }
        self.singularityDistance = singularityDistance
        self.closedFormCorrelation = closedFormCorrelation
        self.closedFormDerivativeCorrelation = closedFormDerivativeCorrelation
    }

    /// φ = tanh, Φ = ln cosh (evaluated without overflow, and to full relative accuracy near 0 as
    /// log1p(2 sinh²(x/2))). Poles at ±iπ/2.
    public static let tanh = Nonlinearity(
        name: "tanh",
        function: { Foundation.tanh($0) },
        derivative: { let t = Foundation.tanh($0); return 1 - t * t },
        antiderivative: { x in
            let a = abs(x)
            if a < 1 {
                let halfSinh = Foundation.sinh(0.5 * a)
                return Foundation.log1p(2 * halfSinh * halfSinh)
            }
            return a + Foundation.log1p(Foundation.exp(-2 * a)) - Foundation.log(2)
        },
        singularityDistance: Double.pi / 2,
        saturatesLikeTanh: true
    )

    /// φ(x) = erf(√π x / 2), slope 1 at the origin like tanh, with closed-form Gaussian kernels.
    ///
    /// `E[φ(u)φ(v)] = (2/π) arcsin( (π/2) c / √((1 + (π/2) a)(1 + (π/2) b)) )` and
    /// `E[φ'(u)φ'(v)] = [ (1 + (π/2) a)(1 + (π/2) b) − (π/2)² c² ]^{−1/2}`, for Var u = a, Var v = b, Cov = c.
    /// Φ(x) = x φ(x) + (2/π)(e^{−π x²/4} − 1).
    public static let erf = Nonlinearity(
        name: "erf",
        function: { Foundation.erf($0 * Double.pi.squareRoot() / 2) },
        derivative: { Foundation.exp(-Double.pi * $0 * $0 / 4) },
        antiderivative: { x in
            x * Foundation.erf(x * Double.pi.squareRoot() / 2) + (2 / Double.pi) * (Foundation.exp(-Double.pi * x * x / 4) - 1)
        },
        singularityDistance: Double.pi / 2,
        closedFormCorrelation: GaussianKernels.erfCorrelation,
        closedFormDerivativeCorrelation: GaussianKernels.erfDerivativeCorrelation
    )

    /// Looks up a built-in transfer function by name (`tanh` or `erf`).
    public static func named(_ name: String) -> Nonlinearity? {
        switch name.lowercased() {
        case "tanh": return .tanh
        case "erf": return .erf
        default: return nil
        }
    }

    /// True when φ(−x) = −φ(x) to 1e-12 at a spread of test points.
    public var isOdd: Bool {
        let points: [Double] = [0.013, 0.1, 0.37, 0.9, 1.7, 3.1, 6.5]
        for x in points {
            let plus = function(x), minus = function(-x)
            if !(abs(plus + minus) <= 1e-12 * max(1, abs(plus))) { return false }
        }
        return abs(function(0)) <= 1e-14
    }
}

/// Closed-form Gaussian averages, used as solver kernels for erf and as test oracles.
package enum GaussianKernels {
    /// `E[erf(√π u/2) erf(√π v/2)]` for Var u = a, Var v = b, Cov = c.
    @Sendable public static func erfCorrelation(_ a: Double, _ b: Double, _ c: Double) -> Double {
        let k = Double.pi / 2
        let argument = k * c / ((1 + k * a) * (1 + k * b)).squareRoot()
        return (2 / Double.pi) * asin(min(1, max(-1, argument)))
    }

    /// `E[φ'(u) φ'(v)]` for φ(x) = erf(√π x/2), i.e. `E[e^{−π(u²+v²)/4}]`.
    @Sendable public static func erfDerivativeCorrelation(_ a: Double, _ b: Double, _ c: Double) -> Double {
        let k = Double.pi / 2
        return 1 / ((1 + k * a) * (1 + k * b) - k * k * c * c).squareRoot()
    }

    /// `E[erf(α u) erf(α v)] = (2/π) arcsin( 2α² c / √((1 + 2α² a)(1 + 2α² b)) )` for a general slope α.
    package static func erfCorrelation(scale alpha: Double, _ a: Double, _ b: Double, _ c: Double) -> Double {
        let k = 2 * alpha * alpha
        let argument = k * c / ((1 + k * a) * (1 + k * b)).squareRoot()
        return (2 / Double.pi) * asin(min(1, max(-1, argument)))
    }

    /// `E[sign(u) sign(v)] = (2/π) arcsin(c / √(ab))`.
    package static func signCorrelation(_ a: Double, _ b: Double, _ c: Double) -> Double {
        (2 / Double.pi) * asin(min(1, max(-1, c / (a * b).squareRoot())))
    }
}
