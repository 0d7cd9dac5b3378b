import Foundation
import SpectralDMFT

/// Timings of the finite-network simulation for `dmft bench`: one product with J, and one unit of model time,
/// with the vectorised loop and (when installed) an optimised BLAS.
///
/// The floor of these rows is one product `J x` with the same backend; `ratioToFloor` of a model-time row is then
/// the number of products' worth of time it takes (40 for RK4 at dt = 0.1 and for Heun at dt = 0.05, ideally).
/// Model-time rows (`/t`) are seconds of wall time per unit of model time at g = 2; `+tan` also follows the
/// tangent vector (λ_max); the RK4 row without tangent is the reported "simulation per unit of model time" figure.
package enum SimulationBench {
    /// The rows at N = 2000, g = 2: products, RK4 (σ = 0) and stochastic Heun (σ = 0.5) per unit of model time,
    /// with and without the tangent vector, for each available backend.
    static func run(repeats: Int) throws -> [BenchRow] {
        try run(repeats: repeats, size: 2000, modelTime: 2)
    }

    /// The rows for `size` units, timing `modelTime` units of model time per repeat (tests use a small size).
    static func run(repeats: Int, size: Int, modelTime: Double) throws -> [BenchRow] {
        precondition(repeats >= 1 && size >= 2 && modelTime > 0)
        var backends: [MatrixVectorBackend] = [.vectorised]
        if BLASLibrary.optimised != nil { backends.append(.blas) }
        var rows: [BenchRow] = []
        for backend in backends {
            let products = try productRows(repeats: repeats, size: size, backend: backend)
            rows += products
            let floor = products[0].medianSeconds
            for (sigma, tangent) in [(0.0, false), (0.0, true), (0.5, false), (0.5, true)] {
                rows.append(try modelTimeRow(repeats: repeats, size: size, modelTime: modelTime, sigma: sigma,
                                             tangent: tangent, backend: backend, floor: floor))
            }
        }
        return rows
    }

    private static func label(_ backend: MatrixVectorBackend, _ matrix: CouplingMatrix) -> String {
        backend == .blas ? "BLAS" : "loop×\(matrix.threads)"
    }

    /// The product `J x` (or the pair `J [x u]`) with a fixed random J of `size` units on `backend`.
    package final class Product {
        let matrix: CouplingMatrix
        private let input: AlignedBuffer, output: AlignedBuffer

        package init(size: Int, backend: MatrixVectorBackend) throws {
            matrix = try CouplingMatrix(size: size, backend: backend)
            var generator = Xoshiro256StarStar(seed: 7)
            matrix.fillNormal(standardDeviation: 2 / Double(size).squareRoot(), using: &generator)
            let ld = matrix.leadingDimension
            input = AlignedBuffer(count: 2 * ld)
            output = AlignedBuffer(count: 2 * ld)
            for i in 0..<size { input[i] = generator.nextNormal(); input[ld + i] = generator.nextNormal() }
        }

        /// One product `J x`.
        package func multiply() { matrix.multiply(input.baseAddress, into: output.baseAddress) }

        /// One pair of products `J [x u]`.
        package func multiplyPair() { matrix.multiplyPair(input.baseAddress, into: output.baseAddress) }
    }

    /// A network of `size` units at g = 2 and noise `sigma` on the chaotic attractor, stepped at the automatic dt.
    package final class ModelTime {
        let network: FiniteNetwork
        /// The time step.
        package let step: Double
        private let sigma: Double
        private let tangent: Bool
        private var generator = Xoshiro256StarStar(seed: 11)
        private let increments: AlignedBuffer

        package init(size: Int, sigma: Double, tangent: Bool, backend: MatrixVectorBackend) throws {
            let model = try NetworkModel(coupling: 2, noise: sigma)
            network = try FiniteNetwork(model: model, size: size, backend: backend)
            network.draw(using: &generator)
            step = NetworkSimulationPlan.automaticStep(for: model, integrator: SimulationIntegrator.default(noise: sigma))
            self.sigma = sigma
            self.tangent = tangent
            increments = AlignedBuffer(count: size)
        }

        /// One step: RK4 for σ = 0, stochastic Heun otherwise (with the tangent vector when asked).
        package func advance() {
            if sigma > 0 {
                let scale = sigma * step.squareRoot()
                for i in 0..<increments.count { increments[i] = scale * generator.nextNormal() }
                network.stepHeun(dt: step, increments: increments.baseAddress, tangent: tangent)
            } else {
                network.stepRungeKutta4(dt: step, tangent: tangent)
            }
        }

        /// `steps` steps, then the tangent renormalised (when followed).
        package func advance(steps: Int) {
            for _ in 0..<steps { advance() }
            if tangent { network.normaliseTangent() }
        }
    }

    /// One product `J x` and one pair `J [x u]`, each timed over enough products to take ~20 ms.
    private static func productRows(repeats: Int, size: Int, backend: MatrixVectorBackend) throws -> [BenchRow] {
        let product = try Product(size: size, backend: backend)
        let inner = max(5, Int(1e8 / Double(size * size)))
        func time(_ body: () -> Void) -> [Double] {
            body()   // warm up (BLAS threads, caches)
            return (0..<repeats).map { _ in Timing.seconds { for _ in 0..<inner { body() } } / Double(inner) }
        }
        let single = time { product.multiply() }
        let pair = time { product.multiplyPair() }
        let name = label(backend, product.matrix)
        let floor = Timing.median(single)
        return [
            BenchRow(name: "simulate: J·x, N = \(size), \(name) (floor)", medianSeconds: floor,
                     minimumSeconds: single.min()!, repeats: repeats, iterations: inner, ratioToFloor: 1, target: ""),
            BenchRow(name: "simulate: J·[x u], N = \(size), \(name)", medianSeconds: Timing.median(pair),
                     minimumSeconds: pair.min()!, repeats: repeats, iterations: inner,
                     ratioToFloor: Timing.median(pair) / floor, target: ""),
        ]
    }

    /// Seconds per unit of model time at g = 2 (automatic dt) on the chaotic attractor.
    private static func modelTimeRow(repeats: Int, size: Int, modelTime: Double, sigma: Double, tangent: Bool,
                                     backend: MatrixVectorBackend, floor: Double) throws -> BenchRow {
        let workload = try ModelTime(size: size, sigma: sigma, tangent: tangent, backend: backend)
        let dt = workload.step
        let steps = max(1, Int((modelTime / dt).rounded()))
        for _ in 0..<max(1, steps / 4) { workload.advance() }   // warm up
        let times = (0..<repeats).map { _ in
            Timing.seconds { workload.advance(steps: steps) } / (Double(steps) * dt)
        }
        let median = Timing.median(times)
        let what = sigma > 0 ? "Heun σ=\(sigma) dt=\(dt)" : "RK4 σ=0 dt=\(dt)"
        // Short enough for the 54 columns of `BenchRow.formatted`: "simulate: N=2000 Heun σ=0.5 dt=0.05 +tan, loop×2 /t".
        return BenchRow(name: "simulate: N=\(size) \(what)\(tangent ? " +tan" : ""), \(label(backend, workload.network.couplings)) /t",
                        medianSeconds: median, minimumSeconds: times.min()!, repeats: repeats, iterations: steps,
                        ratioToFloor: median / floor, target: size == 2000 && !tangent && sigma == 0 ? "reported" : "")
    }
}
