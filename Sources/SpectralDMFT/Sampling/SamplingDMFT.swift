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

/// Options of `SamplingDMFTSolver`.
public struct SamplingOptions: Sendable, Equatable, Codable {
    /// Paths per repetition (≥ 2).
    public var paths: Int = 10_000
    /// Independent repetitions (new normal draws each); error bars are standard errors over them (≥ 2 for errors).
    public var repetitions: Int = 4
    /// Seed of the normal draws; repetition r uses streams 64r ….
    public var seed: UInt64 = 1
    /// Damping a of x ← (1 − a)x + a G(x), in (0, 1].
    public var damping: Double = 0.5
    /// Converged when max|G(x) − x| / max_k C_kk is at most this.
    public var tolerance: Double = 1e-10
    /// Iterations allowed per repetition.
    public var maximumIterations: Int = 400
    /// Worker threads.
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

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
        func require(_ ok: Bool, _ name: String, _ value: Double, _ requirement: String) throws {
            if !ok { throw SamplingError.invalidOption(name: name, value: value, requirement: requirement) }
        }
        try require(options.paths >= 2 && options.paths <= 10_000_000, "paths", Double(options.paths), "between 2 and 1e7")
        try require(options.repetitions >= 1 && options.repetitions <= 1000, "repetitions", Double(options.repetitions),
                    "between 1 and 1000")
        try require(options.damping > 0 && options.damping <= 1, "damping", options.damping, "in (0, 1]")
        try require(options.tolerance > 0, "tolerance", options.tolerance, "> 0")
        try require(options.maximumIterations >= 1, "maximum iterations", Double(options.maximumIterations), ">= 1")
        try require(options.threads >= 1, "threads", Double(options.threads), ">= 1")
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
        let n = process.timeCount, paths = options.paths
        let noise = AlignedBuffer(count: paths * n)
        let chunkCount = min(Self.chunks, paths)
        let bounds = (0...chunkCount).map { $0 * paths / chunkCount }
        let factor = AlignedBuffer(count: n * n)
        let field = (0..<chunkCount).map { _ in AlignedBuffer(count: n) }
        let observable = (0..<chunkCount).map { _ in AlignedBuffer(count: n) }
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
            var history: [Double] = []
            history.reserveCapacity(options.maximumIterations)
            var converged = false
            for iteration in 1...options.maximumIterations {
                clipped = max(clipped, Self.cholesky(kernels.covariance, n: n, into: factor.baseAddress))
                let work = Work(process: process, kernels: kernels, noise: noise, factor: factor, field: field,
                                observable: observable, sums: sums, seconds: seconds, responses: responses,
                                workspaces: workspaces, bounds: bounds, n: n)
                DispatchQueue.concurrentPerform(iterations: chunkCount) { c in work.run(chunk: c) }
                Self.combine(sums: sums, seconds: seconds, responses: responses, n: n, paths: paths, into: &mapped)
                guard mapped.mean.allSatisfy(\.isFinite), mapped.covariance.allSatisfy(\.isFinite),
                      mapped.response.allSatisfy(\.isFinite) else { throw ConvergenceError.nonFinite(iteration: iteration) }
                var scale = 0.0
                for k in 0..<n { scale = max(scale, mapped.covariance[k * n + k]) }
                var residual = 0.0
                let a = options.damping
                func mix(_ old: inout [Double], _ new: inout [Double]) {
                    for i in old.indices {
                        residual = max(residual, abs(new[i] - old[i]))
                        old[i] += a * (new[i] - old[i])
                    }
                }
                mix(&kernels.mean, &mapped.mean)
                mix(&kernels.covariance, &mapped.covariance)
                mix(&kernels.response, &mapped.response)
                residual /= max(scale, .leastNormalMagnitude)
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
            reports.append(ConvergenceReport(method: "sampling-dmft(cholesky, common random numbers, damping \(options.damping))",
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

    /// One sweep's shared state, handed to the chunks (each writes only its own buffers).
    private struct Work<Process: SampledSingleSiteProcess>: @unchecked Sendable {
        let process: Process
        let kernels: SamplingKernels
        let noise, factor: AlignedBuffer
        let field, observable, sums, seconds, responses: [AlignedBuffer]
        let workspaces: [WorkspaceBox<Process.Workspace>]
        let bounds: [Int]
        let n: Int

        func run(chunk c: Int) {
            let box = workspaces[c]
            let eta = field[c].baseAddress, x = observable[c].baseAddress
            let sum = sums[c].baseAddress, second = seconds[c].baseAddress, response = responses[c].baseAddress
            let l = UnsafePointer(factor.baseAddress)
            for i in 0..<n { sum[i] = 0 }
            for i in 0..<(n * n) { second[i] = 0; response[i] = 0 }
            for path in bounds[c]..<bounds[c + 1] {
                let xi = UnsafePointer(noise.baseAddress + path * n)
                // η = L ξ (L lower triangular).
                for k in 0..<n {
                    let row = l + k * n
                    var value = 0.0
                    for j in 0...k { value += row[j] * xi[j] }
                    eta[k] = value
                }
                process.integrate(path: path, field: eta, kernels: kernels, workspace: &box.value, observable: x,
                                  response: response)
                for k in 0..<n {
                    let xk = x[k]
                    sum[k] += xk
                    let row = second + k * n
                    for j in 0...k { row[j] += xk * x[j] }
                }
            }
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

    /// Relative jitter ε added to the diagonal before factorising: C + ε max_k C_kk I. A smooth kernel has Schur
    /// pivots down to rounding level; clipping them makes the map discontinuous (the iteration then stalls near 1e-6),
    /// while the jitter keeps every pivot ≥ ε·max C and the map smooth. It adds white noise of relative variance ε
    /// to the field, far below any statistical error.
    static let jitter = 1e-10

    /// The lower Cholesky factor of `matrix` + jitter into `factor`; pivots still ≤ 0 (a matrix far from positive)
    /// are clipped to 0 (their column set to 0). Returns the clipped weight relative to the trace.
    static func cholesky(_ matrix: [Double], n: Int, into factor: UnsafeMutablePointer<Double>) -> Double {
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
