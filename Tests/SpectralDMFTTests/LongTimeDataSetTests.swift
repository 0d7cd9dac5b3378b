import Foundation
import Testing
import SpectralDMFT
@testable import SpectralDMFTValidation

/// The long-time data sets (`dmft reproduce --only long_time_aging | spiked_long_time`) on a tiny grid: the tables
/// hold the runs they claim (against independent solver runs at M and 2M), the references are the closed-form
/// asymptotes, and the spiked curves fall on the right side of the threshold. The production files are checked in
/// release by `dmft reproduce --quick --check`.
@Suite struct LongTimeDataSetTests {
    static func table(_ output: DataSetOutput, _ file: String) throws -> (columns: [String], rows: [[Double]]) {
        let table = try #require(output.tables.first { $0.file == file }?.table, "\(file) missing")
        return (table.columns, table.rows.map { $0.map { Double($0)! } })
    }

    static func column(_ table: (columns: [String], rows: [[Double]]), _ name: String) -> [Double] {
        let k = table.columns.firstIndex(of: name)!
        return table.rows.map { $0[k] }
    }

    @Test func agingTablesHoldTheRunsAtMAnd2MWithTheClosedFormReferences() throws {
        let settings = LongTimeDataSets.LongTimeAgingSettings(
            blockSize: 16, maximumTime: 64, waitingTimes: [2, 7], temperatures: [0, 0.4], flagTolerance: 1e-1,
            earliestTime: 0.1, exponentWindows: [(1, 64)])
        let output = try LongTimeDataSets.aging(settings)
        let energy = try Self.table(output, "long_time_energy.csv")
        let aging = try Self.table(output, "long_time_aging.csv")
        let cubic = try PSpinMixture.pure(3)
        for T in [0.0, 0.4] {
            // Independent runs at M and 2M.
            var runs: [LongTimeQuenchSolution] = []
            for M in [16, 32] {
                let solver = try LongTimeQuenchSolver(try LongTimeQuench(mixture: cubic, temperature: T),
                                                      options: LongTimeOptions(blockSize: M, maximumTime: 64, waitingTimes: [2, 7]))
                solver.flagTolerance = 1e-1
                runs.append(try solver.solve())
            }
            let rows = energy.rows.filter { $0[0] == T }
            #expect(rows.count > 50)
            for row in rows {
                let t = row[1]
                let fine = try #require(runs[1].sample(at: t)), coarse = try #require(runs[0].sample(at: t))
                #expect(row[2] == fine.energy && row[3] == coarse.energy && row[4] == abs(fine.energy - coarse.energy))
                #expect(row[5] == fine.multiplier && t >= 0.1)
            }
            // References: E_th = −2/√3 at T = 0; E_∞(0.4) = −0.944368 (marginal threshold state, PHYSICS.md §2.5).
            let reference = Set(rows.map { $0[7] }), threshold = Set(rows.map { $0[8] })
            #expect(reference.count == 1 && threshold.count == 1)
            #expect(abs(threshold.first! + 2 / 3.0.squareRoot()) < 1e-14)
            #expect(abs(reference.first! - (T == 0 ? -2 / 3.0.squareRoot() : -0.944368)) < 1e-6)
            // Aging cuts on the grid times 2 and 8 (7 → nearest 2^k), C = 1 and χ = 0 at τ = 0, the 2M cut's values.
            let cuts = aging.rows.filter { $0[0] == T }
            #expect(Set(cuts.map { $0[1] }) == [2, 8])
            for tw in [2.0, 8.0] {
                let cut = cuts.filter { $0[1] == tw }
                let reference = try #require(runs[1].waitingCuts.first { $0.waitingTime == tw })
                let coarse = try #require(runs[0].waitingCuts.first { $0.waitingTime == tw })
                var index: [Double: Int] = [:]
                for (l, t) in reference.times.enumerated() { index[t] = l }
                for row in cut {
                    let l = try #require(index[row[2] + tw])
                    #expect(row[3] == reference.correlation[l] && row[4] == reference.susceptibility[l])
                }
                #expect(cut[0][2] == 0 && cut[0][3] == 1 && cut[0][4] == 0)
                // The M columns: every time of the M cut, with its values; past its end the 2M cut alone (NaN).
                let both = cut.filter { !$0[5].isNaN }
                #expect(both.map { $0[2] + tw } == coarse.times && both.map { $0[5] } == coarse.correlation)
                #expect(cut.filter { $0[5].isNaN }.allSatisfy { $0[2] + tw > coarse.times.last! })
            }
        }
        // FD slopes: theory −βx = −1/√3 at T = 0 and −0.9264 at T = 0.4; FDT −β = −2.5 at T = 0.4.
        let slopes = try Self.table(output, "long_time_fd_slopes.csv")
        for row in slopes.rows {
            #expect(abs(row[8] - (row[0] == 0 ? -1 / 3.0.squareRoot() : -0.926357)) < 1e-6)
            #expect(row[0] == 0 ? row[9].isNaN : row[9] == -2.5)
        }
        // FD ratio: X near 1 where C is near 1 at T = 0.4 (FDT), the theory's x = 0.3706 (βx = 1/√3 at T = 0) as the
        // reference column.
        let ratios = try Self.table(output, "long_time_fd_ratio.csv")
        #expect(ratios.rows.count > 10 && ratios.rows.contains { $0[0] > 0 && $0[3] > 0.95 })
        for row in ratios.rows {
            #expect(abs(row[5] - (row[0] == 0 ? 1 / 3.0.squareRoot() : 0.370543)) < 1e-5)
            if row[0] > 0 && row[3] > 0.95 { #expect(abs(row[4] - 1) < 0.05, "X = \(row[4]) at C = \(row[3])") }
        }
        // The exponent fit: E − E_∞ decreases, so α > 0 on [1, 64] at both temperatures.
        let exponents = try Self.table(output, "long_time_exponents.csv")
        #expect(exponents.rows.count == 2 && exponents.rows.allSatisfy { $0[3] > 0.3 && $0[3] < 1.5 })
        #expect(output.statistics["largest_energy_rise_T0.4_M32"] != nil)
    }

    @Test func spikedOverlapRecoversBelowTheThresholdAndDecaysAbove() throws {
        let settings = LongTimeDataSets.SpikedRecoverySettings(
            blockSize: 32, comparisonBlockSize: 16, maximumTime: 256, matrixNoises: [0.3, 0.7], initialOverlap: 1e-3,
            earliestTime: 0.1)
        let output = try LongTimeDataSets.spiked(settings)
        let summary = try Self.table(output, "spiked_recovery.csv")
        let overlap = try Self.table(output, "spiked_overlap.csv")
        #expect(Self.column(summary, "delta2_threshold") == [0.5, 0.5])
        let below = summary.rows[0], above = summary.rows[1]
        // Below 1/2: recovered, m settled near its signal-minimum value (0.87 at Δ₂ = 0.3, PHYSICS.md §2.9 table).
        #expect(below[1].isFinite && below[1] > 1 && below[1] < 100 && below[2].isFinite)
        #expect(abs(below[3] - 0.87) < 0.05)
        // Above 1/2: no recovery by t = 256, |m| below the recovery level.
        #expect(above[1].isNaN && abs(above[3]) < 0.1 && above[4] >= 256)
        let m = overlap.rows.filter { $0[0] == 0.7 }.map { $0[2] }
        #expect(m.count > 50 && m.last! == above[3])
    }
}
