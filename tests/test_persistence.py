"""Safe save/load with skops: round trip, refusal of unknown types, versions."""

import copy
import importlib.abc
import importlib.metadata
import os
import pickle
import sys
import zipfile

import joblib
import numpy as np
import pytest
import sklearn
import skops.io as sio
from sklearn.neural_network import MLPClassifier

import somcolor
from somcolor import ColorizerPipeline, load, save, to_grey
from somcolor.persistence import (
    IncompatibleVersionError,
    ModelFileError,
    UntrustedTypeError,
)

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = SMALL_FITS


@pytest.fixture(scope="module")
def fitted(small_rgb_images):
    return ColorizerPipeline(pixels_per_image=300, random_state=0).fit(
        small_rgb_images[:3]
    )


def test_round_trip_predicts_identically(fitted, small_rgb_images, tmp_path):
    path = save(fitted, tmp_path / "model.skops")
    assert zipfile.is_zipfile(path)
    loaded = load(path)
    assert type(loaded) is ColorizerPipeline
    grey = to_grey(small_rgb_images[3:])
    for a, b in zip(loaded.predict(grey), fitted.predict(grey)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.codebook_, fitted.codebook_)
    assert loaded.get_params()["pixels_per_image"] == 300
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left


class TaggedMLP(MLPClassifier):
    """A classifier type that is not on the allow-list."""


def test_refuses_unknown_types_before_building_them(fitted, small_rgb_images, tmp_path):
    # A file that smuggles a callable in (here os.system) is refused.
    rigged = copy.deepcopy(fitted)
    rigged.hook_ = os.system
    path = save(rigged, tmp_path / "rigged.skops")
    with pytest.raises(UntrustedTypeError, match="system"):
        load(path)

    # So is a classifier of a type somcolor does not know; the user can
    # trust it explicitly.
    custom = ColorizerPipeline(
        classifier=TaggedMLP(hidden_layer_sizes=(4,), max_iter=20),
        pixels_per_image=200,
        random_state=0,
    ).fit(small_rgb_images[:2])
    path = save(custom, tmp_path / "custom.skops")
    with pytest.raises(UntrustedTypeError, match="TaggedMLP") as caught:
        load(path)
    name = str(caught.value).split("trusted: ")[1].split(". Load")[0]
    assert isinstance(load(path, trusted=[name]).classifier_, TaggedMLP)


def test_refuses_incompatible_version(fitted, tmp_path, monkeypatch):
    monkeypatch.setattr(somcolor.persistence, "__version__", "9.3.0")
    path = save(fitted, tmp_path / "future.skops")
    monkeypatch.undo()
    with pytest.raises(IncompatibleVersionError, match="written by somcolor 9.3.0"):
        load(path)


def test_refuses_corrupted_and_foreign_files(fitted, tmp_path):
    good = save(fitted, tmp_path / "good.skops").read_bytes()
    truncated = tmp_path / "truncated.skops"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelFileError, match="not a somcolor model file"):
        load(truncated)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(fitted))
    with pytest.raises(ModelFileError):
        load(pickled)
    foreign = tmp_path / "foreign.skops"
    sio.dump({"weights": np.arange(3)}, foreign)
    with pytest.raises(ModelFileError, match="not a somcolor model file"):
        load(foreign)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.skops")


@pytest.mark.parametrize(
    "name, dump",
    [
        ("model.pkl", lambda model, path: path.write_bytes(pickle.dumps(model))),
        ("model.bin", lambda model, path: path.write_bytes(pickle.dumps(model))),
        ("model.joblib", lambda model, path: joblib.dump(model, path, compress=3)),
        ("model.joblib", lambda model, path: joblib.dump(model, path)),
    ],
)
def test_a_pickle_given_as_model_says_how_pickles_load(fitted, tmp_path, name, dump):
    path = tmp_path / name
    dump(fitted, path)
    with pytest.raises(ModelFileError) as error:
        load(path)
    message = str(error.value)
    assert "pickle or joblib file" in message
    assert "pickle.load or joblib.load" in message and "somcolor.save" in message
    # What the message says works: the file loads with joblib (it reads both).
    assert np.array_equal(joblib.load(path).codebook_, fitted.codebook_)


def test_a_foreign_file_is_not_called_a_pickle(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a model")
    with pytest.raises(ModelFileError) as error:
        load(text)
    assert "pickle" not in str(error.value)


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_saved_model_gets_the_mode_the_umask_gives(fitted, tmp_path, umask, mask):
    expected = umask(mask)
    path = save(fitted, tmp_path / "model.skops")
    assert os.stat(path).st_mode & 0o777 == expected
    save(fitted, path)  # replacing it too
    assert os.stat(path).st_mode & 0o777 == expected
    assert [p.name for p in tmp_path.iterdir()] == ["model.skops"]


class _BrokenSkops(importlib.abc.MetaPathFinder):
    """Makes ``import skops.io`` fail as skops 0.10 does with scikit-learn 1.6."""

    def find_spec(self, name, path=None, target=None):
        if name == "skops.io":
            raise ImportError(
                "cannot import name 'Huber' from 'sklearn.linear_model._sgd_fast'"
            )
        return None


def test_broken_skops_is_reported_as_it_is(monkeypatch, tmp_path):
    monkeypatch.delitem(sys.modules, "skops.io")
    monkeypatch.setattr(sys, "meta_path", [_BrokenSkops(), *sys.meta_path])
    expected = (
        f"skops {importlib.metadata.version('skops')} failed to import with "
        f"scikit-learn {sklearn.__version__}: cannot import name 'Huber'"
    )
    with pytest.raises(ImportError, match=expected) as info:
        save(somcolor.PatchExtractor(), tmp_path / "model.skops")
    assert "not installed" not in str(info.value)
    assert "persist" not in str(info.value)  # no such extra
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ImportError, match=expected):
        load(tmp_path / "model.skops")


def test_missing_skops_is_reported_as_missing(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "skops.io", None)  # as if not installed
    with pytest.raises(ImportError, match="need skops, which is not installed"):
        save(somcolor.PatchExtractor(), tmp_path / "model.skops")
