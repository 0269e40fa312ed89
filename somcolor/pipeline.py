"""The colorizer users fit and tune: :class:`ColorizerPipeline`."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.neural_network import MLPClassifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    check_is_fitted,
    check_scalar,
    has_fit_parameter,
)

from . import _fast_predict, _options, _parallel, _warnings, metrics, steering
from ._fpenv import flush_denormals
from ._images import check_images, images_like
from ._parallel import bounded_in_dask_workers
from ._progress import progress
from .color import grey_to_lightness, luv_to_rgb, rgb_to_luv, to_grey
from .patches import PatchExtractor
from .som import SOMQuantizer

__all__ = ["ColorizerPipeline"]

_COMPONENTS = ("quantizer", "extractor", "classifier")
_DECODINGS = ("argmax", "soft")
_PREDICT_SCALES = ("input", "training")

# Rows of patches handed to the classifier at once when colorizing: bounds
# the memory of the MLP's hidden activations for large images.
_PREDICT_CHUNK = 1 << 17

# Below this chroma (CIELUV units, about one just-noticeable difference) a
# pixel is grey; training images with no pixel above it have nothing to teach.
_MIN_CHROMA = 1.0


def _default_component(name):
    """The paper's component for ``name`` (used where the parameter is None)."""
    if name == "quantizer":
        return SOMQuantizer(n_rows=3, n_cols=3)
    if name == "extractor":
        return PatchExtractor(patch_size=3)
    # Paper: ReLU, learning rate 0.001, two hidden layers of 50. Early
    # stopping on a 10% validation split, with a larger mini-batch than
    # scikit-learn's 200, keeps fitting on ~800,000 patches to minutes.
    return MLPClassifier(
        hidden_layer_sizes=(50, 50),
        learning_rate_init=0.001,
        batch_size=1000,
        early_stopping=True,
        tol=1e-3,
        n_iter_no_change=5,
        max_iter=50,
    )


def _seed(estimator, rng):
    """Give ``estimator`` a seed drawn from ``rng`` if its random_state is None."""
    params = estimator.get_params(deep=False)
    if "random_state" in params and params["random_state"] is None:
        estimator.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
    return estimator


def _training_rows(task, extractor):
    """Feature rows and (U, V) chroma of the sampled pixels of one training image.

    ``task`` is ``(rgb_image, rows_cols)``; a parallel task of ``fit``.
    """
    image, where = task
    luv = rgb_to_luv(image)
    positions = np.column_stack([np.zeros(len(where), dtype=np.intp), where])
    rows = extractor.extract_at([luv[..., 0] / 100.0], positions)
    return rows, luv[where[:, 0], where[:, 1], 1:]


class ColorizerPipeline(BaseEstimator):
    """Colorize grey photographs: SOM chroma codebook + MLP patch classifier.

    The method of Richart, Visca and Baliosian (2017). ``fit`` converts the
    RGB training images to CIELUV, samples ``pixels_per_image`` pixels per
    image, fits ``quantizer`` on their (U, V) chroma (each pixel's class is
    its best-matching unit), and fits ``classifier`` to predict that class
    from the patch of L around the pixel (L scaled to [0, 1]). ``predict``
    classifies every pixel of a grey image from its patch, looks the class's
    (U, V) up in the codebook and joins it with the pixel's own L.

    Parameters
    ----------
    quantizer : estimator or None, default=None
        Fitted on the (n_pixels, 2) chroma; must provide ``labels_`` after
        fit, ``predict`` and ``codebook_``. None means
        ``SOMQuantizer(n_rows=3, n_cols=3)``, the paper's 9 colours.
    extractor : PatchExtractor or None, default=None
        The feature stage: what the classifier sees about a pixel (its L
        patch and, beyond the paper, wider context, texture and position;
        see :class:`~somcolor.PatchExtractor`), computed by the same code for
        training and colorizing. None means ``PatchExtractor(patch_size=3)``
        (reflect padding), the paper's features. With ``padding='valid'``,
        training pixels are drawn where the whole patch fits (as in the
        paper), and colorizing pads by reflection so that every pixel gets a
        colour.
    classifier : classifier or None, default=None
        Fitted on (patches, classes). None means
        ``MLPClassifier(hidden_layer_sizes=(50, 50), learning_rate_init=0.001,
        batch_size=1000, early_stopping=True, n_iter_no_change=5,
        max_iter=50)``: the paper's network (ReLU, Adam, learning rate
        0.001), stopped when the score on a 10% validation split stops
        improving, so that fitting on a whole scene category takes minutes.
    pixels_per_image : int, default=2500
        Training pixels drawn per image (the paper's 2500); all pixels of an
        image that has fewer.
    random_state : int, RandomState instance or None, default=None
        Draws the training pixels, and seeds every component whose own
        ``random_state`` is None. Pass an int for reproducible models.
    n_jobs : int or None, default=None
        Parallel tasks (joblib) over images: converting and cutting the
        training images into patches in ``fit``, and colorizing in
        ``predict``, ``predict_labels`` and ``score``. None means 1 unless
        inside a ``joblib.parallel_config`` context; -1 uses every core, or
        every worker of a Dask cluster under
        ``joblib.parallel_config(backend="dask")``. The SOM and the
        classifier are trained in the calling process. Results do not depend
        on ``n_jobs``.
    verbose : int, default=0
        When positive, show progress bars (tqdm, on stderr) over the images
        in ``fit``, ``predict``, ``predict_labels`` and ``score``, and over
        the training steps (SOM, classifier) in ``fit``.
    decoding : {'argmax', 'soft'}, default='argmax'
        How a pixel's chroma is read from the classifier. 'argmax' (the
        paper): the codebook colour of the most likely class. 'soft': the
        annealed mean of the codebook colours under ``predict_proba``,
        ``p_k ** (1 / temperature)`` renormalised (Zhang, Isola and Efros
        2016), which gives colours between codebook entries.
    temperature : float, default=0.38
        Temperature of ``decoding='soft'`` (Zhang et al.'s 0.38); 1 is the
        plain expected colour, towards 0 the argmax. Unused for 'argmax'.
    rebalance : float in (0, 1] or None, default=None
        Class rebalancing of the training patches (Zhang et al.): each patch
        is weighted (``sample_weight``) by ``1 / ((1 - rebalance) p + rebalance
        / K)``, with ``p`` the class prior smoothed over the codebook colours
        (Gaussian, 5 units of U, V) and K the number of colours, scaled so
        the mean weight is 1. The smaller the value, the more rare colours
        weigh: near 0 the weights are the inverse of the smoothed prior,
        and 1 gives every patch the same weight, so it is the same as None
        (no weights are passed). Zhang et al. use 0.5. None: no weights (the
        paper). The classifier must accept ``sample_weight``.
    predict_scale : {'input', 'training'}, default='input'
        'input' colorizes grey images at their own size (the paper).
        'training' first shrinks a grey image larger than the training
        images (by the ratio of the square roots of their pixel counts) to
        the training scale, colorizes it there, then enlarges the chroma
        (bilinear) and joins it with the full-size L: a 3x3 patch sees the
        texture it was trained on whatever the input resolution.
    max_training_size : int or None, default=None
        Largest training scale, as ``sqrt(height * width)`` in pixels: ``fit``
        first shrinks a larger training image to that scale (area averaging
        of its sRGB values, aspect ratio kept). A large reference
        photograph then fits as fast as a small one, and with
        ``predict_scale='training'`` grey images are colorized at that
        scale too (the chroma enlarged, the lightness kept at full size),
        which makes colorizing large images and video frames cheap. None:
        training images are used at their own size.
    refine : bool, default=False
        Pass the prediction through the edge-aware chroma solver
        (:mod:`somcolor.steering`, :func:`somcolor.solver.solve_chroma`)
        even without hints: each pixel keeps the model's colour in
        proportion to how sure the classifier is, colour spreads along the
        grey image's smooth regions and stops at its edges, and where the
        model is unsure the colour fades towards grey (``fade``). Hints
        (``predict(..., hints=...)``) always go through the solver.
    fade : float, default=1e-4
        Weight of grey (U = V = 0) at every pixel in the solver, against at
        most 0.01 for the model's colour where it is sure: the larger, the
        more an unsure prediction fades to grey. Used with ``refine`` and
        hints.
    smoothness : float, default=3.0
        The solver's weight of equal colour across smooth edges (its
        ``lambda``): the larger, the further colour spreads. Used with
        ``refine`` and hints.

    Attributes
    ----------
    quantizer_ : estimator
        Fitted clone of ``quantizer``.
    extractor_ : PatchExtractor
        Fitted clone of ``extractor``.
    classifier_ : classifier
        Fitted clone of ``classifier``.
    codebook_ : ndarray of shape (n_colours, 2)
        (U, V) of each class, float64.
    n_training_pixels_ : int
        Number of sampled training pixels (patches).
    training_mean_chroma_ : ndarray of shape (2,)
        Mean (U, V) of the sampled training pixels (a reference colorizer).
    training_size_ : float
        Median over training images of ``sqrt(height * width)`` (after
        ``max_training_size``), the scale that ``predict_scale='training'``
        brings grey images to.

    Notes
    -----
    Components given as None can still be tuned through nested parameters:
    ``set_params(quantizer__n_rows=5)`` first puts the default component in
    place, then sets its parameter.

    ``score`` is the opposite of the mean CIEDE2000 colour difference (see
    :meth:`score`), not pixel accuracy: accuracy rewards predicting the
    commonest, greyish class, and cannot compare codebooks of different
    sizes.

    References
    ----------
    P. Richart, J. Visca, J. Baliosian, "Image Colorization with Neural
    Networks", Workshop of Computer Vision (WVC), 2017.

    Examples
    --------
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline, to_grey
    >>> image = data.astronaut()[::4, ::4]
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0)
    >>> model = model.fit([image])
    >>> colour = model.predict(to_grey([image]))
    >>> colour[0].shape
    (128, 128, 3)
    >>> model.codebook_.shape
    (9, 2)
    """

    def __init__(
        self,
        quantizer=None,
        extractor=None,
        classifier=None,
        *,
        pixels_per_image=2500,
        random_state=None,
        n_jobs=None,
        verbose=0,
        decoding="argmax",
        temperature=0.38,
        rebalance=None,
        predict_scale="input",
        max_training_size=None,
        refine=False,
        fade=1e-4,
        smoothness=3.0,
    ):
        self.quantizer = quantizer
        self.extractor = extractor
        self.classifier = classifier
        self.pixels_per_image = pixels_per_image
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.decoding = decoding
        self.temperature = temperature
        self.rebalance = rebalance
        self.predict_scale = predict_scale
        self.max_training_size = max_training_size
        self.refine = refine
        self.fade = fade
        self.smoothness = smoothness

    # -- parameters -------------------------------------------------------

    def get_params(self, deep=True):
        """Parameters of this pipeline, with nested ones when ``deep``.

        For a component given as None, the nested parameters of its default
        are reported, so that they can be searched over.

        Parameters
        ----------
        deep : bool, default=True
            Include ``component__param`` entries.

        Returns
        -------
        params : dict
        """
        params = super().get_params(deep=False)
        if deep:
            for name in _COMPONENTS:
                component = params[name]
                if component is None:
                    component = _default_component(name)
                for key, value in component.get_params(deep=True).items():
                    params[f"{name}__{key}"] = value
        return params

    def set_params(self, **params):
        """Set parameters, including nested ones of default components.

        Parameters
        ----------
        **params : dict
            ``name=value`` or ``component__param=value``.

        Returns
        -------
        self : ColorizerPipeline
        """
        for name in _COMPONENTS:
            nested = any(key.startswith(f"{name}__") for key in params)
            if nested and params.get(name, getattr(self, name)) is None:
                if name in params:
                    params[name] = _default_component(name)
                else:
                    setattr(self, name, _default_component(name))
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        return tags

    # -- fit --------------------------------------------------------------

    def _components(self, rng):
        components = {}
        for name in _COMPONENTS:
            given = getattr(self, name)
            estimator = _default_component(name) if given is None else clone(given)
            components[name] = _seed(estimator, rng)
        return components

    @bounded_in_dask_workers
    def fit(self, rgb_images, y=None):
        """Learn the chroma codebook and the patch classifier.

        Parameters
        ----------
        rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
            RGB training images, uint8 (0..255) or float (0..1); sizes may
            differ in a list.
        y : None
            Ignored.

        Returns
        -------
        self : ColorizerPipeline
            The fitted pipeline.

        Notes
        -----
        On x86-64 the classifier is trained with subnormal floats flushed to
        zero in the calling thread (as TensorFlow does on CPUs): Adam's
        decaying moments reach them after a few epochs, and each operation
        on them costs tens of normal ones. Fitting the default pipeline on
        the Open Country training images was 1.46x faster with one BLAS
        thread (as in Dask's workers) and 1.07x with one per core (BLAS's
        own threads are not flushed), with the same number of epochs and
        weights that differ only in the last bits; longer trainings gain
        more (``python -m benchmarks.denormals``, ``benchmarks/DENORMALS.md``).
        """
        images, _ = check_images(rgb_images, color=True, name="rgb_images")
        check_scalar(self.pixels_per_image, "pixels_per_image", Integral, min_val=1)
        self._check_options()
        if self.max_training_size is not None:
            check_scalar(
                self.max_training_size, "max_training_size", Integral, min_val=8
            )
            images = [_options.cap_scale(i, self.max_training_size) for i in images]
        rng = check_random_state(self.random_state)
        components = self._components(rng)
        quantizer, extractor, classifier = (components[n] for n in _COMPONENTS)
        if not isinstance(extractor, PatchExtractor):
            raise TypeError(
                "extractor must be a somcolor.PatchExtractor, got "
                f"{type(extractor).__name__}."
            )
        extractor.fit()
        if (
            self.rebalance is not None
            and self.rebalance < 1
            and not has_fit_parameter(classifier, "sample_weight")
        ):
            raise TypeError(
                f"rebalance={self.rebalance!r} weights the training patches, but "
                f"the classifier ({type(classifier).__name__}) takes no "
                "sample_weight in fit; use one that does, or rebalance=None."
            )

        # The pixels are drawn from the image shapes alone, in image order,
        # so the training set does not depend on how the images are shared
        # out between parallel tasks below.
        positions = extractor.sample_positions(
            [np.broadcast_to(0.0, image.shape[:2]) for image in images],
            n_per_image=self.pixels_per_image,
            random_state=rng,
        )
        _warnings.check_training_size(len(positions), len(images))
        bounds = np.searchsorted(positions[:, 0], np.arange(len(images) + 1))
        rows = _parallel.parallel_map(
            _training_rows,
            (
                (image, positions[a:b, 1:])
                for image, a, b in zip(images, bounds[:-1], bounds[1:])
            ),
            self.n_jobs,
            extractor,
            verbose=self.verbose,
            desc="cutting patches",
            total=len(images),
        )
        patches = np.concatenate([block for block, _ in rows])
        chroma = np.concatenate([uv for _, uv in rows])
        del rows
        if np.hypot(chroma[:, 0], chroma[:, 1]).max() < _MIN_CHROMA:
            raise ValueError(
                "rgb_images carry no colour: every sampled training pixel has "
                f"chroma below {_MIN_CHROMA} CIELUV unit (are the images grey?); "
                "fit needs colour photographs to learn from."
            )
        steps = progress(
            total=2, verbose=self.verbose, desc="training SOM, MLP", unit="step"
        )
        quantizer.fit(chroma)
        steps.update()
        labels = np.asarray(quantizer.labels_)
        if np.unique(labels).size < 2:
            raise ValueError(
                "rgb_images: all sampled training pixels fall in one colour class "
                "(are the images grey?); the classifier needs at least two "
                "colours to learn from."
            )
        fit_params = {}
        # rebalance=1 is the uniform end of the mix: equal weights, none passed.
        if self.rebalance is not None and self.rebalance < 1:
            fit_params["sample_weight"] = _options.rebalance_weights(
                labels, np.asarray(quantizer.codebook_, np.float64), self.rebalance
            )
        # Subnormal numbers, which Adam's decaying moments reach after a few
        # epochs, cost tens of times a normal operation (see _fpenv.py); BLAS
        # threads wait on each other at every small product, and their
        # number changes the weights (see _parallel.one_blas_thread).
        with (
            flush_denormals(),
            _parallel.one_blas_thread(),
            _warnings.classifier_warnings(classifier, len(patches)),
        ):
            classifier.fit(patches, labels, **fit_params)
        steps.update()
        steps.close()

        self.quantizer_ = quantizer
        self.extractor_ = extractor
        self.classifier_ = classifier
        self.codebook_ = np.asarray(quantizer.codebook_, dtype=np.float64)
        self.n_training_pixels_ = len(positions)
        self.training_mean_chroma_ = chroma.mean(axis=0)
        self.training_size_ = float(
            np.median([np.sqrt(image.shape[0] * image.shape[1]) for image in images])
        )
        return self

    # -- options beyond the paper (see _options.py) -------------------------

    def _check_options(self):
        if self.decoding not in _DECODINGS:
            raise ValueError(
                f"decoding must be one of {_DECODINGS}, got {self.decoding!r}."
            )
        check_scalar(
            self.temperature,
            "temperature",
            Real,
            min_val=0,
            include_boundaries="neither",
        )
        if self.rebalance is not None:
            check_scalar(
                self.rebalance,
                "rebalance",
                Real,
                min_val=0,
                max_val=1,
                include_boundaries="right",
            )
        if self.predict_scale not in _PREDICT_SCALES:
            raise ValueError(
                f"predict_scale must be one of {_PREDICT_SCALES}, got "
                f"{self.predict_scale!r}."
            )
        if not isinstance(self.refine, (bool, np.bool_)):
            raise TypeError(f"refine must be True or False, got {self.refine!r}.")
        check_scalar(self.fade, "fade", Real, min_val=0)
        check_scalar(self.smoothness, "smoothness", Real, min_val=0)

    # -- predict: the reference path (see _fast_predict.py for the other) ---

    def _fast_path_applicable(self):
        """Whether the compiled path (same output, see ``_fast_predict``) applies."""
        return _fast_predict.applicable(self)

    def _dense_extractor(self):
        """The fitted extractor, dense, padding by reflection if it was 'valid'."""
        if self.extractor_.padding == "valid":
            return clone(self.extractor_).set_params(
                padding="reflect", max_patches=None
            )
        if self.extractor_.max_patches is not None:
            return clone(self.extractor_).set_params(max_patches=None)
        return self.extractor_

    def _dense_features(self, lightness):
        """Feature rows of every pixel of one image, from its L in [0, 100]."""
        return self._dense_extractor().transform([lightness / 100.0])

    def _labels_from_lightness(self, lightness):
        """Class map of one image, from its L in [0, 100]."""
        features = self._dense_features(lightness)
        labels = np.empty(len(features), dtype=np.intp)
        for start in range(0, len(features), _PREDICT_CHUNK):
            stop = start + _PREDICT_CHUNK
            labels[start:stop] = self.classifier_.predict(features[start:stop])
        return labels.reshape(lightness.shape)

    def _soft_chroma(self, lightness):
        """(U, V) map of one image by the annealed mean of codebook colours."""
        features = self._dense_features(lightness)
        colours = self.codebook_[np.asarray(self.classifier_.classes_, dtype=np.intp)]
        uv = np.empty((len(features), 2))
        for start in range(0, len(features), _PREDICT_CHUNK):
            stop = start + _PREDICT_CHUNK
            proba = self.classifier_.predict_proba(features[start:stop])
            uv[start:stop] = _options.annealed_mean(proba, colours, self.temperature)
        return uv.reshape(lightness.shape + (2,))

    def _chroma_at_own_scale(self, lightness):
        if self.decoding == "soft":
            return self._soft_chroma(lightness)
        return self.codebook_[self._labels_from_lightness(lightness)]

    def _chroma_from_lightness(self, lightness):
        """(U, V) map of one image, from its L in [0, 100]."""
        small = _options.training_scale_shape(self, lightness.shape)
        if small is None:
            return self._chroma_at_own_scale(lightness)
        uv = self._chroma_at_own_scale(_options.shrink(lightness, small))
        return _options.enlarge(uv, lightness.shape)

    def _steered_rgb(self, lightness, hint, previous=None, steadiness=0.0):
        """Colour image of one grey image through the solver (reference path).

        Returns the image and its :class:`~somcolor.steering.Carry`.
        """
        small = _options.training_scale_shape(self, lightness.shape)
        work = lightness if small is None else _options.shrink(lightness, small)
        chroma = steering.steered_chroma(
            work,
            hint,
            _ReferenceSteering(self, work),
            fade=float(self.fade),
            smoothness=float(self.smoothness),
            previous=previous,
            steadiness=steadiness,
        )
        full = chroma if small is None else _options.enlarge(chroma, lightness.shape)
        rgb = steering.paste(luv_to_rgb(lightness, full), lightness, hint)
        return rgb, steering.Carry(work, chroma)

    @bounded_in_dask_workers
    def predict_labels(self, grey_images):
        """Colour class (codebook index) of every pixel.

        Parameters
        ----------
        grey_images : list of ndarray or ndarray of shape (n, H, W)
            Grey images, uint8 (0..255) or float (0..1), read as sRGB grey
            levels.

        Returns
        -------
        labels : list of ndarray or ndarray of shape (n, H, W)
            Integer class maps, one per image, as a list for a list. Always
            the most likely class at the input's own size, whatever
            ``decoding`` and ``predict_scale``.
        """
        check_is_fitted(self)
        return self._map_images(_predict_labels_serial, grey_images)

    @bounded_in_dask_workers
    def predict(self, grey_images, hints=None):
        """Colorize grey images, optionally steered by colour hints.

        Parameters
        ----------
        grey_images : list of ndarray or ndarray of shape (n, H, W)
            Grey images, uint8 (0..255) or float (0..1), read as sRGB grey
            levels (R = G = B). Sizes may differ in a list.
        hints : None or sequence, default=None
            Colour hints: one entry per image, None or a pair ``(mask,
            colours)``: ``mask`` an (H, W) bool array of the hinted pixels,
            ``colours`` an (H, W, 3) RGB image (uint8, or float in [0, 1])
            read where ``mask`` is true. A hinted pixel gets the hint's
            chroma with its own lightness; the model's colours adapt to the
            hints, and the colour spreads along the grey image's smooth
            regions and stops at its edges (see :mod:`somcolor.steering`);
            :func:`somcolor.steering.hints_from_rgba` reads a painted
            layer.

        Returns
        -------
        rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
            Float RGB in [0, 1], same height and width as each input, as a
            list for a list. Every pixel keeps the lightness L of its grey
            input: predicted chroma outside the sRGB gamut at that L is
            scaled towards grey until it fits (see
            :func:`somcolor.color.luv_to_rgb`).
        """
        check_is_fitted(self)
        self._check_options()  # decoding and predict_scale act here
        if hints is not None:
            images, _ = check_images(
                grey_images, color=False, name="grey_images", convert=False
            )
            hints = steering.check_hints(hints, [image.shape[:2] for image in images])
        return self._map_images(_predict_serial, grey_images, hints)

    def _map_images(self, serial, grey_images, hints=None):
        """``serial((grey_images, hints), self, verbose)`` over ``n_jobs`` tasks.

        Each task takes a contiguous run of images (about four runs per
        worker, so that a table built per call is built few times) with
        their hints (checked, or None), and the results are put back in
        order.
        """
        n_jobs = self.n_jobs
        workers = _parallel.n_workers(n_jobs)
        if workers == 1:
            return serial((grey_images, hints), self, self.verbose)
        # Refuse bad input here, with the image's index in the whole list.
        images, stacked = check_images(
            grey_images, color=False, name="grey_images", convert=False
        )
        runs = _parallel.split(images, 4 * workers)
        if len(runs) == 1:  # one image: starting workers would only cost
            return serial((grey_images, hints), self, self.verbose)
        if hints is None:
            tasks = [(run, None) for run in runs]
        else:
            bounds = np.cumsum([0] + [len(run) for run in runs])
            tasks = [(run, hints[a:b]) for run, a, b in zip(runs, bounds, bounds[1:])]
        results = _parallel.parallel_map(
            serial,
            tasks,
            n_jobs,
            self,
            0,
            verbose=self.verbose,
            desc="colorizing",
            total=len(runs),
            unit="task",
        )
        return images_like([image for run in results for image in run], stacked)

    @bounded_in_dask_workers
    def score(self, rgb_images, y=None):
        """Opposite of the mean CIEDE2000 difference after re-colorizing.

        Each colour image is made grey with :func:`somcolor.to_grey` (same
        L), colorized, and compared with the original pixel by pixel with
        the CIEDE2000 formula in CIELAB (:func:`somcolor.metrics.mean_ciede2000`,
        equal to :func:`skimage.color.deltaE_ciede2000` to 1e-6). The mean
        is over all pixels of all images. Higher is better; 0 is a perfect
        reconstruction. Unlike pixel accuracy, it compares fairly across
        codebook (SOM) sizes and patch sizes.

        Parameters
        ----------
        rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
            RGB images, uint8 (0..255) or float (0..1).
        y : None
            Ignored.

        Returns
        -------
        score : float
            ``-mean CIEDE2000`` (CIEDE2000 units, about 1 = just noticeable).
        """
        check_is_fitted(self)
        # As given (uint8 stays uint8: the comparison reads its levels from a
        # table, and no float copy of the originals is made).
        images, _ = check_images(
            rgb_images, color=True, name="rgb_images", convert=False
        )
        predicted = self.predict(to_grey(images))
        sums = _parallel.parallel_map(
            metrics._ciede2000_sum,
            zip(images, predicted),
            self.n_jobs,
            verbose=self.verbose,
            desc="comparing",
            total=len(images),
        )
        return -metrics._mean_of_sums(sums)


def _predict_labels_serial(task, model, verbose):
    """``model.predict_labels`` in this process (a parallel task)."""
    grey_images, _ = task
    if model._fast_path_applicable():
        return _fast_predict.predict_labels(model, grey_images)
    images, stacked = check_images(grey_images, color=False, name="grey_images")
    maps = [
        model._labels_from_lightness(grey_to_lightness(g))
        for g in progress(images, verbose=verbose, desc="classifying")
    ]
    return images_like(maps, stacked)


def _predict_serial(task, model, verbose):
    """``model.predict`` in this process (a parallel task)."""
    grey_images, hints = task
    if model._fast_path_applicable():
        return _fast_predict.predict(model, grey_images, hints=hints)
    images, stacked = check_images(grey_images, color=False, name="grey_images")
    hints = [None] * len(images) if hints is None else hints
    out = []
    for grey, hint in zip(progress(images, verbose=verbose, desc="colorizing"), hints):
        lightness = grey_to_lightness(grey)
        if hint is not None or model.refine:
            out.append(model._steered_rgb(lightness, hint)[0])
        else:
            out.append(luv_to_rgb(lightness, model._chroma_from_lightness(lightness)))
    return images_like(out, stacked)


class _ReferenceSteering:
    """The reference path's outputs for :func:`somcolor.steering.steered_chroma`."""

    def __init__(self, model, lightness):
        self.model = model
        self.lightness = lightness
        classes = np.asarray(model.classifier_.classes_, dtype=np.intp)
        self.colours = model.codebook_[classes]

    def _outputs(self, features):
        scores, hidden = steering.forward(self.model.classifier_, features)
        return scores, hidden

    def at(self, rows, cols):
        model = self.model
        positions = np.column_stack([np.zeros_like(rows), rows, cols])
        features = model._dense_extractor().extract_at(
            [self.lightness / 100.0], positions
        )
        scores, hidden = self._outputs(features)
        soft = model.decoding == "soft"
        return steering.decoding_weights(scores, soft, model.temperature), hidden

    def everywhere(self, colours, head):
        model = self.model
        features = model._dense_features(self.lightness)
        chroma = np.empty((len(features), 2))
        uncertainty = np.empty(len(features))
        soft = model.decoding == "soft"
        for start in range(0, len(features), _PREDICT_CHUNK):
            stop = start + _PREDICT_CHUNK
            scores, hidden = self._outputs(features[start:stop])
            chroma[start:stop], uncertainty[start:stop] = steering.decode(
                scores, hidden, colours, soft, model.temperature, head
            )
        shape = self.lightness.shape
        return chroma.reshape(shape + (2,)), uncertainty.reshape(shape)
