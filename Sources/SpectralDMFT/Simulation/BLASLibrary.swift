import Foundation

/// An optimised CBLAS found at run time with `dlopen`/`dlsym`: the package has no link-time dependency on any
/// BLAS, so it builds and runs where none is installed.
///
/// Search order: `libopenblas.so.0` (Debian's `libopenblas0-pthread`/`-openmp`), then `libblas.so.3` when the
/// library behind it is an optimised one (OpenBLAS or BLIS, recognised by their own symbols; Debian's reference
/// `libblas3` is not optimised and is skipped unless asked for). Only `cblas_dgemv` is used.
/// The symbols of an LP64 build are assumed (32-bit integer arguments), as Debian ships them.
package struct BLASLibrary: @unchecked Sendable {
    typealias Dgemv = @convention(c) (
        Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32,
        Double, UnsafeMutablePointer<Double>?, Int32) -> Void

    /// The file name that was opened (e.g. `libopenblas.so.0`).
    package let path: String
    /// A short description: `OpenBLAS 0.3.21 …` (from `openblas_get_config`), or the kind and file name.
    package let description: String
    /// True for OpenBLAS or BLIS; false for a reference (unoptimised) BLAS.
    package let isOptimised: Bool
    let dgemv: Dgemv

    // CBLAS enumeration values (cblas.h).
    static let rowMajor: Int32 = 101
    static let noTranspose: Int32 = 111

    /// The optimised BLAS of this machine, if there is one (looked up once per process).
    package static let optimised: BLASLibrary? = {
        for name in ["libopenblas.so.0", "libblas.so.3"] {
            if let library = load(name), library.isOptimised { return library }
        }
        return nil
    }()

    /// Any CBLAS (optimised or reference) of this machine, if there is one (looked up once per process).
    package static let any: BLASLibrary? = optimised ?? load("libblas.so.3")

    /// Opens `name` and finds `cblas_dgemv`; nil when it is missing.
    static func load(_ name: String) -> BLASLibrary? {
        guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else { return nil }
        guard let gemv = dlsym(handle, "cblas_dgemv") else {
            dlclose(handle)
            return nil
        }
        var description = name
        var optimised = false
        if let config = dlsym(handle, "openblas_get_config") {
            typealias Config = @convention(c) () -> UnsafePointer<CChar>?
            if let text = unsafeBitCast(config, to: Config.self)() { description = String(cString: text) }
            optimised = true
        } else if dlsym(handle, "bli_info_get_version_str") != nil {
            description = "BLIS (\(name))"
            optimised = true
        } else {
            description = "reference BLAS (\(name))"
        }
        // The handle stays open for the life of the process.
        return BLASLibrary(path: name, description: description, isOptimised: optimised,
                           dgemv: unsafeBitCast(gemv, to: Dgemv.self))
    }

    /// `y = A x` for a row-major `rows × columns` matrix with leading dimension `leadingDimension`.
    @inline(__always)
    func multiply(_ matrix: UnsafePointer<Double>, rows: Int, columns: Int, leadingDimension: Int,
                  _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        dgemv(Self.rowMajor, Self.noTranspose, Int32(rows), Int32(columns), 1, matrix, Int32(leadingDimension),
              x, 1, 0, y, 1)
    }

    /// `y₁ = A x₁`, `y₂ = A x₂` with `x₂ = x + stride`, `y₂ = y + stride`: two `dgemv` calls. (One `dgemm` with two
    /// right-hand sides reads A once but packs it first: measured 1.5–4× slower than two `dgemv` at N = 1000–4000.)
    @inline(__always)
    func multiplyPair(_ matrix: UnsafePointer<Double>, rows: Int, columns: Int, leadingDimension: Int,
                      _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, stride: Int) {
        multiply(matrix, rows: rows, columns: columns, leadingDimension: leadingDimension, x, into: y)
        multiply(matrix, rows: rows, columns: columns, leadingDimension: leadingDimension, x + stride, into: y + stride)
    }
}
