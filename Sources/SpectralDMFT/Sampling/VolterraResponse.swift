/// The per-path response of a sampled single-site process whose reaction term feeds its observable back through the
/// response, solved row by row as a Volterra equation (shared by the ecosystem at γ ≠ 0 and the partially symmetric
/// network at η ≠ 0).
///
/// With slope s_k (r_kj = s_k ρ_kj, ρ_jj = 1), decay factor E_k over [t_k, t_{k+1}], memory
/// Q_kj = ∫_{t_j}^{t_k} χ(t_k, u) r(u, t_j) du (trapezoid) and coupling c, the trapezoid step is
///
///     ρ_{k+1,j} (1 − c dt² χ_{k+1,k+1} s_{k+1}/4) = E_k ρ_kj + (c dt/2)(E_k Q_kj + Q'_{k+1,j}),
///
/// Q' the trapezoid sum without its last node (dt/2) χ_{k+1,k+1} r_{k+1,j}.
enum VolterraResponse {
    /// Adds r_kj (j ≤ k, row-major `count` × `count`) to `response`. `rows` (count²), `rho`, `memory` and `partial`
    /// (count each) are scratch; `chi` is the response kernel (row-major, lower triangle read), `diagonal(k)` its
    /// value χ_{k,k} as the process uses it and `decay(k)` the factor E_k. With c = 0 the memory is skipped.
    @inline(__always)
    static func accumulate(count n: Int, step dt: Double, coupling c: Double, slope: UnsafePointer<Double>,
                           chi: UnsafePointer<Double>, diagonal: (Int) -> Double, decay: (Int) -> Double,
                           rows r: UnsafeMutablePointer<Double>, rho: UnsafeMutablePointer<Double>,
                           memory q: UnsafeMutablePointer<Double>, partial next: UnsafeMutablePointer<Double>,
                           into response: UnsafeMutablePointer<Double>) {
        r[0] = slope[0]; rho[0] = 1; q[0] = 0
        for k in 0..<(n - 1) {
            // Q'_{k+1,j} = dt [χ_{k+1,j} r_jj / 2 + Σ_{u=j+1}^{k} χ_{k+1,u} r_uj], as axpys over j.
            let chiRow = chi + (k + 1) * n
            for j in 0...k { next[j] = 0 }
            if c != 0 {
                for u in 0...k {
                    let w = dt * chiRow[u], row = r + u * n
                    for j in 0...u { next[j] += w * row[j] }
                }
                for j in 0...k { next[j] -= 0.5 * dt * chiRow[j] * r[j * n + j] }
            }
            let s1 = slope[k + 1], chiDiagonal = diagonal(k + 1)
            let factor = decay(k)
            let inverse = 1 / (1 - 0.25 * c * dt * dt * chiDiagonal * s1)
            let half = 0.5 * dt, source = 0.5 * dt * c, target = r + (k + 1) * n
            for j in 0...k {
                let value = (factor * rho[j] + source * (factor * q[j] + next[j])) * inverse
                rho[j] = value
                let rj = s1 * value
                target[j] = rj
                q[j] = next[j] + half * chiDiagonal * rj
            }
            target[k + 1] = s1; rho[k + 1] = 1; q[k + 1] = 0
        }
        for k in 0..<n {
            let row = response + k * n, from = r + k * n
            for j in 0...k { row[j] += from[j] }
        }
    }
}
