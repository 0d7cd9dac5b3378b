import Foundation
import SpectralDMFT

/// The random Lotka–Volterra checks: the static cavity solution against direct simulation with exact fixed points
/// (S = 2000, 4 seeds), and its limit at σ_c; the sampling DMFT (γ = 0) against simulation (S = 2000, 8 seeds), its
/// step-size error against its statistical error, and its speed.
enum EcosystemValidation {
    static func run(_ record: (ValidationCheck) -> Void) throws {
        let area = "ecosystem"
        SamplingBLAS.preferAVX2Kernels()
        try dynamics(record)
        // φ → 1/2 at σ → σ_c⁻ for every γ.
        for gamma in [-0.5, 0, 0.5] {
            let critical = EcosystemModel.criticalSigma(gamma: gamma)
            let solution = try EcosystemCavityProblem(model: EcosystemModel(mu: 4, sigma: critical * (1 - 1e-6), gamma: gamma)).solve()
            let deviation = abs(solution.survivingFraction - 0.5)
            record(ValidationCheck(area: area, name: "cavity φ at σ = σ_c(1 − 1e-6), γ = \(gamma): |φ − 1/2|", measured: deviation,
                                   limit: 1e-5, passed: deviation <= 1e-5,
                                   detail: String(format: "σ_c = %.6f, Δ = %.2e, μ_UG = %.2e", critical, solution.margin,
                                                  solution.unboundedGrowthMu)))
        }
        // Cavity against simulation at μ = 4, every σ ∈ {0.5, 0.8, 1.0} below σ_c(γ), S = 2000. γ = 0.5 uses 8 seeds:
        // with 4 (seed 2026) the spread of the four fixed points happened to be 3.5× below its typical size, so the
        // standard error was underestimated and ⟨N⟩ looked 4.8 SE off at σ = 0.8; with 8 seeds the same point agrees
        // within 0.3 SE (docs/PHYSICS.md §8.5).
        let species = 2000
        for gamma in [-0.5, 0, 0.5] {
            let seeds = gamma > 0 ? 8 : 4
            for sigma in [0.5, 0.8, 1.0] where sigma < EcosystemModel.criticalSigma(gamma: gamma) {
                let model = try EcosystemModel(mu: 4, sigma: sigma, gamma: gamma)
                let cavity = try EcosystemCavityProblem(model: model).solve()
                var options = EcosystemSimulationOptions(species: species)
                options.realisations = seeds
                options.seed = 2026
                // The fixed point is unique below σ_c and found exactly by the complementarity solve; the integration
                // only proposes the first survivor set. t ≤ 10 at dt = 0.2 (RK4) gives the same fixed points as
                // t ≤ 60 at dt = 0.1 (measured at σ = 1, γ = 0: identical φ, ⟨N⟩, ⟨N²⟩; 9 solves instead of 7) at
                // a twelfth of the integration (docs/PHYSICS.md §8.5).
                options.duration = 10
                options.step = 0.2
                let result = try EcosystemSimulator(model: model, options: options).run()
                let pairs: [(String, EcosystemEstimate, Double)] = [
                    ("φ", result.survivingFraction!, cavity.survivingFraction),
                    ("⟨N⟩", result.meanAbundance!, cavity.meanAbundance),
                    ("⟨N²⟩", result.secondMoment!, cavity.secondMoment),
                ]
                let worst = pairs.map { abs($0.1.mean - $0.2) / $0.1.error }.max()!
                let detail = pairs.map { String(format: "%@ %.5f±%.5f (cavity %.5f)", $0.0, $0.1.mean, $0.1.error, $0.2) }
                    .joined(separator: ", ")
                record(ValidationCheck(area: area, name: "cavity vs simulation S = \(species), \(seeds) seeds, σ = \(sigma), γ = \(gamma) (SE)",
                                       measured: worst, limit: 3, passed: worst <= 3, detail: detail))
                let residual = result.complementarityResidual!
                record(ValidationCheck(area: area, name: "exact fixed points, σ = \(sigma), γ = \(gamma): complementarity residual",
                                       measured: residual, limit: 1e-9, passed: residual <= 1e-9,
                                       detail: "linear solves per seed \(result.realisations.map { $0.fixedPoint!.solves })"))
            }
        }
    }

    /// The sampling DMFT from N(0) = 1 at μ = 4: σ = 1, γ = 0, t ≤ 20, and σ = 0.8, γ = 0.5 (memory term), t ≤ 10.
    /// (γ = −0.5 behaves alike, docs/PHYSICS.md §8.6; it is left out to keep the release checks short.)
    static func dynamics(_ record: (ValidationCheck) -> Void) throws {
        // 8 repetitions (7 degrees of freedom in each standard error): with 4, an error bar is itself uncertain by a
        // factor ~2 and a "3 SE" gap has a false-alarm rate of ~6 % per number (Student t₃); that is what made
        // dt = 0.1 and 0.05 look 6.2 SE apart at seed 1, 4 × 1000 paths (docs/PHYSICS.md §8.6).
        try dynamics(sigma: 1, gamma: 0, duration: 20, paths: 1250, stepDuration: 20, stepPaths: 1250, record)
        try dynamics(sigma: 0.8, gamma: 0.5, duration: 10, paths: 1250, stepDuration: 5, stepPaths: 500, record)
    }

    /// One point: m(t), C(t,t) against simulation (S = 2000, 8 seeds) for t ≥ 0.5; dt = 0.1 against dt = 0.05
    /// (8 × `stepPaths` paths each, t ≤ `stepDuration`: for γ ≠ 0 the first half, where the stiff start puts the step
    /// error, because the response costs (t/dt)³ per path); the approach of m(t), C(t,t) to the cavity values.
    static func dynamics(sigma: Double, gamma: Double, duration: Double, paths: Int, stepDuration: Double, stepPaths: Int,
                         _ record: (ValidationCheck) -> Void) throws {
        let area = "ecosystem"
        let label = "μ = 4, σ = \(sigma), γ = \(gamma), t ≤ \(Int(duration))"
        let repetitions = 8
        let model = try EcosystemModel(mu: 4, sigma: sigma, gamma: gamma)
        func solve(_ step: Double, paths: Int, duration: Double = duration) throws -> (SamplingSolution, Double) {
            var options = SamplingOptions()
            options.paths = paths
            options.repetitions = repetitions
            options.seed = 1
            let began = Date()
            let solution = try EcosystemDynamicsProblem(model: model, duration: duration, step: step).solve(options: options)
            return (solution, Date().timeIntervalSince(began))
        }
        let (coarse, seconds) = try solve(0.1, paths: paths)
        record(ValidationCheck(area: area, name: "sampling DMFT \(label), dt = 0.1, \(repetitions) × \(paths) paths: residual",
                               measured: coarse.report.residual, limit: 1e-10, passed: coarse.report.residual <= 1e-10,
                               detail: String(format: "iterations %@, %.1f s (wall, under load)",
                                              "\(coarse.reports.map(\.iterations))", seconds)))
        var simulationOptions = EcosystemSimulationOptions(species: 2000)
        simulationOptions.realisations = 8
        simulationOptions.seed = 2027
        simulationOptions.step = 0.05
        simulationOptions.duration = duration
        simulationOptions.sampleInterval = 0.5
        simulationOptions.findsFixedPoint = false
        let simulation = try EcosystemSimulator(model: model, options: simulationOptions).run()
        func compare(_ solution: SamplingSolution, against other: (Int) -> (m: EcosystemEstimate, c: EcosystemEstimate),
                     times: [Double]) -> (Double, String) {
            let n = solution.kernels.timeCount, step = solution.step
            var worst = 0.0, at = ""
            for (index, time) in times.enumerated() where time >= 0.5 {
                let k = Int((time / step).rounded())
                let (m, c) = other(index)
                let mz = abs(m.mean - solution.kernels.mean[k])
                    / (m.error * m.error + solution.errors.mean[k] * solution.errors.mean[k]).squareRoot()
                let ce = solution.errors.covariance[k * n + k]
                let cz = abs(c.mean - solution.kernels.covariance[k * n + k]) / (c.error * c.error + ce * ce).squareRoot()
                if max(mz, cz) > worst {
                    worst = max(mz, cz)
                    at = String(format: "worst at t = %g: m %.5f vs %.5f, C %.5f vs %.5f", time, solution.kernels.mean[k], m.mean,
                                solution.kernels.covariance[k * n + k], c.mean)
                }
            }
            return (worst, at)
        }
        let (worst, detail) = compare(coarse, against: { (simulation.meanTrajectory[$0], simulation.secondMomentTrajectory[$0]) },
                                      times: simulation.times)
        record(ValidationCheck(area: area, name: "sampling DMFT vs simulation S = 2000, 8 seeds, \(label): m, C(t,t), t ≥ 0.5 (SE)",
                               measured: worst, limit: 3, passed: worst <= 3, detail: detail))
        // The dt = 0.1 side of the step check is the main run when the settings coincide (γ = 0).
        let reference = stepPaths == paths && stepDuration == duration ? coarse
            : try solve(0.1, paths: stepPaths, duration: stepDuration).0
        let (fine, _) = try solve(0.05, paths: stepPaths, duration: stepDuration)
        let n = fine.kernels.timeCount
        let samples = Int((stepDuration / 0.5).rounded())
        let (stepWorst, stepDetail) = compare(reference, against: { index in
            let k = 10 * index
            return (EcosystemEstimate(mean: fine.kernels.mean[k], error: fine.errors.mean[k]),
                    EcosystemEstimate(mean: fine.kernels.covariance[k * n + k], error: fine.errors.covariance[k * n + k]))
        }, times: (0...samples).map { Double($0) * 0.5 })
        record(ValidationCheck(area: area, name: "sampling DMFT \(label): dt = 0.1 vs 0.05 (\(repetitions) × \(stepPaths) paths), 0.5 ≤ t ≤ \(Int(stepDuration)) (SE)",
                               measured: stepWorst, limit: 3, passed: stepWorst <= 3, detail: stepDetail))
        // Long-time limit: m(t) and C(t,t) approach the cavity fixed point (slowly: near-extinct species relax slowly).
        let cavity = try EcosystemCavityProblem(model: model).solve()
        let last = coarse.kernels.timeCount - 1, middle = last / 2, nc = coarse.kernels.timeCount
        func gap(_ k: Int) -> Double {
            max(abs(coarse.kernels.mean[k] / cavity.meanAbundance - 1), abs(coarse.kernels.covariance[k * nc + k] / cavity.secondMoment - 1))
        }
        let (early, late) = (gap(middle), gap(last))
        record(ValidationCheck(area: area, name: "sampling DMFT \(label): relative distance to the cavity m, ⟨N²⟩ at t_max",
                               measured: late, limit: early, passed: late < early,
                               detail: String(format: "t_max/2: %.3f → t_max: %.3f; m(t_max) = %.4f, cavity %.4f; C = %.4f, cavity %.4f",
                                              early, late, coarse.kernels.mean[last], cavity.meanAbundance,
                                              coarse.kernels.covariance[last * nc + last], cavity.secondMoment)))
    }
}
