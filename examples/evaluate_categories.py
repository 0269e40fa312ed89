"""The same evaluation on other scene categories.

For each of coast, forest, mountain, opencountry and all four "natural"
categories together, fits the paper's configuration and the best documented
one on the training 80% (fixed split of
:func:`somcolor.datasets.load_scene8`) and reports, on the held-out 20%, the
mean CIEDE2000 and colourfulness ratio next to grey, the training mean
chroma and the oracle.

Run (about 15 minutes on two shared cores)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/evaluate_categories.py
"""

import argparse
import time

from _configs import BEST

from somcolor import ColorizerPipeline
from somcolor.datasets import load_scene8
from somcolor.metrics import evaluate

NATURAL = ["coast", "forest", "mountain", "opencountry"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", default="coast,forest,mountain,natural")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()
    print(
        "| category | train / test images | paper | best | grey | mean chroma | "
        "oracle (paper) | fit paper / best (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in args.categories.split(","):
        category = NATURAL if name == "natural" else name
        train = load_scene8(category, split="train").images
        test = load_scene8(category, split="test").images
        cells, seconds = [], []
        for params in ({}, BEST):
            start = time.perf_counter()
            model = ColorizerPipeline(random_state=args.random_state, **params)
            model.fit(train)
            seconds.append(time.perf_counter() - start)
            table = evaluate(model, test, references=not params)
            if not params:
                references = table
            cells.append(
                f"{table.mean_ciede2000[0]:.2f} ({table.colourfulness_ratio[0]:.2f})"
            )
        ref = [
            f"{references.mean_ciede2000[k]:.2f} "
            f"({references.colourfulness_ratio[k]:.2f})"
            for k in (1, 2, 3)
        ]
        print(
            f"| {name} | {len(train)} / {len(test)} | {cells[0]} | {cells[1]} | "
            f"{' | '.join(ref)} | {seconds[0]:.0f} / {seconds[1]:.0f} |",
            flush=True,
        )
    print("cells: mean CIEDE2000 (colourfulness ratio)")


if __name__ == "__main__":
    main()
