"""The compiled BMU kernels against their NumPy references."""

import numpy as np
import pytest

from somcolor import _reference, _som_kernels


def _run_bmu(X, W):
    labels = np.empty(X.shape[0], dtype=np.intp)
    sq = np.empty(X.shape[0], dtype=X.dtype)
    _som_kernels.bmu_search(X, W, labels, sq)
    return labels, sq


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n_samples, n_features, n_units",
    [(1, 1, 1), (7, 2, 9), (5000, 2, 25), (4097, 3, 100), (300, 11, 400), (10, 2, 1)],
)
def test_bmu_matches_reference(dtype, n_samples, n_features, n_units):
    rng = np.random.default_rng(n_samples + n_units)
    X = rng.normal(size=(n_samples, n_features)).astype(dtype)
    W = rng.normal(size=(n_units, n_features)).astype(dtype)
    labels, sq = _run_bmu(X, W)
    ref_labels, ref_sq = _reference.bmu_search(X, W)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(sq, ref_sq)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bmu_ties_go_to_lowest_index(dtype):
    # Integer-valued data makes exact ties common.
    rng = np.random.default_rng(0)
    X = rng.integers(-2, 3, size=(3000, 2)).astype(dtype)
    W = rng.integers(-2, 3, size=(30, 2)).astype(dtype)
    W[7] = W[3]  # duplicated unit: 3 must always win over 7
    labels, _ = _run_bmu(X, W)
    np.testing.assert_array_equal(labels, np.argmin(_reference.sq_distances(X, W), 1))
    assert not np.any(labels == 7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_two_bmu_matches_reference(dtype):
    rng = np.random.default_rng(1)
    X = rng.integers(-3, 4, size=(5000, 2)).astype(dtype)
    W = rng.integers(-3, 4, size=(16, 2)).astype(dtype)
    first = np.empty(len(X), dtype=np.intp)
    second = np.empty(len(X), dtype=np.intp)
    _som_kernels.two_bmu_search(X, W, first, second)
    ref_first, ref_second = _reference.two_bmu_search(X, W)
    np.testing.assert_array_equal(first, ref_first)
    np.testing.assert_array_equal(second, ref_second)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unit_distances_match_reference(dtype):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(1234, 3)).astype(dtype)
    W = rng.normal(size=(10, 3)).astype(dtype)
    out = np.empty((len(X), len(W)), dtype=dtype)
    _som_kernels.unit_distances(X, W, out)
    np.testing.assert_array_equal(out, np.sqrt(_reference.sq_distances(X, W)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_two_feature_path_and_general_path_agree(dtype, n_features):
    # bmu_search sends 2-feature data to a fused kernel; both paths must
    # equal the reference, ties included (integer data, duplicated units).
    rng = np.random.default_rng(n_features)
    X = rng.integers(-4, 5, size=(9000, n_features)).astype(dtype)
    W = rng.integers(-4, 5, size=(40, n_features)).astype(dtype)
    W[20] = W[5]
    labels, sq = _run_bmu(X, W)
    ref_labels, ref_sq = _reference.bmu_search(X, W)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(sq, ref_sq)
    general_labels = np.empty_like(labels)
    general_sq = np.empty_like(sq)
    _som_kernels._bmu_search_general(X, W, general_labels, general_sq)
    np.testing.assert_array_equal(general_labels, ref_labels)
    np.testing.assert_array_equal(general_sq, ref_sq)
