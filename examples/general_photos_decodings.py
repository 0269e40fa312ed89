"""Decodings other than the annealed mean, measured on BSDS500 val.

The classifier gives each pixel a probability per codebook colour. somcolor
decodes them with the argmax or the annealed mean (``decoding='soft'``);
this script measures both, two alternatives that might keep more colour at
the same error, and a smoothing that might lower the error at the same
colour, in NumPy on ``predict_proba``:

* the ``L_q`` centre: the chroma minimising ``sum_k p_k |c - c_k| ** q``
  (q = 2 is the mean, q = 1 the geometric median, which minimises the
  expected distance rather than its square), by iteratively reweighted
  means;
* the mean's hue with more chroma: the annealed mean rescaled towards the
  expected chroma magnitude ``sum_k p_k |c_k|`` (fully, or halfway);
* the annealed mean with its chroma blurred by a Gaussian of a few pixels
  (computed on the whole photograph, then judged on the same pixels).

It fits the ``photos`` recipe's features (pyramid + texture) on the 200
train photographs and judges every third pixel of every third row of the
100 val photographs (the annealed-mean rows match the full figures to
0.01). Needs ``SOMCOLOR_BSDS500``::

    python examples/general_photos_decodings.py
"""

import argparse

import numpy as np
from _judge import Judge
from scipy.ndimage import gaussian_filter

from somcolor import ColorizerPipeline, PatchExtractor, to_grey
from somcolor.color import grey_to_lightness, luv_to_rgb
from somcolor.datasets import load_bsds500

# (temperature, Gaussian sigma in pixels) of the smoothed annealed means.
SMOOTHED = [(t, sigma) for t in (0.3, 0.2) for sigma in (2, 4, 8)]


def anneal(proba, temperature):
    q = proba ** (1 / temperature)
    return q / q.sum(axis=-1, keepdims=True)


def smooth(chroma, sigma):
    """Each chroma channel of an (H, W, 2) image blurred with a Gaussian."""
    return np.stack([gaussian_filter(chroma[..., k], sigma) for k in range(2)], axis=-1)


def lq_centre(proba, colours, q, iterations=20):
    """Minimiser of ``sum_k p_k |x - c_k| ** q``, from the mean (IRLS)."""
    x = proba @ colours
    for _ in range(iterations):
        d = np.sqrt(((x[:, None, :] - colours[None]) ** 2).sum(-1)) + 1e-2
        w = proba * d ** (q - 2)
        x = (w @ colours) / w.sum(axis=1, keepdims=True)
    return x


def more_chroma(proba, colours, share):
    """The mean's hue, its chroma moved ``share`` of the way to the expected
    chroma magnitude."""
    mean = proba @ colours
    radius = np.hypot(mean[:, 0], mean[:, 1]) + 1e-9
    expected = proba @ np.hypot(colours[:, 0], colours[:, 1])
    return mean * ((radius + share * (expected - radius)) / radius)[:, None]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--step",
        type=int,
        default=3,
        help="judge every STEP-th pixel of every STEP-th row (default 3)",
    )
    step = parser.parse_args().step
    model = ColorizerPipeline(
        extractor=PatchExtractor(3, context=(4, 8, 16, 32), texture=(3, 9)),
        random_state=0,
    ).fit(load_bsds500("train").images)
    colours = model.codebook_[model.classifier_.classes_]
    lightnesses, probas, truths = [], [], []
    smoothed = {key: [] for key in SMOOTHED}
    photos = load_bsds500("val").images
    for photo, grey in zip(photos, to_grey(photos)):
        lightness = grey_to_lightness(grey)
        features = model.extractor_.transform([lightness / 100.0])
        proba = model.classifier_.predict_proba(features)
        proba = proba.reshape(lightness.shape + (-1,))
        for temperature, sigma in SMOOTHED:
            chroma = smooth(anneal(proba, temperature) @ colours, sigma)
            smoothed[temperature, sigma].append(chroma[::step, ::step].reshape(-1, 2))
        probas.append(proba[::step, ::step].reshape(-1, proba.shape[-1]))
        lightnesses.append(lightness[::step, ::step])
        truths.append(photo[::step, ::step])
    judge = Judge(
        truths,
        grey_colours=[luv_to_rgb(L, np.zeros(L.shape + (2,))) for L in lightnesses],
    )

    def row(name, rule):
        row_of(name, [rule(p) for p in probas])

    def row_of(name, chromas):
        rgbs = [
            luv_to_rgb(L, chroma.reshape(L.shape + (2,)))
            for L, chroma in zip(lightnesses, chromas)
        ]
        delta, ratio, better = judge.row(rgbs)
        print(f"| {name} | {delta:.2f} | {ratio:.2f} | {better:.0%} |", flush=True)

    print("| decoding | mean CIEDE2000 | colourfulness | better than grey |")
    print("|---|---|---|---|")
    print(f"| grey | {judge.grey_delta.mean():.2f} | 0.00 | |")
    row("argmax (the paper)", lambda p: colours[p.argmax(axis=1)])
    for t in (1.0, 0.5, 0.38, 0.3, 0.2):
        row(f"annealed mean, T = {t:g}", lambda p, t=t: anneal(p, t) @ colours)
    for q in (1.0, 1.5):
        for t in (1.0, 0.7, 0.5):
            row(
                f"L{q:g} centre, T = {t:g}",
                lambda p, q=q, t=t: lq_centre(anneal(p, t), colours, q),
            )
    for share in (0.5, 1.0):
        for t in (1.0, 0.7):
            row(
                f"mean's hue, chroma {share:g} of the way to the expected, T = {t:g}",
                lambda p, s=share, t=t: more_chroma(anneal(p, t), colours, s),
            )
    for (t, sigma), chromas in smoothed.items():
        row_of(
            f"annealed mean, T = {t:g}, chroma blurred (Gaussian sigma {sigma} px)",
            chromas,
        )


if __name__ == "__main__":
    main()
