"""Colour hints and refinement: ``predict(..., hints=...)``, ``refine=True``.

Independent expectations: the compiled path equals the reference path
(NumPy decoding, scikit-learn's network); the adaptation equals an explicit
ridge least squares; a hinted pixel ends with the hint's chroma and its own
lightness; colour does not cross a strong edge; more true hints bring the
colours closer to the truth.
"""

import pickle

import numpy as np
import pytest
from skimage import color as skcolor
from skimage import data

from somcolor import ColorizerPipeline, PatchExtractor, _fast_predict, to_grey
from somcolor.color import gamut_scale, grey_to_lightness, luv_to_rgb, rgb_to_luv
from somcolor.metrics import mean_ciede2000
from somcolor.steering import (
    Hint,
    adapted_colours,
    check_hints,
    data_terms,
    decode,
    hints_from_rgba,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
]


@pytest.fixture(scope="module")
def photo():
    return data.astronaut()[::4, ::4]  # 128 x 128


@pytest.fixture(scope="module")
def model(photo):
    """Soft decoding and a context feature: every part of the steered path."""
    return ColorizerPipeline(
        extractor=PatchExtractor(3, context=4),
        decoding="soft",
        pixels_per_image=4000,
        random_state=0,
    ).fit([photo])


def _true_hints(photo, n, seed):
    """``n`` 3x3 hints revealing the true colour of ``photo``."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(photo.shape[:2], bool)
    for _ in range(n):
        r, c = rng.integers(0, photo.shape[0] - 3), rng.integers(0, photo.shape[1] - 3)
        mask[r : r + 3, c : c + 3] = True
    return mask, photo


# -- hints in -----------------------------------------------------------------


def test_hints_from_rgba_reads_opaque_pixels():
    layer = np.zeros((5, 6, 4), dtype=np.uint8)
    layer[1, 2] = (10, 200, 30, 255)
    layer[3, 4] = (200, 0, 0, 127)  # less than half opaque: not a hint
    layer[4, 5] = (0, 0, 200, 128)
    mask, colours = hints_from_rgba(layer)
    assert mask.tolist() == (layer[..., 3] >= 127.5).tolist()
    np.testing.assert_array_equal(colours, layer[..., :3])
    float_mask, _ = hints_from_rgba(layer / 255.0)
    np.testing.assert_array_equal(float_mask, mask)
    deep_mask, _ = hints_from_rgba(layer.astype(np.uint16) * 257)
    np.testing.assert_array_equal(deep_mask, mask)


@pytest.mark.parametrize(
    "layer, error, message",
    [
        (np.zeros((5, 6, 3), np.uint8), ValueError, "RGBA image of shape"),
        (np.zeros((5, 6), np.uint8), ValueError, "RGBA image of shape"),
        (np.zeros((5, 6, 4), np.int32), TypeError, "uint8, uint16 or float"),
    ],
)
def test_hints_from_rgba_refuses_other_layers(layer, error, message):
    with pytest.raises(error, match=message):
        hints_from_rgba(layer)


def test_check_hints_gives_cieluv_chroma_where_hinted():
    rgb = np.random.default_rng(0).random((4, 5, 3))
    mask = np.zeros((4, 5), bool)
    mask[1, 1] = mask[2, 3] = True
    (hint,) = check_hints([(mask, rgb)], [(4, 5)])
    expected = skcolor.rgb2luv(rgb)[..., 1:]
    np.testing.assert_allclose(hint.chroma[mask], expected[mask], atol=1e-9)
    assert not hint.chroma[~mask].any()
    # uint8 colours are read as 0..255.
    (hint8,) = check_hints([(mask, (rgb * 255).round().astype(np.uint8))], [(4, 5)])
    np.testing.assert_allclose(hint8.chroma[mask], expected[mask], atol=0.5)


def test_no_hint_at_all_is_none():
    empty = (np.zeros((4, 5), bool), np.zeros((4, 5, 3)))
    assert check_hints(None, [(4, 5)]) is None
    assert check_hints([None, empty], [(4, 5), (4, 5)]) is None


@pytest.mark.parametrize(
    "hints, error, message",
    [
        ("mask", TypeError, "hints must be None or a list"),
        ([None], ValueError, "one entry per image: 2 images, 1 entries"),
        (
            [None, np.zeros((4, 5), bool)],
            TypeError,
            r"hints\[1\] must be None or a pair",
        ),
        ([None, (np.zeros((4, 5)), np.zeros((4, 5, 3)))], TypeError, "bool array"),
        ([None, (np.zeros((5, 4), bool), np.zeros((4, 5, 3)))], ValueError, "shape"),
        ([None, (np.ones((4, 5), bool), np.zeros((4, 5)))], ValueError, "RGB image"),
        (
            [None, (np.ones((4, 5), bool), np.full((4, 5, 3), 2.0))],
            ValueError,
            r"hints\[1\]",
        ),
    ],
)
def test_bad_hints_are_refused(hints, error, message):
    with pytest.raises(error, match=message):
        check_hints(hints, [(4, 5), (4, 5)])


def test_hint_at_a_smaller_scale_keeps_area_and_colour():
    mask = np.zeros((8, 8), bool)
    mask[0:4, 0:4] = True  # exactly one pixel of the 4 x 4 grid ...
    mask[6, 6] = True  # ... and a quarter of another
    chroma = np.zeros((8, 8, 2))
    chroma[mask] = (30.0, -10.0)
    share, small = Hint(mask, chroma).at_scale((4, 4))
    assert share.sum() == pytest.approx(mask.sum() / 4)
    assert share[0, 0] == pytest.approx(1.0) and share[3, 3] == pytest.approx(0.25)
    np.testing.assert_allclose(small[0, 0], (30.0, -10.0))
    np.testing.assert_allclose(small[3, 3], (30.0, -10.0))
    assert not small[share == 0].any()


# -- the three steps ------------------------------------------------------------


def test_adaptation_is_the_ridge_least_squares():
    from somcolor import steering

    rng = np.random.default_rng(1)
    n, k, hidden_width = 40, 5, 7
    weights = rng.dirichlet(np.ones(k), size=n)
    hidden = rng.random((n, hidden_width))
    target = rng.normal(scale=20, size=(n, 2))
    colours = rng.normal(scale=20, size=(k, 2))
    share = rng.uniform(0.2, 1.0, size=n)
    got_colours, got_head = adapted_colours(weights, hidden, target, share, colours)
    # Codebook: min sum share |w C - t|^2 + ridge |C - colours|^2, stacked rows.
    root = np.sqrt(share)[:, None]
    a = np.vstack([root * weights, np.sqrt(steering.CODEBOOK_RIDGE) * np.eye(k)])
    b = np.vstack([root * target, np.sqrt(steering.CODEBOOK_RIDGE) * colours])
    np.testing.assert_allclose(got_colours, np.linalg.lstsq(a, b, rcond=None)[0])
    # Head on what is left, the intercept penalised like the rest.
    residual = target - weights @ got_colours
    design = np.column_stack([hidden, np.ones(n)])
    penalty = np.sqrt(steering.HEAD_RIDGE) * np.eye(hidden_width + 1)
    a = np.vstack([root * design, penalty])
    b = np.vstack([root * residual, np.zeros((hidden_width + 1, 2))])
    np.testing.assert_allclose(
        got_head, np.linalg.lstsq(a, b, rcond=None)[0], atol=1e-8
    )
    # Without a hidden layer, no head.
    assert adapted_colours(weights, None, target, share, colours)[1].shape == (0, 2)


def test_data_terms_weigh_hints_model_and_grey():
    from somcolor import steering

    chroma = np.array([[[10.0, 0.0], [10.0, 0.0]]])
    uncertainty = np.array([[0.0, 1e12]])
    share = np.array([[0.0, 1.0]])
    hint_chroma = np.array([[[0.0, 0.0], [-40.0, 8.0]]])
    data, weights = data_terms(chroma, uncertainty, 1e-3, share, hint_chroma)
    assert weights[0, 0] == pytest.approx(steering.MODEL_WEIGHT + 1e-3)
    # A certain model pixel: its colour, shrunk by grey's share of the weight.
    np.testing.assert_allclose(
        data[0, 0], (10.0 * steering.MODEL_WEIGHT / weights[0, 0], 0)
    )
    # A hinted pixel whose model is hopeless: the hint, all but exactly.
    np.testing.assert_allclose(data[0, 1], (-40.0, 8.0), rtol=1e-4)


def test_kernel_decoding_matches_numpy(model, photo):
    from somcolor.steering import forward

    rng = np.random.default_rng(3)
    k = len(model.classifier_.classes_)
    hidden_width = model.classifier_.coefs_[-1].shape[0]
    colours = model.codebook_[model.classifier_.classes_] + rng.normal(size=(k, 2))
    head = rng.normal(scale=0.1, size=(hidden_width + 1, 2))
    lightness = grey_to_lightness(to_grey([photo])[0])
    compiled = _fast_predict._Model(model)
    backend = _fast_predict._Steering(compiled, lightness / 100.0)
    chroma, uncertainty = backend.everywhere(colours, head)
    features = model._dense_features(lightness)
    scores, hidden = forward(model.classifier_, features)
    ref_chroma, ref_uncertainty = decode(
        scores, hidden, colours, True, model.temperature, head
    )
    np.testing.assert_allclose(chroma.reshape(-1, 2), ref_chroma, atol=1e-3)
    np.testing.assert_allclose(
        uncertainty.ravel(), ref_uncertainty, rtol=1e-4, atol=1e-3
    )


# -- through the pipeline --------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"decoding": "argmax"},
        {"predict_scale": "training"},  # hints shrunk with the image
        {"refine": True, "fade": 1e-3},
    ],
)
def test_compiled_path_matches_reference(model, photo, params):
    fitted = pickle.loads(pickle.dumps(model)).set_params(**params)
    if params.get("predict_scale") == "training":
        fitted.training_size_ = 40.0  # colorize the photograph at 40 x 40
    grey = to_grey([photo])
    hints = [_true_hints(photo, 12, seed=0)]
    fast = fitted.predict(grey, hints=hints)[0]
    with _fast_predict.disabled():
        reference = fitted.predict(grey, hints=hints)[0]
    np.testing.assert_allclose(fast, reference, atol=2e-4)


def test_hinted_pixels_get_the_hint_with_their_own_lightness(model, photo):
    mask, _ = _true_hints(photo, 20, seed=1)
    colours = np.zeros(photo.shape)
    colours[mask] = (0.8, 0.3, 0.2)  # an orange, whatever the truth is
    grey = to_grey([photo])
    out = model.predict(grey, hints=[(mask, colours)])[0]
    got = rgb_to_luv(out)
    np.testing.assert_allclose(
        got[mask, 0], grey_to_lightness(grey[0])[mask], atol=1e-6
    )
    wanted = rgb_to_luv(colours)[mask, 1:]
    # The orange's chroma, scaled towards grey (same hue) where it does not
    # fit in sRGB at the pixel's lightness.
    lightness = grey_to_lightness(grey[0])[mask]
    scale = gamut_scale(lightness, wanted[:, 0], wanted[:, 1])
    assert 0 < (scale < 1).mean() < 1  # both cases occur
    np.testing.assert_allclose(got[mask, 1:], wanted * scale[:, None], atol=1e-4)


def test_no_hints_is_the_plain_prediction(model, photo):
    grey = to_grey([photo])
    plain = model.predict(grey)
    np.testing.assert_array_equal(model.predict(grey, hints=None)[0], plain[0])
    np.testing.assert_array_equal(model.predict(grey, hints=[None])[0], plain[0])


def test_true_hints_bring_the_colours_closer(model):
    # Another photograph than the one the model was fit on.
    other = data.coffee()[::4, ::4]
    grey = to_grey([other])
    errors = [
        mean_ciede2000([other], model.predict(grey, hints=[_true_hints(other, n, 5)]))
        if n
        else mean_ciede2000([other], model.predict(grey))
        for n in (0, 5, 40)
    ]
    assert errors[0] > errors[1] > errors[2]


def test_colour_fills_its_region_and_stops_at_a_strong_edge(model):
    grey = np.full((60, 60), 0.6)
    grey[:, 30:] = 0.3  # a darker right half
    lightness = grey_to_lightness(grey)
    mask = np.zeros((60, 60), bool)
    mask[28:32, 5:9] = True
    wanted = np.array([30.0, -25.0])  # in sRGB's gamut at both lightnesses
    colours = luv_to_rgb(lightness, np.broadcast_to(wanted, (60, 60, 2)))
    chroma = rgb_to_luv(model.predict([grey], hints=[(mask, colours)])[0])[..., 1:]
    left = np.linalg.norm(chroma[:, :28] - wanted, axis=-1)
    right = np.linalg.norm(chroma[:, 32:] - wanted, axis=-1)
    assert left.max() < 2  # the whole smooth region takes the hint
    assert right.min() > 10  # across the edge it does not


def test_refine_with_a_large_fade_goes_grey(model, photo):
    grey = to_grey([photo])
    faded = model.set_params(refine=True, fade=1e3).predict(grey)[0]
    model.set_params(refine=False, fade=1e-4)
    assert np.abs(rgb_to_luv(faded)[..., 1:]).max() < 0.1


def test_parallel_tasks_carry_each_images_hints(model, photo):
    photos = [photo, photo[:100, :90], photo[20:, 10:], photo[:64, :64]]
    greys = to_grey(photos)
    hints = [
        _true_hints(p, 6, seed=k) if k != 1 else None for k, p in enumerate(photos)
    ]
    serial = model.predict(greys, hints=hints)
    parallel = pickle.loads(pickle.dumps(model)).set_params(n_jobs=2)
    for a, b in zip(serial, parallel.predict(greys, hints=hints)):
        np.testing.assert_allclose(a, b, atol=1e-12)


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"refine": "yes"}, TypeError, "refine must be True or False"),
        ({"fade": -1.0}, ValueError, "fade"),
        ({"smoothness": -0.5}, ValueError, "smoothness"),
    ],
)
def test_bad_steering_parameters_are_refused(model, photo, params, error, message):
    bad = pickle.loads(pickle.dumps(model)).set_params(**params)
    with pytest.raises(error, match=message):
        bad.predict(to_grey([photo]))


def test_hints_on_a_reference_fit_that_colorizes_at_a_smaller_scale():
    # fit_reference's recipe shrinks the reference and colorizes at that
    # scale: the hints are brought to it, and every hinted pixel still ends
    # with its hint's chroma (and its own lightness) at full size.
    from somcolor import fit_reference

    left, right, _ = data.stereo_motorcycle()
    model = fit_reference([left[::2, ::2]], random_state=0)
    grey = to_grey([right[::2, ::2]])
    assert model.max_training_size < max(grey[0].shape)
    mask = np.zeros(grey[0].shape, bool)
    mask[40:60, 100:130] = True
    colours = np.zeros(grey[0].shape + (3,))
    colours[mask] = (0.2, 0.35, 0.8)  # a blue, whatever the truth is
    out = model.predict(grey, hints=[(mask, colours)])[0]
    got = rgb_to_luv(out)
    lightness = grey_to_lightness(grey[0])
    # (the compiled conversion's sRGB is within 1e-6 of the formula's; near
    # black that is a few 1e-4 of L)
    np.testing.assert_allclose(got[..., 0], lightness, atol=1e-3)
    wanted = rgb_to_luv(colours)[mask, 1:]
    scale = gamut_scale(lightness[mask], wanted[:, 0], wanted[:, 1])
    np.testing.assert_allclose(got[mask, 1:], wanted * scale[:, None], atol=1e-3)
    # The blue spreads beyond the marks, which the plain prediction lacks.
    plain = rgb_to_luv(model.predict(grey)[0])
    ring = np.zeros_like(mask)
    ring[35:65, 95:135] = True
    ring &= ~mask
    hue = np.array([-0.4, -1.0]) / np.hypot(0.4, 1.0)  # blue's (U, V) direction
    assert (got[ring, 1:] @ hue).mean() > (plain[ring, 1:] @ hue).mean() + 5
