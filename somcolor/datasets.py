"""Reading image collections from disk; the eight-scene and BSDS500 data sets.

The eight-scene data set (Oliva and Torralba, 2001) is never shipped with
somcolor. :func:`load_scene8` reads a local copy, found through the
``data_home`` argument or the ``SOMCOLOR_SCENE8`` environment variable, and
downloads the authors' original archive (256x256 images, about 130 MB) into
a cache with :mod:`pooch` when there is none. A local copy is a folder that
holds either one folder per category (``coast/``, ..., ``opencountry/``) or
the images themselves, named ``<category>_<name>.jpg`` as in the original
archive.

The 500 general photographs of BSDS500 (Arbelaez et al., 2011) are read by
:func:`load_bsds500` from a local copy with ``train/``, ``val/`` and
``test/`` folders, named by ``data_home`` or the ``SOMCOLOR_BSDS500``
environment variable.
"""

import os
import zipfile
from pathlib import Path

import numpy as np
from skimage import io as skio
from sklearn.utils import Bunch

__all__ = [
    "load_images",
    "load_scene8",
    "scene8_home",
    "SCENE8_CATEGORIES",
    "load_bsds500",
    "bsds500_home",
]

SCENE8_ENV = "SOMCOLOR_SCENE8"
BSDS500_ENV = "SOMCOLOR_BSDS500"
#: The splits of BSDS500, each a folder of a local copy.
BSDS500_SPLITS = ("train", "val", "test")
#: The authors' original archive of the eight scene categories.
SCENE8_URL = (
    "https://people.csail.mit.edu/torralba/code/spatialenvelope/"
    "spatial_envelope_256x256_static_8outdoorcategories.zip"
)
#: SHA-256 of :data:`SCENE8_URL`'s archive, checked after download. None
#: means unchecked: pooch then logs the hash it computed, to be recorded here.
SCENE8_SHA256 = None
_SCENE8_ARCHIVE = "spatial_envelope_256x256_static_8outdoorcategories.zip"
SCENE8_CATEGORIES = (
    "coast",
    "forest",
    "highway",
    "insidecity",
    "mountain",
    "opencountry",
    "street",
    "tallbuilding",
)


def _expand(paths):
    """Image files named by ``paths``: files, folders (their images) or globs."""
    from ._files import list_image_files

    return [f for f in list_image_files(paths) if os.path.isfile(f)]


def load_images(paths):
    """Read images from files, folders or glob patterns.

    Parameters
    ----------
    paths : str, path-like or list of them
        Image files, folders (every image file inside, sorted by name, not
        recursive) or glob patterns.

    Returns
    -------
    images : list of ndarray
        As read by :func:`skimage.io.imread` (uint8 for JPEG and 8-bit PNG).
    filenames : list of str
        The path of each image.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> from skimage import io
    >>> from somcolor.datasets import load_images
    >>> folder = tempfile.mkdtemp()
    >>> io.imsave(os.path.join(folder, "a.png"), np.zeros((4, 4, 3), np.uint8),
    ...           check_contrast=False)
    >>> images, names = load_images(folder)
    >>> images[0].shape
    (4, 4, 3)
    """
    files = _expand(paths)
    return [skio.imread(f) for f in files], files


def _category_files(home, name):
    """Sorted image files of one category, in either layout."""
    folder = home / name
    if folder.is_dir():
        return sorted(folder.glob("*.jpg"))
    return sorted(home.glob(f"{name}_*.jpg"))


def _given_folder(data_home, env):
    """``data_home``, else the folder the environment variable ``env`` names,
    as a path; None when neither is set."""
    home = data_home if data_home is not None else os.environ.get(env)
    return Path(home) if home else None


def _holds_scene8(folder):
    return (folder / "opencountry").is_dir() or any(folder.glob("opencountry_*.jpg"))


def scene8_home(data_home=None):
    """The folder of a local eight-scene copy, or None if there is none.

    Looks in ``data_home`` when given, else in the folder named by the
    ``SOMCOLOR_SCENE8`` environment variable, and in the folder a previous
    download was extracted to below either. Never downloads.

    Parameters
    ----------
    data_home : str or path-like, optional
        Overrides the ``SOMCOLOR_SCENE8`` environment variable.

    Returns
    -------
    path : pathlib.Path or None
        A folder holding ``opencountry/`` (and the other category folders),
        or the images of the original archive, ``opencountry_*.jpg`` and so
        on.

    Examples
    --------
    >>> from somcolor.datasets import scene8_home
    >>> scene8_home("/nonexistent") is None
    True
    """
    home = _given_folder(data_home, SCENE8_ENV)
    if home is None or not home.is_dir():
        return None
    if _holds_scene8(home):
        return home
    extracted = home / (_SCENE8_ARCHIVE + ".unzip")
    if extracted.is_dir():
        for folder in sorted(p for p in extracted.rglob("*") if p.is_dir()):
            if _holds_scene8(folder):
                return folder
    return None


def _download_scene8(data_home):
    """Download and extract the original archive into ``data_home``."""
    try:
        import pooch
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "Downloading the eight-scene data set needs pooch: pip install pooch "
            f"(or pip install 'somcolor[data]'), or set {SCENE8_ENV} to a local "
            "copy."
        ) from exc
    data_home = Path(data_home)
    data_home.mkdir(parents=True, exist_ok=True)
    import requests  # pooch's HTTP client

    try:
        pooch.retrieve(
            SCENE8_URL,
            known_hash=None if SCENE8_SHA256 is None else f"sha256:{SCENE8_SHA256}",
            fname=_SCENE8_ARCHIVE,
            path=data_home,
            processor=pooch.Unzip(),
            progressbar=False,
        )
    except requests.RequestException as exc:
        raise ConnectionError(
            f"Could not download the eight-scene data set from {SCENE8_URL} into "
            f"{data_home}: {exc}. Without a network, pass data_home or set "
            f"{SCENE8_ENV} (now {os.environ.get(SCENE8_ENV)!r}) to a folder that "
            "holds 'opencountry/' and the other category folders."
        ) from exc
    except zipfile.BadZipFile as exc:
        # A damaged download would otherwise stay cached and fail every call.
        (data_home / _SCENE8_ARCHIVE).unlink(missing_ok=True)
        raise OSError(
            f"The archive downloaded from {SCENE8_URL} into {data_home} is not a "
            f"whole zip file ({exc}); it was deleted, call again to download it "
            "anew."
        ) from exc
    home = scene8_home(data_home)
    if home is None:
        raise FileNotFoundError(
            f"The archive downloaded from {SCENE8_URL} into {data_home} holds no "
            "eight-scene images (opencountry_*.jpg)."
        )
    return home


def _default_cache():
    try:
        import pooch
    except ImportError:  # pragma: no cover - depends on the install
        return Path.home() / ".cache" / "somcolor"
    return Path(pooch.os_cache("somcolor"))


def load_scene8(category=None, data_home=None, split=None, *, download=True):
    """Load images of the eight-scene data set, downloading it if needed.

    The data are looked for in ``data_home``, else in the folder named by
    the ``SOMCOLOR_SCENE8`` environment variable, else in somcolor's cache
    (``pooch.os_cache("somcolor")``). When none holds them and ``download``
    is true, the authors' original archive (:data:`SCENE8_URL`, 256x256
    images) is downloaded with :mod:`pooch`, checked against
    :data:`SCENE8_SHA256`, and extracted into ``data_home`` (or the cache),
    where later calls find it.

    The fixed train/test split used throughout somcolor's documentation is
    by image: the files of a category sorted by name, every fifth one (the
    5th, 10th, ...) held out for test, which is 20%.

    Parameters
    ----------
    category : str, list of str or None, default=None
        One of :data:`SCENE8_CATEGORIES` (the paper's is ``'opencountry'``),
        a list of them, or None for all eight.
    data_home : str or path-like, optional
        Folder holding the data, or where to download them. Defaults to the
        ``SOMCOLOR_SCENE8`` environment variable, then to the cache.
    split : {None, 'train', 'test'}, default=None
        None for every image, else that part of the fixed 80/20 split.
    download : bool, default=True
        Download the archive when no local copy is found; when False, raise
        FileNotFoundError instead.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``images`` (list of uint8 RGB arrays), ``filenames`` and
        ``categories`` (the category of each image).

    Raises
    ------
    FileNotFoundError
        No local copy and ``download=False``, or the downloaded archive
        holds no eight-scene images.
    ConnectionError
        The download failed (no network, HTTP error); the message says how
        to point somcolor at a local copy.
    OSError
        The downloaded archive is not a whole zip file (it is deleted, so
        that the next call downloads it again).
    ValueError
        An unknown ``category`` or ``split``, or an archive whose SHA-256
        is not :data:`SCENE8_SHA256`.

    Examples
    --------
    >>> from somcolor.datasets import load_scene8, scene8_home
    >>> if scene8_home() is not None:
    ...     data = load_scene8("opencountry", split="test")
    ...     assert len(data.images) == len(data.filenames)
    """
    if category is None:
        categories = list(SCENE8_CATEGORIES)
    elif isinstance(category, str):
        categories = [category]
    else:
        categories = list(category)
    for name in categories:
        if name not in SCENE8_CATEGORIES:
            raise ValueError(
                f"category must be one of {SCENE8_CATEGORIES} (or a list of them, "
                f"or None), got {name!r}."
            )
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be None, 'train' or 'test', got {split!r}.")
    home = scene8_home(data_home)
    if home is None and data_home is None:
        home = scene8_home(_default_cache())
    if home is None:
        if not download:
            raise FileNotFoundError(
                "No local copy of the eight-scene data set: pass data_home or set "
                f"the {SCENE8_ENV} environment variable to the folder that holds "
                "'opencountry/' and the other category folders, or pass "
                "download=True."
            )
        target = data_home
        if target is None:
            target = os.environ.get(SCENE8_ENV) or _default_cache()
        home = _download_scene8(target)
    images, filenames, labels = [], [], []
    for name in categories:
        files = _category_files(home, name)
        keep = np.arange(len(files)) % 5 == 4
        if split == "train":
            keep = ~keep
        elif split is None:
            keep[:] = True
        for path, kept in zip(files, keep):
            if kept:
                images.append(skio.imread(path))
                filenames.append(str(path))
                labels.append(name)
    return Bunch(images=images, filenames=filenames, categories=labels)


def bsds500_home(data_home=None):
    """The folder of a local BSDS500 copy, or None if there is none.

    Parameters
    ----------
    data_home : str or path-like, optional
        Overrides the ``SOMCOLOR_BSDS500`` environment variable.

    Returns
    -------
    path : pathlib.Path or None
        A folder holding ``train/``, ``val/`` and ``test/``.

    Examples
    --------
    >>> from somcolor.datasets import bsds500_home
    >>> bsds500_home("/nonexistent") is None
    True
    """
    home = _given_folder(data_home, BSDS500_ENV)
    if home is not None and all((home / split).is_dir() for split in BSDS500_SPLITS):
        return home
    return None


def load_bsds500(split, data_home=None):
    """Load the colour photographs of one split of BSDS500.

    BSDS500 (Arbelaez, Maire, Fowlkes and Malik, "Contour Detection and
    Hierarchical Image Segmentation", IEEE TPAMI 2011) holds 500 general
    photographs (people, animals, buildings, landscapes; 481x321 or
    321x481): 200 for training, 100 for validation, 200 for test. somcolor
    never ships or downloads them: point ``data_home`` or the
    ``SOMCOLOR_BSDS500`` environment variable at a copy whose ``train/``,
    ``val/`` and ``test/`` folders hold the images (as in the original
    release's ``BSR/BSDS500/data/images/``).

    Parameters
    ----------
    split : {'train', 'val', 'test'} or list of them
        Which split(s); a list concatenates them in that order.
    data_home : str or path-like, optional
        The folder of the copy; defaults to ``SOMCOLOR_BSDS500``.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``images`` (list of uint8 RGB arrays) and ``filenames``, sorted by
        name within each split.

    Raises
    ------
    FileNotFoundError
        No copy found.
    ValueError
        An unknown split.

    Examples
    --------
    >>> from somcolor.datasets import bsds500_home, load_bsds500
    >>> if bsds500_home() is not None:
    ...     data = load_bsds500("val")
    ...     assert len(data.images) == 100
    """
    splits = [split] if isinstance(split, str) else list(split)
    for name in splits:
        if name not in BSDS500_SPLITS:
            raise ValueError(
                f"split must be one of {BSDS500_SPLITS} or a list of them, got "
                f"{name!r}."
            )
    home = bsds500_home(data_home)
    if home is None:
        raise FileNotFoundError(
            "No local copy of BSDS500: pass data_home or set the "
            f"{BSDS500_ENV} environment variable to a folder holding train/, "
            "val/ and test/ with the images."
        )
    files = [path for name in splits for path in sorted((home / name).glob("*.jpg"))]
    return Bunch(
        images=[skio.imread(f) for f in files], filenames=list(map(str, files))
    )
