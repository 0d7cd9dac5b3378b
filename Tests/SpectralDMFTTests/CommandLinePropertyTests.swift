import Foundation
import PropertyBased
import Testing

// Property-based tests of the command-line contract (issue 10): for every numeric option of the fast subcommands, any
// value — random finite ones, huge (1e308), tiny (1e-308), nan, ±inf, negative, zero, −0 — gives either exit status 0
// with finite numbers in the output, or exactly one `Error: …` line and exit status 1; and nothing is written when the
// run fails. Each spawned `dmft` is killed after `quickToolTimeout` seconds (a hang detector, which fails the test).

/// One numeric option of one subcommand, with the other arguments that make the command line otherwise valid.
struct NumericOption: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case real(random: ClosedRange<Double>), integer(random: ClosedRange<Int>) }

    let command: [String]
    let option: String
    let otherArguments: [String]
    let kind: Kind
    /// Whether the command takes `--output FILE` (then given, to check that a failed run writes nothing).
    let writesFiles: Bool

    init(_ command: String, _ option: String, _ otherArguments: [String] = [], _ kind: Kind, writesFiles: Bool = false) {
        self.command = command.split(separator: " ").map(String.init)
        self.option = option
        self.otherArguments = otherArguments
        self.kind = kind
        self.writesFiles = writesFiles
    }

    var name: String { command.joined(separator: " ") + " " + option }
    var testDescription: String { (command + otherArguments + [option]).joined(separator: " ") }

    func arguments(_ value: String) -> [String] {
        command + otherArguments + [option, value] + (writesFiles ? ["--output", "out.csv"] : [])
    }

    /// The values every option is tried with, besides the random ones.
    var specialValues: [String] {
        switch kind {
        case .real: ["nan", "inf", "-inf", "-1", "0", "-0", "1e308", "1e-308"]
        case .integer: ["\(Int.min)", "-1", "0", "1", "\(Int.max)"]
        }
    }
}

/// The options under test: the fast subcommands (each run well under a second in a debug build).
let contractOptions: [NumericOption] = [
    NumericOption("network solve", "--g", [], .real(random: -1...20), writesFiles: true),
    NumericOption("network solve", "--sigma", ["--g", "1.5"], .real(random: -1...20), writesFiles: true),
    // Random steps from 0.005 up (grids of at most ~80 000 lags, fast in a debug build); the special values cover
    // 0, negative, tiny and huge steps.
    NumericOption("network solve", "--step", ["--g", "1.5"], .real(random: 0.005...0.5), writesFiles: true),
    NumericOption("network solve", "--window", ["--g", "1.5"], .real(random: -10...400), writesFiles: true),
    NumericOption("network solve", "--tolerance", ["--g", "1.5"], .real(random: -1e-6...1e-3), writesFiles: true),
    NumericOption("network solve", "--max-iterations", ["--g", "1.5"], .integer(random: -10...200), writesFiles: true),
    NumericOption("network reference", "--g", [], .real(random: -1...100)),
    NumericOption("network reference", "--sigma", ["--g", "1.5"], .real(random: -1...100)),
    NumericOption("network transition", "--sigma", [], .real(random: -5...0.05)),
    NumericOption("pspin solve", "--T", ["--p", "3"], .real(random: -1...100), writesFiles: true),
    NumericOption("pspin solve", "--T", ["--p", "3", "--method", "doubling"], .real(random: -1...10), writesFiles: true),
    NumericOption("pspin solve", "--p", ["--T", "1.5"], .integer(random: -3...12), writesFiles: true),
    NumericOption("pspin transition", "--p", [], .integer(random: -3...1000)),
]

/// Runs one command line in a fresh scratch folder and checks the contract.
func checkContract(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let scratch = try scratchFolder("contract")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let result = try runQuickTool(arguments, in: scratch, sourceLocation: sourceLocation)
    let line = "dmft " + arguments.joined(separator: " ")
    let files = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
    switch result.status {
    case 0:
        #expect(result.error.isEmpty, "\(line): stderr \(result.error)", sourceLocation: sourceLocation)
        var texts = [result.output]
        for file in files { texts.append(try String(contentsOf: scratch.appendingPathComponent(file), encoding: .utf8)) }
        for text in texts {
            let nonFinite = text.range(of: #"(?i)\b-?(nan|inf|infinity)\b"#, options: .regularExpression)
            #expect(nonFinite == nil, "\(line): non-finite number in the output: \(text.prefix(400))",
                    sourceLocation: sourceLocation)
        }
    case 1:
        let lines = result.error.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1 && lines[0].hasPrefix("Error: "), "\(line): stderr \(result.error)",
                sourceLocation: sourceLocation)
        #expect(result.output.isEmpty, "\(line): stdout \(result.output)", sourceLocation: sourceLocation)
        #expect(files.isEmpty, "\(line) failed but wrote \(files)", sourceLocation: sourceLocation)
    default:
        Issue.record("\(line): exit status \(result.status), stderr \(result.error.prefix(400))", sourceLocation: sourceLocation)
    }
}

@Test(arguments: contractOptions)
func specialValuesKeepTheCommandLineContract(_ option: NumericOption) throws {
    for value in option.specialValues { try checkContract(option.arguments(value)) }
}

/// Random values per option (each case spawns one `dmft`; the count keeps the file well under 30 s in debug).
let randomCasesPerOption = 3

@Test(.shrinking(false), arguments: contractOptions)
func randomValuesKeepTheCommandLineContract(_ option: NumericOption) async throws {
    switch option.kind {
    case .real(let range):
        await propertyCheck(count: randomCasesPerOption, input: Gen.double(in: range)) { value in
            try checkContract(option.arguments("\(value)"))
        }
    case .integer(let range):
        await propertyCheck(count: randomCasesPerOption, input: Gen.int(in: range)) { value in
            try checkContract(option.arguments("\(value)"))
        }
    }
}
