"""Colour hints and refinement: the solver next to SciPy, hints next to predict.

Run from the repository root::

    python -m benchmarks.steering                       # about 3 minutes
    python -m benchmarks.steering --quick --output /tmp/STEERING.md   # < 1 min

Writes ``benchmarks/STEERING.md``. No data set needed (scikit-image's
astronaut, resized). Cases (issue 21, speed goals):

* the solver (:func:`somcolor.solver.solve_chroma`: three passes of the fast
  global smoother, then up to 100 conjugate-gradient iterations) next to
  SciPy's sparse direct solve of the same system (``splu``, as
  ``somcolor._reference.wls_solve``), at 256x256 (the hint protocol's size)
  and 512x512, with the largest difference between the two solutions; and
  at 1024x1024, where the direct solve's fill-in makes it a matter of
  tens of seconds and gigabytes, the solver alone;
* ``predict`` on a 1024x1024 grey photograph without hints, with 20 hints
  (6x6 squares of the true colour) and with ``refine=True``, for the shipped
  ``photos`` model (colorized at its training scale) and for a model
  colorizing at the input's own scale (3x3 patches, soft decoding, fit on
  the photograph), as ratios to ``predict`` without hints: the goal is at
  most 3x with 20 hints;
* a new hint on a 1-megapixel photograph as the web page re-colours it.

Every time is the median of the repeats, all in this one run.
"""

import argparse
import datetime
import time
import warnings
from pathlib import Path

import numpy as np

from .run import cpu_model, fmt, table, versions

HERE = Path(__file__).resolve().parent


def _median(repeat, fn, *args, **kwargs):
    """Median seconds of ``fn(*args, **kwargs)`` over ``repeat`` calls."""
    fn(*args, **kwargs)  # compiled kernels, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _photograph(size):
    from skimage import data
    from skimage.transform import resize

    image = resize(data.astronaut(), (size, size), anti_aliasing=True)
    return np.round(image * 255).astype(np.uint8)


def _problem(size):
    """The solver's data for one photograph: the photos model's chroma."""
    from somcolor import steering, to_grey
    from somcolor.color import grey_to_lightness
    from somcolor.pretrained import load_pretrained

    model = load_pretrained("photos")
    photo = _photograph(size)
    lightness = grey_to_lightness(to_grey([photo])[0])
    features = model._dense_features(lightness)
    scores, hidden = steering.forward(model.classifier_, features)
    colours = model.codebook_[model.classifier_.classes_]
    chroma, uncertainty = steering.decode(
        scores, hidden, colours, True, model.temperature, np.zeros((0, 2))
    )
    data, weights = steering.data_terms(
        chroma.reshape(size, size, 2), uncertainty.reshape(size, size), 1e-4
    )
    return lightness, data, weights


def solver_cases(sizes, exact_sizes, repeat):
    from somcolor import _reference, steering
    from somcolor.solver import solve_chroma

    rows = []
    for size in sizes:
        lightness, data, weights = _problem(size)
        options = dict(
            smoothness=3.0,
            edge_sigma=steering.EDGE_SIGMA,
            passes=steering.PASSES,
            max_iter=steering.MAX_ITER,
            tol=steering.TOL,
        )
        ours = _median(repeat, solve_chroma, lightness, data, weights, **options)
        cells = [f"{size}x{size}", fmt(ours * 1000)]
        if size in exact_sizes:
            exact = _median(
                max(1, repeat // 3),
                _reference.wls_solve,
                lightness,
                data,
                weights,
                3.0,
                steering.EDGE_SIGMA,
            )
            difference = np.abs(
                solve_chroma(lightness, data, weights, **options)
                - _reference.wls_solve(
                    lightness, data, weights, 3.0, steering.EDGE_SIGMA
                )
            ).max()
            cells += [fmt(exact * 1000), fmt(exact / ours), fmt(difference)]
        else:
            cells += ["", "", ""]
        rows.append(cells)
    return table(
        [
            "image",
            "somcolor solver (ms)",
            "SciPy splu of the same system (ms)",
            "ratio",
            "largest difference (U, V units)",
        ],
        rows,
    )


def predict_cases(size, repeat):
    from somcolor import ColorizerPipeline, to_grey
    from somcolor.pretrained import load_pretrained

    photo = _photograph(size)
    grey = [np.round(to_grey([photo])[0] * 255).astype(np.uint8)]
    rng = np.random.default_rng(0)
    mask = np.zeros((size, size), bool)
    for _ in range(20):
        r, c = rng.integers(0, size - 6, 2)
        mask[r : r + 6, c : c + 6] = True
    hints = [(mask, photo)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        own_scale = ColorizerPipeline(
            decoding="soft", pixels_per_image=20000, random_state=0
        ).fit([_photograph(512)])
    rows = []
    for name, model in (
        ("shipped photos (training scale)", load_pretrained("photos")),
        ("3x3 patch, soft, input scale", own_scale),
    ):
        model.set_params(refine=False)
        plain = _median(repeat, model.predict, grey)
        hinted = _median(repeat, model.predict, grey, hints=hints)
        model.set_params(refine=True)
        refined = _median(repeat, model.predict, grey)
        rows.append(
            [
                name,
                fmt(plain * 1000),
                fmt(hinted * 1000),
                fmt(hinted / plain),
                fmt(refined * 1000),
                fmt(refined / plain),
            ]
        )
    return table(
        [
            f"model, {size}x{size} grey uint8",
            "predict (ms)",
            "with 20 hints (ms)",
            "ratio",
            "refine=True (ms)",
            "ratio",
        ],
        rows,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=HERE / "STEERING.md")
    args = parser.parse_args(argv)
    if args.quick:
        sizes, exact, size, repeat = (64, 128), (64,), 128, 1
    else:
        sizes, exact, size, repeat = (256, 512, 1024), (256, 512), 1024, 5
    command = "python -m benchmarks.steering" + (" --quick" if args.quick else "")
    lines = [
        "# Colour hints and refinement: speed",
        "",
        f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"machine: {cpu_model()}; command: `{command}`",
        "",
        "versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        "",
        "## The solver next to SciPy's direct solve",
        "",
        solver_cases(sizes, exact, repeat),
        "",
        "## predict with hints and refinement",
        "",
        predict_cases(size, repeat),
        "",
    ]
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
