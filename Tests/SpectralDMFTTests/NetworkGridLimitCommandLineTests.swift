import Foundation
import Testing

// `dmft network solve` at the edges of its grid (issue 10): a step that would give 1.9M lags, and σ = 1e-7 at g = 1
// (formerly "impossible grid"), each answer one `Error:` line, exit 1, nothing written; the second carries the
// potential method's Δ0.

@Test(arguments: [
    (["network", "solve", "--g", "1.5", "--step", "0.0002", "--output", "x.csv"], "intervals"),
    (["network", "solve", "--g", "1", "--sigma", "1e-7", "--output", "x.csv"], "the potential method gives Δ0 = 2.32"),
])
func networkGridLimitsAreOneLine(arguments: [String], expected: String) throws {
    let scratch = try scratchFolder("grid-limits")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let result = try runQuickTool(arguments, in: scratch)
    #expect(result.status == 1)
    let lines = result.error.split(separator: "\n")
    #expect(lines.count == 1 && lines[0].hasPrefix("Error: ") && lines[0].contains(expected), "stderr: \(result.error)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
}
