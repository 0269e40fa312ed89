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
training loss improves by less than 1e-4 for 10 epochs) is fitted per split,
in float32 (``--dtype float64`` for scikit-learn's default); the mean (and
standard deviation) of the train and test accuracy over the splits is
printed. Note: the split is by sample, as in the paper, not by image.

Subnormal floats are flushed to zero while fitting (as TensorFlow does on
CPUs): without it, Adam's decaying moments and the weights of dead ReLU units
turn subnormal after a few epochs and every epoch becomes about ten times
slower (see ``somcolor/_fpenv.py``).

Every fit is one task with one BLAS thread (the MLP's results depend on the
BLAS thread count); ``--n-jobs 2`` runs two at once. With ``--results FILE``
each finished fit is appended to FILE (JSON lines) and fits already there are
not run again, so a long run can be stopped and resumed; ``--report`` only
prints the table of what FILE holds, with the number of splits behind each
row. Fits are started split by split, so a run stopped early holds whole
splits but for the last.

Full run (measured: 4.7 hours of fitting, about 2.5 hours of wall time on
two cores with ``--n-jobs 2``; see docs/paper.md)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/paper_table2.py \
        --n-jobs 2 --results table2.jsonl

Reduced runs: ``--splits 2 --max-iter 50``; ``--quick`` (about 15 s:
3x3 and 5x5 patches, hidden 10 and 50+50, one split of 10,000 /
1,000 samples, at most 30 epochs).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.neural_network import MLPClassifier
from sklearn.utils._testing import ignore_warnings
from threadpoolctl import threadpool_limits

from somcolor import PatchExtractor, SOMQuantizer
from somcolor._fpenv import flush_denormals
from somcolor.color import rgb_to_luv
from somcolor.datasets import load_scene8

HIDDEN = [(10,), (50,), (100,), (50, 50), (100, 100), (200, 200), (300, 300)]
PATCHES = [3, 5, 11]
# What identifies a run's protocol in a results file, besides the fit itself.
PROTOCOL = ("category", "train_size", "test_size", "max_iter", "random_state", "dtype")


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


def fit_one(key, X_train, y_train, X_test, y_test, layers, seed, max_iter):
    """Fit one MLP; return ``key`` and its train and test accuracy, epochs, time."""
    start = time.perf_counter()
    with (
        threadpool_limits(1),
        flush_denormals(),
        ignore_warnings(category=ConvergenceWarning),
    ):
        clf = MLPClassifier(
            hidden_layer_sizes=layers,
            learning_rate_init=0.001,
            max_iter=max_iter,
            random_state=seed,
        ).fit(X_train, y_train)
        train, test = clf.score(X_train, y_train), clf.score(X_test, y_test)
    return key, {
        "train": train,
        "test": test,
        "epochs": clf.n_iter_,
        "seconds": time.perf_counter() - start,
    }


def read_results(path, protocol):
    """The fits of ``path`` run under ``protocol``, keyed by (patch, hidden, split)."""
    done = {}
    if path is None or not path.exists():
        return done
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by a killed run
            print(f"{path}:{number}: not a whole JSON line, ignored")
            continue
        if all(row.get(key) == value for key, value in protocol.items()):
            done[row["patch"], tuple(row["hidden"]), row["split"]] = row
    return done


def append_line(path, line):
    """Append ``line`` as one whole line, after any line left unfinished."""
    with path.open("a+b") as file:
        if file.tell() > 0:
            file.seek(-1, 2)
            if file.read(1) != b"\n":
                file.write(b"\n")
        file.write((line + "\n").encode())
        file.flush()


def report(done, patches, hidden, n_splits):
    """Print the table: mean ± std over the splits held for each configuration."""
    print(
        "| patch | hidden | splits | train accuracy | test accuracy | mean epochs "
        "| mean fit time (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for p in patches:
        for layers in hidden:
            rows = [done[key] for key in done if key[:2] == (p, layers)]
            rows = [row for row in rows if row["split"] < n_splits]
            if not rows:
                continue
            train = [row["train"] for row in rows]
            test = [row["test"] for row in rows]
            print(
                f"| {p}x{p} | {'+'.join(map(str, layers))} | {len(rows)} "
                f"| {np.mean(train):.3f} ± {np.std(train):.3f} "
                f"| {np.mean(test):.3f} ± {np.std(test):.3f} "
                f"| {np.mean([row['epochs'] for row in rows]):.0f} "
                f"| {np.mean([row['seconds'] for row in rows]):.0f} |"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--train-size", type=int, default=50_000)
    parser.add_argument("--test-size", type=int, default=5_000)
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--patches", default="3,5,11")
    parser.add_argument("--hidden", default="10;50;100;50,50;100,100;200,200;300,300")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--results", type=Path, help="JSON-lines file to resume from")
    parser.add_argument("--report", action="store_true", help="only print --results")
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
    protocol = {key: getattr(args, key) for key in PROTOCOL}
    done = read_results(args.results, protocol)
    if args.report:
        report(done, patches, hidden, args.splits)
        return
    start = time.perf_counter()
    images = load_scene8(args.category).images
    features, labels, som = dataset(images, 2500, args.random_state)
    print(
        f"{args.category}: {len(images)} images, {len(labels)} samples, 9 colours "
        f"(class shares {np.round(np.bincount(labels) / len(labels), 3).tolist()}); "
        f"{args.splits} splits of {args.train_size} / {args.test_size}; "
        f"at most {args.max_iter} epochs; {len(done)} fits already in "
        f"{args.results}",
        flush=True,
    )
    splitter = StratifiedShuffleSplit(
        n_splits=args.splits,
        train_size=args.train_size,
        test_size=args.test_size,
        random_state=args.random_state,
    )
    splits = list(splitter.split(features[3], labels))
    # Split by split; within a split the biggest networks first, so that two
    # workers finish a split together.
    todo = [
        (p, layers, k)
        for k in range(len(splits))
        for layers in reversed(hidden)
        for p in reversed(patches)
        if (p, layers, k) not in done
    ]
    features = {p: X.astype(args.dtype) for p, X in features.items()}
    tasks = (
        delayed(fit_one)(
            (p, layers, k),
            features[p][splits[k][0]],
            labels[splits[k][0]],
            features[p][splits[k][1]],
            labels[splits[k][1]],
            layers,
            k,
            args.max_iter,
        )
        for p, layers, k in todo
    )
    results = Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(tasks)
    for (p, layers, k), result in results:
        row = {"patch": p, "hidden": list(layers), "split": k, **protocol, **result}
        done[p, layers, k] = row
        if args.results is not None:
            append_line(args.results, json.dumps(row))
        print(
            f"split {k}, {p}x{p}, {'+'.join(map(str, layers))}: train "
            f"{result['train']:.3f}, test {result['test']:.3f}, "
            f"{result['epochs']} epochs, {result['seconds']:.0f} s",
            flush=True,
        )
    report(done, patches, hidden, args.splits)
    print(f"total time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
