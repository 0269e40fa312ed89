"""Safe saving and loading of fitted models with :mod:`skops.io`.

Pickle and joblib files can run arbitrary code when they are loaded, so a
model received from someone else should never be unpickled. :func:`save`
writes a ``.skops`` file instead: a zip archive describing the objects, which
:func:`load` rebuilds only from an allow-list of trusted types (somcolor's
estimators, the scikit-learn parts they hold, NumPy arrays and plain Python
values). A file that names any other type is refused before anything in it
is built.

The file also records the somcolor version that wrote it. A model is loaded
only by a somcolor of the same major and minor version (``0.2.x`` reads
``0.2.y``), because the fitted attributes may change between minor versions.
"""

import importlib.metadata
import os
from pathlib import Path

from . import __version__
from ._files import temporary_sibling

__all__ = [
    "save",
    "load",
    "TRUSTED_TYPES",
    "ModelFileError",
    "UntrustedTypeError",
    "IncompatibleVersionError",
]

_FORMAT = "somcolor-model"
_FORMAT_VERSION = 1

#: Types a somcolor model file may contain beyond what skops trusts itself
#: (NumPy arrays and scalars, built-in containers, and so on).
TRUSTED_TYPES = (
    "somcolor.pipeline.ColorizerPipeline",
    "somcolor.som.SOMQuantizer",
    "somcolor.patches.PatchExtractor",
    "sklearn.neural_network._multilayer_perceptron.MLPClassifier",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.preprocessing._label.LabelBinarizer",
    "numpy.random.mtrand.RandomState",
)


class ModelFileError(ValueError):
    """The file is not a readable somcolor model file.

    Raised for a corrupted file, or for a file that is not a model written by
    :func:`save` (another format, or a skops file without somcolor's header).

    Examples
    --------
    >>> from somcolor.persistence import ModelFileError
    >>> issubclass(ModelFileError, ValueError)
    True
    """


class UntrustedTypeError(ModelFileError):
    """The model file names types outside :data:`TRUSTED_TYPES`.

    Examples
    --------
    >>> from somcolor.persistence import ModelFileError, UntrustedTypeError
    >>> issubclass(UntrustedTypeError, ModelFileError)
    True
    """


class IncompatibleVersionError(ModelFileError):
    """The model was written by an incompatible somcolor version.

    Examples
    --------
    >>> from somcolor.persistence import IncompatibleVersionError
    >>> str(IncompatibleVersionError("written by somcolor 9.0.0"))
    'written by somcolor 9.0.0'
    """


def _skops():
    """:mod:`skops.io`, or an ImportError saying what really failed."""
    try:
        import skops.io as sio
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name in ("skops", "skops.io"):
            raise ImportError(
                "somcolor.save and somcolor.load need skops, which is not "
                "installed: pip install skops"
            ) from exc
        # Installed but broken, typically a skops older than the installed
        # scikit-learn (skops 0.10 with scikit-learn 1.6: "cannot import name
        # 'Huber' from 'sklearn.linear_model._sgd_fast'").
        raise ImportError(
            f"somcolor.save and somcolor.load need skops, and skops "
            f"{_installed('skops')} failed to import with scikit-learn "
            f"{_installed('scikit-learn')}: {exc}. Install a skops release that "
            "supports this scikit-learn: pip install --upgrade skops"
        ) from exc
    return sio


#: File name endings of pickle and joblib files, as people name them.
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".pck", ".joblib", ".sav")


def _pickle_hint(path):
    """A sentence for a pickle or joblib file given as a model file, or ''.

    Recognised by the file's name or by the pickle protocol's opening bytes
    (``0x80`` and the protocol number, 2 to 5), which uncompressed joblib
    files share.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError:
        head = b""
    pickled = len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5
    if not pickled and path.suffix.lower() not in _PICKLE_SUFFIXES:
        return ""
    return (
        f"{str(path)!r} looks like a pickle or joblib file, not a somcolor model "
        "file: load it with pickle.load or joblib.load, and only if you trust "
        "where it came from (loading a pickle runs code); somcolor.save(model, "
        "'model.skops') writes the safe format to share."
    )


def _installed(distribution):
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


def _major_minor(version):
    return tuple(str(version).split(".")[:2])


def save(model, path):
    """Write a fitted somcolor estimator to a ``.skops`` file.

    The file is written to a temporary name and renamed, so an interrupted
    save never leaves a partial model at ``path``. It gets the permissions
    of any new file (0o666 less the umask), so that it can be shared.

    Parameters
    ----------
    model : ColorizerPipeline, SOMQuantizer or PatchExtractor
        The estimator to save, usually fitted.
    path : str or path-like
        Where to write (conventionally ending in ``.skops``). An existing
        file is replaced.

    Returns
    -------
    path : pathlib.Path
        The path written.

    See Also
    --------
    load : Read the file back, refusing unknown types.

    Examples
    --------
    >>> import os, tempfile
    >>> import somcolor
    >>> path = os.path.join(tempfile.mkdtemp(), "patches.skops")
    >>> _ = somcolor.save(somcolor.PatchExtractor(patch_size=5), path)
    >>> somcolor.load(path).patch_size
    5
    """
    sio = _skops()
    path = Path(path)
    payload = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "somcolor_version": __version__,
        "model": model,
    }
    with temporary_sibling(path, suffix="") as tmp:
        sio.dump(payload, tmp)
        os.replace(tmp, path)
    return path


def load(path, *, trusted=()):
    """Read a model written by :func:`save`, building only trusted types.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    trusted : sequence of str, default=()
        Further fully qualified type names to accept, beyond
        :data:`TRUSTED_TYPES` (for a model holding, say, a custom
        classifier). Add only types whose code you trust.

    Returns
    -------
    model : estimator
        The saved estimator.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    UntrustedTypeError
        If the file names a type that is neither trusted by skops nor listed
        in :data:`TRUSTED_TYPES` or ``trusted``; nothing is built.
    IncompatibleVersionError
        If the file was written by a somcolor of another major or minor
        version.
    ModelFileError
        If the file is corrupted or not a somcolor model file; for a pickle
        or joblib file, the message says how such files are loaded.

    See Also
    --------
    save : Write a model.

    Examples
    --------
    >>> import os, tempfile
    >>> import somcolor
    >>> path = os.path.join(tempfile.mkdtemp(), "som.skops")
    >>> _ = somcolor.save(somcolor.SOMQuantizer(n_rows=2, n_cols=4), path)
    >>> model = somcolor.load(path)
    >>> model.n_rows, model.n_cols
    (2, 4)
    """
    sio = _skops()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No model file at {str(path)!r}.")
    try:
        unknown = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises many types on foreign files
        hint = _pickle_hint(path)
        if hint:
            raise ModelFileError(hint) from exc
        raise ModelFileError(
            f"{str(path)!r} is not a somcolor model file (or it is corrupted): {exc}"
        ) from exc
    allowed = set(TRUSTED_TYPES) | set(trusted)
    refused = sorted(set(unknown) - allowed)
    if refused:
        raise UntrustedTypeError(
            f"{str(path)!r} contains types that are not trusted: "
            f"{', '.join(refused)}. Load it only if you trust its author, with "
            "somcolor.load(path, trusted=[...])."
        )
    try:
        payload = sio.load(path, trusted=sorted(allowed & set(unknown)))
    except Exception as exc:
        raise ModelFileError(
            f"{str(path)!r} could not be read as a somcolor model file: {exc}"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ModelFileError(
            f"{str(path)!r} is a skops file but not a somcolor model file "
            "(write one with somcolor.save)."
        )
    version = str(payload.get("somcolor_version"))
    if payload.get("format_version") != _FORMAT_VERSION or _major_minor(
        version
    ) != _major_minor(__version__):
        raise IncompatibleVersionError(
            f"{str(path)!r} was written by somcolor {version}; this is somcolor "
            f"{__version__}, which reads models from somcolor "
            f"{'.'.join(_major_minor(__version__))}.x only. Refit the model, or "
            f"install somcolor {version} to use it."
        )
    return payload["model"]
