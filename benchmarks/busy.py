"""Fit and predict next to one busy process, against the idle machine.

The busy process is started by the benchmark itself: a Python loop that
keeps one core busy and stops by itself after a bounded time (it is also
stopped as soon as the measurement ends). Each repeat runs the workload once
on the idle machine and once next to the busy process, so that slow drifts
of a shared machine hit both alike; the medians and their ratio are
reported, for somcolor as it is (the classifier trained with one BLAS
thread, see ``somcolor._parallel.one_blas_thread``), with BLAS on every core
while the classifier trains (scikit-learn's default, somcolor's before), and
with numba limited to one thread.
"""

import contextlib
import subprocess
import sys
import time

import numpy as np

#: Longest a busy process may live (s): it stops by itself after this.
BUSY_SECONDS = 120

_LOOP = (
    "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end: pass\n"
)


@contextlib.contextmanager
def busy_core(seconds=BUSY_SECONDS):
    """One other process keeping a core busy for at most ``seconds``."""
    process = subprocess.Popen([sys.executable, "-c", _LOOP.format(s=seconds)])
    try:
        time.sleep(0.3)  # let it start spinning
        yield process
    finally:
        process.kill()
        process.wait()


#: The variants of :func:`idle_and_busy`.
VARIANTS = ("as is", "BLAS on every core in training", "numba 1 thread")


@contextlib.contextmanager
def _variant(name):
    import numba

    from somcolor import _parallel

    if name == "BLAS on every core in training":
        one_blas_thread = _parallel.one_blas_thread
        _parallel.one_blas_thread = contextlib.nullcontext
        try:
            yield
        finally:
            _parallel.one_blas_thread = one_blas_thread
    elif name == "numba 1 thread":
        previous = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            yield
        finally:
            numba.set_num_threads(previous)
    else:
        yield


def idle_and_busy(fn, repeat, variant="as is"):
    """Median seconds of ``fn`` idle and next to a busy core."""
    idle, busy = [], []
    for _ in range(repeat):
        with _variant(variant):
            start = time.perf_counter()
            fn()
            idle.append(time.perf_counter() - start)
            with busy_core():
                start = time.perf_counter()
                fn()
                busy.append(time.perf_counter() - start)
    return float(np.median(idle)), float(np.median(busy))


def bench_busy(quick, model, images, grey, median_time_fn=None):
    """Rows of the busy-machine table: (workload, variant, idle, busy, ratio)."""
    from sklearn.base import clone

    repeat = 1 if quick else 3
    train = images[:20]

    def fit():
        clone(model).set_params(random_state=0).fit(train)

    def predict():
        model.predict([grey])

    model.predict([grey[:64, :64]])  # compile / load cache
    rows = []
    for label, fn in (
        (f"fit, {len(train)} photographs", fit),
        (f"predict, {grey.shape[0]}x{grey.shape[1]} uint8", predict),
    ):
        for variant in VARIANTS:
            idle, busy = idle_and_busy(fn, repeat, variant)
            rows.append([label, variant, idle, busy, busy / idle])
    return rows
