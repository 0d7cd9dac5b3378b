import Foundation
import Testing

@Test func pspinSolveReportsTheContractKeysAndFiles() throws {
    let folder = try scratchFolder("pspin")
    let csv = folder.appendingPathComponent("c.csv").path, spectrum = folder.appendingPathComponent("s.csv").path
    let result = try runTool(["pspin", "solve", "--p", "3", "--T", "1", "--json", "--output", csv, "--spectrum", spectrum])
    #expect(result.status == 0, "\(result.error)")
    let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
    for key in ["p", "T", "Td", "tau_alpha", "energy", "mu", "method", "iterations", "residual", "seconds"] {
        #expect(object[key] != nil, "missing \(key)")
    }
    #expect(abs((object["energy"] as! Double) + 0.5) < 1e-12)
    #expect(abs((object["tau_alpha"] as! Double) - 2.0708534) < 1e-5)
    #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("tau,C,R\n"))
    #expect(try String(contentsOfFile: spectrum, encoding: .utf8).hasPrefix("omega,chi_real,chi_imag,C_omega\n"))
}

@Test func pspinTransitionOfTheMixture() throws {
    let result = try runTool(["pspin", "transition", "--mixture", "3:0.5,4:0.5", "--json"])
    #expect(result.status == 0)
    let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as! [String: Any]
    // q_d = (1 + √37)/12 for f = (q³ + q⁴)/4, and T_d² = f'(q_d)(1 − q_d)/q_d.
    let plateau = (1 + 37.0.squareRoot()) / 12
    let expected = ((1.5 * plateau * plateau + 2 * plateau * plateau * plateau) * (1 - plateau) / plateau).squareRoot() / 2.0.squareRoot()
    #expect(abs((object["qd"] as! Double) - plateau) < 1e-10)
    #expect(abs((object["Td"] as! Double) - expected) < 1e-10)
}

@Test(arguments: [
    ["pspin", "solve", "--p", "1", "--T", "1"],
    ["pspin", "solve", "--p", "3", "--T", "0"],
    ["pspin", "solve", "--p", "3", "--T", "0.6"],
    ["pspin", "solve", "--mixture", "3:abc", "--T", "1"],
    ["pspin", "solve", "--mixture", "3;1", "--T", "1"],
    ["pspin", "solve", "--mixture", "3:-0.5", "--T", "1"],
    ["pspin", "solve", "--p", "3", "--mixture", "3:1", "--T", "1"],
    ["pspin", "solve", "--p", "3", "--T", "nan"],
    ["pspin", "scan", "--p", "3", "--T-min", "0.5", "--T-max", "1", "--steps", "3"],
])
func badPSpinInputFailsWithOneLineAndWritesNothing(arguments: [String]) throws {
    let folder = try scratchFolder("pspin-bad")
    let csv = folder.appendingPathComponent("out.csv").path
    let result = try runTool(arguments + ["--output", csv])
    #expect(result.status != 0)
    #expect(result.error.split(separator: "\n").filter { $0.hasPrefix("Error") }.count == 1, "stderr: \(result.error)")
    #expect(!result.error.contains("Usage"), "stderr: \(result.error)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
}
