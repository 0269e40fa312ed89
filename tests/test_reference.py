"""fit_reference, the 'reference' recipe and max_training_size."""

import pickle
import warnings

import numpy as np
import pytest
from skimage import data as skdata
from skimage.color import deltaE_ciede2000, rgb2lab
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import somcolor
from somcolor import (
    ColorizerPipeline,
    _fast_predict,
    fit_reference,
    load_pretrained,
    to_grey,
)
from somcolor._warnings import forget_said
from somcolor.pretrained import RECIPES, UNSHIPPED, available, recipe
from somcolor.reference import MIN_REFERENCE_SIDE

# Small, quick fits on purpose: somcolor's warnings that such a model is
# poor or stopped early are expected here (tests/test_warnings.py checks
# them).
pytestmark = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]

#: Options that make a reference fit take a fraction of a second.
QUICK = dict(pixels_per_image=1500, classifier__max_iter=3)


@pytest.fixture(scope="module")
def coffee_halves():
    """Left and right halves of scikit-image's coffee (400x600), shrunk by 2."""
    image = skdata.coffee()[::2, ::2]
    width = image.shape[1]
    return image[:, : width // 2], image[:, width // 2 :]


@pytest.fixture(scope="module")
def quick_fit(coffee_halves):
    return fit_reference(coffee_halves[0], random_state=0, **QUICK)


def _mean_ciede2000(truth, colour):
    return float(deltaE_ciede2000(rgb2lab(truth), rgb2lab(colour)).mean())


# -- the recipe -------------------------------------------------------------


def test_reference_recipe_is_an_ordinary_unshipped_pipeline():
    model = recipe("reference")
    assert type(model) is ColorizerPipeline
    assert "reference" in RECIPES and "reference" in UNSHIPPED
    assert "reference" not in available()
    assert model.random_state == 0
    assert model.predict_scale == "training"
    assert model.max_training_size is not None
    # A new object each time, with its own components.
    other = recipe("reference")
    assert other is not model and other.extractor is not model.extractor


def test_load_pretrained_refuses_the_reference_recipe_clearly():
    with pytest.raises(ValueError, match="recipe without a shipped model") as info:
        load_pretrained("reference")
    assert "fit_reference" in str(info.value)
    with pytest.raises(ValueError, match="unknown recipe"):
        recipe("nonsense")


# -- fit_reference ------------------------------------------------------------


def test_fit_reference_is_the_recipe_with_the_options(quick_fit):
    expected = recipe("reference").set_params(random_state=0, **QUICK).get_params()
    got = quick_fit.get_params()
    for key in ("extractor", "quantizer", "classifier"):  # objects: by params
        expected.pop(key), got.pop(key)
    assert got == expected
    assert hasattr(quick_fit, "classifier_")
    assert somcolor.fit_reference is fit_reference


def test_fit_reference_equals_fitting_the_recipe(coffee_halves):
    left = coffee_halves[0]
    a = fit_reference([left], random_state=3, **QUICK)
    b = recipe("reference").set_params(random_state=3, **QUICK).fit([left])
    grey = to_grey([coffee_halves[1]])
    np.testing.assert_array_equal(a.predict(grey)[0], b.predict(grey)[0])


def test_fit_reference_does_not_warn_about_its_own_design(coffee_halves):
    left = coffee_halves[0]
    # The same fit through the recipe warns of both: few pixels, ten epochs.
    forget_said()  # each message is said once a process
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recipe("reference").set_params(random_state=0, pixels_per_image=1500).fit(
            [left]
        )
    kinds = {type(warning.message) for warning in caught}
    assert {somcolor.TrainingDataWarning, somcolor.NotConvergedWarning} <= kinds
    forget_said()
    with warnings.catch_warnings():
        warnings.simplefilter("error", somcolor.TrainingDataWarning)
        warnings.simplefilter("error", somcolor.NotConvergedWarning)
        fit_reference(left, random_state=0, pixels_per_image=1500)
    # An epoch limit the user chose is the user's to hear about.
    forget_said()
    with pytest.warns(somcolor.NotConvergedWarning):
        fit_reference(left, random_state=0, **QUICK)


def test_options_override_the_recipe_nested_ones_too(coffee_halves):
    model = fit_reference(
        [coffee_halves[0]],
        random_state=0,
        temperature=0.9,
        quantizer__n_rows=2,
        quantizer__n_cols=2,
        **QUICK,
    )
    assert model.temperature == 0.9
    assert model.codebook_.shape == (4, 2)


def test_unknown_option_is_refused_by_name(coffee_halves):
    with pytest.raises(TypeError, match="unknown option.*tempreature"):
        fit_reference(coffee_halves[0], tempreature=0.5)
    with pytest.raises(ValueError, match="temperature"):
        fit_reference(coffee_halves[0], temperature=-1.0, **QUICK)


def test_several_references_of_any_size_and_type(coffee_halves):
    left, right = coffee_halves
    floats = right[:150, :200] / 255.0
    model = fit_reference([left, floats], random_state=0, **QUICK)
    assert model.n_training_pixels_ == 2 * QUICK["pixels_per_image"]
    rgba = np.dstack([left, np.full(left.shape[:2], 255, np.uint8)])
    fit_reference(rgba, random_state=0, **QUICK)  # alpha ignored


@pytest.mark.parametrize(
    "images, error, match",
    [
        (None, TypeError, "images must be"),
        ([], ValueError, "images must hold at least one"),
        ("photo.jpg", TypeError, "images must be"),
        ([np.zeros((64, 64))], ValueError, r"images\[0\] is a grey image"),
        (
            [np.zeros((64, 64, 3), np.uint8) + np.uint8(90)],
            ValueError,
            r"images\[0\] is grey",
        ),
        (
            [skdata.coffee()[:100, :100], skdata.coffee()[:20, :200]],
            ValueError,
            r"images\[1\] is too small \(20x200",
        ),
        ([np.full((64, 64, 3), 2.0)], ValueError, r"images\[0\].*outside"),
        ([np.zeros((64, 64, 2))], ValueError, r"images\[0\] must be an RGB"),
    ],
)
def test_bad_references_are_refused_naming_the_argument(images, error, match):
    with pytest.raises(error, match=match):
        fit_reference(images, random_state=0, **QUICK)


def test_a_grey_reference_among_colour_ones_is_refused(coffee_halves):
    grey = np.dstack([to_grey([coffee_halves[0]])[0]] * 3)
    with pytest.raises(ValueError, match=r"images\[1\] is grey"):
        fit_reference([coffee_halves[1], grey], random_state=0, **QUICK)


def test_minimum_side_is_accepted():
    image = skdata.astronaut()[:MIN_REFERENCE_SIDE, 100 : 100 + 2 * MIN_REFERENCE_SIDE]
    model = fit_reference(image, random_state=0, **QUICK)
    assert model.predict([np.zeros((8, 8))])[0].shape == (8, 8, 3)


# -- the estimator contract of what it returns ---------------------------------


def test_clone_get_set_params(quick_fit):
    copy = clone(quick_fit)
    assert not hasattr(copy, "classifier_")
    assert copy.get_params()["max_training_size"] == quick_fit.max_training_size
    copy.set_params(max_training_size=64, classifier__max_iter=2)
    assert copy.max_training_size == 64
    assert (
        quick_fit.get_params()["classifier__max_iter"] == QUICK["classifier__max_iter"]
    )


def test_pickle_and_skops_round_trips(quick_fit, coffee_halves, tmp_path):
    grey = to_grey([coffee_halves[1]])
    expected = quick_fit.predict(grey)[0]
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(quick_fit)).predict(grey)[0], expected
    )
    path = somcolor.save(quick_fit, tmp_path / "reference.skops")
    loaded = somcolor.load(path)
    assert loaded.get_params()["max_training_size"] == quick_fit.max_training_size
    np.testing.assert_array_equal(loaded.predict(grey)[0], expected)


def test_same_seed_same_model(coffee_halves):
    left, right = coffee_halves
    a = fit_reference(left, random_state=7, **QUICK)
    b = fit_reference(left, random_state=7, **QUICK)
    for wa, wb in zip(a.classifier_.coefs_, b.classifier_.coefs_):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.codebook_, b.codebook_)
    grey = to_grey([right])
    np.testing.assert_array_equal(a.predict(grey)[0], b.predict(grey)[0])


def test_grid_search_over_a_recipe_parameter(coffee_halves):
    left, right = coffee_halves
    images = [left[:, :100], left[:, 100:], right[:, :100], right[:, 100:]]
    grid = GridSearchCV(
        recipe("reference").set_params(**QUICK),
        {"temperature": [0.3, 1.0]},
        cv=2,
    ).fit(images)
    assert set(grid.best_params_) == {"temperature"}
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert np.all(grid.cv_results_["mean_test_score"] < 0)


# -- quality: an independent expectation ----------------------------------------


def test_a_reference_fit_beats_grey_on_the_other_half(coffee_halves):
    """Fit on the left half of the coffee photograph (the default recipe):
    its right half (the same cup, saucer and table) comes back closer to the
    truth than grey, and not washed out."""
    left, right = coffee_halves
    model = fit_reference(left, random_state=0)
    colour = model.predict(to_grey([right]))[0]
    grey = np.dstack([to_grey([right])[0]] * 3)
    ours, greys = _mean_ciede2000(right, colour), _mean_ciede2000(right, grey)
    assert ours < 0.8 * greys
    assert ours == pytest.approx(-model.score([right]))


# -- max_training_size (ColorizerPipeline) --------------------------------------


def _quick_pipeline(**params):
    return ColorizerPipeline(pixels_per_image=500, random_state=0, **params).set_params(
        classifier__max_iter=3
    )


def test_max_training_size_shrinks_training_images():
    image = skdata.astronaut()[:200, :300]  # sqrt(H W) = 245
    model = _quick_pipeline(max_training_size=100).fit([image])
    assert model.training_size_ == pytest.approx(100, abs=1)
    # Smaller images are used as they are.
    small = _quick_pipeline(max_training_size=1000).fit([image])
    assert small.training_size_ == pytest.approx(np.sqrt(200 * 300))
    assert _quick_pipeline().fit([image]).training_size_ == small.training_size_


def test_max_training_size_equals_fitting_on_the_shrunk_image():
    from somcolor._options import cap_scale

    image = skdata.astronaut()[:200, :300]
    shrunk = cap_scale(image / 255.0, 100)
    assert shrunk.shape == (82, 122, 3)
    a = _quick_pipeline(max_training_size=100).fit([image])
    b = _quick_pipeline().fit([shrunk])
    np.testing.assert_array_equal(a.codebook_, b.codebook_)


def test_cap_scale_is_area_averaging_of_each_channel():
    from somcolor._options import cap_scale, shrink

    rng = np.random.default_rng(0)
    image = rng.random((37, 53, 3))
    small = cap_scale(image, 20)
    assert small.shape == (17, 24, 3)
    for k in range(3):
        np.testing.assert_allclose(small[..., k], shrink(image[..., k], (17, 24)))
    np.testing.assert_allclose(small.mean(), image.mean(), atol=0.02)
    assert cap_scale(image, 100) is image
    # A 2x2 block average, exactly.
    even = rng.random((8, 8, 3))
    np.testing.assert_allclose(
        cap_scale(even, 4), even.reshape(4, 2, 4, 2, 3).mean(axis=(1, 3))
    )


def test_max_training_size_colorizes_large_images_at_that_scale():
    image = skdata.astronaut()[:200, :300]
    model = _quick_pipeline(max_training_size=60, predict_scale="training").fit([image])
    grey = to_grey([skdata.astronaut()])
    assert model._fast_path_applicable()
    fast = model.predict(grey)[0]
    with _fast_predict.disabled():
        reference = model.predict(grey)[0]
    assert fast.shape == (512, 512, 3)
    np.testing.assert_allclose(fast, reference, atol=1 / 255)


@pytest.mark.parametrize(
    "value, error", [(0, ValueError), (7, ValueError), (100.5, TypeError)]
)
def test_max_training_size_is_validated_in_fit(value, error):
    model = _quick_pipeline(max_training_size=value)  # no check here
    with pytest.raises(error, match="max_training_size"):
        model.fit([skdata.astronaut()[:64, :64]])
