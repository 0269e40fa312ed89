"""The warnings somcolor gives, in its own words, each said once.

Decided per warning (what a user can act on is said; what is not, is not):

- The classifier stopped at its epoch limit before converging
  (scikit-learn's ``ConvergenceWarning``): said, as
  :class:`NotConvergedWarning`, with the parameter that trains longer.
- Very little training data: said, as :class:`TrainingDataWarning`
  (scikit-learn says nothing; the model will be poor).
- scikit-learn's note that ``batch_size`` was clipped to the number of
  training samples: not said. Clipping is what a smaller data set needs, and
  the model is the same as with that batch size.

Each message is said once per Python process: the fits of a grid search
on the same images say it once instead of once per fit. Python's own
``"once"`` action cannot do this, because scikit-learn runs every fit of a
search inside ``warnings.catch_warnings``, which resets what Python
remembers; so somcolor remembers what it said. The messages name the number
of training pixels, so a fit on other data says its own. The command line
records them during a fit and says them in its own lines.
"""

import contextlib
import warnings

from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "NotConvergedWarning",
    "TrainingDataWarning",
    "check_training_size",
    "classifier_warnings",
    "forget_said",
]

#: Fewest training images and pixels below which a fit warns that the model
#: will be poor. Measured on Open Country (default pipeline, each size fitted
#: on 3 random draws of training images; mean CIEDE2000 on the 82 held-out
#: images, grey 14.07, all 328 training images 12.17), 2500 pixels per
#: image: 1 image 17.1, 2: 17.7, 3: 16.5, 5: 15.9, 10: 14.8, 20: 14.7,
#: 40: 13.3 (every draw better than grey), 80: 12.8; 40 images with fewer
#: pixels: 250 per image (10,000 pixels) 14.3, 625 (25,000) 15.1,
#: 1250 (50,000) 14.5.
MIN_TRAINING_IMAGES = 40
MIN_TRAINING_PIXELS = 100_000


class NotConvergedWarning(ConvergenceWarning):
    """The classifier stopped at its epoch limit before converging.

    A :class:`sklearn.exceptions.ConvergenceWarning`, so filters on that
    category apply. The model is usable; more epochs may make it better.

    Attributes
    ----------
    max_iter : int or None
        The classifier's limit, when it has one.

    Examples
    --------
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from somcolor import NotConvergedWarning
    >>> issubclass(NotConvergedWarning, ConvergenceWarning)
    True
    """

    def __init__(self, message, max_iter=None):
        super().__init__(message)
        self.max_iter = max_iter


class TrainingDataWarning(UserWarning):
    """The training data are too few for a useful model.

    Attributes
    ----------
    n_pixels : int
        Training pixels sampled.
    n_images : int
        Training images.

    Examples
    --------
    >>> from somcolor import TrainingDataWarning
    >>> issubclass(TrainingDataWarning, UserWarning)
    True
    """

    def __init__(self, message, n_pixels=0, n_images=0):
        super().__init__(message)
        self.n_pixels = n_pixels
        self.n_images = n_images


#: (category, text) of every warning said in this process.
_said = set()


def _say_once(warning, stacklevel):
    """``warnings.warn(warning)``, unless this process said it before."""
    key = (type(warning), str(warning))
    if key in _said:
        return
    _said.add(key)
    warnings.warn(warning, stacklevel=stacklevel + 1)


def forget_said():
    """Forget what was said: each warning will be said once more."""
    _said.clear()


def check_training_size(n_pixels, n_images):
    """Warn (:class:`TrainingDataWarning`) when the training data are few.

    Parameters
    ----------
    n_pixels : int
        Training pixels sampled.
    n_images : int
        Training images.

    Examples
    --------
    >>> import warnings
    >>> from somcolor._warnings import check_training_size, forget_said
    >>> forget_said()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     check_training_size(2501, 2)
    >>> print(caught[0].message)  # doctest: +ELLIPSIS
    ColorizerPipeline.fit: 2,501 training pixels from 2 image(s) is very ...
    """
    if n_images >= MIN_TRAINING_IMAGES and n_pixels >= MIN_TRAINING_PIXELS:
        return
    _say_once(
        TrainingDataWarning(
            f"ColorizerPipeline.fit: {n_pixels:,} training pixels from "
            f"{n_images} image(s) is very little: expect a poor model on "
            "photographs other than these. Measured on landscapes, fewer than "
            f"{MIN_TRAINING_IMAGES} images or {MIN_TRAINING_PIXELS:,} pixels "
            "gave colorizations further from the truth than plain grey; train "
            "on more photographs of the kind to colorize.",
            n_pixels=n_pixels,
            n_images=n_images,
        ),
        stacklevel=4,  # the caller of fit (through fit and its decorator)
    )


def _clipped_batch(warning):
    return issubclass(warning.category, UserWarning) and str(
        warning.message
    ).startswith("Got `batch_size` less than 1 or larger than sample size")


@contextlib.contextmanager
def classifier_warnings(classifier, n_pixels):
    """Say the warnings of training ``classifier`` inside the block in our words.

    scikit-learn's ``ConvergenceWarning`` becomes one
    :class:`NotConvergedWarning`; its note that ``batch_size`` was clipped
    is dropped; any other warning is passed on as it was.

    Parameters
    ----------
    classifier : classifier
        The classifier trained in the block (its ``max_iter`` is named).
    n_pixels : int
        Training pixels, named in the message.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPClassifier
    >>> from somcolor._warnings import classifier_warnings, forget_said
    >>> forget_said()
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    >>> classifier = MLPClassifier(max_iter=2)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     with classifier_warnings(classifier, len(X)):
    ...         _ = classifier.fit(X, y)
    >>> [type(w.message).__name__ for w in caught]
    ['NotConvergedWarning']
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    not_converged = False
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            not_converged = True
        elif not _clipped_batch(warning):
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    if not_converged:
        max_iter = getattr(classifier, "max_iter", None)
        limit = f"its limit of {max_iter} epochs" if max_iter else "its limit"
        _say_once(
            NotConvergedWarning(
                f"ColorizerPipeline.fit: the classifier "
                f"({type(classifier).__name__}) stopped at {limit} before "
                f"converging on {n_pixels:,} training pixels. The model is "
                "usable; more epochs (classifier__max_iter) may make it "
                "better, and take longer.",
                max_iter=max_iter,
            ),
            stacklevel=5,  # the caller of fit (through contextlib, fit, decorator)
        )
