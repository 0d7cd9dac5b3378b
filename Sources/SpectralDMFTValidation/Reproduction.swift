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
package struct DataSet {
    /// The name (`--only`), also the stem of its run record `NAME.run.json`.
    package let name: String
    /// One line for `dmft reproduce --list`.
    package let description: String
    let produce: (_ quick: Bool) throws -> DataSetOutput
}

/// The registry of canonical data sets.
package enum DataSets {
    /// Every data set, in the order `dmft reproduce` writes them.
    package static var all: [DataSet] {
        NetworkDataSets.all + PSpinDataSets.all + TwoTimeDataSets.all + DrivenDataSets.all + PopulationDataSets.all
            + EcosystemDataSets.all + LongTimeDataSets.all
    }
}

/// A data set that could not be produced.
enum DataSetError: Error, CustomStringConvertible {
    case failedPoints(Int)
    var description: String {
        switch self {
        case .failedPoints(let count): return "\(count) points of the data set failed to converge"
        }
    }
}

/// Regenerating the data sets of notebooks-data/ and comparing them with the committed references.
package enum Reproduction {
    /// The committed folder of the data: notebooks-data/quick (reduced resolution) or notebooks-data/data.
    package static func defaultFolder(quick: Bool) -> String { quick ? "notebooks-data/quick" : "notebooks-data/data" }

    /// Produces `set` at the chosen resolution into `folder`: every table written atomically, then `NAME.run.json`.
    /// Returns the files written (names relative to `folder`).
    package static func produce(_ set: DataSet, quick: Bool, into folder: String, version: String,
                                gitCommit: String?) throws -> (files: [String], seconds: Double) {
        let start = Date()
        let output = try set.produce(quick)
        var files: [String] = []
        for (file, table) in output.tables {
            try table.write(to: (folder as NSString).appendingPathComponent(file))
            files.append(file)
        }
        let seconds = Date().timeIntervalSince(start)
        let record = DataSetRecord(name: set.name, description: set.description, files: files, quick: quick,
                                   parameters: output.parameters, statistics: output.statistics,
                                   version: version, gitCommit: gitCommit, seconds: seconds)
        let recordPath = (folder as NSString).appendingPathComponent(set.name + ".run.json")
        try AtomicFile.write(try JSONRecord.encode(record, pretty: true) + "\n", to: recordPath)
        return (files, seconds)
    }

    /// Removes temporary files left by an interrupted earlier run (their targets were never replaced).
    package static func removeStalePartials(in folder: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".partial") {
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(name))
        }
    }

    /// The current git commit, when the tool runs inside a checkout with git available.
    package static func gitCommit() -> String? {
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

    /// The outcome of comparing one produced file with its committed reference.
    package struct Comparison: Sendable {
        /// The file name.
        package let file: String
        /// True when every field agrees within the tolerance.
        package let passed: Bool
        /// What differs (empty when it passed), or the worst difference as a multiple of the tolerance.
        package let detail: String
    }

    /// Compares two CSV tables field by field: numbers within `relative`·|reference| + `absolute`, NaN equal to
    /// NaN, anything else as text; headers and row counts must agree and both files must end with a newline.
    package static func compareTables(produced: URL, reference: URL, relative: Double = 1e-8,
                                      absolute: Double = 1e-12) -> Comparison {
        let file = reference.lastPathComponent
        func read(_ url: URL) -> (header: String, rows: [[String]], endsWithNewline: Bool)? {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let body = lines.dropFirst().filter { !$0.isEmpty }
            return (String(lines[0]), body.map { $0.split(separator: ",").map(String.init) }, lines.last == "")
        }
        guard let a = read(produced) else { return Comparison(file: file, passed: false, detail: "not produced") }
        guard let b = read(reference) else { return Comparison(file: file, passed: false, detail: "no reference") }
        guard a.endsWithNewline else { return Comparison(file: file, passed: false, detail: "does not end with a newline") }
        guard a.header == b.header else { return Comparison(file: file, passed: false, detail: "header \(a.header) ≠ \(b.header)") }
        guard a.rows.count == b.rows.count else {
            return Comparison(file: file, passed: false, detail: "\(a.rows.count) rows, reference \(b.rows.count)")
        }
        var worst = 0.0
        for (index, (rowA, rowB)) in zip(a.rows, b.rows).enumerated() {
            guard rowA.count == rowB.count else {
                return Comparison(file: file, passed: false, detail: "row \(index + 1): \(rowA.count) fields, reference \(rowB.count)")
            }
            for (fieldA, fieldB) in zip(rowA, rowB) {
                guard let x = Double(fieldA), let y = Double(fieldB) else {
                    if fieldA != fieldB { return Comparison(file: file, passed: false, detail: "row \(index + 1): '\(fieldA)' ≠ '\(fieldB)'") }
                    continue
                }
                if x.isNaN || y.isNaN {
                    if !(x.isNaN && y.isNaN) { return Comparison(file: file, passed: false, detail: "row \(index + 1): \(x) vs \(y)") }
                    continue
                }
                worst = max(worst, abs(x - y) / (relative * abs(y) + absolute))
            }
        }
        return Comparison(file: file, passed: worst <= 1,
                          detail: String(format: "worst difference %.2g× the tolerance (%.0e relative + %.0e)", worst, relative, absolute))
    }

    /// Compares the produced folder with the reference folder: every reference CSV named in `files` (every
    /// reference CSV when `files` is nil) must agree, and with `files` nil the run records must be the same set.
    package static func compareFolders(produced: URL, reference: URL, files: [String]? = nil) throws -> [Comparison] {
        let referenceNames = try FileManager.default.contentsOfDirectory(atPath: reference.path)
        let names = files ?? referenceNames.filter { $0.hasSuffix(".csv") }.sorted()
        var comparisons = names.map {
            compareTables(produced: produced.appendingPathComponent($0), reference: reference.appendingPathComponent($0))
        }
        if files == nil {
            let records = Set(try FileManager.default.contentsOfDirectory(atPath: produced.path).filter { $0.hasSuffix(".run.json") })
            let expected = Set(referenceNames.filter { $0.hasSuffix(".run.json") })
            comparisons.append(Comparison(file: "*.run.json", passed: records == expected,
                                          detail: records == expected ? "\(records.count) run records"
                                              : "missing \(expected.subtracting(records).sorted()), extra \(records.subtracting(expected).sorted())"))
        }
        return comparisons
    }
}
