import Foundation

/// Configuration of a `DoublingSolver`.
///
/// Units: times in the units of the Langevin dynamics (docs/PHYSICS.md §2); the mobility is 1, so the microscopic
/// time is `1/μ` with `μ = T + β f'(1)`.
public struct DoublingOptions: Sendable, Equatable, Codable {
    /// The step `h₀` of the first block (> 0). The first step is taken from the Taylor series of C at τ = 0.
    public var initialStep: Double
    /// Points per block N (even, ≥ 16): each block solves τ_i = i h for i = N/2+1 … N, then halves the grid.
    public var blockSize: Int
    /// Stop once τ reaches this time (> 0) even if C has not decayed.
    public var maximumTime: Double
    /// Stop once C(τ) falls below this value (≥ 0); 0 runs to `maximumTime`.
    public var decayThreshold: Double
    /// A time step's implicit equation is solved when the Newton update of C is at most this (absolute), or when its
    /// residual is at the rounding level of the equation (near T_d the root is almost double and the update stalls).
    public var stepTolerance: Double
    /// Newton iterations allowed per time step before `DoublingSolverError.stepDidNotConverge` is thrown.
    public var maximumStepIterations: Int
    /// Defaults: h₀ = 1e-9, N = 512, τ_max = 1e10, stop below C = 1e-12, step tolerance 1e-14 with 200 iterations.
    public init(initialStep: Double = 1e-9, blockSize: Int = 512, maximumTime: Double = 1e10,
                decayThreshold: Double = 1e-12, stepTolerance: Double = 1e-14, maximumStepIterations: Int = 200) {
        self.initialStep = initialStep
        self.blockSize = blockSize
        self.maximumTime = maximumTime
        self.decayThreshold = decayThreshold
        self.stepTolerance = stepTolerance
        self.maximumStepIterations = maximumStepIterations
    }

    /// Throws `DoublingSolverError.invalidOption` for a value outside its documented range.
    public func validate() throws {
        func require(_ condition: Bool, _ name: String, _ value: Double, _ requirement: String) throws {
            if !condition { throw DoublingSolverError.invalidOption(name: name, value: value, requirement: requirement) }
        }
        try require(initialStep.isFinite && initialStep > 0, "initialStep", initialStep, "a finite number > 0")
        try require(blockSize >= 16 && blockSize % 2 == 0 && blockSize <= 1 << 20, "blockSize", Double(blockSize),
                    "an even integer in [16, 2^20]")
        try require(maximumTime.isFinite && maximumTime > 0, "maximumTime", maximumTime, "a finite number > 0")
        try require(decayThreshold.isFinite && decayThreshold >= 0 && decayThreshold < 1, "decayThreshold",
                    decayThreshold, "a number in [0, 1)")
        try require(stepTolerance.isFinite && stepTolerance > 0, "stepTolerance", stepTolerance, "a finite number > 0")
        try require(maximumStepIterations >= 1, "maximumStepIterations", Double(maximumStepIterations), "at least 1")
    }
}

/// Failures of the time-doubling solver. The description is one line, fit for a command-line error.
public enum DoublingSolverError: Error, Equatable, CustomStringConvertible {
    /// An option is out of range.
    case invalidOption(name: String, value: Double, requirement: String)
    /// The implicit equation of one time step was not solved to the tolerance (or has no real root).
    case stepDidNotConverge(time: Double, residual: Double, iterations: Int, tolerance: Double)
    /// C became NaN or infinite.
    case nonFinite(time: Double)

    public var description: String {
        switch self {
        case .invalidOption(let name, let value, let requirement):
            return "invalid \(name) = \(value): it must be \(requirement)"
        case .stepDidNotConverge(let time, let residual, let iterations, let tolerance):
            return "the implicit time step at tau = \(time) did not converge: residual \(residual) after \(iterations) "
                + "iterations (tolerance \(tolerance)); try a larger blockSize"
        case .nonFinite(let time):
            return "the correlation became non-finite at tau = \(time)"
        }
    }
}

/// Why a doubling solve stopped.
public enum DoublingStopReason: String, Sendable, Codable {
    /// C(τ) fell below `decayThreshold`.
    case decayed
    /// τ reached `maximumTime`.
    case maximumTime = "maximum-time"
}

/// Work done by a doubling solve.
public struct DoublingStatistics: Sendable, Equatable, Codable {
    /// Blocks solved (the first included); the step of the last block is `initialStep · 2^(blocks−1)`.
    public var blocks: Int
    /// Time steps solved implicitly.
    public var steps: Int
    /// Newton iterations summed over all steps.
    public var iterations: Int
    /// Largest number of Newton iterations in one step.
    public var maximumIterationsPerStep: Int
    /// Largest final residual `|G(C_i)|/A` (in units of C) of any step's implicit equation.
    public var maximumResidual: Double
}

/// Equilibrium dynamics of the spherical mixed p-spin model above T_d, on a time-doubling grid.
///
/// Solves (docs/PHYSICS.md §2), for `τ > 0`, `C(0) = 1`, `C'(0⁺) = −T`,
///
///     ∂_τ C(τ) = −T C(τ) − β ∫_0^τ f'(C(τ−s)) ∂_s C(s) ds,
///
/// i.e. the overdamped schematic mode-coupling equation `β ∂_τC + C + ∫_0^τ m(τ−s) ∂_sC(s) ds = 0` with memory
/// `m = β² f'(C)` (pure p = 3 is the F2 model with v₂ = 3/(2T²)). The response follows from FDT,
/// `R(τ) = −β C'(τ) = C(τ) + ∫_0^τ m(τ−s) ∂_sC(s) ds`, which the solver evaluates from the integral, not by
/// differencing.
///
/// **Scheme** (Fuchs, Götze, Hofacker & Latz, J. Phys. Condens. Matter 3, 5047 (1991); in the arrangement of
/// Flenner & Szamel, PRE 72, 031508 (2005), as in ModeCouplingTheory.jl's `TimeDoublingSolver`). On a block of
/// N + 1 points τ_i = i h, the convolution at τ_i is split at τ_ī, ī = ⌊i/2⌋, and integrated by parts so that the
/// slowly varying factor is differenced and the rough one enters only through its interval averages
/// `dC_k = (1/h)∫_{τ_{k−1}}^{τ_k} C`, `dM_k = (1/h)∫_{τ_{k−1}}^{τ_k} m`:
///
///     I_i = m_{i−ī} C_ī − m_i C_0 + Σ_{k=1}^{ī} (m_{i−k+1} − m_{i−k}) dC_k + Σ_{k=1}^{i−ī} (C_{i−k+1} − C_{i−k}) dM_k,
///
/// exact when the differenced factor is linear on each interval; ∂_τC is the second-order backward difference.
/// Each step is a scalar implicit equation `A C_i + (dC_1 − 1) m(C_i) + known = 0`, solved by Newton's method
/// (safeguarded to the physical, smaller root). After a block, the first half is kept with every second point,
/// the moments are averaged in pairs (`dC_j ← (dC_{2j−1} + dC_{2j})/2`, exact), the step doubles, and the
/// second half is solved again. New moments use the trapezoid rule. The local error is O(h²) at every time
/// (h ≈ τ/N), so doubling N (with h₀ halved) reduces errors about fourfold.
///
/// A solver owns its workspaces (four arrays of N + 1 values); make one and reuse it across a temperature scan.
/// It also solves the critical problem `PSpinEquilibrium.critical(mixture:)` at T = T_d.
public final class DoublingSolver: StationarySolver {
    /// The configuration (fixed: the workspaces are sized by `blockSize`).
    public let options: DoublingOptions

    private let correlationBlock: AlignedBuffer
    private let memoryBlock: AlignedBuffer
    private let correlationMoments: AlignedBuffer
    private let memoryMoments: AlignedBuffer

    /// A solver with `options`; throws `DoublingSolverError.invalidOption` for a value out of range.
    public init(options: DoublingOptions = DoublingOptions()) throws {
        try options.validate()
        self.options = options
        let count = options.blockSize + 1
        correlationBlock = AlignedBuffer(count: count)
        memoryBlock = AlignedBuffer(count: count)
        correlationMoments = AlignedBuffer(count: count)
        memoryMoments = AlignedBuffer(count: count)
    }

    /// Solves the equilibrium dynamics of `problem`.
    ///
    /// - Returns: C(τ) and R(τ) on the doubling grid, τ_α, the plateau estimate, the energy check, the statistics
    ///   (`doublingStatistics`, `stopReason`) and a report of method `time-doubling`.
    /// - Throws: `DoublingSolverError.stepDidNotConverge` (with the residual) when a step's implicit equation is not
    ///   solved; `.nonFinite`.
    public func solve(_ problem: PSpinEquilibrium) throws -> PSpinEquilibriumSolution {
        let mixture = problem.mixture, temperature = problem.temperature
        let blockSize = options.blockSize, half = blockSize / 2
        let beta = 1 / temperature
        let multiplier = temperature + beta * mixture.derivative(1)
        // Memory m(C) = β² f'(C) = Σ a_k C^{e_k}: exponents e_k = p − 1, coefficients a_k = β² c_p p / 2.
        let exponents = mixture.terms.map { $0.degree - 1 }
        let coefficients = mixture.terms.map { beta * beta * $0.coefficient * Double($0.degree) / 2 }

        // Enough room for every block up to maximumTime.
        let firstSpan = options.initialStep * Double(blockSize)
        let blockLimit = 2 + max(0, Int(log2(max(options.maximumTime / firstSpan, 1)).rounded(.up)))
        let capacity = blockSize + 1 + half * blockLimit
        var times = [Double](repeating: 0, count: capacity)
        var correlation = [Double](repeating: 0, count: capacity)
        var response = [Double](repeating: 0, count: capacity)
        var statistics = DoublingStatistics(blocks: 0, steps: 0, iterations: 0, maximumIterationsPerStep: 0,
                                            maximumResidual: 0)
        var stored = 0
        var stopReason = DoublingStopReason.maximumTime

        let phi = correlationBlock.baseAddress, memory = memoryBlock.baseAddress
        let phiMoment = correlationMoments.baseAddress, memoryMoment = memoryMoments.baseAddress
        let tolerance = options.stepTolerance, iterationLimit = options.maximumStepIterations
        let maximumTime = options.maximumTime, threshold = options.decayThreshold

        try exponents.withUnsafeBufferPointer { exponent in
            try coefficients.withUnsafeBufferPointer { coefficient in
                try times.withUnsafeMutableBufferPointer { timeOut in
                    try correlation.withUnsafeMutableBufferPointer { correlationOut in
                        try response.withUnsafeMutableBufferPointer { responseOut in
                            /// m(x) and m'(x).
                            @inline(__always) func memoryAndSlope(_ x: Double) -> (Double, Double) {
                                var value = 0.0, slope = 0.0
                                for term in 0..<exponent.count {
                                    let e = exponent[term]
                                    var lower = 1.0  // x^{e−1}
                                    for _ in 0..<(e - 1) { lower *= x }
                                    value += coefficient[term] * lower * x
                                    slope += coefficient[term] * Double(e) * lower
                                }
                                return (value, slope)
                            }
                            @inline(__always) func record(_ time: Double, _ value: Double, _ responseValue: Double) {
                                timeOut[stored] = time
                                correlationOut[stored] = value
                                responseOut[stored] = responseValue
                                stored += 1
                            }

                            // τ = 0 and the first step from the Taylor series
                            // C = 1 − Tτ + Tμ τ²/2 − T(μ² + f''(1)) τ³/6 + O(τ⁴).
                            var step = options.initialStep
                            let second = temperature * multiplier
                            let third = -temperature * (multiplier * multiplier + mixture.secondDerivative(1))
                            func taylor(_ tau: Double) -> Double {
                                1 + tau * (-temperature + tau * (second / 2 + tau * third / 6))
                            }
                            phi[0] = 1
                            memory[0] = memoryAndSlope(1).0
                            phi[1] = taylor(step)
                            memory[1] = memoryAndSlope(phi[1]).0
                            phiMoment[1] = 1 + step * (-temperature / 2 + step * (second / 6 + step * third / 24))
                            memoryMoment[1] = (memory[0] + 4 * memoryAndSlope(taylor(step / 2)).0 + memory[1]) / 6
                            record(0, 1, 1)
                            record(step, phi[1], -beta * (-temperature + step * (second + step * third / 2)))
                            var first = 2
                            var finished = step >= maximumTime || phi[1] < threshold
                            if finished { stopReason = phi[1] < threshold ? .decayed : .maximumTime }

                            while !finished {
                                statistics.blocks += 1
                                let derivativeWeight = beta / (2 * step)
                                let diagonal = 3 * derivativeWeight + 1
                                for i in first...blockSize {
                                    let middle = i / 2, rest = i - middle
                                    var history = 0.0
                                    if middle >= 2 {
                                        for k in 2...middle { history += (memory[i - k + 1] - memory[i - k]) * phiMoment[k] }
                                    }
                                    if rest >= 2 {
                                        for k in 2...rest { history += (phi[i - k + 1] - phi[i - k]) * memoryMoment[k] }
                                    }
                                    // Terms of I_i without C_i, m_i (k = 1 terms split off).
                                    let known = memory[rest] * phi[middle] - memory[i - 1] * phiMoment[1]
                                        - phi[i - 1] * memoryMoment[1] + history
                                    let linear = diagonal + memoryMoment[1]
                                    let nonlinear = phiMoment[1] - phi[0]
                                    let constant = derivativeWeight * (phi[i - 2] - 4 * phi[i - 1]) + known
                                    // Solve G(x) = linear·x + nonlinear·m(x) + constant = 0 for the smaller root.
                                    var x = 2 * phi[i - 1] - phi[i - 2]
                                    var iterations = 0, converged = false
                                    while iterations < iterationLimit {
                                        iterations += 1
                                        let (value, slope) = memoryAndSlope(x)
                                        let residual = linear * x + nonlinear * value + constant
                                        let derivative = linear + nonlinear * slope
                                        if derivative <= 0 || !derivative.isFinite {
                                            // Right of the maximum of the concave G: move towards 0, where G' > 0.
                                            x *= 0.5
                                            continue
                                        }
                                        // Near T_d the root is almost double (G' → 0) and the update stalls at the
                                        // rounding level of G: accept a residual that is pure rounding as well.
                                        let rounding = 32 * Double.ulpOfOne
                                            * (abs(linear * x) + abs(nonlinear * value) + abs(constant))
                                        if abs(residual) <= rounding { converged = true; break }
                                        let update = residual / derivative
                                        x -= update
                                        if abs(update) <= tolerance { converged = true; break }
                                    }
                                    let memoryValue = memoryAndSlope(x).0
                                    let finalResidual = abs(linear * x + nonlinear * memoryValue + constant) / linear
                                    let time = Double(i) * step
                                    guard x.isFinite else { throw DoublingSolverError.nonFinite(time: time) }
                                    guard converged else {
                                        throw DoublingSolverError.stepDidNotConverge(
                                            time: time, residual: finalResidual, iterations: iterations, tolerance: tolerance)
                                    }
                                    statistics.steps += 1
                                    statistics.iterations += iterations
                                    statistics.maximumIterationsPerStep = max(statistics.maximumIterationsPerStep, iterations)
                                    statistics.maximumResidual = max(statistics.maximumResidual, finalResidual)
                                    phi[i] = x
                                    memory[i] = memoryValue
                                    phiMoment[i] = 0.5 * (phi[i - 1] + x)
                                    memoryMoment[i] = 0.5 * (memory[i - 1] + memoryValue)
                                    // R = C + I with the converged values.
                                    let integral = known + memoryValue * phiMoment[1] - memoryValue * phi[0]
                                        + x * memoryMoment[1]
                                    record(time, x, x + integral)
                                    if x < threshold { stopReason = .decayed; finished = true; break }
                                    if time >= maximumTime { stopReason = .maximumTime; finished = true; break }
                                }
                                if finished || stored + half > capacity { break }
                                // Decimate: keep every second point, average the moments in pairs, double the step.
                                for j in 1...half {
                                    phiMoment[j] = 0.5 * (phiMoment[2 * j - 1] + phiMoment[2 * j])
                                    memoryMoment[j] = 0.5 * (memoryMoment[2 * j - 1] + memoryMoment[2 * j])
                                    phi[j] = phi[2 * j]
                                    memory[j] = memory[2 * j]
                                }
                                step *= 2
                                first = half + 1
                            }
                        }
                    }
                }
            }
        }
        times.removeLast(capacity - stored)
        correlation.removeLast(capacity - stored)
        response.removeLast(capacity - stored)
        // E/N = −∫ f'(C) R by the trapezoid rule on the grid: a check of R = −βC' (FDT) and of the solution.
        var integral = 0.0
        for i in 1..<times.count {
            let left = mixture.derivative(correlation[i - 1]) * response[i - 1]
            let right = mixture.derivative(correlation[i]) * response[i]
            integral += 0.5 * (times[i] - times[i - 1]) * (left + right)
        }
        let report = ConvergenceReport(
            method: "time-doubling(block size: \(options.blockSize), initial step: \(options.initialStep))",
            iterations: statistics.iterations, residual: statistics.maximumResidual)
        return PSpinEquilibriumSolution(
            problem: problem, method: .doubling, lags: times, lagStep: nil, correlation: correlation,
            response: response, energyFromDynamics: -integral,
            relaxationTime: PSpinEquilibriumSolution.crossing(times: times, values: correlation, level: exp(-1)),
            spectra: nil, doublingStatistics: statistics, stopReason: stopReason, report: report)
    }
}
