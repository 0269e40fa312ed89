"""Features and decodings on general photographs (BSDS500): choose on val.

Fits each configuration of ``FITS`` on the 200 BSDS500 training photographs,
colorizes the 100 validation photographs from their grey versions with each
decoding of ``--decodings``, and prints one Markdown row per (fit, decoding):
mean CIEDE2000 (lower is better), colourfulness ratio (1 is as colourful as
the truth, a ratio of means as ``somcolor.metrics.colourfulness_ratio``), the
share of photographs on which the colorization beats grey,
and the fit time; the references (grey, the training set's mean chroma) come
first. Decoding acts at predict time, so each fit is evaluated with every
decoding without refitting.

This is where options are chosen. ``--test`` instead fits on train + val
and reports on the 200 test photographs: run it once per chosen
configuration, never to choose.

Needs the data set: ``SOMCOLOR_BSDS500=../shared/data/bsds500``. Usage::

    python examples/general_photos.py --fits "paper,pyramid" \\
        --decodings "argmax,soft:0.2,soft:0.38" --save-dir /tmp/models
"""

import argparse
import os
import pickle
import time

from _judge import Judge
from sklearn.base import clone

from somcolor import ColorizerPipeline, PatchExtractor, SOMQuantizer
from somcolor.datasets import load_bsds500
from somcolor.metrics import mean_chroma_reference


def _mlp(hidden, **params):
    """The default classifier with other hidden layers (and parameters)."""
    default = ColorizerPipeline().set_params(classifier__hidden_layer_sizes=hidden)
    return default.classifier.set_params(**params)


PYRAMID = (4, 8, 16, 32)

# One entry per fit (on train); each is evaluated with every decoding.
FITS = {
    "paper": {},
    "position": {"extractor": PatchExtractor(3, position=True)},
    "context 4": {"extractor": PatchExtractor(3, context=4)},
    "pyramid": {"extractor": PatchExtractor(3, context=PYRAMID)},
    "texture": {"extractor": PatchExtractor(3, texture=(3, 9))},
    "pyramid+texture": {
        "extractor": PatchExtractor(3, context=PYRAMID, texture=(3, 9))
    },
    "pyramid+texture+position": {
        "extractor": PatchExtractor(3, context=PYRAMID, texture=(3, 9), position=True)
    },
    "wide pyramid+texture": {
        "extractor": PatchExtractor(3, context=(4, 8, 16, 32, 64), texture=(3, 9, 27))
    },
    "patch 5+pyramid+texture": {
        "extractor": PatchExtractor(5, context=PYRAMID, texture=(3, 9))
    },
    "pyramid+texture+SOM 25": {
        "extractor": PatchExtractor(3, context=PYRAMID, texture=(3, 9)),
        "quantizer": SOMQuantizer(5, 5),
    },
    "SOM 25": {"quantizer": SOMQuantizer(5, 5)},
}


def _value(text):
    """A --set value: int, float, ``a:b`` tuple of ints, or a string."""
    if ":" in text:
        return tuple(int(v) for v in text.split(":"))
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def settings(text):
    """``key=value,key=value`` parameters applied to every fit."""
    out = {}
    for item in filter(None, (i.strip() for i in text.split(","))):
        key, _, value = item.partition("=")
        out[key] = _value(value)
    return out


def decodings(text):
    """``argmax`` and ``soft:T`` entries, by row name."""
    out = {}
    for item in text.split(","):
        item = item.strip()
        if item == "argmax":
            out[item] = {"decoding": "argmax"}
        elif item.startswith("soft:"):
            out[f"soft T={item[5:]}"] = {
                "decoding": "soft",
                "temperature": float(item[5:]),
            }
        else:
            raise argparse.ArgumentTypeError(f"unknown decoding {item!r}")
    return out


def _fit(name, params, train, args):
    tag = "".join(f"_{k}={v}" for k, v in sorted(args.set.items()))
    if args.pixels_per_image != 2500:
        tag += f"_ppi={args.pixels_per_image}"
    tag = tag.replace(" ", "").replace("(", "").replace(")", "").replace(",", ":")
    path = (
        os.path.join(args.save_dir, f"{name.replace(' ', '_')}_{args.scope}{tag}.pkl")
        if args.save_dir
        else None
    )
    if path and os.path.exists(path) and not args.refit:
        with open(path, "rb") as f:
            model, seconds = pickle.load(f)
        return model, seconds
    model = ColorizerPipeline(
        pixels_per_image=args.pixels_per_image, random_state=args.random_state
    )
    model.set_params(
        **{k: clone(v) if hasattr(v, "fit") else v for k, v in params.items()}
    )
    model.set_params(**args.set)
    start = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - start
    if path:
        os.makedirs(args.save_dir, exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump((model, seconds), f)
    return model, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", default="paper", help="comma-separated FITS keys")
    parser.add_argument("--decodings", type=decodings, default=decodings("argmax"))
    parser.add_argument("--pixels-per-image", type=int, default=2500)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--save-dir", help="keep fitted models here (reused)")
    parser.add_argument("--refit", action="store_true", help="ignore saved models")
    parser.add_argument(
        "--set",
        type=settings,
        default={},
        help="parameters for every fit, e.g. validation=images,"
        "classifier__hidden_layer_sizes=100:100",
    )
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--n-train", type=int, help="fit on the first N training photographs only"
    )
    parser.add_argument(
        "--test",
        action="store_true",
        help="fit on train + val, report on test (once, never to choose)",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.fits.split(",")]
    unknown = [n for n in names if n not in FITS]
    if unknown:
        parser.error(f"unknown fits {unknown}; known: {list(FITS)}")
    args.scope = "trainval" if args.test else "train"
    train = load_bsds500(["train", "val"] if args.test else "train").images
    if args.n_train:
        train = train[: args.n_train]
        args.scope += f"{args.n_train}"
    held_out = load_bsds500("test" if args.test else "val").images
    judge = Judge(held_out, args.n_jobs)
    split = "test" if args.test else "val"
    print(
        f"fit on {args.scope} ({len(train)} photos, {args.pixels_per_image} pixels "
        f"each), judged on {split} ({len(held_out)} photos); set: {args.set}"
    )
    print(
        "| fit | decoding | mean CIEDE2000 | colourfulness ratio | better than grey "
        "| fit (s) |"
    )
    print("|---|---|---|---|---|---|")
    print(f"| grey | | {judge.grey_delta.mean():.2f} | 0.00 | | |")
    shown_mean = False
    for name in names:
        model, seconds = _fit(name, FITS[name], train, args)
        if not shown_mean:
            mean = mean_chroma_reference(judge.grey, model.training_mean_chroma_)
            delta, ratio, better = judge.row(mean)
            print(f"| mean chroma | | {delta:.2f} | {ratio:.2f} | {better:.0%} | |")
            shown_mean = True
        for label, decoding in args.decodings.items():
            model.set_params(**decoding)
            delta, ratio, better = judge.row(model.predict(judge.grey))
            epochs = getattr(model.classifier_, "n_iter_", "")
            print(
                f"| {name} | {label} | {delta:.2f} | {ratio:.2f} | {better:.0%} | "
                f"{seconds:.0f} ({epochs} epochs) |",
                flush=True,
            )


if __name__ == "__main__":
    main()
