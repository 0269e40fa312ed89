"""The compiled kernels of the chroma solver against their SciPy references."""

import numpy as np
import pytest

from somcolor import _reference, _solver_kernels


def _problem(height, width, seed):
    """Random lightness with a step edge, weights spanning hints to a weak pull."""
    rng = np.random.default_rng(seed)
    lightness = rng.uniform(20, 80, size=(height, width))
    lightness[:, width // 2 :] += 15
    weights = rng.uniform(1e-4, 0.05, size=(height, width))
    weights[rng.random((height, width)) < 0.02] = 100.0
    chroma = rng.normal(scale=30, size=(height, width, 2))
    return lightness, weights, chroma


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (9, 1), (17, 40), (70, 33)])
def test_edge_weights_match_reference(shape, parallel):
    lightness, _, _ = _problem(*shape, seed=sum(shape))
    horizontal = np.empty((shape[0], shape[1] - 1))
    vertical = np.empty((shape[0] - 1, shape[1]))
    _solver_kernels.edge_weights(parallel)(lightness, 1 / 4.0**2, horizontal, vertical)
    ref_h, ref_v = _reference.edge_weights(lightness, 4.0)
    np.testing.assert_allclose(horizontal, ref_h, rtol=1e-12, atol=0)
    np.testing.assert_allclose(vertical, ref_v, rtol=1e-12, atol=0)


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (12, 1), (31, 45), (64, 70)])
@pytest.mark.parametrize("smoothness", [0.05, 1.0, 30.0])
@pytest.mark.parametrize("parallel", [False, True])
def test_line_pass_matches_banded_solves(shape, smoothness, parallel):
    # Column blocks of COLUMN_BLOCK columns: 70 columns make a partial block.
    lightness, weights, chroma = _problem(*shape, seed=shape[0] * 7 + shape[1])
    horizontal, vertical = _reference.edge_weights(lightness, 5.0)
    planes = np.ascontiguousarray(np.moveaxis(chroma, -1, 0))
    _solver_kernels.line_pass(
        weights, horizontal, vertical, smoothness, planes, parallel
    )
    expected = _reference.line_pass(weights, horizontal, vertical, smoothness, chroma)
    np.testing.assert_allclose(
        np.moveaxis(planes, 0, -1), expected, rtol=1e-9, atol=1e-9
    )


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("shape", [(1, 1), (1, 12), (15, 1), (23, 37)])
def test_conjugate_gradients_reach_the_exact_solution(shape, parallel):
    lightness, weights, chroma = _problem(*shape, seed=3 * shape[0] + shape[1])
    horizontal, vertical = _reference.edge_weights(lightness, 5.0)
    b = np.ascontiguousarray(np.moveaxis(chroma, -1, 0)) * weights
    x = np.zeros_like(b)
    iterations = _solver_kernels.conjugate_gradients(
        weights, horizontal, vertical, 2.0, b, x, 5000, 1e-12, parallel
    )
    assert iterations < 5000
    expected = _reference.wls_solve(lightness, chroma, weights, 2.0, 5.0)
    np.testing.assert_allclose(np.moveaxis(x, 0, -1), expected, rtol=0, atol=1e-7)


def test_conjugate_gradients_stop_at_the_tolerance_and_the_limit():
    lightness, weights, chroma = _problem(30, 30, seed=1)
    horizontal, vertical = _reference.edge_weights(lightness, 5.0)
    b = np.ascontiguousarray(np.moveaxis(chroma, -1, 0)) * weights
    x = np.zeros_like(b)
    assert (
        _solver_kernels.conjugate_gradients(
            weights, horizontal, vertical, 2.0, b, x, 7, 0.0
        )
        == 7
    )
    # Started at the exact solution: nothing to do.
    exact = np.ascontiguousarray(
        np.moveaxis(_reference.wls_solve(lightness, chroma, weights, 2.0, 5.0), -1, 0)
    )
    assert (
        _solver_kernels.conjugate_gradients(
            weights, horizontal, vertical, 2.0, b, exact.copy(), 100, 1e-3
        )
        == 0
    )
