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
/// `O(dt⁴)` (from `f'''(0⁺)`), which the tests measure.
///
/// Plans are shared (see `FFTWPlanner`); the two work buffers are owned here, so a transform allocates nothing.
public final class EvenFourierTransform {
    /// The lag grid (and its dual frequencies).
    public let grid: LagGrid
    private let input: AlignedBuffer
    private let output: AlignedBuffer
    /// Alias sum of `−2/ω²` per unit kink slope, `2[(dt/2)²/sin²(ω dt/2) − 1/ω²]` at each frequency.
    private let kinkAlias: AlignedBuffer

    /// Prepares work buffers and the kink-alias kernel for `grid`.
    public init(grid: LagGrid) {
        self.grid = grid
        input = AlignedBuffer(count: grid.count)
        output = AlignedBuffer(count: grid.count)
        kinkAlias = AlignedBuffer(count: grid.count)
        let step = grid.step
        kinkAlias[0] = step * step / 6
        for k in 1..<grid.count {
            let omega = Double(k) * grid.frequencyStep
            let half = sin(omega * step / 2)
            kinkAlias[k] = 2 * ((step * step / 4) / (half * half) - 1 / (omega * omega))
        }
    }

    /// Forward transform `f(τ_j) → f̂(ω_k)`; `kinkSlope` is `f'(0⁺)` (0 for a smooth function).
    ///
    /// `values` and `spectrum` each hold `grid.count` numbers and may be the same buffer.
    public func forward(_ values: UnsafeBufferPointer<Double>, kinkSlope: Double = 0,
                        into spectrum: UnsafeMutableBufferPointer<Double>) {
        let count = grid.count
        precondition(values.count == count && spectrum.count == count)
        input.baseAddress.update(from: values.baseAddress!, count: count)
        FFTWPlanner.execute(.cosineI, input: input, output: output)
        let step = grid.step
        let out = output.baseAddress, alias = kinkAlias.baseAddress
        let target = spectrum.baseAddress!
        // The alias kernel was derived for the tail −2s/ω², i.e. to be subtracted from the aliased sum.
        for k in 0..<count { target[k] = step * out[k] + kinkSlope * alias[k] }
    }

    /// Inverse transform `f̂(ω_k) → f(τ_j)` (no correction: the input is taken as band-limited).
    public func inverse(_ spectrum: UnsafeBufferPointer<Double>, into values: UnsafeMutableBufferPointer<Double>) {
        let count = grid.count
        precondition(values.count == count && spectrum.count == count)
        input.baseAddress.update(from: spectrum.baseAddress!, count: count)
        FFTWPlanner.execute(.cosineI, input: input, output: output)
        let scale = 1 / (2 * grid.window)
        let out = output.baseAddress, target = values.baseAddress!
        for j in 0..<count { target[j] = scale * out[j] }
    }

    /// Convenience forward transform of an array.
    public func forward(_ values: [Double], kinkSlope: Double = 0) -> [Double] {
        var spectrum = [Double](repeating: 0, count: grid.count)
        values.withUnsafeBufferPointer { source in
            spectrum.withUnsafeMutableBufferPointer { forward(source, kinkSlope: kinkSlope, into: $0) }
        }
        return spectrum
    }

    /// Convenience inverse transform of an array.
    public func inverse(_ spectrum: [Double]) -> [Double] {
        var values = [Double](repeating: 0, count: grid.count)
        spectrum.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { inverse(source, into: $0) }
        }
        return values
    }
}
