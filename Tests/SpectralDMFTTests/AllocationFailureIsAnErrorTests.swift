import Foundation
import Testing
@testable import SpectralDMFT

@Test func anImpossibleAllocationThrowsInsteadOfTrapping() {
    #expect(throws: AllocationError.self) { try AlignedBuffer(allocating: Int.max / 4, for: "a test") }
    #expect(throws: AllocationError.self) { try AlignedBuffer(allocating: 1 << 60, for: "a test") }
    let error = AllocationError.outOfMemory(bytes: 1 << 40, purpose: "a causal triangle")
    #expect(error.description.contains("causal triangle") && !error.description.contains("\n"))
    #expect((try? AlignedBuffer(allocating: 16, for: "a test"))?.count == 16)
}

@Test func memoryBudgetTakesTheSmallestLimit() {
    let available = MemoryBudget.availableBytes
    #expect(available >= 0 && available <= MemoryBudget.physicalAvailable)
    if let headroom = MemoryBudget.addressSpaceHeadroom { #expect(available <= max(headroom, 0)) }
    // A cgroup limit file is read as limit minus usage; "max" means unlimited.
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let limit = folder.appendingPathComponent("memory.max").path, usage = folder.appendingPathComponent("memory.current").path
    try? "1000000\n".write(toFile: limit, atomically: true, encoding: .utf8)
    try? "250000\n".write(toFile: usage, atomically: true, encoding: .utf8)
    #expect(MemoryBudget.cgroupHeadroom(limit: limit, usage: usage) == 750_000)
    try? "max\n".write(toFile: limit, atomically: true, encoding: .utf8)
    #expect(MemoryBudget.cgroupHeadroom(limit: limit, usage: usage) == nil)
    #expect(MemoryBudget.procValue(file: "/proc/self/status", key: "VmSize:").map { $0 > 0 } ?? true)
}
