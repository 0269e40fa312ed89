"""Rebuild the shipped models and their model cards from the data sets.

Usage (from a checkout, with the data beside it)::

    SOMCOLOR_BSDS500=../shared/data/bsds500 SOMCOLOR_SCENE8=../shared/data/scene8 \\
        python -m somcolor.pretrained.build

For each shipped model of :data:`somcolor.pretrained.MODELS` (or those named with
``--only``): fit it on its training photographs with its fixed seed, time
the fit, measure the model on every test set (the 200 BSDS500 test
photographs and the held-out fifth of each eight-scene category), and write
the model with its card to ``somcolor/pretrained/<name>.skops``. With
``--docs``, also write the model-card page ``docs/pretrained.md`` and a
figure of test photographs per model in ``docs/_static/``. About 10 minutes
on two cores.
"""

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from . import _FORMAT, _FORMAT_VERSION, MODELS, RECIPES, recipe, to_portable

#: The eight-scene categories the landscapes model is fit on.
NATURAL = ("coast", "forest", "mountain", "opencountry")

_HERE = Path(__file__).resolve().parent
_DOCS = _HERE.parents[1] / "docs"
COMMAND = (
    "SOMCOLOR_BSDS500=../shared/data/bsds500 SOMCOLOR_SCENE8=../shared/data/scene8 "
    "python -m somcolor.pretrained.build --docs"
)


def training_images(name):
    """The training photographs of a recipe, and a sentence saying which."""
    from ..datasets import load_bsds500, load_scene8

    if name == "photos":
        return (
            load_bsds500(["train", "val"]).images,
            "BSDS500 train and val (300 general photographs, 481x321 or 321x481)",
        )
    if name == "landscapes":
        images = load_scene8(list(NATURAL), split="train").images
        return images, (
            f"eight-scene {', '.join(NATURAL)}, training split ({len(images)} "
            "photographs, 64x64)"
        )
    images = load_scene8("opencountry", split="train").images
    return images, f"eight-scene opencountry, training split ({len(images)}, 64x64)"


def test_sets():
    """Every held-out set, by name: BSDS500 test and each scene8 category."""
    from ..datasets import SCENE8_CATEGORIES, load_bsds500, load_scene8

    sets = {"bsds500 test": load_bsds500("test").images}
    for category in SCENE8_CATEGORIES:
        sets[f"scene8 {category} test"] = load_scene8(category, split="test").images
    return sets


def scores(model, images):
    """The card's figures on one test set (rounded as the card shows them)."""
    from ..metrics import evaluate

    table = evaluate(model, images)
    names = {"model": "model", "grey": "grey", "mean chroma": "mean colour"}
    out = {}
    for k, method in enumerate(table.methods):
        if method not in names:
            continue
        better = table.better_than_grey[k]
        out[names[method]] = {
            "ciede2000": round(float(table.mean_ciede2000[k]), 2),
            "colourfulness_ratio": round(float(table.colourfulness_ratio[k]), 2),
            "better_than_grey_percent": None
            if np.isnan(better)
            else int(round(100 * better)),
        }
    return out


def build(name, sets, output):
    """Fit one recipe, measure it, write its file; return its card."""
    import skops.io as sio

    model = recipe(name)
    train, described = training_images(name)
    start = time.perf_counter()
    model.fit(train)
    seconds = time.perf_counter() - start
    card = {
        "description": MODELS[name],
        "data": described,
        "configuration": RECIPES[name]["summary"],
        "command": COMMAND,
        "fit_seconds": round(seconds, 1),
        "fit_machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "scores": {test: scores(model, images) for test, images in sets.items()},
    }
    output.mkdir(parents=True, exist_ok=True)
    sio.dump(
        {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "model": to_portable(model),
            "card": card,
        },
        output / f"{name}.skops",
    )
    return model, card


def figure(model, name, images):
    """grey / colorized / original of a few test photographs, for the card."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import plot_comparison

    fig = plot_comparison(model, images)
    path = _DOCS / "_static" / f"pretrained_{name}.png"
    fig.savefig(path, dpi=60, bbox_inches="tight")
    plt.close(fig)
    return path


def card_markdown(name, card):
    """One model's card as a section of docs/pretrained.md."""
    lines = [
        f"## `{name}`",
        "",
        card["description"],
        "",
        f"- Data: {card['data']}.",
        f"- Configuration: {card['configuration']}.",
        f"- Fit: {card['fit_seconds']:.0f} s on {card['fit_machine']}.",
        "",
        "| test set | model | colourfulness ratio | better than grey | grey | "
        "mean colour |",
        "|---|---|---|---|---|---|",
    ]
    for test, rows in card["scores"].items():
        model = rows["model"]
        lines.append(
            f"| {test} | {model['ciede2000']:.2f} | "
            f"{model['colourfulness_ratio']:.2f} | "
            f"{model['better_than_grey_percent']}% | {rows['grey']['ciede2000']:.2f} "
            f"| {rows['mean colour']['ciede2000']:.2f} |"
        )
    lines += ["", f"![{name} on test photographs](_static/pretrained_{name}.png)", ""]
    return "\n".join(lines)


_PAGE_HEAD = """# Shipped models

Fitted colorizers that ship with somcolor, for grey photographs when there
are no colour photographs of the same kind to train on:

```python
from somcolor import load_pretrained, to_grey

model = load_pretrained("photos")
```

or ``somcolor colorize photos old-photos/ -o colorized/`` from a terminal.
Each card below gives the data, the configuration and the fit time, and the
mean CIEDE2000 (lower is better) on every held-out set next to grey (U = V =
0) and the training set's mean colour at every pixel; "better than grey" is
the share of photographs colorized closer to the truth than grey. The figures
are written by the command that rebuilt the models (a data test checks that
the shipped files score them on BSDS500 test):

```bash
{command}
```

Choosing the configurations, on BSDS500 val only:
[general photographs](general_photos.md).

To fit a shipped model's configuration (its recipe: features, codebook,
network, decoding) on your own colour photographs instead:

```bash
somcolor fit photos/ -o my-photos.skops --recipe photos
```

or `somcolor.pretrained.recipe("photos").fit(images)` in Python; a card's
fit time is that fit's on its data.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(MODELS))
    parser.add_argument(
        "--output", type=Path, default=_HERE, help="folder for the model files"
    )
    parser.add_argument(
        "--docs", action="store_true", help="write docs/pretrained.md and figures"
    )
    args = parser.parse_args(argv)
    sets = test_sets()
    cards = {}
    for name in args.only or list(MODELS):
        model, card = build(name, sets, args.output)
        cards[name] = card
        bsds = card["scores"]["bsds500 test"]["model"]
        print(
            f"{name}: fit {card['fit_seconds']:.0f} s; BSDS500 test CIEDE2000 "
            f"{bsds['ciede2000']:.2f}, colourfulness "
            f"{bsds['colourfulness_ratio']:.2f}, better than grey "
            f"{bsds['better_than_grey_percent']}%",
            flush=True,
        )
        if args.docs:
            figure(model, name, sets["bsds500 test"][:4])
    if args.docs:
        from . import model_card

        page = [_PAGE_HEAD.replace("{command}", COMMAND)]
        for name in MODELS:
            card = cards.get(name) or model_card(name)
            page.append(card_markdown(name, card))
        (_DOCS / "pretrained.md").write_text("\n".join(page))


if __name__ == "__main__":
    main()
