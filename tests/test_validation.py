"""Bad input at every Python entry point: one test per row of the table in
``docs/input_validation.md``."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, PatchExtractor, SOMQuantizer, to_grey

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = SMALL_FITS

FAST = dict(classifier=MLPClassifier((10,), max_iter=20, random_state=0))


@pytest.fixture(scope="module")
def colour_images():
    rng = np.random.default_rng(0)
    base = rng.random((3, 12, 14, 3))
    base[..., 0] = np.linspace(0, 1, 14)  # some chroma structure
    return list(base)


@pytest.fixture(scope="module")
def model(colour_images):
    return ColorizerPipeline(pixels_per_image=100, random_state=0, **FAST).fit(
        colour_images
    )


# -- empty, None, wrong dimensions, wrong channels --------------------------


@pytest.mark.parametrize("entry", ["fit", "predict", "score", "to_grey"])
def test_empty_list_and_none(entry, model):
    call = {
        "fit": ColorizerPipeline(**FAST).fit,
        "predict": model.predict,
        "score": model.score,
        "to_grey": to_grey,
    }[entry]
    with pytest.raises(ValueError, match="at least 1 image"):
        call([])
    with pytest.raises(TypeError, match="got None"):
        call(None)


def test_one_d_and_four_d_arrays(model):
    with pytest.raises(ValueError, match=r"shape \(n_images, height, width, 3\)"):
        ColorizerPipeline(**FAST).fit(np.zeros(10))
    with pytest.raises(ValueError, match=r"shape \(n_images, height, width\)"):
        model.predict(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"grey_images\[0\] must be a grey image"):
        model.predict([np.zeros(10)])
    with pytest.raises(ValueError, match=r"rgb_images\[0\] must be an RGB image"):
        ColorizerPipeline(**FAST).fit([np.zeros((2, 3, 4, 3))])


def test_two_channels_refused_rgba_alpha_dropped(colour_images):
    with pytest.raises(ValueError, match=r"rgb_images\[1\].*got shape \(12, 14, 2\)"):
        ColorizerPipeline(**FAST).fit([colour_images[0], colour_images[1][..., :2]])
    rgba = [
        np.concatenate([im, np.zeros(im.shape[:2] + (1,))], axis=-1)
        for im in colour_images
    ]
    a = ColorizerPipeline(pixels_per_image=100, random_state=0, **FAST).fit(rgba)
    b = ColorizerPipeline(pixels_per_image=100, random_state=0, **FAST).fit(
        colour_images
    )
    np.testing.assert_array_equal(a.codebook_, b.codebook_)
    np.testing.assert_array_equal(to_grey(rgba), to_grey(colour_images))


def test_grey_images_given_to_fit():
    grey_rgb = [np.repeat(np.random.default_rng(1).random((8, 8, 1)), 3, axis=-1)]
    with pytest.raises(ValueError, match="rgb_images carry no colour"):
        ColorizerPipeline(pixels_per_image=50, **FAST).fit(grey_rgb)
    with pytest.raises(ValueError, match="must be an RGB image"):
        ColorizerPipeline(**FAST).fit([np.zeros((8, 8))])


def test_colour_image_given_to_predict(model, colour_images):
    with pytest.raises(ValueError, match="somcolor.to_grey"):
        model.predict([colour_images[0]])


# -- sizes ------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (2, 2)])
def test_images_smaller_than_the_patch(model, shape):
    grey = np.random.default_rng(2).random(shape)
    out = model.predict([grey])[0]
    assert out.shape == shape + (3,)
    big = ColorizerPipeline(extractor=PatchExtractor(11), pixels_per_image=5, **FAST)
    tiny_rgb = np.random.default_rng(3).random(shape + (3,))
    big.fit([tiny_rgb, np.random.default_rng(4).random((5, 5, 3))])
    assert big.predict([grey])[0].shape == shape + (3,)


def test_mixed_sizes_accepted(model):
    greys = [np.zeros((3, 5)), np.ones((7, 2)), np.full((1, 1), 0.5)]
    assert [o.shape[:2] for o in model.predict(greys)] == [(3, 5), (7, 2), (1, 1)]


def test_pixels_per_image_larger_than_an_image(colour_images):
    model = ColorizerPipeline(pixels_per_image=10**6, random_state=0, **FAST)
    model.fit(colour_images)
    assert model.n_training_pixels_ == sum(
        im.shape[0] * im.shape[1] for im in colour_images
    )


# -- values and dtypes ------------------------------------------------------


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_and_infinity(model, value):
    grey = np.full((4, 4), 0.5)
    grey[1, 2] = value
    with pytest.raises(ValueError, match=r"grey_images\[1\] contains NaN or infinity"):
        model.predict([np.zeros((2, 2)), grey])
    # scikit-learn's own message: "Input X contains NaN" / "... infinity ..."
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        SOMQuantizer().fit([[0.0, 1.0], [value, 0.0]])
    with pytest.raises(ValueError, match="NaN"):
        PatchExtractor().transform([grey])


@pytest.mark.parametrize("value", [-0.1, 1.5, 255.0])
def test_floats_outside_unit_interval(model, value):
    grey = np.full((4, 4), value)
    with pytest.raises(ValueError, match=r"grey_images\[0\] has float values outside"):
        model.predict([grey])


def test_uint16_is_scaled_like_uint8(model):
    grey8 = np.random.default_rng(5).integers(0, 256, (6, 7)).astype(np.uint8)
    grey16 = grey8.astype(np.uint16) * 257  # 255 * 257 = 65535
    np.testing.assert_allclose(model.predict([grey16])[0], model.predict([grey8])[0])


@pytest.mark.parametrize("dtype", [bool, np.int64, np.int32, np.complex128])
def test_other_dtypes_refused(model, dtype):
    with pytest.raises(
        TypeError, match=rf"grey_images\[0\] has dtype {np.dtype(dtype)}"
    ):
        model.predict([np.zeros((4, 4), dtype=dtype)])


def test_layouts_non_contiguous_fortran_read_only(model):
    grey = np.random.default_rng(6).random((10, 12))
    expected = model.predict([grey])[0]
    fortran = np.asfortranarray(grey)
    strided = np.random.default_rng(6).random((20, 24))
    strided[::2, ::2] = grey
    view = strided[::2, ::2]
    read_only = grey.copy()
    read_only.flags.writeable = False
    for variant in (fortran, view, read_only):
        np.testing.assert_array_equal(model.predict([variant])[0], expected)
    rgb = np.random.default_rng(7).random((6, 6, 3))
    rgb.flags.writeable = False
    assert to_grey([rgb])[0].shape == (6, 6)


def test_ragged_nested_list(model):
    with pytest.raises(
        ValueError, match=r"grey_images\[0\] cannot be read as an array"
    ):
        model.predict([[[0.1, 0.2], [0.3]]])


# -- state and parameters ---------------------------------------------------


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        ColorizerPipeline().predict([np.zeros((4, 4))])
    with pytest.raises(NotFittedError):
        ColorizerPipeline().score([np.zeros((4, 4, 3))])
    with pytest.raises(NotFittedError):
        SOMQuantizer().predict([[0.0, 0.0]])


@pytest.mark.parametrize("patch_size", [2, 0, -1])
def test_bad_patch_size_in_pipeline(patch_size, colour_images):
    with pytest.raises(ValueError, match="patch_size must be a positive odd integer"):
        ColorizerPipeline(extractor=PatchExtractor(patch_size), **FAST).fit(
            colour_images
        )


def test_som_with_zero_rows(colour_images):
    with pytest.raises(ValueError, match="n_rows"):
        ColorizerPipeline(quantizer=SOMQuantizer(0, 3), **FAST).fit(colour_images)
