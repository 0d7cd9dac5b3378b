import Foundation
import SpectralDMFT

/// The stationary chaotic phase of the random Lotka–Volterra model (γ = 0, λ > 0, σ > √2): the circulant embedding
/// that draws its field, at the period of a production run (P = 16384, τ ≤ 40 at dt = 0.05), and the stationary
/// sampling DMFT against a direct simulation at μ = 10, σ = 2.5, λ = 10⁻³ at a reduced size (`validationSetup`);
/// the production-size comparison is measured once, with its commands, in docs/PHYSICS.md §8.7.
enum EcosystemStationaryValidation {
    /// The reduced comparison of `dmft validate`: DMFT 4 × 200 paths (dt = 0.1, window 100 after 30, τ_max = 40),
    /// simulation S = 500, 4 seeds (dt = 0.1, window 100 after 50).
    static var validationSetup: EcosystemStationaryComparison.Setup {
        var setup = EcosystemStationaryComparison.Setup()
        setup.lambda = 1e-3
        setup.step = 0.1
        setup.window = 100
        setup.transient = 30
        setup.maximumLag = 40
        setup.paths = 200
        setup.repetitions = 4
        setup.species = 500
        setup.seeds = 4
        setup.simulationStep = 0.1
        setup.sampleInterval = 0.5
        setup.simulationTransient = 50
        setup.simulationWindow = 100
        setup.comparedLags = [1, 3, 6, 10, 20]
        return setup
    }

    /// Records the comparison's checks: the largest |DMFT − simulation| in combined standard errors over C(τ) at
    /// the compared lags, C(0), C∞, m, the decorrelation time and the near-extinct fraction (≤ 3); the fluctuating
    /// part C(0) − C∞ of both sides (≥ 10 % of C(0): a chaotic, not a static, state); m over the two halves of the
    /// simulation window (within 3 combined standard errors: stationary).
    static func record(_ comparison: EcosystemStationaryComparison, area: String, label: String,
                       _ record: (ValidationCheck) -> Void) {
        let worst = comparison.worst
        record(ValidationCheck(
            area: area, name: "\(label): stationary DMFT vs simulation, max |z| (combined SE)", measured: abs(worst.z),
            limit: 3, passed: abs(worst.z) <= 3,
            detail: "worst " + worst.detail + String(format: "; DMFT %.0f s, simulation %.0f s", comparison.dmftSeconds,
                                                     comparison.simulationSeconds)))
        let dmft = comparison.solution, sim = comparison.measurement
        let dmftPart = (dmft.secondMoment.mean - dmft.plateau.mean) / dmft.secondMoment.mean
        let simPart = (sim.secondMoment.mean - sim.plateau.mean) / sim.secondMoment.mean
        record(ValidationCheck(
            area: area, name: "\(label): fluctuating part (C(0) − C∞)/C(0), smaller side", measured: min(dmftPart, simPart),
            limit: 0.1, passed: min(dmftPart, simPart) >= 0.1,
            detail: String(format: "DMFT %.3f, simulation %.3f (must be ≥ 0.1: chaotic, not static)", dmftPart, simPart)))
        let first = sim.meanAbundanceFirstHalf, second = sim.meanAbundanceSecondHalf
        let drift = abs(first.mean - second.mean) / (first.error * first.error + second.error * second.error).squareRoot()
        record(ValidationCheck(
            area: area, name: "\(label): simulation m, first vs second half of the window (SE)", measured: drift,
            limit: 3, passed: drift <= 3,
            detail: "m " + first.shortDescription + " then " + second.shortDescription))
    }

    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "ecosystem-chaos"
        let period = 16384, step = 0.05
        // A smooth decaying covariance (Gaussian, scale 4, ≈ e^{−50} at τ = 40: positive spectrum, nothing clipped).
        let count = Int(40 / step) + 1
        let covariance = (0..<count).map { j -> Double in
            let tau = Double(j) * step
            return 0.09 * exp(-tau * tau / 32)
        }
        let field = try CirculantGaussianField(period: period)
        let clipped = field.prepare(covariance: covariance)
        let noise = AlignedBuffer(count: period), scratch = AlignedBuffer(count: period)
        let once = AlignedBuffer(count: period), twice = AlignedBuffer(count: period)
        noise[0] = 1
        field.sample(noise: noise, scratch: scratch, into: once)
        field.sample(noise: once, scratch: scratch, into: twice)
        var worst = 0.0
        for j in 0..<period {
            let lag = min(j, period - j)
            worst = max(worst, abs(twice[j] - (lag < count ? covariance[lag] : 0)))
        }
        record(ValidationCheck(
            area: area, name: "circulant embedding P = 16384: Λ^{1/2}Λ^{1/2}δ = c (max abs error)", measured: worst,
            limit: 1e-10, passed: worst <= 1e-10 && clipped == 0,
            detail: String(format: "clipped weight %.1e, C(0) = 0.09 (the jitter 1e-10·C(0) adds 9e-12 at lag 0)", clipped)))
        let comparison = try EcosystemStationaryComparison.run(validationSetup)
        Self.record(comparison, area: area, label: "μ=10 σ=2.5 λ=1e-3", record)
    }
}

extension EcosystemEstimate {
    /// "mean ± error" with 5 and 2 significant digits.
    var shortDescription: String { String(format: "%.5g ± %.2g", mean, error) }
}

/// The stationary sampling DMFT against a long direct simulation at one point of the chaotic phase: C(τ) at a few
/// lags, m, C(0), C∞, the decorrelation time and the near-extinct fraction, each as the difference in combined
/// standard errors, z = (DMFT − simulation)/√(SE²_DMFT + SE²_simulation).
struct EcosystemStationaryComparison {
    /// The sizes of both sides.
    struct Setup {
        var mu = 10.0, sigma = 2.5, lambda = 1e-2
        /// DMFT: step, window, transient, τ_max, paths × repetitions, seed.
        var step = 0.05, window = 400.0, transient = 100.0, maximumLag = 30.0
        var paths = 1000, repetitions = 4, seed: UInt64 = 1
        var maximumIterations = 400
        /// Simulation: species × seeds, RK4 step, sample interval, transient, window (τ_max as the DMFT's).
        var species = 1000, seeds = 8, simulationStep = 0.05, sampleInterval = 0.25
        var simulationTransient = 100.0, simulationWindow = 400.0, simulationSeed: UInt64 = 1
        /// Lags (multiples of the sample interval, ≤ τ_max) at which C is compared.
        var comparedLags: [Double] = [0.5, 2, 5, 10, 20]

        var description: String {
            String(format: "μ = %g, σ = %g, λ = %g; DMFT %d × %d paths, dt %g, window %g after %g, τ_max %g; "
                   + "simulation S = %d × %d seeds, dt %g, window %g after %g",
                   mu, sigma, lambda, repetitions, paths, step, window, transient, maximumLag, species, seeds,
                   simulationStep, simulationWindow, simulationTransient)
        }
    }

    /// One compared number.
    struct Row {
        let name: String
        let dmft: EcosystemEstimate
        let simulation: EcosystemEstimate
        var combinedError: Double { (dmft.error * dmft.error + simulation.error * simulation.error).squareRoot() }
        /// (DMFT − simulation) / combined standard error.
        var z: Double { (dmft.mean - simulation.mean) / combinedError }
        var detail: String {
            String(format: "%@: DMFT %.5g ± %.2g, simulation %.5g ± %.2g (%+.2f SE)", name, dmft.mean, dmft.error,
                   simulation.mean, simulation.error, z)
        }
    }

    let setup: Setup
    let solution: EcosystemStationarySolution
    let measurement: EcosystemStationaryMeasurement
    let rows: [Row]
    let dmftSeconds: Double, simulationSeconds: Double

    /// The largest |z| over the rows.
    var worst: Row { rows.max { abs($0.z) < abs($1.z) }! }

    static func run(_ setup: Setup, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Self {
        let model = try EcosystemModel(mu: setup.mu, sigma: setup.sigma, gamma: 0, lambda: setup.lambda)
        let problem = try EcosystemStationaryProblem(model: model, step: setup.step, window: setup.window,
                                                     transient: setup.transient, maximumLag: setup.maximumLag)
        var options = EcosystemStationaryOptions()
        options.iteration.paths = setup.paths
        options.iteration.repetitions = setup.repetitions
        options.iteration.seed = setup.seed
        options.iteration.maximumIterations = setup.maximumIterations
        options.iteration.threads = threads
        var solution: EcosystemStationarySolution?
        let dmftSeconds = try Timing.seconds { solution = try EcosystemStationarySolver(options: options).solve(problem) }
        var simulation = EcosystemSimulationOptions(species: setup.species)
        simulation.realisations = setup.seeds
        simulation.seed = setup.simulationSeed
        simulation.step = setup.simulationStep
        simulation.sampleInterval = setup.sampleInterval
        simulation.threads = threads
        var measurement: EcosystemStationaryMeasurement?
        let simulationSeconds = try Timing.seconds {
            measurement = try EcosystemSimulator(model: model, options: simulation)
                .stationaryCorrelation(transient: setup.simulationTransient, window: setup.simulationWindow,
                                       maximumLag: setup.maximumLag)
        }
        let dmft = solution!, sim = measurement!
        var rows: [Row] = []
        for lag in setup.comparedLags {
            let i = Int((lag / setup.step).rounded()), j = Int((lag / setup.sampleInterval).rounded())
            rows.append(Row(name: String(format: "C(%g)", lag),
                            dmft: EcosystemEstimate(mean: dmft.correlation[i], error: dmft.correlationError[i]),
                            simulation: sim.correlation[j]))
        }
        rows.append(Row(name: "C(0)", dmft: dmft.secondMoment, simulation: sim.secondMoment))
        rows.append(Row(name: "C_inf", dmft: dmft.plateau, simulation: sim.plateau))
        rows.append(Row(name: "m", dmft: dmft.meanAbundance, simulation: sim.meanAbundance))
        rows.append(Row(name: "decorrelation time", dmft: dmft.decorrelationTime, simulation: sim.decorrelationTime))
        rows.append(Row(name: "near-extinct fraction", dmft: dmft.nearExtinctFraction, simulation: sim.nearExtinctFraction))
        return Self(setup: setup, solution: dmft, measurement: sim, rows: rows, dmftSeconds: dmftSeconds,
                    simulationSeconds: simulationSeconds)
    }
}
