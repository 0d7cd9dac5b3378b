import ArgumentParser

@main
struct DMFT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmft",
        abstract: "Dynamical mean-field theory of random rate networks and spherical p-spin glasses: stationary states, chaos, transients.",
        discussion: """
        Units and conventions are those of PHYSICS.md: time in units of the unit relaxation time, \
        Δ(τ) = ⟨h(t)h(t+τ)⟩, spectra f̂(ω) = ∫ f(|τ|) e^{iωτ} dτ.
        Examples:
          dmft network solve --g 1.5 --lyapunov
          dmft network scan --g-min 0.5 --g-max 3 --steps 100 --output scan.csv
          dmft network transition --sigma 0.5
          dmft pspin solve --p 3 --T 0.8 --output c.csv --spectrum chi.csv
          dmft pspin quench --p 3 --T 0.4 --t-max 200 --dt 0.05 --output quench
          dmft validate
          dmft reproduce --quick
        """,
        subcommands: [Network.self, PSpin.self, Validate.self, Bench.self, Reproduce.self]
    )
}
