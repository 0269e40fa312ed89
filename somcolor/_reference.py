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


def _box_mean_std(image, r, c, s):
    """Mean and standard deviation of ``image`` over the ``s x s`` box at (r, c)."""
    height, width = image.shape
    r0, c0 = max(r - s // 2, 0), max(c - s // 2, 0)
    box = image[r0 : min(r - s // 2 + s, height), c0 : min(c - s // 2 + s, width)]
    return box.mean(), box.std()


def pixel_features(
    image, patch_size, padding="reflect", context=(), texture=(), position=False
):
    """Feature rows of every pixel, pixel by pixel, as ``PatchExtractor``.

    The patch from :func:`dense_patches`; context, texture and position by
    direct means and standard deviations of image slices, in float64.
    """
    image = np.asarray(image, dtype=np.float64)
    height, width = image.shape
    half = patch_size // 2
    blocks = [dense_patches(image, patch_size, padding)]
    if padding == "valid":
        rows, cols = np.mgrid[half : height - half, half : width - half]
    else:
        rows, cols = np.mgrid[:height, :width]
    rows, cols = rows.ravel(), cols.ravel()
    for s in context:
        values = np.empty((len(rows), 9))
        for k, (r, c) in enumerate(zip(rows, cols)):
            for i in range(3):
                rc = min(max(r + (i - 1) * s, 0), height - 1)
                for j in range(3):
                    cc = min(max(c + (j - 1) * s, 0), width - 1)
                    values[k, 3 * i + j] = _box_mean_std(image, rc, cc, s)[0]
        blocks.append(values)
    for s in texture:
        blocks.append(
            np.array([[_box_mean_std(image, r, c, s)[1]] for r, c in zip(rows, cols)])
        )
    if position:
        blocks.append(
            np.column_stack(
                [
                    rows / (height - 1) if height > 1 else np.full(len(rows), 0.5),
                    cols / (width - 1) if width > 1 else np.full(len(cols), 0.5),
                ]
            )
        )
    return np.hstack(blocks)
