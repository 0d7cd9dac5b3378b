import Foundation

/// Writes files atomically: the data go to a temporary file in the same folder, which is then renamed over the
/// target, so an interrupted run never leaves a half-written file in place of a good one.
package enum AtomicFile {
    /// Errors writing output.
    package enum WriteError: Error, CustomStringConvertible {
        case missingFolder(String)
        case isDirectory(String)
        case failed(String, String)

        package var description: String {
            switch self {
            case .missingFolder(let path): return "cannot write \(path): its folder does not exist"
            case .isDirectory(let path): return "cannot write \(path): it is a directory"
            case .failed(let path, let reason): return "cannot write \(path): \(reason)"
            }
        }
    }

    /// Checks, without writing anything, that `path` can be written: its folder exists and it is not a directory.
    package static func checkWritable(_ path: String) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw WriteError.isDirectory(path)
        }
        let folder = url.deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw WriteError.missingFolder(path)
        }
    }

    /// Writes a file atomically by streaming: `body` writes into a temporary file in the same folder, which is
    /// then renamed over `path` (used for large binary files such as checkpoints, without a copy in memory).
    package static func write(to path: String, using body: (FileHandle) throws -> Void) throws {
        try checkWritable(path)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw WriteError.failed(path, "cannot create \(temporary.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try body(handle)
                try handle.synchronize()
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                throw WriteError.failed(path, reason)
            }
        } catch let error as WriteError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError.failed(path, error.localizedDescription)
        }
    }

    /// Writes `text` to `path` atomically (temporary file in the same folder, then rename).
    package static func write(_ text: String, to path: String) throws {
        try checkWritable(path)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        do {
            try Data(text.utf8).write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw WriteError.failed(path, reason)
            }
        } catch let error as WriteError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw WriteError.failed(path, error.localizedDescription)
        }
    }
}

/// A table of numbers written as CSV with a header row (values in shortest round-trip decimal form).
package struct CSVTable: Sendable {
    /// Column names, in order.
    package let columns: [String]
    /// Rows; each has one value per column.
    package private(set) var rows: [[String]] = []

    /// An empty table with these columns.
    package init(columns: [String]) { self.columns = columns }

    /// Appends a row of numbers (NaN is written as `nan`).
    package mutating func append(_ values: [Double]) {
        precondition(values.count == columns.count)
        rows.append(values.map { $0.isNaN ? "nan" : "\($0)" })
    }

    /// Appends a row of already formatted fields.
    package mutating func append(fields: [String]) {
        precondition(fields.count == columns.count)
        rows.append(fields)
    }

    /// The CSV text.
    package var text: String {
        var result = columns.joined(separator: ",") + "\n"
        result.reserveCapacity(rows.count * columns.count * 20)
        for row in rows { result += row.joined(separator: ",") + "\n" }
        return result
    }

    /// Writes the table atomically to `path`.
    package func write(to path: String) throws { try AtomicFile.write(text, to: path) }
}

/// JSON encoding used for records and `--json` output: sorted keys, snake_case, NaN as the string "nan".
package enum JSONRecord {
    /// Encodes `value` as one JSON object. With `snakeCase` false the coding keys are written exactly as declared
    /// (for contract keys such as `T` and `Td`).
    package static func encode<Value: Encodable>(_ value: Value, pretty: Bool = false, snakeCase: Bool = true) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        if snakeCase { encoder.keyEncodingStrategy = .convertToSnakeCase }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
