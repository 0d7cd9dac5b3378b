import Foundation
import Testing
import SpectralDMFT

/// `dmft ecosystem …` end to end (spawns the built tool).
@Suite struct EcosystemCommandLineTests {
    /// `cavity --json` prints the library's numbers.
    @Test func cavityJSONMatchesTheLibrary() throws {
        let (status, output, error) = try runTool(["ecosystem", "cavity", "--mu", "4", "--sigma", "0.8", "--gamma", "0.5", "--json"])
        #expect(status == 0, "\(error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let solution = try EcosystemCavityProblem(model: EcosystemModel(mu: 4, sigma: 0.8, gamma: 0.5)).solve()
        // JSONSerialization's decimal parsing may differ from the printed shortest form in the last bit.
        for (key, value) in [("phi", solution.survivingFraction), ("mean_N", solution.meanAbundance),
                             ("mean_N2", solution.secondMoment), ("chi", solution.response)] {
            let printed = try #require(object[key] as? Double)
            #expect(abs(printed / value - 1) < 1e-14, "\(key): \(printed) vs \(value)")
        }
        #expect(abs((object["sigma_c"] as? Double ?? 0) - 2.0.squareRoot() / 1.5) < 1e-15)
    }

    /// Bad input: one `Error:` line naming the bound, exit 1, nothing on standard output.
    @Test(arguments: [
        (["ecosystem", "cavity", "--mu", "4", "--sigma", "1", "--gamma", "0.5"], "sigma_c"),
        (["ecosystem", "cavity", "--mu", "-1", "--sigma", "1"], "mu_UG"),
        (["ecosystem", "cavity", "--mu", "4", "--sigma", "1", "--gamma", "1.5"], "gamma"),
        (["ecosystem", "cavity", "--mu", "4", "--sigma", "0"], "sigma"),
        (["ecosystem", "simulate", "--S", "1", "--mu", "4", "--sigma", "1"], "S"),
        (["ecosystem", "simulate", "--S", "50", "--mu", "4", "--sigma", "1", "--start", "constant:-1"], "start"),
        (["ecosystem", "simulate", "--S", "50", "--mu", "4", "--sigma", "1", "--dt", "0"], "dt"),
        (["ecosystem", "simulate", "--S", "50", "--mu", "4", "--sigma", "1", "--gamma", "-1.5"], "gamma"),
        (["ecosystem", "dynamics", "--mu", "4", "--sigma", "1", "--t-max", "1", "--paths", "1", "--output", "never"], "paths"),
        (["ecosystem", "dynamics", "--mu", "4", "--sigma", "0.8", "--gamma", "1.2", "--t-max", "1", "--output", "never"], "gamma"),
        (["ecosystem", "dynamics", "--mu", "4", "--sigma", "1", "--t-max", "1", "--dt", "2", "--output", "never"], "dt"),
    ])
    func badInputIsOneErrorLine(arguments: [String], names: String) throws {
        let (status, output, error) = try runTool(arguments)
        #expect(status == 1)
        #expect(output.isEmpty)
        let lines = error.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("Error: ") == true)
        #expect(lines.first?.contains(names) == true, "\(error)")
    }

    /// `simulate --output` writes the trajectories and the run record; a failed run writes nothing.
    @Test func simulateWritesFilesOrNothing() throws {
        let folder = try scratchFolder("ecosystem")
        defer { try? FileManager.default.removeItem(at: folder) }
        let csv = folder.appendingPathComponent("lv.csv").path
        let (status, _, error) = try runTool(["ecosystem", "simulate", "--S", "60", "--mu", "4", "--sigma", "0.8",
                                              "--seeds", "2", "--t-max", "5", "--output", csv])
        #expect(status == 0, "\(error)")
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        #expect(text.hasPrefix("t,m,m_error,c,c_error\n0.0,1.0,0.0,1.0,0.0\n"))
        #expect(text.split(separator: "\n").count == 12)
        let record = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("lv.run.json"))) as? [String: Any])
        #expect(record["S"] as? Int == 60)
        #expect(record["complementarity_residual"] as? Double ?? 1 < 1e-10)
        // Unbounded growth: an error, and no files.
        let failed = folder.appendingPathComponent("grow.csv").path
        let (failStatus, _, failError) = try runTool(["ecosystem", "simulate", "--S", "60", "--mu", "-2", "--sigma", "0.5",
                                                      "--seeds", "1", "--t-max", "40", "--output", failed])
        #expect(failStatus == 1)
        #expect(failError.hasPrefix("Error: ") && failError.contains("diverged"))
        #expect(!FileManager.default.fileExists(atPath: failed))
    }
}
