"""ColorizerPipeline: the image-level estimator contract and behaviour."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from skimage import color as skcolor
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
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

FAST = dict(classifier=MLPClassifier((20,), max_iter=30, random_state=0))


@pytest.fixture(scope="module")
def fitted(small_rgb_images):
    return ColorizerPipeline(pixels_per_image=300, random_state=0, **FAST).fit(
        small_rgb_images
    )


def test_defaults_are_the_papers():
    params = ColorizerPipeline().get_params()
    assert params["quantizer__n_rows"] == 3 and params["quantizer__n_cols"] == 3
    assert params["extractor__patch_size"] == 3
    assert params["classifier__hidden_layer_sizes"] == (50, 50)
    assert params["classifier__learning_rate_init"] == 0.001
    assert params["classifier__activation"] == "relu"
    assert params["pixels_per_image"] == 2500


def test_fit_attributes(fitted, small_rgb_images):
    assert isinstance(fitted.quantizer_, SOMQuantizer)
    assert isinstance(fitted.extractor_, PatchExtractor)
    assert fitted.codebook_.shape == (9, 2)
    assert fitted.n_training_pixels_ == 300 * len(small_rgb_images)
    assert fitted.classifier_.n_features_in_ == 9


def test_predict_shapes_range_and_lightness(fitted, small_rgb_images):
    grey = to_grey(small_rgb_images)
    out = fitted.predict(grey)
    assert isinstance(out, list) and len(out) == len(grey)
    for g, rgb in zip(grey, out):
        assert rgb.shape == g.shape + (3,)
        assert rgb.min() >= 0 and rgb.max() <= 1
        # Every pixel keeps its L.
        L_out = skcolor.rgb2luv(rgb)[..., 0]
        L_in = skcolor.rgb2luv(np.stack([g] * 3, axis=-1))[..., 0]
        np.testing.assert_allclose(L_out, L_in, atol=1e-3)


def test_predict_uses_codebook_colours(fitted, small_rgb_images):
    grey = to_grey(small_rgb_images[:1])
    labels = fitted.predict_labels(grey)[0]
    rgb = fitted.predict(grey)[0]
    uv = skcolor.rgb2luv(rgb)[..., 1:]
    # Chroma is the class's codebook colour, or a scaled-down copy of it
    # where that colour is outside the gamut at the pixel's L.
    target = fitted.codebook_[labels]
    cross = uv[..., 0] * target[..., 1] - uv[..., 1] * target[..., 0]
    assert np.abs(cross).max() < 1e-2 * np.abs(target).max() ** 2
    assert np.all(np.linalg.norm(uv, axis=-1) <= np.linalg.norm(target, axis=-1) + 1e-3)


def test_array_in_array_out(small_rgb_images):
    stack = np.stack([im[:36, :36] for im in small_rgb_images])
    model = ColorizerPipeline(pixels_per_image=200, random_state=0, **FAST).fit(stack)
    out = model.predict(to_grey(stack))
    assert isinstance(out, np.ndarray) and out.shape == stack.shape
    assert model.predict_labels(to_grey(stack)).shape == stack.shape[:3]


def test_uint8_and_float_grey_agree(fitted, small_rgb_images):
    grey8 = (to_grey(small_rgb_images[:1])[0] * 255).round().astype(np.uint8)
    a = fitted.predict([grey8])[0]
    b = fitted.predict([grey8 / 255.0])[0]
    np.testing.assert_array_equal(a, b)


def test_odd_sizes_are_colorized_whole(fitted):
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (1, 17), (9, 1), (2, 3), (31, 7)]:
        out = fitted.predict([rng.random(shape)])[0]
        assert out.shape == shape + (3,)


def test_valid_extractor_trains_inside_and_predicts_everywhere(small_rgb_images):
    model = ColorizerPipeline(
        extractor=PatchExtractor(5, padding="valid"),
        pixels_per_image=100,
        random_state=0,
        **FAST,
    ).fit(small_rgb_images)
    out = model.predict(to_grey(small_rgb_images[:1]))[0]
    assert out.shape == small_rgb_images[0].shape


def test_score_is_minus_mean_ciede2000(fitted, small_rgb_images):
    images = small_rgb_images[:2]
    predicted = fitted.predict(to_grey(images))
    deltas = np.concatenate(
        [
            skcolor.deltaE_ciede2000(
                skcolor.rgb2lab(t / 255.0), skcolor.rgb2lab(p)
            ).ravel()
            for t, p in zip(images, predicted)
        ]
    )
    assert fitted.score(images) == pytest.approx(-deltas.mean())


def test_same_random_state_same_model_and_output(small_rgb_images):
    grey = to_grey(small_rgb_images[:2])
    a = ColorizerPipeline(pixels_per_image=300, random_state=7).fit(small_rgb_images)
    b = ColorizerPipeline(pixels_per_image=300, random_state=7).fit(small_rgb_images)
    np.testing.assert_array_equal(a.codebook_, b.codebook_)
    for wa, wb in zip(a.classifier_.coefs_, b.classifier_.coefs_):
        np.testing.assert_array_equal(wa, wb)
    for x, y in zip(a.predict(grey), b.predict(grey)):
        np.testing.assert_array_equal(x, y)


def test_nested_params_on_default_components():
    model = ColorizerPipeline()
    model.set_params(
        quantizer__n_rows=5,
        extractor__patch_size=5,
        classifier__hidden_layer_sizes=(10,),
    )
    assert model.quantizer.n_rows == 5 and model.quantizer.n_cols == 3
    assert model.extractor.patch_size == 5
    assert model.classifier.hidden_layer_sizes == (10,)
    copy = clone(model)
    assert copy.get_params()["quantizer__n_rows"] == 5
    assert copy.quantizer is not model.quantizer
    # Setting a component and its parameter together.
    other = ColorizerPipeline().set_params(
        quantizer=SOMQuantizer(2, 2), quantizer__n_cols=4
    )
    assert (other.quantizer.n_rows, other.quantizer.n_cols) == (2, 4)


def test_clone_leaves_unfitted_and_does_not_share(fitted):
    copy = clone(fitted)
    assert not hasattr(copy, "classifier_")
    assert copy.get_params()["pixels_per_image"] == 300


def test_not_fitted():
    with pytest.raises(NotFittedError):
        ColorizerPipeline().predict([np.zeros((4, 4))])


@pytest.mark.slow  # a new process
def test_pickle_and_joblib_in_new_process(fitted, small_rgb_images, tmp_path):
    grey = to_grey(small_rgb_images)
    expected = fitted.predict(grey)
    pickle_path = tmp_path / "model.pkl"
    joblib_path = tmp_path / "model.joblib"
    data_path = tmp_path / "grey.npz"
    pickle_path.write_bytes(pickle.dumps(fitted))
    joblib.dump(fitted, joblib_path)
    np.savez(data_path, *grey)
    code = f"""
import pickle, joblib, numpy as np, sys
data = np.load({str(data_path)!r})
grey = [data[k] for k in sorted(data.files, key=lambda k: int(k.split('_')[1]))]
a = pickle.loads(open({str(pickle_path)!r}, 'rb').read()).predict(grey)
b = joblib.load({str(joblib_path)!r}).predict(grey)
np.savez({str(tmp_path / "out_a.npz")!r}, *a)
np.savez({str(tmp_path / "out_b.npz")!r}, *b)
"""
    subprocess.run([sys.executable, "-c", code], check=True)
    for name in ("out_a.npz", "out_b.npz"):
        got = np.load(tmp_path / name)
        for k, exp in enumerate(expected):
            np.testing.assert_array_equal(got[f"arr_{k}"], exp)


@pytest.mark.slow  # many fits
def test_grid_search_and_cross_val_on_image_list(small_rgb_images):
    model = ColorizerPipeline(pixels_per_image=200, random_state=0, **FAST)
    grid = GridSearchCV(
        model,
        {"extractor__patch_size": [1, 3], "quantizer__n_rows": [2, 3]},
        cv=2,
    ).fit(small_rgb_images)
    assert set(grid.best_params_) == {"extractor__patch_size", "quantizer__n_rows"}
    assert hasattr(grid.best_estimator_, "classifier_")
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert np.all(grid.cv_results_["mean_test_score"] < 0)
    scores = cross_val_score(model, small_rgb_images, cv=2)
    assert scores.shape == (2,) and np.all(scores < 0)


@pytest.mark.parametrize(
    "images, error, match",
    [
        ([], ValueError, "at least 1"),
        (None, TypeError, "None"),
        ([np.zeros((4, 4))], ValueError, r"rgb_images\[0\] must be an RGB image"),
        ([np.zeros((4, 4, 3)), np.zeros((4, 4, 2))], ValueError, r"rgb_images\[1\]"),
        ([np.full((4, 4, 3), np.nan)], ValueError, "NaN"),
        ([np.full((4, 4, 3), 2.0)], ValueError, "outside"),
        ([np.zeros((4, 4, 3), np.int64)], TypeError, "dtype int64"),
        ([np.full((8, 8, 3), 0.5)], ValueError, "carry no colour"),
    ],
)
def test_fit_refuses_bad_images(images, error, match):
    with pytest.raises(error, match=match):
        ColorizerPipeline(pixels_per_image=10, **FAST).fit(images)


def test_predict_refuses_colour_and_bad_params(fitted):
    with pytest.raises(ValueError, match=r"grey_images\[0\] must be a grey image"):
        fitted.predict([np.zeros((4, 4, 3))])
    with pytest.raises(ValueError, match="pixels_per_image"):
        ColorizerPipeline(pixels_per_image=0).fit([np.zeros((4, 4, 3))])
    with pytest.raises(ValueError, match="patch_size"):
        ColorizerPipeline(extractor=PatchExtractor(4)).fit(
            [np.random.default_rng(0).random((8, 8, 3))]
        )
