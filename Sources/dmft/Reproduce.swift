import ArgumentParser
import Foundation
import SpectralDMFT

/// The run record written beside every data set: what produced it, with which parameters, how long it took.
struct DataSetRecord: Encodable {
    let name: String
    let description: String
    let files: [String]
    let quick: Bool
    let parameters: [String: String]
    let statistics: [String: Double]
    let version: String
    let gitCommit: String?
    let seconds: Double
}

/// What a data set's producer returns: the tables to write (file name → table) and what to record about them.
struct DataSetOutput {
    var tables: [(file: String, table: CSVTable)] = []
    var parameters: [String: String] = [:]
    var statistics: [String: Double] = [:]
}

/// One canonical data set of notebooks-data/: a name, a one-line description, and its producer.
struct DataSet {
    let name: String
    let description: String
    let produce: (_ quick: Bool) throws -> DataSetOutput
}

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate the data sets of notebooks-data/ from scratch, each with a JSON run record.",
        discussion: """
        Full resolution goes to notebooks-data/data, --quick (reduced resolution, for tests) to notebooks-data/quick, \
        unless --output-dir is given. Every file is written atomically (temporary file, then rename), so an \
        interrupted run leaves each file either as it was or complete. Run it from the repository root, in release.
        """
    )

    @Flag(help: "Reduced resolution (seconds instead of minutes).")
    var quick = false

    @Option(help: "Only this data set (see --list).")
    var only: String?

    @Flag(help: "List the data sets and exit.")
    var list = false

    @Option(help: "Folder for the data (default notebooks-data/data, or notebooks-data/quick with --quick).")
    var outputDir: String?

    func validate() throws {
        if let only, !DataSets.all.contains(where: { $0.name == only }) {
            throw InputError("unknown data set '\(only)': choose one of \(DataSets.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        if list {
            for set in DataSets.all { print("\(set.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(set.description)") }
            return
        }
        let folder = outputDir ?? (quick ? "notebooks-data/quick" : "notebooks-data/data")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("output folder \(folder) does not exist (run from the repository root, or give --output-dir)")
        }
        Self.removeStalePartials(in: folder)
        let commit = Self.gitCommit()
        let selected = DataSets.all.filter { only == nil || $0.name == only }
        let start = Date()
        for (index, set) in selected.enumerated() {
            if CommandSupport.showsProgress { CommandSupport.progress("reproduce: \(set.name) (\(index + 1)/\(selected.count))") }
            let setStart = Date()
            let output = try set.produce(quick)
            var files: [String] = []
            for (file, table) in output.tables {
                let path = (folder as NSString).appendingPathComponent(file)
                try table.write(to: path)
                files.append(file)
            }
            let seconds = Date().timeIntervalSince(setStart)
            let record = DataSetRecord(name: set.name, description: set.description, files: files, quick: quick,
                                       parameters: output.parameters, statistics: output.statistics,
                                       version: PackageInfo.version, gitCommit: commit, seconds: seconds)
            let recordPath = (folder as NSString).appendingPathComponent(set.name + ".run.json")
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
            if CommandSupport.showsProgress { CommandSupport.endProgress() }
            print("\(set.name): \(files.joined(separator: ", ")) in " + String(format: "%.1f s", seconds))
        }
        print("reproduced \(selected.count) data sets in " + String(format: "%.1f s", Date().timeIntervalSince(start)) + " into \(folder)")
    }

    /// Removes temporary files left by an interrupted earlier run (their targets were never replaced).
    static func removeStalePartials(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".partial") {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
    }

    /// The current git commit, when the tool runs inside a checkout with git available.
    static func gitCommit() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// The registry of canonical data sets.
enum DataSets {
    static var all: [DataSet] { NetworkDataSets.all + PSpinDataSets.all + TwoTimeDataSets.all }
}
