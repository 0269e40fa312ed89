"""SOMQuantizer: scikit-learn's estimator checks, and its own behaviour."""

import pickle

import numpy as np
import pytest
from skimage.color import rgb2luv
from sklearn.utils.estimator_checks import parametrize_with_checks

from somcolor import SOMQuantizer, _reference
from somcolor.som import best_matching_units


# Every check runs; none had to be skipped.
@parametrize_with_checks(
    [SOMQuantizer(), SOMQuantizer(n_rows=2, n_cols=4, init="random")]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _blobs(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [5, 5], [-5, 5], [5, -5]], dtype=float)
    return centres[rng.integers(0, 4, n)] + rng.normal(scale=0.7, size=(n, 2))


def test_fitted_attributes():
    X = _blobs()
    som = SOMQuantizer(n_rows=2, n_cols=3, random_state=0).fit(X)
    assert som.codebook_.shape == (6, 2)
    assert som.labels_.shape == (len(X),)
    assert som.n_features_in_ == 2
    assert 1 <= som.n_iter_ <= som.n_epochs
    ref_labels, ref_sq = _reference.bmu_search(X, som.codebook_)
    np.testing.assert_array_equal(som.labels_, ref_labels)
    assert som.quantization_error_ == pytest.approx(np.sqrt(ref_sq).mean())
    assert 0.0 <= som.topographic_error_ <= 1.0


def test_predict_transform_score_agree():
    X = _blobs()
    som = SOMQuantizer(random_state=0).fit(X)
    D = som.transform(X)
    np.testing.assert_array_equal(som.predict(X), D.argmin(axis=1))
    assert som.score(X) == pytest.approx(-D.min(axis=1).mean())
    assert som.score(X) == pytest.approx(-som.quantization_error_)


def test_float32_stays_float32():
    X = _blobs().astype(np.float32)
    som = SOMQuantizer(random_state=0).fit(X)
    assert som.codebook_.dtype == np.float32
    assert som.transform(X).dtype == np.float32


def test_quantization_error_falls_with_map_size():
    X = _blobs(5000)
    errors = [
        SOMQuantizer(n, n, random_state=0).fit(X).quantization_error_
        for n in (1, 2, 3, 5)
    ]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    # One unit is the mean: its error is the mean distance to the centroid.
    assert errors[0] == pytest.approx(np.linalg.norm(X - X.mean(0), axis=1).mean())


def test_map_is_ordered_on_a_line():
    # Data along a line: a 1 x 8 map must lay its units out monotonically.
    x = np.linspace(0, 1, 2000)[:, None]
    som = SOMQuantizer(1, 8, random_state=0).fit(x)
    steps = np.diff(som.codebook_[:, 0])
    assert np.all(steps > 0) or np.all(steps < 0)
    assert som.topographic_error_ < 0.05


def test_pca_init_is_deterministic_random_init_is_seeded():
    X = _blobs()
    a = SOMQuantizer(random_state=None).fit(X).codebook_
    b = SOMQuantizer(random_state=None, max_samples=None).fit(X).codebook_
    np.testing.assert_array_equal(a, b)  # no subset drawn, PCA: no randomness
    r1 = SOMQuantizer(init="random", random_state=3).fit(X).codebook_
    r2 = SOMQuantizer(init="random", random_state=3).fit(X).codebook_
    np.testing.assert_array_equal(r1, r2)


def test_max_samples_subset_and_labels_on_all():
    X = _blobs(5000)
    som = SOMQuantizer(max_samples=500, random_state=0).fit(X)
    assert som.labels_.shape == (5000,)
    full = SOMQuantizer(max_samples=None, random_state=0).fit(X)
    assert som.quantization_error_ <= 1.05 * full.quantization_error_


def test_pickle_round_trip():
    X = _blobs()
    som = SOMQuantizer(random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(som))
    np.testing.assert_array_equal(again.predict(X), som.predict(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_rows": 0}, "n_rows"),
        ({"n_cols": -1}, "n_cols"),
        ({"n_epochs": 0}, "n_epochs"),
        ({"sigma_end": 0}, "sigma_end"),
        ({"sigma_start": -1.0}, "sigma_start"),
        ({"max_samples": 0}, "max_samples"),
        ({"init": "kmeans"}, "init"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SOMQuantizer(**params).fit(_blobs(100))


def test_best_matching_units_helper():
    labels, dist = best_matching_units(
        [[0, 0], [3, 4]], [[0, 0], [3, 0]], return_distances=True
    )
    np.testing.assert_array_equal(labels, [0, 1])
    np.testing.assert_allclose(dist, [0, 4])
    with pytest.raises(ValueError, match="same number of columns"):
        best_matching_units([[0, 0]], [[0, 0, 0]])


def _minisom_error(X, n, seed=0):
    minisom = pytest.importorskip("minisom")
    som = minisom.MiniSom(n, n, X.shape[1], random_seed=seed)
    som.pca_weights_init(X)
    som.train(X, len(X), use_epochs=False)  # one pass over the shuffled data
    return som.quantization_error(X)


def test_quantization_error_not_worse_than_minisom_synthetic():
    X = _blobs(20000, seed=1)
    X = X[np.random.default_rng(0).permutation(len(X))]
    ours = SOMQuantizer(4, 4, random_state=0).fit(X).quantization_error_
    assert ours <= 1.02 * _minisom_error(X, 4)


@pytest.mark.slow  # MiniSom on 60 images
@pytest.mark.scene8
def test_quantization_error_not_worse_than_minisom_opencountry(opencountry_train):
    uv = np.concatenate(
        [
            rgb2luv(image)[..., 1:].reshape(-1, 2)
            for image in opencountry_train.images[:60]
        ]
    )
    uv = uv[np.random.default_rng(0).permutation(len(uv))]
    for n in (3, 5):
        ours = SOMQuantizer(n, n, random_state=0).fit(uv).quantization_error_
        assert ours <= 1.02 * _minisom_error(uv, n)
