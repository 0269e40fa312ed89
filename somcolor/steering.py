"""Steering a fitted colorizer: colour hints, and refinement where it is unsure.

A person can tell a fitted :class:`~somcolor.ColorizerPipeline` what colour
some pixels are (hints: a few marks, or the colours of a keyframe), and the
pipeline can clean up its own prediction where its classifier is unsure.
Both go through the same three steps, per image (``predict(...,
hints=...)``, ``ColorizerPipeline(refine=True)``):

1. **Adapt** (hints only): the hinted pixels say which colour the model's
   classes have in *this* image. The codebook colours are re-estimated by
   ridge regression of the hint chroma on the classifier's decoding weights
   at the hinted pixels (pulled towards the fitted codebook), and what is
   left is regressed on the network's last hidden layer (a linear head,
   pulled towards zero, its intercept free): the model's colours for the
   whole image move towards the hints, texture by texture (no colour moves
   everywhere alike: the head's intercept is pulled towards zero too).
2. **Weigh**: every pixel gets data for the solver: the hint's chroma with a
   strong weight; the (adapted) model's chroma with a weight that falls with
   its uncertainty (the expected squared distance of the codebook colours
   from the decoded one under the classifier's probabilities); and grey
   with the weak weight ``fade``, which wins where nothing else is known.
3. **Solve**: :func:`somcolor.solver.solve_chroma` spreads the colours along
   the grey image's smooth regions and stops them at its edges. Hinted
   pixels then get exactly the hint's chroma, with their own lightness.

The constants below were chosen on BSDS500 validation photographs
(``examples/hints_protocol.py --split val``, ``docs/hints.md``).
"""

from dataclasses import dataclass

import numpy as np

from . import _options
from ._images import check_images
from ._parallel import one_blas_thread
from .color import rgb_to_luv

__all__ = ["check_hints", "hints_from_rgba", "Hint"]

#: Data weight of a hinted pixel (the model's colour weighs at most
#: :data:`MODEL_WEIGHT`, so a hint is all but a hard constraint).
HINT_WEIGHT = 100.0
#: Data weight of the model's chroma where it is certain.
MODEL_WEIGHT = 0.01
#: (U, V) distance at which the model's weight has halved: its weight is
#: ``MODEL_WEIGHT * s^2 / (s^2 + uncertainty)``.
UNCERTAINTY_SCALE = 10.0
#: Ridge penalties of the adaptation to hints, per hinted pixel: the
#: codebook colours (towards the fitted ones) and the hidden-layer head
#: (towards zero).
CODEBOOK_RIDGE = 10.0
HEAD_RIDGE = 100.0


@dataclass(frozen=True)
class Hint:
    """The hints of one image, checked: where, and which (U, V) chroma.

    Attributes
    ----------
    mask : ndarray of shape (H, W), bool
        The hinted pixels.
    chroma : ndarray of shape (H, W, 2)
        CIELUV (U, V) of each hinted pixel (0 elsewhere).
    """

    mask: np.ndarray
    chroma: np.ndarray

    def at_scale(self, shape):
        """Share of each pixel hinted, and the mean hint chroma, at ``shape``.

        The image's own size gives ``(mask as floats, chroma)``; a smaller
        ``shape`` averages over the area of each small pixel
        (``_options.shrink``).
        """
        if tuple(shape) == self.mask.shape:
            return self.mask.astype(np.float64), self.chroma
        share = _options.shrink(self.mask.astype(np.float64), shape)
        chroma = np.stack(
            [_options.shrink(self.chroma[..., k], shape) for k in range(2)], axis=-1
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            chroma = np.where(share[..., None] > 0, chroma / share[..., None], 0.0)
        return np.clip(share, 0.0, 1.0), chroma


def hints_from_rgba(rgba):
    """Hints painted on a transparent layer: opaque pixels are hints.

    Parameters
    ----------
    rgba : ndarray of shape (H, W, 4)
        uint8 (alpha 255 is opaque), uint16 or float in [0, 1]. A pixel is
        a hint where its alpha is at least half of full opacity.

    Returns
    -------
    hint : tuple of (mask, colours)
        ``mask`` (H, W) bool, ``colours`` (H, W, 3) the RGB layer: the
        ``(mask, colours)`` pair that ``predict(..., hints=[...])`` takes.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.steering import hints_from_rgba
    >>> layer = np.zeros((4, 4, 4), dtype=np.uint8)
    >>> layer[1, 2] = (200, 30, 30, 255)  # one red mark
    >>> mask, colours = hints_from_rgba(layer)
    >>> int(mask.sum()), colours[1, 2].tolist()
    (1, [200, 30, 30])
    """
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(
            "a hints layer must be an RGBA image of shape (H, W, 4) whose "
            f"opaque pixels are the hints, got shape {rgba.shape}."
        )
    if rgba.dtype == np.uint8:
        full = 255
    elif rgba.dtype == np.uint16:
        full = 65535
    elif rgba.dtype.kind == "f":
        full = 1.0
    else:
        raise TypeError(
            f"a hints layer must be uint8, uint16 or float, got {rgba.dtype}."
        )
    return rgba[..., 3] >= full / 2, rgba[..., :3]


def _one_hint(hint, shape, index):
    """``hint`` of image ``index`` (of ``shape``) as a :class:`Hint`, or None."""
    name = f"hints[{index}]"
    if hint is None:
        return None
    if not isinstance(hint, (tuple, list)) or len(hint) != 2:
        raise TypeError(
            f"{name} must be None or a pair (mask, colours), got {type(hint).__name__}."
        )
    mask, colours = hint
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(f"{name}: mask must be a bool array, got dtype {mask.dtype}.")
    if mask.shape != shape:
        raise ValueError(
            f"{name}: mask has shape {mask.shape}, but its image has shape {shape}."
        )
    colours = np.asarray(colours)
    if colours.shape != shape + (3,):
        raise ValueError(
            f"{name}: colours must be an RGB image of shape {shape + (3,)}, "
            f"got {colours.shape}."
        )
    if not mask.any():
        return None
    # Read and check the colours where they are hints only.
    (picked,), _ = check_images(
        [colours[mask][None]], color=True, name=f"{name}: colours"
    )
    chroma = np.zeros(shape + (2,))
    chroma[mask] = rgb_to_luv(picked)[0, :, 1:]
    return Hint(mask, chroma)


def check_hints(hints, shapes):
    """Hints of every image, checked, as :class:`Hint` or None.

    Parameters
    ----------
    hints : None or sequence
        None, or one entry per image: None or ``(mask, colours)``, ``mask``
        an (H, W) bool array and ``colours`` an (H, W, 3) RGB image (uint8,
        or float in [0, 1]) read where ``mask`` is true.
    shapes : list of tuple
        The (H, W) of each image.

    Returns
    -------
    hints : list of Hint or None, or None
        None where no image has a hint.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.steering import check_hints
    >>> mask = np.zeros((2, 2), bool)
    >>> mask[0, 0] = True
    >>> colours = np.zeros((2, 2, 3))
    >>> colours[0, 0] = (1.0, 0.0, 0.0)
    >>> hint = check_hints([(mask, colours)], [(2, 2)])[0]
    >>> hint.chroma[0, 0].round(1).tolist()  # CIELUV (U, V) of sRGB red
    [175.0, 37.8]
    """
    if hints is None:
        return None
    if isinstance(hints, (str, bytes, dict)) or not hasattr(hints, "__len__"):
        raise TypeError(
            "hints must be None or a list with one entry per image (None or "
            f"(mask, colours)), got {type(hints).__name__}."
        )
    if len(hints) != len(shapes):
        raise ValueError(
            f"hints must have one entry per image: {len(shapes)} images, "
            f"{len(hints)} entries."
        )
    checked = [_one_hint(h, s, k) for k, (h, s) in enumerate(zip(hints, shapes))]
    return None if all(hint is None for hint in checked) else checked


# -- step 1: adapting the model's colours to the hints -----------------------


def adapted_colours(weights, hidden, target, share, colours):
    """Codebook colours and hidden-layer head fitted to the hinted pixels.

    Parameters
    ----------
    weights : ndarray of shape (n, K)
        Decoding weights of each hinted pixel (they sum to 1 per pixel).
    hidden : ndarray of shape (n, n_hidden) or None
        The last hidden layer's output there (None: no head).
    target : ndarray of shape (n, 2)
        The hints' chroma.
    share : ndarray of shape (n,)
        How much of each pixel is hinted (1 at the image's own scale).
    colours : ndarray of shape (K, 2)
        The fitted codebook colours of the classifier's outputs.

    Returns
    -------
    colours : ndarray of shape (K, 2)
    head : ndarray of shape (n_hidden + 1, 2)
        Weights of the hidden outputs and (last row) the intercept. Empty
        (0 rows) without ``hidden``.
    """
    k = len(colours)
    weighted = weights * share[:, None]
    gram = weighted.T @ weights + CODEBOOK_RIDGE * np.eye(k)
    adapted = np.linalg.solve(gram, weighted.T @ target + CODEBOOK_RIDGE * colours)
    if hidden is None:
        return adapted, np.zeros((0, 2))
    residual = target - weights @ adapted
    design = np.column_stack([hidden, np.ones(len(hidden))])
    gram = (design * share[:, None]).T @ design
    gram[np.diag_indices_from(gram)] += HEAD_RIDGE
    head = np.linalg.solve(gram, (design * share[:, None]).T @ residual)
    return adapted, head


# -- step 2: the data of the solver ----------------------------------------


def data_terms(chroma, uncertainty, fade, hint_share=None, hint_chroma=None):
    """Data ``d`` and weights ``w`` of the solver at every pixel.

    Parameters
    ----------
    chroma, uncertainty : ndarray of shapes (H, W, 2) and (H, W)
        The model's chroma and its uncertainty.
    fade : float
        Weight of grey (U = V = 0) everywhere.
    hint_share, hint_chroma : ndarray of shapes (H, W) and (H, W, 2), optional
        Share of each pixel hinted, and the hints' chroma.

    Returns
    -------
    data : ndarray of shape (H, W, 2)
    weights : ndarray of shape (H, W)
    """
    s2 = UNCERTAINTY_SCALE**2
    model = MODEL_WEIGHT * s2 / (s2 + uncertainty)
    weights = model + fade
    numerator = model[..., None] * chroma
    if hint_share is not None:
        strong = HINT_WEIGHT * hint_share
        weights = weights + strong
        numerator += strong[..., None] * hint_chroma
    return numerator / weights[..., None], weights


# -- the classifier's outputs, in NumPy ---------------------------------------


def forward(classifier, features):
    """Output scores and last hidden layer of ``classifier`` on ``features``.

    For an ``MLPClassifier``: the scores before the output activation (one
    column per class, or one logistic column) and the last hidden layer's
    output, as the compiled path computes them, with one BLAS thread (so
    that the result does not depend on the process's thread settings). For
    another classifier: the log of ``predict_proba`` and no hidden layer
    (None).
    """
    from sklearn.neural_network import MLPClassifier
    from sklearn.neural_network._base import ACTIVATIONS

    if not isinstance(classifier, MLPClassifier):
        proba = classifier.predict_proba(features)
        return np.log(np.clip(proba, 1e-300, None)), None
    h = np.asarray(features, dtype=classifier.coefs_[0].dtype)
    hidden = h
    n_layers = len(classifier.coefs_)
    with one_blas_thread():
        for layer, (w, b) in enumerate(zip(classifier.coefs_, classifier.intercepts_)):
            hidden = h
            h = h @ w + b
            if layer < n_layers - 1:
                ACTIVATIONS[classifier.activation](h)
    return h, hidden


def _two_columns(scores):
    """Scores of a single logistic output as two softmax columns."""
    if scores.shape[1] == 1:
        return np.column_stack([np.zeros(len(scores)), scores[:, 0]])
    return scores


def decoding_weights(scores, soft, temperature):
    """Weights of the codebook colours in each pixel's decoded chroma.

    The annealed softmax ``softmax(scores / T)`` for soft decoding, the
    one-hot of the largest score (first on ties) for argmax.
    """
    scores = _two_columns(np.asarray(scores, dtype=np.float64))
    if not soft:
        out = np.zeros_like(scores)
        out[np.arange(len(scores)), np.argmax(scores, axis=1)] = 1.0
        return out
    z = (scores - scores.max(axis=1, keepdims=True)) / temperature
    p = np.exp(z)
    return p / p.sum(axis=1, keepdims=True)


def decode(scores, hidden, colours, soft, temperature, head):
    """Chroma and uncertainty of each pixel, as the compiled path decodes them.

    See ``_colorize_kernels._steer_decode``: the decoded codebook colour plus
    the head's correction, and ``sum_k p_k |colours_k - m|^2`` with ``p`` the
    probabilities and ``m`` the decoded codebook colour.
    """
    weights = decoding_weights(scores, soft, temperature)
    mean = weights @ colours
    proba = decoding_weights(scores, True, 1.0)
    uncertainty = np.einsum(
        "nk,nk->n", proba, ((colours[None] - mean[:, None]) ** 2).sum(axis=-1)
    )
    if len(head):
        mean = mean + np.column_stack([hidden, np.ones(len(hidden))]) @ head
    return mean, uncertainty


# -- the three steps ---------------------------------------------------------


@dataclass(frozen=True)
class Carry:
    """What one frame of a film leaves to the next: its lightness and chroma.

    At the model's working scale (see :func:`steered_chroma`).
    """

    lightness: np.ndarray
    chroma: np.ndarray


def temporal_weights(lightness, previous, steadiness):
    """Weight of the previous frame's chroma at each pixel.

    ``steadiness`` where the lightness has not changed, falling as
    ``exp(-(dL / TEMPORAL_SIGMA)^2)`` where it has (something moved): the
    colour of a still pixel stays, a moving one is coloured afresh.
    """
    change = (lightness - previous.lightness) / TEMPORAL_SIGMA
    return steadiness * np.exp(-(change**2))


def steered_chroma(
    lightness, hint, backend, *, fade, smoothness, previous=None, steadiness=0.0
):
    """Chroma of one image at the model's working scale, steered.

    Parameters
    ----------
    lightness : ndarray of shape (h, w)
        L (0..100) at the scale the model colorizes the image at.
    hint : Hint or None
        The image's hints, at its own size.
    backend : object
        ``colours`` (K, 2), the fitted colours of the classifier's outputs;
        ``at(rows, cols)`` -> (decoding weights (n, K), hidden (n, H) or
        None) at those pixels; ``everywhere(colours, head)`` -> (chroma (h,
        w, 2), uncertainty (h, w)).
    fade, smoothness : float
        Weight of grey, and the solver's smoothness.
    previous : Carry, optional
        The previous frame of a film (same working size): its chroma is one
        more datum, weighted by :func:`temporal_weights`, and the solver
        starts from it (few iterations, no smoother passes).
    steadiness : float, default=0.0
        The weight of the previous frame's chroma where nothing moved.

    Returns
    -------
    chroma : ndarray of shape (h, w, 2)
    """
    from .solver import _solve

    colours, head = backend.colours, np.zeros((0, 2))
    share = hint_chroma = None
    if hint is not None:
        share, hint_chroma = hint.at_scale(lightness.shape)
        rows, cols = np.nonzero(share)
        weights, hidden = backend.at(rows, cols)
        colours, head = adapted_colours(
            weights, hidden, hint_chroma[rows, cols], share[rows, cols], colours
        )
    chroma, uncertainty = backend.everywhere(colours, head)
    data, weights = data_terms(chroma, uncertainty, fade, share, hint_chroma)
    if previous is None or previous.chroma.shape[:2] != lightness.shape:
        return _solve(
            lightness, data, weights, smoothness, EDGE_SIGMA, PASSES, MAX_ITER, TOL
        )
    still = temporal_weights(lightness, previous, steadiness)
    total = weights + still
    data = (weights[..., None] * data + still[..., None] * previous.chroma) / total[
        ..., None
    ]
    return _solve(
        lightness,
        data,
        total,
        smoothness,
        EDGE_SIGMA,
        0,
        FRAME_MAX_ITER,
        TOL,
        start=previous.chroma,
    )


#: The solver's settings in the pipeline (see :func:`somcolor.solver.solve_chroma`).
EDGE_SIGMA = 2.5
PASSES = 3
MAX_ITER = 100
TOL = 1e-5
#: Conjugate-gradient iterations for a frame of a film, started from the
#: previous frame's chroma.
FRAME_MAX_ITER = 20
#: Lightness change (L units) at which a pixel counts as moved.
TEMPORAL_SIGMA = 3.0


def paste(rgb, lightness, hint):
    """Give the hinted pixels of ``rgb`` the hint's chroma with their own L."""
    from .color import luv_to_rgb

    if hint is not None:
        mask = hint.mask
        rgb[mask] = luv_to_rgb(lightness[mask][None], hint.chroma[mask][None])[0]
    return rgb
