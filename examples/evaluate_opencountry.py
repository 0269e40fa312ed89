"""Evaluate a colorizer on the held-out Open Country images.

Fits ``ColorizerPipeline`` (the paper's configuration by default) on the
training 80% of the eight-scene "opencountry" category and reports, on the
held-out 20% (the fixed split of :func:`somcolor.datasets.load_scene8`):

* mean CIEDE2000 against the true images (lower is better), next to three
  references on the same images: grey (U = V = 0), the training set's mean
  chroma, and the oracle (true chroma snapped to the fitted codebook);
* pixel accuracy of the class map (the paper's score) and the share of the
  commonest class;
* the SOM's quantization error and the fit time.

Run (about a minute on two cores)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/evaluate_opencountry.py
"""

import argparse
import time

import numpy as np
from skimage.color import deltaE_ciede2000, gray2rgb, rgb2lab, rgb2luv

from somcolor import ColorizerPipeline, to_grey
from somcolor.color import grey_to_lightness, luv_to_rgb
from somcolor.datasets import load_scene8


def mean_ciede2000(truths, guesses):
    deltas = [
        deltaE_ciede2000(rgb2lab(t / 255.0), rgb2lab(g)).ravel()
        for t, g in zip(truths, guesses)
    ]
    return float(np.concatenate(deltas).mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()

    train = load_scene8(args.category, split="train").images
    test = load_scene8(args.category, split="test").images
    start = time.perf_counter()
    model = ColorizerPipeline(random_state=args.random_state).fit(train)
    fit_seconds = time.perf_counter() - start

    grey = to_grey(test)
    lightness = [grey_to_lightness(g) for g in grey]
    test_luv = [rgb2luv(t) for t in test]
    mean_uv = np.concatenate([rgb2luv(t)[..., 1:].reshape(-1, 2) for t in train]).mean(
        0
    )
    true_labels = [
        model.quantizer_.predict(luv[..., 1:].reshape(-1, 2)).reshape(luv.shape[:2])
        for luv in test_luv
    ]
    predicted_labels = model.predict_labels(grey)
    rows = {
        "somcolor (paper's configuration)": model.predict(grey),
        "grey (U = V = 0)": [gray2rgb(g) for g in grey],
        "training mean chroma": [
            luv_to_rgb(L, np.broadcast_to(mean_uv, L.shape + (2,))) for L in lightness
        ],
        "oracle (true chroma snapped to codebook)": [
            luv_to_rgb(L, model.codebook_[lab])
            for L, lab in zip(lightness, true_labels)
        ],
    }
    all_true = np.concatenate([lab.ravel() for lab in true_labels])
    all_pred = np.concatenate([lab.ravel() for lab in predicted_labels])
    print(f"{args.category}: {len(train)} training, {len(test)} held-out images")
    print(f"{'method':45s} mean CIEDE2000")
    for name, images in rows.items():
        print(f"{name:45s} {mean_ciede2000(test, images):.2f}")
    print(
        f"pixel accuracy: {np.mean(all_true == all_pred):.3f} (paper: 0.41); "
        f"commonest class share: {np.bincount(all_true).max() / all_true.size:.3f}"
    )
    print(
        f"SOM quantization error (raw U, V): {model.quantizer_.quantization_error_:.2f}"
    )
    print(
        f"fit time: {fit_seconds:.1f} s on {model.n_training_pixels_} patches; "
        f"MLP epochs: {model.classifier_.n_iter_}"
    )


if __name__ == "__main__":
    main()
