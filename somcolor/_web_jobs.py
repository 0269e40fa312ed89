"""The web page's jobs: one upload read, colorized and encoded, and the lanes
that decide which upload is colorized next (:mod:`somcolor.web`).

Nothing here knows HTTP. An upload is first saved to a private temporary
folder (:func:`save_upload`, which reads the size its header declares),
then waits for a lane (:class:`Lanes`), then is colorized in a worker thread
(:func:`colorize`); the result's PNG files are kept in memory, within a
budget (:class:`Results`), with what re-colouring it with hints needs
(:class:`Photo`, :func:`recolour`). Reference photographs are fitted on
in a worker thread too (:func:`fit_references`), and the last few fitted
models kept in memory (:class:`FittedModels`).
"""

from __future__ import annotations

import contextlib
import copy
import io
import itertools
import os
import re
import secrets
import shutil
import tempfile
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._files import (
    IMAGE_SUFFIXES,
    ImageFileError,
    _declared_pixels,
    as_grey,
    colour_or_none,
    read_image,
    to_uint8,
)

#: Largest photograph that the small lane takes, in pixels (about 250 MB at
#: its peak, beside the large lane's up to 1.3 GB).
SMALL_PIXELS = 4_000_000

#: How fast a waiting upload moves up the queue: each second it waits counts
#: as this many pixels fewer (a 24-megapixel photograph waiting 20 s ranks
#: as a 4-megapixel one).
AGEING_PIXELS_PER_SECOND = 1_000_000

_MAX_NAME = 120


# -- names ----------------------------------------------------------------------


def display_name(filename: str | None) -> str:
    """A file name safe to show and to offer for download (no folders)."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        keep = dot and len(suffix) <= 10
        name = stem[: _MAX_NAME - 1 - len(suffix)] + "." + suffix if keep else name
        name = name[:_MAX_NAME]
    return name or "photograph"


def download_name(name: str, kind: str = "colorized") -> str:
    """``photo.jpg`` -> ``photo-colorized.png`` (``kind`` after the stem)."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem or 'photograph'}-{kind}.png"


# -- pixels ---------------------------------------------------------------------


def uint8_of(image):
    """The 8-bit levels ``somcolor colorize`` writes (as they are if 8-bit)."""
    return image if image.dtype == np.uint8 else to_uint8(image)


def mean_ciede2000(truth, guess) -> float:
    """:func:`somcolor.metrics.mean_ciede2000` of one pair; ``guess`` may be
    grey (2-D, read as R = G = B). The compiled kernel makes no temporary
    image."""
    from . import metrics

    total, count = metrics._ciede2000_sum((truth, guess))
    return total / count


def _png(image, compress_level: int = 3) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


# -- one upload ------------------------------------------------------------------


class BadUpload(Exception):
    """An upload that cannot be colorized; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Upload:
    """An upload saved in a private temporary folder (removed by :meth:`close`).

    ``pixels`` is what the file's header declares, or None where Pillow
    cannot read it (the decoder will tell).
    """

    name: str
    path: str
    pixels: int | None
    _folder: tempfile.TemporaryDirectory = field(repr=False)

    def close(self) -> None:
        self._folder.cleanup()


def _too_many_pixels(name, pixels, max_pixels):
    return (
        f"{name}: {pixels:,} pixels, more than this server colorizes "
        f"({max_pixels:,}; somcolor serve --max-megapixels sets it)."
    )


def save_upload(file, name: str, max_pixels: int) -> Upload:
    """Copy an uploaded file to a private temporary folder and read its size.

    Refuses an empty file, and one whose header declares more than
    ``max_pixels`` pixels, before anything is decoded.
    """
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in IMAGE_SUFFIXES else ""
    folder = tempfile.TemporaryDirectory(prefix="somcolor-serve-")
    try:
        path = os.path.join(folder.name, "upload" + suffix)
        with open(path, "wb") as out:
            shutil.copyfileobj(file, out, 1 << 20)
        if os.path.getsize(path) == 0:
            raise BadUpload(f"{name}: the file is empty.")
        declared = _declared_pixels(path)
        finite = declared is not None and np.isfinite(declared)
        if finite and declared > max_pixels:
            raise BadUpload(_too_many_pixels(name, declared, max_pixels), 413)
    except BaseException:
        folder.cleanup()
        raise
    return Upload(name, path, int(declared) if finite else None, folder)


def _read(upload: Upload, max_pixels: int):
    """The upload's pixels, as :func:`read_image` reads them; messages name
    the upload, never the temporary file."""
    try:
        image = read_image(upload.path, max_pixels=max_pixels)
    except ImageFileError as exc:
        raise BadUpload(str(exc).replace(upload.path, upload.name)) from None
    pixels = image.shape[0] * image.shape[1]
    if pixels > max_pixels:  # a format whose header Pillow cannot read
        raise BadUpload(_too_many_pixels(upload.name, pixels, max_pixels), 413)
    return image


@dataclass
class Photo:
    """What re-colouring a colorized upload with hints needs (kept with it).

    ``grey`` is the upload's grey pixels as they were colorized, ``model``
    and ``options`` the model's display name and the decoding options used;
    the PNG files of the grey and original pictures are shared by every
    result of the photograph.
    """

    grey: np.ndarray
    model: str
    options: dict[str, Any]
    pngs: dict[str, bytes]


@dataclass
class Result:
    name: str
    pngs: dict[str, bytes]
    info: dict[str, Any] = field(default_factory=dict)
    photo: Photo | None = None

    @property
    def size(self) -> int:
        """Bytes it holds (shared pictures and grey pixels counted in each)."""
        grey = 0 if self.photo is None else self.photo.grey.nbytes
        return sum(map(len, self.pngs.values())) + grey


def colorize(model, upload: Upload, max_pixels: int) -> Result:
    """Read, colorize and encode one upload (runs in a worker thread).

    The result keeps the grey pixels (``result.photo``, its ``model`` and
    ``options`` left for the caller to fill in) for :func:`recolour`.
    """
    start = time.perf_counter()
    image = _read(upload, max_pixels)
    rgb = colour_or_none(image)
    grey = as_grey(image)
    del image
    colour = model.predict([grey])[0]
    pngs = {"grey": _png(uint8_of(grey)), "colorized": _png(uint8_of(colour))}
    info: dict[str, Any] = {
        "height": int(grey.shape[0]),
        "width": int(grey.shape[1]),
        "colour_input": rgb is not None,
        "ciede2000": None,
        "grey_ciede2000": None,
        "hints": False,
    }
    if rgb is not None:
        info["ciede2000"] = mean_ciede2000(rgb, colour)
        del colour
        info["grey_ciede2000"] = mean_ciede2000(rgb, grey)
        pngs["original"] = _png(uint8_of(rgb))
    info["seconds"] = round(time.perf_counter() - start, 3)
    shared = {kind: png for kind, png in pngs.items() if kind != "colorized"}
    photo = Photo(grey=grey, model="", options={}, pngs=shared)
    return Result(name=upload.name, pngs=pngs, info=info, photo=photo)


# -- hints ---------------------------------------------------------------------


def hints_layer(image, shape, name: str) -> np.ndarray:
    """The RGBA hints layer of a photograph of ``shape`` from a read image.

    ``image`` is what :func:`read_image` returns; an RGBA image (or grey +
    alpha) of the photograph's own size is accepted, anything else refused
    with a message saying what the format is.
    """
    height, width = shape
    expected = (
        f"a hints layer is a PNG of the photograph's size ({width}x{height} "
        "pixels) with an alpha channel (RGBA), transparent except the hints, "
        "whose opaque pixels are the hints"
    )
    if image.shape[:2] != tuple(shape):
        raise BadUpload(
            f"{name}: {image.shape[1]}x{image.shape[0]} pixels, but {expected}."
        )
    if image.ndim == 3 and image.shape[2] == 2:  # grey + alpha
        image = image[..., [0, 0, 0, 1]]
    if image.ndim != 3 or image.shape[2] != 4:
        raise BadUpload(f"{name}: no alpha channel, but {expected}.")
    return image if image.dtype == np.uint8 else to_uint8(image)


@contextlib.contextmanager
def _one_numba_thread():
    """Compiled loops on this thread only, inside (numba's setting is per
    thread): the solver's hundred short loops are slowed far more by a
    second thread that must wait for a busy core than they gain from it."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def recolour(model, photo: Photo, upload: Upload, name: str, max_pixels: int) -> Result:
    """Colorize a kept photograph again with the hints of an uploaded layer.

    The colorized picture has the pixels of ``to_uint8(model.predict([grey],
    hints=[hints_from_rgba(layer)])[0])``; the result keeps the layer as
    its ``hints`` picture (an RGBA PNG, the format ``somcolor colorize
    --hints`` reads). Runs in a worker thread.
    """
    from .steering import hints_from_rgba

    start = time.perf_counter()
    layer = hints_layer(_read(upload, max_pixels), photo.grey.shape[:2], upload.name)
    with _one_numba_thread():
        colour = model.predict([photo.grey], hints=[hints_from_rgba(layer)])[0]
    marked = layer[..., 3] >= 128
    pngs = {
        **photo.pngs,
        "colorized": _png(uint8_of(colour), compress_level=1),
        "hints": _png(np.where(marked[..., None], layer, 0).astype(np.uint8)),
    }
    info: dict[str, Any] = {
        "height": int(photo.grey.shape[0]),
        "width": int(photo.grey.shape[1]),
        "colour_input": "original" in photo.pngs,
        "ciede2000": None,
        "grey_ciede2000": None,
        "hints": True,
        "hinted_pixels": int(marked.sum()),
        "seconds": round(time.perf_counter() - start, 3),
    }
    return Result(name=name, pngs=pngs, info=info, photo=photo)


# -- reference photographs -----------------------------------------------------

#: Models fitted on reference photographs kept in memory (the oldest is
#: forgotten when one more is fitted).
FITTED_MODELS = 5

#: Seed of the fits, so that the same references give the same model.
FIT_SEED = 0


@dataclass
class Fitted:
    """A model fitted on reference photographs, and its ``.skops`` file."""

    name: str
    model: Any
    skops: bytes
    references: list[str]


def _skops_bytes(model) -> bytes:
    from .persistence import save

    with tempfile.TemporaryDirectory(prefix="somcolor-serve-") as folder:
        path = save(model, os.path.join(folder, "model.skops"))
        return Path(path).read_bytes()


def _as_reference(image):
    """A read image as :func:`~somcolor.fit_reference` takes it (grey + alpha
    made grey, so that the library says it is grey)."""
    if image.ndim == 3 and image.shape[2] == 2:
        return image[..., 0]
    return image


def fit_references(uploads: list[Upload], max_pixels: int) -> Fitted:
    """Fit :func:`somcolor.fit_reference` on uploaded references (a thread).

    A reference the library refuses (grey, too small) is a
    :class:`BadUpload` with the library's message, naming the file.
    """
    from . import fit_reference

    images = [_as_reference(_read(upload, max_pixels)) for upload in uploads]
    names = [upload.name for upload in uploads]
    try:
        model = fit_reference(images, random_state=FIT_SEED)
    except ValueError as exc:
        message = str(exc)
        for index in range(len(names) - 1, -1, -1):
            message = message.replace(f"images[{index}]", names[index])
        raise BadUpload(message) from None
    model = copy.copy(model)
    model.set_params(verbose=0)
    label = (
        ", ".join(names) if len(names) <= 2 else f"{names[0]} and {len(names) - 1} more"
    )
    return Fitted(f"like: {label}", model, _skops_bytes(model), names)


class FittedModels:
    """The last :data:`FITTED_MODELS` models fitted on references, by name."""

    def __init__(self, cap: int | None = None, taken=()):
        self.cap = FITTED_MODELS if cap is None else cap
        self.taken = set(taken)  # the names of the models served from the start
        self._items: OrderedDict[str, Fitted] = OrderedDict()
        self._keys: dict[str, str] = {}

    def add(self, fitted: Fitted) -> str:
        """Keep ``fitted`` (renamed ``... (2)`` if its name is used); its key."""
        name, k = fitted.name, 2
        while name in self._items or name in self.taken:
            name, k = f"{fitted.name} ({k})", k + 1
        fitted.name = name
        key = secrets.token_hex(16)
        self._items[name] = fitted
        self._keys[key] = name
        while len(self._items) > self.cap:
            old, _ = self._items.popitem(last=False)
            self._keys = {k: n for k, n in self._keys.items() if n != old}
        return key

    def model(self, name: str):
        fitted = self._items.get(name)
        return None if fitted is None else fitted.model

    def by_key(self, key: str) -> Fitted | None:
        name = self._keys.get(key)
        return None if name is None else self._items.get(name)


class Results:
    """Results kept for the page, oldest dropped beyond a memory budget."""

    def __init__(self, budget: int):
        self.budget = budget
        self._items: OrderedDict[str, Result] = OrderedDict()
        self._bytes = 0

    def add(self, result: Result) -> str:
        key = secrets.token_hex(16)
        self._items[key] = result
        self._bytes += result.size
        while self._bytes > self.budget and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._bytes -= old.size
        return key

    def get(self, key: str) -> Result | None:
        return self._items.get(key)


# -- who goes next ------------------------------------------------------------------


@dataclass(eq=False)
class _Ticket:
    pixels: int
    since: float
    order: int
    event: Any
    lane: str | None = None


class Lanes:
    """Which waiting upload is colorized next: two lanes, shortest first.

    The large lane colorizes any photograph, the small lane only those of at
    most ``small_pixels``; one photograph at a time in each. So a small
    photograph never waits behind a large one: while a large one is being
    colorized, the small lane takes it (memory stays bounded: one large and
    one small photograph at most). When a lane frees, it takes the waiting
    upload it may run with the smallest rank, its pixels less
    ``ageing`` pixels for each second it has waited (ties: first come), so
    that a stream of small uploads cannot keep a large one waiting for
    ever.

    Used from one event loop (the server's): :meth:`turn` is an async
    context manager holding a lane.

    Parameters
    ----------
    small_pixels : int
        Largest photograph the small lane takes.
    ageing : float
        Pixels a waiting upload's rank drops per second.
    clock : callable
        Seconds, monotonic (tests pass their own).
    """

    def __init__(
        self,
        small_pixels: int = SMALL_PIXELS,
        ageing: float = AGEING_PIXELS_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.small_pixels = small_pixels
        self.ageing = ageing
        self.clock = clock
        self._waiting: list[_Ticket] = []
        self._busy = {"small": False, "large": False}
        self._order = itertools.count()

    @property
    def waiting(self) -> int:
        """Uploads waiting for a lane."""
        return len(self._waiting)

    def _rank(self, ticket: _Ticket, now: float):
        return (ticket.pixels - self.ageing * (now - ticket.since), ticket.order)

    def _dispatch(self) -> None:
        now = self.clock()
        for lane in ("small", "large"):  # a small upload takes the small lane first
            if self._busy[lane]:
                continue
            fits = [
                t
                for t in self._waiting
                if lane == "large" or t.pixels <= self.small_pixels
            ]
            if not fits:
                continue
            ticket = min(fits, key=lambda t: self._rank(t, now))
            self._waiting.remove(ticket)
            self._busy[lane] = True
            ticket.lane = lane
            ticket.event.set()

    def _release(self, ticket: _Ticket) -> None:
        self._busy[ticket.lane] = False
        self._dispatch()

    @contextlib.asynccontextmanager
    async def turn(self, pixels: int):
        """Wait for a lane for a photograph of ``pixels``; hold it inside.

        Yields the lane's name, ``'small'`` or ``'large'``.
        """
        import anyio

        ticket = _Ticket(int(pixels), self.clock(), next(self._order), anyio.Event())
        self._waiting.append(ticket)
        self._dispatch()
        try:
            await ticket.event.wait()
        except BaseException:  # the request went away while it waited
            if ticket.lane is None:
                self._waiting.remove(ticket)
            else:
                self._release(ticket)
            raise
        try:
            yield ticket.lane
        finally:
            self._release(ticket)
