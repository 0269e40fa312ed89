"""The demonstration run by ``somcolor demo``: no download needed.

It fits a colorizer on the left view of scikit-image's stereo motorcycle pair,
colorizes the right view (a different photograph of the same scene) from its
grey version, and writes grey / colorized / original side by side.
"""

import time
import warnings
from pathlib import Path

import numpy as np
from skimage import data as skdata
from skimage.color import deltaE_ciede2000, gray2rgb, rgb2lab

from ._files import write_image
from ._warnings import TrainingDataWarning
from .color import to_grey
from .pipeline import ColorizerPipeline

__all__ = ["run_demo", "side_by_side", "titled_side_by_side", "free_path"]


def side_by_side(images, gap=8):
    """Join RGB or grey images of one height left to right, white between.

    Parameters
    ----------
    images : list of ndarray
        Float images in [0, 1], (H, W) or (H, W, 3), all of height H.
    gap : int, default=8
        Width of the white band between images, in pixels.

    Returns
    -------
    canvas : ndarray of shape (H, total_width, 3), uint8

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.demo import side_by_side
    >>> side_by_side([np.zeros((4, 5)), np.ones((4, 3, 3))], gap=2).shape
    (4, 10, 3)
    """
    parts = []
    for k, image in enumerate(images):
        image = np.asarray(image, dtype=np.float64)
        if image.ndim == 2:
            image = gray2rgb(image)
        if k:
            parts.append(np.ones((image.shape[0], gap, 3)))
        parts.append(image)
    return np.round(np.clip(np.hstack(parts), 0, 1) * 255).astype(np.uint8)


def _font(size):
    """Pillow's default font at ``size`` pixels (its bitmap font without FreeType)."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError):  # Pillow < 10.1, or no FreeType
        return ImageFont.load_default()


def titled_side_by_side(images, titles, gap=8):
    """:func:`side_by_side` with a title above each image, drawn into the pixels.

    The titles are written in black on a white band above the images with
    Pillow's default font (no matplotlib needed), each centred over its
    image, and shortened with '...' if wider than the image.

    Parameters
    ----------
    images : list of ndarray
        Float images in [0, 1], (H, W) or (H, W, 3), all of height H.
    titles : list of str
        One per image, such as ``"colorized: CIEDE2000 10.21"``.
    gap : int, default=8
        Width of the white band between images, in pixels.

    Returns
    -------
    canvas : ndarray of shape (band + H, total_width, 3), uint8
        The band is 1.6 times the font size high, the font size H / 16
        pixels (at least 12).

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.demo import titled_side_by_side
    >>> picture = titled_side_by_side(
    ...     [np.zeros((100, 80)), np.ones((100, 80, 3))], ["grey", "colour"]
    ... )
    >>> picture.shape[1], picture.shape[0] > 100
    (168, True)
    """
    from PIL import Image, ImageDraw

    if len(titles) != len(images):
        raise ValueError(
            f"titles must have one entry per image ({len(images)}), got "
            f"{len(titles)}."
        )
    body = side_by_side(images, gap=gap)
    height = body.shape[0]
    size = max(12, height // 16)
    font = _font(size)
    band = int(round(size * 1.6))
    canvas = Image.new("RGB", (body.shape[1], band + height), "white")
    canvas.paste(Image.fromarray(body), (0, band))
    draw = ImageDraw.Draw(canvas)
    left = 0
    for image, title in zip(images, titles):
        width = np.shape(image)[1]
        text = str(title)
        while text and draw.textlength(text, font=font) > width:
            text = text[:-4] + "..." if len(text) > 4 else ""
        x = left + (width - draw.textlength(text, font=font)) / 2
        draw.text((x, band / 2), text, fill="black", font=font, anchor="lm")
        left += width + gap
    return np.asarray(canvas)


def free_path(path):
    """``path``, or ``stem-1.ext``, ``stem-2.ext``, ... if it exists.

    Examples
    --------
    >>> from somcolor.demo import free_path
    >>> free_path("/nonexistent/picture.png").name
    'picture.png'
    """
    path = Path(path)
    candidate, k = path, 0
    while candidate.exists():
        k += 1
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
    return candidate


def run_demo(output="somcolor-demo.png", random_state=0, echo=print):
    """Fit on one photograph, colorize another, write a comparison PNG.

    Parameters
    ----------
    output : str or path-like, default='somcolor-demo.png'
        Where to write the picture; an existing file is never overwritten
        (a ``-1``, ``-2``, ... suffix is added instead).
    random_state : int, default=0
        Seed of the colorizer.
    echo : callable, default=print
        Receives the lines of the report.

    Returns
    -------
    report : dict
        ``path`` of the picture, mean CIEDE2000 of the colorized image
        (``ciede2000``) and of the grey baseline (``ciede2000_grey``), and
        ``seconds``.

    Examples
    --------
    >>> import os, tempfile
    >>> from somcolor.demo import run_demo
    >>> out = os.path.join(tempfile.mkdtemp(), "demo.png")
    >>> report = run_demo(out, echo=lambda line: None)  # doctest: +SKIP
    """
    start = time.perf_counter()
    train, test, _ = skdata.stereo_motorcycle()
    model = ColorizerPipeline(pixels_per_image=30000, random_state=random_state)
    with warnings.catch_warnings():  # one photograph, on purpose: same scene
        warnings.simplefilter("ignore", TrainingDataWarning)
        model.fit([train])
    grey = to_grey([test])[0]
    colour = model.predict([grey])[0]
    truth = test / 255.0
    lab_truth = rgb2lab(truth)
    de_model = float(deltaE_ciede2000(lab_truth, rgb2lab(colour)).mean())
    de_grey = float(deltaE_ciede2000(lab_truth, rgb2lab(gray2rgb(grey))).mean())
    path = free_path(output)
    titles = [
        f"grey: CIEDE2000 {de_grey:.2f}",
        f"colorized: CIEDE2000 {de_model:.2f}",
        "original: CIEDE2000 0",
    ]
    write_image(path, titled_side_by_side([grey, colour, truth], titles))
    seconds = time.perf_counter() - start
    echo("somcolor demo: trained on the left view of skimage.data.stereo_motorcycle,")
    echo("colorized the grey right view (a held-out photograph).")
    echo(f"wrote grey | colorized | original, titled, to {path}")
    echo(
        f"mean CIEDE2000 against the original: colorized {de_model:.2f}, "
        f"grey baseline {de_grey:.2f} (lower is better); {seconds:.1f} s"
    )
    return {
        "path": str(path),
        "ciede2000": de_model,
        "ciede2000_grey": de_grey,
        "seconds": seconds,
    }
