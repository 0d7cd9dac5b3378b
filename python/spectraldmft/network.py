"""Random rate networks, dh/dt = −h + g J φ(h) + σ ξ, through ``dmft network …``.

Δ(τ) = ⟨h(t) h(t+τ)⟩ is the stationary autocorrelation, Δ0 = Δ(0) its variance, time in units of the unit
relaxation time, φ = tanh or erf(√π x/2) (slope 1 at 0), σ² the intensity of the white noise.

``solve`` and ``transition`` also take the general one-population model dh/dt = −h + h0 + Σ_j J_ij φ(h_j) + σ ξ
with J_ij = J0/N + g z_ij/√N (``bias`` h0, ``mean_coupling`` J0) and a non-odd φ (``"relu-tanh"``,
``"logistic"``, ``"threshold-linear"``): Δ(τ) → Δ∞ > 0, μ = h0 + J0 M with M = ⟨φ(h)⟩ (docs/PHYSICS.md §1.10).
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np

from ._runner import Result, Table, number_argument, run_dmft

__all__ = ["NetworkSolution", "NetworkScan", "NetworkTransition", "PhaseDiagram", "solve", "scan", "transition",
           "phase_diagram"]


@dataclasses.dataclass(frozen=True)
class NetworkSolution(Result):
    """The stationary state at one coupling (``dmft network solve``).

    Arrays: ``tau`` (lags), ``delta`` (Δ(τ)) — the main table, ``to_pandas()`` — and the spectrum ``omega``,
    ``power`` (``to_pandas("spectrum.csv")``). Scalars as in the JSON record: ``delta0`` (Δ0), ``decorrelation_time``
    (τ½ with Δ(τ½) = Δ0/2), ``lambda_max`` and ``lambda_max_error`` (None without ``lyapunov=True``), ``branch``
    (quiescent or chaotic), solver statistics ``iterations``, ``residual``, grid ``step``, ``window``, ``points``,
    and the wall time ``seconds`` of the solve itself. For the general model (a bias, a mean coupling or a non-odd
    φ) also ``h0``, ``j0``, ``mu`` (mean input μ), ``mean_rate`` (M = ⟨φ⟩) and ``delta_inf`` (Δ∞); None otherwise.
    """

    TABLE = "delta.csv"

    g: float
    sigma: float
    phi: str
    branch: str
    delta0: float
    decorrelation_time: float
    lambda_max: Optional[float]
    lambda_max_error: Optional[float]
    iterations: int
    residual: float
    step: float
    window: float
    points: int
    tolerance: float
    seconds: float
    tau: np.ndarray
    delta: np.ndarray
    omega: np.ndarray
    power: np.ndarray
    h0: Optional[float] = None
    j0: Optional[float] = None
    mu: Optional[float] = None
    mean_rate: Optional[float] = None
    delta_inf: Optional[float] = None


def solve(g: float, sigma: float = 0.0, phi: str = "tanh", lyapunov: bool = False, *,
          bias: Optional[float] = None, mean_coupling: Optional[float] = None, step: Optional[float] = None,
          window: Optional[float] = None, tolerance: Optional[float] = None,
          acceleration: Optional[str] = None) -> NetworkSolution:
    """Solves the stationary network DMFT at coupling ``g`` (> 0) and noise ``sigma`` (≥ 0).

    ``lyapunov=True`` also computes the maximal Lyapunov exponent λ_max. ``step``, ``window`` (lag grid) and
    ``tolerance`` override the automatic choices; ``acceleration`` is ``"newton-krylov"`` (default), ``"anderson"``
    or ``"plain"``. Raises :class:`spectraldmft.DMFTError` (dmft's ``Error:`` line) on bad input or no convergence.

    ``bias`` (h0) and ``mean_coupling`` (J0), or a non-odd ``phi``, run the general one-population solver.

    Example: ``spectraldmft.network.solve(1.5).delta0`` → 0.74768638…
    """
    arguments = ["network", "solve", "--g", number_argument(g), "--sigma", number_argument(sigma), "--phi", phi,
                 "--json", "--output", "delta.csv", "--spectrum", "spectrum.csv"]
    if lyapunov:
        arguments.append("--lyapunov")
    for option, value in (("--bias", bias), ("--mean-coupling", mean_coupling), ("--step", step),
                          ("--window", window), ("--tolerance", tolerance)):
        if value is not None:
            arguments += [option, number_argument(value)]
    if acceleration is not None:
        arguments += ["--acceleration", acceleration]
    output = run_dmft(arguments, json_output=True, read=["delta.csv", "spectrum.csv"])
    spectrum = output.tables["spectrum.csv"]
    return NetworkSolution.build(output, omega=spectrum["omega"], power=spectrum["power"])


@dataclasses.dataclass(frozen=True)
class NetworkScan(Result):
    """Δ0, decorrelation time and solver statistics over couplings (``dmft network scan``).

    Arrays (one entry per coupling, the main table): ``g``, ``sigma``, ``delta0``, ``decorrelation_time``,
    ``iterations``, ``residual`` and ``lambda_max`` (None without ``lyapunov=True``). A failed point is NaN.
    Scalars of the run record: ``failures``, ``seconds``, ``workers``.
    """

    TABLE = "scan.csv"

    g: np.ndarray
    sigma: np.ndarray
    delta0: np.ndarray
    decorrelation_time: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray
    lambda_max: Optional[np.ndarray]
    phi: str
    failures: int
    workers: int
    seconds: float


def scan(g_min: float, g_max: float, steps: int, sigma: float = 0.0, phi: str = "tanh", lyapunov: bool = False,
         *, workers: Optional[int] = None) -> NetworkScan:
    """Solves at ``steps`` evenly spaced couplings from ``g_min`` to ``g_max`` (endpoints included), in parallel
    on ``workers`` threads (default: one per core). Raises :class:`spectraldmft.DMFTError` on bad input or if a
    point fails (the message counts the failures)."""
    arguments = ["network", "scan", "--g-min", number_argument(g_min), "--g-max", number_argument(g_max),
                 "--steps", str(int(steps)), "--sigma", number_argument(sigma), "--phi", phi, "--output", "scan.csv"]
    if lyapunov:
        arguments.append("--lyapunov")
    if workers is not None:
        arguments += ["--workers", str(int(workers))]
    output = run_dmft(arguments, read=["scan.csv"], record_file="scan.run.json")
    return NetworkScan.build(output)


@dataclasses.dataclass(frozen=True)
class NetworkTransition(Result):
    """The transition to chaos at noise σ (``dmft network transition``): ``g_c`` (root of λ_max = 0, or the
    criterion/series route named by ``route``), ``g_c_criterion`` (Δ0 = g²⟨φ²⟩), ``g_local`` (g²⟨φ'²⟩ = 1)."""

    sigma: float
    phi: str
    g_c: float
    g_c_criterion: float
    g_local: float
    route: str
    seconds: float
    h0: Optional[float] = None
    j0: Optional[float] = None
    mu: Optional[float] = None
    mean_rate: Optional[float] = None


def transition(sigma: float, phi: str = "tanh", *, bias: Optional[float] = None,
               mean_coupling: Optional[float] = None) -> NetworkTransition:
    """Locates the transition to chaos at noise ``sigma`` (≥ 0). Without noise all three couplings are 1.

    With ``bias`` (h0), ``mean_coupling`` (J0) or a non-odd ``phi`` (σ = 0 only), ``g_c`` is where the fixed-point
    branch loses stability, g² ⟨φ'(h)²⟩ = 1 (``route`` = "fixed-point criterion"); ``g_c_criterion`` and ``g_local``
    are then None, and ``mu``, ``mean_rate`` are the fixed point's μ and M at g_c.
    """
    arguments = ["network", "transition", "--sigma", number_argument(sigma), "--phi", phi, "--json"]
    for option, value in (("--bias", bias), ("--mean-coupling", mean_coupling)):
        if value is not None:
            arguments += [option, number_argument(value)]
    output = run_dmft(arguments, json_output=True)
    return NetworkTransition.build(output)


@dataclasses.dataclass(frozen=True)
class PhaseDiagram(Result):
    """λ_max over a (g, σ) grid and the transition lines (``dmft network phase-diagram``).

    Arrays (one entry per grid point, σ-major, the main table): ``g``, ``sigma``, ``delta0``, ``lambda_max``.
    ``transition`` is the table ``sigma``, ``g_c``, ``g_c_criterion``, ``g_local`` at each σ of the grid
    (``to_pandas("pd-transition.csv")``). Scalars: ``failures``, ``seconds``.
    """

    TABLE = "pd.csv"

    g: np.ndarray
    sigma: np.ndarray
    delta0: np.ndarray
    lambda_max: np.ndarray
    transition: Table
    failures: int
    seconds: float


def phase_diagram(g_min: float, g_max: float, sigma_max: float, g_steps: int = 41, sigma_steps: int = 11,
                  phi: str = "tanh") -> PhaseDiagram:
    """λ_max at ``g_steps`` couplings from ``g_min`` to ``g_max`` times ``sigma_steps`` noise levels from 0 to
    ``sigma_max``, and g_c(σ), g_c_criterion(σ), g_local(σ) at each noise level, on every core."""
    arguments = ["network", "phase-diagram", "--g-min", number_argument(g_min), "--g-max", number_argument(g_max),
                 "--g-steps", str(int(g_steps)), "--sigma-max", number_argument(sigma_max),
                 "--sigma-steps", str(int(sigma_steps)), "--phi", phi, "--output", "pd.csv"]
    output = run_dmft(arguments, read=["pd.csv", "pd-transition.csv"], record_file="pd.run.json")
    return PhaseDiagram.build(output, transition=output.tables["pd-transition.csv"])
