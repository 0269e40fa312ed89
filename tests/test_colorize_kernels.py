"""The per-pixel colour conversions of the colorizing kernels against
scikit-image (through :mod:`somcolor.color`, which the reference path uses).

``tests/test_fast_predict.py`` compares whole colorizations; these
check the hand-written conversions alone, over their whole domain, with
tolerances far below the 1/255 the colorizations are held to.
"""

import numba
import numpy as np
from skimage import color as skcolor

from somcolor import _colorize_kernels as kernels
from somcolor.color import conversion_constants, grey_to_lightness, luv_to_rgb


@numba.njit(cache=False)
def _convert_all(lightness, chroma, conversion, out):
    for i in range(lightness.shape[0]):
        kernels.luv_pixel_to_rgb(
            lightness[i], chroma[i, 0], chroma[i, 1], conversion, out[i]
        )


@numba.njit(cache=False)
def _encode_all(levels, out):
    for i in range(levels.shape[0]):
        out[i] = kernels._encode(levels[i])


def test_luv_pixel_to_rgb_matches_luv_to_rgb():
    rng = np.random.default_rng(0)
    n = 100_000
    lightness = rng.uniform(0, 100, n)
    lightness[:50] = 0.0
    lightness[50:100] = 100.0
    lightness[100:200] = rng.uniform(0, 1, 100)  # the linear part of L(Y)
    # In gamut and far out of it (scaled into it keeping L and hue).
    chroma = rng.normal(0, 40, (n, 2))
    chroma[200:300] = 0.0
    out = np.empty((n, 3))
    _convert_all(lightness, chroma, conversion_constants(), out)
    expected = luv_to_rgb(lightness[:, None], chroma[:, None, :])[:, 0]
    np.testing.assert_allclose(out, expected, rtol=0, atol=2e-6)


def test_in_gamut_conversion_matches_skimage_luv2rgb():
    rng = np.random.default_rng(1)
    rgb = rng.uniform(0.02, 0.98, (20_000, 3))
    luv = skcolor.rgb2luv(rgb[:, None, :])[:, 0]
    out = np.empty_like(rgb)
    _convert_all(luv[:, 0].copy(), luv[:, 1:].copy(), conversion_constants(), out)
    np.testing.assert_allclose(out, skcolor.luv2rgb(luv[:, None, :])[:, 0], atol=2e-6)
    np.testing.assert_allclose(out, rgb, atol=2e-6)


def test_gamma_table_is_srgb_transfer_function():
    levels = np.linspace(0, 1, 1_000_003)
    out = np.empty_like(levels)
    _encode_all(levels, out)
    exact = np.where(
        levels > 0.0031308,
        1.055 * levels ** (1 / 2.4) - 0.055,
        12.92 * levels,
    )
    np.testing.assert_allclose(out, exact, rtol=0, atol=1e-6)
    assert out[0] == 0.0 and out[-1] == exact[-1]  # the ends exactly
    assert np.all(np.diff(out) >= 0)  # monotonic, as the function


def test_scaled_lightness_is_grey_to_lightness():
    rng = np.random.default_rng(2)
    grey = rng.uniform(0, 1, (257, 131))
    grey[0, :3] = [0.0, 1.0, 0.04045]
    out = np.empty_like(grey)
    kernels.scaled_lightness(grey, out)
    np.testing.assert_allclose(out, grey_to_lightness(grey) / 100, rtol=1e-13)
    luv = skcolor.rgb2luv(np.repeat(grey[..., None], 3, axis=-1))
    np.testing.assert_allclose(out * 100, luv[..., 0], atol=1e-9)
