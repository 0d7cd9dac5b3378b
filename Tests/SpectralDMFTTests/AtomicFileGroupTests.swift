import Foundation
import Testing
@testable import SpectralDMFT

private func scratchFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

@Test func aGroupOfFilesIsWrittenWhole() throws {
    let folder = try scratchFolder()
    let a = folder.appendingPathComponent("a.csv").path, b = folder.appendingPathComponent("b.json").path
    try "old a".write(toFile: a, atomically: true, encoding: .utf8)
    try AtomicFile.writeAll([.text("new a", to: a), .text("new b", to: b)])
    #expect(try String(contentsOfFile: a, encoding: .utf8) == "new a")
    #expect(try String(contentsOfFile: b, encoding: .utf8) == "new b")
    // Nothing else is left in the folder (no temporaries or backups).
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["a.csv", "b.json"])
}

@Test func aFailedGroupLeavesEveryTargetAsItWas() throws {
    let folder = try scratchFolder()
    let a = folder.appendingPathComponent("a.csv").path
    let fresh = folder.appendingPathComponent("fresh.csv").path
    let blocked = folder.appendingPathComponent("blocked").path
    try "old a".write(toFile: a, atomically: true, encoding: .utf8)
    // The third target is a non-empty directory: its rename fails after the first two succeeded.
    try FileManager.default.createDirectory(atPath: blocked, withIntermediateDirectories: true)
    try "x".write(toFile: blocked + "/inside", atomically: true, encoding: .utf8)
    #expect(throws: AtomicFile.WriteError.self) {
        try AtomicFile.writeAll([.text("new a", to: a), .text("new", to: fresh), .text("new", to: blocked)])
    }
    #expect(try String(contentsOfFile: a, encoding: .utf8) == "old a")
    #expect(!FileManager.default.fileExists(atPath: fresh))
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["a.csv", "blocked"])
    // The same file named twice is refused before anything is written.
    #expect(throws: AtomicFile.WriteError.self) { try AtomicFile.writeAll([.text("1", to: fresh), .text("2", to: fresh)]) }
    #expect(!FileManager.default.fileExists(atPath: fresh))
}
