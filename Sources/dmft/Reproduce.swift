import ArgumentParser
import Foundation
import SpectralDMFTValidation

struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate the data sets of notebooks-data/ from scratch, each with a JSON run record.",
        discussion: """
        Full resolution goes to notebooks-data/data, --quick (reduced resolution, for tests) to notebooks-data/quick, \
        unless --output-dir is given. Every file is written atomically (temporary file, then rename), so an \
        interrupted run leaves each file either as it was or complete. Run it from the repository root, in release. \
        With --check the data go to a temporary folder (or --output-dir) and are compared with the committed ones \
        (relative 1e-8 + absolute 1e-12 per number); any difference exits non-zero.
        """
    )

    @Flag(help: "Reduced resolution (seconds instead of minutes).")
    var quick = false

    @Option(help: "Only this data set (see --list).")
    var only: String?

    @Flag(help: "List the data sets and exit.")
    var list = false

    @Flag(help: "Compare the regenerated data with the committed data instead of replacing it.")
    var check = false

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
        let committed = Reproduction.defaultFolder(quick: quick)
        var folder = outputDir ?? committed
        var scratch: URL?
        if check && outputDir == nil {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("dmft-reproduce-check-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            scratch = url
            folder = url.path
        }
        defer { if let scratch { try? FileManager.default.removeItem(at: scratch) } }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("output folder \(folder) does not exist (run from the repository root, or give --output-dir)")
        }
        if check {
            guard FileManager.default.fileExists(atPath: committed, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw InputError("reference folder \(committed) does not exist (run from the repository root)")
            }
        }
        Reproduction.removeStalePartials(in: folder)
        let commit = Reproduction.gitCommit()
        let selected = DataSets.all.filter { only == nil || $0.name == only }
        let start = Date()
        var produced: [String] = []
        for (index, set) in selected.enumerated() {
            if CommandSupport.showsProgress { CommandSupport.progress("reproduce: \(set.name) (\(index + 1)/\(selected.count))") }
            let (files, seconds) = try Reproduction.produce(set, quick: quick, into: folder, version: PackageInfo.version,
                                                            gitCommit: commit)
            produced += files
            if CommandSupport.showsProgress { CommandSupport.endProgress() }
            print("\(set.name): \(files.joined(separator: ", ")) in " + String(format: "%.1f s", seconds))
        }
        print("reproduced \(selected.count) data sets in " + String(format: "%.1f s", Date().timeIntervalSince(start)) + " into \(folder)")
        guard check else { return }
        let comparisons = try Reproduction.compareFolders(produced: URL(fileURLWithPath: folder),
                                                          reference: URL(fileURLWithPath: committed),
                                                          files: only == nil ? nil : produced)
        for comparison in comparisons {
            print("\(comparison.passed ? "PASS" : "FAIL")  \(comparison.file.padding(toLength: 34, withPad: " ", startingAt: 0)) \(comparison.detail)")
        }
        let failed = comparisons.filter { !$0.passed }.count
        print("\(comparisons.count - failed) files agree with \(committed), \(failed) differ")
        if failed > 0 { throw ExitCode.failure }
    }
}
