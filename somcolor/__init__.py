"""somcolor: colorize grey photographs with a Self-Organizing Map and an MLP.

The method of Richart, Visca and Baliosian, "Image Colorization with Neural
Networks" (WVC 2017), as scikit-learn compatible estimators.

The public names are imported on first use (PEP 562), so that ``import
somcolor`` and ``somcolor --help`` do not pay for scikit-learn,
scikit-image, SciPy and numba until they are needed.

Examples
--------
>>> import somcolor
>>> sorted(somcolor.__all__)[:4]
['ColorizeSummary', 'ColorizerPipeline', 'FrameColorizer', 'NotConvergedWarning']
"""

import importlib

__version__ = "0.2.0"

# Public name -> the submodule that defines it.
_EXPORTS = {
    "ColorizerPipeline": "pipeline",
    "PatchExtractor": "patches",
    "SOMQuantizer": "som",
    "colorize_many": "batch",
    "colorize_video": "video",
    "ColorizeSummary": "batch",
    "to_grey": "color",
    "save": "persistence",
    "load": "persistence",
    "load_pretrained": "pretrained",
    "fit_reference": "reference",
    "FrameColorizer": "temporal",
    "hints_from_rgba": "steering",
    "load_images": "datasets",
    "NotConvergedWarning": "_warnings",
    "TrainingDataWarning": "_warnings",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'somcolor' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
