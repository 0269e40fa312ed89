"""somcolor.metrics: known values on tiny arrays, and evaluate()."""

import numpy as np
import pytest
from skimage import color as skcolor
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, to_grey
from somcolor.metrics import (
    colourfulness,
    colourfulness_ratio,
    evaluate,
    grey_reference,
    mean_chroma_reference,
    mean_ciede2000,
    oracle_labels,
    oracle_reference,
    per_image_ciede2000,
    pixel_accuracy,
    psnr,
)

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = SMALL_FITS


def test_pixel_accuracy_counts_over_all_images():
    truth = [np.array([[0, 1], [2, 3]]), np.array([[1, 1, 1]])]
    guess = [np.array([[0, 0], [2, 0]]), np.array([[1, 0, 1]])]
    # 2 of 4 right in the first image, 2 of 3 in the second: 4 of 7.
    assert pixel_accuracy(truth, guess) == pytest.approx(4 / 7)
    with pytest.raises(ValueError):
        pixel_accuracy([np.zeros(3)], [np.zeros(4)])


def test_mean_ciede2000_identical_is_zero_and_grey_pair_is_lightness_gap():
    rng = np.random.default_rng(0)
    image = rng.random((1, 3, 4, 3))
    assert mean_ciede2000(image, image) == pytest.approx(0.0, abs=1e-9)
    # Two greys: CIEDE2000 of a pure lightness difference is
    # dL / S_L with S_L = 1 + 0.015 (Lm - 50)^2 / sqrt(20 + (Lm - 50)^2).
    a, b = np.full((1, 1, 1, 3), 0.2), np.full((1, 1, 1, 3), 0.6)
    La = skcolor.rgb2lab(a[0])[0, 0, 0]
    Lb = skcolor.rgb2lab(b[0])[0, 0, 0]
    Lm = (La + Lb) / 2
    s_l = 1 + 0.015 * (Lm - 50) ** 2 / np.sqrt(20 + (Lm - 50) ** 2)
    assert mean_ciede2000(a, b) == pytest.approx(abs(Lb - La) / s_l, rel=1e-6)


def test_mean_ciede2000_is_pixel_weighted_and_accepts_uint8():
    big_same = np.zeros((3, 1, 3), np.uint8)
    small_diff_a = np.zeros((1, 1, 3), np.uint8)
    small_diff_b = np.full((1, 1, 3), 255, np.uint8)
    # 3 pixels at 0 and 1 pixel at 100 (black to white): mean 25.
    value = mean_ciede2000([big_same, small_diff_a], [big_same, small_diff_b])
    assert value == pytest.approx(25.0, abs=1e-6)


def test_colourfulness_known_values():
    grey = np.full((1, 4, 4, 3), 0.5)
    assert colourfulness(grey)[0] == pytest.approx(0.0)
    # Half pure red, half pure blue (uint8): rg = 255 or 0, yb = 127.5 or -255.
    image = np.zeros((1, 2, 2, 3), np.uint8)
    image[0, 0, :, 0] = 255
    image[0, 1, :, 2] = 255
    rg = np.array([255.0, 255, 0, 0])
    yb = np.array([127.5, 127.5, -255, -255])
    expected = np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())
    assert colourfulness(image)[0] == pytest.approx(expected)
    # Float and uint8 inputs agree.
    assert colourfulness(image / 255.0)[0] == pytest.approx(expected)


def test_colourfulness_ratio_is_ratio_of_means():
    a = np.zeros((2, 2, 2, 3))
    a[0, ..., 0] = 1.0  # colourfulness 0.3 * hypot(255, 127.5)
    b = a.copy()
    b[0, ..., 0] = 0.5
    # Second images are grey in both: ratio of means = ratio of first images.
    assert colourfulness_ratio(a, b) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        colourfulness_ratio(a, b[:1])


def test_psnr_known_value_and_identity():
    a = np.zeros((1, 2, 2, 3))
    b = a.copy()
    b[0, 0, 0, :] = 1.0  # 3 of 12 values off by 1: MSE 0.25
    assert psnr(a, b) == pytest.approx(10 * np.log10(4))
    assert psnr(a, a) == np.inf


def test_reference_colorizations_keep_lightness():
    rng = np.random.default_rng(1)
    grey = [rng.random((5, 6))]
    L = skcolor.rgb2luv(np.stack([grey[0]] * 3, axis=-1))[..., 0]
    g = grey_reference(grey)[0]
    np.testing.assert_allclose(g[..., 0], grey[0])
    np.testing.assert_allclose(g[..., 2], grey[0])
    m = mean_chroma_reference(grey, [20.0, 10.0])[0]
    luv = skcolor.rgb2luv(m)
    np.testing.assert_allclose(luv[..., 0], L, atol=1e-3)
    # Dark or light pixels may have the chroma scaled into the gamut, but the
    # hue (U : V) is that of the mean chroma.
    keep = np.hypot(luv[..., 1], luv[..., 2]) > 1
    np.testing.assert_allclose(luv[keep, 1], 2 * luv[keep, 2], rtol=1e-3, atol=1e-3)


class _FakeModel:
    """A 'fitted model' with a known codebook, for the oracle."""

    codebook_ = np.array([[0.0, 0.0], [60.0, 30.0], [-30.0, 20.0]])


def test_oracle_snaps_true_chroma_to_nearest_unit():
    luv = np.zeros((1, 3, 3))
    luv[..., 0] = 60.0
    luv[0, 0, 1:] = [55.0, 25.0]  # nearest: unit 1
    luv[0, 1, 1:] = [-25.0, 15.0]  # nearest: unit 2
    luv[0, 2, 1:] = [2.0, -1.0]  # nearest: unit 0
    rgb = skcolor.luv2rgb(luv)
    labels = oracle_labels(_FakeModel(), [rgb])[0]
    np.testing.assert_array_equal(labels, [[1, 2, 0]])
    snapped = skcolor.rgb2luv(oracle_reference(_FakeModel(), [rgb])[0])
    np.testing.assert_allclose(snapped[0, :, 0], 60.0, atol=1e-3)
    np.testing.assert_allclose(snapped[0, 2, 1:], 0.0, atol=1e-3)
    np.testing.assert_allclose(snapped[0, 0, 1:], [60.0, 30.0], atol=1e-2)


def test_evaluate_rows_match_the_metric_functions(small_rgb_images):
    model = ColorizerPipeline(
        classifier=MLPClassifier((20,), max_iter=30, random_state=0),
        pixels_per_image=300,
        random_state=0,
    ).fit(small_rgb_images[:3])
    test = small_rgb_images[3:]
    table = evaluate(model, test)
    assert table.methods == ["model", "grey", "mean chroma", "oracle"]
    assert table.n_images == len(test)
    grey = to_grey(test)
    colour = model.predict(grey)
    assert table.mean_ciede2000[0] == pytest.approx(mean_ciede2000(test, colour))
    assert table.mean_ciede2000[0] == pytest.approx(-model.score(test))
    assert table.colourfulness_ratio[1] == pytest.approx(0.0, abs=1e-9)
    assert table.mean_ciede2000[1] == pytest.approx(
        mean_ciede2000(test, grey_reference(grey))
    )
    truth = oracle_labels(model, test)
    assert table.pixel_accuracy[0] == pytest.approx(
        pixel_accuracy(truth, model.predict_labels(grey))
    )
    assert table.pixel_accuracy[3] == 1.0
    assert np.isnan(table.pixel_accuracy[1]) and np.isnan(table.pixel_accuracy[2])
    # The oracle is the best colorization with this codebook.
    assert table.mean_ciede2000[3] < table.mean_ciede2000[1]
    # Better than grey: counted image by image.
    per_image = per_image_ciede2000(test, colour)
    grey_per_image = per_image_ciede2000(test, grey_reference(grey))
    assert table.better_than_grey[0] == np.mean(per_image < grey_per_image)
    assert np.isnan(table.better_than_grey[1])
    assert table.better_than_grey[3] == 1.0
    np.testing.assert_allclose(
        np.average(per_image, weights=[im.shape[0] * im.shape[1] for im in test]),
        table.mean_ciede2000[0],
    )
    assert set(table.as_dict()) == {
        "methods",
        "mean_ciede2000",
        "colourfulness_ratio",
        "psnr",
        "pixel_accuracy",
        "better_than_grey",
    }
    assert table.to_markdown().count("\n") == 5
