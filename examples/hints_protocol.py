"""Colour hints on BSDS500 at 256x256: Zhang et al. 2017's hint protocol (issue 21).

Every ``--every``-th BSDS500 photograph of ``--split`` is resized to
256x256 (``skimage.transform.resize(image, (256, 256), anti_aliasing=True)``,
bilinear, aspect not kept, then ``round(255 x)`` to uint8: that image is the
truth) and made grey (``somcolor.to_grey``). For each hint count n of
``--counts`` (0, 1, 2, 5, 10, 20, 50, 100), ``zhang_hints`` of
``examples/_anchors.py`` draws n hints: 6x6 squares, top-left corner drawn
from ``N((S - 5) / 2, (S - 5) / 4)`` per axis (S = 256), rounded and
clipped to [0, 250], each revealing the truth's mean CIELUV (U, V) over the
square; its pixels get that chroma with their own L. Seeds are fixed per
(photograph's index in the split, n): ``numpy.random.default_rng([seed,
index, n])``. Methods get the hints as ``(mask, colours)``, colours an RGB
image valid where the mask is true (None for n = 0).

Score: PSNR (dB) between the 8-bit RGB truth and the output rounded to 8
bits, ``10 log10(255^2 / MSE)`` per photograph, averaged over photographs.
One Markdown row per method, one column per n (higher is better), and the
median time per photograph (all its hint sets).

Methods (:data:`METHODS`; a new one is one small function there, from a grey
image, its list of hint sets (one per n) and the model of ``--model`` to the
list of outputs, None where the method does not apply):

* ``grey``: U = V = 0;
* ``levin``: Levin, Lischinski and Weiss 2004 (``getColorExact``, exact
  sparse solve, ``examples/_anchors.py``) spreading the hints' (U, V) over
  the grey level's affinities, joined with the pixel's L; no hint, no row;
* ``pasted``: the model's colorization (``--model``: the shipped ``photos``
  by default, or a file written by ``somcolor.save``) with the hinted pixels
  replaced by their hint colour;
* ``hints``: ``model.predict(grey, hints=...)``, listed only when
  ``ColorizerPipeline.predict`` takes ``hints``.

``--split val`` (``--every 2``: 50 photographs) is where methods are chosen;
``--split test --every 4`` (50 photographs) reports. The shipped ``photos``
model was fit on BSDS500 train and val, so on val give it a model fit on
train alone (``somcolor fit .../train -o photos-train.skops --recipe photos``,
then ``--model photos-train.skops``). Needs ``SOMCOLOR_BSDS500``. Usage::

    SOMCOLOR_BSDS500=../shared/data/bsds500 python examples/hints_protocol.py \\
        --split test --every 4
    python examples/hints_protocol.py --quick   # 2 photographs, 0, 1, 10 hints
"""

import argparse
import inspect
import time

import numpy as np
from _anchors import levin_colorize, zhang_hints
from joblib import Parallel, delayed
from skimage.transform import resize

from somcolor import ColorizerPipeline, to_grey
from somcolor.color import grey_to_lightness, luv_to_rgb, rgb_to_luv
from somcolor.datasets import load_bsds500
from somcolor.pretrained import resolve_model

SIZE = 256
COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)


# A method: (grey, hint sets, model name) -> outputs, one per hint set (None:
# no output).


_MODELS = {}


def _model(name):
    """The model of ``--model``, loaded once per process."""
    if name not in _MODELS:
        _MODELS[name] = resolve_model(name)
    return _MODELS[name]


def grey(image, hint_sets, model):
    return [np.dstack([image] * 3)] * len(hint_sets)


def levin(image, hint_sets, model):
    lightness = grey_to_lightness(image)
    out = []
    for hints in hint_sets:
        if hints is None:
            out.append(None)
            continue
        mask, colours = hints
        chroma = levin_colorize(image, mask, rgb_to_luv(colours)[..., 1:])
        out.append(luv_to_rgb(lightness, chroma))
    return out


def pasted(image, hint_sets, model):
    base = _model(model).predict([image])[0]
    out = []
    for hints in hint_sets:
        colour = base.copy()
        if hints is not None:
            mask, colours = hints
            colour[mask] = colours[mask]
        out.append(colour)
    return out


def predict_hints(image, hint_sets, model):
    fitted = _model(model)
    return [fitted.predict([image], hints=[h])[0] for h in hint_sets]


METHODS = {"grey": grey, "levin": levin, "pasted": pasted}
if "hints" in inspect.signature(ColorizerPipeline.predict).parameters:
    METHODS["hints"] = predict_hints


def truth(image):
    """The 256x256 uint8 truth of a photograph."""
    small = resize(image, (SIZE, SIZE), anti_aliasing=True)
    return np.round(small * 255).astype(np.uint8)


def psnr8(true, colour):
    """PSNR (dB) of the 8-bit rounding of ``colour`` (float RGB in [0, 1])."""
    out = np.round(np.clip(colour, 0.0, 1.0) * 255)
    mse = np.mean((out - true.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def one_photograph(index, image, counts, names, seed, model):
    """PSNR per (method, n) and seconds per method, for one photograph."""
    true = truth(image)
    grey_image = to_grey([true])[0]
    hint_sets = [
        zhang_hints(true, n, np.random.default_rng([seed, index, n])) if n else None
        for n in counts
    ]
    scores, seconds = {}, {}
    for name in names:
        start = time.perf_counter()
        outputs = METHODS[name](grey_image, hint_sets, model)
        seconds[name] = time.perf_counter() - start
        scores[name] = [np.nan if o is None else psnr8(true, o) for o in outputs]
    return scores, seconds


def figure(path, image, index, seed, model, counts=(0, 5, 20)):
    """A strip: the model with 0, 5 and 20 hints (marks outlined), the truth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    true = truth(image)
    grey_image = to_grey([true])[0]
    hint_sets = [
        zhang_hints(true, n, np.random.default_rng([seed, index, n])) if n else None
        for n in counts
    ]
    outputs = predict_hints(grey_image, hint_sets, model)
    fig, axes = plt.subplots(1, len(counts) + 1, figsize=(3 * (len(counts) + 1), 3.3))
    for ax, n, hints, out in zip(axes, counts, hint_sets, outputs):
        ax.imshow(np.clip(out, 0, 1))
        if hints is not None:  # each 6x6 hint, outlined in white
            ax.contour(hints[0], levels=[0.5], colors="white", linewidths=0.8)
        ax.set_title(f"{n} hints: {psnr8(true, out):.2f} dB", fontsize=10)
    axes[-1].imshow(true)
    axes[-1].set_title("truth", fontsize=10)
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["val", "test"], default="val")
    parser.add_argument("--every", type=int, default=4, help="every k-th photograph")
    parser.add_argument("--counts", default=",".join(map(str, COUNTS)))
    parser.add_argument(
        "--methods", default=",".join(METHODS), help=f"of {list(METHODS)}"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--model", default="photos", help="a shipped model's name or a model file"
    )
    parser.add_argument(
        "--quick", action="store_true", help="2 photographs, 0, 1 and 10 hints"
    )
    parser.add_argument("--n-jobs", type=int, default=2, help="photographs at once")
    parser.add_argument(
        "--figure",
        metavar="PNG",
        help="only draw the first photograph of the split with 0, 5 and 20 hints "
        "next to its truth (the model's 'hints' method), to this file",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.methods.split(",") if n.strip()]
    unknown = [n for n in names if n not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {unknown}; known: {list(METHODS)}")
    try:
        counts = [int(n) for n in args.counts.split(",")]
    except ValueError:
        parser.error(f"--counts: comma-separated integers, got {args.counts!r}")
    if args.every < 1 or min(counts) < 0:
        parser.error("--every must be at least 1 and the counts at least 0")

    images = load_bsds500(args.split).images
    if args.figure:
        figure(args.figure, images[0], 0, args.seed, args.model)
        print(f"wrote {args.figure}")
        return
    indices = list(range(0, len(images), args.every))
    if args.quick:
        indices, counts = indices[:2], [0, 1, 10]
    start = time.perf_counter()
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(one_photograph)(k, images[k], counts, names, args.seed, args.model)
        for k in indices
    )
    wall = time.perf_counter() - start
    print(
        f"BSDS500 {args.split}, every {args.every}: {len(indices)} photographs at "
        f"{SIZE}x{SIZE}, model {args.model}, mean PSNR (dB, 8-bit RGB, per "
        f"photograph) by number of hints; {wall:.0f} s"
    )
    print(
        "| method | "
        + " | ".join(map(str, counts))
        + " | time per photograph, all counts (s, median) |"
    )
    print("|---|" + "---|" * (len(counts) + 1))
    for name in names:
        table = np.array([scores[name] for scores, _ in results])
        cells = [
            "" if np.isnan(table[:, j]).all() else f"{np.mean(table[:, j]):.2f}"
            for j in range(len(counts))
        ]
        seconds = np.median([s[name] for _, s in results])
        print(f"| {name} | " + " | ".join(cells) + f" | {seconds:.2f} |")


if __name__ == "__main__":
    main()
