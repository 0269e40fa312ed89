"""Fast colorizing path of :class:`~somcolor.ColorizerPipeline`.

The reference path (``ColorizerPipeline.predict`` without this module) builds
the dense ``(n_pixels, p*p)`` patch matrix, calls ``MLPClassifier.predict``
on it in chunks, and converts every pixel with
:func:`somcolor.color.luv_to_rgb`. This module gives the same output faster,
with memory bounded by a tile, when it applies (see :func:`applicable`):

* an 8-bit grey image has 256 lightness values: the features come from a
  256-entry table, and the RGB of every (grey level, colour class) pair is
  computed once with the reference :func:`~somcolor.color.luv_to_rgb` and
  then looked up per pixel (so it equals the reference exactly). Float grey
  images whose values are exactly ``k / 255`` use the same tables; other
  float images go through :func:`~somcolor.color.luv_to_rgb` band by band;
* the MLP's first layer is a convolution of the padded lightness image,
  computed tile by tile by a numba kernel without the patch matrix; the
  other layers are the classifier's own matrix products and activations on
  the tile, in the dtype the reference uses (float32 for the default
  extractor).

Classes agree with the reference except where two output scores are so close
that summation order decides (the reference's BLAS and this path sum the same
products in different orders); the tests check equality wherever the
reference's top-two score margin exceeds a stated epsilon, and the
benchmarks report the share of differing pixels.
"""

import contextlib

import numpy as np
from sklearn.neural_network import MLPClassifier
from sklearn.neural_network._base import ACTIVATIONS
from threadpoolctl import ThreadpoolController

from . import _colorize_kernels
from ._images import _image_list, check_images, images_like
from .color import grey_to_lightness, luv_to_rgb
from .patches import PatchExtractor

__all__ = ["applicable", "disabled", "predict", "predict_labels"]

#: Pixels per tile of the MLP: bounds the hidden activations' memory (about
#: ``tile * n_hidden * 4`` bytes per layer) and keeps them in cache.
TILE_PIXELS = 256

#: Rows per band when float grey images are converted with ``luv_to_rgb``.
_BAND_PIXELS = 1 << 18

# Parameters of ColorizerPipeline this path knows. Another parameter (added
# later, e.g. a decoding option) turns the fast path off until it is checked
# here, so the reference path is used whenever in doubt.
_KNOWN_PARAMS = {
    "quantizer",
    "extractor",
    "classifier",
    "pixels_per_image",
    "random_state",
    "n_jobs",
    "verbose",
    # Options beyond the paper: the fast path applies at the values checked
    # in ``applicable`` (fit-only options such as ``rebalance`` at any value).
    "decoding",
    "temperature",
    "rebalance",
    "position_features",
    "context",
    "predict_scale",
}

_enabled = True
_controller = None


def _one_blas_thread():
    """Context with one BLAS thread per numba thread (no nested threading).

    The libraries are found once (``ThreadpoolController``): finding them
    scans the loaded shared objects, about 3 ms, which would double the
    time to colorize a 64x64 image if done per image.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


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
    """Whether the fast path gives the reference output for fitted ``model``.

    True only for the default decoding (argmax class, codebook chroma), a
    :class:`~somcolor.PatchExtractor` whose patches are the classifier's
    only features, and a fitted ``MLPClassifier`` (any of its activations)
    with one output per class or one logistic output.
    """
    if not _enabled:
        return False
    if set(model.get_params(deep=False)) - _KNOWN_PARAMS:
        return False
    if getattr(model, "decoding", "argmax") != "argmax":
        return False
    if getattr(model, "position_features", False) or getattr(model, "context", None):
        return False
    if getattr(model, "predict_scale", "input") != "input":
        return False
    extractor = getattr(model, "extractor_", None)
    classifier = getattr(model, "classifier_", None)
    if type(extractor) is not PatchExtractor or type(classifier) is not MLPClassifier:
        return False
    if np.dtype(extractor.dtype) not in (np.float32, np.float64):
        return False
    p = extractor.patch_size
    if getattr(classifier, "n_features_in_", None) != p * p:
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
    checked, stacked = check_images(grey_images, color=False, name="grey_images")
    out = []
    for grey in checked:
        codes = np.rint(grey * 255.0)
        if np.array_equal(codes / 255.0, grey):
            out.append((codes.astype(np.uint8), None))
        else:
            out.append((None, grey))
    return out, stacked


def _lightness_table():
    """L of the 256 grey levels, as the reference computes it from floats."""
    return grey_to_lightness(np.arange(256, dtype=np.float64) / 255.0)


def _padding(extractor):
    # The reference pads by reflection when the extractor crops ('valid').
    return "reflect" if extractor.padding == "valid" else extractor.padding


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


class _Network:
    """The fitted classifier's arrays, in the dtype the reference computes in."""

    def __init__(self, model):
        clf = model.classifier_
        self.feature_dtype = np.dtype(model.extractor_.dtype)
        self.dtype = np.result_type(self.feature_dtype, clf.coefs_[0].dtype)
        self.weights = _flush_tiny(
            np.concatenate([np.ravel(w).astype(self.dtype) for w in clf.coefs_])
        )
        self.biases = np.concatenate(
            [np.ravel(b).astype(self.dtype) for b in clf.intercepts_]
        )
        self.sizes = np.array(
            [clf.coefs_[0].shape[0]] + [w.shape[1] for w in clf.coefs_],
            dtype=np.intp,
        )
        self.activation = _colorize_kernels.ACTIVATION_CODES[clf.activation]
        self.classes = np.asarray(clf.classes_)
        self.patch_size = model.extractor_.patch_size
        self.padding = _padding(model.extractor_)

    def labels(self, padded, shape, tile_pixels=TILE_PIXELS):
        """Class of every pixel of an image of ``shape`` from its padded features."""
        label_dtype = np.uint8 if self.classes.max(initial=0) < 256 else np.intp
        out = np.empty(shape, dtype=label_dtype)
        with _one_blas_thread():
            _colorize_kernels.mlp_labels(
                padded,
                self.patch_size,
                self.weights,
                self.biases,
                self.sizes,
                self.activation,
                self.classes.astype(label_dtype),
                tile_pixels,
                out,
            )
        return out

    def padded_features(self, codes, grey):
        """The padded feature image ``L / 100`` in the reference's dtypes."""
        half = self.patch_size // 2
        if codes is not None:
            table = (_lightness_table() / 100.0).astype(self.feature_dtype)
            features = table[codes]
        else:
            features = (grey_to_lightness(grey) / 100.0).astype(self.feature_dtype)
        padded = np.pad(features, half, mode=self.padding)
        return np.ascontiguousarray(padded, dtype=self.dtype)


def _label_maps(model, grey_images, tile_pixels):
    inputs, stacked = _grey_inputs(grey_images)
    network = _Network(model)
    maps = []
    for codes, grey in inputs:
        shape = codes.shape if codes is not None else grey.shape
        padded = network.padded_features(codes, grey)
        maps.append(network.labels(padded, shape, tile_pixels))
        del padded
    return inputs, maps, stacked


def predict_labels(model, grey_images, tile_pixels=TILE_PIXELS):
    """Class map of every image, as ``ColorizerPipeline.predict_labels``."""
    _, maps, stacked = _label_maps(model, grey_images, tile_pixels)
    return images_like([m.astype(np.intp) for m in maps], stacked)


def predict(model, grey_images, tile_pixels=TILE_PIXELS):
    """RGB images, as ``ColorizerPipeline.predict`` (reference) gives them."""
    inputs, maps, stacked = _label_maps(model, grey_images, tile_pixels)
    codebook = np.asarray(model.codebook_, dtype=np.float64)
    table = None
    out = []
    for (codes, grey), labels in zip(inputs, maps):
        rgb = np.empty(labels.shape + (3,), dtype=np.float64)
        if codes is not None:
            if table is None:
                # RGB of every (grey level, class) pair, by the reference.
                n_colours = codebook.shape[0]
                lightness = np.repeat(_lightness_table()[:, None], n_colours, axis=1)
                chroma = np.broadcast_to(codebook, (256,) + codebook.shape)
                table = np.ascontiguousarray(luv_to_rgb(lightness, chroma))
            _colorize_kernels.lut_rgb(codes, labels, table, rgb)
        else:
            band = max(1, _BAND_PIXELS // grey.shape[1])
            for r0 in range(0, grey.shape[0], band):
                rows = slice(r0, r0 + band)
                lightness = grey_to_lightness(grey[rows])
                rgb[rows] = luv_to_rgb(lightness, codebook[labels[rows]])
        out.append(rgb)
    return images_like(out, stacked)
