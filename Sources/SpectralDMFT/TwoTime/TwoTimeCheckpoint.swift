import Foundation

/// The checkpoint file of a two-time run: everything needed to continue bit-identically.
///
/// Layout (little-endian): the 8 bytes `SDMFT2T2`, a UInt64 n, n bytes of JSON header (`Header`: kind, format
/// version, the run's parameters as JSON, completed row, and the names and lengths of the arrays), the raw
/// IEEE-754 doubles of each array in header order, and last a UInt32 CRC-32C (`CRC32C`) of every byte before it.
/// Reading checks the size the header implies (short: "truncated"; long: "corrupted, unexpected size") and the
/// checksum (any changed byte: "corrupted, checksum mismatch"). The file is replaced atomically (written to a
/// temporary file in the same folder, then renamed), so a run killed while writing leaves the previous checkpoint
/// intact. Format 1 files (no checksum, magic `SDMFT2T1`) are refused with a one-line reason.
enum TwoTimeCheckpoint {
    static let magic = Array("SDMFT2T2".utf8)
    static let previousMagic = Array("SDMFT2T1".utf8)
    static let version = 2
    /// Bytes of the trailing checksum.
    static let checksumLength = 4

    struct Header: Codable {
        var kind: String
        var version: Int
        var parameters: String
        var completedRow: Int
        var arrays: [ArrayEntry]
    }

    struct ArrayEntry: Codable {
        var name: String
        var count: Int
    }

    /// A named block of doubles to write (pointer valid during the call).
    struct Block {
        var name: String
        var pointer: UnsafePointer<Double>
        var count: Int
    }

    /// Writes the checkpoint atomically.
    static func write(path: String, kind: String, parameters: String, completedRow: Int, blocks: [Block]) throws {
        let header = Header(kind: kind, version: version, parameters: parameters, completedRow: completedRow,
                            arrays: blocks.map { ArrayEntry(name: $0.name, count: $0.count) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let headerData = try encoder.encode(header)
        try AtomicFile.write(to: path) { handle in
            var checksum = CRC32C()
            var prefix = Data(magic)
            var length = UInt64(headerData.count).littleEndian
            withUnsafeBytes(of: &length) { prefix.append(contentsOf: $0) }
            prefix.append(headerData)
            prefix.withUnsafeBytes { checksum.update($0) }
            try handle.write(contentsOf: prefix)
            let chunk = 1 << 20  // doubles per write
            for block in blocks {
                var offset = 0
                while offset < block.count {
                    let count = min(chunk, block.count - offset)
                    let bytes = UnsafeRawBufferPointer(start: block.pointer + offset, count: count * MemoryLayout<Double>.stride)
                    checksum.update(bytes)
                    let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: block.pointer + offset),
                                    count: count * MemoryLayout<Double>.stride, deallocator: .none)
                    try handle.write(contentsOf: data)
                    offset += count
                }
            }
            var trailer = checksum.value.littleEndian
            try handle.write(contentsOf: withUnsafeBytes(of: &trailer) { Data($0) })
        }
    }

    /// A checkpoint read back: header and a memory-mapped view of the arrays.
    struct Contents {
        let header: Header
        let data: Data
        let offsets: [String: (offset: Int, count: Int)]

        /// Copies array `name` into `target` (which must hold `count` values).
        func copy(_ name: String, into target: UnsafeMutablePointer<Double>, count: Int, path: String) throws {
            guard let entry = offsets[name], entry.count == count else {
                throw TwoTimeError.unreadableCheckpoint(path: path, reason: "array \(name) is missing or has the wrong length")
            }
            data.withUnsafeBytes { raw in
                let source = raw.baseAddress! + entry.offset
                memcpy(target, source, count * MemoryLayout<Double>.stride)
            }
        }

        func array(_ name: String, path: String) throws -> [Double] {
            guard let entry = offsets[name] else {
                throw TwoTimeError.unreadableCheckpoint(path: path, reason: "array \(name) is missing")
            }
            var result = [Double](repeating: 0, count: entry.count)
            try result.withUnsafeMutableBufferPointer { try copy(name, into: $0.baseAddress!, count: entry.count, path: path) }
            return result
        }
    }

    /// Reads and checks a checkpoint of `kind`.
    static func read(path: String, kind: String) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "it does not exist or cannot be opened")
        }
        if data.count >= 8, Array(data.prefix(8)) == previousMagic {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "format 1 (no checksum), expected \(version); start afresh")
        }
        guard data.count >= 16, Array(data.prefix(8)) == magic else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "not a SpectralDMFT two-time checkpoint")
        }
        var length: UInt64 = 0
        withUnsafeMutableBytes(of: &length) { $0.copyBytes(from: data[8..<16]) }
        let rawLength = UInt64(littleEndian: length)
        guard rawLength > 0, rawLength <= UInt64(data.count) else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "the header is truncated")
        }
        let headerLength = Int(rawLength)
        guard 16 + headerLength <= data.count else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "the header is truncated")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data[16..<(16 + headerLength)]) } catch {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (the header is not valid JSON)")
        }
        guard header.version == version else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "format version \(header.version), expected \(version)")
        }
        guard header.kind == kind else {
            throw TwoTimeError.checkpointMismatch(path: path, reason: "it holds a \(header.kind) run, not \(kind)")
        }
        var offsets: [String: (offset: Int, count: Int)] = [:]
        var offset = 16 + headerLength
        for entry in header.arrays {
            let bytes = entry.count.multipliedReportingOverflow(by: MemoryLayout<Double>.stride)
            guard entry.count >= 0, !bytes.overflow, offset <= data.count else {
                throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted (impossible array length \(entry.count))")
            }
            offsets[entry.name] = (offset, entry.count)
            offset += bytes.partialValue
        }
        let expected = offset + checksumLength
        guard expected <= data.count else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "the file is truncated (\(data.count) of \(expected) bytes)")
        }
        guard expected == data.count else {
            throw TwoTimeError.unreadableCheckpoint(
                path: path, reason: "corrupted: unexpected size (\(data.count) bytes, the header implies \(expected))")
        }
        var checksum = CRC32C()
        var stored: UInt32 = 0
        data.withUnsafeBytes { raw in
            checksum.update(UnsafeRawBufferPointer(rebasing: raw[0..<offset]))
            withUnsafeMutableBytes(of: &stored) { $0.copyBytes(from: raw[offset..<expected]) }
        }
        guard UInt32(littleEndian: stored) == checksum.value else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "corrupted: checksum mismatch (CRC-32C)")
        }
        return Contents(header: header, data: data, offsets: offsets)
    }
}
