"""Compiled kernels of the colorizing path (:mod:`somcolor._fast_predict`).

Plain module-level functions, compiled lazily by numba on first call
(``cache=True`` keeps the machine code between processes), so ``import
somcolor`` compiles nothing and fitted estimators never hold a compiled
function.

:func:`colorize_tiles` runs the whole model over an image, a short run of
pixels of one row at a time (the tile): the feature rows of the tile are
written by :func:`somcolor._patch_kernels.write_rows` (the code that cuts the
training rows), the MLP runs on them with BLAS (``np.dot``) in the
classifier's dtype, the output scores are decoded (argmax class, or the
annealed mean of the codebook colours), and the pixel is written as a class,
a chroma (U, V) or an sRGB colour. Only the tile's rows and activations exist
at any time (per thread), so memory does not grow with the image beyond its
prepared planes and the output. :func:`enlarge_to_rgb` joins a chroma map
computed at a smaller scale with the full-size lightness.

The colour conversions are scikit-image's formulas (``luv2xyz``,
``xyz2rgb``) evaluated per pixel, after the lightness-preserving gamut
mapping of :func:`somcolor.color.gamut_scale`, except sRGB's transfer
function, read from a table (within 1e-6; three powers per pixel took
half the conversion's time); tests/test_colorize_kernels.py compares them
with :func:`somcolor.color.luv_to_rgb` and scikit-image.
"""

import math

import numba
import numpy as np

from ._patch_kernels import write_rows

#: Hidden activations, numbered as the kernels expect them.
ACTIVATION_CODES = {"identity": 0, "relu": 1, "tanh": 2, "logistic": 3}

#: What :func:`colorize_tiles` writes per pixel.
LABELS, CHROMA, RGB = 0, 1, 2


@numba.njit(cache=True, nogil=True)
def _add_bias_activate(h, n, bias, code):
    """``h[:n] += bias`` then the hidden activation ``code``, in place.

    One loop per activation, so that each inner loop is branch-free and
    vectorises.
    """
    width = h.shape[1]
    if code == 1:
        for t in range(n):
            row = h[t]
            for k in range(width):
                v = row[k] + bias[k]
                row[k] = v if v > 0 else 0.0
    elif code == 2:
        for t in range(n):
            row = h[t]
            for k in range(width):
                row[k] = math.tanh(row[k] + bias[k])
    elif code == 3:
        for t in range(n):
            row = h[t]
            for k in range(width):
                row[k] = 1.0 / (1.0 + math.exp(-(row[k] + bias[k])))
    else:
        for t in range(n):
            row = h[t]
            for k in range(width):
                row[k] += bias[k]


@numba.njit(cache=True, nogil=True)
def _scores_and_hidden(rows, network):
    """Output scores of the rows of a tile, and the last hidden layer's output.

    ``network = (weights, biases, sizes, activation)``: the coefficient
    matrices ``coefs_[l]`` of shape ``(sizes[l], sizes[l + 1])`` flattened
    row-major and concatenated, the intercepts concatenated, the layer
    widths and the hidden activation's code. Each layer is
    ``activation(X @ W + b)`` with ``X @ W`` by BLAS, as ``MLPClassifier``
    computes it; the scores are the last layer's, before the output
    activation. With no hidden layer, the "hidden" output is the rows.
    """
    weights, biases, sizes, activation = network
    n = rows.shape[0]
    n_layers = sizes.shape[0] - 1
    h = rows
    hidden = rows
    w_off = 0
    b_off = 0
    for layer in range(n_layers):
        n_in = sizes[layer]
        n_out = sizes[layer + 1]
        hidden = h
        h = np.dot(h, weights[w_off : w_off + n_in * n_out].reshape((n_in, n_out)))
        code = activation if layer < n_layers - 1 else 0
        _add_bias_activate(h, n, biases[b_off : b_off + n_out], code)
        w_off += n_in * n_out
        b_off += n_out
    return h, hidden


@numba.njit(cache=True, nogil=True)
def _scores(rows, network):
    """Output scores (before the output activation) of the rows of a tile.

    See :func:`_scores_and_hidden` for ``network``.
    """
    return _scores_and_hidden(rows, network)[0]


@numba.njit(cache=True, nogil=True)
def _decode(z, decoder):
    """Class index and chroma (U, V) of one pixel from its output scores.

    ``decoder = (colours, soft, inv_temperature)``: the (U, V) of each
    output's class, whether to decode softly, and ``1 / T``. Argmax: the
    class with the largest score (first on ties); with one (logistic)
    output, class 1 where the score is positive. Soft: the annealed mean
    ``softmax(z / T) @ colours`` (for one logistic output, the two colours
    weighted by ``sigmoid(z / T)``), which equals Zhang et al.'s
    ``p ** (1 / T)`` renormalised, ``p`` being ``predict_proba``.
    """
    colours, soft, inv_t = decoder
    n_out = z.shape[0]
    if n_out == 1:
        best = 1 if z[0] > 0 else 0
        if not soft:
            return best, colours[best, 0], colours[best, 1]
        w1 = 1.0 / (1.0 + math.exp(-z[0] * inv_t))
        w0 = 1.0 - w1
        u = w0 * colours[0, 0] + w1 * colours[1, 0]
        v = w0 * colours[0, 1] + w1 * colours[1, 1]
        return best, u, v
    best = 0
    top = z[0]
    for j in range(1, n_out):
        if z[j] > top:
            top = z[j]
            best = j
    if not soft:
        return best, colours[best, 0], colours[best, 1]
    total = 0.0
    u = 0.0
    v = 0.0
    scale = z.dtype.type(inv_t)
    for j in range(n_out):
        # In the scores' dtype: float32's exp is twice as fast as float64's,
        # and the scores carry no more precision than that.
        w = math.exp((z[j] - top) * scale)
        total += w
        u += w * colours[j, 0]
        v += w * colours[j, 1]
    return best, u / total, v / total


#: ``t`` where ``t ** 2.4`` is 0.008856, the knee of ``L(Y)``.
_KNEE_T = 0.008856 ** (1 / 2.4)


@numba.njit(cache=True, nogil=True, inline="always")
def grey_lightness(g):
    """CIE L of the sRGB grey level ``g`` in [0, 1] (as ``grey_to_lightness``).

    Where ``y = t ** 2.4`` (``t = (g + 0.055) / 1.055``) is above 0.008856,
    ``116 cbrt(y) - 16`` is computed as ``116 t ** 0.8 - 16``: one power
    instead of a power and a cube root.
    """
    if g > 0.04045:
        t = (g + 0.055) / 1.055
        if t > _KNEE_T:
            return 116.0 * t**0.8 - 16.0
        return 903.3 * t**2.4
    return 903.3 * (g / 12.92)  # below the knee: g / 12.92 < 0.0032


@numba.njit(cache=True, nogil=True)
def luv_pixel_to_rgb(L, u, v, conversion, out):
    """sRGB of (L, u, v) into ``out[:3]``, chroma scaled into the gamut first.

    ``conversion = (rgb_from_xyz, u0, v0, g0)``: scikit-image's XYZ -> RGB
    matrix, the white point's (u', v'), and ``rgb_from_xyz @ [9 u0, 4 v0,
    12 - 3 u0 - 20 v0]``. The gamut scale is
    :func:`somcolor.color.gamut_scale`; the conversion is scikit-image's
    ``luv2rgb`` (``luv2xyz`` then ``xyz2rgb``) written per pixel.
    """
    m, u0, v0, g0 = conversion
    y = ((L + 16.0) / 116.0) ** 3 if L > 7.999625 else L / 903.3
    # Largest s in [0, 1] keeping linear RGB in [0, 1] (see gamut_scale):
    # each bound -h / g (for g < 0) lowers s only where h + s g < 0, which
    # is tested first, so that in-gamut pixels (most) divide nowhere.
    s = 0.0
    if L > 0:
        inv = 1.0 / (13.0 * L)
        alpha = u * inv
        beta = v * inv
        s = 1.0
        for i in range(3):
            g1 = (
                m[i, 0] * 9 * alpha
                + m[i, 1] * 4 * beta
                + m[i, 2] * (-3 * alpha - 20 * beta)
            )
            if g1 < 0 and g0[i] + s * g1 < 0:
                s = -g0[i] / g1
            b = 4 * beta - y * g1
            h = 4 * v0 - y * g0[i]
            if b < 0 and h + s * b < 0:
                s = -h / b
        if beta < 0:
            s = min(s, -v0 * (1 - 1e-9) / beta)
        s = max(s, 0.0)
    u *= s
    v *= s
    # scikit-image's luv2xyz (white Y = 1) ...
    eps = 2.220446049250313e-16
    inv = 1.0 / (13.0 * L + eps)
    a = u0 + u * inv
    b = v0 + v * inv
    c = 3 * y * (5 * b - 3)
    inv_b = 1.0 / b
    z = ((a - 4) * c - 15 * a * b * y) * (inv_b / 12)
    x = -(c * inv_b + 3.0 * z)
    # ... and xyz2rgb.
    for i in range(3):
        lin = m[i, 0] * x + m[i, 1] * y + m[i, 2] * z
        out[i] = _encode(min(max(lin, 0.0), 1.0))


#: sRGB's transfer function (``xyz2rgb``'s gamma) at the linear levels
#: ``(k / GAMMA_STEPS) ** 2``: even steps in the square root of the level,
#: finer where the function bends most (near black).
GAMMA_STEPS = 4096
_LEVELS = np.linspace(0.0, 1.0, GAMMA_STEPS + 1) ** 2
GAMMA_TABLE = np.where(
    _LEVELS > 0.0031308,
    1.055 * np.maximum(_LEVELS, 0.0031308) ** (1 / 2.4) - 0.055,
    12.92 * _LEVELS,
)


@numba.njit(cache=True, nogil=True, inline="always")
def _encode(lin):
    """sRGB level of a linear level in [0, 1]: ``GAMMA_TABLE`` interpolated
    linearly in ``sqrt(lin)`` (within 1e-6 of the formula; three general
    powers per pixel cost more than the rest of the conversion)."""
    x = math.sqrt(lin) * GAMMA_STEPS
    k = min(int(x), GAMMA_STEPS - 1)
    f = x - k
    return GAMMA_TABLE[k] + f * (GAMMA_TABLE[k + 1] - GAMMA_TABLE[k])


@numba.njit(parallel=True, cache=True, nogil=True)
def scaled_lightness(grey, out):
    """``out = grey_to_lightness(grey) / 100``, row by row on every core."""
    for r in numba.prange(grey.shape[0]):
        for c in range(grey.shape[1]):
            out[r, c] = grey_lightness(grey[r, c]) / 100.0


@numba.njit(cache=True, nogil=True, inline="always")
def _lightness(source, r, c):
    """L of pixel ``(r, c)`` from ``source`` (see :func:`colorize_tiles`)."""
    codes, table, scaled, use_codes, rgb_table = source
    if use_codes:
        return table[codes[r, c]]
    return 100.0 * scaled[r, c]


@numba.njit(cache=True, nogil=True, inline="always")
def _write_rgb(source, r, c, best, u, v, soft, conversion, out):
    """sRGB of pixel ``(r, c)``: from the (level, class) table when it holds
    it (8-bit input, argmax), else converted."""
    codes, table, scaled, use_codes, rgb_table = source
    if use_codes and not soft and rgb_table.shape[0]:
        entry = rgb_table[codes[r, c], best]
        out[0] = entry[0]
        out[1] = entry[1]
        out[2] = entry[2]
    else:
        luv_pixel_to_rgb(_lightness(source, r, c), u, v, conversion, out)


@numba.njit(parallel=True, cache=True, nogil=True)
def colorize_tiles(
    image, spec, network, decoder, conversion, source, mode, tile, labels, uv, rgb
):
    """Run the model over every pixel of a prepared image, tile by tile.

    Parameters
    ----------
    image, spec : tuple
        The prepared image and the feature options, as
        :func:`somcolor._patch_kernels.write_rows` takes them.
    network : tuple
        The MLP, see :func:`_scores`.
    decoder : tuple
        See :func:`_decode`.
    conversion : tuple
        See :func:`luv_pixel_to_rgb` (used for ``mode == RGB``).
    source : tuple
        ``(codes, table, scaled, use_codes, rgb_table)``: the lightness of
        each pixel for ``mode == RGB``, from 8-bit codes and their 256 L
        values, or from the image's L / 100 (float grey input, see
        :func:`scaled_lightness`); with codes and argmax decoding,
        ``rgb_table[level, output]`` (shape (256, n_outputs, 3), or empty)
        holds the sRGB of each pair, computed once.
    mode : int
        :data:`LABELS`, :data:`CHROMA` or :data:`RGB`: what is written.
    tile : int
        Pixels of one row handled at once.
    labels, uv, rgb : ndarray
        Outputs of shapes (H, W), (H, W, 2) and (H, W, 3); only the one
        ``mode`` names is written (the others may be empty). ``labels``
        receives the output index (the caller maps it to ``classes_``).
    """
    height, width = image[3], image[4]
    per_row = (width + tile - 1) // tile
    n_tiles = height * per_row
    n_chunks = min(n_tiles, 64)
    soft = decoder[1]
    n_features = network[2][0]  # the network's input width
    for chunk in numba.prange(n_chunks):
        rows = np.empty((tile, n_features), dtype=network[0].dtype)
        first = n_tiles * chunk // n_chunks
        last = n_tiles * (chunk + 1) // n_chunks
        for index in range(first, last):
            r = index // per_row
            c0 = (index % per_row) * tile
            n = min(tile, width - c0)
            write_rows(image, spec, r, c0, rows[:n])
            z = _scores(rows[:n], network)
            for t in range(n):
                c = c0 + t
                best, u, v = _decode(z[t], decoder)
                if mode == LABELS:
                    labels[r, c] = best
                elif mode == CHROMA:
                    uv[r, c, 0] = u
                    uv[r, c, 1] = v
                else:
                    _write_rgb(source, r, c, best, u, v, soft, conversion, rgb[r, c])


@numba.njit(cache=True, nogil=True, inline="always")
def _bilinear(uv, k, r0, r1, fy, c0, c1, fx):
    top = uv[r0, c0, k] * (1 - fx) + uv[r0, c1, k] * fx
    bottom = uv[r1, c0, k] * (1 - fx) + uv[r1, c1, k] * fx
    return top * (1 - fy) + bottom * fy


@numba.njit(parallel=True, cache=True, nogil=True)
def enlarge_to_rgb(uv, conversion, source, rgb):
    """Enlarge a chroma map bilinearly and join it with the full-size L.

    The chroma of output pixel ``(r, c)`` is read at ``((r + 0.5) * h / H -
    0.5, (c + 0.5) * w / W - 0.5)`` of the ``(h, w, 2)`` map, clamped to its
    edge (``skimage.transform.resize(..., order=1, mode='edge')``), and
    converted with the pixel's own L from ``source`` (see
    :func:`colorize_tiles`).
    """
    height, width = rgb.shape[0], rgb.shape[1]
    h, w = uv.shape[0], uv.shape[1]
    scale_r = h / height
    scale_c = w / width
    for r in numba.prange(height):
        y = min(max((r + 0.5) * scale_r - 0.5, 0.0), h - 1.0)
        r0 = min(int(y), h - 1)
        r1 = min(r0 + 1, h - 1)
        fy = y - r0
        for c in range(width):
            x = min(max((c + 0.5) * scale_c - 0.5, 0.0), w - 1.0)
            c0 = min(int(x), w - 1)
            c1 = min(c0 + 1, w - 1)
            fx = x - c0
            u = _bilinear(uv, 0, r0, r1, fy, c0, c1, fx)
            v = _bilinear(uv, 1, r0, r1, fy, c0, c1, fx)
            luv_pixel_to_rgb(_lightness(source, r, c), u, v, conversion, rgb[r, c])


@numba.njit(cache=True, nogil=True)
def _steer_decode(z, hidden, decoder):
    """Chroma (U, V) and uncertainty of one pixel, for the steered path.

    ``decoder = (colours, soft, inv_temperature, head)``, as :func:`_decode`'s
    with ``colours`` possibly adapted to hints, and ``head`` of shape
    ``(n_hidden + 1, 2)``: a linear correction of the chroma from the last
    hidden layer's output (its last row the intercept; empty for none).
    The uncertainty is ``sum_k p_k |colours_k - m|^2``, ``p`` the
    classifier's probabilities (temperature 1) and ``m`` the decoded
    codebook colour before the head's correction: the expected squared
    error of that colour if the classifier's probabilities are right.
    """
    colours, soft, inv_t, head = decoder
    n_out = z.shape[0]
    if n_out == 1:
        p1 = 1.0 / (1.0 + math.exp(-z[0]))
        if soft:
            w1 = 1.0 / (1.0 + math.exp(-z[0] * inv_t))
        else:
            w1 = 1.0 if z[0] > 0 else 0.0
        u = (1.0 - w1) * colours[0, 0] + w1 * colours[1, 0]
        v = (1.0 - w1) * colours[0, 1] + w1 * colours[1, 1]
        du0, dv0 = colours[0, 0] - u, colours[0, 1] - v
        du1, dv1 = colours[1, 0] - u, colours[1, 1] - v
        spread = (1.0 - p1) * (du0 * du0 + dv0 * dv0) + p1 * (du1 * du1 + dv1 * dv1)
    else:
        best = 0
        top = z[0]
        for j in range(1, n_out):
            if z[j] > top:
                top = z[j]
                best = j
        total = 0.0
        total1 = 0.0
        u = 0.0
        v = 0.0
        scale = z.dtype.type(inv_t)
        for j in range(n_out):
            e = math.exp(z[j] - top)
            total1 += e
            if soft:
                w = math.exp((z[j] - top) * scale)
                total += w
                u += w * colours[j, 0]
                v += w * colours[j, 1]
        if soft:
            u /= total
            v /= total
        else:
            u = colours[best, 0]
            v = colours[best, 1]
        spread = 0.0
        for j in range(n_out):
            du = colours[j, 0] - u
            dv = colours[j, 1] - v
            spread += math.exp(z[j] - top) * (du * du + dv * dv)
        spread /= total1
    n_head = head.shape[0]
    if n_head:
        k = n_head - 1
        u += head[k, 0]
        v += head[k, 1]
        for i in range(k):
            u += hidden[i] * head[i, 0]
            v += hidden[i] * head[i, 1]
    return u, v, spread


@numba.njit(parallel=True, cache=True, nogil=True)
def steer_tiles(image, spec, network, decoder, tile, uv, spread):
    """The model's chroma and its uncertainty at every pixel, tile by tile.

    As :func:`colorize_tiles` (same features and network), decoded by
    :func:`_steer_decode` into ``uv`` (shape (H, W, 2)) and ``spread`` (shape
    (H, W)): the data of the edge-aware chroma solver.
    """
    height, width = image[3], image[4]
    per_row = (width + tile - 1) // tile
    n_tiles = height * per_row
    n_chunks = min(n_tiles, 64)
    n_features = network[2][0]
    for chunk in numba.prange(n_chunks):
        rows = np.empty((tile, n_features), dtype=network[0].dtype)
        first = n_tiles * chunk // n_chunks
        last = n_tiles * (chunk + 1) // n_chunks
        for index in range(first, last):
            r = index // per_row
            c0 = (index % per_row) * tile
            n = min(tile, width - c0)
            write_rows(image, spec, r, c0, rows[:n])
            z, hidden = _scores_and_hidden(rows[:n], network)
            for t in range(n):
                u, v, s = _steer_decode(z[t], hidden[t], decoder)
                uv[r, c0 + t, 0] = u
                uv[r, c0 + t, 1] = v
                spread[r, c0 + t] = s
