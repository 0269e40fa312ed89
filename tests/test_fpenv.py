"""flush_denormals: subnormal floats flushed to zero in the calling thread."""

import threading
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, _fpenv
from somcolor._fpenv import flush_denormals, mxcsr_supported

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = SMALL_FITS

x86_only = pytest.mark.skipif(
    not mxcsr_supported(), reason="flushing subnormals is implemented for x86-64"
)

# Subnormal values (below the smallest normal float) of each precision.
SUBNORMAL = {np.float32: np.float32(1e-39), np.float64: np.float64(1e-310)}


def _halved(dtype):
    return SUBNORMAL[dtype] * dtype(0.5)


@x86_only
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_subnormal_results_and_inputs_become_zero(dtype):
    tiny = SUBNORMAL[dtype]
    assert 0 < tiny < np.finfo(dtype).tiny  # the input is subnormal
    assert _halved(dtype) > 0  # IEEE gradual underflow outside
    with flush_denormals() as on:
        assert on
        assert _halved(dtype) == 0  # FTZ: subnormal result flushed
        assert tiny * dtype(1) == 0  # DAZ: subnormal input read as zero
        normal = np.finfo(dtype).tiny
        assert normal * dtype(2) == 2 * normal  # normal numbers untouched
        array = np.full(1000, tiny, dtype=dtype)
        assert np.count_nonzero(array * dtype(0.5)) == 0  # vectorised loops too
    assert _halved(dtype) > 0


@x86_only
def test_the_register_is_restored_on_error():
    before = _fpenv._get_mxcsr()
    with pytest.raises(RuntimeError, match="boom"):
        with flush_denormals():
            assert _halved(np.float32) == 0
            raise RuntimeError("boom")
    assert _fpenv._get_mxcsr() & (_fpenv._FTZ | _fpenv._DAZ) == before & (
        _fpenv._FTZ | _fpenv._DAZ
    )
    assert _halved(np.float32) > 0


@x86_only
def test_nested_contexts_restore_the_outer_setting():
    with flush_denormals():
        with flush_denormals():
            assert _halved(np.float32) == 0
        assert _halved(np.float32) == 0  # still the outer context's
    assert _halved(np.float32) > 0


@x86_only
def test_exception_flags_raised_inside_are_kept():
    invalid = 0x0001  # MXCSR's "invalid operation" flag, set by 0/0
    _fpenv._set_mxcsr(np.uint32(_fpenv._get_mxcsr() & ~invalid))
    with flush_denormals(), np.errstate(invalid="ignore"):
        np.divide(np.zeros(4), np.zeros(4))
    assert _fpenv._get_mxcsr() & invalid


@x86_only
def test_threads_running_before_are_not_affected():
    # The register is per thread; a thread started inside the context would
    # inherit it (POSIX), one already running keeps its own.
    go, seen = threading.Event(), []

    def work():
        go.wait(10)
        seen.append(_halved(np.float32))

    thread = threading.Thread(target=work)
    thread.start()
    with flush_denormals():
        go.set()
        thread.join()
        assert _halved(np.float32) == 0
    assert seen[0] > 0


@pytest.mark.parametrize("where", ["not x86-64", "NUMBA_DISABLE_JIT"])
def test_elsewhere_it_changes_nothing(monkeypatch, where):
    if where == "not x86-64":
        monkeypatch.setattr(_fpenv, "mxcsr_supported", lambda: False)
    else:
        monkeypatch.setattr(_fpenv.numba.config, "DISABLE_JIT", True)
    with flush_denormals() as on:
        assert not on
        assert _halved(np.float32) > 0


_flush_during_fit = []


class _RecordingMLP(MLPClassifier):
    def fit(self, X, y, sample_weight=None):
        on = bool(_fpenv._get_mxcsr() & _fpenv._FTZ) if mxcsr_supported() else None
        _flush_during_fit.append(on)
        return super().fit(X, y, sample_weight=sample_weight)


@x86_only
@pytest.mark.parametrize("rebalance", [None, 0.5])
def test_pipeline_trains_its_classifier_with_flushing(small_rgb_images, rebalance):
    _flush_during_fit.clear()
    model = ColorizerPipeline(
        classifier=_RecordingMLP(hidden_layer_sizes=(8,), max_iter=5),
        pixels_per_image=200,
        rebalance=rebalance,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(small_rgb_images)
    assert _flush_during_fit == [True]
    assert _halved(np.float32) > 0  # and not after
