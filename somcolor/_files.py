"""Image files: listing, reading with clean errors, writing atomically.

Shared by the command line and :func:`somcolor.colorize_many`. Reading a
user's file must never end in an obscure error from deep inside a decoder:
whatever a decoder raises on a bad file (truncated data, a foreign format, a
declared size too large to decode, a folder named like an image, a file that
cannot be opened) becomes one :class:`ImageFileError` naming the file.
Writing goes through a temporary file in the target folder and a rename, so
that an interrupted run leaves no half-written image, and an existing file is
only replaced when asked.
"""

import contextlib
import os
import secrets
import stat
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "IMAGE_SUFFIXES",
    "ImageFileError",
    "as_grey",
    "colour_or_none",
    "decode_image",
    "has_alpha",
    "list_image_files",
    "read_image",
    "temporary_sibling",
    "to_uint16",
    "to_uint8",
    "unit_levels",
    "write_image",
]

#: File name endings taken as images when a folder is listed.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".gif", ".webp")

#: The formats somcolor reads, in words (for messages).
READABLE_FORMATS = "JPEG, PNG, TIFF, BMP, GIF or WebP"

#: Photographs' formats somcolor does not read (phones' HEIC and AVIF,
#: JPEG XL, cameras' raw files): a folder of them is named in the message
#: that it holds no image somcolor reads.
UNREAD_PHOTO_SUFFIXES = (
    ".heic", ".heif", ".avif", ".jxl",
    ".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2",
)  # fmt: skip


def no_images_found(inputs) -> str:
    """What to say of ``inputs`` (as :func:`list_image_files` takes them)
    that name no image file: where somcolor looked, and the photographs in
    a format it does not read that the folders hold, if any."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    inputs = [os.fspath(entry) for entry in inputs]
    counts: dict[str, int] = {}
    for folder in filter(os.path.isdir, inputs):
        for path in Path(folder).iterdir():
            suffix = path.suffix.lower()
            if suffix in UNREAD_PHOTO_SUFFIXES and not path.name.startswith("."):
                counts[suffix] = counts.get(suffix, 0) + 1
    unread = "".join(
        f"; {n} {suffix} file(s), a format somcolor does not read: convert "
        "them to JPEG or PNG"
        for suffix, n in counts.items()
    )
    return (
        f"no image files found in {', '.join(map(repr, inputs))} (folders are "
        f"searched for {', '.join(IMAGE_SUFFIXES)}{unread})."
    )


#: Largest image read, in pixels (width x height as declared by the file):
#: above it a file is refused before its pixels are decoded. 2**28 is a
#: 268-megapixel picture, 800 MB as 8-bit RGB. Pillow refuses files above
#: its own ``Image.MAX_IMAGE_PIXELS * 2`` (about 179 megapixels) first, so
#: for the formats Pillow reads that is the effective limit.
MAX_PIXELS = 1 << 28


@contextlib.contextmanager
def temporary_sibling(path, suffix=None):
    """A new, empty, hidden file next to ``path``, removed unless renamed.

    Writers fill the file and ``os.replace`` it onto ``path`` (or link it
    there), so that an interrupted write leaves no partial file at ``path``.
    The file is created with ``open``'s usual mode, 0o666 less the umask
    (and any default ACL of the folder), unlike :func:`tempfile.mkstemp`'s
    private 0o600, so that what somcolor writes is as readable as any other
    file its user writes.

    Parameters
    ----------
    path : str or path-like
        The file to be written eventually; the temporary file goes in its
        folder, named ``.NAME-XXXXXXXX.part`` plus ``suffix``.
    suffix : str, optional
        End of the temporary name (by default ``path``'s extension, which
        tells image writers the format).

    Yields
    ------
    tmp : str
        Path of the temporary file.

    Examples
    --------
    >>> import os, tempfile
    >>> from somcolor._files import temporary_sibling
    >>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with temporary_sibling(target) as tmp:
    ...     with open(tmp, "w") as f:
    ...         _ = f.write("done")
    ...     os.replace(tmp, target)
    >>> open(target).read()
    'done'
    """
    path = Path(path)
    if suffix is None:
        suffix = path.suffix
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(path.parent / f".{path.stem}-{secrets.token_hex(4)}.part{suffix}")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(f"cannot create a temporary file next to {path}.")
    os.close(fd)
    try:
        yield tmp
    finally:
        if os.path.lexists(tmp):
            os.remove(tmp)


class ImageFileError(ValueError):
    """A file that cannot be read as an image; the message names the file."""


def _one_line(exc):
    """First line of an exception's message, or its type's name."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def list_image_files(inputs):
    """Paths named by ``inputs``: files, folders (their images) or globs.

    Unlike :func:`somcolor.datasets.load_images`, entries of a folder that
    are named like images but are not regular files (a folder called
    ``x.jpg``) are listed, so that the caller reports them instead of
    skipping them silently. Hidden entries of a folder (names starting with
    a dot, such as the temporary files of an interrupted write) are not.

    Parameters
    ----------
    inputs : str, path-like or list of them

    Returns
    -------
    files : list of str
        In the order given; a folder's images sorted by name.

    Raises
    ------
    FileNotFoundError
        An entry is neither a file, a folder nor a glob with a match.
    """
    import glob

    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    files = []
    for entry in inputs:
        entry = os.fspath(entry)
        if os.path.isdir(entry):
            files.extend(
                sorted(
                    str(path)
                    for path in Path(entry).iterdir()
                    if path.suffix.lower() in IMAGE_SUFFIXES
                    and not path.name.startswith(".")
                )
            )
        elif os.path.lexists(entry):
            files.append(entry)
        else:
            matches = sorted(glob.glob(entry))
            if not matches:
                raise FileNotFoundError(f"No file, folder or glob match for {entry!r}.")
            files.extend(
                m
                for m in matches
                if os.path.isfile(m) or m.lower().endswith(IMAGE_SUFFIXES)
            )
    return files


def _header(path):
    """``(pixels, orientation, mode)`` a file declares: width x height (None
    if unknown, inf if Pillow refuses it as a bomb), its EXIF orientation
    (tag 274; 1, as stored, if it has none or a damaged one) and Pillow's
    name of its pixel format (``'RGB'``, ``'CMYK'``...; None if unknown)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Notes on damaged metadata: the decoder reports what matters.
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
            with Image.open(path) as image:
                width, height = image.size
                orientation = _orientation(image)
                mode = image.mode
    except Image.DecompressionBombError:
        return np.inf, 1, None
    except Exception:  # not a format Pillow knows: the decoder will tell
        return None, 1, None
    return width * height, orientation, mode


def _declared_pixels(path):
    """Width x height a file declares in its header, or None if unknown."""
    return _header(path)[0]


def _orientation(image):
    """The EXIF orientation of an open Pillow image (tag 274): 1, as stored,
    if it has none or damaged metadata; 5 to 8 show it turned a quarter
    (:func:`_upright`)."""
    try:
        return int(image.getexif().get(274, 1))
    except Exception:  # damaged metadata: show it as stored
        return 1


def _upright(image, orientation):
    """``image`` as stored, turned and mirrored as its EXIF ``orientation``
    says to show it (as Pillow's ``ImageOps.exif_transpose``; a camera held
    upright writes 6 or 8, with the pixels as the sensor read them)."""
    if orientation == 2:
        image = image[:, ::-1]
    elif orientation == 3:
        image = image[::-1, ::-1]
    elif orientation == 4:
        image = image[::-1]
    elif orientation == 5:
        image = image.swapaxes(0, 1)
    elif orientation == 6:
        image = np.rot90(image, -1)
    elif orientation == 7:
        image = np.rot90(image, 2).swapaxes(0, 1)
    elif orientation == 8:
        image = np.rot90(image, 1)
    else:  # 1, or a value the standard does not define
        return image
    return np.ascontiguousarray(image)


def read_image(path, *, max_pixels=MAX_PIXELS):
    """Read one image file as a uint8 or float64 array, upright.

    Parameters
    ----------
    path : str or path-like
    max_pixels : int, default=2**28
        Files that declare more pixels are refused before decoding.

    Returns
    -------
    image : ndarray
        ``(H, W)`` grey or ``(H, W, C)`` with C in 2 (grey + alpha), 3 or 4
        channels; uint8 as stored, or float64 in [0, 1] for 16-bit, boolean
        and float files; turned (or mirrored) as the file's EXIF orientation
        says, as image viewers show it (a phone's photograph is often stored
        sideways, with the orientation to show it upright).

    Raises
    ------
    ImageFileError
        The file cannot be opened or decoded, is not a still image, or is
        too large; the message names the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skimage import io
    >>> from somcolor._files import ImageFileError, read_image
    >>> folder = tempfile.mkdtemp()
    >>> io.imsave(os.path.join(folder, "a.png"), np.zeros((4, 5), np.uint8),
    ...           check_contrast=False)
    >>> read_image(os.path.join(folder, "a.png")).shape
    (4, 5)
    >>> with open(os.path.join(folder, "b.jpg"), "w") as f:
    ...     _ = f.write("not a picture")
    >>> try:
    ...     read_image(os.path.join(folder, "b.jpg"))
    ... except ImageFileError as error:
    ...     print("refused")
    refused
    """
    return unit_levels(decode_image(path, max_pixels=max_pixels))


def decode_image(path, *, max_pixels=MAX_PIXELS):
    """Read one image file as stored: uint8, uint16, bool or float.

    Same checks and errors as :func:`read_image`, without the conversion
    (so that the caller knows the file's depth).
    """
    from skimage import io as skio

    path = os.fspath(path)
    if os.path.isdir(path):
        raise ImageFileError(f"{path}: is a folder, not an image file.")
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:
        raise ImageFileError(_cannot_open(path, exc)) from exc
    if not regular:  # a FIFO or a device would block or never end
        raise ImageFileError(f"{path}: is not a regular file.")
    from PIL import Image

    declared, orientation, mode = _header(path)
    if declared == np.inf:
        raise ImageFileError(
            f"{path}: declares more pixels than the image decoder accepts (over "
            f"{2 * Image.MAX_IMAGE_PIXELS:,}: a possible decompression bomb)."
        )
    if declared is not None and declared > max_pixels:
        raise ImageFileError(
            f"{path}: declares {declared:,} pixels, more than the {max_pixels:,} "
            "somcolor reads."
        )
    try:
        with warnings.catch_warnings():
            # The size was checked against max_pixels above: Pillow's own
            # warning (over 89 megapixels) would only add lines to stderr.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Nor can a user act on a decoder's notes: Pillow's on damaged
            # metadata of a file whose pixels decode (a file that does not
            # decode is reported), imageio's deprecation of plugins it tries.
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
            warnings.simplefilter("ignore", DeprecationWarning)
            if mode == "CMYK":  # print inks (a JPEG for the press): in RGB
                with Image.open(path) as picture:
                    image = np.asarray(picture.convert("RGB"))
            else:
                image = np.asarray(skio.imread(path))
    except MemoryError:
        raise ImageFileError(f"{path}: too large to decode in memory.") from None
    except Exception as exc:  # decoders raise anything on a bad file
        raise ImageFileError(_unreadable(path, exc)) from exc
    if image.ndim == 4 and image.shape[0] == 1:  # one frame (GIF, WebP)
        image = image[0]
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if (
        image.ndim not in (2, 3)
        or (image.ndim == 3 and image.shape[-1] not in (2, 3, 4))
        or 0 in image.shape
    ):
        raise ImageFileError(
            f"{path}: not a still image (array of shape {image.shape})."
        )
    if image.dtype in (np.uint8, np.uint16, bool) or image.dtype.kind == "f":
        return _upright(image, orientation)
    raise ImageFileError(f"{path}: unsupported pixel type {image.dtype}.")


def _cannot_open(path, exc):
    """The message for a file the system will not open (``exc`` an OSError)."""
    reason = exc.strerror or _one_line(exc)
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        reason += "; it is a link to a file that is not there"
    return f"{path}: cannot be opened ({reason})."


def _format_of(path):
    """The image format Pillow recognises in a file (``'JPEG'``...), or None."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                return image.format
    except Exception:  # not a format Pillow knows
        return None


def _unreadable(path, exc):
    """What is wrong with a file no decoder could read, in somcolor's words.

    Not the decoder's message (which names its plugins and internals):
    whether the file cannot be opened, is empty, is in no format somcolor
    reads, or is an image of a known format cut short or damaged.
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        return _cannot_open(path, exc)
    try:
        empty = os.path.getsize(path) == 0
    except OSError as error:
        return _cannot_open(path, error)
    if empty:
        return f"{path}: the file is empty (0 bytes), not an image."
    known = _format_of(path)
    if known is None:
        return (
            f"{path}: not an image somcolor can read: its contents are not in "
            f"any of the formats somcolor reads ({READABLE_FORMATS})."
        )
    if "truncated" in str(exc):
        return (
            f"{path}: a {known} image cut short (the file is truncated: its "
            "image data ends early); somcolor reads whole files only."
        )
    return (
        f"{path}: a damaged {known} image: its image data is cut short or "
        "corrupt and cannot be decoded."
    )


def unit_levels(image):
    """A decoded image as :func:`read_image` returns it (uint8 or float64)."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return image.astype(np.float64) / 65535.0
    if image.dtype == bool:
        return image.astype(np.float64)
    return np.clip(np.nan_to_num(image.astype(np.float64)), 0.0, 1.0)


def has_alpha(image):
    """Whether a read image has an alpha channel (grey + alpha, or RGBA)."""
    return image.ndim == 3 and image.shape[-1] in (2, 4)


def as_grey(image):
    """Grey levels of a read image: as is if grey, else :func:`somcolor.to_grey`."""
    from .color import to_grey

    if image.ndim == 2:
        return image
    if image.shape[-1] == 2:  # grey + alpha
        return image[..., 0]
    return to_grey([image[..., :3]])[0]


def colour_or_none(image):
    """RGB channels of a read image, or None if the image is grey.

    An image is grey when it has one channel (or grey + alpha), or when its
    red, green and blue channels are equal everywhere.
    """
    if image.ndim == 2 or image.shape[-1] == 2:
        return None
    rgb = image[..., :3]
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(
        rgb[..., 1], rgb[..., 2]
    ):
        return None
    return rgb


def _levels(image, top, dtype):
    """``round(clip(image, 0, 1) * top)`` as ``dtype``, a band of rows at a
    time (no float temporary the size of a large image)."""
    from ._images import row_bands

    image = np.asarray(image)
    if image.ndim < 2:
        return np.round(np.clip(image, 0.0, 1.0) * top).astype(dtype)
    out = np.empty(image.shape, dtype=dtype)
    for rows in row_bands(image.shape):
        out[rows] = np.round(np.clip(image[rows], 0.0, 1.0) * top)
    return out


def to_uint8(image):
    """Float image in [0, 1] as 8-bit levels."""
    return _levels(image, 255.0, np.uint8)


def to_uint16(image):
    """Float image in [0, 1] as 16-bit levels."""
    return _levels(image, 65535.0, np.uint16)


#: Formats written with an alpha channel when the input had one.
ALPHA_SUFFIXES = (".png", ".tif", ".tiff", ".webp")

#: Formats written with 16 bits per channel when the input had more than 8
#: (Pillow, which writes PNG, has no 16-bit colour mode; tifffile does).
DEEP_SUFFIXES = (".tif", ".tiff")

#: Lossy formats: :func:`write_image`'s ``quality`` applies to them.
LOSSY_SUFFIXES = (".jpg", ".jpeg", ".webp")

#: Default ``quality`` of JPEG and WebP outputs (see :func:`write_image`).
DEFAULT_QUALITY = 95


def write_image(path, image, *, overwrite=False, quality=DEFAULT_QUALITY):
    """Write ``image`` to ``path`` through a temporary file and a rename.

    The image is written to a hidden temporary file in the same folder, then
    renamed to ``path``: an interrupted write leaves no partial file there.
    Without ``overwrite`` the rename refuses an existing ``path`` (checked
    atomically where the file system supports hard links).

    Parameters
    ----------
    path : str or path-like
        Target; the format follows its extension.
    image : ndarray
        uint8, or uint16 for TIFF.
    overwrite : bool, default=False
    quality : int in [1, 100], default=95
        Quality of a JPEG or WebP file, which are lossy: JPEG is written
        without chroma subsampling (4:4:4), at 95 about 2/255 per channel
        from ``image`` on average (Pillow's defaults, quality 75 with 4:2:0,
        give about 7/255). Other formats are lossless and ignore it.

    Returns
    -------
    written : bool
        False if ``path`` existed and ``overwrite`` is False (nothing is
        written).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from somcolor._files import write_image
    >>> target = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> write_image(target, np.zeros((2, 2, 3), np.uint8))
    True
    >>> write_image(target, np.ones((2, 2, 3), np.uint8))
    False
    """
    from skimage import io as skio

    path = Path(path)
    if not overwrite and os.path.lexists(path):
        return False
    with temporary_sibling(path) as tmp:
        suffix = path.suffix.lower()
        if suffix in LOSSY_SUFFIXES:
            from PIL import Image

            options = {"quality": int(quality)}
            if suffix != ".webp":
                options["subsampling"] = 0  # 4:4:4: chroma is what we made
            Image.fromarray(image).save(
                tmp, format="WEBP" if suffix == ".webp" else "JPEG", **options
            )
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # low-contrast notes
                skio.imsave(tmp, image, check_contrast=False)
        if overwrite:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        except OSError:  # no hard links here: check, then rename
            if os.path.lexists(path):
                return False
            os.replace(tmp, path)
        return True
