import RealModule

/// Jacobian-free Newton–Krylov solver for `F(x) = x − G(x) = 0`, sharing the stopping rule of `FixedPointIterator`.
///
/// Each Newton step solves `J d = −F` with restarted GMRES, where `J v ≈ v − [G(x + εv) − G(x)]/ε` costs one
/// evaluation of G, to the forcing tolerance `η = min(0.1, ‖F‖₂^{1/2})·‖F‖₂`; a backtracking line search on ‖F‖₂
/// safeguards the step. Unlike damped or Anderson iteration it converges where G has unstable directions
/// (eigenvalues of G' outside the unit disc), as the preconditioned network map does. Workspaces are
/// allocated once, in `init`.
final class NewtonKrylovSolver {
    let dimension: Int
    let krylovDimension: Int
    private let basis: [AlignedBuffer]
    private let residual: AlignedBuffer
    private let trialState: AlignedBuffer
    private let trialMapped: AlignedBuffer
    private let direction: AlignedBuffer
    private let work: AlignedBuffer
    private var hessenberg: [Double]
    private var givensCosine: [Double], givensSine: [Double], projected: [Double], solution: [Double]

    init(dimension: Int, krylovDimension: Int) {
        self.dimension = dimension
        self.krylovDimension = max(2, krylovDimension)
        basis = (0...self.krylovDimension).map { _ in AlignedBuffer(count: dimension) }
        residual = AlignedBuffer(count: dimension)
        trialState = AlignedBuffer(count: dimension)
        trialMapped = AlignedBuffer(count: dimension)
        direction = AlignedBuffer(count: dimension)
        work = AlignedBuffer(count: dimension)
        let m = self.krylovDimension
        hessenberg = [Double](repeating: 0, count: (m + 1) * m)
        givensCosine = [Double](repeating: 0, count: m)
        givensSine = [Double](repeating: 0, count: m)
        projected = [Double](repeating: 0, count: m + 1)
        solution = [Double](repeating: 0, count: m)
    }

    private static func norm2(_ v: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var sum = 0.0
        for j in 0..<n { sum = Relaxed.multiplyAdd(v[j], v[j], sum) }
        return sum.squareRoot()
    }

    private static func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, _ n: Int) -> Double {
        var sum = 0.0
        for j in 0..<n { sum = Relaxed.multiplyAdd(a[j], b[j], sum) }
        return sum
    }

    func solve(
        state: AlignedBuffer, mapped: AlignedBuffer, options: IterationOptions,
        progress: ((Int, Double) -> Void)?,
        map: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) throws -> Double
    ) throws -> ConvergenceReport {
        let n = dimension, m = krylovDimension
        let x = state.baseAddress, g = mapped.baseAddress, f = residual.baseAddress
        let xTrial = trialState.baseAddress, gTrial = trialMapped.baseAddress
        let d = direction.baseAddress, w = work.baseAddress
        var history: [Double] = []
        var evaluations = 0

        func evaluate(_ input: UnsafeMutablePointer<Double>, _ output: AlignedBuffer) throws -> Double {
            evaluations += 1
            let scale = try map(UnsafeBufferPointer(start: input, count: n), output.pointer)
            guard scale.isFinite else { throw ConvergenceError.nonFinite(iteration: evaluations) }
            return scale
        }
        func scaledResidual(_ input: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<Double>, scale: Double) throws -> Double {
            var largest = 0.0
            for j in 0..<n { largest = max(largest, abs(output[j] - input[j])) }
            guard largest.isFinite else { throw ConvergenceError.nonFinite(iteration: evaluations) }
            return largest / max(scale, .leastNormalMagnitude)
        }
        func record(_ value: Double) { history.append(value); progress?(evaluations, value) }
        func report() -> ConvergenceReport {
            ConvergenceReport(method: options.acceleration.description, iterations: evaluations,
                              residual: history.last ?? .infinity, residualHistory: history)
        }

        var scale = try evaluate(x, mapped)
        var current = try scaledResidual(x, g, scale: scale)
        record(current)
        while current > options.tolerance {
            guard evaluations < options.maximumIterations else { break }
            for j in 0..<n { f[j] = x[j] - g[j] }
            let residualNorm = Self.norm2(f, n)
            let forcing = min(0.1, residualNorm.squareRoot()) * residualNorm
            // GMRES for J d = −F, starting from d = 0 (one cycle of m steps, restarted while budget allows).
            for j in 0..<n { d[j] = 0 }
            var cycleResidual = residualNorm
            var cycles = 0
            while cycleResidual > forcing && cycles < 3 && evaluations < options.maximumIterations {
                cycles += 1
                // r0 = −F − J d
                let v0 = basis[0].baseAddress
                if cycles == 1 {
                    for j in 0..<n { v0[j] = -f[j] }
                } else {
                    try jacobianProduct(d, into: w, x: x, g: g, scale: &scale, evaluate: evaluate)
                    for j in 0..<n { v0[j] = -f[j] - w[j] }
                }
                let beta = Self.norm2(v0, n)
                if beta == 0 { break }
                for j in 0..<n { v0[j] /= beta }
                for i in 0...m { projected[min(i, m)] = 0 }
                projected[0] = beta
                var steps = 0
                for k in 0..<m {
                    let vk = basis[k].baseAddress, next = basis[k + 1].baseAddress
                    try jacobianProduct(vk, into: next, x: x, g: g, scale: &scale, evaluate: evaluate)
                    for i in 0...k {
                        let vi = basis[i].baseAddress
                        let h = Self.dot(next, vi, n)
                        hessenberg[i * m + k] = h
                        for j in 0..<n { next[j] -= h * vi[j] }
                    }
                    let h = Self.norm2(next, n)
                    hessenberg[(k + 1) * m + k] = h
                    if h > 0 { for j in 0..<n { next[j] /= h } }
                    for i in 0..<k {
                        let a = hessenberg[i * m + k], b = hessenberg[(i + 1) * m + k]
                        hessenberg[i * m + k] = givensCosine[i] * a + givensSine[i] * b
                        hessenberg[(i + 1) * m + k] = -givensSine[i] * a + givensCosine[i] * b
                    }
                    let a = hessenberg[k * m + k], b = hessenberg[(k + 1) * m + k]
                    let radius = (a * a + b * b).squareRoot()
                    givensCosine[k] = radius == 0 ? 1 : a / radius
                    givensSine[k] = radius == 0 ? 0 : b / radius
                    hessenberg[k * m + k] = radius
                    hessenberg[(k + 1) * m + k] = 0
                    projected[k + 1] = -givensSine[k] * projected[k]
                    projected[k] = givensCosine[k] * projected[k]
                    steps = k + 1
                    cycleResidual = abs(projected[k + 1])
                    if cycleResidual <= forcing || h == 0 || evaluations >= options.maximumIterations { break }
                }
                for i in stride(from: steps - 1, through: 0, by: -1) {
                    var sum = projected[i]
                    for k in (i + 1)..<max(i + 1, steps) { sum -= hessenberg[i * m + k] * solution[k] }
                    solution[i] = sum / hessenberg[i * m + i]
                }
                for i in 0..<steps {
                    let vi = basis[i].baseAddress, coefficient = solution[i]
                    for j in 0..<n { d[j] += coefficient * vi[j] }
                }
            }
            // Backtracking line search on ‖F‖₂.
            var lambda = 1.0
            var accepted = false
            for _ in 0..<12 {
                for j in 0..<n { xTrial[j] = x[j] + lambda * d[j] }
                let trialScale = try evaluate(xTrial, trialMapped)
                var trialNorm = 0.0
                for j in 0..<n { let r = xTrial[j] - gTrial[j]; trialNorm = Relaxed.multiplyAdd(r, r, trialNorm) }
                trialNorm = trialNorm.squareRoot()
                if trialNorm.isFinite && trialNorm <= (1 - 1e-4 * lambda) * residualNorm {
                    x.update(from: xTrial, count: n)
                    g.update(from: gTrial, count: n)
                    scale = trialScale
                    accepted = true
                    break
                }
                lambda *= 0.5
                if evaluations >= options.maximumIterations { break }
            }
            guard accepted else { break }
            current = try scaledResidual(x, g, scale: scale)
            record(current)
        }
        if current <= options.tolerance { return report() }
        throw ConvergenceError.notConverged(residual: current, iterations: evaluations, tolerance: options.tolerance)
    }

    /// `out = J v = v − [G(x + εv) − G(x)]/ε`.
    private func jacobianProduct(
        _ v: UnsafeMutablePointer<Double>, into out: UnsafeMutablePointer<Double>,
        x: UnsafeMutablePointer<Double>, g: UnsafeMutablePointer<Double>, scale: inout Double,
        evaluate: (UnsafeMutablePointer<Double>, AlignedBuffer) throws -> Double
    ) throws {
        let n = dimension
        let vNorm = Self.norm2(v, n)
        guard vNorm > 0 else { for j in 0..<n { out[j] = 0 }; return }
        let xNorm = Self.norm2(x, n)
        let epsilon = 1e-7 * (1 + xNorm) / vNorm
        let shifted = trialState.baseAddress
        for j in 0..<n { shifted[j] = x[j] + epsilon * v[j] }
        _ = try evaluate(shifted, trialMapped)
        let gShifted = trialMapped.baseAddress
        for j in 0..<n { out[j] = v[j] - (gShifted[j] - g[j]) / epsilon }
    }
}
