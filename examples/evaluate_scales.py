"""Colour quality when the grey images are larger than the training images.

Users colorize photographs far larger than the 64x64 training copies, and
the texture a 3x3 patch sees changes with resolution. This fits one
configuration on the training images of a category, enlarges the held-out
images (true colour and grey alike) 1x, 2x and 4x with bicubic
interpolation, and reports the mean CIEDE2000 and colourfulness ratio of:

* ``predict_scale='input'``: colorizing at the enlarged size;
* ``predict_scale='training'``: colorizing at the training scale and
  enlarging the chroma;
* grey (U = V = 0) at the same size.

Run (a few minutes)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/evaluate_scales.py --best

``--model FILE`` evaluates a pickled fitted model instead of fitting one
(for example one saved by ``examples/colorize_better.py --save-dir``);
``--decoding`` and ``--temperature`` override the decoding, which acts at
predict time only: ``--model paper_2500.pkl --decoding soft --temperature
0.2`` gives the paper's fit decoded softly.
"""

import argparse
import pickle
import time

import numpy as np
from _configs import BEST
from skimage.transform import rescale

from somcolor import ColorizerPipeline, to_grey
from somcolor.datasets import load_scene8
from somcolor.metrics import colourfulness_ratio, grey_reference, mean_ciede2000


def positive_float(text):
    """An argparse type: a float above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--best", action="store_true")
    parser.add_argument("--scales", default="1,2,4")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--model", help="a pickled fitted model to use instead of fitting one"
    )
    parser.add_argument(
        "--decoding",
        choices=["argmax", "soft"],
        help="override the decoding (default: the configuration's own)",
    )
    parser.add_argument(
        "--temperature",
        type=positive_float,
        help="override the soft-decoding temperature (needs soft decoding)",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    params = dict(BEST) if args.best else {}
    if args.decoding is not None:
        params["decoding"] = args.decoding
    if args.temperature is not None:
        params["temperature"] = args.temperature
    if args.model:
        with open(args.model, "rb") as f:
            model = pickle.load(f).set_params(**params)
    else:
        model = ColorizerPipeline(random_state=args.random_state, **params)
    if args.temperature is not None and model.decoding != "soft":
        parser.error("--temperature acts on soft decoding only: add --decoding soft")
    if args.model:
        source = f"loaded from {args.model}"
    else:
        model.fit(load_scene8(args.category, split="train").images)
        source = f"fitted in {time.perf_counter() - start:.0f} s"
    test = load_scene8(args.category, split="test").images
    shown = {
        key: value
        for key, value in model.get_params(deep=False).items()
        if key in ("decoding", "temperature", "extractor")
    }
    print(f"{args.category}, {shown}: {source}")
    print("| scale | size | predict_scale='input' | predict_scale='training' | grey |")
    print("|---|---|---|---|---|")
    for scale in (int(s) for s in args.scales.split(",")):
        truth = [
            np.clip(rescale(t / 255.0, scale, order=3, channel_axis=-1), 0, 1)
            for t in test
        ]
        grey = to_grey(truth)
        cells = []
        for mode in ("input", "training"):
            out = model.set_params(predict_scale=mode).predict(grey)
            cells.append(
                f"{mean_ciede2000(truth, out):.2f} "
                f"({colourfulness_ratio(truth, out):.2f})"
            )
        grey_rgb = grey_reference(grey)
        print(
            f"| {scale}x | {truth[0].shape[0]}x{truth[0].shape[1]} | "
            f"{cells[0]} | {cells[1]} | {mean_ciede2000(truth, grey_rgb):.2f} |",
            flush=True,
        )
    print("cells: mean CIEDE2000 (colourfulness ratio)")
    print(f"total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
