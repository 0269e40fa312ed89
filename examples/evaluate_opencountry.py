"""Evaluate a colorizer on the held-out images of a scene category.

Fits ``ColorizerPipeline`` (the paper's configuration by default, or the
best documented one with ``--best``) on the training 80% of the eight-scene
"opencountry" category and reports, on the held-out 20% (the fixed split of
:func:`somcolor.datasets.load_scene8`), with :func:`somcolor.metrics.evaluate`:

* mean CIEDE2000 against the true images (lower is better), colourfulness
  ratio (1 is right), PSNR, next to three references on the same images:
  grey (U = V = 0), the training set's mean chroma, and the oracle (true
  chroma snapped to the fitted codebook);
* pixel accuracy of the class map (the paper's score) and the share of the
  commonest class;
* the SOM's quantization error and the fit time.

Run (about a minute on two cores)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/evaluate_opencountry.py
"""

import argparse
import time

from _configs import BEST

from somcolor import ColorizerPipeline
from somcolor.datasets import load_scene8
from somcolor.metrics import evaluate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--best", action="store_true")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args()

    train = load_scene8(args.category, split="train").images
    test = load_scene8(args.category, split="test").images
    params = BEST if args.best else {}
    start = time.perf_counter()
    model = ColorizerPipeline(random_state=args.random_state, **params).fit(train)
    fit_seconds = time.perf_counter() - start
    table = evaluate(model, test)
    table.methods[0] = "somcolor (best)" if args.best else "somcolor (paper)"
    print(f"{args.category}: {len(train)} training, {len(test)} held-out images")
    print(table.to_markdown())
    print(f"commonest class share: {table.majority_share:.3f} (paper accuracy: 0.41)")
    print(
        f"SOM quantization error (raw U, V): {model.quantizer_.quantization_error_:.2f}"
    )
    print(
        f"fit time: {fit_seconds:.1f} s on {model.n_training_pixels_} patches; "
        f"MLP epochs: {model.classifier_.n_iter_}"
    )


if __name__ == "__main__":
    main()
