"""Scaling out: serially, in joblib's processes, on a Dask LocalCluster.

Run from the repository root::

    SOMCOLOR_SCENE8=../shared/data/scene8 python -m benchmarks.scaling
    python -m benchmarks.scaling --quick --output /tmp/SCALING.md   # < 1 min

Writes ``benchmarks/SCALING.md``. Cases (issue 6):

* colorizing 2,000 image files (the Open Country photographs, grey, repeated
  under distinct names; synthetic crops of scikit-image's samples without
  the data set) with :func:`somcolor.colorize_many`: serially, with joblib's
  loky processes (``n_jobs=2``), and on a two-worker ``LocalCluster``
  (``scheduler=``), with one worker too, for the growth with workers;
* the overhead of one task: a task that does nothing, timed on each backend;
* a ``GridSearchCV`` over four patch and SOM sizes likewise.

Every timing is the median of repeats, all in this one run, so ratios compare
like with like. The cluster's start-up (scheduler, workers, importing
somcolor and loading its compiled kernels in the workers) is timed apart:
it is what a collection must be large enough to repay.
"""

import argparse
import datetime
import os
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _median(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _noop(item):
    return item


def _grey_sources(quick):
    """Grey uint8 photographs to colorize, and where they come from."""
    from somcolor import to_grey
    from somcolor.datasets import load_scene8, scene8_home

    if scene8_home() is not None and not quick:
        images = load_scene8("opencountry", split="test").images
        label = "the 82 held-out Open Country photographs (64x64)"
    else:
        from skimage import data
        from skimage.transform import resize

        sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
        images = [
            np.round(resize(s[k : k + 300, k : k + 300], (64, 64)) * 255).astype(
                np.uint8
            )
            for k in range(0, 40, 5)
            for s in sources
        ]
        label = "32 synthetic 64x64 crops of scikit-image's sample photographs"
    greys = [np.round(g * 255).astype(np.uint8) for g in to_grey(images)]
    return greys, label


def _training_images(quick):
    from somcolor.datasets import load_scene8, scene8_home

    if scene8_home() is not None and not quick:
        return load_scene8("opencountry", split="train").images, "Open Country"
    from skimage import data
    from skimage.transform import resize

    sources = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket()]
    images = [
        np.round(resize(s[k : k + 300, k : k + 300], (64, 64)) * 255).astype(np.uint8)
        for k in range(0, 40, 10)
        for s in sources
    ]
    return images, "synthetic crops"


def _write_collection(folder, greys, n_files):
    from skimage import io as skio

    folder.mkdir(parents=True)
    for k in range(n_files):
        skio.imsave(folder / f"img{k:05d}.png", greys[k % len(greys)])


def _cluster(n_workers):
    import distributed

    cluster = distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        worker_dashboard_address=None,
        silence_logs=40,
    )
    return cluster, distributed.Client(cluster)


def _warm(client):
    """Import somcolor and load its compiled kernels on every worker."""
    from skimage import data

    from somcolor import ColorizerPipeline

    tiny = ColorizerPipeline(pixels_per_image=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tiny.fit([data.astronaut()[::16, ::16]])
    client.run(lambda: tiny.predict([np.zeros((8, 8))]))


def bench_task_overhead(n_tasks, clusters):
    """Seconds per no-op task on each backend (median of 3 runs)."""
    from joblib import Parallel, delayed, parallel_config

    rows = []
    items = list(range(n_tasks))
    seconds, _ = _median(lambda: [_noop(i) for i in items], 3)
    rows.append(("serial (a function call)", seconds / n_tasks))
    seconds, _ = _median(
        lambda: Parallel(n_jobs=2, batch_size=1)(delayed(_noop)(i) for i in items), 3
    )
    rows.append(("joblib loky, 2 processes, one task per call", seconds / n_tasks))
    _, client = clusters[2]

    def dask_map():
        futures = client.map(_noop, items, pure=False)
        return client.gather(futures)

    seconds, _ = _median(dask_map, 3)
    rows.append(("Dask client.map, 2 workers", seconds / n_tasks))

    def joblib_dask():
        with parallel_config(backend="dask", client=client):
            return Parallel(batch_size=1)(delayed(_noop)(i) for i in items)

    seconds, _ = _median(joblib_dask, 3)
    rows.append(("joblib's Dask backend, 2 workers", seconds / n_tasks))
    return rows


def bench_colorize(model, folder, n_files, clusters, repeat, tmp):
    """Images per second of colorize_many on each backend."""
    from somcolor import colorize_many

    runs = {}
    counter = [0]

    def timed(**kwargs):
        def call():
            counter[0] += 1
            out = tmp / f"out{counter[0]}"
            summary = colorize_many(model, folder, out, **kwargs)
            assert summary.ok and len(summary.written) == n_files, summary
            return out

        return _median(call, repeat)

    runs["serial (n_jobs=1)"] = timed()
    runs["joblib loky processes (n_jobs=2)"] = timed(n_jobs=2)
    for n_workers, (_, client) in sorted(clusters.items()):
        runs[f"Dask LocalCluster, {n_workers} worker(s) (scheduler=)"] = timed(
            scheduler=client
        )
    # Same files everywhere.
    reference = runs["serial (n_jobs=1)"][1]
    identical = all(
        (out / name).read_bytes() == (reference / name).read_bytes()
        for _, out in runs.values()
        for name in (f"img{k:05d}.png" for k in range(n_files))
    )
    return {name: seconds for name, (seconds, _) in runs.items()}, identical


def bench_grid_search(images, clusters, quick):
    from joblib import effective_n_jobs, parallel_config
    from sklearn.model_selection import GridSearchCV

    from somcolor import ColorizerPipeline

    grid = {"extractor__patch_size": [3, 5], "quantizer__n_rows": [2, 3]}
    model = ColorizerPipeline(pixels_per_image=300 if quick else 1000, random_state=0)

    def search():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return GridSearchCV(model, grid, cv=2, n_jobs=-1).fit(images)

    rows = {}
    with parallel_config(backend="sequential"):
        rows["serial"] = _median(search, 1)
    with parallel_config(backend="loky", n_jobs=2):
        rows["joblib loky processes (n_jobs=2)"] = _median(search, 1)
    for n_workers, (_, client) in sorted(clusters.items()):
        with parallel_config(backend="dask", client=client):
            name = f"Dask LocalCluster, {n_workers} worker(s)"
            if effective_n_jobs(-1) == 1:
                # joblib runs a Parallel call serially, in the calling
                # process, when the backend offers a single worker thread.
                name += " (joblib ran it in this process)"
            rows[name] = _median(search, 1)
    scores = {
        name: tuple(result.cv_results_["mean_test_score"])
        for name, (_, result) in rows.items()
    }
    groups = {}
    for name, values in scores.items():
        groups.setdefault(values, []).append(name)
    agreement = "; ".join(
        " = ".join(names) + f" (best {rows[names[0]][1].best_params_})"
        for names in groups.values()
    )
    return {name: seconds for name, (seconds, _) in rows.items()}, agreement


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, < 1 min")
    parser.add_argument("--output", default=str(HERE / "SCALING.md"))
    parser.add_argument("--files", type=int, default=None, help="default 2000")
    args = parser.parse_args(argv)
    quick = args.quick
    n_files = args.files or (200 if quick else 2000)
    repeat = 1 if quick else 3
    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()[0]

    from somcolor import ColorizerPipeline

    greys, source_label = _grey_sources(quick)
    train, train_label = _training_images(quick)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ColorizerPipeline(random_state=0).fit(train)

    tmp = Path(tempfile.mkdtemp(prefix="somcolor-scaling-"))
    try:
        folder = tmp / "in"
        _write_collection(folder, greys, n_files)
        clusters = {}
        startup = {}
        for n_workers in (1, 2):
            start = time.perf_counter()
            clusters[n_workers] = _cluster(n_workers)
            started_s = time.perf_counter() - start
            start = time.perf_counter()
            _warm(clusters[n_workers][1])
            startup[n_workers] = (started_s, time.perf_counter() - start)
        overhead = bench_task_overhead(100 if quick else 1000, clusters)
        colorize, identical = bench_colorize(
            model, folder, n_files, clusters, repeat, tmp
        )
        grid, agreement = bench_grid_search(
            train[: 40 if quick else 200], clusters, quick
        )
        for cluster, client in clusters.values():
            client.close()
            cluster.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    serial = colorize["serial (n_jobs=1)"]
    rows = [
        (name, f"{seconds:.2f}", f"{n_files / seconds:.0f}", f"{serial / seconds:.2f}x")
        for name, seconds in colorize.items()
    ]
    grid_serial = grid["serial"]
    grid_rows = [
        (name, f"{seconds:.1f}", f"{grid_serial / seconds:.2f}x")
        for name, seconds in grid.items()
    ]
    # Where the two-worker cluster pays: its start-up against the time it
    # saves per image.
    two = colorize["Dask LocalCluster, 2 worker(s) (scheduler=)"]
    saved_per_image = (serial - two) / n_files
    cluster_start = sum(startup[2])
    breakeven = (
        f"{cluster_start / saved_per_image:,.0f} images"
        if saved_per_image > 0
        else "never on this machine (the cluster is not faster here)"
    )
    text = [
        "# Scaling out" + (" (quick mode: figures mean nothing)" if quick else ""),
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end; {os.cpu_count()} cores",
        "- command (from the repository root): `python -m benchmarks.scaling"
        + (" --quick" if quick else "")
        + "`"
        + ("" if quick else " with `SOMCOLOR_SCENE8=../shared/data/scene8`"),
        f"- model: the default pipeline fitted on {train_label}; files: {n_files} "
        f"grey PNGs made from {source_label}, repeated under distinct names",
        f"- medians of {repeat} run(s); every run wrote all files, and the files of "
        f"every backend are byte-identical to the serial run's: "
        f"{'yes' if identical else 'NO'}",
        "",
        f"## Colorizing {n_files} image files (`colorize_many`)",
        "",
        table(["backend", "seconds", "images/s", "speed-up"], rows),
        "",
        "## Overhead of one task (a task that does nothing)",
        "",
        table(
            ["backend", "ms per task"],
            [(name, f"{1e3 * s:.3f}") for name, s in overhead],
        ),
        "",
        "## Cluster start-up",
        "",
        table(
            [
                "workers",
                "start scheduler and workers (s)",
                "first task: import, load kernels (s)",
            ],
            [(n, f"{a:.1f}", f"{b:.1f}") for n, (a, b) in sorted(startup.items())],
        ),
        "",
        f"With two local workers the cluster pays from about {breakeven} "
        f"(start-up {cluster_start:.1f} s against "
        f"{1e3 * saved_per_image:.2f} ms saved per image).",
        "",
        "## GridSearchCV over four patch and SOM sizes (cv=2)",
        "",
        table(["backend", "seconds", "speed-up"], grid_rows),
        "",
        f"Backends with identical scores: {agreement}. The candidates are "
        "fitted in this process (BLAS threads = cores) or in worker processes "
        "(cpu_count // n_jobs BLAS threads in loky's, one in Dask's); the "
        "patches and the SOM do not depend on the threads, scikit-learn's MLP "
        "training does.",
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
