import Foundation
import Synchronization

/// The level-3 CBLAS routines of the optimised BLAS that `BLASLibrary.optimised` found (OpenBLAS or BLIS, opened at
/// run time; no link-time dependency), for the sampling engine's dense products: η = Lξ (`dtrmm`), Σ x xᵀ (`dsyrk`)
/// and Σ u vᵀ (`dgemm`).
///
/// The engine calls them from its own fixed chunks, one call per block of paths, so every BLAS call must run on
/// the calling thread: while a solve is running, OpenBLAS's own thread count is set to 1 (and restored when the
/// last running solve ends). A single-threaded call's result depends only on its arguments, so results do not
/// depend on the engine's thread count.
package struct SamplingBLAS: @unchecked Sendable {
    typealias Dgemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32,
        Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias Dsyrk = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?,
        Int32) -> Void
    typealias Dtrmm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
        UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias Dgesv = @convention(c) (
        UnsafePointer<Int32>?, UnsafePointer<Int32>?, UnsafeMutablePointer<Double>?, UnsafePointer<Int32>?,
        UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Double>?, UnsafePointer<Int32>?, UnsafeMutablePointer<Int32>?) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void
    typealias GetThreads = @convention(c) () -> Int32

    /// Description of the library (from `BLASLibrary`).
    let description: String
    let dgemm: Dgemm
    let dsyrk: Dsyrk
    let dtrmm: Dtrmm
    /// LAPACK `dgesv_` when the library carries LAPACK (OpenBLAS does).
    let dgesv: Dgesv?
    let setThreads: SetThreads?
    let getThreads: GetThreads?

    // CBLAS enumeration values (cblas.h).
    static let rowMajor: Int32 = 101, noTranspose: Int32 = 111, transpose: Int32 = 112
    static let lower: Int32 = 122, right: Int32 = 142, nonUnit: Int32 = 131

    /// The routines of the optimised BLAS, or nil when there is none (or it lacks one of them).
    static let shared: SamplingBLAS? = {
        guard let library = BLASLibrary.optimised, let handle = dlopen(library.path, RTLD_NOW | RTLD_LOCAL) else { return nil }
        guard let gemm = dlsym(handle, "cblas_dgemm"), let syrk = dlsym(handle, "cblas_dsyrk"),
              let trmm = dlsym(handle, "cblas_dtrmm") else { return nil }
        // BLIS is single-threaded unless configured otherwise; OpenBLAS is told to be while a solve runs.
        let set = dlsym(handle, "openblas_set_num_threads"), get = dlsym(handle, "openblas_get_num_threads")
        return SamplingBLAS(description: library.description, dgemm: unsafeBitCast(gemm, to: Dgemm.self),
                            dsyrk: unsafeBitCast(syrk, to: Dsyrk.self), dtrmm: unsafeBitCast(trmm, to: Dtrmm.self),
                            dgesv: dlsym(handle, "dgesv_").map { unsafeBitCast($0, to: Dgesv.self) },
                            setThreads: set.map { unsafeBitCast($0, to: SetThreads.self) },
                            getThreads: get.map { unsafeBitCast($0, to: GetThreads.self) })
    }()

    /// OpenBLAS 0.3.21 (Debian 12) does not know recent Intel cores (e.g. Sapphire/Emerald Rapids) and falls back to
    /// its SSE3 "Prescott" kernels there (3× slower here); on a processor with AVX2 and FMA this asks for its Haswell
    /// kernels (by setting OPENBLAS_CORETYPE, unless it is set). Takes effect only if called before the library is
    /// first opened in the process (commands call it first thing).
    package static func preferAVX2Kernels() {
        guard getenv("OPENBLAS_CORETYPE") == nil,
              let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(line.split(separator: " "))
        if flags.contains("avx2") && flags.contains("fma") { setenv("OPENBLAS_CORETYPE", "Haswell", 0) }
    }

    /// Running solves and the library's thread count before the first of them.
    private static let state = Mutex<(running: Int, saved: Int32)>((0, 0))

    /// Runs `body` with the library single-threaded (restored after the last concurrent caller is done).
    func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        Self.state.withLock { state in
            if state.running == 0 {
                state.saved = getThreads?() ?? 1
                setThreads?(1)
            }
            state.running += 1
        }
        defer {
            Self.state.withLock { state in
                state.running -= 1
                if state.running == 0 { setThreads?(max(state.saved, 1)) }
            }
        }
        return try body()
    }

    /// Solves A x = b by LU with partial pivoting (`dgesv_`) for the column-major n × n `matrix` (overwritten by its
    /// factors); `rightSide` is overwritten by x. False when A is singular or the library has no LAPACK.
    func solve(columnMajor matrix: UnsafeMutablePointer<Double>, n: Int, rightSide: UnsafeMutablePointer<Double>,
               pivots: UnsafeMutablePointer<Int32>) -> Bool {
        guard let dgesv else { return false }
        var size = Int32(n), columns: Int32 = 1, leading = Int32(max(n, 1)), info: Int32 = 0
        dgesv(&size, &columns, matrix, &leading, pivots, rightSide, &leading, &info)
        return info == 0
    }

    /// η (rows × n, row-major, holding ξ on entry) ← ξ Lᵀ for the lower triangular L (n × n, row-major).
    @inline(__always)
    func multiplyByTransposedLower(_ lower: UnsafePointer<Double>, n: Int, rows: Int, _ matrix: UnsafeMutablePointer<Double>) {
        dtrmm(Self.rowMajor, Self.right, Self.lower, Self.transpose, Self.nonUnit, Int32(rows), Int32(n), 1,
              lower, Int32(n), matrix, Int32(n))
    }

    /// Lower triangle of `sum` (n × n, row-major) += Xᵀ X for X (rows × n, row-major).
    @inline(__always)
    func addGram(_ x: UnsafePointer<Double>, n: Int, rows: Int, into sum: UnsafeMutablePointer<Double>) {
        dsyrk(Self.rowMajor, Self.lower, Self.transpose, Int32(n), Int32(rows), 1, x, Int32(n), 1, sum, Int32(n))
    }

    /// `sum` (n × n, row-major) += Uᵀ V for U, V (rows × n, row-major).
    @inline(__always)
    func addProduct(_ u: UnsafePointer<Double>, _ v: UnsafePointer<Double>, n: Int, rows: Int,
                    into sum: UnsafeMutablePointer<Double>) {
        dgemm(Self.rowMajor, Self.transpose, Self.noTranspose, Int32(n), Int32(n), Int32(rows), 1, u, Int32(n), v,
              Int32(n), 1, sum, Int32(n))
    }
}
