/// A uniform grid of non-negative lags for even functions of τ, and its dual frequency grid.
///
/// Lags are `τ_j = j·step`, `j = 0…intervals`; the function is understood as even, `f(−τ) = f(τ)`,
/// and periodic with period `2·window` where `window = intervals·step`. The dual frequencies are
/// `ω_k = π k / window`, `k = 0…intervals`. Units: τ in the model's time unit, ω in its inverse.
public struct LagGrid: Sendable, Hashable, Codable {
    /// Lag spacing `dt`.
    public let step: Double
    /// Number of intervals `M` on `[0, window]`; the grid holds `M + 1` points.
    public let intervals: Int

    /// Largest lag held, `M·dt` (half the period of the implied periodic extension).
    public var window: Double { Double(intervals) * step }
    /// Number of lag (and frequency) points, `M + 1`.
    public var count: Int { intervals + 1 }
    /// Frequency spacing `π / window`.
    public var frequencyStep: Double { Double.pi / window }

    /// Makes a grid; throws `GridError` for a non-positive or non-finite step, fewer than 8 or more than 2^26
    /// intervals, or a window `intervals·step` (or frequency step π/window) that is not a finite normal number.
    public init(step: Double, intervals: Int) throws {
        guard step.isFinite, step > 0 else { throw GridError.invalidStep(step) }
        guard intervals >= 8 else { throw GridError.tooFewPoints(intervals) }
        guard intervals <= 1 << 26 else { throw GridError.tooManyPoints(intervals) }
        let window = Double(intervals) * step
        guard window.isFinite, (Double.pi / window).isNormal else { throw GridError.invalidWindow(window) }
        self.step = step
        self.intervals = intervals
    }

    /// The smallest grid with spacing `step` whose window is at least `window`, with a power-of-two
    /// number of intervals (the fastest size for FFTW's DCT-I).
    public init(step: Double, minimumWindow window: Double) throws {
        guard step.isFinite, step > 0 else { throw GridError.invalidStep(step) }
        guard window.isFinite, window > 0 else { throw GridError.invalidWindow(window) }
        let needed = (window / step).rounded(.up)
        guard needed <= Double(1 << 26) else { throw GridError.tooManyPoints(Int(min(needed, 1e18))) }
        var intervals = 8
        while Double(intervals) < needed { intervals *= 2 }
        try self.init(step: step, intervals: intervals)
    }

    /// The lags `τ_j`.
    public var lags: [Double] { (0...intervals).map { Double($0) * step } }
    /// The frequencies `ω_k`.
    public var frequencies: [Double] { (0...intervals).map { Double($0) * frequencyStep } }
}

/// Errors in the choice of a lag grid.
public enum GridError: Error, Equatable, CustomStringConvertible {
    case invalidStep(Double)
    case invalidWindow(Double)
    case tooFewPoints(Int)
    case tooManyPoints(Int)

    public var description: String {
        switch self {
        case .invalidStep(let step): return "impossible grid: the lag step must be positive and finite (got \(step))"
        case .invalidWindow(let window): return "impossible grid: the window must be positive and finite (got \(window))"
        case .tooFewPoints(let count): return "impossible grid: at least 8 intervals are needed (got \(count))"
        case .tooManyPoints(let count): return "impossible grid: \(count) intervals exceed the limit of 2^26"
        }
    }
}
