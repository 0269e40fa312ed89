"""Colour quality of colorized images, and the references to compare with.

How colour quality is judged in somcolor (see the documentation): pixel
accuracy of the class map is the paper's score, but it rewards predicting the
commonest, greyish class and cannot compare codebooks of different sizes.
Judge instead with the mean CIEDE2000 difference from the true image (lower
is better) and the colourfulness ratio (near 1: neither washed out nor
garish), always next to three references on the same images:

* grey: U = V = 0 (every pixel keeps its L);
* the training set's mean chroma, at every pixel;
* the oracle: each pixel's true chroma snapped to the fitted codebook, the
  best any classifier can do with that codebook.

:func:`evaluate` computes all of these for a fitted
:class:`~somcolor.ColorizerPipeline` in one call.
"""

from dataclasses import dataclass, field

import numpy as np
from skimage.color import gray2rgb

from ._images import check_images
from .color import grey_to_lightness, luv_to_rgb, rgb_to_luv, to_grey

__all__ = [
    "pixel_accuracy",
    "mean_ciede2000",
    "per_image_ciede2000",
    "colourfulness",
    "colourfulness_ratio",
    "psnr",
    "grey_reference",
    "mean_chroma_reference",
    "oracle_reference",
    "oracle_labels",
    "EvaluationTable",
    "evaluate",
]


def _flat_labels(maps):
    if isinstance(maps, np.ndarray):
        return maps.ravel()
    return np.concatenate([np.asarray(m).ravel() for m in maps])


def pixel_accuracy(true_labels, predicted_labels):
    """Share of pixels whose predicted class equals the true class.

    Parameters
    ----------
    true_labels, predicted_labels : list of ndarray or ndarray
        Class maps of the same shapes (one per image, or one array).

    Returns
    -------
    accuracy : float
        Over all pixels of all images, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import pixel_accuracy
    >>> pixel_accuracy([np.array([[0, 1], [2, 2]])], [np.array([[0, 1], [1, 1]])])
    0.5
    """
    truth = _flat_labels(true_labels)
    guess = _flat_labels(predicted_labels)
    if truth.shape != guess.shape:
        raise ValueError(
            f"true and predicted labels hold {truth.size} and {guess.size} pixels."
        )
    return float(np.mean(truth == guess))


def _pairs(true_rgb, predicted_rgb, convert=True):
    truths, _ = check_images(true_rgb, color=True, name="true_rgb", convert=convert)
    guesses, _ = check_images(
        predicted_rgb, color=True, name="predicted_rgb", convert=convert
    )
    if len(truths) != len(guesses):
        raise ValueError(
            f"true_rgb holds {len(truths)} images, predicted_rgb {len(guesses)}."
        )
    for index, (t, g) in enumerate(zip(truths, guesses)):
        if t.shape != g.shape:
            raise ValueError(
                f"image {index}: true shape {t.shape}, predicted shape {g.shape}."
            )
    return truths, guesses


def mean_ciede2000(true_rgb, predicted_rgb):
    """Mean CIEDE2000 colour difference over all pixels of all images.

    The CIEDE2000 formula (Sharma, Wu and Dalal 2005) on CIELAB (D65, 2
    degree observer), computed by a compiled kernel straight from sRGB; it
    equals :func:`skimage.color.deltaE_ciede2000` of
    :func:`skimage.color.rgb2lab` to 1e-6 (for float32 input to float32
    rounding: scikit-image computes in float32 there, the kernel in float64).
    About 1 is a just noticeable difference; lower is better.

    Parameters
    ----------
    true_rgb, predicted_rgb : list of ndarray or ndarray of shape (n, H, W, 3)
        RGB images, uint8 (0..255) or float (0..1), pairwise of equal shape.

    Returns
    -------
    delta_e : float

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import mean_ciede2000
    >>> white, black = np.ones((1, 2, 2, 3)), np.zeros((1, 2, 2, 3))
    >>> round(mean_ciede2000(white, black), 6)  # L from 100 to 0
    100.0
    """
    truths, guesses = _pairs(true_rgb, predicted_rgb, convert=False)
    return _mean_of_sums(map(_ciede2000_sum, zip(truths, guesses)))


def per_image_ciede2000(true_rgb, predicted_rgb):
    """Mean CIEDE2000 colour difference of each image.

    Parameters
    ----------
    true_rgb, predicted_rgb : list of ndarray or ndarray of shape (n, H, W, 3)
        RGB images, uint8 (0..255) or float (0..1), pairwise of equal shape.

    Returns
    -------
    delta_e : ndarray of shape (n_images,)

    See Also
    --------
    mean_ciede2000 : The mean over all pixels of all images.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import per_image_ciede2000
    >>> truth = np.ones((2, 2, 2, 3))
    >>> guess = np.stack([np.ones((2, 2, 3)), np.zeros((2, 2, 3))])
    >>> per_image_ciede2000(truth, guess).round(6).tolist()
    [0.0, 100.0]
    """
    truths, guesses = _pairs(true_rgb, predicted_rgb, convert=False)
    return np.array(
        [total / n for total, n in map(_ciede2000_sum, zip(truths, guesses))]
    )


def _kernel_input(image):
    """An RGB image as the CIEDE2000 kernel reads it, and its level table.

    uint8 and uint16 images stay as they are (their levels are looked up in
    a table), float64 ones too; other floats become float64. A grey image
    (2-D) is seen as RGB without a copy.
    """
    from ._metrics_kernels import linear_table

    image = np.asarray(image)
    if image.dtype not in (np.uint8, np.uint16, np.float64):
        image = image.astype(np.float64)
    if image.ndim == 2:
        image = np.broadcast_to(image[..., None], image.shape + (3,))
    return image, linear_table(image.dtype)


def _ciede2000_sum(pair):
    """Sum of the CIEDE2000 differences over one ``(true, predicted)`` pair,
    and the number of pixels (a task of :meth:`ColorizerPipeline.score`).

    Images are RGB ``(H, W, 3)`` (or grey ``(H, W)``, read as R = G = B),
    uint8, uint16 or float in [0, 1], already checked.
    """
    import numba

    from ._metrics_kernels import ciede2000_row_sums

    truth, truth_table = _kernel_input(pair[0])
    guess, guess_table = _kernel_input(pair[1])
    # Rows handed out 16 at a time: a thread that the machine's other work
    # holds up leaves its rows to the others.
    with numba.parallel_chunksize(16):
        rows = ciede2000_row_sums(truth, guess, truth_table, guess_table)
    return float(rows.sum()), truth.shape[0] * truth.shape[1]


def _mean_of_sums(sums):
    """Mean from ``(sum, count)`` pairs, summed in order (reproducible)."""
    total, count = 0.0, 0
    for part, n in sums:
        total += part
        count += n
    return total / count


def colourfulness(rgb_images):
    """Colourfulness of each image (Hasler and Suesstrunk 2003).

    With R, G, B on 0..255, ``rg = R - G`` and ``yb = (R + G) / 2 - B``:
    ``M = sqrt(sd_rg**2 + sd_yb**2) + 0.3 * sqrt(mean_rg**2 + mean_yb**2)``
    (standard deviations over the image's pixels). 0 for a grey image; about
    33 is "moderately", 59 "quite" and 82 "highly colourful" in the paper.

    Parameters
    ----------
    rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
        RGB images, uint8 (0..255) or float (0..1, scaled by 255 here).

    Returns
    -------
    m : ndarray of shape (n_images,)

    References
    ----------
    D. Hasler and S. Suesstrunk, "Measuring colourfulness in natural
    images", Proc. SPIE 5007, Human Vision and Electronic Imaging VIII, 2003.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import colourfulness
    >>> red = np.zeros((1, 2, 2, 3)); red[..., 0] = 1.0
    >>> colourfulness(red).round(2)  # 0.3 * sqrt(255**2 + 127.5**2)
    array([85.53])
    """
    images, _ = check_images(rgb_images, color=True, name="rgb_images")
    out = np.empty(len(images))
    for index, image in enumerate(images):
        r, g, b = (image[..., k].ravel() * 255.0 for k in range(3))
        rg = r - g
        yb = (r + g) / 2.0 - b
        spread = np.sqrt(rg.std() ** 2 + yb.std() ** 2)
        centre = np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
        out[index] = spread + 0.3 * centre
    return out


def colourfulness_ratio(true_rgb, predicted_rgb):
    """Mean colourfulness of the predicted images over that of the true ones.

    A ratio of means (not a mean of per-image ratios, which nearly grey true
    images would dominate): 1 means as colourful as the originals on
    average, below 1 washed out, above 1 garish.

    Parameters
    ----------
    true_rgb, predicted_rgb : list of ndarray or ndarray of shape (n, H, W, 3)
        RGB images, uint8 (0..255) or float (0..1).

    Returns
    -------
    ratio : float

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import colourfulness_ratio
    >>> red = np.zeros((1, 2, 2, 3)); red[..., 0] = 1.0
    >>> colourfulness_ratio(red, red / 2)  # half the channel values
    0.5
    """
    truths, guesses = _pairs(true_rgb, predicted_rgb)
    return float(colourfulness(guesses).mean() / colourfulness(truths).mean())


def psnr(true_rgb, predicted_rgb):
    """Peak signal-to-noise ratio in dB over all pixels of all images.

    ``10 log10(1 / MSE)`` with RGB on [0, 1] (data range 1), the mean
    squared error taken over every channel of every pixel of every image.

    Parameters
    ----------
    true_rgb, predicted_rgb : list of ndarray or ndarray of shape (n, H, W, 3)
        RGB images, uint8 (0..255) or float (0..1).

    Returns
    -------
    psnr : float
        Infinite for identical images.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import psnr
    >>> round(psnr(np.zeros((1, 2, 2, 3)), np.full((1, 2, 2, 3), 0.1)), 6)
    20.0
    """
    truths, guesses = _pairs(true_rgb, predicted_rgb)
    sq = sum(float(((t - g) ** 2).sum()) for t, g in zip(truths, guesses))
    n = sum(t.size for t in truths)
    mse = sq / n
    with np.errstate(divide="ignore"):
        return float(10.0 * np.log10(1.0 / mse)) if mse > 0 else float("inf")


def grey_reference(grey_images):
    """The grey colorization (U = V = 0): each grey image as RGB.

    Parameters
    ----------
    grey_images : list of ndarray or ndarray of shape (n, H, W)
        Grey images, uint8 or float in [0, 1].

    Returns
    -------
    rgb_images : list of ndarray
        Float RGB in [0, 1] with R = G = B.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import grey_reference
    >>> grey_reference([np.full((2, 2), 0.5)])[0].shape
    (2, 2, 3)
    """
    images, _ = check_images(grey_images, color=False, name="grey_images")
    return [gray2rgb(image) for image in images]


def mean_chroma_reference(grey_images, mean_chroma):
    """Every pixel gets the same chroma (U, V), keeping its own L.

    Parameters
    ----------
    grey_images : list of ndarray or ndarray of shape (n, H, W)
        Grey images, uint8 or float in [0, 1].
    mean_chroma : array-like of shape (2,)
        The (U, V) to paint, usually the training set's mean chroma
        (``ColorizerPipeline.training_mean_chroma_``).

    Returns
    -------
    rgb_images : list of ndarray
        Float RGB in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import mean_chroma_reference
    >>> rgb = mean_chroma_reference([np.full((2, 2), 0.5)], [10.0, 5.0])[0]
    >>> bool(rgb[0, 0, 0] > rgb[0, 0, 2])  # reddish-yellow, not grey
    True
    """
    images, _ = check_images(grey_images, color=False, name="grey_images")
    uv = np.asarray(mean_chroma, dtype=np.float64).reshape(2)
    out = []
    for image in images:
        L = grey_to_lightness(image)
        out.append(luv_to_rgb(L, np.broadcast_to(uv, L.shape + (2,))))
    return out


def oracle_labels(model, rgb_images):
    """The true class map of each image: its chroma's nearest codebook unit.

    Parameters
    ----------
    model : fitted ColorizerPipeline
        Its ``codebook_`` is used.
    rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
        True colour images.

    Returns
    -------
    labels : list of ndarray of shape (H, W)

    Examples
    --------
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline
    >>> from somcolor.metrics import oracle_labels
    >>> image = data.astronaut()[::8, ::8]
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0).fit([image])
    >>> oracle_labels(model, [image])[0].shape
    (64, 64)
    """
    from .som import best_matching_units

    images, _ = check_images(rgb_images, color=True, name="rgb_images")
    codebook = np.asarray(model.codebook_, dtype=np.float64)
    out = []
    for image in images:
        uv = rgb_to_luv(image)[..., 1:].reshape(-1, 2)
        out.append(best_matching_units(uv, codebook).reshape(image.shape[:2]))
    return out


def oracle_reference(model, rgb_images):
    """The oracle colorization: true chroma snapped to the model's codebook.

    Each pixel keeps its L and gets the codebook colour nearest to its true
    (U, V): what a perfect classifier would output with this codebook.

    Parameters
    ----------
    model : fitted ColorizerPipeline
    rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
        True colour images.

    Returns
    -------
    rgb_images : list of ndarray
        Float RGB in [0, 1].

    Examples
    --------
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline
    >>> from somcolor.metrics import oracle_reference
    >>> image = data.astronaut()[::8, ::8]
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0).fit([image])
    >>> oracle_reference(model, [image])[0].shape
    (64, 64, 3)
    """
    images, _ = check_images(rgb_images, color=True, name="rgb_images")
    labels = oracle_labels(model, images)
    codebook = np.asarray(model.codebook_, dtype=np.float64)
    return [
        luv_to_rgb(rgb_to_luv(image)[..., 0], codebook[lab])
        for image, lab in zip(images, labels)
    ]


@dataclass
class EvaluationTable:
    """Colour quality of a model and of the references, one row per method.

    Attributes
    ----------
    methods : list of str
        Row names: ``'model'``, ``'grey'``, ``'mean chroma'``, ``'oracle'``.
    mean_ciede2000 : ndarray of shape (n_methods,)
        Mean CIEDE2000 against the true images (lower is better).
    colourfulness_ratio : ndarray of shape (n_methods,)
        Mean colourfulness over the true images' (1 is right).
    psnr : ndarray of shape (n_methods,)
        PSNR in dB on RGB in [0, 1].
    pixel_accuracy : ndarray of shape (n_methods,)
        Share of pixels whose class equals the oracle class; NaN for the rows
        that have no class map (grey, mean chroma).
    better_than_grey : ndarray of shape (n_methods,)
        Share of the images on which the method's mean CIEDE2000 is lower
        than grey's; NaN for the grey row, and for every row when the table
        has none.
    n_images : int
        Number of evaluated images.
    majority_share : float
        Share of pixels in the commonest oracle class (the accuracy of always
        predicting it).

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.metrics import EvaluationTable
    >>> table = EvaluationTable(["model"], np.array([12.0]), np.array([0.9]),
    ...                         np.array([25.0]), np.array([0.4]),
    ...                         np.array([np.nan]), 3, 0.3)
    >>> table.as_dict()["mean_ciede2000"]
    [12.0]
    """

    methods: list
    mean_ciede2000: np.ndarray
    colourfulness_ratio: np.ndarray
    psnr: np.ndarray
    pixel_accuracy: np.ndarray
    better_than_grey: np.ndarray
    n_images: int
    majority_share: float = field(default=float("nan"))

    _COLUMNS = (
        "mean_ciede2000",
        "colourfulness_ratio",
        "psnr",
        "pixel_accuracy",
        "better_than_grey",
    )

    def as_dict(self):
        """The table as a dict of plain lists, keyed by column.

        Returns
        -------
        table : dict
            ``methods`` and one list per metric column.
        """
        out = {"methods": list(self.methods)}
        for name in self._COLUMNS:
            out[name] = [float(v) for v in getattr(self, name)]
        return out

    def row(self, method):
        """The metrics of one method as a dict.

        Parameters
        ----------
        method : str
            A row name.

        Returns
        -------
        row : dict
        """
        index = self.methods.index(method)
        return {name: float(getattr(self, name)[index]) for name in self._COLUMNS}

    def to_markdown(self):
        """The table in Markdown.

        Returns
        -------
        text : str
        """
        lines = [
            "| method | mean CIEDE2000 | colourfulness ratio | PSNR (dB) | "
            "pixel accuracy | better than grey |",
            "|---|---|---|---|---|---|",
        ]
        for k, method in enumerate(self.methods):
            acc = self.pixel_accuracy[k]
            acc_text = "" if np.isnan(acc) else f"{acc:.3f}"
            better = self.better_than_grey[k]
            better_text = "" if np.isnan(better) else f"{better:.0%}"
            lines.append(
                f"| {method} | {self.mean_ciede2000[k]:.2f} | "
                f"{self.colourfulness_ratio[k]:.2f} | {self.psnr[k]:.2f} | "
                f"{acc_text} | {better_text} |"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.to_markdown()


def evaluate(model, rgb_images, *, mean_chroma=None, references=True):
    """Colour quality of a fitted colorizer, next to the three references.

    Each true colour image is made grey with :func:`somcolor.to_grey` (same
    L), colorized by ``model``, and compared with the original.

    Parameters
    ----------
    model : fitted ColorizerPipeline
    rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
        True colour images (held out from training).
    mean_chroma : array-like of shape (2,) or None, default=None
        (U, V) of the mean-chroma reference; None uses the model's
        ``training_mean_chroma_``.
    references : bool, default=True
        Add the rows 'grey', 'mean chroma' and 'oracle'.

    Returns
    -------
    table : EvaluationTable

    Examples
    --------
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline
    >>> from somcolor.metrics import evaluate
    >>> train, test = data.astronaut()[::8, ::8], data.astronaut()[4::8, 4::8]
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0).fit([train])
    >>> table = evaluate(model, [test])
    >>> table.methods
    ['model', 'grey', 'mean chroma', 'oracle']
    >>> bool(table.mean_ciede2000[3] < table.mean_ciede2000[1])  # oracle < grey
    True
    """
    images, _ = check_images(rgb_images, color=True, name="rgb_images")
    grey = to_grey(images)
    true_labels = oracle_labels(model, images)
    rows = {"model": (model.predict(grey), model.predict_labels(grey))}
    if references:
        if mean_chroma is None:
            mean_chroma = model.training_mean_chroma_
        rows["grey"] = (grey_reference(grey), None)
        rows["mean chroma"] = (mean_chroma_reference(grey, mean_chroma), None)
        rows["oracle"] = (oracle_reference(model, images), true_labels)
    methods = list(rows)
    de, cr, ps, acc, per_image = [], [], [], [], {}
    for method in methods:
        colour, labels = rows[method]
        sums = [_ciede2000_sum(pair) for pair in zip(images, colour)]
        per_image[method] = np.array([total / n for total, n in sums])
        de.append(_mean_of_sums(sums))
        cr.append(colourfulness_ratio(images, colour))
        ps.append(psnr(images, colour))
        acc.append(np.nan if labels is None else pixel_accuracy(true_labels, labels))
    better = [
        np.nan
        if method == "grey" or "grey" not in per_image
        else float(np.mean(per_image[method] < per_image["grey"]))
        for method in methods
    ]
    flat = _flat_labels(true_labels)
    return EvaluationTable(
        methods=methods,
        mean_ciede2000=np.array(de),
        colourfulness_ratio=np.array(cr),
        psnr=np.array(ps),
        pixel_accuracy=np.array(acc),
        better_than_grey=np.array(better),
        n_images=len(images),
        majority_share=float(np.bincount(flat).max() / flat.size),
    )
