"""Colour hints painted in files: ``somcolor colorize --hints DIR``.

A person paints colour marks on a transparent layer over a photograph, in
any paint program, and saves the layer as an RGBA PNG with the
photograph's name (``DIR/beach.png`` for ``photos/beach.jpg``): the opaque
pixels are the hints (:func:`somcolor.steering.hints_from_rgba`).
Everything here is checked from the files' headers before anything is
colorized, so that a wrong layer stops the run before it writes.
"""

import os
import warnings
from pathlib import Path

from ._files import decode_image, unit_levels

__all__ = ["hint_files", "read_hint"]

# Pillow's modes that hold an alpha channel, and the others in words.
_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_MODE_WORDS = {
    "1": "black and white",
    "L": "grey",
    "I": "grey, 32-bit",
    "I;16": "grey, 16-bit",
    "F": "grey, floating point",
    "P": "palette colours",
    "RGB": "RGB",
    "CMYK": "CMYK",
    "YCbCr": "YCbCr",
}


def _header(path):
    """``(mode, (height, width), format)`` from the file's header."""
    from PIL import Image

    with Image.open(path) as image:
        transparent = "transparency" in image.info
        mode = image.mode
        if transparent and mode not in _ALPHA_MODES:
            mode += "+transparency"
        return mode, (image.height, image.width), image.format


def _size_of(path):
    """``(height, width)`` the image file at ``path`` declares, or None."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.height, image.width
    except Exception:  # not for Pillow: the reader reports it later
        return None


def hint_files(folder, inputs):
    """The hints file of each input that has one, checked from its header.

    Parameters
    ----------
    folder : str or path-like
        The folder of hints: ``<input's name without extension>.png`` for
        each input that has hints.
    inputs : list of str
        The image files to colorize.

    Returns
    -------
    hints : dict of str to pathlib.Path
        Input file -> its hints file, for the inputs that have one.

    Raises
    ------
    FileNotFoundError
        ``folder`` is not a folder.
    ValueError
        A hints file that is not a PNG with an alpha channel (the message
        says what it is), or whose size differs from its image's, or that
        cannot be opened; the message names both files.

    Warns
    -----
    UserWarning
        Once, naming the PNG files of ``folder`` that belong to no input.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"hints: {str(folder)!r} is not a folder.")
    found = {}
    for source in inputs:
        path = folder / (Path(source).stem + ".png")
        if path.is_file():
            found[source] = path
    stems = {Path(source).stem for source in inputs}
    unused = sorted(
        entry.name
        for entry in os.scandir(folder)
        if entry.name.lower().endswith(".png")
        and not entry.name.startswith(".")
        and Path(entry.name).stem not in stems
    )
    if unused:
        shown = ", ".join(unused[:5]) + (
            f" and {len(unused) - 5} more" if len(unused) > 5 else ""
        )
        warnings.warn(
            f"hints: {len(unused)} file(s) in {folder} belong to no input image "
            f"(no input of that name): {shown}",
            UserWarning,
            stacklevel=3,
        )
    for source, path in found.items():
        try:
            mode, shape, kind = _header(path)
        except Exception as exc:
            raise ValueError(
                f"hints {path}: cannot be read as an image ({type(exc).__name__})."
            ) from exc
        if kind != "PNG" or not (mode in _ALPHA_MODES or "+transparency" in mode):
            what = f"a {kind or 'non-image'} file" if kind != "PNG" else "a PNG"
            words = _MODE_WORDS.get(mode, mode)
            raise ValueError(
                f"hints {path}: {what} in {words} without an alpha channel; a hints "
                "file must be an RGBA PNG whose opaque pixels are the hints "
                "(paint them on a transparent layer)."
            )
        size = _size_of(source)
        if size is not None and size != shape:
            raise ValueError(
                f"hints {path} is {shape[1]}x{shape[0]} pixels, but its image "
                f"{source} is {size[1]}x{size[0]}: a hints layer must have its "
                "image's size."
            )
    return found


def read_hint(path):
    """The ``(mask, colours)`` hint of an RGBA (or grey + alpha) PNG.

    Returns
    -------
    hint : tuple of (ndarray, ndarray)
        ``mask`` (H, W) bool where the layer is opaque, ``colours`` (H, W, 3)
        float RGB in [0, 1]: what :meth:`ColorizerPipeline.predict`'s
        ``hints`` takes.
    """
    from .steering import hints_from_rgba

    layer = unit_levels(decode_image(path))
    if layer.ndim == 3 and layer.shape[2] == 2:  # grey + alpha
        layer = layer[..., [0, 0, 0, 1]]
    return hints_from_rgba(layer)
