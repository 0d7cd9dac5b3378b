import Foundation
import SpectralDMFTValidation
import Testing

/// `--shard I/N` on the sweep commands and `dmft merge` (issue 15): the merged files are the single run's files
/// byte for byte, and a missing, duplicated or mismatched shard is refused with one `Error:` line.
@Suite struct ShardMergeTests {
    /// Runs `dmft arguments` in `folder` and expects success.
    private func run(_ arguments: [String], in folder: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try runTool(arguments, in: folder, timeout: 300, sourceLocation: sourceLocation)
        #expect(result.status == 0, "dmft \(arguments.joined(separator: " ")): \(result.error)", sourceLocation: sourceLocation)
    }

    private func contents(_ folder: URL, _ name: String) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent(name))
    }

    /// The run record as a JSON object without the keys that differ between any two runs (wall times).
    private func record(_ folder: URL, _ name: String, dropping keys: Set<String> = ["seconds"]) throws -> [String: JSONValue] {
        guard case .object(let value) = try JSONDecoder().decode(JSONValue.self, from: contents(folder, name)) else {
            Issue.record("\(name) is not a JSON object")
            return [:]
        }
        return value.filter { !keys.contains($0.key) }
    }

    /// Runs a sweep whole and as `shards` shards (in the order `order`), merges, and compares byte for byte.
    private func checkMerge(_ sweep: [String], shards: Int, order: [Int], files: [String] = [""],
                            singleExtra: [String] = [], shardExtra: [String] = [],
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let folder = try scratchFolder("shards")
        defer { try? FileManager.default.removeItem(at: folder) }
        try run(sweep + singleExtra + ["--output", "single.csv"], in: folder, sourceLocation: sourceLocation)
        for index in 1...shards {
            try run(sweep + shardExtra + ["--shard", "\(index)/\(shards)", "--output", "part\(index).csv"], in: folder,
                    sourceLocation: sourceLocation)
        }
        try run(["merge"] + order.map { "part\($0).csv" } + ["--output", "merged.csv"], in: folder, sourceLocation: sourceLocation)
        for suffix in files {
            let single = try contents(folder, "single\(suffix).csv"), merged = try contents(folder, "merged\(suffix).csv")
            #expect(single == merged, "single\(suffix).csv and merged\(suffix).csv differ", sourceLocation: sourceLocation)
            #expect(single.count > 40, sourceLocation: sourceLocation)
        }
        // The record: the single run's, file names aside (the merged ones), timing aside.
        var single = try record(folder, "single.run.json", dropping: ["seconds", "workers"])
        let merged = try record(folder, "merged.run.json", dropping: ["seconds", "workers"])
        let renames = Dictionary(uniqueKeysWithValues: files.map {
            (folder.appendingPathComponent("single\($0).csv").path, folder.appendingPathComponent("merged\($0).csv").path)
        })
        single = single.mapValues { $0.replacingStrings(renames) }
        #expect(single == merged, "records differ:\n\(single)\n\(merged)", sourceLocation: sourceLocation)
        #expect(merged["shard"] == nil, sourceLocation: sourceLocation)
    }

    @Test func shardsPartitionTheSweep() throws {
        for count in 1...7 {
            for total in 0...20 {
                let parts = try (1...count).map { try Shard(index: $0, count: count).indices(of: total) }
                #expect(parts.flatMap { $0 }.sorted() == Array(0..<total))
                for (position, part) in parts.enumerated() {
                    #expect(part.count == Shard.rowCount(shard: position + 1, of: count, total: total))
                }
            }
        }
        #expect(try Shard(parsing: "2/4") == Shard(index: 2, count: 4))
        for bad in ["0/4", "5/4", "2", "a/b", "2/0", "-1/3", "1/4/5"] {
            #expect(throws: ShardError.self) { try Shard(parsing: bad) }
        }
    }

    @Test func networkScanShardsMergeToTheSingleRun() throws {
        // Whole run on two workers, shards on one each: the numbers do not depend on the split.
        try checkMerge(["network", "scan", "--g-min", "0.5", "--g-max", "3", "--steps", "9"], shards: 3, order: [2, 3, 1],
                       singleExtra: ["--workers", "2"], shardExtra: ["--workers", "1"])
    }

    @Test func phaseDiagramShardsMergeToTheSingleRun() throws {
        try checkMerge(["network", "phase-diagram", "--g-min", "0.5", "--g-max", "2.5", "--g-steps", "4",
                        "--sigma-max", "0.05", "--sigma-steps", "2"], shards: 3, order: [1, 2, 3], files: ["", "-transition"])
    }

    @Test func pspinScanShardsMergeToTheSingleRun() throws {
        try checkMerge(["pspin", "scan", "--p", "3", "--T-min", "0.7", "--T-max", "1.2", "--steps", "5"], shards: 2,
                       order: [2, 1])
    }

    /// The drive scan continues from point to point along a lane: shard I/N is lane I − 1 of N, so the merged file
    /// equals a single run with --workers N, except its `seconds` column (each solve's wall time).
    @Test func driveScanShardsAreTheLanesOfASingleRun() throws {
        let folder = try scratchFolder("drive-shards")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sweep = ["pspin", "drive-scan", "--p", "3", "--T", "0.8", "--epsilon-min", "0.2", "--epsilon-max", "1", "--steps", "5"]
        try run(sweep + ["--workers", "2", "--output", "single.csv"], in: folder)
        try run(sweep + ["--shard", "2/2", "--output", "b.csv"], in: folder)
        try run(sweep + ["--shard", "1/2", "--output", "a.csv"], in: folder)
        try run(["merge", "b.csv", "a.csv", "--output", "merged.csv"], in: folder)
        func withoutSeconds(_ name: String) throws -> [String] {
            String(decoding: try contents(folder, name), as: UTF8.self).split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
            }
        }
        let single = try withoutSeconds("single.csv")
        #expect(single.count == 6)
        #expect(single[0].hasSuffix(",residual"))
        #expect(try withoutSeconds("merged.csv") == single)
        #expect(try record(folder, "merged.run.json") == record(folder, "single.run.json"))
    }

    /// Refusals: one `Error:` line, exit status 1, no merged file.
    @Test func mergeRefusesMissingDuplicatedAndMismatchedShards() throws {
        let folder = try scratchFolder("shard-refusals")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sweep = ["pspin", "scan", "--p", "3", "--T-min", "0.7", "--T-max", "1.2", "--steps", "5"]
        for index in 1...3 { try run(sweep + ["--shard", "\(index)/3", "--output", "p\(index).csv"], in: folder) }
        try run(["pspin", "scan", "--p", "3", "--T-min", "0.7", "--T-max", "1.3", "--steps", "5", "--shard", "3/3",
                 "--output", "other3.csv"], in: folder)
        try run(sweep + ["--shard", "2/2", "--output", "half2.csv"], in: folder)
        try run(sweep + ["--output", "whole.csv"], in: folder)
        let cases: [([String], String)] = [
            (["p1.csv", "p2.csv"], "missing shard 3/3"),
            (["p1.csv", "p2.csv", "p2.csv", "p3.csv"], "shard 2/3 given twice"),
            (["p1.csv", "p2.csv", "other3.csv"], "shards of different sweeps"),
            (["p1.csv", "half2.csv", "p3.csv"], "shards of different splits"),
            (["whole.csv"], "is not the output of a sharded run"),
            (["p1.csv", "p2.csv", "absent.csv"], "cannot read"),
        ]
        for (inputs, message) in cases {
            let result = try runTool(["merge"] + inputs + ["--output", "merged.csv"], in: folder, timeout: quickToolTimeout)
            #expect(result.status == 1)
            #expect(result.output.isEmpty)
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(message), "\(inputs): \(result.error)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("merged.csv").path))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("merged.run.json").path))
        }
        // A shard whose CSV lost a row.
        let truncated = folder.appendingPathComponent("p2.csv")
        let text = String(decoding: try Data(contentsOf: truncated), as: UTF8.self)
        try (text.split(separator: "\n").dropLast().joined(separator: "\n") + "\n").write(to: truncated, atomically: true, encoding: .utf8)
        let result = try runTool(["merge", "p1.csv", "p2.csv", "p3.csv", "--output", "merged.csv"], in: folder, timeout: quickToolTimeout)
        #expect(result.status == 1 && result.error.hasPrefix("Error: ") && result.error.contains("rows"), "\(result.error)")
        // A bad --shard value is one line too.
        let bad = try runTool(sweep + ["--shard", "4/3", "--output", "x.csv"], in: folder, timeout: quickToolTimeout)
        #expect(bad.status == 1 && bad.error.hasPrefix("Error: ") && bad.error.split(separator: "\n").count == 1, "\(bad.error)")
    }
}
