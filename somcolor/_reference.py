"""Plain NumPy references for the compiled kernels.

Slow, short and obviously correct: the test suite compares every kernel with
the function of the same purpose here, and the benchmarks use them as the
straightforward anchors. They accumulate squared distances feature by
feature, in the input dtype, in the same order as the kernels, so the
comparison is exact (ties included), not approximate. The CIEDE2000
reference follows the published equations with angles in degrees, in another
order than the kernel's, and is compared with it to 1e-6.
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


def edge_weights(lightness, edge_sigma):
    """4-neighbour edge weights ``exp(-(dL / sigma)^2)`` (horizontal, vertical)."""
    lightness = np.asarray(lightness, dtype=np.float64)
    horizontal = np.exp(-((np.diff(lightness, axis=1) / edge_sigma) ** 2))
    vertical = np.exp(-((np.diff(lightness, axis=0) / edge_sigma) ** 2))
    return horizontal, vertical


def _laplacian(horizontal, vertical):
    """Graph Laplacian of the 4-neighbour grid with the given edge weights."""
    from scipy import sparse

    height, width = vertical.shape[0] + 1, horizontal.shape[1] + 1
    index = np.arange(height * width).reshape(height, width)
    first = np.concatenate([index[:, :-1].ravel(), index[:-1, :].ravel()])
    second = np.concatenate([index[:, 1:].ravel(), index[1:, :].ravel()])
    weight = np.concatenate([horizontal.ravel(), vertical.ravel()])
    adjacency = sparse.coo_matrix(
        (
            np.concatenate([weight, weight]),
            (np.concatenate([first, second]), np.concatenate([second, first])),
        ),
        shape=(height * width, height * width),
    ).tocsr()
    return sparse.diags(np.asarray(adjacency.sum(axis=1)).ravel()) - adjacency


def wls_solve(lightness, chroma, weights, smoothness, edge_sigma):
    """Exact minimiser of the solver's energy (SciPy sparse direct solve).

    ``(W + smoothness * Lap_a) x = W d`` for both planes of ``chroma``.
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    horizontal, vertical = edge_weights(lightness, edge_sigma)
    w = np.asarray(weights, dtype=np.float64).ravel()
    system = sparse.diags(w) + smoothness * _laplacian(horizontal, vertical)
    factor = splu(system.tocsc())
    out = np.empty(np.shape(chroma))
    for k in range(2):
        out[..., k] = factor.solve(w * np.ravel(chroma[..., k])).reshape(
            np.shape(lightness)
        )
    return out


def _line_solve(w, a, smoothness, values):
    """``(diag(w) + smoothness * Lap_a) y = w * values`` on one line (banded)."""
    from scipy.linalg import solve_banded

    n = len(w)
    if n == 1:
        return values.copy()
    off = -smoothness * a
    diagonal = w.astype(np.float64).copy()
    diagonal[:-1] += smoothness * a
    diagonal[1:] += smoothness * a
    banded = np.zeros((3, n))
    banded[0, 1:] = off
    banded[1] = diagonal
    banded[2, :-1] = off
    return solve_banded((1, 1), banded, w[:, None] * values)


def line_pass(weights, horizontal, vertical, smoothness, chroma):
    """One pass of the fast global smoother: every row, then every column.

    ``chroma`` of shape (H, W, 2); returns the new estimate.
    """
    out = np.array(chroma, dtype=np.float64)
    for r in range(out.shape[0]):
        out[r] = _line_solve(weights[r], horizontal[r], smoothness, out[r])
    for c in range(out.shape[1]):
        out[:, c] = _line_solve(weights[:, c], vertical[:, c], smoothness, out[:, c])
    return out


def ciede2000(truth, guess):
    """CIEDE2000 of every pixel of two sRGB images, in plain NumPy.

    sRGB (uint8, uint16 or float in [0, 1]) to linear light, to CIE XYZ
    (scikit-image's matrix) and to CIELAB (D65, 2 degree observer), then
    Sharma, Wu and Dalal's (2005) equations with hue angles in degrees, as
    they write them.
    """

    def lab(image):
        image = np.asarray(image)
        if image.dtype.kind == "u":
            image = image / np.iinfo(image.dtype).max
        rgb = np.asarray(image, dtype=np.float64)
        linear = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
        matrix = np.array(
            [
                [0.412453, 0.357580, 0.180423],
                [0.212671, 0.715160, 0.072169],
                [0.019334, 0.119193, 0.950227],
            ]
        )
        xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883])
        f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
        return (
            116 * f[..., 1] - 16,
            500 * (f[..., 0] - f[..., 1]),
            200 * (f[..., 1] - f[..., 2]),
        )

    return ciede2000_lab(*lab(truth), *lab(guess))


# Degrees within which two hues a half turn apart count as exactly opposite.
_TIE = 1e-9


def ciede2000_lab(L1, a1, b1, L2, a2, b2):
    """Sharma, Wu and Dalal's (2005) equations (1) to (17), kL = kC = kH = 1."""
    L1, a1, b1, L2, a2, b2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (L1, a1, b1, L2, a2, b2))
    )
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)
    zero = c1p * c2p == 0
    # Hues exactly opposite (Sharma's pair 14) are a tie that rounding of
    # degrees(arctan2) % 360 may put a hair past 180 (as NumPy 1.x does):
    # within _TIE of 180 counts as 180, the paper's convention.
    dhp = h2p - h1p
    dhp = np.where(
        dhp > 180 + _TIE, dhp - 360, np.where(dhp < -180 - _TIE, dhp + 360, dhp)
    )
    dhp = np.where(zero, 0.0, dhp)
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dhp / 2))
    Lbar = (L1 + L2) / 2
    Cbar = (c1p + c2p) / 2
    hsum = h1p + h2p
    hbar = np.where(
        np.abs(h1p - h2p) <= 180 + _TIE,
        hsum / 2,
        np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2),
    )
    hbar = np.where(zero, hsum, hbar)
    T = (
        1
        - 0.17 * np.cos(np.radians(hbar - 30))
        + 0.24 * np.cos(np.radians(2 * hbar))
        + 0.32 * np.cos(np.radians(3 * hbar + 6))
        - 0.20 * np.cos(np.radians(4 * hbar - 63))
    )
    dtheta = 30 * np.exp(-(((hbar - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cbar**7 / (Cbar**7 + 25.0**7))
    sl = 1 + 0.015 * (Lbar - 50) ** 2 / np.sqrt(20 + (Lbar - 50) ** 2)
    sc = 1 + 0.045 * Cbar
    sh = 1 + 0.015 * Cbar * T
    rt = -np.sin(np.radians(2 * dtheta)) * rc
    dl, dc, dh = (L2 - L1) / sl, (c2p - c1p) / sc, dHp / sh
    return np.sqrt(np.maximum(dl**2 + dc**2 + dh**2 + rt * dc * dh, 0.0))
