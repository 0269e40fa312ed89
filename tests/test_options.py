"""ColorizerPipeline options beyond the paper: each changes the output as
documented, keeps the scikit-learn contract, and pickles."""

import pickle

import numpy as np
import pytest
from skimage import color as skcolor
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, PatchExtractor, SOMQuantizer, to_grey
from somcolor._options import annealed_mean, rebalance_weights, shrink
from somcolor.metrics import oracle_labels, pixel_accuracy

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


def _refit(model, images, **params):
    return clone(model).set_params(**params).fit(images)


def test_defaults_reproduce_the_paper():
    params = ColorizerPipeline().get_params()
    assert params["decoding"] == "argmax"
    assert params["rebalance"] is None
    assert params["predict_scale"] == "input"
    # The paper's features: the 3x3 patch alone.
    assert params["extractor__patch_size"] == 3
    assert params["extractor__context"] is None
    assert params["extractor__texture"] is None
    assert params["extractor__position"] is False


# -- helpers, against independent expectations ----------------------------


def test_annealed_mean_limits():
    colours = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 20.0]])
    proba = np.array([[0.5, 0.3, 0.2]])
    # T = 1: the expected colour.
    np.testing.assert_allclose(annealed_mean(proba, colours, 1.0), [[3.0, 4.0]])
    # T = 0.5: probabilities squared then renormalised.
    p = proba**2 / (proba**2).sum()
    np.testing.assert_allclose(annealed_mean(proba, colours, 0.5), p @ colours)
    # T -> 0: the most likely colour.
    np.testing.assert_allclose(
        annealed_mean(proba, colours, 1e-3), [[0.0, 0.0]], atol=1e-9
    )


def test_rebalance_weights_known_values():
    labels = np.array([0, 0, 0, 1])
    far = np.array([[0.0, 0.0], [1000.0, 0.0]])  # no smoothing between them
    # mix = 0: w ~ 1 / p, expected weight 1 -> each class carries half.
    w = rebalance_weights(labels, far, 0.0)
    np.testing.assert_allclose(w, [2 / 3, 2 / 3, 2 / 3, 2.0])
    # mix = 1: uniform prior, every weight 1.
    np.testing.assert_allclose(rebalance_weights(labels, far, 1.0), 1.0)
    # Identical colours: the smoothed prior is uniform, weights 1.
    same = np.zeros((2, 2))
    np.testing.assert_allclose(rebalance_weights(labels, same, 0.0), 1.0)


def test_shrink_averages_areas():
    image = np.arange(24.0).reshape(4, 6)
    # Integer factors: the mean of each block.
    np.testing.assert_allclose(
        shrink(image, (2, 3)), image.reshape(2, 2, 3, 2).mean(axis=(1, 3))
    )
    # Any factor: the mean is kept, and a constant stays constant.
    odd = np.random.default_rng(0).random((17, 29))
    small = shrink(odd, (5, 7))
    assert small.shape == (5, 7)
    np.testing.assert_allclose(small.mean(), odd.mean())
    np.testing.assert_allclose(shrink(np.full((13, 11), 0.3), (4, 5)), 0.3)
    # Output cells covering 1.5 input cells: [0, 1.5) and [1.5, 3).
    np.testing.assert_allclose(
        shrink(np.array([[0.0, 3.0, 6.0]]), (1, 2)),
        [[(1 * 0.0 + 0.5 * 3.0) / 1.5, (0.5 * 3.0 + 1 * 6.0) / 1.5]],
    )


# -- the options in the pipeline ------------------------------------------


def test_soft_decoding_gives_colours_between_codebook_entries(fitted, small_rgb_images):
    grey = to_grey(small_rgb_images[:2])
    hard = fitted.predict(grey)
    soft = clone(fitted).set_params(decoding="soft", temperature=1.0)
    # decoding only acts at predict time: same fitted parts.
    soft.__dict__.update({k: v for k, v in fitted.__dict__.items() if k[-1] == "_"})
    out = soft.predict(grey)
    assert not np.allclose(out[0], hard[0])
    # T = 1: chroma is predict_proba @ codebook where that colour is in gamut.
    L = skcolor.rgb2luv(np.stack([grey[0]] * 3, -1))[..., 0]
    patches = fitted._dense_features(L)
    expected = fitted.classifier_.predict_proba(patches) @ fitted.codebook_
    luv = skcolor.rgb2luv(out[0]).reshape(-1, 3)
    from somcolor.color import gamut_scale

    inside = gamut_scale(L.ravel(), expected[:, 0], expected[:, 1]) == 1
    assert inside.mean() > 0.5
    np.testing.assert_allclose(luv[inside, 1:], expected[inside], atol=1e-2)
    # A very low temperature is the argmax.
    cold = clone(soft).set_params(temperature=1e-4)
    cold.__dict__.update({k: v for k, v in fitted.__dict__.items() if k[-1] == "_"})
    # (except at near ties, where it mixes the tied colours).
    proba = np.sort(fitted.classifier_.predict_proba(patches), axis=1)
    clear = (proba[:, -1] > 1.01 * proba[:, -2]).reshape(L.shape)
    assert clear.mean() > 0.9
    np.testing.assert_allclose(cold.predict(grey)[0][clear], hard[0][clear], atol=1e-6)


class _RecordingMLP(MLPClassifier):
    """MLPClassifier that remembers the sample_weight it was fitted with."""

    def fit(self, X, y, sample_weight=None):
        self.seen_sample_weight_ = sample_weight
        return super().fit(X, y, sample_weight=sample_weight)


def test_rebalance_weights_the_training_patches(small_rgb_images):
    clf = _RecordingMLP((10,), max_iter=5, random_state=0)
    base = ColorizerPipeline(classifier=clf, pixels_per_image=200, random_state=0)
    plain = clone(base).fit(small_rgb_images)
    assert plain.classifier_.seen_sample_weight_ is None
    model = clone(base).set_params(rebalance=0.5).fit(small_rgb_images)
    w = model.classifier_.seen_sample_weight_
    labels = model.quantizer_.labels_
    np.testing.assert_allclose(
        w, rebalance_weights(labels, model.codebook_.astype(float), 0.5)
    )
    # The weighted class totals are flatter than the class counts.
    counts = np.bincount(labels)
    totals = np.bincount(labels, weights=w)
    assert totals.max() / totals.min() < counts.max() / counts.min()


def test_rebalance_needs_a_classifier_that_takes_sample_weight(small_rgb_images):
    # KNeighborsClassifier.fit has no sample_weight (nor had MLPClassifier.fit
    # before scikit-learn 1.7): refused before any work, naming the option.
    model = ColorizerPipeline(
        classifier=KNeighborsClassifier(3), rebalance=0.5, pixels_per_image=50
    )
    with pytest.raises(TypeError, match=r"rebalance=0.5 .*KNeighborsClassifier"):
        model.fit(small_rgb_images[:1])
    assert not hasattr(model, "classifier_")
    # rebalance=1 passes no weights, so any classifier will do.
    model.set_params(rebalance=1).fit(small_rgb_images[:1])
    assert model.classifier_.n_samples_fit_ == 50


def _two_halves(n_images, seed):
    """Same grey texture everywhere; top half one hue, bottom half another."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(n_images):
        luv = np.empty((16, 16, 3))
        luv[..., 0] = 55 + 10 * rng.random((16, 16))
        luv[:8, :, 1:] = [50.0, 30.0]  # orange
        luv[8:, :, 1:] = [-30.0, -30.0]  # blue
        images.append(np.clip(skcolor.luv2rgb(luv), 0, 1))
    return images


def test_position_features_let_the_model_use_where_a_pixel_is():
    train, test = _two_halves(6, 0), _two_halves(2, 1)
    clf = MLPClassifier((30,), max_iter=300, random_state=0)
    base = ColorizerPipeline(
        SOMQuantizer(1, 2), classifier=clf, pixels_per_image=256, random_state=0
    )
    blind = clone(base).fit(train)
    seeing = clone(base).set_params(extractor__position=True).fit(train)
    assert seeing.classifier_.n_features_in_ == 9 + 2
    grey = to_grey(test)
    acc_seeing = pixel_accuracy(
        oracle_labels(seeing, test), seeing.predict_labels(grey)
    )
    acc_blind = pixel_accuracy(oracle_labels(blind, test), blind.predict_labels(grey))
    assert acc_seeing > 0.9
    # Patches alone cannot tell the halves apart.
    assert acc_blind < 0.7


def test_context_adds_nine_features_and_changes_output(fitted, small_rgb_images):
    model = _refit(fitted, small_rgb_images, extractor__context=3)
    assert model.classifier_.n_features_in_ == 9 + 9
    both = _refit(
        fitted,
        small_rgb_images,
        extractor__context=(3, 6),
        extractor__texture=5,
        extractor__position=True,
    )
    assert both.classifier_.n_features_in_ == 9 + 18 + 1 + 2
    grey = to_grey(small_rgb_images[:1])
    assert not np.allclose(model.predict(grey)[0], fitted.predict(grey)[0])


def test_predict_scale_training(fitted, small_rgb_images):
    from skimage.transform import rescale

    model = clone(fitted).set_params(predict_scale="training")
    model.__dict__.update({k: v for k, v in fitted.__dict__.items() if k[-1] == "_"})
    sizes = [np.sqrt(im.shape[0] * im.shape[1]) for im in small_rgb_images]
    assert fitted.training_size_ == pytest.approx(np.median(sizes))
    grey = to_grey(small_rgb_images[:1])
    # At (or below) the training scale nothing changes.
    np.testing.assert_array_equal(model.predict(grey)[0], fitted.predict(grey)[0])
    big = [rescale(grey[0], 4, order=3).clip(0, 1)]
    out = model.predict(big)[0]
    assert out.shape == big[0].shape + (3,)
    L_in = skcolor.rgb2luv(np.stack([big[0]] * 3, -1))[..., 0]
    np.testing.assert_allclose(skcolor.rgb2luv(out)[..., 0], L_in, atol=1e-3)
    assert not np.allclose(out, fitted.predict(big)[0])

    # The chroma is an enlarged low-resolution map: smooth, so neighbouring
    # pixels differ in chroma less than the native prediction's do.
    def roughness(rgb):
        uv = skcolor.rgb2luv(rgb)[..., 1:]
        return np.abs(np.diff(uv, axis=1)).mean()

    assert roughness(out) < roughness(fitted.predict(big)[0])


@pytest.mark.parametrize(
    "params, match",
    [
        ({"decoding": "mean"}, "decoding"),
        ({"temperature": 0}, "temperature"),
        ({"rebalance": 1.5}, "rebalance"),
        ({"extractor": PatchExtractor(context=1)}, "context"),
        ({"predict_scale": "big"}, "predict_scale"),
    ],
)
def test_bad_options_are_refused_in_fit(small_rgb_images, params, match):
    with pytest.raises(ValueError, match=match):
        ColorizerPipeline(pixels_per_image=50, **FAST, **params).fit(
            small_rgb_images[:1]
        )


OPTIONS = dict(
    decoding="soft",
    temperature=0.5,
    rebalance=0.5,
    extractor__position=True,
    extractor__context=(3, 6),
    extractor__texture=4,
    predict_scale="training",
)


def test_options_clone_pickle_skops_and_grid_search(small_rgb_images, tmp_path):
    import somcolor

    model = ColorizerPipeline(pixels_per_image=200, random_state=0, **FAST)
    model.set_params(**OPTIONS)
    assert {k: model.get_params()[k] for k in OPTIONS} == OPTIONS
    assert clone(model).get_params()["extractor__context"] == (3, 6)
    model.fit(small_rgb_images[:3])
    # Determinism with a seed: the same fit twice gives the same model.
    twice = clone(model).fit(small_rgb_images[:3])
    for a, b in zip(model.classifier_.coefs_, twice.classifier_.coefs_):
        np.testing.assert_array_equal(a, b)
    grey = to_grey(small_rgb_images[3:])
    again = pickle.loads(pickle.dumps(model))
    somcolor.save(model, tmp_path / "options.skops")
    shared = somcolor.load(tmp_path / "options.skops")
    assert shared.get_params()["extractor__texture"] == 4
    for a, b, c in zip(model.predict(grey), again.predict(grey), shared.predict(grey)):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    search = GridSearchCV(
        ColorizerPipeline(pixels_per_image=100, random_state=0, **FAST),
        {"decoding": ["argmax", "soft"], "extractor__position": [False, True]},
        cv=2,
    ).fit(small_rgb_images[:3])
    assert search.best_params_["decoding"] in ("argmax", "soft")
    assert len(search.cv_results_["params"]) == 4


def test_predict_time_options_are_checked_at_predict(fitted, small_rgb_images):
    model = clone(fitted).set_params(decoding="mean")
    model.__dict__.update({k: v for k, v in fitted.__dict__.items() if k[-1] == "_"})
    with pytest.raises(ValueError, match="decoding"):
        model.predict(to_grey(small_rgb_images[:1]))


def test_rebalance_predicts_the_commonest_colour_less_often(small_rgb_images):
    base = ColorizerPipeline(pixels_per_image=300, random_state=0, **FAST)
    grey = to_grey(small_rgb_images)

    def shares(model):
        labels = np.concatenate([m.ravel() for m in model.predict_labels(grey)])
        return np.bincount(labels, minlength=len(model.codebook_)) / labels.size

    plain = shares(clone(base).fit(small_rgb_images))
    # Zhang et al.'s mix: the commonest predicted colour loses ground to the
    # others.
    mixed = shares(clone(base).set_params(rebalance=0.5).fit(small_rgb_images))
    assert mixed.max() < plain.max() - 0.05


def test_rebalance_one_is_no_rebalancing(small_rgb_images):
    labels = np.repeat(np.arange(4), [50, 30, 15, 5])
    codebook = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    # The uniform end of the mix: every sample weighs the same.
    np.testing.assert_allclose(rebalance_weights(labels, codebook, 1.0), 1.0)
    clf = _RecordingMLP((10,), max_iter=5, random_state=0)
    model = ColorizerPipeline(
        classifier=clf, pixels_per_image=200, random_state=0, rebalance=1.0
    ).fit(small_rgb_images)
    assert model.classifier_.seen_sample_weight_ is None
