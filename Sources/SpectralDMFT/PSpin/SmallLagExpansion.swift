import Foundation

/// The Taylor series at τ = 0⁺ of the equilibrium correlation C and of F = f'(C), fixed by the equation alone.
///
/// With `C(τ) = Σ c_n τⁿ`, `F = Σ F_n τⁿ` and `d_m = (m + 1) c_{m+1}` the coefficients of C', the equation
/// `C' = −T C − β ∫_0^τ F(τ−s) C'(s) ds` gives, order by order from `c_0 = 1`,
///
///     c_{n+1} = (−T c_n − β I_n)/(n + 1),      I_n = Σ_{k+m=n−1} F_k d_m k! m!/n!,
///
/// (`I_n` is the τⁿ coefficient of the memory integral, `∫_0^τ (τ−s)^k s^m ds = τ^{k+m+1} k! m!/(k+m+1)!`), and F_n
/// by composing the polynomial f' with the series. The first terms are `C'(0⁺) = −T`, `C''(0) = Tμ`,
/// `C'''(0⁺) = −T(μ² + f''(1))`, μ = T + βf'(1). The spectral solver uses these one-sided derivatives for every
/// alias correction and end correction at the kink τ = 0.
struct SmallLagExpansion {
    /// Highest Taylor order kept.
    static let order = 12
    /// The temperature T.
    let temperature: Double
    /// μ = T + β f'(1).
    let multiplier: Double
    /// Taylor coefficients c_n of C at 0⁺, n = 0…order.
    let correlation: [Double]
    /// Taylor coefficients F_n of F = f'(C) at 0⁺, n = 0…order.
    let memory: [Double]

    init(mixture: PSpinMixture, temperature: Double) {
        let beta = 1 / temperature, order = Self.order
        self.temperature = temperature
        multiplier = temperature + beta * mixture.derivative(1)
        var c = [Double](repeating: 0, count: order + 1)
        c[0] = 1
        var memory = Self.composeDerivative(mixture, with: c)
        for n in 0..<order {
            var integral = 0.0
            if n >= 1 {
                for k in 0...(n - 1) {
                    let m = n - 1 - k
                    integral += memory[k] * Double(m + 1) * c[m + 1]
                        * Self.factorial(k) * Self.factorial(m) / Self.factorial(n)
                }
            }
            c[n + 1] = (-temperature * c[n] - beta * integral) / Double(n + 1)
            memory = Self.composeDerivative(mixture, with: c)
        }
        correlation = c
        self.memory = memory
    }

    /// The n-th one-sided derivative of C at 0⁺.
    func correlationDerivative(_ n: Int) -> Double { Self.factorial(n) * correlation[n] }
    /// The n-th one-sided derivative of F = f'(C) at 0⁺.
    func memoryDerivative(_ n: Int) -> Double { Self.factorial(n) * memory[n] }

    /// n! as a Double.
    static func factorial(_ n: Int) -> Double { n <= 1 ? 1 : (2...n).reduce(1.0) { $0 * Double($1) } }

    /// `∫_0^{τ_M} F R dτ` from samples of `G = F R` at the lags (R = −βC' with `R(0⁺) = 1` in `values[0]`): the
    /// trapezoid rule plus the Euler–Maclaurin end corrections at τ = 0,
    /// `Σ_{k=1}^{5} B_{2k} dt^{2k}/(2k)! G^{(2k−1)}(0⁺)`, with the derivatives from this expansion; the far end is
    /// assumed decayed. The error is `O(dt¹²)` beyond that of the samples.
    func halfLineIntegralOfMemoryTimesResponse(_ values: UnsafeBufferPointer<Double>, step: Double) -> Double {
        let count = values.count
        var sum = 0.5 * (values[0] + values[count - 1])
        for j in 1..<(count - 1) { sum += values[j] }
        sum *= step
        let beta = 1 / temperature
        // Taylor coefficients of R = −βC' and of G = F R.
        let responseSeries = (0..<Self.order).map { -beta * Double($0 + 1) * correlation[$0 + 1] }
        var product = [Double](repeating: 0, count: Self.order)
        for n in 0..<Self.order { for i in 0...n { product[n] += memory[i] * responseSeries[n - i] } }
        let bernoulli: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66]
        for (index, number) in bernoulli.enumerated() {
            let k = index + 1, derivativeOrder = 2 * k - 1
            let derivative = Self.factorial(derivativeOrder) * product[derivativeOrder]
            sum += number * pow(step, Double(2 * k)) / Self.factorial(2 * k) * derivative
        }
        return sum
    }

    /// Taylor coefficients of f'(C(τ)) from those of C (series products, truncated at the length of `c`).
    static func composeDerivative(_ mixture: PSpinMixture, with c: [Double]) -> [Double] {
        let count = c.count
        var result = [Double](repeating: 0, count: count)
        for term in mixture.terms {
            var power = [Double](repeating: 0, count: count)
            power[0] = 1
            for _ in 0..<(term.degree - 1) {
                var product = [Double](repeating: 0, count: count)
                for i in 0..<count where power[i] != 0 {
                    for j in 0..<(count - i) { product[i + j] += power[i] * c[j] }
                }
                power = product
            }
            let weight = term.coefficient * Double(term.degree) / 2
            for n in 0..<count { result[n] += weight * power[n] }
        }
        return result
    }
}

/// A sum of exponentials `g(τ) = Σ_i α_i e^{−λ_i |τ|}` with the same jumps of the odd derivatives at τ = 0 as the
/// equilibrium C (orders 1, 3, 5, 7), and its exact spectrum `ĝ(ω) = Σ_i 2α_i λ_i/(λ_i² + ω²)`.
///
/// `C − g` is smooth through τ = 0 up to its eighth derivative, so its spectrum decays as ω⁻¹⁰ and the plain
/// inverse DCT recovers it to O(dt⁹). The rates are `λ_i = i μ/2` (the scale of the microscopic decay, so the
/// amplitudes stay of order T/μ); the amplitudes solve `−Σ_i α_i λ_i^{2n−1} = C^{(2n−1)}(0⁺)`, n = 1…4.
struct KinkProfile {
    /// Decay rates λ_i.
    let rates: [Double]
    /// Amplitudes α_i.
    let amplitudes: [Double]

    init(expansion: SmallLagExpansion) {
        let terms = 4
        let base = 0.5 * expansion.multiplier
        rates = (1...terms).map { Double($0) * base }
        var matrix = [Double](repeating: 0, count: terms * terms)
        var right = [Double](repeating: 0, count: terms)
        for n in 0..<terms {
            let derivativeOrder = 2 * n + 1
            for i in 0..<terms { matrix[n * terms + i] = -pow(rates[i], Double(derivativeOrder)) }
            right[n] = expansion.correlationDerivative(derivativeOrder)
        }
        amplitudes = Self.solveLinear(matrix: matrix, right: right, size: terms)
    }

    /// Writes g(τ_j) into `values` and ĝ(ω_k) into `spectrum`, both on `grid`.
    func fill(values: AlignedBuffer, spectrum: AlignedBuffer, grid: LagGrid) {
        let count = grid.count, step = grid.step, frequencyStep = grid.frequencyStep
        let lagValues = values.baseAddress, frequencyValues = spectrum.baseAddress
        for j in 0..<count {
            lagValues[j] = 0
            frequencyValues[j] = 0
        }
        for i in rates.indices {
            let rate = rates[i], amplitude = amplitudes[i]
            let decay = exp(-rate * step)
            var factor = 1.0
            for j in 0..<count {
                // Recompute the exponential every 64 steps so the running product carries no rounding drift.
                factor = j % 64 == 0 ? exp(-rate * Double(j) * step) : factor * decay
                lagValues[j] += amplitude * factor
                let omega = Double(j) * frequencyStep
                frequencyValues[j] += 2 * amplitude * rate / (rate * rate + omega * omega)
            }
        }
    }

    /// Solves a small dense system (row-major `matrix`) with `DenseLinearAlgebra`; NaNs if it is singular.
    static func solveLinear(matrix: [Double], right: [Double], size: Int) -> [Double] {
        var a = matrix, b = right
        guard DenseLinearAlgebra.solve(&a, &b, size: size) else { return [Double](repeating: .nan, count: size) }
        return b
    }
}
