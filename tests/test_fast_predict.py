"""The compiled colorizing path against the reference path it replaces.

The reference is ``ColorizerPipeline.predict`` with the compiled path turned
off (``_fast_predict.disabled()``): the dense feature matrix from
``PatchExtractor.transform``, ``MLPClassifier.predict``/``predict_proba``,
decoding in NumPy, ``luv_to_rgb`` (scikit-image) per pixel, scikit-image's
bilinear resize for ``predict_scale='training'``. The compiled path must
give the same class per pixel and RGB within 1/255, for every option of the
pipeline and of the feature stage, for uint8 and float input.

Equality of classes, stated honestly: both paths compute the same float32
products but sum them in different orders (BLAS on the whole matrix versus a
tile), so where the two best output scores of a pixel are within rounding of
each other either class is a correct answer. Classes must agree wherever the
top-two score margin, computed independently in float64, is above
``MARGIN_EPS``; every other pixel must agree too, except those near-ties,
which are counted and must stay a tiny share. RGB must be within 1/255
wherever the classes agree (everywhere with soft decoding, whose chroma is
continuous in the scores).
"""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._base import ACTIVATIONS

from somcolor import (
    ColorizerPipeline,
    PatchExtractor,
    SOMQuantizer,
    _fast_predict,
    _options,
    to_grey,
)
from somcolor.color import grey_to_lightness

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
]

MARGIN_EPS = 1e-4  # in output-score (logit) units; float32 rounding is ~1e-6


def _mlp(**kwargs):
    params = dict(hidden_layer_sizes=(50, 50), max_iter=40, random_state=0)
    params.update(kwargs)
    return MLPClassifier(**params)


@pytest.fixture(scope="module")
def fitted_default(small_rgb_images):
    """The default pipeline (50+50 ReLU, 3x3, 9 colours), fitted quickly."""
    model = ColorizerPipeline(pixels_per_image=600, random_state=0)
    return model.set_params(classifier__max_iter=30).fit(small_rgb_images)


WIDE = dict(context=(2, 5), texture=(3, 7), position=True)


@pytest.fixture(scope="module")
def fitted_wide(small_rgb_images):
    """Every feature option, 25 colours, fitted quickly."""
    model = ColorizerPipeline(
        SOMQuantizer(5, 5),
        PatchExtractor(3, **WIDE),
        _mlp(hidden_layer_sizes=(30, 20)),
        pixels_per_image=600,
        random_state=0,
    )
    return model.fit(small_rgb_images)


@pytest.fixture(scope="module")
def fitted_p7(small_rgb_images):
    model = ColorizerPipeline(
        extractor=PatchExtractor(7, context=9),
        classifier=_mlp(hidden_layer_sizes=(20,)),
        pixels_per_image=400,
        random_state=0,
    )
    return model.fit(small_rgb_images)


def _with(model, **params):
    """``model`` with other predict-time parameters, same fitted parts."""
    other = clone(model).set_params(**params)
    other.__dict__.update({k: v for k, v in model.__dict__.items() if k[-1] == "_"})
    return other


def _greys(small_rgb_images):
    grey = to_grey(small_rgb_images)
    return grey, [np.round(g * 255).astype(np.uint8) for g in grey]


def _lightness(grey):
    grey = np.asarray(grey)
    levels = grey / 255.0 if grey.dtype == np.uint8 else grey.astype(np.float64)
    return grey_to_lightness(levels)


def _score_margin(model, lightness):
    """Top-two output-score margin of every pixel, independently in float64."""
    x = model._dense_features(lightness).astype(np.float64)
    clf = model.classifier_
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        x = x @ w.astype(np.float64) + b.astype(np.float64)
        if i < len(clf.coefs_) - 1:
            ACTIVATIONS[clf.activation](x)
    if x.shape[1] == 1:
        return np.abs(x[:, 0]).reshape(lightness.shape)
    top2 = np.sort(x, axis=1)[:, -2:]
    return (top2[:, 1] - top2[:, 0]).reshape(lightness.shape)


def _reference(model, greys, labels=False):
    with _fast_predict.disabled():
        assert not model._fast_path_applicable()
        return model.predict_labels(greys) if labels else model.predict(greys)


def _label_lightness(model, grey):
    """The lightness the class map of ``grey`` is computed from."""
    lightness = _lightness(grey)
    small = _options.training_scale_shape(model, lightness.shape)
    return lightness if small is None else _options.shrink(lightness, small)


def _labels_at_colorizing_scale(model, lightness):
    fast = _fast_predict._Model(model).run(lightness / 100.0, 0)
    fast = model.classifier_.classes_[fast]
    return fast, model._labels_from_lightness(lightness)


def _assert_same(model, greys, tile_pixels=_fast_predict.TILE_PIXELS):
    """Compiled and reference outputs agree (classes, RGB within 1/255)."""
    assert _fast_predict.applicable(model)
    fast_rgb = _fast_predict.predict(model, greys, tile_pixels)
    fast_labels = _fast_predict.predict_labels(model, greys, tile_pixels)
    ref_rgb = _reference(model, greys)
    ref_labels = _reference(model, greys, labels=True)
    assert type(fast_rgb) is type(ref_rgb)
    n_near_ties = n_pixels = 0
    for grey, f_rgb, r_rgb, f_lab, r_lab in zip(
        greys, fast_rgb, ref_rgb, fast_labels, ref_labels
    ):
        assert f_rgb.shape == r_rgb.shape == np.shape(grey) + (3,)
        assert f_rgb.dtype == r_rgb.dtype == np.float64
        assert f_lab.shape == r_lab.shape == np.shape(grey)
        # predict_labels is always at the input's own size.
        _check_near_ties(model, _lightness(grey), f_lab, r_lab)
        # predict colours from the classes at the colorizing scale.
        lightness = _label_lightness(model, grey)
        fast, ref = _labels_at_colorizing_scale(model, lightness)
        differ = _check_near_ties(model, lightness, fast, ref)
        n_near_ties += int(differ.sum())
        n_pixels += differ.size
        if model.decoding == "soft" or lightness.shape == np.shape(grey):
            same = (
                np.ones(np.shape(grey), bool) if model.decoding == "soft" else ~differ
            )
            np.testing.assert_allclose(f_rgb[same], r_rgb[same], rtol=0, atol=1 / 255)
        elif not differ.any():  # enlarged argmax chroma: all or nothing
            np.testing.assert_allclose(f_rgb, r_rgb, rtol=0, atol=1 / 255)
    assert n_near_ties <= max(1, 1e-3 * n_pixels)
    return fast_rgb, ref_rgb


def _check_near_ties(model, lightness, fast, ref):
    differ = fast != ref
    if differ.any():
        margin = _score_margin(model, lightness)
        assert (margin[differ] <= MARGIN_EPS).all(), margin[differ].max()
    return differ


def test_default_model_uses_compiled_path(fitted_default):
    assert fitted_default._fast_path_applicable()


def test_uint8_images_match_reference(fitted_default, small_rgb_images):
    _, grey8 = _greys(small_rgb_images)
    fast, ref = _assert_same(fitted_default, grey8)
    # The colour conversion is scikit-image's, per pixel: equal to rounding.
    for f, r in zip(fast, ref):
        assert np.abs(f - r).max() < 1e-9


def test_float_images_match_reference(fitted_default, small_rgb_images):
    grey, grey8 = _greys(small_rgb_images)
    _assert_same(fitted_default, grey)  # arbitrary floats
    _assert_same(fitted_default, [g / 255.0 for g in grey8])  # exact k / 255
    _assert_same(fitted_default, [g.astype(np.float32) for g in grey[:2]])


@pytest.mark.parametrize(
    "params",
    [
        {"decoding": "soft"},
        {"decoding": "soft", "temperature": 1.0},
        {"decoding": "soft", "temperature": 0.05},
        {"predict_scale": "training"},
        {"predict_scale": "training", "decoding": "soft", "temperature": 0.3},
    ],
    ids=["soft", "soft-T1", "soft-T0.05", "training", "training-soft"],
)
@pytest.mark.parametrize("kind", ["uint8", "float"])
def test_decodings_and_scales(fitted_wide, small_rgb_images, params, kind):
    grey, grey8 = _greys(small_rgb_images)
    images = grey8 if kind == "uint8" else grey
    model = _with(fitted_wide, **params)
    if params.get("predict_scale") == "training":
        # Three times the training scale, and one image below it.
        images = [np.kron(g, np.ones((3, 3), g.dtype)) for g in images[:2]] + [
            images[2][:20, :17]
        ]
    _assert_same(model, images)


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 37), (37, 1), (2, 2), (3, 300), (300, 3), (17, 23)]
)
@pytest.mark.parametrize("kind", ["uint8", "float"])
@pytest.mark.parametrize("model_name", ["default", "wide", "patch 7"])
def test_odd_sizes(fitted_default, fitted_wide, fitted_p7, model_name, shape, kind):
    # Images smaller than the patch (7x7) and than the boxes, down to 1x1.
    model = {"default": fitted_default, "wide": fitted_wide, "patch 7": fitted_p7}[
        model_name
    ]
    rng = np.random.default_rng(sum(shape))
    image = rng.integers(0, 256, size=shape).astype(np.uint8)
    if kind == "float":
        image = rng.random(shape)
    _assert_same(model, [image])
    _assert_same(_with(model, decoding="soft"), [image])


def test_stacked_array_and_tile_sizes(fitted_wide, small_rgb_images):
    _, grey8 = _greys(small_rgb_images)
    stack = np.stack([g[:40, :40] for g in grey8])
    for tile in (1, 7, 40, 10_000):
        fast, _ = _assert_same(fitted_wide, stack, tile_pixels=tile)
        assert isinstance(fast, np.ndarray) and fast.shape == stack.shape + (3,)


def test_tiles_do_not_change_the_output(fitted_wide, small_rgb_images):
    """A tiled image is colorized as if whole: no seams."""
    _, grey8 = _greys(small_rgb_images)
    image = np.tile(grey8[0], (3, 5))
    model = _with(fitted_wide, decoding="soft")
    whole = _fast_predict.predict(model, [image], 10**6)[0]
    for tile in (5, 64, 256):
        tiled = _fast_predict.predict(model, [image], tile)[0]
        np.testing.assert_allclose(tiled, whole, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "classifier",
    [
        _mlp(activation="tanh"),
        _mlp(activation="logistic", hidden_layer_sizes=(20,)),
        _mlp(activation="identity", hidden_layer_sizes=(8, 8, 8)),
        _mlp(hidden_layer_sizes=(30,)),
    ],
    ids=["tanh", "logistic", "identity-3-layers", "relu-1-layer"],
)
def test_activations_and_depths(classifier, small_rgb_images):
    model = ColorizerPipeline(
        classifier=classifier, pixels_per_image=400, random_state=0
    ).fit(small_rgb_images)
    _, grey8 = _greys(small_rgb_images)
    _assert_same(model, grey8[:3])
    _assert_same(_with(model, decoding="soft"), grey8[:3])


@pytest.mark.parametrize(
    "extractor",
    [
        PatchExtractor(1),
        PatchExtractor(5, padding="edge"),
        PatchExtractor(3, padding="valid", context=3),
        PatchExtractor(3, padding="constant", texture=5),
        PatchExtractor(3, dtype=np.float64, position=True),
    ],
    ids=["p1", "p5-edge", "valid-context", "constant-texture", "float64-position"],
)
def test_extractors(extractor, small_rgb_images):
    model = ColorizerPipeline(
        extractor=extractor,
        classifier=_mlp(hidden_layer_sizes=(20,)),
        pixels_per_image=400,
        random_state=0,
    ).fit(small_rgb_images)
    grey, grey8 = _greys(small_rgb_images)
    _assert_same(model, grey8[:3])
    _assert_same(model, grey[:2])


@pytest.mark.parametrize("decoding", ["argmax", "soft"])
def test_two_colours_logistic_output(small_rgb_images, decoding):
    model = ColorizerPipeline(
        quantizer=SOMQuantizer(1, 2),
        classifier=_mlp(hidden_layer_sizes=(20,)),
        pixels_per_image=400,
        random_state=0,
        decoding=decoding,
    ).fit(small_rgb_images)
    assert model.classifier_.n_outputs_ == 1
    grey, grey8 = _greys(small_rgb_images)
    _assert_same(model, grey8[:3])
    _assert_same(model, grey[:2])


def test_not_applicable_falls_back(fitted_default, small_rgb_images):
    _, grey8 = _greys(small_rgb_images)
    knn = ColorizerPipeline(
        classifier=KNeighborsClassifier(3), pixels_per_image=200, random_state=0
    ).fit(small_rgb_images)
    assert not knn._fast_path_applicable()
    assert knn.predict(grey8[:1])[0].shape == grey8[0].shape + (3,)

    class WithOption(ColorizerPipeline):
        def __init__(self, hue_shift=1.0, **kwargs):
            super().__init__(**kwargs)
            self.hue_shift = hue_shift

    extra = WithOption(pixels_per_image=200, random_state=0)
    extra.__dict__.update(
        {k: v for k, v in fitted_default.__dict__.items() if k.endswith("_")}
    )
    assert not extra._fast_path_applicable()


def test_bad_input_is_refused_as_by_reference(fitted_default):
    with pytest.raises(ValueError, match="empty"):
        fitted_default.predict([np.zeros((0, 4), np.uint8)])
    with pytest.raises(ValueError, match="outside"):
        fitted_default.predict([np.full((4, 4), 2.0)])
    with pytest.raises(ValueError, match="shape"):
        fitted_default.predict(np.zeros((4, 4), np.uint8))


def test_tiny_weights_are_harmless(fitted_default, small_rgb_images):
    # Long training leaves weights near 1e-37 (subnormal products, slow on
    # x86); the compiled path flushes them, which must not change any class
    # outside near-ties.
    model = _with(fitted_default)
    model.classifier_ = clone(fitted_default.classifier_)
    model.classifier_.__dict__.update(fitted_default.classifier_.__dict__)
    coefs = [w.copy() for w in fitted_default.classifier_.coefs_]
    rng = np.random.default_rng(0)
    for w in coefs:
        dead = rng.random(w.shape) < 0.3
        w[dead] = rng.choice([1e-37, -3e-39, 1e-44, 2e-31], size=int(dead.sum()))
    model.classifier_.coefs_ = coefs
    _, grey8 = _greys(small_rgb_images)
    _assert_same(model, grey8[:3])
