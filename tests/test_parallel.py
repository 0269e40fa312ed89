"""n_jobs: the same results whatever the number of tasks and the backend."""

import copy
import warnings

import numba
import numpy as np
import pytest
from joblib import parallel_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, to_grey
from somcolor._parallel import (
    limited_threads,
    n_workers,
    parallel_map,
    split,
    task_threads,
)

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = SMALL_FITS


def _fit(images, **params):
    classifier = MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = ColorizerPipeline(
            classifier=classifier, pixels_per_image=300, random_state=0
        )
        return model.set_params(**params).fit(images)


def _assert_same_model(a, b):
    np.testing.assert_array_equal(a.codebook_, b.codebook_)
    for wa, wb in zip(a.classifier_.coefs_, b.classifier_.coefs_):
        np.testing.assert_array_equal(wa, wb)
    assert a.n_training_pixels_ == b.n_training_pixels_


@pytest.mark.parametrize(
    "backend, options",
    [
        pytest.param("loky", {}, marks=pytest.mark.slow),  # process workers
        ("threading", {}),
        pytest.param(
            "loky",
            {"extractor__position": True, "extractor__context": 3},
            marks=pytest.mark.slow,
        ),
    ],
)
def test_fit_and_predict_do_not_depend_on_n_jobs(small_rgb_images, backend, options):
    images = small_rgb_images * 2  # 12 images, several per task
    serial = _fit(images, **options)
    greys = to_grey(images)
    expected = serial.predict(greys)
    expected_labels = serial.predict_labels(greys)
    with parallel_config(backend=backend):
        parallel = _fit(images, n_jobs=2, **options)
        _assert_same_model(serial, parallel)
        colours = parallel.predict(greys)
        labels = parallel.predict_labels(greys)
        score = parallel.score(images[:4])
    assert len(colours) == len(images)
    for a, b in zip(expected, colours):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(expected_labels, labels):
        np.testing.assert_array_equal(a, b)
    # The colours above are ours and equal to the bit. The score then runs
    # scikit-image's CIEDE2000 on them, which at the lowest allowed versions
    # (scikit-image 0.22, NumPy 1.24) is not bitwise reproducible: on the same
    # Lab arrays, in one process, two calls differed in the last bit on
    # hundreds of pixels (measured, .ci/lowest), so the score may move by one
    # ulp whatever n_jobs is. Equal to rounding, then.
    assert score == pytest.approx(serial.score(images[:4]), rel=1e-13, abs=0)


def test_parallel_predict_keeps_stacks_stacked_and_soft_decoding(small_model):
    rng = np.random.default_rng(0)
    stack = rng.integers(0, 256, size=(5, 12, 9), dtype=np.uint8)
    model = copy.deepcopy(small_model)
    for decoding in ("argmax", "soft"):
        model.set_params(decoding=decoding, n_jobs=1)
        expected = model.predict(stack)
        out = model.set_params(n_jobs=2).predict(stack)
        assert isinstance(out, np.ndarray) and out.shape == (5, 12, 9, 3)
        np.testing.assert_array_equal(out, expected)


def test_parallel_predict_names_the_bad_image_in_the_whole_list(small_model):
    model = copy.deepcopy(small_model)
    images = [np.zeros((8, 8))] * 6 + [np.full((8, 8), np.nan)]
    with pytest.raises(ValueError, match=r"grey_images\[6\] contains NaN"):
        model.set_params(n_jobs=2).predict(images)


def test_split_covers_the_items_in_order():
    items = list(range(10))
    for parts in (1, 3, 4, 10, 50):
        runs = split(items, parts)
        assert len(runs) == min(parts, 10)
        assert [x for run in runs for x in run] == items
        sizes = [len(run) for run in runs]
        assert max(sizes) - min(sizes) <= 1


def test_task_threads_follow_joblib_rule(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert n_workers(1) == 1
    assert task_threads(2) == 4
    assert task_threads(3) == 2
    assert task_threads(16) == 1
    with parallel_config(backend="loky", inner_max_num_threads=3):
        assert task_threads(2) == 3


def _numba_threads(_item):
    return numba.get_num_threads()


def test_tasks_bound_numba_threads_and_restore_them():
    before = numba.get_num_threads()
    with limited_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    with parallel_config(backend="threading"):
        expected = min(task_threads(2), numba.config.NUMBA_NUM_THREADS)
        seen = parallel_map(_numba_threads, range(4), 2)
    assert seen == [expected] * 4
    assert numba.get_num_threads() == before


def test_one_image_with_n_jobs_is_the_serial_result(small_model):
    model = copy.deepcopy(small_model)
    grey = [np.linspace(0, 1, 15 * 11).reshape(15, 11)]
    expected = model.set_params(n_jobs=1).predict(grey)
    np.testing.assert_array_equal(
        model.set_params(n_jobs=2).predict(grey)[0], expected[0]
    )


def _fit_default(images):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ColorizerPipeline(pixels_per_image=400, random_state=0).fit(images)


@pytest.mark.slow  # process workers
def test_one_blas_thread_gives_the_model_of_process_workers(small_rgb_images):
    # Dask's workers have one BLAS thread each (loky's: cpu_count // n_jobs,
    # or inner_max_num_threads), and the default MLP's training depends on the
    # BLAS thread count; the documented remedy (docs/scaling_out.md, Pattern
    # 1) is one BLAS thread in the serial run too.
    from joblib import Parallel, delayed
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        serial = _fit_default(small_rgb_images)
    with parallel_config(backend="loky", inner_max_num_threads=1):
        workers = Parallel(n_jobs=2)(
            delayed(_fit_default)(small_rgb_images) for _ in range(2)
        )
    for model in workers:
        _assert_same_model(serial, model)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


class _ThreadsSeenByMLP(MLPClassifier):
    """MLPClassifier that records the BLAS thread counts while it trains."""

    def fit(self, X, y, sample_weight=None):
        self.blas_threads_seen_ = _blas_threads()
        return super().fit(X, y, sample_weight=sample_weight)


def test_training_uses_one_blas_thread_and_gives_them_back(small_rgb_images):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        model = ColorizerPipeline(
            classifier=_ThreadsSeenByMLP((8,), max_iter=3),
            pixels_per_image=200,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(small_rgb_images[:2])
        assert set(model.classifier_.blas_threads_seen_) == {1}
        assert _blas_threads() == before
