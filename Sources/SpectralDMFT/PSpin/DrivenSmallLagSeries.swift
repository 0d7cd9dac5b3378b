import Foundation

/// The one-sided derivatives at τ = 0⁺ of the driven p-spin NESS (docs/PHYSICS.md §2, driven p-spin): of C, R,
/// the memory kernel Σ = f''(C)R and the noise kernel D = f'(C) + ε²h'(C), up to order 7.
///
/// Without FDT the even derivatives of C at 0 are not local: `C''(0) = μT − P` (P the injected power) and
/// `C⁗(0)` are integrals over the whole solution. They are inputs here (the spectral solver carries them as two
/// extra unknowns, re-measured from the spectrum at every evaluation). Everything else follows locally:
/// - R from `R' = −μR + ∫_0^τ Σ(u)R(τ−u)du`, `R(0⁺) = 1`: `R^{(n+1)} = −μR^{(n)} + Σ_{m<n} Σ^{(m)} R^{(n−1−m)}`;
/// - the odd derivatives of C (the jumps of C(|τ|)) from the large-ω expansion of
///   `Ĉ = (2T + D̂) x/B(x)`, `x = 1/ω²`, `B = (1 + x s(x))² + x(μ − r(x))²`, where
///   `Re Σ̂ = r(x) = Σ_{m≥1} (−1)^m Σ^{(2m−1)} x^m`, `ω Im Σ̂ = s(x) = Σ_{m≥0} (−1)^m Σ^{(2m)} x^m`,
///   `D̂ = Σ_{m≥1} 2(−1)^m D^{(2m−1)} x^m` and `Ĉ = Σ_{m≥1} 2(−1)^m C^{(2m−1)} x^m`.
/// This gives `C'(0⁺) = −T`, `C'''(0⁺) = −T(μ² + f''(1) − ε²h''(1))`, and C⁽⁵⁾, C⁽⁷⁾ (which need C''(0), C⁗(0)).
/// The dependencies are triangular, so eight passes of the whole recursion fix every order.
///
/// Fixed-size storage (SIMD8): building one allocates nothing, so the solver rebuilds it at every evaluation.
struct DrivenSmallLagSeries {
    /// Derivatives C^{(n)}(0⁺), n = 0…7 (C^{(6)} is not known and is set to 0).
    var correlation = SIMD8<Double>()
    /// Derivatives R^{(n)}(0⁺), n = 0…7.
    var response = SIMD8<Double>()
    /// Derivatives Σ^{(n)}(0⁺), n = 0…5 (accurate to order 5).
    var memory = SIMD8<Double>()
    /// Derivatives D^{(n)}(0⁺), n = 0…5 (accurate to order 5).
    var noise = SIMD8<Double>()

    /// The series for the model with `f^{(m)}(1)` in `f` and `ε² h^{(m)}(1)` in `h` (m = 0…15), at T, μ, and the
    /// non-local `C''(0)`, `C⁗(0)`; the memory kernel is `(f'' + η ε² h'')(C) R`, η = `symmetry`.
    init(f: SIMD16<Double>, h: SIMD16<Double>, temperature: Double, multiplier mu: Double,
         secondDerivative: Double, fourthDerivative: Double, symmetry: Double = 0) {
        let factorial: SIMD8<Double> = [1, 1, 2, 6, 24, 120, 720, 5040]
        var c = SIMD8<Double>()           // Taylor coefficients
        var r = SIMD8<Double>()
        var sigma = SIMD8<Double>()
        var d = SIMD8<Double>()
        c[0] = 1
        c[1] = -temperature
        c[2] = secondDerivative / 2
        c[4] = fourthDerivative / 24
        r[0] = 1
        for _ in 0..<8 {
            // Powers of δ = C − 1 and the compositions f''(C), f'(C) + ε²h'(C).
            var delta = c
            delta[0] = 0
            var power = SIMD8<Double>()
            power[0] = 1
            var curvature = SIMD8<Double>()       // f''(C)
            d = SIMD8<Double>()
            var inverseFactorial = 1.0
            for m in 0..<8 {
                curvature += ((f[m + 2] + symmetry * h[m + 2]) * inverseFactorial) * power
                d += ((f[m + 1] + h[m + 1]) * inverseFactorial) * power
                power = Self.product(power, delta)
                inverseFactorial /= Double(m + 1)
            }
            sigma = Self.product(curvature, r)
            // R: (n+1) r_{n+1} = −μ r_n + Σ_{a+b=n−1} σ_a r_b a! b!/n!.
            for n in 0..<7 {
                var integral = 0.0
                if n >= 1 {
                    for a in 0...(n - 1) {
                        let b = n - 1 - a
                        integral += sigma[a] * r[b] * factorial[a] * factorial[b] / factorial[n]
                    }
                }
                r[n + 1] = (-mu * r[n] + integral) / Double(n + 1)
            }
            // Odd derivatives of C from the large-ω expansion (derivatives, not Taylor coefficients, below).
            let sd = sigma * factorial, dd = d * factorial
            let s: SIMD4<Double> = [sd[0], -sd[2], sd[4], 0]
            let v: SIMD4<Double> = [mu, sd[1], -sd[3], 0]       // μ − r(x)
            let u: SIMD4<Double> = [1, s[0], s[1], s[2]]         // 1 + x s(x)
            var b = SIMD4<Double>()
            for n in 0..<4 {
                for i in 0...n { b[n] += u[i] * u[n - i] }
                if n >= 1 { for i in 0...(n - 1) { b[n] += v[i] * v[n - 1 - i] } }
            }
            let a: SIMD4<Double> = [2 * temperature, -2 * dd[1], 2 * dd[3], -2 * dd[5]]
            var q = SIMD4<Double>()
            for n in 0..<4 {
                var numerator = a[n]
                if n >= 1 { for i in 1...n { numerator -= b[i] * q[n - i] } }
                q[n] = numerator / b[0]
            }
            for m in 1...4 {
                let derivative = (m % 2 == 0 ? 1.0 : -1.0) * q[m - 1] / 2
                c[2 * m - 1] = derivative / factorial[2 * m - 1]
            }
        }
        correlation = c * factorial
        response = r * factorial
        memory = sigma * factorial
        noise = d * factorial
    }

    /// The Cauchy product of two Taylor series, truncated at order 7.
    @inline(__always)
    static func product(_ x: SIMD8<Double>, _ y: SIMD8<Double>) -> SIMD8<Double> {
        var result = SIMD8<Double>()
        for n in 0..<8 {
            var sum = 0.0
            for i in 0...n { sum += x[i] * y[n - i] }
            result[n] = sum
        }
        return result
    }

    /// `f^{(m)}(1)`, m = 0…15, of a mixture, times `scale`.
    static func derivativesAtOne(_ mixture: PSpinMixture, scale: Double = 1) -> SIMD16<Double> {
        var result = SIMD16<Double>()
        for m in 0..<16 { result[m] = scale * mixture.derivative(order: m, at: 1) }
        return result
    }
}

/// A sum of four exponentials `g(τ) = Σ_i α_i e^{−λ_i|τ|}`, `λ_i = i λ`, with prescribed jumps of the odd
/// derivatives at τ = 0 (orders 1, 3, 5, 7), and its spectrum `ĝ(ω) = Σ_i 2α_iλ_i/(λ_i² + ω²)`.
///
/// The amplitudes solve the Vandermonde system `Σ_i (α_iλ_i) (λ_i²)^{n−1} = −g^{(2n−1)}(0⁺)`, n = 1…4, by Lagrange
/// interpolation (fixed-size storage: no allocation).
struct ExponentialKinks {
    /// The amplitudes α_i.
    let amplitudes: SIMD4<Double>

    /// The amplitudes for the rates `i·rate` and the odd derivatives `odd = (g', g''', g⁽⁵⁾, g⁽⁷⁾)(0⁺)`.
    init(rate: Double, odd: SIMD4<Double>) {
        let rates: SIMD4<Double> = [rate, 2 * rate, 3 * rate, 4 * rate]
        let nodes = rates * rates
        var result = SIMD4<Double>()
        for i in 0..<4 {
            // Coefficients of L_i(z) = Π_{j≠i} (z − z_j)/(z_i − z_j) in powers of z.
            var coefficients: SIMD4<Double> = [1, 0, 0, 0]
            var denominator = 1.0
            for j in 0..<4 where j != i {
                var next = SIMD4<Double>()
                for n in 0..<4 {
                    next[n] -= nodes[j] * coefficients[n]
                    if n >= 1 { next[n] += coefficients[n - 1] }
                }
                coefficients = next
                denominator *= nodes[i] - nodes[j]
            }
            let weighted = (coefficients * (-odd)).sum() / denominator
            result[i] = weighted / rates[i]
        }
        amplitudes = result
    }

    /// g(0) = Σ α_i.
    var valueAtZero: Double { amplitudes.sum() }
}
