"""The fast colorizing path against the reference path it replaces.

The reference is ``ColorizerPipeline.predict`` with the fast path turned off
(``_fast_predict.disabled()``): dense patch matrix, ``MLPClassifier.predict``,
``luv_to_rgb`` per pixel. The fast path must give the same class per pixel
and RGB within 1/255.

Equality of classes, stated honestly: both paths compute the same float32
products but sum them in different orders (BLAS on the whole patch matrix
versus a tile), so where the two best output scores of a pixel are within
rounding of each other either class is a correct answer. Classes must agree
wherever the top-two score margin, computed independently in float64, is
above ``MARGIN_EPS``; every other pixel must agree too, except those
near-ties, which are counted and must stay a tiny share.
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
    to_grey,
)
from somcolor._reference import dense_patches
from somcolor.color import grey_to_lightness

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


def _greys(small_rgb_images):
    grey = to_grey(small_rgb_images)
    return grey, [np.round(g * 255).astype(np.uint8) for g in grey]


def _score_margin(model, grey):
    """Top-two output-score margin of every pixel, independently in float64."""
    extractor = model._dense_extractor()
    grey = np.asarray(grey)
    levels = grey / 255.0 if grey.dtype == np.uint8 else grey.astype(np.float64)
    lightness = grey_to_lightness(levels)
    x = dense_patches(
        (lightness / 100.0).astype(extractor.dtype),
        extractor.patch_size,
        padding="reflect" if extractor.padding == "valid" else extractor.padding,
    ).astype(np.float64)
    clf = model.classifier_
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        x = x @ w.astype(np.float64) + b.astype(np.float64)
        if i < len(clf.coefs_) - 1:
            ACTIVATIONS[clf.activation](x)
    if x.shape[1] == 1:
        return np.abs(x[:, 0]).reshape(np.shape(grey))
    top2 = np.sort(x, axis=1)[:, -2:]
    return (top2[:, 1] - top2[:, 0]).reshape(np.shape(grey))


def _reference(model, greys, labels=False):
    with _fast_predict.disabled():
        assert not model._fast_path_applicable()
        return model.predict_labels(greys) if labels else model.predict(greys)


def _assert_same(model, greys, tile_pixels=None):
    """Fast and reference outputs agree (classes, RGB within 1/255)."""
    assert _fast_predict.applicable(model)
    kwargs = {} if tile_pixels is None else {"tile_pixels": tile_pixels}
    fast_rgb = _fast_predict.predict(model, greys, **kwargs)
    fast_labels = _fast_predict.predict_labels(model, greys, **kwargs)
    ref_rgb = _reference(model, greys)
    ref_labels = _reference(model, greys, labels=True)
    assert type(fast_rgb) is type(ref_rgb)
    n_near_ties = 0
    n_pixels = 0
    for grey, f_rgb, r_rgb, f_lab, r_lab in zip(
        greys, fast_rgb, ref_rgb, fast_labels, ref_labels
    ):
        assert f_rgb.shape == r_rgb.shape == np.shape(grey) + (3,)
        assert f_rgb.dtype == r_rgb.dtype == np.float64
        assert f_lab.shape == r_lab.shape == np.shape(grey)
        differ = f_lab != r_lab
        if differ.any():
            margin = _score_margin(model, grey)
            assert (margin[differ] <= MARGIN_EPS).all(), margin[differ].max()
        n_near_ties += int(differ.sum())
        n_pixels += differ.size
        same = ~differ
        np.testing.assert_allclose(f_rgb[same], r_rgb[same], rtol=0, atol=1 / 255)
    assert n_near_ties <= max(1, 1e-3 * n_pixels)
    return fast_rgb, ref_rgb


def test_default_model_uses_fast_path(fitted_default):
    # Guards the dispatch: a new pipeline parameter that the fast path does
    # not know switches it off, and this test says so.
    assert fitted_default._fast_path_applicable()


def test_uint8_images_match_reference(fitted_default, small_rgb_images):
    _, grey8 = _greys(small_rgb_images)
    fast, ref = _assert_same(fitted_default, grey8)
    # The colour table is the reference conversion itself: exactly equal.
    for f, r in zip(fast, ref):
        assert np.array_equal(f, r) or np.abs(f - r).max() < 1e-12


def test_float_images_match_reference(fitted_default, small_rgb_images):
    grey, grey8 = _greys(small_rgb_images)
    _assert_same(fitted_default, grey)  # arbitrary floats: band conversion
    _assert_same(fitted_default, [g / 255.0 for g in grey8])  # exact k / 255
    _assert_same(fitted_default, [g.astype(np.float32) for g in grey[:2]])


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 37), (37, 1), (2, 2), (3, 300), (300, 3), (17, 23)]
)
@pytest.mark.parametrize("kind", ["uint8", "float"])
def test_odd_sizes(fitted_default, shape, kind):
    rng = np.random.default_rng(sum(shape))
    image = rng.integers(0, 256, size=shape).astype(np.uint8)
    if kind == "float":
        image = rng.random(shape)
    _assert_same(fitted_default, [image])


def test_stacked_array_and_tile_sizes(fitted_default, small_rgb_images):
    _, grey8 = _greys(small_rgb_images)
    stack = np.stack([g[:40, :40] for g in grey8])
    for tile in (1, 7, 40, 10_000):
        fast, _ = _assert_same(fitted_default, stack, tile_pixels=tile)
        assert isinstance(fast, np.ndarray) and fast.shape == stack.shape + (3,)


def test_tiles_do_not_change_the_output(fitted_default, small_rgb_images):
    """A tiled image is colorized as if whole: no seams."""
    _, grey8 = _greys(small_rgb_images)
    image = np.tile(grey8[0], (3, 5))
    whole = _fast_predict.predict(fitted_default, [image], tile_pixels=10**6)[0]
    for tile in (5, 64, 256):
        tiled = _fast_predict.predict(fitted_default, [image], tile_pixels=tile)[0]
        labels_w = _fast_predict.predict_labels(fitted_default, [image], 10**6)[0]
        labels_t = _fast_predict.predict_labels(fitted_default, [image], tile)[0]
        differ = labels_w != labels_t
        if differ.any():
            margin = _score_margin(fitted_default, image)
            assert (margin[differ] <= MARGIN_EPS).all()
        np.testing.assert_array_equal(tiled[~differ], whole[~differ])


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


@pytest.mark.parametrize(
    "extractor",
    [
        PatchExtractor(1),
        PatchExtractor(5, padding="edge"),
        PatchExtractor(3, padding="valid"),
        PatchExtractor(3, padding="constant"),
        PatchExtractor(3, dtype=np.float64),
    ],
    ids=["p1", "p5-edge", "valid", "constant", "float64"],
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


def test_two_colours_logistic_output(small_rgb_images):
    model = ColorizerPipeline(
        quantizer=SOMQuantizer(1, 2),
        classifier=_mlp(hidden_layer_sizes=(20,)),
        pixels_per_image=400,
        random_state=0,
    ).fit(small_rgb_images)
    assert model.classifier_.n_outputs_ == 1
    _, grey8 = _greys(small_rgb_images)
    _assert_same(model, grey8[:3])


def test_not_applicable_falls_back(fitted_default, small_rgb_images):
    _, grey8 = _greys(small_rgb_images)
    knn = ColorizerPipeline(
        classifier=KNeighborsClassifier(3), pixels_per_image=200, random_state=0
    ).fit(small_rgb_images)
    assert not knn._fast_path_applicable()
    knn.predict(grey8[:1])  # the reference path runs

    # Options the fast path does not know switch it off.
    other = clone(fitted_default)
    other.__dict__.update(fitted_default.__dict__)
    other.decoding = "soft"
    assert not other._fast_path_applicable()

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
    # x86); the fast path flushes them, which must not change any class
    # outside near-ties.
    model = clone(fitted_default)
    model.__dict__.update(fitted_default.__dict__)
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
