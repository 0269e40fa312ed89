"""On a real Dask cluster: tuning and colorizing give the serial results.

Each test starts a ``distributed.LocalCluster`` (two worker processes unless
said) and closes it. Skipped when ``somcolor[distributed]`` is not installed.
"""

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest
from joblib import parallel_config
from skimage import io as skio
from skimage.transform import resize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier

from somcolor import ColorizerPipeline, colorize_many, to_grey

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
# A Dask cluster in this process: slow (python -m pytest -m 'not slow' skips it).
pytestmark = [pytest.mark.slow, *SMALL_FITS]

distributed = pytest.importorskip(
    "distributed", reason="needs somcolor[distributed] (dask.distributed)"
)


@pytest.fixture
def cluster():
    """Two single-threaded worker processes, closed after the test."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as local,
        distributed.Client(local) as client,
    ):
        yield local, client


def test_grid_search_on_the_cluster_matches_the_serial_run(cluster, small_rgb_images):
    _, client = cluster
    grid = {"extractor__patch_size": [3, 5], "quantizer__n_rows": [2, 3]}
    classifier = MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, tol=1e-3)
    model = ColorizerPipeline(
        classifier=classifier, pixels_per_image=300, random_state=0
    )

    def search():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return GridSearchCV(model, grid, cv=2, n_jobs=-1).fit(small_rgb_images)

    with parallel_config(backend="sequential"):
        serial = search()
    with (
        distributed.get_task_stream(client) as stream,
        parallel_config(backend="dask", client=client),
    ):
        on_cluster = search()
    assert len(on_cluster.cv_results_["params"]) == 4
    assert on_cluster.best_params_ == serial.best_params_
    # To rounding: scikit-image 0.22's CIEDE2000 on NumPy 1.24 (the lowest
    # versions) can move a score by one ulp between two calls on the same
    # arrays (tests/test_parallel.py says more).
    np.testing.assert_allclose(
        on_cluster.cv_results_["mean_test_score"],
        serial.cv_results_["mean_test_score"],
        rtol=1e-13,
        atol=0,
    )
    # The fits ran on both workers (8 candidate-fold fits, each a task or
    # in a batch of tasks).
    assert {task["worker"] for task in stream.data} == set(
        client.scheduler_info()["workers"]
    )


def _photos(folder, n, size=160):
    """``n`` distinct grey photographs (crops of scikit-image's samples)."""
    from skimage import data

    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    folder.mkdir()
    for k in range(n):
        source = sources[k % len(sources)]
        offset = 5 * (k // len(sources))
        crop = source[offset : offset + 300, offset : offset + 300]
        grey = to_grey([resize(crop, (size, size), anti_aliasing=True)])[0]
        skio.imsave(folder / f"p{k:02d}.png", np.round(grey * 255).astype(np.uint8))
    return sorted(folder.iterdir())


def _visible(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_colorize_many_on_the_cluster_writes_the_serial_files(
    cluster, small_model, tmp_path
):
    local, _ = cluster
    inputs = _photos(tmp_path / "in", 50)
    serial = colorize_many(small_model, tmp_path / "in", tmp_path / "serial")
    summary = colorize_many(
        small_model,
        tmp_path / "in",
        tmp_path / "dask",
        scheduler=local.scheduler_address,
    )
    assert summary.ok and len(summary.written) == 50 == len(serial.written)
    assert _visible(tmp_path / "dask") == [p.name for p in inputs]
    for path in serial.written:
        assert (tmp_path / "dask" / path.name).read_bytes() == path.read_bytes()


def test_a_killed_worker_loses_nothing_and_a_rerun_finishes(small_model, tmp_path):
    import dask

    _photos(tmp_path / "in", 50, size=384)
    serial = colorize_many(small_model, tmp_path / "in", tmp_path / "serial")
    out = tmp_path / "out"
    # No retry: the task running on the killed worker is lost for good, the
    # worst case for the files it was writing.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, dashboard_address=None
            ) as local,
            distributed.Client(local) as client,
        ):
            victim = next(iter(client.run(os.getpid).values()))
            outcome = {}

            def run():
                outcome["summary"] = colorize_many(
                    small_model, tmp_path / "in", out, batch_size=1, scheduler=client
                )

            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            deadline = time.monotonic() + 120
            while len(_visible(out) if out.exists() else []) < 3:
                assert time.monotonic() < deadline and thread.is_alive()
                time.sleep(0.005)
            os.kill(victim, signal.SIGKILL)
            thread.join(timeout=120)
            assert not thread.is_alive(), "colorize_many hangs on a lost worker"
    first = outcome["summary"]
    done = _visible(out)
    # Every file is accounted for: written; failed with its task; or
    # skipped, when a task that had finished on the killed worker was run
    # again by Dask (its result was lost with the worker) and found its
    # output in place.
    assert len(first.written) + len(first.skipped) + len(first.failed) == 50
    assert sorted(p.name for p in first.written + first.skipped) == done
    for _, reason in first.failed:
        assert "task lost (KilledWorker)" in reason
    # Every file in place is complete and correct.
    for name in done:
        assert (out / name).read_bytes() == (tmp_path / "serial" / name).read_bytes()
    rerun = colorize_many(small_model, tmp_path / "in", out)
    assert [p.name for p in rerun.skipped] == done
    assert len(rerun.written) == 50 - len(done) and rerun.ok
    for path in serial.written:
        assert (out / path.name).read_bytes() == path.read_bytes()


def test_on_workers_numba_uses_one_thread_and_loops_run_in_the_task(cluster):
    import numba

    from somcolor import _parallel

    _, client = cluster
    bounded = _parallel.bounded_in_dask_workers(numba.get_num_threads)
    assert client.submit(bounded, pure=False).result() == 1
    # Outside a task the same call is not bounded.
    assert bounded() == numba.get_num_threads()
    # n_jobs=None in a task: the loop runs in the task, not as nested tasks.
    assert client.submit(_parallel.n_workers, None, pure=False).result() == 1


def test_command_line_colorizes_on_the_cluster(cluster, small_model, tmp_path, capsys):
    from somcolor import save
    from somcolor.cli import main

    local, _ = cluster
    save(small_model, tmp_path / "model.skops")
    _photos(tmp_path / "in", 6)
    serial = colorize_many(small_model, tmp_path / "in", tmp_path / "serial")
    argv = ["colorize", str(tmp_path / "model.skops"), str(tmp_path / "in")]
    argv += ["-o", str(tmp_path / "out"), "--scheduler", local.scheduler_address, "-q"]
    assert main(argv) == 0
    assert "6 written, 0 skipped, 0 failed" in capsys.readouterr().out
    for path in serial.written:
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes()
    # An address with no scheduler behind it: one line, status 1.
    import dask

    argv[6] = "tcp://127.0.0.1:9"
    argv[4] = str(tmp_path / "out2")
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("somcolor: error: --scheduler tcp://127.0.0.1:9")
    assert "Traceback" not in err


def test_joblib_runs_a_one_thread_clusters_work_in_this_process():
    # What docs/scaling_out.md and benchmarks/SCALING.md say of the one-worker
    # grid search: joblib does not use a cluster that offers a single thread.
    from joblib import Parallel, delayed

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
        parallel_config(backend="dask", client=client),
    ):
        pids = Parallel(n_jobs=-1)(delayed(os.getpid)() for _ in range(4))
    assert set(pids) == {os.getpid()}
