import Foundation

/// Two-time relaxation of a random rate network from a Gaussian initial state toward its stationary state.
///
/// Solves (docs/PHYSICS.md §1) for Δ(t,s) = ⟨h(t)h(s)⟩, h(0) ~ N(0, Δ_init) independent of the couplings,
///
///     (∂_t + 1)(∂_s + 1) Δ(t,s) = g² C_φ(t,s) + σ² δ(t−s),     Δ(t,0) = Δ_init e^{−t},
///     C_φ(t,s) = E[φ(u)φ(v)],  Var u = Δ(t,t), Var v = Δ(s,s), Cov = Δ(t,s),
///
/// in the first-order form used by the integrator, with the memory P(t,s) = g² ∫_0^s e^{−(s−v)} C_φ(t,v) dv
/// (= ⟨η(t)h(s)⟩, η the Gaussian field of the other units):
///
///     far from the diagonal   (∂_t + 1) Δ(t,s) = P(t,s)                         (t > s, BDF_k along the column)
///     the diagonal            d/dt Δ(t,t) = −2Δ(t,t) + 2P(t,t) + σ²             (BDF_k)
///     next to the diagonal    (∂_s + 1) Δ(t,s) = P^T(t,s) + σ² e^{−(t−s)}        (s = t − xh, x = 1…k, start-up
///                             P^T(t,s) = e^{−(t−s)} P(s,s) + g² ∫_s^t e^{−(t−u)} C_φ(u,s) du   formula in s)
///
/// The white noise enters only through the exact terms σ² and σ² e^{−(t−s)}: the kink of Δ at t = s is never
/// differenced. P(t,·) is accumulated along each row in O(t) by the exponential recursion
/// `P(t,s+h) = e^{−h} P(t,s) + g² ∫_s^{s+h} e^{−(s+h−v)} C_φ(t,v) dv` with k-node Lagrange stencils, so a row
/// costs O(t) and the run O(n²); only the last k + 2 rows are stored (plus Δ(t,t), P(t,t) and the waiting-time
/// columns), so memory is O(k n). The first k rows are solved together (bivariate corner interpolant), and every
/// row is predicted and corrected until no value changes by more than `options.correctionTolerance` (each
/// corrector pass is O(t)). Global error O(h^k).
///
/// C_φ with unequal variances comes from `GaussianPairKernel` (closed form for erf, Mehler series otherwise,
/// ≤ 3e-13 for variances ≤ 8); the coefficient vector of Δ(s,s) is computed once per time s.
///
/// **Limits.** Order 4 is stable up to h ≈ 0.25 at g = 2 (checked: 0.25 runs, 0.3 and 0.35 do not); every row is
/// checked against Δ(t,t) ≥ 0 and |Δ(t,s)| ≤ √(Δ(t,t)Δ(s,s)) (to 1e-3), and a violation throws
/// `TwoTimeError.unstable` instead of returning a wrong answer. No checkpoints: a 4000-step run takes seconds.
///
/// Units: time in units of the unit relaxation time; Δ dimensionless.
public final class NetworkTransientIntegrator {
    /// The network.
    public let model: NetworkModel
    /// Δ_init = Var h(0) (≥ 0).
    public let initialVariance: Double
    /// Grid and scheme (`correctorPasses` is ignored: every row is corrected to the tolerance, at most 40 passes).
    public let options: TwoTimeOptions
    /// The grid rows whose columns Δ(t, t_w) are recorded.
    public let waitingRows: [Int]
    /// The last row computed.
    public private(set) var completedRow = -1
    /// Work done.
    public private(set) var statistics = TwoTimeStatistics()

    let kernel: GaussianPairKernel
    let weights: VolterraWeights
    let lattice: CornerLattice
    let ringSize: Int
    /// Ring of the last rows of Δ and of C_φ (row i at slot i % ringSize), each with capacity for the whole run.
    var deltaRows: [[Double]]
    var kernelRows: [[Double]]
    /// Δ(t_i, t_i) and P(t_i, t_i).
    var diagonal: [Double]
    var diagonalMemory: [Double]
    /// The Mehler data of Δ(t_i, t_i).
    var coefficients: [GaussianPairKernel.Coefficients]
    /// Δ(t_n, t_w) for each waiting row, n ≥ t_w.
    var recorded: [[Double]]
    let exponentialWeights: [[Double]]
    let blockFactor: [Double]
    let extrapolations: [[Double]]
    var memoryRow: [Double]

    /// The last row of the run.
    public var lastRow: Int { options.steps }
    /// The step h.
    public var step: Double { options.step }

    /// Largest initial variance Δ_init accepted, 10⁴ (h of standard deviation 100, beyond the stationary variance
    /// ≈ 0.73 g² of the supported g ≤ 100): the Gaussian kernels' quadrature resolves tanh's poles on the scale
    /// 1/√Δ, so its cost grows with √Δ.
    public static let maximumInitialVariance = 1e4

    /// Bytes a run keeps (ring rows, per-time data with the Mehler coefficients).
    public static func memoryRequirement(steps: Int, order: Int, mehlerTerms: Int) -> Int {
        let rows = steps + 1
        return (2 * (order + 2) + 4 + mehlerTerms) * rows * 8
    }

    /// Prepares a run recording the columns at `waitingTimes` (rounded to the grid).
    ///
    /// - Throws: `TwoTimeError.invalidParameter` (Δ_init < 0 or > `maximumInitialVariance`, options out of range),
    ///   `.waitingTimeOutOfRange`, `.insufficientMemory`.
    public init(model: NetworkModel, initialVariance: Double, options: TwoTimeOptions, waitingTimes: [Double]) throws {
        try options.validate()
        guard initialVariance.isFinite, initialVariance >= 0, initialVariance <= Self.maximumInitialVariance else {
            throw TwoTimeError.invalidParameter(name: "delta-init", value: initialVariance,
                                                requirement: "a finite number between 0 and 1e4")
        }
        for time in waitingTimes where !(time >= 0 && time <= options.maximumTime * (1 + 1e-12)) {
            throw TwoTimeError.waitingTimeOutOfRange(time, maximum: options.maximumTime)
        }
        self.model = model
        self.initialVariance = initialVariance
        self.options = options
        waitingRows = waitingTimes.map { min(options.steps, Int(($0 / options.step).rounded())) }
        kernel = GaussianPairKernel(nonlinearity: model.nonlinearity)
        let k = options.order
        let rows = options.steps + 1
        let required = Self.memoryRequirement(steps: options.steps, order: k, mehlerTerms: kernel.isClosedForm ? 0 : 300)
        let available = MemoryBudget.availableBytes
        guard required <= available else {
            throw TwoTimeError.insufficientMemory(required: required, available: available, points: rows)
        }
        weights = VolterraWeights(order: k)
        lattice = CornerLattice(order: k)
        ringSize = k + 2
        deltaRows = (0..<ringSize).map { _ in [Double](repeating: 0, count: rows) }
        kernelRows = deltaRows
        diagonal = [Double](repeating: 0, count: rows)
        diagonalMemory = [Double](repeating: 0, count: rows)
        coefficients = []
        coefficients.reserveCapacity(rows)
        recorded = waitingRows.map { _ in [] }
        memoryRow = [Double](repeating: 0, count: rows)
        let h = options.step
        // ∫_0^1 e^{−h(1−θ)} L_l(θ + p) dθ for stencil nodes 0…k−1 and the interval [p, p+1], p = 0…k−2.
        let nodes = (0..<k).map(Double.init)
        exponentialWeights = (0..<(k - 1)).map { position in
            Lagrange.integral(nodes, from: Double(position), to: Double(position + 1)) { exp(-h * (Double(position + 1) - $0)) }
        }
        // The near-diagonal block matrix −S/h + I (constant): its inverse, row-major.
        var block = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for x in 1...k {
            for l in 1...k { block[x - 1][l - 1] = -weights.startDerivative[x][l] / h + (x == l ? 1 : 0) }
        }
        blockFactor = DenseLinearAlgebra.inverse(block)!.flatMap { $0 }
        let degree = weights.extrapolationDegree
        extrapolations = (1...(degree + 1)).map { points in Lagrange.basis((1...points).map { -Double($0) }, at: 0) }
    }

    @inline(__always) func slot(_ i: Int) -> Int { i % ringSize }

    /// Δ(t_i, t_j) for j ≤ i from the ring (i must be one of the last k + 2 rows).
    @inline(__always) func delta(_ i: Int, _ j: Int) -> Double { deltaRows[slot(i)][j] }

    /// The time of row i.
    public func time(ofRow i: Int) -> Double { Double(i) * options.step }

    // MARK: - Running

    /// Integrates to t = steps·h (or `stopAfterSteps`), calling `progress` after each row.
    ///
    /// - Throws: `TwoTimeError.nonFinite`, `.startDidNotConverge`.
    public func advance(stopAfterSteps: Int? = nil, progress: ((TwoTimeProgress) -> Void)? = nil) throws {
        let target = min(lastRow, stopAfterSteps ?? lastRow)
        let began = DispatchTime.now().uptimeNanoseconds
        if completedRow < 0 { try solveStartBlock() }
        while completedRow < target {
            try stepRow(completedRow + 1)
            completedRow += 1
            statistics.rows += 1
            progress?(TwoTimeProgress(completedSteps: completedRow, totalSteps: options.steps,
                                      time: time(ofRow: completedRow),
                                      elapsedSeconds: Double(DispatchTime.now().uptimeNanoseconds - began) * 1e-9,
                                      observable: diagonal[completedRow]))
        }
    }

    /// Δ(t_w + lag, t_w) at every waiting time and lag (waiting-time major; lags beyond the run are skipped), from a
    /// run with step `step` to `maximumTime`: the samples compared across steps in convergence studies.
    public static func sampledCorrelation(model: NetworkModel, initialVariance: Double, step: Double, maximumTime: Double,
                                          waitingTimes: [Double], lags: [Double]) throws -> [Double] {
        let integrator = try NetworkTransientIntegrator(model: model, initialVariance: initialVariance,
                                                        options: TwoTimeOptions(step: step, maximumTime: maximumTime),
                                                        waitingTimes: waitingTimes)
        try integrator.advance()
        return waitingTimes.indices.flatMap { index -> [Double] in
            let column = integrator.recordedColumn(index).values
            return lags.compactMap { lag in
                let m = Int((lag / step).rounded())
                return m < column.count ? column[m] : nil
            }
        }
    }

    /// Δ(t_w + τ, t_w) for the i-th waiting time: (t_w, [Δ at τ = 0, h, 2h, …]).
    public func recordedColumn(_ index: Int) -> (waitingTime: Double, values: [Double]) {
        (time(ofRow: waitingRows[index]), recorded[index])
    }

    /// Δ(t, t) at every computed row.
    public var variances: [Double] { Array(diagonal[0...max(completedRow, 0)]) }

    // MARK: - Rows

    /// C_φ(t_n, t_v) for v = 0…n into `kernelRows[slot(n)]` (row n's Mehler data from Δ(t_n,t_n)).
    private func fillKernelRow(_ n: Int, own: GaussianPairKernel.Coefficients) {
        let rowDelta = deltaRows[slot(n)]
        var rowKernel = kernelRows[slot(n)]
        kernelRows[slot(n)] = []
        let kernel = self.kernel
        let stored = coefficients
        let evaluate: (Int, Int) -> Void = { low, high in
            rowKernel.withUnsafeMutableBufferPointer { out in
                for v in low..<high {
                    let other = v == n ? own : stored[v]
                    out[v] = kernel.value(own, other, covariance: v == n ? own.variance : rowDelta[v])
                }
            }
        }
        if n >= 512 && !kernel.isClosedForm {
            let chunks = 4
            let bounds = (0...chunks).map { $0 * (n + 1) / chunks }
            rowKernel.withUnsafeMutableBufferPointer { buffer in
                let shared = UncheckedSendable((buffer.baseAddress!, rowDelta, stored, own))
                TwoTimeParallel.run(iterations: chunks) { c in
                    let (out, delta, stored, own) = shared.value
                    for v in bounds[c]..<bounds[c + 1] {
                        let other = v == n ? own : stored[v]
                        out[v] = kernel.value(own, other, covariance: v == n ? own.variance : delta[v])
                    }
                }
            }
        } else {
            evaluate(0, n + 1)
        }
        kernelRows[slot(n)] = rowKernel
    }

    /// P(t_n, t_s) for s = 0…n into `memoryRow` by the exponential recursion.
    private func fillMemoryRow(_ n: Int) {
        let k = options.order, h = options.step
        let g2 = model.coupling * model.coupling
        let decay = exp(-h)
        let rowKernel = kernelRows[slot(n)]
        memoryRow[0] = 0
        guard n >= 1 else { return }
        if n < k - 1 {
            // Short rows (start block only): the whole row's interpolant.
            let nodes = (0...n).map(Double.init)
            for m in 0..<n {
                let w = Lagrange.integral(nodes, from: Double(m), to: Double(m + 1)) { exp(-h * (Double(m + 1) - $0)) }
                var sum = 0.0
                for l in 0...n { sum += w[l] * rowKernel[l] }
                memoryRow[m + 1] = decay * memoryRow[m] + g2 * h * sum
            }
            return
        }
        for m in 0..<n {
            let start = min(max(m - (k - 1) / 2, 0), n - k + 1)
            let w = exponentialWeights[m - start]
            var sum = 0.0
            for l in 0..<k { sum += w[l] * rowKernel[start + l] }
            memoryRow[m + 1] = decay * memoryRow[m] + g2 * h * sum
        }
    }

    /// P^T(t_n, t_n − xh) − e^{−xh} P(t_j, t_j): g² ∫_j^n e^{−(t_n−u)} C_φ(u, t_j) du over the short piece.
    private func shortTransposedMemory(_ n: Int, _ x: Int) -> Double {
        let h = options.step, g2 = model.coupling * model.coupling
        let j = n - x
        var sum = 0.0
        for i in 0...x {
            sum += weights.weight(i, intervals: x) * exp(-Double(x - i) * h) * kernelRows[slot(j + i)][j]
        }
        return g2 * h * sum
    }

    func stepRow(_ n: Int) throws {
        let k = options.order, h = options.step
        let sigma2 = model.noise * model.noise
        let bdf = weights.backwardDifferentiation
        predict(n)
        var change = 0.0
        var previous = deltaRows[slot(n)]
        var startingOrder = coefficients.last.map { max(16, 2 * $0.values.count) } ?? 64
        var own = kernel.coefficients(variance: diagonal[n], startingOrder: startingOrder)
        for _ in 0..<40 {
            statistics.passes += 1
            if own.variance != diagonal[n] {
                own = kernel.coefficients(variance: diagonal[n], startingOrder: startingOrder)
            }
            startingOrder = max(16, 2 * own.values.count)
            fillKernelRow(n, own: own)
            fillMemoryRow(n)
            var row = deltaRows[slot(n)]
            deltaRows[slot(n)] = []
            var historyDiagonal = 0.0
            for l in 1...k { historyDiagonal += bdf[l] * diagonal[n - l] }
            let variance = (h * (2 * memoryRow[n] + sigma2) - historyDiagonal) / (bdf[0] + 2 * h)
            diagonal[n] = variance
            row[n] = variance
            if n - k - 1 >= 0 {
                for j in 0...(n - k - 1) {
                    var history = 0.0
                    for l in 1...k { history += bdf[l] * deltaRows[slot(n - l)][j] }
                    row[j] = (h * memoryRow[j] - history) / (bdf[0] + h)
                }
            }
            row[0] = initialVariance * exp(-Double(n) * h)
            // Block: (−S/h + I) Δ_x = P^T + σ² e^{−xh} + S_{x,0} Δ(t_n,t_n)/h.
            var rhs = [Double](repeating: 0, count: k)
            for x in 1...k {
                let j = n - x
                rhs[x - 1] = exp(-Double(x) * h) * (diagonalMemory[j] + sigma2) + shortTransposedMemory(n, x)
                    + weights.startDerivative[x][0] / h * variance
            }
            for x in 1...k {
                var value = 0.0
                for l in 1...k { value += blockFactor[(x - 1) * k + (l - 1)] * rhs[l - 1] }
                row[n - x] = value
            }
            change = 0
            for j in 0...n { change = max(change, abs(row[j] - previous[j])) }
            previous = row
            deltaRows[slot(n)] = row
            guard change.isFinite else { throw TwoTimeError.nonFinite(time: time(ofRow: n)) }
            if change <= options.correctionTolerance { break }
        }
        statistics.largestFinalChange = max(statistics.largestFinalChange, change)
        // Δ is a covariance: Δ(t,t) ≥ 0 and |Δ(t,s)| ≤ √(Δ(t,t)Δ(s,s)); a violation means the step is too large.
        let row = deltaRows[slot(n)]
        guard diagonal[n] >= -1e-12 else {
            throw TwoTimeError.unstable(time: time(ofRow: n), reason: "Δ(t,t) = \(diagonal[n]) < 0")
        }
        for j in 0..<n where !(abs(row[j]) <= (1 + 1e-3) * (diagonal[n] * diagonal[j]).squareRoot() + 1e-12) {
            throw TwoTimeError.unstable(time: time(ofRow: n), reason: "|Δ(t,s)| > √(Δ(t,t)Δ(s,s)) at s = \(time(ofRow: j))")
        }
        // Final kernel row and memory at the converged values (P(t_n,t_n) for later rows).
        own = kernel.coefficients(variance: diagonal[n], startingOrder: startingOrder)
        fillKernelRow(n, own: own)
        fillMemoryRow(n)
        diagonalMemory[n] = memoryRow[n]
        coefficients.append(own)
        record(n)
    }

    private func record(_ n: Int) {
        for (index, row) in waitingRows.enumerated() where n >= row { recorded[index].append(deltaRows[slot(n)][row]) }
    }

    /// Predicts row n along lags near the diagonal and along columns far from it (like the p-spin integrator).
    private func predict(_ n: Int) {
        let points = weights.extrapolationDegree + 1
        var row = deltaRows[slot(n)]
        deltaRows[slot(n)] = []
        for x in 0...n {
            let j = n - x
            var value = 0.0
            let lagFits = j - points >= 0
            let columnFits = x >= points
            if (lagFits && (x <= j || !columnFits)) || !columnFits {
                let available = min(points, j)
                if available == 0 { value = deltaRows[slot(n - 1)][max(j - 1, 0)] } else {
                    let c = extrapolations[available - 1]
                    for l in 1...available { value += c[l - 1] * (x == 0 ? diagonal[n - l] : deltaRows[slot(n - l)][j - l]) }
                }
            } else {
                let c = extrapolations[points - 1]
                for l in 1...points { value += c[l - 1] * deltaRows[slot(n - l)][j] }
            }
            row[j] = value
        }
        row[0] = initialVariance * exp(-Double(n) * options.step)
        deltaRows[slot(n)] = row
        diagonal[n] = row[n]
    }

    // MARK: - Start-up block

    /// Rows 1…k together: the column equations at (i, j), j ≥ 1, with ∂_t from the corner interpolant, and the
    /// diagonal equation with the start-up derivative along the diagonal; Δ(t, 0) = Δ_init e^{−t} exactly.
    func solveStartBlock() throws {
        let k = options.order, h = options.step
        let g2 = model.coupling * model.coupling, sigma2 = model.noise * model.noise
        // Initial guess: Δ(t,s) = Δ_init e^{−t−s} + (σ²/2)(e^{−|t−s|} − e^{−(t+s)}).
        for i in 0...k {
            for j in 0...i {
                let t = Double(i) * h, s = Double(j) * h
                deltaRows[slot(i)][j] = initialVariance * exp(-t - s) + 0.5 * sigma2 * (exp(-(t - s)) - exp(-(t + s)))
            }
            diagonal[i] = deltaRows[slot(i)][i]
        }
        let unknowns = lattice.points.indices.filter { lattice.points[$0].1 >= 1 }
        let size = unknowns.count
        var iteration = 0, change = Double.infinity
        var own: [GaussianPairKernel.Coefficients] = []
        while iteration < 400 {
            iteration += 1
            own = (0...k).map { kernel.coefficients(variance: diagonal[$0]) }
            // C_φ(i, v) on the lattice and P(i, j) = g² ∫_0^j e^{−(j−v)} C_φ(i, v) dv (short pieces).
            var kernelValues = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k + 1)
            for i in 0...k {
                for v in 0...i {
                    kernelValues[i][v] = kernel.value(own[i], own[v], covariance: v == i ? diagonal[i] : deltaRows[slot(i)][v])
                }
            }
            func memory(_ i: Int, _ j: Int) -> Double {
                guard j > 0 else { return 0 }
                var sum = 0.0
                for v in 0...j { sum += weights.weight(v, intervals: j) * exp(-Double(j - v) * h) * kernelValues[i][v] }
                return g2 * h * sum
            }
            var matrix = [Double](repeating: 0, count: size * size)
            var vector = [Double](repeating: 0, count: size)
            for (row, p) in unknowns.enumerated() {
                let (a, b) = lattice.points[p]
                if a == b {
                    // (1/h) Σ_m S_{a,m} D_m + 2 D_a = 2P(a,a) + σ².
                    for m in 0...k {
                        let q = lattice.index(m, m)
                        let coefficient = weights.startDerivative[a][m] / h
                        if let column = unknowns.firstIndex(of: q) { matrix[row * size + column] += coefficient }
                        else { vector[row] -= coefficient * diagonal[m] }
                    }
                    matrix[row * size + row] += 2
                    vector[row] += 2 * memory(a, a) + sigma2
                } else {
                    // (1/h) Σ_p T_{(a,b),p} Δ_p + Δ(a,b) = P(a,b).
                    for q in lattice.points.indices {
                        let coefficient = lattice.timeDerivative[p][q] / h
                        if let column = unknowns.firstIndex(of: q) { matrix[row * size + column] += coefficient }
                        else { vector[row] -= coefficient * initialVariance * exp(-Double(lattice.points[q].0) * h) }
                    }
                    matrix[row * size + row] += 1
                    vector[row] += memory(a, b)
                }
            }
            guard DenseLinearAlgebra.solve(&matrix, &vector, size: size) else {
                throw TwoTimeError.startDidNotConverge(change: .nan, iterations: iteration)
            }
            var largest = 0.0
            for (row, p) in unknowns.enumerated() {
                let (a, b) = lattice.points[p]
                largest = max(largest, abs(vector[row] - deltaRows[slot(a)][b]))
                deltaRows[slot(a)][b] = vector[row]
                if a == b { diagonal[a] = vector[row] }
            }
            for i in 0...k { deltaRows[slot(i)][0] = initialVariance * exp(-Double(i) * h) }
            diagonal[0] = initialVariance
            change = largest
            guard change.isFinite else { throw TwoTimeError.nonFinite(time: h) }
            if change <= 1e-14 * max(1, diagonal[k]) { break }
        }
        statistics.startIterations = iteration
        guard change <= 1e-12 * max(1, diagonal[k]) else {
            throw TwoTimeError.startDidNotConverge(change: change, iterations: iteration)
        }
        for i in 0...k {
            let data = kernel.coefficients(variance: diagonal[i])
            fillKernelRowStart(i, own: data)
            fillMemoryRow(i)
            diagonalMemory[i] = memoryRow[i]
            coefficients.append(data)
            record(i)
        }
        completedRow = k
    }

    /// C_φ row i of the start block (rows ≤ k use the coefficients appended so far plus their own).
    private func fillKernelRowStart(_ i: Int, own: GaussianPairKernel.Coefficients) {
        for v in 0...i {
            let other = v == i ? own : coefficients[v]
            kernelRows[slot(i)][v] = kernel.value(own, other, covariance: v == i ? own.variance : deltaRows[slot(i)][v])
        }
    }
}
