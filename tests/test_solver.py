"""The edge-aware chroma solver, ``somcolor.solver.solve_chroma``.

Its iterations run in float32, so solutions are compared to 1e-3 (chroma
values up to about 100); the kernels themselves are compared in float64 in
``tests/test_solver_kernels.py``.

The reference is SciPy's sparse direct solve of the same system
(``somcolor._reference.wls_solve``); the fast global smoother's passes are
compared with banded solves line by line (``_reference.line_pass``).
"""

import numpy as np
import pytest

from somcolor import _reference
from somcolor.solver import _schedule, edge_weights, solve_chroma


def _problem(height=24, width=31, seed=0):
    rng = np.random.default_rng(seed)
    lightness = rng.uniform(30, 70, size=(height, width))
    lightness[height // 3 :, : width // 2] += 25  # an edge
    chroma = rng.normal(scale=25, size=(height, width, 2))
    weights = rng.uniform(1e-4, 0.03, size=(height, width))
    weights[rng.random((height, width)) < 0.03] = 100.0  # hints
    return lightness, chroma, weights


@pytest.mark.parametrize("smoothness, edge_sigma", [(0.3, 2.5), (3.0, 5.0), (30, 10)])
def test_converged_solution_is_the_exact_minimiser(smoothness, edge_sigma):
    lightness, chroma, weights = _problem(seed=int(smoothness * 10))
    got = solve_chroma(
        lightness,
        chroma,
        weights,
        smoothness=smoothness,
        edge_sigma=edge_sigma,
        max_iter=5000,
        tol=1e-13,
    )
    expected = _reference.wls_solve(lightness, chroma, weights, smoothness, edge_sigma)
    # The iterations run in float32 (chroma up to about 100).
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-3)


def test_passes_alone_are_the_fast_global_smoother():
    lightness, chroma, weights = _problem(seed=5)
    got = solve_chroma(lightness, chroma, weights, smoothness=2.0, passes=3, max_iter=0)
    horizontal, vertical = _reference.edge_weights(lightness, 5.0)
    expected = chroma
    for lam in _schedule(2.0, 3):
        expected = _reference.line_pass(weights, horizontal, vertical, lam, expected)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-3)  # float32
    # Min et al.'s schedule: three passes, each a quarter of the last,
    # summing to 1.5 * (16 + 4 + 1) / 63 of the smoothness.
    np.testing.assert_allclose(_schedule(2.0, 3), [16 / 21, 4 / 21, 1 / 21])


def test_more_iterations_approach_the_minimiser():
    lightness, chroma, weights = _problem(seed=9)
    exact = _reference.wls_solve(lightness, chroma, weights, 3.0, 5.0)
    errors = [
        np.abs(
            solve_chroma(lightness, chroma, weights, smoothness=3.0, max_iter=n, tol=0)
            - exact
        ).max()
        for n in (0, 10, 100)
    ]
    assert errors[0] > errors[1] > errors[2]


def test_constant_data_gives_the_same_constant():
    lightness, _, weights = _problem(seed=2)
    chroma = np.broadcast_to([12.0, -7.0], lightness.shape + (2,))
    got = solve_chroma(lightness, chroma, weights, smoothness=5.0)
    np.testing.assert_allclose(got, chroma, atol=1e-4)


def test_linear_in_the_data():
    lightness, chroma, weights = _problem(seed=3)
    other = np.roll(chroma, 5, axis=0)

    def solve(d):
        return solve_chroma(lightness, d, weights, max_iter=3000, tol=1e-13)

    np.testing.assert_allclose(
        solve(2.0 * chroma - other), 2.0 * solve(chroma) - solve(other), atol=1e-3
    )


def test_colour_stops_at_an_edge():
    # A dark square in a bright field; one mark inside it.
    lightness = np.full((40, 40), 85.0)
    lightness[10:30, 10:30] = 25.0
    chroma = np.zeros((40, 40, 2))
    weights = np.full((40, 40), 1e-4)
    chroma[20, 12] = (50.0, -30.0)
    weights[20, 12] = 100.0
    out = solve_chroma(lightness, chroma, weights, smoothness=3.0, max_iter=2000)
    inside = out[10:30, 10:30]
    outside = np.concatenate([out[:8].reshape(-1, 2), out[32:].reshape(-1, 2)])
    assert np.abs(inside - (50.0, -30.0)).max() < 5
    assert np.abs(outside).max() < 1


def test_edge_weights_match_reference():
    lightness, _, _ = _problem(seed=4)
    for got, expected in zip(
        edge_weights(lightness, 3.0), _reference.edge_weights(lightness, 3.0)
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(lightness=np.zeros((3, 4, 1))), "lightness must be a 2-D array"),
        (dict(chroma=np.zeros((3, 4))), r"chroma must have shape \(3, 4, 2\)"),
        (dict(weights=np.ones((4, 3))), r"weights must have the lightness's shape"),
        (dict(weights=-np.ones((3, 4))), "weights must be finite and >= 0"),
        (dict(weights=np.zeros((3, 4))), "must not all be 0"),
        (dict(chroma=np.full((3, 4, 2), np.nan)), "chroma contains NaN"),
        (dict(smoothness=-1.0), "smoothness"),
        (dict(edge_sigma=0.0), "edge_sigma"),
        (dict(passes=1.5), "passes"),
        (dict(max_iter=-1), "max_iter"),
    ],
)
def test_bad_input_is_refused(change, message):
    args = dict(
        lightness=np.full((3, 4), 50.0),
        chroma=np.zeros((3, 4, 2)),
        weights=np.ones((3, 4)),
    )
    args.update(change)
    params = {
        k: args.pop(k)
        for k in list(args)
        if k not in ("lightness", "chroma", "weights")
    }
    with pytest.raises((ValueError, TypeError), match=message):
        solve_chroma(args["lightness"], args["chroma"], args["weights"], **params)
