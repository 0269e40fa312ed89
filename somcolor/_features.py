"""Options of :class:`~somcolor.ColorizerPipeline` beyond the paper.

Private helpers, kept apart from the estimator so that the paper's path in
``pipeline.py`` reads top to bottom:

* extra features appended to each L patch: the pixel's normalised position
  (the paper's future work) and a coarser, wider context (a dilated 3x3
  patch of a box-blurred L);
* class rebalancing weights (Zhang, Isola and Efros 2016);
* soft decoding: the annealed mean of the codebook colours.
"""

import numpy as np
from scipy.ndimage import uniform_filter
from skimage.transform import resize

# Gaussian width, in (U, V) units, of the smoothing of the class prior over
# the codebook (Zhang et al. smooth with sigma = 5 in (a, b)).
PRIOR_SIGMA = 5.0


def position_features(shape, rows, cols):
    """Row and column of pixels scaled to [0, 1] (0.5 for a 1-pixel side)."""
    height, width = shape
    r = rows / (height - 1) if height > 1 else np.full(len(rows), 0.5)
    c = cols / (width - 1) if width > 1 else np.full(len(cols), 0.5)
    return np.column_stack([r, c])


def context_features(lightness, rows, cols, context):
    """Dilated 3x3 patch of the ``context``-wide box-blurred image.

    For each pixel, the mean of the ``context x context`` box centred at
    the 9 points ``(row + i * context, col + j * context)``, i, j in
    {-1, 0, 1}: a view ``3 * context`` pixels wide at ``context`` times the
    resolution of the patch. Borders are reflected.
    """
    blurred = uniform_filter(lightness, size=context, mode="reflect")
    padded = np.pad(blurred, context, mode="reflect")
    out = np.empty((len(rows), 9))
    k = 0
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            r = rows + (1 + i) * context
            c = cols + (1 + j) * context
            out[:, k] = padded[r, c]
            k += 1
    return out


def extra_features(lightness, rows, cols, *, positions, context):
    """Columns appended to the patch rows of one image (may be zero columns)."""
    blocks = []
    if positions:
        blocks.append(position_features(lightness.shape, rows, cols))
    if context is not None:
        blocks.append(context_features(lightness, rows, cols, context))
    if not blocks:
        return np.empty((len(rows), 0))
    return np.hstack(blocks)


def rebalance_weights(labels, codebook, mix):
    """Per-sample weights that flatten the class distribution.

    As Zhang et al. (2016): the empirical class prior ``p`` is smoothed
    with a Gaussian of width :data:`PRIOR_SIGMA` over the codebook colours,
    mixed with the uniform prior, ``w ~ 1 / ((1 - mix) p + mix / K)``, and
    scaled so that the expected weight under ``p`` is 1.
    """
    n_units = len(codebook)
    prior = np.bincount(labels, minlength=n_units) / len(labels)
    sq = ((codebook[:, None, :] - codebook[None, :, :]) ** 2).sum(axis=-1)
    kernel = np.exp(-sq / (2 * PRIOR_SIGMA**2))
    smoothed = kernel @ prior / kernel.sum(axis=1)
    smoothed /= smoothed.sum()
    weights = 1.0 / ((1.0 - mix) * smoothed + mix / n_units)
    weights /= (prior * weights).sum()
    return weights[labels]


def annealed_mean(proba, colours, temperature):
    """Mean of ``colours`` under ``proba`` sharpened by ``temperature``.

    ``p_k ** (1 / T)``, renormalised; ``T = 1`` is the plain mean, ``T -> 0``
    the most likely colour (Zhang et al. use ``T = 0.38``).
    """
    logp = np.log(np.clip(proba, 1e-12, None)) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    p /= p.sum(axis=1, keepdims=True)
    return p @ colours


def resize_to(image, shape, order):
    """Resize a 2-D or (H, W, C) image to ``shape`` (anti-aliased if smaller)."""
    shrinking = shape[0] < image.shape[0] or shape[1] < image.shape[1]
    return resize(
        image,
        tuple(shape) + image.shape[2:],
        order=order,
        mode="reflect",
        anti_aliasing=shrinking,
        preserve_range=True,
    )
