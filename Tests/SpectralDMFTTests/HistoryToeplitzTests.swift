import Foundation
import Testing
@testable import SpectralDMFT

// An equilibrium history is stationary, so its share of the corrector's memory sums is a Toeplitz product, done by
// FFT once per pass instead of sweeping the ~H²/2 stored history values (H ≈ 4000 rows for p = 3 at T' = 0.8).

@Test func historyToeplitzSumsEqualTheDirectSums() {
    let p = 300
    var c = [Double](repeating: 1, count: p), r = c
    for m in 1..<p {
        let lag = Double(m)
        let slow: Double = 0.7 * exp(-0.05 * lag)
        let fast: Double = 0.3 * exp(-0.4 * lag)
        c[m] = slow + fast
        r[m] = exp(-0.08 * lag) * cos(0.1 * lag)
    }
    let x = (0..<p).map { sin(0.37 * Double($0)) + 1.5 }, y = (0..<p).map { cos(0.11 * Double($0)) - 0.2 }
    let toeplitz = HistoryToeplitz(rows: p, correlation: c, response: r)
    var first = [Double](repeating: 0, count: p), second = first, third = first
    x.withUnsafeBufferPointer { xs in
        y.withUnsafeBufferPointer { ys in
            toeplitz.sums(x: xs.baseAddress!, y: ys.baseAddress!, first: &first, second: &second, third: &third)
        }
    }
    var worst = 0.0
    for j in 0..<p {
        var a = 0.0, b = 0.0, d = 0.0
        for s in 0..<p { a += x[s] * c[abs(s - j)] }
        for s in j..<p { b += x[s] * r[s - j] }
        for s in 0...j { d += y[s] * r[j - s] }
        worst = max(worst, abs(first[j] - a), abs(second[j] - b), abs(third[j] - d))
    }
    #expect(worst <= 1e-12, "largest difference \(worst)")
}

@Test func equilibriumStartSweepsOnlyThePostQuenchRows() throws {
    // The same run with the history swept directly and by FFT: the same solution to rounding, and the corrector's
    // sweeps read O(steps · n) stored values instead of O(n²) per pass.
    let mixture = try PSpinMixture.pure(3)
    let options = TwoTimeOptions(step: 0.2, steps: 24)
    let fast = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.5, start: .equilibrium(temperature: 2),
                                         options: options)
    let slow = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.5, start: .equilibrium(temperature: 2),
                                         options: options)
    slow.usesHistoryToeplitz = false
    #expect(fast.historyToeplitz != nil)
    try fast.advance()
    try slow.advance()
    let last = fast.lastRow, H = fast.historySteps
    var worst = 0.0
    for i in (H + 1)...last {
        worst = max(worst, abs(fast.energies[i] - slow.energies[i]), abs(fast.multipliers[i] - slow.multipliers[i]))
        for j in 0...i {
            worst = max(worst, abs(fast.correlation[i, j] - slow.correlation[i, j]),
                        abs(fast.response[i, j] - slow.response[i, j]))
        }
    }
    #expect(worst <= 1e-12, "largest difference \(worst)")
    let passes = fast.statistics.passes
    #expect(fast.sweptValues <= passes * (last - H + 1) * (last + 1), "\(fast.sweptValues) values for \(passes) passes")
    #expect(slow.sweptValues >= passes * H * H / 2)
}
