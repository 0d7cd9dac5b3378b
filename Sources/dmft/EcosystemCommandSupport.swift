import Foundation
import SpectralDMFT

/// The scaffolding shared by the sampling commands of `dmft ecosystem` (`dynamics`, `stationary`, and `simulate`'s
/// stationary measurement): the thread count, one-line input errors, the output folder check, and a solve with
/// progress on a terminal.
enum EcosystemCommandSupport {
    /// `--threads` (default: one per core), checked against the 4-per-core limit.
    static func threads(_ requested: Int?) throws -> Int {
        let threads = requested ?? ProcessInfo.processInfo.activeProcessorCount
        try ThreadCount.require(threads, named: "threads")
        return threads
    }

    /// Runs `body`, turning the library's parameter errors (`EcosystemError`, `SamplingError`) into one-line
    /// `InputError`s.
    static func inputErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EcosystemError {
            throw InputError(error.description)
        } catch let error as SamplingError {
            throw InputError(error.description)
        }
    }

    /// Writes the run record to `path` when one is given (appending it to `written`) and, with `--json`, prints
    /// it on one line; returns true when it was printed (the caller then prints nothing else).
    static func writeRecord<Record: Encodable>(_ record: Record, to path: String?, written: inout [String],
                                               printJSON: Bool) throws -> Bool {
        if let path {
            try AtomicFile.write(try JSONRecord.encode(record, pretty: true, snakeCase: false) + "\n", to: path)
            written.append(path)
        }
        if printJSON { print(try JSONRecord.encode(record, snakeCase: false)) }
        return printJSON
    }

    /// Before any work: the output folder's parent must exist, and the files that would be replaced must be
    /// writable.
    static func checkOutput(folder output: String, files: [String]) throws {
        try CommandSupport.checkOutputFolder(output)
        if FileManager.default.fileExists(atPath: output) {
            for path in files { try AtomicFile.checkWritable(path) }
        }
    }

    /// Runs `body`, passing it a progress reporter that writes one rewritten line on a terminal (nothing otherwise);
    /// the line is cleared however `body` ends. Returns the result and the wall time in seconds.
    static func timedWithProgress<T>(_ body: (_ report: @escaping @Sendable (String) -> Void) throws -> T) throws -> (result: T, seconds: Double) {
        let showProgress = CommandSupport.showsProgress
        let began = Date()
        defer { if showProgress { CommandSupport.endProgress() } }
        let result = try body { text in if showProgress { CommandSupport.progress(text) } }
        return (result, Date().timeIntervalSince(began))
    }
}

/// A mean ± standard error as recorded in run.json (`{"mean": …, "error": …}`).
struct EcosystemEstimateRecord: Encodable {
    let mean: Double, error: Double
    init(_ estimate: EcosystemEstimate) { mean = estimate.mean; error = estimate.error }
}

extension EcosystemEstimate {
    /// "mean ± error" for the terminal.
    var shown: String { error.isNaN ? String(format: "%.5g", mean) : String(format: "%.5g ± %.2g", mean, error) }
}
