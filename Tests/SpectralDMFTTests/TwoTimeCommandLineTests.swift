import Foundation
import Testing
@testable import SpectralDMFT

/// Runs `dmft pspin quench ARGUMENTS` (or `dmft network transient`) in the built tool; throws on a non-zero exit.
private func runCommand(_ command: [String], _ arguments: [String]) throws {
    let result = try runTool(command + arguments)
    guard result.status == 0 else { throw ToolFailure(status: result.status, error: result.error) }
}

private let quench = ["pspin", "quench"], transient = ["network", "transient"]

/// A non-zero exit of the tool, with its standard error.
private struct ToolFailure: Error {
    let status: Int32
    let error: String
}

private func scratch(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-twotime-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Test func pspinQuenchWritesTheContractFiles() throws {
    let folder = try scratch("quench").appendingPathComponent("run")
    try runCommand(quench, ["--p", "3", "--T", "0.5", "--t-max", "2", "--dt", "0.1", "--waiting-times", "0.5,1",
                                      "--output", folder.path])
    func lines(_ name: String) throws -> [Substring] {
        try String(contentsOfFile: folder.appendingPathComponent(name).path, encoding: .utf8).split(separator: "\n")
    }
    #expect(try lines("energy.csv").first == "t,energy,mu")
    #expect(try lines("energy.csv").count == 22)
    #expect(try lines("correlation.csv").first == "t_w,tau,C,R")
    #expect(try lines("correlation.csv").count == 1 + 16 + 11)
    #expect(try lines("fdt.csv").first == "t_w,t,C,chi")
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as! [String: Any]
    for key in ["mixture", "temperature", "grid", "timing", "memory", "waiting_times", "final_energy"] {
        #expect(record[key] != nil, "missing \(key)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("checkpoint.bin").path))
}

@Test func pspinQuenchResumesFromACheckpointWithTheSameBits() throws {
    let base = try scratch("resume")
    let straight = base.appendingPathComponent("straight"), resumed = base.appendingPathComponent("resumed")
    let arguments = ["--mixture", "3:1,4:0.5", "--T", "0.6", "--t-max", "3", "--dt", "0.1", "--waiting-times", "1"]
    try runCommand(quench, arguments + ["--output", straight.path])
    // A "killed" run: the library stops halfway and leaves its checkpoint, then the CLI resumes it.
    try FileManager.default.createDirectory(at: resumed, withIntermediateDirectories: true)
    let integrator = try PSpinQuenchIntegrator(mixture: try PSpinMixture(parsing: "3:1,4:0.5"), temperature: 0.6,
                                               options: TwoTimeOptions(step: 0.1, steps: 30))
    try integrator.advance(stopAfterSteps: 15, checkpoint: CheckpointPolicy(path: resumed.appendingPathComponent("checkpoint.bin").path))
    try runCommand(quench, arguments + ["--output", resumed.path, "--resume"])
    for name in ["energy.csv", "correlation.csv", "fdt.csv"] {
        let a = try Data(contentsOf: straight.appendingPathComponent(name))
        let b = try Data(contentsOf: resumed.appendingPathComponent(name))
        #expect(a == b, "\(name) differs after resume")
    }
}

@Test(arguments: [
    ["--T", "0.5", "--t-max", "2", "--dt", "0.1"],                                  // no model
    ["--p", "3", "--mixture", "3:1", "--T", "0.5", "--t-max", "2", "--dt", "0.1"],   // both
    ["--p", "1", "--T", "0.5", "--t-max", "2", "--dt", "0.1"],
    ["--mixture", "3:-1", "--T", "0.5", "--t-max", "2", "--dt", "0.1"],
    ["--p", "3", "--T", "-1", "--t-max", "2", "--dt", "0.1"],
    ["--p", "3", "--T", "0.5", "--t-max", "2", "--dt", "0"],
    ["--p", "3", "--T", "0.5", "--t-max", "0.3", "--dt", "0.1"],                    // too few steps
    ["--p", "3", "--T", "0.5", "--t-max", "2", "--dt", "0.1", "--waiting-times", "5"],
    ["--p", "3", "--T", "0.5", "--t-max", "2", "--dt", "0.1", "--start-T", "0.5"],  // below T_d
    ["--p", "3", "--T", "0.5", "--t-max", "2000", "--dt", "0.0001"],                 // does not fit in memory
    ["--p", "3", "--T", "0.5", "--t-max", "2", "--dt", "0.1", "--order", "5"],
])
func badQuenchInputIsOneErrorAndWritesNothing(arguments: [String]) throws {
    let base = try scratch("bad")
    let folder = base.appendingPathComponent("out")
    let result = try runTool(quench + arguments + ["--output", folder.path])
    #expect(result.status != 0)
    // Bad input (exit 1) and ArgumentParser's own validation errors (exit 64) are one `Error:` line.
    let errorLines = result.error.split(separator: "\n").filter { $0.hasPrefix("Error") }
    #expect(errorLines.count == 1, "stderr: \(result.error)")
    #expect(!FileManager.default.fileExists(atPath: folder.path), "output folder was created")
}

@Test func networkTransientWritesItsFiles() throws {
    let folder = try scratch("transient").appendingPathComponent("relax")
    try runCommand(transient, ["--g", "1.5", "--sigma", "0.3", "--phi", "erf", "--t-max", "3", "--dt", "0.1",
                                           "--waiting-times", "1,2", "--output", folder.path])
    let lines = try String(contentsOfFile: folder.appendingPathComponent("correlation.csv").path, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "t_w,tau,delta")
    #expect(lines.count == 1 + 21 + 11)
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.json").path))
    var thrown = false
    do { try runCommand(transient, ["--g", "1.5", "--delta-init", "-1", "--t-max", "3", "--dt", "0.1", "--output", folder.path + "2"]) } catch { thrown = true }
    #expect(thrown)
    #expect(!FileManager.default.fileExists(atPath: folder.path + "2"))
}
