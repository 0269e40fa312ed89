"""Classic colorization anchors and the hint sampling of the steering protocols.

Not part of the library: the reference points that the example scripts
``reference_halves.py`` (Welsh et al.) and ``hints_protocol.py`` (Levin et
al., Zhang et al.'s hints) measure the library's steering against, written
to be read next to their papers, and usable by tests as references.

* :func:`welsh_transfer`: Welsh, Ashikhmin and Mueller, "Transferring Color
  to Greyscale Images", SIGGRAPH 2002 (global matching, no swatches).
* :func:`levin_colorize`: Levin, Lischinski and Weiss, "Colorization using
  Optimization", SIGGRAPH 2004, as their ``getColorExact`` (exact solve).
* :func:`zhang_hints`: the colour hints of Zhang et al., "Real-Time
  User-Guided Image Colorization with Learned Deep Priors", SIGGRAPH 2017
  (6x6 patches revealing the mean chroma, centred Gaussian positions).

Import it from a script in ``examples/`` (``from _anchors import ...``) or
with ``examples/`` on ``sys.path``.
"""

import numpy as np
from scipy import sparse
from scipy.ndimage import uniform_filter
from scipy.sparse.linalg import splu
from scipy.spatial import cKDTree
from skimage.util import img_as_float

from somcolor.color import grey_to_lightness, luv_to_rgb, rgb_to_luv

# -- Welsh, Ashikhmin and Mueller 2002 ------------------------------------

# Ruderman's l-alpha-beta (Reinhard et al. 2001, the space Welsh et al. use):
# linear RGB -> LMS, log10, then a decorrelating rotation.
_LMS_FROM_RGB = np.array(
    [[0.3811, 0.5783, 0.0402], [0.1967, 0.7244, 0.0782], [0.0241, 0.1288, 0.8444]]
)
_LAB_FROM_LOGLMS = np.diag([1 / np.sqrt(3), 1 / np.sqrt(6), 1 / np.sqrt(2)]) @ np.array(
    [[1.0, 1.0, 1.0], [1.0, 1.0, -2.0], [1.0, -1.0, 0.0]]
)
_LMS_FLOOR = 1e-4  # log10 of black: linear levels are floored here


def _srgb_to_linear(rgb):
    return np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)


def _linear_to_srgb(lin):
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin > 0.0031308, 1.055 * lin ** (1 / 2.4) - 0.055, 12.92 * lin)


def _to_lalphabeta(linear_rgb):
    lms = np.maximum(linear_rgb @ _LMS_FROM_RGB.T, _LMS_FLOOR)
    return np.log10(lms) @ _LAB_FROM_LOGLMS.T


def _from_lalphabeta(lab):
    lms = 10.0 ** (lab @ np.linalg.inv(_LAB_FROM_LOGLMS).T)
    return _linear_to_srgb(lms @ np.linalg.inv(_LMS_FROM_RGB).T)


def _split(rgb, space):
    """Luminance (H, W) and chroma (H, W, 2) of an RGB image in ``space``."""
    rgb = img_as_float(rgb)
    if space == "luv":
        luv = rgb_to_luv(rgb)
    else:
        luv = _to_lalphabeta(_srgb_to_linear(rgb))
    return luv[..., 0], luv[..., 1:]


def _grey_luminance(grey, space):
    grey = img_as_float(grey)
    if space == "luv":
        return grey_to_lightness(grey)
    linear = _srgb_to_linear(grey)
    return _to_lalphabeta(np.stack([linear] * 3, axis=-1))[..., 0]


def _join(lum, chroma, space):
    if space == "luv":
        return luv_to_rgb(lum, chroma)
    return _from_lalphabeta(np.concatenate([lum[..., None], chroma], axis=-1))


def local_std(image, size=5):
    """Standard deviation over the ``size x size`` window of every pixel.

    Reflect padding at the borders (scipy's ``uniform_filter``).
    """
    image = np.asarray(image, dtype=np.float64)
    mean = uniform_filter(image, size, mode="reflect")
    mean_sq = uniform_filter(image * image, size, mode="reflect")
    return np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))


def jittered_grid(shape, n_samples, rng):
    """About ``n_samples`` (row, col) positions, one drawn uniformly per cell.

    The grid has ``rows x cols`` cells with ``rows = round(sqrt(n H / W))``
    and ``cols = round(n / rows)``, so that cells are about square.
    """
    height, width = shape
    rows = max(1, int(round(np.sqrt(n_samples * height / width))))
    cols = max(1, int(round(n_samples / rows)))
    r_edges = np.linspace(0, height, rows + 1)
    c_edges = np.linspace(0, width, cols + 1)
    r0, c0 = np.meshgrid(r_edges[:-1], c_edges[:-1], indexing="ij")
    r1, c1 = np.meshgrid(r_edges[1:], c_edges[1:], indexing="ij")
    r = np.floor(r0 + rng.random(r0.shape) * (r1 - r0)).astype(np.intp)
    c = np.floor(c0 + rng.random(c0.shape) * (c1 - c0)).astype(np.intp)
    return np.clip(r.ravel(), 0, height - 1), np.clip(c.ravel(), 0, width - 1)


def welsh_transfer(reference_rgb, target_grey, *, n_samples=200, rng=None, space="luv"):
    """Colour a grey image from a colour reference (Welsh et al. 2002).

    Their global matching: the reference's luminance is remapped to the
    target's mean and standard deviation (``(L - mu_r) sigma_t / sigma_r +
    mu_t``); about ``n_samples`` reference pixels are drawn on a jittered
    grid (:func:`jittered_grid`); each target pixel takes the chroma of the
    sample nearest in ``(0.5 L, 0.5 sd)``, ``sd`` the standard deviation of
    the luminance over the 5x5 neighbourhood (of the remapped reference for
    the samples), and keeps its own luminance.

    Parameters
    ----------
    reference_rgb : ndarray of shape (H1, W1, 3)
        The colour reference, uint8 or float in [0, 1].
    target_grey : ndarray of shape (H, W)
        The grey image, uint8 or float in [0, 1] (sRGB grey levels).
    n_samples : int, default=200
        Samples of the jittered grid.
    rng : numpy.random.Generator or int or None
        Draws the jitter.
    space : {'luv', 'lalphabeta'}, default='luv'
        'luv': CIELUV, luminance = L, chroma = (U, V), joined back with
        :func:`somcolor.color.luv_to_rgb` (the target keeps its CIE L
        exactly, as every somcolor colorization does). 'lalphabeta':
        Ruderman's l-alpha-beta as in the paper (on linear RGB), RGB
        clipped to [0, 1] at the end (the target's CIE L then moves).

    Returns
    -------
    rgb : ndarray of shape (H, W, 3), float64 in [0, 1]
    """
    if space not in ("luv", "lalphabeta"):
        raise ValueError(f"space must be 'luv' or 'lalphabeta', got {space!r}")
    rng = np.random.default_rng(rng)
    ref_lum, ref_chroma = _split(reference_rgb, space)
    lum = _grey_luminance(target_grey, space)
    # Luminance remapping: the reference's first two moments made the target's.
    spread = ref_lum.std()
    scale = lum.std() / spread if spread > 0 else 1.0
    ref_lum = (ref_lum - ref_lum.mean()) * scale + lum.mean()
    rows, cols = jittered_grid(ref_lum.shape, n_samples, rng)
    samples = np.column_stack([ref_lum[rows, cols], local_std(ref_lum)[rows, cols]])
    pixels = np.column_stack([lum.ravel(), local_std(lum).ravel()])
    # Equal weights on L and sd: the 0.5 factors do not change the nearest.
    _, nearest = cKDTree(0.5 * samples).query(0.5 * pixels)
    chroma = ref_chroma[rows, cols][nearest].reshape(lum.shape + (2,))
    return _join(lum, chroma, space)


# -- Levin, Lischinski and Weiss 2004 --------------------------------------

_OFFSETS = [(di, dj) for di in (-1, 0, 1) for dj in (-1, 0, 1) if (di, dj) != (0, 0)]


def levin_weights(lightness):
    """Affinity weights of every pixel to its 3x3 neighbours (getColorExact).

    For pixel r with window values Y (its neighbours inside the image and
    itself): ``s2 = max(0.6 var(Y), -min_s (Y_s - Y_r)^2 / ln 0.01, 2e-6)``
    (``var`` the population variance over the window, ``min`` over the
    neighbours), ``w_rs = exp(-(Y_s - Y_r)^2 / s2)``, normalised to sum 1.

    Parameters
    ----------
    lightness : ndarray of shape (H, W)
        Levin's Y in [0, 1].

    Returns
    -------
    weights : ndarray of shape (8, H, W)
        Weight of each neighbour (offsets in ``_OFFSETS`` order); 0 outside
        the image.
    """
    y = np.asarray(lightness, dtype=np.float64)
    height, width = y.shape
    padded = np.pad(y, 1, constant_values=np.nan)
    neighbours = np.stack(
        [
            padded[1 + di : 1 + di + height, 1 + dj : 1 + dj + width]
            for di, dj in _OFFSETS
        ]
    )
    inside = ~np.isnan(neighbours)
    window = np.concatenate([neighbours, y[None]])
    count = inside.sum(axis=0) + 1
    mean = np.nansum(window, axis=0) / count
    var = np.nansum((window - mean) ** 2, axis=0) / count
    diff2 = (neighbours - y) ** 2
    nearest = np.nanmin(diff2, axis=0)
    s2 = np.maximum(np.maximum(0.6 * var, -nearest / np.log(0.01)), 2e-6)
    weights = np.where(inside, np.exp(-np.where(inside, diff2, 0.0) / s2), 0.0)
    return weights / weights.sum(axis=0)


def levin_matrix(lightness, mask):
    """Levin et al.'s sparse system matrix (CSC), one row per pixel.

    Row r of an unhinted pixel: ``x_r - sum_s w_rs x_s``; of a hinted pixel
    (``mask`` true): ``x_r`` alone, so that its right-hand side fixes it.
    Pixels are numbered in C order (row by row).
    """
    weights = levin_weights(lightness)
    height, width = mask.shape
    index = np.arange(height * width).reshape(height, width)
    padded = np.pad(index, 1, constant_values=-1)
    free = ~np.asarray(mask, dtype=bool)
    rows, cols, vals = [index.ravel()], [index.ravel()], [np.ones(index.size)]
    for k, (di, dj) in enumerate(_OFFSETS):
        other = padded[1 + di : 1 + di + height, 1 + dj : 1 + dj + width]
        keep = free & (other >= 0)
        rows.append(index[keep])
        cols.append(other[keep])
        vals.append(-weights[k][keep])
    n = height * width
    return sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    )


def levin_colorize(lightness, mask, chroma):
    """Spread hinted chroma over a grey image (Levin et al. 2004, exact solve).

    Solves ``A x = b`` (:func:`levin_matrix`; ``b`` the hint's chroma on
    hinted rows, 0 elsewhere) by sparse LU (SciPy's SuperLU), once
    factorised for both chroma channels. Exact and slow: fine for images of
    a few hundred thousand pixels, as a reference.

    Parameters
    ----------
    lightness : ndarray of shape (H, W)
        The affinity's Y in [0, 1] (Levin's code reads the YIQ luma of the
        grey image, i.e. its grey level).
    mask : ndarray of shape (H, W), bool
        Hinted pixels; at least one.
    chroma : ndarray of shape (H, W, C)
        The chroma channels to spread, read where ``mask`` is true.

    Returns
    -------
    solved : ndarray of shape (H, W, C), float64
        Equal to ``chroma`` on hinted pixels.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        raise ValueError("Levin et al.'s solve needs at least one hinted pixel.")
    chroma = np.asarray(chroma, dtype=np.float64)
    b = np.where(mask[..., None], chroma, 0.0).reshape(mask.size, -1)
    solved = splu(levin_matrix(lightness, mask)).solve(b)
    return solved.reshape(chroma.shape)


# -- Zhang et al. 2017's hints ---------------------------------------------


def zhang_hints(rgb, n, rng, patch=6):
    """``n`` colour hints drawn as in Zhang et al. 2017's evaluation.

    Each hint is a ``patch x patch`` square whose top-left corner is drawn,
    per axis, from ``N((S - patch + 1) / 2, (S - patch + 1) / 4)`` (S the
    height, then the width), rounded and clipped to ``[0, S - patch]``. It
    reveals the mean (U, V) (CIELUV) of the true image over the square; its
    pixels get that chroma with their own L. Later hints overwrite earlier
    ones where squares overlap.

    Parameters
    ----------
    rgb : ndarray of shape (H, W, 3)
        The true colour image, uint8 or float in [0, 1].
    n : int
        Number of hints (0 gives an empty mask).
    rng : numpy.random.Generator or int
        Draws the positions (row then column, hint by hint).
    patch : int, default=6

    Returns
    -------
    mask : ndarray of shape (H, W), bool
        The hinted pixels.
    colours : ndarray of shape (H, W, 3), float64
        RGB where ``mask`` is true (the pixel's own L with the square's mean
        chroma, through :func:`somcolor.color.luv_to_rgb`), 0 elsewhere.
    """
    rng = np.random.default_rng(rng)
    luv = rgb_to_luv(img_as_float(rgb))
    height, width = luv.shape[:2]
    mask = np.zeros((height, width), dtype=bool)
    chroma = np.zeros((height, width, 2))
    for _ in range(n):
        corner = []
        for size in (height, width):
            span = size - patch + 1
            corner.append(
                int(np.clip(np.round(rng.normal(span / 2, span / 4)), 0, size - patch))
            )
        r, c = corner
        window = (slice(r, r + patch), slice(c, c + patch))
        chroma[window] = luv[window][..., 1:].mean(axis=(0, 1))
        mask[window] = True
    colours = luv_to_rgb(luv[..., 0], chroma)
    colours[~mask] = 0.0
    return mask, colours
