"""Options of :class:`~somcolor.ColorizerPipeline` beyond the paper.

Private helpers, kept apart from the estimator so that the paper's path in
``pipeline.py`` reads top to bottom (the features beyond the paper's patch
are options of :class:`~somcolor.PatchExtractor`):

* class rebalancing weights (Zhang, Isola and Efros 2016);
* soft decoding: the annealed mean of the codebook colours;
* ``predict_scale='training'``: shrinking a large grey image to the training
  images' scale (area averaging) and enlarging the chroma map computed there
  (bilinear);
* ``max_training_size``: shrinking a large training image (area averaging)
  before fitting.
"""

import numpy as np
from scipy import sparse

# Gaussian width, in (U, V) units, of the smoothing of the class prior over
# the codebook (Zhang et al. smooth with sigma = 5 in (a, b)).
PRIOR_SIGMA = 5.0


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


def _scaled_shape(shape, size):
    """``shape`` brought down to ``sqrt(h * w) = size``, or None if not larger."""
    factor = np.sqrt(shape[0] * shape[1]) / size
    if factor <= 1:
        return None
    return tuple(max(1, int(round(n / factor))) for n in shape)


def training_scale_shape(model, shape):
    """Shape to colorize an image of ``shape`` at, or None for its own size.

    With ``predict_scale='training'``, an image larger than the training
    images (by the square root of the pixel count) is brought to their
    scale; smaller images are colorized as they are.
    """
    if model.predict_scale != "training":
        return None
    return _scaled_shape(shape, model.training_size_)


def cap_scale(rgb, size):
    """RGB image ``(H, W, 3)`` shrunk to ``sqrt(H * W) <= size`` (area averaging).

    Returned as it is when it is not larger. Each channel is averaged over
    the area of each output pixel, as :func:`shrink` does.
    """
    small = _scaled_shape(rgb.shape, size)
    if small is None:
        return rgb
    height, width, depth = rgb.shape
    rows = _area_weights(height, small[0])
    cols = _area_weights(width, small[1])
    out = rows @ rgb.reshape(height, width * depth)  # (h, W * 3)
    out = cols @ out.reshape(small[0], width, depth).transpose(1, 0, 2).reshape(
        width, small[0] * depth
    )  # (w, h * 3)
    out = out.reshape(small[1], small[0], depth).transpose(1, 0, 2)
    return np.clip(np.ascontiguousarray(out), 0.0, 1.0)


def _area_weights(n_in, n_out):
    """Sparse (n_out, n_in) matrix averaging input cells over output cells.

    Output cell ``j`` covers ``[j, j + 1) * n_in / n_out`` of the input axis;
    each input cell weighs by the length it shares with it.
    """
    edges = np.arange(n_out + 1) * (n_in / n_out)
    first = np.floor(edges[:-1]).astype(np.intp)
    last = np.minimum(np.ceil(edges[1:]).astype(np.intp), n_in)
    counts = last - first
    rows = np.repeat(np.arange(n_out), counts)
    cols = np.repeat(first, counts) + (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    overlap = np.minimum(edges[rows + 1], cols + 1) - np.maximum(edges[rows], cols)
    weights = overlap / (n_in / n_out)
    return sparse.csr_matrix((weights, (rows, cols)), shape=(n_out, n_in))


def shrink(image, shape):
    """``image`` (2-D) shrunk to ``shape`` by area averaging.

    Each output pixel is the mean of the input over the area it covers
    (input pixels counted by the share they overlap it), which filters out
    the detail the smaller image cannot hold.
    """
    rows = _area_weights(image.shape[0], shape[0])
    cols = _area_weights(image.shape[1], shape[1])
    return np.asarray((cols @ (rows @ image).T).T)


def enlarge(chroma, shape):
    """Chroma map ``(h, w, 2)`` enlarged bilinearly to ``shape`` (edges held)."""
    from skimage.transform import resize

    return resize(
        chroma,
        tuple(shape) + chroma.shape[2:],
        order=1,
        mode="edge",
        anti_aliasing=False,
        preserve_range=True,
    )
