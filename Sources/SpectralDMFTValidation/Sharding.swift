import Foundation
import SpectralDMFT

/// `--shard I/N`: the I-th of N deterministic parts of a sweep (issue 15).
///
/// Point `k` (0-based, in the order a single run writes its rows) belongs to shard `k mod N + 1`: the points are
/// dealt out in turn, so that the expensive ones (near a transition, at small drive) are spread over the shards.
/// Every sweep command selects its points with `indices(of:)` and `dmft merge` puts the rows back with the same
/// rule, so this type is the one place where the split is defined.
package struct Shard: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based index I of this shard.
    package let index: Int
    /// Number of shards N.
    package let count: Int

    /// The largest N accepted.
    package static let maximumCount = 100_000

    /// The whole sweep, 1/1.
    package static let whole = Shard(uncheckedIndex: 1, count: 1)

    private init(uncheckedIndex index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// The shard `I/N` with 1 ≤ I ≤ N ≤ `maximumCount`; throws a one-line `ShardError` otherwise.
    package init(index: Int, count: Int) throws {
        guard (1...Self.maximumCount).contains(count), (1...count).contains(index) else {
            throw ShardError("invalid shard \(index)/\(count): give I/N with 1 <= I <= N <= \(Self.maximumCount)")
        }
        self.init(uncheckedIndex: index, count: count)
    }

    /// Parses `I/N` (e.g. `2/4`).
    package init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw ShardError("invalid shard '\(text)': give I/N, e.g. 2/4 (the second of four shards)")
        }
        try self.init(index: index, count: count)
    }

    /// `I/N`.
    package var description: String { "\(index)/\(count)" }

    /// The indices of the points of a sweep of `total` points that this shard computes, in increasing order:
    /// `I − 1, I − 1 + N, I − 1 + 2N, …`.
    package func indices(of total: Int) -> [Int] {
        Array(stride(from: index - 1, to: max(total, 0), by: count))
    }

    /// The elements of `points` this shard computes, in order.
    package func select<Element>(_ points: [Element]) -> [Element] {
        indices(of: points.count).map { points[$0] }
    }
}

/// A one-line error of sharding or merging (printed as `Error: …`).
package struct ShardError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// What a sharded run adds to its run record under the key `shard`: which shard it is and, for every CSV file it
/// wrote, the number of rows the whole sweep has (so that `dmft merge` can check it has every row).
package struct ShardRecord: Codable, Sendable, Equatable {
    /// One CSV file of a sharded run.
    package struct Output: Codable, Sendable, Equatable {
        /// The file the shard wrote.
        package let path: String
        /// How the file's name follows from the main output (`""` for the main output itself, `-transition.csv`
        /// for FILE-transition.csv): the merged file is named the same way from the merged main output.
        package let suffix: String
        /// Data rows of this file in the whole sweep (all shards together).
        package let rows: Int

        package init(path: String, suffix: String, rows: Int) {
            self.path = path
            self.suffix = suffix
            self.rows = rows
        }
    }

    package let index: Int
    package let count: Int
    package let outputs: [Output]

    /// The record of `shard`, or nil for an unsharded run (whose record then carries no `shard` key).
    package init?(_ shard: Shard?, outputs: [Output]) {
        guard let shard else { return nil }
        index = shard.index
        count = shard.count
        self.outputs = outputs
    }
}

/// A JSON value that re-encodes to the same text as the `JSONRecord` encoder wrote it (integers stay integers,
/// doubles print in their shortest round-trip form): used to merge run records without knowing their type.
package enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    package init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    package func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The number this value holds (an integer or a double), nil otherwise.
    package var numberValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    /// This value with every string equal to a key of `paths` replaced by its value.
    package func replacingStrings(_ paths: [String: String]) -> JSONValue {
        switch self {
        case .string(let value): return .string(paths[value] ?? value)
        case .array(let values): return .array(values.map { $0.replacingStrings(paths) })
        case .object(let values): return .object(values.mapValues { $0.replacingStrings(paths) })
        default: return self
        }
    }
}

/// `dmft merge`: the files a single run of a sweep writes, put together from the outputs of its shards.
///
/// Each shard is given by its main CSV file; its run record FILE.run.json beside it says which shard it is, which
/// CSV files it wrote and how many rows the whole sweep has. The merge refuses (one line, nothing written) a shard
/// given twice, a missing shard, shards of different sweeps (their records differ in any parameter), a file with
/// the wrong number of rows or a different header. The merged CSV files are the single run's files byte for byte
/// (row `k` of the sweep is row `k / N` of shard `k mod N + 1`). The merged record is the single run's record
/// without `shard`, with the merged file names, `failures` summed over the shards and `seconds` the sum of the
/// shards' times (the compute time, not a wall time); `workers` is the first shard's.
package enum ShardMerge {
    /// Keys of a run record that may differ between the shards of one sweep.
    package static let perShardKeys: Set<String> = ["shard", "seconds", "failures", "workers"]

    /// The merged files: path → contents, the run record last.
    package struct Result: Sendable {
        package let files: [(path: String, text: String)]
        package let shards: Int
        package let rows: Int
    }

    /// Reads the shards whose main CSV files are `inputs` and returns the merged files, the main one at `output`.
    package static func merge(inputs: [String], output: String) throws -> Result {
        guard !inputs.isEmpty else { throw ShardError("give the shards' CSV files to merge") }
        struct Loaded { let path: String; let record: [String: JSONValue]; let shard: ShardRecord }
        var loaded: [Loaded] = []
        for input in inputs {
            let recordPath = runRecordPath(of: input)
            guard let data = FileManager.default.contents(atPath: recordPath) else {
                throw ShardError("cannot read \(recordPath), the run record of shard file \(input)")
            }
            guard case .object(let record)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                throw ShardError("\(recordPath) is not a run record (not a JSON object)")
            }
            guard let shardValue = record["shard"],
                  let shard = try? JSONDecoder().decode(ShardRecord.self, from: JSONEncoder().encode(shardValue)) else {
                throw ShardError("\(input) is not the output of a sharded run (its record \(recordPath) has no shard)")
            }
            loaded.append(Loaded(path: input, record: record, shard: shard))
        }
        let count = loaded[0].shard.count
        if let other = loaded.first(where: { $0.shard.count != count }) {
            throw ShardError("shards of different splits: \(loaded[0].path) is one of \(count), \(other.path) one of \(other.shard.count)")
        }
        var byIndex: [Int: Loaded] = [:]
        for item in loaded {
            if let first = byIndex[item.shard.index] {
                throw ShardError("shard \(item.shard.index)/\(count) given twice: \(first.path) and \(item.path)")
            }
            byIndex[item.shard.index] = item
        }
        let missing = (1...count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            let list = missing.prefix(10).map { "\($0)/\(count)" }.joined(separator: ", ")
            throw ShardError("missing shard\(missing.count == 1 ? "" : "s") \(list)\(missing.count > 10 ? ", …" : "") (\(missing.count) of \(count))")
        }
        let shards = (1...count).map { byIndex[$0]! }

        // Every shard describes the same outputs (by suffix and total rows) and, but for its own file names and
        // the per-shard keys, the same record.
        let layout = shards[0].shard.outputs.map { "\($0.suffix):\($0.rows)" }
        guard !layout.isEmpty, shards[0].shard.outputs[0].suffix.isEmpty else {
            throw ShardError("the run record of \(shards[0].path) lists no main output")
        }
        let outputs = shards[0].shard.outputs.map { $0.suffix.isEmpty ? output : siblingPath(of: output, suffix: $0.suffix) }
        func normalised(_ item: Loaded) -> [String: JSONValue] {
            var renames: [String: String] = [:]
            for (file, merged) in zip(item.shard.outputs, outputs) { renames[file.path] = merged }
            var record = item.record.filter { !perShardKeys.contains($0.key) }
            record = record.mapValues { $0.replacingStrings(renames) }
            return record
        }
        let reference = normalised(shards[0])
        for item in shards.dropFirst() {
            let layoutHere = item.shard.outputs.map { "\($0.suffix):\($0.rows)" }
            let record = normalised(item)
            guard layoutHere == layout, record == reference else {
                let keys = Set(record.keys).union(reference.keys).filter { record[$0] != reference[$0] }.sorted()
                let what = layoutHere != layout ? "outputs" : keys.joined(separator: ", ")
                throw ShardError("shards of different sweeps: \(shards[0].path) and \(item.path) differ in \(what)")
            }
        }
        guard Set(outputs.map { canonical($0) }).count == outputs.count,
              !outputs.contains(where: { canonical($0) == canonical(runRecordPath(of: output)) }) else {
            throw ShardError("the merged files would overwrite one another: choose another --output")
        }
        let inputsUsed = Set(shards.flatMap { $0.shard.outputs.map { canonical($0.path) } + [canonical(runRecordPath(of: $0.path))] })
        if let clash = (outputs + [runRecordPath(of: output)]).first(where: { inputsUsed.contains(canonical($0)) }) {
            throw ShardError("the merged file \(clash) would overwrite a shard's file: choose another --output")
        }

        var files: [(path: String, text: String)] = []
        var totalRows = 0
        for (position, target) in outputs.enumerated() {
            var header: String?
            var parts: [[Substring]] = []
            for item in shards {
                let file = item.shard.outputs[position]
                guard let data = FileManager.default.contents(atPath: file.path) else {
                    throw ShardError("cannot read \(file.path) (shard \(item.shard.index)/\(count))")
                }
                let text = String(decoding: data, as: UTF8.self)
                var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                guard lines.last == "", lines.count >= 2 else { throw ShardError("\(file.path) is not a complete CSV file") }
                lines.removeLast()
                let head = String(lines.removeFirst())
                if let header, header != head {
                    throw ShardError("shards of different sweeps: \(file.path) has the columns \(head), not \(header)")
                }
                header = head
                let expected = Shard.rowCount(shard: item.shard.index, of: count, total: file.rows)
                guard lines.count == expected else {
                    throw ShardError("\(file.path) has \(lines.count) rows, shard \(item.shard.index)/\(count) of \(file.rows) needs \(expected)")
                }
                parts.append(Array(lines))
            }
            let rows = shards[0].shard.outputs[position].rows
            var text = header! + "\n"
            for k in 0..<rows { text += parts[k % count][k / count] + "\n" }
            files.append((target, text))
            totalRows += rows
        }

        var record = reference
        let failures = shards.reduce(0.0) { $0 + ($1.record["failures"]?.numberValue ?? 0) }
        if shards[0].record["failures"] != nil { record["failures"] = .integer(Int(failures)) }
        if shards[0].record["seconds"] != nil {
            record["seconds"] = .number(shards.reduce(0.0) { $0 + ($1.record["seconds"]?.numberValue ?? 0) })
        }
        if let workers = shards[0].record["workers"] { record["workers"] = workers }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let recordText = String(decoding: try encoder.encode(JSONValue.object(record)), as: UTF8.self) + "\n"
        files.append((runRecordPath(of: output), recordText))
        return Result(files: files, shards: count, rows: totalRows)
    }

    /// FILE.run.json beside FILE.csv (as every sweep command names its record).
    package static func runRecordPath(of path: String) -> String { siblingPath(of: path, suffix: ".run.json") }

    /// `path` with its extension replaced by `suffix`: `a/scan.csv` → `a/scan-transition.csv`.
    package static func siblingPath(of path: String, suffix: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + suffix).path
    }

    private static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

extension Shard {
    /// Rows of shard `index` of `count` in a sweep of `total` points.
    package static func rowCount(shard index: Int, of count: Int, total: Int) -> Int {
        total >= index ? (total - index) / count + 1 : 0
    }
}
