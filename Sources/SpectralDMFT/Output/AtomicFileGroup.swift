import Foundation

extension AtomicFile {
    /// One file of a group written as a unit by `writeAll(_:)`.
    package struct Entry: Sendable {
        /// Target path.
        package let path: String
        /// The bytes to write.
        package let contents: Data

        /// A file holding `contents`.
        package init(path: String, contents: Data) {
            self.path = path
            self.contents = contents
        }

        /// A text file (UTF-8).
        package static func text(_ text: String, to path: String) -> Entry { Entry(path: path, contents: Data(text.utf8)) }
    }

    /// Writes several files of one run as one unit: after it returns every file holds its new contents; after it
    /// throws every target is as it was before the call (new files absent, existing ones unchanged).
    ///
    /// Steps: every target is checked (`checkWritable`, and no two entries may name the same file, compared after
    /// resolving symbolic links); every file is written to a temporary in its own folder (on failure all temporaries
    /// are removed); each existing target is kept under a hard-linked backup name; the temporaries are renamed over
    /// the targets; on a failed rename the renamed files are removed or their backups put back; finally the
    /// backups are removed. A crash between the first and the last rename can still leave a mixture (no
    /// filesystem offers a multi-file atomic rename), but never a half-written file.
    ///
    /// - Throws: `AtomicFile.WriteError` naming the first file that failed.
    package static func writeAll(_ entries: [Entry]) throws {
        var seen = Set<String>()
        for entry in entries {
            try checkWritable(entry.path)
            let resolved = URL(fileURLWithPath: entry.path).resolvingSymlinksInPath().standardizedFileURL.path
            guard seen.insert(resolved).inserted else {
                throw WriteError.failed(entry.path, "the same file is named twice among this run's outputs")
            }
        }
        let process = ProcessInfo.processInfo.processIdentifier
        func sibling(_ path: String, _ suffix: String) -> String {
            let url = URL(fileURLWithPath: path)
            return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(process).\(suffix)").path
        }
        let temporaries = entries.map { sibling($0.path, "partial") }
        let backups = entries.map { sibling($0.path, "previous") }
        // 1. Temporaries.
        for (index, entry) in entries.enumerated() {
            do {
                try entry.contents.write(to: URL(fileURLWithPath: temporaries[index]))
            } catch {
                for temporary in temporaries[0...index] { unlink(temporary) }
                throw WriteError.failed(entry.path, error.localizedDescription)
            }
        }
        // 2. Backups of existing targets (hard links: same folder, no copy).
        var backedUp = [Bool](repeating: false, count: entries.count)
        for (index, entry) in entries.enumerated() where FileManager.default.fileExists(atPath: entry.path) {
            unlink(backups[index])
            backedUp[index] = link(entry.path, backups[index]) == 0
                || (try? FileManager.default.copyItem(atPath: entry.path, toPath: backups[index])) != nil
        }
        // 3. Renames, undone on failure.
        for (index, entry) in entries.enumerated() where rename(temporaries[index], entry.path) != 0 {
            let reason = String(cString: strerror(errno))
            for earlier in 0..<index {
                if backedUp[earlier] { rename(backups[earlier], entries[earlier].path) } else { unlink(entries[earlier].path) }
            }
            for later in index..<entries.count { unlink(temporaries[later]) }
            for other in entries.indices where backedUp[other] { unlink(backups[other]) }
            throw WriteError.failed(entry.path, reason)
        }
        for index in entries.indices where backedUp[index] { unlink(backups[index]) }
    }
}
