import ArgumentParser
import Foundation
import SpectralDMFT

/// Helpers shared by the subcommands: parameter checks, progress on a terminal, output paths.
enum CommandSupport {
    /// Throws a one-line `InputError` unless `value` is finite and satisfies `condition`: e.g.
    /// `invalid g = -1.0: g must be > 0` (with "(a finite number)" added for nan and ±inf).
    /// - Parameter requirement: the condition in words, after "must be": `> 0`, `>= g-min`, `between 1 and 10`.
    static func require(_ value: Double, named name: String, _ requirement: String, _ condition: (Double) -> Bool) throws {
        guard value.isFinite, condition(value) else {
            throw InputError("invalid \(name) = \(value): \(name) must be \(requirement)\(value.isFinite ? "" : " (a finite number)")")
        }
    }

    /// True when standard error is a terminal (progress is shown only then).
    static var showsProgress: Bool { isatty(STDERR_FILENO) != 0 }

    /// Writes a progress line in place on standard error.
    static func progress(_ text: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    /// Ends a progress line.
    static func endProgress() { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }

    /// `path` with its extension replaced: `scan.csv` → `scan.run.json`.
    static func sibling(of path: String, suffix: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent(stem + suffix).path
    }

    /// Parses a comma-separated list of finite numbers in `range`; throws one `InputError` line naming `name`.
    static func numbers(_ text: String, named name: String, in range: ClosedRange<Double>) throws -> [Double] {
        let values = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite && range.contains($0!) }) else {
            let bounds = range.upperBound.isFinite ? "in [\(range.lowerBound), \(range.upperBound)]" : ">= \(range.lowerBound)"
            throw InputError("invalid \(name) '\(text)': give comma-separated finite numbers \(bounds)")
        }
        return values.map { $0! }
    }

    /// Checks that `path` can be an output folder (its parent exists, it is not a file), without creating it.
    static func checkOutputFolder(_ path: String) throws {
        let folder = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        let parent = folder.deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("cannot write \(path): its parent folder does not exist")
        }
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InputError("cannot write \(path): it is a file, not a folder")
        }
    }

    /// Prints a message on standard error.
    static func warn(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    /// "1 coupling", "3 couplings": a count and its noun (plural by an added "s").
    static func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    /// The file a path names once `.`/`..` and symbolic links (of the file, or else of its folder) are resolved.
    static func canonicalPath(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if let resolved = realpath(url.path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        if let folder = realpath(url.deletingLastPathComponent().path, nil) {
            defer { free(folder) }
            return URL(fileURLWithPath: String(cString: folder)).appendingPathComponent(url.lastPathComponent).path
        }
        return url.path
    }

    /// Refuses a run whose outputs name one file twice (`--output x.csv --spectrum x.csv`, or `--spectrum` on the
    /// run record): checked before any work, so that a run never overwrites its own output.
    /// - Parameter outputs: each output's description (`--spectrum`, `the run record`) and path.
    static func requireDistinct(_ outputs: [(what: String, path: String?)]) throws {
        var seen: [String: String] = [:]
        for (what, path) in outputs {
            guard let path else { continue }
            let key = canonicalPath(path)
            if let first = seen[key] {
                throw InputError("\(first) and \(what) are the same file \(path): give them different paths")
            }
            seen[key] = what
        }
    }

    /// The one line printed for an error that reaches the top level. Foundation's file errors (whose description
    /// is a dump of their domain, code and user info) become `cannot write PATH: reason`.
    static func describe(_ error: Error) -> String? {
        guard let cocoa = error as? CocoaError else { return nil }
        let info = (error as NSError).userInfo
        let path = info[NSFilePathErrorKey] as? String ?? (info[NSURLErrorKey] as? URL)?.path ?? "a file"
        var reason = cocoa.localizedDescription
        if let underlying = info[NSUnderlyingErrorKey] as? any Error {
            let posix = underlying as NSError
            if posix.domain == NSPOSIXErrorDomain { reason = String(cString: strerror(Int32(posix.code))) }
        }
        let verb = cocoa.isFileReadError ? "read" : "write"
        return "cannot \(verb) \(path): \(reason)"
    }
}

extension CocoaError {
    /// True for the file-reading codes (256…511).
    var isFileReadError: Bool { (256..<512).contains(code.rawValue) }
}

/// The package version: `dmft --version` and every run record.
enum PackageInfo {
    static let version = "0.2.0"
}

/// Bad input on the command line: printed as one `Error: …` line (no usage text), exit status 1, nothing written.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A run that did its work but not all of it (e.g. failed points of a scan, written as `nan` rows): printed as one
/// `Error: …` line after the outputs, exit status 1.
struct RunFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
