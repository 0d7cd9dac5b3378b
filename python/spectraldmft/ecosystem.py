"""Random Lotka–Volterra ecosystems, dN_i/dt = N_i (1 − N_i − Σ_j α_ij N_j), through ``dmft ecosystem …``.

The interactions α_ij have mean μ/S, variance σ²/S and correlation γ between α_ij and α_ji (docs/PHYSICS.md §8).
Abundances are in units of the carrying capacity, time in units of the intrinsic growth time.
"""

from __future__ import annotations

import dataclasses

from ._runner import Result, number_argument, run_dmft

__all__ = ["EcosystemCavity", "cavity"]


@dataclasses.dataclass(frozen=True)
class EcosystemCavity(Result):
    """The static cavity solution of the unique-fixed-point phase (``dmft ecosystem cavity``).

    ``phi`` (fraction of surviving species), ``mean_N`` (⟨N⟩ over all species), ``mean_N2`` (⟨N²⟩), ``chi``
    (mean response), ``delta`` (the standardised threshold of the truncated Gaussian), ``sigma_c`` = √2/(1 + γ)
    (the end of the phase), ``mu_UG`` (the unbounded-growth line: μ must exceed it), and the root's ``residual``.
    """

    TABLE = None

    mu: float
    sigma: float
    gamma: float
    phi: float
    mean_N: float
    mean_N2: float
    chi: float
    delta: float
    sigma_c: float
    mu_UG: float
    residual: float
    method: str


def cavity(mu: float, sigma: float, gamma: float = 0.0) -> EcosystemCavity:
    """Solves the cavity equations at mean ``mu``, spread ``sigma`` (< σ_c) and symmetry ``gamma`` ∈ [−1, 1].

    Raises :class:`spectraldmft.DMFTError` with dmft's ``Error:`` line past σ_c (naming it), below μ_UG, or for
    γ outside [−1, 1].

    Example: ``spectraldmft.ecosystem.cavity(4, 1.0).phi`` → 0.6810…
    """
    output = run_dmft(["ecosystem", "cavity", "--mu", number_argument(mu), "--sigma", number_argument(sigma),
                       "--gamma", number_argument(gamma), "--json"], json_output=True)
    return EcosystemCavity.build(output)
