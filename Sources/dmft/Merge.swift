import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the outputs of a sweep run as shards (--shard I/N) into the files one run writes.",
        discussion: """
        Give the main CSV file of every shard (e.g. the --output of `dmft network phase-diagram --shard I/N`); each \
        one's run record FILE.run.json beside it says which shard it is. Writes --output (and, for the phase diagram, \
        FILE-transition.csv beside it) byte for byte as one run of the sweep writes them, and FILE.run.json: the \
        shards' common record with `failures` summed and `seconds` the shards' summed time. Refuses a missing or \
        duplicated shard and shards of different parameters, writing nothing.
        Examples:
          dmft network scan --g-min 0.5 --g-max 3 --steps 100 --shard 1/2 --output part1.csv
          dmft network scan --g-min 0.5 --g-max 3 --steps 100 --shard 2/2 --output part2.csv
          dmft merge part1.csv part2.csv --output scan.csv
        """
    )

    @Argument(help: ArgumentHelp("The shards' main CSV files, in any order.", valueName: "shard-csv"),
              transform: ArgumentValue.path)
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Merged CSV file (its run record goes to FILE.run.json).", valueName: "file"),
            transform: ArgumentValue.path)
    var output: String

    func run() throws {
        let result: ShardMerge.Result
        do { result = try ShardMerge.merge(inputs: inputs, output: output) } catch let error as ShardError {
            throw InputError(error.description)
        }
        for file in result.files { try AtomicFile.checkWritable(file.path) }
        try OutputTransaction.run(result.files.map(\.path)) {
            for file in result.files { try AtomicFile.write(file.text, to: file.path) }
        }
        print("merged \(CommandSupport.counted(result.shards, "shard")) (\(CommandSupport.counted(result.rows, "row"))); wrote "
              + result.files.map(\.path).joined(separator: ", "))
    }
}
