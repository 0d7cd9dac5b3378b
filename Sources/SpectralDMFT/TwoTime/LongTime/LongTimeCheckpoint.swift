import Foundation

/// When `LongTimeQuenchSolver` writes its checkpoint: after every `everyRows` computed rows or once `everySeconds`
/// of wall time have passed since the last write, whichever comes first (nil: that trigger is off).
///
/// The file holds the whole engine state (the block C, χ: 2(M+1)² doubles, the carried diagonal means, m(t) of the
/// block, step, block count, next row, flags, passes) and every output accumulated so far (E(t), μ(t) rows, the
/// waiting-time cuts), so a resumed run is bit-identical to an uninterrupted one. Its size is bounded by the memory
/// of the run, not by t: 16(M+1)² bytes for the block plus 32 bytes per computed row (≈ 10 rows per unit of log₂ t
/// per M/20), e.g. 4.2 MB + 0.4 MB at M = 512, t = 1e5.
public struct LongTimeCheckpointPolicy: Sendable {
    /// The checkpoint file (replaced atomically at each write).
    public var path: String
    /// Write after this many rows since the last write (nil: no row trigger).
    public var everyRows: Int?
    /// Write once this many seconds of wall time have passed since the last write (nil: no time trigger).
    public var everySeconds: Double?
    /// The caller's description of the run (e.g. its command-line parameters), stored and returned by
    /// `LongTimeCheckpoint.context`; the solver does not interpret it.
    public var context: String
    /// The caller's arrays stored with the state (e.g. a finished first run of an error-bar pair).
    public var attachments: [String: [Double]]
    /// Called when a write fails (the run goes on; the previous checkpoint file is intact). nil: ignored.
    public var onFailure: (@Sendable (CheckpointFailure) -> Void)?

    /// A policy writing `path` every `everyRows` rows and/or every `everySeconds` seconds.
    public init(path: String, everyRows: Int? = nil, everySeconds: Double? = 180, context: String = "",
                attachments: [String: [Double]] = [:], onFailure: (@Sendable (CheckpointFailure) -> Void)? = nil) {
        self.path = path
        self.everyRows = everyRows
        self.everySeconds = everySeconds
        self.context = context
        self.attachments = attachments
        self.onFailure = onFailure
    }
}

/// A long-time checkpoint read back and checked (format, checksum, size): pass it to
/// `LongTimeQuenchSolver.solve(resumingFrom:progress:)`, which refuses it unless the problem and options are the
/// ones it was written with.
public struct LongTimeCheckpoint {
    /// The file kind in the two-time checkpoint format (`TwoTimeCheckpoint`).
    static let kind = "pspin-age"
    /// The checkpoint file.
    public let path: String
    /// `LongTimeCheckpointPolicy.context` of the run that wrote it.
    public let context: String
    /// Rows computed when it was written (the samples so far).
    public let completedRows: Int
    /// Wall-clock seconds spent in the solver before the checkpoint (over all previous sessions).
    public let seconds: Double
    let parameters: LongTimeCheckpointParameters
    let contents: TwoTimeCheckpoint.Contents

    /// Reads and checks `path`.
    ///
    /// - Throws: `TwoTimeError.unreadableCheckpoint` (missing, truncated, corrupted, another format version) or
    ///   `.checkpointMismatch` (not a long-time checkpoint).
    public init(path: String) throws {
        contents = try TwoTimeCheckpoint.read(path: path, kind: Self.kind)
        do {
            parameters = try JSONDecoder().decode(LongTimeCheckpointParameters.self, from: Data(contents.header.parameters.utf8))
        } catch {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (the parameters are not valid)")
        }
        self.path = path
        context = parameters.context
        completedRows = contents.header.completedRow
        seconds = try contents.array("state", path: path).last ?? 0
    }

    /// The caller's array `name` (`LongTimeCheckpointPolicy.attachments`), or nil.
    public func attachment(_ name: String) -> [Double]? {
        guard contents.offsets["extra." + name] != nil else { return nil }
        return try? contents.array("extra." + name, path: path)
    }

    /// The names of the caller's arrays.
    public var attachmentNames: [String] {
        contents.header.arrays.map(\.name).filter { $0.hasPrefix("extra.") }.map { String($0.dropFirst(6)) }
    }
}

/// What a long-time checkpoint must share with the run that resumes it.
struct LongTimeCheckpointParameters: Codable, Equatable {
    var mixture: PSpinMixture
    var temperature: Double
    var initialOverlap: Double
    var initialTemperature: Double?
    var options: LongTimeOptions
    var flagTolerance: Double
    var strict: Bool
    var stopsOnceRecovered: Bool
    var context: String
    /// The interval rule of the memory integrals (`LongTimeQuenchSolver.quadratureRule`); absent in checkpoints of
    /// versions before the χ-linear rule, which used the trapezoid rule in χ and cannot be continued bit for bit.
    var quadrature: String?

    /// The first field that differs from `other`, as "name: this vs other", or nil.
    func difference(from other: Self) -> String? {
        func show(_ value: Double?) -> String { value.map { "\($0)" } ?? "none" }
        if mixture != other.mixture { return "model \(mixture.formula) vs \(other.mixture.formula)" }
        if temperature != other.temperature { return "T \(temperature) vs \(other.temperature)" }
        if initialOverlap != other.initialOverlap { return "m0 \(initialOverlap) vs \(other.initialOverlap)" }
        if initialTemperature != other.initialTemperature {
            return "initial temperature \(show(initialTemperature)) vs \(show(other.initialTemperature))"
        }
        if options.blockSize != other.options.blockSize { return "block size \(options.blockSize) vs \(other.options.blockSize)" }
        if options.maximumTime != other.options.maximumTime { return "t-max \(options.maximumTime) vs \(other.options.maximumTime)" }
        if options.waitingTimes != other.options.waitingTimes { return "waiting times \(options.waitingTimes) vs \(other.options.waitingTimes)" }
        if options != other.options { return "grid options (initial step, tolerance, passes)" }
        if flagTolerance != other.flagTolerance { return "flag tolerance \(flagTolerance) vs \(other.flagTolerance)" }
        if strict != other.strict || stopsOnceRecovered != other.stopsOnceRecovered { return "strict/stop settings" }
        if context != other.context { return "run description" }
        if quadrature != other.quadrature {
            return "quadrature rule \(quadrature ?? "trapezoid in χ (an earlier version)") vs \(other.quadrature ?? "trapezoid in χ (an earlier version)")"
        }
        return nil
    }
}

/// Thrown by a test hook (`LongTimeQuenchSolver.stopsAfterCheckpoints`): the run stopped after a checkpoint.
package struct LongTimeRunInterrupted: Error {}

extension LongTimeQuenchSolution {
    /// The accumulated outputs as named arrays (the checkpoint's view of a solution; `lastRow` is not kept).
    package func checkpointArrays() -> [String: [Double]] {
        var samples: [Double] = []
        samples.reserveCapacity(4 * self.samples.count)
        for s in self.samples { samples += [s.time, s.multiplier, s.energy, s.step] }
        var arrays: [String: [Double]] = [
            "samples": samples, "overlaps": overlaps,
            "cutWaitingTimes": waitingCuts.map(\.waitingTime), "cutCounts": waitingCuts.map { Double($0.times.count) },
            "cutTimes": waitingCuts.flatMap(\.times), "cutCorrelation": waitingCuts.flatMap(\.correlation),
            "cutSusceptibility": waitingCuts.flatMap(\.susceptibility),
            "summary": [Double(report.iterations), report.residual, Double(doublings)],
            "retriedRows": [Double(retriedRows)],
        ]
        arrays["flags"] = [flags.largestCorrelationExcess, flags.largestEnergyRise ?? .nan,
                           flags.largestDropBelowThreshold ?? .nan, flags.tolerance]
        return arrays
    }

    /// Restores the outputs written by `checkpointArrays()`.
    package mutating func restore(checkpointArrays arrays: [String: [Double]], path: String) throws {
        func array(_ name: String) throws -> [Double] {
            guard let value = arrays[name] else {
                throw TwoTimeError.unreadableCheckpoint(path: path, reason: "array \(name) is missing")
            }
            return value
        }
        let raw = try array("samples"), overlaps = try array("overlaps")
        guard raw.count % 4 == 0, overlaps.count == raw.count / 4 else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (sample arrays disagree)")
        }
        samples = Swift.stride(from: 0, to: raw.count, by: 4).map {
            LongTimeSample(time: raw[$0], multiplier: raw[$0 + 1], energy: raw[$0 + 2], step: raw[$0 + 3])
        }
        self.overlaps = overlaps
        let waiting = try array("cutWaitingTimes"), counts = try array("cutCounts")
        let times = try array("cutTimes"), correlation = try array("cutCorrelation"), susceptibility = try array("cutSusceptibility")
        guard counts.count == waiting.count, counts.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }),
              Int(counts.reduce(0, +)) == times.count, times.count == correlation.count, times.count == susceptibility.count else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (waiting-time cuts disagree)")
        }
        var offset = 0
        waitingCuts = []
        for (k, t) in waiting.enumerated() {
            let n = Int(counts[k])
            waitingCuts.append(LongTimeWaitingCut(waitingTime: t, times: Array(times[offset..<(offset + n)]),
                                                  correlation: Array(correlation[offset..<(offset + n)]),
                                                  susceptibility: Array(susceptibility[offset..<(offset + n)])))
            offset += n
        }
        let f = try array("flags"), summary = try array("summary")
        guard f.count == 4, summary.count == 3 else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (flags or summary)")
        }
        flags = LongTimeFlags(largestCorrelationExcess: f[0], largestEnergyRise: f[1].isNaN ? nil : f[1],
                              largestDropBelowThreshold: f[2].isNaN ? nil : f[2], tolerance: f[3])
        report = ConvergenceReport(method: "block-doubling(block size: \(options.blockSize), h0: \(options.initialStep))",
                                   iterations: Int(summary[0]), residual: summary[1])
        doublings = Int(summary[2])
        retriedRows = Int(arrays["retriedRows"]?.first ?? 0)
    }

    /// A solution rebuilt from `checkpointArrays()` (e.g. the finished first run of an error-bar pair).
    package init(mixture: PSpinMixture, temperature: Double, options: LongTimeOptions, checkpointArrays arrays: [String: [Double]],
                 path: String) throws {
        self.init(mixture: mixture, temperature: temperature, options: options)
        try restore(checkpointArrays: arrays, path: path)
    }
}

extension LongTimeQuenchSolver {
    var checkpointParameters: LongTimeCheckpointParameters {
        LongTimeCheckpointParameters(mixture: problem.mixture, temperature: problem.temperature,
                                     initialOverlap: problem.initialOverlap, initialTemperature: problem.initialTemperature,
                                     options: options, flagTolerance: flagTolerance, strict: strict,
                                     stopsOnceRecovered: stopsOnceRecovered, context: checkpointPolicy?.context ?? "",
                                     quadrature: Self.quadratureRule)
    }

    /// The engine state after row `completedRow` of block `block` (next row `nextRow`), and the outputs so far.
    /// `state` = [block, h, next row, passes, worst change, lowest E, seconds].
    func writeCheckpoint(_ policy: LongTimeCheckpointPolicy, solution: LongTimeQuenchSolution, state: [Double]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let parameters = String(decoding: try encoder.encode(checkpointParameters), as: UTF8.self)
        var named: [(String, [Double])] = solution.checkpointArrays().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        named.append(("state", state))
        for (name, values) in policy.attachments.sorted(by: { $0.key < $1.key }) { named.append(("extra." + name, values)) }
        let small = named
        try C.withUnsafeBufferPointer { c in
        try X.withUnsafeBufferPointer { x in
        try diagonalC.withUnsafeBufferPointer { dc in
        try diagonalX.withUnsafeBufferPointer { dx in
        try overlap.withUnsafeBufferPointer { m in
            var blocks = [TwoTimeCheckpoint.Block(name: "C", pointer: c.baseAddress!, count: c.count),
                          TwoTimeCheckpoint.Block(name: "X", pointer: x.baseAddress!, count: x.count),
                          TwoTimeCheckpoint.Block(name: "diagonalC", pointer: dc.baseAddress!, count: dc.count),
                          TwoTimeCheckpoint.Block(name: "diagonalX", pointer: dx.baseAddress!, count: dx.count),
                          TwoTimeCheckpoint.Block(name: "overlap", pointer: m.baseAddress!, count: m.count)]
            try Self.withBlocks(small, index: 0, into: &blocks) { all in
                try TwoTimeCheckpoint.write(path: policy.path, kind: LongTimeCheckpoint.kind, parameters: parameters,
                                            completedRow: solution.samples.count, blocks: all)
            }
        }}}}}
    }

    /// Keeps the pointers of `arrays[index...]` alive while `body` runs.
    private static func withBlocks(_ arrays: [(String, [Double])], index: Int, into blocks: inout [TwoTimeCheckpoint.Block],
                                   _ body: ([TwoTimeCheckpoint.Block]) throws -> Void) throws {
        guard index < arrays.count else { return try body(blocks) }
        let (name, values) = arrays[index]
        // An empty array still needs a valid pointer: write from a one-element buffer with count 0.
        let storage = values.isEmpty ? [0.0] : values
        try storage.withUnsafeBufferPointer { buffer in
            blocks.append(TwoTimeCheckpoint.Block(name: name, pointer: buffer.baseAddress!, count: values.count))
            try withBlocks(arrays, index: index + 1, into: &blocks, body)
        }
    }

    /// Checks `checkpoint` against this solver and loads its state. Returns `state` (see `writeCheckpoint`).
    func restore(_ checkpoint: LongTimeCheckpoint, into solution: inout LongTimeQuenchSolution) throws -> [Double] {
        var expected = checkpointParameters
        expected.context = checkpoint.parameters.context  // the caller compares its own context
        if let difference = expected.difference(from: checkpoint.parameters) {
            throw TwoTimeError.checkpointMismatch(path: checkpoint.path, reason: "it was written by another run (\(difference))")
        }
        let path = checkpoint.path, contents = checkpoint.contents
        try C.withUnsafeMutableBufferPointer { try contents.copy("C", into: $0.baseAddress!, count: $0.count, path: path) }
        try X.withUnsafeMutableBufferPointer { try contents.copy("X", into: $0.baseAddress!, count: $0.count, path: path) }
        try diagonalC.withUnsafeMutableBufferPointer { try contents.copy("diagonalC", into: $0.baseAddress!, count: $0.count, path: path) }
        try diagonalX.withUnsafeMutableBufferPointer { try contents.copy("diagonalX", into: $0.baseAddress!, count: $0.count, path: path) }
        try overlap.withUnsafeMutableBufferPointer { try contents.copy("overlap", into: $0.baseAddress!, count: $0.count, path: path) }
        var arrays: [String: [Double]] = [:]
        for name in ["samples", "overlaps", "cutWaitingTimes", "cutCounts", "cutTimes", "cutCorrelation",
                     "cutSusceptibility", "summary", "flags"] {
            arrays[name] = try contents.array(name, path: path)
        }
        try solution.restore(checkpointArrays: arrays, path: path)
        let state = try contents.array("state", path: path)
        guard state.count == 7, state[2] >= Double(M / 2 + 1), state[2] <= Double(M + 1),
              solution.samples.count == contents.header.completedRow,
              solution.waitingCuts.map(\.waitingTime) == options.waitingTimes.map({ options.initialStep * exp2((log2($0 / options.initialStep)).rounded()) }) else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (inconsistent state)")
        }
        return state
    }
}
