import Foundation

/// A two-time function on the causal triangle `t_j ≤ t_i` of a uniform grid: row i holds f(t_i, t_j) for
/// j = 0…i, contiguously, so n time points take n(n+1)/2 values (half the square).
///
/// Row i starts at offset i(i+1)/2; rows are read and written through unsafe buffer pointers by the integrators'
/// inner loops. The storage is one `AlignedBuffer`, allocated (and touched) up front for the whole run.
package final class CausalTriangle {
    /// Number of time points the triangle can hold.
    package let capacity: Int
    let storage: AlignedBuffer

    /// A triangle for `capacity` time points, filled with `value`.
    ///
    /// - Throws: `AllocationError.outOfMemory` when the n(n+1)/2 values cannot be allocated.
    package init(capacity: Int, repeating value: Double = 0) throws {
        precondition(capacity >= 1)
        self.capacity = capacity
        storage = try AlignedBuffer(allocating: Self.valueCount(points: capacity), repeating: value,
                                    for: "a causal triangle of \(capacity) time points")
    }

    /// n(n+1)/2: values held for n time points.
    @inline(__always) package static func valueCount(points n: Int) -> Int { n * (n + 1) / 2 }

    /// Offset of row i.
    @inline(__always) static func offset(_ i: Int) -> Int { i * (i + 1) / 2 }

    /// f(t_i, t_j) for j ≤ i.
    @inline(__always) package subscript(i: Int, j: Int) -> Double {
        get { storage.baseAddress[Self.offset(i) + j] }
        set { storage.baseAddress[Self.offset(i) + j] = newValue }
    }

    /// The value at (i, j) or (j, i), whichever is causal: f of a symmetric function.
    @inline(__always) package func symmetric(_ i: Int, _ j: Int) -> Double {
        i >= j ? storage.baseAddress[Self.offset(i) + j] : storage.baseAddress[Self.offset(j) + i]
    }

    /// Row i (j = 0…i) as a pointer to its first value.
    @inline(__always) func row(_ i: Int) -> UnsafeMutablePointer<Double> { storage.baseAddress + Self.offset(i) }

    /// Row i copied out.
    package func rowValues(_ i: Int) -> [Double] { Array(UnsafeBufferPointer(start: row(i), count: i + 1)) }

    /// Column j from row j to row `last` (f(t_i, t_j), i = j…last) copied out.
    package func columnValues(_ j: Int, through last: Int) -> [Double] {
        guard last >= j else { return [] }
        return (j...last).map { self[$0, j] }
    }
}

/// How much memory the machine can give a run.
package enum MemoryBudget {
    /// Bytes available for a new allocation: the smallest of
    /// - `MemAvailable` from /proc/meminfo (Linux; else the physical memory),
    /// - the address-space limit `RLIMIT_AS` (`ulimit -v`) minus this process's virtual size (`VmSize`), if limited,
    /// - the cgroup v2 limit `/sys/fs/cgroup/memory.max` minus `memory.current`, if limited,
    /// - the cgroup v1 limit `/sys/fs/cgroup/memory/memory.limit_in_bytes` minus `memory.usage_in_bytes`, if limited.
    package static var availableBytes: Int {
        var available = physicalAvailable
        if let limit = addressSpaceHeadroom { available = min(available, limit) }
        if let limit = cgroupHeadroom(limit: "/sys/fs/cgroup/memory.max", usage: "/sys/fs/cgroup/memory.current") {
            available = min(available, limit)
        }
        if let limit = cgroupHeadroom(limit: "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                      usage: "/sys/fs/cgroup/memory/memory.usage_in_bytes") {
            available = min(available, limit)
        }
        return max(available, 0)
    }

    /// `MemAvailable` (bytes), else the physical memory.
    static var physicalAvailable: Int {
        if let kilobytes = procValue(file: "/proc/meminfo", key: "MemAvailable:") { return kilobytes * 1024 }
        return Int(clamping: ProcessInfo.processInfo.physicalMemory)
    }

    /// `RLIMIT_AS` minus the current virtual size, when the limit is finite.
    static var addressSpaceHeadroom: Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }  // RLIM_INFINITY
        let cap = Int(clamping: limit.rlim_cur)
        let used = (procValue(file: "/proc/self/status", key: "VmSize:") ?? 0) * 1024
        return cap - used
    }

    /// Limit minus usage of a cgroup, when both files exist and the limit is a number ("max": unlimited).
    static func cgroupHeadroom(limit limitPath: String, usage usagePath: String) -> Int? {
        guard let limitText = try? String(contentsOfFile: limitPath, encoding: .utf8),
              let limit = Int(limitText.trimmingCharacters(in: .whitespacesAndNewlines)),
              limit < Int.max / 2 else { return nil }  // v1 reports ~2^63 when unlimited
        let usageText = (try? String(contentsOfFile: usagePath, encoding: .utf8)) ?? "0"
        let usage = Int(usageText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return limit - usage
    }

    /// The first number after `key` in a `/proc` file of `key value [kB]` lines.
    static func procValue(file: String, key: String) -> Int? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, let value = Int(fields[1]) { return value }
        }
        return nil
    }

    /// "1.23 GB"-style text.
    package static func format(bytes: Int) -> String {
        let value = Double(bytes)
        if value >= 1e9 { return String(format: "%.2f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.1f MB", value / 1e6) }
        return String(format: "%.0f kB", value / 1e3)
    }
}
