import ArgumentParser
import Foundation

@main
struct DMFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmft",
        abstract: "Dynamical mean-field theory of random rate networks and spherical p-spin glasses: stationary states, chaos, transients.",
        discussion: """
        Units and conventions are those of docs/PHYSICS.md in the repository: time in units of the unit relaxation \
        time, Δ(τ) = ⟨h(t)h(t+τ)⟩, spectra f̂(ω) = ∫ f(|τ|) e^{iωτ} dτ.
        Examples:
          dmft network solve --g 1.5 --lyapunov
          dmft network scan --g-min 0.5 --g-max 3 --steps 100 --output scan.csv
          dmft network transition --sigma 0.5
          dmft pspin solve --p 3 --T 0.8 --output c.csv --spectrum chi.csv
          dmft pspin quench --p 3 --T 0.4 --t-max 200 --dt 0.05 --output quench
          dmft validate
          dmft reproduce --quick
        """,
        version: PackageInfo.version,
        subcommands: [Network.self, PSpin.self, Spiked.self, Ecosystem.self, Validate.self, Bench.self, Reproduce.self, Merge.self]
    )

    /// Parses, validates and runs the command. Help and `--version` print as usual (exit 0); every error — a usage
    /// error (unknown option, missing or malformed value), bad input, a failed run — is one `Error: …` line on
    /// standard error with no usage dump, and exit status 1. A command
    /// that writes several files runs as one unit (`OutputTransaction`): every file or none.
    static func main() {
        do {
            var command = try parseAsRoot()
            if let writer = command as? WritesOutputFiles {
                try OutputTransaction.run(writer.outputFiles) { try command.run() }
            } else {
                try command.run()
            }
        } catch {
            exit(reporting: error)
        }
    }

    /// Ends the process for `error` as `main()` describes.
    static func exit(reporting error: Error) -> Never {
        let code = exitCode(for: error)
        if code == .success { exit(withError: error) }   // --help, --version: ArgumentParser prints them
        let message = CommandSupport.describe(error) ?? message(for: error)
        if let line = oneLine(message) {
            FileHandle.standardError.write(Data("Error: \(line)\n".utf8))
        }
        Foundation.exit(1)
    }

    /// The first line of `message`; when it ends with ':' and is followed by ArgumentParser's bullet list of
    /// allowed values (six or more values), the values joined onto it.
    static func oneLine(_ message: String) -> String? {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return nil }
        let bullets = lines.dropFirst().prefix { $0.hasPrefix("  - ") }.map { $0.dropFirst(4) }
        guard first.hasSuffix(":"), !bullets.isEmpty else { return String(first) }
        return first + " " + bullets.joined(separator: ", ")
    }
}
