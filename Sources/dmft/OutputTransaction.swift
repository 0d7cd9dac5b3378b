import Foundation

/// A command that writes several files: `DMFT.main` runs it as one unit, every file or none (issue 10, file safety).
protocol WritesOutputFiles {
    /// Every file the run may write, known before it starts.
    var outputFiles: [String] { get }
}

/// Runs a multi-file command so that a failure part-way (a full disk after the first file, an unwritable second
/// path) leaves the outputs as they were: files the run created are removed, files it replaced are restored.
///
/// Before the run each existing output gets a hard link `.NAME.PID.before` beside it (no copy: the atomic writes put
/// a new file in place, the link keeps the old one). A `RunFailure` (a scan whose failed points are written as nan
/// rows) is a completed run and keeps its outputs.
enum OutputTransaction {
    static func run(_ paths: [String], _ body: () throws -> Void) throws {
        let manager = FileManager.default
        var backups: [String: String] = [:]
        var existed = Set<String>()
        for path in Set(paths) where manager.fileExists(atPath: path) {
            existed.insert(path)
            let url = URL(fileURLWithPath: path)
            let backup = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).before").path
            unlink(backup)
            if link(path, backup) == 0 { backups[path] = backup }
        }
        defer { for backup in backups.values { unlink(backup) } }
        do {
            try body()
        } catch let failure as RunFailure {
            throw failure
        } catch {
            for path in Set(paths) {
                if let backup = backups[path] {
                    rename(backup, path)
                } else if !existed.contains(path) {
                    unlink(path)
                }
            }
            throw error
        }
    }
}

extension NetworkSolve: WritesOutputFiles {
    var outputFiles: [String] {
        let paths = outputPaths()
        return [output, paths.spectrum, paths.record].compactMap { $0 }
    }
}

extension PSpinSolve: WritesOutputFiles {
    var outputFiles: [String] { [output, spectrum, recordPath].compactMap { $0 } }
}

extension NetworkScanCommand: WritesOutputFiles {
    var outputFiles: [String] { [output, recordPath] }
}

extension PSpinScanCommand: WritesOutputFiles {
    var outputFiles: [String] { [output, recordPath] }
}

extension NetworkPhaseDiagram: WritesOutputFiles {
    var outputFiles: [String] { [output, transitionPath, recordPath] }
}

extension NetworkSimulate: WritesOutputFiles {
    var outputFiles: [String] {
        [output, output.map { CommandSupport.sibling(of: $0, suffix: ".run.json") }].compactMap { $0 }
    }
}
