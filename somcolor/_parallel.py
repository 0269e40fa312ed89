"""Parallel loops over images, through joblib.

Every loop of somcolor that is embarrassingly parallel over images runs
through :func:`parallel_map`, which hands it to :class:`joblib.Parallel`. The
active joblib backend therefore decides where the tasks run: in this process
(``n_jobs=1``, the default), in loky worker processes (``n_jobs=-1``), or on a
``dask.distributed`` cluster inside ``joblib.parallel_config(backend="dask")``.

Threads inside a task are bounded so that parallel tasks do not oversubscribe
the cores: numba's kernels get ``inner_max_num_threads`` of the active
``joblib.parallel_config`` if it is set, else ``cpu_count() // n_jobs`` (at
least one), the rule joblib's loky backend applies to BLAS and OpenMP. numba's
thread count is set per calling thread (``numba.set_num_threads``), so tasks
sharing a process (threading backend, multi-threaded Dask workers) do not
disturb each other. BLAS is bounded by joblib's loky backend (environment
variables of its workers) and by Dask's nanny (``OMP_NUM_THREADS=1`` and
friends in the worker processes).
"""

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numba
from joblib import Parallel, delayed, effective_n_jobs
from joblib.parallel import get_active_backend

from ._progress import progress

__all__ = [
    "bounded_in_dask_workers",
    "one_blas_thread",
    "in_dask_worker",
    "limited_threads",
    "n_workers",
    "parallel_map",
    "split",
    "task_threads",
]


_controller = None


def one_blas_thread():
    """Context in which BLAS runs on one thread (this thread's calls).

    For the classifier's training and the compiled colorizing path (whose
    numba threads each call BLAS). The training is many small matrix
    products, one mini-batch at a time: with one BLAS thread per core they
    wait on each other at every product, and the waiting threads spin, so
    that next to one busy process an epoch took 4 to 8 times as long
    (``benchmarks/busy.py``); and the thread count changes the order of the
    sums, hence the fitted weights. With one thread the fit is the same
    whatever the machine's load, and steady next to other work.

    The libraries are found once (``ThreadpoolController``): finding them
    scans the loaded shared objects, about 3 ms, which would double the
    time to colorize a 64x64 image if done per call.
    """
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def in_dask_worker() -> bool:
    """Whether this code runs in a task on a ``dask.distributed`` worker.

    Never imports dask: if ``distributed`` is not loaded, this is no worker.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return False
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def n_workers(n_jobs: int | None) -> int:
    """How many tasks joblib runs at once for ``n_jobs`` (active backend).

    ``n_jobs=None`` inside a Dask task is 1: joblib would otherwise send
    the loops of, say, each candidate of a grid search running on the
    cluster back to the cluster as tasks of a few milliseconds each.
    """
    if n_jobs is None and in_dask_worker():
        return 1
    return max(1, int(effective_n_jobs(n_jobs)))


def bounded_in_dask_workers(method: Callable) -> Callable:
    """Run ``method`` with one numba thread when called in a Dask task.

    Dask's nanny starts workers with ``OMP_NUM_THREADS=1`` and friends, so
    that each worker thread uses one core; this does the same for numba,
    whose kernels would otherwise start a thread per core in every task
    (for example in each candidate of a ``GridSearchCV`` on the cluster).
    Elsewhere the method runs unchanged.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        if not in_dask_worker():
            return method(*args, **kwargs)
        with limited_threads(1):
            return method(*args, **kwargs)

    return wrapper


def task_threads(n_jobs: int | None) -> int:
    """numba threads each parallel task may use.

    ``inner_max_num_threads`` of the active ``joblib.parallel_config`` when it
    is set, else ``cpu_count() // n_workers(n_jobs)``, at least 1.
    """
    backend, _ = get_active_backend()
    explicit = getattr(backend, "inner_max_num_threads", None)
    if explicit is not None:
        return max(1, int(explicit))
    return max(1, (os.cpu_count() or 1) // n_workers(n_jobs))


@contextlib.contextmanager
def limited_threads(threads: int):
    """numba kernels called from this thread use at most ``threads`` threads."""
    previous = numba.get_num_threads()
    numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def _run_task(func: Callable, threads: int, item: Any, *args: Any) -> Any:
    if in_dask_worker():  # one thread per worker thread, as Dask does for BLAS
        threads = 1
    with limited_threads(threads):
        return func(item, *args)


def split(items: Sequence, n_parts: int) -> list:
    """``items`` cut into at most ``n_parts`` contiguous, near-equal slices."""
    n_parts = max(1, min(int(n_parts), len(items)))
    bounds = [round(k * len(items) / n_parts) for k in range(n_parts + 1)]
    return [items[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def parallel_map(
    func: Callable,
    items: Iterable,
    n_jobs: int | None,
    *args: Any,
    verbose: int = 0,
    desc: str | None = None,
    total: int | None = None,
    unit: str = "image",
    ordered: bool = True,
) -> Iterable:
    """``func(item, *args)`` for each item, through joblib.

    Parameters
    ----------
    func : callable
        A module-level function (it is pickled for process and Dask workers).
    items : iterable
        One task per item.
    n_jobs : int or None
        joblib's ``n_jobs``; None follows the active ``joblib.parallel_config``
        (1 outside any).
    *args
        Passed to every call after the item. Large objects (a fitted model)
        are sent to each worker once per call: joblib's Dask backend scatters
        them, and loky pickles them once per batch of tasks.
    verbose : int, default=0
        Progress bar over the tasks when positive.
    desc, total, unit : optional
        Label, length and step name of the progress bar.
    ordered : bool, default=True
        Results in the order of ``items``; False yields them as tasks finish.

    Returns
    -------
    results : list or generator
        A list when ``ordered``, else a generator of results in completion
        order (the caller must consume it).
    """
    if n_workers(n_jobs) == 1:
        results = (func(item, *args) for item in items)
    else:
        threads = task_threads(n_jobs)
        results = Parallel(
            n_jobs=n_jobs,
            return_as="generator" if ordered else "generator_unordered",
        )(delayed(_run_task)(func, threads, item, *args) for item in items)
    results = progress(results, verbose=verbose, desc=desc, total=total, unit=unit)
    return list(results) if ordered else results
