import Foundation

/// Lagrange interpolation on a handful of nodes: the one place the two-time weights come from.
///
/// Every table of `VolterraWeights` and `CornerLattice` is a value, derivative or integral of a Lagrange basis
/// polynomial on integer nodes; integrals use Gauss–Legendre rules (exact for the degrees involved).
enum Lagrange {
    /// `L_l(x)` for every node l.
    static func basis(_ nodes: [Double], at x: Double) -> [Double] {
        nodes.indices.map { l in
            var value = 1.0
            for m in nodes.indices where m != l { value *= (x - nodes[m]) / (nodes[l] - nodes[m]) }
            return value
        }
    }

    /// `L_l'(x)` for every node l.
    static func derivative(_ nodes: [Double], at x: Double) -> [Double] {
        nodes.indices.map { l in
            var sum = 0.0
            for m in nodes.indices where m != l {
                var product = 1 / (nodes[l] - nodes[m])
                for r in nodes.indices where r != l && r != m { product *= (x - nodes[r]) / (nodes[l] - nodes[r]) }
                sum += product
            }
            return sum
        }
    }

    /// `∫_a^b L_l(x) w(x) dx` for every node l, with an optional weight function (Gauss–Legendre, 24 points:
    /// exact for polynomial degree ≤ 47, and to rounding for a smooth weight such as an exponential).
    static func integral(_ nodes: [Double], from a: Double, to b: Double,
                         weight: ((Double) -> Double)? = nil) -> [Double] {
        let rule = rule24
        var result = [Double](repeating: 0, count: nodes.count)
        let half = 0.5 * (b - a), centre = 0.5 * (a + b)
        for i in rule.nodes.indices {
            let x = centre + half * rule.nodes[i]
            let factor = half * rule.weights[i] * (weight?(x) ?? 1)
            let values = basis(nodes, at: x)
            for l in nodes.indices { result[l] += factor * values[l] }
        }
        return result
    }

    static let rule24 = GaussLegendre.rule(points: 24)
}

/// Table-driven weights of the two-time integrator (the NESSi arrangement): backward differentiation, start-up
/// differentiation, extrapolation, and composite Gregory-type quadrature, all of order `order` = k.
///
/// On a uniform grid `t_i = i h`:
/// - **BDF_k**: `y'(t_n) ≈ (1/h) Σ_{l=0}^{k} a_l y_{n−l}` (local error O(h^{k+1}) per step).
/// - **Start-up**: `y'(t_x) ≈ (1/h) Σ_{l=0}^{k} S_{x,l} y_l`, the derivative at node x of the interpolant through
///   nodes 0…k; the first k values of a march are solved together with these (no low-order first steps).
/// - **Quadrature** on m intervals: `∫_0^{mh} g ≈ h Σ_{i=0}^{m} w^{(m)}_i g_i`. Each interval [i, i+1] integrates the
///   interpolant through a stencil of q = k consecutive nodes, centred where possible and shifted inside [0, m]
///   at the ends (for m < q − 1, all m + 1 nodes: closed Newton–Cotes). Interior weights are exactly 1; only
///   the q nodes nearest each end differ (the Gregory end corrections). Error O(h^q) for a smooth integrand.
/// - **Extrapolation**: `y_n ≈ Σ_{l=1}^{d+1} e_l y_{n−l}` of degree d (the predictor).
///
/// `order` k ∈ 2…4 for the integrators (4 is the highest for which the short quadratures next to the diagonal
/// keep the global order); `stencil` may be larger for stand-alone quadratures (the exact p = 2 reference uses 8).
package struct VolterraWeights: Sendable {
    /// k: order of the differentiation formulas.
    package let order: Int
    /// q: nodes per interval of the composite quadrature (its order).
    package let stencil: Int
    /// BDF_k coefficients a_0…a_k (a_0 > 0).
    package let backwardDifferentiation: [Double]
    /// `startDerivative[x][l]` = S_{x,l}, x, l = 0…k.
    package let startDerivative: [[Double]]
    /// Predictor coefficients e_1…e_{d+1} (index 0 holds e_1) of degree `extrapolationDegree`.
    package let extrapolation: [Double]
    /// d: degree of the predictor's extrapolation.
    package let extrapolationDegree: Int
    /// Full weight vectors w^{(m)} for m = 0…`fullLimit`.
    let full: [[Double]]
    /// For m > `fullLimit`: w_i − 1 for i = 0…q−1.
    let headCorrections: [Double]
    /// For m > `fullLimit`: w_{m−i} − 1 for i = 0…q−1.
    let tailCorrections: [Double]
    /// Longest interval count with a stored full weight vector; beyond it the head/tail form is exact.
    package let fullLimit: Int

    /// Weights of order `order` (2…8); `stencil` defaults to `order`; the predictor has degree `order − 1`
    /// unless `extrapolationDegree` is given.
    package init(order: Int, stencil: Int? = nil, extrapolationDegree: Int? = nil) {
        precondition((1...8).contains(order), "order must be in 1...8")
        let q = stencil ?? order
        precondition((2...10).contains(q), "stencil must be in 2...10")
        self.order = order
        self.stencil = q
        let d = extrapolationDegree ?? max(order - 1, 0)
        self.extrapolationDegree = d

        let backward = (0...order).map { -Double($0) }
        backwardDifferentiation = Lagrange.derivative(backward, at: 0)
        let forward = (0...order).map { Double($0) }
        startDerivative = (0...order).map { Lagrange.derivative(forward, at: Double($0)) }
        extrapolation = Lagrange.basis((1...(d + 1)).map { -Double($0) }, at: 0)

        let limit = 2 * q + 4
        fullLimit = limit
        var table: [[Double]] = []
        for m in 0...(limit + 1) { table.append(Self.compositeWeights(intervals: m, stencil: q)) }
        let reference = table[limit + 1]
        headCorrections = (0..<q).map { reference[$0] - 1 }
        tailCorrections = (0..<q).map { reference[limit + 1 - $0] - 1 }
        table.removeLast()
        full = table
    }

    /// The composite weights w^{(m)} computed from their definition (used to fill the tables).
    static func compositeWeights(intervals m: Int, stencil q: Int) -> [Double] {
        var weights = [Double](repeating: 0, count: m + 1)
        guard m > 0 else { return weights }
        if m + 1 <= q {
            let nodes = (0...m).map(Double.init)
            let integral = Lagrange.integral(nodes, from: 0, to: Double(m))
            for i in 0...m { weights[i] = integral[i] }
            return weights
        }
        for interval in 0..<m {
            let start = min(max(interval - (q - 1) / 2, 0), m - q + 1)
            let nodes = (0..<q).map { Double(start + $0) }
            let integral = Lagrange.integral(nodes, from: Double(interval), to: Double(interval + 1))
            for l in 0..<q { weights[start + l] += integral[l] }
        }
        // Interior nodes of a long rule get exactly 1 (their stencil sums equal 1 up to rounding).
        if m > 2 * q + 2 { for i in q...(m - q) { weights[i] = 1 } }
        return weights
    }

    /// w^{(m)}_i (in units of h).
    @inline(__always) package func weight(_ i: Int, intervals m: Int) -> Double {
        if m <= fullLimit { return full[m][i] }
        if i < stencil { return 1 + headCorrections[i] }
        if i > m - stencil { return 1 + tailCorrections[m - i] }
        return 1
    }

    /// The whole vector w^{(m)}.
    package func weights(intervals m: Int) -> [Double] { (0...m).map { weight($0, intervals: m) } }

    /// Calls `body(i, w_i − 1)` for every node of the m-interval rule whose weight differs from 1 (all nodes for
    /// m ≤ `fullLimit`, the q nodes at each end otherwise).
    @inline(__always) func forEachCorrection(intervals m: Int, _ body: (Int, Double) -> Void) {
        if m <= fullLimit {
            let row = full[m]
            for i in 0...m { body(i, row[i] - 1) }
            return
        }
        for i in 0..<stencil { body(i, headCorrections[i]) }
        for i in 0..<stencil { body(m - i, tailCorrections[i]) }
    }

    /// `h·Σ w^{(m)}_i g(a + i)` = ∫ over [a, a + m] of g (grid indices).
    @inline(__always) func integrate(from a: Int, intervals m: Int, step h: Double, _ g: (Int) -> Double) -> Double {
        if m == 0 { return 0 }
        var sum = 0.0
        if m <= fullLimit {
            let row = full[m]
            for i in 0...m { sum += row[i] * g(a + i) }
        } else {
            for i in 0...m { sum += g(a + i) }
            for i in 0..<stencil { sum += headCorrections[i] * g(a + i) + tailCorrections[i] * g(a + m - i) }
        }
        return h * sum
    }
}

/// The principal lattice `{(a, b): 0 ≤ b ≤ a ≤ k}` of a causal corner and its bivariate interpolant of total
/// degree k (unisolvent on this lattice): derivatives ∂_t at lattice points and values just outside the triangle.
///
/// Used to start a two-time march: a function smooth on the closed half t ≥ t' but not across the diagonal
/// (a kink or a jump at t = t') is interpolated only from its own side, so the first k rows are solved together
/// with O(h^k)-accurate derivatives.
package struct CornerLattice: Sendable {
    /// k.
    package let order: Int
    /// The lattice points (a, b) in row-major causal order: (0,0), (1,0), (1,1), (2,0), …
    package let points: [(Int, Int)]
    /// `timeDerivative[p][p']`: ∂_t of the interpolant at point p, per unit value at p' (times 1/h on a grid).
    package let timeDerivative: [[Double]]
    /// The inverse Vandermonde matrix (monomial coefficients per point value).
    let inverseVandermonde: [[Double]]
    let monomials: [(Int, Int)]

    /// The lattice of order k (1…6).
    package init(order k: Int) {
        precondition((1...6).contains(k))
        order = k
        var points: [(Int, Int)] = []
        for a in 0...k { for b in 0...a { points.append((a, b)) } }
        self.points = points
        var monomials: [(Int, Int)] = []
        for total in 0...k { for p in 0...total { monomials.append((p, total - p)) } }
        self.monomials = monomials
        let scale = 1 / Double(k)
        let vandermonde = points.map { point in
            monomials.map { pow(Double(point.0) * scale, Double($0.0)) * pow(Double(point.1) * scale, Double($0.1)) }
        }
        let inverse = DenseLinearAlgebra.inverse(vandermonde)!
        inverseVandermonde = inverse
        timeDerivative = points.map { point in
            let row = monomials.map { monomial -> Double in
                guard monomial.0 > 0 else { return 0 }
                return Double(monomial.0) * scale * pow(Double(point.0) * scale, Double(monomial.0 - 1))
                    * pow(Double(point.1) * scale, Double(monomial.1))
            }
            return (0..<points.count).map { column in
                var sum = 0.0
                for m in monomials.indices { sum += row[m] * inverse[m][column] }
                return sum
            }
        }
    }

    /// Index of (a, b) in `points`.
    @inline(__always) package func index(_ a: Int, _ b: Int) -> Int { a * (a + 1) / 2 + b }

    /// Weights giving the interpolant's value at (a, b) (any real point, usually just outside the triangle).
    package func evaluationWeights(_ a: Double, _ b: Double) -> [Double] {
        let scale = 1 / Double(order)
        let row = monomials.map { pow(a * scale, Double($0.0)) * pow(b * scale, Double($0.1)) }
        return (0..<points.count).map { column in
            var sum = 0.0
            for m in monomials.indices { sum += row[m] * inverseVandermonde[m][column] }
            return sum
        }
    }
}
