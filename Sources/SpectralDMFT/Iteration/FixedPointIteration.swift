import RealModule

/// How successive iterates of a fixed-point map `x ← G(x)` are combined.
public enum Acceleration: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Damped Picard iteration `x ← (1−β) x + β G(x)`.
    case plain(damping: Double)
    /// Anderson mixing (type II) over the last `depth` iterates, with mixing parameter `damping`.
    case anderson(depth: Int, damping: Double)

    /// Jacobian-free Newton–Krylov: Newton steps solved by GMRES with up to `krylovDimension` vectors.
    case newtonKrylov(krylovDimension: Int)

    /// Newton–Krylov with up to 20 Krylov vectors per Newton step: the default of every solver.
    public static let standard = Acceleration.newtonKrylov(krylovDimension: 20)

    public var description: String {
        switch self {
        case .plain(let damping): return "plain(damping: \(damping))"
        case .anderson(let depth, let damping): return "anderson(depth: \(depth), damping: \(damping))"
        case .newtonKrylov(let dimension): return "newton-krylov(krylov: \(dimension))"
        }
    }
}

/// Stopping rule and acceleration for a fixed-point solve.
public struct IterationOptions: Sendable, Equatable, Codable {
    /// Converged when the scaled residual `max_j |G(x)_j − x_j| / scale` is at most this.
    public var tolerance: Double
    /// Give up (throwing `ConvergenceError.notConverged`) after this many map evaluations.
    public var maximumIterations: Int
    /// The iteration scheme.
    public var acceleration: Acceleration

    /// Options with tolerance (on the scaled residual), evaluation budget and scheme.
    public init(tolerance: Double = 1e-11, maximumIterations: Int = 2000, acceleration: Acceleration = .standard) {
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
        self.acceleration = acceleration
    }
}

/// What a converged solve did: the method that actually ran, its iterations and final residual, and the residual
/// after every map evaluation. Every stationary solution carries one, whatever solver made it.
public struct ConvergenceReport: Sendable, Equatable, Codable {
    /// The method that ran, e.g. `newton-krylov(krylov: 20), preconditioned`, `anderson(depth: 10, damping: 1.0)`
    /// or `time-doubling(blocks: 31, block size: 512)`.
    public var method: String
    /// Number of evaluations of the map (Newton iterations summed over all steps for time stepping).
    public var iterations: Int
    /// Final scaled residual `max|G(x) − x| / scale` (the largest step residual for time stepping).
    public var residual: Double
    /// Scaled residual after each evaluation (empty for time stepping).
    public var residualHistory: [Double]

    /// A report of `method` after `iterations` evaluations ending at `residual`.
    public init(method: String, iterations: Int, residual: Double, residualHistory: [Double] = []) {
        self.method = method
        self.iterations = iterations
        self.residual = residual
        self.residualHistory = residualHistory
    }
}

/// Failure of an iterative solve. A solve that did not converge never returns an answer.
public enum ConvergenceError: Error, Equatable, CustomStringConvertible {
    /// The residual stayed above the tolerance for the allowed number of iterations.
    case notConverged(residual: Double, iterations: Int, tolerance: Double)
    /// The map produced a NaN or infinity.
    case nonFinite(iteration: Int)

    /// The last residual carried by `error` when it is a `.notConverged` error, NaN otherwise.
    public static func residual(of error: any Error) -> Double {
        if case .notConverged(let residual, _, _)? = error as? ConvergenceError { return residual }
        return .nan
    }

    public var description: String {
        switch self {
        case .notConverged(let residual, let iterations, let tolerance):
            return "did not converge: residual \(residual) after \(iterations) iterations (tolerance \(tolerance))"
        case .nonFinite(let iteration):
            return "the iteration produced a non-finite value at iteration \(iteration)"
        }
    }
}

/// Fixed-point solver `x = G(x)` on vectors of fixed length, with damped or Anderson-accelerated iteration.
///
/// Anderson (type II): with `f = G(x) − x` and the differences `ΔF`, `ΔG` of the last `depth` iterates,
/// `γ = argmin ‖f − ΔF γ‖₂` and `x ← G(x) − ΔG γ − (1 − β)(f − ΔF γ)`. The small least-squares problem is
/// solved by regularised normal equations; the history is dropped when a step makes the residual grow
/// tenfold over the best seen. All workspaces are allocated once, in `init`, and reused by every solve.
package final class FixedPointIterator {
    /// Length of the vectors iterated.
    package let dimension: Int
    /// Stopping rule and scheme (fixed: the workspaces are sized for the scheme).
    package let options: IterationOptions

    private let mapped: AlignedBuffer
    private let residualVector: AlignedBuffer
    private let previousMapped: AlignedBuffer
    private let previousResidual: AlignedBuffer
    private let best: AlignedBuffer
    private let residualDifferences: [AlignedBuffer]
    private let mappedDifferences: [AlignedBuffer]
    private var gram: [Double]
    private var rightSide: [Double]
    private var coefficients: [Double]
    private let newton: NewtonKrylovSolver?

    /// Allocates the workspaces for vectors of length `dimension`.
    package init(dimension: Int, options: IterationOptions = IterationOptions()) {
        self.dimension = dimension
        self.options = options
        mapped = AlignedBuffer(count: dimension)
        residualVector = AlignedBuffer(count: dimension)
        previousMapped = AlignedBuffer(count: dimension)
        previousResidual = AlignedBuffer(count: dimension)
        best = AlignedBuffer(count: dimension)
        let depth: Int
        if case .anderson(let d, _) = options.acceleration { depth = max(1, d) } else { depth = 1 }
        residualDifferences = (0..<depth).map { _ in AlignedBuffer(count: dimension) }
        mappedDifferences = (0..<depth).map { _ in AlignedBuffer(count: dimension) }
        if case .newtonKrylov(let krylov) = options.acceleration {
            newton = NewtonKrylovSolver(dimension: dimension, krylovDimension: krylov)
        } else {
            newton = nil
        }
        gram = [Double](repeating: 0, count: depth * depth)
        rightSide = [Double](repeating: 0, count: depth)
        coefficients = [Double](repeating: 0, count: depth)
    }

    /// Iterates `state ← G(state)` until converged; on return `state` holds the fixed point.
    ///
    /// - Parameters:
    ///   - state: the starting guess, overwritten by the solution.
    ///   - progress: called after each evaluation with (iteration, residual).
    ///   - map: evaluates `G(x)` into its second argument and returns the scale of the residual
    ///     (e.g. the variance, so that the tolerance is relative).
    ///   - tolerance: overrides `options.tolerance` for this solve (nil: the options' tolerance).
    /// - Throws: `ConvergenceError` when the tolerance is not reached or the map is not finite.
    package func solve(
        state: AlignedBuffer,
        progress: ((Int, Double) -> Void)? = nil,
        tolerance: Double? = nil,
        map: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Double
    ) throws -> ConvergenceReport {
        precondition(state.count == dimension)
        var options = self.options
        if let tolerance { options.tolerance = tolerance }
        if let newton {
            return try newton.solve(state: state, mapped: mapped, options: options, progress: progress, map: map)
        }
        let n = dimension
        let x = state.baseAddress, g = mapped.baseAddress, f = residualVector.baseAddress
        let gPrev = previousMapped.baseAddress, fPrev = previousResidual.baseAddress
        var history: [Double] = []
        history.reserveCapacity(min(options.maximumIterations, 4096))
        var stored = 0, newest = -1, havePrevious = false
        var bestResidual = Double.infinity
        let depth = residualDifferences.count
        let anderson: Bool, damping: Double
        switch options.acceleration {
        case .plain(let beta): anderson = false; damping = beta
        case .anderson(_, let beta): anderson = true; damping = beta
        case .newtonKrylov: anderson = false; damping = 1
        }

        for iteration in 1...max(1, options.maximumIterations) {
            let scale = try map(UnsafeBufferPointer(start: x, count: n), mapped.pointer)
            var largest = 0.0
            for j in 0..<n {
                let difference = g[j] - x[j]
                f[j] = difference
                largest = max(largest, abs(difference))
            }
            guard largest.isFinite, scale.isFinite else { throw ConvergenceError.nonFinite(iteration: iteration) }
            let residual = largest / max(scale, .leastNormalMagnitude)
            history.append(residual)
            progress?(iteration, residual)
            if residual <= options.tolerance {
                return ConvergenceReport(method: options.acceleration.description, iterations: iteration,
                                         residual: residual, residualHistory: history)
            }
            if residual < bestResidual {
                bestResidual = residual
                best.assign(from: state)
            } else if residual > 10 * bestResidual && anderson {
                // A bad extrapolation: return to the best iterate and forget the history.
                state.assign(from: best)
                stored = 0; newest = -1; havePrevious = false
                bestResidual = .infinity
                continue
            }
            if !anderson {
                for j in 0..<n { x[j] += damping * f[j] }
                continue
            }
            if havePrevious {
                newest = (newest + 1) % depth
                stored = min(stored + 1, depth)
                let dF = residualDifferences[newest].baseAddress, dG = mappedDifferences[newest].baseAddress
                for j in 0..<n {
                    dF[j] = f[j] - fPrev[j]
                    dG[j] = g[j] - gPrev[j]
                }
            }
            havePrevious = true
            gPrev.update(from: g, count: n)
            fPrev.update(from: f, count: n)
            let used = solveLeastSquares(stored: stored, residual: f)
            // x ← g − ΔG γ − (1 − β)(f − ΔF γ)
            for j in 0..<n { x[j] = g[j] - (1 - damping) * f[j] }
            for column in 0..<used {
                let gamma = coefficients[column]
                let dF = residualDifferences[column].baseAddress, dG = mappedDifferences[column].baseAddress
                for j in 0..<n { x[j] -= gamma * (dG[j] - (1 - damping) * dF[j]) }
            }
        }
        throw ConvergenceError.notConverged(residual: history.last ?? .infinity,
                                            iterations: history.count, tolerance: options.tolerance)
    }

    /// Solves `(ΔFᵀΔF + λ) γ = ΔFᵀ f` for the stored columns; returns how many coefficients are set.
    private func solveLeastSquares(stored: Int, residual: UnsafeMutablePointer<Double>) -> Int {
        guard stored > 0 else { return 0 }
        let n = dimension, m = stored
        for a in 0..<m {
            let columnA = residualDifferences[a].baseAddress
            for b in a..<m {
                let columnB = residualDifferences[b].baseAddress
                var sum = 0.0
                for j in 0..<n { sum = Relaxed.multiplyAdd(columnA[j], columnB[j], sum) }
                gram[a * m + b] = sum
                gram[b * m + a] = sum
            }
            var projection = 0.0
            for j in 0..<n { projection = Relaxed.multiplyAdd(columnA[j], residual[j], projection) }
            rightSide[a] = projection
        }
        var largestDiagonal = 0.0
        for a in 0..<m { largestDiagonal = max(largestDiagonal, gram[a * m + a]) }
        guard largestDiagonal > 0 else { return 0 }
        for a in 0..<m { gram[a * m + a] += 1e-13 * largestDiagonal }
        guard DenseLinearAlgebra.solve(&gram, &rightSide, size: m) else { return 0 }
        for a in 0..<m { coefficients[a] = rightSide[a] }
        for a in 0..<m where !coefficients[a].isFinite { return 0 }
        return m
    }
}
