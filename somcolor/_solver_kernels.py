"""Compiled kernels of the edge-aware chroma solver (:mod:`somcolor.solver`).

The solver minimises, over a chroma map ``x`` of two planes (U and V),

    sum_p w_p |x_p - d_p|^2 + lam * sum_{p~q} a_pq |x_p - x_q|^2,

where ``p ~ q`` runs over the 4-neighbour edges of the pixel grid, ``w`` are
per-pixel data weights, ``d`` the data (hints, the model's chroma, grey) and
``a`` edge weights from the lightness (near 1 where it is smooth, near 0
across its edges). The minimiser solves the sparse symmetric positive
definite system ``(W + lam * Lap_a) x = W d``, ``Lap_a`` the graph Laplacian
of the edge weights.

Two kernels solve it, and :mod:`somcolor.solver` runs one after the other:

* :func:`line_pass`, the fast global smoother of Min et al. (2014):
  alternating one-dimensional solves of the same energy restricted to each
  row, then each column (tridiagonal systems, Thomas algorithm, O(N)), with
  the data weights on the diagonal; a few passes with a shrinking
  smoothness spread the data along the lightness's smooth regions;
* :func:`conjugate_gradients`, Jacobi-preconditioned conjugate gradients on
  the whole two-dimensional system, started from that estimate, which
  removes what the separable passes get wrong (streaks along rows and
  columns, propagation around corners).

Edge weights are stored per edge: ``ah[r, c]`` joins ``(r, c)`` and ``(r,
c + 1)`` (shape ``(H, W - 1)``), ``av[r, c]`` joins ``(r, c)`` and ``(r + 1,
c)`` (shape ``(H - 1, W)``). Chroma planes are ``(2, H, W)``. Plain
functions compiled on first use (``cache=True``); :mod:`somcolor._reference`
holds the SciPy versions the tests compare them with.
"""

import math

import numba
import numpy as np

#: Columns solved together by a column pass (one cache-friendly sweep down
#: the rows for the whole block).
COLUMN_BLOCK = 32

#: Images with fewer pixels are solved by one thread: each parallel loop
#: wakes the worker threads, which costs more than the loop on small images
#: and much more on a busy machine, where a woken thread waits for a core.
PARALLEL_MIN_PIXELS = 1 << 17


class _Compiled(tuple):
    """A kernel compiled twice: ``.serial`` and ``.parallel`` (``prange``)."""

    __slots__ = ()

    @property
    def serial(self):
        return self[0]

    @property
    def parallel(self):
        return self[1]

    def __call__(self, parallel):
        return self[1] if parallel else self[0]


def _serial_and_parallel(**options):
    """Compile a function with ``prange`` loops both serially and in parallel."""

    def compile_twice(func):
        return _Compiled(
            (
                numba.njit(cache=True, nogil=True, **options)(func),
                numba.njit(cache=True, nogil=True, parallel=True, **options)(func),
            )
        )

    return compile_twice


@_serial_and_parallel()
def edge_weights(y, inv_sigma2, ah, av):
    """``a = exp(-(y_p - y_q)^2 * inv_sigma2)`` on every 4-neighbour edge."""
    height, width = y.shape
    for r in numba.prange(height):
        for c in range(width - 1):
            d = y[r, c + 1] - y[r, c]
            ah[r, c] = math.exp(-d * d * inv_sigma2)
        if r < height - 1:
            for c in range(width):
                d = y[r + 1, c] - y[r, c]
                av[r, c] = math.exp(-d * d * inv_sigma2)


@numba.njit(cache=True, nogil=True)
def _solve_line(w, a, lam, x0, x1, c_prime, d0, d1):
    """Solve ``(diag(w) + lam * Lap_a) y = w * x`` on one line, in place.

    ``x0`` and ``x1`` (the U and V of the line) hold the current estimate on
    entry and the solution on exit; ``a`` has one weight fewer than ``w``.
    The matrix is strictly diagonally dominant where ``w > 0``, so the
    Thomas algorithm needs no pivoting.
    """
    n = w.shape[0]
    if n == 1:
        return
    off = -lam * a[0]
    diag = w[0] + lam * a[0]
    c_prime[0] = off / diag
    d0[0] = w[0] * x0[0] / diag
    d1[0] = w[0] * x1[0] / diag
    for i in range(1, n):
        left = -lam * a[i - 1]
        diag = w[i] + lam * a[i - 1]
        off = 0.0
        if i < n - 1:
            diag += lam * a[i]
            off = -lam * a[i]
        m = diag - left * c_prime[i - 1]
        c_prime[i] = off / m
        d0[i] = (w[i] * x0[i] - left * d0[i - 1]) / m
        d1[i] = (w[i] * x1[i] - left * d1[i - 1]) / m
    x0[n - 1] = d0[n - 1]
    x1[n - 1] = d1[n - 1]
    for i in range(n - 2, -1, -1):
        x0[i] = d0[i] - c_prime[i] * x0[i + 1]
        x1[i] = d1[i] - c_prime[i] * x1[i + 1]


@_serial_and_parallel()
def _row_pass(w, ah, lam, x):
    height, width = w.shape
    for r in numba.prange(height):
        c_prime = np.empty(width)
        d0 = np.empty(width)
        d1 = np.empty(width)
        _solve_line(w[r], ah[r], lam, x[0, r], x[1, r], c_prime, d0, d1)


@_serial_and_parallel()
def _column_pass(w, av, lam, x):
    """The column solves, a block of columns per task, swept down the rows."""
    height, width = w.shape
    n_blocks = (width + COLUMN_BLOCK - 1) // COLUMN_BLOCK
    for block in numba.prange(n_blocks):
        c0 = block * COLUMN_BLOCK
        c1 = min(c0 + COLUMN_BLOCK, width)
        n = c1 - c0
        c_prime = np.empty((height, n))
        d0 = np.empty((height, n))
        d1 = np.empty((height, n))
        if height == 1:
            continue
        for j in range(n):
            c = c0 + j
            off = -lam * av[0, c]
            diag = w[0, c] + lam * av[0, c]
            c_prime[0, j] = off / diag
            d0[0, j] = w[0, c] * x[0, 0, c] / diag
            d1[0, j] = w[0, c] * x[1, 0, c] / diag
        for i in range(1, height):
            last = i == height - 1
            for j in range(n):
                c = c0 + j
                left = -lam * av[i - 1, c]
                diag = w[i, c] + lam * av[i - 1, c]
                off = 0.0
                if not last:
                    diag += lam * av[i, c]
                    off = -lam * av[i, c]
                m = diag - left * c_prime[i - 1, j]
                c_prime[i, j] = off / m
                d0[i, j] = (w[i, c] * x[0, i, c] - left * d0[i - 1, j]) / m
                d1[i, j] = (w[i, c] * x[1, i, c] - left * d1[i - 1, j]) / m
        for j in range(n):
            x[0, height - 1, c0 + j] = d0[height - 1, j]
            x[1, height - 1, c0 + j] = d1[height - 1, j]
        for i in range(height - 2, -1, -1):
            for j in range(n):
                c = c0 + j
                x[0, i, c] = d0[i, j] - c_prime[i, j] * x[0, i + 1, c]
                x[1, i, c] = d1[i, j] - c_prime[i, j] * x[1, i + 1, c]


def line_pass(w, ah, av, lam, x, parallel=True):
    """One pass of the fast global smoother: every row, then every column.

    Each row (then column) of ``x`` (shape ``(2, H, W)``) is replaced by the
    minimiser of the energy restricted to that line, with the line's
    current values as data: ``(diag(w) + lam * Lap_a) y = w * x``.
    """
    _row_pass(parallel)(w, ah, lam, x)
    _column_pass(parallel)(w, av, lam, x)


@_serial_and_parallel()
def _padded_edges(ah, av, eh, ev):
    """Edge weights with a zero weight on every edge to the ghost border.

    ``eh[i, j]`` joins padded pixels ``(i, j)`` and ``(i, j + 1)``, ``ev[i,
    j]`` joins ``(i, j)`` and ``(i + 1, j)``; pixel ``(r, c)`` of the image
    is ``(r + 1, c + 1)`` there.
    """
    height, width = ah.shape[0], av.shape[1]
    for i in numba.prange(height + 2):
        for j in range(width + 1):
            inside = 1 <= i <= height and 1 <= j < width
            eh[i, j] = ah[i - 1, j - 1] if inside else 0.0
        if i <= height:
            for j in range(width + 2):
                inside = 1 <= i < height and 1 <= j <= width
                ev[i, j] = av[i - 1, j - 1] if inside else 0.0


@numba.njit(cache=True, nogil=True, inline="always")
def _stencil(eh, ev, p, k, i, j):
    """``(Lap_a p)`` at padded pixel ``(i, j)`` of plane ``k`` (branch-free)."""
    centre = p[k, i, j]
    return (
        eh[i, j - 1] * (centre - p[k, i, j - 1])
        + eh[i, j] * (centre - p[k, i, j + 1])
        + ev[i - 1, j] * (centre - p[k, i - 1, j])
        + ev[i, j] * (centre - p[k, i + 1, j])
    )


@_serial_and_parallel()
def _start(w, eh, ev, lam, b, x, inv_diag, res, p, partial):
    """Diagonal, ``r = b - A x`` and ``p = r / diag``; ``r . p`` per row and plane.

    Padded planes (see :func:`_padded_edges`); borders of ``res`` and ``p``
    are set to zero. ``partial[i]`` receives row ``i``'s share of the dot
    products, summed by the caller in a fixed order, so that the result does
    not depend on how the rows were shared out between threads.
    """
    height, width = w.shape
    for i in numba.prange(height + 2):
        partial[i, 0] = 0.0
        partial[i, 1] = 0.0
        for j in range(width + 2):
            if i == 0 or i == height + 1 or j == 0 or j == width + 1:
                for k in range(2):
                    res[k, i, j] = 0.0
                    p[k, i, j] = 0.0
                continue
            wij = w[i - 1, j - 1]
            degree = eh[i, j - 1] + eh[i, j] + ev[i - 1, j] + ev[i, j]
            inv = 1.0 / (wij + lam * degree)
            inv_diag[i, j] = inv
            a0 = wij * x[0, i, j] + lam * _stencil(eh, ev, x, 0, i, j)
            a1 = wij * x[1, i, j] + lam * _stencil(eh, ev, x, 1, i, j)
            r0 = b[0, i - 1, j - 1] - a0
            r1 = b[1, i - 1, j - 1] - a1
            res[0, i, j] = r0
            res[1, i, j] = r1
            p[0, i, j] = r0 * inv
            p[1, i, j] = r1 * inv
            partial[i, 0] += r0 * r0 * inv
            partial[i, 1] += r1 * r1 * inv


@_serial_and_parallel()
def _norms(b, inv_diag, partial):
    """``b . b / diag`` per row and plane (``b`` unpadded, ``inv_diag`` padded)."""
    height, width = b.shape[1], b.shape[2]
    for i in numba.prange(height):
        s0 = 0.0
        s1 = 0.0
        for j in range(width):
            s0 += b[0, i, j] * b[0, i, j] * inv_diag[i + 1, j + 1]
            s1 += b[1, i, j] * b[1, i, j] * inv_diag[i + 1, j + 1]
        partial[i, 0] = s0
        partial[i, 1] = s1


@_serial_and_parallel()
def _product(w, eh, ev, lam, p, out, partial):
    """``out = A p`` (interior); ``p . A p`` per row and plane."""
    height, width = w.shape
    for i in numba.prange(1, height + 1):
        s0 = 0.0
        s1 = 0.0
        for j in range(1, width + 1):
            wij = w[i - 1, j - 1]
            a0 = wij * p[0, i, j] + lam * _stencil(eh, ev, p, 0, i, j)
            a1 = wij * p[1, i, j] + lam * _stencil(eh, ev, p, 1, i, j)
            out[0, i, j] = a0
            out[1, i, j] = a1
            s0 += p[0, i, j] * a0
            s1 += p[1, i, j] * a1
        partial[i, 0] = s0
        partial[i, 1] = s1


@_serial_and_parallel()
def _step(x, res, p, ap, alpha0, alpha1, inv_diag, partial):
    """``x += alpha p``, ``r -= alpha A p`` (interior); ``r . r / diag`` per row."""
    height, width = inv_diag.shape[0] - 2, inv_diag.shape[1] - 2
    for i in numba.prange(1, height + 1):
        s0 = 0.0
        s1 = 0.0
        for j in range(1, width + 1):
            x[0, i, j] += alpha0 * p[0, i, j]
            x[1, i, j] += alpha1 * p[1, i, j]
            r0 = res[0, i, j] - alpha0 * ap[0, i, j]
            r1 = res[1, i, j] - alpha1 * ap[1, i, j]
            res[0, i, j] = r0
            res[1, i, j] = r1
            s0 += r0 * r0 * inv_diag[i, j]
            s1 += r1 * r1 * inv_diag[i, j]
        partial[i, 0] = s0
        partial[i, 1] = s1


@_serial_and_parallel()
def _direction(res, p, beta0, beta1, inv_diag):
    """``p = r / diag + beta p`` (interior)."""
    height, width = inv_diag.shape[0] - 2, inv_diag.shape[1] - 2
    for i in numba.prange(1, height + 1):
        for j in range(1, width + 1):
            p[0, i, j] = res[0, i, j] * inv_diag[i, j] + beta0 * p[0, i, j]
            p[1, i, j] = res[1, i, j] * inv_diag[i, j] + beta1 * p[1, i, j]


def conjugate_gradients(w, ah, av, lam, b, x, max_iter, tol, parallel=True):
    """Jacobi-preconditioned conjugate gradients on ``(W + lam Lap_a) x = b``.

    Both planes of ``x`` (the starting point on entry, the solution on exit)
    are iterated together, each with its own step sizes, until the
    preconditioned residual norm of each falls below ``tol`` times its
    value for ``x = 0`` (that of ``b``), or for ``max_iter`` iterations.
    Returns the iterations run.

    The iteration runs on copies with a one-pixel border of zero edge
    weight, so the stencil needs no test for the image's edges. This loop
    is Python: each step is one compiled loop over the image (``parallel``
    chooses the kernels), and the calls cost microseconds. Dot products are
    summed row by row, then over the rows in a fixed order: the result is
    the same whatever the number of threads.
    """
    height, width = w.shape
    dtype = x.dtype
    eh = np.empty((height + 2, width + 1), dtype=dtype)
    ev = np.empty((height + 1, width + 2), dtype=dtype)
    _padded_edges(parallel)(ah, av, eh, ev)
    xp = np.zeros((2, height + 2, width + 2), dtype=dtype)
    xp[:, 1 : height + 1, 1 : width + 1] = x
    inv_diag = np.ones((height + 2, width + 2), dtype=dtype)
    res = np.empty_like(xp)
    p = np.empty_like(xp)
    ap = np.zeros_like(xp)
    product, step, direction = _product(parallel), _step(parallel), _direction(parallel)
    partial = np.zeros((height + 2, 2))
    _start(parallel)(w, eh, ev, lam, b, xp, inv_diag, res, p, partial)
    rz0, rz1 = partial.sum(axis=0)
    partial[:] = 0.0
    _norms(parallel)(b, inv_diag, partial)
    bb0, bb1 = partial.sum(axis=0)
    stop0 = bb0 * tol * tol
    stop1 = bb1 * tol * tol
    iterations = max_iter
    for it in range(max_iter):
        if rz0 <= stop0 and rz1 <= stop1:
            iterations = it
            break
        partial[:] = 0.0
        product(w, eh, ev, lam, p, ap, partial)
        pap0, pap1 = partial.sum(axis=0)
        alpha0 = rz0 / pap0 if pap0 > 0 else 0.0
        alpha1 = rz1 / pap1 if pap1 > 0 else 0.0
        partial[:] = 0.0
        step(xp, res, p, ap, alpha0, alpha1, inv_diag, partial)
        new0, new1 = partial.sum(axis=0)
        beta0 = new0 / rz0 if rz0 > 0 else 0.0
        beta1 = new1 / rz1 if rz1 > 0 else 0.0
        rz0, rz1 = new0, new1
        direction(res, p, beta0, beta1, inv_diag)
    x[:] = xp[:, 1 : height + 1, 1 : width + 1]
    return iterations
