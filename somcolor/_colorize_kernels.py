"""Compiled kernels for the fast colorizing path (:mod:`somcolor._fast_predict`).

Plain module-level functions, compiled lazily by numba on first call
(``cache=True`` keeps the machine code between processes), so ``import
somcolor`` compiles nothing and fitted estimators never hold a compiled
function.

An MLP applied to the patch of every pixel is a small convolutional network:
its first layer is a ``p x p`` convolution of the (padded) lightness image
with one filter per hidden unit. :func:`mlp_labels` computes the whole
network straight from the padded image, a short run of pixels of one row at a
time (the tile), without building the ``(n_pixels, p*p)`` patch matrix; the
activations of a tile stay in the core's cache. One parallel region covers
the whole image, which matters on a busy machine. :func:`lut_rgb` turns
(grey level, class) pairs into RGB through a table computed with the
reference colour conversion.
"""

import math

import numba
import numpy as np

#: Hidden activations, numbered as :func:`mlp_labels` expects them.
ACTIVATION_CODES = {"identity": 0, "relu": 1, "tanh": 2, "logistic": 3}


@numba.njit(cache=True, nogil=True)
def _add_bias_activate(h, n, bias, code):
    """``h[:n] += bias`` then the hidden activation ``code``, in place."""
    for t in range(n):
        for k in range(h.shape[1]):
            v = h[t, k] + bias[k]
            if code == 1:
                v = v if v > 0 else 0
            elif code == 2:
                v = math.tanh(v)
            elif code == 3:
                v = 1.0 / (1.0 + math.exp(-v))
            h[t, k] = v


@numba.njit(cache=True, nogil=True)
def _classify_tile(patches, weights, biases, sizes, activation, classes, out):
    """Forward pass of the patch rows of one tile; classes into ``out[:n]``."""
    n = patches.shape[0]
    n_layers = sizes.shape[0] - 1
    h = patches
    w_off = 0
    b_off = 0
    for layer in range(n_layers - 1):
        n_in = sizes[layer]
        n_out = sizes[layer + 1]
        h = np.dot(h, weights[w_off : w_off + n_in * n_out].reshape((n_in, n_out)))
        _add_bias_activate(h, n, biases[b_off : b_off + n_out], activation)
        w_off += n_in * n_out
        b_off += n_out
    n_in = sizes[n_layers - 1]
    n_out = sizes[n_layers]
    z = np.dot(h, weights[w_off : w_off + n_in * n_out].reshape((n_in, n_out)))
    bias = biases[b_off : b_off + n_out]
    if n_out == 1:
        for t in range(n):
            prob = 1.0 / (1.0 + math.exp(-(z[t, 0] + bias[0])))
            out[t] = classes[1] if prob > 0.5 else classes[0]
    else:
        for t in range(n):
            best = 0
            top = z[t, 0] + bias[0]
            for j in range(1, n_out):
                v = z[t, j] + bias[j]
                if v > top:
                    top = v
                    best = j
            out[t] = classes[best]


@numba.njit(parallel=True, cache=True, nogil=True)
def mlp_labels(
    padded, patch_size, weights, biases, sizes, activation, classes, tile, out
):
    """Class of every pixel from its patch, by the MLP, tile by tile.

    Parameters
    ----------
    padded : ndarray of shape (H + p - 1, W + p - 1)
        The features (L / 100), padded by ``p // 2`` on every side: the patch
        of pixel ``(r, c)`` is ``padded[r:r + p, c:c + p]``, flattened
        row-major (the layout of :class:`~somcolor.PatchExtractor`).
    patch_size : int
        Odd patch side ``p``.
    weights : ndarray, 1-D
        The coefficient matrices ``coefs_[l]`` of shape
        ``(sizes[l], sizes[l + 1])``, flattened row-major and concatenated.
    biases : ndarray, 1-D
        The intercepts ``intercepts_[l]``, concatenated.
    sizes : ndarray of int
        Layer widths ``[p * p, n_hidden_1, ..., n_outputs]``.
    activation : int
        Hidden activation, see :data:`ACTIVATION_CODES`.
    classes : ndarray of shape (n_classes,)
        Label of each output (``classes_``).
    tile : int
        Pixels of one row handled at once; only the tile's patch rows and
        activations exist at any time (per thread).
    out : ndarray of shape (H, W)
        Output: with several outputs, the class of the largest score (first
        on ties); with one (logistic) output, ``classes[1]`` where the
        logistic of the score exceeds 0.5, as ``MLPClassifier.predict``.

    Notes
    -----
    Each layer is ``activation(X @ W + b)`` with ``X @ W`` by BLAS
    (``np.dot``) on the tile, in the dtype of ``weights``, as
    ``MLPClassifier`` computes it on the whole patch matrix.
    """
    p = patch_size
    height, width = out.shape
    per_row = (width + tile - 1) // tile
    n_tiles = height * per_row
    n_chunks = min(n_tiles, 64)
    for chunk in numba.prange(n_chunks):
        patches = np.empty((tile, p * p), dtype=weights.dtype)
        first = n_tiles * chunk // n_chunks
        last = n_tiles * (chunk + 1) // n_chunks
        for index in range(first, last):
            r = index // per_row
            c0 = (index % per_row) * tile
            n = min(tile, width - c0)
            for t in range(n):
                for i in range(p):
                    for j in range(p):
                        patches[t, i * p + j] = padded[r + i, c0 + t + j]
            _classify_tile(
                patches[:n], weights, biases, sizes, activation, classes, out[r, c0:]
            )


@numba.njit(parallel=True, cache=True, nogil=True)
def lut_rgb(codes, labels, table, out):
    """``out[r, c] = table[codes[r, c], labels[r, c]]``: RGB from two indices.

    Parameters
    ----------
    codes : ndarray of shape (H, W), uint8
        Grey level (0..255) of each pixel.
    labels : ndarray of shape (H, W), integer
        Colour class (codebook index) of each pixel.
    table : ndarray of shape (256, n_colours, 3)
        RGB of every (grey level, colour class) pair.
    out : ndarray of shape (H, W, 3)
    """
    for r in numba.prange(codes.shape[0]):
        for c in range(codes.shape[1]):
            g = codes[r, c]
            k = labels[r, c]
            out[r, c, 0] = table[g, k, 0]
            out[r, c, 1] = table[g, k, 1]
            out[r, c, 2] = table[g, k, 2]
