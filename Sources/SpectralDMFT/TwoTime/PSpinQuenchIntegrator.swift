import Foundation

/// f'(q) and f''(q) of a mixture in a form for inner loops.
struct MixturePolynomial: Sendable {
    let degrees: [Int]
    /// c_p p / 2: f'(q) = Σ a_p q^{p−1}.
    let first: [Double]
    /// c_p p (p−1) / 2: f''(q) = Σ b_p q^{p−2}.
    let second: [Double]

    /// The number of leading terms that belong to f (the rest are the drive ε²h', which has no f'' part).
    let modelTerms: Int

    /// f' and f'' of `mixture`; with a `drive`, `derivatives` returns the noise kernel D = f' + ε²h' in place of
    /// f' (docs/PHYSICS.md §2, driven p-spin), and `energySlope` stays f'.
    init(_ mixture: PSpinMixture, drive: QuenchDrive? = nil) {
        var degrees = mixture.terms.map(\.degree)
        var first = mixture.terms.map { $0.coefficient * Double($0.degree) / 2 }
        var second = mixture.terms.map { $0.coefficient * Double($0.degree * ($0.degree - 1)) / 2 }
        modelTerms = degrees.count
        if let drive, drive.strength > 0 {
            for term in drive.mixture.terms {
                degrees.append(term.degree)
                first.append(drive.strength * drive.strength * term.coefficient * Double(term.degree) / 2)
                second.append(0)
            }
        }
        self.degrees = degrees
        self.first = first
        self.second = second
    }

    /// f'(q) of the model alone (the energy E = −∫f'(C)R; without drive the same bits as `derivatives(q).0`).
    @inline(__always) func energySlope(_ q: Double) -> Double {
        var slope = 0.0
        for term in 0..<modelTerms {
            var power = 1.0
            var e = degrees[term] - 2
            while e > 0 { power *= q; e -= 1 }
            slope += first[term] * power * q
        }
        return slope
    }

    /// (f'(q), f''(q)).
    @inline(__always) func derivatives(_ q: Double) -> (Double, Double) {
        var slope = 0.0, curvature = 0.0
        for term in 0..<degrees.count {
            let p = degrees[term]
            var power = 1.0  // q^{p−2}
            var e = p - 2
            while e > 0 { power *= q; e -= 1 }
            curvature += second[term] * power
            slope += first[term] * power * q
        }
        return (slope, curvature)
    }
}

/// Work done by a two-time run.
public struct TwoTimeStatistics: Sendable, Codable, Equatable {
    /// Rows computed (after the start-up block).
    public var rows = 0
    /// Corrector passes summed over rows.
    public var passes = 0
    /// Largest change of a value in the last corrector pass of a row (the corrector's residual).
    public var largestFinalChange = 0.0
    /// Iterations of the start-up block.
    public var startIterations = 0
}

/// Two-time (Cugliandolo–Kurchan) dynamics of the spherical mixed p-spin model after a quench.
///
/// Solves, for t > t' on the uniform grid t_i = i·h (docs/PHYSICS.md §2; Σ = f''(C) R, D = f'(C), or f'(C) + ε²h'(C) with a drive),
///
///     ∂_t C(t,t') = −μ(t) C(t,t') + ∫_0^t Σ(t,s) C(s,t') ds + ∫_0^{t'} D(t,s) R(t',s) ds
///     ∂_t R(t,t') = −μ(t) R(t,t') + ∫_{t'}^t Σ(t,s) R(s,t') ds,          C(t,t) = 1, R(t,t⁺) = 1,
///     μ(t) = T + ∫_0^t [f'(C) + f''(C) C](t,s) R(t,s) ds,      E(t)/N = −∫_0^t f'(C(t,s)) R(t,s) ds,
///
/// from a random start (`QuenchStart.random`, infinite-temperature quench) or from equilibrium at T' > T_d
/// (`.equilibrium`: the history t ∈ [−t_h, 0] is C_eq, R_eq of the stationary `DoublingSolver`, long enough that
/// both have decayed below 1e-9; at t = 0 the temperature becomes T).
///
/// **Scheme** (order k = `options.order`, global error O(h^k), checked by halving h against the exact p = 2
/// solution). C and R are smooth on the causal side t ≥ t' but not across the diagonal (C has a kink for T > 0,
/// R a jump), so no stencil crosses it:
/// - *Far columns* t' ≤ t − (k+1)h: BDF_k in t along the column, the memory integrals by the Gregory-type rule
///   of `VolterraWeights`, split at s = t' (and at the quench time s = 0 after an equilibrium history); the
///   integrands' endpoint terms in C(t,t'), R(t,t') are implicit.
/// - *Near-diagonal block* t' = t − xh, x = 1…k: C and R of the new row are solved together from the
///   equations in the second time (the adjoint forms `∂_{t'}R = μ(t')R − ∫_{t'}^t R(t,s)Σ(s,t') ds` and the
///   C equation with t ↔ t', including its noise term 2T R(t,t')), differentiated by the start-up formula through
///   t' = t − kh … t; R(t,t) = C(t,t) = 1 exactly.
/// - *Start-up*: the first k rows (and the first k rows after t = 0 following an equilibrium history) are solved
///   as one system, ∂_t from the bivariate interpolant of the causal corner (`CornerLattice`).
/// - Each row is predicted by extrapolation along lags and columns and corrected by `options.correctorPasses`
///   sweeps (the first 8k rows iterate to `correctionTolerance`).
///
/// **Cost.** One corrector pass over row n reads the stored triangles once: the sums `Σ_s Σ(t,s) C(s,t')`,
/// `Σ_s Σ(t,s) R(s,t')`, `Σ_s D(t,s) R(t',s)` for every t' come from one fused, 4-wide SIMD sweep over the rows,
/// split over the cores in a fixed number of chunks (so the bits do not depend on the thread count). Total
/// O(n³) time, n(n+1) doubles of memory (refused up front with `TwoTimeError.insufficientMemory`). After an
/// equilibrium history of H rows the history's share of those sums is a Toeplitz product (the history is
/// stationary), done by FFT in O(H log H) per pass (`HistoryToeplitz`): m steps cost O(m²(H + m)), not O(m H²).
///
/// **Limits.** The order-4 scheme is accurate for h·μ ≲ 0.5 (μ ≈ 2–3.5 for p = 3 after a quench: h ≤ 0.1;
/// the acceptance runs use h = 0.05); a row with |C| > 1 is reported as `TwoTimeError.unstable`. Near T = 0
/// (measured, p = 3, t ≤ 200) the order-3 and order-4 steps overshoot C ≤ 1 by ~1e-6 just off the diagonal,
/// where 1 − C is tiny over a growing range of lags: h = 0.1 fails at t ≈ 57 (k = 4) or 75 (k = 3), h = 0.0625 at
/// t ≈ 169, T = 0.001 with h = 0.1 at t ≈ 121; converged corrector passes change nothing (the discrete solution
/// itself overshoots), k = 2 and T ≥ 0.01 run through. Consistent with BDF₃,₄ not being A-stable against the weakly
/// damped near-diagonal modes at T = 0; below T = 0.01 use h ≤ 0.05 or k = 2. For k = 4 the
/// single column t' = h carries an O(h³) error (its memory piece [0, h] has two nodes), which reaches every other
/// value only at O(h⁴).
///
/// Units: Langevin time (mobility 1), energies per spin, T = 1/β in the units of f.
public final class PSpinQuenchIntegrator {
    /// The model.
    public let mixture: PSpinMixture
    /// The temperature T ≥ 0 after t = 0.
    public let temperature: Double
    /// Random start or equilibrium history.
    public let start: QuenchStart
    /// The drive (nil: the undriven Cugliandolo–Kurchan dynamics).
    public let drive: QuenchDrive?
    /// m(0) of the planted-signal (spiked) dynamics, nil without a signal: then m(t) and its terms are absent
    /// (`SpikedQuench`, docs/PHYSICS.md §2.9).
    public let initialOverlap: Double?
    /// Grid and scheme.
    public let options: TwoTimeOptions
    /// H: grid rows before t = 0 (0 for a random start). Row i is the time t_i = (i − H)·h.
    public let historySteps: Int
    /// Bytes held by the run (both triangles and the workspaces).
    public let memoryBytes: Int
    /// The last row computed (H + k after the start-up block; −1 before it).
    public private(set) var completedRow: Int = -1
    /// Work done so far.
    public private(set) var statistics = TwoTimeStatistics()
    /// Checkpoint writes that failed in this integrator's lifetime (the run went on after each).
    public private(set) var failedCheckpointWrites = 0
    /// The most recent failed checkpoint write, if any.
    public private(set) var lastCheckpointFailure: CheckpointFailure?

    let correlation: CausalTriangle
    let response: CausalTriangle
    var multipliers: [Double]
    var energies: [Double]
    /// m(t_i), the overlap with the signal (all 0 without a signal).
    let overlaps: AlignedBuffer
    let weights: VolterraWeights
    let lattice: CornerLattice
    let polynomial: MixturePolynomial
    let chunkCount = 8
    private let sigmaRow: AlignedBuffer
    private let slopeRow: AlignedBuffer
    private let sumFirst: AlignedBuffer
    private let sumSecond: AlignedBuffer
    private let sumThird: AlignedBuffer
    private let chunkFirst: [AlignedBuffer]
    private let chunkSecond: [AlignedBuffer]
    private let previousCorrelation: AlignedBuffer
    private let previousResponse: AlignedBuffer
    private let extrapolations: [[Double]]
    /// The history block of the memory sums by FFT (equilibrium start; nil for a random start).
    let historyToeplitz: HistoryToeplitz?
    /// When false, the history rows are swept directly like the others (the reference route of the tests).
    var usesHistoryToeplitz = true
    /// Stored triangle values read by the memory sweeps of `correctFarColumns` (C and R counted once per (i, j)): the
    /// work measure of the corrector, O(steps · n) per pass with the FFT history, O(n²) without.
    package private(set) var sweptValues = 0

    /// The last row index of the run, H + steps.
    public var lastRow: Int { historySteps + options.steps }
    /// The step h.
    public var step: Double { options.step }
    /// Steps done after t = 0.
    public var completedSteps: Int { max(0, completedRow - historySteps) }
    /// True when the run has reached t = steps·h.
    public var isComplete: Bool { completedRow >= lastRow }

    /// Bytes a run of `rows` grid points needs: both triangles plus O(rows) workspaces.
    public static func memoryRequirement(rows: Int) -> Int {
        2 * CausalTriangle.valueCount(points: rows) * 8 + (8 + 2 * 8) * rows * 8
    }

    /// Prepares a run (allocates the triangles, and for an equilibrium start solves the stationary history).
    ///
    /// - Parameters:
    ///   - mixture: the model f(q) = Σ c_p q^p/2.
    ///   - temperature: the bath temperature T ≥ 0 after the quench.
    ///   - start: a random configuration, or equilibrium at T' > T_d.
    ///   - options: step, horizon, order and corrector passes.
    ///   - drive: the random non-conservative force (nil: none); it adds ε²h'(C) to the noise kernel and to μ
    ///     (docs/PHYSICS.md §2, driven p-spin). Checkpoints do not record it: resume a driven run with the same drive.
    ///   - initialOverlap: m(0) of a planted signal whose energy is −N f(m) (the spiked model of
    ///     docs/PHYSICS.md §2.9; nil: no signal). Needs a random start and no drive.
    /// - Throws: `TwoTimeError.invalidParameter` (T < 0 or not finite, options out of range, |m(0)| > 1, a signal
    ///   with an equilibrium start or a drive), `TwoTimeError.insufficientMemory` when the triangles exceed the
    ///   available memory, and the `PSpinEquilibriumError` or `DoublingSolverError` of the history (e.g. T' ≤ T_d).
    public init(mixture: PSpinMixture, temperature: Double, start: QuenchStart = .random, options: TwoTimeOptions,
                drive: QuenchDrive? = nil, initialOverlap: Double? = nil) throws {
        try options.validate()
        guard temperature.isFinite, temperature >= 0 else {
            throw TwoTimeError.invalidParameter(name: "T", value: temperature, requirement: "a finite number >= 0")
        }
        if let initialOverlap {
            guard initialOverlap.isFinite, abs(initialOverlap) <= 1 else {
                throw TwoTimeError.invalidParameter(name: "m0", value: initialOverlap, requirement: "in [-1, 1]")
            }
            guard start == .random, drive == nil else {
                throw TwoTimeError.invalidParameter(name: "m0", value: initialOverlap,
                                                    requirement: "used with a random start and no drive only")
            }
        }
        self.initialOverlap = initialOverlap
        self.mixture = mixture
        self.temperature = temperature
        self.start = start
        self.options = options
        let h = options.step
        var history: PSpinEquilibriumSolution?
        var historySteps = 0
        if case .equilibrium(let initial) = start {
            guard initial.isFinite, initial > 0 else {
                throw TwoTimeError.invalidParameter(name: "start-T", value: initial, requirement: "a finite number > T_d")
            }
            let solver = try DoublingSolver(options: DoublingOptions(initialStep: 1e-9, blockSize: 2048,
                                                                     maximumTime: 1e5, decayThreshold: 1e-9))
            let solution = try solver.solve(try PSpinEquilibrium(mixture: mixture, temperature: initial))
            history = solution
            guard let span = CheckedCount.rounded(solution.lags.last! / h, .up, limit: 2_000_000) else {
                throw TwoTimeError.invalidParameter(
                    name: "dt", value: h,
                    requirement: "at least \(solution.lags.last! / 2_000_000) so that the equilibrium history "
                        + "(t ≤ \(solution.lags.last!)) fits in 2000000 steps")
            }
            historySteps = max(options.order + 1, span)
        }
        self.historySteps = historySteps
        let rows = historySteps + options.steps + 1
        memoryBytes = Self.memoryRequirement(rows: rows) + (historySteps > 0 ? 8 * 8 * 4 * historySteps : 0)
        let available = MemoryBudget.availableBytes
        guard memoryBytes <= available else {
            throw TwoTimeError.insufficientMemory(required: memoryBytes, available: available, points: rows)
        }
        weights = VolterraWeights(order: options.order)
        lattice = CornerLattice(order: options.order)
        polynomial = MixturePolynomial(mixture, drive: drive)
        self.drive = drive
        correlation = try CausalTriangle(capacity: rows)
        response = try CausalTriangle(capacity: rows)
        multipliers = [Double](repeating: 0, count: rows)
        energies = [Double](repeating: 0, count: rows)
        overlaps = AlignedBuffer(count: rows)
        sigmaRow = AlignedBuffer(count: rows)
        slopeRow = AlignedBuffer(count: rows)
        sumFirst = AlignedBuffer(count: rows)
        sumSecond = AlignedBuffer(count: rows)
        sumThird = AlignedBuffer(count: rows)
        chunkFirst = (0..<chunkCount).map { _ in AlignedBuffer(count: rows) }
        chunkSecond = (0..<chunkCount).map { _ in AlignedBuffer(count: rows) }
        previousCorrelation = AlignedBuffer(count: rows)
        previousResponse = AlignedBuffer(count: rows)
        let degree = weights.extrapolationDegree
        extrapolations = (1...(degree + 1)).map { points in Lagrange.basis((1...points).map { -Double($0) }, at: 0) }

        if let history {
            // Rows 0…H: equilibrium at T', C(t_i, t_j) = C_eq((i − j)h).
            let lagCorrelation = (0...historySteps).map { $0 == 0 ? 1.0 : history.correlation(atLag: Double($0) * h) }
            let lagResponse = (0...historySteps).map { $0 == 0 ? 1.0 : history.response(atLag: Double($0) * h) }
            historyToeplitz = HistoryToeplitz(rows: historySteps, correlation: lagCorrelation, response: lagResponse)
            for i in 0...historySteps {
                for j in 0...i {
                    correlation[i, j] = lagCorrelation[i - j]
                    response[i, j] = lagResponse[i - j]
                }
                multipliers[i] = history.lagrangeMultiplier
                energies[i] = history.energy
            }
        } else {
            historyToeplitz = nil
            correlation[0, 0] = 1
            response[0, 0] = 1
            multipliers[0] = temperature
            energies[0] = 0
            if let initialOverlap {
                overlaps.baseAddress[0] = initialOverlap
                multipliers[0] = temperature + mixture.derivative(initialOverlap) * initialOverlap
                energies[0] = -mixture.f(initialOverlap)
            }
        }
    }

    // MARK: - Running

    /// Integrates up to row `H + steps` (or `stopAfterSteps`), calling `progress` after each row and writing a
    /// checkpoint every `checkpoint.interval` seconds (and once at the end when a policy is given).
    ///
    /// Resuming from a checkpoint and advancing gives the same bits as an uninterrupted run.
    /// - Throws: `TwoTimeError.nonFinite`, `.startDidNotConverge`. A failed checkpoint write does not throw: see
    ///   `attemptCheckpoint` (`failedCheckpointWrites`, `CheckpointPolicy.onFailure`).
    public func advance(stopAfterSteps: Int? = nil, checkpoint: CheckpointPolicy? = nil,
                        progress: ((TwoTimeProgress) -> Void)? = nil) throws {
        let target = min(lastRow, historySteps + (stopAfterSteps ?? options.steps))
        let began = DispatchTime.now().uptimeNanoseconds
        var lastCheckpoint = began
        func seconds(_ since: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - since) * 1e-9 }
        if completedRow < 0 {
            try solveStartBlock()
        }
        while completedRow < target {
            try stepRow(completedRow + 1)
            completedRow += 1
            statistics.rows += 1
            if let progress {
                progress(TwoTimeProgress(completedSteps: completedSteps, totalSteps: options.steps,
                                         time: time(ofRow: completedRow), elapsedSeconds: seconds(began),
                                         observable: energies[completedRow]))
            }
            if let checkpoint, seconds(lastCheckpoint) >= checkpoint.interval {
                attemptCheckpoint(checkpoint)
                lastCheckpoint = DispatchTime.now().uptimeNanoseconds
            }
        }
        if let checkpoint { attemptCheckpoint(checkpoint) }
    }

    /// Writes a checkpoint; a failure (full disk, removed folder) does not end the run: it is counted in
    /// `failedCheckpointWrites`, kept in `lastCheckpointFailure` and passed to `checkpoint.onFailure`, and the
    /// previous checkpoint file (if any) stays intact because the write is atomic.
    func attemptCheckpoint(_ checkpoint: CheckpointPolicy) {
        do {
            try writeCheckpoint(to: checkpoint.path)
        } catch {
            failedCheckpointWrites += 1
            let failure = CheckpointFailure(path: checkpoint.path, time: time(ofRow: completedRow),
                                            reason: Self.oneLine(error))
            lastCheckpointFailure = failure
            checkpoint.onFailure?(failure)
        }
    }

    /// A one-line description of `error`: the localized text of a Foundation (Cocoa/POSIX) error, else its
    /// description.
    static func oneLine(_ error: Error) -> String {
        let bridged = error as NSError
        let foundation = bridged.domain == NSCocoaErrorDomain || bridged.domain == NSPOSIXErrorDomain
        let text = foundation ? error.localizedDescription : String(describing: error)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Sets the last computed row (after restoring a checkpoint).
    func setCompletedRow(_ row: Int) { completedRow = row }

    /// The time of grid row i, (i − H)·h.
    @inline(__always) public func time(ofRow i: Int) -> Double { Double(i - historySteps) * options.step }

    // MARK: - Quadrature with breakpoints

    /// Calls `body(s, c)` for every grid index s whose weight in the composite rule on [lo, hi], split at the
    /// breakpoints `first` and `second` (ignored unless strictly inside), is 1 + c with c ≠ 0 (interior
    /// breakpoints get +1: they are counted by both neighbouring pieces).
    @inline(__always)
    func forEachWeightCorrection(_ lo: Int, _ hi: Int, _ first: Int, _ second: Int, _ body: (Int, Double) -> Void) {
        var low = first, high = second
        if low > high { swap(&low, &high) }
        var cut0 = -1, cut1 = -1
        if low > lo && low < hi { cut0 = low }
        if high > lo && high < hi && high != low { if cut0 < 0 { cut0 = high } else { cut1 = high } }
        var a = lo
        if cut0 >= 0 {
            weights.forEachCorrection(intervals: cut0 - a) { i, c in body(a + i, c) }
            body(cut0, 1)
            a = cut0
        }
        if cut1 >= 0 {
            weights.forEachCorrection(intervals: cut1 - a) { i, c in body(a + i, c) }
            body(cut1, 1)
            a = cut1
        }
        weights.forEachCorrection(intervals: hi - a) { i, c in body(a + i, c) }
    }

    /// h · Σ_s w(s) g(s) over [lo, hi] with the rule split at `first`, `second` (full sum, no bulk trick).
    @inline(__always)
    func integrate(_ lo: Int, _ hi: Int, _ first: Int, _ second: Int, _ g: (Int) -> Double) -> Double {
        if hi <= lo { return 0 }
        var sum = 0.0
        for s in lo...hi { sum += g(s) }
        forEachWeightCorrection(lo, hi, first, second) { s, c in sum += c * g(s) }
        return options.step * sum
    }

    /// μ(t_i) and E(t_i) from row i.
    func rowIntegrals(_ i: Int) -> (Double, Double) {
        guard i > 0 else { return (temperature, 0) }
        let rowC = correlation.row(i), rowR = response.row(i)
        var sumMu = 0.0, sumEnergy = 0.0
        for s in 0...i {
            let (d1, d2) = polynomial.derivatives(rowC[s])
            sumMu += (d1 + d2 * rowC[s]) * rowR[s]
            sumEnergy += polynomial.energySlope(rowC[s]) * rowR[s]
        }
        forEachWeightCorrection(0, i, historySteps, historySteps) { s, c in
            let (d1, d2) = polynomial.derivatives(rowC[s])
            sumMu += c * (d1 + d2 * rowC[s]) * rowR[s]
            sumEnergy += c * polynomial.energySlope(rowC[s]) * rowR[s]
        }
        var mu = temperature + options.step * sumMu, energy = -options.step * sumEnergy
        if initialOverlap != nil {
            // Signal: μ gains f'(m) m, E gains −f(m) (docs/PHYSICS.md §2.9).
            let m = overlaps.baseAddress[i]
            mu += mixture.derivative(m) * m
            energy -= mixture.f(m)
        }
        return (mu, energy)
    }

    // MARK: - Start-up block

    /// Solves rows H+1 … H+k together: ∂_t from the corner lattice at (H, H) for t' ≥ t_H, from the start-up
    /// formula along the column for t' < t_H; all integrals by the composite rule split at t' and at t_H.
    func solveStartBlock() throws {
        let H = historySteps, k = options.order, h = options.step
        // Initial guess: the history column continued flat, the corner from C = R = 1.
        for i in (H + 1)...(H + k) {
            for j in 0...i {
                correlation[i, j] = j < H ? correlation[H, j] : 1
                response[i, j] = j < H ? response[H, j] : 1
            }
            multipliers[i] = multipliers[H]
        }
        let unknownCorner = lattice.points.indices.filter { lattice.points[$0].0 != lattice.points[$0].1 }
        let cornerSize = unknownCorner.count
        var change = Double.infinity
        var iteration = 0
        var newC = [[Double]](repeating: [], count: k + 1), newR = [[Double]](repeating: [], count: k + 1)
        while iteration < 400 {
            iteration += 1
            var largest = 0.0
            for a in 1...k {
                let i = H + a
                let mu = rowIntegrals(i).0
                largest = max(largest, abs(mu - multipliers[i]))
                multipliers[i] = mu
            }
            // Right-hand sides I_C(i, j), I_R(i, j) (without −μC).
            var rhsC = [[Double]](repeating: [], count: k + 1), rhsR = [[Double]](repeating: [], count: k + 1)
            for a in 1...k {
                let i = H + a
                rhsC[a] = [Double](repeating: 0, count: i)
                rhsR[a] = [Double](repeating: 0, count: i)
                startBlockRightHandSides(row: i, correlationSide: &rhsC[a], responseSide: &rhsR[a])
                if initialOverlap != nil {
                    // Signal term f'(m(t_i)) m(t_j) of the C equation.
                    let m = overlaps.baseAddress, slope = mixture.derivative(m[i])
                    for j in 0..<i { rhsC[a][j] += slope * m[j] }
                }
            }
            if initialOverlap != nil {
                largest = max(largest, try solveStartBlockOverlaps(iteration: iteration))
            }
            for a in 1...k { newC[a] = [Double](repeating: 0, count: H + a); newR[a] = newC[a] }
            // History columns: k unknowns per column, S_{m,l}/h + μ δ.
            if H > 0 {
                for j in 0..<H {
                    for (target, triangle, rhs) in [(0, correlation, rhsC), (1, response, rhsR)] {
                        var matrix = [Double](repeating: 0, count: k * k)
                        var vector = [Double](repeating: 0, count: k)
                        for m in 1...k {
                            for l in 1...k { matrix[(m - 1) * k + (l - 1)] = weights.startDerivative[m][l] / h }
                            matrix[(m - 1) * k + (m - 1)] += multipliers[H + m]
                            vector[m - 1] = rhs[m][j] - weights.startDerivative[m][0] / h * triangle[H, j]
                        }
                        guard DenseLinearAlgebra.solve(&matrix, &vector, size: k) else {
                            throw TwoTimeError.startDidNotConverge(change: .nan, iterations: iteration)
                        }
                        for m in 1...k {
                            if target == 0 { newC[m][j] = vector[m - 1] } else { newR[m][j] = vector[m - 1] }
                        }
                    }
                }
            }
            // Corner: unknown lattice points (a, b), b < a, with the diagonal = 1.
            for target in 0..<2 {
                var matrix = [Double](repeating: 0, count: cornerSize * cornerSize)
                var vector = [Double](repeating: 0, count: cornerSize)
                for (row, p) in unknownCorner.enumerated() {
                    let (a, b) = lattice.points[p]
                    for (column, q) in unknownCorner.enumerated() {
                        matrix[row * cornerSize + column] = lattice.timeDerivative[p][q] / h
                    }
                    matrix[row * cornerSize + row] += multipliers[H + a]
                    var known = 0.0
                    for q in lattice.points.indices where lattice.points[q].0 == lattice.points[q].1 {
                        known += lattice.timeDerivative[p][q] / h
                    }
                    vector[row] = (target == 0 ? rhsC[a][H + b] : rhsR[a][H + b]) - known
                }
                guard DenseLinearAlgebra.solve(&matrix, &vector, size: cornerSize) else {
                    throw TwoTimeError.startDidNotConverge(change: .nan, iterations: iteration)
                }
                for (row, p) in unknownCorner.enumerated() {
                    let (a, b) = lattice.points[p]
                    if target == 0 { newC[a][H + b] = vector[row] } else { newR[a][H + b] = vector[row] }
                }
            }
            for a in 1...k {
                let i = H + a
                for j in 0..<i {
                    largest = max(largest, abs(newC[a][j] - correlation[i, j]), abs(newR[a][j] - response[i, j]))
                    correlation[i, j] = newC[a][j]
                    response[i, j] = newR[a][j]
                }
                correlation[i, i] = 1
                response[i, i] = 1
            }
            change = largest
            guard change.isFinite else { throw TwoTimeError.nonFinite(time: time(ofRow: H + 1)) }
            if change <= 1e-14 { break }
        }
        statistics.startIterations = iteration
        guard change <= 1e-12 else { throw TwoTimeError.startDidNotConverge(change: change, iterations: iteration) }
        for a in 1...k {
            let (mu, energy) = rowIntegrals(H + a)
            multipliers[H + a] = mu
            energies[H + a] = energy
        }
        completedRow = H + k
    }

    /// One sweep for m(t) on the start-up rows H+1 … H+k (signal only): the start-up differentiation formula of the
    /// column, S/h + μ δ, against f'(m) + ∫_0^t f''(C(t,s)) R(t,s) m(s) ds with the current rows; returns the largest
    /// change of m.
    func solveStartBlockOverlaps(iteration: Int) throws -> Double {
        let H = historySteps, k = options.order, h = options.step
        let m = overlaps.baseAddress
        var matrix = [Double](repeating: 0, count: k * k)
        var vector = [Double](repeating: 0, count: k)
        for a in 1...k {
            let i = H + a
            let rowC = correlation.row(i), rowR = response.row(i)
            let memory = integrate(0, i, H, H) { s in polynomial.derivatives(rowC[s]).1 * rowR[s] * m[s] }
            for l in 1...k { matrix[(a - 1) * k + (l - 1)] = weights.startDerivative[a][l] / h }
            matrix[(a - 1) * k + (a - 1)] += multipliers[i]
            vector[a - 1] = mixture.derivative(m[i]) + memory - weights.startDerivative[a][0] / h * m[H]
        }
        guard DenseLinearAlgebra.solve(&matrix, &vector, size: k) else {
            throw TwoTimeError.startDidNotConverge(change: .nan, iterations: iteration)
        }
        var largest = 0.0
        for a in 1...k {
            largest = max(largest, abs(vector[a - 1] - m[H + a]))
            m[H + a] = vector[a - 1]
        }
        return largest
    }

    /// m(t_n) of grid row n > H + k (signal only): BDF_k in t of ∂_t m = −μ m + f'(m) + ∫_0^t f''(C(t,s)) R(t,s) m(s) ds
    /// with the memory integral by the run's rule, the end point s = t (Σ(t,t) = f''(1)) implicit, solved by Newton
    /// for the nonlinear f'(m); returns the change of m(t_n).
    func updateOverlap(_ n: Int) -> Double {
        let H = historySteps, k = options.order, h = options.step
        let m = overlaps.baseAddress
        let rowC = correlation.row(n), rowR = response.row(n)
        var memory = 0.0
        for s in 0..<n { memory += polynomial.derivatives(rowC[s]).1 * rowR[s] * m[s] }
        var endWeight = 1.0
        forEachWeightCorrection(0, n, H, H) { s, c in
            if s == n { endWeight += c } else { memory += c * polynomial.derivatives(rowC[s]).1 * rowR[s] * m[s] }
        }
        let bdf = weights.backwardDifferentiation
        var history = 0.0
        for l in 1...k { history += bdf[l] * m[n - l] }
        let mu = multipliers[n], diagonal = h * h * endWeight * polynomial.derivatives(1).1
        let old = m[n]
        var value = old
        for _ in 0..<30 {
            let residual = bdf[0] * value + history + h * mu * value - h * mixture.derivative(value) - h * h * memory
                - diagonal * value
            let slope = bdf[0] + h * mu - h * mixture.secondDerivative(value) - diagonal
            let next = value - residual / slope
            let done = abs(next - value) <= 1e-15 * max(1, abs(next))
            value = next
            if done { break }
        }
        m[n] = value
        return abs(value - old)
    }

    /// The memory integrals of start-block row i for every column j < i (without −μC):
    /// `I_C(i,j) = ∫_0^{t_i} f''(C(i,s)) R(i,s) C(s,j) ds + ∫_0^{t_j} f'(C(i,s)) R(j,s) ds`,
    /// `I_R(i,j) = ∫_{t_j}^{t_i} f''(C(i,s)) R(i,s) R(s,j) ds`, on the composite rule split at t_j and t_H.
    ///
    /// Cost O(i²) per row and iteration: the factors f''(C(i,s))R(i,s) and f'(C(i,s)) are computed once per s (not
    /// once per (s, j)), the sums over columns of the stored triangles are accumulated row by row (contiguous
    /// reads), and only the few end-point corrections of the rule are applied per j. Over a history of H ≈ 4000
    /// rows this replaces O(k·H²) closure calls with polynomial evaluations per iteration.
    func startBlockRightHandSides(row i: Int, correlationSide: inout [Double], responseSide: inout [Double]) {
        let H = historySteps, h = options.step
        var memory = [Double](repeating: 0, count: i + 1), slope = [Double](repeating: 0, count: i + 1)
        let rowCi = correlation.row(i), rowRi = response.row(i)
        for s in 0...i {
            let (d1, d2) = polynomial.derivatives(rowCi[s])
            memory[s] = d2 * rowRi[s]
            slope[s] = d1
        }
        // With an FFT history (rows < P stationary): for j < P the history rows' share of every sum below is a
        // Toeplitz product (`HistoryToeplitz`), and only rows s ≥ P are swept.
        let toeplitz = usesHistoryToeplitz ? historyToeplitz : nil
        let P = toeplitz?.rows ?? 0
        var historyC = [Double](repeating: 0, count: P), historyR = historyC, historyNoise = historyC
        if let toeplitz {
            memory.withUnsafeBufferPointer { m in
                slope.withUnsafeBufferPointer { d in
                    toeplitz.sums(x: m.baseAddress!, y: d.baseAddress!, first: &historyC, second: &historyR,
                                  third: &historyNoise)
                }
            }
        }
        // upperC[j] = Σ_{s=j+1}^{i} memory[s] C(s,j),  upperR[j] = Σ_{s=j}^{i} memory[s] R(s,j) (s ≥ P).
        var upperC = [Double](repeating: 0, count: i), upperR = [Double](repeating: 0, count: i)
        memory.withUnsafeBufferPointer { m in
            upperC.withUnsafeMutableBufferPointer { uc in
                upperR.withUnsafeMutableBufferPointer { ur in
                    for s in P...i {
                        let weight = m[s]
                        if weight == 0 { continue }
                        let rowC = correlation.row(s), rowR = response.row(s)
                        for j in 0..<min(s, i) { uc[j] += weight * rowC[j] }
                        for j in 0...min(s, i - 1) { ur[j] += weight * rowR[j] }
                    }
                }
            }
        }
        memory.withUnsafeBufferPointer { m in
            slope.withUnsafeBufferPointer { d in
                for j in 0..<i {
                    let rowCj = correlation.row(j), rowRj = response.row(j)
                    var lower = 0.0, noise = 0.0
                    if j < P {
                        lower = historyC[j]
                        noise = historyNoise[j]
                    } else {
                        for s in 0...j {
                            lower += m[s] * rowCj[s]
                            noise += d[s] * rowRj[s]
                        }
                    }
                    var sigmaC = lower + upperC[j]
                    forEachWeightCorrection(0, i, j, H) { s, c in sigmaC += c * m[s] * self.correlation.symmetric(s, j) }
                    if j > 0 {
                        forEachWeightCorrection(0, j, H, H) { s, c in noise += c * d[s] * self.response[j, s] }
                    } else {
                        noise = 0
                    }
                    var sigmaR = upperR[j] + (j < P ? historyR[j] : 0)
                    forEachWeightCorrection(j, i, H, H) { s, c in sigmaR += c * m[s] * self.response[s, j] }
                    correlationSide[j] = h * (sigmaC + noise)
                    responseSide[j] = h * sigmaR
                }
            }
        }
    }

    // MARK: - One row

    /// Predicts row n by extrapolation along the lag (t − t' fixed) where the lag is shorter than the age t', along the
    /// column (t' fixed) otherwise, or wherever a lag line would leave the grid or cross t' = 0; μ(t_n) by extrapolation.
    private func predict(_ n: Int) {
        let points = weights.extrapolationDegree + 1
        let H = historySteps
        let rowC = correlation.row(n), rowR = response.row(n)
        let coefficients = extrapolations[points - 1]
        for x in 1...n {
            let j = n - x
            var c = 0.0, r = 0.0
            // Along the lag the scale of variation is the age t', along the column it is the lag t − t'.
            let lagFits = j - points >= 0 && (j - points >= H || j < H)
            let columnFits = x >= points
            if (lagFits && (x <= j || !columnFits)) || !columnFits {
                let available = min(points, j)
                let lagCoefficients = extrapolations[available - 1]
                for l in 1...available {
                    c += lagCoefficients[l - 1] * correlation[n - l, j - l]
                    r += lagCoefficients[l - 1] * response[n - l, j - l]
                }
            } else {
                for l in 1...points {
                    c += coefficients[l - 1] * correlation[n - l, j]
                    r += coefficients[l - 1] * response[n - l, j]
                }
            }
            rowC[j] = c
            rowR[j] = r
        }
        rowC[n] = 1
        rowR[n] = 1
        var mu = 0.0
        for l in 1...points { mu += coefficients[l - 1] * multipliers[n - l] }
        multipliers[n] = mu
        if initialOverlap != nil {
            var m = 0.0
            for l in 1...points { m += coefficients[l - 1] * overlaps.baseAddress[n - l] }
            overlaps.baseAddress[n] = m
        }
    }

    /// One grid row n > H + k: predict, then corrector passes.
    func stepRow(_ n: Int) throws {
        let k = options.order
        predict(n)
        let passes = n <= historySteps + 8 * k ? 40 : options.correctorPasses
        let rowC = correlation.row(n), rowR = response.row(n)
        var change = 0.0
        for _ in 0..<passes {
            statistics.passes += 1
            previousCorrelation.baseAddress.update(from: rowC, count: n + 1)
            previousResponse.baseAddress.update(from: rowR, count: n + 1)
            let previousMu = multipliers[n]
            let overlapChange = initialOverlap != nil ? updateOverlap(n) : 0
            correctFarColumns(n)
            solveNearDiagonalBlock(n)
            let (mu, energy) = rowIntegrals(n)
            multipliers[n] = mu
            energies[n] = energy
            change = max(abs(mu - previousMu), overlapChange)
            let oldC = previousCorrelation.baseAddress, oldR = previousResponse.baseAddress
            for j in 0..<n { change = max(change, abs(rowC[j] - oldC[j]), abs(rowR[j] - oldR[j])) }
            guard change.isFinite else { throw TwoTimeError.nonFinite(time: time(ofRow: n)) }
            if change <= options.correctionTolerance { break }
        }
        if n > historySteps + 8 * k { statistics.largestFinalChange = max(statistics.largestFinalChange, change) }
        // |C(t,t')| ≤ 1 for every solution: a violation beyond the discretisation error means the step is too large.
        for j in 0..<n where !(abs(rowC[j]) <= 1 + 1e-6) {
            if !rowC[j].isFinite || !rowR[j].isFinite { throw TwoTimeError.nonFinite(time: time(ofRow: n)) }
            var reason = "|C(t,t')| = \(abs(rowC[j])) > 1 at t' = \(time(ofRow: j))"
            if temperature < 0.01 && options.order >= 3 {
                reason += "; near T = 0 the order-\(options.order) steps overshoot C ≤ 1 by ~1e-6 for dt > 0.05: use dt ≤ 0.05 or --order 2"
            }
            throw TwoTimeError.unstable(time: time(ofRow: n), reason: reason)
        }
    }

    /// The memory sums over the stored rows for every far column, then the BDF_k step of each far column.
    private func correctFarColumns(_ n: Int) {
        let k = options.order, h = options.step, H = historySteps
        let farLast = n - k - 1
        guard farLast >= 0 else { return }
        let rowC = correlation.row(n), rowR = response.row(n)
        let x = sigmaRow.baseAddress, y = slopeRow.baseAddress
        for s in 0..<n {
            let (d1, d2) = polynomial.derivatives(rowC[s])
            x[s] = d2 * rowR[s]
            y[s] = d1
        }
        let (slopeAtOne, curvatureAtOne) = polynomial.derivatives(1)
        x[n] = curvatureAtOne
        y[n] = slopeAtOne

        // Bulk sums (weight 1): first[j] = Σ_{s<n} x_s C(s,j), second[j] = Σ_{j≤s<n} x_s R(s,j),
        // third[j] = Σ_{s≤j} y_s R(j,s), for j ≤ farLast.
        let first = sumFirst.baseAddress, second = sumSecond.baseAddress, third = sumThird.baseAddress
        let columns = farLast + 1
        // Rows below `direct` (the stationary history) come from the Toeplitz products; the rest are swept.
        let toeplitz = usesHistoryToeplitz ? historyToeplitz : nil
        let direct = toeplitz?.rows ?? 0
        let chunks = n - direct >= 384 ? chunkCount : 1
        let bounds = TriangleChunks.boundaries(from: direct, to: n, chunks: chunks)
        sweptValues += n * (n + 1) / 2 - direct * (direct + 1) / 2
        let correlationTriangle = correlation, responseTriangle = response
        let firstChunks = chunkFirst.map(\.baseAddress), secondChunks = chunkSecond.map(\.baseAddress)
        let work = UncheckedSendable((x, y, third, firstChunks, secondChunks, bounds))
        let body: (Int) -> Void = { c in
            let (x, y, third, firstChunks, secondChunks, bounds) = work.value
            let low = bounds[c], high = bounds[c + 1]
            guard high > low else { return }
            let accumulatorA = firstChunks[c], accumulatorE = secondChunks[c]
            let touched = min(high, columns)
            accumulatorA.update(repeating: 0, count: touched)
            accumulatorE.update(repeating: 0, count: touched)
            for r in low..<high {
                let u = correlationTriangle.row(r), v = responseTriangle.row(r)
                if r <= farLast {
                    let (dotU, dotV) = TwoTimeKernels.fusedRow(count: r + 1, scale: x[r], u: u, v: v, x: x, y: y,
                                                               first: accumulatorA, second: accumulatorE)
                    accumulatorA[r] += dotU - u[r] * x[r]
                    third[r] = dotV
                } else {
                    TwoTimeKernels.doubleAxpy(count: columns, scale: x[r], u: u, v: v,
                                              first: accumulatorA, second: accumulatorE)
                }
            }
        }
        if chunks == 1 { body(0) } else { TwoTimeParallel.run(iterations: chunks, body) }
        if let toeplitz {
            toeplitz.sums(x: x, y: y, first: first, second: second, third: third)
            (first + direct).update(repeating: 0, count: columns - direct)
            (second + direct).update(repeating: 0, count: columns - direct)
        } else {
            first.update(repeating: 0, count: columns)
            second.update(repeating: 0, count: columns)
        }
        for c in 0..<chunks {
            let touched = min(bounds[c + 1], columns)
            guard bounds[c + 1] > bounds[c], touched > 0 else { continue }
            TwoTimeKernels.accumulate(count: touched, chunks: [firstChunks[c]], into: first)
            TwoTimeKernels.accumulate(count: touched, chunks: [secondChunks[c]], into: second)
        }

        // Per column: end corrections of the rule (split at t' and t_H), implicit endpoint, BDF_k. Columns are
        // independent: split over the cores in fixed chunks.
        let bdf = weights.backwardDifferentiation
        let mu = multipliers[n]
        let xn = x[n]
        let cBase = correlation.storage.baseAddress, rBase = response.storage.baseAddress
        @inline(__always) func at(_ base: UnsafeMutablePointer<Double>, _ i: Int, _ j: Int) -> Double {
            base[i * (i + 1) / 2 + j]
        }
        // Signal term f'(m(t_n)) m(t_j) of the C equation (0 without a signal: m ≡ 0).
        let overlap = overlaps.baseAddress, signalSlope = initialOverlap != nil ? mixture.derivative(overlap[n]) : 0
        let columnWork = UncheckedSendable((x, y, first, second, third, rowC, rowR, cBase, rBase))
        let columnChunks = columns >= 1024 ? 4 : 1
        let columnBody: (Int) -> Void = { c in
            let (x, y, first, second, third, rowC, rowR, cBase, rBase) = columnWork.value
            let low = c * columns / columnChunks, high = (c + 1) * columns / columnChunks
            for j in low..<high {
                var correctionA = 0.0, weightA = 1.0
                self.forEachWeightCorrection(0, n, j, H) { s, c in
                    if s == n { weightA += c } else {
                        correctionA += c * x[s] * (s >= j ? at(cBase, s, j) : at(cBase, j, s))
                    }
                }
                var correctionE = 0.0, weightE = 1.0
                self.forEachWeightCorrection(j, n, H, H) { s, c in
                    if s == n { weightE += c } else { correctionE += c * x[s] * at(rBase, s, j) }
                }
                var correctionB = 0.0
                if j > 0 {
                    self.forEachWeightCorrection(0, j, H, H) { s, c in correctionB += c * y[s] * at(rBase, j, s) }
                }
                let knownA = h * (first[j] + correctionA)
                let knownB = j > 0 ? h * (third[j] + correctionB) : 0
                let knownE = h * (second[j] + correctionE)
                var historyC = 0.0, historyR = 0.0
                for l in 1...k {
                    historyC += bdf[l] * at(cBase, n - l, j)
                    historyR += bdf[l] * at(rBase, n - l, j)
                }
                let diagonalC = bdf[0] + h * mu - h * h * weightA * xn
                let diagonalR = bdf[0] + h * mu - h * h * weightE * xn
                rowC[j] = (h * (knownA + knownB + signalSlope * overlap[j]) - historyC) / diagonalC
                rowR[j] = (h * knownE - historyR) / diagonalR
            }
        }
        if columnChunks == 1 { columnBody(0) } else { TwoTimeParallel.run(iterations: columnChunks, columnBody) }
    }

    /// Solves C(t_n, t_n − xh), R(t_n, t_n − xh), x = 1…k, from the equations in the second time.
    private func solveNearDiagonalBlock(_ n: Int) {
        let k = options.order, h = options.step, H = historySteps
        let T = temperature
        let rowC = correlation.row(n), rowR = response.row(n)
        let (slopeAtOne, curvatureAtOne) = polynomial.derivatives(1)
        let start = weights.startDerivative
        let farEnd = n - k  // s < farEnd: far values of row n, fixed here
        // Long integrals over [0, j], j = n − x: far parts and the block coefficients h·w(s), s = n − l, l ∈ [x, k].
        var farJ1 = [Double](repeating: 0, count: k + 1), farJ2 = [Double](repeating: 0, count: k + 1)
        var blockWeight = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k + 1)
        var blockSigma = blockWeight, blockSlope = blockWeight
        for x in 1...k {
            let j = n - x
            let rowJC = correlation.row(j), rowJR = response.row(j)
            var sum1 = 0.0, sum2 = 0.0
            for s in 0..<max(0, min(farEnd, j + 1)) {
                let (d1, d2) = polynomial.derivatives(rowJC[s])
                sum1 += d2 * rowJR[s] * rowC[s]
                sum2 += d1 * rowR[s]
            }
            for l in x...k { blockWeight[x][l] = 1 }
            forEachWeightCorrection(0, j, H, H) { s, c in
                if s < farEnd {
                    let (d1, d2) = polynomial.derivatives(rowJC[s])
                    sum1 += c * d2 * rowJR[s] * rowC[s]
                    sum2 += c * d1 * rowR[s]
                } else {
                    blockWeight[x][n - s] += c
                }
            }
            if j == 0 { sum1 = 0; sum2 = 0; for l in x...k { blockWeight[x][l] = 0 } }
            farJ1[x] = h * sum1
            farJ2[x] = h * sum2
            for l in x...k {
                blockWeight[x][l] *= h
                let s = n - l
                let (d1, d2) = polynomial.derivatives(rowJC[s])
                blockSigma[x][l] = d2 * rowJR[s]   // Σ(j, s); = f''(1) at s = j
                blockSlope[x][l] = d1              // f'(C(j, s)); = f'(1) at s = j
            }
        }
        // Short pieces [j, n]: w^{(x)} and the known Σ(j+i, j), f'(C(j+i, j)) for 0 < i < x.
        var shortSigma = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k + 1)
        var shortSlope = shortSigma
        for x in 1...k {
            let j = n - x
            shortSigma[x][0] = curvatureAtOne
            shortSlope[x][0] = slopeAtOne
            if x >= 2 {
                for i in 1..<x {
                    let (d1, d2) = polynomial.derivatives(correlation[j + i, j])
                    shortSigma[x][i] = d2 * response[j + i, j]
                    shortSlope[x][i] = d1
                }
            }
        }
        var blockC = [Double](repeating: 1, count: k + 1), blockR = [Double](repeating: 1, count: k + 1)
        for l in 1...k { blockC[l] = rowC[n - l]; blockR[l] = rowR[n - l] }
        var matrix = [Double](repeating: 0, count: k * k)
        var vector = [Double](repeating: 0, count: k)
        // Signal term of the C equation in the second time, f'(m(t_j)) m(t_n) (0 without a signal).
        var signal = [Double](repeating: 0, count: k + 1)
        if initialOverlap != nil {
            for x in 1...k { signal[x] = mixture.derivative(overlaps.baseAddress[n - x]) * overlaps.baseAddress[n] }
        }
        for _ in 0..<60 {
            var largest = 0.0
            // R: −(1/h) Σ_l S_{x,l} R_l − μ(j) R_x + h Σ_i w_i R(n, j+i) Σ(j+i, j) = 0.
            for x in 1...k {
                let j = n - x
                for l in 1...k { matrix[(x - 1) * k + (l - 1)] = -start[x][l] / h }
                matrix[(x - 1) * k + (x - 1)] -= multipliers[j]
                for l in 1...x {
                    // i = x − l: R(n, j + i) = R_l, Σ(n − l, j).
                    matrix[(x - 1) * k + (l - 1)] += h * weights.weight(x - l, intervals: x) * shortSigma[x][x - l]
                }
                let (_, curvature) = polynomial.derivatives(blockC[x])
                matrix[(x - 1) * k + (x - 1)] += h * weights.weight(x, intervals: x) * curvature
                vector[x - 1] = start[x][0] / h
            }
            if DenseLinearAlgebra.solve(&matrix, &vector, size: k) {
                for l in 1...k { largest = max(largest, abs(vector[l - 1] - blockR[l])); blockR[l] = vector[l - 1] }
            }
            // C: −(1/h) Σ_l S_{x,l} C_l + μ(j) C_x − Σ_{l ≥ x} hw Σ(j, n−l) C_l = J1far + J2 + 2T R_x.
            for x in 1...k {
                let j = n - x
                for l in 1...k { matrix[(x - 1) * k + (l - 1)] = -start[x][l] / h }
                matrix[(x - 1) * k + (x - 1)] += multipliers[j]
                for l in x...k { matrix[(x - 1) * k + (l - 1)] -= blockWeight[x][l] * blockSigma[x][l] }
                var j2 = farJ2[x]
                for l in x...k { j2 += blockWeight[x][l] * blockSlope[x][l] * blockR[l] }
                // [j, n]: i = 0: f'(1) R_x; 0 < i < x: f'(C(j+i, j)) R_{x−i}; i = x: f'(C_x)·1.
                var shortSum = 0.0
                for i in 0..<x { shortSum += weights.weight(i, intervals: x) * shortSlope[x][i] * blockR[x - i] }
                shortSum += weights.weight(x, intervals: x) * polynomial.derivatives(blockC[x]).0
                j2 += h * shortSum
                vector[x - 1] = start[x][0] / h + farJ1[x] + j2 + 2 * T * blockR[x] + signal[x]
            }
            if DenseLinearAlgebra.solve(&matrix, &vector, size: k) {
                for l in 1...k { largest = max(largest, abs(vector[l - 1] - blockC[l])); blockC[l] = vector[l - 1] }
            }
            if largest <= 1e-15 { break }
        }
        for l in 1...k { rowC[n - l] = blockC[l]; rowR[n - l] = blockR[l] }
        rowC[n] = 1
        rowR[n] = 1
    }
}

/// `DispatchQueue.concurrentPerform` for work items that share unsafe pointers and write disjoint memory.
enum TwoTimeParallel {
    static func run(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: iterations) { shared.value($0) }
        }
    }
}

/// Wraps values that are shared read-only (or written at disjoint indices) across `concurrentPerform` workers.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
