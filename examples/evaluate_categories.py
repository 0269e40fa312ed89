"""The same evaluation on other scene categories.

For each of coast, forest, mountain, opencountry and all four "natural"
categories together ("natural"), fits one configuration on the training 80%
(fixed split of :func:`somcolor.datasets.load_scene8`) and reports, on the
held-out 20%, the mean CIEDE2000 and colourfulness ratio with argmax and
with soft decoding at T = 0.2 and T = 0.38 (decoding needs no refit), next
to grey, the training mean chroma and the oracle.

Run (about a minute per category on an idle two-core machine; "natural" has four
times the images, so pass ``--pixels-per-image 625`` to keep the same
number of training patches)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/evaluate_categories.py \\
        --categories coast,forest,mountain
    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/evaluate_categories.py \\
        --categories natural --pixels-per-image 625
"""

import argparse
import time

from _configs import BEST

from somcolor import ColorizerPipeline
from somcolor.datasets import load_scene8
from somcolor.metrics import evaluate

NATURAL = ["coast", "forest", "mountain", "opencountry"]
# Fit-time parameters of the best configuration; decoding is evaluated apart.
PREDICT_ONLY = ("decoding", "temperature", "predict_scale")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", default="coast,forest,mountain,natural")
    parser.add_argument("--best", action="store_true", help="fit the best config")
    parser.add_argument("--pixels-per-image", type=int, default=2500)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()
    params = {k: v for k, v in BEST.items() if k not in PREDICT_ONLY}
    params = params if args.best else {}
    print(f"fit: {params or 'paper'}, {args.pixels_per_image} pixels per image")
    print(
        "| category | train / test images | argmax | soft T=0.2 | soft T=0.38 | grey | "
        "mean chroma | oracle | fit (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.categories.split(","):
        category = NATURAL if name == "natural" else name
        train = load_scene8(category, split="train").images
        test = load_scene8(category, split="test").images
        start = time.perf_counter()
        model = ColorizerPipeline(
            pixels_per_image=args.pixels_per_image,
            random_state=args.random_state,
            **params,
        ).fit(train)
        seconds = time.perf_counter() - start
        hard = evaluate(model.set_params(decoding="argmax"), test)
        soft = [
            evaluate(
                model.set_params(decoding="soft", temperature=t), test, references=False
            )
            for t in (0.2, 0.38)
        ]
        cells = [
            f"{t.mean_ciede2000[k]:.2f} ({t.colourfulness_ratio[k]:.2f})"
            for t, k in ((hard, 0), (soft[0], 0), (soft[1], 0))
            + ((hard, 1), (hard, 2), (hard, 3))
        ]
        print(
            f"| {name} | {len(train)} / {len(test)} | {' | '.join(cells)} | "
            f"{seconds:.0f} |",
            flush=True,
        )
    print("cells: mean CIEDE2000 (colourfulness ratio)")


if __name__ == "__main__":
    main()
