"""Configurations shared by the example scripts (not part of the library).

``BEST`` is the best configuration documented in docs/paper.md, measured by
``examples/colorize_better.py``.
"""

BEST = {"decoding": "soft", "temperature": 0.2}
