"""Colour conversions between sRGB, grey levels and CIELUV.

scikit-image (:mod:`skimage.color`, D65 white, 2 degree observer) is the
reference for every conversion here. Two things are added on top of it:

* grey levels: a grey sRGB image (R = G = B = g) has a lightness L that
  depends on g alone; :func:`to_grey` finds, for a colour image, the grey
  image with exactly the colour image's L, and :func:`grey_to_lightness`
  reads L from a grey image without building a three-channel copy;
* lightness-preserving decoding: a predicted (U, V) joined with a pixel's L
  can fall outside the sRGB gamut, and clipping RGB would change L. Here the
  chroma is scaled towards grey, just enough to fit, which keeps L and hue.
"""

import numpy as np
from skimage import color as skcolor
from skimage.color.colorconv import rgb_from_xyz as _RGB_FROM_XYZ

from ._images import _to_unit_float, check_images, images_like, row_bands

__all__ = [
    "to_grey",
    "rgb_to_luv",
    "grey_to_lightness",
    "luv_to_rgb",
    "gamut_scale",
]

# sRGB <-> linear transfer function (IEC 61966-2-1), as scikit-image uses it.
_SRGB_THRESHOLD = 0.04045
_LINEAR_THRESHOLD = 0.0031308


def _srgb_to_linear(g):
    g = np.asarray(g, dtype=np.float64)
    return np.where(g > _SRGB_THRESHOLD, ((g + 0.055) / 1.055) ** 2.4, g / 12.92)


def _linear_to_srgb(y):
    y = np.clip(np.asarray(y, dtype=np.float64), 0.0, 1.0)
    return np.where(y > _LINEAR_THRESHOLD, 1.055 * y ** (1 / 2.4) - 0.055, 12.92 * y)


def _lightness_from_luminance(y):
    """CIE L from relative luminance Y (white Y = 1), as scikit-image does."""
    y = np.asarray(y, dtype=np.float64)
    return np.where(y > 0.008856, 116.0 * np.cbrt(y) - 16.0, 903.3 * y)


def rgb_to_luv(rgb):
    """Convert one RGB image (float in [0, 1]) to CIELUV.

    Parameters
    ----------
    rgb : ndarray of shape (..., 3)
        sRGB values in [0, 1].

    Returns
    -------
    luv : ndarray of shape (..., 3), float64
        L in [0, 100]; U and V roughly in [-100, 180].

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.color import rgb_to_luv
    >>> luv = rgb_to_luv(np.array([[[1.0, 1.0, 1.0]]]))
    >>> luv.shape, round(float(luv[0, 0, 0]), 6)
    ((1, 1, 3), 100.0)
    """
    return skcolor.rgb2luv(np.asarray(rgb, dtype=np.float64))


def grey_to_lightness(grey):
    """CIE L of a grey sRGB image (R = G = B = ``grey``).

    Equal, to rounding, to ``rgb2luv(np.dstack([grey] * 3))[..., 0]``,
    without the three-channel copy.

    Parameters
    ----------
    grey : ndarray
        Grey levels in [0, 1].

    Returns
    -------
    L : ndarray, float64
        Lightness in [0, 100], same shape as ``grey``.

    Examples
    --------
    >>> from somcolor.color import grey_to_lightness
    >>> float(grey_to_lightness(1.0)), float(grey_to_lightness(0.0))
    (100.0, 0.0)
    """
    # sRGB grey has equal linear channels, so Y is the linear level itself
    # (the rows of the RGB -> XYZ matrix for Y sum to 1).
    return _lightness_from_luminance(_srgb_to_linear(grey))


def to_grey(rgb_images):
    """Grey images with the same CIE lightness L as the colour images.

    A grey sRGB image (R = G = B) has the luminance of its common level, so
    the grey level of each pixel is the sRGB encoding of the colour pixel's
    luminance Y. Then ``rgb2luv`` of the grey image has the colour image's L
    (to floating-point rounding), which lets ``predict(to_grey(x))`` be
    compared with ``x`` pixel for pixel.

    Parameters
    ----------
    rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
        RGB images, uint8 (0..255) or float (0..1).

    Returns
    -------
    grey_images : list of ndarray or ndarray of shape (n, H, W)
        Float64 grey levels in [0, 1]; a list for a list, an array for an
        array.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor import to_grey
    >>> rgb = np.zeros((1, 2, 2, 3))
    >>> rgb[0, 0, 0] = [1.0, 0.0, 0.0]
    >>> to_grey(rgb).shape
    (1, 2, 2)
    """
    images, stacked = check_images(
        rgb_images, color=True, name="rgb_images", convert=False
    )
    return images_like([_grey_of(image) for image in images], stacked)


def _grey_of(image):
    """:func:`to_grey` of one checked image (uint8, uint16 or float), a band
    of rows at a time: pixel by pixel the same as in one go, with
    temporaries the size of a band, not of the image."""
    grey = np.empty(image.shape[:2], dtype=np.float64)
    for rows in row_bands(image.shape):
        band = _to_unit_float(image[rows])
        grey[rows] = _linear_to_srgb(skcolor.rgb2xyz(band)[..., 1])
    return grey


def _white_uv():
    white = skcolor.xyz_tristimulus_values(illuminant="D65", observer="2")
    denominator = white[0] + 15 * white[1] + 3 * white[2]
    return 4 * white[0] / denominator, 9 * white[1] / denominator


def conversion_constants():
    """Constants of CIELUV -> sRGB as the compiled kernels take them.

    ``(rgb_from_xyz, u0, v0, g0)``: scikit-image's XYZ -> linear RGB matrix,
    the D65 white's (u', v'), and the matrix applied to ``[9 u0, 4 v0, 12 -
    3 u0 - 20 v0]`` (the grey axis in :func:`gamut_scale`'s terms).

    Examples
    --------
    >>> from somcolor.color import conversion_constants
    >>> m, u0, v0, g0 = conversion_constants()
    >>> m.shape, round(u0, 4), round(v0, 4)
    ((3, 3), 0.1978, 0.4683)
    """
    u0, v0 = _white_uv()
    m = np.ascontiguousarray(_RGB_FROM_XYZ, dtype=np.float64)
    g0 = m @ np.array([9 * u0, 4 * v0, 12 - 3 * u0 - 20 * v0])
    return m, float(u0), float(v0), g0


def gamut_scale(L, u, v):
    """Largest factor s in [0, 1] that keeps (L, s*u, s*v) inside sRGB.

    For fixed L, linear RGB times the positive factor ``4 v' / Y`` is affine
    in the chroma scale s, so each gamut bound (each linear channel in
    [0, 1]) is a linear inequality in s, solved in closed form. Grey (s = 0)
    is always inside.

    Parameters
    ----------
    L, u, v : array-like
        CIELUV coordinates (broadcast together).

    Returns
    -------
    s : ndarray, float64
        1 where the colour is already inside the gamut.

    Examples
    --------
    >>> from somcolor.color import gamut_scale
    >>> float(gamut_scale(50.0, 10.0, 10.0))
    1.0
    >>> 0 < float(gamut_scale(95.0, -80.0, -120.0)) < 1
    True
    """
    L, u, v = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (L, u, v)))
    u0, v0 = _white_uv()
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(L > 7.999625, ((L + 16.0) / 116.0) ** 3, L / 903.3)
        alpha = np.where(L > 0, u / (13.0 * L), 0.0)
        beta = np.where(L > 0, v / (13.0 * L), 0.0)
    # g(s) = M @ [9 u', 4 v', 12 - 3 u' - 20 v'] = g0 + s * g1
    g0 = _RGB_FROM_XYZ @ np.array([9 * u0, 4 * v0, 12 - 3 * u0 - 20 * v0])
    basis = np.stack([9 * alpha, 4 * beta, -3 * alpha - 20 * beta], axis=-1)
    g1 = basis @ _RGB_FROM_XYZ.T
    # Constraints a + b * s >= 0: linear RGB >= 0, linear RGB <= 1, v' > 0.
    a = np.concatenate(
        [
            np.broadcast_to(g0, g1.shape),
            4 * v0 - y[..., None] * g0,
            np.full(L.shape + (1,), v0 * (1 - 1e-9)),
        ],
        axis=-1,
    )
    b = np.concatenate(
        [g1, 4 * beta[..., None] - y[..., None] * g1, beta[..., None]], axis=-1
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(b < 0, -a / b, np.inf)
    s = np.clip(limits.min(axis=-1), 0.0, 1.0)
    return np.where(L > 0, s, 0.0)


def luv_to_rgb(L, uv):
    """Join lightness and chroma into an sRGB image, keeping L.

    Out-of-gamut chroma is scaled towards grey (see :func:`gamut_scale`)
    before :func:`skimage.color.luv2rgb`, so every output pixel keeps its L
    and its hue; in-gamut colours are converted unchanged.

    Parameters
    ----------
    L : ndarray of shape (H, W)
        Lightness in [0, 100].
    uv : ndarray of shape (H, W, 2)
        Chroma (U, V).

    Returns
    -------
    rgb : ndarray of shape (H, W, 3), float64 in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.color import luv_to_rgb
    >>> rgb = luv_to_rgb(np.full((1, 1), 60.0), np.array([[[80.0, 20.0]]]))
    >>> rgb.shape
    (1, 1, 3)
    """
    L = np.asarray(L, dtype=np.float64)
    uv = np.asarray(uv, dtype=np.float64)
    scale = gamut_scale(L, uv[..., 0], uv[..., 1])
    luv = np.concatenate([L[..., None], uv * scale[..., None]], axis=-1)
    return skcolor.luv2rgb(luv)
