import Foundation

/// How `CouplingMatrix` multiplies vectors.
public enum MatrixVectorBackend: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// An optimised BLAS when `BLASLibrary.optimised` finds one, else the vectorised loop.
    case automatic
    /// `cblas_dgemv`/`cblas_dgemm` of `BLASLibrary.any` (throws `SimulationError.blasUnavailable` without one).
    case blas
    /// The package's own loop: `SIMD4<Double>` with two accumulators per vector, rows split over the cores.
    case vectorised

    public var description: String { rawValue }
}

/// A dense real `N × N` matrix, stored row-major with rows padded to a multiple of 8 values (the padding is zero),
/// and its products with one or two vectors.
///
/// Vectors handed to `multiply` hold `leadingDimension` values; entries past `size` must be finite (the
/// simulation keeps them at 0) and are ignored by the result. Results of the vectorised loop do not depend on the
/// number of threads (each row's sum is done by one thread, in a fixed order), so they are bitwise reproducible.
/// BLAS results are reproducible for one library and thread count.
package final class CouplingMatrix {
    /// Number of rows and columns `N`.
    package let size: Int
    /// Row stride in values: `N` rounded up to a multiple of 8.
    package let leadingDimension: Int
    /// The BLAS in use, or nil for the vectorised loop.
    package let blas: BLASLibrary?
    /// Threads the vectorised loop splits rows over (1 below 256 rows, where the hand-off costs more than it saves).
    package let threads: Int
    let storage: AlignedBuffer

    /// An all-zero matrix of `size × size` values using `backend`; `threads` is for the vectorised loop.
    ///
    /// - Throws: `SimulationError.blasUnavailable` when `backend == .blas` and no CBLAS can be opened;
    ///   `AllocationError.outOfMemory` when the 8 N² bytes cannot be allocated.
    package init(size: Int, backend: MatrixVectorBackend = .automatic,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        precondition(size >= 1, "a matrix needs at least one row")
        self.size = size
        leadingDimension = (size + 7) / 8 * 8
        switch backend {
        case .automatic: blas = BLASLibrary.optimised
        case .blas:
            guard let library = BLASLibrary.any else { throw SimulationError.blasUnavailable }
            blas = library
        case .vectorised: blas = nil
        }
        self.threads = size >= 256 ? max(1, threads) : 1
        storage = try AlignedBuffer(allocating: size * leadingDimension, for: "the \(size) × \(size) coupling matrix")
    }

    /// Name of the product in use: the BLAS's description, or `vectorised loop (SIMD4<Double>, T threads)`.
    package var backendDescription: String {
        blas?.description ?? "vectorised loop (SIMD4<Double>, \(threads) thread\(threads == 1 ? "" : "s"))"
    }

    /// Element `(row, column)`.
    package subscript(row: Int, column: Int) -> Double {
        get { storage[row * leadingDimension + column] }
        set { storage[row * leadingDimension + column] = newValue }
    }

    /// Fills the matrix with independent N(0, `standardDeviation`²) entries, row by row (row 0 first, each row in
    /// column order), from `generator`. The padding stays zero.
    package func fillNormal(standardDeviation: Double, using generator: inout Xoshiro256StarStar) {
        let base = storage.baseAddress
        for row in 0..<size {
            let start = base + row * leadingDimension
            for column in 0..<size { start[column] = standardDeviation * generator.nextNormal() }
        }
    }

    /// Fills the matrix with `A_ij = standardDeviation · z_ij` where the pairs (z_ij, z_ji), i < j, are standard
    /// normal with correlation `symmetry` (η ∈ [−1, 1]) and the diagonal z_ii ~ N(0, 1): ⟨A_ij²⟩ = sd²,
    /// ⟨A_ij A_ji⟩ = η sd² (docs/PHYSICS.md, "Partially symmetric couplings"). Draw order: for each row i, z_ii, then
    /// for j = i+1…N−1 two normals (a, b) giving z_ij = a, z_ji = η a + √(1 − η²) b.
    package func fillPartiallySymmetric(standardDeviation: Double, symmetry: Double, using generator: inout Xoshiro256StarStar) {
        fillBlocks(populationOf: [Int](repeating: 0, count: size), mean: [[0]], standardDeviation: [[standardDeviation]],
                   symmetry: symmetry, using: &generator)
    }

    /// Fills a block-structured matrix: `A_ij = mean[k][l] + standardDeviation[k][l] · z_ij` for i in population
    /// k = `populationOf[i]`, j in l. With `symmetry` η = 0 every z_ij is drawn independently row by row (as
    /// `fillNormal`, bit for bit when there is one population with zero mean); with η ≠ 0 the pairs (z_ij, z_ji) are
    /// correlated η as in `fillPartiallySymmetric` (then ⟨A_ij A_ji⟩ − ⟨A_ij⟩⟨A_ji⟩ = η sd_kl sd_lk).
    package func fillBlocks(populationOf: [Int], mean: [[Double]], standardDeviation: [[Double]], symmetry: Double,
                            using generator: inout Xoshiro256StarStar) {
        precondition(populationOf.count == size)
        let base = storage.baseAddress, ld = leadingDimension
        if symmetry == 0 {
            for row in 0..<size {
                let start = base + row * ld
                let k = populationOf[row]
                let sdRow = standardDeviation[k], meanRow = mean[k]
                for column in 0..<size {
                    let l = populationOf[column]
                    let value = sdRow[l] * generator.nextNormal()
                    start[column] = meanRow[l] == 0 ? value : meanRow[l] + value
                }
            }
            return
        }
        let complement = max(0, 1 - symmetry * symmetry).squareRoot()
        for row in 0..<size {
            let k = populationOf[row]
            base[row * ld + row] = mean[k][k] + standardDeviation[k][k] * generator.nextNormal()
            for column in (row + 1)..<max(row + 1, size) {
                let l = populationOf[column]
                let a = generator.nextNormal(), b = generator.nextNormal()
                base[row * ld + column] = mean[k][l] + standardDeviation[k][l] * a
                base[column * ld + row] = mean[l][k] + standardDeviation[l][k] * (symmetry * a + complement * b)
            }
        }
    }

    /// `y = A x` (`x`, `y` hold `leadingDimension` values; distinct).
    package func multiply(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        let matrix = UnsafePointer(storage.baseAddress)
        if let blas {
            blas.multiply(matrix, rows: size, columns: size, leadingDimension: leadingDimension, x, into: y)
            return
        }
        let ld = leadingDimension
        forEachRowRange(RowTask(matrix: matrix, x: x, y: y)) { task, rows in
            Self.multiplyRows(task.matrix, leadingDimension: ld, rows: rows, task.x, task.y)
        }
    }

    /// `y₁ = A x₁` and `y₂ = A x₂` in one pass over A. `x₂ = x + leadingDimension`, `y₂ = y + leadingDimension`
    /// (each argument holds the two vectors one after the other). `y₁` is bitwise what `multiply` gives for `x₁`
    /// with the vectorised loop.
    package func multiplyPair(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        let matrix = UnsafePointer(storage.baseAddress)
        let ld = leadingDimension
        if let blas {
            blas.multiplyPair(matrix, rows: size, columns: size, leadingDimension: ld, x, into: y, stride: ld)
            return
        }
        forEachRowRange(RowTask(matrix: matrix, x: x, y: y)) { task, rows in
            Self.multiplyRowsPair(task.matrix, leadingDimension: ld, rows: rows, task.x, task.y)
        }
    }

    /// The pointers of one product, handed to the worker threads (each writes a disjoint range of rows of y).
    private struct RowTask: @unchecked Sendable {
        let matrix: UnsafePointer<Double>
        let x: UnsafePointer<Double>
        let y: UnsafeMutablePointer<Double>
    }

    /// Runs `body` on `threads` contiguous, disjoint ranges of rows covering 0..<size (on the calling thread when
    /// `threads` is 1): the one threading scaffold of the products.
    private func forEachRowRange(_ task: RowTask, _ body: @Sendable (RowTask, Range<Int>) -> Void) {
        let n = size, parts = threads
        if parts == 1 {
            body(task, 0..<n)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                body(task, (part * n / parts)..<((part + 1) * n / parts))
            }
        }
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// `(v₀ + v₁) + (v₂ + v₃)`: the horizontal sum in a fixed order (`SIMD.sum()` leaves the order unspecified).
    @inline(__always)
    private static func horizontalSum(_ v: SIMD4<Double>) -> Double { (v[0] + v[1]) + (v[2] + v[3]) }

    /// Rows `rows` of `y = A x`.
    ///
    /// Per row, eight partial sums over the columns `c ≡ k (mod 8)` (two `SIMD4` accumulators, i.e. four independent
    /// SSE2 chains on the default x86-64 target, measured as fast as `SIMD8` or four accumulators), combined as
    /// `((s₀+s₄) + (s₁+s₅)) + ((s₂+s₆) + (s₃+s₇))`. Debug builds run `multiplyRowsScalar`, the same arithmetic on eight
    /// scalars (bitwise identical; unoptimised `SIMD` code is ~25× slower than unoptimised scalar code).
    @inline(__always)
    static func multiplyRows(_ matrix: UnsafePointer<Double>, leadingDimension ld: Int, rows: Range<Int>,
                             _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        #if DEBUG
        multiplyRowsScalar(matrix, leadingDimension: ld, rows: rows, x, y)
        #else
        multiplyRowsSIMD(matrix, leadingDimension: ld, rows: rows, x, y)
        #endif
    }

    /// `multiplyRows` with `SIMD4` accumulators (what release builds run).
    static func multiplyRowsSIMD(_ matrix: UnsafePointer<Double>, leadingDimension ld: Int, rows: Range<Int>,
                                 _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        for row in rows {
            let a = matrix + row * ld
            var sum0 = SIMD4<Double>(), sum1 = SIMD4<Double>()
            var column = 0
            while column < ld {
                sum0 += load(a + column) * load(x + column)
                sum1 += load(a + column + 4) * load(x + column + 4)
                column += 8
            }
            y[row] = horizontalSum(sum0 + sum1)
        }
    }

    /// Rows `rows` of `y₁ = A x₁`, `y₂ = A x₂` (`x₂ = x + ld`, `y₂ = y + ld`), reading each row of A once; each
    /// vector's arithmetic is that of `multiplyRows`, in the same order (so `y₁` is bitwise what `multiply` gives).
    @inline(__always)
    static func multiplyRowsPair(_ matrix: UnsafePointer<Double>, leadingDimension ld: Int, rows: Range<Int>,
                                 _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        #if DEBUG
        multiplyRowsScalar(matrix, leadingDimension: ld, rows: rows, x, y)
        multiplyRowsScalar(matrix, leadingDimension: ld, rows: rows, x + ld, y + ld)
        #else
        multiplyRowsPairSIMD(matrix, leadingDimension: ld, rows: rows, x, y)
        #endif
    }

    /// `multiplyRowsPair` with `SIMD4` accumulators (what release builds run).
    static func multiplyRowsPairSIMD(_ matrix: UnsafePointer<Double>, leadingDimension ld: Int, rows: Range<Int>,
                                     _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        let x2 = x + ld
        for row in rows {
            let a = matrix + row * ld
            var sum0 = SIMD4<Double>(), sum1 = SIMD4<Double>()
            var other0 = SIMD4<Double>(), other1 = SIMD4<Double>()
            var column = 0
            while column < ld {
                let a0 = load(a + column), a1 = load(a + column + 4)
                sum0 += a0 * load(x + column)
                sum1 += a1 * load(x + column + 4)
                other0 += a0 * load(x2 + column)
                other1 += a1 * load(x2 + column + 4)
                column += 8
            }
            y[row] = horizontalSum(sum0 + sum1)
            y[ld + row] = horizontalSum(other0 + other1)
        }
    }

    /// The arithmetic of `multiplyRows` on eight scalar accumulators (used by debug builds, and as the tests' twin).
    static func multiplyRowsScalar(_ matrix: UnsafePointer<Double>, leadingDimension ld: Int, rows: Range<Int>,
                                   _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        for row in rows {
            var a = matrix + row * ld, v = x
            let end = a + ld
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
            while a < end {
                s0 += a[0] * v[0]; s1 += a[1] * v[1]; s2 += a[2] * v[2]; s3 += a[3] * v[3]
                s4 += a[4] * v[4]; s5 += a[5] * v[5]; s6 += a[6] * v[6]; s7 += a[7] * v[7]
                a += 8
                v += 8
            }
            y[row] = ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
        }
    }
}
