"""Fitted colorizers that ship with somcolor: use them with no training.

For people with grey photographs and no colour photographs of the same kind
to train on. :func:`load_pretrained` returns a fitted
:class:`~somcolor.ColorizerPipeline`; a shipped model's name also works
wherever a model file does (``somcolor colorize photos IMAGES -o OUT``,
:func:`somcolor.colorize_many`, ``somcolor evaluate``).

Each model is rebuilt by ``python -m somcolor.pretrained.build`` from the
data sets in ``../shared/data`` with fixed seeds (see that module), and comes
with a model card (:func:`model_card`): the data, the configuration, the fit
time and the quality measured on every test set.

Storage. A pickled (or skops-saved) ``MLPClassifier`` from one scikit-learn
release need not load in another, so a shipped model is stored in a
version-independent form: a ``.skops`` file holding only plain values and
NumPy arrays (the configuration, the codebook, the network's weights), from
which :func:`load_pretrained` builds fresh estimators of the installed
scikit-learn. The file names no type outside skops's defaults, so loading it
runs no code from the file.
"""

import warnings
from importlib import resources
from inspect import signature

import numpy as np

__all__ = [
    "available",
    "load_pretrained",
    "model_card",
    "recipe",
    "resolve_model",
    "MODELS",
    "RECIPES",
    "UNSHIPPED",
]

#: The shipped models and what each is for.
MODELS = {
    "photos": (
        "General photographs (people, animals, buildings, boats, landscapes); "
        "fit on the 300 BSDS500 train and val photographs."
    ),
    "landscapes": (
        "Natural landscapes; fit on the coast, forest, mountain and open "
        "country photographs of the eight-scene data set (training split)."
    ),
    "opencountry": (
        "The paper's setting and configuration; fit on the eight-scene Open "
        "Country training split."
    ),
}

# The configuration chosen on BSDS500 val (docs/general_photos.md).
_CHOSEN_ON_VAL = {
    "extractor": (
        "PatchExtractor",
        {"patch_size": 3, "context": [4, 8, 16, 32], "texture": [3, 9]},
    ),
    "decoding": "soft",
    "temperature": 0.3,
    "predict_scale": "training",
    # The edge-aware refinement (chosen on BSDS500 val with the recipe fit
    # on train: 9.52 -> 9.01 mean CIEDE2000, docs/hints.md).
    "refine": True,
}

# For one or a few colour reference photographs (somcolor.fit_reference):
# chosen on BSDS500 val halves and the ten DAVIS 2016 sequences
# (examples/reference_halves.py, examples/video_keyframes.py,
# docs/reference.md). max_training_size 150 rather than 200, 250 or none:
# the same on val halves (5.65, 5.62, 5.58, 5.61), better on DAVIS (6.20
# against 6.30 and 6.28) and the fastest to predict (about 20 ms per
# 854x480 frame). No refinement: no better on val halves (5.63), less
# colourful, and several times slower on video (somcolor.temporal's
# FrameColorizer is the way to steady video colours).
_REFERENCE = {
    "extractor": (
        "PatchExtractor",
        {"patch_size": 3, "context": [4, 8, 16], "texture": [3, 9]},
    ),
    "quantizer": (
        "SOMQuantizer",
        {"n_rows": 5, "n_cols": 5, "max_samples": 5000, "n_epochs": 20},
    ),
    "classifier": (
        "MLPClassifier",
        {
            "hidden_layer_sizes": [50, 50],
            "learning_rate_init": 0.005,
            "batch_size": 1000,
            "early_stopping": True,
            "tol": 1e-3,
            "n_iter_no_change": 5,
            "max_iter": 10,
        },
    ),
    "decoding": "soft",
    "temperature": 1.0,
    "predict_scale": "training",
    "max_training_size": 150,
    "pixels_per_image": 20000,
}

#: How each shipped model (and each recipe without one, :data:`UNSHIPPED`)
#: is configured (``params`` of ColorizerPipeline,
#: with components as ``(class name, parameters)``), and in words.
RECIPES = {
    "photos": {
        "params": _CHOSEN_ON_VAL,
        "summary": "3x3 patch, context pyramid at 4, 8, 16 and 32 px, local "
        "standard deviation over 3x3 and 9x9; 9 colours (3x3 SOM); MLP 50+50; "
        "soft decoding at T = 0.3; larger photographs colorized at the "
        "training scale; the prediction refined by the edge-aware solver, "
        "fading to grey where the classifier is unsure (chosen on BSDS500 "
        "val, docs/general_photos.md, docs/hints.md)",
    },
    "landscapes": {
        "params": _CHOSEN_ON_VAL,
        "summary": "the photos recipe (chosen on BSDS500 val, not tuned on the "
        "eight-scene data)",
    },
    "opencountry": {
        "params": {},
        "summary": "the paper's: 3x3 patch, 9 colours (3x3 SOM), MLP 50+50, "
        "argmax decoding",
    },
    # No shipped model: fit on one or a few colour reference photographs
    # (somcolor.fit_reference). Chosen on BSDS500 val halves and the DAVIS
    # 2016 keyframes (docs/reference.md).
    "reference": {
        "params": _REFERENCE,
        "summary": "3x3 patch, context at 4, 8 and 16 px, local standard "
        "deviation over 3x3 and 9x9; 25 colours (5x5 SOM on 5,000 samples, 20 "
        "epochs); MLP 50+50 for at most 10 epochs at a learning rate of "
        "0.005; soft decoding at T = 1; references shrunk to 150 px "
        "(sqrt(H*W)) and grey images colorized at that scale, no "
        "refinement (chosen on BSDS500 val halves and the DAVIS 2016 "
        "keyframes, docs/reference.md)",
    },
}

#: Recipes without a shipped model: fit them on your own photographs.
UNSHIPPED = ("reference",)

_FORMAT = "somcolor-pretrained"
_FORMAT_VERSION = 1


def available():
    """Names of the shipped models.

    Returns
    -------
    names : tuple of str

    Examples
    --------
    >>> from somcolor.pretrained import available
    >>> available()
    ('photos', 'landscapes', 'opencountry')
    """
    return tuple(MODELS)


def _did_you_mean(name, names=None):
    """``"; did you mean 'photos'?"`` for a misspelt shipped model's name, or ``""``.

    The closest of ``names`` (by default the shipped models), as
    :func:`difflib.get_close_matches` finds it (the way a misspelt command
    gets its suggestion); nothing for a path or a file name, which is not a
    misspelt model name.

    Examples
    --------
    >>> from somcolor.pretrained import _did_you_mean
    >>> _did_you_mean("photo")
    "; did you mean 'photos'?"
    >>> _did_you_mean("my-model.skops")
    ''
    """
    import difflib
    import os

    name = os.fspath(name) if isinstance(name, (str, os.PathLike)) else None
    if not name or os.path.splitext(name)[1] or "/" in name or os.sep in name:
        return ""
    close = difflib.get_close_matches(
        name, list(MODELS if names is None else names), n=1
    )
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_name(name):
    if isinstance(name, str) and name in UNSHIPPED:
        raise ValueError(
            f"{name!r} is a recipe without a shipped model: there is no fitted "
            f"{name!r} model to load. Fit it on your own colour photographs "
            f"(somcolor.fit_reference(images), or somcolor.pretrained.recipe("
            f"{name!r}).fit(images)); the shipped models are {', '.join(MODELS)}."
        )
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(
            f"unknown shipped model {name!r}; the shipped models are "
            f"{', '.join(MODELS)}{_did_you_mean(name) or '.'}"
        )


def _path(name):
    return resources.files(__name__).joinpath(f"{name}.skops")


def _read(name):
    import skops.io as sio

    _check_name(name)
    with resources.as_file(_path(name)) as path:
        if not path.is_file():
            raise FileNotFoundError(
                f"the shipped model {name!r} is missing from this installation "
                f"({path}); rebuild it with python -m somcolor.pretrained.build."
            )
        # Plain values and arrays only: nothing to trust beyond skops's own.
        data = sio.load(path, trusted=[])
    if data.get("format") != _FORMAT or data.get("format_version") != _FORMAT_VERSION:
        raise ValueError(f"{path} is not a shipped somcolor model of this version.")
    return data


def recipe(name):
    """The unfitted colorizer of a shipped model: fit it on your own photographs.

    Parameters
    ----------
    name : str
        One of :func:`available`, or a recipe without a shipped model
        (:data:`UNSHIPPED`): ``'reference'``, made for fitting on one or a
        few colour reference photographs (:func:`somcolor.fit_reference`).

    Returns
    -------
    model : ColorizerPipeline
        Unfitted, configured as the shipped model (``random_state=0``).

    Examples
    --------
    >>> from somcolor.pretrained import recipe
    >>> recipe("opencountry").get_params()["extractor__patch_size"]
    3
    >>> recipe("reference").get_params()["predict_scale"]
    'training'
    """
    from sklearn.neural_network import MLPClassifier

    from .. import patches, pipeline, som

    if not isinstance(name, str) or name not in RECIPES:
        raise ValueError(
            f"unknown recipe {name!r}; the recipes are {', '.join(RECIPES)}."
        )
    classes = {
        "PatchExtractor": patches.PatchExtractor,
        "SOMQuantizer": som.SOMQuantizer,
        "MLPClassifier": MLPClassifier,
    }
    params = {}
    for key, value in RECIPES[name]["params"].items():
        if isinstance(value, tuple):
            cls, kwargs = value
            kwargs = {
                k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()
            }
            value = classes[cls](**kwargs)
        params[key] = value
    return pipeline.ColorizerPipeline(random_state=0, **params)


def load_pretrained(name):
    """A fitted colorizer that ships with somcolor.

    Parameters
    ----------
    name : str
        One of :func:`available`: ``'photos'`` (general photographs),
        ``'landscapes'`` (natural scenes) or ``'opencountry'`` (the paper's
        setting).

    Returns
    -------
    model : ColorizerPipeline
        Fitted; a new object at each call. Its card: :func:`model_card`.

    Raises
    ------
    ValueError
        An unknown name (the message lists the shipped ones).

    Examples
    --------
    >>> from skimage import data
    >>> from somcolor import load_pretrained, to_grey
    >>> model = load_pretrained("photos")
    >>> colour = model.predict(to_grey([data.astronaut()[::4, ::4]]))[0]
    >>> colour.shape
    (128, 128, 3)
    """
    return from_portable(_read(name)["model"])


def model_card(name):
    """What a shipped model was fit on, how, and how well it colorizes.

    Parameters
    ----------
    name : str
        One of :func:`available`.

    Returns
    -------
    card : dict
        ``description``, ``data``, ``configuration``, ``command`` (that
        rebuilt it), ``fit_seconds`` and ``scores``: for each test set, the
        mean CIEDE2000, colourfulness ratio and share of images better than
        grey of the model and of the references (grey, mean chroma).

    Examples
    --------
    >>> from somcolor.pretrained import model_card
    >>> card = model_card("photos")
    >>> sorted(card)[:3]
    ['command', 'configuration', 'data']
    """
    return _read(name)["card"]


def resolve_model(model):
    """A model given as an estimator, a model file or a shipped model's name.

    Parameters
    ----------
    model : estimator, str or path-like
        A fitted estimator (returned as it is), the path of a file written
        by :func:`somcolor.save`, or one of :func:`available`. An existing
        file of a shipped model's name is read as a file.

    Returns
    -------
    model : estimator

    Raises
    ------
    FileNotFoundError
        No such file and no such shipped model (the message lists them), or
        a folder.

    Examples
    --------
    >>> from somcolor.pretrained import resolve_model
    >>> type(resolve_model("opencountry")).__name__
    'ColorizerPipeline'
    """
    import os
    from pathlib import Path

    if not isinstance(model, (str, os.PathLike)):
        return model
    path = Path(model)
    if path.is_file():
        from ..persistence import load

        return load(path)
    if str(model) in MODELS:
        return load_pretrained(str(model))
    what = "is a folder, not a model file" if path.exists() else "names no model file"
    raise FileNotFoundError(
        f"{str(model)!r} {what}, and is not the name of a shipped model "
        f"({', '.join(MODELS)}){_did_you_mean(model) or '.'}"
    )


# -- the version-independent form -------------------------------------------


def _plain(value):
    """``value`` as plain Python (tuples as lists, NumPy scalars as numbers)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store {type(value).__name__} {value!r} portably.")


def to_portable(model):
    """A fitted pipeline as plain values and arrays (see the module notes).

    Parameters
    ----------
    model : ColorizerPipeline
        Fitted, with a :class:`~somcolor.SOMQuantizer`, a
        :class:`~somcolor.PatchExtractor` and an ``MLPClassifier``.

    Returns
    -------
    data : dict
        Only dicts, lists, strings, numbers, None and NumPy arrays.
    """
    from sklearn.neural_network import MLPClassifier

    from ..patches import PatchExtractor
    from ..som import SOMQuantizer

    quantizer, extractor, classifier = (
        model.quantizer_,
        model.extractor_,
        model.classifier_,
    )
    if (
        type(quantizer) is not SOMQuantizer
        or type(extractor) is not PatchExtractor
        or type(classifier) is not MLPClassifier
    ):
        raise TypeError(
            "a portable model needs a SOMQuantizer, a PatchExtractor and an "
            "MLPClassifier."
        )
    pipeline_params = model.get_params(deep=False)
    extractor_params = extractor.get_params()
    extractor_params["dtype"] = np.dtype(extractor.dtype).name
    return {
        "pipeline": {
            key: _plain(value)
            for key, value in pipeline_params.items()
            if key not in ("quantizer", "extractor", "classifier")
        },
        "quantizer": {
            "params": {k: _plain(v) for k, v in quantizer.get_params().items()},
            "codebook": np.asarray(quantizer.codebook_),
            "quantization_error": float(quantizer.quantization_error_),
            "topographic_error": float(quantizer.topographic_error_),
            "n_iter": int(quantizer.n_iter_),
        },
        "extractor": {"params": {k: _plain(v) for k, v in extractor_params.items()}},
        "classifier": {
            "params": {k: _plain(v) for k, v in classifier.get_params().items()},
            "coefs": [np.asarray(w) for w in classifier.coefs_],
            "intercepts": [np.asarray(b) for b in classifier.intercepts_],
            "classes": np.asarray(classifier.classes_),
            "n_iter": int(classifier.n_iter_),
        },
        "codebook": np.asarray(model.codebook_),
        "training_mean_chroma": np.asarray(model.training_mean_chroma_),
        "training_size": float(model.training_size_),
        "n_training_pixels": int(model.n_training_pixels_),
    }


def _known(cls, params):
    """``params`` accepted by ``cls`` of the installed version."""
    accepted = signature(cls.__init__).parameters
    return {
        k: (tuple(v) if isinstance(v, list) else v)
        for k, v in params.items()
        if k in accepted
    }


def _mlp(data, n_features, dtype):
    """A fitted ``MLPClassifier`` of the installed scikit-learn with given weights.

    scikit-learn builds its own fitted state by fitting once on one row per
    class (so no private attribute is set here); the weights then replace
    the ones it drew.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    params = _known(MLPClassifier, data["params"])
    classes = np.asarray(data["classes"])
    # One epoch of one mini-batch on one row per class, then the parameters
    # as they were.
    kept = ("max_iter", "early_stopping", "batch_size")
    classifier = MLPClassifier(**params).set_params(
        max_iter=1, early_stopping=False, batch_size=len(classes)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(np.zeros((len(classes), n_features), dtype=dtype), classes)
    classifier.set_params(**{k: params[k] for k in kept if k in params})
    shapes = [w.shape for w in classifier.coefs_]
    if shapes != [np.shape(w) for w in data["coefs"]]:
        raise ValueError(f"stored weights do not fit layers of shapes {shapes}.")
    classifier.coefs_ = [np.asarray(w, dtype=dtype) for w in data["coefs"]]
    classifier.intercepts_ = [np.asarray(b, dtype=dtype) for b in data["intercepts"]]
    classifier.n_iter_ = data["n_iter"]
    return classifier


def from_portable(data):
    """Build the fitted pipeline that :func:`to_portable` described.

    Parameters
    ----------
    data : dict
        As returned by :func:`to_portable`.

    Returns
    -------
    model : ColorizerPipeline
        Fitted, with estimators of the installed libraries.
    """
    from sklearn.base import clone

    from ..patches import PatchExtractor
    from ..pipeline import ColorizerPipeline
    from ..som import SOMQuantizer

    extractor_params = _known(PatchExtractor, data["extractor"]["params"])
    q = data["quantizer"]
    quantizer_params = _known(SOMQuantizer, q["params"])
    extractor = PatchExtractor(**extractor_params).fit()
    quantizer = SOMQuantizer(**quantizer_params)
    quantizer.codebook_ = np.asarray(q["codebook"])
    quantizer.n_features_in_ = quantizer.codebook_.shape[1]
    quantizer.quantization_error_ = q["quantization_error"]
    quantizer.topographic_error_ = q["topographic_error"]
    quantizer.n_iter_ = q["n_iter"]
    classifier = _mlp(
        data["classifier"], extractor._n_features(), np.dtype(extractor.dtype)
    )
    model = ColorizerPipeline(
        quantizer=SOMQuantizer(**quantizer_params),
        extractor=PatchExtractor(**extractor_params),
        classifier=clone(classifier),
        **_known(ColorizerPipeline, data["pipeline"]),
    )
    model.quantizer_ = quantizer
    model.extractor_ = extractor
    model.classifier_ = classifier
    model.codebook_ = np.asarray(data["codebook"], dtype=np.float64)
    model.training_mean_chroma_ = np.asarray(data["training_mean_chroma"])
    model.training_size_ = data["training_size"]
    model.n_training_pixels_ = data["n_training_pixels"]
    return model
