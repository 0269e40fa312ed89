"""Reading image collections from disk, and the eight-scene data set.

The eight-scene data set (Oliva and Torralba, 2001) is never shipped with
somcolor. :func:`load_scene8` reads a local copy, found through the
``data_home`` argument or the ``SOMCOLOR_SCENE8`` environment variable (the
folder that holds ``coast/``, ``forest/``, ..., ``opencountry/``).
"""

import glob
import os
from pathlib import Path

import numpy as np
from skimage import io as skio
from sklearn.utils import Bunch

__all__ = ["load_images", "load_scene8", "scene8_home", "SCENE8_CATEGORIES"]

SCENE8_ENV = "SOMCOLOR_SCENE8"
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
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".gif", ".webp"}


def _expand(paths):
    """Files named by ``paths``: files, folders (their images) or globs."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files = []
    for entry in paths:
        entry = os.fspath(entry)
        if os.path.isdir(entry):
            files.extend(
                sorted(
                    str(p)
                    for p in Path(entry).iterdir()
                    if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES
                )
            )
        elif os.path.exists(entry):
            files.append(entry)
        else:
            matches = sorted(glob.glob(entry))
            if not matches:
                raise FileNotFoundError(f"No file, folder or glob match for {entry!r}.")
            files.extend(m for m in matches if os.path.isfile(m))
    return files


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
    >>> io.imsave(os.path.join(folder, "a.png"), np.zeros((4, 4, 3), np.uint8))
    >>> images, names = load_images(folder)
    >>> images[0].shape
    (4, 4, 3)
    """
    files = _expand(paths)
    return [skio.imread(f) for f in files], files


def scene8_home(data_home=None):
    """The folder of the local eight-scene copy, or None if there is none.

    Parameters
    ----------
    data_home : str or path-like, optional
        Overrides the ``SOMCOLOR_SCENE8`` environment variable.

    Returns
    -------
    path : pathlib.Path or None

    Examples
    --------
    >>> from somcolor.datasets import scene8_home
    >>> scene8_home("/nonexistent") is None
    True
    """
    home = data_home if data_home is not None else os.environ.get(SCENE8_ENV)
    if not home:
        return None
    home = Path(home)
    return home if (home / "opencountry").is_dir() else None


def load_scene8(category="opencountry", data_home=None, split=None):
    """Load images of the eight-scene data set from a local copy.

    The fixed train/test split used throughout somcolor's documentation is
    by image: the files of a category sorted by name, every fifth one (the
    5th, 10th, ...) held out for test, which is 20%.

    Parameters
    ----------
    category : str, list of str or None, default='opencountry'
        One of :data:`SCENE8_CATEGORIES`, a list of them, or None for all.
    data_home : str or path-like, optional
        Folder holding the category folders. Defaults to the
        ``SOMCOLOR_SCENE8`` environment variable.
    split : {None, 'train', 'test'}, default=None
        None for every image, else that part of the fixed 80/20 split.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``images`` (list of uint8 RGB arrays), ``filenames`` and
        ``categories`` (the category of each image).

    Examples
    --------
    >>> from somcolor.datasets import load_scene8, scene8_home
    >>> if scene8_home() is not None:
    ...     data = load_scene8("opencountry", split="test")
    ...     assert len(data.images) == len(data.filenames)
    """
    home = scene8_home(data_home)
    if home is None:
        raise FileNotFoundError(
            "No local copy of the eight-scene data set: pass data_home or set "
            f"the {SCENE8_ENV} environment variable to the folder that holds "
            "'opencountry/' and the other category folders."
        )
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
    images, filenames, labels = [], [], []
    for name in categories:
        files = sorted((home / name).glob("*.jpg"))
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
