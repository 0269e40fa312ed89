"""A local web page for colorizing photographs: ``somcolor serve``.

For people who will not write Python: ``pip install "somcolor[web]"``, then
``somcolor serve --model my-model.skops`` prints an address to open in a web
browser. There one drops photographs (grey or colour; colour ones are made
grey first, keeping their lightness), chooses a model and the decoding
options a fitted model can change without refitting, sees grey / colorized
(/ original, with the CIEDE2000 of the colorization when the input was in
colour) side by side, and downloads each result as PNG, or all as a zip.

The server is a small Starlette application run by uvicorn. It serves its
page, script and style sheet from the package (no CDN: nothing is fetched
from the internet), and loads only the models it was given at start-up: a
request names a model by its display name, never by a path, and nothing is
ever unpickled. Uploads are read with the same checks as the command line
(:func:`somcolor._files.read_image`: truncated files, non-images,
decompression bombs and oversized pictures are refused with a one-line
message), colorized one at a time, and kept in memory, within a budget,
until the page asks for them; the only files written are the temporary
copies of uploads, removed as soon as they are read. Every limit is a field
of :class:`ServeLimits` and an option of ``somcolor serve``.

A colorized PNG has exactly the pixels of
``to_uint8(model.predict([grey])[0])`` (the conversion ``somcolor colorize``
writes), where ``grey`` is the upload read as the command line reads it.
"""

from __future__ import annotations

import copy
import functools
import io
import ipaddress
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
import unicodedata
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np

try:
    import anyio
    from starlette import formparsers
    from starlette.applications import Starlette
    from starlette.datastructures import Headers, UploadFile
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    if formparsers.multipart is None:  # Starlette reads forms with python-multipart
        raise ImportError("No module named 'python_multipart'")
except ImportError as exc:  # the web extra is not installed
    raise ImportError(
        f'somcolor.web needs the web extra: pip install "somcolor[web]" ({exc})'
    ) from exc

from . import __version__
from ._files import (
    IMAGE_SUFFIXES,
    ImageFileError,
    _declared_pixels,
    _one_line,
    as_grey,
    colour_or_none,
    read_image,
    to_uint8,
)

__all__ = ["ServeLimits", "create_app", "load_models", "serve", "shipped_models"]

#: Pixels converted or compared per step (grey conversion, CIEDE2000), so
#: that a 24-megapixel photograph needs no more than a few arrays of this
#: size beyond the colorization itself.
_PIXELS_PER_STEP = 1 << 20

#: Files of the page, served from the package (nothing from the internet).
_PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}

_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; "
        b"img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; "
        b"base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]

_RESULT_ID = re.compile(r"[0-9a-f]{32}")
_IMAGE_KINDS = ("grey", "colorized", "original")
_DECODINGS = ("argmax", "soft")
_MAX_TEMPERATURE = 100.0
_MAX_NAME = 120


@dataclass(frozen=True)
class ServeLimits:
    """Limits of the web server (each an option of ``somcolor serve``).

    Parameters
    ----------
    max_upload_bytes : int, default=50 MiB
        Largest request body (one photograph per request); a larger one is
        refused with 413 before it is read in full.
    max_pixels : int, default=25_000_000
        Largest photograph colorized, in pixels (width x height as the file
        declares it); 25 million lets a 24-megapixel camera photograph
        through. Photographs are colorized one at a time; a 24-megapixel
        one takes about 1.5 GB of memory at its peak (1.2 GB if grey).
    max_files : int, default=20
        Photographs the page sends in one go (more are listed as not
        colorized), and results in one zip.
    max_waiting : int, default=8
        Uploads being received, colorized or waiting for their turn; one
        more is answered 429 ("busy, try again") without being read.
    result_bytes : int, default=512 MiB
        Memory for results kept for the page (PNG files); when full, the
        oldest results are dropped and the page says so if asked for them.

    Examples
    --------
    >>> from somcolor.web import ServeLimits
    >>> ServeLimits(max_files=5).max_files
    5
    >>> ServeLimits(max_pixels=0)
    Traceback (most recent call last):
    ...
    ValueError: max_pixels must be a positive integer, got 0.
    """

    max_upload_bytes: int = 50 * 2**20
    max_pixels: int = 25_000_000
    max_files: int = 20
    max_waiting: int = 8
    result_bytes: int = 512 * 2**20

    def __post_init__(self):
        for name, value in asdict(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")


# -- models ----------------------------------------------------------------


def shipped_models() -> dict[str, Callable[[], Any]]:
    """The models shipped with somcolor, by name, as functions loading them.

    The names of :func:`somcolor.pretrained.available` whose model file is
    in the installed package, each with :func:`somcolor.load_pretrained`.

    Returns
    -------
    loaders : dict of str to callable
        Display name to a function without arguments returning the fitted
        model.

    Examples
    --------
    >>> from somcolor.web import shipped_models
    >>> all(callable(load) for load in shipped_models().values())
    True
    """
    from . import pretrained

    return {
        name: functools.partial(pretrained.load_pretrained, name)
        for name in pretrained.available()
        if pretrained._path(name).is_file()
    }


def load_models(
    names_or_files: Iterable[str | os.PathLike] = (),
    *,
    shipped: Mapping[str, Callable[[], Any]] | None = None,
) -> dict[str, Any]:
    """The models a server offers: display name to fitted model.

    Every shipped model is offered, and every model file named. The entries
    of ``names_or_files`` come first, in their order (the page selects the
    first); a shipped name among them only moves that model forward. As
    for ``somcolor colorize``, an existing file of a shipped model's name is
    read as a file.

    Parameters
    ----------
    names_or_files : iterable of str or path-like
        Names of shipped models, or ``.skops`` files written by
        :func:`somcolor.save` (a file is shown under its file name).
    shipped : mapping of str to callable, optional
        Shipped models by name, as functions loading them; None means
        :func:`shipped_models`.

    Returns
    -------
    models : dict of str to ColorizerPipeline
        Fitted models, with ``verbose=0`` (no progress bars in the terminal).

    Raises
    ------
    ValueError
        No model at all, an entry that is neither a shipped name nor a
        model file, or a file :func:`somcolor.load` refuses (the message
        names the entry).

    Examples
    --------
    >>> import os, tempfile
    >>> from skimage import data
    >>> import somcolor
    >>> from somcolor.web import load_models
    >>> model = somcolor.ColorizerPipeline(pixels_per_image=2000, random_state=0)
    >>> model = model.fit([data.astronaut()[::8, ::8]])
    >>> path = os.path.join(tempfile.mkdtemp(), "portraits.skops")
    >>> _ = somcolor.save(model, path)
    >>> list(load_models([path]))  # the file first, then the shipped models
    ['portraits.skops', 'photos', 'landscapes', 'opencountry']
    >>> load_models([], shipped={})
    Traceback (most recent call last):
    ...
    ValueError: no model to serve: name a fitted model file with --model FILE.skops (written by 'somcolor fit' or somcolor.save); no model ships with this version of somcolor.
    """  # noqa: E501
    from sklearn.utils.validation import check_is_fitted

    from .persistence import ModelFileError, load
    from .pipeline import ColorizerPipeline

    shipped = shipped_models() if shipped is None else dict(shipped)
    chosen: list[tuple[str, Callable[[], Any]]] = []
    for entry in map(os.fspath, names_or_files):
        if os.path.isfile(entry) or (
            entry not in shipped and entry.lower().endswith(".skops")
        ):
            chosen.append((Path(entry).name, functools.partial(load, entry)))
        elif entry in shipped:
            chosen.append((entry, shipped[entry]))
        else:
            known = (
                f"shipped models: {', '.join(shipped)}"
                if shipped
                else "no model ships with this version of somcolor"
            )
            raise ValueError(
                f"--model {entry!r}: no such model file, and not the name of a "
                f"shipped model ({known})."
            )
    named = {name for name, _ in chosen}
    chosen += [(name, loader) for name, loader in shipped.items() if name not in named]
    if not chosen:
        raise ValueError(
            "no model to serve: name a fitted model file with --model FILE.skops "
            "(written by 'somcolor fit' or somcolor.save); no model ships with "
            "this version of somcolor."
        )
    models: dict[str, Any] = {}
    for name, loader in chosen:
        display, k = name, 2
        while display in models:
            display, k = f"{name} ({k})", k + 1
        try:
            model = copy.copy(loader())
            if not isinstance(model, ColorizerPipeline):
                raise TypeError(
                    f"a {type(model).__name__}, not a ColorizerPipeline (a model "
                    "written by 'somcolor fit' or somcolor.save(model, ...))."
                )
            check_is_fitted(model)
            model.set_params(verbose=0)
            _model_options(model)
        except (
            AttributeError,  # e.g. a model saved by an incompatible somcolor
            FileNotFoundError,
            ImportError,
            ModelFileError,
            TypeError,
            ValueError,
        ) as exc:
            raise ValueError(f"--model {name!r}: {_one_line(exc)}") from exc
        models[display] = model
    return models


def _model_options(model) -> dict[str, Any]:
    """The decoding options a page may change on ``model`` (and their values)."""
    params = model.get_params(deep=False)
    return {key: params[key] for key in ("decoding", "temperature") if key in params}


# -- colorizing one upload ---------------------------------------------------


def _display_name(filename: str | None) -> str:
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


def _download_name(name: str, kind: str = "colorized") -> str:
    """``photo.jpg`` -> ``photo-colorized.png`` (``kind`` after the stem)."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return f"{stem or 'photograph'}-{kind}.png"


def _rows_in_steps(image):
    step = max(1, _PIXELS_PER_STEP // max(1, image.shape[1]))
    for start in range(0, image.shape[0], step):
        yield slice(start, start + step)


def _grey_of(image):
    """:func:`somcolor._files.as_grey` of a read image, a band of rows at a time.

    The conversion is pixel by pixel, so the result is the same as in one
    go, with a bounded amount of memory beyond the result.
    """
    if image.ndim == 2 or image.shape[-1] == 2:
        return as_grey(image)
    grey = np.empty(image.shape[:2], dtype=np.float64)
    for rows in _rows_in_steps(image):
        grey[rows] = as_grey(image[rows])
    return grey


def _uint8_of(image):
    """:func:`somcolor._files.to_uint8` (as ``somcolor colorize`` writes), a
    band of rows at a time: the same levels, without float temporaries the
    size of the whole image."""
    if image.dtype == np.uint8:
        return image
    levels = np.empty(image.shape, dtype=np.uint8)
    for rows in _rows_in_steps(image):
        levels[rows] = to_uint8(image[rows])
    return levels


def _mean_ciede2000(truth, guess) -> float:
    """:func:`somcolor.metrics.mean_ciede2000` of one pair, band by band."""
    from . import metrics

    sums = (
        metrics._ciede2000_sum((truth[rows], guess[rows]))
        for rows in _rows_in_steps(truth)
    )
    return metrics._mean_of_sums(sums)


def _png(image) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


@dataclass
class _Result:
    name: str
    pngs: dict[str, bytes]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(map(len, self.pngs.values()))


class _BadUpload(Exception):
    """An upload that cannot be colorized; ``status`` is the HTTP answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _read_upload(upload, name: str, limits: ServeLimits):
    """Read an uploaded file as :func:`read_image` does, through a temporary file.

    The copy lives in a private temporary folder, removed before returning.
    Messages name the upload, never the temporary file.
    """
    suffix = Path(name).suffix.lower()
    suffix = suffix if suffix in IMAGE_SUFFIXES else ""
    with tempfile.TemporaryDirectory(prefix="somcolor-serve-") as folder:
        path = os.path.join(folder, "upload" + suffix)
        with open(path, "wb") as out:
            shutil.copyfileobj(upload, out, 1 << 20)
        if os.path.getsize(path) == 0:
            raise _BadUpload(f"{name}: the file is empty.")
        declared = _declared_pixels(path)
        if (
            declared is not None
            and np.isfinite(declared)
            and declared > limits.max_pixels
        ):
            raise _BadUpload(_too_many_pixels(name, declared, limits), 413)
        try:
            image = read_image(path, max_pixels=limits.max_pixels)
        except ImageFileError as exc:
            raise _BadUpload(str(exc).replace(path, name)) from None
    pixels = image.shape[0] * image.shape[1]
    if pixels > limits.max_pixels:  # a format whose header Pillow cannot read
        raise _BadUpload(_too_many_pixels(name, pixels, limits), 413)
    return image


def _too_many_pixels(name, pixels, limits):
    return (
        f"{name}: {pixels:,} pixels, more than this server colorizes "
        f"({limits.max_pixels:,}; somcolor serve --max-megapixels sets it)."
    )


def _colorize(model, upload, name: str, limits: ServeLimits) -> _Result:
    """Read, colorize and encode one upload (runs in a worker thread)."""
    start = time.perf_counter()
    image = _read_upload(upload, name, limits)
    rgb = colour_or_none(image)
    grey = _grey_of(image)
    del image
    colour = model.predict([grey])[0]
    pngs = {"grey": _png(_uint8_of(grey)), "colorized": _png(_uint8_of(colour))}
    info: dict[str, Any] = {
        "height": int(grey.shape[0]),
        "width": int(grey.shape[1]),
        "colour_input": rgb is not None,
        "ciede2000": None,
        "grey_ciede2000": None,
    }
    if rgb is not None:
        from skimage.color import gray2rgb

        info["ciede2000"] = _mean_ciede2000(rgb, colour)
        del colour
        info["grey_ciede2000"] = _mean_ciede2000(rgb, _GreyAsRgb(grey, gray2rgb))
        pngs["original"] = _png(_uint8_of(rgb))
    info["seconds"] = round(time.perf_counter() - start, 3)
    return _Result(name=name, pngs=pngs, info=info)


class _GreyAsRgb:
    """A grey image seen as RGB band by band (for the grey baseline)."""

    def __init__(self, grey, gray2rgb):
        self.grey, self.gray2rgb = grey, gray2rgb

    def __getitem__(self, rows):
        return self.gray2rgb(self.grey[rows])


class _Results:
    """Results kept for the page, oldest dropped beyond a memory budget."""

    def __init__(self, budget: int):
        self.budget = budget
        self._items: OrderedDict[str, _Result] = OrderedDict()
        self._bytes = 0

    def add(self, result: _Result) -> str:
        key = secrets.token_hex(16)
        self._items[key] = result
        self._bytes += result.size
        while self._bytes > self.budget and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._bytes -= old.size
        return key

    def get(self, key: str) -> _Result | None:
        return self._items.get(key)


# -- the web application -------------------------------------------------------


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _host_name(value: str | None) -> str | None:
    try:
        return urlsplit("//" + (value or "")).hostname
    except ValueError:
        return None


class _Guard:
    """Checks done before the application sees a request.

    The Host header must name this machine when the server listens on
    loopback only (a web site cannot reach it by DNS rebinding); a POST must
    come from the page itself (same Origin); the body must stay within
    ``max_body`` bytes, declared or not. Every response gets the page's
    security headers.
    """

    def __init__(self, app, *, max_body: int, local_only: bool):
        self.app = app
        self.max_body = max_body
        self.local_only = local_only

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [
                    h
                    for h in _SECURITY_HEADERS
                    if h[0] != b"cache-control" or scope["path"].startswith("/api/")
                ]
            await send(message)

        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            return await refusal(scope, receive, send_with_headers)

        received = 0
        limit = self.max_body

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large_message(limit))
            return message

        await self.app(scope, limited_receive, send_with_headers)

    def _refusal(self, scope, headers):
        if self.local_only and _host_name(headers.get("host")) not in (
            "127.0.0.1",
            "localhost",
            "::1",
        ):
            return _error(
                400,
                "this server answers only requests addressed to this machine "
                "(127.0.0.1 or localhost).",
            )
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD") and origin is not None:
            if urlsplit(origin).netloc != headers.get("host"):
                return _error(403, "requests from other web sites are refused.")
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return _error(400, "bad Content-Length header.")
            if int(length) > self.max_body:
                return _error(413, _too_large_message(self.max_body))
        return None


def _too_large_message(limit: int) -> str:
    return (
        f"the upload is larger than this server accepts ({limit / 2**20:g} MB "
        "per photograph; somcolor serve --max-upload-mb sets it)."
    )


def _read_page_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("somcolor").joinpath("_webpage")
    return {
        route: (folder.joinpath(name).read_bytes(), media_type)
        for route, (name, media_type) in _PAGE_FILES.items()
    }


def create_app(
    models: Mapping[str, Any],
    limits: ServeLimits | None = None,
    *,
    local_only: bool = True,
) -> Starlette:
    """The web application serving ``models`` (an ASGI app, for uvicorn).

    Parameters
    ----------
    models : mapping of str to ColorizerPipeline
        Display name to fitted model, as :func:`load_models` returns; the
        first is the page's default. Requests can use these models only.
    limits : ServeLimits, optional
        None means ``ServeLimits()``.
    local_only : bool, default=True
        Answer only requests whose Host header names this machine (for a
        server listening on 127.0.0.1).

    Returns
    -------
    app : starlette.applications.Starlette

    Notes
    -----
    Routes: ``GET /`` the page (and ``/static/app.js``, ``/static/style.css``);
    ``GET /api/config`` the models, their options and the limits;
    ``POST /api/colorize`` one photograph (multipart form: ``file``,
    ``model``, optional ``decoding`` and ``temperature``), answered with
    JSON describing the result; ``GET /api/results/ID/KIND.png`` (KIND is
    grey, colorized or original; ``?download=1`` to save it);
    ``GET /api/results.zip?id=ID&id=...`` the colorized PNGs as a zip. An
    error is answered with a 4xx status and ``{"error": message}``.

    Examples
    --------
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline
    >>> from somcolor.web import create_app
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0)
    >>> model = model.fit([data.astronaut()[::8, ::8]])
    >>> app = create_app({"portraits": model})
    >>> [route.path for route in app.routes][:2]
    ['/', '/static/app.js']
    """
    limits = ServeLimits() if limits is None else limits
    if not isinstance(limits, ServeLimits):
        raise TypeError(f"limits must be a ServeLimits, got {type(limits).__name__}.")
    models = dict(models)
    if not models:
        raise ValueError("models must name at least one fitted model.")
    page = _read_page_files()
    results = _Results(limits.result_bytes)
    one_at_a_time = anyio.CapacityLimiter(1)
    waiting = 0

    def page_file(route):
        body, media_type = page[route]

        async def endpoint(request):
            return Response(body, media_type=media_type)

        return endpoint

    async def config(request):
        return JSONResponse(
            {
                "version": __version__,
                "models": [
                    {"name": name, "options": _model_options(model)}
                    for name, model in models.items()
                ],
                "limits": asdict(limits),
            }
        )

    async def colorize(request: Request):
        nonlocal waiting
        if waiting >= limits.max_waiting:
            return _error(
                429,
                f"the server is busy ({waiting} photographs waiting); try again "
                "in a moment.",
            )
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            return _error(
                415,
                "send the photograph as multipart/form-data, in a field named 'file'.",
            )
        waiting += 1
        form = None
        try:
            try:
                form = await request.form(max_files=1, max_fields=8, max_part_size=1024)
            except ClientDisconnect:  # the page was closed during the upload
                return Response(status_code=400)
            except HTTPException as exc:
                if exc.status_code == 400:
                    raise HTTPException(400, f"bad upload: {exc.detail}") from None
                raise
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return _error(
                    400, "no photograph in the request (a file field named 'file')."
                )
            name = _display_name(upload.filename)
            model_name = form.get("model")
            if not model_name and len(models) == 1:
                model_name = next(iter(models))
            if not isinstance(model_name, str) or model_name not in models:
                shown = str(model_name)[:60]
                return _error(
                    400,
                    f"unknown model {shown!r}; this server has: {', '.join(models)}.",
                )
            model, options = _with_options(models[model_name], form)
            try:
                result = await anyio.to_thread.run_sync(
                    _colorize,
                    model,
                    upload.file,
                    name,
                    limits,
                    limiter=one_at_a_time,
                )
            except _BadUpload as exc:
                return _error(exc.status, str(exc))
            except MemoryError:
                return _error(
                    413, f"{name}: not enough memory to colorize this photograph."
                )
        finally:
            waiting -= 1
            if form is not None:
                await form.close()
        key = results.add(result)
        base = f"/api/results/{key}"
        return JSONResponse(
            {
                "id": key,
                "name": name,
                "model": model_name,
                "options": options,
                **result.info,
                "images": {kind: f"{base}/{kind}.png" for kind in result.pngs},
                "download": f"{base}/colorized.png?download=1",
                "download_name": _download_name(name),
            }
        )

    async def result_image(request: Request):
        key = request.path_params["key"]
        kind = request.path_params["kind"]
        result = results.get(key) if _RESULT_ID.fullmatch(key) else None
        if kind not in _IMAGE_KINDS:
            return _error(404, f"no such picture {kind[:20]!r}.")
        if result is None:
            return _error(404, _expired())
        if kind not in result.pngs:
            return _error(404, f"{result.name}: no {kind} picture (a grey input).")
        headers = {}
        if request.query_params.get("download"):
            headers["content-disposition"] = _attachment(
                _download_name(result.name, kind)
            )
        return Response(result.pngs[kind], media_type="image/png", headers=headers)

    async def result_zip(request: Request):
        keys = request.query_params.getlist("id")
        if not keys:
            return _error(400, "name the results to pack with ?id=...")
        if len(keys) > limits.max_files * 10:
            return _error(400, f"at most {limits.max_files * 10} results per zip.")
        found = [results.get(k) if _RESULT_ID.fullmatch(k) else None for k in keys]
        if any(r is None for r in found):
            return _error(404, _expired())
        buffer = io.BytesIO()
        used: set[str] = set()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            for result in found:
                entry, k = _download_name(result.name), 2
                while entry in used:
                    entry = _download_name(result.name, f"{k}-colorized")
                    k += 1
                used.add(entry)
                archive.writestr(entry, result.pngs["colorized"])
        return Response(
            buffer.getvalue(),
            media_type="application/zip",
            headers={"content-disposition": _attachment("somcolor-colorized.zip")},
        )

    async def http_error(request, exc: HTTPException):
        return _error(exc.status_code, str(exc.detail))

    async def server_error(request, exc: Exception):
        # uvicorn prints the traceback in the terminal; the page gets one line.
        return _error(500, f"internal error ({type(exc).__name__}); see the terminal.")

    routes = [Route(path, page_file(path)) for path in _PAGE_FILES]
    routes += [
        Route("/api/config", config),
        Route("/api/colorize", colorize, methods=["POST"]),
        Route("/api/results/{key}/{kind}.png", result_image),
        Route("/api/results.zip", result_zip),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(_Guard, max_body=limits.max_upload_bytes, local_only=local_only)
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )


def _expired() -> str:
    return (
        "this result is no longer kept (the server keeps the newest results "
        "within its memory budget, and forgets them when it stops); colorize "
        "the photograph again."
    )


def _attachment(filename: str) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_")
    fallback = fallback.replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def _with_options(model, form):
    """``model`` with the page's decoding options, and the options in use."""
    allowed = _model_options(model)
    params: dict[str, Any] = {}
    decoding = form.get("decoding") or None
    if decoding is not None:
        if "decoding" not in allowed or decoding not in _DECODINGS:
            raise HTTPException(
                400, f"decoding must be one of {', '.join(_DECODINGS)} for this model."
            )
        params["decoding"] = decoding
    temperature = form.get("temperature") or None
    if temperature is not None:
        try:
            value = float(temperature)
        except (TypeError, ValueError):
            value = float("nan")
        if "temperature" not in allowed or not (0 < value <= _MAX_TEMPERATURE):
            raise HTTPException(
                400,
                f"temperature must be a number in (0, {_MAX_TEMPERATURE:g}] for "
                "this model.",
            )
        params["temperature"] = value
    if params:
        model = copy.copy(model)
        model.set_params(**params)
    return model, {**allowed, **params}


# -- running it ------------------------------------------------------------------


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` (port 0: any free port)."""
    infos = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _is_loopback(sock: socket.socket) -> bool:
    return ipaddress.ip_address(sock.getsockname()[0]).is_loopback


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    ip = ipaddress.ip_address(host)
    if ip.is_unspecified:
        return f"http://127.0.0.1:{port}/"
    return f"http://[{host}]:{port}/" if ip.version == 6 else f"http://{host}:{port}/"


def _uvicorn_server(app, limits: ServeLimits):
    """The uvicorn server that runs ``app`` (quiet: no access log)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        limit_concurrency=max(32, 4 * limits.max_waiting),
        timeout_keep_alive=5,
    )
    return uvicorn.Server(config)


def serve(
    models: Mapping[str, Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: ServeLimits | None = None,
    echo: Callable[[str], Any] = print,
) -> None:
    """Serve the page for ``models`` until interrupted (Ctrl+C), then return.

    Parameters
    ----------
    models : mapping of str to ColorizerPipeline
        As :func:`load_models` returns.
    host : str, default='127.0.0.1'
        Address to listen on. Anything other than a loopback address lets
        other machines use the server, and a warning says so.
    port : int, default=8000
        0 picks a free port (printed).
    limits : ServeLimits, optional
    echo : callable, default=print
        Receives the lines to show (the address to open, warnings).

    Raises
    ------
    OSError
        The address cannot be listened on (in use, not this machine's).

    Examples
    --------
    >>> from somcolor.web import load_models, serve
    >>> serve(load_models(["my-model.skops"]))  # doctest: +SKIP
    somcolor: serving 1 model(s) (my-model.skops) at http://127.0.0.1:8000/
    ...
    """
    limits = ServeLimits() if limits is None else limits
    sock = _listening_socket(host, port)
    try:
        local = _is_loopback(sock)
        server = _uvicorn_server(create_app(models, limits, local_only=local), limits)
        echo(
            f"somcolor: serving {len(models)} model(s) ({', '.join(models)}) at "
            f"{_address(sock)}"
        )
        echo("open that address in a web browser; press Ctrl+C here to stop.")
        if not local:
            where, port = sock.getsockname()[:2]
            echo(
                f"warning: listening on {where}, not only on this machine: anyone "
                f"who can reach it on port {port} can open the page, upload "
                "photographs, use its processors and memory, and see the models' "
                "names and the results. There is no password and no encryption "
                "(plain http). Use it only on a network you trust."
            )
        echo(
            f"limits: {limits.max_upload_bytes / 2**20:g} MB and "
            f"{limits.max_pixels / 1e6:g} megapixels per photograph, "
            f"{limits.max_files} photographs at a time; results are kept in "
            "memory only."
        )
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn passes Ctrl+C on once it has stopped
            pass
        echo("somcolor: stopped.")
    finally:
        sock.close()
