"""Do no harm: a shipped model, refined or not, next to grey, on three sets.

Issue 21's goal without hints: the shipped ``photos`` model must be no
worse than leaving photographs grey on photographs from other sources, and
must keep its colour on BSDS500 test. For each set, each photograph is made
grey (``somcolor.to_grey``) and colorized by the model with
``refine=False`` (the network's colours as they are) and ``refine=True``
(the edge-aware solver pulls them together where the network is unsure and
fades them towards grey where it knows nothing); printed per set: the mean
CIEDE2000 per photograph and pooled over every pixel (as ``somcolor
evaluate`` reports it), the share of photographs better than grey, and the
colourfulness ratio (Hasler and Suesstrunk 2003; mean over the set of the
outputs' over the truths').

Sets:

* ``bsds500``: BSDS500 test, every ``--every``-th photograph (needs
  ``SOMCOLOR_BSDS500``);
* ``sunhays80``: the 80 Sun-Hays photographs, resized to 512 pixels on the
  long side (``--sunhays80`` or ``SOMCOLOR_SUNHAYS80``: the folder of
  ``img_001.jpg``, ...);
* ``samples``: the colour photographs that ship with scikit-image and
  scikit-learn (astronaut, coffee, chelsea, rocket, the right view of the
  stereo motorcycle, hubble deep field, china, flower); no data needed.

Usage::

    SOMCOLOR_BSDS500=../shared/data/bsds500 \\
    SOMCOLOR_SUNHAYS80=../shared/data/sunhays80 python examples/do_no_harm.py
    python examples/do_no_harm.py --sets samples --model photos
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from skimage import data
from skimage.transform import resize
from sklearn.datasets import load_sample_images

from somcolor import to_grey
from somcolor._files import read_image
from somcolor.datasets import load_bsds500
from somcolor.metrics import colourfulness, grey_reference, per_image_ciede2000
from somcolor.pretrained import resolve_model

SETS = ("bsds500", "sunhays80", "samples")


def samples():
    china, flower = load_sample_images().images
    return [
        data.astronaut(),
        data.coffee(),
        data.chelsea(),
        data.rocket(),
        data.stereo_motorcycle()[1],
        data.hubble_deep_field(),
        china,
        flower,
    ]


def sunhays80(folder, long_side=512):
    images = []
    for path in sorted(Path(folder).glob("*.jpg")):
        image = read_image(path)
        scale = long_side / max(image.shape[:2])
        shape = (round(image.shape[0] * scale), round(image.shape[1] * scale))
        small = resize(image, shape, anti_aliasing=True)
        images.append(np.round(small * 255).astype(np.uint8))
    return images


def photographs(name, args):
    if name == "bsds500":
        return load_bsds500("test").images[:: args.every]
    if name == "sunhays80":
        folder = args.sunhays80 or os.environ.get("SOMCOLOR_SUNHAYS80")
        if not folder:
            raise SystemExit("sunhays80: give --sunhays80 or SOMCOLOR_SUNHAYS80")
        return sunhays80(folder)
    return samples()


def scores(truths, outputs, grey_scores=None):
    """Mean per photograph, pooled over pixels, share better than grey, ratio."""
    per = np.asarray(per_image_ciede2000(truths, outputs))
    pixels = np.array([t.shape[0] * t.shape[1] for t in truths])
    ratio = colourfulness(outputs).mean() / colourfulness(truths).mean()
    better = "" if grey_scores is None else f"{np.mean(per < grey_scores):.0%}"
    return per, (per.mean(), (per * pixels).sum() / pixels.sum(), better, ratio)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="photos", help="shipped name or file")
    parser.add_argument("--sets", default=",".join(SETS), help=f"of {SETS}")
    parser.add_argument("--every", type=int, default=2, help="BSDS500 test: every k")
    parser.add_argument("--sunhays80", help="folder of the Sun-Hays photographs")
    args = parser.parse_args()
    model = resolve_model(args.model)
    print(
        f"model {args.model}; mean CIEDE2000 per photograph / pooled over pixels "
        "(lower is better), share better than grey, colourfulness ratio"
    )
    print(
        "| set | photographs | method | mean | pooled | better than grey | "
        "colourfulness | time (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
        truths = photographs(name, args)
        greys = to_grey(truths)
        grey_scores, row = scores(truths, grey_reference(greys))
        rows = [("grey", row, 0.0)]
        for refine in (False, True):
            model.set_params(refine=refine)
            start = time.perf_counter()
            outputs = model.predict(greys)
            seconds = time.perf_counter() - start
            rows.append(
                (f"refine={refine}", scores(truths, outputs, grey_scores)[1], seconds)
            )
        for method, (mean, pooled, better, ratio), seconds in rows:
            print(
                f"| {name} | {len(truths)} | {method} | {mean:.2f} | {pooled:.2f} | "
                f"{better} | {ratio:.2f} | {seconds:.1f} |"
            )


if __name__ == "__main__":
    main()
