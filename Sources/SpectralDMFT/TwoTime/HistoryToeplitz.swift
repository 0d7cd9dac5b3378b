import Foundation

/// The memory sums over an equilibrium history by FFT.
///
/// Before the quench (rows and columns i, j < P of the grid) the two-time functions are stationary,
/// C(t_i, t_j) = C_eq((i − j)h), R(t_i, t_j) = R_eq((i − j)h), so the history block of the sums that every corrector
/// pass of `PSpinQuenchIntegrator` needs is a Toeplitz product. For j < P,
///
///     first[j]  = Σ_{s<P}       x_s C_eq(|s − j| h)      (symmetric kernel),
///     second[j] = Σ_{s=j}^{P−1} x_s R_eq((s − j) h)      (anti-causal kernel),
///     third[j]  = Σ_{s=0}^{j}   y_s R_eq((j − s) h)      (causal kernel),
///
/// which are linear convolutions of length-P sequences, done as circular convolutions of length N ≥ 2P (a power of
/// two: no wrap-around) with the kernels' spectra computed once. Cost O(N log N) per pass instead of the O(P²) sweep
/// over the stored history rows (P ≈ 4000 for the p = 3 history at T' = 0.8, h = 0.05). The transforms are
/// FFTW's real-to-halfcomplex pair, planned with `FFTW_ESTIMATE` (deterministic: a resumed run gives the same bits).
/// Rounding: the absolute error of each sum is ~1e-16·(Σ|x|)·max|C| (checked against the direct sweep in the tests).
final class HistoryToeplitz {
    /// P: the history rows (and columns) handled here.
    let rows: Int
    /// N: the transform length.
    let length: Int
    private let correlationKernel: AlignedBuffer
    private let backwardKernel: AlignedBuffer
    private let forwardKernel: AlignedBuffer
    private let input: AlignedBuffer
    private let spectrumX: AlignedBuffer
    private let spectrumY: AlignedBuffer
    private let product: AlignedBuffer
    private let output: AlignedBuffer

    /// The Toeplitz block of rows < `rows` with C_eq(mh) = `correlation[m]`, R_eq(mh) = `response[m]`, m = 0…rows−1
    /// (index 0 is the diagonal value 1).
    init(rows: Int, correlation: [Double], response: [Double]) {
        precondition(rows >= 1 && correlation.count >= rows && response.count >= rows)
        self.rows = rows
        var n = 16
        while n < 2 * rows { n *= 2 }
        length = n
        let symmetric = AlignedBuffer(count: n), backward = AlignedBuffer(count: n), forward = AlignedBuffer(count: n)
        for m in 0..<rows {
            symmetric[m] = correlation[m]
            if m > 0 { symmetric[n - m] = correlation[m] }
            forward[m] = response[m]
            backward[(n - m) % n] = response[m]
        }
        correlationKernel = AlignedBuffer(count: n)
        backwardKernel = AlignedBuffer(count: n)
        forwardKernel = AlignedBuffer(count: n)
        FFTWPlanner.execute(.realToHalfcomplex, input: symmetric, output: correlationKernel)
        FFTWPlanner.execute(.realToHalfcomplex, input: backward, output: backwardKernel)
        FFTWPlanner.execute(.realToHalfcomplex, input: forward, output: forwardKernel)
        input = AlignedBuffer(count: n)
        spectrumX = AlignedBuffer(count: n)
        spectrumY = AlignedBuffer(count: n)
        product = AlignedBuffer(count: n)
        output = AlignedBuffer(count: n)
    }

    /// Bytes held (eight transform-length buffers).
    var memoryBytes: Int { 8 * length * 8 }

    /// Writes first[j], second[j], third[j] for j < `rows` (see the type) from x_s, y_s, s < `rows`.
    func sums(x: UnsafePointer<Double>, y: UnsafePointer<Double>, first: UnsafeMutablePointer<Double>,
              second: UnsafeMutablePointer<Double>, third: UnsafeMutablePointer<Double>) {
        let p = rows, n = length
        let buffer = input.baseAddress
        buffer.update(from: x, count: p)
        (buffer + p).update(repeating: 0, count: n - p)
        FFTWPlanner.execute(.realToHalfcomplex, input: input, output: spectrumX)
        buffer.update(from: y, count: p)
        FFTWPlanner.execute(.realToHalfcomplex, input: input, output: spectrumY)
        convolve(spectrumX, correlationKernel, into: first)
        convolve(spectrumX, backwardKernel, into: second)
        convolve(spectrumY, forwardKernel, into: third)
    }

    /// target[j] = (F⁻¹[a·b])_j / N for j < rows (a, b halfcomplex spectra).
    private func convolve(_ a: AlignedBuffer, _ b: AlignedBuffer, into target: UnsafeMutablePointer<Double>) {
        let n = length, half = n / 2
        let u = a.baseAddress, v = b.baseAddress, w = product.baseAddress
        w[0] = u[0] * v[0]
        w[half] = u[half] * v[half]
        for k in 1..<half {
            let re = u[k] * v[k] - u[n - k] * v[n - k]
            let im = u[k] * v[n - k] + u[n - k] * v[k]
            w[k] = re
            w[n - k] = im
        }
        FFTWPlanner.execute(.halfcomplexToReal, input: product, output: output)
        let scale = 1 / Double(n), result = output.baseAddress
        for j in 0..<rows { target[j] = result[j] * scale }
    }
}
