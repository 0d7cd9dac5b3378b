import ArgumentParser
import Foundation
import SpectralDMFT
import SpectralDMFTValidation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Median timings of the solvers (run it from a release build: swift run -c release dmft bench).",
        discussion: """
        Each row is timed `--repeats` times with a fresh solver (nothing cached between repeats except FFTW plans); \
        the floor is one bare DCT-I of the g = 1.5 grid, and every solve is also quoted as a multiple of it. \
        The same workloads run under package-benchmark (swift package benchmark), which keeps baselines but not ratios.
        """
    )

    @Option(help: "Repeats per measurement (the median is reported).")
    var repeats: Int = 7

    @Flag(help: "Print the rows as JSON.")
    var json = false

    @Flag(help: "Skip the two-time integrator timings (a 4000-step p = 3 quench, about 10 s per repeat).")
    var skipTwoTime = false

    @Flag(help: "Skip the finite-N simulation timings (about 10 s).")
    var skipSimulation = false

    @Flag(help: "Also compare plain damped, Anderson and Newton–Krylov iteration at g = 1.01, 1.1, 1.5, 3 (slow: plain iteration needs thousands of steps).")
    var compareIteration = false

    func validate() throws {
        guard repeats >= 1 && repeats <= 1000 else { throw InputError("invalid repeats = \(repeats): it must be between 1 and 1000") }
    }

    func run() throws {
        #if DEBUG
        CommandSupport.warn("warning: this is a debug build; timings are meaningless (use swift run -c release dmft bench)")
        #endif
        var rows: [BenchRow] = []
        if !json {
            print("dmft bench: \(repeats) repeats, \(ProcessInfo.processInfo.activeProcessorCount) cores")
            print(String(repeating: "-", count: 96))
        }
        var options = BenchOptions()
        options.repeats = repeats
        options.includesTwoTime = !skipTwoTime
        options.includesSimulation = !skipSimulation
        options.comparesIteration = compareIteration
        try BenchSuite.run(options) { row in
            rows.append(row)
            if !json { print(row.formatted) }
        }
        if json { print(try JSONRecord.encode(rows)) }
    }
}
