import Foundation

/// Gauss–Legendre quadrature on finite intervals (nodes computed once by Newton's method).
package enum GaussLegendre {
    /// Nodes and weights of the n-point rule on [−1, 1].
    package static func rule(points n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for i in 0..<(n + 1) / 2 {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                var p0 = 1.0, p1 = x
                for k in 2...max(2, n) {
                    let p2 = (Double(2 * k - 1) * x * p1 - Double(k - 1) * p0) / Double(k)
                    p0 = p1; p1 = p2
                }
                if n == 1 { p1 = x; p0 = 1 }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let dx = p1 / derivative
                x -= dx
                if abs(dx) < 1e-16 { break }
            }
            nodes[i] = -x; nodes[n - 1 - i] = x
            let w = 2 / ((1 - x * x) * derivative * derivative)
            weights[i] = w; weights[n - 1 - i] = w
        }
        return (nodes, weights)
    }

    /// The 16-point rule, shared.
    static let sixteen = rule(points: 16)

    /// ∫_a^b f by 16-point Gauss–Legendre on panels no wider than `panel`.
    package static func integrate(_ f: (Double) -> Double, from a: Double, to b: Double, panel: Double = 0.5) -> Double {
        if a == b { return 0 }
        let panels = max(1, Int((abs(b - a) / panel).rounded(.up)))
        let width = (b - a) / Double(panels)
        let (nodes, weights) = sixteen
        var total = 0.0
        for p in 0..<panels {
            let centre = a + (Double(p) + 0.5) * width
            var sum = 0.0
            for i in 0..<16 { sum += weights[i] * f(centre + 0.5 * width * nodes[i]) }
            total += 0.5 * width * sum
        }
        return total
    }
}
