/// Sums of lagged products of many real series, by zero-padded FFT, streamed block by block.
///
/// For series (channels) `x_c(t)`, `t = 0…n−1`, it accumulates
///
///     S(ℓ) = Σ_c Σ_{t=0}^{n−1−ℓ} x_c(t) x_c(t+ℓ),        ℓ = 0…L,
///
/// the raw (unnormalised) linear autocorrelation; `S(ℓ) / (C·(n − ℓ))` is the unbiased estimate of
/// `⟨x(t) x(t+ℓ)⟩` averaged over `C` channels. Nothing is subtracted (no mean removal).
///
/// A series is cut into blocks of `blockLength = B` samples. Block `b` contributes the cross-correlation of its
/// samples `a = x[bB ..< bB+B]` with the window `w = x[bB ..< bB+B+L]` (the block and the next `L` samples), which
/// covers every pair `(t, t+ℓ)` with `t` in the block exactly once. Both are zero-padded to `paddedLength = m ≥ B + L`,
/// so the circular cross-correlation of the padded arrays has no wrap-around at lags `0…L`:
/// `c(ℓ) = (1/m) Σ_k conj(A_k) W_k e^{2πikℓ/m}`. The products `conj(A_k) W_k` of every block and channel are summed
/// in frequency space and one inverse transform (FFTW `HC2R`) at the end gives `S(ℓ)`. Cost: two real FFTs of
/// length `m` per block and channel; memory: a caller streaming `C` channels holds `C·(B + L)` samples, not the
/// whole series.
///
/// Owned by one caller (not thread-safe); adding a block allocates nothing.
package final class LaggedProductAccumulator {
    /// Largest lag `L` (in samples).
    package let maximumLag: Int
    /// Samples per block `B` (the last block of a series may be shorter).
    package let blockLength: Int
    /// FFT length `m = B + L`, a power of two.
    package let paddedLength: Int

    private let blockInput: AlignedBuffer
    private let windowInput: AlignedBuffer
    private let blockSpectrum: AlignedBuffer
    private let windowSpectrum: AlignedBuffer
    private let accumulated: AlignedBuffer
    private let scratch: AlignedBuffer

    /// Prepares transforms for lags `0…maximumLag`. The FFT length is the smallest power of two that is at least
    /// `maximumLag + 1 + max(minimumBlockLength, maximumLag + 1)`; the block length is what remains after the lags.
    package init(maximumLag: Int, minimumBlockLength: Int = 0) {
        precondition(maximumLag >= 0, "maximumLag must be >= 0")
        self.maximumLag = maximumLag
        var length = 8
        while length < maximumLag + 1 + max(minimumBlockLength, maximumLag + 1) { length *= 2 }
        paddedLength = length
        blockLength = length - maximumLag
        blockInput = AlignedBuffer(count: length)
        windowInput = AlignedBuffer(count: length)
        blockSpectrum = AlignedBuffer(count: length)
        windowSpectrum = AlignedBuffer(count: length)
        accumulated = AlignedBuffer(count: length)
        scratch = AlignedBuffer(count: length)
    }

    /// Forgets everything accumulated so far.
    package func reset() {
        accumulated.baseAddress.update(repeating: 0, count: paddedLength)
    }

    /// Adds one block of one channel: `window[0 ..< windowCount]` are samples of the series (`stride` apart in
    /// memory) starting at the block's first sample; the first `blockCount` of them form the block and the rest are
    /// its continuation. `windowCount` must be `blockCount + L` except at the end of a series, where it is all that is
    /// left (`blockCount ≤ windowCount ≤ blockCount + L`, `blockCount ≤ blockLength`).
    package func addBlock(_ window: UnsafePointer<Double>, stride: Int = 1, blockCount: Int, windowCount: Int) {
        precondition(blockCount >= 0 && blockCount <= blockLength, "block longer than blockLength")
        precondition(windowCount >= blockCount && windowCount <= blockCount + maximumLag, "window must be the block plus at most L samples")
        if blockCount == 0 { return }
        let m = paddedLength
        let a = blockInput.baseAddress, w = windowInput.baseAddress
        for t in 0..<windowCount { w[t] = window[t * stride] }
        (w + windowCount).update(repeating: 0, count: m - windowCount)
        a.update(from: w, count: blockCount)
        (a + blockCount).update(repeating: 0, count: m - blockCount)
        FFTWPlanner.execute(.realToHalfcomplex, input: blockInput, output: blockSpectrum)
        FFTWPlanner.execute(.realToHalfcomplex, input: windowInput, output: windowSpectrum)
        let ah = blockSpectrum.baseAddress, wh = windowSpectrum.baseAddress, sum = accumulated.baseAddress
        // Halfcomplex: Re X_k at k (0 ≤ k ≤ m/2), Im X_k at m − k (0 < k < m/2); m is even.
        sum[0] += ah[0] * wh[0]
        sum[m / 2] += ah[m / 2] * wh[m / 2]
        for k in 1..<(m / 2) {
            let ar = ah[k], ai = ah[m - k], wr = wh[k], wi = wh[m - k]
            sum[k] += ar * wr + ai * wi          // Re conj(A) W
            sum[m - k] += ar * wi - ai * wr      // Im conj(A) W
        }
    }

    /// Adds a whole series of one channel (`count` samples, `stride` apart), block by block.
    package func addSeries(_ series: UnsafePointer<Double>, stride: Int = 1, count: Int) {
        var start = 0
        while start < count {
            let block = min(blockLength, count - start)
            let window = min(block + maximumLag, count - start)
            addBlock(series + start * stride, stride: stride, blockCount: block, windowCount: window)
            start += block
        }
    }

    /// The sums `S(ℓ)`, `ℓ = 0…L`, of everything added since the last `reset()`.
    package func lagSums() -> [Double] {
        scratch.assign(from: accumulated)   // HC2R may overwrite its input.
        FFTWPlanner.execute(.halfcomplexToReal, input: scratch, output: blockInput)
        let scale = 1 / Double(paddedLength)
        return (0...maximumLag).map { blockInput[$0] * scale }
    }

    /// Convenience: `S(ℓ)`, `ℓ = 0…maximumLag`, of one series.
    package static func lagSums(_ series: [Double], maximumLag: Int) -> [Double] {
        let accumulator = LaggedProductAccumulator(maximumLag: maximumLag)
        series.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { accumulator.addSeries(base, count: buffer.count) }
        }
        return accumulator.lagSums()
    }
}
