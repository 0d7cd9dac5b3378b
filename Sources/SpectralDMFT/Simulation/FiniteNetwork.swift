import Foundation

/// The integrator of a finite-network simulation.
public enum SimulationIntegrator: String, Sendable, Codable, CustomStringConvertible {
    /// Classical fourth-order Runge–Kutta (σ = 0): global error O(dt⁴).
    case rungeKutta4 = "rk4"
    /// Stochastic Heun (predictor–corrector trapezoid) for additive noise (σ > 0): strong order 1, weak order 2
    /// (O(dt²) bias in stationary moments, e.g. the Ornstein–Uhlenbeck variance is σ²/2 · (1 − dt²/4 + O(dt³))).
    /// Without noise it is the second-order Heun method.
    case stochasticHeun = "stochastic-heun"

    /// The default for a noise amplitude: RK4 without noise, stochastic Heun with it.
    public static func `default`(noise: Double) -> SimulationIntegrator { noise > 0 ? .stochasticHeun : .rungeKutta4 }

    public var description: String { rawValue }
}

/// One realisation of a random rate network of `N` units and its tangent dynamics:
///
///     dh_i/dt = −h_i + Σ_j J_ij φ(h_j) + ξ_i(t),     ⟨ξ_i(t) ξ_j(s)⟩ = σ² δ_ij δ(t − s),
///     du_i/dt = −u_i + Σ_j J_ij φ'(h_j) u_j          (tangent vector: Jacobian −1 + J diag(φ'(h)), no noise).
///
/// `J_ij ~ N(0, g²/N)` for all `i, j`, including the diagonal (every entry independent, as the DMFT assumes; a
/// self-coupling changes unit i's field by O(1/√N)). Units: time in units of the single-unit relaxation time.
///
/// The integrators advance `h` and, when asked, `u` with the exact linearisation of the same discrete map, so the
/// tangent growth rate is that of the numerical trajectory. The tangent vector's products `J (φ'(h) ⊙ u)` are done
/// in the same pass over `J` as `J φ(h)` (`CouplingMatrix.multiplyPair`). A step allocates nothing.
package final class FiniteNetwork {
    /// The model (g, σ, φ) of a one-population odd-φ network (nil for a network made from a spec).
    package let model: NetworkModel?
    /// The populations, biases, mean couplings and η of a network made from a spec (nil otherwise).
    package let spec: PopulationNetworkSpec?
    /// The units of each population (one range 0..<N without a spec).
    package let ranges: [Range<Int>]
    /// Number of units `N`.
    package let size: Int
    /// The couplings `J`.
    package let couplings: CouplingMatrix

    private let stride: Int
    /// `[h | u]`: state and tangent vector, each `stride` values (entries past `size` stay 0).
    let current: AlignedBuffer
    private let stage: AlignedBuffer       // [h_s | u_s]
    private let slope: AlignedBuffer       // [k | l]
    private let slopeSum: AlignedBuffer    // Σ weights × slopes
    private let activity: AlignedBuffer    // [φ(h_s) | φ'(h_s) u_s]
    private let product: AlignedBuffer     // [J φ(h_s) | J (φ'(h_s) u_s)]
    private let kernel: Kernel
    /// h0 of each unit (nil when every bias is 0).
    private let bias: AlignedBuffer?

    /// φ and φ' as used in the inner loop (tanh computes both from one tanh).
    private enum Kernel {
        case tanh
        case general(@Sendable (Double) -> Double, @Sendable (Double) -> Double)
        /// Per population: its units, φ_k and φ_k'.
        case populations([(Range<Int>, @Sendable (Double) -> Double, @Sendable (Double) -> Double)])
    }

    /// A network of `size` units with all couplings zero and `h = u = 0`; draw them with `draw(using:)`.
    ///
    /// - Throws: `SimulationError.invalidSize` for `size < 2` or `> 16384`, `.blasUnavailable` as `CouplingMatrix`.
    package convenience init(model: NetworkModel, size: Int, backend: MatrixVectorBackend = .automatic,
                             threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard size >= 2 && size <= SimulationLimits.maximumSize else { throw SimulationError.invalidSize(size) }
        let kernel: Kernel = model.nonlinearity.name == "tanh"
            ? .tanh : .general(model.nonlinearity.function, model.nonlinearity.derivative)
        try self.init(model: model, spec: nil, ranges: [0..<size], size: size, kernel: kernel, biases: nil,
                      backend: backend, threads: threads)
    }

    /// A network of `size` units made from `spec` (populations, biases, mean couplings, η), couplings zero and
    /// `h = u = 0`; draw them with `draw(using:)`.
    ///
    /// - Throws: `SimulationError.invalidSize` for `size < 2 D` or `> 16384` (every population needs 2 units),
    ///   `.blasUnavailable` as `CouplingMatrix`.
    package convenience init(spec: PopulationNetworkSpec, size: Int, backend: MatrixVectorBackend = .automatic,
                             threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard size >= 2 && size <= SimulationLimits.maximumSize else { throw SimulationError.invalidSize(size) }
        let ranges = spec.ranges(size: size)
        guard ranges.allSatisfy({ $0.count >= 2 }) else { throw SimulationError.invalidSize(size) }
        let kernel: Kernel = .populations(ranges.indices.map {
            (ranges[$0], spec.nonlinearities[$0].function, spec.nonlinearities[$0].derivative)
        })
        try self.init(model: nil, spec: spec, ranges: ranges, size: size, kernel: kernel,
                      biases: spec.biases.allSatisfy({ $0 == 0 }) ? nil : spec.biases, backend: backend, threads: threads)
    }

    /// The buffers of a network of `size` units; `biases` holds h0 per population of `ranges` (nil: all 0).
    private init(model: NetworkModel?, spec: PopulationNetworkSpec?, ranges: [Range<Int>], size: Int, kernel: Kernel,
                 biases: [Double]?, backend: MatrixVectorBackend, threads: Int) throws {
        self.model = model
        self.spec = spec
        self.ranges = ranges
        self.size = size
        self.kernel = kernel
        couplings = try CouplingMatrix(size: size, backend: backend, threads: threads)
        stride = couplings.leadingDimension
        current = AlignedBuffer(count: 2 * stride)
        stage = AlignedBuffer(count: 2 * stride)
        slope = AlignedBuffer(count: 2 * stride)
        slopeSum = AlignedBuffer(count: 2 * stride)
        activity = AlignedBuffer(count: 2 * stride)
        product = AlignedBuffer(count: 2 * stride)
        if let biases {
            let values = AlignedBuffer(count: stride)
            for (k, range) in ranges.enumerated() { for i in range { values[i] = biases[k] } }
            bias = values
        } else {
            bias = nil
        }
    }

    /// Draws a realisation from `generator`, in this order: the couplings `J_ij = (g/√N) z` row by row, the initial
    /// state `h_i(0) = √initialVariance · z`, and the tangent vector `u(0) = z/|z|` (always drawn, so the trajectory
    /// does not depend on whether the tangent is followed).
    /// With a spec the couplings are `CouplingMatrix.fillBlocks` with means J0_kl/N and standard deviations
    /// g_kl/√N (the rest in the same order).
    package func draw(initialVariance: Double = 1, using generator: inout Xoshiro256StarStar) {
        if let spec {
            var populationOf = [Int](repeating: 0, count: size)
            for (k, range) in ranges.enumerated() { for i in range { populationOf[i] = k } }
            let n = Double(size)
            couplings.fillBlocks(populationOf: populationOf, mean: spec.meanCouplings.map { $0.map { $0 / n } },
                                 standardDeviation: spec.couplingScales.map { $0.map { $0 / n.squareRoot() } },
                                 symmetry: spec.symmetry, using: &generator)
        } else if let model {
            couplings.fillNormal(standardDeviation: model.coupling / Double(size).squareRoot(), using: &generator)
        }
        let h = current.baseAddress, u = current.baseAddress + stride
        let scale = initialVariance.squareRoot()
        for i in 0..<size { h[i] = scale * generator.nextNormal() }
        for i in 0..<size { u[i] = generator.nextNormal() }
        _ = normaliseTangent()
    }

    /// The state `h` (`size` values).
    package var state: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: current.baseAddress, count: size) }
    /// The tangent vector `u` (`size` values).
    package var tangent: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: current.baseAddress + stride, count: size) }

    /// Sets the state `h` (`values.count == size`).
    package func setState(_ values: [Double]) {
        precondition(values.count == size)
        for i in 0..<size { current[i] = values[i] }
    }

    /// Sets the tangent vector `u` (`values.count == size`), without normalising it.
    package func setTangent(_ values: [Double]) {
        precondition(values.count == size)
        for i in 0..<size { current[stride + i] = values[i] }
    }

    /// Divides `u` by its Euclidean norm and returns log of that norm (Benettin's renormalisation).
    @discardableResult
    package func normaliseTangent() -> Double {
        let u = current.baseAddress + stride
        var sum = 0.0
        for i in 0..<size { sum += u[i] * u[i] }
        let norm = sum.squareRoot()
        let inverse = 1 / norm
        for i in 0..<size { u[i] *= inverse }
        return Foundation.log(norm)
    }

    /// Right-hand side at `stage`: `k = −h_s + J φ(h_s)` and, with the tangent, `l = −u_s + J (φ'(h_s) u_s)`.
    @inline(__always)
    private func evaluate(tangent: Bool) {
        let n = size, ld = stride
        let x = stage.baseAddress, a = activity.baseAddress
        switch kernel {
        case .tanh:
            if tangent {
                for i in 0..<n {
                    let t = Foundation.tanh(x[i])
                    a[i] = t
                    a[ld + i] = (1 - t * t) * x[ld + i]
                }
            } else {
                for i in 0..<n { a[i] = Foundation.tanh(x[i]) }
            }
        case .general(let phi, let derivative):
            for i in 0..<n { a[i] = phi(x[i]) }
            if tangent { for i in 0..<n { a[ld + i] = derivative(x[i]) * x[ld + i] } }
        case .populations(let parts):
            for (range, phi, derivative) in parts {
                for i in range { a[i] = phi(x[i]) }
                if tangent { for i in range { a[ld + i] = derivative(x[i]) * x[ld + i] } }
            }
        }
        let p = product.baseAddress, k = slope.baseAddress
        if tangent {
            couplings.multiplyPair(activity.baseAddress, into: p)
            for i in 0..<n {
                k[i] = p[i] - x[i]
                k[ld + i] = p[ld + i] - x[ld + i]
            }
        } else {
            couplings.multiply(activity.baseAddress, into: p)
            for i in 0..<n { k[i] = p[i] - x[i] }
        }
        if let bias {
            let b = bias.baseAddress
            for i in 0..<n { k[i] += b[i] }
        }
    }

    /// One classical RK4 step of length `dt` (σ is ignored: for σ = 0). Four products with `J`.
    ///
    ///     k1 = f(h), k2 = f(h + dt k1/2), k3 = f(h + dt k2/2), k4 = f(h + dt k3),  h ← h + dt (k1 + 2k2 + 2k3 + k4)/6
    package func stepRungeKutta4(dt: Double, tangent: Bool = false) {
        let n = size
        let h = current.baseAddress, s = stage.baseAddress, k = slope.baseAddress, sum = slopeSum.baseAddress
        let parts = tangent ? 2 : 1, ld = stride
        s.update(from: h, count: parts * ld)
        evaluate(tangent: tangent)                                  // k1
        for part in 0..<parts {
            let o = part * ld
            for i in o..<(o + n) { sum[i] = k[i]; s[i] = h[i] + 0.5 * dt * k[i] }
        }
        evaluate(tangent: tangent)                                  // k2
        for part in 0..<parts {
            let o = part * ld
            for i in o..<(o + n) { sum[i] += 2 * k[i]; s[i] = h[i] + 0.5 * dt * k[i] }
        }
        evaluate(tangent: tangent)                                  // k3
        for part in 0..<parts {
            let o = part * ld
            for i in o..<(o + n) { sum[i] += 2 * k[i]; s[i] = h[i] + dt * k[i] }
        }
        evaluate(tangent: tangent)                                  // k4
        let sixth = dt / 6
        for part in 0..<parts {
            let o = part * ld
            for i in o..<(o + n) { h[i] += sixth * (sum[i] + k[i]) }
        }
    }

    /// One stochastic Heun step of length `dt` with the Wiener increments `σ ΔW_i` in `increments` (`size` values,
    /// variance σ² dt each). Two products with `J`.
    ///
    ///     h̃ = h + dt f(h) + σΔW,    h ← h + (dt/2) (f(h) + f(h̃)) + σΔW,
    /// and for the tangent (no noise) `ũ = u + dt A(h) u`, `u ← u + (dt/2)(A(h) u + A(h̃) ũ)`, `A(h) = −1 + J diag(φ'(h))`.
    package func stepHeun(dt: Double, increments: UnsafePointer<Double>, tangent: Bool = false) {
        let n = size
        let h = current.baseAddress, s = stage.baseAddress, k = slope.baseAddress, sum = slopeSum.baseAddress
        let parts = tangent ? 2 : 1, ld = stride
        s.update(from: h, count: parts * ld)
        evaluate(tangent: tangent)                                  // f(h)
        for i in 0..<n { sum[i] = k[i]; s[i] = h[i] + dt * k[i] + increments[i] }
        if tangent { for i in ld..<(ld + n) { sum[i] = k[i]; s[i] = h[i] + dt * k[i] } }
        evaluate(tangent: tangent)                                  // f(h̃)
        let half = 0.5 * dt
        for i in 0..<n { h[i] += half * (sum[i] + k[i]) + increments[i] }
        if tangent { for i in ld..<(ld + n) { h[i] += half * (sum[i] + k[i]) } }
    }
}

/// Size limits of the simulation.
package enum SimulationLimits {
    /// Largest N accepted (the couplings take 8 N² bytes: 2 GiB at 16384).
    package static let maximumSize = 16384
}
