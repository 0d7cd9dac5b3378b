import Foundation

/// A single-site stochastic process driven by a Gaussian field, the unit a sampling DMFT averages over.
///
/// On the time grid t_k = k·dt, k = 0…K, the engine hands a conformer one sample path η_k of a zero-mean Gaussian
/// field with covariance `C(t_k, t_j)`, together with the current kernels (mean, covariance, response). The
/// conformer integrates its single-site equation along that path and returns the path of its observable x_k (whose
/// mean and second moment ⟨x_k x_j⟩ close the self-consistency) and adds the path's response r(t_k, t_j), j ≤ k,
/// to an accumulator. The engine knows nothing else about the process.
public protocol SampledSingleSiteProcess: Sendable {
    /// Scratch space of one worker (made once per worker, reused for every path).
    associatedtype Workspace

    /// Grid step dt (> 0).
    var step: Double { get }
    /// Number of grid times K + 1.
    var timeCount: Int { get }
    /// The kernels the iteration starts from.
    func initialKernels() -> SamplingKernels
    /// A fresh workspace.
    func makeWorkspace() -> Workspace
    /// Integrates path number `path` (its random initial state, if any, must be a function of `path` only) driven by
    /// `field` (η_k, `timeCount` values). Writes x_k into `observable` and adds r(t_k, t_j) for j ≤ k to
    /// `response[k·timeCount + j]`.
    func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                   observable: UnsafeMutablePointer<Double>, response: UnsafeMutablePointer<Double>)
    /// True when the response of every path factorises, r(t_k, t_j) = u_k v_j for j ≤ k (default: false). The engine
    /// then calls `integrate(path:field:kernels:workspace:observable:left:right:)` and sums Σ u vᵀ itself (a
    /// matrix product, done by BLAS when an optimised one is found).
    var hasSeparableResponse: Bool { get }
    /// Like `integrate(path:field:kernels:workspace:observable:response:)`, but writes the factors u_k and v_k of the
    /// path's response r(t_k, t_j) = u_k v_j (j ≤ k) into `left` and `right` (`timeCount` values each) instead of
    /// adding r to an accumulator. Called only when `hasSeparableResponse` is true.
    func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                   observable: UnsafeMutablePointer<Double>, left: UnsafeMutablePointer<Double>,
                   right: UnsafeMutablePointer<Double>)
    /// `integrate(path:field:kernels:workspace:observable:left:right:)` for the `count` paths `first`, `first` + 1, …;
    /// `fields`, `observables`, `left` and `right` hold one row of `timeCount` values per path. A conformer may
    /// integrate several paths together (independent instruction streams hide the latency of `exp`); the default
    /// takes them one by one. Called only when `hasSeparableResponse` is true.
    func integrate(paths first: Int, count: Int, fields: UnsafePointer<Double>, kernels: SamplingKernels,
                   workspace: inout Workspace, observables: UnsafeMutablePointer<Double>,
                   left: UnsafeMutablePointer<Double>, right: UnsafeMutablePointer<Double>)
}

extension SampledSingleSiteProcess {
    /// Not separable unless a conformer says so.
    public var hasSeparableResponse: Bool { false }

    /// One path after the other.
    public func integrate(paths first: Int, count: Int, fields: UnsafePointer<Double>, kernels: SamplingKernels,
                          workspace: inout Workspace, observables: UnsafeMutablePointer<Double>,
                          left: UnsafeMutablePointer<Double>, right: UnsafeMutablePointer<Double>) {
        let n = timeCount
        for p in 0..<count {
            integrate(path: first + p, field: fields + p * n, kernels: kernels, workspace: &workspace,
                      observable: observables + p * n, left: left + p * n, right: right + p * n)
        }
    }

    /// Never called for a process whose `hasSeparableResponse` is false.
    public func integrate(path: Int, field: UnsafePointer<Double>, kernels: SamplingKernels, workspace: inout Workspace,
                          observable: UnsafeMutablePointer<Double>, left: UnsafeMutablePointer<Double>,
                          right: UnsafeMutablePointer<Double>) {
        preconditionFailure("integrate(path:field:kernels:workspace:observable:left:right:) needs hasSeparableResponse")
    }
}

/// The self-consistent kernels of a sampling DMFT on the grid t_k = k·dt: m_k = ⟨x_k⟩, C_kj = ⟨x_k x_j⟩ (full,
/// symmetric, row-major) and the response χ_kj = ⟨δx_k/δh_j⟩ (lower triangle j ≤ k, row-major; χ_kk = χ(t_k, t_k⁻)).
public struct SamplingKernels: Sendable, Equatable, Codable {
    /// Number of grid times.
    public let timeCount: Int
    /// m_k.
    public var mean: [Double]
    /// C_kj, row-major `timeCount × timeCount`.
    public var covariance: [Double]
    /// χ_kj for j ≤ k, row-major `timeCount × timeCount` (zero above the diagonal).
    public var response: [Double]

    /// Kernels on `timeCount` times.
    public init(timeCount: Int, mean: [Double], covariance: [Double], response: [Double]) {
        precondition(mean.count == timeCount && covariance.count == timeCount * timeCount
                     && response.count == timeCount * timeCount)
        self.timeCount = timeCount
        self.mean = mean
        self.covariance = covariance
        self.response = response
    }
}

/// The settings of a damped Monte Carlo self-consistency that every sampling DMFT shares (the transient engine
/// `SamplingDMFTSolver` and the stationary ecosystem solver): paths and repetitions of the common random numbers,
/// the damped (optionally Anderson-accelerated) iteration and its stopping rule, and the worker threads.
public struct SampledIterationOptions: Sendable, Equatable, Codable {
    /// Paths per repetition (≥ 2).
    public var paths: Int
    /// Independent repetitions (new draws each); error bars are standard errors over them (≥ 2 for errors).
    public var repetitions: Int = 4
    /// Seed of the draws.
    public var seed: UInt64 = 1
    /// Damping (mixing parameter) a of x ← (1 − a)x + a G(x), in (0, 1].
    public var damping: Double = 0.5
    /// Anderson acceleration depth M (0: plain damped iteration).
    public var acceleration: Int = 0
    /// Converged when the scaled residual max|G(x) − x| is at most this (> 0; each solver states its scale).
    public var tolerance: Double
    /// Sweeps allowed per repetition (≥ 1).
    public var maximumIterations: Int
    /// Worker threads (≥ 1).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Settings with a solver's own defaults for `paths`, `tolerance` and `maximumIterations`.
    public init(paths: Int, tolerance: Double, maximumIterations: Int) {
        self.paths = paths
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
    }

    /// Checks every setting.
    ///
    /// - Throws: `SamplingError.invalidOption` for paths outside [2, 1e7], repetitions outside [1, 1000], damping
    ///   outside (0, 1], a non-positive tolerance or iteration budget, threads < 1, acceleration outside [0, 20].
    public func validate() throws {
        func require(_ ok: Bool, _ name: String, _ value: Double, _ requirement: String) throws {
            if !ok { throw SamplingError.invalidOption(name: name, value: value, requirement: requirement) }
        }
        try require(paths >= 2 && paths <= 10_000_000, "paths", Double(paths), "between 2 and 1e7")
        try require(repetitions >= 1 && repetitions <= 1000, "repetitions", Double(repetitions), "between 1 and 1000")
        try require(damping > 0 && damping <= 1, "damping", damping, "in (0, 1]")
        try require(tolerance > 0, "tolerance", tolerance, "> 0")
        try require(maximumIterations >= 1, "maximum iterations", Double(maximumIterations), ">= 1")
        try require(threads >= 1, "threads", Double(threads), ">= 1")
        try require(acceleration >= 0 && acceleration <= 20, "acceleration", Double(acceleration), "between 0 and 20")
    }
}

/// Options of `SamplingDMFTSolver`: the shared iteration settings (`iteration`, defaults 10⁴ paths, tolerance
/// 1e-10, 400 sweeps) and the engine's own jitter and BLAS switch.
public struct SamplingOptions: Sendable, Equatable, Codable {
    /// The iteration settings. Repetition r draws its normals from streams 64r …; the residual is scaled by
    /// max_k C_kk. With Anderson acceleration (M > 0) the update is x ← x + a f − Σ_i θ_i (ΔG_i − (1 − a) ΔF_i),
    /// f = G(x) − x, θ the least-squares fit of f by the last M differences ΔF of f (ΔG of G); the history is
    /// cleared when the residual grows past 4× its best value. The map is deterministic (common random numbers),
    /// so the accelerated iteration converges to the same fixed point.
    public var iteration = SampledIterationOptions(paths: 10_000, tolerance: 1e-10, maximumIterations: 400)
    /// `iteration.paths`.
    public var paths: Int { get { iteration.paths } set { iteration.paths = newValue } }
    /// `iteration.repetitions`.
    public var repetitions: Int { get { iteration.repetitions } set { iteration.repetitions = newValue } }
    /// `iteration.seed`.
    public var seed: UInt64 { get { iteration.seed } set { iteration.seed = newValue } }
    /// `iteration.damping`.
    public var damping: Double { get { iteration.damping } set { iteration.damping = newValue } }
    /// `iteration.tolerance`.
    public var tolerance: Double { get { iteration.tolerance } set { iteration.tolerance = newValue } }
    /// `iteration.maximumIterations`.
    public var maximumIterations: Int { get { iteration.maximumIterations } set { iteration.maximumIterations = newValue } }
    /// `iteration.threads`.
    public var threads: Int { get { iteration.threads } set { iteration.threads = newValue } }
    /// `iteration.acceleration` (Anderson depth M).
    public var acceleration: Int { get { iteration.acceleration } set { iteration.acceleration = newValue } }
    /// Relative diagonal jitter ε of the Cholesky factorisation, C + ε max_k C_kk I (see `SamplingDMFTSolver`).
    public var jitter: Double = 1e-10
    /// Use an optimised CBLAS (OpenBLAS or BLIS, found at run time) when there is one, for η = Lξ (`dtrmm`), the
    /// second moment Σ x xᵀ (`dsyrk`) and a separable response Σ u vᵀ (`dgemm`), over blocks of 64 paths; false, or
    /// no such library: the package's own loops over blocks of 4 paths. The two differ by rounding only (the
    /// converged kernels by about the tolerance); each is independent of the thread count.
    public var usesBLAS: Bool = true

    /// Default options.
    public init() {}
}

/// The result of a sampling DMFT: kernels averaged over repetitions with their standard errors, and one report per
/// repetition.
public struct SamplingSolution: Sendable, Codable {
    /// Grid step.
    public let step: Double
    /// Kernels averaged over the repetitions.
    public let kernels: SamplingKernels
    /// Standard errors of `kernels` over the repetitions (NaN for one repetition).
    public let errors: SamplingKernels
    /// Kernels of each repetition.
    public let repetitions: [SamplingKernels]
    /// Iterations and final residual of each repetition; `report` is the worst.
    public let reports: [ConvergenceReport]
    /// Largest weight of Schur-complement pivots clipped to 0 by the Cholesky factorisation (relative to the trace).
    public let clippedWeight: Double

    /// The report of the slowest repetition.
    public var report: ConvergenceReport { reports.max { $0.residual < $1.residual }! }
    /// The grid times.
    public var times: [Double] { (0..<kernels.timeCount).map { Double($0) * step } }
}

/// Sampling DMFT (Eissfeller–Opper) with common random numbers: the field paths are η = L ξ with L the Cholesky
/// factor of the current C (plus a relative diagonal jitter of 1e-10, see `jitter`) (lower triangular, so η up to t depends on C up to t only: the map is causal) and ξ
/// normal draws fixed for the whole iteration, so the damped iteration is that of a deterministic, continuous map and
/// converges geometrically to the tolerance. Statistical errors come from independent repetitions (new ξ).
///
/// Cost per iteration: n·K²/2 for the paths, n·K²/2 for C, the process's own cost (n·K²/2 for a separable response),
/// on every core in 16 fixed chunks (results independent of the thread count).
public struct SamplingDMFTSolver: Sendable {
    /// The options.
    public let options: SamplingOptions

    /// A solver with `options`.
    ///
    /// - Throws: `SamplingError.invalidOption` for paths < 2, repetitions < 1, damping outside (0, 1], a
    ///   non-positive tolerance or iteration budget, threads < 1.
    public init(options: SamplingOptions) throws {
        try options.iteration.validate()
        if !(options.jitter >= 0 && options.jitter <= 1e-3) {
            throw SamplingError.invalidOption(name: "jitter", value: options.jitter, requirement: "in [0, 1e-3]")
        }
        self.options = options
    }

    static let chunks = 16

    /// Solves `process`; `progress` gets (repetition, iteration, residual).
    ///
    /// - Throws: `ConvergenceError.notConverged` (with the residual) when a repetition does not reach the tolerance,
    ///   `.nonFinite` when the process produces NaN or infinity (e.g. unbounded growth).
    public func solve<Process: SampledSingleSiteProcess>(
        _ process: Process, progress: ((Int, Int, Double) -> Void)? = nil
    ) throws -> SamplingSolution {
        if options.usesBLAS, let blas = SamplingBLAS.shared {
            return try blas.singleThreaded { try solve(process, blas: blas, progress: progress) }
        }
        return try solve(process, blas: nil, progress: progress)
    }

    /// The name of the dense linear algebra `solve` uses with these options: the BLAS's description, or the loops.
    public var linearAlgebraDescription: String {
        if options.usesBLAS, let blas = SamplingBLAS.shared { return blas.description }
        return "package loops"
    }

    private func solve<Process: SampledSingleSiteProcess>(
        _ process: Process, blas: SamplingBLAS?, progress: ((Int, Int, Double) -> Void)?
    ) throws -> SamplingSolution {
        let n = process.timeCount, paths = options.paths
        let block = blas == nil ? Self.block : Self.blasBlock
        let separable = blas != nil && process.hasSeparableResponse
        let noise = AlignedBuffer(count: paths * n)
        let chunkCount = min(Self.chunks, paths)
        let bounds = (0...chunkCount).map { $0 * paths / chunkCount }
        let lower = AlignedBuffer(count: n * n), factor = AlignedBuffer(count: blas == nil ? n * n : 1)
        let field = (0..<chunkCount).map { _ in AlignedBuffer(count: block * n) }
        let observable = (0..<chunkCount).map { _ in AlignedBuffer(count: block * n) }
        let left = (0..<chunkCount).map { _ in AlignedBuffer(count: separable ? block * n : 1) }
        let right = (0..<chunkCount).map { _ in AlignedBuffer(count: separable ? block * n : 1) }
        let sums = (0..<chunkCount).map { _ in AlignedBuffer(count: n) }
        let seconds = (0..<chunkCount).map { _ in AlignedBuffer(count: n * n) }
        let responses = (0..<chunkCount).map { _ in AlignedBuffer(count: n * n) }
        let workspaces = (0..<chunkCount).map { _ in WorkspaceBox(process.makeWorkspace()) }
        var results: [SamplingKernels] = [], reports: [ConvergenceReport] = []
        var clipped = 0.0
        for repetition in 0..<options.repetitions {
            // Common random numbers: ξ for this repetition, chunk c from stream 64·repetition + c.
            for c in 0..<chunkCount {
                var generator = Xoshiro256StarStar(seed: options.seed, stream: 64 * repetition + c)
                let base = noise.baseAddress + bounds[c] * n
                for i in 0..<((bounds[c + 1] - bounds[c]) * n) { base[i] = generator.nextNormal() }
            }
            var kernels = process.initialKernels()
            var mapped = kernels
            let accelerator = options.acceleration > 0 ? Anderson(depth: options.acceleration, timeCount: n) : nil
            var history: [Double] = []
            history.reserveCapacity(options.maximumIterations)
            var converged = false
            for iteration in 1...options.maximumIterations {
                clipped = max(clipped, Self.cholesky(kernels.covariance, n: n, into: lower.baseAddress,
                                                          jitter: options.jitter))
                if blas == nil { Self.transpose(lower.baseAddress, n: n, into: factor.baseAddress) }
                let work = Work(process: process, kernels: kernels, noise: noise, lower: lower, factor: factor,
                                field: field, observable: observable, left: left, right: right, sums: sums,
                                seconds: seconds, responses: responses, workspaces: workspaces, bounds: bounds, n: n,
                                blas: blas, block: block, separable: separable)
                DispatchQueue.concurrentPerform(iterations: chunkCount) { c in work.run(chunk: c) }
                Self.combine(sums: sums, seconds: seconds, responses: responses, n: n, paths: paths, into: &mapped)
                guard mapped.mean.allSatisfy(\.isFinite), mapped.covariance.allSatisfy(\.isFinite),
                      mapped.response.allSatisfy(\.isFinite) else { throw ConvergenceError.nonFinite(iteration: iteration) }
                var scale = 0.0
                for k in 0..<n { scale = max(scale, mapped.covariance[k * n + k]) }
                let a = options.damping
                var residual = 0.0
                let scaled: Double
                if let accelerator {
                    residual = accelerator.step(kernels: &kernels, mapped: mapped, damping: a, scale: scale)
                    scaled = residual
                } else {
                    func mix(_ old: inout [Double], _ new: inout [Double]) {
                        for i in old.indices {
                            residual = max(residual, abs(new[i] - old[i]))
                            old[i] += a * (new[i] - old[i])
                        }
                    }
                    mix(&kernels.mean, &mapped.mean)
                    mix(&kernels.covariance, &mapped.covariance)
                    mix(&kernels.response, &mapped.response)
                    scaled = residual / max(scale, .leastNormalMagnitude)
                }
                residual = scaled
                history.append(residual)
                progress?(repetition, iteration, residual)
                if residual <= options.tolerance {
                    // Return the map's output at the converged point (the damped update moved by ≤ tolerance).
                    kernels = mapped
                    converged = true
                    break
                }
            }
            guard converged else {
                throw ConvergenceError.notConverged(residual: history.last ?? .nan, iterations: history.count,
                                                    tolerance: options.tolerance)
            }
            results.append(kernels)
            reports.append(ConvergenceReport(method: "sampling-dmft(cholesky, common random numbers, damping \(options.damping)\(options.acceleration > 0 ? ", anderson \(options.acceleration)" : ""))",
                                             iterations: history.count, residual: history.last!, residualHistory: history))
        }
        func average(_ path: KeyPath<SamplingKernels, [Double]>) -> ([Double], [Double]) {
            let count = results[0][keyPath: path].count
            var means = [Double](repeating: 0, count: count), errors = means
            let r = Double(results.count)
            for i in 0..<count {
                let mean = results.reduce(0) { $0 + $1[keyPath: path][i] } / r
                means[i] = mean
                errors[i] = results.count < 2 ? .nan
                    : (results.reduce(0) { $0 + ($1[keyPath: path][i] - mean) * ($1[keyPath: path][i] - mean) } / (r - 1) / r).squareRoot()
            }
            return (means, errors)
        }
        let (m, mError) = average(\.mean), (c, cError) = average(\.covariance), (x, xError) = average(\.response)
        return SamplingSolution(step: process.step,
                                kernels: SamplingKernels(timeCount: n, mean: m, covariance: c, response: x),
                                errors: SamplingKernels(timeCount: n, mean: mError, covariance: cError, response: xError),
                                repetitions: results, reports: reports, clippedWeight: clipped)
    }

    /// Paths handled together: the field η = Lξ and the rank-one updates of ⟨x xᵀ⟩ read L and the accumulator once
    /// per block instead of once per path.
    static let block = 4
    /// Paths per block of the BLAS route: one `dtrmm`, `dsyrk` (and `dgemm`) per block.
    static let blasBlock = 64

    /// One sweep's shared state, handed to the chunks (each writes only its own buffers).
    private struct Work<Process: SampledSingleSiteProcess>: @unchecked Sendable {
        let process: Process
        let kernels: SamplingKernels
        /// ξ, row per path; L (row-major, lower); Lᵀ (row j holds column j of L, entries k ≥ j; loops only).
        let noise, lower, factor: AlignedBuffer
        /// Per chunk: `block` fields, observables and response factors, the sum of x, of x xᵀ (lower triangle) and of
        /// the response.
        let field, observable, left, right, sums, seconds, responses: [AlignedBuffer]
        let workspaces: [WorkspaceBox<Process.Workspace>]
        let bounds: [Int]
        let n: Int
        let blas: SamplingBLAS?
        let block: Int
        let separable: Bool

        func run(chunk c: Int) {
            let box = workspaces[c]
            let eta = field[c].baseAddress, x = observable[c].baseAddress
            let sum = sums[c].baseAddress, second = seconds[c].baseAddress, response = responses[c].baseAddress
            let n = self.n
            for i in 0..<n { sum[i] = 0 }
            for i in 0..<(n * n) { second[i] = 0; response[i] = 0 }
            if let blas {
                runBLAS(chunk: c, blas: blas)
                return
            }
            let lt = UnsafePointer(factor.baseAddress)
            let b = block
            var first = bounds[c]
            while first < bounds[c + 1] {
                let count = min(b, bounds[c + 1] - first)
                // η_p = L ξ_p as axpys over the columns of L (vectorised, L read once per block).
                for i in 0..<(b * n) { eta[i] = 0 }
                for p in 0..<count {
                    let xi = UnsafePointer(noise.baseAddress + (first + p) * n), out = eta + p * n
                    for j in 0..<n {
                        let value = xi[j], column = lt + j * n
                        for k in j..<n { out[k] += value * column[k] }
                    }
                }
                for p in 0..<count {
                    process.integrate(path: first + p, field: eta + p * n, kernels: kernels, workspace: &box.value,
                                      observable: x + p * n, response: response)
                }
                for p in count..<b { for k in 0..<n { x[p * n + k] = 0 } }
                let x0 = x, x1 = x + n, x2 = x + 2 * n, x3 = x + 3 * n
                for k in 0..<n {
                    sum[k] += (x0[k] + x1[k]) + (x2[k] + x3[k])
                    let a0 = x0[k], a1 = x1[k], a2 = x2[k], a3 = x3[k]
                    let row = second + k * n
                    for j in 0...k { row[j] += a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j] }
                }
                first += count
            }
        }

        /// The chunk's paths in blocks of `block`: η = ξ Lᵀ by `dtrmm`, the paths, Σ x xᵀ by `dsyrk` and (separable
        /// response) Σ u vᵀ by `dgemm`, accumulated in the chunk's buffers in a fixed order.
        func runBLAS(chunk c: Int, blas: SamplingBLAS) {
            let box = workspaces[c]
            let eta = field[c].baseAddress, x = observable[c].baseAddress
            let u = left[c].baseAddress, v = right[c].baseAddress
            let sum = sums[c].baseAddress, second = seconds[c].baseAddress, response = responses[c].baseAddress
            let l = UnsafePointer(lower.baseAddress)
            let n = self.n
            var first = bounds[c]
            while first < bounds[c + 1] {
                let count = min(block, bounds[c + 1] - first)
                eta.update(from: noise.baseAddress + first * n, count: count * n)
                blas.multiplyByTransposedLower(l, n: n, rows: count, eta)
                if separable {
                    process.integrate(paths: first, count: count, fields: eta, kernels: kernels, workspace: &box.value,
                                      observables: x, left: u, right: v)
                } else {
                    for p in 0..<count {
                        process.integrate(path: first + p, field: eta + p * n, kernels: kernels, workspace: &box.value,
                                          observable: x + p * n, response: response)
                    }
                }
                for p in 0..<count {
                    let row = x + p * n
                    for k in 0..<n { sum[k] += row[k] }
                }
                blas.addGram(x, n: n, rows: count, into: second)
                if separable { blas.addProduct(u, v, n: n, rows: count, into: response) }
                first += count
            }
        }
    }

    /// Anderson acceleration (type II) of the damped iteration on the flattened kernels (m, C, χ); buffers made once
    /// per repetition, no allocation per sweep.
    private final class Anderson {
        let depth, dimension, n: Int
        let x, f, g, previousF, previousG: AlignedBuffer
        let differencesF, differencesG: [AlignedBuffer]
        var stored = 0, head = 0, hasPrevious = false
        var best = Double.infinity
        var matrix: [Double], rightSide: [Double], theta: [Double]

        init(depth: Int, timeCount n: Int) {
            self.depth = depth
            self.n = n
            let dimension = n + 2 * n * n
            self.dimension = dimension
            x = AlignedBuffer(count: dimension); f = AlignedBuffer(count: dimension); g = AlignedBuffer(count: dimension)
            previousF = AlignedBuffer(count: dimension); previousG = AlignedBuffer(count: dimension)
            differencesF = (0..<depth).map { _ in AlignedBuffer(count: dimension) }
            differencesG = (0..<depth).map { _ in AlignedBuffer(count: dimension) }
            matrix = [Double](repeating: 0, count: depth * depth)
            rightSide = [Double](repeating: 0, count: depth)
            theta = [Double](repeating: 0, count: depth)
        }

        static func flatten(_ kernels: SamplingKernels, into out: UnsafeMutablePointer<Double>, n: Int) {
            for i in 0..<n { out[i] = kernels.mean[i] }
            kernels.covariance.withUnsafeBufferPointer { c in for i in 0..<(n * n) { out[n + i] = c[i] } }
            kernels.response.withUnsafeBufferPointer { r in for i in 0..<(n * n) { out[n + n * n + i] = r[i] } }
        }

        /// One accelerated update of `kernels` from the map's output; returns the scaled residual max|G(x) − x|/scale.
        func step(kernels: inout SamplingKernels, mapped: SamplingKernels, damping a: Double, scale: Double) -> Double {
            let d = dimension
            let xp = x.baseAddress, fp = f.baseAddress, gp = g.baseAddress
            Self.flatten(kernels, into: xp, n: n)
            Self.flatten(mapped, into: gp, n: n)
            var residual = 0.0
            for i in 0..<d { fp[i] = gp[i] - xp[i]; residual = max(residual, abs(fp[i])) }
            residual /= max(scale, .leastNormalMagnitude)
            if residual > 4 * best { stored = 0; head = 0 }
            best = min(best, residual)
            if hasPrevious {
                let df = differencesF[head].baseAddress, dg = differencesG[head].baseAddress
                let pf = previousF.baseAddress, pg = previousG.baseAddress
                for i in 0..<d { df[i] = fp[i] - pf[i]; dg[i] = gp[i] - pg[i] }
                head = (head + 1) % depth
                stored = min(stored + 1, depth)
            }
            for i in 0..<d { previousF.baseAddress[i] = fp[i]; previousG.baseAddress[i] = gp[i] }
            hasPrevious = true
            // x ← x + a f − Σ θ_i (ΔG_i − (1 − a) ΔF_i), θ = argmin |f − ΔF θ| (regularised normal equations).
            let m = stored
            var solved = m > 0
            if m > 0 {
                var largest = 0.0
                for i in 0..<m {
                    let di = differencesF[i].baseAddress
                    for j in 0...i {
                        let dj = differencesF[j].baseAddress
                        var s0 = 0.0, s1 = 0.0
                        var k = 0
                        while k + 1 < d { s0 += di[k] * dj[k]; s1 += di[k + 1] * dj[k + 1]; k += 2 }
                        if k < d { s0 += di[k] * dj[k] }
                        matrix[i * m + j] = s0 + s1; matrix[j * m + i] = s0 + s1
                    }
                    largest = max(largest, matrix[i * m + i])
                    var b0 = 0.0, b1 = 0.0
                    var k = 0
                    while k + 1 < d { b0 += di[k] * fp[k]; b1 += di[k + 1] * fp[k + 1]; k += 2 }
                    if k < d { b0 += di[k] * fp[k] }
                    rightSide[i] = b0 + b1
                }
                for i in 0..<m { matrix[i * m + i] += 1e-12 * largest }
                solved = Self.solveSymmetric(&matrix, &rightSide, m: m, into: &theta)
            }
            for i in 0..<d { xp[i] += a * fp[i] }
            if solved {
                for i in 0..<m {
                    let t = theta[i], df = differencesF[i].baseAddress, dg = differencesG[i].baseAddress
                    for k in 0..<d { xp[k] -= t * (dg[k] - (1 - a) * df[k]) }
                }
            }
            kernels.mean.withUnsafeMutableBufferPointer { out in for i in 0..<n { out[i] = xp[i] } }
            kernels.covariance.withUnsafeMutableBufferPointer { out in for i in 0..<(n * n) { out[i] = xp[n + i] } }
            kernels.response.withUnsafeMutableBufferPointer { out in for i in 0..<(n * n) { out[i] = xp[n + n * n + i] } }
            return residual
        }

        /// Gaussian elimination with partial pivoting on the m × m system; false if singular or not finite.
        static func solveSymmetric(_ a: inout [Double], _ b: inout [Double], m: Int, into x: inout [Double]) -> Bool {
            for column in 0..<m {
                var pivot = column
                for row in column..<m where abs(a[row * m + column]) > abs(a[pivot * m + column]) { pivot = row }
                guard a[pivot * m + column] != 0 else { return false }
                if pivot != column {
                    for k in 0..<m { a.swapAt(pivot * m + k, column * m + k) }
                    b.swapAt(pivot, column)
                }
                for row in (column + 1)..<max(column + 1, m) {
                    let factor = a[row * m + column] / a[column * m + column]
                    for k in column..<m { a[row * m + k] -= factor * a[column * m + k] }
                    b[row] -= factor * b[column]
                }
            }
            for row in stride(from: m - 1, through: 0, by: -1) {
                var sum = b[row]
                for k in (row + 1)..<max(row + 1, m) { sum -= a[row * m + k] * x[k] }
                x[row] = sum / a[row * m + row]
            }
            return (0..<m).allSatisfy { x[$0].isFinite }
        }
    }

    /// One chunk's workspace, kept across sweeps (each chunk touches only its own box).
    private final class WorkspaceBox<Value>: @unchecked Sendable {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    /// Sums of the chunks (in chunk order) → m, symmetric C and χ, into `kernels` (no allocation).
    private static func combine(sums: [AlignedBuffer], seconds: [AlignedBuffer], responses: [AlignedBuffer],
                                n: Int, paths: Int, into kernels: inout SamplingKernels) {
        kernels.mean.withUnsafeMutableBufferPointer { mean in
        kernels.covariance.withUnsafeMutableBufferPointer { covariance in
        kernels.response.withUnsafeMutableBufferPointer { response in
        for i in 0..<n { mean[i] = 0 }
        for i in 0..<(n * n) { covariance[i] = 0; response[i] = 0 }
        for c in sums.indices {
            for i in 0..<n { mean[i] += sums[c][i] }
            for k in 0..<n {
                for j in 0...k {
                    covariance[k * n + j] += seconds[c][k * n + j]
                    response[k * n + j] += responses[c][k * n + j]
                }
            }
        }
        let inverse = 1 / Double(paths)
        for i in 0..<n { mean[i] *= inverse }
        for k in 0..<n {
            for j in 0...k {
                covariance[k * n + j] *= inverse
                covariance[j * n + k] = covariance[k * n + j]
                response[k * n + j] *= inverse
            }
        }
        }
        }
        }
    }

    /// `matrix` (n × n, row-major) transposed into `out`.
    static func transpose(_ matrix: UnsafePointer<Double>, n: Int, into out: UnsafeMutablePointer<Double>) {
        for i in 0..<n { for j in 0..<n { out[j * n + i] = matrix[i * n + j] } }
    }

    /// Relative jitter ε added to the diagonal before factorising: C + ε max_k C_kk I. A smooth kernel has Schur
    /// pivots down to rounding level; clipping them makes the map discontinuous (the iteration then stalls near 1e-6),
    /// while the jitter keeps every pivot ≥ ε·max C and the map smooth. It adds white noise of relative variance ε
    /// to the field, far below any statistical error.
    static let jitter = 1e-10

    /// The lower Cholesky factor of `matrix` + jitter into `factor`; pivots still ≤ 0 (a matrix far from positive)
    /// are clipped to 0 (their column set to 0). Returns the clipped weight relative to the trace.
    static func cholesky(_ matrix: [Double], n: Int, into factor: UnsafeMutablePointer<Double>,
                         jitter: Double = jitter) -> Double {
        var trace = 0.0, largest = 0.0
        for k in 0..<n { trace += matrix[k * n + k]; largest = max(largest, matrix[k * n + k]) }
        let shift = jitter * largest
        for i in 0..<(n * n) { factor[i] = 0 }
        var clipped = 0.0
        matrix.withUnsafeBufferPointer { a in
            for j in 0..<n {
                let rowJ = factor + j * n
                var diagonal = a[j * n + j] + shift
                for k in 0..<j { diagonal -= rowJ[k] * rowJ[k] }
                if diagonal <= 0 {
                    clipped += max(diagonal, 0)
                    continue
                }
                let root = diagonal.squareRoot()
                rowJ[j] = root
                for i in (j + 1)..<max(j + 1, n) {
                    let rowI = factor + i * n
                    var value = a[i * n + j]
                    for k in 0..<j { value -= rowI[k] * rowJ[k] }
                    rowI[j] = value / root
                }
            }
        }
        return trace > 0 ? clipped / trace : 0
    }
}

/// Invalid options of the sampling engine.
public enum SamplingError: Error, Equatable, CustomStringConvertible {
    /// An option outside its range.
    case invalidOption(name: String, value: Double, requirement: String)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let requirement):
            return "invalid \(name) = \(String(format: "%.6g", value)): \(name) must be \(requirement)"
        }
    }
}
