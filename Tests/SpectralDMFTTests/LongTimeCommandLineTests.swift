import Foundation
import Testing
@testable import SpectralDMFT

private func ageFolder(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-age-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.appendingPathComponent("run")
}

@Test func pspinAgeWritesTheContractFilesWithAnErrorBar() throws {
    let folder = try ageFolder("files")
    let result = try runTool(["pspin", "age", "--p", "3", "--T", "0.4", "--t-max", "16", "--block-size", "32",
                              "--waiting-times", "1,4", "--error-bar", "--output", folder.path])
    #expect(result.status == 0, "\(result.error)")
    func lines(_ name: String) throws -> [Substring] {
        try String(contentsOfFile: folder.appendingPathComponent(name).path, encoding: .utf8).split(separator: "\n")
    }
    #expect(try lines("energy.csv").first == "t,energy,mu,error_bar")
    #expect(try lines("correlation.csv").first == "t_w,tau,C")
    #expect(try lines("fdt.csv").first == "t_w,t,C,chi")
    let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as! [String: Any]
    #expect(record["waiting_times"] as? [Double] == [1, 4])
    #expect((record["runs"] as? [Any])?.count == 2)
    // The library's own numbers: the 2M run's last energy and the M/2M difference.
    let quench = try LongTimeQuench(mixture: .pure(3), temperature: 0.4)
    let fine = try LongTimeQuenchSolver(quench, options: LongTimeOptions(blockSize: 64, maximumTime: 16, waitingTimes: [1, 4])).solve()
    let final = try #require(record["final_energy"] as? Double)
    #expect(abs(final - fine.samples.last!.energy) < 1e-14)  // JSON keeps 16 digits
    let bar = try #require(record["energy_error_bar"] as? Double)
    #expect(bar > 1e-6 && bar < 1e-2)
    // The threshold state of p = 3 at T = 0.4 (docs/PHYSICS.md §2.5), the FD slopes of the 2M run's cuts, and no
    // exponent fit (it needs t-max ≥ 100).
    let asymptote = try #require(record["asymptote"] as? [String: Any])
    #expect(abs(try #require(asymptote["energy"] as? Double) + 0.944368) < 1e-6)
    #expect(record["energy_exponent"] == nil)
    let slopes = try #require(record["fd_slopes"] as? [[String: Any]])
    #expect(slopes.count >= 1)
    for entry in slopes {
        let tw = try #require(entry["waiting_time"] as? Double)
        let cut = try #require(fine.waitingCuts.first { $0.waitingTime == tw })
        let fit = try #require(cut.fluctuationDissipationSlope(correlations: 0.1...0.5))
        #expect(abs(try #require(entry["slope"] as? Double) - fit.slope) < 1e-12)
        #expect(entry["block_size_difference"] is Double)
    }
    // The FD ratio file: the library's X = −T dχ/dC along the 2M run's cuts, row for row.
    let ratio = try lines("fd_ratio.csv")
    #expect(ratio.first == "t_w,t,C,dchi_dC,X")
    let expected = fine.waitingCuts.flatMap { cut in cut.fluctuationDissipationRatio(temperature: 0.4).map { (cut.waitingTime, $0) } }
    #expect(ratio.count == expected.count + 1 && expected.count > 20)
    for (line, (tw, point)) in zip(ratio.dropFirst(), expected) {
        let values = line.split(separator: ",").map { Double($0)! }
        #expect(values[0] == tw && values[1] == point.time && abs(values[4] - point.ratio) < 1e-14)
    }
    #expect((record["files"] as? [String])?.contains { $0.hasSuffix("fd_ratio.csv") } == true)
}

@Test func pspinAgeRefusesBadInputWithOneLineAndWritesNothing() throws {
    let folder = try ageFolder("bad")
    for arguments in [["--T", "-1"], ["--T", "0", "--block-size", "15"], ["--T", "0", "--waiting-times", "50"]] {
        let result = try runTool(["pspin", "age", "--p", "3", "--t-max", "16", "--output", folder.path] + arguments)
        #expect(result.status == 1)
        #expect(result.error.hasPrefix("Error: ") && result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }
}
