"""Colorize a grey film from its colour keyframes (DAVIS 2016): the keyframe protocol.

For each of the ten DAVIS 2016 sequences, each method of ``--methods`` is
given the colour keyframes (``--keyframes``, frame 0 by default; frame
numbers past a sequence's end are dropped) and the grey (``somcolor.to_grey``)
of every other frame in playing order (frames 1, 2, ...; a keyframe after
frame 0 is in this stream too, as grey), and colours every one of them. It
is scored on every 5th frame (frames 5, 10, ..., keyframes left out): mean
CIEDE2000 of the method and of grey (lower is better), the share of those
frames on which it beats grey, and the colourfulness ratio (a ratio of
means, as ``somcolor.metrics.colourfulness_ratio``). Flicker is measured on
every frame it coloured: over all pairs of consecutive frames (1-2, 2-3,
...), the mean over pixels and pairs of the Euclidean change of the
output's CIELUV (U, V), divided by the same for the true frames (1.0 is as
steady as the real film; grey's is 0).

One Markdown table per method (a row per sequence and their average; the
average row counts the sequences whose mean beats grey's), then a summary
(average and worst flicker). Time is the method's own (fitting and
colouring every frame, making the grey frames included; scoring excluded).

Methods (:data:`METHODS`; a new one is one small function there, from the
keyframes (list of RGB uint8 arrays) and an iterator of grey frames (2-D
float arrays in [0, 1], in playing order) to an iterable of RGB frames, so
that a temporal method sees the frames in order):

* ``grey``: U = V = 0;
* ``today``: ``somcolor.pretrained.recipe("photos")`` with
  ``pixels_per_image=20000`` fit on the keyframes, every frame colorized
  on its own;
* ``fit_reference``: ``somcolor.fit_reference(keyframes, random_state=0)``,
  listed only when somcolor has it;
* ``steady:S``: ``somcolor.fit_reference(keyframes, random_state=0)``
  through ``somcolor.temporal.FrameColorizer(model, steadiness=S,
  keyframes=...)``: the frames in playing order through the edge-aware
  solver, each pulled towards the previous one's colours with weight ``S``;
  the colour keyframes are given to it by frame number (output as they are,
  their colours carried to the next frames; frame 0 first, to start from
  its colours), fading to grey where unsure as much as FrameColorizer's
  default ``fade`` says (``somcolor.temporal.FADE``); ``steady:S:SPEC``
  does the same with a candidate ``SPEC`` (below) fit on the keyframes
  instead of ``fit_reference``, with the candidate's own ``fade``
  (``FrameColorizer(..., fade=None)``): ``steady:1.0:reference`` is
  ``steady:1.0`` with the model's fade of 1e-4, and
  ``steady:1.0:reference+fade=0.01`` a stronger one;
* ``RECIPE+param=value+...``: a candidate configuration, the recipe of that
  name (``somcolor.pretrained.recipe``, ``random_state=0``; or a named
  candidate of ``_configs.CANDIDATES``) with those ``ColorizerPipeline``
  parameters set (``_configs.pipeline_from_spec``),
  fit on the keyframes, every frame colorized on its own.

Besides the total time, each table gives the method's median time per
frame once it has started (frames 2 onwards; making the grey frames
excluded): for the methods above, ``predict`` on one grey 854x480 frame.

Needs the DAVIS 2016 frames: ``--data`` or ``SOMCOLOR_DAVIS2016`` (the
folder holding ``blackswan/00000.jpg`` etc.). Usage::

    SOMCOLOR_DAVIS2016=../shared/data/davis2016 python examples/video_keyframes.py
    python examples/video_keyframes.py --keyframes 0,40   # a second keyframe
    python examples/video_keyframes.py --quick   # 2 sequences, 11 frames each
"""

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
from _configs import CANDIDATES, pipeline_from_spec
from _judge import Judge
from skimage import io as skio
from skimage.util import img_as_float

import somcolor
from somcolor import to_grey
from somcolor.color import rgb_to_luv
from somcolor.metrics import colourfulness
from somcolor.pretrained import recipe

DAVIS_ENV = "SOMCOLOR_DAVIS2016"
SEQUENCES = (
    "blackswan",
    "bmx-trees",
    "breakdance",
    "camel",
    "car-roundabout",
    "car-shadow",
    "cows",
    "dance-twirl",
    "dog",
    "drift-chicane",
)
SCORE_EVERY = 5


# A method: (keyframes, grey frames iterator) -> iterable of RGB frames.
# ``keyframes`` is a list of RGB uint8 arrays whose ``indices`` attribute
# holds their frame numbers (for the methods that use them).


class Keyframes(list):
    """The colour keyframes, with their frame numbers as ``indices``."""

    def __init__(self, frames, indices):
        super().__init__(frames)
        self.indices = list(indices)


def grey(keyframes, frames):
    for frame in frames:
        yield np.dstack([frame] * 3)


def today(keyframes, frames):
    model = recipe("photos").set_params(pixels_per_image=20000).fit(keyframes)
    for frame in frames:
        yield model.predict([frame])[0]


def fit_reference(keyframes, frames):
    model = somcolor.fit_reference(keyframes, random_state=0)
    for frame in frames:
        yield model.predict([frame])[0]


def candidate(spec):
    """A method fitting the configuration ``spec`` (see ``pipeline_from_spec``)."""

    def method(keyframes, frames):
        model = pipeline_from_spec(spec).fit(keyframes)
        for frame in frames:
            yield model.predict([frame])[0]

    return method


def steady(steadiness, spec=None):
    """A method: ``FrameColorizer`` at ``steadiness`` on ``fit_reference``
    (or on the candidate ``spec``) fit on the keyframes."""
    from somcolor.temporal import FADE, FrameColorizer

    def method(keyframes, frames):
        if spec is None:
            model = somcolor.fit_reference(list(keyframes), random_state=0)
        else:
            model = pipeline_from_spec(spec).fit(list(keyframes))
        known = dict(zip(keyframes.indices, keyframes))
        # A candidate's own fade counts; fit_reference's frames take the
        # FrameColorizer default.
        fade = None if spec is not None else FADE
        colorize = FrameColorizer(
            model, steadiness=steadiness, fade=fade, keyframes=known
        )
        if 0 in known:  # start from frame 0's true colours
            colorize(to_grey([known[0]])[0], 0)
        for t, frame in enumerate(frames, start=1):
            yield colorize(frame, t)

    return method


def _steady_method(name):
    """The method of ``steady:S`` or ``steady:S:SPEC``."""
    _, text, *spec = name.split(":", 2)
    steadiness = float(text)
    if spec:
        pipeline_from_spec(spec[0])  # checked now
    return steady(steadiness, spec[0] if spec else None)


METHODS = {"grey": grey, "today": today}
if hasattr(somcolor, "fit_reference"):
    METHODS["fit_reference"] = fit_reference
DEFAULT = ",".join(m for m in METHODS if m != "grey")


def _chroma(rgb):
    """CIELUV (U, V) of an RGB frame, uint8 or float in [0, 1]."""
    return rgb_to_luv(img_as_float(rgb))[..., 1:].astype(np.float32)


def _mean_change(a, b):
    return float(np.sqrt(((a - b) ** 2).sum(axis=-1)).mean())


class Sequence:
    """A sequence's frames (uint8), keyframes, scored frames and their judge."""

    def __init__(self, folder, keyframes, max_frames=None, n_jobs=2):
        files = sorted(Path(folder).glob("*.jpg"))[:max_frames]
        self.name = Path(folder).name
        self.frames = [skio.imread(f) for f in files]
        self.keys = [k for k in keyframes if k < len(self.frames)]
        self.scored = [
            t
            for t in range(SCORE_EVERY, len(self.frames), SCORE_EVERY)
            if t not in self.keys
        ]
        self.judge = Judge([self.frames[t] for t in self.scored], n_jobs=n_jobs)
        # The true film's mean chroma change between consecutive frames 1..N-1.
        changes, previous = [], None
        for frame in self.frames[1:]:
            current = _chroma(frame)
            if previous is not None:
                changes.append(_mean_change(current, previous))
            previous = current
        self.true_change = float(np.mean(changes))

    def greys(self):
        """Grey frames 1, 2, ..., in order (made as they are asked for).

        The time spent making them is added up in ``self.grey_seconds``.
        """
        for frame in self.frames[1:]:
            start = time.perf_counter()
            grey = to_grey([frame])[0]
            self.grey_seconds += time.perf_counter() - start
            yield grey

    def evaluate(self, method):
        """Run ``method`` over the sequence; its figures as a dict."""
        keyframes = Keyframes([self.frames[k] for k in self.keys], self.keys)
        self.grey_seconds = 0.0
        start = time.perf_counter()
        seconds = 0.0
        outputs = iter(method(keyframes, self.greys()))
        scored, changes, previous, per_frame = [], [], None, []
        for t in range(1, len(self.frames)):
            greys_before = self.grey_seconds
            colour = next(outputs)
            elapsed = time.perf_counter() - start
            seconds += elapsed
            if t > 1:
                per_frame.append(elapsed - (self.grey_seconds - greys_before))
            if t in self.scored:
                scored.append(colour)
            current = _chroma(colour)
            if previous is not None:
                changes.append(_mean_change(current, previous))
            previous = current
            start = time.perf_counter()
        delta = self.judge.delta_e(scored)
        return {
            "delta": delta.mean(),
            "grey": self.judge.grey_delta.mean(),
            "better": np.mean(delta < self.judge.grey_delta),
            "ratio": colourfulness(scored).mean() / self.judge.colourfulness.mean(),
            "flicker": np.mean(changes) / self.true_change,
            "seconds": seconds,
            "frame_ms": 1000 * np.median(per_frame) if per_frame else np.nan,
        }


def davis_home(given):
    folder = given or os.environ.get(DAVIS_ENV)
    if not folder or not (Path(folder) / SEQUENCES[0]).is_dir():
        return None
    return Path(folder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help=f"the DAVIS 2016 folder (default: ${DAVIS_ENV})")
    parser.add_argument(
        "--methods",
        default=DEFAULT,
        help=f"of {list(METHODS)}, steady:S[:SPEC] or a candidate spec",
    )
    parser.add_argument(
        "--keyframes", default="0", help="comma-separated frame numbers (fit frames)"
    )
    parser.add_argument("--sequences", help="comma-separated subset of the ten")
    parser.add_argument(
        "--quick", action="store_true", help="2 sequences, first 11 frames"
    )
    parser.add_argument("--n-jobs", type=int, default=2, help="for the scoring")
    args = parser.parse_args()
    names = [n.strip() for n in args.methods.split(",") if n.strip()]
    unknown = [
        n
        for n in names
        if n not in METHODS
        and "+" not in n
        and n not in CANDIDATES
        and not n.startswith("steady:")
    ]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; known: {list(METHODS)}")
    try:
        for name in names:
            if name.startswith("steady:"):
                METHODS[name] = _steady_method(name)
            elif name not in METHODS:
                pipeline_from_spec(name)
                METHODS[name] = candidate(name)
    except (ValueError, SyntaxError) as error:
        parser.error(f"bad candidate {name!r}: {error}")
    try:
        keyframes = sorted({int(k) for k in args.keyframes.split(",")})
    except ValueError:
        parser.error(
            f"--keyframes: comma-separated frame numbers, got {args.keyframes!r}"
        )
    if not keyframes or keyframes[0] < 0:
        parser.error("--keyframes: frame numbers from 0")
    sequences = SEQUENCES if not args.sequences else args.sequences.split(",")
    max_frames = None
    if args.quick:
        sequences, max_frames = ("blackswan", "car-shadow"), 11
    unknown = [s for s in sequences if s not in SEQUENCES]
    if unknown:
        parser.error(f"unknown sequence(s) {unknown}; known: {list(SEQUENCES)}")
    home = davis_home(args.data)
    if home is None:
        parser.error(f"DAVIS 2016 frames not found: pass --data or set {DAVIS_ENV}")

    results = {name: [] for name in names}
    with warnings.catch_warnings():
        # One or two keyframes are little data, and the recipe's classifier
        # may stop at its epoch limit: expected here.
        warnings.simplefilter("ignore", somcolor.TrainingDataWarning)
        warnings.simplefilter("ignore", somcolor.NotConvergedWarning)
        for sequence_name in sequences:
            sequence = Sequence(
                home / sequence_name, keyframes, max_frames, args.n_jobs
            )
            for name in names:
                row = sequence.evaluate(METHODS[name])
                row.update(
                    name=sequence_name,
                    frames=len(sequence.frames),
                    keys=sequence.keys,
                    n_scored=len(sequence.scored),
                )
                results[name].append(row)
                print(
                    f"{name} {sequence_name}: {row['delta']:.2f} (grey "
                    f"{row['grey']:.2f}), flicker {row['flicker']:.2f}, "
                    f"{row['seconds']:.0f} s, {row['frame_ms']:.0f} ms/frame",
                    flush=True,
                )

    print(f"\nDAVIS 2016, keyframes {keyframes}, scored every {SCORE_EVERY}th frame")
    for name, rows in results.items():
        print(f"\n{name}\n")
        print(
            "| sequence | frames | keyframes | scored | mean CIEDE2000 | grey "
            "| better than grey | colourfulness ratio | flicker | time (s) "
            "| per frame (ms) |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(
                f"| {r['name']} | {r['frames']} | {','.join(map(str, r['keys']))} "
                f"| {r['n_scored']} | {r['delta']:.2f} | {r['grey']:.2f} "
                f"| {r['better']:.0%} | {r['ratio']:.2f} | {r['flicker']:.2f} "
                f"| {r['seconds']:.0f} | {r['frame_ms']:.0f} |"
            )
        n_better = sum(r["delta"] < r["grey"] for r in rows)
        mean = {k: np.mean([r[k] for r in rows]) for k in ("delta", "grey", "ratio")}
        mean["flicker"] = np.mean([r["flicker"] for r in rows])
        print(
            f"| average | | | {sum(r['n_scored'] for r in rows)} | {mean['delta']:.2f} "
            f"| {mean['grey']:.2f} | {n_better} of {len(rows)} sequences "
            f"| {mean['ratio']:.2f} | {mean['flicker']:.2f} "
            f"| {sum(r['seconds'] for r in rows):.0f} "
            f"| {np.median([r['frame_ms'] for r in rows]):.0f} |"
        )

    print(
        "\n| method | mean CIEDE2000 | grey | sequences better than grey "
        "| flicker (average) | flicker (worst) | time (s) | per frame (ms) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        flicker = [r["flicker"] for r in rows]
        print(
            f"| {name} | {np.mean([r['delta'] for r in rows]):.2f} "
            f"| {np.mean([r['grey'] for r in rows]):.2f} "
            f"| {sum(r['delta'] < r['grey'] for r in rows)} of {len(rows)} "
            f"| {np.mean(flicker):.2f} | {np.max(flicker):.2f} "
            f"| {sum(r['seconds'] for r in rows):.0f} "
            f"| {np.median([r['frame_ms'] for r in rows]):.0f} |"
        )


if __name__ == "__main__":
    main()
