import Foundation

/// Initial abundances of a direct simulation or of the sampling DMFT.
public enum EcosystemStart: Sendable, Equatable, Codable, CustomStringConvertible {
    /// N_i(0) = value for every species (value > 0).
    case constant(Double)
    /// N_i(0) uniform on (0, 1), independently.
    case uniform

    public var description: String {
        switch self {
        case .constant(let value): return "constant:\(value)"
        case .uniform: return "uniform"
        }
    }
}

/// Options of `EcosystemSimulator`.
public struct EcosystemSimulationOptions: Sendable, Equatable, Codable {
    /// Number of species S (2…16384).
    public var species: Int
    /// Independent realisations (interaction matrix and initial state); error bars need 2 or more.
    public var realisations: Int = 4
    /// Seed of xoshiro256**; realisation k uses its stream k (so results do not depend on the thread count).
    public var seed: UInt64 = 1
    /// RK4 step in y = log N.
    public var step: Double = 0.1
    /// Model time integrated before the exact fixed point is found (or the whole run when λ > 0).
    public var duration: Double = 60
    /// Spacing of the recorded m(t) and ⟨N²⟩(t) (rounded to whole steps).
    public var sampleInterval: Double = 0.5
    /// Initial abundances.
    public var start: EcosystemStart = .constant(1)
    /// Whether to find the exact fixed point after the integration (λ = 0 only).
    public var findsFixedPoint: Bool = true
    /// Worker threads (realisations run in parallel).
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    /// Options for `species` species, everything else at its default.
    public init(species: Int) { self.species = species }
}

/// One realisation of a direct simulation: trajectories of the species averages and, for λ = 0, the exact fixed
/// point reached by the dynamics.
public struct EcosystemRealisation: Sendable, Codable, Equatable {
    /// Index k of the realisation (stream k of the seed).
    public let index: Int
    /// Sample times of the trajectories.
    public let times: [Double]
    /// m(t) = (1/S) Σ_i N_i(t).
    public let meanTrajectory: [Double]
    /// C(t,t) = (1/S) Σ_i N_i(t)².
    public let secondMomentTrajectory: [Double]
    /// The exact fixed point (nil when not requested or λ > 0).
    public let fixedPoint: EcosystemFixedPoint?
}

/// The exact fixed point of one realisation, from the linear complementarity conditions: survivors satisfy
/// (I + α_SS) N_S = 1 with N_S > 0, extinct species cannot invade (1 − Σ_j α_ij N_j ≤ 0).
public struct EcosystemFixedPoint: Sendable, Codable, Equatable {
    /// Fraction of species with N_i > 0.
    public let survivingFraction: Double
    /// (1/S) Σ N_i.
    public let meanAbundance: Double
    /// (1/S) Σ N_i².
    public let secondMoment: Double
    /// Largest violation of the complementarity conditions (growth rate of a survivor, positive invasion rate of an
    /// extinct species), in units of the growth rate 1.
    public let complementarityResidual: Double
    /// Linear solves needed to make the survivor set consistent (1 when the dynamics had it right).
    public let solves: Int
    /// max_i |N_i(T) − N_i*|: how close the integrated dynamics had come to this fixed point (it is their attractor).
    public let distanceFromDynamics: Double
}

/// Mean and standard error over realisations.
public struct EcosystemEstimate: Sendable, Codable, Equatable {
    /// Sample mean.
    public let mean: Double
    /// Standard error of the mean (sample standard deviation / √n; NaN for one realisation).
    public let error: Double

    /// An estimate with a given mean and standard error.
    public init(mean: Double, error: Double) {
        self.mean = mean
        self.error = error
    }

    /// The mean and standard error of `values`.
    public init(_ values: [Double]) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        self.mean = mean
        if values.count < 2 {
            error = .nan
        } else {
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            error = (variance / n).squareRoot()
        }
    }
}

/// What `EcosystemSimulator.run` returns.
public struct EcosystemSimulationResult: Sendable, Codable {
    /// The model simulated.
    public let model: EcosystemModel
    /// The options used.
    public let options: EcosystemSimulationOptions
    /// Every realisation, in index order.
    public let realisations: [EcosystemRealisation]

    /// Survivor fraction over realisations (nil without fixed points).
    public var survivingFraction: EcosystemEstimate? { estimate { $0.survivingFraction } }
    /// ⟨N⟩ at the fixed point over realisations.
    public var meanAbundance: EcosystemEstimate? { estimate { $0.meanAbundance } }
    /// ⟨N²⟩ at the fixed point over realisations.
    public var secondMoment: EcosystemEstimate? { estimate { $0.secondMoment } }
    /// Largest complementarity residual of all realisations.
    public var complementarityResidual: Double? {
        realisations.compactMap { $0.fixedPoint?.complementarityResidual }.max()
    }

    private func estimate(_ value: (EcosystemFixedPoint) -> Double) -> EcosystemEstimate? {
        let points = realisations.compactMap(\.fixedPoint)
        return points.count == realisations.count && !points.isEmpty ? EcosystemEstimate(points.map(value)) : nil
    }

    /// m(t) with its standard error at each sample time.
    public var meanTrajectory: [EcosystemEstimate] { trajectory(\.meanTrajectory) }
    /// C(t,t) with its standard error at each sample time.
    public var secondMomentTrajectory: [EcosystemEstimate] { trajectory(\.secondMomentTrajectory) }
    /// The sample times.
    public var times: [Double] { realisations.first?.times ?? [] }

    private func trajectory(_ path: KeyPath<EcosystemRealisation, [Double]>) -> [EcosystemEstimate] {
        guard let first = realisations.first else { return [] }
        return first[keyPath: path].indices.map { k in EcosystemEstimate(realisations.map { $0[keyPath: path][k] }) }
    }
}

/// Direct simulation of S species of the random Lotka–Volterra model, the independent check of the DMFT.
///
/// Each realisation k draws, from stream k of the seed, the pairs (α_ij, α_ji), i < j, as
/// α_ij = μ/S + σ z₁/√S, α_ji = μ/S + σ(γ z₁ + √(1−γ²) z₂)/√S, then the initial state. It integrates
/// dy_i/dt = 1 − N_i − Σ_j α_ij N_j + λ e^{−y_i}, y = log N, by RK4, recording m(t) and ⟨N²⟩(t). For λ = 0 it
/// then takes the species with N_i(T) > 10⁻⁶ as survivors, solves (I + α_SS) N_S = 1 exactly (LU with partial
/// pivoting: LAPACK `dgesv` of an optimised BLAS when one is installed, single-threaded; else the package's own
/// elimination), and repairs the set until every condition of the linear complementarity problem holds
/// (drop survivors with N ≤ 0, add extinct species that could invade: all violators at once, as an active-set
/// Newton step, then one at a time if a set repeats), so the fixed point is exact, not the end of a long
/// integration. Realisations run in parallel, each on one core; results do not depend on the threads.
public struct EcosystemSimulator: Sendable {
    /// The model.
    public let model: EcosystemModel
    /// The options.
    public let options: EcosystemSimulationOptions

    /// A simulator of `model` with `options`.
    ///
    /// - Throws: `EcosystemError.invalidParameter` for S outside 2…16384, fewer than 1 realisation, a step or
    ///   duration that is not positive, a non-positive sample interval or constant start, or threads < 1.
    public init(model: EcosystemModel, options: EcosystemSimulationOptions) throws {
        func require(_ ok: Bool, _ name: String, _ value: Double, _ requirement: String) throws {
            if !ok { throw EcosystemError.invalidParameter(name: name, value: value, requirement: requirement) }
        }
        try require((2...16384).contains(options.species), "S", Double(options.species), "between 2 and 16384")
        try require((1...100_000).contains(options.realisations), "seeds", Double(options.realisations), "between 1 and 100000")
        try require(options.step.isFinite && options.step > 0 && options.step <= 1, "dt", options.step, "in (0, 1]")
        try require(options.duration.isFinite && options.duration > 0 && options.duration / options.step <= 1e7,
                    "t-max", options.duration, "> 0 and at most 1e7 steps")
        try require(options.sampleInterval.isFinite && options.sampleInterval > 0, "sample-interval",
                    options.sampleInterval, "> 0")
        if case .constant(let value) = options.start {
            try require(value.isFinite && value > 0, "start", value, "> 0 (constant start)")
        }
        try require(options.threads >= 1, "threads", Double(options.threads), ">= 1")
        self.model = model
        self.options = options
    }

    /// Runs every realisation; `progress` gets (finished realisations, total) from worker threads.
    ///
    /// - Throws: `EcosystemError.diverged` (unbounded growth), `.fixedPointNotFound`, `AllocationError`.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> EcosystemSimulationResult {
        // The survivor systems are solved by LAPACK when the optimised BLAS carries it, single-threaded inside each
        // worker (so the result does not depend on the thread count).
        if options.findsFixedPoint, model.lambda == 0, let lapack = SamplingBLAS.shared, lapack.dgesv != nil {
            return try lapack.singleThreaded { try run(lapack: lapack, progress: progress) }
        }
        return try run(lapack: nil, progress: progress)
    }

    private func run(lapack: SamplingBLAS?, progress: (@Sendable (Int, Int) -> Void)?) throws -> EcosystemSimulationResult {
        let count = options.realisations
        let workers = max(1, min(options.threads, count))
        let matrixThreads = max(1, options.threads / workers)
        let model = self.model, options = self.options
        let outcomes = ParallelMap.run(
            count: count, workers: workers, makeWorkspace: { () -> EcosystemSimulationWorkspace? in nil },
            completed: { done in progress?(done, count) },
            body: { workspace, index -> Result<EcosystemRealisation, any Error> in
                Result {
                    if workspace == nil {
                        workspace = try EcosystemSimulationWorkspace(species: options.species, matrixThreads: matrixThreads,
                                                                     lapack: lapack)
                    }
                    return try workspace!.realisation(index, model: model, options: options)
                }
            })
        return EcosystemSimulationResult(model: model, options: options, realisations: try outcomes.map { try $0.get() })
    }
}

/// The buffers of one worker: the interaction matrix, the RK4 stages and the survivor system.
final class EcosystemSimulationWorkspace {
    let species: Int
    let matrix: CouplingMatrix
    let logAbundance, abundance, product, stage, slope, trial: AlignedBuffer
    let system: AlignedBuffer
    let rightSide: AlignedBuffer
    /// LAPACK for the survivor systems (nil: the elimination loop below).
    let lapack: SamplingBLAS?
    let pivots: UnsafeMutablePointer<Int32>

    init(species: Int, matrixThreads: Int, lapack: SamplingBLAS? = nil) throws {
        self.species = species
        self.lapack = lapack
        pivots = .allocate(capacity: max(species, 1))
        matrix = try CouplingMatrix(size: species, backend: .vectorised, threads: matrixThreads)
        let ld = matrix.leadingDimension
        logAbundance = AlignedBuffer(count: ld)
        abundance = AlignedBuffer(count: ld)
        product = AlignedBuffer(count: ld)
        stage = AlignedBuffer(count: ld)
        slope = AlignedBuffer(count: ld)
        trial = AlignedBuffer(count: ld)
        system = try AlignedBuffer(allocating: species * species, for: "the \(species) × \(species) survivor system")
        rightSide = AlignedBuffer(count: ld)
    }

    deinit { pivots.deallocate() }

    /// Draws the interactions of realisation `index` (pairs i < j in row order) and its initial state.
    private func draw(_ index: Int, model: EcosystemModel, options: EcosystemSimulationOptions) {
        EcosystemRealisationDraw.draw(index, model: model, options: options, matrix: matrix, logAbundance: logAbundance)
    }

    /// Species averages of N and N² at the current y.
    private func moments() -> (Double, Double) {
        let y = logAbundance.baseAddress
        var first = 0.0, second = 0.0
        for i in 0..<species {
            let n = exp(y[i])
            first += n
            second += n * n
        }
        return (first / Double(species), second / Double(species))
    }

    func realisation(_ index: Int, model: EcosystemModel, options: EcosystemSimulationOptions) throws -> EcosystemRealisation {
        draw(index, model: model, options: options)
        let dt = options.step
        let steps = max(1, Int((options.duration / dt).rounded()))
        let every = max(1, Int((options.sampleInterval / dt).rounded()))
        var times: [Double] = [], means: [Double] = [], seconds: [Double] = []
        func sample(_ step: Int) throws {
            let (m, q) = moments()
            guard m.isFinite, q.isFinite, q < 1e100 else { throw EcosystemError.diverged(realisation: index, time: Double(step) * dt) }
            times.append(Double(step) * dt); means.append(m); seconds.append(q)
        }
        try sample(0)
        for step in 1...steps {
            EcosystemRungeKutta.step(dt, lambda: model.lambda, matrix: matrix, logAbundance: logAbundance,
                                     abundance: abundance, product: product, stage: stage, slope: slope, trial: trial)
            if step % every == 0 || step == steps { try sample(step) }
        }
        let fixedPoint = options.findsFixedPoint && model.lambda == 0 ? try exactFixedPoint(index) : nil
        return EcosystemRealisation(index: index, times: times, meanTrajectory: means, secondMomentTrajectory: seconds,
                                    fixedPoint: fixedPoint)
    }

    /// The exact fixed point near the integrated state (see `EcosystemSimulator`).
    private func exactFixedPoint(_ index: Int) throws -> EcosystemFixedPoint {
        let y = logAbundance.baseAddress
        var alive = (0..<species).map { exp(y[$0]) > 1e-6 }
        let candidate = abundance.baseAddress, growth = product.baseAddress
        let maximumSolves = 300
        var solves = 0
        var visited: Set<[Bool]> = [], cycling = false
        while true {
            let members = (0..<species).filter { alive[$0] }
            solves += 1
            let solution = solveSurvivors(members)
            guard solution.allSatisfy(\.isFinite) else {
                throw EcosystemError.fixedPointNotFound(realisation: index, pivots: solves, violation: .infinity)
            }
            for i in 0..<matrix.leadingDimension { candidate[i] = 0 }
            for (a, i) in members.enumerated() { candidate[i] = solution[a] }
            matrix.multiply(candidate, into: growth)
            // Violations: survivors with N ≤ 0, extinct species with a positive invasion rate.
            var violation = 0.0, worst = -1
            var residual = 0.0
            var flips: [Int] = []
            for i in 0..<species {
                let rate = 1 - candidate[i] - growth[i]
                let bad: Double
                if alive[i] {
                    residual = max(residual, abs(rate))
                    bad = candidate[i] > 0 ? 0 : -candidate[i] + 1e-300
                } else {
                    bad = rate > 1e-12 ? rate : 0
                    residual = max(residual, max(rate, 0))
                }
                if bad > 0 {
                    flips.append(i)
                    if bad > violation { violation = bad; worst = i }
                }
            }
            if flips.isEmpty {
                var first = 0.0, second = 0.0, count = 0, distance = 0.0
                for i in 0..<species {
                    let n = candidate[i]
                    if n > 0 { count += 1 }
                    first += n; second += n * n
                    distance = max(distance, abs(exp(y[i]) - n))
                }
                let s = Double(species)
                return EcosystemFixedPoint(survivingFraction: Double(count) / s, meanAbundance: first / s,
                                           secondMoment: second / s, complementarityResidual: residual, solves: solves,
                                           distanceFromDynamics: distance)
            }
            guard solves < maximumSolves else {
                throw EcosystemError.fixedPointNotFound(realisation: index, pivots: solves, violation: violation)
            }
            // Flip every violator at once (a primal–dual active-set step) while the survivor sets stay new; once a
            // set repeats, flip only the worst violator.
            if !cycling {
                visited.insert(alive)
                var next = alive
                for i in flips { next[i].toggle() }
                if visited.contains(next) { cycling = true } else { alive = next; continue }
            }
            alive[worst].toggle()
        }
    }

    /// Solves (I + α_MM) x = 1 on the species `members` by Gaussian elimination with partial pivoting.
    private func solveSurvivors(_ members: [Int]) -> [Double] {
        let n = members.count
        if n == 0 { return [] }
        let a = system.baseAddress, b = rightSide.baseAddress
        if let lapack {
            // Column-major copy of I + α_MM for LU with partial pivoting (`dgesv`).
            for (c, j) in members.enumerated() {
                let column = a + c * n
                for (r, i) in members.enumerated() { column[r] = matrix[i, j] }
                column[c] += 1
                b[c] = 1
            }
            guard lapack.solve(columnMajor: a, n: n, rightSide: b, pivots: pivots) else {
                return [Double](repeating: .nan, count: n)
            }
            return (0..<n).map { b[$0] }
        }
        for (r, i) in members.enumerated() {
            let row = a + r * n
            for (c, j) in members.enumerated() { row[c] = matrix[i, j] }
            row[r] += 1
            b[r] = 1
        }
        for column in 0..<n {
            var pivot = column, best = abs(a[column * n + column])
            for row in (column + 1)..<max(column + 1, n) where abs(a[row * n + column]) > best {
                best = abs(a[row * n + column]); pivot = row
            }
            if pivot != column {
                let p = a + pivot * n, c = a + column * n
                for k in 0..<n { let t = p[k]; p[k] = c[k]; c[k] = t }
                let t = b[pivot]; b[pivot] = b[column]; b[column] = t
            }
            let pivotRow = a + column * n
            let diagonal = pivotRow[column]
            guard diagonal != 0 else { continue }
            for row in (column + 1)..<max(column + 1, n) {
                let target = a + row * n
                let factor = target[column] / diagonal
                if factor == 0 { continue }
                for k in (column + 1)..<n { target[k] -= factor * pivotRow[k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            let r = a + row * n
            var sum = b[row]
            for c in (row + 1)..<max(row + 1, n) { sum -= r[c] * x[c] }
            x[row] = sum / r[row]
        }
        return x
    }
}

/// The random interactions and initial state of one simulated ecosystem, shared by every simulator of this folder so
/// that realisation `index` of a seed is the same community whatever is measured on it.
enum EcosystemRealisationDraw {
    /// Fills `matrix` with α_ij = μ/S + σz₁/√S, α_ji = μ/S + σ(γz₁ + √(1−γ²)z₂)/√S (pairs i < j in row order,
    /// α_ii = 0) and `logAbundance` with log N_i(0), all from stream `index` of `options.seed`.
    static func draw(_ index: Int, model: EcosystemModel, options: EcosystemSimulationOptions, matrix: CouplingMatrix,
                     logAbundance: AlignedBuffer) {
        let species = options.species
        var generator = Xoshiro256StarStar(seed: options.seed, stream: index)
        let s = Double(species)
        let mean = model.mu / s, scale = model.sigma / s.squareRoot()
        let partner = (1 - model.gamma * model.gamma).squareRoot()
        for i in 0..<species {
            matrix[i, i] = 0
            for j in (i + 1)..<max(i + 1, species) {
                let z1 = generator.nextNormal(), z2 = generator.nextNormal()
                matrix[i, j] = mean + scale * z1
                matrix[j, i] = mean + scale * (model.gamma * z1 + partner * z2)
            }
        }
        let y = logAbundance.baseAddress
        for i in 0..<matrix.leadingDimension { y[i] = 0 }
        for i in 0..<species {
            switch options.start {
            case .constant(let value): y[i] = log(value)
            case .uniform:
                var u = generator.nextUniform()
                while u == 0 { u = generator.nextUniform() }
                y[i] = log(u)
            }
        }
    }
}

/// One classical RK4 step of the Lotka–Volterra equations in y = log N,
/// dy_i/dt = 1 − N_i − Σ_j α_ij N_j + λe^{−y_i}, shared by every simulator of this folder.
enum EcosystemRungeKutta {
    /// Advances `logAbundance` by `dt`; `abundance`, `product`, `stage`, `slope` and `trial` are scratch of the same
    /// length (the matrix's leading dimension).
    static func step(_ dt: Double, lambda: Double, matrix: CouplingMatrix, logAbundance: AlignedBuffer,
                     abundance: AlignedBuffer, product: AlignedBuffer, stage: AlignedBuffer, slope: AlignedBuffer,
                     trial: AlignedBuffer) {
        let species = matrix.size
        let y = logAbundance.baseAddress, k = stage.baseAddress, sum = slope.baseAddress, z = trial.baseAddress
        let n = abundance.baseAddress, p = product.baseAddress
        /// dy/dt at `x` into `out`.
        func derivative(_ x: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>) {
            for i in 0..<species { n[i] = exp(x[i]) }
            matrix.multiply(n, into: p)
            if lambda > 0 {
                for i in 0..<species { out[i] = 1 - n[i] - p[i] + lambda * exp(-x[i]) }
            } else {
                for i in 0..<species { out[i] = 1 - n[i] - p[i] }
            }
        }
        derivative(y, k)
        for i in 0..<species { sum[i] = k[i]; z[i] = y[i] + 0.5 * dt * k[i] }
        derivative(z, k)
        for i in 0..<species { sum[i] += 2 * k[i]; z[i] = y[i] + 0.5 * dt * k[i] }
        derivative(z, k)
        for i in 0..<species { sum[i] += 2 * k[i]; z[i] = y[i] + dt * k[i] }
        derivative(z, k)
        for i in 0..<species { y[i] += dt / 6 * (sum[i] + k[i]) }
    }
}
