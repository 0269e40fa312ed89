"""The compiled feature-row kernels against NumPy and scikit-learn."""

import numpy as np
import pytest
from sklearn.feature_extraction.image import extract_patches_2d

from somcolor import PatchExtractor, _patch_kernels, _reference


def _dense(extractor, image, kernel="dense_rows"):
    out = np.empty((image.size, extractor._n_features()), dtype=extractor.dtype)
    getattr(_patch_kernels, kernel)(
        extractor._prepare(image),
        extractor._spec(),
        0,
        image.shape[0],
        0,
        image.shape[1],
        out,
    )
    return out


@pytest.mark.parametrize("kernel", ["dense_rows", "dense_rows_serial"])
@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (7, 1), (5, 6), (33, 17)])
@pytest.mark.parametrize("patch_size", [1, 3, 5, 11])
def test_dense_patches_match_sklearn(shape, patch_size, kernel):
    image = np.random.default_rng(0).random(shape)
    extractor = PatchExtractor(patch_size, dtype=np.float64)
    padded = np.pad(image, patch_size // 2, mode="reflect")
    expected = extract_patches_2d(padded, (patch_size, patch_size))
    np.testing.assert_array_equal(
        _dense(extractor, image, kernel), expected.reshape(len(expected), -1)
    )


@pytest.mark.parametrize("kernel", ["dense_rows", "dense_rows_serial"])
@pytest.mark.parametrize("shape", [(1, 1), (2, 9), (9, 2), (13, 11), (40, 31)])
def test_feature_rows_match_reference(shape, kernel):
    # Box features (exact means over image slices, computed directly) and
    # positions, on images smaller and larger than the boxes.
    image = np.random.default_rng(1).random(shape)
    options = dict(context=(2, 3, 8), texture=(2, 5, 16), position=True)
    extractor = PatchExtractor(3, padding="edge", dtype=np.float64, **options)
    expected = _reference.pixel_features(
        image, 3, "edge", options["context"], options["texture"], True
    )
    np.testing.assert_allclose(
        _dense(extractor, image, kernel), expected, rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("out_dtype", [np.float32, np.float64])
def test_rows_convert_dtype(out_dtype):
    image = np.random.default_rng(2).random((9, 8))
    extractor = PatchExtractor(5, padding="edge", dtype=out_dtype, context=2)
    expected = _reference.pixel_features(image, 5, "edge", (2,))
    out = _dense(extractor, image)
    assert out.dtype == out_dtype
    # The patch is copied; box means are rounded once, to the output dtype.
    np.testing.assert_array_equal(out[:, :25], expected[:, :25].astype(out_dtype))
    ulp = np.finfo(out_dtype).eps
    np.testing.assert_allclose(out[:, 25:], expected[:, 25:], rtol=ulp, atol=1e-12)


def test_sampled_rows_are_the_dense_rows_of_those_pixels():
    rng = np.random.default_rng(3)
    image = rng.random((20, 13))
    rows = rng.integers(0, 20, 100)
    cols = rng.integers(0, 13, 100)
    extractor = PatchExtractor(3, context=(3, 6), texture=4, position=True)
    out = np.empty((100, extractor._n_features()), dtype=np.float32)
    _patch_kernels.sampled_rows(
        extractor._prepare(image), extractor._spec(), rows, cols, out
    )
    dense = _dense(extractor, image)
    np.testing.assert_array_equal(out, dense[rows * 13 + cols])


def test_constant_image_has_zero_texture_and_constant_context():
    # The integral images hold sums of up to a million values: the box
    # statistics must stay exact enough that a flat image has no texture.
    image = np.full((1000, 1000), 0.37)
    extractor = PatchExtractor(1, context=64, texture=(3, 255), dtype=np.float64)
    rows = np.array([0, 500, 999, 999])
    cols = np.array([0, 500, 999, 3])
    out = np.empty((4, extractor._n_features()))
    _patch_kernels.sampled_rows(
        extractor._prepare(image), extractor._spec(), rows, cols, out
    )
    np.testing.assert_allclose(out[:, :10], 0.37, rtol=0, atol=1e-12)
    np.testing.assert_allclose(out[:, 10:], 0.0, rtol=0, atol=1e-5)
