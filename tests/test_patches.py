"""PatchExtractor: dense, valid and sampled extraction."""

import numpy as np
import pytest
from sklearn.base import clone

from somcolor import PatchExtractor, _reference


def _images():
    rng = np.random.default_rng(0)
    return [rng.random((12, 9)), rng.random((1, 7)), rng.random((5, 5))]


@pytest.mark.parametrize(
    "padding", ["reflect", "symmetric", "edge", "constant", "wrap"]
)
@pytest.mark.parametrize("patch_size", [1, 3, 5])
def test_dense_equals_reference(padding, patch_size):
    images = _images()
    out = PatchExtractor(patch_size, padding=padding, dtype=np.float64).transform(
        images
    )
    expected = np.concatenate(
        [_reference.dense_patches(im, patch_size, padding) for im in images]
    )
    np.testing.assert_array_equal(out, expected)
    assert out.shape == (sum(im.size for im in images), patch_size**2)


def test_dense_centre_column_is_the_image():
    images = _images()
    out = PatchExtractor(5).transform(images)
    assert out.dtype == np.float32
    centre = np.concatenate([im.ravel() for im in images]).astype(np.float32)
    np.testing.assert_array_equal(out[:, 12], centre)


def test_valid_mode_crops_like_sliding_windows():
    rng = np.random.default_rng(1)
    images = [rng.random((10, 8)), rng.random((6, 11))]
    out = PatchExtractor(3, padding="valid", dtype=np.float64).transform(images)
    expected = np.concatenate(
        [_reference.dense_patches(im, 3, "valid") for im in images]
    )
    np.testing.assert_array_equal(out, expected)
    assert len(out) == 8 * 6 + 4 * 9


def test_stacked_array_equals_list():
    stack = np.random.default_rng(2).random((3, 6, 7))
    ex = PatchExtractor(3)
    np.testing.assert_array_equal(ex.transform(stack), ex.transform(list(stack)))


@pytest.mark.parametrize("padding", ["reflect", "valid"])
def test_sampled_rows_match_positions(padding):
    images = [np.random.default_rng(3).random((15, 20)), np.arange(30.0).reshape(5, 6)]
    ex = PatchExtractor(
        3, padding=padding, max_patches=7, random_state=0, dtype=np.float64
    )
    positions = ex.sample_positions(images)
    patches = ex.transform(images)
    assert positions.shape == (14, 3) and patches.shape == (14, 9)
    for (i, r, c), row in zip(positions, patches):
        assert row[4] == images[i][r, c]
    expected = np.concatenate(
        [
            _reference.sampled_patches(
                images[i],
                3,
                positions[positions[:, 0] == i, 1],
                positions[positions[:, 0] == i, 2],
                padding,
            )
            for i in range(2)
        ]
    )
    np.testing.assert_array_equal(patches, expected)
    # Distinct pixels within each image.
    assert len({tuple(p) for p in positions}) == len(positions)


def test_sampling_is_reproducible_and_capped():
    images = [np.zeros((4, 4)), np.zeros((30, 30))]
    ex = PatchExtractor(3, max_patches=20, random_state=5)
    a = ex.sample_positions(images)
    b = clone(ex).sample_positions(images)
    np.testing.assert_array_equal(a, b)
    assert (a[:, 0] == 0).sum() == 16  # the small image gives all its pixels
    assert (a[:, 0] == 1).sum() == 20
    c = PatchExtractor(3, max_patches=20, random_state=6).sample_positions(images)
    assert not np.array_equal(a, c)


def test_max_patches_as_fraction():
    ex = PatchExtractor(3, max_patches=0.25, random_state=0)
    assert len(ex.transform([np.zeros((8, 10))])) == 20


@pytest.mark.parametrize("patch_size", [0, -3, 2, 4, 2.0, "3", True])
def test_bad_patch_size(patch_size):
    with pytest.raises(ValueError, match="patch_size must be a positive odd integer"):
        PatchExtractor(patch_size).transform([np.zeros((5, 5))])


def test_bad_inputs():
    with pytest.raises(ValueError, match="padding"):
        PatchExtractor(padding="mirror").transform([np.zeros((5, 5))])
    with pytest.raises(ValueError, match=r"images\[1\] must be a 2-D array"):
        PatchExtractor().transform([np.zeros((5, 5)), np.zeros((5, 5, 3))])
    with pytest.raises(ValueError, match="at least one image"):
        PatchExtractor().transform([])
    with pytest.raises(TypeError, match="None"):
        PatchExtractor().transform(None)
    with pytest.raises(ValueError, match=r"images\[0\] of shape \(2, 9\) is smaller"):
        PatchExtractor(3, padding="valid").transform([np.zeros((2, 9))])
    with pytest.raises(ValueError, match="NaN"):
        PatchExtractor().transform([np.full((3, 3), np.nan)])
    with pytest.raises(ValueError, match="outside"):
        PatchExtractor(3).extract_at([np.zeros((4, 4))], [[0, 4, 0]])
    with pytest.raises(ValueError, match="image indices"):
        PatchExtractor(3).extract_at([np.zeros((4, 4))], [[1, 0, 0]])


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"context": 1}, ValueError, "context must be None, an int >= 2"),
        ({"context": (4, 0)}, ValueError, "context"),
        ({"context": ()}, ValueError, "context"),
        ({"context": 2.5}, TypeError, "context"),
        ({"texture": (3, True)}, ValueError, "texture"),
        ({"texture": "3"}, ValueError, "texture"),
        ({"position": "yes"}, TypeError, "position must be True or False"),
    ],
)
def test_bad_feature_options(params, error, match):
    with pytest.raises(error, match=match):
        PatchExtractor(3, **params).transform([np.zeros((5, 5))])


def test_feature_names_count_and_order():
    ex = PatchExtractor(1, context=[3, 5], texture=4, position=True)
    names = list(ex.get_feature_names_out())
    rows = ex.transform([np.random.default_rng(0).random((6, 7))])
    assert rows.shape == (42, len(names)) == (42, 1 + 18 + 1 + 2)
    assert names[:3] == ["patch_0_0", "context3_0_0", "context3_0_1"]
    assert names[-3:] == ["std4", "row", "col"]
    # The row feature is the pixel's row scaled to [0, 1]: 0 .. 1 by sixths.
    np.testing.assert_allclose(rows[::7, names.index("row")], np.arange(6) / 5)
    # The centre context point at scale 3 is the 3x3 box mean around the pixel.
    assert names.index("context3_1_1") == 5


def test_feature_options_are_parameters():
    ex = PatchExtractor(5, context=(4, 8), texture=(3,), position=True)
    params = clone(ex).get_params()
    assert params["context"] == (4, 8) and params["texture"] == (3,)
    assert params["position"] is True and params["patch_size"] == 5
    ex.set_params(context=16)
    assert ex.transform([np.zeros((3, 3))]).shape == (9, 25 + 9 + 1 + 2)
