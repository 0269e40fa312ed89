"""Doctests of somcolor's docstrings: their examples fit on a thumbnail or
two, on purpose, to run in a second; the warnings that such a fit gives
(very little training data, the classifier's epoch limit) are expected
there and not shown. Every other test keeps them (see tests/conftest.py).
"""

import warnings

import pytest


@pytest.fixture(autouse=True)
def _docstring_examples_fit_small_models(request):
    if type(request.node).__name__ != "DoctestItem":
        yield
        return
    from somcolor import NotConvergedWarning, TrainingDataWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingDataWarning)
        warnings.simplefilter("ignore", NotConvergedWarning)
        yield
