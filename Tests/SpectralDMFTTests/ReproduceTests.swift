import Foundation
import Testing
import SpectralDMFTValidation

/// The repository's notebooks-data folder.
private let notebooksData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("notebooks-data")

/// Compares a produced CSV with its reference (numbers within 1e-8 relative + 1e-12 absolute).
private func compareTables(_ produced: URL, _ reference: URL) {
    let comparison = Reproduction.compareTables(produced: produced, reference: reference)
    #expect(comparison.passed, "\(comparison.file): \(comparison.detail)")
}

// The full quick reproduction against the committed references is a release check, not a debug test:
// `dmft reproduce --quick --check` (run by .ci/run after `swift test`).

@Test func reproduceRejectsAnUnknownDataSet() throws {
    for name in ["nosuch", ""] {
        let result = try runTool(["reproduce", "--quick", "--only", name, "--output-dir", try scratchFolder("unknown").path])
        #expect(result.status != 0, "--only '\(name)'")
    }
}

@Test
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
    process.executableURL = try dmftExecutable()
    process.arguments = ["reproduce", "--quick", "--output-dir", folder.path]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    let firstRecord = folder.appendingPathComponent("chaos_transition.run.json")
    let before = try FileManager.default.attributesOfItem(atPath: firstRecord.path)[.modificationDate] as! Date
    try process.run()
    // Kill it just after the first data set has been rewritten, while the next one is being computed (polls until
    // the record changes or the process ends; no wall-clock limit).
    while process.isRunning {
        let now = try FileManager.default.attributesOfItem(atPath: firstRecord.path)[.modificationDate] as! Date
        if now > before { break }
        Thread.sleep(forTimeInterval: 0.05)
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal, "the run finished before it was killed")
    let rewritten = try FileManager.default.attributesOfItem(atPath: firstRecord.path)[.modificationDate] as! Date
    #expect(rewritten > before, "the first data set was not rewritten before the kill")
    for name in names where name.hasSuffix(".csv") {
        compareTables(folder.appendingPathComponent(name), references.appendingPathComponent(name))
    }
    for name in names where name.hasSuffix(".json") {
        let data = try Data(contentsOf: folder.appendingPathComponent(name))
        #expect((try? JSONSerialization.jsonObject(with: data)) != nil, "\(name) is not complete JSON")
    }
}

@Test func referenceComparisonFlagsDriftAndAcceptsAgreement() throws {
    let folder = try scratchFolder("compare")
    let reference = folder.appendingPathComponent("reference.csv")
    try "x,y\n1,2.0\n3,nan\n".write(to: reference, atomically: true, encoding: .utf8)
    func compare(_ text: String) throws -> Bool {
        let produced = folder.appendingPathComponent("produced.csv")
        try text.write(to: produced, atomically: true, encoding: .utf8)
        return Reproduction.compareTables(produced: produced, reference: reference).passed
    }
    #expect(try compare("x,y\n1,2.000000001\n3,nan\n"))          // 5e-10 relative: within 1e-8
    #expect(try !compare("x,y\n1,2.0001\n3,nan\n"))              // 5e-5 relative
    #expect(try !compare("x,y\n1,2.0\n3,4\n"))                   // NaN against a number
    #expect(try !compare("x,z\n1,2.0\n3,nan\n"))                 // header
    #expect(try !compare("x,y\n1,2.0\n"))                        // a row missing
    #expect(try !compare("x,y\n1,2.0\n3,nan"))                   // no final newline
}
