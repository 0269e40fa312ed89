"""Scoring: somcolor's CIEDE2000 kernel next to scikit-image's.

Run from the repository root::

    python -m benchmarks.ciede2000            # the section of benchmarks/RESULTS.md
    python -m benchmarks.ciede2000 --quick --output /tmp/RESULTS.md

A 4-megapixel pair (2048x2048): scikit-image's astronaut enlarged, as uint8
and as float, against its colorization by the shipped ``photos`` model
(float, as ``predict`` returns it), and against a uint8 copy of that.
somcolor's :func:`somcolor.metrics.mean_ciede2000` and the anchor,
``deltaE_ciede2000(rgb2lab(a), rgb2lab(b)).mean()``, run in this one process
on the same arrays; each is repeated and the median taken, and the ratio of
the medians is the figure. It also reports the largest per-pixel difference
between the two (the kernel must equal scikit-image to 1e-6) and the peak of
NumPy's allocations during each call (``tracemalloc``).

Without ``--output`` the section "Scoring: CIEDE2000" of
``benchmarks/RESULTS.md`` is replaced (or added), with its own date and this
command; ``python -m benchmarks`` runs the same case in its full run.
"""

import argparse
import datetime
import os
import re
from pathlib import Path

import numpy as np

from .run import HERE, cpu_model, fmt, peak_traced_mb, table, versions

TITLE = "Scoring: CIEDE2000"


def _timed_in_turn(ours, anchor, repeat):
    """Median wall and CPU time (every thread of the process) of ``repeat``
    calls of ``ours`` and of ``anchor``, called in turn (so that both meet
    the same load of a shared machine), and their last results."""
    import time

    times = {ours: ([], []), anchor: ([], [])}
    results = {}
    for _ in range(repeat):
        for fn in (ours, anchor):
            wall, cpu = time.perf_counter(), time.process_time()
            results[fn] = fn()
            times[fn][0].append(time.perf_counter() - wall)
            times[fn][1].append(time.process_time() - cpu)
    return [
        (float(np.median(walls)), float(np.median(cpus)), results[fn])
        for fn, (walls, cpus) in times.items()
    ]


def _pair(size):
    from skimage import data
    from skimage.transform import resize

    from somcolor import load_pretrained, to_grey

    truth = resize(data.astronaut(), (size, size), anti_aliasing=True)
    truth_uint8 = np.round(truth * 255).astype(np.uint8)
    guess = load_pretrained("photos").predict(to_grey([truth_uint8]))[0]
    return truth_uint8, truth, guess


def bench_ciede2000(quick):
    """The CIEDE2000 kernel against scikit-image on a 4-megapixel pair."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from somcolor import _metrics_kernels
    from somcolor.metrics import mean_ciede2000

    size = 256 if quick else 2048
    repeat = 2 if quick else 7
    truth_uint8, truth_float, guess = _pair(size)
    guess_uint8 = np.round(guess * 255).astype(np.uint8)
    cases = [
        (
            "uint8 original, float colorization (as `score` compares)",
            truth_uint8,
            guess,
        ),
        ("float original, float colorization", truth_float, guess),
        ("uint8 original, uint8 colorization (as files are)", truth_uint8, guess_uint8),
    ]
    rows, checks = [], []
    for label, truth, colour in cases:
        mean_ciede2000([truth[:8]], [colour[:8]])  # compile (cached) outside the time

        def ours(truth=truth, colour=colour):
            return mean_ciede2000([truth], [colour])

        def anchor(truth=truth, colour=colour):
            return float(deltaE_ciede2000(rgb2lab(truth), rgb2lab(colour)).mean())

        (t_ours, cpu_ours, value), (t_anchor, cpu_anchor, expected) = _timed_in_turn(
            ours, anchor, repeat
        )
        rows.append(
            [
                label,
                fmt(t_ours),
                fmt(t_anchor),
                f"**{t_anchor / t_ours:.1f}x**",
                f"{fmt(cpu_ours)} / {fmt(cpu_anchor)} ({cpu_anchor / cpu_ours:.1f}x)",
                f"{fmt(peak_traced_mb(ours))} / {fmt(peak_traced_mb(anchor))}",
            ]
        )
        tables = [_metrics_kernels.linear_table(a.dtype) for a in (truth, colour)]
        per_pixel = _metrics_kernels.ciede2000_map(truth, colour, *tables)
        reference = deltaE_ciede2000(rgb2lab(truth), rgb2lab(colour))
        checks.append(
            [
                label,
                f"{value:.6f} / {expected:.6f}",
                f"{np.abs(per_pixel - reference).max():.1e}",
            ]
        )
    text = (
        f"A {size}x{size} pair ({size * size / 1e6:.1f} megapixels): scikit-image's "
        "astronaut enlarged, against its colorization by the shipped `photos` "
        f"model. Median of {repeat} runs of each, in seconds, the two called "
        "in turn in this process; "
        f"{os.cpu_count()} cores (the kernel runs a row per thread, NumPy one "
        "thread). The ratio of wall times is the figure; on a shared machine "
        "the kernel's threads get what other work leaves them, so the CPU "
        "seconds (every thread) say what each costs. Memory: peak of NumPy's "
        "allocations during one call (MB).\n\n"
    )
    text += table(
        [
            "pair",
            "somcolor `mean_ciede2000`",
            "scikit-image `deltaE_ciede2000(rgb2lab(a), rgb2lab(b))`",
            "x scikit-image",
            "CPU s somcolor / scikit-image",
            "memory somcolor / scikit-image",
        ],
        rows,
    )
    text += "\n\nEquality:\n\n" + table(
        [
            "pair",
            "mean CIEDE2000 somcolor / scikit-image",
            "largest per-pixel difference",
        ],
        checks,
    )
    return text


def replace_section(path, title, body, header):
    """Put ``## title`` (with ``header`` lines and ``body``) into a Markdown file,
    in place of the section of that title if there is one, else at the end."""
    path = Path(path)
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    section = f"## {title}\n\n{header}\n\n{body}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, < 1 min")
    parser.add_argument(
        "--output", default=str(HERE / "RESULTS.md"), help="markdown file to update"
    )
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()[0]
    body = bench_ciede2000(args.quick)
    command = "python -m benchmarks.ciede2000" + (" --quick" if args.quick else "")
    header = (
        f"Measured {started:%Y-%m-%d %H:%M} UTC by `{command}` (this section only; "
        f"`python -m benchmarks` measures it too), {cpu_model()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end (shared machine); "
        + ", ".join(f"{k} {v}" for k, v in versions().items() if k != "minisom")
        + "."
    )
    replace_section(args.output, TITLE, body, header)
    print(f"[benchmarks] wrote the section {TITLE!r} of {args.output}", flush=True)


if __name__ == "__main__":
    main()
