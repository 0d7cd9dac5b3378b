import Foundation

/// The p-spin two-time solution of a run: C(t,t'), R(t,t'), μ(t), E(t) on the grid, and the derived observables
/// (waiting-time cuts, the fluctuation–dissipation data).
///
/// Times are in Langevin units with t = 0 at the quench; after an equilibrium start the stored grid also covers the
/// history t ∈ [−H·h, 0]. The triangles are shared with the integrator (no copy).
public struct PSpinQuenchSolution {
    /// The model.
    public let mixture: PSpinMixture
    /// Temperature after the quench.
    public let temperature: Double
    /// How the run started.
    public let start: QuenchStart
    /// Grid and scheme.
    public let options: TwoTimeOptions
    /// Rows before t = 0.
    public let historySteps: Int
    /// The last computed row.
    public let lastRow: Int
    let correlationTriangle: CausalTriangle
    let responseTriangle: CausalTriangle
    let multipliers: [Double]
    let energies: [Double]
    let weights: VolterraWeights
    /// m(0) of a planted signal (nil: none; docs/PHYSICS.md §2.9).
    public let initialOverlap: Double?
    let overlaps: [Double]

    /// The step h.
    public var step: Double { options.step }
    /// The time of row i, (i − H)·h.
    public func time(ofRow i: Int) -> Double { Double(i - historySteps) * options.step }
    /// The grid row of time t (nearest grid point); throws `TwoTimeError.waitingTimeOutOfRange` outside [0, t_max].
    public func row(atTime t: Double) throws -> Int {
        let maximum = time(ofRow: lastRow)
        guard t.isFinite, t >= -1e-9 * max(1, maximum), t <= maximum * (1 + 1e-12) + 1e-12 else {
            throw TwoTimeError.waitingTimeOutOfRange(t, maximum: maximum)
        }
        return historySteps + Int((t / options.step).rounded())
    }

    /// C(t_i, t_j) (symmetric).
    public func correlation(row i: Int, column j: Int) -> Double { correlationTriangle.symmetric(i, j) }
    /// R(t_i, t_j) for i ≥ j (R(t,t⁺) = 1), 0 for i < j.
    public func response(row i: Int, column j: Int) -> Double { i >= j ? responseTriangle[i, j] : 0 }
    /// μ(t_i).
    public func lagrangeMultiplier(row i: Int) -> Double { multipliers[i] }
    /// E(t_i)/N.
    public func energy(row i: Int) -> Double { energies[i] }
    /// m(t_i) = x(t_i)·x*/N, the overlap with the planted signal (0 without a signal).
    public func overlap(row i: Int) -> Double { overlaps[i] }

    /// χ(t_i, t_j) = ∫_{t_j}^{t_i} R(t_i, s) ds (Gregory-type rule of the run's order, split at t = 0).
    public func susceptibility(row i: Int, from j: Int) -> Double {
        guard i > j else { return 0 }
        let triangle = responseTriangle
        var sum = 0.0
        for s in j...i { sum += triangle[i, s] }
        let H = historySteps
        var pieces = [j]
        if H > j && H < i { pieces.append(H) }
        pieces.append(i)
        for p in 0..<(pieces.count - 1) {
            let a = pieces[p]
            weights.forEachCorrection(intervals: pieces[p + 1] - a) { index, c in sum += c * triangle[i, a + index] }
            if p > 0 { sum += triangle[i, a] }
        }
        return options.step * sum
    }

    /// ∂_{t'} C(t_i, t') at t' = t_j, by the derivative of the interpolant through the k + 1 columns centred on j
    /// (kept inside [t = 0, t_i)); for the check R(t,t') = β ∂_{t'}C(t,t') of equilibrium dynamics.
    public func correlationSlopeInEarlierTime(row i: Int, column j: Int) -> Double {
        let k = options.order
        let low = max(historySteps, min(j - k / 2, i - 1 - k))
        let nodes = (0...k).map { Double(low + $0) }
        let slopes = Lagrange.derivative(nodes, at: Double(j))
        var sum = 0.0
        for l in 0...k { sum += slopes[l] * correlationTriangle[i, low + l] }
        return sum / options.step
    }

    /// The rows from t = 0 to the end.
    public var rowsAfterQuench: ClosedRange<Int> { historySteps...lastRow }
}

extension PSpinQuenchIntegrator {
    /// The solution so far (shares the stored triangles).
    public var solution: PSpinQuenchSolution {
        PSpinQuenchSolution(mixture: mixture, temperature: temperature, start: start, options: options,
                            historySteps: historySteps, lastRow: max(completedRow, historySteps),
                            correlationTriangle: correlation, responseTriangle: response, multipliers: multipliers,
                            energies: energies, weights: weights, initialOverlap: initialOverlap,
                            overlaps: Array(UnsafeBufferPointer(start: overlaps.baseAddress, count: max(completedRow, historySteps) + 1)))
    }

    /// What identifies a run in its checkpoint.
    struct CheckpointParameters: Codable, Equatable {
        var mixture: String
        var temperature: Double
        var start: QuenchStart
        var options: TwoTimeOptions
        var historySteps: Int
        var initialOverlap: Double?
    }

    var checkpointParameters: CheckpointParameters {
        CheckpointParameters(mixture: mixture.description, temperature: temperature, start: start, options: options,
                             historySteps: historySteps, initialOverlap: initialOverlap)
    }

    static let checkpointKind = "pspin-quench"

    /// Writes every computed row (C, R, μ, E) atomically to `path`.
    public func writeCheckpoint(to path: String) throws {
        let rows = max(completedRow, 0) + 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let parameters = String(decoding: try encoder.encode(checkpointParameters), as: UTF8.self)
        let values = CausalTriangle.valueCount(points: rows)
        try multipliers.withUnsafeBufferPointer { mu in
            try energies.withUnsafeBufferPointer { energy in
                try TwoTimeCheckpoint.write(
                    path: path, kind: Self.checkpointKind, parameters: parameters, completedRow: completedRow,
                    blocks: [
                        .init(name: "multiplier", pointer: mu.baseAddress!, count: rows),
                        .init(name: "energy", pointer: energy.baseAddress!, count: rows),
                        .init(name: "correlation", pointer: UnsafePointer(correlation.storage.baseAddress), count: values),
                        .init(name: "response", pointer: UnsafePointer(response.storage.baseAddress), count: values),
                    ] + (initialOverlap == nil ? [] : [
                        .init(name: "overlap", pointer: UnsafePointer(overlaps.baseAddress), count: rows),
                    ]))
            }
        }
    }

    /// Loads the rows of a checkpoint written by a run with the same model, temperature, start and options, so
    /// that `advance` continues it bit-identically.
    ///
    /// - Throws: `TwoTimeError.unreadableCheckpoint`, or `.checkpointMismatch` when the checkpoint belongs to
    ///   another run (the reason names the first difference).
    public func restore(from path: String) throws {
        let contents = try TwoTimeCheckpoint.read(path: path, kind: Self.checkpointKind)
        let stored: CheckpointParameters
        do { stored = try JSONDecoder().decode(CheckpointParameters.self, from: Data(contents.header.parameters.utf8)) } catch {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "its parameters cannot be read")
        }
        let mine = checkpointParameters
        if stored != mine {
            var reason = "different parameters"
            if stored.mixture != mine.mixture { reason = "mixture \(stored.mixture), not \(mine.mixture)" }
            else if stored.temperature != mine.temperature { reason = "T = \(stored.temperature), not \(mine.temperature)" }
            else if stored.start != mine.start { reason = "another start (history or start-T)" }
            else if stored.options.step != mine.options.step { reason = "dt = \(stored.options.step), not \(mine.options.step)" }
            else if stored.options.steps != mine.options.steps { reason = "\(stored.options.steps) steps, not \(mine.options.steps)" }
            else if stored.options != mine.options { reason = "other integrator options" }
            else if stored.initialOverlap != mine.initialOverlap { reason = "another signal overlap m0" }
            throw TwoTimeError.checkpointMismatch(path: path, reason: reason)
        }
        let completed = contents.header.completedRow
        guard completed >= -1, completed <= lastRow else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "completed row \(completed) is out of range")
        }
        let rows = max(completed, 0) + 1
        let values = CausalTriangle.valueCount(points: rows)
        try multipliers.withUnsafeMutableBufferPointer {
            try contents.copy("multiplier", into: $0.baseAddress!, count: rows, path: path)
        }
        try energies.withUnsafeMutableBufferPointer {
            try contents.copy("energy", into: $0.baseAddress!, count: rows, path: path)
        }
        try contents.copy("correlation", into: correlation.storage.baseAddress, count: values, path: path)
        try contents.copy("response", into: response.storage.baseAddress, count: values, path: path)
        if initialOverlap != nil { try contents.copy("overlap", into: overlaps.baseAddress, count: rows, path: path) }
        setCompletedRow(completed)
    }
}
