"""Property tests (hypothesis): kernels against their NumPy references."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage import color as skcolor

from somcolor import PatchExtractor, _reference
from somcolor.color import grey_to_lightness, luv_to_rgb, rgb_to_luv, to_grey
from somcolor.som import best_matching_units

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def data_and_codebook(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n_features = draw(st.integers(1, 5))
    n_samples = draw(st.integers(1, 600))
    n_units = draw(st.integers(1, 40))
    # Small integers make exact ties frequent; floats make near-ties.
    if draw(st.booleans()):
        elements = st.integers(-3, 3).map(float)
    else:
        elements = st.floats(-1e3, 1e3, allow_nan=False, width=32)
    X = draw(arrays(dtype, (n_samples, n_features), elements=elements))
    W = draw(arrays(dtype, (n_units, n_features), elements=elements))
    return X, W


@pytest.mark.slow  # hypothesis, many examples
@SETTINGS
@given(data_and_codebook())
def test_bmu_equals_brute_force(case):
    X, W = case
    labels, dist = best_matching_units(X, W, return_distances=True)
    ref_labels, ref_sq = _reference.bmu_search(X, W)
    np.testing.assert_array_equal(labels, ref_labels)
    np.testing.assert_array_equal(dist, np.sqrt(ref_sq))
    # Brute force, independently: the first index of the minimum distance.
    brute = ((X[:, None, :].astype(np.float64) - W[None].astype(np.float64)) ** 2).sum(
        -1
    )
    chosen = brute[np.arange(len(X)), labels]
    assert np.all(chosen <= brute.min(axis=1) * (1 + 1e-5) + 1e-3)


@SETTINGS
@given(
    height=st.integers(1, 25),
    width=st.integers(1, 25),
    patch_size=st.sampled_from([1, 3, 5, 7, 11]),
    padding=st.sampled_from(["reflect", "symmetric", "edge", "constant", "wrap"]),
    seed=st.integers(0, 2**16),
)
def test_dense_patches_equal_reference(height, width, patch_size, padding, seed):
    image = np.random.default_rng(seed).random((height, width))
    out = PatchExtractor(patch_size, padding=padding, dtype=np.float64).transform(
        [image]
    )
    np.testing.assert_array_equal(
        out, _reference.dense_patches(image, patch_size, padding)
    )


@SETTINGS
@given(
    height=st.integers(1, 25),
    width=st.integers(1, 25),
    patch_size=st.sampled_from([1, 3, 5]),
    padding=st.sampled_from(["reflect", "edge", "valid"]),
    n=st.integers(1, 50),
    seed=st.integers(0, 2**16),
)
def test_sampled_patches_equal_reference(height, width, patch_size, padding, n, seed):
    image = np.random.default_rng(seed).random((height, width))
    ex = PatchExtractor(
        patch_size, padding=padding, max_patches=n, random_state=seed, dtype=np.float64
    )
    if padding == "valid" and min(height, width) < patch_size:
        with pytest.raises(ValueError, match="smaller than"):
            ex.transform([image])
        return
    positions = ex.sample_positions([image])
    expected = _reference.sampled_patches(
        image, patch_size, positions[:, 1], positions[:, 2], padding
    )
    np.testing.assert_array_equal(ex.transform([image]), expected)


@SETTINGS
@given(
    height=st.integers(1, 20),
    width=st.integers(1, 20),
    patch_size=st.sampled_from([1, 3, 5]),
    padding=st.sampled_from(["reflect", "edge", "valid"]),
    context=st.lists(st.integers(2, 12), max_size=2),
    texture=st.lists(st.integers(2, 12), max_size=2),
    position=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_feature_rows_equal_reference(
    height, width, patch_size, padding, context, texture, position, seed
):
    image = np.random.default_rng(seed).random((height, width))
    ex = PatchExtractor(
        patch_size,
        padding=padding,
        dtype=np.float64,
        context=context or None,
        texture=texture or None,
        position=position,
    )
    if padding == "valid" and min(height, width) < patch_size:
        return
    expected = _reference.pixel_features(
        image, patch_size, padding, context, texture, position
    )
    dense = ex.transform([image])
    # Texture is sqrt(E[x^2] - E[x]^2) from summed-area tables: the variance
    # is exact to rounding, and the square root magnifies that rounding near
    # zero (a variance off by 1e-16 moves a 1e-5 deviation by 5e-12), so the
    # texture columns are compared as variances, everything else as is.
    start = patch_size * patch_size + 9 * len(context)
    tex = slice(start, start + len(texture))
    np.testing.assert_allclose(dense[:, tex] ** 2, expected[:, tex] ** 2, atol=1e-12)
    dense_rest = np.delete(dense, np.r_[tex], axis=1)
    np.testing.assert_allclose(
        dense_rest, np.delete(expected, np.r_[tex], axis=1), rtol=0, atol=1e-12
    )
    # Sampled rows are the dense rows of the sampled pixels, to the bit.
    ex.set_params(max_patches=7, random_state=seed)
    positions = ex.sample_positions([image])
    offset = patch_size // 2 if padding == "valid" else 0
    inner = width - 2 * offset
    flat = (positions[:, 1] - offset) * inner + positions[:, 2] - offset
    np.testing.assert_array_equal(ex.transform([image]), dense[flat])


@SETTINGS
@given(arrays(np.uint8, st.tuples(st.integers(1, 8), st.integers(1, 8), st.just(3))))
def test_colour_round_trips(rgb8):
    rgb = rgb8 / 255.0
    luv = rgb_to_luv(rgb)
    # In-gamut colours come back unchanged through the lightness-keeping path.
    np.testing.assert_allclose(luv_to_rgb(luv[..., 0], luv[..., 1:]), rgb, atol=1e-6)
    # The grey image made by to_grey has the colour image's L.
    grey = to_grey([rgb8])[0]
    np.testing.assert_allclose(grey_to_lightness(grey), luv[..., 0], atol=1e-6)
    np.testing.assert_allclose(
        skcolor.rgb2luv(np.stack([grey] * 3, axis=-1))[..., 0], luv[..., 0], atol=1e-6
    )
