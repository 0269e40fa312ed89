"""The edge-aware chroma solver: colour that spreads along the grey image.

One solver serves every way of steering somcolor's colours: colour hints
(a person's marks, or a keyframe's colours), the refinement of a model's
prediction where it is unsure, and a pull towards grey where nothing is
known. It finds the chroma map ``x`` (CIELUV U and V) that minimises

.. math::

    \\sum_p w_p \\lVert x_p - d_p \\rVert^2
    + \\lambda \\sum_{p \\sim q} a_{pq} \\lVert x_p - x_q \\rVert^2,

with per-pixel data ``d`` and weights ``w`` (a hint: strong; the model's
colour: its confidence; grey: a weak pull), ``p ~ q`` the 4-neighbour pairs
of pixels, and edge weights ``a = exp(-(L_p - L_q)^2 / sigma^2)`` from the
lightness: colour flows where the grey image is smooth and stops at its
edges, as in Levin, Lischinski and Weiss (2004).

The system ``(W + lambda Lap_a) x = W d`` is sparse, symmetric and positive
definite. It is solved by a few passes of the fast global smoother of Min et
al. (2014) (alternating one-dimensional tridiagonal solves along the rows
and the columns, O(N) each), then Jacobi-preconditioned conjugate gradients
on the whole system, started from there (:mod:`somcolor._solver_kernels`).
A SciPy sparse direct solve of the same system is the reference the tests
compare it with.

References
----------
A. Levin, D. Lischinski, Y. Weiss, "Colorization using Optimization", ACM
SIGGRAPH 2004.

D. Min, S. Choi, J. Lu, B. Ham, K. Sohn, M. N. Do, "Fast Global Image
Smoothing Based on Weighted Least Squares", IEEE TIP 23(12), 2014.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_scalar

from . import _solver_kernels

__all__ = ["solve_chroma", "edge_weights"]

#: The dtype of the solver's iterations.
SOLVER_DTYPE = np.float32


def edge_weights(lightness, edge_sigma):
    """Weights of the 4-neighbour edges from the lightness.

    Parameters
    ----------
    lightness : ndarray of shape (H, W)
        CIE L, in [0, 100].
    edge_sigma : float
        Lightness difference (L units) at which an edge's weight falls to
        ``1 / e``.

    Returns
    -------
    horizontal : ndarray of shape (H, W - 1)
        Weight of the edge between ``(r, c)`` and ``(r, c + 1)``.
    vertical : ndarray of shape (H - 1, W)
        Weight of the edge between ``(r, c)`` and ``(r + 1, c)``.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.solver import edge_weights
    >>> horizontal, vertical = edge_weights(np.array([[50.0, 50.0, 90.0]]), 5.0)
    >>> horizontal.round(3).tolist()
    [[1.0, 0.0]]
    """
    lightness = np.ascontiguousarray(lightness, dtype=np.float64)
    height, width = lightness.shape
    horizontal = np.empty((height, max(width - 1, 0)))
    vertical = np.empty((max(height - 1, 0), width))
    parallel = lightness.size >= _solver_kernels.PARALLEL_MIN_PIXELS
    _solver_kernels.edge_weights(parallel)(
        lightness, 1.0 / float(edge_sigma) ** 2, horizontal, vertical
    )
    return horizontal, vertical


def _schedule(smoothness, passes):
    """Smoothness of each line pass: Min et al.'s, shrinking by 4 each time."""
    return [
        1.5 * 4.0 ** (passes - t) / (4.0**passes - 1) * smoothness
        for t in range(1, passes + 1)
    ]


def solve_chroma(
    lightness,
    chroma,
    weights,
    *,
    smoothness=1.0,
    edge_sigma=5.0,
    passes=3,
    max_iter=30,
    tol=1e-4,
):
    """Spread chroma along the lightness's smooth regions (weighted least squares).

    Parameters
    ----------
    lightness : ndarray of shape (H, W)
        CIE L of the image, in [0, 100]: the guide.
    chroma : ndarray of shape (H, W, 2)
        The data ``d``: CIELUV (U, V) wanted at each pixel (any value where
        the weight is 0).
    weights : ndarray of shape (H, W)
        The data weights ``w`` (>= 0, not all zero): how strongly each
        pixel keeps its ``chroma``. Give every pixel a small positive
        weight (a pull towards grey, say) for a well-posed system.
    smoothness : float, default=1.0
        ``lambda``: the weight of equal chroma across smooth edges, relative
        to the data weights.
    edge_sigma : float, default=5.0
        Lightness difference (L units) at which an edge's weight falls to
        ``1 / e``; smaller keeps colour within finer edges.
    passes : int, default=3
        Passes of the fast global smoother (rows then columns) that give
        the starting point; 0 starts from ``chroma``.
    max_iter : int, default=30
        Largest number of conjugate-gradient iterations after them; 0 stops
        at the smoother's estimate.
    tol : float, default=1e-4
        Conjugate gradients stop when the preconditioned residual norm has
        fallen by this factor.

    Returns
    -------
    solution : ndarray of shape (H, W, 2)
        The chroma map, float64 (computed in float32: within about 1e-3 of
        the exact minimiser where it has converged).

    Examples
    --------
    A red mark on the left of a dark square with a bright border stays
    inside the square:

    >>> import numpy as np
    >>> from somcolor.solver import solve_chroma
    >>> lightness = np.full((20, 20), 80.0)
    >>> lightness[5:15, 5:15] = 30.0
    >>> chroma = np.zeros((20, 20, 2))
    >>> weights = np.full((20, 20), 1e-4)
    >>> chroma[10, 6] = (60.0, 20.0)
    >>> weights[10, 6] = 100.0
    >>> out = solve_chroma(lightness, chroma, weights, max_iter=500)
    >>> bool(out[12, 12, 0] > 50), bool(abs(out[2, 2, 0]) < 1)
    (True, True)
    """
    lightness = np.asarray(lightness, dtype=np.float64)
    chroma = np.asarray(chroma, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    if lightness.ndim != 2:
        raise ValueError(
            f"lightness must be a 2-D array (H, W), got shape {lightness.shape}."
        )
    if chroma.shape != lightness.shape + (2,):
        raise ValueError(
            f"chroma must have shape {lightness.shape + (2,)} (the lightness's "
            f"and two planes, U and V), got {chroma.shape}."
        )
    if weights.shape != lightness.shape:
        raise ValueError(
            f"weights must have the lightness's shape {lightness.shape}, got "
            f"{weights.shape}."
        )
    for name, array in (("lightness", lightness), ("chroma", chroma)):
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} contains NaN or infinity.")
    if not np.all(np.isfinite(weights)) or weights.min(initial=0.0) < 0:
        raise ValueError("weights must be finite and >= 0.")
    if not weights.any():
        raise ValueError("weights must not all be 0: nothing would fix the colours.")
    check_scalar(smoothness, "smoothness", Real, min_val=0)
    check_scalar(
        edge_sigma, "edge_sigma", Real, min_val=0, include_boundaries="neither"
    )
    check_scalar(passes, "passes", Integral, min_val=0)
    check_scalar(max_iter, "max_iter", Integral, min_val=0)
    check_scalar(tol, "tol", Real, min_val=0)
    return _solve(
        lightness, chroma, weights, smoothness, edge_sigma, passes, max_iter, tol
    )


def _solve(
    lightness,
    chroma,
    weights,
    smoothness,
    edge_sigma,
    passes,
    max_iter,
    tol,
    start=None,
):
    """:func:`solve_chroma` on checked float64 input.

    ``start`` (shape (H, W, 2)): where the iterations start, instead of
    ``chroma``.

    The iterations run in float32 (the loops are limited by memory traffic,
    and chroma needs no more than float32's seven digits); the line
    solves accumulate in float64, and so do the conjugate gradients' dot
    products.
    """
    horizontal, vertical = (
        np.asarray(a, dtype=SOLVER_DTYPE) for a in edge_weights(lightness, edge_sigma)
    )
    weights = np.ascontiguousarray(weights, dtype=SOLVER_DTYPE)
    planes = np.ascontiguousarray(np.moveaxis(chroma, -1, 0), dtype=SOLVER_DTYPE)
    if start is None:
        x = planes.copy()
    else:
        x = np.ascontiguousarray(np.moveaxis(start, -1, 0), dtype=SOLVER_DTYPE)
    parallel = weights.size >= _solver_kernels.PARALLEL_MIN_PIXELS
    for lam in _schedule(smoothness, passes):
        _solver_kernels.line_pass(weights, horizontal, vertical, lam, x, parallel)
    if max_iter:
        b = planes * weights
        _solver_kernels.conjugate_gradients(
            weights,
            horizontal,
            vertical,
            float(smoothness),
            b,
            x,
            max_iter,
            tol,
            parallel,
        )
    return np.moveaxis(x, 0, -1).astype(np.float64)
