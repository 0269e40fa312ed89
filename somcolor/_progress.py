"""Progress bars (tqdm) shared by the estimators and the command line."""

from tqdm.auto import tqdm

__all__ = ["progress"]


def progress(iterable=None, *, verbose=0, desc=None, total=None, unit="image"):
    """Wrap ``iterable`` in a tqdm bar on stderr, disabled when not ``verbose``.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; None for a bar updated by hand.
    verbose : int or bool, default=0
        Show the bar when true.
    desc : str, optional
        Label shown left of the bar.
    total : int, optional
        Number of steps, when ``iterable`` has no length.
    unit : str, default='image'
        Name of one step.

    Returns
    -------
    bar : tqdm.tqdm

    Examples
    --------
    >>> from somcolor._progress import progress
    >>> [x for x in progress(range(3), verbose=0)]
    [0, 1, 2]
    """
    return tqdm(
        iterable,
        desc=desc,
        total=total,
        unit=unit,
        disable=not verbose,
        leave=False,
        dynamic_ncols=True,
    )
