"""The compiled CIEDE2000 kernel: the published test data, scikit-image, the
NumPy reference, and its elementary functions against the math library."""

import math

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from somcolor import _metrics_kernels as kernels
from somcolor import _reference

# Sharma, Wu and Dalal, "The CIEDE2000 color-difference formula:
# implementation notes, supplementary test data, and mathematical
# observations", Color Research and Application 30(1), 2005, Table 1:
# L1 a1 b1, L2 a2 b2, and the published difference (4 decimals).
SHARMA_2005 = np.array(
    [
        [50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425],
        [50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615],
        [50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412],
        [50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000],
        [50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669],
        [50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195],
        [50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045],
        [50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461],
        [50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065],
        [50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492],
        [50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977],
        [50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030],
        [50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000],
        [50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000],
        [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
        [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630],
        [61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731],
        [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
        [22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373],
        [36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
        [90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441],
        [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
        [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
        [2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082],
    ]
)


def _kernel_map(truth, guess):
    return kernels.ciede2000_map(
        truth,
        guess,
        kernels.linear_table(truth.dtype),
        kernels.linear_table(guess.dtype),
    )


@pytest.mark.parametrize("index", range(len(SHARMA_2005)))
def test_published_test_pairs(index):
    *lab, expected = SHARMA_2005[index]
    assert round(kernels.ciede2000_lab(*lab), 4) == expected
    assert round(kernels.ciede2000_lab_exact(*lab), 4) == expected
    # The formula is symmetric in its two colours.
    swapped = lab[3:] + lab[:3]
    assert round(kernels.ciede2000_lab(*swapped), 4) == expected


def test_published_test_pairs_by_the_numpy_reference():
    lab = SHARMA_2005[:, :6].T
    np.testing.assert_array_equal(
        np.round(_reference.ciede2000_lab(*lab), 4), SHARMA_2005[:, 6]
    )


def _random_pairs(kind, shape, seed):
    rng = np.random.default_rng(seed)
    if kind == "uint8":
        return rng.integers(0, 256, shape, dtype=np.uint8)
    if kind == "uint16":
        return rng.integers(0, 65536, shape, dtype=np.uint16)
    # Values with extremes and greys: 0, 1, near the sRGB threshold, equal
    # channels.
    image = rng.random(shape)
    image[::7] = rng.choice([0.0, 1.0, 0.04045, 0.0404, 0.0405], size=image[::7].shape)
    image[1::5] = image[1::5, :, :1]
    return image


@pytest.mark.parametrize(
    "kinds",
    [("uint8", "float"), ("float", "float"), ("uint8", "uint8"), ("uint16", "float")],
)
def test_equals_scikit_image_and_the_reference(kinds):
    truth = _random_pairs(kinds[0], (61, 47, 3), 1)
    guess = _random_pairs(kinds[1], (61, 47, 3), 2)
    ours = _kernel_map(truth, guess)
    expected = deltaE_ciede2000(rgb2lab(truth), rgb2lab(guess))
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        ours, _reference.ciede2000(truth, guess), rtol=0, atol=1e-6
    )


def test_greys_and_opposite_hues_equal_scikit_image():
    # Pairs of greys (no hue at all), a grey and a colour, and colours of
    # opposite hues (where the kernel takes angles), each both ways.
    levels = np.linspace(0, 1, 11)
    grey = np.repeat(levels[:, None], 3, axis=1)
    colours = np.array(
        [[1, 0, 0], [0, 1, 1], [0, 0, 1], [1, 1, 0], [0.2, 0.6, 0.3], [0.6, 0.2, 0.5]]
    )
    first = np.concatenate([grey, grey, colours, colours[::-1]])
    second = np.concatenate(
        [grey[::-1], np.tile(colours, (2, 1))[:11], colours[::-1], colours]
    )
    truth = np.concatenate([first, second])[None]
    guess = np.concatenate([second, first])[None]
    ours = _kernel_map(truth, guess)
    np.testing.assert_allclose(
        ours, deltaE_ciede2000(rgb2lab(truth), rgb2lab(guess)), rtol=0, atol=1e-6
    )
    # Lab colours of nearly opposite hues, around the circle: the kernel
    # takes angles within 1e-4 radians of opposite, unit vectors beyond.
    angles = np.linspace(0, 2 * np.pi, 37)
    for chroma in (0.5, 5.0, 40.0):
        for offset in (-1e-3, -2e-4, -5e-5, -1e-8, 1e-8, 5e-5, 2e-4, 1e-3):
            for angle in angles:
                first = chroma * np.cos(angle), chroma * np.sin(angle)
                other = angle + np.pi + offset
                second = 1.3 * chroma * np.cos(other), 1.3 * chroma * np.sin(other)
                lab = (50.0, *first, 55.0, *second)
                expected = deltaE_ciede2000(np.array(lab[:3]), np.array(lab[3:]))
                assert kernels.ciede2000_lab(*lab) == pytest.approx(expected, abs=1e-6)


def test_exactly_opposite_hues_give_one_of_the_two_limits():
    # At exactly opposite hues the formula is discontinuous (the mean hue
    # jumps by 180 degrees), so every implementation answers with one side,
    # as its rounding of the angles falls: scikit-image's NumPy and the
    # kernel's math library may differ there. Both sides are checked.
    for angle in np.linspace(0, 2 * np.pi, 73):
        a, b = 5.0 * np.cos(angle), 5.0 * np.sin(angle)
        lab = (50.0, a, b, 55.0, -a, -b)
        ours = kernels.ciede2000_lab(*lab)
        sides = []
        for offset in (-1e-9, 1e-9):
            other = np.arctan2(-b, -a) + offset
            near = (50.0, a, b, 55.0, 5.0 * np.cos(other), 5.0 * np.sin(other))
            sides.append(deltaE_ciede2000(np.array(near[:3]), np.array(near[3:])))
        assert min(abs(ours - side) for side in sides) < 1e-6


def test_any_strides_and_rows_summed_alike():
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (40, 30, 4), dtype=np.uint8)
    guess = rng.random((30, 40, 3)).transpose(1, 0, 2)  # not contiguous
    truth = rgba[..., :3]
    ours = _kernel_map(truth, guess)
    np.testing.assert_allclose(
        ours, deltaE_ciede2000(rgb2lab(truth), rgb2lab(guess)), rtol=0, atol=1e-6
    )
    sums = kernels.ciede2000_row_sums(
        truth,
        guess,
        kernels.linear_table(truth.dtype),
        kernels.linear_table(guess.dtype),
    )
    # Each row is summed left to right.
    expected = [math.fsum(row) for row in ours]
    np.testing.assert_allclose(sums, expected, rtol=1e-12)


def test_elementary_functions_match_the_math_library():
    # Within a few units in the last place (exp: the sixth square of
    # exp(-u / 64) multiplies its relative error by 64).
    few_ulp = 8 * np.finfo(np.float64).eps
    t = np.linspace(2.0**-7, 1.0, 20001)
    assert max(abs(kernels.cbrt(v) / np.cbrt(v) - 1) for v in t) < few_ulp
    assert max(abs(kernels.fifth_root(v) / v**0.2 - 1) for v in t) < few_ulp
    u = np.linspace(0, 45, 4001)
    assert max(abs(kernels.exp_minus(v) - math.exp(-v)) for v in u) < 64 * few_ulp
    assert max(abs(kernels.exp_minus(v) / math.exp(-v) - 1) for v in u[u <= 40]) < (
        64 * few_ulp
    )
    x = np.linspace(-math.pi / 2, math.pi / 2, 4001)
    assert max(abs(kernels.sin_small(v) - math.sin(v)) for v in x) < few_ulp
    rng = np.random.default_rng(0)
    points = np.concatenate(
        [rng.normal(size=(4000, 2)), [[0.0, 1.0], [0.0, -1.0], [1.0, 0.0], [-1.0, 0.0]]]
    )
    assert max(abs(kernels.atan2(y, x) - math.atan2(y, x)) for y, x in points) < (
        few_ulp
    )
    assert kernels.atan2(0.0, 0.0) == 0.0


def test_level_tables_are_scikit_images_curve():
    from skimage.color import rgb2xyz

    for dtype in (np.uint8, np.uint16):
        levels = np.arange(np.iinfo(dtype).max + 1, dtype=dtype)
        # A grey's linear level is its Y (the matrix's middle row sums to 1).
        y = rgb2xyz(np.repeat(levels[:, None, None], 3, axis=2))[:, 0, 1]
        np.testing.assert_allclose(
            kernels.linear_table(dtype), y, rtol=1e-12, atol=1e-15
        )
    assert kernels.linear_table(np.float64).size == 0
