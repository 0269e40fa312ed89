"""Early stopping of the classifier on held-out training *images*.

scikit-learn's ``MLPClassifier(early_stopping=True)`` holds out a random
tenth of the training rows. The rows of a colorizer are pixels, and pixels
of one photograph share their wider features (context, texture, position):
held-out pixels are near copies of training pixels, so the validation score
keeps improving while the network learns each photograph by heart, and the
stopping comes late (or never, at the epoch cap). :func:`fit_by_images`
holds out whole photographs instead, runs the epochs with ``partial_fit``,
stops when the validation log-loss has not improved by ``tol`` for
``n_iter_no_change`` epochs (the classifier's own settings), and keeps the
best epoch's weights, as scikit-learn does.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss

__all__ = ["applies", "fit_by_images"]


def applies(classifier, n_images):
    """Whether ``classifier`` can be stopped on held-out images."""
    return (
        bool(getattr(classifier, "early_stopping", False))
        and hasattr(classifier, "partial_fit")
        and hasattr(classifier, "predict_proba")
        and n_images >= 2
    )


def _snapshot(classifier):
    return [w.copy() for w in classifier.coefs_], [
        b.copy() for b in classifier.intercepts_
    ]


def fit_by_images(classifier, X, y, image_index, rng, sample_weight=None):
    """Fit ``classifier`` epoch by epoch, stopping on held-out images.

    Parameters
    ----------
    classifier : MLPClassifier-like
        Unfitted, with ``early_stopping=True``; its ``validation_fraction``,
        ``tol``, ``n_iter_no_change`` and ``max_iter`` are used. It is fitted
        in place, with ``early_stopping`` left as given.
    X, y : ndarray
        Training rows and labels.
    image_index : ndarray of int, shape (n_rows,)
        The training image each row comes from.
    rng : numpy.random.RandomState
        Draws the held-out images.
    sample_weight : ndarray or None
        Weights of the rows (passed to ``partial_fit``).

    Returns
    -------
    held_out : ndarray of int
        The indices of the held-out images, sorted.
    """
    n_images = int(image_index.max()) + 1
    n_held = min(n_images - 1, max(1, round(classifier.validation_fraction * n_images)))
    held_out = np.sort(rng.choice(n_images, size=n_held, replace=False))
    held = np.isin(image_index, held_out)
    classes = np.unique(y)
    X_train, y_train = X[~held], y[~held]
    weights = None if sample_weight is None else sample_weight[~held]
    X_val, y_val = X[held], y[held]
    params = classifier.get_params()
    classifier.set_params(early_stopping=False)
    scores, best, best_weights, waited = [], -np.inf, None, 0
    try:
        for _ in range(params["max_iter"]):
            kwargs = {} if weights is None else {"sample_weight": weights}
            classifier.partial_fit(X_train, y_train, classes=classes, **kwargs)
            proba = classifier.predict_proba(X_val)
            score = -log_loss(y_val, proba, labels=classifier.classes_)
            scores.append(score)
            waited = 0 if score >= best + params["tol"] else waited + 1
            if score > best:
                best, best_weights = score, _snapshot(classifier)
            if waited > params["n_iter_no_change"]:
                break
        else:
            warnings.warn(
                f"the classifier reached max_iter={params['max_iter']} epochs "
                "while its score on held-out images was still improving.",
                ConvergenceWarning,
                stacklevel=3,
            )
    finally:
        classifier.set_params(early_stopping=params["early_stopping"])
    classifier.coefs_, classifier.intercepts_ = best_weights
    classifier.n_iter_ = len(scores)
    classifier.validation_scores_ = scores
    classifier.best_validation_score_ = best
    return held_out
