import Foundation

/// The checkpoint file of a two-time run: everything needed to continue bit-identically.
///
/// Layout (little-endian): the 8 bytes `SDMFT2T1`, a UInt64 n, n bytes of JSON header (`Header`: kind, format
/// version, the run's parameters as JSON, completed row, and the names and lengths of the arrays), then the raw
/// IEEE-754 doubles of each array in header order. The file is replaced atomically (written to a temporary file
/// in the same folder, then renamed), so a run killed while writing leaves the previous checkpoint intact.
enum TwoTimeCheckpoint {
    static let magic = Array("SDMFT2T1".utf8)
    static let version = 1

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
            var prefix = Data(magic)
            var length = UInt64(headerData.count).littleEndian
            withUnsafeBytes(of: &length) { prefix.append(contentsOf: $0) }
            prefix.append(headerData)
            try handle.write(contentsOf: prefix)
            let chunk = 1 << 20  // doubles per write
            for block in blocks {
                var offset = 0
                while offset < block.count {
                    let count = min(chunk, block.count - offset)
                    let data = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: block.pointer + offset),
                                    count: count * MemoryLayout<Double>.stride, deallocator: .none)
                    try handle.write(contentsOf: data)
                    offset += count
                }
            }
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
        guard data.count >= 16, Array(data.prefix(8)) == magic else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "not a SpectralDMFT two-time checkpoint")
        }
        var length: UInt64 = 0
        withUnsafeMutableBytes(of: &length) { $0.copyBytes(from: data[8..<16]) }
        let headerLength = Int(UInt64(littleEndian: length))
        guard headerLength > 0, 16 + headerLength <= data.count else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "the header is truncated")
        }
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: data[16..<(16 + headerLength)]) } catch {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "the header is not valid JSON")
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
            offsets[entry.name] = (offset, entry.count)
            offset += entry.count * MemoryLayout<Double>.stride
        }
        guard offset == data.count else {
            throw TwoTimeError.unreadableCheckpoint(path: path, reason: "the file is truncated (\(data.count) of \(offset) bytes)")
        }
        return Contents(header: header, data: data, offsets: offsets)
    }
}
