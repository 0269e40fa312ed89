"""somcolor: colorize grey photographs with a Self-Organizing Map and an MLP.

The method of Richart, Visca and Baliosian, "Image Colorization with Neural
Networks" (WVC 2017), as scikit-learn compatible estimators.

Examples
--------
>>> import somcolor
>>> sorted(somcolor.__all__)[:4]
['ColorizeSummary', 'ColorizerPipeline', 'PatchExtractor', 'SOMQuantizer']
"""

__version__ = "0.1.0"

from .batch import ColorizeSummary, colorize_many
from .color import to_grey
from .patches import PatchExtractor
from .persistence import load, save
from .pipeline import ColorizerPipeline
from .som import SOMQuantizer

__all__ = [
    "ColorizerPipeline",
    "PatchExtractor",
    "SOMQuantizer",
    "colorize_many",
    "ColorizeSummary",
    "to_grey",
    "save",
    "load",
    "__version__",
]
