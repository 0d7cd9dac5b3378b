import Foundation
import Synchronization

/// Runs independent jobs on every core, with dynamic load balancing and one private workspace per worker.
package enum ParallelMap {
    /// Evaluates `body(&workspace, index)` for `index` in `0..<count` on `workers` threads and returns the results
    /// in index order. Each worker makes its own workspace with `makeWorkspace` (solvers own FFTW buffers and are
    /// not shared); jobs are handed out one at a time, so slow points (near a transition) do not stall a worker's
    /// fixed share. `completed` is called (from worker threads) with the number of finished jobs.
    package static func run<Workspace, Result: Sendable>(
        count: Int,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        makeWorkspace: @Sendable () -> Workspace,
        completed: (@Sendable (Int) -> Void)? = nil,
        body: @Sendable (inout Workspace, Int) -> Result
    ) -> [Result] {
        let next = Atomic<Int>(0)
        let finished = Atomic<Int>(0)
        let results = Mutex<[Int: Result]>([:])
        let threads = max(1, min(workers, count))
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var workspace = makeWorkspace()
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= count { break }
                let value = body(&workspace, index)
                results.withLock { $0[index] = value }
                let done = finished.add(1, ordering: .relaxed).newValue
                completed?(done)
            }
        }
        return results.withLock { stored in (0..<count).map { stored[$0]! } }
    }
}
