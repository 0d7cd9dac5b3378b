"""Random rate networks, dh/dt = −h + g J φ(h) + σ ξ, through ``dmft network …``.

Δ(τ) = ⟨h(t) h(t+τ)⟩ is the stationary autocorrelation, Δ0 = Δ(0) its variance, time in units of the unit
relaxation time, φ = tanh or erf(√π x/2) (slope 1 at 0), σ² the intensity of the white noise.
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
    and the wall time ``seconds`` of the solve itself.
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


def solve(g: float, sigma: float = 0.0, phi: str = "tanh", lyapunov: bool = False, *,
          step: Optional[float] = None, window: Optional[float] = None, tolerance: Optional[float] = None,
          acceleration: Optional[str] = None) -> NetworkSolution:
    """Solves the stationary network DMFT at coupling ``g`` (> 0) and noise ``sigma`` (≥ 0).

    ``lyapunov=True`` also computes the maximal Lyapunov exponent λ_max. ``step``, ``window`` (lag grid) and
    ``tolerance`` override the automatic choices; ``acceleration`` is ``"newton-krylov"`` (default), ``"anderson"``
    or ``"plain"``. Raises :class:`spectraldmft.DMFTError` (dmft's ``Error:`` line) on bad input or no convergence.

    Example: ``spectraldmft.network.solve(1.5).delta0`` → 0.74768638…
    """
    arguments = ["network", "solve", "--g", number_argument(g), "--sigma", number_argument(sigma), "--phi", phi,
                 "--json", "--output", "delta.csv", "--spectrum", "spectrum.csv"]
    if lyapunov:
        arguments.append("--lyapunov")
    for option, value in (("--step", step), ("--window", window), ("--tolerance", tolerance)):
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


def transition(sigma: float, phi: str = "tanh") -> NetworkTransition:
    """Locates the transition to chaos at noise ``sigma`` (≥ 0). Without noise all three couplings are 1."""
    output = run_dmft(["network", "transition", "--sigma", number_argument(sigma), "--phi", phi, "--json"],
                      json_output=True)
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
