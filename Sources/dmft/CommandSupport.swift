import ArgumentParser
import Foundation
import SpectralDMFT

/// Helpers shared by the subcommands: parameter checks, progress on a terminal, output paths.
enum CommandSupport {
    /// Throws a one-line `ValidationError` unless `value` is finite and satisfies `condition`.
    static func require(_ value: Double, named name: String, _ requirement: String, _ condition: (Double) -> Bool) throws {
        guard value.isFinite, condition(value) else {
            throw InputError("invalid \(name) = \(value): it must be \(requirement)")
        }
    }

    /// The transfer function named on the command line.
    static func nonlinearity(named name: String) throws -> Nonlinearity {
        guard let phi = Nonlinearity.named(name) else { throw InputError("unknown transfer function '\(name)': choose tanh or erf") }
        return phi
    }

    /// Parses an acceleration name.
    static func acceleration(named name: String) throws -> Acceleration {
        switch name {
        case "newton-krylov": return .standard
        case "anderson": return .anderson(depth: 8, damping: 1)
        case "plain": return .plain(damping: 1)
        default: throw InputError("unknown acceleration '\(name)': choose newton-krylov, anderson or plain")
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
}

/// Package version written into run records.
enum PackageInfo {
    static let version = "0.1.0"
}

/// Bad input on the command line: printed as one `Error: …` line (no usage text), exit status 1, nothing written.
struct InputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
