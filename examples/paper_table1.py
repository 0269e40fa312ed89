"""Reproduce Table I of Richart et al. (2017): SOM quantization error.

Trains :class:`somcolor.SOMQuantizer` maps of 9, 25, 100 and 400 units
(3x3, 5x5, 10x10, 20x20) on the (U, V) chroma of pixels sampled from the
training images of a scene category (2500 per image, the paper's number),
both on raw (U, V) and on (U, V) scaled to unit variance per component (as
the paper's SOM library did), and prints the quantization error (mean
distance from each pixel to its unit) and topographic error of each.

The paper's figures (variance-normalised): 0.62, 0.46, 0.20, 0.10.

Run (15 s on an idle two-core machine; ``--quick`` draws 500 pixels per
image)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/paper_table1.py
"""

import argparse
import time

import numpy as np

from somcolor import PatchExtractor, SOMQuantizer
from somcolor.color import rgb_to_luv
from somcolor.datasets import load_scene8

PAPER = {9: 0.62, 25: 0.46, 100: 0.20, 400: 0.10}
SIDES = {9: (3, 3), 25: (5, 5), 100: (10, 10), 400: (20, 20)}


def sampled_chroma(images, n_per_image, random_state):
    """(U, V) of ``n_per_image`` pixels drawn from each image."""
    luv = [rgb_to_luv(image / 255.0) for image in images]
    positions = PatchExtractor(1).sample_positions(
        [image[..., 0] for image in luv], n_per_image, random_state=random_state
    )
    return np.concatenate(
        [
            luv[k][
                positions[positions[:, 0] == k, 1],
                positions[positions[:, 0] == k, 2],
                1:,
            ]
            for k in range(len(luv))
        ]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    images = load_scene8(args.category, split="train").images
    n_per_image = 500 if args.quick else 2500
    chroma = sampled_chroma(images, n_per_image, args.random_state)
    scaled = (chroma - chroma.mean(axis=0)) / chroma.std(axis=0)
    print(
        f"{args.category}: {len(images)} training images, {len(chroma)} pixels; "
        f"U, V standard deviations {chroma.std(axis=0).round(2).tolist()}"
    )
    print(
        "| units | paper QE (normalised) | QE normalised | QE raw (U, V units) | "
        "topographic error (normalised) | fit (s) |"
    )
    print("|---|---|---|---|---|---|")
    for units, (rows, cols) in SIDES.items():
        t0 = time.perf_counter()
        som = SOMQuantizer(rows, cols, random_state=args.random_state)
        normalised = som.fit(scaled)
        qe_norm = normalised.quantization_error_
        te_norm = normalised.topographic_error_
        qe_raw = (
            SOMQuantizer(rows, cols, random_state=args.random_state)
            .fit(chroma)
            .quantization_error_
        )
        print(
            f"| {units} | {PAPER[units]:.2f} | {qe_norm:.3f} | {qe_raw:.2f} | "
            f"{te_norm:.3f} | {time.perf_counter() - t0:.1f} |",
            flush=True,
        )
    print(f"total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
