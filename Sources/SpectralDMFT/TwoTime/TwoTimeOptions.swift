import Foundation

/// The grid and the stepping scheme of a two-time integrator.
///
/// Units: times in the model's time unit (the Langevin time of docs/PHYSICS.md §2 for the p-spin model, the unit
/// relaxation time of §1 for the network). The grid is `t_i = i·step` for i = 0…`steps` (after t = 0).
public struct TwoTimeOptions: Sendable, Codable, Equatable {
    /// The time step h (> 0).
    public var step: Double
    /// Number of steps after t = 0 (the run ends at t = steps·h); at least `minimumSteps(order:)`.
    public var steps: Int
    /// k ∈ 2…4: order of the BDF / start-up differentiation and of the Gregory-type quadrature; the global error
    /// is O(h^k).
    public var order: Int
    /// Corrector passes per row once the run is past its first 8k rows (each pass costs one sweep over the stored
    /// triangle). 1 is a PEC scheme (predictor, one evaluation, correct), 2 a PECE; the first 8k rows iterate
    /// to `correctionTolerance` (at most 40 passes).
    public var correctorPasses: Int
    /// A row is converged when no value changes by more than this in a corrector pass.
    public var correctionTolerance: Double

    /// Defaults: order 4, two corrector passes, tolerance 1e-13.
    public init(step: Double, steps: Int, order: Int = 4, correctorPasses: Int = 2, correctionTolerance: Double = 1e-13) {
        self.step = step
        self.steps = steps
        self.order = order
        self.correctorPasses = correctorPasses
        self.correctionTolerance = correctionTolerance
    }

    /// Options reaching `maximumTime` with step `step` (steps = round(maximumTime/step)).
    ///
    /// A ratio that is not finite or exceeds `Int.max`'s range (e.g. t-max 1e308, dt 1e-308) gives `steps = Int.max`,
    /// which `validate()` rejects ("at most 2000000"); a NaN ratio gives 0, also rejected.
    public init(step: Double, maximumTime: Double, order: Int = 4, correctorPasses: Int = 2) {
        self.init(step: step, steps: CheckedCount.rounded(maximumTime / step) ?? ((maximumTime / step) > 0 ? Int.max : 0),
                  order: order, correctorPasses: correctorPasses)
    }

    /// The final time steps·h.
    public var maximumTime: Double { Double(steps) * step }

    /// The fewest steps a run may have: 2k + 2 (start-up block plus one predictor stencil).
    public static func minimumSteps(order: Int) -> Int { 2 * order + 2 }

    /// Throws `TwoTimeError.invalidParameter` for a value out of range.
    public func validate() throws {
        guard step.isFinite, step > 0 else {
            throw TwoTimeError.invalidParameter(name: "dt", value: step, requirement: "a finite number > 0")
        }
        guard (2...4).contains(order) else {
            throw TwoTimeError.invalidParameter(name: "order", value: Double(order), requirement: "2, 3 or 4")
        }
        guard steps >= Self.minimumSteps(order: order) else {
            throw TwoTimeError.invalidParameter(name: "steps", value: Double(steps),
                                                requirement: "at least \(Self.minimumSteps(order: order)) (t-max / dt)")
        }
        guard steps <= 2_000_000 else {
            throw TwoTimeError.invalidParameter(name: "steps", value: Double(steps), requirement: "at most 2000000")
        }
        guard correctorPasses >= 1 && correctorPasses <= 50 else {
            throw TwoTimeError.invalidParameter(name: "correctorPasses", value: Double(correctorPasses),
                                                requirement: "between 1 and 50")
        }
        guard correctionTolerance.isFinite, correctionTolerance > 0 else {
            throw TwoTimeError.invalidParameter(name: "correctionTolerance", value: correctionTolerance,
                                                requirement: "a finite number > 0")
        }
    }
}

/// Where a p-spin quench starts.
public enum QuenchStart: Sendable, Codable, Equatable {
    /// A random configuration at t = 0: the quench from infinite temperature (C(t,0) decays from 1, no history).
    case random
    /// Equilibrium at temperature T' > T_d for all t < 0 (history from the stationary `DoublingSolver`), then T.
    case equilibrium(temperature: Double)
}

/// Progress of a two-time run, passed to the caller's callback after each row.
public struct TwoTimeProgress: Sendable {
    /// Steps done after t = 0.
    public let completedSteps: Int
    /// Steps of the whole run.
    public let totalSteps: Int
    /// The time reached.
    public let time: Double
    /// Wall-clock seconds since this call to `advance` began.
    public let elapsedSeconds: Double
    /// A one-number summary of the newest row (the energy for the p-spin model, Δ(t,t) for the network).
    public let observable: Double
}

/// Writes checkpoints during a long run: the file `path`, replaced atomically every `interval` seconds.
public struct CheckpointPolicy: Sendable {
    /// Checkpoint file.
    public var path: String
    /// Seconds between checkpoints.
    public var interval: Double
    /// Called (on the integrating thread) when a checkpoint write fails; the run continues. The CLI prints it as a
    /// warning. nil: the failure is only recorded (`PSpinQuenchIntegrator.failedCheckpointWrites`).
    public var onFailure: (@Sendable (CheckpointFailure) -> Void)?

    /// A policy writing `path` every `interval` seconds (default three minutes).
    public init(path: String, interval: Double = 180, onFailure: (@Sendable (CheckpointFailure) -> Void)? = nil) {
        self.path = path
        self.interval = interval
        self.onFailure = onFailure
    }
}

/// A checkpoint write that failed (the run went on; the previous checkpoint file, if any, is intact).
public struct CheckpointFailure: Sendable, Equatable, CustomStringConvertible {
    /// The checkpoint file.
    public let path: String
    /// Model time of the last completed row when the write was attempted.
    public let time: Double
    /// Why it failed (one line).
    public let reason: String

    /// `"warning: checkpoint … not written at t = …: reason; the run continues"`.
    public var description: String {
        "warning: checkpoint \(path) not written at t = \(time): \(reason); the run continues"
    }
}

/// Failures of the two-time integrators. The description is one line, fit for a command-line error.
public enum TwoTimeError: Error, Equatable, CustomStringConvertible {
    /// A parameter is out of range.
    case invalidParameter(name: String, value: Double, requirement: String)
    /// The causal triangles would not fit in memory.
    case insufficientMemory(required: Int, available: Int, points: Int)
    /// A value became NaN or infinite.
    case nonFinite(time: Double)
    /// A bound every solution obeys was violated (|C| ≤ 1, |Δ(t,s)| ≤ √(Δ(t,t)Δ(s,s))): the step is too large for
    /// the scheme's stability region.
    case unstable(time: Double, reason: String)
    /// The long-time integrator produced output no solution has (C > 1, E rising above its running minimum, E below
    /// E_th at T = 0) by more than `tolerance`: its discretisation error exceeds the tolerance.
    case impossibleOutput(time: Double, reason: String, tolerance: Double)
    /// The start-up block (the first k rows) did not converge.
    case startDidNotConverge(change: Double, iterations: Int)
    /// A waiting time is not inside the run.
    case waitingTimeOutOfRange(Double, maximum: Double)
    /// A checkpoint file cannot be read.
    case unreadableCheckpoint(path: String, reason: String)
    /// A checkpoint belongs to another run.
    case checkpointMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidParameter(let name, let value, let requirement):
            return "invalid \(name) = \(value): it must be \(requirement)"
        case .insufficientMemory(let required, let available, let points):
            return "the two-time run needs \(MemoryBudget.format(bytes: required)) for \(points) time points "
                + "(n²/2 values per function) but only \(MemoryBudget.format(bytes: available)) is available; "
                + "use a larger dt or a shorter t-max"
        case .nonFinite(let time):
            return "the solution became non-finite at t = \(time); try a smaller dt"
        case .unstable(let time, let reason):
            return "the integration became unstable at t = \(time) (\(reason)); use a smaller dt"
        case .impossibleOutput(let time, let reason, let tolerance):
            return "impossible output at t = \(time) (\(reason)), beyond the tolerance \(tolerance): the block-doubling "
                + "error is larger; use a larger --block-size, or pass a larger --flag-tolerance knowingly"
        case .startDidNotConverge(let change, let iterations):
            return "the start-up block did not converge (change \(change) after \(iterations) iterations); try a smaller dt"
        case .waitingTimeOutOfRange(let time, let maximum):
            return "waiting time \(time) is outside the run [0, \(maximum)]"
        case .unreadableCheckpoint(let path, let reason):
            return "cannot read checkpoint \(path): \(reason)"
        case .checkpointMismatch(let path, let reason):
            return "checkpoint \(path) belongs to another run: \(reason)"
        }
    }
}
