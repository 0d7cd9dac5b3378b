"""Tests of the Python package against the dmft executable (release build in CI) and the values `dmft validate`
uses: the potential method, the published λ_max, closed forms of the p-spin equilibrium."""

import json
import math
import os
import subprocess
import tempfile

import numpy as np
import pandas as pd
import pytest

import spectraldmft
from spectraldmft import DMFTError, ecosystem, network, pspin


def dmft_json(*arguments):
    """`dmft ARGUMENTS --json` run directly, as a user would."""
    completed = subprocess.run([spectraldmft.find_dmft(), *arguments, "--json"], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def temporary_folders():
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("spectraldmft-")}


# --- network -------------------------------------------------------------------------------------------------------

def test_solve_equals_the_command_line_exactly():
    solution = network.solve(1.5)
    assert solution.delta0 == dmft_json("network", "solve", "--g", "1.5")["delta0"]
    assert solution.branch == "chaotic"
    assert solution.residual <= 1e-10
    assert solution.tau[0] == 0 and solution.delta[0] == solution.delta0
    assert len(solution.tau) == len(solution.delta) == solution.points
    assert solution.lambda_max is None


@pytest.mark.parametrize("g, sigma", [(1.5, 0.0), (2.0, 0.5)])
def test_solve_against_the_potential_method(g, sigma):
    # dmft validate, area network: Δ0 to 1e-7 (relative) and Δ(τ) at τ = 1, 3, 10 to 1e-6.
    solution = network.solve(g, sigma=sigma)
    reference = dmft_json("network", "reference", "--g", repr(g), "--sigma", repr(sigma))
    assert abs(solution.delta0 / reference["delta0"] - 1) <= 1e-7
    for lag, expected in zip(reference["lags"], reference["delta_at_lags"]):
        index = int(round(lag / solution.step))
        assert solution.tau[index] == pytest.approx(lag, abs=1e-12)
        assert abs(solution.delta[index] - expected) <= 1e-6


@pytest.mark.parametrize("g, published", [(1.5, 0.046746), (2.0, 0.112458)])
def test_lyapunov_exponent_against_the_published_values(g, published):
    # dmft validate, area chaos: Clark's DMFT λ_max of the tanh network to 1e-4.
    solution = network.solve(g, lyapunov=True)
    assert abs(solution.lambda_max - published) <= 1e-4
    assert solution.lambda_max_error < 1e-4


def test_quiescent_branch():
    solution = network.solve(0.7, lyapunov=True)
    assert solution.branch == "quiescent"
    assert solution.delta0 == 0
    assert abs(solution.lambda_max - (0.7 - 1)) <= 1e-14


def test_spectrum_and_pandas():
    solution = network.solve(2.0, sigma=0.5)
    frame = solution.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["tau", "delta"] and len(frame) == solution.points
    spectrum = solution.to_pandas("spectrum.csv")
    assert list(spectrum.columns) == ["omega", "power"]
    assert np.array_equal(spectrum["power"].to_numpy(), solution.power)
    # The zero-frequency power is the integral of Δ over all lags (trapezoid rule on the uniform grid, to the
    # accuracy of that rule; the tail beyond the window is negligible).
    integral = solution.step * (2 * solution.delta.sum() - solution.delta[0])
    assert solution.power[0] == pytest.approx(integral, rel=1e-3)


def test_scan_matches_single_solves():
    result = network.scan(0.5, 2.0, 4)
    assert np.allclose(result.g, [0.5, 1.0, 1.5, 2.0], rtol=0, atol=1e-15)
    assert result.failures == 0 and result.lambda_max is None
    for g, delta0 in zip(result.g, result.delta0):
        assert delta0 == pytest.approx(network.solve(g).delta0, rel=1e-12, abs=0)
    assert list(result.to_pandas().columns) == ["g", "sigma", "delta0", "decorrelation_time", "iterations", "residual"]


def test_transition():
    # dmft validate, area chaos: at σ = 0.5 the two routes to g_c agree to 1e-4 and g_c > g_local.
    result = network.transition(0.5)
    assert abs(result.g_c - result.g_c_criterion) <= 1e-4
    assert result.g_c > result.g_local
    noiseless = network.transition(0.0)
    assert (noiseless.g_c, noiseless.g_c_criterion, noiseless.g_local) == (1.0, 1.0, 1.0)


def test_phase_diagram():
    # σ = 0: the quiescent branch has λ_max = g − 1 exactly (dmft validate, area chaos, to 1e-14) and all three
    # transition couplings are 1; at σ = 0.5 the transition line equals network.transition(0.5).
    result = network.phase_diagram(0.5, 1.5, 0.5, g_steps=3, sigma_steps=2)
    assert result.failures == 0 and len(result.g) == 6
    quiet = (result.sigma == 0) & (result.g < 1)
    assert quiet.sum() == 1
    assert abs(result.lambda_max[quiet][0] - (result.g[quiet][0] - 1)) <= 1e-14
    line = result.transition
    assert list(line.sigma) == [0.0, 0.5]
    assert (line.g_c[0], line.g_c_criterion[0], line.g_local[0]) == (1.0, 1.0, 1.0)
    assert line.g_c[1] == network.transition(0.5).g_c
    assert list(result.to_pandas("pd-transition.csv").columns) == ["sigma", "g_c", "g_c_criterion", "g_local"]


def test_errors_carry_the_error_line():
    with pytest.raises(DMFTError) as caught:
        network.solve(-1)
    assert str(caught.value) == "Error: invalid g = -1.0: g must be > 0"
    assert caught.value.returncode == 1
    with pytest.raises(DMFTError, match=r"^Error: .*T_d"):
        pspin.solve(p=3, T=0.5)


def test_nothing_is_left_behind():
    before = temporary_folders()
    network.solve(1.2)
    with pytest.raises(DMFTError):
        network.solve(0)
    assert temporary_folders() == before


def test_executable_from_the_environment(monkeypatch):
    monkeypatch.setenv("SPECTRALDMFT_DMFT", "/nonexistent/dmft")
    with pytest.raises(FileNotFoundError, match="SPECTRALDMFT_DMFT"):
        network.solve(1.5)


def test_general_network_relu_tanh_critical_coupling_is_sqrt2():
    # relu-tanh without bias: the fixed point h = 0 loses stability at g² ⟨φ'²⟩ = g²/2 = 1 (validate's check).
    transition = network.transition(0.0, phi="relu-tanh")
    assert abs(transition.g_c - math.sqrt(2)) <= 1e-9
    assert transition.route == "fixed-point criterion"


def test_general_network_solve():
    chaotic = network.solve(3.0, phi="relu-tanh", bias=0.5, mean_coupling=-1.0)
    assert chaotic.delta0 == dmft_json("network", "solve", "--g", "3", "--phi", "relu-tanh", "--bias", "0.5",
                                       "--mean-coupling", "-1")["delta0"]
    assert chaotic.branch == "chaotic"
    assert 0 < chaotic.delta_inf < chaotic.delta0
    # Mean-field closure μ = h0 + J0 M, and Δ(τ) decays to its static part Δ∞.
    assert abs(chaotic.mu - (0.5 - chaotic.mean_rate)) <= 1e-10
    assert abs(chaotic.delta[-1] - chaotic.delta_inf) <= 1e-6 * chaotic.delta0
    odd = network.solve(1.5)
    assert odd.delta_inf is None and odd.mu is None


# --- ecosystems ----------------------------------------------------------------------------------------------------

def test_ecosystem_cavity():
    solution = ecosystem.cavity(4.0, 0.8, 0.5)
    assert solution.sigma_c == pytest.approx(math.sqrt(2) / 1.5, abs=1e-15)
    assert solution.residual <= 1e-12 and 0 < solution.phi < 1
    assert solution.mean_N2 > solution.mean_N ** 2
    # At the end of the phase half of the species survive (validate's check: |φ − 1/2| ≤ 1e-5).
    edge = ecosystem.cavity(4.0, solution.sigma_c * (1 - 1e-6), 0.5)
    assert abs(edge.phi - 0.5) <= 1e-5
    with pytest.raises(DMFTError, match="sigma_c"):
        ecosystem.cavity(4.0, 1.0, 0.5)


# --- p-spin --------------------------------------------------------------------------------------------------------

def test_pspin_equilibrium_closed_forms():
    # dmft validate, area pspin: C(0) = 1 to 1e-10, −∫f'(C)R = −1/(2T) to 1e-8; T_d = √(3/8) for p = 3.
    solution = pspin.solve(p=3, T=0.8)
    assert solution.Td == pytest.approx(math.sqrt(3 / 8), abs=1e-14)
    assert solution.qd == pytest.approx(0.5, abs=1e-12)
    assert abs(solution.C[0] - 1) <= 1e-10
    assert abs(solution.energy_from_dynamics + 1 / (2 * 0.8)) <= 1e-8
    assert solution.energy == pytest.approx(-1 / (2 * 0.8), abs=1e-15)
    assert solution.tau_alpha == dmft_json("pspin", "solve", "--p", "3", "--T", "0.8")["tau_alpha"]
    assert list(solution.to_pandas().columns) == ["tau", "C", "R"]


def test_pspin_spectral_against_doubling():
    # dmft validate, area pspin: τ_α of the two solvers to 1e-5 (relative).
    spectral = pspin.solve(p=3, T=0.8, method="spectral")
    doubling = pspin.solve(p=3, T=0.8, method="doubling")
    assert spectral.method == "spectral" and doubling.method == "doubling"
    assert abs(spectral.tau_alpha / doubling.tau_alpha - 1) <= 1e-5
    assert spectral.omega is not None and doubling.omega is None
    assert list(spectral.to_pandas("spectrum.csv").columns) == ["omega", "chi_real", "chi_imag", "C_omega"]


def test_drive_at_zero_is_equilibrium():
    # dmft validate, area driven: at ε = 0, T = 0.8 the NESS solver's τ_α equals the equilibrium one to 1e-8.
    driven = pspin.drive(p=3, T=0.8, epsilon=0.0)
    equilibrium = pspin.solve(p=3, T=0.8, method="spectral")
    assert abs(driven.tau_alpha - equilibrium.tau_alpha) <= 1e-8
    assert driven.branch == "decaying"
    assert list(driven.to_pandas().columns) == ["tau", "C", "R", "chi"]


def test_drive_scan_against_single_drives():
    # Each point of the continuation converges to the same stationary state as a solve of its own (above T_d both
    # start from the same branch): τ_α within the solver tolerance.
    result = pspin.drive_scan(0.8, 0.2, 1.0, 3, workers=1)
    assert result.failures == 0 and np.allclose(result.epsilon, [1.0, 0.6, 0.2], rtol=0, atol=1e-15)
    for epsilon, tau_alpha in zip(result.epsilon, result.tau_alpha):
        assert abs(tau_alpha - pspin.drive(p=3, T=0.8, epsilon=epsilon).tau_alpha) <= 1e-7
    assert list(result.branch) == ["decaying"] * 3


def test_pspin_scan():
    result = pspin.scan(0.8, 1.0, 3)
    assert result.failures == 0
    assert np.allclose(result.energy, -1 / (2 * result.T), rtol=0, atol=1e-12)
    assert list(result.method) == ["spectral"] * 3


def semicircle_moment(s):
    """Γ(s) = ∫ρ(λ) e^{λs} dλ and Γ'(s) for the semicircle ρ on [−2, 2] (the spectrum of the p = 2 couplings),
    by the trapezoid rule in λ = 2 cos θ (spectrally accurate: the integrand is smooth and even in θ)."""
    theta = np.linspace(0, np.pi, 4001)
    weights = np.full_like(theta, theta[1] - theta[0])
    weights[[0, -1]] *= 0.5
    lam = 2 * np.cos(theta)
    density = (2 / np.pi) * np.sin(theta) ** 2 * weights
    exponentials = np.exp(lam * np.atleast_1d(s)[:, None])
    return (density * exponentials).sum(axis=1), (density * lam * exponentials).sum(axis=1)


def test_quench_against_the_exact_p2_solution():
    # dmft validate, area two-time: p = 2 at T = 0 from a random start has the closed form (Cugliandolo–Dean)
    # C(t, t_w) = Γ(t + t_w)/√(Γ(2t)Γ(2t_w)), E(t) = −Γ'(2t)/(2Γ(2t)). The order-4 scheme's error at dt = 0.05 is
    # ~2e-5 and at least 4 times smaller than at dt = 0.1 (its start-up block limits the observed order).
    coarse = pspin.quench(p=2, T=0.0, t_max=10, dt=0.1, waiting_times=[2, 5])
    result = pspin.quench(p=2, T=0.0, t_max=10, dt=0.05, waiting_times=[2, 5])
    errors = []
    for run in (coarse, result):
        gamma, derivative = semicircle_moment(2 * run.t)
        errors.append(np.max(np.abs(run.energy + 0.5 * derivative / gamma)))
    assert errors[1] <= 1e-4
    assert errors[1] <= errors[0] / 4
    table = result.correlation
    t_w, t = table.t_w, table.t_w + table.tau
    exact = semicircle_moment(t + t_w)[0] / np.sqrt(semicircle_moment(2 * t)[0] * semicircle_moment(2 * t_w)[0])
    assert np.max(np.abs(table.C - exact)) <= 1e-4
    assert result.final_energy == result.energy[-1]
    assert set(result.to_pandas("fdt.csv").columns) == {"t_w", "t", "C", "chi"}
    assert list(result.to_pandas().columns) == ["t", "energy", "mu"]
