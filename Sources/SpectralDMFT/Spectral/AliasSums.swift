import Foundation

/// Sums over the aliases of a power-law spectral tail on a uniform grid: `Σ_{n≠0} (ω + 2πn/dt)^{−p}`, `p ≥ 1`.
///
/// A trapezoid sum on the lags `j·dt` sees every frequency `ω + 2πn/dt` as `ω`. When a spectrum decays as a known
/// power series in `1/ω` (set by the jumps of a function's derivatives at τ = 0), the aliased part is removed
/// exactly with these sums. With `u = ω dt/2` and `x = cot u`,
///
///     Σ_{n≠0} (ω + 2πn/dt)^{−p} = (dt/2)^p [S_p(u) − u^{−p}],   S_p(u) = Σ_n (u + πn)^{−p},
///     S_1 = x,   S_{p+1} = (1 + x²) S_p'(x) / p        (S_2 = csc²u, S_3 = cot u csc²u, S_4 = csc⁴u − (2/3)csc²u),
///
/// (p = 1 with symmetric summation in n). The closed form cancels catastrophically at small u (the first
/// frequencies of a long window have `u ~ π/(2M)`; its relative error is about `1e-16 (π/u)^p`), so below
/// `u = 0.3` (p ≤ 2) or `u = 1` (p ≥ 3) the bracket is summed from its Taylor series instead,
///
///     S_p(u) − u^{−p} = Σ_{m ≥ 0, p+m even} (−1)^m C(p+m−1, m) Z(p+m) u^m,   Z(2k) = 2ζ(2k)/π^{2k} = 2^{2k}|B_{2k}|/(2k)!,
///
/// until the terms fall below 1e-17 of the sum. Both branches are then accurate to about 1e-13 relative for p ≤ 8.
enum AliasSums {
    /// `Z(2k) = 2ζ(2k)/π^{2k}` for k = 1…100: exact rationals to double precision for k ≤ 16, beyond from
    /// `ζ(2k) = Σ_{n ≤ 5} n^{−2k}` (exact to 6^{−34}).
    private static let evenZeta: [Double] = {
        var table: [Double] = [
            0.3333333333333333, 0.022222222222222223, 0.0021164021164021165, 0.00021164021164021165,
            2.1377799155576935e-05, 2.1644042808063972e-06, 2.1925947851873778e-07, 2.2214608789979678e-08,
            2.2507846516808994e-09, 2.2805151204592183e-10, 2.3106432599002624e-11, 2.3411706819824882e-12,
            2.3721017400233653e-13, 2.4034415333307705e-14, 2.4351954029183367e-15, 2.4673688045172075e-16,
        ]
        for k in (table.count + 1)...100 {
            var zeta = 0.0
            for n in stride(from: 5, through: 1, by: -1) { zeta += pow(Double(n), -2 * Double(k)) }
            table.append(2 * zeta * pow(Double.pi, -2 * Double(k)))
        }
        return table
    }()

    /// Coefficients (in powers of x = cot u) of S_p, p = 1…8: S_1 = x, S_{p+1} = (1 + x²) S_p'(x)/p.
    private static let polynomials: [[Double]] = {
        var result: [[Double]] = [[0, 1]]
        for p in 1..<8 {
            let current = result[p - 1]
            var next = [Double](repeating: 0, count: current.count + 1)
            for i in 1..<current.count {
                let derivative = Double(i) * current[i] / Double(p)
                next[i - 1] += derivative
                next[i + 1] += derivative
            }
            result.append(next)
        }
        return result
    }()

    /// `Σ_{n≠0} (ω + 2πn/dt)^{−power}` for `power` in 1…8 (odd powers are odd in ω, even powers even).
    static func sum(power: Int, frequency omega: Double, step: Double) -> Double {
        precondition(power >= 1 && power <= 8, "alias sums are tabulated for powers 1…8")
        let u = omega * step / 2
        let bracket: Double
        if abs(u) < (power <= 2 ? 0.3 : 1) {
            var total = 0.0
            var binomial = 1.0          // C(p+m−1, m)
            var uPower = 1.0            // u^m
            var m = 0
            while power + m <= 200 {
                if (power + m) % 2 == 0 {
                    let term = binomial * evenZeta[(power + m) / 2 - 1] * uPower
                    total += m % 2 == 0 ? term : -term
                    if abs(term) <= 1e-17 * abs(total) { break }
                }
                m += 1
                binomial *= Double(power + m - 1) / Double(m)
                uPower *= u
            }
            bracket = total
        } else {
            let coefficients = polynomials[power - 1]
            let x = cos(u) / sin(u)
            var value = 0.0
            for coefficient in coefficients.reversed() { value = value * x + coefficient }
            bracket = value - pow(u, -Double(power))
        }
        return pow(step / 2, Double(power)) * bracket
    }
}

extension AliasSums {
    /// The alias sums `Σ_{n≠0} (ω_k + 2πn/dt)^{−p}` at every frequency ω_k of `grid`, one aligned table per power in
    /// `powers` (in that order): the precomputed kernels of the even and sine transforms.
    static func tables(for grid: LagGrid, powers: [Int]) -> [AlignedBuffer] {
        let tables = powers.map { _ in AlignedBuffer(count: grid.count) }
        for k in 0..<grid.count {
            let omega = Double(k) * grid.frequencyStep
            for (table, power) in zip(tables, powers) { table[k] = sum(power: power, frequency: omega, step: grid.step) }
        }
        return tables
    }
}
