"""Compiled CIEDE2000 colour difference straight from sRGB (:mod:`somcolor.metrics`).

Plain module-level functions, compiled lazily by numba on first call
(``cache=True`` keeps the machine code between processes), so ``import
somcolor`` compiles nothing and no estimator holds a compiled function.

Each row of a pair of images goes from sRGB to linear light, to CIELAB and
to its CIEDE2000 differences in a few passes over buffers of one row (in
cache), with no intermediate image: scikit-image's
``deltaE_ciede2000(rgb2lab(a), rgb2lab(b))``, the reference, builds about
twenty arrays of the image's size on the way. Rows run in parallel. The
formulas are scikit-image's (``rgb2xyz`` and ``xyz2lab`` with the D65 white
of the 2 degree observer, ``deltaE_ciede2000``), which follow Sharma, Wu and
Dalal, "The CIEDE2000 color-difference formula: implementation notes,
supplementary test data, and mathematical observations", Color Research and
Application 30(1), 2005. tests/test_metrics_kernels.py checks the difference
against their 34 published test pairs, and the whole path against
scikit-image and :func:`somcolor._reference.ciede2000` to 1e-6.

Speed comes from letting the compiler process several pixels at once (SIMD):
the loops over a row call no library function, and each is short enough
that the processor overlaps many pixels' chains of roots and divisions. The
few transcendental functions are written here as arithmetic: cube and fifth
roots by Newton's iteration from a polynomial start (the sRGB curve's power
2.4 is ``x**2 * (x**2)**(1/5)``), exp(-u) by a Taylor polynomial of
``exp(-u/64)`` squared six times, the sine of the hue rotation by its Taylor
polynomial, and the arctangent by a polynomial after the usual octant
reduction, the long polynomials by Estrin's scheme; each is within a few
units in the last place of the library function (exp within 64 times that,
from the squarings; tested). The hue angles of Sharma's equations are
handled as unit vectors: the mean hue is the bisector of the shorter arc
(the angle rule of their equation 14), and the hue difference's half-angle
sine is half the chord between the two unit vectors, signed as the turn
from the first to the second (equation 10). Only the distance of the mean
hue from 275 degrees (equation 17) needs an angle. Where the two hues are
nearly opposite (within 1e-4 radians of 180 degrees), the bisector is
ill-conditioned and the rule's choice depends on rounding: those pixels, a
few in a million, are recomputed with the angle formulas, as scikit-image
computes them (:func:`ciede2000_lab_exact`).

Integer images are linearised through a table of every level (256 entries
for uint8, 65536 for uint16); float images, read as values in [0, 1], through
the formula. Measured in ``benchmarks/ciede2000.py``.
"""

import math

import numba
import numpy as np

#: sRGB (linear) to CIE XYZ, scikit-image's ``xyz_from_rgb``.
_M00, _M01, _M02 = 0.412453, 0.357580, 0.180423
_M10, _M11, _M12 = 0.212671, 0.715160, 0.072169
_M20, _M21, _M22 = 0.019334, 0.119193, 0.950227
#: The D65 white of the 2 degree observer (scikit-image's default).
_XN, _YN, _ZN = 0.95047, 1.0, 1.08883

_25_POW_7 = 25.0**7
_TWO_PI = 2.0 * math.pi
_HALF_PI = 0.5 * math.pi
_QUARTER_PI = 0.25 * math.pi
_TAN_PI_8 = math.tan(math.pi / 8)
_COS_30, _SIN_30 = math.cos(math.radians(30)), math.sin(math.radians(30))
_COS_6, _SIN_6 = math.cos(math.radians(6)), math.sin(math.radians(6))
_COS_63, _SIN_63 = math.cos(math.radians(63)), math.sin(math.radians(63))
_COS_275, _SIN_275 = math.cos(math.radians(275)), math.sin(math.radians(275))
_DEG_PER_RAD = 180.0 / math.pi
_RAD_30 = math.radians(30)

#: Hues closer than this (radians) to opposite are recomputed with angles.
OPPOSITE_HUES = 1e-4

# Polynomial starts of t**(-1/3) and t**(-1/5) on [0.5, 1] (Chebyshev
# interpolation of degree 4, in powers of t; relative error 3.9e-5 and
# 1.9e-5, then two Newton steps: below 1e-16).
_INV_CBRT = (
    2.1031427512891203,
    -2.9501992171555043,
    3.494071049848374,
    -2.220045383054769,
    0.5730669200094116,
)
_INV_5TH = (
    1.5848934245631319,
    -1.4824570710046194,
    1.6762873670860023,
    -1.0462608555326296,
    0.2675535344028334,
)
# atan(z) / z as a polynomial in s = z**2 on [0, tan(pi/8)**2] (Chebyshev
# interpolation of degree 12; relative error 3.5e-16).
_ATAN = (
    0.9999999999999999,
    -0.3333333333333264,
    0.19999999999809484,
    -0.1428571426418429,
    0.11111109822058239,
    -0.09090863428524344,
    0.07691283672709934,
    -0.06651559459784036,
    0.057335503221669665,
    -0.04292277275070899,
    0.007157685073193042,
    0.05542371517774698,
    -0.07596830707297023,
    0.0,
    0.0,
    0.0,
)  # (padded to 16 for _estrin16)
# Taylor coefficients of exp (degree 15) and of sin(x) / x in x**2 (degree 18).
_EXP = tuple(1.0 / math.factorial(k) for k in range(16))
_SIN = tuple((-1.0) ** k / math.factorial(2 * k + 1) for k in range(10))

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


def srgb_to_linear(values):
    """sRGB values in [0, 1] to linear light, scikit-image's formula (NumPy)."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0.04045, ((values + 0.055) / 1.055) ** 2.4, values / 12.92)


def linear_table(dtype):
    """Linear light of every level of an integer image dtype; empty for floats.

    The table the kernels read instead of computing the transfer function:
    ``srgb_to_linear(level / max_level)`` for each level of uint8 (256) or
    uint16 (65536).
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        top = np.iinfo(dtype).max
        return srgb_to_linear(np.arange(top + 1, dtype=np.float64) / top)
    return np.empty(0, dtype=np.float64)


# -- elementary functions as arithmetic (no library call: vectorisable) --------


@numba.njit(**_JIT)
def _estrin16(x, c):
    """``sum(c[k] * x**k)`` for 16 coefficients, by Estrin's scheme: four
    levels of independent products instead of Horner's chain of fifteen, so
    that the processor overlaps them."""
    x2 = x * x
    x4 = x2 * x2
    x8 = x4 * x4
    q0 = (c[0] + c[1] * x) + (c[2] + c[3] * x) * x2
    q1 = (c[4] + c[5] * x) + (c[6] + c[7] * x) * x2
    q2 = (c[8] + c[9] * x) + (c[10] + c[11] * x) * x2
    q3 = (c[12] + c[13] * x) + (c[14] + c[15] * x) * x2
    return (q0 + q1 * x4) + (q2 + q3 * x4) * x8


@numba.njit(**_JIT)
def _estrin10(x, c):
    """``sum(c[k] * x**k)`` for 10 coefficients, by Estrin's scheme."""
    x2 = x * x
    x4 = x2 * x2
    x8 = x4 * x4
    q0 = (c[0] + c[1] * x) + (c[2] + c[3] * x) * x2
    q1 = (c[4] + c[5] * x) + (c[6] + c[7] * x) * x2
    return (q0 + q1 * x4) + (c[8] + c[9] * x) * x8


@numba.njit(**_JIT)
def cbrt(t):
    """Cube root of ``t`` in [2**-7, 1] (any other value: no error, any result)."""
    # Scale into [0.5, 1] by powers of 2; the cube root scales by their cube roots.
    small = t < 0.0625
    t = t * 16.0 if small else t
    scale = 0.39685026299204984 if small else 1.0  # 16 ** (-1/3)
    small = t < 0.25
    t = t * 4.0 if small else t
    scale = scale * 0.6299605249474366 if small else scale  # 4 ** (-1/3)
    small = t < 0.5
    t = t * 2.0 if small else t
    scale = scale * 0.7937005259840998 if small else scale  # 2 ** (-1/3)
    # t ** (-1/3), then Newton on 1 / r**3 = t
    r = _INV_CBRT[4]
    r = r * t + _INV_CBRT[3]
    r = r * t + _INV_CBRT[2]
    r = r * t + _INV_CBRT[1]
    r = r * t + _INV_CBRT[0]
    r = r * (4.0 - t * r * r * r) * (1.0 / 3.0)
    r = r * (4.0 - t * r * r * r) * (1.0 / 3.0)
    return scale * t * r * r


@numba.njit(**_JIT)
def fifth_root(w):
    """Fifth root of ``w`` in [2**-7, 1] (any other value: no error, any result)."""
    small = w < 0.0625
    w = w * 16.0 if small else w
    scale = 0.5743491774985174 if small else 1.0  # 16 ** (-1/5)
    small = w < 0.25
    w = w * 4.0 if small else w
    scale = scale * 0.757858283255199 if small else scale  # 4 ** (-1/5)
    small = w < 0.5
    w = w * 2.0 if small else w
    scale = scale * 0.8705505632961241 if small else scale  # 2 ** (-1/5)
    # w ** (-1/5), then Newton on 1 / r**5 = w
    r = _INV_5TH[4]
    r = r * w + _INV_5TH[3]
    r = r * w + _INV_5TH[2]
    r = r * w + _INV_5TH[1]
    r = r * w + _INV_5TH[0]
    r2 = r * r
    r = r * (6.0 - w * r2 * r2 * r) * 0.2
    r2 = r * r
    r = r * (6.0 - w * r2 * r2 * r) * 0.2
    r2 = r * r
    return scale * w * r2 * r2


@numba.njit(**_JIT)
def exp_minus(u):
    """``exp(-u)`` for ``u >= 0`` (0 beyond u = 40, where it is below 5e-18)."""
    y = -min(u, 40.0) * (1.0 / 64.0)
    e = _estrin16(y, _EXP)
    for _ in range(6):
        e = e * e
    return e if u <= 40.0 else 0.0


@numba.njit(**_JIT)
def sin_small(x):
    """``sin(x)`` for ``|x| <= pi / 2``."""
    return x * _estrin10(x * x, _SIN)


@numba.njit(**_JIT)
def atan2(y, x):
    """``math.atan2(y, x)`` for finite values (0 for ``(0, 0)``)."""
    ax = abs(x)
    ay = abs(y)
    big = max(ax, ay)
    small = min(ax, ay)
    # z = small / big in [0, 1]; above tan(pi/8), w = (z - 1) / (z + 1).
    reduce = small > _TAN_PI_8 * big
    numerator = small - big if reduce else small
    denominator = small + big if reduce else big
    w = numerator / denominator if big > 0.0 else 0.0  # |w| <= tan(pi/8)
    p = _estrin16(w * w, _ATAN)
    a = w * p + (_QUARTER_PI if reduce else 0.0)
    a = _HALF_PI - a if ay > ax else a
    a = math.pi - a if x < 0.0 else a
    return -a if y < 0.0 else a


@numba.njit(**_JIT)
def _pow7(x):
    x2 = x * x
    return x2 * x2 * x2 * x


# -- sRGB to CIELAB ---------------------------------------------------------------


@numba.njit(**_JIT)
def _linear_row(image, i, table, out):
    """Linear light of the channels of row ``i`` of an sRGB image into ``out``
    ``(3, W)``: from ``table`` (:func:`linear_table`) if it is not empty,
    else by scikit-image's formula (float values in [0, 1])."""
    width = image.shape[1]
    if table.shape[0]:
        for j in range(width):
            for k in range(3):
                out[k, j] = table[np.int64(image[i, j, k])]
        return
    for j in range(width):
        for k in range(3):
            out[k, j] = image[i, j, k]
    for k in range(3):
        values = out[k]
        for j in range(width):  # vectorised
            v = values[j]
            x = (v + 0.055) * (1.0 / 1.055)
            w = x * x
            values[j] = w * fifth_root(w) if v > 0.04045 else v * (1.0 / 12.92)


@numba.njit(**_JIT)
def _f(t):
    """CIELAB's compression of a white-relative tristimulus value."""
    return cbrt(t) if t > 0.008856 else 7.787 * t + 16.0 / 116.0


@numba.njit(**_JIT)
def _lab_row(values):
    """Linear RGB ``(3, W)`` to CIELAB (D65, 2 degrees) in place, as
    scikit-image's ``rgb2lab`` after the sRGB curve."""
    for j in range(values.shape[1]):  # vectorised
        r, g, b = values[0, j], values[1, j], values[2, j]
        fx = _f((_M00 * r + _M01 * g + _M02 * b) * (1.0 / _XN))
        fy = _f((_M10 * r + _M11 * g + _M12 * b) * (1.0 / _YN))
        fz = _f((_M20 * r + _M21 * g + _M22 * b) * (1.0 / _ZN))
        values[0, j] = 116.0 * fy - 16.0
        values[1, j] = 500.0 * (fx - fy)
        values[2, j] = 200.0 * (fy - fz)


# -- CIEDE2000 ----------------------------------------------------------------------


@numba.njit(**_JIT)
def ciede2000_lab_exact(L1, a1, b1, L2, a2, b2):
    """CIEDE2000 of two CIELAB colours with hue angles (kL = kC = kH = 1).

    Sharma, Wu and Dalal's equations (1) to (17) as scikit-image computes
    them: hue 0 where a' = b = 0, mean hue ``h1' + h2'`` where a chroma is 0.
    """
    c_mean = 0.5 * (math.hypot(a1, b1) + math.hypot(a2, b2))
    c7 = c_mean**7
    scale = 1.0 + 0.5 * (1.0 - math.sqrt(c7 / (c7 + _25_POW_7)))
    a1p = a1 * scale
    a2p = a2 * scale
    c1 = math.hypot(a1p, b1)
    c2 = math.hypot(a2p, b2)
    h1 = math.atan2(b1, a1p)
    if h1 < 0.0:
        h1 += _TWO_PI
    h2 = math.atan2(b2, a2p)
    if h2 < 0.0:
        h2 += _TWO_PI

    l_mean_50 = 0.5 * (L1 + L2) - 50.0
    sq = l_mean_50 * l_mean_50
    l_term = (L2 - L1) / (1.0 + 0.015 * sq / math.sqrt(20.0 + sq))
    cp_mean = 0.5 * (c1 + c2)
    c_term = (c2 - c1) / (1.0 + 0.045 * cp_mean)

    cc = c1 * c2
    h_diff = h2 - h1
    h_sum = h1 + h2
    if cc == 0.0:
        dh = 0.0
        h_mean = h_sum
    else:
        dh = h_diff
        if h_diff > math.pi:
            dh -= _TWO_PI
        elif h_diff < -math.pi:
            dh += _TWO_PI
        if abs(h_diff) > math.pi:
            h_mean = 0.5 * (h_sum + _TWO_PI if h_sum < _TWO_PI else h_sum - _TWO_PI)
        else:
            h_mean = 0.5 * h_sum
    dh_term = 2.0 * math.sqrt(cc) * math.sin(0.5 * dh)
    t = (
        1.0
        - 0.17 * math.cos(h_mean - _RAD_30)
        + 0.24 * math.cos(2.0 * h_mean)
        + 0.32 * math.cos(3.0 * h_mean + math.radians(6))
        - 0.20 * math.cos(4.0 * h_mean - math.radians(63))
    )
    h_term = dh_term / (1.0 + 0.015 * cp_mean * t)
    cp7 = cp_mean**7
    rc = 2.0 * math.sqrt(cp7 / (cp7 + _25_POW_7))
    x = (h_mean * _DEG_PER_RAD - 275.0) / 25.0
    r_term = -math.sin(2.0 * _RAD_30 * math.exp(-x * x)) * rc * c_term * h_term
    total = l_term * l_term + c_term * c_term + h_term * h_term + r_term
    return math.sqrt(total) if total > 0.0 else 0.0


@numba.njit(**_JIT)
def _delta_e_row(lab1, lab2, out):
    """CIEDE2000 of CIELAB colours ``(3, W)`` pairwise, into ``out`` ``(W,)``.

    :func:`ciede2000_lab_exact` with hues as unit vectors (see the module
    notes), in four loops the compiler vectorises, each short enough that
    the processor overlaps many pixels (one loop over the whole formula is
    held up by its long chain of dependent roots and divisions); then, with
    angles, the pairs whose hues are within :data:`OPPOSITE_HUES` of
    opposite.
    """
    width = lab1.shape[1]
    work = np.empty((6, width), dtype=np.float64)
    scale, cp_mean, c_term, dh_term, cos_h, sin_h = (
        work[0],
        work[1],
        work[2],
        work[3],
        work[4],
        work[5],
    )
    for j in range(width):  # equations 2 to 3: a' = (1 + G) a
        a1, b1, a2, b2 = lab1[1, j], lab1[2, j], lab2[1, j], lab2[2, j]
        c_mean = 0.5 * (math.sqrt(a1 * a1 + b1 * b1) + math.sqrt(a2 * a2 + b2 * b2))
        c7 = _pow7(c_mean)
        scale[j] = 1.0 + 0.5 * (1.0 - math.sqrt(c7 / (c7 + _25_POW_7)))
    for j in range(width):  # equations 4 to 14, with unit hue vectors
        a1p, b1 = lab1[1, j] * scale[j], lab1[2, j]
        a2p, b2 = lab2[1, j] * scale[j], lab2[2, j]
        c1 = math.sqrt(a1p * a1p + b1 * b1)
        c2 = math.sqrt(a2p * a2p + b2 * b2)
        cp_mean[j] = 0.5 * (c1 + c2)
        c_term[j] = (c2 - c1) / (1.0 + 0.0225 * (c1 + c2))  # dC' / S_C
        # Where a chroma is 0, the hue terms are 0 whatever the hues, and zero
        # vectors keep them finite.
        cc = c1 * c2
        inv = 1.0 / cc if cc > 0.0 else 0.0
        u1x, u1y = a1p * c2 * inv, b1 * c2 * inv
        u2x, u2y = a2p * c1 * inv, b2 * c1 * inv
        # Equation 10: 2 sqrt(C1' C2') sin(dh / 2), where 2 sin(|dh| / 2) is
        # the chord between the unit vectors, and dh turns from the first hue
        # to the second.
        dx, dy = u1x - u2x, u1y - u2y
        dh = math.sqrt(cc * (dx * dx + dy * dy))
        dh = -dh if u1x * u2y - u1y * u2x < 0.0 else dh
        # Equation 14: the mean hue bisects the shorter arc.
        mx, my = u1x + u2x, u1y + u2y
        m = math.sqrt(mx * mx + my * my)
        inv_m = 1.0 / m if m > 0.0 else 0.0
        cos_h[j], sin_h[j] = mx * inv_m, my * inv_m
        opposite = (cc > 0.0) & (m < 2.0 * OPPOSITE_HUES)
        dh_term[j] = np.nan if opposite else dh  # NaN: redone with angles
    for j in range(width):  # equations 15 to 16 and the sum but the rotation
        c, s = cos_h[j], sin_h[j]
        c2h = 2.0 * c * c - 1.0
        s2h = 2.0 * s * c
        c3h = c * c2h - s * s2h
        s3h = s * c2h + c * s2h
        c4h = 2.0 * c2h * c2h - 1.0
        s4h = 2.0 * s2h * c2h
        t = (
            1.0
            - 0.17 * (c * _COS_30 + s * _SIN_30)
            + 0.24 * c2h
            + 0.32 * (c3h * _COS_6 - s3h * _SIN_6)
            - 0.20 * (c4h * _COS_63 + s4h * _SIN_63)
        )
        h_term = dh_term[j] / (1.0 + 0.015 * cp_mean[j] * t)
        L1, L2 = lab1[0, j], lab2[0, j]
        l_mean_50 = 0.5 * (L1 + L2) - 50.0
        sq = l_mean_50 * l_mean_50
        root = math.sqrt(20.0 + sq)
        l_term = (L2 - L1) * root / (root + 0.015 * sq)  # dL' / S_L
        cp7 = _pow7(cp_mean[j])
        rc = 2.0 * math.sqrt(cp7 / (cp7 + _25_POW_7))
        out[j] = l_term * l_term + c_term[j] * c_term[j] + h_term * h_term
        dh_term[j] = rc * c_term[j] * h_term  # R_C dC' dH' / (S_C S_H)
    for j in range(width):  # equation 17: the rotation, and the root
        c, s = cos_h[j], sin_h[j]
        # The mean hue in [0, 360) less 275 degrees; from -275 to -180 (a
        # mean hue below 95 degrees) the Gaussian is below 1e-22.
        delta = _DEG_PER_RAD * atan2(
            _COS_275 * s - _SIN_275 * c, _COS_275 * c + _SIN_275 * s
        )
        delta = delta - 360.0 if delta >= 85.0 else delta
        x = delta * (1.0 / 25.0)
        total = out[j] - sin_small(2.0 * _RAD_30 * exp_minus(x * x)) * dh_term[j]
        out[j] = 0.0 if total <= 0.0 else math.sqrt(total)  # NaN stays NaN
    for j in range(width):
        if math.isnan(out[j]):
            out[j] = ciede2000_lab_exact(
                lab1[0, j], lab1[1, j], lab1[2, j], lab2[0, j], lab2[1, j], lab2[2, j]
            )


@numba.njit(**_JIT)
def ciede2000_lab(L1, a1, b1, L2, a2, b2):
    """CIEDE2000 of two CIELAB colours (kL = kC = kH = 1), as the image
    kernels compute it."""
    lab1 = np.array([[L1], [a1], [b1]], dtype=np.float64)
    lab2 = np.array([[L2], [a2], [b2]], dtype=np.float64)
    out = np.empty(1, dtype=np.float64)
    _delta_e_row(lab1, lab2, out)
    return out[0]


# -- images -------------------------------------------------------------------------


@numba.njit(**_JIT)
def _row(truth, guess, i, table_t, table_g, out):
    """CIEDE2000 of every pixel of row ``i`` into ``out``: linear light, CIELAB
    and the differences, each a pass over the row (in cache)."""
    width = truth.shape[1]
    lab = np.empty((6, width), dtype=np.float64)
    lab1, lab2 = lab[:3], lab[3:]
    _linear_row(truth, i, table_t, lab1)
    _linear_row(guess, i, table_g, lab2)
    _lab_row(lab1)
    _lab_row(lab2)
    _delta_e_row(lab1, lab2, out)


@numba.njit(parallel=True, **_JIT)
def ciede2000_row_sums(truth, guess, table_t, table_g):
    """Sum of the CIEDE2000 differences of each row of two sRGB images.

    ``truth`` and ``guess`` are ``(H, W, 3)`` arrays (uint8, uint16 or float
    in [0, 1]; any strides), each with its :func:`linear_table`. Rows run in
    parallel, each summed left to right, so the sums do not depend on the
    number of threads.
    """
    height, width = truth.shape[0], truth.shape[1]
    out = np.empty(height, dtype=np.float64)
    for i in numba.prange(height):
        row = np.empty(width, dtype=np.float64)
        _row(truth, guess, i, table_t, table_g, row)
        total = 0.0
        for j in range(width):
            total += row[j]
        out[i] = total
    return out


@numba.njit(parallel=True, **_JIT)
def ciede2000_map(truth, guess, table_t, table_g):
    """CIEDE2000 difference of every pixel of two sRGB images, ``(H, W)``.

    Same arguments as :func:`ciede2000_row_sums`.
    """
    height, width = truth.shape[0], truth.shape[1]
    out = np.empty((height, width), dtype=np.float64)
    for i in numba.prange(height):
        _row(truth, guess, i, table_t, table_g, out[i])
    return out
