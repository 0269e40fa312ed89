"""Networks of several seeds, alone and averaged, measured on BSDS500 val.

The ``photos`` recipe (pyramid + texture, annealed mean) is fit on the 200
train photographs as it is (``random_state=0``, which also seeds the
classifier), then with the classifier seeded 1, 2, ... instead (the same SOM
codebook for all: the pipeline's ``random_state`` stays 0). Each network is
judged alone, and the mean of their probabilities (an ensemble) is judged
too, on every third pixel of every third row of the 100 val photographs, at
several temperatures; the last column interpolates each row to a
colourfulness ratio of 0.75, where the configurations of
``docs/general_photos.md`` are compared. Needs ``SOMCOLOR_BSDS500``::

    python examples/general_photos_ensemble.py --seeds 4
"""

import argparse

import numpy as np
from _judge import Judge
from sklearn.base import clone

from somcolor import ColorizerPipeline, PatchExtractor, to_grey
from somcolor.color import grey_to_lightness, luv_to_rgb
from somcolor.datasets import load_bsds500

TEMPERATURES = (0.2, 0.3, 0.38, 0.5)
STEP = 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seeds",
        type=int,
        default=4,
        help="networks: the recipe's and SEEDS-1 others (default 4)",
    )
    seeds = parser.parse_args().seeds
    if seeds < 1:
        parser.error("--seeds must be at least 1")
    train = load_bsds500("train").images
    recipe = ColorizerPipeline(
        extractor=PatchExtractor(3, context=(4, 8, 16, 32), texture=(3, 9)),
        random_state=0,
    )
    models = [clone(recipe).fit(train)] + [
        clone(recipe).set_params(classifier__random_state=seed).fit(train)
        for seed in range(1, seeds)
    ]
    codebook = models[0].codebook_
    lightnesses, member_probas, truths = [], [], []
    photos = load_bsds500("val").images
    for photo, grey in zip(photos, to_grey(photos)):
        lightness = grey_to_lightness(grey)
        features = models[0].extractor_.transform([lightness / 100.0])
        features = features.reshape(lightness.shape + (-1,))[::STEP, ::STEP]
        features = features.reshape(-1, features.shape[-1])
        probas = []
        for model in models:
            # Every codebook colour, also those a network never saw.
            proba = np.zeros((len(features), len(codebook)))
            proba[:, model.classifier_.classes_] = model.classifier_.predict_proba(
                features
            )
            probas.append(proba)
        member_probas.append(probas)
        lightnesses.append(lightness[::STEP, ::STEP])
        truths.append(photo[::STEP, ::STEP])
    judge = Judge(
        truths,
        grey_colours=[luv_to_rgb(L, np.zeros(L.shape + (2,))) for L in lightnesses],
    )

    def judged(members, temperature):
        rgbs = []
        for L, probas in zip(lightnesses, member_probas):
            proba = np.mean([probas[k] for k in members], axis=0)
            annealed = proba ** (1 / temperature)
            annealed /= annealed.sum(axis=1, keepdims=True)
            rgbs.append(luv_to_rgb(L, (annealed @ codebook).reshape(L.shape + (2,))))
        return judge.row(rgbs)

    header = " | ".join(f"T={t:g}" for t in TEMPERATURES)
    print(f"| networks | {header} | at 0.75 |")
    print("|---" * (len(TEMPERATURES) + 2) + "|")
    rows = [("the recipe's network", [0])]
    rows += [(f"classifier seed {seed}", [seed]) for seed in range(1, seeds)]
    if seeds > 1:
        rows.append((f"mean of these {seeds}", list(range(seeds))))
    for name, members in rows:
        points = [judged(members, t) for t in TEMPERATURES]
        cells = " | ".join(f"{e:.2f} ({c:.2f}, {b:.0%})" for e, c, b in points)
        errors, ratios = np.array([p[0] for p in points]), [p[1] for p in points]
        # Colourfulness falls as the temperature rises: interpolate on it.
        order = np.argsort(ratios)
        inside = min(ratios) <= 0.75 <= max(ratios)
        at = np.interp(0.75, np.array(ratios)[order], errors[order]) if inside else None
        print(f"| {name} | {cells} | {'' if at is None else f'{at:.2f}'} |", flush=True)


if __name__ == "__main__":
    main()
