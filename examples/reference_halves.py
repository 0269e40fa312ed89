"""Colorize half a photograph from its other half (BSDS500): the reference protocol.

For every ``--every``-th BSDS500 photograph of ``--split``, the reference is
one half of the photograph (the left half of a landscape one, the top half
of a portrait one; ``W // 2`` or ``H // 2`` pixels) and the target is the
other half, made grey with ``somcolor.to_grey``. Each method of
``--methods`` is fit on the reference alone and colorizes the target. One
Markdown row per method: mean CIEDE2000 over the targets (lower is better),
the share of targets on which it beats grey and on which it beats Welsh et
al., the colourfulness ratio (a ratio of means, as
``somcolor.metrics.colourfulness_ratio``), and the median time per
reference to fit and to colorize (Welsh et al. does all its work when it
colorizes: its luminance remapping needs the target).

Methods (:data:`METHODS`; a new one is one small function there):

* ``grey``: the target's grey (U = V = 0);
* ``welsh``: Welsh, Ashikhmin and Mueller 2002, global matching in CIELUV
  (``examples/_anchors.py``), about 200 jittered samples seeded by the
  photograph's index; ``welsh-lab``: the same in Ruderman's l-alpha-beta,
  as in the paper (the target's CIE L is then not kept exactly);
* ``today``: ``somcolor.pretrained.recipe("photos")`` with
  ``pixels_per_image=20000`` fit on the reference half;
* ``fit_reference``: ``somcolor.fit_reference([reference], random_state=0)``,
  listed only when somcolor has it;
* ``RECIPE+param=value+...``: a candidate configuration, the recipe of that
  name (``somcolor.pretrained.recipe``, ``random_state=0``; or a named
  candidate of ``_configs.CANDIDATES``) with those ``ColorizerPipeline``
  parameters set (``_configs.pipeline_from_spec``),
  for example ``photos+pixels_per_image=5000+max_training_size=200``
  (a tuple's elements separated by ``/``: ``extractor__context=4/8``).

Choose on ``--split val``; ``--split test`` reports (never tune on it).
Needs ``SOMCOLOR_BSDS500`` (the folder holding ``train/``, ``val/`` and
``test/``). Usage::

    SOMCOLOR_BSDS500=../shared/data/bsds500 python examples/reference_halves.py \\
        --split val --every 2 --methods grey,welsh,today
    python examples/reference_halves.py --quick   # 3 photographs, seconds
"""

import argparse
import time
import warnings

import numpy as np
from _anchors import welsh_transfer
from _configs import CANDIDATES, pipeline_from_spec
from _judge import Judge

import somcolor
from somcolor.datasets import load_bsds500
from somcolor.metrics import colourfulness
from somcolor.pretrained import recipe


def halves(image):
    """``(reference, target)``: left/right of a landscape image, top/bottom else."""
    height, width = image.shape[:2]
    if width >= height:
        return image[:, : width // 2], image[:, width // 2 :]
    return image[: height // 2], image[height // 2 :]


# A method is ``fit(reference_rgb, index) -> colorize(target_grey) -> rgb``:
# the first call is timed as the fit, the second as the colorizing.


def grey(reference, index):
    return lambda target: np.dstack([target] * 3)


def _welsh(space):
    def fit(reference, index):
        return lambda target: welsh_transfer(
            reference, target, n_samples=200, rng=index, space=space
        )

    return fit


def today(reference, index):
    model = recipe("photos").set_params(pixels_per_image=20000)
    model.fit([reference])
    return lambda target: model.predict([target])[0]


def fit_reference(reference, index):
    model = somcolor.fit_reference([reference], random_state=0)
    return lambda target: model.predict([target])[0]


def candidate(spec):
    """A method fitting the configuration ``spec`` (see ``pipeline_from_spec``)."""

    def fit(reference, index):
        model = pipeline_from_spec(spec).fit([reference])
        return lambda target: model.predict([target])[0]

    return fit


METHODS = {
    "grey": grey,
    "welsh": _welsh("luv"),
    "welsh-lab": _welsh("lalphabeta"),
    "today": today,
}
if hasattr(somcolor, "fit_reference"):
    METHODS["fit_reference"] = fit_reference

DEFAULT = ",".join(
    ["grey", "welsh", "today"] + ["fit_reference"] * ("fit_reference" in METHODS)
)


def run(method, references, targets):
    """Colorizations of the targets, median fit and colorize seconds."""
    colours, fit_s, colorize_s = [], [], []
    for reference, (index, target) in zip(references, targets):
        start = time.perf_counter()
        colorize = method(reference, index)
        middle = time.perf_counter()
        colours.append(colorize(target))
        fit_s.append(middle - start)
        colorize_s.append(time.perf_counter() - middle)
    return colours, np.median(fit_s), np.median(colorize_s)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--every", type=int, default=2, help="every k-th photograph")
    parser.add_argument(
        "--methods", default=DEFAULT, help=f"comma-separated: {list(METHODS)}"
    )
    parser.add_argument("--quick", action="store_true", help="3 photographs only")
    parser.add_argument("--n-jobs", type=int, default=2, help="for the scoring")
    parser.add_argument(
        "--per-photo",
        action="store_true",
        help="also a table of each photograph's CIEDE2000 per method",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.methods.split(",") if n.strip()]
    unknown = [
        n for n in names if n not in METHODS and "+" not in n and n not in CANDIDATES
    ]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; known: {list(METHODS)}")
    try:
        for name in names:
            if name not in METHODS:
                pipeline_from_spec(name)
                METHODS[name] = candidate(name)
    except (ValueError, SyntaxError) as error:
        parser.error(f"bad candidate {name!r}: {error}")
    if args.every < 1:
        parser.error("--every must be at least 1")

    data = load_bsds500(args.split)
    indices = list(range(0, len(data.images), args.every))
    if args.quick:
        indices = indices[:3]
    pairs = [halves(data.images[k]) for k in indices]
    references = [p[0] for p in pairs]
    truths = [p[1] for p in pairs]
    judge = Judge(truths, n_jobs=args.n_jobs)
    targets = list(zip(indices, judge.grey))
    print(
        f"BSDS500 {args.split}, every {args.every}: {len(indices)} photographs, "
        "fit on one half, colorize the other's grey"
    )
    print(
        "| method | mean CIEDE2000 | better than grey | better than Welsh "
        "| colourfulness ratio | fit (s, median) | colorize (s, median) |"
    )
    print("|---|---|---|---|---|---|---|")
    done, deltas = {}, {"grey": judge.grey_delta}
    if "welsh" in names:  # first, for the "better than Welsh" column
        done["welsh"] = run(METHODS["welsh"], references, targets)
    welsh_delta = judge.delta_e(done["welsh"][0]) if done else None
    with warnings.catch_warnings():
        # One photograph's half is little data and the recipe's classifier
        # may stop at its epoch limit: expected here, said once in the docs.
        warnings.simplefilter("ignore", somcolor.TrainingDataWarning)
        warnings.simplefilter("ignore", somcolor.NotConvergedWarning)
        for name in names:
            colours, fit_s, colorize_s = done.get(name) or run(
                METHODS[name], references, targets
            )
            delta = deltas[name] = judge.delta_e(colours)
            better = np.mean(delta < judge.grey_delta)
            ratio = colourfulness(colours).mean() / judge.colourfulness.mean()
            versus = (
                ""
                if welsh_delta is None or name == "welsh"
                else f"{np.mean(delta < welsh_delta):.0%}"
            )
            print(
                f"| {name} | {delta.mean():.2f} | {better:.0%} "
                f"| {versus} | {ratio:.2f} | {fit_s:.2f} | {colorize_s:.2f} |",
                flush=True,
            )
    if args.per_photo:
        columns = list(deltas)
        print("\nMean CIEDE2000 per photograph (index in the split; columns:")
        for k, name in enumerate(columns):
            print(f"{k}. {name}")
        print(")\n")
        print("| photograph | " + " | ".join(map(str, range(len(columns)))) + " |")
        print("|---|" + "---|" * len(columns))
        for row, index in enumerate(indices):
            cells = " | ".join(f"{deltas[n][row]:.2f}" for n in columns)
            print(f"| {data.filenames[index]} ({index}) | {cells} |")


if __name__ == "__main__":
    main()
