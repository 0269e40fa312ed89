"""The warnings a fit gives: which, in whose words, and how often."""

import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, NotConvergedWarning, TrainingDataWarning
from somcolor._warnings import MIN_TRAINING_IMAGES, MIN_TRAINING_PIXELS


def _fit_recording(model, images):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(images)
    return caught


def test_tiny_data_and_the_epoch_limit_are_said_once_each(small_rgb_images):
    # 2 images (every pixel of each: fewer than pixels_per_image).
    model = ColorizerPipeline(
        classifier=MLPClassifier((8,), max_iter=3),
        pixels_per_image=2500,
        random_state=0,
    )
    caught = _fit_recording(model, small_rgb_images[:2])
    kinds = [type(w.message) for w in caught]
    assert kinds.count(TrainingDataWarning) == 1
    assert kinds.count(NotConvergedWarning) == 1
    assert len(caught) == 2  # nothing else: no raw ConvergenceWarning, no batch note
    assert {w.filename for w in caught} == {__file__}  # the line that called fit
    epochs, data = sorted((w.message for w in caught), key=lambda m: str(type(m)))
    assert data.n_images == 2 and data.n_pixels == model.n_training_pixels_
    assert "expect a poor model" in str(data)
    assert epochs.max_iter == 3 and "its limit of 3 epochs" in str(epochs)
    assert isinstance(epochs, ConvergenceWarning)  # sklearn users' filters apply


def test_enough_data_and_a_converged_fit_say_nothing():
    from skimage import data
    from skimage.transform import resize

    per_image = -(-MIN_TRAINING_PIXELS // MIN_TRAINING_IMAGES)
    side = int(np.ceil(np.sqrt(per_image)))
    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    images = [resize(photos[k % 4], (side, side)) for k in range(MIN_TRAINING_IMAGES)]
    model = ColorizerPipeline(
        classifier=MLPClassifier((4,), max_iter=200, tol=0.5, n_iter_no_change=1),
        pixels_per_image=per_image,
        random_state=0,
    )
    assert _fit_recording(model, images) == []
    assert model.classifier_.n_iter_ < 200
    assert model.n_training_pixels_ >= MIN_TRAINING_PIXELS


@pytest.mark.slow  # many fits
def test_a_grid_search_says_each_warning_once(tmp_path):
    # As a user runs it: default warning filters, a script, stderr.
    script = tmp_path / "search.py"
    script.write_text(
        textwrap.dedent(
            """
            from skimage import data
            from skimage.transform import rescale
            from sklearn.model_selection import GridSearchCV
            from sklearn.neural_network import MLPClassifier
            from somcolor import ColorizerPipeline

            photos = [data.astronaut(), data.coffee(), data.chelsea()]
            images = [rescale(p, 1 / 8, channel_axis=-1) for p in photos]
            model = ColorizerPipeline(
                classifier=MLPClassifier((8,), max_iter=2),
                pixels_per_image=300,
                random_state=0,
            )
            grid = {"extractor__patch_size": [3, 5], "quantizer__n_rows": [2, 3]}
            GridSearchCV(model, grid, cv=3).fit(images)  # 12 fits, 1 refit
            """
        )
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    err = result.stderr
    # Once for the 12 fits on two images (600 pixels), once for the refit
    # on all three (900 pixels).
    for category in ("NotConvergedWarning", "TrainingDataWarning"):
        said = [line for line in err.splitlines() if category in line]
        assert len(said) == 2, err
        assert "600 training pixels" in said[0] and "900 training pixels" in said[1]
    assert "Stochastic Optimizer" not in err and "batch_size" not in err


def test_other_warnings_of_the_classifier_pass_through(small_rgb_images):
    class Noisy(MLPClassifier):
        def fit(self, X, y, **params):
            warnings.warn("a note of the classifier's own", RuntimeWarning, 2)
            return super().fit(X, y, **params)

    model = ColorizerPipeline(
        classifier=Noisy((4,), max_iter=300, tol=0.5, n_iter_no_change=1),
        pixels_per_image=300,
        random_state=0,
    )
    with pytest.warns(RuntimeWarning, match="of the classifier's own"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TrainingDataWarning)
            model.fit(small_rgb_images)
