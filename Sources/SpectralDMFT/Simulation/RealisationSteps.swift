extension FiniteNetwork {
    /// Steps one realisation through its transient and its measured window, the loop shared by the one-population
    /// and the population simulations.
    ///
    /// The transient takes `plan.transientSteps` steps of `advance` (the tangent vector, when `tangent`, is
    /// renormalised every `plan.stepsPerRenormalisation` steps and its growth discarded); the state must then be
    /// finite. The measured window calls `sample` once at its start and after every `plan.stepsPerSample` steps
    /// (checking that the state is finite at each sample), and `report` with the number of steps done after every
    /// step.
    ///
    /// - Returns: the summed log growth of the tangent vector over the measured steps (0 without `tangent`).
    /// - Throws: `SimulationError.diverged` carrying the realisation and the model time of the first non-finite state.
    package func runSteps(plan: NetworkSimulationPlan, realisation index: Int, tangent: Bool,
                          advance: () -> Void, sample: () -> Void, report: (Int) -> Void) throws -> Double {
        let dt = plan.step
        for stepIndex in 0..<plan.transientSteps {
            advance()
            if tangent && (stepIndex + 1) % plan.stepsPerRenormalisation == 0 { normaliseTangent() }
            report(stepIndex + 1)
        }
        guard state.allSatisfy({ $0.isFinite }) else {
            throw SimulationError.diverged(realisation: index, time: Double(plan.transientSteps) * dt)
        }
        if tangent { normaliseTangent() }
        sample()
        var logGrowth = 0.0, sinceRenormalisation = 0
        for stepIndex in 0..<plan.measuredSteps {
            advance()
            if tangent {
                sinceRenormalisation += 1
                if sinceRenormalisation == plan.stepsPerRenormalisation {
                    logGrowth += normaliseTangent()
                    sinceRenormalisation = 0
                }
            }
            if (stepIndex + 1) % plan.stepsPerSample == 0 {
                sample()
                if !state.allSatisfy({ $0.isFinite }) {
                    throw SimulationError.diverged(realisation: index, time: Double(plan.transientSteps + stepIndex + 1) * dt)
                }
            }
            report(plan.transientSteps + stepIndex + 1)
        }
        if tangent && sinceRenormalisation > 0 { logGrowth += normaliseTangent() }
        return logGrowth
    }
}
