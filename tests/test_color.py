"""Colour conversions against scikit-image."""

import numpy as np
import pytest
from skimage import color as skcolor
from skimage import data
from skimage.color.colorconv import rgb_from_xyz

from somcolor import to_grey
from somcolor.color import gamut_scale, grey_to_lightness, luv_to_rgb, rgb_to_luv


def test_grey_to_lightness_equals_skimage():
    g = np.linspace(0, 1, 1001)
    expected = skcolor.rgb2luv(np.stack([g, g, g], axis=-1)[None])[0, :, 0]
    np.testing.assert_allclose(grey_to_lightness(g), expected, atol=1e-9)


def test_to_grey_keeps_lightness():
    rgb = np.random.default_rng(0).random((3, 17, 11, 3))
    grey = to_grey(rgb)
    assert grey.shape == (3, 17, 11)
    L_grey = skcolor.rgb2luv(np.stack([grey] * 3, axis=-1))[..., 0]
    np.testing.assert_allclose(L_grey, rgb_to_luv(rgb)[..., 0], atol=1e-9)


def test_to_grey_list_and_uint8():
    images = [np.full((2, 3, 3), 255, np.uint8), np.zeros((4, 1, 3), np.uint8)]
    grey = to_grey(images)
    assert isinstance(grey, list)
    np.testing.assert_allclose(grey[0], 1.0)
    np.testing.assert_allclose(grey[1], 0.0)


def test_in_gamut_colours_unchanged():
    rgb = np.random.default_rng(1).uniform(0.05, 0.95, (20, 20, 3))
    luv = skcolor.rgb2luv(rgb)
    np.testing.assert_allclose(gamut_scale(luv[..., 0], luv[..., 1], luv[..., 2]), 1.0)
    np.testing.assert_allclose(luv_to_rgb(luv[..., 0], luv[..., 1:]), rgb, atol=1e-9)


def test_out_of_gamut_chroma_is_scaled_keeping_lightness_and_hue():
    rng = np.random.default_rng(2)
    L = rng.uniform(0.5, 99.5, (100, 100))
    uv = rng.uniform(-200, 200, (100, 100, 2))
    s = gamut_scale(L, uv[..., 0], uv[..., 1])
    assert (s < 1).mean() > 0.5  # most of these colours are outside sRGB
    rgb = luv_to_rgb(L, uv)
    assert rgb.min() >= 0 and rgb.max() <= 1
    back = skcolor.rgb2luv(rgb)
    # L is kept (up to scikit-image's white point rounding), hue too.
    np.testing.assert_allclose(back[..., 0], L, atol=1e-3)
    keep = s > 0.05
    angle = np.arctan2(back[..., 2], back[..., 1]) - np.arctan2(uv[..., 1], uv[..., 0])
    angle = np.angle(np.exp(1j * angle))
    assert np.abs(angle[keep]).max() < 1e-2


def test_gamut_scale_is_the_largest_feasible():
    rng = np.random.default_rng(3)
    L = rng.uniform(1, 99, 5000)
    u, v = rng.uniform(-200, 200, (2, 5000))
    s = gamut_scale(L, u, v)
    inside = (s > 0.01) & (s < 0.99)

    def linear_rgb(scale):
        luv = np.stack([L, u * scale, v * scale], axis=-1)
        return skcolor.luv2xyz(luv) @ rgb_from_xyz.T

    at = linear_rgb(s)[inside]
    beyond = linear_rgb(s * 1.01)[inside]
    assert at.min() > -1e-9 and at.max() < 1 + 1e-3
    outside = (beyond.min(axis=-1) < -1e-9) | (beyond.max(axis=-1) > 1 + 1e-9)
    assert outside.all()


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), np.zeros((1, 2, 2, 2))])
def test_to_grey_refuses_non_rgb(bad):
    with pytest.raises(ValueError, match="rgb_images"):
        to_grey(bad)


def test_grey_and_levels_in_bands_equal_one_go(monkeypatch):
    from somcolor import _images
    from somcolor._files import to_uint8, to_uint16

    rgb = data.astronaut()[::2, ::2]
    colour = np.random.default_rng(0).uniform(-0.1, 1.1, rgb.shape)
    whole = to_grey([rgb])[0], to_grey([rgb / 255.0])[0], to_uint8(colour)
    deep = to_uint16(colour)
    monkeypatch.setattr(_images, "PIXELS_PER_STEP", 1000)  # many bands
    assert len(_images.row_bands(rgb.shape)) > 50
    np.testing.assert_array_equal(to_grey([rgb])[0], whole[0])
    np.testing.assert_array_equal(to_grey([rgb / 255.0])[0], whole[1])
    np.testing.assert_array_equal(to_uint8(colour), whole[2])
    np.testing.assert_array_equal(to_uint16(colour), deep)
    # And one go is what it was: scikit-image's Y, sRGB-encoded, 8 bits.
    y = skcolor.rgb2xyz(rgb)[..., 1]
    expected = np.where(y > 0.0031308, 1.055 * y ** (1 / 2.4) - 0.055, 12.92 * y)
    np.testing.assert_allclose(whole[0], expected, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(
        whole[2], np.round(np.clip(colour, 0, 1) * 255).astype(np.uint8)
    )
