import Foundation
import Testing
@testable import SpectralDMFT

/// The stationary chaotic phase (γ = 0, λ > 0, σ > √2): the circulant field generator, the TTI sampling DMFT, its
/// refusals, and the phase diagram.
@Suite struct EcosystemStationaryTests {
    /// Circulant embedding: applying the root twice to a unit pulse gives back the covariance column exactly
    /// (Λ^{1/2}Λ^{1/2}δ = Λδ), and random paths have the covariance within 4 standard errors.
    @Test func circulantFieldHasTheCovariance() throws {
        let period = 1024, step = 0.1
        let covariance = (0..<101).map { j -> Double in
            let tau = Double(j) * step
            return 0.7 * exp(-tau * tau / 2)
        }
        let field = try CirculantGaussianField(period: period)
        let clipped = field.prepare(covariance: covariance)
        #expect(clipped < 1e-12, "clipped weight \(clipped)")
        let noise = AlignedBuffer(count: period), scratch = AlignedBuffer(count: period)
        let once = AlignedBuffer(count: period), twice = AlignedBuffer(count: period)
        noise[0] = 1
        field.sample(noise: noise, scratch: scratch, into: once)
        field.sample(noise: once, scratch: scratch, into: twice)
        var worst = 0.0
        for j in 0..<period {
            let lag = min(j, period - j)
            let expected = lag < covariance.count ? covariance[lag] : 0
            worst = max(worst, abs(twice[j] - expected))
        }
        #expect(worst < 1e-10, "max deviation of Λ^{1/2}Λ^{1/2}δ from c: \(worst)")
        // Statistics: circular lag products of 60 random paths.
        var generator = Xoshiro256StarStar(seed: 7)
        let lags = [0, 5, 20, 40]
        var estimates = [[Double]](repeating: [], count: lags.count)
        for _ in 0..<60 {
            for i in 0..<period { noise[i] = generator.nextNormal() }
            field.sample(noise: noise, scratch: scratch, into: once)
            for (index, lag) in lags.enumerated() {
                var sum = 0.0
                for i in 0..<period { sum += once[i] * once[(i + lag) % period] }
                estimates[index].append(sum / Double(period))
            }
        }
        for (index, lag) in lags.enumerated() {
            let estimate = EcosystemEstimate(estimates[index])
            #expect(abs(estimate.mean - covariance[lag]) < 4 * estimate.error,
                    "lag \(lag): \(estimate.mean) ± \(estimate.error) vs \(covariance[lag])")
        }
    }

    /// Only γ = 0, λ > 0 and σ > σ_c = √2 are stationary chaotic problems.
    @Test func refusesOutsideTheChaoticPhase() throws {
        func refused(_ name: String, _ make: () throws -> Void) {
            do {
                try make()
                Issue.record("accepted bad \(name)")
            } catch let error as EcosystemError {
                guard case .invalidParameter(let parameter, _, _) = error else {
                    Issue.record("wrong error \(error)")
                    return
                }
                #expect(parameter == name)
            } catch {
                Issue.record("wrong error \(error)")
            }
        }
        refused("gamma") { _ = try EcosystemStationaryProblem(model: EcosystemModel(mu: 10, sigma: 2.5, gamma: 0.3, lambda: 1e-3)) }
        refused("lambda") { _ = try EcosystemStationaryProblem(model: EcosystemModel(mu: 10, sigma: 2.5, gamma: 0, lambda: 0)) }
        refused("sigma") { _ = try EcosystemStationaryProblem(model: EcosystemModel(mu: 10, sigma: 1.4, gamma: 0, lambda: 1e-3)) }
        refused("max-lag") {
            _ = try EcosystemStationaryProblem(model: EcosystemModel(mu: 10, sigma: 2.5, gamma: 0, lambda: 1e-3), window: 40,
                                               maximumLag: 30)
        }
    }

    static func smallProblem() throws -> EcosystemStationaryProblem {
        try EcosystemStationaryProblem(model: EcosystemModel(mu: 10, sigma: 2.5, gamma: 0, lambda: 1e-3), step: 0.1,
                                       window: 60, transient: 20, maximumLag: 10)
    }

    /// On a small problem (64 paths) the Anderson-mixed iteration converges to 1e-8 on a fluctuating state;
    /// the answer does not depend on the thread count; C(0) ≥ m² holds exactly (same samples), and a fraction of
    /// the species is near extinction. (The statistics of 64 paths are far from production quality.)
    @Test func convergesOnASmallProblem() throws {
        var options = EcosystemStationaryOptions()
        options.iteration.paths = 64
        options.iteration.repetitions = 2
        options.iteration.seed = 1
        options.iteration.acceleration = 5
        options.iteration.threads = 2
        let solution = try EcosystemStationarySolver(options: options).solve(try Self.smallProblem())
        #expect(solution.report.residual <= 1e-8)
        options.iteration.threads = 1
        let serial = try EcosystemStationarySolver(options: options).solve(try Self.smallProblem())
        #expect(serial.correlation == solution.correlation)
        #expect(solution.secondMoment.mean - solution.plateau.mean > 0.01 * solution.secondMoment.mean)
        #expect(solution.secondMoment.mean >= solution.meanAbundance.mean * solution.meanAbundance.mean)
        #expect(solution.nearExtinctFraction.mean > 0 && solution.nearExtinctFraction.mean < 1)
        #expect(solution.correlation(atLag: 0) == solution.correlation[0])
        #expect(solution.lags.count == 101)
    }

    /// The simulation's stationary measurement: lags on the sample grid, C(0) = ⟨N²⟩ ≥ m² (same samples), one C per
    /// realisation, and λ = 0 refused.
    @Test func simulationMeasurement() throws {
        var options = EcosystemSimulationOptions(species: 40)
        options.realisations = 2
        options.seed = 4
        options.step = 0.05
        options.sampleInterval = 0.25
        let model = try EcosystemModel(mu: 10, sigma: 2.5, gamma: 0, lambda: 1e-3)
        let measurement = try EcosystemSimulator(model: model, options: options)
            .stationaryCorrelation(transient: 5, window: 10, maximumLag: 2)
        #expect(measurement.lags.count == 9 && measurement.lags[8] == 2)
        #expect(measurement.correlation[0].mean >= measurement.meanAbundance.mean * measurement.meanAbundance.mean)
        #expect(measurement.realisations.count == 2)
        #expect(throws: EcosystemError.self) {
            _ = try EcosystemSimulator(model: try EcosystemModel(mu: 10, sigma: 2.5, gamma: 0), options: options)
                .stationaryCorrelation(transient: 5, window: 10, maximumLag: 2)
        }
    }

    /// `stationaryCorrelation` against an independent route through the same communities: `run()` integrates the
    /// same realisations with the same RK4 steps and records m(t) and ⟨N²⟩(t) directly; their averages over the
    /// window's sample times must equal the measurement's m, m per half-window and C(0) (FFT lag sums) to rounding.
    /// The measurement is also reproducible from its seed, independent of the thread count, and changes with the seed.
    @Test func stationaryMeasurementMatchesTheTrajectories() throws {
        var options = EcosystemSimulationOptions(species: 40)
        options.realisations = 3
        options.seed = 11
        options.step = 0.05
        options.sampleInterval = 0.25
        options.threads = 2
        let model = try EcosystemModel(mu: 10, sigma: 2.5, gamma: 0, lambda: 1e-3)
        let transient = 5.0, window = 10.0
        let measurement = try EcosystemSimulator(model: model, options: options)
            .stationaryCorrelation(transient: transient, window: window, maximumLag: 2)
        options.duration = transient + window
        let run = try EcosystemSimulator(model: model, options: options).run()
        let samples = Int(window / options.sampleInterval)
        #expect(measurement.realisations.count == 3 && measurement.realisationMeans.count == 3)
        for (k, realisation) in run.realisations.enumerated() {
            // Sample times transient + j·interval, j = 1…samples: the last `samples` entries of the trajectory.
            let m = Array(realisation.meanTrajectory.suffix(samples)), q = Array(realisation.secondMomentTrajectory.suffix(samples))
            #expect(abs(realisation.times[realisation.times.count - samples] - (transient + options.sampleInterval)) < 1e-12)
            let mean = m.reduce(0, +) / Double(samples), second = q.reduce(0, +) / Double(samples)
            #expect(abs(measurement.realisationMeans[k] - mean) <= 1e-12 * mean, "m of realisation \(k)")
            #expect(abs(measurement.realisations[k][0] - second) <= 1e-10 * second, "C(0) of realisation \(k)")
            #expect(second > mean * mean)
        }
        let halves = (0..<3).map { k -> (Double, Double) in
            let m = Array(run.realisations[k].meanTrajectory.suffix(samples))
            return (m[..<(samples / 2)].reduce(0, +) / Double(samples / 2),
                    m[(samples / 2)...].reduce(0, +) / Double(samples - samples / 2))
        }
        #expect(abs(measurement.meanAbundanceFirstHalf.mean - EcosystemEstimate(halves.map(\.0)).mean) < 1e-12)
        #expect(abs(measurement.meanAbundanceSecondHalf.mean - EcosystemEstimate(halves.map(\.1)).mean) < 1e-12)
        // The plateau is the mean of C over the last quarter of the lags (here lags 1.5…2, 3 samples).
        let c = measurement.realisations.map { ($0[6] + $0[7] + $0[8]) / 3 }
        #expect(abs(measurement.plateau.mean - EcosystemEstimate(c).mean) < 1e-14)
        // Reproducible, thread-independent, seed-dependent.
        options.threads = 1
        let serial = try EcosystemSimulator(model: model, options: options)
            .stationaryCorrelation(transient: transient, window: window, maximumLag: 2)
        #expect(serial.realisations == measurement.realisations && serial.realisationMeans == measurement.realisationMeans)
        options.seed = 12
        let other = try EcosystemSimulator(model: model, options: options)
            .stationaryCorrelation(transient: transient, window: window, maximumLag: 2)
        #expect(other.realisations[0][0] != measurement.realisations[0][0])
    }

    /// The phase diagram marks points past σ_c and below μ_UG and fills only the unique-fixed-point ones, with the
    /// cavity solver's numbers.
    @Test func phaseDiagramMarksRegions() throws {
        let points = try EcosystemPhaseDiagram(mu: -0.8, sigmas: [0.5, 1.0, 1.5], gammas: [0, 0.5]).evaluate()
        #expect(points.count == 6)
        let regions = points.map(\.region)
        // γ = 0: μ_UG(0.5) = −0.99 < −0.8 < μ_UG(1.0) = −0.69; σ = 1.5 > √2. γ = 0.5: μ_UG(0.5) = −0.85, σ_c = 0.943.
        #expect(regions == [.uniqueFixedPoint, .unboundedGrowth, .pastCriticalSigma,
                            .uniqueFixedPoint, .pastCriticalSigma, .pastCriticalSigma])
        let first = try #require(points[0].cavity)
        let direct = try EcosystemCavityProblem(model: EcosystemModel(mu: -0.8, sigma: 0.5, gamma: 0)).solve()
        #expect(first == direct)
        #expect(points[1].cavity == nil && points[2].cavity == nil && points[2].unboundedGrowthMu == nil)
        #expect(abs(points[4].criticalSigma - 2.0.squareRoot() / 1.5) < 1e-15)
    }
}
