/// CRC-32C (Castagnoli polynomial 0x1EDC6F41, reflected 0x82F63B78), the checksum of iSCSI, ext4 and SSE4.2's
/// `crc32` instruction, computed in software by slicing-by-8 (~1–2 GB/s in release builds).
///
/// Incremental: start from `CRC32C()`, `update` with each piece of the data in order, read `value`.
/// Check value: the CRC-32C of the ASCII bytes "123456789" is 0xE3069283.
package struct CRC32C: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    /// An empty checksum.
    package init() {}

    /// The checksum of everything passed to `update` so far.
    package var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// Feeds `bytes` into the checksum.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var crc = state
        var index = 0
        let count = bytes.count
        Self.tables.withUnsafeBufferPointer { table in
            while count - index >= 8 {
                let low = UInt32(base.load(fromByteOffset: index, as: UInt8.self))
                    | UInt32(base.load(fromByteOffset: index + 1, as: UInt8.self)) << 8
                    | UInt32(base.load(fromByteOffset: index + 2, as: UInt8.self)) << 16
                    | UInt32(base.load(fromByteOffset: index + 3, as: UInt8.self)) << 24
                let word = crc ^ low
                let b4 = Int(base.load(fromByteOffset: index + 4, as: UInt8.self))
                let b5 = Int(base.load(fromByteOffset: index + 5, as: UInt8.self))
                let b6 = Int(base.load(fromByteOffset: index + 6, as: UInt8.self))
                let b7 = Int(base.load(fromByteOffset: index + 7, as: UInt8.self))
                crc = table[7 * 256 + Int(word & 0xFF)] ^ table[6 * 256 + Int((word >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((word >> 16) & 0xFF)] ^ table[4 * 256 + Int(word >> 24)]
                    ^ table[3 * 256 + b4] ^ table[2 * 256 + b5] ^ table[256 + b6] ^ table[b7]
                index += 8
            }
            while index < count {
                let byte = UInt32(base.load(fromByteOffset: index, as: UInt8.self))
                crc = table[Int((crc ^ byte) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }

    /// Feeds the bytes of a byte sequence into the checksum.
    package mutating func update<Bytes: Sequence>(bytes: Bytes) where Bytes.Element == UInt8 {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Eight 256-entry tables: table k maps a byte to its CRC contribution k bytes further on.
    private static let tables: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var crc = UInt32(n)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[n] = crc
        }
        for n in 0..<256 {
            var crc = table[n]
            for k in 1..<8 {
                crc = table[Int(crc & 0xFF)] ^ (crc >> 8)
                table[k * 256 + n] = crc
            }
        }
        return table
    }()
}
