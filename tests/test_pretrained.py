"""Shipped models: the version-independent form, loading, their cards."""

import os
import warnings

import numpy as np
import pytest
import skops.io as sio
from joblib import Parallel, delayed
from skimage import data as skdata
from skimage.color import deltaE_ciede2000, rgb2lab
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from somcolor import (
    ColorizerPipeline,
    PatchExtractor,
    SOMQuantizer,
    _fast_predict,
    load_pretrained,
    to_grey,
)
from somcolor.metrics import colourfulness
from somcolor.pretrained import (
    MODELS,
    available,
    from_portable,
    model_card,
    resolve_model,
    to_portable,
)

# The fixture and the round-trip test fit small models on purpose (to be
# quick): somcolor's warning that such a model is poor is expected here
# (tests/test_warnings.py checks it).
pytestmark = pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning")


@pytest.fixture(scope="module")
def fitted(small_rgb_images):
    model = ColorizerPipeline(
        SOMQuantizer(4, 4),
        PatchExtractor(3, context=(4, 8), texture=3, position=True),
        pixels_per_image=400,
        random_state=0,
        decoding="soft",
        temperature=0.3,
        predict_scale="training",
    ).set_params(classifier__max_iter=5, classifier__hidden_layer_sizes=(12, 7))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(small_rgb_images[:3])


def test_portable_form_is_plain_and_rebuilds_the_same_model(
    fitted, small_rgb_images, tmp_path
):
    path = tmp_path / "portable.skops"
    sio.dump(to_portable(fitted), path)
    assert sio.get_untrusted_types(file=path) == []
    rebuilt = from_portable(sio.load(path, trusted=[]))
    assert rebuilt.get_params()["extractor__context"] == (4, 8)
    assert rebuilt.classifier_.coefs_[0].dtype == np.float32
    greys = to_grey(small_rgb_images[3:])
    for a, b in zip(fitted.predict(greys), rebuilt.predict(greys)):
        np.testing.assert_array_equal(a, b)
    with _fast_predict.disabled():  # scikit-learn's own predict_proba too
        for a, b in zip(fitted.predict(greys), rebuilt.predict(greys)):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        rebuilt.quantizer_.predict(fitted.codebook_), np.arange(16)
    )
    # A rebuilt model is an ordinary estimator: it clones and refits.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        refit = clone(rebuilt).fit(small_rgb_images[:2])
    assert refit.codebook_.shape == (16, 2)


def test_portable_form_ignores_parameters_this_version_lacks(fitted):
    data = to_portable(fitted)
    data["classifier"]["params"]["from_a_future_release"] = 1
    data["pipeline"]["also_new"] = "x"
    assert from_portable(data).predict_labels([np.zeros((4, 4))])[0].shape == (4, 4)


def test_only_somcolors_own_components_are_portable(small_model):
    from sklearn.neighbors import KNeighborsClassifier

    model = clone(small_model)
    model.__dict__.update(small_model.__dict__)
    model.classifier_ = KNeighborsClassifier()
    with pytest.raises(TypeError, match="MLPClassifier"):
        to_portable(model)


def test_unknown_names_are_refused_with_the_list():
    with pytest.raises(ValueError, match="photos, landscapes, opencountry"):
        load_pretrained("portraits")
    with pytest.raises(FileNotFoundError, match="not the name of a shipped model"):
        resolve_model("portraits")


@pytest.mark.parametrize(
    "wrong, right",
    [
        ("photo", "photos"),
        ("Photos", "photos"),
        ("landscape", "landscapes"),
        ("open-country", "opencountry"),
    ],
)
def test_a_misspelt_name_gets_a_suggestion(wrong, right):
    suggestion = f"; did you mean '{right}'?"
    with pytest.raises(FileNotFoundError) as info:
        resolve_model(wrong)
    assert str(info.value).endswith(suggestion)
    with pytest.raises(ValueError) as info:
        load_pretrained(wrong)
    assert str(info.value).endswith(suggestion)


def test_no_suggestion_for_a_file_name_or_a_name_far_from_any():
    for name in ("portraits", "photos.skops", "models/photo"):
        with pytest.raises(FileNotFoundError) as info:
            resolve_model(name)
        assert "did you mean" not in str(info.value)
        assert str(info.value).endswith("(photos, landscapes, opencountry).")


def test_resolve_model(small_model, tmp_path, monkeypatch):
    import somcolor

    assert resolve_model(small_model) is small_model
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileNotFoundError, match="is a folder"):
        resolve_model("folder")
    # A file named like a shipped model is read as the file.
    somcolor.save(small_model, tmp_path / "photos")
    np.testing.assert_array_equal(
        resolve_model("photos").codebook_, small_model.codebook_
    )
    assert isinstance(resolve_model("landscapes"), ColorizerPipeline)


@pytest.mark.parametrize("name", available())
def test_shipped_models_load_and_colorize(name):
    assert name in MODELS
    path = os.path.join(os.path.dirname(__import__("somcolor").__file__), "pretrained")
    file = os.path.join(path, f"{name}.skops")
    assert os.path.getsize(file) <= 5 * 2**20
    assert sio.get_untrusted_types(file=file) == []
    model = load_pretrained(name)
    assert isinstance(model, ColorizerPipeline)
    assert model._fast_path_applicable()
    assert load_pretrained(name) is not model  # a new object each time
    rocket = skdata.rocket()
    colour = model.predict(to_grey([rocket]))[0]
    assert colour.shape == rocket.shape and colour.min() >= 0 and colour.max() <= 1
    card = model_card(name)
    assert card["description"] == MODELS[name]
    for key in ("data", "configuration", "command", "fit_seconds", "scores"):
        assert key in card


def _delta_e(lab, rgb):
    return deltaE_ciede2000(lab, rgb2lab(rgb)).mean()


@pytest.fixture(scope="module")
def judged_bsds500(bsds500_test):
    """The BSDS500 test photographs, their grey versions, CIELAB and grey's error."""
    images = bsds500_test.images
    greys = to_grey(images)
    lab = Parallel(n_jobs=2)(delayed(rgb2lab)(image) for image in images)
    grey_delta = np.array(
        Parallel(n_jobs=2)(
            delayed(_delta_e)(t, np.dstack([g] * 3)) for t, g in zip(lab, greys)
        )
    )
    return images, greys, lab, grey_delta


@pytest.mark.slow  # colorizes 200 photographs per model
@pytest.mark.parametrize("name", available())
def test_shipped_models_score_what_their_cards_say_on_bsds500(name, judged_bsds500):
    # The figures of somcolor.metrics.evaluate (the card's), computed here with
    # the same scikit-image functions, per image.
    images, greys, lab, grey_delta = judged_bsds500
    card = model_card(name)["scores"]["bsds500 test"]
    colours = load_pretrained(name).predict(greys)
    delta = np.array(
        Parallel(n_jobs=2)(delayed(_delta_e)(t, c) for t, c in zip(lab, colours))
    )
    ratio = colourfulness(colours).mean() / colourfulness(images).mean()
    # To the digits the card shows (two decimals; whole percent).
    assert round(delta.mean(), 2) == card["model"]["ciede2000"]
    assert round(ratio, 2) == card["model"]["colourfulness_ratio"]
    better = round(100 * np.mean(delta < grey_delta))
    assert better == card["model"]["better_than_grey_percent"]
    assert round(grey_delta.mean(), 2) == card["grey"]["ciede2000"]
