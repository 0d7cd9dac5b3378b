import Foundation
import Testing

/// The `dmft` executable built beside the test bundle (`swift test` builds every product of the package, `dmft`
/// included; the tests spawn it rather than importing the executable's module).
func dmftExecutable() throws -> URL {
    let url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dmft")
    guard FileManager.default.isExecutableFile(atPath: url.path) else { throw MissingTool(path: url.path) }
    return url
}

/// The `dmft` executable is not in the build folder (build it with `swift build` before running the tests).
struct MissingTool: Error, CustomStringConvertible {
    let path: String
    var description: String { "no dmft executable at \(path): run `swift build` (or `swift build --build-tests`) first" }
}

/// Seconds after which a spawned `dmft` is killed and its test fails: a hang detector, not a timing assertion.
/// `quickToolTimeout` is for the commands of the contract, property and help tests, each of which finishes in a
/// few seconds on an idle machine (with 120 s, a machine loaded tenfold still does not trip it; a real hang does);
/// the default `toolTimeout` allows the longest end-to-end run the suite spawns (`reproduce --quick`).
let quickToolTimeout: TimeInterval = 120
let toolTimeout: TimeInterval = 900

/// The environment of every spawned `dmft`: a fixed terminal width, so that help texts wrap the same everywhere.
let toolEnvironment = ["COLUMNS": "100"]

/// Runs the `dmft` executable built beside the test bundle; returns (status, stdout, stderr).
///
/// The process runs in `directory` (default: the test's own) with `toolEnvironment` added to the environment; if it
/// has not finished after `timeout` seconds it is killed and the test fails (the returned status is then the
/// signal's).
func runTool(_ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = toolTimeout,
             sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = try dmftExecutable()
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(toolEnvironment) { $1 }
    if let directory { process.currentDirectoryURL = directory }
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    // Standard error is drained on its own thread, so that a chatty child cannot block on a full pipe.
    let errorData = PipeContents()
    let drained = DispatchGroup()
    drained.enter()
    DispatchQueue.global().async {
        errorData.set(error.fileHandleForReading.readDataToEndOfFile())
        drained.leave()
    }
    let killed = PipeContents()
    let watchdog = DispatchWorkItem {
        if process.isRunning {
            killed.set(Data([1]))
            kill(process.processIdentifier, SIGKILL)
        }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    let outData = output.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    watchdog.cancel()
    if !killed.get().isEmpty {
        Issue.record("dmft \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s: killed",
                     sourceLocation: sourceLocation)
    }
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errorData.get(), as: UTF8.self))
}

/// `runTool` with the hang detector of quick commands (`quickToolTimeout`).
func runQuickTool(_ arguments: [String], in directory: URL? = nil,
                  sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32, output: String, error: String) {
    try runTool(arguments, in: directory, timeout: quickToolTimeout, sourceLocation: sourceLocation)
}

/// Bytes handed from one thread to another.
private final class PipeContents: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
}

/// A fresh empty folder for one test.
func scratchFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Test func networkSolveWritesJSONAndFiles() throws {
    let folder = try scratchFolder("solve")
    let csv = folder.appendingPathComponent("delta.csv").path
    let result = try runTool(["network", "solve", "--g", "1.5", "--json", "--output", csv])
    #expect(result.status == 0, "\(result.error)")
    let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
    for key in ["g", "sigma", "phi", "branch", "delta0", "decorrelation_time", "iterations", "residual", "seconds"] {
        #expect(object[key] != nil, "missing \(key)")
    }
    #expect(abs((object["delta0"] as! Double) - 0.7476863806) < 1e-9)
    #expect(object["branch"] as? String == "chaotic")
    let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "tau,delta")
    let spectrum = try String(contentsOfFile: folder.appendingPathComponent("delta-spectrum.csv").path, encoding: .utf8)
    #expect(spectrum.hasPrefix("omega,power\n"))
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("delta.run.json").path))
}

@Test(arguments: [
    ["network", "solve", "--g", "0"],
    ["network", "solve", "--g", "-1"],
    ["network", "solve", "--g", "nan"],
    ["network", "solve", "--g", "1.5", "--sigma", "-0.5"],
    ["network", "solve", "--g", "1.5", "--phi", "relu"],
    ["network", "solve", "--g", "1.5", "--step", "0"],
    ["network", "solve", "--g", "1.5", "--step", "1e-9", "--window", "1e9"],
    ["network", "solve", "--g", "1.5", "--acceleration", "magic"],
    ["network", "scan", "--g-min", "2", "--g-max", "1", "--steps", "3"],
])
func badNetworkInputFailsWithOneLineAndWritesNothing(arguments: [String]) throws {
    let folder = try scratchFolder("bad")
    let csv = folder.appendingPathComponent("out.csv").path
    try "keep\n".write(toFile: csv, atomically: true, encoding: .utf8)
    let result = try runTool(arguments + ["--output", csv])
    #expect(result.status != 0)
    let errorLines = result.error.split(separator: "\n").filter { $0.hasPrefix("Error") }
    #expect(errorLines.count == 1, "stderr: \(result.error)")
    #expect(try String(contentsOfFile: csv, encoding: .utf8) == "keep\n")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    #expect(files == ["out.csv"], "files: \(files)")
}

@Test func networkScanWritesTheContractColumns() throws {
    let folder = try scratchFolder("scan")
    let csv = folder.appendingPathComponent("scan.csv").path
    let result = try runTool(["network", "scan", "--g-min", "0.8", "--g-max", "2", "--steps", "4", "--sigma", "0", "--output", csv])
    #expect(result.status == 0, "\(result.error)")
    let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "g,sigma,delta0,decorrelation_time,iterations,residual")
    #expect(lines.count == 5)
    let last = lines[4].split(separator: ",").map { Double($0)! }
    #expect(abs(last[2] - 1.9248054137) < 1e-8)
}

@Test(arguments: ["nosuch", "", "Network"])
func validateRejectsAnUnknownArea(area: String) throws {
    // A usage error before any check runs, never "0 passed, 0 failed" with exit status 0.
    let result = try runTool(["validate", "--only", area])
    #expect(result.status != 0)
    #expect(!result.output.contains("passed"), "stdout: \(result.output)")
    #expect(result.error.contains("network, chaos") || result.error.contains("'network'"), "stderr: \(result.error)")
}

@Test func validateHelpListsTheAreas() throws {
    let result = try runTool(["validate", "--help"])
    #expect(result.status == 0)
    for area in ["network", "chaos", "pspin", "two-time", "driven", "simulation"] {
        #expect(result.output.contains(area), "--help does not list \(area)")
    }
}
