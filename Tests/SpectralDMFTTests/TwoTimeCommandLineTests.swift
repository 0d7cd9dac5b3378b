import Foundation
import Testing
@testable import SpectralDMFT
@testable import dmft

/// Runs a subcommand in-process as the CLI would (parse + validate + run).
private func runCommand<Command: ParsableCommandRunnable>(_ type: Command.Type, _ arguments: [String]) throws {
    var command = try type.parseCommand(arguments)
    try command.run()
}

/// The two commands under test, parsed through ArgumentParser.
protocol ParsableCommandRunnable {
    static func parseCommand(_ arguments: [String]) throws -> Self
    mutating func run() throws
}

extension PSpinQuenchCommand: ParsableCommandRunnable {
    static func parseCommand(_ arguments: [String]) throws -> PSpinQuenchCommand { try parse(arguments) }
}

extension NetworkTransient: ParsableCommandRunnable {
    static func parseCommand(_ arguments: [String]) throws -> NetworkTransient { try parse(arguments) }
}

private func scratch(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-twotime-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Test func pspinQuenchWritesTheContractFiles() throws {
    let folder = try scratch("quench").appendingPathComponent("run")
    try runCommand(PSpinQuenchCommand.self, ["--p", "3", "--T", "0.5", "--t-max", "2", "--dt", "0.1", "--waiting-times", "0.5,1",
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
    try runCommand(PSpinQuenchCommand.self, arguments + ["--output", straight.path])
    // A "killed" run: the library stops halfway and leaves its checkpoint, then the CLI resumes it.
    try FileManager.default.createDirectory(at: resumed, withIntermediateDirectories: true)
    let integrator = try PSpinQuenchIntegrator(mixture: try PSpinMixture(parsing: "3:1,4:0.5"), temperature: 0.6,
                                               options: TwoTimeOptions(step: 0.1, steps: 30))
    try integrator.advance(stopAfterSteps: 15, checkpoint: CheckpointPolicy(path: resumed.appendingPathComponent("checkpoint.bin").path))
    try runCommand(PSpinQuenchCommand.self, arguments + ["--output", resumed.path, "--resume"])
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
    var thrown: Error?
    do { try runCommand(PSpinQuenchCommand.self, arguments + ["--output", folder.path]) } catch { thrown = error }
    #expect(thrown != nil)
    if let thrown, !(thrown is InputError) {
        // ArgumentParser's own validation errors (exit status 64) are also one line.
        #expect(PSpinQuenchCommand.message(for: thrown).split(separator: "\n").count == 1, "\(thrown)")
    }
    #expect(!FileManager.default.fileExists(atPath: folder.path), "output folder was created")
}

@Test func networkTransientWritesItsFiles() throws {
    let folder = try scratch("transient").appendingPathComponent("relax")
    try runCommand(NetworkTransient.self, ["--g", "1.5", "--sigma", "0.3", "--phi", "erf", "--t-max", "3", "--dt", "0.1",
                                           "--waiting-times", "1,2", "--output", folder.path])
    let lines = try String(contentsOfFile: folder.appendingPathComponent("correlation.csv").path, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "t_w,tau,delta")
    #expect(lines.count == 1 + 21 + 11)
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run.json").path))
    var thrown = false
    do { try runCommand(NetworkTransient.self, ["--g", "1.5", "--delta-init", "-1", "--t-max", "3", "--dt", "0.1", "--output", folder.path + "2"]) } catch { thrown = true }
    #expect(thrown)
    #expect(!FileManager.default.fileExists(atPath: folder.path + "2"))
}
