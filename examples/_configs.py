"""Configurations shared by the example scripts (not part of the library).

``BEST`` is the best configuration documented in docs/paper.md: position
and context features (fit time), soft decoding at T = 0.38 (the lowest mean
CIEDE2000 whose colourfulness ratio stays within 0.8-1.2, measured by
``examples/colorize_better.py``) and colorizing at the training scale
(keeps the quality at 2x and 4x, ``examples/evaluate_scales.py``).
"""

from somcolor import PatchExtractor

BEST = {
    "extractor": PatchExtractor(3, context=4, position=True),
    "decoding": "soft",
    "temperature": 0.38,
    "predict_scale": "training",
}
