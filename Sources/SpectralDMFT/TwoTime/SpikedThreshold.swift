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
        /// The exponential growth rate γ of |m(t)| in its linear regime (long-time engine only): the least-squares
        /// slope of ln|m| against t over the rows with max(1e-4, 100|m₀|) ≤ |m| ≤ 1e-2 before the first time
        /// |m| > 1e-2 (at least 3 rows; nil otherwise).
        public var growthRate: Double? = nil
        /// The long-time run's impossible-output measures (largest rise of E above its running minimum, largest
        /// C − 1); nil on the uniform engine. At late times the step h ∝ t exceeds the time scale of the recovery
        /// event itself, and the settling into the signal minimum overshoots by about the run's error.
        public var flags: LongTimeFlags? = nil
        /// Long-time engine: the failure that ended the run before t_max (`LongTimeQuenchSolution.stoppedEarly`);
        /// the point then holds m, E up to `endTime` (no recovery if |m| < 0.1 there).
        public var stoppedEarly: String? = nil

        /// `growthRate` of m(t) sampled at `times`, from m₀ = `initialOverlap`.
        public static func growthRate(times: [Double], overlaps: [Double], initialOverlap: Double) -> Double? {
            let low = max(1e-4, 100 * abs(initialOverlap)), high = 1e-2
            var x: [Double] = [], y: [Double] = []
            for (k, m) in overlaps.enumerated() {
                if abs(m) > high { break }
                if abs(m) >= low { x.append(times[k]); y.append(log(abs(m))) }
            }
            guard x.count >= 3 else { return nil }
            let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
            var sxy = 0.0, sxx = 0.0
            for k in x.indices { sxy += (x[k] - mx) * (y[k] - my); sxx += (x[k] - mx) * (x[k] - mx) }
            return sxx > 0 ? sxy / sxx : nil
        }
    }

    /// p.
    public let p: Int
    /// Δ_p.
    public let tensorNoise: Double
    /// T.
    public let temperature: Double
    /// m₀.
    public let initialOverlap: Double
    /// The grid of every run (uniform engine).
    public let options: TwoTimeOptions
    /// When set, every point runs on the long-time block-doubling engine (`SpikedQuench.longTimeQuench`,
    /// `LongTimeQuenchSolver`) to `longTime.maximumTime` instead of the uniform grid `options`; t_rec is then
    /// `LongTimeQuenchSolution.recoveryTime` (m settled over the last octave); a run stops once m has settled at a
    /// recovered value (`LongTimeQuenchSolver.stopsOnceRecovered`), otherwise at t_max.
    public let longTime: LongTimeOptions?
    /// The long-time engine's impossible-output tolerance (`LongTimeQuenchSolver.flagTolerance`).
    public let flagTolerance: Double

    /// A scan at tensor order `p`, Δ_p = `tensorNoise`, temperature T, m₀ = `initialOverlap`, on the grid `options`
    /// (or, with `longTime`, on the long-time engine with that block size and t_max).
    public init(p: Int, tensorNoise: Double, temperature: Double, initialOverlap: Double, options: TwoTimeOptions,
                longTime: LongTimeOptions? = nil, flagTolerance: Double = 1e-3) {
        self.p = p
        self.tensorNoise = tensorNoise
        self.temperature = temperature
        self.initialOverlap = initialOverlap
        self.options = options
        self.longTime = longTime
        self.flagTolerance = flagTolerance
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
        if let longTime { try longTime.validate() } else { try options.validate() }
        let longTime = self.longTime
        let count = quenches.count
        let lock = NSLock()
        var results = [Point?](repeating: nil, count: count)
        var firstError: Error?
        var done = 0
        let options = self.options
        let lanes = max(1, min(workers, count))
        let threadsPerRun = max(1, ProcessInfo.processInfo.activeProcessorCount / lanes)
        TwoTimeParallel.run(iterations: lanes) { lane in
            for index in stride(from: lane, to: count, by: lanes) {
                lock.lock()
                let stop = firstError != nil
                lock.unlock()
                if stop { return }
                do {
                    let point: Point
                    if let longTime {
                        let solver = try LongTimeQuenchSolver(quenches[index].longTimeQuench, options: longTime)
                        solver.threads = threadsPerRun
                        solver.flagTolerance = flagTolerance
                        solver.stopsOnceRecovered = true
                        let solution = try solver.solve()
                        let last = solution.samples[solution.samples.count - 1]
                        point = Point(matrixNoise: quenches[index].model.matrixNoise, recoveryTime: solution.recoveryTime,
                                      finalOverlap: solution.overlaps[solution.overlaps.count - 1],
                                      finalEnergy: last.energy, endTime: last.time,
                                      growthRate: Point.growthRate(times: solution.samples.map(\.time),
                                                                   overlaps: solution.overlaps,
                                                                   initialOverlap: quenches[index].initialOverlap),
                                      flags: solution.flags, stoppedEarly: solution.stoppedEarly)
                    } else {
                    let solution = try quenches[index].integrateUntilRecovered(options: options)
                    point = Point(matrixNoise: quenches[index].model.matrixNoise, recoveryTime: solution.recoveryTime,
                                      finalOverlap: solution.finalOverlap,
                                      finalEnergy: solution.twoTime.energy(row: solution.twoTime.lastRow),
                                      endTime: solution.twoTime.time(ofRow: solution.twoTime.lastRow))
                    }
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
        return jackknifed(data, minimum: 4, fitPowerLaw)
    }

    /// The rate-based extrapolation: the growth rate γ(Δ₂) of m in its linear regime (`Point.growthRate`) fitted as
    /// γ = g (Δ₂* − Δ₂)^ν (the same least squares on log(1/γ)); Δ₂* is where the escape from the threshold states
    /// stops. Unlike t_rec, γ does not contain the m₀-dependent time spent reaching the linear regime.
    /// At least 4 points with a positive rate; nil otherwise.
    public static func fitRates(_ scan: [SpikedThresholdScan.Point]) -> RecoveryDivergence? {
        let data = scan.compactMap { point in point.growthRate.flatMap { $0 > 0 ? (point.matrixNoise, 1 / $0) : nil } }
            .sorted { $0.0 < $1.0 }
        return jackknifed(data, minimum: 4, fitPowerLaw)
    }

    /// The fit with an offset, t_rec = A + B (Δ₂* − Δ₂)^{−ν} (at least 5 recovered points): for each (Δ₂*, ν) on a
    /// logarithmic grid A and B are linear least squares in the relative residual (t_rec − A − B g)/t_rec, then
    /// the grid is refined around the best pair. `residual` is the rms relative residual.
    public static func fitWithOffset(_ scan: [SpikedThresholdScan.Point]) -> RecoveryDivergence? {
        let data = scan.compactMap { point in point.recoveryTime.map { (point.matrixNoise, $0) } }.sorted { $0.0 < $1.0 }
        return jackknifed(data, minimum: 5, fitOffsetPowerLaw)
    }

    static func jackknifed(_ data: [(Double, Double)], minimum: Int,
                           _ fitter: ([(Double, Double)]) -> (threshold: Double, exponent: Double, residual: Double)?)
        -> RecoveryDivergence? {
        guard data.count >= minimum, Set(data.map(\.0)).count == data.count else { return nil }
        guard let full = fitter(data) else { return nil }
        var thresholds = [Double](), exponents = [Double]()
        for left in data.indices {
            var subset = data
            subset.remove(at: left)
            if let fit = fitter(subset) { thresholds.append(fit.threshold); exponents.append(fit.exponent) }
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

    static func fitOffsetPowerLaw(_ data: [(Double, Double)]) -> (threshold: Double, exponent: Double, residual: Double)? {
        let top = data.map(\.0).max()!, span = top - data.map(\.0).min()!
        guard span > 0 else { return nil }
        func residual(_ star: Double, _ nu: Double) -> Double {
            // Weighted linear least squares for A, B with weights 1/t².
            var s00 = 0.0, s01 = 0.0, s11 = 0.0, b0 = 0.0, b1 = 0.0
            for (d, t) in data {
                let g = pow(star - d, -nu), w = 1 / (t * t)
                s00 += w; s01 += w * g; s11 += w * g * g; b0 += w * t; b1 += w * g * t
            }
            let det = s00 * s11 - s01 * s01
            guard det > 0 else { return .infinity }
            let a = (b0 * s11 - b1 * s01) / det, b = (s00 * b1 - s01 * b0) / det
            var r = 0.0
            for (d, t) in data { let e = (t - a - b * pow(star - d, -nu)) / t; r += e * e }
            return (r / Double(data.count)).squareRoot()
        }
        var lowU = log(1e-5 * span), highU = log(10 * span), lowNu = 0.1, highNu = 8.0
        var best = (u: lowU, nu: lowNu, r: Double.infinity)
        for _ in 0..<4 {
            let n = 60
            for a in 0...n {
                let u = lowU + (highU - lowU) * Double(a) / Double(n)
                for b in 0...n {
                    let nu = lowNu + (highNu - lowNu) * Double(b) / Double(n)
                    let r = residual(top + exp(u), nu)
                    if r < best.r { best = (u, nu, r) }
                }
            }
            let du = 2 * (highU - lowU) / 60, dn = 2 * (highNu - lowNu) / 60
            lowU = best.u - du; highU = best.u + du
            lowNu = max(0.01, best.nu - dn); highNu = best.nu + dn
        }
        guard best.r.isFinite else { return nil }
        return (top + exp(best.u), best.nu, best.r)
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
