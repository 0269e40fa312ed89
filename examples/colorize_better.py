"""Options beyond the paper, each measured on held-out Open Country images.

Fits :class:`somcolor.ColorizerPipeline` on the training 80% of a scene
category (the fixed split of :func:`somcolor.datasets.load_scene8`) once per
configuration, and prints, on the held-out 20%, the mean CIEDE2000 (lower is
better), the colourfulness ratio (1 is right), the PSNR and the pixel
accuracy, next to grey, the training mean chroma and the oracle
(:func:`somcolor.metrics.evaluate`).

Run every configuration (see docs/paper.md for each fit's time)::

    SOMCOLOR_SCENE8=../shared/data/scene8 python examples/colorize_better.py

or some of the fits, separated by commas: ``--fits paper,rebalance``;
``--list`` names them. ``--save-dir DIR`` pickles each fitted model into DIR
(created if needed) as ``<fit>_<pixels per image>.pkl``, spaces in the
fit's name written as underscores (``position+context_4_2500.pkl``).
Each fit is evaluated with argmax and soft decoding (the paper's fit also
with other temperatures): decoding acts at predict time only.
"""

import argparse
import os
import pickle
import time

from somcolor import ColorizerPipeline, PatchExtractor, SOMQuantizer
from somcolor.datasets import load_scene8
from somcolor.metrics import evaluate


def mlp(hidden):
    """The default classifier with other hidden layers."""
    default = ColorizerPipeline().set_params(classifier__hidden_layer_sizes=hidden)
    return default.classifier


# Each entry is one fit; its model is then evaluated with every decoding of
# DECODINGS (decoding acts at predict time only, so it needs no refit).
FITS = {
    "paper": {},
    "position+context 4": {"extractor": PatchExtractor(3, position=True, context=4)},
    "rebalance": {"rebalance": 0.5},
    "context 4": {"extractor": PatchExtractor(3, context=4)},
    "position": {"extractor": PatchExtractor(3, position=True)},
    "SOM 25": {"quantizer": SOMQuantizer(5, 5)},
    "SOM 100": {"quantizer": SOMQuantizer(10, 10)},
    "hidden 200+200": {"classifier": mlp((200, 200))},
    "position+context 4 + hidden 200+200": {
        "extractor": PatchExtractor(3, position=True, context=4),
        "classifier": mlp((200, 200)),
    },
}


def decodings(temperatures):
    """Argmax and soft decoding at each of ``temperatures``, by row name."""
    return {
        "argmax": {"decoding": "argmax"},
        **{
            f"soft T={t:g}": {"decoding": "soft", "temperature": t}
            for t in temperatures
        },
    }


DECODINGS = decodings((0.2, 0.38))
PAPER_DECODINGS = decodings((0.1, 0.2, 0.3, 0.38, 0.6, 1.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--category", default="opencountry")
    parser.add_argument("--fits", default=",".join(FITS))
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--pixels-per-image", type=int, default=2500)
    parser.add_argument("--save-dir", default=None, help="pickle each fitted model")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        for name, params in FITS.items():
            print(f"{name}: {params}")
        return
    names = [n.strip() for n in args.fits.split(",")]
    unknown = [n for n in names if n not in FITS]
    if unknown:
        parser.error(f"--fits: unknown fit(s) {unknown}; --list names them")
    if args.save_dir:
        os.makedirs(args.save_dir, exist_ok=True)
    train = load_scene8(args.category, split="train").images
    test = load_scene8(args.category, split="test").images
    print(
        f"{args.category}: {len(train)} training, {len(test)} held-out images; "
        f"{args.pixels_per_image} training pixels per image"
    )
    print(
        "| fit | decoding | mean CIEDE2000 | colourfulness ratio | PSNR (dB) | "
        "pixel accuracy | oracle CIEDE2000 | fit (s) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    references = None
    for name in names:
        start = time.perf_counter()
        model = ColorizerPipeline(
            pixels_per_image=args.pixels_per_image,
            random_state=args.random_state,
            **FITS[name],
        )
        model.fit(train)
        seconds = time.perf_counter() - start
        if args.save_dir:
            stem = name.replace(" ", "_") + f"_{args.pixels_per_image}"
            path = os.path.join(args.save_dir, stem + ".pkl")
            with open(path, "wb") as f:
                pickle.dump(model, f)
        decodings = PAPER_DECODINGS if name == "paper" else DECODINGS
        for decoding, params in decodings.items():
            table = evaluate(model.set_params(**params), test)
            row = table.row("model")
            print(
                f"| {name} | {decoding} | {row['mean_ciede2000']:.2f} | "
                f"{row['colourfulness_ratio']:.2f} | {row['psnr']:.2f} | "
                f"{row['pixel_accuracy']:.3f} | {table.mean_ciede2000[3]:.2f} | "
                f"{seconds:.0f} |",
                flush=True,
            )
            if references is None:
                references = table
    print("\nreferences (codebook of the first fit):")
    print(references.to_markdown())


if __name__ == "__main__":
    main()
