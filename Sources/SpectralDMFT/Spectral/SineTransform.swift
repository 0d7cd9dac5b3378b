import Foundation

/// One-sided sine transform of functions sampled on a `LagGrid`, with exact alias corrections at τ = 0.
///
/// Convention: `S(ω) = ∫_0^∞ f(τ) sin(ωτ) dτ`, inverse `f(τ) = (2/π) ∫_0^∞ S(ω) sin(ωτ) dω` (τ > 0). Together
/// with the even transform `f̂` of `EvenFourierTransform`, the one-sided Fourier–Laplace transform is
/// `∫_0^∞ f(τ) e^{iωτ} dτ = f̂(ω)/2 + i S(ω)`. Both directions are one DST-I (FFTW `RODFT00`) of the `M − 1`
/// interior points; `f(τ_M)` must be negligible (the implied odd, `2·window`-periodic extension jumps there).
///
/// The trapezoid sum `dt Σ_j f(τ_j) sin(ωτ_j)` is the transform of the odd extension `sign(τ) f(|τ|)`, which jumps
/// by `2f(0)` at τ = 0 and has jumps in every even derivative. By Poisson summation it equals
/// `Σ_n S(ω + 2πn/dt)`, and `S(ω) ~ f(0)/ω − f''(0⁺)/ω³ + f⁗(0⁺)/ω⁵ − …`, so the plain sum is wrong by
/// `f(0) [(dt/2) cot(ω dt/2) − 1/ω]` (an `O(dt²)` error, `O(dt)` near the band edge) plus `O(dt⁴)` from `f''(0⁺)`.
/// `forward` removes these alias sums exactly (`f(0)` is read from the samples, `f''(0⁺)` and `f⁗(0⁺)` are passed
/// in; see `AliasSums`). What remains is `O(dt⁶)` at low frequency without the `f⁗` term and `O(dt⁸)` with it
/// (`O(dt⁵)`, `O(dt⁷)` at the band edge), which the tests measure.
///
/// The inverse folds the out-of-band part of a spectrum `S(ω) ≈ f(0⁺)/ω − f''(0⁺)/ω³ + f⁗(0⁺)/ω⁵` back into the
/// band in the same way, so that a function with `f(0⁺) ≠ 0` — a response function, say — is recovered to
/// `O(dt⁴)` (`O(dt⁶)` with `f⁗`) instead of `O(dt)`.
///
/// At `ω = 0` the transform is 0; at the Nyquist frequency `ω_M = π/dt` every sample multiplies `sin(πj) = 0`,
/// and `S(ω_M)` is the alias correction alone (the leading tail `f(0)/ω_M − f''(0⁺)/ω_M³ + …`).
/// Plans are shared (see `FFTWPlanner`); the work buffers are owned here, so a transform allocates nothing.
package final class SineTransform {
    /// The lag grid (and its dual frequencies).
    package let grid: LagGrid
    private let input: AlignedBuffer
    private let output: AlignedBuffer
    /// `Σ_{n≠0} 1/(ω_k + 2πn/dt)` at each frequency.
    private let linearAlias: AlignedBuffer
    /// `Σ_{n≠0} 1/(ω_k + 2πn/dt)³` at each frequency.
    private let cubicAlias: AlignedBuffer
    /// `Σ_{n≠0} 1/(ω_k + 2πn/dt)⁵` at each frequency.
    private let quinticAlias: AlignedBuffer

    /// Prepares work buffers and the alias kernels for `grid`.
    package init(grid: LagGrid) {
        self.grid = grid
        input = AlignedBuffer(count: grid.intervals - 1)
        output = AlignedBuffer(count: grid.intervals - 1)
        let tables = AliasSums.tables(for: grid, powers: [1, 3, 5])
        linearAlias = tables[0]
        cubicAlias = tables[1]
        quinticAlias = tables[2]
    }

    /// Forward transform `f(τ_j) → S(ω_k)`. `f(0) = values[0]` sets the leading alias; `secondDerivativeAtZero`
    /// is `f''(0⁺)` and `fourthDerivativeAtZero` is `f⁗(0⁺)` (0 when unknown: the result is then `O(dt⁴)`,
    /// respectively `O(dt⁶)`).
    ///
    /// `values` and `spectrum` each hold `grid.count` numbers and may be the same buffer.
    package func forward(_ values: UnsafeBufferPointer<Double>, secondDerivativeAtZero: Double = 0,
                        fourthDerivativeAtZero: Double = 0, into spectrum: UnsafeMutableBufferPointer<Double>) {
        let count = grid.count, interior = grid.intervals - 1
        precondition(values.count == count && spectrum.count == count)
        let valueAtZero = values[0]
        input.baseAddress.update(from: values.baseAddress! + 1, count: interior)
        FFTWPlanner.execute(.sineI, input: input, output: output)
        let halfStep = grid.step / 2
        let out = output.baseAddress, target = spectrum.baseAddress!
        let linear = linearAlias.baseAddress, cubic = cubicAlias.baseAddress, quintic = quinticAlias.baseAddress
        // DST-I: Y_{k−1} = 2 Σ_{j=1}^{M−1} f_j sin(π j k / M), and ω_k τ_j = π j k / M.
        target[0] = 0
        for k in 1..<count - 1 { target[k] = halfStep * out[k - 1] }
        target[count - 1] = 0
        // Remove the aliases of the tail f(0)/ω − f''(0⁺)/ω³ + f⁗(0⁺)/ω⁵.
        let second = secondDerivativeAtZero, fourth = fourthDerivativeAtZero
        for k in 1..<count {
            target[k] -= valueAtZero * linear[k] - second * cubic[k] + fourth * quintic[k]
        }
    }

    /// Inverse transform `S(ω_k) → f(τ_j)`, `f(τ) = (2/π) ∫_0^∞ S(ω) sin(ωτ) dω`.
    ///
    /// Beyond the band the spectrum is taken to be `S(ω) ≈ f(0⁺)/ω − f''(0⁺)/ω³ + f⁗(0⁺)/ω⁵`
    /// (`valueAtZero = f(0⁺)`, `secondDerivativeAtZero = f''(0⁺)`, `fourthDerivativeAtZero = f⁗(0⁺)`); the aliases
    /// of that tail are added before transforming. `values[0]` is set to `valueAtZero`, the one-sided limit (the sine series itself gives the
    /// midpoint 0 there). `spectrum[0]` and `spectrum[M]` are not used (they multiply `sin 0`).
    package func inverse(_ spectrum: UnsafeBufferPointer<Double>, valueAtZero: Double = 0,
                        secondDerivativeAtZero: Double = 0, fourthDerivativeAtZero: Double = 0,
                        into values: UnsafeMutableBufferPointer<Double>) {
        let count = grid.count, interior = grid.intervals - 1
        precondition(values.count == count && spectrum.count == count)
        let source = spectrum.baseAddress!, target = input.baseAddress
        let linear = linearAlias.baseAddress, cubic = cubicAlias.baseAddress, quintic = quinticAlias.baseAddress
        let second = secondDerivativeAtZero, fourth = fourthDerivativeAtZero
        for k in 1...interior {
            target[k - 1] = source[k] + valueAtZero * linear[k] - second * cubic[k] + fourth * quintic[k]
        }
        FFTWPlanner.execute(.sineI, input: input, output: output)
        // f_j = (2/W) Σ_{k=1}^{M−1} S_k sin(π j k / M) = Y_{j−1} / W.
        let scale = 1 / grid.window
        let out = output.baseAddress, result = values.baseAddress!
        result[0] = valueAtZero
        for j in 1...interior { result[j] = scale * out[j - 1] }
        result[count - 1] = 0
    }

    /// Convenience forward transform of an array.
    package func forward(_ values: [Double], secondDerivativeAtZero: Double = 0,
                        fourthDerivativeAtZero: Double = 0) -> [Double] {
        var spectrum = [Double](repeating: 0, count: grid.count)
        values.withUnsafeBufferPointer { source in
            spectrum.withUnsafeMutableBufferPointer {
                forward(source, secondDerivativeAtZero: secondDerivativeAtZero,
                        fourthDerivativeAtZero: fourthDerivativeAtZero, into: $0)
            }
        }
        return spectrum
    }

    /// Convenience inverse transform of an array.
    package func inverse(_ spectrum: [Double], valueAtZero: Double = 0, secondDerivativeAtZero: Double = 0,
                        fourthDerivativeAtZero: Double = 0) -> [Double] {
        var values = [Double](repeating: 0, count: grid.count)
        spectrum.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer {
                inverse(source, valueAtZero: valueAtZero, secondDerivativeAtZero: secondDerivativeAtZero,
                        fourthDerivativeAtZero: fourthDerivativeAtZero, into: $0)
            }
        }
        return values
    }
}
