"""Compiled kernels for best-matching-unit (BMU) search.

Plain functions, compiled lazily by numba on first call (``cache=True`` keeps
the machine code between processes), so ``import somcolor`` compiles nothing;
:func:`bmu_search` only chooses the compiled kernel, in Python (see there
why).
The estimators in :mod:`somcolor.som` call them; they never hold a compiled
function as an attribute, which keeps fitted estimators picklable.

Every kernel computes squared Euclidean distances as the plain sum of squared
coordinate differences, feature by feature, in the dtype of the input. This is
exactly what :mod:`somcolor._reference` computes with NumPy, so the kernels and
their references agree bit for bit, ties included: a tie goes to the lowest
unit index.

Layout: the samples are processed in chunks of ``_CHUNK`` rows (one chunk per
parallel task). Inside a chunk, blocks of ``_BLOCK`` samples are transposed
into a small feature-major buffer and every unit is compared with the whole
block, so that the inner loops run over contiguous samples and vectorise.
"""

import numba
import numpy as np

_BLOCK = 256
_CHUNK = 16 * _BLOCK


@numba.njit(cache=True, nogil=True)
def _block_sq_dist(xt, m, codebook, u, dist):
    """Squared distances from the first ``m`` columns of ``xt`` to unit ``u``."""
    n_features = xt.shape[0]
    w = codebook[u, 0]
    for i in range(m):
        diff = xt[0, i] - w
        dist[i] = diff * diff
    for j in range(1, n_features):
        w = codebook[u, j]
        for i in range(m):
            diff = xt[j, i] - w
            dist[i] += diff * diff


@numba.njit(cache=True, nogil=True)
def _load_block(X, start, m, xt):
    """Transpose rows ``start:start + m`` of ``X`` into ``xt[:, :m]``."""
    for i in range(m):
        for j in range(X.shape[1]):
            xt[j, i] = X[start + i, j]


def bmu_search(X, codebook, labels, sq_dist):
    """Index of, and squared distance to, the nearest unit of each sample.

    Two-feature data (the (U, V) chroma) goes to a fused kernel; any other
    number of features to the general blockwise one. Both compute exactly
    the arithmetic of :func:`somcolor._reference.bmu_search`.

    A plain Python function, deliberately: a cached function that is not
    ``parallel=True`` and calls one that is crashes the process (segmentation
    fault) when it is the first numba function of the process and comes from
    numba's on-disk cache, on numba before 0.63 (numba issue 8578). So no
    kernel here calls a parallel kernel; ``tests/test_kernel_cache.py``
    checks that, and runs the first call of a fresh process on a warm cache.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32 or float64
    codebook : ndarray of shape (n_units, n_features), same dtype as ``X``
    labels : ndarray of shape (n_samples,), intp
        Output: index of the best-matching unit (lowest index on ties).
    sq_dist : ndarray of shape (n_samples,), same dtype as ``X``
        Output: squared Euclidean distance to that unit.
    """
    if X.shape[1] == 2:
        _bmu_search_2d(X, codebook, labels, sq_dist)
    else:
        _bmu_search_general(X, codebook, labels, sq_dist)


@numba.njit(parallel=True, cache=True, nogil=True)
def _bmu_search_2d(X, codebook, labels, sq_dist):
    """:func:`bmu_search` for two features, distance and comparison fused.

    ``(x0 - w0)**2 + (x1 - w1)**2`` is the reference's sum (feature 0
    first, no fused multiply-add), and the running best is replaced only on
    a strictly smaller distance, so ties go to the lowest index. The unit
    index is carried in the data's float type (exact below 2**24 units) so
    that the selection vectorises with the distances.
    """
    n_samples = X.shape[0]
    n_units = codebook.shape[0]
    n_chunks = (n_samples + _CHUNK - 1) // _CHUNK
    for c in numba.prange(n_chunks):
        x0 = np.empty(_BLOCK, dtype=X.dtype)
        x1 = np.empty(_BLOCK, dtype=X.dtype)
        best = np.empty(_BLOCK, dtype=X.dtype)
        best_idx = np.empty(_BLOCK, dtype=X.dtype)
        chunk_end = min(n_samples, (c + 1) * _CHUNK)
        for start in range(c * _CHUNK, chunk_end, _BLOCK):
            m = min(_BLOCK, chunk_end - start)
            for i in range(m):
                x0[i] = X[start + i, 0]
                x1[i] = X[start + i, 1]
            w0 = codebook[0, 0]
            w1 = codebook[0, 1]
            for i in range(m):
                d0 = x0[i] - w0
                d1 = x1[i] - w1
                best[i] = d0 * d0 + d1 * d1
                best_idx[i] = 0
            for u in range(1, n_units):
                w0 = codebook[u, 0]
                w1 = codebook[u, 1]
                for i in range(m):
                    d0 = x0[i] - w0
                    d1 = x1[i] - w1
                    d = d0 * d0 + d1 * d1
                    better = d < best[i]
                    best[i] = d if better else best[i]
                    best_idx[i] = u if better else best_idx[i]
            for i in range(m):
                labels[start + i] = int(best_idx[i])
                sq_dist[start + i] = best[i]


@numba.njit(parallel=True, cache=True, nogil=True)
def _bmu_search_general(X, codebook, labels, sq_dist):
    """:func:`bmu_search` for any number of features (blockwise, transposed)."""
    n_samples = X.shape[0]
    n_units = codebook.shape[0]
    n_chunks = (n_samples + _CHUNK - 1) // _CHUNK
    for c in numba.prange(n_chunks):
        xt = np.empty((X.shape[1], _BLOCK), dtype=X.dtype)
        dist = np.empty(_BLOCK, dtype=X.dtype)
        best = np.empty(_BLOCK, dtype=X.dtype)
        best_idx = np.empty(_BLOCK, dtype=np.intp)
        chunk_end = min(n_samples, (c + 1) * _CHUNK)
        for start in range(c * _CHUNK, chunk_end, _BLOCK):
            m = min(_BLOCK, chunk_end - start)
            _load_block(X, start, m, xt)
            _block_sq_dist(xt, m, codebook, 0, best)
            best_idx[:m] = 0
            for u in range(1, n_units):
                _block_sq_dist(xt, m, codebook, u, dist)
                for i in range(m):
                    better = dist[i] < best[i]
                    best[i] = dist[i] if better else best[i]
                    best_idx[i] = u if better else best_idx[i]
            for i in range(m):
                labels[start + i] = best_idx[i]
                sq_dist[start + i] = best[i]


@numba.njit(parallel=True, cache=True, nogil=True)
def two_bmu_search(X, codebook, first, second):
    """Indices of the nearest and second-nearest unit of each sample.

    Ties are broken by the lowest index, for both ranks. Needs at least two
    units.
    """
    n_samples = X.shape[0]
    n_units = codebook.shape[0]
    n_chunks = (n_samples + _CHUNK - 1) // _CHUNK
    for c in numba.prange(n_chunks):
        xt = np.empty((X.shape[1], _BLOCK), dtype=X.dtype)
        dist = np.empty(_BLOCK, dtype=X.dtype)
        best1 = np.empty(_BLOCK, dtype=X.dtype)
        best2 = np.empty(_BLOCK, dtype=X.dtype)
        idx1 = np.empty(_BLOCK, dtype=np.intp)
        idx2 = np.empty(_BLOCK, dtype=np.intp)
        chunk_end = min(n_samples, (c + 1) * _CHUNK)
        for start in range(c * _CHUNK, chunk_end, _BLOCK):
            m = min(_BLOCK, chunk_end - start)
            _load_block(X, start, m, xt)
            best1[:m] = np.inf
            best2[:m] = np.inf
            idx1[:m] = 0
            idx2[:m] = 0
            for u in range(n_units):
                _block_sq_dist(xt, m, codebook, u, dist)
                for i in range(m):
                    d = dist[i]
                    if d < best1[i]:
                        best2[i] = best1[i]
                        idx2[i] = idx1[i]
                        best1[i] = d
                        idx1[i] = u
                    elif d < best2[i]:
                        best2[i] = d
                        idx2[i] = u
            for i in range(m):
                first[start + i] = idx1[i]
                second[start + i] = idx2[i]


@numba.njit(parallel=True, cache=True, nogil=True)
def unit_distances(X, codebook, out):
    """Euclidean distances from every sample to every unit, into ``out``."""
    n_samples = X.shape[0]
    n_units = codebook.shape[0]
    n_chunks = (n_samples + _CHUNK - 1) // _CHUNK
    for c in numba.prange(n_chunks):
        xt = np.empty((X.shape[1], _BLOCK), dtype=X.dtype)
        dist = np.empty(_BLOCK, dtype=X.dtype)
        chunk_end = min(n_samples, (c + 1) * _CHUNK)
        for start in range(c * _CHUNK, chunk_end, _BLOCK):
            m = min(_BLOCK, chunk_end - start)
            _load_block(X, start, m, xt)
            for u in range(n_units):
                _block_sq_dist(xt, m, codebook, u, dist)
                for i in range(m):
                    out[start + i, u] = np.sqrt(dist[i])
