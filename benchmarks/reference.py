"""Fitting on a reference photograph: ``fit_reference`` next to today's way.

Run from the repository root::

    export SOMCOLOR_BSDS500=../shared/data/bsds500
    export SOMCOLOR_DAVIS2016=../shared/data/davis2016
    python -m benchmarks.reference          # about 3 minutes on two cores
    python -m benchmarks.reference --quick --output /tmp/RESULTS.md   # < 1 min

Replaces its own section of ``benchmarks/RESULTS.md`` (``python -m
benchmarks`` runs it too). The goals are issue 20's: a fit on a BSDS500 half
in at most 0.4 times today's way (the ``photos`` recipe at 20,000 pixels per
image, on the same reference, in the same run), a 12-megapixel reference in
at most 3 s, and 854x480 frames colorized at 25 frames per second or more
once fitted. Every figure is a median of repeats, the two ways interleaved
so that they share the machine's load; the processor time (all threads)
is given next to the wall time because the machine is shared.
"""

import argparse
import datetime
import os
import time
import warnings
from pathlib import Path

import numpy as np

from .run import HERE, cpu_model, fmt, table, versions

TITLE = "Fitting on a reference photograph (fit_reference)"


def _today(images):
    from somcolor.pretrained import recipe

    return recipe("photos").set_params(pixels_per_image=20000).fit(images)


def _ours(images):
    from somcolor import fit_reference

    return fit_reference(images, random_state=0)


def _timed(fn):
    """(wall seconds, processor seconds of the process, result) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _interleaved(fns, repeat):
    """Median wall and processor seconds of each of ``fns``, called in turn."""
    walls = [[] for _ in fns]
    cpus = [[] for _ in fns]
    for _ in range(repeat):
        for k, fn in enumerate(fns):
            wall, cpu, _ = _timed(fn)
            walls[k].append(wall)
            cpus[k].append(cpu)
    return [(float(np.median(w)), float(np.median(c))) for w, c in zip(walls, cpus)]


def halves_references(quick):
    """Reference halves (left, or top of a portrait) and where they come from."""
    from somcolor.datasets import bsds500_home, load_bsds500

    if bsds500_home() is not None and not quick:
        images = load_bsds500("val").images[:5]
        label = "the first 5 BSDS500 val photographs"
    else:
        from skimage import data

        images = [data.coffee()[::2, ::2], data.astronaut()[::2, ::2]]
        label = "scikit-image's coffee and astronaut, halved (no SOMCOLOR_BSDS500)"
    out = []
    for image in images:
        height, width = image.shape[:2]
        out.append(image[:, : width // 2] if width >= height else image[: height // 2])
    return out, label


def bench_halves(quick):
    repeat = 1 if quick else 5
    references, label = halves_references(quick)
    rows, ratios = [], []
    for k, reference in enumerate(references):
        _today([reference])  # compile and warm both ways
        _ours([reference])
        (today_w, today_c), (ours_w, ours_c) = _interleaved(
            [lambda r=reference: _today([r]), lambda r=reference: _ours([r])], repeat
        )
        ratios.append(ours_w / today_w)
        rows.append(
            [
                f"{k} ({reference.shape[1]}x{reference.shape[0]})",
                fmt(today_w),
                fmt(ours_w),
                f"**{ours_w / today_w:.2f}**",
                fmt(today_c),
                fmt(ours_c),
            ]
        )
    text = (
        f"References: one half of each of {label}. Today's way: "
        "`recipe('photos').set_params(pixels_per_image=20000).fit([half])`; "
        "`fit_reference([half], random_state=0)` is the 'reference' recipe. "
        f"Median of {repeat} fits each, interleaved. Median ratio over the "
        f"references: **{np.median(ratios):.2f}** (goal: at most 0.4).\n\n"
    )
    return text + table(
        [
            "reference",
            "today (s)",
            "fit_reference (s)",
            "ratio",
            "today, processor (s)",
            "fit_reference, processor (s)",
        ],
        rows,
    )


def large_reference(quick):
    """A 4000x3000 uint8 photograph (1000x750 in quick mode) and its label:
    the first BSDS500 val photograph enlarged (scikit-image's coffee without
    SOMCOLOR_BSDS500)."""
    from skimage import data
    from skimage.transform import resize

    from somcolor.datasets import bsds500_home, load_bsds500

    if bsds500_home() is not None and not quick:
        image = load_bsds500("val").images[0]
        label = "the first BSDS500 val photograph"
    else:
        image = data.coffee()
        label = "scikit-image's coffee"
    if image.shape[0] > image.shape[1]:  # landscape, as cameras write them
        image = np.ascontiguousarray(image.transpose(1, 0, 2))
    shape = (750, 1000) if quick else (3000, 4000)
    large = np.round(resize(image, shape, order=1) * 255).astype(np.uint8)
    return large, label


def bench_large(quick):
    from skimage.color import rgb2luv

    from somcolor.pretrained import recipe
    from somcolor.reference import _check_references

    repeat = 1 if quick else 3
    image, label = large_reference(quick)
    megapixels = image.shape[0] * image.shape[1] / 1e6
    cap = recipe("reference").max_training_size
    _ours([image[:200, :200]])  # compiled
    ours_w, ours_c = _interleaved([lambda: _ours([image])], repeat)[0]
    check_w, _ = _interleaved([lambda: _check_references([image], cap)], repeat)[0]
    luv_w, _, _ = _timed(lambda: rgb2luv(image))
    today_w, today_c, _ = _timed(lambda: _today([image]))
    rows = [
        ["`fit_reference([image], random_state=0)`", fmt(ours_w), fmt(ours_c)],
        [
            "of which checking and shrinking the reference to the recipe's "
            f"`max_training_size={cap}`",
            fmt(check_w),
            "",
        ],
        ["today's way (one run)", fmt(today_w), fmt(today_c)],
        ["`skimage.color.rgb2luv` of the reference alone (one run)", fmt(luv_w), ""],
    ]
    text = (
        f"A {image.shape[1]}x{image.shape[0]} ({megapixels:.0f} megapixel) uint8 "
        f"photograph ({label}, enlarged). Median of {repeat} "
        "(fit_reference). Goal: at most 3 s.\n\n"
    )
    return text + table(["what", "wall (s)", "processor (s)"], rows)


def frames(quick):
    """Colour frame 0 and grey uint8 frames of a DAVIS 2016 sequence (854x480)."""
    from somcolor import to_grey

    home = os.environ.get("SOMCOLOR_DAVIS2016")
    folder = Path(home) / "blackswan" if home else None
    if folder is not None and folder.is_dir() and not quick:
        from skimage import io

        files = sorted(folder.glob("*.jpg"))[:31]
        colour = [io.imread(f) for f in files]
        label = "DAVIS 2016 blackswan, frame 0 the reference, frames 1-30 grey"
    else:
        from skimage import data
        from skimage.transform import resize

        shape = (120, 214) if quick else (480, 854)
        base = resize(data.astronaut(), shape, order=1)
        colour = [
            np.round(np.roll(base, 2 * t, axis=1) * 255).astype(np.uint8)
            for t in range(6 if quick else 31)
        ]
        label = "scikit-image's astronaut at 854x480, shifted (no SOMCOLOR_DAVIS2016)"
    grey = [np.round(g * 255).astype(np.uint8) for g in to_grey(colour[1:])]
    return colour[0], grey, label


def _steady(model):
    """``predict`` through ``FrameColorizer`` (refined, steady colours)."""
    from somcolor.temporal import STEADINESS, FrameColorizer

    colorize = FrameColorizer(model, steadiness=STEADINESS)
    counter = iter(range(10**9))
    return lambda grey: colorize(grey, next(counter)), STEADINESS


def bench_frames(quick):
    reference, greys, label = frames(quick)
    today, ours = _today([reference]), _ours([reference])
    steady, steadiness = _steady(ours)
    ways = {
        "today's way, `predict`": lambda g: today.predict([g]),
        "fit_reference, `predict`": lambda g: ours.predict([g]),
        "fit_reference through `FrameColorizer(model, "
        f"steadiness={steadiness:g})` (steady colours, refined)": steady,
    }
    rows = []
    for name, way in ways.items():
        way(greys[0])  # compiled
        walls, cpus = [], []
        for grey in greys:
            wall, cpu, _ = _timed(lambda g=grey, w=way: w(g))
            walls.append(wall)
            cpus.append(cpu)
        wall, cpu = float(np.median(walls)), float(np.median(cpus))
        rows.append(
            [name, f"{1000 * wall:.1f}", f"{1 / wall:.0f}", f"{1000 * cpu:.1f}"]
        )
    height, width = greys[0].shape
    text = (
        f"{label}: one {width}x{height} grey uint8 frame at a time, median over "
        f"{len(greys)} frames, once fitted (decoding and encoding excluded: "
        "next table). Goal: at least 25 frames per second (40 ms a frame).\n\n"
    )
    text += table(
        ["model", "wall (ms/frame)", "frames/s", "processor (ms/frame, all threads)"],
        rows,
    )
    return text + "\n\n" + bench_video_file(reference, greys, ours, quick)


def bench_video_file(reference, greys, model, quick):
    """``colorize_video`` from an mp4 of the frames to an mp4 (needs PyAV)."""
    try:
        import av  # noqa: F401
    except ImportError:
        return (
            "Decoding and encoding included: not measured (PyAV is not "
            'installed: `pip install "somcolor[video]"`).'
        )
    import tempfile

    from somcolor.video import VideoWriter, colorize_video

    repeat = 1 if quick else 3
    height, width = greys[0].shape
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "grey.mp4", Path(tmp) / "out.mp4"
        with VideoWriter(source, 25, (width, height)) as writer:
            for grey in greys:
                writer.write(np.dstack([grey] * 3))

        def run(steady):
            from somcolor.temporal import FrameColorizer

            if steady:
                colorize = FrameColorizer(model)
            else:

                def colorize(grey, index):
                    return model.predict([grey])[0]

            colorize_video(colorize, source, out, overwrite=True)

        run(False)  # warm
        run(True)
        timings = _interleaved([lambda: run(False), lambda: run(True)], repeat)
    n = len(greys)
    rows = [
        [name, f"**{n / wall:.1f}**", f"{1000 * wall / n:.1f}", f"{1000 * cpu / n:.1f}"]
        for name, (wall, cpu) in zip(
            [
                "`lambda grey, index: model.predict([grey])[0]`",
                "`FrameColorizer(model)` (steady colours; what `somcolor "
                "colorize` does with a video)",
            ],
            timings,
        )
    ]
    text = (
        "Decoding and encoding included: `colorize_video(colorize, 'grey.mp4', "
        f"'out.mp4')` with the fit_reference model over the same {n} frames as "
        f"an mp4 (somcolor's default encoding), median of {repeat}, the two "
        "interleaved.\n\n"
    )
    return text + table(
        [
            "colorize",
            "frames/s",
            "wall (ms/frame)",
            "processor (ms/frame, all threads)",
        ],
        rows,
    )


def bench_reference(quick):
    """The section's body: the three cases."""
    with warnings.catch_warnings():
        # One reference is little data, and the recipes' classifiers may
        # stop at their epoch limit: expected here.
        from somcolor import NotConvergedWarning, TrainingDataWarning

        warnings.simplefilter("ignore", TrainingDataWarning)
        warnings.simplefilter("ignore", NotConvergedWarning)
        parts = [
            ("### Fit time on a BSDS500 half", bench_halves(quick)),
            ("### A 12-megapixel reference", bench_large(quick)),
            ("### Colorizing 854x480 video frames", bench_frames(quick)),
        ]
    return "\n\n".join(f"{title}\n\n{body}" for title, body in parts)


def replace_section(text, title, body):
    """``text`` (Markdown) with section ``## title`` replaced, or appended."""
    heading = f"## {title}"
    new = f"{heading}\n\n{body}\n"
    if heading not in text:
        return text.rstrip("\n") + "\n\n" + new
    before, after = text.split(heading, 1)
    rest = after.split("\n## ", 1)
    tail = "\n## " + rest[1] if len(rest) == 2 else ""
    return before + new + tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, < 1 min")
    parser.add_argument(
        "--output",
        default=str(HERE / "RESULTS.md"),
        help="markdown file whose section to write",
    )
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    body = bench_reference(args.quick)
    command = "python -m benchmarks.reference" + (" --quick" if args.quick else "")
    header = (
        f"- date: {started:%Y-%m-%d %H:%M} UTC; command (from the repository "
        f"root): `{command}` with `SOMCOLOR_BSDS500=../shared/data/bsds500` and "
        "`SOMCOLOR_DAVIS2016=../shared/data/davis2016`\n"
        f"- machine: {cpu_model()}, {os.cpu_count()} cores, load average "
        f"{load_before[0]:.1f} at start, {os.getloadavg()[0]:.1f} at end "
        "(shared machine)\n"
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()) + "\n\n"
    )
    output = Path(args.output)
    text = output.read_text() if output.exists() else "# Benchmark results\n"
    output.write_text(replace_section(text, TITLE, header + body))
    print(header + body)
    print(f"[benchmarks.reference] wrote {output}", flush=True)


if __name__ == "__main__":
    main()
