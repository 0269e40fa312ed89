"""The compiled patch kernels against NumPy and scikit-learn."""

import numpy as np
import pytest
from sklearn.feature_extraction.image import extract_patches_2d

from somcolor import _patch_kernels, _reference


@pytest.mark.parametrize("kernel", ["dense_patches", "dense_patches_serial"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (7, 1), (5, 6), (33, 17)])
@pytest.mark.parametrize("patch_size", [1, 3, 5, 11])
def test_dense_patches_match_sklearn(shape, patch_size, kernel):
    rng = np.random.default_rng(0)
    image = rng.random(shape)
    padded = np.pad(image, patch_size // 2, mode="reflect")
    out = np.empty((image.size, patch_size**2), dtype=np.float64)
    getattr(_patch_kernels, kernel)(padded, patch_size, out)
    expected = extract_patches_2d(padded, (patch_size, patch_size))
    np.testing.assert_array_equal(out, expected.reshape(len(expected), -1))


@pytest.mark.parametrize("out_dtype", [np.float32, np.float64])
def test_dense_patches_convert_dtype(out_dtype):
    image = np.random.default_rng(1).random((9, 8))
    padded = np.pad(image, 2, mode="edge")
    out = np.empty((image.size, 25), dtype=out_dtype)
    _patch_kernels.dense_patches(padded, 5, out)
    expected = _reference.dense_patches(image, 5, padding="edge").astype(out_dtype)
    np.testing.assert_array_equal(out, expected)


def test_sampled_patches_match_reference():
    rng = np.random.default_rng(2)
    image = rng.random((20, 13))
    rows = rng.integers(0, 20, 100)
    cols = rng.integers(0, 13, 100)
    padded = np.pad(image, 1, mode="reflect")
    out = np.empty((100, 9))
    _patch_kernels.sampled_patches(padded, 3, rows, cols, out)
    np.testing.assert_array_equal(
        out, _reference.sampled_patches(image, 3, rows, cols, padding="reflect")
    )
