"""Training with and without subnormal floats flushed to zero.

Run from the repository root::

    SOMCOLOR_SCENE8=../shared/data/scene8 python -m benchmarks.denormals
    python -m benchmarks.denormals --quick --output /tmp/DENORMALS.md  # < 1 min

Writes ``benchmarks/DENORMALS.md``. The anchor is scikit-learn's
``MLPClassifier`` as it runs by default (IEEE gradual underflow); the
alternative is the same training inside :func:`somcolor._fpenv.flush_denormals`
(what ``ColorizerPipeline.fit`` now does). Cases:

* epoch times of one network over its first epochs (``partial_fit``, one epoch
  per call): Table II's largest network on 5x5 patches (two hidden layers of
  300, float32, 50,000 samples), where Adam's moments turn subnormal after a
  few epochs; and the final training loss and accuracy of both; one BLAS
  thread, so that every operation runs in the thread whose register is set;
* fitting the default pipeline on the Open Country training images (float64
  patches), alternately with and without flushing, median of the repeats,
  with one BLAS thread and with the default (one per core; BLAS's own
  threads are not flushed, so there flushing helps only the calling thread).
"""

import argparse
import contextlib
import datetime
import os
import time
import warnings
from pathlib import Path

import numpy as np

from .run import cpu_model, fmt, skimage_photos, table, versions

HERE = Path(__file__).resolve().parent


def _training_images(quick):
    from somcolor.datasets import load_scene8, scene8_home

    if scene8_home() is not None:
        images = load_scene8("opencountry", split="train").images
        label = "the 328 Open Country training images"
        return (images[:24], "24 of " + label) if quick else (images, label)
    if not quick:
        raise SystemExit("The full benchmark needs the data: set SOMCOLOR_SCENE8.")
    return skimage_photos(), "four scikit-image photographs (no SOMCOLOR_SCENE8)"


def _patches(images, patch_size, n_samples, random_state=0):
    """Table II's samples: 5x5 patches of L/100 and their 3x3 SOM classes."""
    from somcolor import PatchExtractor, SOMQuantizer
    from somcolor.color import rgb_to_luv

    luv = [rgb_to_luv(image / 255.0) for image in images]
    lightness = [image[..., 0] / 100.0 for image in luv]
    per_image = -(-n_samples // len(images))
    extractor = PatchExtractor(patch_size, padding="valid")
    positions = extractor.sample_positions(lightness, per_image, random_state)
    chroma = np.array([luv[k][r, c, 1:] for k, r, c in positions])
    labels = SOMQuantizer(3, 3, random_state=random_state).fit(chroma).labels_
    X = PatchExtractor(patch_size).extract_at(lightness, positions)
    return X[:n_samples].astype(np.float32), labels[:n_samples]


IEEE = "IEEE (scikit-learn as is)"


def _arithmetics():
    """(row name, context) of each arithmetic; the flushed row is named by
    what flush_denormals really does here."""
    from somcolor._fpenv import flush_denormals

    with flush_denormals() as on:
        flushed = "subnormals flushed" if on else "flushing unavailable here (IEEE)"
    return ((IEEE, contextlib.nullcontext), (flushed, flush_denormals))


def bench_epochs(X, y, hidden, n_epochs):
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    runs = {}
    for name, context in _arithmetics():
        clf = MLPClassifier(hidden_layer_sizes=hidden, random_state=0)
        times = []
        with threadpool_limits(1), context():
            for _ in range(n_epochs):
                start = time.perf_counter()
                clf.partial_fit(X, y, classes=np.unique(y))
                times.append(time.perf_counter() - start)
        runs[name] = (np.array(times), clf.loss_, clf.score(X, y))
    return runs


def bench_pipeline_fit(images, repeat):
    """Default fit, IEEE and flushed alternately, per BLAS thread setting."""
    from threadpoolctl import threadpool_limits

    import somcolor.pipeline
    from somcolor import ColorizerPipeline
    from somcolor._fpenv import flush_denormals

    arithmetic = _arithmetics()
    seconds, epochs, same = {}, {}, {}
    for blas, limit in (("one", 1), (f"default ({os.cpu_count()} cores)", None)):
        models = {}
        for _ in range(repeat):
            for name, context in arithmetic:
                somcolor.pipeline.flush_denormals = context
                try:
                    with threadpool_limits(limit), warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        start = time.perf_counter()
                        models[name] = ColorizerPipeline(random_state=0).fit(images)
                        elapsed = time.perf_counter() - start
                finally:
                    somcolor.pipeline.flush_denormals = flush_denormals
                seconds.setdefault((blas, name), []).append(elapsed)
                epochs[blas, name] = models[name].classifier_.n_iter_
        a, b = (m.classifier_.coefs_ for m in models.values())
        same[blas] = all(np.array_equal(wa, wb) for wa, wb in zip(a, b))
    return seconds, epochs, same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, < 1 min")
    parser.add_argument("--output", default=str(HERE / "DENORMALS.md"))
    args = parser.parse_args(argv)
    quick = args.quick
    images, label = _training_images(quick)
    n_samples, hidden, n_epochs = (
        (5_000, (50, 50), 8) if quick else (50_000, (300, 300), 20)
    )
    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()[0]
    X, y = _patches(images, 5, n_samples)
    epochs = bench_epochs(X, y, hidden, n_epochs)
    repeat = 1 if quick else 2
    fits, fit_epochs, same = bench_pipeline_fit(images[:8] if quick else images, repeat)

    early = slice(0, min(5, n_epochs))
    late = slice(n_epochs - 5, n_epochs)
    rows = [
        [
            name,
            fmt(np.median(times[early])),
            fmt(np.median(times[late])),
            fmt(times.sum()),
            f"{loss:.4f}",
            f"{accuracy:.3f}",
        ]
        for name, (times, loss, accuracy) in epochs.items()
    ]
    (ieee, *_), (flushed, *_) = epochs.values()
    fit_rows = [
        [
            blas,
            name,
            fmt(np.median(times)),
            ", ".join(fmt(t) for t in times),
            fit_epochs[blas, name],
        ]
        for (blas, name), times in fits.items()
    ]
    speedups = "; ".join(
        f"BLAS threads {blas}: "
        f"{np.median(fits[blas, IEEE]) / np.median(fits[blas, name]):.2f}x, "
        f"identical weights: {'yes' if same[blas] else 'no'}"
        for (blas, name) in fits
        if name != IEEE
    )
    text = [
        "# Training with subnormal floats flushed to zero",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC; load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end; {os.cpu_count()} cores ({cpu_model()})",
        "- command (from the repository root): `python -m benchmarks.denormals"
        + (" --quick" if quick else "")
        + "` with `SOMCOLOR_SCENE8=../shared/data/scene8`",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        "",
        f"## MLP epochs: {'+'.join(map(str, hidden))} hidden units, 5x5 patches",
        "",
        f"{len(X):,} float32 samples from {label} (Table II's protocol), "
        f"`MLPClassifier(random_state=0)` trained by `partial_fit`, one epoch per "
        f"call, {n_epochs} epochs. Times in s.",
        "",
        table(
            [
                "arithmetic",
                "median epoch, epochs 1-5",
                f"median epoch, epochs {late.start + 1}-{n_epochs}",
                f"{n_epochs} epochs",
                "final loss",
                "training accuracy",
            ],
            rows,
        ),
        "",
        f"Speed-up over the {n_epochs} epochs: "
        f"{ieee.sum() / flushed.sum():.1f}x; over the last "
        f"five: {np.median(ieee[late]) / np.median(flushed[late]):.1f}x.",
        "",
        "## Fitting the default pipeline",
        "",
        f"`ColorizerPipeline(random_state=0).fit` on "
        f"{label if not quick else '8 images'} (float64 patches), "
        f"{repeat} run(s) each, IEEE and flushed alternately, with one BLAS "
        "thread and with the default (one per core). Times in s.",
        "",
        table(["BLAS threads", "arithmetic", "median", "runs", "MLP epochs"], fit_rows),
        "",
        f"Speed-up of flushing: {speedups}.",
        "",
    ]
    Path(args.output).write_text("\n".join(text))
    print("\n".join(text))


if __name__ == "__main__":
    main()
