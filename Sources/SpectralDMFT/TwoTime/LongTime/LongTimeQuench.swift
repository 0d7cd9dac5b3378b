import Foundation

/// Grid and tolerances of the decimating long-time integrator (`LongTimeQuenchSolver`).
///
/// The run starts on a tiny uniform step `initialStep` (the first half block is filled with the exact short-time
/// form C = 1 − T(t − t'), χ = t − t'), and every time the block of `blockSize` steps is full it keeps every second
/// row and column and doubles the step. Times are therefore exact multiples of `initialStep`.
public struct LongTimeOptions: Sendable, Codable, Equatable {
    /// M: steps per block (even, 16…4096). Memory 2(M+1)² doubles; the error falls with M (second order scheme).
    public var blockSize: Int
    /// The last time t_max (Langevin units); the run stops at the first grid row ≥ t_max.
    public var maximumTime: Double
    /// h₀: the step of the first block (default 2⁻³⁰ ≈ 9.3e-10).
    public var initialStep: Double
    /// The largest change of a value in the last self-consistency pass of a row (default 1e-12).
    public var tolerance: Double
    /// Self-consistency passes of a row with a falling relaxation factor; a row still unconverged then gets up to
    /// 4× as many more with a factor that also recovers, and only then fails with `ConvergenceError.notConverged`.
    public var maximumPasses: Int
    /// Requested waiting times t_w; each is moved to the nearest h₀·2^k (a time that stays on the grid longest).
    public var waitingTimes: [Double]

    /// Options with block size `blockSize` up to `maximumTime`.
    public init(blockSize: Int, maximumTime: Double, initialStep: Double = 0x1p-30, tolerance: Double = 1e-12,
                maximumPasses: Int = 2000, waitingTimes: [Double] = []) {
        self.blockSize = blockSize
        self.maximumTime = maximumTime
        self.initialStep = initialStep
        self.tolerance = tolerance
        self.maximumPasses = maximumPasses
        self.waitingTimes = waitingTimes
    }

    package func validate() throws {
        guard blockSize >= 16, blockSize <= 4096, blockSize % 2 == 0 else {
            throw TwoTimeError.invalidParameter(name: "block size", value: Double(blockSize),
                                                requirement: "an even integer in 16...4096")
        }
        guard maximumTime.isFinite, maximumTime > 0, maximumTime <= 1e9 else {
            throw TwoTimeError.invalidParameter(name: "t-max", value: maximumTime, requirement: "a number in (0, 1e9]")
        }
        guard initialStep.isFinite, initialStep > 0, initialStep * Double(blockSize) <= 1e-3 else {
            throw TwoTimeError.invalidParameter(name: "initial step", value: initialStep,
                                                requirement: "positive with M·h0 <= 1e-3")
        }
        guard tolerance.isFinite, tolerance > 0 else {
            throw TwoTimeError.invalidParameter(name: "tolerance", value: tolerance, requirement: "a number > 0")
        }
        guard maximumPasses >= 1 else {
            throw TwoTimeError.invalidParameter(name: "maximum passes", value: Double(maximumPasses), requirement: ">= 1")
        }
        for t in waitingTimes where !(t.isFinite && t > 0) {
            throw TwoTimeError.invalidParameter(name: "t_w", value: t, requirement: "a number > 0")
        }
    }

    /// The grid time h₀·2^k nearest (in log) to `t`.
    public func gridWaitingTime(near t: Double) -> Double {
        initialStep * exp2((log2(t / initialStep)).rounded())
    }
}

/// A p-spin quench from a random start to temperature T ≥ 0, to be integrated to long times by
/// `LongTimeQuenchSolver` (the problem of the problem → solver → solution shape).
///
/// The equations are those of docs/PHYSICS.md §2 written for C(t,t') and the integrated response
/// χ(t,t') = ∫_{t'}^t R(t,s) ds (so that T = 0 needs no special case):
///
///     ∂_t C(t,t') = −μ(t) C(t,t') + ∫_0^t f''(C(t,s)) R(t,s) C(s,t') ds + ∫_0^{t'} f'(C(t,s)) R(t',s) ds,
///     ∂_t χ(t,t') = 1 − μ(t) χ(t,t') + ∫_{t'}^t f''(C(t,s)) R(t,s) χ(s,t') ds,
///     μ(t) = T + ∫_0^t [f'(C) + C f''(C)](t,s) R(t,s) ds,   E(t)/N = −∫_0^t f'(C(t,s)) R(t,s) ds,
///
/// with R(t,s) ds = −d_s χ(t,s). Units: Langevin time, energy per spin.
public struct LongTimeQuench: Sendable, Equatable {
    /// The model f(q) = Σ c_p q^p/2.
    public let mixture: PSpinMixture
    /// The bath temperature T ≥ 0 (T = 0: gradient descent).
    public let temperature: Double
    /// m(0) ∈ [−1, 1], the overlap of the random start with a planted signal (the spiked model of
    /// docs/PHYSICS.md §2.9, whose signal term is −N f(m) with the same f as the noise). 0 (the default): no signal,
    /// m ≡ 0 and the run is the plain quench bit for bit.
    public let initialOverlap: Double
    /// T' > T_d: the start is drawn from the Boltzmann measure at T' (an equilibrated paramagnet, annealed average;
    /// docs/PHYSICS.md §2.8, equilibrium start); nil (the default): a random start, the run bit for bit as without
    /// this option. With T' = T the run is stationary (equilibrium dynamics at T).
    public let initialTemperature: Double?

    /// The quench of `mixture` from a random start to `temperature`; with `initialOverlap` m₀ ≠ 0 the loss gains the
    /// signal term −N f(m) and the run integrates m(t) (`SpikedQuench.longTime`):
    ///
    ///     ∂_t C(t,t') = [terms above] + f'(m(t)) m(t'),   ∂_t m = −μ m + f'(m) − ∫_0^t f''(C(t,s)) m(s) d_sχ(t,s),
    ///     μ(t) = [above] + f'(m) m,   E(t)/N = [above] − f(m).
    ///
    /// With `initialTemperature` T' the start is an equilibrium configuration at T' > T_d (β' = 1/T'): averaging over
    /// it (annealed, exact in the paramagnet) adds to the loss the mean −β' N f(C(t,0)), a signal term whose
    /// "signal" is the start itself (m(t) → C(t,0), the column t' = 0 of the block, never decimated):
    ///
    ///     ∂_t C(t,t') = [terms above] + β' f'(C(t,0)) C(t',0),   μ(t) = [above] + β' f'(C(t,0)) C(t,0),
    ///     E(t)/N = [above] − β' f(C(t,0));   the χ equation is unchanged (causality).
    ///
    /// At t = 0, μ = T + β' f'(1) and E/N = −β' f(1): with T' = T the equilibrium values at all t.
    ///
    /// - Throws: `TwoTimeError.invalidParameter` for T negative or not finite, m₀ not finite or |m₀| > 1, T' not
    ///   finite or T' ≤ T_d of the mixture (below T_d the Boltzmann measure is not the paramagnet the annealed
    ///   average assumes), or T' together with m₀ ≠ 0.
    public init(mixture: PSpinMixture, temperature: Double, initialOverlap: Double = 0,
                initialTemperature: Double? = nil) throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw TwoTimeError.invalidParameter(name: "T", value: temperature, requirement: "a finite number >= 0")
        }
        guard initialOverlap.isFinite, abs(initialOverlap) <= 1 else {
            throw TwoTimeError.invalidParameter(name: "m0", value: initialOverlap, requirement: "in [-1, 1]")
        }
        if let initialTemperature {
            let transition = mixture.dynamicalTransition.temperature
            guard initialTemperature.isFinite, initialTemperature > transition else {
                throw TwoTimeError.invalidParameter(
                    name: "initial temperature T'", value: initialTemperature,
                    requirement: "a finite number > T_d = \(transition) (an equilibrium start above the dynamical transition)")
            }
            guard initialOverlap == 0 else {
                throw TwoTimeError.invalidParameter(name: "m0", value: initialOverlap,
                                                    requirement: "0 with an equilibrium start (initial temperature)")
            }
        }
        self.mixture = mixture
        self.temperature = temperature
        self.initialOverlap = initialOverlap
        self.initialTemperature = initialTemperature
    }

    /// β' = 1/T' of an equilibrium start; 0 for a random start (the extra terms vanish).
    var startInverseTemperature: Double { initialTemperature.map { 1 / $0 } ?? 0 }

    /// The threshold energy E_th = −√(2c(p−1)/p) of a pure mixture f = c q^p/2 (the T = 0 asymptote of a quench
    /// from a random start); nil for a mixture of several degrees.
    public var thresholdEnergy: Double? {
        guard mixture.terms.count == 1, let term = mixture.terms.first else { return nil }
        let p = Double(term.degree)
        return -(2 * term.coefficient * (p - 1) / p).squareRoot()
    }
}

/// One computed row of a long-time run.
public struct LongTimeSample: Sendable, Codable, Equatable {
    /// t (Langevin units).
    public var time: Double
    /// μ(t).
    public var multiplier: Double
    /// E(t)/N.
    public var energy: Double
    /// The step h of the block that computed the row.
    public var step: Double
}

/// C(t, t_w) and χ(t, t_w) at one waiting time, for every computed row t ≥ t_w while t_w is on the grid.
public struct LongTimeWaitingCut: Sendable, Codable, Equatable {
    /// The waiting time (a grid time h₀·2^k).
    public var waitingTime: Double
    /// The later times t.
    public var times: [Double] = []
    /// C(t, t_w).
    public var correlation: [Double] = []
    /// χ(t, t_w) = ∫_{t_w}^t R(t,s) ds.
    public var susceptibility: [Double] = []
}

/// Physically impossible output seen in a run (beyond `tolerance`): a solver bug or a grid too coarse.
public struct LongTimeFlags: Sendable, Codable, Equatable {
    /// max C(t,t') − 1 over all computed off-diagonal values (> 0: C above 1).
    public var largestCorrelationExcess = -1.0
    /// After a quench from a random start, at any T: the largest rise of E(t) above its running minimum,
    /// max_i [E(t_i) − min_{j<i} E(t_j)] (> 0: E not monotone). A slow upward drift is caught as well as a jump.
    public var largestEnergyRise: Double?
    /// At T = 0, pure mixture: E_th − min E (> 0: E below the threshold energy); nil otherwise.
    public var largestDropBelowThreshold: Double?
    /// The tolerance the flags are judged against.
    public var tolerance = 1e-3

    /// Human-readable list of violated bounds (empty: none).
    public var violations: [String] {
        var list: [String] = []
        if largestCorrelationExcess > tolerance { list.append("C exceeds 1 by \(largestCorrelationExcess)") }
        if let rise = largestEnergyRise, rise > tolerance { list.append("E(t) rises by \(rise) above its running minimum") }
        if let drop = largestDropBelowThreshold, drop > tolerance { list.append("E drops \(drop) below E_th at T = 0") }
        return list
    }
}

/// The result of a long-time run: E(t), μ(t) at every computed row, the waiting-time cuts, the last row, flags and
/// the convergence report.
public struct LongTimeQuenchSolution: Sendable, Codable {
    /// The model.
    public let mixture: PSpinMixture
    /// The temperature.
    public let temperature: Double
    /// The grid and tolerances.
    public let options: LongTimeOptions
    /// Every computed row, in time order (the first half block at h₀ included).
    public internal(set) var samples: [LongTimeSample]
    /// m(t) at every row of `samples` (all 0 without a signal, `LongTimeQuench.initialOverlap` = 0).
    public internal(set) var overlaps: [Double]
    /// C(t, t_w), χ(t, t_w) for each requested waiting time.
    public internal(set) var waitingCuts: [LongTimeWaitingCut]
    /// The last row's times t', C(t_last, t'), χ(t_last, t') on the final (coarsest) grid.
    public internal(set) var lastRow: (times: [Double], correlation: [Double], susceptibility: [Double])
    /// Impossible-output checks.
    public internal(set) var flags: LongTimeFlags
    /// Method, passes summed over rows, the largest final change of a row.
    public internal(set) var report: ConvergenceReport
    /// Blocks (step doublings) done.
    public internal(set) var doublings: Int
    /// With `LongTimeQuenchSolver.stopsOnceRecovered` only: why the run ended before t_max without settling (the
    /// error of the first row that failed); nil otherwise.
    public internal(set) var stoppedEarly: String? = nil
    /// Rows that the first `LongTimeOptions.maximumPasses` passes (falling relaxation factor) left unconverged and
    /// the recovering relaxation finished (0 in every run that the first phase alone completes).
    public internal(set) var retriedRows = 0

    enum CodingKeys: String, CodingKey {
        case mixture, temperature, options, samples, overlaps, waitingCuts, flags, report, doublings, retriedRows
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mixture = try c.decode(PSpinMixture.self, forKey: .mixture)
        temperature = try c.decode(Double.self, forKey: .temperature)
        options = try c.decode(LongTimeOptions.self, forKey: .options)
        samples = try c.decode([LongTimeSample].self, forKey: .samples)
        overlaps = try c.decodeIfPresent([Double].self, forKey: .overlaps) ?? [Double](repeating: 0, count: samples.count)
        waitingCuts = try c.decode([LongTimeWaitingCut].self, forKey: .waitingCuts)
        flags = try c.decode(LongTimeFlags.self, forKey: .flags)
        report = try c.decode(ConvergenceReport.self, forKey: .report)
        doublings = try c.decode(Int.self, forKey: .doublings)
        retriedRows = try c.decodeIfPresent(Int.self, forKey: .retriedRows) ?? 0
        lastRow = ([], [], [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mixture, forKey: .mixture)
        try c.encode(temperature, forKey: .temperature)
        try c.encode(options, forKey: .options)
        try c.encode(samples, forKey: .samples)
        try c.encode(overlaps, forKey: .overlaps)
        try c.encode(waitingCuts, forKey: .waitingCuts)
        try c.encode(flags, forKey: .flags)
        try c.encode(report, forKey: .report)
        try c.encode(doublings, forKey: .doublings)
        try c.encode(retriedRows, forKey: .retriedRows)
    }

    init(mixture: PSpinMixture, temperature: Double, options: LongTimeOptions) {
        self.mixture = mixture
        self.temperature = temperature
        self.options = options
        samples = []
        overlaps = []
        waitingCuts = []
        lastRow = ([], [], [])
        flags = LongTimeFlags()
        report = ConvergenceReport(method: "", iterations: 0, residual: 0)
        doublings = 0
    }

    /// The computed row at time `t` exactly (times are multiples of h₀), or nil.
    public func sample(at t: Double) -> LongTimeSample? {
        var low = 0, high = samples.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = samples[mid].time
            if abs(value - t) <= 1e-12 * max(1, t) { return samples[mid] }
            if value < t { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// E(t) by linear interpolation between computed rows (t within the run).
    public func energy(at t: Double) -> Double {
        guard let first = samples.first, let last = samples.last, t >= first.time, t <= last.time else { return .nan }
        var low = 0, high = samples.count - 1
        while high - low > 1 {
            let mid = (low + high) / 2
            if samples[mid].time <= t { low = mid } else { high = mid }
        }
        let a = samples[low], b = samples[high]
        if b.time == a.time { return a.energy }
        let w = (t - a.time) / (b.time - a.time)
        return a.energy + w * (b.energy - a.energy)
    }

    /// The largest |E_this(t) − E_other(t)| over the rows the two runs share with t ≥ `from`, and the time where
    /// it occurs: the error bar of a run against a run at twice the block size.
    public func largestEnergyDifference(to other: LongTimeQuenchSolution, from: Double = 0) -> (value: Double, time: Double) {
        var best = (value: 0.0, time: 0.0)
        var k = 0
        for sample in samples where sample.time >= from {
            while k < other.samples.count && other.samples[k].time < sample.time * (1 - 1e-14) { k += 1 }
            guard k < other.samples.count, abs(other.samples[k].time - sample.time) <= 1e-12 * max(1, sample.time) else { continue }
            let d = abs(other.samples[k].energy - sample.energy)
            if d > best.value { best = (d, sample.time) }
        }
        return best
    }
}

/// Integrates `LongTimeQuench` to t_max with memory independent of t: a Kim–Latz-type block-doubling scheme in the
/// variables C and χ (docs/PHYSICS.md, long-time aging).
///
/// **Geometry.** A block holds rows and columns 0…M at step h. Rows M/2+1…M are computed; when the block is full,
/// rows and columns 0, 2, 4, … are kept (decimation) and h doubles, so t grows by 2 per block and a run to t_max
/// costs log₂(t_max/(M h₀/2)) blocks of M/2 rows (cost per unit of log t bounded, memory 2(M+1)² doubles).
///
/// **Quadrature.** Every memory integral is a Stieltjes integral against χ(t,·) or χ(t',·)
/// (R(t,s) ds = −d_sχ(t,s)); the integrals are split at the midpoint s = (t+t')/2 so that on each part only one
/// factor has a fast (near-diagonal) structure. Smooth factors are averaged by the trapezoid rule; the fast factor
/// enters either as an exact increment of χ (the χ-linear rule, `ChiLinearIntervalRule`: C linear in χ on each
/// interval and f', f'', f' + Cf'' integrated exactly, so exact under FDT however long the interval) or through its
/// interval mean on the diagonal interval, c̄(t) = h⁻¹∫_0^h C(t,t−u) du,
/// x̄(t) = h⁻¹∫_0^h χ(t,t−u) du. Those means, and the values at lag h, are carried from the previous row (the
/// short-lag part is stationary within a block) and, on decimation, combined from the two finer intervals they
/// cover (computed values at lags h, 2h), so the fine structure near the diagonal is transported, never frozen at
/// its start-up form. BDF2 in t (BDF1 for the column at lag 2h, whose BDF2 stencil would reach the diagonal);
/// each row solved by damped Jacobi passes over its columns (both cores) to `tolerance`.
/// Measured accuracy (docs/PHYSICS.md §2.8): second order in 1/M at early t, the error falling ≈ 2× per doubling
/// of M at late t; |ΔE| ~ 1e-4 (p = 2, M = 512, t ≤ 1e4). Estimate the error by a second run at 2M.
///
/// A row that does not converge throws `ConvergenceError.notConverged` (with its last change); NaN throws
/// `TwoTimeError.nonFinite`. Impossible output (C > 1, E rising above its running minimum, E below E_th at T = 0) is measured in
/// `LongTimeQuenchSolution.flags` and, with `strict`, thrown as `TwoTimeError.impossibleOutput`.
public final class LongTimeQuenchSolver {
    /// The problem.
    public let problem: LongTimeQuench
    /// Grid and tolerances.
    public let options: LongTimeOptions
    /// Throw `TwoTimeError.impossibleOutput` when a flag exceeds `flagTolerance` (default true).
    public var strict = true
    /// The tolerance of the impossible-output flags (default 1e-3, the size of the scheme's error bar at
    /// M = 256–512: violations within the error of the run are reported in the flags, not refused).
    public var flagTolerance = 1e-3
    /// Spiked runs (m₀ ≠ 0) only: end the run early, at a row t_i where |m| ≥ `SpikedQuenchSolution.recoveryLevel` and
    /// m(t_i) differs from m(t_i/2) by at most 1e-3·|m| (settled over an octave), or at the last completed row when
    /// a later row fails (not converged, non-finite; recorded in `LongTimeQuenchSolution.stoppedEarly`, whatever m).
    /// Default false.
    /// Used by threshold scans: after recovery at late t the step h ∝ t exceeds the time scale of the jump into the
    /// signal minimum, and t_rec needs only m up to its plateau.
    public var stopsOnceRecovered = false
    /// Worker threads for the column loop (default: the active processors, at most 8).
    public var threads = min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
    /// Write checkpoints during `solve` (nil, the default: none). See `LongTimeCheckpointPolicy`.
    public var checkpointPolicy: LongTimeCheckpointPolicy?
    /// Test hook: stop with `LongTimeRunInterrupted` after this many checkpoints were written (nil: never).
    package var stopsAfterCheckpoints: Int?
    /// Diagnosis: exact near-diagonal values (LongTimeNearDiagonalOracle.swift); nil in every real run.
    package var nearDiagonalOracle: (any LongTimeNearDiagonalOracle)?

    let M: Int
    let stride: Int
    let polynomial: MixturePolynomial
    let intervalRule: ChiLinearIntervalRule
    var C: [Double]
    var X: [Double]
    var diagonalC: [Double]
    var diagonalX: [Double]
    /// m(t_i) of the block's rows (spiked model; all 0 without a signal), decimated with the rows.
    var overlap: [Double]

    /// A solver for `problem` on the grid `options`.
    ///
    /// - Throws: `TwoTimeError.invalidParameter` for options out of range.
    public init(_ problem: LongTimeQuench, options: LongTimeOptions) throws {
        try options.validate()
        self.problem = problem
        self.options = options
        M = options.blockSize
        stride = M + 1
        polynomial = MixturePolynomial(problem.mixture)
        intervalRule = ChiLinearIntervalRule(polynomial)
        C = [Double](repeating: 0, count: stride * stride)
        X = [Double](repeating: 0, count: stride * stride)
        diagonalC = [Double](repeating: 1, count: stride)
        diagonalX = [Double](repeating: 0, count: stride)
        overlap = [Double](repeating: 0, count: stride)
    }

    /// The interval rule of the memory integrals, recorded in checkpoints (a checkpoint of another rule is refused).
    static let quadratureRule = "chi-linear"

    /// Bytes of the stored blocks (independent of t_max).
    public var memoryBytes: Int { (2 * stride * stride + 3 * stride + 8 * stride) * 8 }

    /// Integrates to t_max, writing checkpoints by `checkpointPolicy`.
    ///
    /// - Parameters:
    ///   - checkpoint: a checkpoint of this problem and options to continue from (bit-identical to a run that was
    ///     never interrupted); nil: start at t = 0.
    ///   - progress: called after each block with (t, E(t)).
    /// - Throws: `TwoTimeError.checkpointMismatch` for a checkpoint of another problem or other options (nothing
    ///   is computed or written), `.unreadableCheckpoint` for an inconsistent one, and the errors of a run.
    public func solve(resumingFrom checkpoint: LongTimeCheckpoint? = nil,
                      progress: ((Double, Double) -> Void)? = nil) throws -> LongTimeQuenchSolution {
        let T = problem.temperature
        let h0 = options.initialStep
        let half = M / 2
        var solution = LongTimeQuenchSolution(mixture: problem.mixture, temperature: T, options: options)
        // E_th bounds the energy of the m = 0 landscape only: a run that finds a signal goes below it.
        let threshold = T == 0 && problem.initialOverlap == 0 && problem.initialTemperature == nil
            ? problem.thresholdEnergy : nil
        // E(t) falls after a quench to T ≤ T' (a random start is T' = ∞); a heating run (T' < T) rises.
        let measuresEnergyRise = problem.initialTemperature.map { $0 >= T } ?? true
        var flags = LongTimeFlags()
        flags.tolerance = flagTolerance

        // Waiting times: h0·2^k, column index 2^k / 2^b while b ≤ k.
        let exponents = options.waitingTimes.map { Int((log2($0 / h0)).rounded()) }
        solution.waitingCuts = exponents.map { LongTimeWaitingCut(waitingTime: h0 * exp2(Double($0))) }

        var block = 0
        var h = h0
        var totalPasses = 0
        var worstChange = 0.0
        var firstRow = half + 1
        var previousSeconds = 0.0
        var lowestEnergy = 0.0
        if let checkpoint {
            let state = try restore(checkpoint, into: &solution)
            block = Int(state[0])
            h = state[1]
            firstRow = Int(state[2])
            totalPasses = Int(state[3])
            worstChange = state[4]
            lowestEnergy = state[5]
            previousSeconds = state[6]
            flags = solution.flags
        } else {
        // First half block: the exact short-time form.
        for i in 0...half {
            for j in 0...i {
                let lag = Double(i - j) * h0
                C[i * stride + j] = 1 - T * lag
                X[i * stride + j] = lag
            }
            diagonalC[i] = 1 - 0.5 * T * h0
            diagonalX[i] = 0.5 * h0
            overlap[i] = problem.initialOverlap  // m(t) − m₀ = O(t) ≤ O(M h₀) on the first half block
        }
        for i in 0...half {
            let (mu, e) = multiplierAndEnergy(row: i)
            solution.samples.append(LongTimeSample(time: Double(i) * h0, multiplier: mu, energy: e, step: h0))
            solution.overlaps.append(overlap[i])
        }

        lowestEnergy = solution.samples.map(\.energy).min()!
        }
        let began = Date()
        var lastCheckpoint = began
        var rowsSinceCheckpoint = 0
        var checkpointsWritten = 0
        let newC = [Double](repeating: 0, count: stride)
        let newX = [Double](repeating: 0, count: stride)
        var bufferC = newC, bufferX = newX
        var rowA1 = [Double](repeating: 0, count: stride)
        var rowFar = [Double](repeating: 0, count: stride)
        var rowNear = [Double](repeating: 0, count: stride)
        var rowDX = [Double](repeating: 0, count: stride)

        outer: while true {
            for i in firstRow..<(M + 1) {
                let passes: Int, change: Double
                do {
                    (passes, change) = try solveRow(i, step: h, bufferC: &bufferC, bufferX: &bufferX,
                                                    a1: &rowA1, far: &rowFar, near: &rowNear, dx: &rowDX)
                } catch where stopsOnceRecovered {
                    solution.stoppedEarly = "\(error) at t = \(Double(i) * h)"
                    solution.lastRow = ((0...(i - 1)).map { Double($0) * h }, (0...(i - 1)).map { C[(i - 1) * stride + $0] },
                                        (0...(i - 1)).map { X[(i - 1) * stride + $0] })
                    break outer
                }
                totalPasses += passes
                if passes > options.maximumPasses { solution.retriedRows += 1 }
                worstChange = max(worstChange, change)
                let (mu, e) = multiplierAndEnergy(row: i)
                let t = Double(i) * h
                guard mu.isFinite, e.isFinite else { throw TwoTimeError.nonFinite(time: t) }
                solution.samples.append(LongTimeSample(time: t, multiplier: mu, energy: e, step: h))
                solution.overlaps.append(overlap[i])
                // Flags.
                var excess = -1.0
                for j in 0..<i { excess = max(excess, C[i * stride + j] - 1) }
                flags.largestCorrelationExcess = max(flags.largestCorrelationExcess, excess)
                if measuresEnergyRise {
                    flags.largestEnergyRise = max(flags.largestEnergyRise ?? -.infinity, e - lowestEnergy)
                }
                lowestEnergy = min(lowestEnergy, e)
                if T == 0 {
                    if let threshold { flags.largestDropBelowThreshold = max(flags.largestDropBelowThreshold ?? -.infinity, threshold - e) }
                }
                if strict, let violation = flags.violations.first {
                    throw TwoTimeError.impossibleOutput(time: t, reason: violation, tolerance: flagTolerance)
                }
                // Waiting-time cuts.
                for (index, k) in exponents.enumerated() where block <= k {
                    let j = 1 << (k - block)
                    if j <= i {
                        solution.waitingCuts[index].times.append(t)
                        solution.waitingCuts[index].correlation.append(C[i * stride + j])
                        solution.waitingCuts[index].susceptibility.append(X[i * stride + j])
                    }
                }
                let settled = stopsOnceRecovered && i % 2 == 0 && abs(overlap[i]) >= SpikedQuenchSolution.recoveryLevel
                    && abs(overlap[i] - overlap[i / 2]) <= 1e-3 * abs(overlap[i])
                if t >= options.maximumTime * (1 - 1e-12) || settled {
                    solution.lastRow = ((0...i).map { Double($0) * h }, (0...i).map { C[i * stride + $0] },
                                        (0...i).map { X[i * stride + $0] })
                    break outer
                }
                // Checkpoint: the state after row i (the next row is i + 1; i = M: decimation comes next).
                rowsSinceCheckpoint += 1
                if let policy = checkpointPolicy,
                   policy.everyRows.map({ rowsSinceCheckpoint >= $0 }) ?? false
                    || policy.everySeconds.map({ Date().timeIntervalSince(lastCheckpoint) >= $0 }) ?? false {
                    solution.flags = flags
                    solution.doublings = block
                    solution.report = ConvergenceReport(method: "", iterations: totalPasses, residual: worstChange)
                    let state = [Double(block), h, Double(i + 1), Double(totalPasses), worstChange, lowestEnergy,
                                 previousSeconds + Date().timeIntervalSince(began)]
                    do { try writeCheckpoint(policy, solution: solution, state: state) } catch {
                        policy.onFailure?(CheckpointFailure(path: policy.path, time: t, reason: "\(error)"))
                    }
                    rowsSinceCheckpoint = 0
                    lastCheckpoint = Date()
                    checkpointsWritten += 1
                    if let stop = stopsAfterCheckpoints, checkpointsWritten >= stop { throw LongTimeRunInterrupted() }
                }
            }
            firstRow = half + 1
            progress?(Double(M) * h, solution.samples.last!.energy)
            decimate()
            block += 1
            h *= 2
            pinNearDiagonalAfterDecimation(step: h)
        }
        solution.flags = flags
        solution.doublings = block
        solution.report = ConvergenceReport(method: "block-doubling(block size: \(M), h0: \(h0))",
                                            iterations: totalPasses, residual: worstChange)
        return solution
    }

    /// μ and E of row i from its stored values (χ-linear rule on every interval).
    func multiplierAndEnergy(row i: Int) -> (Double, Double) {
        var mu = problem.temperature, energy = 0.0
        let base = i * stride
        // Equilibrium start: β' f'(C(t,0)) C(t,0) in μ, −β' f(C(t,0)) in E (absent for a random start).
        let betaStart = problem.startInverseTemperature
        if betaStart != 0 {
            let c0 = C[base]
            mu += betaStart * polynomial.derivatives(c0).0 * c0
            energy -= betaStart * problem.mixture.f(c0)
        }
        guard i > 0 else { return (mu, energy) }
        for l in 1...i {
            let means = intervalRule.means(polynomial, far: C[base + l - 1], near: C[base + l])
            let dx = X[base + l] - X[base + l - 1]
            mu -= means.multiplier * dx
            energy += means.first * dx
        }
        // Signal (spiked model): f'(m)m in μ, −f(m) in E; +0 without a signal (m = 0).
        let m = overlap[i]
        mu += polynomial.derivatives(m).0 * m
        energy -= problem.mixture.f(m)
        return (mu, energy)
    }

    /// Keeps rows/columns 0, 2, 4, … and combines the diagonal-interval means of the two finer intervals.
    func decimate() {
        let half = M / 2
        var newDiagonalC = [Double](repeating: 1, count: stride)
        var newDiagonalX = [Double](repeating: 0, count: stride)
        for i in 1...half {
            let r = 2 * i * stride
            newDiagonalC[i] = 0.5 * (diagonalC[2 * i] + 0.5 * (C[r + 2 * i - 1] + C[r + 2 * i - 2]))
            newDiagonalX[i] = 0.5 * (diagonalX[2 * i] + 0.5 * (X[r + 2 * i - 1] + X[r + 2 * i - 2]))
        }
        for i in 1...half {
            for j in 0...i {
                C[i * stride + j] = C[2 * i * stride + 2 * j]
                X[i * stride + j] = X[2 * i * stride + 2 * j]
            }
        }
        for i in 1...half {
            diagonalC[i] = newDiagonalC[i]
            diagonalX[i] = newDiagonalX[i]
            overlap[i] = overlap[2 * i]
        }
    }

    /// Solves row i (columns 0…i−2; lag h copied from the previous row) by Jacobi passes. Returns (passes, change).
    func solveRow(_ i: Int, step h: Double, bufferC: inout [Double], bufferX: inout [Double],
                  a1: inout [Double], far: inout [Double], near: inout [Double],
                  dx: inout [Double]) throws -> (Int, Double) {
        let s = stride
        let T = problem.temperature
        let betaStart = problem.startInverseTemperature
        // Diagonal, lag h and the interval means: carried from the previous row.
        C[i * s + i] = 1
        X[i * s + i] = 0
        C[i * s + i - 1] = C[(i - 1) * s + i - 2]
        X[i * s + i - 1] = X[(i - 1) * s + i - 2]
        diagonalC[i] = diagonalC[i - 1]
        diagonalX[i] = diagonalX[i - 1]
        // Predictor: linear extrapolation along columns.
        for j in 0...(i - 2) {
            C[i * s + j] = 2 * C[(i - 1) * s + j] - C[(i - 2) * s + j]
            X[i * s + j] = 2 * X[(i - 1) * s + j] - X[(i - 2) * s + j]
        }
        overlap[i] = 2 * overlap[i - 1] - overlap[i - 2]
        let pinned = pinNearDiagonal(row: i, step: h)
        let polynomial = self.polynomial
        let columns = i - 1
        let workers = min(threads, max(1, columns / 32))
        var passes = 0
        var change = Double.infinity
        var previousChange = Double.infinity
        var relaxation = 1.0
        // Phase 1 (every row): damped Jacobi whose relaxation factor only falls. Phase 2 (only for a row that phase 1
        // left unconverged after `maximumPasses`; rows that converge in phase 1 are untouched by it): from where
        // phase 1 stopped, up to 4·`maximumPasses` more passes with a factor that also recovers (×1.25 after every
        // pass whose change fell). In the jump of a spiked run into the signal minimum (m from ≈ 0.1 to ≈ 0.7 within
        // one step h ≈ 30) the change grows for a few passes while m moves, the factor of phase 1 collapses to its
        // floor 1/256 and the row then converges ~250× too slowly (measured: change 0.07 → 0.012 in 2000 passes).
        var recovering = false
        while passes < options.maximumPasses * (recovering ? 5 : 1) || !recovering {
            if passes >= options.maximumPasses && !recovering {
                recovering = true
                previousChange = change
                continue
            }
            passes += 1
            // Row functions.
            // f'(C(t_i,·)) at the nodes (for the [0, t'] integral against χ(t',·)); the weights of f''(C(t_i,·)) per
            // interval and μ by the χ-linear interval rule.
            var mu = T
            for l in 0...i { a1[l] = polynomial.derivatives(C[i * s + l]).0 }
            dx[0] = 0
            far[0] = 0
            near[0] = 0
            for l in 1...i {
                dx[l] = X[i * s + l] - X[i * s + l - 1]
                let means = intervalRule.means(polynomial, far: C[i * s + l - 1], near: C[i * s + l])
                far[l] = means.secondFar * dx[l]
                near[l] = means.secondNear * dx[l]
                mu -= means.multiplier * dx[l]
            }
            // The implicit part of the last interval: its near-end weight multiplies the new C(t_i, t_j), χ(t_i, t_j).
            let kappa = -near[i]
            // Signal (spiked model): the m equation by BDF2 with the same χ-linear memory weights and implicit last
            // point (κ) as the C columns, solved for m(t_i) by Newton; then f'(m)m joins μ. +0 without a signal.
            let overlapChange = solveOverlap(row: i, step: h, multiplier: mu, far: far, near: near, dx: dx)
            let m = overlap[i]
            let (signalForce, _) = polynomial.derivatives(m)
            mu += signalForce * m
            // Equilibrium start: the start acts as a signal of strength β', m(t) → C(t,0) (0 for a random start).
            var startForce = 0.0
            if betaStart != 0 {
                let c0 = C[i * s]
                startForce = betaStart * polynomial.derivatives(c0).0
                mu += startForce * c0
            }
            let denominator = 1.5 / h + mu - kappa
            let changes = UnsafeMutableBufferPointer<Double>.allocate(capacity: workers)
            defer { changes.deallocate() }
            C.withUnsafeBufferPointer { cBuffer in
            X.withUnsafeBufferPointer { xBuffer in
            diagonalC.withUnsafeBufferPointer { dcBuffer in
            diagonalX.withUnsafeBufferPointer { dxdBuffer in
            a1.withUnsafeBufferPointer { a1Buffer in
            far.withUnsafeBufferPointer { farBuffer in
            near.withUnsafeBufferPointer { nearBuffer in
            bufferC.withUnsafeMutableBufferPointer { outC in
            bufferX.withUnsafeMutableBufferPointer { outX in
            overlap.withUnsafeBufferPointer { overlapBuffer in
                let task = RowTask(c: cBuffer.baseAddress!, x: xBuffer.baseAddress!, dc: dcBuffer.baseAddress!,
                                   dxd: dxdBuffer.baseAddress!, f1: a1Buffer.baseAddress!,
                                   far: farBuffer.baseAddress!, near: nearBuffer.baseAddress!,
                                   oc: outC.baseAddress!, ox: outX.baseAddress!,
                                   changes: changes.baseAddress!, row: i, stride: s, step: h, denominator: denominator,
                                   m: overlapBuffer.baseAddress!, signalForce: signalForce, startForce: startForce)
                if workers == 1 {
                    Self.sweep(task, columns: 0..<columns, worker: 0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        Self.sweep(task, columns: (columns * worker / workers)..<(columns * (worker + 1) / workers),
                                   worker: worker)
                    }
                }
            }}}}}}}}}}
            change = max(changes.max() ?? 0, overlapChange)
            if let pinned {
                change = max(imposePinned(pinned, row: i, columns: columns, bufferC: &bufferC, bufferX: &bufferX),
                             overlapChange)
            }
            // Damped Jacobi: once the step exceeds the fast time the 3/(2h) term no longer dominates the coupling
            // of the columns through μ and χ(t,·), and plain Jacobi can diverge; halve the relaxation factor
            // whenever the residual grows.
            if change > previousChange {
                relaxation = max(relaxation * 0.5, recovering ? 1.0 / 4096 : 1.0 / 256)
            } else if recovering {
                relaxation = min(1, relaxation * 1.25)
            }
            previousChange = change
            for j in 0..<columns {
                C[i * s + j] += relaxation * (bufferC[j] - C[i * s + j])
                X[i * s + j] += relaxation * (bufferX[j] - X[i * s + j])
            }
            guard change.isFinite else { throw TwoTimeError.nonFinite(time: Double(i) * h) }
            if change <= options.tolerance { return (passes, change) }
        }
        throw ConvergenceError.notConverged(residual: change, iterations: passes, tolerance: options.tolerance)
    }

    /// Spiked model: solves the BDF2 step of ∂_t m = −μ m + f'(m) − ∫_0^t f''(C(t,s)) m(s) d_sχ(t,s) for m(t_i) in
    /// place, given μ without the signal term (`multiplier`) and the row's f''(C(t_i,·)) weights of the χ-linear rule
    /// (as the C columns on [t_m, t]); on the last interval m(t_i) is implicit through the carried mean x̄ (κ_m below).
    /// The μ term f'(m)m is included, so the scalar equation is g(m) = a m + f'(m) m² − f'(m) − b = 0 with
    /// a = 3/(2h) + μ − κ_m; Newton from the current m. Returns |Δm|. Without a signal m ≡ 0 stays exactly 0.
    func solveOverlap(row i: Int, step h: Double, multiplier mu: Double, far: [Double], near: [Double],
                      dx: [Double]) -> Double {
        let m0 = problem.initialOverlap
        guard m0 != 0 else { return 0 }
        var memory = 0.0
        for l in 1...(i - 1) { memory -= near[l] * overlap[l] + far[l] * overlap[l - 1] }
        // The diagonal interval [t − h, t]: m changes on its own time scale 1/γ, not ∝ t, so once h is comparable
        // the trapezoid's half weight on m(t − h) is wrong (the response is concentrated at s → t). With the
        // carried mean x̄ = h⁻¹∫_0^h χ(t, t − u) du, ∫_0^h m(t − u) dχ(t, t − u) = m(t) x̄ + m(t − h)(χ_h − x̄)
        // exactly for m linear in u; f''(C) enters by its mean over the interval (χ-linear rule, as in μ).
        let chiH = -dx[i], mean = diagonalX[i]
        let weight = (far[i] + near[i]) / dx[i]
        memory += weight * (chiH - mean) * overlap[i - 1]
        let kappaM = weight * mean
        let a = 1.5 / h + mu - kappaM
        let b = (4 * overlap[i - 1] - overlap[i - 2]) / (2 * h) + memory
        let old = overlap[i]
        var m = old
        for _ in 0..<30 {
            let (f1, f2m) = polynomial.derivatives(m)
            let g = a * m + f1 * m * m - f1 - b
            let slope = a + f2m * m * m + 2 * f1 * m - f2m
            let next = m - g / slope
            if abs(next - m) <= 1e-15 * max(1, abs(m)) { m = next; break }
            m = next
        }
        overlap[i] = m
        return abs(m - old)
    }

    /// The pointers and scalars of one Jacobi pass, shared read-only by the workers (each writes its own columns).
    struct RowTask: @unchecked Sendable {
        let c: UnsafePointer<Double>, x: UnsafePointer<Double>
        let dc: UnsafePointer<Double>, dxd: UnsafePointer<Double>
        /// f'(C(t_i, t_l)); the weights of f''(C(t_i,·)) at the far and near end of interval l (Δχ included,
        /// `ChiLinearIntervalRule`).
        let f1: UnsafePointer<Double>, far: UnsafePointer<Double>, near: UnsafePointer<Double>
        let oc: UnsafeMutablePointer<Double>, ox: UnsafeMutablePointer<Double>
        let changes: UnsafeMutablePointer<Double>
        let row: Int, stride: Int, step: Double, denominator: Double
        /// m(t_l) of the block's rows and f'(m(t_i)) (spiked model; 0 without a signal).
        let m: UnsafePointer<Double>, signalForce: Double
        /// β' f'(C(t_i, 0)) of an equilibrium start (0 for a random start); multiplies C(t_j, 0).
        let startForce: Double
    }

    /// One Jacobi pass over `columns` of row `task.row`: the new C(t_i, t_j), χ(t_i, t_j) from the stored values.
    static func sweep(_ task: RowTask, columns: Range<Int>, worker: Int) {
        let c = task.c, x = task.x, dc = task.dc, dxd = task.dxd, f1 = task.f1, far = task.far, near = task.near
        let i = task.row, s = task.stride, h = task.step
        var largest = 0.0
        for j in columns {
            let m = (i + j) / 2
            var i1 = 0.0, i2 = 0.0, i3 = 0.0
            // s in [0, t']: C(s,t') = C(t_j, s) (fast near s = t'), R(t,s) smooth.
            if j >= 1 {
                let rowJ = j * s
                for l in 1...j {
                    let mean = l == j ? dc[j] : 0.5 * (c[rowJ + l] + c[rowJ + l - 1])
                    i1 -= (far[l] + near[l]) * mean
                    i2 -= 0.5 * (f1[l] + f1[l - 1]) * (x[rowJ + l] - x[rowJ + l - 1])
                }
            }
            // s in [t', t_m]: C(s,t'), χ(s,t') fast near s = t', R(t,s) smooth.
            for l in (j + 1)...m {
                let meanC = l == j + 1 ? dc[j + 1] : 0.5 * (c[l * s + j] + c[(l - 1) * s + j])
                let meanX = l == j + 1 ? dxd[j + 1] : 0.5 * (x[l * s + j] + x[(l - 1) * s + j])
                let w = far[l] + near[l]
                i1 -= w * meanC
                i3 -= w * meanX
            }
            // s in [t_m, t]: R(t,s) fast near s = t, χ-linear rule in the χ(t,·) parametrisation; the C(t,t'), χ(t,t')
            // terms of the last interval are implicit (in the denominator).
            if m + 1 <= i - 1 {
                for l in (m + 1)...(i - 1) {
                    i1 -= near[l] * c[l * s + j] + far[l] * c[(l - 1) * s + j]
                    i3 -= near[l] * x[l * s + j] + far[l] * x[(l - 1) * s + j]
                }
            }
            i1 -= far[i] * c[(i - 1) * s + j]
            i3 -= far[i] * x[(i - 1) * s + j]
            // Signal (spiked model): f'(m(t)) m(t') (+0 without a signal).
            i2 += task.signalForce * task.m[j]
            // Equilibrium start: β' f'(C(t,0)) C(t',0) (skipped for a random start, which stays bit for bit).
            if task.startForce != 0 { i2 += task.startForce * c[j * s] }
            let newC: Double, newX: Double
            if j == i - 2 {
                // Lag 2h: BDF1 from lag h; BDF2 would reach back to the diagonal value, across the fast part.
                let denominator = task.denominator - 0.5 / h
                newC = (c[(i - 1) * s + j] / h + i1 + i2) / denominator
                newX = (x[(i - 1) * s + j] / h + 1 + i3) / denominator
            } else {
                newC = ((4 * c[(i - 1) * s + j] - c[(i - 2) * s + j]) / (2 * h) + i1 + i2) / task.denominator
                newX = ((4 * x[(i - 1) * s + j] - x[(i - 2) * s + j]) / (2 * h) + 1 + i3) / task.denominator
            }
            largest = max(largest, abs(newC - c[i * s + j]), abs(newX - x[i * s + j]))
            task.oc[j] = newC
            task.ox[j] = newX
        }
        task.changes[worker] = largest
    }
}
