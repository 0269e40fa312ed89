"""The pictures of docs/reference.md: a BSDS500 half and a DAVIS strip.

* ``docs/_static/reference_halves.png``: for BSDS500 test photographs (the
  protocol of ``reference_halves.py``: fit on one half, colorize the
  other's grey), a row each of reference half / grey half / colorized by
  ``somcolor.fit_reference([reference], random_state=0)`` / truth, titled
  with the CIEDE2000 of grey and of the colorization (``--halves-only
  NAME``: only this picture, written to ``docs/_static/NAME``);
* ``docs/_static/reference_video.png``: a DAVIS 2016 sequence, the model fit
  on frame 0 (``fit_reference``, ``predict`` on every frame on its own), a
  row per frame shown: grey / colorized / truth.

Usage (from the repository root)::

    export SOMCOLOR_BSDS500=../shared/data/bsds500
    export SOMCOLOR_DAVIS2016=../shared/data/davis2016
    python examples/reference_figures.py --photos 8 --sequence blackswan \\
        --frames 10,25,45
"""

import argparse
import os
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skimage import io as skio  # noqa: E402
from skimage.color import deltaE_ciede2000, rgb2lab  # noqa: E402
from skimage.transform import rescale  # noqa: E402
from skimage.util import img_as_float  # noqa: E402

import somcolor  # noqa: E402
from somcolor import to_grey  # noqa: E402
from somcolor.datasets import load_bsds500  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "docs" / "_static"


def halves(image):
    """``(reference, target)``: as ``reference_halves.halves``."""
    height, width = image.shape[:2]
    if width >= height:
        return image[:, : width // 2], image[:, width // 2 :]
    return image[: height // 2], image[height // 2 :]


def ciede(truth, colour):
    truth, colour = img_as_float(truth), img_as_float(colour)
    return float(deltaE_ciede2000(rgb2lab(truth), rgb2lab(colour)).mean())


def _save(fig, path):
    """Write ``fig`` to ``path`` as a 256-colour PNG (small enough for docs)."""
    from PIL import Image

    fig.savefig(path, dpi=100, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)
    Image.open(path).convert("RGB").quantize(256).save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size / 1000:.0f} kB)")


def figure_halves(indices, scale, name="reference_halves.png"):
    data = load_bsds500("test")
    rows = []
    for index in indices:
        reference, target = halves(data.images[index])
        grey = to_grey([target])[0]
        model = somcolor.fit_reference([reference], random_state=0)
        colour = model.predict([grey])[0]
        rows.append(
            (
                index,
                reference,
                np.dstack([grey] * 3),
                colour,
                target,
                ciede(target, np.dstack([grey] * 3)),
                ciede(target, colour),
            )
        )
    height = max(max(r[1].shape[0], r[4].shape[0]) for r in rows)
    width = max(max(r[1].shape[1], r[4].shape[1]) for r in rows)
    fig, axes = plt.subplots(
        len(rows),
        4,
        figsize=(4 * width * scale / 100, len(rows) * (height * scale + 45) / 100),
        squeeze=False,
    )
    for axrow, (index, *images, e_grey, e_colour) in zip(axes, rows):
        titles = [
            f"reference\n(test #{index}, one half)",
            f"grey other half\nCIEDE2000 {e_grey:.1f}",
            f"fit_reference\nCIEDE2000 {e_colour:.1f}",
            "truth\n",
        ]
        for ax, image, title in zip(axrow, images, titles):
            ax.imshow(rescale(img_as_float(image), scale, channel_axis=2))
            ax.set_title(title, fontsize=9)
            ax.axis("off")
    _save(fig, STATIC / name)


def figure_video(sequence, frame_numbers, scale):
    home = Path(os.environ["SOMCOLOR_DAVIS2016"]) / sequence
    files = sorted(home.glob("*.jpg"))
    keyframe = skio.imread(files[0])
    model = somcolor.fit_reference([keyframe], random_state=0)
    fig, axes = plt.subplots(
        len(frame_numbers),
        3,
        figsize=(3 * 854 * scale / 100, len(frame_numbers) * (480 * scale + 30) / 100),
        squeeze=False,
    )
    for axrow, t in zip(axes, frame_numbers):
        truth = skio.imread(files[t])
        grey = to_grey([truth])[0]
        colour = model.predict([grey])[0]
        titles = [
            f"{sequence} frame {t}, grey: {ciede(truth, np.dstack([grey] * 3)):.1f}",
            f"fit on frame 0: {ciede(truth, colour):.1f}",
            "truth",
        ]
        for ax, image, title in zip(
            axrow, [np.dstack([grey] * 3), colour, truth], titles
        ):
            ax.imshow(rescale(img_as_float(image), scale, channel_axis=2))
            ax.set_title(title, fontsize=9)
            ax.axis("off")
    _save(fig, STATIC / "reference_video.png")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--photos", default="8", help="comma-separated BSDS500 test indices"
    )
    parser.add_argument("--sequence", default="blackswan")
    parser.add_argument("--frames", default="10,25,45")
    parser.add_argument("--scale", type=float, default=0.4)
    parser.add_argument(
        "--halves-only",
        metavar="NAME",
        help="only the halves, written to docs/_static/NAME",
    )
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", somcolor.TrainingDataWarning)
        warnings.simplefilter("ignore", somcolor.NotConvergedWarning)
        photos = [int(k) for k in args.photos.split(",")]
        if args.halves_only:
            figure_halves(photos, args.scale * 1.5, args.halves_only)
            return
        figure_halves(photos, args.scale * 1.5)
        figure_video(
            args.sequence, [int(k) for k in args.frames.split(",")], args.scale
        )


if __name__ == "__main__":
    main()
