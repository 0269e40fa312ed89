"""Self-Organizing Map vector quantizer: :class:`SOMQuantizer`."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_scalar, validate_data

from . import _som_kernels
from ._parallel import bounded_in_dask_workers

__all__ = ["SOMQuantizer", "best_matching_units"]


def best_matching_units(X, codebook, *, return_distances=False):
    """Index of the nearest codebook vector (best-matching unit) of each row.

    A thin, validated wrapper around the compiled, parallel kernel that
    :class:`SOMQuantizer` uses. Distances are plain Euclidean, computed in the
    dtype of ``X`` (float32 or float64); a tie goes to the lowest index.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Samples; converted to float64 unless already float32.
    codebook : array-like of shape (n_units, n_features)
        The units.
    return_distances : bool, default=False
        Also return the Euclidean distance of each sample to its unit.

    Returns
    -------
    labels : ndarray of shape (n_samples,), dtype intp
    distances : ndarray of shape (n_samples,)
        Only when ``return_distances`` is true.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.som import best_matching_units
    >>> best_matching_units([[0.1, 0.0], [2.0, 2.1]], [[0, 0], [2, 2]])
    array([0, 1])
    """
    X = np.asarray(X)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    X = np.ascontiguousarray(X, dtype=dtype)
    codebook = np.ascontiguousarray(codebook, dtype=dtype)
    if X.ndim != 2 or codebook.ndim != 2 or X.shape[1] != codebook.shape[1]:
        raise ValueError(
            "X and codebook must be 2-D with the same number of columns, got "
            f"shapes {X.shape} and {codebook.shape}."
        )
    if codebook.shape[0] == 0:
        raise ValueError("codebook must have at least one unit (row).")
    labels = np.empty(X.shape[0], dtype=np.intp)
    sq_dist = np.empty(X.shape[0], dtype=dtype)
    _som_kernels.bmu_search(X, codebook, labels, sq_dist)
    if return_distances:
        return labels, np.sqrt(sq_dist)
    return labels


def _grid_positions(n_rows, n_cols):
    """(row, col) of every unit, units numbered row-major."""
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    return np.column_stack([rows, cols]).astype(np.float64)


class SOMQuantizer(
    ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin, BaseEstimator
):
    """Vector quantization with a batch Self-Organizing Map.

    A rectangular ``n_rows`` x ``n_cols`` map of units is trained with
    Kohonen's batch map: in each epoch every sample is assigned to its
    best-matching unit (BMU), and every unit moves to the mean of the samples
    assigned to it and to its neighbours on the grid, weighted by a Gaussian
    neighbourhood whose radius shrinks geometrically from ``sigma_start`` to
    ``sigma_end`` over the first half of the epochs, then stays there. With a
    small final radius the last epochs are k-means steps, so the map ends
    both ordered (neighbouring units hold similar vectors) and accurate (low
    quantization error).

    It works on any 2-D data; :class:`~somcolor.ColorizerPipeline` uses it on
    the (U, V) chroma of CIELUV pixels.

    Parameters
    ----------
    n_rows, n_cols : int, default=3
        Shape of the map; the codebook has ``n_rows * n_cols`` units,
        numbered row-major.
    n_epochs : int, default=150
        Most batch epochs. The radius shrinks over the first half; in the
        second half it stays at ``sigma_end`` and training stops early once
        no sample changes unit between two epochs.
    sigma_start : float or None, default=None
        Neighbourhood radius (in grid units) of the first epoch. None means
        ``max(n_rows, n_cols) / 2``, at least 1.
    sigma_end : float, default=0.2
        Final neighbourhood radius. At 0.2 a neighbour's weight is
        ``exp(-12.5)``, so the final epochs are k-means (Lloyd) steps that
        lower the quantization error while the order learnt earlier stays.
    max_samples : int or None, default=200_000
        Train on a random subset of this many samples when ``X`` has more
        (drawn once with ``random_state``); None trains on all. Epoch cost is
        proportional to it; 200,000 samples are plenty for a few hundred
        units. ``labels_`` and the errors are computed on all of ``X``.
    relocate_empty : bool, default=True
        In the final phase, move a unit that wins no sample onto the sample
        worst served by its unit (as k-means does with empty clusters), so
        that no codebook entry is wasted. False keeps a pure SOM, whose
        empty units interpolate between their neighbours (useful to draw the
        map's structure).
    init : {'pca', 'random'}, default='pca'
        'pca' spreads the units over the plane of the first two principal
        components (deterministic); 'random' starts from randomly drawn
        samples.
    random_state : int, RandomState instance or None, default=None
        Draws the training subset (``max_samples``) and the random initial
        units (``init='random'``). Pass an int for reproducible output.

    Attributes
    ----------
    codebook_ : ndarray of shape (n_rows * n_cols, n_features)
        The units, in the dtype of the training data (float32 or float64).
    labels_ : ndarray of shape (n_samples,)
        BMU of each training sample under the final codebook.
    quantization_error_ : float
        Mean Euclidean distance from each training sample to its BMU.
    topographic_error_ : float
        Share of training samples whose two nearest units are not neighbours
        on the grid (8-neighbourhood); 0 for a single-unit map.
    n_iter_ : int
        Number of epochs run (at most ``n_epochs``).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.cluster.KMeans : vector quantization without a map topology.

    Notes
    -----
    T. Kohonen, "Essentials of the self-organizing map", Neural Networks 37
    (2013), section 6 (the batch map).

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor import SOMQuantizer
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 2))
    >>> som = SOMQuantizer(n_rows=2, n_cols=2, random_state=0).fit(X)
    >>> som.codebook_.shape
    (4, 2)
    >>> som.predict(X[:5]).shape
    (5,)
    >>> som.transform(X[:5]).shape
    (5, 4)
    """

    def __init__(
        self,
        n_rows=3,
        n_cols=3,
        *,
        n_epochs=150,
        sigma_start=None,
        sigma_end=0.2,
        max_samples=200_000,
        relocate_empty=True,
        init="pca",
        random_state=None,
    ):
        self.n_rows = n_rows
        self.n_cols = n_cols
        self.n_epochs = n_epochs
        self.sigma_start = sigma_start
        self.sigma_end = sigma_end
        self.max_samples = max_samples
        self.relocate_empty = relocate_empty
        self.init = init
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @property
    def _n_features_out(self):
        return self.codebook_.shape[0]

    def _check_params(self):
        check_scalar(self.n_rows, "n_rows", Integral, min_val=1)
        check_scalar(self.n_cols, "n_cols", Integral, min_val=1)
        check_scalar(self.n_epochs, "n_epochs", Integral, min_val=1)
        check_scalar(
            self.sigma_end, "sigma_end", Real, min_val=0, include_boundaries="neither"
        )
        if self.sigma_start is not None:
            check_scalar(
                self.sigma_start,
                "sigma_start",
                Real,
                min_val=0,
                include_boundaries="neither",
            )
        if self.max_samples is not None:
            check_scalar(self.max_samples, "max_samples", Integral, min_val=1)
        if self.init not in ("pca", "random"):
            raise ValueError(f"init must be 'pca' or 'random', got {self.init!r}.")

    def _sigmas(self):
        """Radius of each epoch: geometric decay over the first half, then flat."""
        start = self.sigma_start
        if start is None:
            start = max(1.0, max(self.n_rows, self.n_cols) / 2.0)
        n_decay = max(1, self.n_epochs // 2)
        decay = (
            np.geomspace(start, self.sigma_end, n_decay)
            if n_decay > 1
            else np.array([float(self.sigma_end)])
        )
        return np.concatenate(
            [decay, np.full(self.n_epochs - n_decay, float(self.sigma_end))]
        )

    def _init_codebook(self, X, rng):
        n_units = self.n_rows * self.n_cols
        if self.init == "random":
            idx = rng.choice(X.shape[0], n_units, replace=X.shape[0] < n_units)
            return X[idx].astype(np.float64)
        mean = X.mean(axis=0, dtype=np.float64)
        centred = X - mean
        cov = centred.T @ centred / max(X.shape[0] - 1, 1)
        eigval, eigvec = np.linalg.eigh(np.atleast_2d(cov).astype(np.float64))
        order = np.argsort(eigval)[::-1]
        eigval = np.clip(eigval[order], 0, None)
        eigvec = eigvec[:, order]
        # Deterministic signs: the largest component of each vector positive.
        signs = np.sign(eigvec[np.abs(eigvec).argmax(axis=0), np.arange(len(order))])
        eigvec *= np.where(signs == 0, 1, signs)
        axes = [np.zeros_like(mean), np.zeros_like(mean)]
        for k in range(min(2, len(order))):
            axes[k] = eigvec[:, k] * np.sqrt(eigval[k])
        # The longer side of the map follows the first principal component.
        long_axis, short_axis = axes
        row_axis, col_axis = (
            (long_axis, short_axis)
            if self.n_rows >= self.n_cols
            else (short_axis, long_axis)
        )
        grid = _grid_positions(self.n_rows, self.n_cols)
        row_t = np.linspace(-1, 1, self.n_rows)[grid[:, 0].astype(int)]
        col_t = np.linspace(-1, 1, self.n_cols)[grid[:, 1].astype(int)]
        return mean + row_t[:, None] * row_axis + col_t[:, None] * col_axis

    @bounded_in_dask_workers
    def fit(self, X, y=None):
        """Train the map on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, float32 or float64 (other types become float64).
        y : None
            Ignored.

        Returns
        -------
        self : SOMQuantizer
            The fitted quantizer.
        """
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], order="C", copy=False
        )
        self._check_params()
        rng = check_random_state(self.random_state)
        n_units = self.n_rows * self.n_cols
        grid = _grid_positions(self.n_rows, self.n_cols)
        grid_sq = ((grid[:, None, :] - grid[None, :, :]) ** 2).sum(axis=-1)

        train = X
        if self.max_samples is not None and X.shape[0] > self.max_samples:
            train = X[rng.choice(X.shape[0], self.max_samples, replace=False)]
        codebook = self._init_codebook(train, rng)
        labels = np.empty(train.shape[0], dtype=np.intp)
        previous = np.full(train.shape[0], -1, dtype=np.intp)
        sq_dist = np.empty(train.shape[0], dtype=X.dtype)
        sigmas = self._sigmas()
        n_iter = 0
        for sigma in sigmas:
            n_iter += 1
            _som_kernels.bmu_search(train, codebook.astype(X.dtype), labels, sq_dist)
            counts = np.bincount(labels, minlength=n_units).astype(np.float64)
            final_phase = sigma == sigmas[-1]
            if final_phase and self.relocate_empty:
                if self._relocate_empty_units(codebook, counts, train, sq_dist):
                    previous[:] = -1  # the codebook jumped: assign again
                    continue
            if final_phase and np.array_equal(labels, previous):
                break  # converged at the final radius: nothing moves any more
            previous[:] = labels
            sums = np.stack(
                [
                    np.bincount(labels, weights=train[:, j], minlength=n_units)
                    for j in range(X.shape[1])
                ],
                axis=1,
            )
            h = np.exp(-grid_sq / (2.0 * sigma * sigma))
            numerator = h @ sums
            denominator = h @ counts
            filled = denominator > 0
            codebook[filled] = numerator[filled] / denominator[filled, None]
        self.n_iter_ = n_iter

        labels = np.empty(X.shape[0], dtype=np.intp)
        sq_dist = np.empty(X.shape[0], dtype=X.dtype)
        self.codebook_ = codebook.astype(X.dtype)
        _som_kernels.bmu_search(X, self.codebook_, labels, sq_dist)
        self.labels_ = labels
        self.quantization_error_ = float(np.sqrt(sq_dist).mean())
        self.topographic_error_ = self._topographic_error(X)
        return self

    @staticmethod
    def _relocate_empty_units(codebook, counts, train, sq_dist):
        """Move units that won no sample onto the worst-quantized samples.

        As k-means implementations do with empty clusters; returns how many
        units moved (only onto samples at a non-zero distance from their
        unit, so duplicated data cannot make this loop).
        """
        empty = np.flatnonzero(counts == 0)
        if empty.size == 0:
            return 0
        worst = np.argsort(sq_dist, kind="stable")[::-1][: empty.size]
        worst = worst[sq_dist[worst] > 0]
        codebook[empty[: worst.size]] = train[worst]
        return worst.size

    def _topographic_error(self, X):
        if self.codebook_.shape[0] < 2:
            return 0.0
        first = np.empty(X.shape[0], dtype=np.intp)
        second = np.empty(X.shape[0], dtype=np.intp)
        _som_kernels.two_bmu_search(X, self.codebook_, first, second)
        r1, c1 = np.divmod(first, self.n_cols)
        r2, c2 = np.divmod(second, self.n_cols)
        adjacent = (np.abs(r1 - r2) <= 1) & (np.abs(c1 - c2) <= 1)
        return float(1.0 - adjacent.mean())

    def _validate_for_query(self, X):
        check_is_fitted(self)
        X = validate_data(
            self, X, dtype=[np.float64, np.float32], order="C", reset=False
        )
        return X, np.ascontiguousarray(self.codebook_, dtype=X.dtype)

    @bounded_in_dask_workers
    def predict(self, X):
        """Index of the best-matching unit of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype intp
            Row-major unit index (``row * n_cols + col``); ties go to the
            lowest index.
        """
        X, codebook = self._validate_for_query(X)
        return best_matching_units(X, codebook)

    @bounded_in_dask_workers
    def transform(self, X):
        """Euclidean distance from each sample to every unit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        distances : ndarray of shape (n_samples, n_rows * n_cols)
            In the dtype of ``X`` (float32 or float64).
        """
        X, codebook = self._validate_for_query(X)
        out = np.empty((X.shape[0], codebook.shape[0]), dtype=X.dtype)
        _som_kernels.unit_distances(X, codebook, out)
        return out

    @bounded_in_dask_workers
    def score(self, X, y=None):
        """Opposite of the mean distance from each sample to its BMU.

        Higher is better, as everywhere in scikit-learn.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mean(distance to BMU)``: the opposite of the quantization
            error of ``X``.
        """
        X, codebook = self._validate_for_query(X)
        _, distances = best_matching_units(X, codebook, return_distances=True)
        return -float(distances.mean())
