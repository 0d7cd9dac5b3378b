import Foundation
import Testing
@testable import SpectralDMFT

@Test func crc32cMatchesTheStandardCheckValue() {
    var crc = CRC32C()
    crc.update(bytes: Array("123456789".utf8))
    #expect(crc.value == 0xE306_9283)
    // Incremental updates of any split give the same value (slicing-by-8 and byte tail agree).
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    var whole = CRC32C()
    whole.update(bytes: bytes)
    var pieces = CRC32C()
    pieces.update(bytes: bytes[0..<13]); pieces.update(bytes: bytes[13..<500]); pieces.update(bytes: bytes[500...])
    #expect(whole.value == pieces.value)
}

private func writtenCheckpoint() throws -> (path: String, options: TwoTimeOptions, mixture: PSpinMixture) {
    let mixture = try PSpinMixture.pure(3)
    let options = TwoTimeOptions(step: 0.1, steps: 20)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("checksum-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent("checkpoint.bin").path
    let run = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.5, options: options)
    try run.advance(stopAfterSteps: 12, checkpoint: CheckpointPolicy(path: path, interval: 1e9))
    return (path, options, mixture)
}

private func restoreError(_ path: String, _ mixture: PSpinMixture, _ options: TwoTimeOptions) throws -> String? {
    let run = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.5, options: options)
    do { try run.restore(from: path) } catch let error as TwoTimeError { return error.description }
    return nil
}

@Test func aCheckpointWithOneChangedByteIsRefused() throws {
    let (path, options, mixture) = try writtenCheckpoint()
    #expect(try restoreError(path, mixture, options) == nil)
    let original = try Data(contentsOf: URL(fileURLWithPath: path))
    // One byte in the data (the last double of the response triangle) and one in the header.
    for position in [original.count - 7, 30] {
        var damaged = original
        damaged[position] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: path))
        let message = try restoreError(path, mixture, options)
        #expect(message?.contains("corrupted") == true, "byte \(position): \(message ?? "accepted")")
        #expect(message.map { !$0.contains("\n") } == true)
    }
}

@Test func aCheckpointWithExtraBytesIsCorruptedNotTruncated() throws {
    let (path, options, mixture) = try writtenCheckpoint()
    var data = try Data(contentsOf: URL(fileURLWithPath: path))
    data.append(contentsOf: [0, 1, 2])
    try data.write(to: URL(fileURLWithPath: path))
    let message = try restoreError(path, mixture, options)
    #expect(message?.contains("unexpected size") == true && message?.contains("truncated") == false, "\(message ?? "accepted")")
    data.removeLast(10)
    try data.write(to: URL(fileURLWithPath: path))
    #expect(try restoreError(path, mixture, options)?.contains("truncated") == true)
}

@Test func aFailedCheckpointWriteDoesNotEndTheRun() throws {
    let mixture = try PSpinMixture.pure(3)
    let options = TwoTimeOptions(step: 0.1, steps: 20)
    let missing = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString)/x/checkpoint.bin").path
    let failures = FailureLog()
    let run = try PSpinQuenchIntegrator(mixture: mixture, temperature: 0.5, options: options)
    try run.advance(checkpoint: CheckpointPolicy(path: missing, interval: 0, onFailure: { failures.append($0) }))
    #expect(run.isComplete)
    #expect(run.failedCheckpointWrites >= 1)
    #expect(failures.count == run.failedCheckpointWrites)
    #expect(run.lastCheckpointFailure?.description.hasPrefix("warning: checkpoint") == true)
}

private final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [CheckpointFailure] = []
    func append(_ failure: CheckpointFailure) { lock.lock(); items.append(failure); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return items.count }
}
