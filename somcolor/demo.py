"""The demonstration run by ``somcolor demo``: no download needed.

It shows the two ways of using somcolor, on photographs that ship with
scikit-learn and scikit-image. First, with no training at all: the shipped
``photos`` model colorizes the grey version of a photograph it has never
seen (scikit-learn's sample photograph of a temple in China). Second, a
colorizer of the same recipe is fit on one photograph (the left view of
scikit-image's stereo motorcycle pair) and colorizes another (the right
view). Each is
written as grey / colorized / original, titled with its mean CIEDE2000, and
its quality is printed next to grey's and the training set's mean colour's.
"""

import time
import warnings
from pathlib import Path

import numpy as np
from skimage import data as skdata
from skimage.color import gray2rgb

from ._files import write_image
from ._warnings import NotConvergedWarning, TrainingDataWarning
from .color import to_grey
from .metrics import mean_chroma_reference, per_image_ciede2000

__all__ = [
    "run_demo",
    "side_by_side",
    "titled_side_by_side",
    "rows_of_one_width",
    "free_path",
]


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
            f"titles must have one entry per image ({len(images)}), got {len(titles)}."
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


def _part(model, truth):
    """Colorize ``truth``'s grey version; the panels, their titles and the
    three figures (measured on the photograph as it is)."""
    truth = truth / 255.0
    grey = to_grey([truth])[0]
    colour = model.predict([grey])[0]
    mean = mean_chroma_reference([grey], model.training_mean_chroma_)[0]
    names = ("colorized", "grey", "mean colour")
    errors = per_image_ciede2000([truth] * 3, [colour, gray2rgb(grey), mean])
    scores = dict(zip(names, map(float, errors)))
    titles = [
        f"grey: CIEDE2000 {scores['grey']:.2f}",
        f"colorized: CIEDE2000 {scores['colorized']:.2f}",
        "original",
    ]
    return [grey, colour, truth], titles, scores


def rows_of_one_width(rows, gap=8):
    """Rows of titled panels, one above the other, every row as wide as the
    others: each row's panels are resized (for the picture only) to the
    narrowest row's panel width, keeping their proportions. The rows have
    the same number of panels.

    Parameters
    ----------
    rows : list of (list of ndarray, list of str)
        Each row's panels (float images in [0, 1], (H, W) or (H, W, 3), of
        one size) and their titles.
    gap : int, default=8
        White between panels and between rows, in pixels.

    Returns
    -------
    picture : ndarray of shape (height, width, 3), uint8

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.demo import rows_of_one_width
    >>> picture = rows_of_one_width(
    ...     [([np.zeros((40, 60))] * 3, ["a", "b", "c"]),
    ...      ([np.zeros((50, 90))] * 3, ["d", "e", "f"])]
    ... )
    >>> picture.shape[1]  # three panels 60 wide and two gaps, in both rows
    196
    """
    from skimage.transform import resize

    width = min(np.shape(panels[0])[1] for panels, _ in rows)
    pictures = []
    for k, (panels, titles) in enumerate(rows):
        height, own = np.shape(panels[0])[:2]
        if own != width:
            shape = (max(1, round(height * width / own)), width)
            panels = [
                np.clip(resize(p, shape + np.shape(p)[2:], anti_aliasing=True), 0, 1)
                for p in panels
            ]
        picture = titled_side_by_side(panels, titles, gap=gap)
        if k:
            pictures.append(np.full((gap, picture.shape[1], 3), 255, np.uint8))
        pictures.append(picture)
    return np.vstack(pictures)


def run_demo(output="somcolor-demo.png", random_state=0, echo=print):
    """Colorize with the shipped model, and with a model fit on one photograph.

    Parameters
    ----------
    output : str or path-like, default='somcolor-demo.png'
        Where to write the picture; an existing file is never overwritten
        (a ``-1``, ``-2``, ... suffix is added instead).
    random_state : int, default=0
        Seed of the colorizer fit on one photograph.
    echo : callable, default=print
        Receives the lines of the report.

    Returns
    -------
    report : dict
        ``path`` of the picture; ``shipped`` and ``fitted``: the mean
        CIEDE2000 of the colorized image and of grey and the mean colour
        (``colorized``, ``grey``, ``mean colour``) for each part; and
        ``seconds``.

    Examples
    --------
    >>> import os, tempfile
    >>> from somcolor.demo import run_demo
    >>> out = os.path.join(tempfile.mkdtemp(), "demo.png")
    >>> report = run_demo(out, echo=lambda line: None)  # doctest: +SKIP
    """
    from sklearn.datasets import load_sample_image

    from .pretrained import load_pretrained, recipe

    start = time.perf_counter()
    china = load_sample_image("china.jpg")
    *shipped_row, shipped = _part(load_pretrained("photos"), china)
    train, test, _ = skdata.stereo_motorcycle()
    model = recipe("photos").set_params(
        pixels_per_image=30000, random_state=random_state
    )
    with warnings.catch_warnings():  # one photograph, on purpose: same scene
        warnings.simplefilter("ignore", TrainingDataWarning)
        warnings.simplefilter("ignore", NotConvergedWarning)
        model.fit([train])
    *fitted_row, fitted = _part(model, test)
    path = free_path(output)
    write_image(path, rows_of_one_width([shipped_row, fitted_row]))
    seconds = time.perf_counter() - start

    def figures(scores):
        return (
            f"mean CIEDE2000 colorized {scores['colorized']:.2f}, grey "
            f"{scores['grey']:.2f}, mean colour {scores['mean colour']:.2f}"
        )

    echo("somcolor demo, on photographs that ship with scikit-learn and scikit-image:")
    echo(
        "1. no training: the shipped 'photos' model colorized the grey version "
        "of scikit-learn's china.jpg;"
    )
    echo(f"   {figures(shipped)}")
    echo(
        "2. a model of the same recipe fit on the left view of the stereo "
        "motorcycle pair colorized the grey right view;"
    )
    echo(f"   {figures(fitted)}")
    echo(
        f"wrote both, grey | colorized | original, to {path} (CIEDE2000: lower is "
        f"better; the mean colour is the training set's); {seconds:.1f} s"
    )
    return {"path": str(path), "shipped": shipped, "fitted": fitted, "seconds": seconds}
