"""Colorize a collection of image files: :func:`colorize_many`.

The files are shared out in tasks through joblib (see ``_parallel.py``), so
the same call runs in this process, in local worker processes, or on a Dask
cluster. Each task reads its own files, colorizes them and writes the
results; only file names and one-line outcomes travel back, so memory stays
bounded whatever the size of the collection.
"""

import contextlib
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils.validation import check_is_fitted

from . import _parallel
from ._files import (
    ALPHA_SUFFIXES,
    DEEP_SUFFIXES,
    DEFAULT_QUALITY,
    ImageFileError,
    _declared_pixels,
    _one_line,
    as_grey,
    decode_image,
    has_alpha,
    list_image_files,
    no_images_found,
    to_uint8,
    to_uint16,
    unit_levels,
    write_image,
)
from ._progress import progress

if TYPE_CHECKING:
    import distributed

    from .pipeline import ColorizerPipeline

__all__ = [
    "ALPHA_DROPPED",
    "DEPTH_REDUCED",
    "MIN_PIXELS_FOR_WORKERS",
    "ColorizeSummary",
    "colorize_many",
]

# Files per task when ``batch_size='auto'``: enough for a task to outlast its
# scheduling overhead (milliseconds on Dask), few enough that about four
# tasks per worker balance the load and a lost task costs little to redo.
_MAX_AUTO_BATCH = 64

# Pixels colorized per call within a task: bounds a task's memory (about
# 40 bytes per pixel for the float64 results and the lightness) to ~170 MB,
# while 64x64 images still share a call (and its lookup tables) by the
# hundred.
_PIXELS_PER_CALL = 1 << 22


#: Note of an input with an alpha channel whose format is written without
#: one (the alpha is kept in PNG, TIFF and WebP outputs).
ALPHA_DROPPED = (
    "had transparency (an alpha channel), which somcolor writes only in PNG, "
    "TIFF and WebP files: written without it"
)
#: Note of an input of more than 8 bits per channel written with 8 (16-bit
#: input is written with 16 bits in TIFF files).
DEPTH_REDUCED = (
    "had more than 8 bits per channel: written with 8 (somcolor writes 16 bits "
    "per channel only in TIFF files)"
)


#: Pixels of the files to colorize below which ``colorize_many`` works in
#: this process whatever ``n_jobs`` asks: starting local worker processes
#: (each imports somcolor and receives the model) costs more than they save,
#: and in this process the colorizing kernels already use every core.
#: Measured with ``somcolor colorize -q`` on grey 8-bit PNGs of 154,000
#: pixels, default model, 2 cores, in CPU time (the machine was too busy for
#: wall times): -j -1 adds 4 to 5 CPU-seconds (each worker imports somcolor
#: and loads the model: 3.9 for 5 images, 5.2 for 20, 4.2 for 80), about
#: 2.5 s of wall time on two idle cores; serial colorizing costs about 0.5
#: CPU-seconds per megapixel (9.4 s for 80 images, 12.3 megapixels, 4.1 s
#: for 5), of which two workers can save at most half. Starting them pays
#: from about 12 to 25 megapixels; 2**24 (16.8) lies between.
MIN_PIXELS_FOR_WORKERS = 1 << 24


def _worth_workers(pending):
    """Whether ``pending`` jobs hold enough pixels to pay for worker processes.

    The sizes come from the files' headers, read until the sum passes
    :data:`MIN_PIXELS_FOR_WORKERS`; a file whose size cannot be read counts
    as large enough.
    """
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    if type(backend).__name__ not in ("LokyBackend", "MultiprocessingBackend"):
        return True  # threads, or a cluster whose workers are running already
    total = 0
    for _, source, _ in pending:
        pixels = _declared_pixels(source)
        if pixels is None or not np.isfinite(pixels):
            return True
        total += pixels
        if total >= MIN_PIXELS_FOR_WORKERS:
            return True
    return False


@dataclass
class ColorizeSummary:
    """What :func:`colorize_many` did with each input file.

    ``written`` and ``skipped`` name files in the output folder (each has
    its input's file name); ``failed`` names inputs, which have no output.

    Attributes
    ----------
    written : list of pathlib.Path
        Output files written, in input order.
    skipped : list of pathlib.Path
        Output files that existed already and were kept as they were (their
        inputs were not read), in input order.
    failed : list of (pathlib.Path, str)
        Input files that could not be colorized, with a one-line reason.
    notes : dict of str to list of pathlib.Path
        What was written otherwise than read, one entry per kind (the text
        says what), with the output files it applies to: transparency in
        a format that keeps none (``somcolor.batch.ALPHA_DROPPED``), more
        than 8 bits per channel written with 8
        (``somcolor.batch.DEPTH_REDUCED``).
    seconds : float
        Wall time of the call.
    output_dir : pathlib.Path
        The output folder.
    ok : bool
        True when no input failed (a property).

    Examples
    --------
    >>> from pathlib import Path
    >>> from somcolor import ColorizeSummary
    >>> summary = ColorizeSummary(
    ...     written=[Path("out/a.png")],
    ...     failed=[(Path("in/b.jpg"), "in/b.jpg: the file is empty (0 bytes).")],
    ...     output_dir=Path("out"),
    ... )
    >>> summary.ok
    False
    >>> print(summary)
    1 written, 0 skipped, 1 failed (output folder out)
    """

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    notes: dict[str, list[Path]] = field(default_factory=dict)
    seconds: float = 0.0
    output_dir: Path = Path(".")

    @property
    def ok(self) -> bool:
        """True when no input failed."""
        return not self.failed

    def __str__(self) -> str:
        return (
            f"{len(self.written)} written, {len(self.skipped)} skipped, "
            f"{len(self.failed)} failed (output folder {self.output_dir})"
        )


def _load_model(model):
    from .pretrained import resolve_model

    model = resolve_model(model)
    if not hasattr(model, "predict") or not hasattr(model, "get_params"):
        raise TypeError(
            "model must be a fitted somcolor.ColorizerPipeline or the path of "
            f"a saved one, got {type(model).__name__}."
        )
    check_is_fitted(model)
    return model


def _same_file(source, target):
    try:
        return os.path.samefile(source, target)
    except OSError:
        return False


def _check_output_dir(output_dir):
    folder = Path(output_dir)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"output_dir {str(folder)!r} exists and is not a folder.")
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ValueError(f"output_dir {str(folder)!r} is not writable.")
    return folder


def _colorize_files(jobs, model, overwrite, quality=DEFAULT_QUALITY, hints=None):
    """Read, colorize and write ``(index, source, target)`` jobs (one task).

    ``hints`` maps an input file to its hints file (a painted RGBA layer),
    for the inputs that have one.

    Returns ``(index, source, target, outcome, reason, notes)`` per job,
    outcome one of 'written', 'skipped' and 'failed', notes a tuple of the
    texts that apply to the written file. The images are colorized a few at
    a time, at most ``_PIXELS_PER_CALL`` pixels per call (tables built per
    call are built once per group, and memory stays bounded whatever the
    images' sizes); if a group's call fails, its images are colorized one
    by one so that the failure is pinned on its file. Any exception from
    one file fails that file only: a batch of a user's photographs must not
    stop at the first odd one.
    """
    results = []
    group, pixels = [], 0
    for index, source, target in jobs:
        if not overwrite and os.path.lexists(target):
            results.append((index, source, target, "skipped", "", ()))
            continue
        # A group is colorized before a file that would take it over the
        # limit is read (from its header), so that the pixels of one group at
        # most are held at a time.
        # (A named pipe or a folder is not opened here: read_image reports it.)
        declared = _declared_pixels(source) if os.path.isfile(source) else None
        if group and (
            declared is None
            or not np.isfinite(declared)
            or pixels + declared > _PIXELS_PER_CALL
        ):
            results += _colorize_group(group, model, overwrite, quality)
            group, pixels = [], 0
        try:
            grey, alpha, deep = _read_grey(source)
            hint = _read_hint(hints, source, grey.shape)
        except (ImageFileError, ValueError) as exc:
            results.append((index, source, target, "failed", str(exc), ()))
            continue
        group.append((index, source, target, grey, alpha, deep, hint))
        pixels += grey.size
        if pixels >= _PIXELS_PER_CALL:
            results += _colorize_group(group, model, overwrite, quality)
            group, pixels = [], 0
    if group:
        results += _colorize_group(group, model, overwrite, quality)
    return results


def _read_grey(source):
    """The grey levels to colorize of one file, its alpha channel (a copy, or
    None) and whether it has more than 8 bits per channel; nothing else of
    the decoded file is kept."""
    stored = decode_image(source)
    deep = stored.dtype not in (np.uint8, np.bool_)
    image = unit_levels(stored)
    del stored
    alpha = np.array(image[..., -1]) if has_alpha(image) else None
    return as_grey(image), alpha, deep


def _read_hint(hints, source, shape):
    """The checked :class:`~somcolor.steering.Hint` of ``source``, or None."""
    if not hints or source not in hints:
        return None
    from ._hint_files import read_hint
    from .steering import check_hints

    path = hints[source]
    try:
        (hint,) = check_hints([read_hint(path)], [shape])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"hints {path}: {_one_line(exc)}") from exc
    return hint


def _encode(colour, alpha, deep, target):
    """The array to write for a colorized image, and the notes that apply.

    More than 8 bits per channel in, 16 out where the format allows (TIFF);
    the alpha channel kept where the format has one (PNG, TIFF, WebP).
    """
    suffix = Path(target).suffix.lower()
    notes = []
    levels = to_uint16 if deep and suffix in DEEP_SUFFIXES else to_uint8
    if deep and levels is to_uint8:
        notes.append(DEPTH_REDUCED)
    out = levels(colour)
    if alpha is not None:
        if suffix in ALPHA_SUFFIXES:
            if alpha.dtype == np.uint8:
                alpha = alpha / 255.0
            out = np.dstack([out, levels(alpha)])
        else:
            notes.append(ALPHA_DROPPED)
    return out, tuple(notes)


def _colorize_group(group, model, overwrite, quality):
    """Colorize and write ``(index, source, target, grey, alpha, deep, hint)``
    items."""
    from .pipeline import _predict_serial

    hints = [item[6] for item in group]
    hints = None if all(hint is None for hint in hints) else hints
    try:
        colours = _predict_serial(([item[3] for item in group], hints), model, 0)
    except Exception:  # pinned on its file below
        colours = None
    results = []
    for k, (index, source, target, grey, alpha, deep, hint) in enumerate(group):
        try:
            one = None if hint is None else [hint]
            colour = (
                _predict_serial(([grey], one), model, 0)[0]
                if colours is None
                else colours[k]
            )
            out, notes = _encode(colour, alpha, deep, target)
            written = write_image(target, out, overwrite=overwrite, quality=quality)
        except MemoryError:
            reason = f"{source}: out of memory"
        except Exception as exc:  # one file's failure, reported in one line
            reason = f"{source}: {_one_line(exc)}"
        else:
            if written:
                results.append((index, source, target, "written", "", notes))
            else:
                results.append((index, source, target, "skipped", "", ()))
            continue
        finally:
            if colours is not None:
                colours[k] = None  # free each result once written
        results.append((index, source, target, "failed", reason, ()))
    return results


@contextlib.contextmanager
def _client(scheduler):
    """A ``distributed.Client`` for ``scheduler`` (None: no cluster)."""
    if scheduler is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError as exc:
        raise ImportError(
            "scheduler needs dask.distributed: pip install 'somcolor[distributed]'."
        ) from exc
    if isinstance(scheduler, Client):
        yield scheduler
        return
    with Client(scheduler, set_as_default=False) as client:
        yield client


def _cluster_task(jobs, model, overwrite, quality, hints=None):
    """One task on a Dask worker, with one numba thread (as Dask does for BLAS)."""
    with _parallel.limited_threads(1):
        return _colorize_files(jobs, model, overwrite, quality, hints)


def _on_cluster(client, tasks, model, overwrite, quality, hints=None):
    """Run the tasks on a Dask cluster; yield each task's outcomes.

    The model is scattered to every worker once. A task that fails as a
    whole (its worker died more often than the scheduler's
    ``allowed-failures``) does not stop the others: its files that are now
    in place were written completely before the worker died (writes are
    atomic); the others are reported as failed, for a rerun to finish.
    Futures still running when the caller stops are cancelled.
    """
    from distributed import as_completed

    [shared] = client.scatter([model], broadcast=True)
    futures = client.map(
        _cluster_task,
        tasks,
        model=shared,
        overwrite=overwrite,
        quality=quality,
        hints=hints,
        pure=False,
    )
    task_of = {future.key: jobs for future, jobs in zip(futures, tasks)}
    try:
        for future in as_completed(futures):
            jobs = task_of.pop(future.key)
            if future.status == "finished":
                yield future.result()
                continue
            error = future.exception() if future.status == "error" else None
            cause = type(error).__name__ if error is not None else "cancelled"
            reason = f"task lost ({cause}): {_one_line(error) if error else ''}"
            reason = reason.rstrip(": ") + "; rerun to finish it"
            yield [
                (index, source, target, "written", "", ())
                if not overwrite and os.path.lexists(target)
                else (index, source, target, "failed", f"{source}: {reason}", ())
                for index, source, target in jobs
            ]
    finally:
        client.cancel(futures)


def colorize_many(
    model: "ColorizerPipeline | str | os.PathLike",
    inputs: "str | os.PathLike | Iterable[str | os.PathLike]",
    output_dir: "str | os.PathLike",
    *,
    overwrite: bool = False,
    n_jobs: int | None = None,
    scheduler: "str | distributed.Client | None" = None,
    batch_size: int | str = "auto",
    quality: int = DEFAULT_QUALITY,
    hints: "str | os.PathLike | None" = None,
    verbose: int = 0,
) -> ColorizeSummary:
    """Colorize image files and write them, same names, to a folder.

    Parameters
    ----------
    model : ColorizerPipeline or str or path-like
        A fitted colorizer, the path of one saved with :func:`somcolor.save`,
        or the name of a shipped model (see :func:`somcolor.load_pretrained`).
    inputs : str, path-like or iterable of them
        Image files, folders (the images inside, not recursive; entries named
        like images that are not files are reported as failures) or glob
        patterns. Colour images are made grey first (same lightness).
    output_dir : str or path-like
        Folder for the results, created if needed. Each output has its
        input's file name (and so its format).
    overwrite : bool, default=False
        Replace outputs that exist. By default they are kept and their
        inputs counted as skipped, so a rerun after an interruption does
        only the missing files.
    n_jobs : int or None, default=None
        Parallel tasks through joblib: None is 1 unless inside a
        ``joblib.parallel_config`` context (such as ``backend="dask"``, which
        sends the tasks to a Dask cluster); -1 is every core. Unused with
        ``scheduler``. Local worker processes are started only for
        collections of at least :data:`MIN_PIXELS_FOR_WORKERS` pixels in
        all: below that, starting them costs more time than they save, and
        the work is done in this process (with every core).
    scheduler : str or distributed.Client, optional
        Address of a Dask scheduler (``'tcp://host:8786'``) or a client: the
        tasks run on every worker thread of that cluster, the model is
        scattered to the workers once, and each task reads its own files,
        which must be at the same paths on the workers. A task whose worker
        dies is retried by Dask (``distributed.scheduler.allowed-failures``
        times); past that, its files are reported as failed and the other
        tasks go on. Needs ``somcolor[distributed]``.
    batch_size : int or 'auto', default='auto'
        Files per task. 'auto' gives about four tasks per worker, at most 64
        files each.
    quality : int in [1, 100], default=95
        Quality of JPEG and WebP outputs, which are lossy formats (JPEG is
        written without chroma subsampling). The other formats are lossless.
    hints : str or path-like, optional
        A folder of colour hints: for an input ``photos/beach.jpg``, the
        file ``hints/beach.png`` is an RGBA PNG of the same size whose
        opaque pixels are hints (colour marks painted on a transparent
        layer, :func:`somcolor.steering.hints_from_rgba`); inputs without
        one get none. Every hints file is checked (format, alpha channel,
        size) before anything is colorized; PNG files of the folder that
        belong to no input are named in one warning.
    verbose : int, default=0
        Progress bar over the images (stderr) when positive.

    Returns
    -------
    summary : ColorizeSummary
        Files written, skipped and failed (with reasons).

    Raises
    ------
    ValueError
        No input files, an unusable output folder or batch size, or a hints
        file that is not an RGBA PNG of its image's size (nothing is
        written then).
    FileNotFoundError
        An input is neither a file, a folder nor a glob with matches, or
        ``hints`` is not a folder.
    sklearn.exceptions.NotFittedError
        ``model`` is not fitted.

    Notes
    -----
    Every output is written to a hidden temporary file in ``output_dir``
    and renamed when complete: a run that is interrupted, or whose worker
    dies, leaves complete files only; rerunning the same call finishes the
    rest. Two inputs with the same file name are refused (the second is a
    failure) rather than written over each other.

    With ``scheduler``, the tasks are submitted with Dask's own client
    rather than through joblib's Dask backend, which (joblib 1.6,
    distributed 2026.8) waits forever on a task whose worker was lost for
    good; with ``n_jobs`` inside ``joblib.parallel_config(backend="dask")``
    the call goes through joblib like every other loop of somcolor.

    Examples
    --------
    >>> import os, tempfile
    >>> from skimage import data, io
    >>> from somcolor import ColorizerPipeline, colorize_many, to_grey
    >>> image = data.astronaut()[::4, ::4]
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0)
    >>> model = model.fit([image])
    >>> photos, out = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> grey = (to_grey([image])[0] * 255).round().astype("uint8")
    >>> io.imsave(os.path.join(photos, "grey.png"), grey)
    >>> summary = colorize_many(model, photos, out)
    >>> print(summary.written[0].name, len(summary.failed))
    grey.png 0
    >>> print(colorize_many(model, photos, out).skipped[0].name)  # rerun
    grey.png
    """
    start = time.perf_counter()
    model = _load_model(model)
    if not (batch_size == "auto" or (isinstance(batch_size, int) and batch_size > 0)):
        raise ValueError(
            f"batch_size must be a positive int or 'auto', got {batch_size!r}."
        )
    if (
        isinstance(quality, bool)
        or not isinstance(quality, Integral)
        or not 1 <= quality <= 100
    ):
        raise ValueError(f"quality must be an int from 1 to 100, got {quality!r}.")
    if isinstance(inputs, Iterable) and not isinstance(inputs, (str, os.PathLike)):
        inputs = list(inputs)
    files = list_image_files(inputs)
    if not files:
        raise ValueError(f"inputs: {no_images_found(inputs)}")
    if hints is not None:
        from ._hint_files import hint_files

        hints = hint_files(hints, files)
    folder = _check_output_dir(output_dir)
    summary = ColorizeSummary(output_dir=folder)

    outcomes = {}  # input index -> (outcome, path, reason, notes)
    pending, names = [], set()
    for index, source in enumerate(files):
        target = folder / Path(source).name
        # Case-blind, as file systems of macOS and Windows compare names.
        if target.name.casefold() in names:
            reason = f"{source}: another input is also named {target.name}"
            outcomes[index] = ("failed", Path(source), reason, ())
        elif _same_file(source, target):
            reason = f"{source}: its output would replace it (output_dir is its folder)"
            outcomes[index] = ("failed", Path(source), reason, ())
        elif not overwrite and os.path.lexists(target):
            outcomes[index] = ("skipped", target, "", ())
        else:
            pending.append((index, source, str(target)))
        names.add(target.name.casefold())

    with _client(scheduler) as client:
        if client is not None:
            workers = max(1, sum(client.ncores().values()))
        else:
            workers = _parallel.n_workers(n_jobs)
            if workers > 1 and not _worth_workers(pending):
                n_jobs, workers = 1, 1
        if batch_size == "auto":
            batch_size = max(
                1, min(_MAX_AUTO_BATCH, math.ceil(len(pending) / (4 * workers)))
            )
        tasks = [
            pending[i : i + batch_size] for i in range(0, len(pending), batch_size)
        ]
        if client is not None:
            results = _on_cluster(client, tasks, model, overwrite, quality, hints)
        else:
            results = _parallel.parallel_map(
                _colorize_files,
                tasks,
                n_jobs,
                model,
                overwrite,
                quality,
                hints,
                ordered=False,
            )
        # No bar when every output exists: nothing to show progress of.
        bar = progress(
            total=len(pending), verbose=verbose and bool(pending), desc="colorizing"
        )
        for task in results:
            for index, source, target, outcome, reason, notes in task:
                path = Path(source) if outcome == "failed" else Path(target)
                outcomes[index] = (outcome, path, reason, notes)
            bar.update(len(task))
        bar.close()
    for index in sorted(outcomes):
        outcome, path, reason, notes = outcomes[index]
        if outcome == "written":
            summary.written.append(path)
        elif outcome == "skipped":
            summary.skipped.append(path)
        else:
            summary.failed.append((path, reason))
        for note in notes:
            summary.notes.setdefault(note, []).append(path)
    summary.seconds = time.perf_counter() - start
    return summary
