"""Pictures of what a colorizer learnt (needs matplotlib).

matplotlib is an optional dependency (``pip install 'somcolor[plot]'``); it
is imported only when one of these functions is called. Every function
returns the :class:`matplotlib.figure.Figure` it drew on, so that it can be
saved with ``fig.savefig(...)``.
"""

import numpy as np

from ._images import check_images
from .color import luv_to_rgb, rgb_to_luv, to_grey

__all__ = ["codebook_colors", "plot_codebook", "plot_comparison", "plot_class_map"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError(
            "somcolor.plotting needs matplotlib: pip install matplotlib "
            "(or pip install 'somcolor[plot]')."
        ) from exc
    return plt


def _codebook(model):
    """(U, V) codebook and (rows, cols) layout of a pipeline or a quantizer."""
    quantizer = getattr(model, "quantizer_", model)
    codebook = getattr(model, "codebook_", None)
    if codebook is None:
        raise ValueError(
            "model must be a fitted ColorizerPipeline or SOMQuantizer (it has "
            "no codebook_)."
        )
    codebook = np.asarray(codebook, dtype=np.float64)
    if codebook.ndim != 2 or codebook.shape[1] != 2:
        raise ValueError(
            f"the codebook must hold (U, V) pairs, got shape {codebook.shape}."
        )
    n_rows = getattr(quantizer, "n_rows", None)
    n_cols = getattr(quantizer, "n_cols", None)
    if n_rows is None or n_cols is None or n_rows * n_cols != len(codebook):
        n_rows, n_cols = 1, len(codebook)
    return codebook, (int(n_rows), int(n_cols))


def codebook_colors(model, lightness=50.0):
    """sRGB colour of every codebook unit drawn at one lightness.

    Parameters
    ----------
    model : ColorizerPipeline or SOMQuantizer
        Fitted; a quantizer must have been fitted on (U, V) chroma.
    lightness : float, default=50.0
        CIE L at which to draw the chroma, in [0, 100]. Chroma outside the
        sRGB gamut at that L is scaled towards grey.

    Returns
    -------
    colors : ndarray of shape (n_colours, 3)
        Float RGB in [0, 1], in unit order.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor import SOMQuantizer
    >>> from somcolor.plotting import codebook_colors
    >>> chroma = np.random.default_rng(0).normal(0, 30, size=(500, 2))
    >>> som = SOMQuantizer(n_rows=2, n_cols=3, random_state=0).fit(chroma)
    >>> codebook_colors(som).shape
    (6, 3)
    """
    codebook, _ = _codebook(model)
    L = np.full((1, len(codebook)), float(lightness))
    return luv_to_rgb(L, codebook[np.newaxis])[0]


def plot_codebook(model, lightness=50.0, *, annotate=True, ax=None):
    """Draw the chroma codebook as a palette grid in the SOM's layout.

    Each unit is a square of its (U, V) drawn at CIE L = ``lightness``,
    placed at its row and column of the map, like the colour-reduction
    figures of Richart et al. (2017).

    Parameters
    ----------
    model : ColorizerPipeline or SOMQuantizer
        Fitted. For a quantizer that is not a rectangular map, the units are
        drawn in one row.
    lightness : float, default=50.0
        CIE L of the drawing.
    annotate : bool, default=True
        Write each unit's index and (U, V) in its square.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when None.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from somcolor import SOMQuantizer
    >>> from somcolor.plotting import plot_codebook
    >>> chroma = np.random.default_rng(0).normal(0, 30, size=(500, 2))
    >>> som = SOMQuantizer(n_rows=3, n_cols=3, random_state=0).fit(chroma)
    >>> fig = plot_codebook(som)
    >>> len(fig.axes)
    1
    """
    plt = _pyplot()
    codebook, (n_rows, n_cols) = _codebook(model)
    colors = codebook_colors(model, lightness).reshape(n_rows, n_cols, 3)
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.1 * n_cols + 0.6, 1.1 * n_rows + 0.6))
    else:
        fig = ax.figure
    ax.imshow(colors, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(f"{n_rows}x{n_cols} codebook at L = {lightness:g}", fontsize=9)
    if annotate:
        fontsize = max(4, min(8, 40 // max(n_rows, n_cols)))
        for unit, (u, v) in enumerate(codebook):
            row, col = divmod(unit, n_cols)
            ax.text(
                col,
                row,
                f"{unit}\n({u:.0f}, {v:.0f})",
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if lightness < 60 else "black",
            )
    return fig


def _oracle(model, rgb):
    """True chroma snapped to the codebook, with the image's own L."""
    luv = rgb_to_luv(rgb)
    quantizer = model.quantizer_
    labels = np.asarray(quantizer.predict(luv[..., 1:].reshape(-1, 2)))
    uv = model.codebook_[labels].reshape(luv.shape[:2] + (2,))
    return luv_to_rgb(luv[..., 0], uv)


def plot_comparison(model, rgb_images, *, oracle=False, titles=None):
    """Grid of grey input, colorization and original, one image per row.

    Each colour image is made grey with :func:`somcolor.to_grey` (same L)
    and colorized by ``model``.

    Parameters
    ----------
    model : ColorizerPipeline
        Fitted.
    rgb_images : list of ndarray or ndarray of shape (n, H, W, 3)
        Colour images (uint8 or float in [0, 1]); sizes may differ.
    oracle : bool, default=False
        Add a column with the oracle: the true chroma snapped to the model's
        codebook, the best any classifier can do with that codebook.
    titles : list of str, optional
        A label for each row (for example file names).

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline
    >>> from somcolor.plotting import plot_comparison
    >>> image = data.astronaut()[::8, ::8]
    >>> model = ColorizerPipeline(pixels_per_image=1000, random_state=0)
    >>> model = model.fit([image])
    >>> fig = plot_comparison(model, [image], oracle=True)
    >>> len(fig.axes)
    4
    """
    plt = _pyplot()
    images, _ = check_images(rgb_images, color=True, name="rgb_images")
    greys = to_grey(images)
    colour = model.predict(greys)
    columns = ["grey input", "colorized", "original"]
    if oracle:
        columns.append("oracle (codebook)")
    n = len(images)
    fig, axes = plt.subplots(
        n, len(columns), figsize=(2.4 * len(columns), 2.4 * n), squeeze=False
    )
    for row, (rgb, grey, guess) in enumerate(zip(images, greys, colour)):
        panels = [grey, guess, rgb]
        if oracle:
            panels.append(_oracle(model, rgb))
        for col, panel in enumerate(panels):
            ax = axes[row, col]
            if panel.ndim == 2:
                ax.imshow(panel, cmap="gray", vmin=0, vmax=1)
            else:
                ax.imshow(np.clip(panel, 0, 1))
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(columns[col], fontsize=9)
        if titles is not None:
            axes[row, 0].set_ylabel(str(titles[row]), fontsize=8)
    fig.tight_layout()
    return fig


def plot_class_map(model, image, *, lightness=50.0, ax=None):
    """The colour class predicted for every pixel of one image.

    Each pixel is painted with its class's codebook colour drawn at a fixed
    CIE L (so that classes are told apart by hue alone), with a legend bar
    of the classes.

    Parameters
    ----------
    model : ColorizerPipeline
        Fitted.
    image : ndarray of shape (H, W) or (H, W, 3)
        A grey image, or a colour image (made grey with
        :func:`somcolor.to_grey` first); uint8 or float in [0, 1].
    lightness : float, default=50.0
        CIE L at which the class colours are drawn.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when None.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline
    >>> from somcolor.plotting import plot_class_map
    >>> image = data.astronaut()[::8, ::8]
    >>> model = ColorizerPipeline(pixels_per_image=1000, random_state=0)
    >>> fig = plot_class_map(model.fit([image]), image)
    >>> fig.axes[0].get_title()
    'predicted colour class'
    """
    plt = _pyplot()
    from matplotlib.colors import BoundaryNorm, ListedColormap

    image = np.asarray(image)
    if image.ndim == 3:
        grey = to_grey([image])[0]
    else:
        (grey,), _ = check_images([image], color=False, name="image")
    labels = model.predict_labels([grey])[0]
    colors = codebook_colors(model, lightness)
    n = len(colors)
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 4))
    else:
        fig = ax.figure
    cmap = ListedColormap(colors)
    norm = BoundaryNorm(np.arange(n + 1) - 0.5, n)
    shown = ax.imshow(labels, cmap=cmap, norm=norm, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("predicted colour class", fontsize=9)
    bar = fig.colorbar(shown, ax=ax, ticks=np.arange(n), fraction=0.046, pad=0.04)
    bar.set_label(f"class (codebook unit, drawn at L = {lightness:g})", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return fig
