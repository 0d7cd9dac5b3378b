"""Spherical p-spin glasses, f(q) = Σ c_p q^p / 2, through ``dmft pspin …``.

Give the model as ``p=3`` (pure, f(q) = q^p/2) or ``mixture="3:1,4:0.5"``. C(τ) is the correlation, R(τ) the
response, T the temperature, T_d the dynamical transition; time in units of the unit relaxation time.
"""

from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

import numpy as np

from ._runner import Result, Table, join_numbers, model_arguments, number_argument, run_dmft

__all__ = ["PSpinSolution", "PSpinScan", "PSpinQuench", "DrivenSolution", "DriveScan", "solve", "scan", "quench",
           "drive", "drive_scan"]


@dataclasses.dataclass(frozen=True)
class PSpinSolution(Result):
    """Equilibrium above T_d (``dmft pspin solve``).

    Arrays: ``tau``, ``C``, ``R`` = −βC' (main table). With the spectral method also the spectrum table
    ``spectrum.csv`` (``omega``, ``chi_real``, ``chi_imag``, ``C_omega``; ``to_pandas("spectrum.csv")``), None
    otherwise. Scalars of the JSON record: ``T``, ``Td``, ``qd``, ``tau_alpha`` (C(τ_α) = 1/e; None beyond the
    window), ``energy`` (−f(1)/T in equilibrium above T_d), ``energy_from_dynamics``, ``mu``, ``method``
    (which solver ran), ``iterations``, ``residual``, ``seconds``.
    """

    TABLE = "C.csv"

    p: Optional[int]
    mixture: str
    T: float
    Td: float
    qd: float
    tau_alpha: Optional[float]
    energy: float
    energy_from_dynamics: float
    mu: float
    method: str
    iterations: int
    residual: float
    seconds: float
    tau: np.ndarray
    C: np.ndarray
    R: np.ndarray
    omega: Optional[np.ndarray]
    chi_real: Optional[np.ndarray]
    chi_imag: Optional[np.ndarray]
    C_omega: Optional[np.ndarray]


def solve(p: Optional[int] = 3, T: float = 1.0, method: str = "auto", *, mixture: Optional[str] = None) -> PSpinSolution:
    """Solves the equilibrium dynamics at temperature ``T`` > T_d. ``method`` is ``"auto"`` (spectral unless its
    grid would be too large close to T_d, then doubling), ``"spectral"`` or ``"doubling"``. Give ``mixture``
    (then ``p=None``) for a mixed model. Raises :class:`spectraldmft.DMFTError` at T ≤ T_d (naming T_d)."""
    arguments = ["pspin", "solve", *model_arguments(p, mixture), "--T", number_argument(T), "--method", method,
                 "--json", "--output", "C.csv"]
    spectral = method == "spectral"
    if spectral:
        arguments += ["--spectrum", "spectrum.csv"]
    output = run_dmft(arguments, json_output=True, read=["C.csv", "spectrum.csv"])
    spectrum = output.tables.get("spectrum.csv")
    columns = ("omega", "chi_real", "chi_imag", "C_omega")
    return PSpinSolution.build(output, **{name: (spectrum[name] if spectrum is not None else None) for name in columns})


@dataclasses.dataclass(frozen=True)
class PSpinScan(Result):
    """τ_α, energy and μ over temperatures (``dmft pspin scan``): arrays ``T``, ``tau_alpha``, ``energy``, ``mu``,
    ``method`` (text), ``iterations``, ``residual``; scalars ``failures``, ``seconds``."""

    TABLE = "scan.csv"

    T: np.ndarray
    tau_alpha: np.ndarray
    energy: np.ndarray
    mu: np.ndarray
    method: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray
    failures: int
    seconds: float


def scan(T_min: float, T_max: float, steps: int, p: Optional[int] = 3, method: str = "auto", *,
         mixture: Optional[str] = None) -> PSpinScan:
    """Solves at ``steps`` evenly spaced temperatures from ``T_min`` (> T_d) to ``T_max``, on every core."""
    arguments = ["pspin", "scan", *model_arguments(p, mixture), "--T-min", number_argument(T_min),
                 "--T-max", number_argument(T_max), "--steps", str(int(steps)), "--method", method,
                 "--output", "scan.csv"]
    return PSpinScan.build(run_dmft(arguments, read=["scan.csv"], record_file="scan.run.json"))


@dataclasses.dataclass(frozen=True)
class PSpinQuench(Result):
    """Two-time dynamics after a quench (``dmft pspin quench``).

    Main table (``to_pandas()``): ``t``, ``energy``, ``mu`` = E(t), μ(t). The two-time tables are
    ``correlation`` (columns ``t_w``, ``tau``, ``C``, ``R``: C(t_w + τ, t_w), R(t_w + τ, t_w)) and ``fdt``
    (``t_w``, ``t``, ``C``, ``chi`` with χ(t, t_w) = ∫_{t_w}^t R(t, s) ds), each a :class:`spectraldmft.Table`
    (``to_pandas("correlation.csv")``). Scalars: ``temperature``, ``final_energy``, ``final_multiplier``,
    ``dynamical_transition``, ``waiting_times``; the rest (grid, memory, timing) is in ``record``.
    """

    TABLE = "energy.csv"

    t: np.ndarray
    energy: np.ndarray
    mu: np.ndarray
    correlation: Table
    fdt: Table
    temperature: float
    final_energy: float
    final_multiplier: float
    dynamical_transition: float
    waiting_times: list


def quench(p: Optional[int] = 3, T: float = 0.5, t_max: float = 10.0, dt: float = 0.05, *,
           waiting_times: Optional[Sequence[float]] = None, start_T: Optional[float] = None,
           mixture: Optional[str] = None, order: Optional[int] = None) -> PSpinQuench:
    """Integrates the two-time (Cugliandolo–Kurchan) equations from a random start (or from equilibrium at
    ``start_T`` > T_d) to temperature ``T`` up to ``t_max`` with step ``dt``; ``waiting_times`` default to
    t_max/8, t_max/4, t_max/2; ``order`` is 2, 3 or 4 (default 4). Memory grows as (t_max/dt)²."""
    arguments = ["pspin", "quench", *model_arguments(p, mixture), "--T", number_argument(T),
                 "--t-max", number_argument(t_max), "--dt", number_argument(dt), "--output", "run"]
    if waiting_times is not None:
        arguments += ["--waiting-times", join_numbers(waiting_times)]
    if start_T is not None:
        arguments += ["--start-T", number_argument(start_T)]
    if order is not None:
        arguments += ["--order", str(int(order))]
    output = run_dmft(arguments, record_file="run/run.json",
                      read=["run/energy.csv", "run/correlation.csv", "run/fdt.csv"])
    tables = {name.split("/")[-1]: table for name, table in output.tables.items()}
    output = dataclasses.replace(output, tables=tables)
    return PSpinQuench.build(output, correlation=tables["correlation.csv"], fdt=tables["fdt.csv"])


@dataclasses.dataclass(frozen=True)
class DrivenSolution(Result):
    """Stationary state of the p-spin driven by a random non-conservative force (``dmft pspin drive``).

    Arrays: ``tau``, ``C``, ``R``, ``chi`` = ∫_0^τ R (main table). Scalars as in the JSON record: ``T``,
    ``epsilon``, ``k``, ``eta``, ``tau_alpha``, ``energy``, ``mu``, ``mu_from_identity``, ``injected_power``,
    ``heat_to_bath``, ``T_eff`` (slope of χ against C, slow part), ``branch``, ``C_1``, ``C_2``, ``C_5``,
    ``C_10`` (C at τ = 1, 2, 5, 10), ``dt``, ``window``, ``iterations``, ``residual``, ``seconds``.
    """

    TABLE = "C.csv"

    T: float
    Td: float
    epsilon: float
    k: int
    eta: float
    tau_alpha: Optional[float]
    energy: float
    mu: float
    mu_from_identity: float
    injected_power: float
    heat_to_bath: float
    T_eff: Optional[float]
    branch: str
    C_1: float
    C_2: float
    C_5: float
    C_10: float
    dt: float
    window: float
    iterations: int
    residual: float
    seconds: float
    tau: np.ndarray
    C: np.ndarray
    R: np.ndarray
    chi: np.ndarray


def drive(p: Optional[int] = 3, T: float = 1.0, epsilon: float = 0.0, k: int = 3, eta: float = 0.0, *,
          mixture: Optional[str] = None) -> DrivenSolution:
    """Solves the driven stationary state with drive strength ``epsilon`` (ε > 0 below T_d), drive order ``k``
    (h(q) = q^k/2) and symmetry ``eta`` (0: fully asymmetric, 1: a gradient force). At ε = 0 above T_d it is the
    equilibrium of :func:`solve`."""
    arguments = ["pspin", "drive", *model_arguments(p, mixture), "--T", number_argument(T),
                 "--epsilon", number_argument(epsilon), "--k", str(int(k)), "--eta", number_argument(eta),
                 "--json", "--output", "C.csv"]
    return DrivenSolution.build(run_dmft(arguments, json_output=True, read=["C.csv"]))


@dataclasses.dataclass(frozen=True)
class DriveScan(Result):
    """The driven stationary state over drives ε (``dmft pspin drive-scan``), from large to small ε by continuation:
    arrays ``epsilon``, ``tau_alpha``, ``energy``, ``mu``, ``T_eff``, ``power`` (injected), ``heat`` (to the bath),
    ``branch`` (text), ``iterations``, ``residual``, ``seconds`` (each point's solve; main table); scalars
    ``failures``, ``lanes`` (the run's total time is ``record["seconds"]``)."""

    TABLE = "scan.csv"

    epsilon: np.ndarray
    tau_alpha: np.ndarray
    energy: np.ndarray
    mu: np.ndarray
    T_eff: np.ndarray
    power: np.ndarray
    heat: np.ndarray
    branch: np.ndarray
    iterations: np.ndarray
    residual: np.ndarray
    seconds: np.ndarray
    failures: int
    lanes: int


def drive_scan(T: float, epsilon_min: float, epsilon_max: float, steps: int, p: Optional[int] = 3, k: int = 3, *,
               mixture: Optional[str] = None, workers: Optional[int] = None) -> DriveScan:
    """Solves the driven stationary state at ``steps`` evenly spaced drives from ``epsilon_max`` down to
    ``epsilon_min`` at temperature ``T``, continuing along ``workers`` lanes (default: one per core; the numbers
    depend on it through the continuation's starting points, within the solver's tolerance)."""
    arguments = ["pspin", "drive-scan", *model_arguments(p, mixture), "--T", number_argument(T),
                 "--epsilon-min", number_argument(epsilon_min), "--epsilon-max", number_argument(epsilon_max),
                 "--steps", str(int(steps)), "--k", str(int(k)), "--output", "scan.csv"]
    if workers is not None:
        arguments += ["--workers", str(int(workers))]
    return DriveScan.build(run_dmft(arguments, read=["scan.csv"], record_file="scan.run.json"))
