import Foundation
import SpectralDMFT

/// Data sets of the long-time block-doubling engine (docs/PHYSICS.md §2.8, §2.9.1): p = 3 aging to t = 1e5 with the
/// 2M error bar (energy, aging curves, FD data, fitted exponents and FD slopes), and the spiked matrix-tensor
/// overlap m(t) for a few Δ₂ around the gradient-flow threshold.
enum LongTimeDataSets {
    static var all: [DataSet] {
        [
            DataSet(name: "long_time_aging",
                    description: "p = 3 quenches to T = 0 and 0.4 on the block-doubling engine to t = 1e5 (M and 2M): E(t) with error bar, C and χ at t_w = 1e2…1e4, α, FD slopes and the local FD ratio X(C)",
                    produce: { try aging(LongTimeAgingSettings(quick: $0)) }),
            DataSet(name: "spiked_long_time",
                    description: "spiked matrix-tensor (p = 3, Δ_p = 1, T = 0, m₀ = 1e-8) on the long-time engine: m(t) for Δ₂ = 0.40…0.55 around the threshold 1/2",
                    produce: { try spiked(SpikedRecoverySettings(quick: $0)) }),
        ]
    }

    /// The resolution of `long_time_aging`.
    struct LongTimeAgingSettings: Sendable {
        /// M of the main run; the error bar comes from a second run at 2M.
        var blockSize: Int
        /// t_max.
        var maximumTime: Double
        /// Requested t_w (each moved to the nearest h₀·2^k).
        var waitingTimes: [Double]
        /// The temperatures of the quenches.
        var temperatures: [Double]
        /// `LongTimeQuenchSolver.flagTolerance` of both runs (strict: a larger violation fails the data set).
        var flagTolerance: Double
        /// Rows with t below this are not written (the first blocks sit at t ~ 1e-7).
        var earliestTime: Double
        /// Windows [a, b] of the fits E − E_∞ ≈ A t^{−α}.
        var exponentWindows: [(Double, Double)]
        /// Every `rowStride`-th row of the M run is written to the energy file (1: all).
        var rowStride = 1

        /// Full (M = 256, t ≤ 1e5) or quick (M = 64, t ≤ 1e3) resolution.
        init(quick: Bool) {
            if quick {
                self.init(blockSize: 64, maximumTime: 1e3, waitingTimes: [10, 100], temperatures: [0, 0.4],
                          flagTolerance: 1e-2, earliestTime: 0.1, exponentWindows: [(1, 1e2), (10, 1e3)])
            } else {
                self.init(blockSize: 256, maximumTime: 1e5, waitingTimes: [1e2, 1e3, 1e4], temperatures: [0, 0.4],
                          flagTolerance: 1e-2, earliestTime: 1e-2,
                          exponentWindows: [(1, 1e2), (10, 1e3), (1e2, 1e4), (1e3, 1e5)])
                rowStride = 2
            }
        }

        /// Explicit settings (tests use a tiny grid).
        init(blockSize: Int, maximumTime: Double, waitingTimes: [Double], temperatures: [Double],
                     flagTolerance: Double, earliestTime: Double, exponentWindows: [(Double, Double)]) {
            self.blockSize = blockSize
            self.maximumTime = maximumTime
            self.waitingTimes = waitingTimes
            self.temperatures = temperatures
            self.flagTolerance = flagTolerance
            self.earliestTime = earliestTime
            self.exponentWindows = exponentWindows
        }
    }

    /// The FD fit range of the aging part (as `dmft pspin age`).
    static let fdRange = 0.1...0.5

    /// p = 3 quenches from a random start on the long-time engine at M and 2M: E(t) (2M value, M value, their
    /// difference as the error bar), C(t, t_w) and χ(t, t_w) at each t_w from both runs, the exponent α on several
    /// windows and the FD slope per t_w against −β and −βx, with the flags of both runs in the record.
    static func aging(_ settings: LongTimeAgingSettings) throws -> DataSetOutput {
        let cubic = try PSpinMixture.pure(3)
        let sizes = [settings.blockSize, 2 * settings.blockSize]
        var energy = CSVTable(columns: ["T", "t", "energy", "energy_M", "error_bar", "mu", "step", "E_asymptote", "E_th"])
        var aging = CSVTable(columns: ["T", "t_w", "tau", "C", "chi", "C_M", "chi_M"])
        var slopes = CSVTable(columns: ["T", "t_w", "C_low", "C_high", "slope", "slope_error", "points", "slope_M",
                                        "theory_slope", "fdt_slope"])
        var exponents = CSVTable(columns: ["T", "t_from", "t_to", "alpha", "alpha_fit_error", "alpha_M",
                                           "gap_at_end", "error_bar_at_end"])
        var ratios = CSVTable(columns: ["T", "t_w", "t", "C", "X", "theory_x"])
        var statistics: [String: Double] = [:]
        let threshold = try LongTimeQuench(mixture: cubic, temperature: 0).thresholdEnergy!
        for temperature in settings.temperatures {
            let quench = try LongTimeQuench(mixture: cubic, temperature: temperature)
            let asymptote = try AgingAsymptote(mixture: cubic, temperature: temperature)
            var solutions: [LongTimeQuenchSolution] = []
            for size in sizes {
                let solver = try LongTimeQuenchSolver(quench, options: LongTimeOptions(
                    blockSize: size, maximumTime: settings.maximumTime, waitingTimes: settings.waitingTimes))
                solver.flagTolerance = settings.flagTolerance
                let solution = try solver.solve()
                solutions.append(solution)
                let key = "T\(temperature)_M\(size)"
                statistics["largest_correlation_excess_\(key)"] = solution.flags.largestCorrelationExcess
                statistics["largest_energy_rise_\(key)"] = solution.flags.largestEnergyRise ?? .nan
                if let drop = solution.flags.largestDropBelowThreshold { statistics["largest_drop_below_E_th_\(key)"] = drop }
                statistics["passes_\(key)"] = Double(solution.report.iterations)
                statistics["memory_bytes_\(key)"] = Double(solver.memoryBytes)
            }
            let coarse = solutions[0], fine = solutions[1]
            // Energy on the rows of the M run (every one is a row of the 2M run too).
            var largestBar = 0.0
            var bars: [(t: Double, bar: Double, gap: Double)] = []
            for (k, sample) in coarse.samples.enumerated() where sample.time >= settings.earliestTime {
                guard let other = fine.sample(at: sample.time) else { continue }
                let bar = abs(other.energy - sample.energy)
                if sample.time >= 1 { largestBar = max(largestBar, bar) }
                bars.append((sample.time, bar, other.energy - asymptote.energy))
                guard k % settings.rowStride == 0 || k == coarse.samples.count - 1 else { continue }
                energy.append([temperature, sample.time, other.energy, sample.energy, bar, other.multiplier, sample.step,
                               asymptote.energy, threshold])
            }
            // Aging cuts: the rows of the 2M cut at the times of the M cut (with both values), and beyond the M cut's
            // last time every other row of the 2M cut (M columns NaN).
            for (k, cut) in fine.waitingCuts.enumerated() {
                let other = coarse.waitingCuts[k]
                var index: [Double: Int] = [:]
                for (l, t) in other.times.enumerated() { index[t] = l }
                let coarseEnd = other.times.last ?? -.infinity
                for (l, t) in cut.times.enumerated() {
                    let m = index[t]
                    guard m != nil || (t > coarseEnd && l % 2 == 0) else { continue }
                    aging.append([temperature, cut.waitingTime, t - cut.waitingTime, cut.correlation[l], cut.susceptibility[l],
                                  m.map { other.correlation[$0] } ?? .nan, m.map { other.susceptibility[$0] } ?? .nan])
                }
                for (l, point) in cut.fluctuationDissipationRatio(temperature: temperature).enumerated()
                where l % settings.rowStride == 0 {
                    ratios.append([temperature, cut.waitingTime, point.time, point.correlation,
                                   temperature > 0 ? point.ratio : -point.slope,
                                   temperature > 0 ? asymptote.breakingParameter : asymptote.agingSlope])
                }
                if let fit = cut.fluctuationDissipationSlope(correlations: fdRange) {
                    let coarseFit = other.fluctuationDissipationSlope(correlations: fdRange)
                    slopes.append([temperature, cut.waitingTime, fdRange.lowerBound, fdRange.upperBound, fit.slope,
                                   fit.slopeError, Double(fit.points), coarseFit?.slope ?? .nan, -asymptote.agingSlope,
                                   temperature > 0 ? -1 / temperature : .nan])
                }
            }
            for (from, to) in settings.exponentWindows {
                guard let fit = fine.energyPowerLaw(asymptote: asymptote.energy, from: from, to: to) else { continue }
                let coarseFit = coarse.energyPowerLaw(asymptote: asymptote.energy, from: from, to: to)
                let end = bars.last { $0.t <= to * (1 + 1e-12) }
                exponents.append([temperature, from, to, -fit.slope, fit.slopeError, coarseFit.map { -$0.slope } ?? .nan,
                                  end?.gap ?? .nan, end?.bar ?? .nan])
            }
            let last = fine.samples[fine.samples.count - 1]
            statistics["final_time_T\(temperature)"] = last.time
            statistics["final_energy_T\(temperature)"] = last.energy
            statistics["largest_error_bar_t_ge_1_T\(temperature)"] = largestBar
            statistics["asymptotic_energy_T\(temperature)"] = asymptote.energy
            statistics["plateau_q_T\(temperature)"] = asymptote.plateau
            statistics["breaking_parameter_x_T\(temperature)"] = asymptote.breakingParameter
            statistics["beta_x_T\(temperature)"] = asymptote.agingSlope
        }
        let grid = settings.waitingTimes.map { LongTimeOptions(blockSize: 2, maximumTime: 1).gridWaitingTime(near: $0) }
        return DataSetOutput(
            tables: [("long_time_energy.csv", energy), ("long_time_aging.csv", aging),
                     ("long_time_fd_slopes.csv", slopes), ("long_time_exponents.csv", exponents),
                     ("long_time_fd_ratio.csv", ratios)],
            parameters: [
                "model": "pure p = 3 (f = q³/2), quench from a random start",
                "T": settings.temperatures.map { "\($0)" }.joined(separator: ", "),
                "engine": "LongTimeQuenchSolver (block doubling, h0 = 2^-30), docs/PHYSICS.md §2.8",
                "block_sizes": "M = \(sizes[0]) and 2M = \(sizes[1]); energy, C, chi are the 2M run, energy_M, C_M, chi_M the M run, error_bar = |E_M − E_2M|",
                "t_max": "\(settings.maximumTime)",
                "t_w": "requested \(settings.waitingTimes.map { "\($0)" }.joined(separator: ", ")); on the grid \(grid.map { "\($0)" }.joined(separator: ", "))",
                "flag_tolerance": "\(settings.flagTolerance) (both runs; the flag values are the largest_* statistics: C − 1, rise of E above its running minimum, E_th − E at T = 0)",
                "E_asymptote": "AgingAsymptote: E_th = −2/√3 at T = 0, E_∞(T) of the marginal threshold state at T > 0 (−0.944368 at T = 0.4)",
                "fd_slopes": "least-squares dχ/dC for \(fdRange.lowerBound) ≤ C ≤ \(fdRange.upperBound); theory_slope = −βx, fdt_slope = −β (nan at T = 0)",
                "fd_ratio": "X = −T dχ/dC along each cut of the 2M run (three-point differences in t; every \(settings.rowStride == 1 ? "" : "\(settings.rowStride)nd ")point); at T = 0, where X = 0, the column holds βX = −dχ/dC instead; theory_x = x (βx at T = 0) of the threshold state",
                "exponents": "least-squares log(E − E_asymptote) against log t on [t_from, t_to] (2M run; alpha_M from the M run); gap_at_end = E − E_asymptote and error_bar_at_end at the last row ≤ t_to",
                "rows": "t ≥ \(settings.earliestTime); energy: every \(settings.rowStride == 1 ? "" : "\(settings.rowStride)nd ")row of the M run (and the last); aging: the M run's times, then every other 2M row past the M cut's end",
            ],
            statistics: statistics)
    }

    /// The resolution of `spiked_long_time`.
    struct SpikedRecoverySettings: Sendable {
        /// M of the runs written; `comparisonBlockSize` gives a second t_rec for the grid dependence.
        var blockSize: Int
        /// M of the comparison runs (t_rec only).
        var comparisonBlockSize: Int
        /// t_max (a run stops earlier once m has settled at a recovered value).
        var maximumTime: Double
        /// The Δ₂ values.
        var matrixNoises: [Double]
        /// m₀.
        var initialOverlap: Double
        /// Rows with t below this are not written.
        var earliestTime: Double
        /// Every `rowStride`-th row is written to spiked_overlap.csv (1: all).
        var rowStride = 1

        /// Full (M = 256, t ≤ 3e4) or quick (M = 64, t ≤ 1e3) resolution.
        init(quick: Bool) {
            if quick {
                self.init(blockSize: 64, comparisonBlockSize: 32, maximumTime: 1e3, matrixNoises: [0.40, 0.55],
                          initialOverlap: 1e-8, earliestTime: 0.1)
            } else {
                self.init(blockSize: 256, comparisonBlockSize: 128, maximumTime: 3e4,
                          matrixNoises: [0.40, 0.45, 0.48, 0.55], initialOverlap: 1e-8, earliestTime: 1e-2)
                rowStride = 2
            }
        }

        /// Explicit settings.
        init(blockSize: Int, comparisonBlockSize: Int, maximumTime: Double, matrixNoises: [Double],
                     initialOverlap: Double, earliestTime: Double) {
            self.blockSize = blockSize
            self.comparisonBlockSize = comparisonBlockSize
            self.maximumTime = maximumTime
            self.matrixNoises = matrixNoises
            self.initialOverlap = initialOverlap
            self.earliestTime = earliestTime
        }
    }

    /// The spiked model's flags are not enforced (as in `dmft spiked threshold`): after a late recovery the step is
    /// longer than the jump into the signal minimum; the values are recorded.
    static let spikedFlagTolerance = 1.0

    /// p = 3, Δ_p = 1, T = 0 spiked quenches on the long-time engine: m(t), E(t), μ(t) per Δ₂ at M, and per Δ₂ the
    /// recovery time at M and at the comparison M, the growth rate of the linear regime, the end of the run and the
    /// closed-form threshold.
    static func spiked(_ settings: SpikedRecoverySettings) throws -> DataSetOutput {
        let threshold = SpikedMatrixTensor.gradientFlowThreshold(p: 3, tensorNoise: 1)
        var overlap = CSVTable(columns: ["delta2", "t", "m", "energy", "mu"])
        var summary = CSVTable(columns: ["delta2", "t_rec", "t_rec_comparison", "final_m", "end_time", "growth_rate",
                                         "stopped_early", "delta2_threshold"])
        var statistics: [String: Double] = ["delta2_threshold": threshold]
        var stops: [String] = []
        for delta2 in settings.matrixNoises {
            let quench = try SpikedQuench(model: try SpikedMatrixTensor(p: 3, matrixNoise: delta2, tensorNoise: 1),
                                          temperature: 0, initialOverlap: settings.initialOverlap)
            func run(_ size: Int) throws -> LongTimeQuenchSolution {
                let solver = try LongTimeQuenchSolver(quench.longTimeQuench,
                                                      options: LongTimeOptions(blockSize: size, maximumTime: settings.maximumTime))
                solver.flagTolerance = spikedFlagTolerance
                solver.stopsOnceRecovered = true
                return try solver.solve()
            }
            let solution = try run(settings.blockSize)
            let comparison = try run(settings.comparisonBlockSize)
            for (k, sample) in solution.samples.enumerated() where sample.time >= settings.earliestTime
                && (k % settings.rowStride == 0 || k == solution.samples.count - 1) {
                overlap.append([delta2, sample.time, solution.overlaps[k], sample.energy, sample.multiplier])
            }
            let last = solution.samples[solution.samples.count - 1]
            let rate = SpikedThresholdScan.Point.growthRate(times: solution.samples.map(\.time), overlaps: solution.overlaps,
                                                            initialOverlap: settings.initialOverlap)
            summary.append([delta2, solution.recoveryTime ?? .nan, comparison.recoveryTime ?? .nan,
                            solution.overlaps[solution.overlaps.count - 1], last.time, rate ?? .nan,
                            solution.stoppedEarly == nil ? 0 : 1, threshold])
            if let stop = solution.stoppedEarly { stops.append("Δ₂ = \(delta2): \(stop)") }
            statistics["largest_energy_rise_delta2_\(delta2)"] = solution.flags.largestEnergyRise ?? .nan
            statistics["largest_correlation_excess_delta2_\(delta2)"] = solution.flags.largestCorrelationExcess
        }
        return DataSetOutput(
            tables: [("spiked_overlap.csv", overlap), ("spiked_recovery.csv", summary)],
            parameters: [
                "model": "spiked matrix-tensor, p = 3, Δ_p = 1, f(q) = q²/(2Δ₂) + q³/3, docs/PHYSICS.md §2.9",
                "T": "0 (gradient flow)", "m0": "\(settings.initialOverlap)",
                "delta2": settings.matrixNoises.map { "\($0)" }.joined(separator: ", "),
                "engine": "LongTimeQuenchSolver, M = \(settings.blockSize) (spiked_overlap.csv, t_rec); t_rec_comparison at M = \(settings.comparisonBlockSize)",
                "t_max": "\(settings.maximumTime); a run stops once |m| ≥ 0.1 has settled over an octave (0.1%), or at the last row before a row that fails (stopped_early = 1)",
                "t_rec": "first time m reaches half its final value (nan: no recovery)",
                "growth_rate": "slope of ln|m| against t where max(1e-4, 100 m0) ≤ |m| ≤ 1e-2",
                "flag_tolerance": "\(spikedFlagTolerance) (not enforced, as in dmft spiked threshold; values in the statistics)",
                "delta2_threshold": "closed-form gradient-flow threshold [√(Δ_p² + 4(p−1)Δ_p) − Δ_p]/(2(p−1)) = 1/2",
                "stopped_early": stops.isEmpty ? "none" : stops.joined(separator: "; "),
                "rows": "t ≥ \(settings.earliestTime), every \(settings.rowStride == 1 ? "" : "\(settings.rowStride)nd ")row (and the last)",
            ],
            statistics: statistics)
    }
}
