"""Square patches around pixels of 2-D images: :class:`PatchExtractor`."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_scalar

from . import _patch_kernels
from ._parallel import bounded_in_dask_workers

__all__ = ["PatchExtractor"]

_PADDINGS = ("reflect", "symmetric", "edge", "constant", "wrap", "valid")

# Dense outputs with fewer values than this are written by one thread: waking
# the worker threads costs more than the copy (measured in benchmarks/).
_SERIAL_MAX_VALUES = 1 << 23


def _as_image_list(images):
    """A list of 2-D float arrays from a list or an (n, H, W) array."""
    if images is None:
        raise TypeError("images must be a list of 2-D arrays or an array, got None.")
    if isinstance(images, np.ndarray):
        if images.ndim != 3:
            raise ValueError(
                "images as an array must have shape (n_images, height, width), "
                f"got shape {images.shape}."
            )
        images = list(images)
    if len(images) == 0:
        raise ValueError("images must contain at least one image, got none.")
    out = []
    for index, image in enumerate(images):
        image = np.asarray(image)
        if image.ndim != 2:
            raise ValueError(
                f"images[{index}] must be a 2-D array (height, width), got shape "
                f"{image.shape}."
            )
        if image.dtype.kind not in "biuf":
            raise TypeError(
                f"images[{index}] has dtype {image.dtype}; expected a numeric array."
            )
        if image.dtype.kind == "f" and not np.all(np.isfinite(image)):
            raise ValueError(f"images[{index}] contains NaN or infinity.")
        out.append(image)
    return out


def _scales(value, name):
    """A context or texture option as a tuple of scales (empty for None)."""
    if value is None:
        return ()
    values = (value,) if isinstance(value, Integral) else value
    try:
        scales = tuple(values)
    except TypeError:
        raise TypeError(
            f"{name} must be None, an int >= 2 or a sequence of them, got {value!r}."
        ) from None
    if not scales or any(
        not isinstance(s, Integral) or isinstance(s, bool) or s < 2 for s in scales
    ):
        raise ValueError(
            f"{name} must be None, an int >= 2 or a non-empty sequence of ints "
            f">= 2, got {value!r}."
        )
    return tuple(int(s) for s in scales)


class PatchExtractor(TransformerMixin, BaseEstimator):
    """Feature rows of pixels of 2-D images: their patch, context, texture.

    The feature stage of :class:`~somcolor.ColorizerPipeline`: everything the
    classifier sees about a pixel is defined here, and computed by the same
    compiled code when training (at sampled pixels) and when colorizing (at
    every pixel). Each row holds, in this order:

    1. the ``patch_size x patch_size`` neighbourhood of the pixel, flattened
       row-major (the layout of
       :func:`sklearn.feature_extraction.image.extract_patches_2d`; the
       paper's features);
    2. per ``context`` scale ``s``, a coarser and wider view: the mean of the
       image over the ``s x s`` box around each of the 3x3 points ``s``
       pixels apart centred on the pixel (9 values, a ``3 s`` pixel wide
       neighbourhood; points are clamped to the image, boxes cut to it);
    3. per ``texture`` scale ``s``: the standard deviation of the image over
       the ``s x s`` box around the pixel (cut to the image);
    4. with ``position``: the pixel's row and column scaled to [0, 1].

    Rows are ordered image by image, and row-major within an image. Box
    features are exact box means (integral images), computed in float64.

    Two modes:

    * dense (``max_patches=None``): one row per pixel. Borders of the patch
      are padded with :func:`numpy.pad` in mode ``padding`` so every pixel
      gets a row; ``padding='valid'`` instead keeps only pixels whose patch
      fits inside the image (the paper's cropping), ``(H - p + 1) * (W - p +
      1)`` rows per image.
    * sampled (``max_patches`` set): that many distinct pixels per image,
      drawn with ``random_state``. :meth:`sample_positions` tells which pixel
      each row came from.

    The extractor is stateless: ``fit`` only validates the parameters.

    Parameters
    ----------
    patch_size : int, default=3
        Odd side of the square patch (1, 3, 5, 11, ...).
    padding : {'reflect', 'symmetric', 'edge', 'constant', 'wrap', 'valid'}, \
default='reflect'
        How the patch's borders are handled: a :func:`numpy.pad` mode, or
        'valid' to keep only pixels whose patch lies inside the image.
    max_patches : int, float or None, default=None
        None for dense extraction; an int for that many pixels per image
        (all of them where an image has fewer); a float in (0, 1] for that
        share of each image's pixels.
    dtype : data-type, default=np.float32
        Dtype of the feature rows.
    random_state : int, RandomState instance or None, default=None
        Draws the sampled pixels. Pass an int for reproducible output.
    context : int, sequence of int or None, default=None
        Scales (>= 2) of the context pyramid, 9 features each; for example
        ``(4, 8, 16, 32)`` sees up to 48 pixels away. None: no context.
    texture : int, sequence of int or None, default=None
        Box sides (>= 2) of the local standard deviation, one feature each.
        None: no texture features.
    position : bool, default=False
        Append the pixel's row and column scaled to [0, 1] (the paper's
        future work). Assumes images framed alike (sky at the top).

    See Also
    --------
    sklearn.feature_extraction.image.extract_patches_2d : patches of one
        image, without padding.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor import PatchExtractor
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> PatchExtractor(patch_size=3).transform([image]).shape
    (16, 9)
    >>> PatchExtractor(patch_size=3, padding="valid").transform([image]).shape
    (4, 9)
    >>> sampler = PatchExtractor(patch_size=3, max_patches=5, random_state=0)
    >>> patches = sampler.transform([image])
    >>> positions = sampler.sample_positions([image])
    >>> positions.shape  # (image index, row, column) of each patch row
    (5, 3)
    >>> bool((patches[:, 4] == image[positions[:, 1], positions[:, 2]]).all())
    True
    >>> wide = PatchExtractor(3, context=(2, 4), texture=3, position=True)
    >>> wide.transform([image]).shape  # 9 + 2 * 9 + 1 + 2 features
    (16, 30)
    >>> list(wide.get_feature_names_out()[[0, 9, 27, 28, 29]])
    ['patch_0_0', 'context2_0_0', 'std3', 'row', 'col']
    """

    def __init__(
        self,
        patch_size=3,
        *,
        padding="reflect",
        max_patches=None,
        dtype=np.float32,
        random_state=None,
        context=None,
        texture=None,
        position=False,
    ):
        self.patch_size = patch_size
        self.padding = padding
        self.max_patches = max_patches
        self.dtype = dtype
        self.random_state = random_state
        self.context = context
        self.texture = texture
        self.position = position

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _check_params(self):
        if (
            not isinstance(self.patch_size, Integral)
            or isinstance(self.patch_size, bool)
            or self.patch_size < 1
            or self.patch_size % 2 == 0
        ):
            raise ValueError(
                "patch_size must be a positive odd integer (1, 3, 5, ...), got "
                f"{self.patch_size!r}."
            )
        if self.padding not in _PADDINGS:
            raise ValueError(
                f"padding must be one of {_PADDINGS}, got {self.padding!r}."
            )
        if self.max_patches is not None:
            if isinstance(self.max_patches, Integral) and not isinstance(
                self.max_patches, bool
            ):
                check_scalar(self.max_patches, "max_patches", Integral, min_val=1)
            else:
                check_scalar(
                    self.max_patches,
                    "max_patches",
                    Real,
                    min_val=0,
                    max_val=1,
                    include_boundaries="right",
                )
        np.dtype(self.dtype)
        _scales(self.context, "context")
        _scales(self.texture, "texture")
        if not isinstance(self.position, (bool, np.bool_)):
            raise TypeError(f"position must be True or False, got {self.position!r}.")

    def fit(self, X=None, y=None):
        """Validate the parameters; the extractor learns nothing.

        Parameters
        ----------
        X : ignored
        y : ignored

        Returns
        -------
        self : PatchExtractor
        """
        self._check_params()
        return self

    def get_feature_names_out(self, input_features=None):
        """Names of the features, in the order of the rows' columns.

        Parameters
        ----------
        input_features : ignored
            The features are computed from images, not from input columns.

        Returns
        -------
        names : ndarray of str
            ``patch_i_j``, ``context{s}_i_j`` (i, j in 0..2), ``std{s}``,
            ``row``, ``col``.
        """
        self._check_params()
        p = self.patch_size
        names = [f"patch_{i}_{j}" for i in range(p) for j in range(p)]
        for s in _scales(self.context, "context"):
            names += [f"context{s}_{i}_{j}" for i in range(3) for j in range(3)]
        names += [f"std{s}" for s in _scales(self.texture, "texture")]
        if self.position:
            names += ["row", "col"]
        return np.asarray(names, dtype=object)

    def _n_features(self):
        return (
            self.patch_size**2
            + 9 * len(_scales(self.context, "context"))
            + len(_scales(self.texture, "texture"))
            + 2 * bool(self.position)
        )

    def _spec(self):
        """The options as the kernels take them (see ``_patch_kernels``)."""
        return (
            int(self.patch_size),
            np.asarray(_scales(self.context, "context"), dtype=np.int64),
            np.asarray(_scales(self.texture, "texture"), dtype=np.int64),
            bool(self.position),
        )

    def _prepare(self, image, padding=None):
        """One image as the kernels take it: padded patch plane, integral images.

        ``padding`` overrides the extractor's (colorizing pads a 'valid'
        extractor's images by reflection so that every pixel gets a row).
        """
        padding = self.padding if padding is None else padding
        half = self.patch_size // 2
        plane = np.asarray(image).astype(self.dtype, copy=False)
        if padding == "valid":
            padded, offset = np.ascontiguousarray(plane), -half
        else:
            padded, offset = np.pad(plane, half, mode=padding), 0
        height, width = image.shape
        if self.context is None and self.texture is None:
            sums = np.zeros((2, 1, 1))
        else:
            sums = np.zeros((2, height + 1, width + 1))
            sums[0, 1:, 1:] = image
            np.square(sums[0], out=sums[1])
            np.cumsum(sums, axis=1, out=sums)
            np.cumsum(sums, axis=2, out=sums)
        return padded, offset, sums, height, width

    def _valid_extent(self, shape):
        """First valid row/col and the extent of the area patches may centre on."""
        half = self.patch_size // 2
        if self.padding == "valid":
            return half, shape[0] - 2 * half, shape[1] - 2 * half
        return 0, shape[0], shape[1]

    def n_patches(self, image_shape):
        """Number of rows :meth:`transform` gives for one image of that shape.

        Parameters
        ----------
        image_shape : tuple of int
            ``(height, width)``.

        Returns
        -------
        n : int
        """
        self._check_params()
        _, height, width = self._valid_extent(image_shape)
        n_valid = max(height, 0) * max(width, 0)
        if self.max_patches is None:
            return n_valid
        if isinstance(self.max_patches, Integral):
            return min(int(self.max_patches), n_valid)
        return int(round(self.max_patches * n_valid))

    def sample_positions(self, images, n_per_image=None, random_state=None):
        """Pixels drawn for sampled extraction, one row per patch.

        Parameters
        ----------
        images : list of 2-D ndarray or ndarray of shape (n, H, W)
            The images (only their shapes are used).
        n_per_image : int or None, default=None
            Pixels per image (at most the image's eligible pixels). None uses
            ``max_patches``; if that is None too, every eligible pixel is
            returned in row-major order.
        random_state : int, RandomState instance or None, default=None
            None uses the extractor's ``random_state``.

        Returns
        -------
        positions : ndarray of shape (n_patches, 3), dtype intp
            ``(image index, row, column)`` of each patch centre; with the
            same random state, :meth:`transform` returns the patches in this
            order.
        """
        self._check_params()
        images = _as_image_list(images)
        if n_per_image is not None:
            check_scalar(n_per_image, "n_per_image", Integral, min_val=1)
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        blocks = []
        for index, image in enumerate(images):
            offset, height, width = self._valid_extent(image.shape)
            if height <= 0 or width <= 0:
                raise ValueError(
                    f"images[{index}] of shape {image.shape} is smaller than a "
                    f"{self.patch_size}x{self.patch_size} patch, which "
                    "padding='valid' needs."
                )
            n_valid = height * width
            if n_per_image is None and self.max_patches is None:
                flat = np.arange(n_valid)
            else:
                n = (
                    n_per_image
                    if n_per_image is not None
                    else self.n_patches(image.shape)
                )
                flat = rng.choice(n_valid, size=min(n, n_valid), replace=False)
            rows, cols = np.divmod(flat, width)
            blocks.append(
                np.column_stack(
                    [np.full(len(flat), index), rows + offset, cols + offset]
                ).astype(np.intp)
            )
        return np.concatenate(blocks)

    def extract_at(self, images, positions):
        """Feature rows of the given pixels.

        Parameters
        ----------
        images : list of 2-D ndarray or ndarray of shape (n, H, W)
        positions : array-like of shape (n_patches, 3)
            ``(image index, row, column)`` of each pixel, as returned by
            :meth:`sample_positions`.

        Returns
        -------
        rows : ndarray of shape (n_patches, n_features)
        """
        self._check_params()
        images = _as_image_list(images)
        positions = np.asarray(positions)
        if positions.ndim != 2 or positions.shape[1] != 3:
            raise ValueError(
                f"positions must have shape (n_patches, 3), got {positions.shape}."
            )
        if positions.size and (
            positions[:, 0].min() < 0 or positions[:, 0].max() >= len(images)
        ):
            raise ValueError(
                f"positions refer to image indices outside 0..{len(images) - 1}."
            )
        p = self.patch_size
        spec = self._spec()
        out = np.empty((len(positions), self._n_features()), dtype=self.dtype)
        order = np.argsort(positions[:, 0], kind="stable")
        bounds = np.searchsorted(positions[order, 0], np.arange(len(images) + 1))
        for index, image in enumerate(images):
            rows_idx = order[bounds[index] : bounds[index + 1]]
            if len(rows_idx) == 0:
                continue
            rows = positions[rows_idx, 1]
            cols = positions[rows_idx, 2]
            offset, height, width = self._valid_extent(image.shape)
            if (
                rows.min() < offset
                or cols.min() < offset
                or rows.max() >= offset + height
                or cols.max() >= offset + width
            ):
                raise ValueError(
                    f"positions for images[{index}] fall outside the pixels "
                    f"whose {p}x{p} patch is available."
                )
            block = np.empty((len(rows_idx), out.shape[1]), dtype=self.dtype)
            _patch_kernels.sampled_rows(self._prepare(image), spec, rows, cols, block)
            out[rows_idx] = block
        return out

    @bounded_in_dask_workers
    def transform(self, images):
        """Feature rows of the images: dense, or sampled if ``max_patches`` is set.

        Parameters
        ----------
        images : list of 2-D ndarray or ndarray of shape (n, H, W)
            Images of any sizes.

        Returns
        -------
        rows : ndarray of shape (n_patches, n_features)
            In ``dtype``. Dense: rows image by image, row-major within each
            image. Sampled: in the order of :meth:`sample_positions`.
        """
        self._check_params()
        images = _as_image_list(images)
        if self.max_patches is not None:
            return self.extract_at(images, self.sample_positions(images))
        p = self.patch_size
        spec = self._spec()
        counts = [self.n_patches(image.shape) for image in images]
        n_features = self._n_features()
        out = np.empty((sum(counts), n_features), dtype=self.dtype)
        start = 0
        for index, (image, count) in enumerate(zip(images, counts)):
            if count == 0:
                if self.padding == "valid":
                    raise ValueError(
                        f"images[{index}] of shape {image.shape} is smaller than "
                        f"a {p}x{p} patch, which padding='valid' needs."
                    )
                continue
            offset, height, width = self._valid_extent(image.shape)
            kernel = (
                _patch_kernels.dense_rows_serial
                if count * n_features < _SERIAL_MAX_VALUES
                else _patch_kernels.dense_rows
            )
            kernel(
                self._prepare(image),
                spec,
                offset,
                offset + height,
                offset,
                offset + width,
                out[start : start + count],
            )
            start += count
        return out
