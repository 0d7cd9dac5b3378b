import Foundation
import Synchronization

/// A scan of the general one-population network over g.
///
/// Each point is solved as `GeneralNetworkModel.solve()` does, from its own cheap start (the potential method's
/// equations on Mehler series, ~1e-6, which gives the window as well): a table or two of the kernel per point. Where
/// that start fails (close to g_c), the point is started from the previous one (its Δ(τ), μ, and the window 32/κ
/// from κ² = 1 − g² C_φ'(Δ∞) at the previous solution), and last by the accurate potential method. The converged
/// answers are those of `GeneralNetworkModel.solve()` to the solver tolerance (on a grid with the same step whose
/// window may differ for a continued point).
public enum GeneralNetworkScan {
    /// One coupling of the scan.
    public struct Point: Sendable {
        /// g.
        public let coupling: Double
        /// The stationary state, nil when the solve failed.
        public let solution: GeneralNetworkSolution?
        /// Why it failed (one line), nil on success.
        public let failure: String?
        /// The residual of a failed solve (NaN when unknown).
        public let failedResidual: Double
    }

    /// Solves every coupling: the list is cut into `workers` contiguous pieces solved in parallel, each in order (a
    /// point starts from the previous one of its piece). `progress` receives the number of points done.
    public static func run(couplings: [Double], noise: Double, bias: Double, meanCoupling: Double,
                           nonlinearity: Nonlinearity, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                           progress: (@Sendable (Int) -> Void)? = nil) -> [Point] {
        let pieces = max(1, min(workers, couplings.count))
        let bounds = (0...pieces).map { $0 * couplings.count / pieces }
        let done = Atomic<Int>(0)
        let parts = ParallelMap.run(count: pieces, workers: pieces, makeWorkspace: { () }) { _, piece in
            chain(Array(couplings[bounds[piece]..<bounds[piece + 1]]), noise: noise, bias: bias, meanCoupling: meanCoupling,
                  nonlinearity: nonlinearity) { _ in
                let count = done.add(1, ordering: .relaxed).newValue
                progress?(count)
            }
        }
        return parts.flatMap { $0 }
    }

    /// Solves `couplings` in order, each chaotic point started from the previous one.
    static func chain(_ couplings: [Double], noise: Double, bias: Double, meanCoupling: Double,
                      nonlinearity: Nonlinearity, progress: ((Int) -> Void)? = nil) -> [Point] {
        var previous: GeneralNetworkSolution?
        var points: [Point] = []
        points.reserveCapacity(couplings.count)
        for (index, g) in couplings.enumerated() {
            do {
                let model = try GeneralNetworkModel(coupling: g, noise: noise, bias: bias, meanCoupling: meanCoupling,
                                                    nonlinearity: nonlinearity)
                // The solve's own cheap start (accurate to ~1e-6, so a kernel table or two per point); where that
                // start fails (near g_c), the previous point; then the accurate potential method.
                var solution = try? model.solve(step: nil, window: nil, options: GeneralNetworkSolver.defaultOptions,
                                                accurateFallback: false)
                if solution == nil, let last = previous, last.branch != .fixedPoint, !model.isOddCase,
                   !(noise == 0 && (try? model.fixedPoint())?.isStable != false) {
                    solution = try? continued(model, from: last)
                }
                let answer = try solution ?? model.solve()
                previous = answer
                points.append(Point(coupling: g, solution: answer, failure: nil, failedResidual: .nan))
            } catch {
                previous = nil
                points.append(Point(coupling: g, solution: nil, failure: String(describing: error),
                                    failedResidual: ConvergenceError.residual(of: error)))
            }
            progress?(index + 1)
        }
        return points
    }

    /// `model` solved from `last` (another g): window from κ at the previous state, Δ and μ as the start.
    static func continued(_ model: GeneralNetworkModel, from last: GeneralNetworkSolution) throws -> GeneralNetworkSolution {
        let g2 = model.coupling * model.coupling
        let slope = model.kernel(model.nonlinearity.derivative, lag: last.staticVariance, variance: last.variance, mean: last.mean)
        let rate = (max(1 - g2 * slope, 0)).squareRoot()
        let grid = try GeneralNetworkSolver.automaticGrid(for: model, tailRate: rate > 1e-3 ? rate : nil)
        let edge = last.grid.window - 3 * last.grid.step
        var guess = grid.lags.map { tau in tau <= edge ? last.correlation(atLag: tau) : last.staticVariance }
        guess.append(last.mean)
        return try GeneralNetworkSolver(grid: grid).solve(model, initialGuess: guess)
    }
}
