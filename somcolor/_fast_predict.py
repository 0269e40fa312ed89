"""The compiled colorizing path of :class:`~somcolor.ColorizerPipeline`.

The reference path (``ColorizerPipeline`` with this module disabled) is the
straightforward composition: the dense feature matrix of every pixel from
:meth:`PatchExtractor.transform <somcolor.PatchExtractor.transform>`,
``MLPClassifier.predict`` or ``predict_proba`` on it in chunks, decoding in
NumPy, :func:`somcolor.color.luv_to_rgb` per pixel. This module gives the
same output, for every configuration the pipeline offers, with a fitted
``MLPClassifier`` (any activation and depth) and a
:class:`~somcolor.PatchExtractor` (any options): one parallel kernel,
:func:`somcolor._colorize_kernels.colorize_tiles`, runs features, network,
decoding and colour conversion per tile of pixels, so no full-image
intermediate is larger than the output:

* the lightness of 8-bit grey images (and of float images whose values are
  exactly ``k / 255``) comes from a 256-entry table; that of other float
  images is computed once per pixel, on every core;
* the feature rows are written by the same compiled function that cuts the
  training rows;
* the network runs in the dtype the reference uses (float32 for the default
  extractor), one BLAS thread per numba thread;
* with ``predict_scale='training'``, a large image's lightness is shrunk
  (area averaging, as in the reference), the chroma map is computed at that
  scale, then enlarged bilinearly and joined with the full-size lightness
  by :func:`~somcolor._colorize_kernels.enlarge_to_rgb`.

Classes agree with the reference except where two output scores are so close
that summation order decides: the reference multiplies with NumPy's BLAS on
the whole matrix, the kernel with SciPy's BLAS (which numba calls) on a
tile, and the two builds may pick kernels that sum the same products in
different orders. The tests check equality wherever the top-two score
margin exceeds a stated epsilon, and RGB within 1/255 elsewhere.
"""

import contextlib

import numba
import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._base import ACTIVATIONS

from . import _colorize_kernels, _options, steering
from ._images import (
    _image_list,
    _to_unit_float,
    check_images,
    images_like,
    row_bands,
)
from ._parallel import one_blas_thread
from .color import conversion_constants, grey_to_lightness, luv_to_rgb
from .patches import PatchExtractor

__all__ = ["applicable", "disabled", "predict", "predict_labels"]

#: Pixels per tile: bounds the hidden activations' memory (about
#: ``tile * n_hidden * 4`` bytes per layer) and keeps them in cache.
TILE_PIXELS = 256

# Parameters of ColorizerPipeline this path knows. Another parameter (added
# later, or by a subclass) turns the fast path off until it is handled here,
# so the reference path is used whenever in doubt.
_KNOWN_PARAMS = {
    "quantizer",
    "extractor",
    "classifier",
    "pixels_per_image",
    "random_state",
    "n_jobs",
    "verbose",
    "decoding",
    "temperature",
    "rebalance",
    "predict_scale",
    "max_training_size",
    "refine",
    "fade",
    "smoothness",
}

_enabled = True


@contextlib.contextmanager
def disabled():
    """Context in which :class:`~somcolor.ColorizerPipeline` uses the reference.

    For tests and benchmarks that compare the two paths. Not thread-safe.
    """
    global _enabled
    previous, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = previous


def applicable(model):
    """Whether this path computes fitted ``model``'s output.

    True for a fitted ``MLPClassifier`` (any activation and depth, one
    output per class or one logistic output) on the rows of a
    :class:`~somcolor.PatchExtractor` (any options), with any decoding and
    ``predict_scale``. Anything else (another classifier, a subclass, an
    unknown pipeline parameter) uses the reference path.
    """
    if not _enabled:
        return False
    if set(model.get_params(deep=False)) - _KNOWN_PARAMS:
        return False
    extractor = getattr(model, "extractor_", None)
    classifier = getattr(model, "classifier_", None)
    if type(extractor) is not PatchExtractor or type(classifier) is not MLPClassifier:
        return False
    if np.dtype(extractor.dtype) not in (np.float32, np.float64):
        return False
    if getattr(classifier, "n_features_in_", None) != extractor._n_features():
        return False
    if classifier.activation not in ACTIVATIONS:
        return False
    if classifier.out_activation_ not in ("softmax", "logistic"):
        return False
    if classifier.out_activation_ == "logistic" and classifier.n_outputs_ != 1:
        return False  # multi-label
    return len(classifier.coefs_) >= 1


def _grey_inputs(grey_images):
    """Images as (uint8 grey levels or None, float64 grey or None), stacked.

    uint8 images are kept as they are (no float copy). Anything else goes
    through the reference validation; float images whose values are exactly
    ``k / 255`` are turned into their levels ``k``, which gives the same
    lightness as the float values.
    """
    images, stacked = _image_list(grey_images, "grey_images", 2)
    if (
        images
        and all(
            image.dtype == np.uint8 and image.ndim == 2 and image.size
            for image in images
        )
        and (not stacked or grey_images.ndim == 3)
    ):
        return [(image, None) for image in images], stacked
    checked, stacked = check_images(
        grey_images, color=False, name="grey_images", convert=False
    )
    out = []
    for image in checked:
        if image.dtype == np.uint8:
            out.append((image, None))
            continue
        # Read only here: a float64 image is not copied.
        if image.dtype.kind == "f":
            grey = np.ascontiguousarray(image, dtype=np.float64)
        else:
            grey = _to_unit_float(image)
        codes = _levels_if_exact(grey)
        out.append((codes, None) if codes is not None else (None, grey))
    return out, stacked


def _levels_if_exact(grey):
    """The levels ``k`` (uint8) of a float grey image whose every value is
    exactly ``k / 255``, or None; a band of rows at a time (no temporary the
    size of a large image)."""
    codes = np.empty(grey.shape, dtype=np.uint8)
    for rows in row_bands(grey.shape):
        band = np.rint(grey[rows] * 255.0)
        if not np.array_equal(band / 255.0, grey[rows]):
            return None
        codes[rows] = band
    return codes


def _flush_tiny(weights):
    """Weights below ``tiny * 2**24`` in magnitude, set to zero.

    Long training drives the weights of dead units towards zero (down to
    1e-37 in float32 after fitting on Open Country), and their products with
    activations are then subnormal numbers, which x86 CPUs process tens of
    times slower (the reference path, BLAS on float32, slows down the same
    way). Each product dropped is below ``tiny * 2**24 * |x|`` (2e-31 |x| in
    float32): it changes no score by more than about 1e-28 times the largest
    activation, so the class can only change at a tie far inside the
    near-tie margin the tests allow.
    """
    weights = weights.copy()
    weights[np.abs(weights) < np.finfo(weights.dtype).tiny * 2.0**24] = 0
    return weights


# L of the 256 grey levels, as the reference computes it from floats, and
# the features' L / 100.
_LIGHTNESS_TABLE = grey_to_lightness(np.arange(256, dtype=np.float64) / 255.0)
_SCALED_TABLE = _LIGHTNESS_TABLE / 100.0
# Empty stand-ins for the outputs and sources a call does not use.
_NO_CODES = np.zeros((0, 0), dtype=np.uint8)
_NO_SCALED = np.zeros((0, 0))
_NO_LABELS = np.zeros((0, 0), dtype=np.intp)
_NO_UV = np.zeros((0, 0, 2))
_NO_RGB = np.zeros((0, 0, 3))


class _Model:
    """What the kernels need of a fitted pipeline, built once per call."""

    def __init__(self, model, tile_pixels=TILE_PIXELS):
        clf = model.classifier_
        self.tile_pixels = int(tile_pixels)
        self.extractor = model.extractor_
        self.padding = "reflect" if self.extractor.padding == "valid" else None
        self.spec = self.extractor._spec()
        dtype = np.result_type(self.extractor.dtype, clf.coefs_[0].dtype)
        self.network = (
            _flush_tiny(
                np.concatenate([np.ravel(w).astype(dtype) for w in clf.coefs_])
            ),
            np.concatenate([np.ravel(b).astype(dtype) for b in clf.intercepts_]),
            np.array(
                [clf.coefs_[0].shape[0]] + [w.shape[1] for w in clf.coefs_],
                dtype=np.intp,
            ),
            _colorize_kernels.ACTIVATION_CODES[clf.activation],
        )
        self.classes = np.asarray(clf.classes_, dtype=np.intp)
        soft = model.decoding == "soft"
        colours = np.ascontiguousarray(model.codebook_[self.classes], dtype=np.float64)
        self.decoder = (colours, soft, 1.0 / float(model.temperature))
        self.conversion = conversion_constants()
        self.model = model
        self._rgb_table = None

    def run(self, scaled, mode, source=None, out=None):
        """Run the kernel on an image of L / 100; return ``out``.

        ``mode`` is ``LABELS`` (a new map of output indices), ``CHROMA`` (a
        new (U, V) map) or ``RGB`` (into ``out``, with each pixel's L from
        ``source``).
        """
        outputs = [_NO_LABELS, _NO_UV, _NO_RGB]
        if mode == _colorize_kernels.LABELS:
            out = np.empty(scaled.shape, dtype=np.intp)
        elif mode == _colorize_kernels.CHROMA:
            out = np.empty(scaled.shape + (2,))
        outputs[mode] = out
        image = self.extractor._prepare(scaled, padding=self.padding)
        # Chunks of tiles are handed out one at a time (dynamic scheduling):
        # a thread slowed by another process on its core takes fewer.
        with one_blas_thread(), numba.parallel_chunksize(1):
            _colorize_kernels.colorize_tiles(
                image,
                self.spec,
                self.network,
                self.decoder,
                self.conversion,
                _NO_SOURCE if source is None else source,
                mode,
                self.tile_pixels,
                *outputs,
            )
        return out

    def rgb_table(self):
        """sRGB of every (grey level, output class) pair, by the reference.

        For 8-bit input with argmax decoding: 256 lightness values times the
        codebook colours, converted once per call with
        :func:`~somcolor.color.luv_to_rgb`.
        """
        if self._rgb_table is None:
            colours = self.decoder[0]
            lightness = np.repeat(_LIGHTNESS_TABLE[:, None], len(colours), axis=1)
            chroma = np.broadcast_to(colours, (256,) + colours.shape)
            self._rgb_table = np.ascontiguousarray(luv_to_rgb(lightness, chroma))
        return self._rgb_table

    def rgb(self, codes, grey):
        """Colour image of one grey input (8-bit codes or float grey)."""
        scaled = _scaled_lightness(codes, grey)
        out = np.empty(scaled.shape + (3,))
        small = _options.training_scale_shape(self.model, scaled.shape)
        if small is None:
            use_table = codes is not None and not self.decoder[1]
            source = _source(codes, scaled, self.rgb_table() if use_table else None)
            return self.run(scaled, _colorize_kernels.RGB, source, out)
        source = _source(codes, scaled)
        scaled = _options.shrink(scaled, small)
        uv = self.run(scaled, _colorize_kernels.CHROMA)
        with numba.parallel_chunksize(16):
            _colorize_kernels.enlarge_to_rgb(uv, self.conversion, source, out)
        return out

    def steered_rgb(self, codes, grey, hint, previous=None, steadiness=0.0):
        """Colour image of one grey input, steered by hints or refined.

        The model's chroma and uncertainty at its working scale
        (:func:`~somcolor._colorize_kernels.steer_tiles`), adapted to the
        hints, through the solver (:func:`somcolor.steering.steered_chroma`;
        ``previous`` and ``steadiness`` for a film's frames), then joined
        with the full-size lightness. Returns the image and its
        :class:`~somcolor.steering.Carry` for the next frame.
        """
        scaled = _scaled_lightness(codes, grey)
        small = _options.training_scale_shape(self.model, scaled.shape)
        work = scaled if small is None else _options.shrink(scaled, small)
        chroma = steering.steered_chroma(
            100.0 * work,
            hint,
            _Steering(self, work),
            fade=float(self.model.fade),
            smoothness=float(self.model.smoothness),
            previous=previous,
            steadiness=steadiness,
        )
        out = np.empty(scaled.shape + (3,))
        with numba.parallel_chunksize(16):
            _colorize_kernels.enlarge_to_rgb(
                np.ascontiguousarray(chroma),
                self.conversion,
                _source(codes, scaled),
                out,
            )
        rgb = steering.paste(out, 100.0 * scaled, hint)
        return rgb, steering.Carry(100.0 * work, chroma)


class _Steering:
    """The compiled model's outputs for :func:`somcolor.steering.steered_chroma`."""

    def __init__(self, compiled, scaled):
        self.compiled = compiled
        self.scaled = scaled
        self.colours = compiled.decoder[0]

    def at(self, rows, cols):
        model = self.compiled.model
        positions = np.column_stack([np.zeros_like(rows), rows, cols])
        features = model._dense_extractor().extract_at([self.scaled], positions)
        scores, hidden = steering.forward(model.classifier_, features)
        _, soft, inv_t = self.compiled.decoder
        return steering.decoding_weights(scores, soft, 1.0 / inv_t), hidden

    def everywhere(self, colours, head):
        compiled = self.compiled
        _, soft, inv_t = compiled.decoder
        chroma = np.empty(self.scaled.shape + (2,))
        uncertainty = np.empty(self.scaled.shape)
        image = compiled.extractor._prepare(self.scaled, padding=compiled.padding)
        decoder = (
            np.ascontiguousarray(colours, dtype=np.float64),
            soft,
            inv_t,
            np.ascontiguousarray(head, dtype=np.float64),
        )
        with one_blas_thread(), numba.parallel_chunksize(1):
            _colorize_kernels.steer_tiles(
                image,
                compiled.spec,
                compiled.network,
                decoder,
                compiled.tile_pixels,
                chroma,
                uncertainty,
            )
        return chroma, uncertainty


def _scaled_lightness(codes, grey):
    """L / 100 of one grey input, as the reference computes it."""
    if codes is not None:
        return _SCALED_TABLE[codes]
    scaled = np.empty(grey.shape)
    with numba.parallel_chunksize(16):
        _colorize_kernels.scaled_lightness(grey, scaled)
    return scaled


def _source(codes, scaled, rgb_table=None):
    """The kernels' lightness source for one image (see ``colorize_tiles``)."""
    rgb_table = _NO_TABLE if rgb_table is None else rgb_table
    if codes is not None:
        return (codes, _LIGHTNESS_TABLE, _NO_SCALED, True, rgb_table)
    return (_NO_CODES, _LIGHTNESS_TABLE, scaled, False, rgb_table)


_NO_TABLE = np.zeros((0, 0, 3))
_NO_SOURCE = (_NO_CODES, _LIGHTNESS_TABLE, _NO_SCALED, True, _NO_TABLE)


def predict_labels(model, grey_images, tile_pixels=TILE_PIXELS):
    """Class map of every image, as ``ColorizerPipeline.predict_labels``."""
    inputs, stacked = _grey_inputs(grey_images)
    compiled = _Model(model, tile_pixels)
    maps = []
    for codes, grey in inputs:
        index = compiled.run(_scaled_lightness(codes, grey), _colorize_kernels.LABELS)
        maps.append(compiled.classes[index])
    return images_like(maps, stacked)


def predict(model, grey_images, tile_pixels=TILE_PIXELS, hints=None):
    """RGB images, as ``ColorizerPipeline.predict`` (reference) gives them.

    ``hints``: None, or one :class:`~somcolor.steering.Hint` (or None) per
    image, already checked.
    """
    inputs, stacked = _grey_inputs(grey_images)
    compiled = _Model(model, tile_pixels)
    hints = [None] * len(inputs) if hints is None else hints
    out = [
        compiled.steered_rgb(codes, grey, hint)[0]
        if hint is not None or model.refine
        else compiled.rgb(codes, grey)
        for (codes, grey), hint in zip(inputs, hints)
    ]
    return images_like(out, stacked)
