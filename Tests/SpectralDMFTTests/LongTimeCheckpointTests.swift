import Foundation
import Testing
@testable import SpectralDMFT

/// Checkpoint/resume of the long-time engine: a run stopped after a checkpoint and resumed from it gives outputs
/// identical (==) to a run never interrupted; a checkpoint of another run is refused and left untouched.
@Suite struct LongTimeCheckpointTests {
    static func solver(T: Double = 0.4, start: Double? = nil, M: Int = 32, tMax: Double = 20) throws -> LongTimeQuenchSolver {
        let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: .pure(3), temperature: T, initialTemperature: start),
                                              options: LongTimeOptions(blockSize: M, maximumTime: tMax, waitingTimes: [0.5, 2]))
        solver.flagTolerance = 0.1
        return solver
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("longtime-\(UUID().uuidString).ckpt").path
    }

    static func expectIdentical(_ a: LongTimeQuenchSolution, _ b: LongTimeQuenchSolution) {
        #expect(a.samples == b.samples)
        #expect(a.overlaps == b.overlaps)
        #expect(a.waitingCuts == b.waitingCuts)
        #expect(a.flags == b.flags)
        #expect(a.report == b.report)
        #expect(a.doublings == b.doublings)
        #expect(a.lastRow.correlation == b.lastRow.correlation && a.lastRow.susceptibility == b.lastRow.susceptibility)
    }

    @Test(arguments: [(nil, 7), (nil, 16), (0.9, 23)] as [(Double?, Int)])
    func resumedRunIsIdenticalToAnUninterruptedOne(start: Double?, rows: Int) throws {
        let T = start == nil ? 0.4 : 0.8
        let reference = try Self.solver(T: T, start: start).solve()
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Stop after the third checkpoint (mid-run, in a later block), then resume in a fresh solver.
        let first = try Self.solver(T: T, start: start)
        first.checkpointPolicy = LongTimeCheckpointPolicy(path: path, everyRows: rows, everySeconds: nil, context: "test",
                                                          attachments: ["extra": [1, 2, 3]])
        first.stopsAfterCheckpoints = 3
        #expect(throws: LongTimeRunInterrupted.self) { _ = try first.solve() }
        let checkpoint = try LongTimeCheckpoint(path: path)
        #expect(checkpoint.context == "test" && checkpoint.attachment("extra") == [1, 2, 3])
        #expect(checkpoint.completedRows == 17 + 3 * rows)  // the first half block (M/2 + 1 rows) and 3·rows rows
        let second = try Self.solver(T: T, start: start)
        second.checkpointPolicy = LongTimeCheckpointPolicy(path: path, everyRows: rows, everySeconds: nil, context: "test")
        let resumed = try second.solve(resumingFrom: checkpoint)
        Self.expectIdentical(reference, resumed)
        #expect(reference.samples.count > checkpoint.completedRows + 20)
    }

    @Test func checkpointOfAnotherRunIsRefusedAndKept() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try Self.solver()
        first.checkpointPolicy = LongTimeCheckpointPolicy(path: path, everyRows: 10, everySeconds: nil)
        first.stopsAfterCheckpoints = 1
        #expect(throws: LongTimeRunInterrupted.self) { _ = try first.solve() }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // M = 32: C and χ blocks (2·33² doubles) + the rest; bounded by the memory of the run, not by t.
        #expect(bytes.count > 2 * 33 * 33 * 8 && bytes.count < 2 * 33 * 33 * 8 + 8192)
        let checkpoint = try LongTimeCheckpoint(path: path)
        for other in [try Self.solver(T: 0.5), try Self.solver(M: 64), try Self.solver(tMax: 30), try Self.solver(T: 0.4, start: 0.7)] {
            other.checkpointPolicy = LongTimeCheckpointPolicy(path: path, everyRows: 1, everySeconds: nil)
            #expect(throws: TwoTimeError.self) { _ = try other.solve(resumingFrom: checkpoint) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        // A damaged file is refused with its reason.
        var damaged = bytes
        damaged[damaged.count / 2] ^= 0xFF
        try damaged.write(to: URL(fileURLWithPath: path))
        #expect(throws: TwoTimeError.self) { _ = try LongTimeCheckpoint(path: path) }
    }

    @Test func checkpointOfTheEarlierQuadratureRuleIsRefused() throws {
        // A checkpoint written before the χ-linear rule has no "quadrature" field; its parameters decode with nil and
        // differ from this solver's, so it is refused (its continuation would match neither version's uninterrupted run).
        let solver = try Self.solver()
        var earlier = solver.checkpointParameters
        #expect(earlier.quadrature == "chi-linear")
        earlier.quadrature = nil
        let header = try JSONEncoder().encode(earlier)
        #expect(!String(decoding: header, as: UTF8.self).contains("quadrature"))
        let decoded = try JSONDecoder().decode(LongTimeCheckpointParameters.self, from: header)
        let difference = try #require(solver.checkpointParameters.difference(from: decoded))
        #expect(difference.contains("quadrature rule") && difference.contains("earlier version"))
    }
}

/// `dmft pspin age --checkpoint/--resume`: resuming the checkpoint a finished run left (written in the 2M run of
/// --error-bar, so the finished M run comes from the file) reproduces every output file byte for byte; a
/// checkpoint of other parameters is refused with one line, writing nothing; an equilibrium start is recorded.
@Test func pspinAgeResumesFromItsCheckpointWithIdenticalOutputs() throws {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-agecp-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: base) }
    let checkpoint = base.appendingPathComponent("age.ckpt").path
    let arguments = ["pspin", "age", "--p", "3", "--T", "0.8", "--initial-temperature", "0.9", "--t-max", "8",
                     "--block-size", "16", "--waiting-times", "0.5,2", "--error-bar", "--flag-tolerance", "0.1"]
    let first = try runTool(arguments + ["--checkpoint", checkpoint, "--checkpoint-rows", "40",
                                         "--output", base.appendingPathComponent("a").path])
    #expect(first.status == 0, "\(first.error)")
    let stored = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
    let state = try LongTimeCheckpoint(path: checkpoint)
    #expect(state.attachment("stage") == [1])  // the last checkpoint was written during the 2M run
    let second = try runTool(arguments + ["--resume", checkpoint, "--output", base.appendingPathComponent("b").path])
    #expect(second.status == 0, "\(second.error)")
    for name in ["energy.csv", "correlation.csv", "fdt.csv", "fd_ratio.csv"] {
        let a = try Data(contentsOf: base.appendingPathComponent("a").appendingPathComponent(name))
        let b = try Data(contentsOf: base.appendingPathComponent("b").appendingPathComponent(name))
        #expect(a == b, "\(name)")
    }
    let record = try JSONSerialization.jsonObject(
        with: Data(contentsOf: base.appendingPathComponent("b").appendingPathComponent("run.json"))) as! [String: Any]
    #expect(record["initial_temperature"] as? Double == 0.9)
    #expect(record["resumed_at_row"] as? Int == state.completedRows)
    // Other parameters: one Error: line, exit 1, no output folder, the checkpoint untouched.
    var other = arguments
    other[5] = "0.7"
    let refused = try runTool(other + ["--checkpoint", checkpoint, "--resume", checkpoint, "--output", base.appendingPathComponent("c").path])
    #expect(refused.status == 1)
    #expect(refused.error.hasPrefix("Error: checkpoint") && refused.error.contains("T = 0.7 here, 0.8 in the checkpoint"))
    #expect(refused.error.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: base.appendingPathComponent("c").path))
    #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == stored)
    // An equilibrium start at or below T_d is refused.
    let cold = try runTool(["pspin", "age", "--p", "3", "--T", "0.5", "--start-T", "0.6", "--t-max", "1",
                            "--output", base.appendingPathComponent("d").path])
    #expect(cold.status == 1 && cold.error.contains("T_d"))
}
