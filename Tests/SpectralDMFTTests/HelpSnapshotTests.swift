import Foundation
import Testing

/// Snapshot tests of every `--help` text: the root, each group and each subcommand.
///
/// The snapshots are `HelpSnapshots/<command path>.txt` beside this file (`dmft-network-solve.txt` for
/// `dmft network solve --help`), rendered at `COLUMNS=100` (`toolEnvironment`). After an intended change of a help
/// text, regenerate them with
///
///     DMFT_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshot
///
/// and review the diff.
@Suite struct HelpSnapshotTests {
    /// Every command, as the words after `dmft` (the root is the empty path). A new subcommand fails
    /// `snapshotsCoverEveryCommand` until it is listed here and its snapshot is recorded.
    static let commands: [[String]] = [
        [],
        ["network"],
        ["network", "solve"],
        ["network", "reference"],
        ["network", "scan"],
        ["network", "transition"],
        ["network", "simulate"],
        ["network", "transient"],
        ["network", "phase-diagram"],
        ["network", "linear"],
        ["network", "sample"],
        ["pspin"],
        ["pspin", "solve"],
        ["pspin", "scan"],
        ["pspin", "transition"],
        ["pspin", "quench"],
        ["pspin", "age"],
        ["pspin", "drive"],
        ["pspin", "drive-scan"],
        ["spiked"],
        ["spiked", "quench"],
        ["spiked", "threshold"],
        ["ecosystem"],
        ["ecosystem", "cavity"],
        ["ecosystem", "dynamics"],
        ["ecosystem", "simulate"],
        ["ecosystem", "stationary"],
        ["ecosystem", "phase-diagram"],
        ["validate"],
        ["bench"],
        ["reproduce"],
        ["merge"],
    ]

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("HelpSnapshots")

    static var updating: Bool { ProcessInfo.processInfo.environment["DMFT_UPDATE_SNAPSHOTS"] == "1" }

    static func snapshotFile(_ command: [String]) -> URL {
        folder.appendingPathComponent((["dmft"] + command).joined(separator: "-") + ".txt")
    }

    @Test(arguments: commands)
    func helpMatchesItsSnapshot(_ command: [String]) throws {
        let result = try runQuickTool(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.error.isEmpty, "stderr: \(result.error)")
        let file = Self.snapshotFile(command)
        if Self.updating {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try result.output.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let stored = try? String(contentsOf: file, encoding: .utf8)
        guard let stored else {
            Issue.record("no snapshot \(file.lastPathComponent): record it with DMFT_UPDATE_SNAPSHOTS=1")
            return
        }
        if stored != result.output {
            let old = stored.split(separator: "\n", omittingEmptySubsequences: false)
            let new = result.output.split(separator: "\n", omittingEmptySubsequences: false)
            let line = zip(old, new).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(old.count, new.count)
            Issue.record("""
                `dmft \(command.joined(separator: " ")) --help` differs from \(file.lastPathComponent) at line \(line + 1):
                  snapshot: \(line < old.count ? String(old[line]) : "<end>")
                  now:      \(line < new.count ? String(new[line]) : "<end>")
                (regenerate with DMFT_UPDATE_SNAPSHOTS=1 if the change is intended)
                """)
        }
    }

    /// The command tree as the help texts show it (their SUBCOMMANDS sections), walked from the root.
    static func discoveredCommands() throws -> [[String]] {
        var found: [[String]] = []
        var pending: [[String]] = [[]]
        while let command = pending.first {
            pending.removeFirst()
            found.append(command)
            let help = try runQuickTool(command + ["--help"]).output
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(of: "SUBCOMMANDS:") else { continue }
            for line in lines[(start + 1)...] {
                if line.isEmpty { break }
                // A subcommand's line starts with two spaces and its name; wrapped abstracts are indented further.
                guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
                let name = line.dropFirst(2).split(separator: " ").first.map(String.init) ?? ""
                pending.append(command + [name])
            }
        }
        return found
    }

    @Test func snapshotsCoverEveryCommand() throws {
        let discovered = try Self.discoveredCommands()
        let unlisted = Set(discovered).subtracting(Self.commands), gone = Set(Self.commands).subtracting(discovered)
        #expect(unlisted.isEmpty && gone.isEmpty,
                "commands in the help texts but not in HelpSnapshotTests.commands: \(unlisted); listed but gone: \(gone)")
        let expected = Set(Self.commands.map { Self.snapshotFile($0).lastPathComponent })
        let stored = Set((try? FileManager.default.contentsOfDirectory(atPath: Self.folder.path)) ?? [])
            .filter { $0.hasSuffix(".txt") }
        if Self.updating {
            for stale in stored.subtracting(expected) {
                try FileManager.default.removeItem(at: Self.folder.appendingPathComponent(stale))
            }
        } else {
            #expect(stored.subtracting(expected).isEmpty, "snapshots of no command: \(stored.subtracting(expected))")
        }
    }

    @Test func versionPrintsThePackageVersion() throws {
        let result = try runQuickTool(["--version"])
        #expect(result.status == 0)
        #expect(result.output.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(result.output)")
        #expect(result.error.isEmpty)
    }
}
