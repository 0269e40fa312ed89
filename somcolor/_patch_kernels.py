"""Compiled kernels for square patch extraction.

The kernels work on an image that is already padded (or on the raw image for
``'valid'`` extraction): the patch of output pixel ``(r, c)`` is
``padded[r:r + p, c:c + p]``, flattened row-major, exactly like
:func:`sklearn.feature_extraction.image.extract_patches_2d`. Padding itself
is :func:`numpy.pad`, done once per image by the caller; it costs one copy of
the image, which is small next to the ``p * p`` times larger output.

The output dtype is the dtype of ``out``; values are converted on the fly, so
a float64 image can be written straight into a float32 patch matrix.
"""

import numba


@numba.njit(cache=True, nogil=True)
def _dense_row(padded, p, width, r, out):
    """Patches of output row ``r`` into rows ``r * width ...`` of ``out``."""
    base = r * width
    for c in range(width):
        row = out[base + c]
        for i in range(p):
            src = padded[r + i]
            for j in range(p):
                row[i * p + j] = src[c + j]


@numba.njit(cache=True, nogil=True)
def dense_patches_serial(padded, patch_size, out):
    """:func:`dense_patches` in the calling thread.

    For small images, where waking the worker threads costs more than the
    copy itself (notably on a busy machine).
    """
    p = patch_size
    height = padded.shape[0] - p + 1
    width = padded.shape[1] - p + 1
    for r in range(height):
        _dense_row(padded, p, width, r, out)


@numba.njit(parallel=True, cache=True, nogil=True)
def dense_patches(padded, patch_size, out):
    """Write the patch of every pixel of ``padded``'s valid area into ``out``.

    Parameters
    ----------
    padded : ndarray of shape (H + p - 1, W + p - 1)
    patch_size : int
        Odd patch side ``p``.
    out : ndarray of shape (H * W, p * p)
        Row ``r * W + c`` receives the patch centred on output pixel (r, c).
    """
    p = patch_size
    height = padded.shape[0] - p + 1
    width = padded.shape[1] - p + 1
    for r in numba.prange(height):
        _dense_row(padded, p, width, r, out)


@numba.njit(parallel=True, cache=True, nogil=True)
def sampled_patches(padded, patch_size, rows, cols, out):
    """Write the patches whose top-left corners in ``padded`` are given.

    ``out[k]`` receives ``padded[rows[k]:rows[k] + p, cols[k]:cols[k] + p]``
    flattened row-major. With a padding of ``p // 2`` on every side, the
    top-left corner in the padded image is the centre pixel's position in the
    original image.
    """
    p = patch_size
    for k in numba.prange(rows.shape[0]):
        r = rows[k]
        c = cols[k]
        for i in range(p):
            for j in range(p):
                out[k, i * p + j] = padded[r + i, c + j]
