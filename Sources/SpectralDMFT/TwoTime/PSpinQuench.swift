/// A quench of the spherical mixed p-spin model to temperature T: the two-time problem of docs/PHYSICS.md §2
/// (C(t,t'), R(t,t'), μ(t), E(t) for t ≥ t' ≥ 0), started from a random configuration or from equilibrium at T' > T_d.
///
/// The problem value is the model, the temperature and the start; the integrator (`PSpinQuenchIntegrator`, with
/// its step, horizon and order in `TwoTimeOptions`) is the solver, and `PSpinQuenchSolution` the solution.
///
///     let quench = try PSpinQuench(mixture: .pure(3), temperature: 0.4)
///     let solution = try quench.integrate(options: TwoTimeOptions(step: 0.05, maximumTime: 100))
///     solution.energy(row: solution.lastRow)
public struct PSpinQuench: Sendable, Equatable {
    /// The model f(q) = Σ c_p q^p/2.
    public let mixture: PSpinMixture
    /// The bath temperature T ≥ 0 after the quench (T = 0 is gradient descent).
    public let temperature: Double
    /// Where the quench starts.
    public let start: QuenchStart
    /// The non-conservative drive (nil: none).
    public let drive: QuenchDrive?

    /// The quench of `mixture` to `temperature` from `start`.
    ///
    /// - Throws: `TwoTimeError.invalidParameter` for T not finite or negative; `PSpinEquilibriumError` for an
    ///   equilibrium start T' that is not above T_d.
    public init(mixture: PSpinMixture, temperature: Double, start: QuenchStart = .random,
                drive: QuenchDrive? = nil) throws {
        guard temperature.isFinite, temperature >= 0 else {
            throw TwoTimeError.invalidParameter(name: "T", value: temperature, requirement: "a finite number >= 0")
        }
        if case .equilibrium(let initial) = start {
            _ = try PSpinEquilibrium(mixture: mixture, temperature: initial)
        }
        self.mixture = mixture
        self.temperature = temperature
        self.start = start
        self.drive = drive
    }

    /// Integrates the whole horizon of `options` in one call (no checkpoints) and returns the two-time solution.
    ///
    /// - Parameters:
    ///   - options: the step, the horizon and the order of the integrator.
    ///   - progress: called after each row (from the calling thread).
    /// - Throws: as `PSpinQuenchIntegrator.init` and `advance` (memory, non-finite values, start block).
    public func integrate(options: TwoTimeOptions, progress: ((TwoTimeProgress) -> Void)? = nil) throws -> PSpinQuenchSolution {
        let integrator = try PSpinQuenchIntegrator(mixture: mixture, temperature: temperature, start: start,
                                                   options: options, drive: drive)
        try integrator.advance(progress: progress)
        return integrator.solution
    }
}
