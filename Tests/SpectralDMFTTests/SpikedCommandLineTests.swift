import Foundation
import Testing
@testable import SpectralDMFT

private func spikedFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-spiked-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Test func spikedQuenchWritesMAndTheTwoTimeFiles() throws {
    let folder = try spikedFolder("quench").appendingPathComponent("run")
    let result = try runTool(["spiked", "quench", "--p", "3", "--delta2", "0.4", "--delta-p", "1", "--T", "0", "--m0", "0.2",
                              "--t-max", "2", "--dt", "0.05", "--output", folder.path])
    #expect(result.status == 0, "\(result.error)")
    let energy = try String(contentsOfFile: folder.appendingPathComponent("energy.csv").path, encoding: .utf8).split(separator: "\n")
    #expect(energy.first == "t,energy,mu,m")
    #expect(energy.count == 42)
    for name in ["correlation.csv", "fdt.csv"] { #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path)) }
    // The file holds the library's numbers.
    let model = try SpikedMatrixTensor(p: 3, matrixNoise: 0.4, tensorNoise: 1)
    let run = try SpikedQuench(model: model, temperature: 0, initialOverlap: 0.2).integrate(options: TwoTimeOptions(step: 0.05, maximumTime: 2))
    let last = energy.last!.split(separator: ",").map { Double($0)! }
    #expect(abs(last[3] - run.finalOverlap) < 1e-14 && abs(last[1] - run.twoTime.energy(row: run.twoTime.lastRow)) < 1e-14)
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(record["gradient_flow_threshold"] as? Double == 0.5)
    #expect(record["m0"] as? Double == 0.2)
}

@Test func spikedCommandsRefuseBadInputWithOneLineAndWriteNothing() throws {
    let folder = try spikedFolder("bad")
    let quenchOutput = folder.appendingPathComponent("run").path
    let scanOutput = folder.appendingPathComponent("scan.csv").path
    let cases: [[String]] = [
        ["spiked", "quench", "--delta2", "0", "--delta-p", "1", "--t-max", "2", "--output", quenchOutput],
        ["spiked", "quench", "--delta2", "0.4", "--delta-p", "-1", "--t-max", "2", "--output", quenchOutput],
        ["spiked", "quench", "--delta2", "0.4", "--delta-p", "1", "--m0", "2", "--t-max", "2", "--output", quenchOutput],
        ["spiked", "quench", "--p", "2", "--delta2", "0.4", "--delta-p", "1", "--t-max", "2", "--output", quenchOutput],
        ["spiked", "threshold", "--delta-p", "1", "--delta2-range", "0.5:0.3:4", "--t-max", "2", "--output", scanOutput],
        ["spiked", "threshold", "--delta-p", "1", "--delta2-range", "0.3,x", "--t-max", "2", "--output", scanOutput],
    ]
    for arguments in cases {
        let result = try runQuickTool(arguments)
        #expect(result.status == 1, "\(arguments)")
        #expect(result.error.hasPrefix("Error: ") && result.error.split(separator: "\n").count == 1, "\(result.error)")
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
}

@Test func spikedThresholdScanWritesTheTable() throws {
    let output = try spikedFolder("scan").appendingPathComponent("scan.csv")
    let result = try runTool(["spiked", "threshold", "--p", "3", "--delta-p", "inf", "--T", "0", "--m0", "0.2",
                              "--delta2-range", "0.25:2:2", "--t-max", "6", "--dt", "0.05", "--output", output.path])
    #expect(result.status == 0, "\(result.error)")
    let lines = try String(contentsOfFile: output.path, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "delta2,t_rec,m_final,E_final,t_end")
    // Δ₂ = 0.25 < 1 recovers (m settles at √(1 − Δ₂) by t ≈ 5), Δ₂ = 2 does not.
    let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    #expect(rows.count == 2 && !rows[0][1].isNaN && rows[1][1].isNaN)
    #expect(FileManager.default.fileExists(atPath: String(output.path.dropLast(4)) + ".run.json"))
}

@Test func spikedLongTimeEngineWritesTheLibraryNumbers() throws {
    let folder = try spikedFolder("long").appendingPathComponent("run")
    let result = try runTool(["spiked", "quench", "--p", "3", "--delta2", "0.35", "--delta-p", "1", "--m0", "0.05",
                              "--t-max", "64", "--engine", "long-time", "--block-size", "32", "--flag-tolerance", "0.01",
                              "--waiting-times", "1", "--output", folder.path])
    #expect(result.status == 0, "\(result.error)")
    let energy = try String(contentsOfFile: folder.appendingPathComponent("energy.csv").path, encoding: .utf8).split(separator: "\n")
    #expect(energy.first == "t,energy,mu,m")
    let solver = try LongTimeQuenchSolver(try SpikedQuench(model: try SpikedMatrixTensor(p: 3, matrixNoise: 0.35, tensorNoise: 1),
                                                           temperature: 0, initialOverlap: 0.05).longTimeQuench,
                                          options: LongTimeOptions(blockSize: 32, maximumTime: 64, waitingTimes: [1]))
    solver.flagTolerance = 0.01
    let run = try solver.solve()
    let last = energy.last!.split(separator: ",").map { Double($0)! }
    #expect(last[0] == 64 && abs(last[3] - run.overlaps.last!) < 1e-14 && abs(last[1] - run.samples.last!.energy) < 1e-14)
    #expect(last[3] > 0.5)  // Δ₂ = 0.35 < 1/2: recovered
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(record["engine"] as? String == "long-time" && record["block_size"] as? Int == 32)
    #expect((record["recovery_time"] as? Double).map { abs($0 - run.recoveryTime!) < 1e-12 } == true)
    let fdt = try String(contentsOfFile: folder.appendingPathComponent("fdt.csv").path, encoding: .utf8).split(separator: "\n")
    #expect(fdt.first == "t_w,t,C,chi" && fdt.count > 10)
}

@Test func spikedThresholdOnTheLongTimeEngineRecordsItsOwnGrid() throws {
    // The record of a long-time scan holds t-max and the block size, not the unused uniform grid (dt, order).
    let output = try spikedFolder("threshold-long").appendingPathComponent("scan.csv")
    let result = try runTool(["spiked", "threshold", "--p", "3", "--delta-p", "1", "--m0", "0.05",
                              "--delta2-range", "0.30,0.35", "--t-max", "64", "--engine", "long-time", "--block-size", "32",
                              "--flag-tolerance", "1", "--output", output.path])
    #expect(result.status == 0, "\(result.error)")
    let recordPath = String(output.path.dropLast(4)) + ".run.json"
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: recordPath))) as! [String: Any]
    #expect(record["t_max"] as? Double == 64 && record["block_size"] as? Int == 32)
    #expect(record["dt"] == nil && record["order"] == nil && record["corrector_passes"] == nil)
}
