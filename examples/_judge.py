"""Colour quality against fixed colour photographs, for the example scripts.

:class:`Judge` holds what does not change between colorizations (the
photographs in CIELAB, their colourfulness, grey's error) and scores each
set of colorizations as ``docs/general_photos.md`` reports them: mean
CIEDE2000, colourfulness ratio (a ratio of means, as
``somcolor.metrics.colourfulness_ratio``) and the share of photographs
closer to the truth than grey. Not part of the library.
"""

import numpy as np
from joblib import Parallel, delayed
from skimage.color import deltaE_ciede2000, rgb2lab

from somcolor import to_grey
from somcolor.metrics import colourfulness


def _delta_e(lab_true, rgb):
    return float(deltaE_ciede2000(lab_true, rgb2lab(rgb)).mean())


class Judge:
    """Quality of colorizations of fixed colour photographs (truth cached).

    ``grey_colours`` are the grey colorizations "better than grey" compares
    with: by default the grey photographs (``to_grey``) themselves; the
    scripts that decode chroma themselves pass their L with U = V = 0.
    """

    def __init__(self, images, n_jobs=1, grey_colours=None):
        self.images = images
        self.grey = to_grey(images)
        self.n_jobs = n_jobs
        self.lab = Parallel(n_jobs)(delayed(rgb2lab)(im) for im in images)
        self.colourfulness = colourfulness(images)
        if grey_colours is None:
            grey_colours = [np.dstack([g] * 3) for g in self.grey]
        self.grey_delta = self.delta_e(grey_colours)

    def delta_e(self, colours):
        """Mean CIEDE2000 of each colorization to its photograph."""
        return np.array(
            Parallel(self.n_jobs)(
                delayed(_delta_e)(lab, rgb) for lab, rgb in zip(self.lab, colours)
            )
        )

    def row(self, colours):
        """Mean CIEDE2000, colourfulness ratio, share better than grey."""
        delta = self.delta_e(colours)
        ratio = colourfulness(colours).mean() / self.colourfulness.mean()
        return delta.mean(), ratio, np.mean(delta < self.grey_delta)
