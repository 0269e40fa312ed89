"""The colorizing kernel's network alone, for the benchmarks' speed bound.

:func:`network_on_tiles` runs :func:`somcolor._colorize_kernels._scores`
(the MLP exactly as the colorizing kernel runs it: BLAS on a tile of rows)
over tiles of given rows on every numba thread, with no features, no
decoding and no colour conversion: what the compiled path's matrix products
allow at its tile size.
"""

import numba

from somcolor._colorize_kernels import _scores


@numba.njit(parallel=True, cache=True, nogil=True)
def network_on_tiles(rows, network, tile):
    """Scores of ``rows`` tile by tile; returns their sum (kept live)."""
    n_tiles = rows.shape[0] // tile
    total = 0.0
    for k in numba.prange(n_tiles):
        z = _scores(rows[k * tile : (k + 1) * tile], network)
        total += z[0, 0]
    return total


def run(model, rows, tile):
    """The network of a fitted pipeline's compiled path on ``rows``."""
    from somcolor._fast_predict import _Model
    from somcolor._parallel import one_blas_thread

    network = _Model(model).network
    with one_blas_thread(), numba.parallel_chunksize(1):
        return network_on_tiles(rows.astype(network[0].dtype), network, tile)
