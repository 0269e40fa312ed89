"""A figure like Fig. 10 of Richart et al. (2017), on held-out images.

For a few held-out images of a scene category (the fixed split of
:func:`somcolor.datasets.load_scene8`), one row each: the original, its
(U, V) chroma shown at L = 50, the grey input, the predicted (U, V) at
L = 50, and the colorized result. Fits the paper's configuration (or the
options given) on the training images. Needs matplotlib
(``pip install "somcolor[plot]"``).

Run (about a minute)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/paper_figure10.py \\
        --output docs/_static/figure10.png

``--best`` uses the best configuration of docs/paper.md instead.
"""

import argparse
import pickle
import time

import numpy as np
from _configs import BEST

from somcolor import ColorizerPipeline, to_grey
from somcolor.color import luv_to_rgb, rgb_to_luv
from somcolor.datasets import load_scene8


def chroma_at_l50(rgb):
    """An image's (U, V) painted at L = 50 (its hue and saturation only)."""
    uv = rgb_to_luv(rgb)[..., 1:]
    return luv_to_rgb(np.full(uv.shape[:2], 50.0), uv)


def main():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--images", default="0,10,20,30")
    parser.add_argument("--best", action="store_true")
    parser.add_argument("--output", default="figure10.png")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--model", help="a pickled fitted model to use instead of fitting one"
    )
    args = parser.parse_args()
    start = time.perf_counter()
    train = load_scene8(args.category, split="train").images
    test = load_scene8(args.category, split="test")
    params = BEST if args.best else {}
    if args.model:
        with open(args.model, "rb") as f:
            model = pickle.load(f).set_params(**params)
    else:
        model = ColorizerPipeline(random_state=args.random_state, **params)
        model.fit(train)
    picks = [int(k) for k in args.images.split(",")]
    originals = [test.images[k] / 255.0 for k in picks]
    grey = to_grey(originals)
    colour = model.predict(grey)
    titles = ["original", "U, V at L = 50", "grey input", "predicted U, V", "colorized"]
    fig, axes = plt.subplots(
        len(picks), 5, figsize=(7.5, 1.6 * len(picks)), squeeze=False
    )
    for row, (orig, g, c) in enumerate(zip(originals, grey, colour)):
        panels = [orig, chroma_at_l50(orig), g, chroma_at_l50(c), c]
        for col, panel in enumerate(panels):
            ax = axes[row, col]
            ax.imshow(
                panel,
                cmap="gray" if panel.ndim == 2 else None,
                vmin=0,
                vmax=1,
                interpolation="nearest",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(titles[col], fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=64)
    print(f"wrote {args.output} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
