import CFFTW

/// A memory allocation that failed. The description is one line, fit for a command-line error.
package enum AllocationError: Error, Equatable, CustomStringConvertible {
    /// `bytes` could not be allocated for `purpose`.
    case outOfMemory(bytes: Int, purpose: String)

    package var description: String {
        switch self {
        case .outOfMemory(let bytes, let purpose):
            return "cannot allocate \(MemoryBudget.format(bytes: bytes)) for \(purpose): out of memory "
                + "(see ulimit -v and the cgroup limit); use a smaller problem"
        }
    }
}

/// A contiguous, FFTW-aligned (SIMD-aligned) array of `Double`, allocated once and reused.
///
/// Memory comes from `fftw_malloc`, so FFTW's new-array execute functions may be applied to any
/// two buffers of the same length. The buffer is owned by exactly one solver; it is not shared
/// between threads.
package final class AlignedBuffer {
    /// Number of `Double` values held.
    package let count: Int
    /// Base address of the storage (aligned for SIMD loads).
    package let baseAddress: UnsafeMutablePointer<Double>

    /// Allocates `count` values, initialised to `value`; for the small, fixed-size workspaces of solvers. A failed
    /// allocation is a fatal error: sizes that come from user input go through `init(allocating:repeating:for:)`.
    package convenience init(count: Int, repeating value: Double = 0) {
        do { try self.init(allocating: count, repeating: value, for: "a workspace") } catch {
            fatalError("\(error)")
        }
    }

    /// Allocates `count` values, initialised to `value`, or throws `AllocationError.outOfMemory` (naming `purpose`)
    /// when `count · 8` bytes overflow or `fftw_malloc` returns nil (e.g. under `ulimit -v` or a cgroup limit).
    package init(allocating count: Int, repeating value: Double = 0, for purpose: String) throws {
        precondition(count > 0, "AlignedBuffer needs a positive count")
        let bytes = count.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
        guard !bytes.overflow, let raw = fftw_malloc(bytes.partialValue) else {
            throw AllocationError.outOfMemory(bytes: bytes.overflow ? Int.max : bytes.partialValue, purpose: purpose)
        }
        self.count = count
        baseAddress = raw.bindMemory(to: Double.self, capacity: count)
        baseAddress.initialize(repeating: value, count: count)
    }

    deinit { fftw_free(baseAddress) }

    /// The storage as a mutable buffer pointer (valid while `self` is alive).
    @inlinable package var pointer: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: baseAddress, count: count)
    }

    /// Reads or writes element `index`.
    @inlinable package subscript(index: Int) -> Double {
        get { baseAddress[index] }
        set { baseAddress[index] = newValue }
    }

    /// Copies the values out into an ordinary array.
    package var array: [Double] { Array(pointer) }

    /// Overwrites every element with the contents of `source` (same count).
    package func assign(from source: AlignedBuffer) {
        precondition(source.count == count)
        baseAddress.update(from: source.baseAddress, count: count)
    }

    /// Overwrites every element with `values` (same count).
    package func assign(from values: [Double]) {
        precondition(values.count == count)
        values.withUnsafeBufferPointer { baseAddress.update(from: $0.baseAddress!, count: count) }
    }
}
