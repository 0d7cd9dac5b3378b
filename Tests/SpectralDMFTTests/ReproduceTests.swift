import Foundation
import Testing

/// The repository's notebooks-data folder.
private let notebooksData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("notebooks-data")

/// Parses a CSV with a header row into (header, rows of fields).
private func readCSV(_ url: URL) throws -> (header: String, rows: [[String]]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.last == "", "\(url.lastPathComponent) must end with a newline")
    let body = lines.dropFirst().filter { !$0.isEmpty }
    return (String(lines[0]), body.map { $0.split(separator: ",").map(String.init) })
}

/// Compares two CSV tables field by field: numbers within `relative`·|x| + `absolute`, NaN equal to NaN.
private func compareTables(_ produced: URL, _ reference: URL, relative: Double = 1e-8, absolute: Double = 1e-12) throws {
    let (headerA, rowsA) = try readCSV(produced)
    let (headerB, rowsB) = try readCSV(reference)
    #expect(headerA == headerB, "\(produced.lastPathComponent): header")
    #expect(rowsA.count == rowsB.count, "\(produced.lastPathComponent): row count")
    var worst = 0.0
    for (rowA, rowB) in zip(rowsA, rowsB) {
        #expect(rowA.count == rowB.count)
        for (fieldA, fieldB) in zip(rowA, rowB) {
            guard let a = Double(fieldA), let b = Double(fieldB) else { #expect(fieldA == fieldB); continue }
            if a.isNaN || b.isNaN { #expect(a.isNaN && b.isNaN); continue }
            worst = max(worst, abs(a - b) / (relative * abs(b) + absolute))
        }
    }
    #expect(worst <= 1, "\(produced.lastPathComponent) drifted: worst difference is \(worst)× the tolerance")
}

@Test(.timeLimit(.minutes(5)))
func quickReproductionMatchesCommittedReferences() throws {
    let folder = try scratchFolder("reproduce")
    let result = try runTool(["reproduce", "--quick", "--output-dir", folder.path])
    #expect(result.status == 0, "\(result.error)")
    let references = notebooksData.appendingPathComponent("quick")
    let names = try FileManager.default.contentsOfDirectory(atPath: references.path).filter { $0.hasSuffix(".csv") }.sorted()
    #expect(!names.isEmpty)
    for name in names {
        try compareTables(folder.appendingPathComponent(name), references.appendingPathComponent(name))
    }
    // Every data set has its run record.
    let records = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".run.json") }
    let expected = try FileManager.default.contentsOfDirectory(atPath: references.path).filter { $0.hasSuffix(".run.json") }
    #expect(Set(records) == Set(expected))
}

@Test(.timeLimit(.minutes(5)))
func killedReproductionLeavesEveryFileIntact() throws {
    // Start from the committed quick data, kill a re-run midway, and check that each file is either untouched or a
    // complete new version (equal to the reference within tolerance): never truncated.
    let folder = try scratchFolder("killed")
    let references = notebooksData.appendingPathComponent("quick")
    let names = try FileManager.default.contentsOfDirectory(atPath: references.path).filter { !$0.hasPrefix(".") }
    for name in names {
        try FileManager.default.copyItem(at: references.appendingPathComponent(name), to: folder.appendingPathComponent(name))
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dmft")
    process.arguments = ["reproduce", "--quick", "--output-dir", folder.path]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let firstRecord = folder.appendingPathComponent("chaos_transition.run.json")
    let before = try FileManager.default.attributesOfItem(atPath: firstRecord.path)[.modificationDate] as! Date
    try process.run()
    // Kill it just after the first data set has been rewritten, while the next one is being computed.
    let deadline = Date().addingTimeInterval(240)
    while Date() < deadline {
        let now = try FileManager.default.attributesOfItem(atPath: firstRecord.path)[.modificationDate] as! Date
        if now > before { break }
        Thread.sleep(forTimeInterval: 0.05)
    }
    Thread.sleep(forTimeInterval: 0.5)
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal, "the run finished before it was killed")
    let rewritten = try FileManager.default.attributesOfItem(atPath: firstRecord.path)[.modificationDate] as! Date
    #expect(rewritten > before, "the first data set was not rewritten before the kill")
    for name in names where name.hasSuffix(".csv") {
        try compareTables(folder.appendingPathComponent(name), references.appendingPathComponent(name))
    }
    for name in names where name.hasSuffix(".json") {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(name) is not complete JSON")
    }
}
