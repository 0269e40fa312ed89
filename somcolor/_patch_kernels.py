"""Compiled kernels that write the feature row of a pixel.

:func:`write_rows` is the one definition of what the classifier sees about a
pixel; every other kernel calls it: :func:`dense_rows` (every pixel, for
:meth:`PatchExtractor.transform <somcolor.PatchExtractor.transform>`),
:func:`sampled_rows` (the training pixels) and the colorizing tiles of
:mod:`somcolor._colorize_kernels`. Training and colorizing therefore compute
the same features with the same code.

The image is handed over prepared (see ``PatchExtractor._prepare``), as the
tuple ``image = (padded, offset, sums, height, width)``:

* ``padded``: the features' lightness, padded by ``p // 2`` on every side
  (``offset = 0``) or not padded at all for ``'valid'`` extraction
  (``offset = -(p // 2)``): the patch of pixel ``(r, c)`` is
  ``padded[r + offset:r + offset + p, c + offset:c + offset + p]``, flattened
  row-major like :func:`sklearn.feature_extraction.image.extract_patches_2d`;
* ``sums``: the integral images of the lightness and of its square, shape
  ``(2, height + 1, width + 1)``, float64 (``sums[k, i, j]`` is the sum over
  rows ``< i`` and columns ``< j``): any box mean in four reads. Unused (and
  of shape ``(2, 1, 1)``) when the row has no box features.

and the options as ``spec = (p, context, texture, position)``: the patch
side, the int64 arrays of context and texture scales (empty when off), and
whether to append the pixel's position. A row holds, in this order:

1. the ``p x p`` patch;
2. per context scale ``s``: the mean lightness of the ``s x s`` box around
   each of the 3x3 points ``s`` pixels apart centred on the pixel (row-major),
   each point clamped to the image and each box cut to the image;
3. per texture scale ``s``: the standard deviation of the lightness over the
   ``s x s`` box around the pixel, cut to the image;
4. with ``position``: the pixel's row and column scaled to [0, 1] (0.5 on a
   side of one pixel).

Box features are computed in float64 and stored in the dtype of the output.
"""

import math

import numba


@numba.njit(cache=True, nogil=True, inline="always")
def _box(centre, s, size):
    """Bounds ``[lo, hi)`` on one axis of the size-``s`` box around ``centre``."""
    lo = max(centre - s // 2, 0)
    hi = min(centre - s // 2 + s, size)
    return lo, hi


@numba.njit(cache=True, nogil=True, inline="always")
def _box_sum(sums, k, r0, r1, c0, c1):
    """Sum of plane ``k`` over rows ``[r0, r1)`` and columns ``[c0, c1)``."""
    return sums[k, r1, c1] - sums[k, r0, c1] - sums[k, r1, c0] + sums[k, r0, c0]


@numba.njit(cache=True, nogil=True)
def write_rows(image, spec, r, c0, rows):
    """Write the feature rows of pixels ``(r, c0)``, ``(r, c0 + 1)``, ... into
    ``rows``, one per row of ``rows``.

    The patches of the whole run of pixels are copied in one tight loop
    (most of the work for the paper's features), then the context, texture
    and position features, if any, are added pixel by pixel.

    Parameters
    ----------
    image : tuple
        ``(padded, offset, sums, height, width)``, see the module docstring.
    spec : tuple
        ``(p, context, texture, position)``, see the module docstring.
    r, c0 : int
        The row and first column of the run of pixels, in the coordinates
        of the unpadded image.
    rows : ndarray, 2-D
        Receives the features, one pixel per row (its width is the number
        of features).
    """
    padded, offset = image[0], image[1]
    p, context, texture, position = spec
    for t in range(rows.shape[0]):
        c = c0 + t
        k = 0
        for i in range(p):
            for j in range(p):
                rows[t, k] = padded[r + offset + i, c + offset + j]
                k += 1
    if context.shape[0] or texture.shape[0] or position:
        for t in range(rows.shape[0]):
            _write_wide(image, spec, r, c0 + t, rows[t])


@numba.njit(cache=True, nogil=True)
def _write_wide(image, spec, r, c, row):
    """The context, texture and position features of pixel ``(r, c)``, after
    its patch in ``row``."""
    padded, offset, sums, height, width = image
    p, context, texture, position = spec
    k = p * p
    for s in context:
        for i in range(-1, 2):
            centre_r = min(max(r + i * s, 0), height - 1)
            r0, r1 = _box(centre_r, s, height)
            for j in range(-1, 2):
                centre_c = min(max(c + j * s, 0), width - 1)
                c0, c1 = _box(centre_c, s, width)
                area = (r1 - r0) * (c1 - c0)
                row[k] = _box_sum(sums, 0, r0, r1, c0, c1) / area
                k += 1
    for s in texture:
        r0, r1 = _box(r, s, height)
        c0, c1 = _box(c, s, width)
        area = (r1 - r0) * (c1 - c0)
        mean = _box_sum(sums, 0, r0, r1, c0, c1) / area
        mean_sq = _box_sum(sums, 1, r0, r1, c0, c1) / area
        row[k] = math.sqrt(max(mean_sq - mean * mean, 0.0))
        k += 1
    if position:
        row[k] = r / (height - 1) if height > 1 else 0.5
        row[k + 1] = c / (width - 1) if width > 1 else 0.5


@numba.njit(cache=True, nogil=True)
def _dense_row(image, spec, r, r0, c0, c1, out):
    """Rows of the pixels ``(r, c0..c1)`` into their places in ``out``."""
    base = (r - r0) * (c1 - c0)
    write_rows(image, spec, r, c0, out[base : base + c1 - c0])


@numba.njit(cache=True, nogil=True)
def dense_rows_serial(image, spec, r0, r1, c0, c1, out):
    """:func:`dense_rows` in the calling thread.

    For small images, where waking the worker threads costs more than the
    work itself (notably on a busy machine).
    """
    for r in range(r0, r1):
        _dense_row(image, spec, r, r0, c0, c1, out)


@numba.njit(parallel=True, cache=True, nogil=True)
def dense_rows(image, spec, r0, r1, c0, c1, out):
    """Feature rows of the pixels ``[r0, r1) x [c0, c1)``, row-major.

    Parameters
    ----------
    image, spec : tuple
        See :func:`write_rows`.
    r0, r1, c0, c1 : int
        The block of pixels (the whole image, or its valid part).
    out : ndarray of shape ((r1 - r0) * (c1 - c0), n_features)
        Row ``(r - r0) * (c1 - c0) + (c - c0)`` receives pixel ``(r, c)``.
    """
    for r in numba.prange(r0, r1):
        _dense_row(image, spec, r, r0, c0, c1, out)


@numba.njit(cache=True, nogil=True)
def sampled_rows(image, spec, rows, cols, out):
    """Feature rows of the pixels ``(rows[k], cols[k])`` into ``out[k]``.

    In the calling thread: the training pixels of one image (thousands) take
    less time to write than waking worker threads, which on a busy machine
    can cost a scheduler time slice; fit shares images out between tasks
    instead (``n_jobs``).
    """
    for k in range(rows.shape[0]):
        write_rows(image, spec, rows[k], cols[k], out[k : k + 1])
