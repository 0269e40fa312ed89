"""Configurations shared by the example scripts (not part of the library).

``BEST`` is the best configuration documented in docs/paper.md, measured by
``examples/colorize_better.py`` (soft decoding at T = 0.2: the lowest mean
CIEDE2000 whose colourfulness ratio stays within 0.8-1.2) and
``examples/evaluate_scales.py`` (colorizing at the training scale keeps the
quality at 2x and 4x). Both act at predict time, on the paper's fit.
"""

BEST = {"decoding": "soft", "temperature": 0.2, "predict_scale": "training"}
