"""Plain NumPy references for the compiled kernels.

Slow, short and obviously correct: the test suite compares every kernel with
the function of the same purpose here, and the benchmarks use them as the
straightforward anchors. They accumulate squared distances feature by
feature, in the input dtype, in the same order as the kernels, so the
comparison is exact (ties included), not approximate.
"""

import numpy as np


def sq_distances(X, codebook):
    """Squared Euclidean distances, shape (n_samples, n_units)."""
    X = np.asarray(X)
    codebook = np.asarray(codebook, dtype=X.dtype)
    out = np.zeros((X.shape[0], codebook.shape[0]), dtype=X.dtype)
    for j in range(X.shape[1]):
        diff = X[:, j, None] - codebook[None, :, j]
        out += diff * diff
    return out


def bmu_search(X, codebook):
    """BMU index (lowest on ties) and squared distance of every sample."""
    d = sq_distances(X, codebook)
    labels = np.argmin(d, axis=1)
    return labels, d[np.arange(d.shape[0]), labels]


def two_bmu_search(X, codebook):
    """Nearest and second-nearest unit of every sample (stable on ties)."""
    d = sq_distances(X, codebook)
    order = np.argsort(d, axis=1, kind="stable")
    return order[:, 0], order[:, 1]


def dense_patches(image, patch_size, padding="reflect"):
    """Patch of every pixel, borders padded with :func:`numpy.pad`.

    ``padding='valid'`` keeps only pixels whose patch fits in the image.
    """
    image = np.asarray(image)
    half = patch_size // 2
    if padding != "valid":
        image = np.pad(image, half, mode=padding)
    windows = np.lib.stride_tricks.sliding_window_view(image, (patch_size, patch_size))
    return windows.reshape(-1, patch_size * patch_size).copy()


def sampled_patches(image, patch_size, rows, cols, padding="reflect"):
    """Patches centred on ``(rows[k], cols[k])`` of ``image``."""
    image = np.asarray(image)
    half = patch_size // 2
    padded = np.pad(image, half, mode=padding) if padding != "valid" else image
    offset = half if padding == "valid" else 0
    out = np.empty((len(rows), patch_size * patch_size), dtype=image.dtype)
    for k, (r, c) in enumerate(zip(rows, cols)):
        r0, c0 = r - offset, c - offset
        out[k] = padded[r0 : r0 + patch_size, c0 : c0 + patch_size].ravel()
    return out
