/// Interpolation on uniform grids.
package enum Interpolation {
    /// Value at `x` of the 6-point Lagrange interpolant of `values` sampled at `j·step`.
    ///
    /// With `evenAboutZero`, points left of the origin are taken from the even extension f(−τ) = f(τ).
    package static func lagrange(_ values: [Double], step: Double, at x: Double, evenAboutZero: Bool = false) -> Double {
        let position = x / step
        let last = values.count - 1
        var base = Int(position.rounded(.down)) - 2
        if !evenAboutZero { base = max(0, base) }
        base = min(base, last - 5)
        var result = 0.0
        for i in 0..<6 {
            let node = base + i
            var weight = 1.0
            for k in 0..<6 where k != i {
                weight *= (position - Double(base + k)) / Double(i - k)
            }
            let index = abs(node)
            result += weight * values[min(index, last)]
        }
        return result
    }

    /// The first `x` where the samples (at `j·step`) fall to `level`, refined on the local cubic interpolant; nil if never.
    package static func firstCrossing(_ values: [Double], step: Double, level: Double) -> Double? {
        guard let index = values.indices.dropFirst().first(where: { values[$0] <= level }) else { return nil }
        var low = Double(index - 1) * step, high = Double(index) * step
        for _ in 0..<80 {
            let middle = 0.5 * (low + high)
            if lagrange(values, step: step, at: middle, evenAboutZero: true) > level { low = middle } else { high = middle }
        }
        return 0.5 * (low + high)
    }
}
