import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

extension ValidationArea: ExpressibleByArgument {}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Production-resolution checks of every solver against its independent route, as a pass/fail table.",
        discussion: "Run it from a release build (swift run -c release dmft validate). Exits non-zero if any check fails."
    )

    @Flag(help: "Print the checks as JSON.")
    var json = false

    @Option(help: "Only the checks of this area.")
    var only: ValidationArea?

    func run() throws {
        let checks = try Validation.run(areas: only.map { [$0] } ?? ValidationArea.allCases) { check in
            if !json { print(check.formatted) }
        }
        let failed = checks.filter { !$0.passed }
        if json {
            print(try JSONRecord.encode(checks))
        } else {
            print("\(checks.count - failed.count) passed, \(failed.count) failed")
        }
        if !failed.isEmpty { throw ExitCode.failure }
    }
}
