import Foundation

/// Fourier transform of even functions sampled on a `LagGrid`, with an exact correction for a kink at τ = 0.
///
/// Convention: `f̂(ω) = ∫_{−∞}^{∞} f(|τ|) e^{iωτ} dτ = 2 ∫_0^∞ f(τ) cos(ωτ) dτ`, and
/// `f(τ) = (1/2π) ∫ f̂(ω) e^{−iωτ} dω`. Both directions are one DCT-I (FFTW `REDFT00`) of `M + 1` points.
///
/// The plain trapezoid sum is spectrally accurate for smooth, decaying `f`. A function of `|τ|` with a
/// kink, `f'(0⁺) = s ≠ 0`, aliases its `−2s/ω²` tail into every frequency, an `O(dt²)` error. The
/// forward transform removes that alias exactly: it adds `2s [ (dt/2)² / sin²(ω dt/2) − 1/ω² ]`
/// (`s dt²/6` at ω = 0), the sum over aliases `ω + 2πn/dt`, `n ≠ 0`, of the tail. What remains is
/// `O(dt⁴)` (from `f'''(0⁺)`), which the tests measure. When the next jumps are known as well, the next terms of
/// the tail, `+2f'''(0⁺)/ω⁴ − 2f⁽⁵⁾(0⁺)/ω⁶`, are removed in the same way (`thirdDerivative:`, `fifthDerivative:`),
/// leaving `O(dt⁶)` and `O(dt⁸)` respectively.
///
/// The inverse transform likewise misses the out-of-band part of a spectrum: one that decays as `A/ω⁴`
/// (the transform of a function whose third derivative jumps at 0, as after dividing a kinked spectrum by ω²)
/// loses `O(dt³)` at τ = 0. `inverse(_:tailCoefficient:into:)` adds the aliases of that tail,
/// `A [ (dt/2)⁴ (1/sin⁴(ω dt/2) − (2/3)/sin²(ω dt/2)) − 1/ω⁴ ]` (`A dt⁴/720` at ω = 0), exactly.
/// The alias kernels are evaluated without cancellation at small ω (see `AliasSums`), so they stay exact on long
/// windows, where `1/ω⁴` at the first frequency is ~1e11.
///
/// Plans are shared (see `FFTWPlanner`); the two work buffers are owned here, so a transform allocates nothing.
package final class EvenFourierTransform {
    /// The lag grid (and its dual frequencies).
    package let grid: LagGrid
    private let input: AlignedBuffer
    private let output: AlignedBuffer
    /// Alias sum of `1/ω²` over `ω + 2πn/dt`, `n ≠ 0`, `(dt/2)²/sin²(ω dt/2) − 1/ω²`; twice it per unit kink slope.
    private let quadraticAlias: AlignedBuffer
    /// Alias sum of `1/ω⁴` over `ω + 2πn/dt`, `n ≠ 0`.
    private let quarticAlias: AlignedBuffer
    /// Alias sum of `1/ω⁶` over `ω + 2πn/dt`, `n ≠ 0`.
    private let sexticAlias: AlignedBuffer

    /// Prepares work buffers and the kink-alias kernel for `grid`.
    package init(grid: LagGrid) {
        self.grid = grid
        input = AlignedBuffer(count: grid.count)
        output = AlignedBuffer(count: grid.count)
        let tables = AliasSums.tables(for: grid, powers: [2, 4, 6])
        quadraticAlias = tables[0]
        quarticAlias = tables[1]
        sexticAlias = tables[2]
    }

    /// Forward transform `f(τ_j) → f̂(ω_k)`; `kinkSlope` is `f'(0⁺)` (0 for a smooth function),
    /// `thirdDerivative` is `f'''(0⁺)` and `fifthDerivative` is `f⁽⁵⁾(0⁺)` (0 when unknown or when that derivative is
    /// continuous through τ = 0).
    ///
    /// `values` and `spectrum` each hold `grid.count` numbers and may be the same buffer.
    package func forward(_ values: UnsafeBufferPointer<Double>, kinkSlope: Double = 0, thirdDerivative: Double = 0,
                        fifthDerivative: Double = 0, into spectrum: UnsafeMutableBufferPointer<Double>) {
        let count = grid.count
        precondition(values.count == count && spectrum.count == count)
        input.baseAddress.update(from: values.baseAddress!, count: count)
        FFTWPlanner.execute(.cosineI, input: input, output: output)
        let step = grid.step
        let out = output.baseAddress, alias = quadraticAlias.baseAddress
        let target = spectrum.baseAddress!
        // The alias kernel was derived for the tail −2s/ω², i.e. to be subtracted from the aliased sum.
        let kinkWeight = 2 * kinkSlope
        for k in 0..<count { target[k] = step * out[k] + kinkWeight * alias[k] }
        if thirdDerivative != 0 || fifthDerivative != 0 {
            // Tail +2f'''/ω⁴ − 2f⁽⁵⁾/ω⁶: subtract its aliases.
            let quartic = quarticAlias.baseAddress, sextic = sexticAlias.baseAddress
            let third = 2 * thirdDerivative, fifth = 2 * fifthDerivative
            for k in 0..<count { target[k] += fifth * sextic[k] - third * quartic[k] }
        }
    }

    /// Inverse transform `f̂(ω_k) → f(τ_j)`. `tailCoefficient` is `A` in `f̂(ω) ≈ A/ω⁴` beyond the band
    /// (0 for a band-limited or rapidly decaying spectrum); its aliases are added before transforming.
    package func inverse(_ spectrum: UnsafeBufferPointer<Double>, tailCoefficient: Double = 0,
                        into values: UnsafeMutableBufferPointer<Double>) {
        let count = grid.count
        precondition(values.count == count && spectrum.count == count)
        input.baseAddress.update(from: spectrum.baseAddress!, count: count)
        if tailCoefficient != 0 {
            let target = input.baseAddress, alias = quarticAlias.baseAddress
            for k in 0..<count { target[k] += tailCoefficient * alias[k] }
        }
        FFTWPlanner.execute(.cosineI, input: input, output: output)
        let scale = 1 / (2 * grid.window)
        let out = output.baseAddress, target = values.baseAddress!
        for j in 0..<count { target[j] = scale * out[j] }
    }

    /// Convenience forward transform of an array.
    package func forward(_ values: [Double], kinkSlope: Double = 0, thirdDerivative: Double = 0,
                        fifthDerivative: Double = 0) -> [Double] {
        var spectrum = [Double](repeating: 0, count: grid.count)
        values.withUnsafeBufferPointer { source in
            spectrum.withUnsafeMutableBufferPointer {
                forward(source, kinkSlope: kinkSlope, thirdDerivative: thirdDerivative, fifthDerivative: fifthDerivative,
                        into: $0)
            }
        }
        return spectrum
    }

    /// Convenience inverse transform of an array.
    package func inverse(_ spectrum: [Double]) -> [Double] {
        var values = [Double](repeating: 0, count: grid.count)
        spectrum.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { inverse(source, into: $0) }
        }
        return values
    }
}
