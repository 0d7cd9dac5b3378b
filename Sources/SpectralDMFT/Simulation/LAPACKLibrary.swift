import Foundation

/// The few LAPACK/CBLAS routines of the exact finite-N covariance (`LinearNetworkCovariance`), found at run time
/// with `dlopen`/`dlsym` like `BLASLibrary`: the package has no link-time dependency on LAPACK.
///
/// Search order: `libopenblas.so.0` (OpenBLAS carries LAPACK), then the pair `liblapack.so.3` + `libblas.so.3`.
/// Used: `dgeev_` (real non-symmetric eigenproblem, left and right eigenvectors) and `cblas_zgemm`. LP64 symbols
/// (32-bit integers) and gfortran's hidden character-length arguments are assumed, as Debian ships them.
package struct LAPACKLibrary: @unchecked Sendable {
    typealias Dgeev = @convention(c) (
        UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafePointer<Int32>, UnsafeMutablePointer<Double>,
        UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>,
        UnsafePointer<Int32>, UnsafeMutablePointer<Double>, UnsafePointer<Int32>, UnsafeMutablePointer<Double>,
        UnsafePointer<Int32>, UnsafeMutablePointer<Int32>, Int, Int) -> Void
    typealias Zgemm = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, UnsafeRawPointer, UnsafeRawPointer, Int32, UnsafeRawPointer, Int32,
        UnsafeRawPointer, UnsafeMutableRawPointer, Int32) -> Void

    /// The file(s) opened.
    package let description: String
    let dgeev: Dgeev
    let zgemm: Zgemm

    // CBLAS enumeration values (cblas.h).
    static let columnMajor: Int32 = 102
    static let noTranspose: Int32 = 111
    static let conjugateTranspose: Int32 = 113

    /// The LAPACK of this machine, if there is one (looked up once per process).
    package static let shared: LAPACKLibrary? = {
        if let handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL),
           let geev = dlsym(handle, "dgeev_"), let gemm = dlsym(handle, "cblas_zgemm") {
            return LAPACKLibrary(description: "OpenBLAS (libopenblas.so.0)", dgeev: unsafeBitCast(geev, to: Dgeev.self),
                                 zgemm: unsafeBitCast(gemm, to: Zgemm.self))
        }
        if let lapack = dlopen("liblapack.so.3", RTLD_NOW | RTLD_LOCAL), let blas = dlopen("libblas.so.3", RTLD_NOW | RTLD_LOCAL),
           let geev = dlsym(lapack, "dgeev_"), let gemm = dlsym(blas, "cblas_zgemm") {
            return LAPACKLibrary(description: "liblapack.so.3 + libblas.so.3", dgeev: unsafeBitCast(geev, to: Dgeev.self),
                                 zgemm: unsafeBitCast(gemm, to: Zgemm.self))
        }
        return nil
    }()

    /// True when `shared` found a LAPACK.
    package static var isAvailable: Bool { shared != nil }

    /// Eigenvalues and left/right eigenvectors of the column-major `n × n` matrix `matrix` (overwritten), in
    /// `dgeev`'s real storage: a complex pair `j, j+1` has vectors `v[:, j] ± i v[:, j+1]`.
    ///
    /// - Returns: `(real parts, imaginary parts, left vectors, right vectors)`; nil when `dgeev` fails (info ≠ 0).
    func eigen(_ matrix: inout [Double], size n: Int) -> (real: [Double], imaginary: [Double], left: [Double], right: [Double])? {
        var real = [Double](repeating: 0, count: n), imaginary = real
        var left = [Double](repeating: 0, count: n * n), right = left
        let count: [Int32] = [Int32(n)]
        var info: Int32 = 0
        var query = [0.0]
        let job: [CChar] = [86, 0]   // "V"
        // Workspace query, then the solve.
        matrix.withUnsafeMutableBufferPointer { a in
            dgeev(job, job, count, a.baseAddress!, count, &real, &imaginary, &left, count, &right, count,
                  &query, [-1], &info, 1, 1)
        }
        guard info == 0 else { return nil }
        let workSize = Int32(max(Double(4 * n), query[0].rounded(.up)))
        var work = [Double](repeating: 0, count: Int(workSize))
        matrix.withUnsafeMutableBufferPointer { a in
            dgeev(job, job, count, a.baseAddress!, count, &real, &imaginary, &left, count, &right, count,
                  &work, [workSize], &info, 1, 1)
        }
        guard info == 0 else { return nil }
        return (real, imaginary, left, right)
    }

    /// `C = op(A) · op(B)` for column-major complex `n × n` matrices stored as interleaved (re, im) pairs;
    /// `conjugateA`/`conjugateB` select the conjugate transpose.
    func multiply(_ a: [Double], conjugateA: Bool, _ b: [Double], conjugateB: Bool, size n: Int) -> [Double] {
        var c = [Double](repeating: 0, count: 2 * n * n)
        let one: [Double] = [1, 0], zero: [Double] = [0, 0]
        let m = Int32(n)
        a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in
                c.withUnsafeMutableBytes { pc in
                    zgemm(Self.columnMajor, conjugateA ? Self.conjugateTranspose : Self.noTranspose,
                          conjugateB ? Self.conjugateTranspose : Self.noTranspose, m, m, m, one, pa.baseAddress!, m,
                          pb.baseAddress!, m, zero, pc.baseAddress!, m)
                }
            }
        }
        return c
    }
}
