import Foundation

/// A scan of the spiked matrix-tensor quench over Δ₂ at fixed p, Δ_p, T and m₀: the recovery time t_rec(Δ₂) at
/// each point and the Δ₂ where it diverges (docs/PHYSICS.md §2.9).
///
/// Every point is an independent `SpikedQuench` on the same grid, run until m has settled at a recovered value or
/// to t_max (`SpikedQuench.integrateUntilRecovered`); the points run concurrently, `workers` at a time (each run
/// also splits its memory sweeps over the cores).
public struct SpikedThresholdScan: Sendable {
    /// One scan point.
    public struct Point: Sendable, Equatable, Codable {
        /// Δ₂.
        public let matrixNoise: Double
        /// t_rec, nil when |m| at the end < `SpikedQuenchSolution.recoveryLevel` (no recovery by t_max).
        public let recoveryTime: Double?
        /// m at the end of the run.
        public let finalOverlap: Double
        /// E/N at the end of the run.
        public let finalEnergy: Double
        /// Where the run ended: t_max, or earlier once m had settled at a recovered value.
        public let endTime: Double
    }

    /// p.
    public let p: Int
    /// Δ_p.
    public let tensorNoise: Double
    /// T.
    public let temperature: Double
    /// m₀.
    public let initialOverlap: Double
    /// The grid of every run.
    public let options: TwoTimeOptions

    /// A scan at tensor order `p`, Δ_p = `tensorNoise`, temperature T, m₀ = `initialOverlap`, on the grid `options`.
    public init(p: Int, tensorNoise: Double, temperature: Double, initialOverlap: Double, options: TwoTimeOptions) {
        self.p = p
        self.tensorNoise = tensorNoise
        self.temperature = temperature
        self.initialOverlap = initialOverlap
        self.options = options
    }

    /// Runs the quench at every Δ₂ of `matrixNoises`, `workers` runs at a time; `progress(done, total)` is called
    /// after each point (from a worker thread, serialised).
    ///
    /// - Throws: the first error of a run (invalid parameters, memory, instability) after all workers stop.
    public func run(matrixNoises: [Double], workers: Int = 2,
                    progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [Point] {
        let quenches = try matrixNoises.map {
            try SpikedQuench(model: try SpikedMatrixTensor(p: p, matrixNoise: $0, tensorNoise: tensorNoise),
                             temperature: temperature, initialOverlap: initialOverlap)
        }
        try options.validate()
        let count = quenches.count
        let lock = NSLock()
        var results = [Point?](repeating: nil, count: count)
        var firstError: Error?
        var done = 0
        let options = self.options
        let lanes = max(1, min(workers, count))
        TwoTimeParallel.run(iterations: lanes) { lane in
            for index in stride(from: lane, to: count, by: lanes) {
                lock.lock()
                let stop = firstError != nil
                lock.unlock()
                if stop { return }
                do {
                    let solution = try quenches[index].integrateUntilRecovered(options: options)
                    let point = Point(matrixNoise: quenches[index].model.matrixNoise, recoveryTime: solution.recoveryTime,
                                      finalOverlap: solution.finalOverlap,
                                      finalEnergy: solution.twoTime.energy(row: solution.twoTime.lastRow),
                                      endTime: solution.twoTime.time(ofRow: solution.twoTime.lastRow))
                    lock.lock()
                    results[index] = point
                    done += 1
                    progress?(done, count)
                    lock.unlock()
                } catch {
                    lock.lock()
                    if firstError == nil { firstError = error }
                    lock.unlock()
                    return
                }
            }
        }
        if let firstError { throw firstError }
        return results.map { $0! }
    }
}

/// The Δ₂* where t_rec(Δ₂) diverges, from the fit t_rec = a (Δ₂* − Δ₂)^{−ν} to the recovered points.
public struct RecoveryDivergence: Sendable, Equatable, Codable {
    /// Δ₂*, the least-squares fit of log t_rec against log(Δ₂* − Δ₂) (a, ν linear; Δ₂* by a 1-D search).
    public let threshold: Double
    /// The jackknife (leave-one-out) standard error of Δ₂*.
    public let thresholdError: Double
    /// ν.
    public let exponent: Double
    /// The jackknife standard error of ν.
    public let exponentError: Double
    /// The points used (Δ₂, t_rec).
    public let points: Int
    /// The root-mean-square residual of log t_rec.
    public let residual: Double

    /// Fits the recovered points (at least 4, with distinct Δ₂); nil when there are too few.
    public static func fit(_ scan: [SpikedThresholdScan.Point]) -> RecoveryDivergence? {
        let data = scan.compactMap { point in point.recoveryTime.map { (point.matrixNoise, $0) } }.sorted { $0.0 < $1.0 }
        guard data.count >= 4, Set(data.map(\.0)).count == data.count else { return nil }
        guard let full = fitPowerLaw(data) else { return nil }
        var thresholds = [Double](), exponents = [Double]()
        for left in data.indices {
            var subset = data
            subset.remove(at: left)
            if let fit = fitPowerLaw(subset) { thresholds.append(fit.threshold); exponents.append(fit.exponent) }
        }
        func jackknife(_ values: [Double]) -> Double {
            let n = Double(values.count)
            guard values.count >= 2 else { return .infinity }
            let mean = values.reduce(0, +) / n
            return ((n - 1) / n * values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }).squareRoot()
        }
        return RecoveryDivergence(threshold: full.threshold, thresholdError: jackknife(thresholds),
                                  exponent: full.exponent, exponentError: jackknife(exponents), points: data.count,
                                  residual: full.residual)
    }

    /// Least squares of log t = log a − ν log(Δ* − Δ) over Δ* > max Δ: golden-section search of the residual on a
    /// logarithmic grid of the gap Δ* − max Δ ∈ [1e-6, 10·span], then refinement.
    static func fitPowerLaw(_ data: [(Double, Double)]) -> (threshold: Double, exponent: Double, residual: Double)? {
        let top = data.map(\.0).max()!, span = top - data.map(\.0).min()!
        guard span > 0 else { return nil }
        func linear(_ star: Double) -> (residual: Double, exponent: Double) {
            let x = data.map { log(star - $0.0) }, y = data.map { log($0.1) }
            let n = Double(data.count)
            let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
            var sxy = 0.0, sxx = 0.0
            for i in x.indices { sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) * (x[i] - mx) }
            let slope = sxy / sxx
            var r = 0.0
            for i in x.indices { let d = y[i] - my - slope * (x[i] - mx); r += d * d }
            return ((r / n).squareRoot(), -slope)
        }
        let lowGap = log(1e-6 * span), highGap = log(10 * span)
        var bestU = lowGap, best = Double.infinity
        let samples = 400
        for s in 0...samples {
            let u = lowGap + (highGap - lowGap) * Double(s) / Double(samples)
            let r = linear(top + exp(u)).residual
            if r < best { best = r; bestU = u }
        }
        var a = bestU - (highGap - lowGap) / Double(samples), b = bestU + (highGap - lowGap) / Double(samples)
        let golden = (5.0.squareRoot() - 1) / 2
        for _ in 0..<80 {
            let c = b - golden * (b - a), d = a + golden * (b - a)
            if linear(top + exp(c)).residual < linear(top + exp(d)).residual { b = d } else { a = c }
        }
        let star = top + exp((a + b) / 2)
        let fit = linear(star)
        guard fit.residual.isFinite, fit.exponent.isFinite else { return nil }
        return (star, fit.exponent, fit.residual)
    }
}
