"""End-to-end checks on the Open Country images (need SOMCOLOR_SCENE8)."""

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, gray2rgb, rgb2lab, rgb2luv
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, to_grey
from somcolor.color import grey_to_lightness, luv_to_rgb

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = [pytest.mark.scene8, pytest.mark.slow, *SMALL_FITS]


def _mean_ciede2000(truths, guesses):
    deltas = [
        deltaE_ciede2000(rgb2lab(t / 255.0), rgb2lab(g)).ravel()
        for t, g in zip(truths, guesses)
    ]
    return float(np.concatenate(deltas).mean())


def test_default_pipeline_beats_grey_and_mean_chroma(
    opencountry_train, opencountry_test
):
    model = ColorizerPipeline(random_state=0).fit(opencountry_train.images)
    assert model.n_training_pixels_ == 2500 * len(opencountry_train.images)
    test = opencountry_test.images
    grey = to_grey(test)
    ours = _mean_ciede2000(test, model.predict(grey))
    assert ours == pytest.approx(-model.score(test))

    grey_baseline = _mean_ciede2000(test, [gray2rgb(g) for g in grey])
    mean_uv = np.concatenate(
        [rgb2luv(im)[..., 1:].reshape(-1, 2) for im in opencountry_train.images]
    ).mean(axis=0)
    mean_chroma = _mean_ciede2000(
        test,
        [
            luv_to_rgb(grey_to_lightness(g), np.broadcast_to(mean_uv, g.shape + (2,)))
            for g in grey
        ],
    )
    assert ours < grey_baseline
    assert ours < mean_chroma


def test_grid_search_over_patch_and_som_sizes(opencountry_train):
    images = opencountry_train.images[:36]
    model = ColorizerPipeline(
        classifier=MLPClassifier((50, 50), max_iter=20, random_state=0),
        pixels_per_image=400,
        random_state=0,
    )
    grid = GridSearchCV(
        model,
        {
            "extractor__patch_size": [3, 5],
            "quantizer__n_rows": [3, 5],
            "quantizer__n_cols": [3, 5],
        },
        cv=3,
    ).fit(images)
    best = grid.best_estimator_
    assert best.extractor_.patch_size == grid.best_params_["extractor__patch_size"]
    assert best.codebook_.shape[0] == (
        grid.best_params_["quantizer__n_rows"] * grid.best_params_["quantizer__n_cols"]
    )
    assert len(grid.cv_results_["params"]) == 8
    scores = cross_val_score(model, images, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
