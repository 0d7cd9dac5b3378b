import CFFTW

/// A contiguous, FFTW-aligned (SIMD-aligned) array of `Double`, allocated once and reused.
///
/// Memory comes from `fftw_malloc`, so FFTW's new-array execute functions may be applied to any
/// two buffers of the same length. The buffer is owned by exactly one solver; it is not shared
/// between threads.
public final class AlignedBuffer {
    /// Number of `Double` values held.
    public let count: Int
    /// Base address of the storage (aligned for SIMD loads).
    public let baseAddress: UnsafeMutablePointer<Double>

    /// Allocates `count` values, initialised to `value`.
    public init(count: Int, repeating value: Double = 0) {
        precondition(count > 0, "AlignedBuffer needs a positive count")
        self.count = count
        guard let raw = fftw_malloc(count * MemoryLayout<Double>.stride) else {
            fatalError("fftw_malloc failed for \(count) doubles")
        }
        baseAddress = raw.bindMemory(to: Double.self, capacity: count)
        baseAddress.initialize(repeating: value, count: count)
    }

    deinit { fftw_free(baseAddress) }

    /// The storage as a mutable buffer pointer (valid while `self` is alive).
    @inlinable public var pointer: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: baseAddress, count: count)
    }

    /// Reads or writes element `index`.
    @inlinable public subscript(index: Int) -> Double {
        get { baseAddress[index] }
        set { baseAddress[index] = newValue }
    }

    /// Copies the values out into an ordinary array.
    public var array: [Double] { Array(pointer) }

    /// Overwrites every element with the contents of `source` (same count).
    public func assign(from source: AlignedBuffer) {
        precondition(source.count == count)
        baseAddress.update(from: source.baseAddress, count: count)
    }

    /// Overwrites every element with `values` (same count).
    public func assign(from values: [Double]) {
        precondition(values.count == count)
        values.withUnsafeBufferPointer { baseAddress.update(from: $0.baseAddress!, count: count) }
    }
}
