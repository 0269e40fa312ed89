"""Reproduce Table II of Richart et al. (2017): MLP train and test accuracy.

As in the paper: 2500 pixels drawn per image of a scene category (all its
images; only pixels whose 11x11 patch fits inside the image, so the same
pixels serve every patch size), their (U, V) quantized by a 3x3 SOM
(9 colours; each pixel's class is its best-matching unit), the square patch
of L/100 around each pixel as features, and
:class:`sklearn.model_selection.StratifiedShuffleSplit` with 10 splits of
50,000 training and 5,000 test samples. For each patch size (3, 5, 11) and
hidden layers (10, 50, 100, 50+50, 100+100, 200+200, 300+300), an
``MLPClassifier`` (ReLU, Adam, learning rate 0.001, scikit-learn's other
defaults: mini-batches of 200, at most 200 epochs, stopping when the
training loss improves by less than 1e-4 for 10 epochs) is fitted per split;
the mean (and standard deviation) of the train and test accuracy over the
splits is printed. Note: the split is by sample, as in the paper, not by
image.

Full run (hours on two cores; see docs/paper.md for the measured time of
the reduced run and the estimate)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/paper_table2.py

Reduced runs: ``--splits 2 --max-iter 50``; ``--quick`` (a couple of
minutes: 3x3 and 5x5 patches, hidden 10 and 50+50, one split of 10,000 /
1,000 samples, at most 30 epochs).
"""

import argparse
import time

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.neural_network import MLPClassifier
from sklearn.utils._testing import ignore_warnings

from somcolor import PatchExtractor, SOMQuantizer
from somcolor.color import rgb_to_luv
from somcolor.datasets import load_scene8

HIDDEN = [(10,), (50,), (100,), (50, 50), (100, 100), (200, 200), (300, 300)]
PATCHES = [3, 5, 11]
# Test accuracy in the paper's Table II (9 colours), for orientation; see
# docs/paper.md for the full table with the training accuracy.


def dataset(images, n_per_image, random_state):
    """Patches of every size at the same pixels, and their SOM classes."""
    luv = [rgb_to_luv(image / 255.0) for image in images]
    lightness = [image[..., 0] / 100.0 for image in luv]
    widest = PatchExtractor(max(PATCHES), padding="valid")
    positions = widest.sample_positions(lightness, n_per_image, random_state)
    chroma = np.concatenate(
        [
            luv[k][
                positions[positions[:, 0] == k, 1],
                positions[positions[:, 0] == k, 2],
                1:,
            ]
            for k in range(len(luv))
        ]
    )
    som = SOMQuantizer(3, 3, random_state=random_state).fit(chroma)
    features = {p: PatchExtractor(p).extract_at(lightness, positions) for p in PATCHES}
    return features, som.labels_, som


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=50_000)
    parser.add_argument("--test-size", type=int, default=5_000)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--patches", default="3,5,11")
    parser.add_argument("--hidden", default="10;50;100;50,50;100,100;200,200;300,300")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()
    if args.quick:
        args.splits, args.train_size, args.test_size = 1, 10_000, 1_000
        args.max_iter, args.patches, args.hidden = 30, "3,5", "10;50,50"
    patches = [int(p) for p in args.patches.split(",")]
    hidden = [
        tuple(int(h) for h in layer.split(",")) for layer in args.hidden.split(";")
    ]
    start = time.perf_counter()
    images = load_scene8(args.category).images
    features, labels, som = dataset(images, 2500, args.random_state)
    print(
        f"{args.category}: {len(images)} images, {len(labels)} samples, 9 colours "
        f"(class shares {np.round(np.bincount(labels) / len(labels), 3).tolist()}); "
        f"{args.splits} splits of {args.train_size} / {args.test_size}; "
        f"at most {args.max_iter} epochs"
    )
    splitter = StratifiedShuffleSplit(
        n_splits=args.splits,
        train_size=args.train_size,
        test_size=args.test_size,
        random_state=args.random_state,
    )
    splits = list(splitter.split(features[3], labels))
    print(
        "| patch | hidden | train accuracy | test accuracy | mean epochs | time (s) |"
    )
    print("|---|---|---|---|---|---|")
    for p in patches:
        X = features[p]
        for layers in hidden:
            t0 = time.perf_counter()
            train_acc, test_acc, epochs = [], [], []
            for k, (tr, te) in enumerate(splits):
                clf = MLPClassifier(
                    hidden_layer_sizes=layers,
                    learning_rate_init=0.001,
                    max_iter=args.max_iter,
                    random_state=k,
                )
                with ignore_warnings(category=ConvergenceWarning):
                    clf.fit(X[tr], labels[tr])
                train_acc.append(clf.score(X[tr], labels[tr]))
                test_acc.append(clf.score(X[te], labels[te]))
                epochs.append(clf.n_iter_)
            name = "+".join(str(h) for h in layers)
            print(
                f"| {p}x{p} | {name} | {np.mean(train_acc):.3f} ± "
                f"{np.std(train_acc):.3f} | {np.mean(test_acc):.3f} ± "
                f"{np.std(test_acc):.3f} | {np.mean(epochs):.0f} | "
                f"{time.perf_counter() - t0:.0f} |",
                flush=True,
            )
    print(f"total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
