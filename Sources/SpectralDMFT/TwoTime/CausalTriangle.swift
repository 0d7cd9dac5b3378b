import Foundation

/// A two-time function on the causal triangle `t_j ≤ t_i` of a uniform grid: row i holds f(t_i, t_j) for
/// j = 0…i, contiguously, so n time points take n(n+1)/2 values (half the square).
///
/// Row i starts at offset i(i+1)/2; rows are read and written through unsafe buffer pointers by the integrators'
/// inner loops. The storage is one `AlignedBuffer`, allocated (and touched) up front for the whole run.
public final class CausalTriangle {
    /// Number of time points the triangle can hold.
    public let capacity: Int
    let storage: AlignedBuffer

    /// A triangle for `capacity` time points, filled with `value`.
    public init(capacity: Int, repeating value: Double = 0) {
        precondition(capacity >= 1)
        self.capacity = capacity
        storage = AlignedBuffer(count: Self.valueCount(points: capacity), repeating: value)
    }

    /// n(n+1)/2: values held for n time points.
    @inline(__always) public static func valueCount(points n: Int) -> Int { n * (n + 1) / 2 }

    /// Offset of row i.
    @inline(__always) static func offset(_ i: Int) -> Int { i * (i + 1) / 2 }

    /// f(t_i, t_j) for j ≤ i.
    @inline(__always) public subscript(i: Int, j: Int) -> Double {
        get { storage.baseAddress[Self.offset(i) + j] }
        set { storage.baseAddress[Self.offset(i) + j] = newValue }
    }

    /// The value at (i, j) or (j, i), whichever is causal: f of a symmetric function.
    @inline(__always) public func symmetric(_ i: Int, _ j: Int) -> Double {
        i >= j ? storage.baseAddress[Self.offset(i) + j] : storage.baseAddress[Self.offset(j) + i]
    }

    /// Row i (j = 0…i) as a pointer to its first value.
    @inline(__always) func row(_ i: Int) -> UnsafeMutablePointer<Double> { storage.baseAddress + Self.offset(i) }

    /// Row i copied out.
    public func rowValues(_ i: Int) -> [Double] { Array(UnsafeBufferPointer(start: row(i), count: i + 1)) }

    /// Column j from row j to row `last` (f(t_i, t_j), i = j…last) copied out.
    public func columnValues(_ j: Int, through last: Int) -> [Double] {
        guard last >= j else { return [] }
        return (j...last).map { self[$0, j] }
    }
}

/// How much memory the machine can give a run.
public enum MemoryBudget {
    /// Bytes available for a new allocation: `MemAvailable` from /proc/meminfo (Linux), else the physical memory.
    public static var availableBytes: Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ")
                if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
            }
        }
        return Int(clamping: ProcessInfo.processInfo.physicalMemory)
    }

    /// "1.23 GB"-style text.
    public static func format(bytes: Int) -> String {
        let value = Double(bytes)
        if value >= 1e9 { return String(format: "%.2f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        return String(format: "%.0f kB", value / 1e3)
    }
}
