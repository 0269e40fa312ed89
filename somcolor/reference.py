"""Colour like a reference photograph: :func:`fit_reference`.

The front door of somcolor for a person who has a colour photograph of
something similar to their grey ones (or one coloured frame of their film):
fit a colorizer on that reference alone, in about a second, and colour the
grey photographs (or every frame) with it. The colorizer is an ordinary
:class:`~somcolor.ColorizerPipeline` configured by the ``'reference'``
recipe (:func:`somcolor.pretrained.recipe`), so it tunes, clones, pickles
and saves like every other; :func:`fit_reference` only checks the
references, applies the options and fits.

How the recipe was chosen (on BSDS500 val halves and the ten DAVIS 2016
sequences; test reported once): ``docs/reference.md``.
"""

import warnings

import numpy as np

from . import _options
from ._images import check_images
from ._warnings import NotConvergedWarning, TrainingDataWarning
from .color import rgb_to_luv

__all__ = ["fit_reference", "MIN_REFERENCE_SIDE"]

#: Shortest side, in pixels, a reference photograph may have: smaller ones
#: hold too few pixels and too little context to learn from.
MIN_REFERENCE_SIDE = 32

# A reference whose pixels all have less chroma than this (CIELUV units,
# about one just-noticeable difference) is grey: it has no colour to teach.
_MIN_CHROMA = 1.0


def _as_list(images):
    """``images`` as a list; one RGB(A) array ``(H, W, 3 or 4)`` is one image."""
    if (
        isinstance(images, np.ndarray)
        and images.ndim == 3
        and images.shape[2]
        in (
            3,
            4,
        )
    ):
        return [images]
    return images


def _check_references(images, max_size):
    """The references as float RGB images, each brought to ``max_size``.

    Raises a ValueError or TypeError naming ``images`` (and the index of the
    offending image) for no image, a grey image, or a tiny one.
    """
    if images is None:
        raise TypeError(
            "images must be one colour photograph (H, W, 3) or a list of them, "
            "got None."
        )
    if isinstance(images, (list, tuple)) and len(images) == 0:
        raise ValueError(
            "images must hold at least one colour reference photograph, got none."
        )
    for index, image in enumerate(images if isinstance(images, (list, tuple)) else []):
        shape = np.shape(image)
        if len(shape) == 2 or (len(shape) == 3 and shape[2] == 1):
            raise ValueError(
                f"images[{index}] is a grey image of shape {shape}: a reference "
                "must be a colour photograph (H, W, 3) whose colours the grey "
                "images are to take."
            )
    checked, _ = check_images(_as_list(images), color=True, name="images")
    out = []
    for index, image in enumerate(checked):
        if min(image.shape[:2]) < MIN_REFERENCE_SIDE:
            raise ValueError(
                f"images[{index}] is too small ({image.shape[0]}x{image.shape[1]} "
                f"pixels): a reference needs at least {MIN_REFERENCE_SIDE} pixels "
                "on each side to learn colours from."
            )
        if max_size is not None:
            image = _options.cap_scale(image, max_size)
        chroma = rgb_to_luv(image)[..., 1:]
        if np.hypot(chroma[..., 0], chroma[..., 1]).max() < _MIN_CHROMA:
            raise ValueError(
                f"images[{index}] is grey (no pixel has chroma above "
                f"{_MIN_CHROMA:g} CIELUV unit): a reference must be a colour "
                "photograph whose colours the grey images are to take."
            )
        out.append(image)
    return out


def fit_reference(images, *, random_state=None, **options):
    """Fit a colorizer on one or a few colour reference photographs.

    The grey photographs it then colours take the colours of the
    references: give it a colour photograph of something similar (a
    landscape for landscapes, the same room, the same person), or one or two
    colour frames of a film to colour the whole film. The colorizer is the
    ``'reference'`` recipe (:func:`somcolor.pretrained.recipe`), an ordinary
    :class:`~somcolor.ColorizerPipeline`: references larger than its
    ``max_training_size`` are shrunk first, so a 12-megapixel photograph
    fits in a few seconds, and grey images are colorized at that scale
    with their own full-size lightness, fast enough for video.

    Parameters
    ----------
    images : ndarray of shape (H, W, 3) or list of ndarray
        The colour reference photographs: one RGB image, or a list (or an
        array ``(n, H, W, 3)``) of them, uint8 (0..255), uint16 or float in
        [0, 1]; sizes may differ. An alpha channel is ignored. Each must be
        in colour and at least :data:`MIN_REFERENCE_SIDE` pixels on each
        side.
    random_state : int, RandomState instance or None, default=None
        Seeds the fit (training pixels, SOM, network). Pass an int for a
        reproducible colorizer.
    **options
        :class:`~somcolor.ColorizerPipeline` parameters overriding the
        recipe's, nested ones included (``temperature=0.5``,
        ``classifier__max_iter=40``, ``n_jobs=-1``).

        The fit does not give :class:`~somcolor.TrainingDataWarning` (a
        reference is few pixels by design), nor
        :class:`~somcolor.NotConvergedWarning` unless the options set the
        classifier or its ``max_iter``: the recipe stops at ten epochs on
        purpose.

    Returns
    -------
    model : ColorizerPipeline
        Fitted. ``model.predict(grey_images)`` colours grey images;
        ``somcolor.save(model, path)`` keeps it.

    Raises
    ------
    TypeError
        ``images`` is not an image or a list of images, or an option is not
        a parameter of :class:`~somcolor.ColorizerPipeline` (the message
        names it).
    ValueError
        No image, a grey or a tiny reference (the message names the image),
        or an invalid option value.

    See Also
    --------
    somcolor.pretrained.recipe : the ``'reference'`` recipe, unfitted.
    somcolor.load_pretrained : models that need no reference.

    Examples
    --------
    Colour the right view of scikit-image's stereo motorcycle from its left
    view:

    >>> import numpy as np
    >>> from skimage import data
    >>> from skimage.color import deltaE_ciede2000, rgb2lab
    >>> from somcolor import fit_reference, to_grey
    >>> left, right, _ = data.stereo_motorcycle()
    >>> model = fit_reference(left, random_state=0)
    >>> grey = to_grey([right])[0]
    >>> colour = model.predict([grey])[0]
    >>> colour.shape
    (500, 741, 3)
    >>> truth = rgb2lab(right)  # closer to the truth than grey is
    >>> ours = deltaE_ciede2000(truth, rgb2lab(colour)).mean()
    >>> greys = deltaE_ciede2000(truth, rgb2lab(np.dstack([grey] * 3))).mean()
    >>> bool(ours < greys)
    True
    """
    from .pretrained import recipe

    model = recipe("reference")
    known = model.get_params(deep=True)
    unknown = sorted(key for key in options if key.split("__", 1)[0] not in known)
    if unknown:
        raise TypeError(
            f"fit_reference got unknown option(s) {', '.join(unknown)}: options "
            "are ColorizerPipeline parameters (nested ones as "
            "component__parameter), such as temperature or classifier__max_iter."
        )
    if "random_state" in options:  # pragma: no cover - keyword-only already
        raise TypeError("random_state is given once, as a keyword.")
    model.set_params(random_state=random_state, **options)
    references = _check_references(images, model.max_training_size)
    with warnings.catch_warnings():
        # A reference is few pixels and ten epochs is the recipe's limit, both
        # on purpose (chosen on val halves): the warnings that advise more are
        # for models meant for photographs unlike their training ones.
        warnings.simplefilter("ignore", TrainingDataWarning)
        if not {"classifier", "classifier__max_iter"} & options.keys():
            warnings.simplefilter("ignore", NotConvergedWarning)
        return model.fit(references)
