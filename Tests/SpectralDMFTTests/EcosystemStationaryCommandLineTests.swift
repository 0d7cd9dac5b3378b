import Foundation
import Testing
import SpectralDMFT

/// `dmft ecosystem stationary` and `dmft ecosystem phase-diagram` end to end (spawns the built tool).
@Suite struct EcosystemStationaryCommandLineTests {
    /// Outside the stationary chaotic phase, or with bad options: one `Error:` line naming the parameter, exit 1,
    /// nothing written.
    @Test(arguments: [
        (["--mu", "10", "--sigma", "2.5", "--gamma", "0.5", "--lambda", "0.001"], "gamma"),
        (["--mu", "10", "--sigma", "2.5", "--lambda", "0"], "lambda"),
        (["--mu", "10", "--sigma", "1.2", "--lambda", "0.001"], "sigma_c"),
        (["--mu", "10", "--sigma", "2.5", "--lambda", "0.001", "--paths", "1"], "paths"),
        (["--mu", "10", "--sigma", "2.5", "--lambda", "0.001", "--gamma", "2"], "gamma"),
    ])
    func badInputIsOneErrorLine(arguments: [String], names: String) throws {
        let folder = try scratchFolder("ecostat-bad")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out").path
        let (status, stdout, error) = try runTool(["ecosystem", "stationary"] + arguments + ["--output", output])
        #expect(status == 1)
        #expect(stdout.isEmpty)
        let lines = error.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("Error: ") == true)
        #expect(lines.first?.contains(names) == true, "\(error)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// A small stationary run writes C(τ) with error bars and a run record with its parameters and summary.
    @Test func stationaryWritesCorrelationAndRecord() throws {
        let folder = try scratchFolder("ecostat")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("chaos").path
        let (status, _, error) = try runTool([
            "ecosystem", "stationary", "--mu", "10", "--sigma", "2.5", "--lambda", "0.001", "--paths", "64",
            "--repetitions", "2", "--window", "60", "--transient", "20", "--max-lag", "10", "--dt", "0.1", "--anderson-depth", "5",
            "--output", output])
        #expect(status == 0, "\(error)")
        let text = try String(contentsOfFile: output + "/correlation.csv", encoding: .utf8)
        let rows = text.split(separator: "\n")
        #expect(rows.first == "tau,C,C_error")
        #expect(rows.count == 102)
        let record = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: output + "/run.json"))) as? [String: Any])
        #expect(record["lambda"] as? Double == 0.001)
        #expect(record["paths"] as? Int == 64)
        let residuals = try #require(record["residuals"] as? [Double])
        #expect(residuals.count == 2 && residuals.allSatisfy { $0 <= 1e-8 })
        let c0 = try #require((record["C0"] as? [String: Any])?["mean"] as? Double)
        let first = try #require(Double(rows[1].split(separator: ",")[1]))
        #expect(abs(c0 / first - 1) < 1e-14)   // JSON decimal parsing may differ in the last bit
    }

    /// `ecosystem simulate --window`: the stationary measurement writes C(τ) and a record whose C0 is C(0) of the
    /// table; --window without immigration, or with a lag beyond half the window, is one `Error:` line, nothing
    /// written.
    @Test func simulateWindowWritesTheStationaryMeasurement() throws {
        let folder = try scratchFolder("ecostat-sim")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("c.csv").path
        let common = ["ecosystem", "simulate", "--S", "30", "--mu", "10", "--sigma", "2.5", "--seeds", "2", "--dt", "0.05",
                      "--sample-interval", "0.25", "--transient", "5", "--window", "10", "--max-lag", "2"]
        let (status, _, error) = try runTool(common + ["--lambda", "0.001", "--output", output])
        #expect(status == 0, "\(error)")
        let rows = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "tau,C,C_error" && rows.count == 10)
        let record = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: folder.appendingPathComponent("c.run.json").path))) as? [String: Any])
        let c0 = try #require((record["C0"] as? [String: Any])?["mean"] as? Double)
        let first = try #require(Double(rows[1].split(separator: ",")[1]))
        #expect(abs(c0 / first - 1) < 1e-14)
        #expect((record["C0_per_seed"] as? [Double])?.count == 2)
        for (arguments, name) in [(["--lambda", "0"], "lambda"), (["--lambda", "0.001", "--max-lag", "6"], "max-lag")] {
            let bad = folder.appendingPathComponent("bad.csv").path
            let (badStatus, badOut, badError) = try runTool(common + arguments + ["--output", bad])
            #expect(badStatus == 1 && badOut.isEmpty)
            #expect(badError.split(separator: "\n").count == 1 && badError.hasPrefix("Error: ") && badError.contains(name),
                    "\(badError)")
            #expect(!FileManager.default.fileExists(atPath: bad))
        }
    }

    /// The phase diagram writes the grid with marked regions (no observables filled past σ_c or at unbounded
    /// growth), the σ_c line and the run record.
    @Test func phaseDiagramMarksRegions() throws {
        let folder = try scratchFolder("ecophase")
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("diagram").path
        let (status, _, error) = try runTool(["ecosystem", "phase-diagram", "--mu", "-0.8", "--sigmas", "0.5,1,1.5",
                                              "--gammas", "0,0.5", "--line-points", "5", "--output", output])
        #expect(status == 0, "\(error)")
        let grid = try String(contentsOfFile: output + "/grid.csv", encoding: .utf8).split(separator: "\n")
        #expect(grid.first == "sigma,gamma,sigma_c,mu_UG,region,phi,mean_N,mean_N2,chi")
        let regions = grid.dropFirst().map { String($0.split(separator: ",")[4]) }
        #expect(regions == ["unique-fixed-point", "unbounded-growth", "past-sigma-c",
                            "unique-fixed-point", "past-sigma-c", "past-sigma-c"])
        #expect(grid[2].hasSuffix("unbounded-growth,nan,nan,nan,nan"))
        #expect(grid[3].hasSuffix("nan,past-sigma-c,nan,nan,nan,nan"))
        let line = try String(contentsOfFile: output + "/critical.csv", encoding: .utf8).split(separator: "\n")
        #expect(line.count == 6)
        #expect(line[1] == "-1.0,inf")
        let (badStatus, _, badError) = try runTool(["ecosystem", "phase-diagram", "--mu", "4", "--gammas", "0,2",
                                                    "--output", output + "2"])
        #expect(badStatus == 1 && badError.hasPrefix("Error: ") && badError.contains("gammas"))
    }
}
