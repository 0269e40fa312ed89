"""The web page's routes: :func:`create_app`, the ASGI application of
``somcolor serve`` (re-exported by :mod:`somcolor.web`)."""

from __future__ import annotations

import contextlib
import copy
import io
import re
import time
import zipfile
from collections.abc import Mapping
from dataclasses import asdict
from importlib import resources
from typing import Any
from urllib.parse import quote

import anyio
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import __version__
from . import _web_jobs as jobs
from ._files import _one_line
from ._web_limits import ServeLimits, _error, _Guard

#: Files of the page, served from the package (nothing from the internet).
_PAGE_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}

_RESULT_ID = re.compile(r"[0-9a-f]{32}")
_IMAGE_KINDS = ("grey", "colorized", "original", "hints")
_DECODINGS = ("argmax", "soft")
_MAX_TEMPERATURE = 100.0


def _model_options(model) -> dict[str, Any]:
    """The decoding options a page may change on ``model`` (and their values)."""
    params = model.get_params(deep=False)
    return {key: params[key] for key in ("decoding", "temperature") if key in params}


def _read_page_files() -> dict[str, tuple[bytes, str]]:
    folder = resources.files("somcolor").joinpath("_webpage")
    return {
        route: (folder.joinpath(name).read_bytes(), media_type)
        for route, (name, media_type) in _PAGE_FILES.items()
    }


def _favicon() -> bytes:
    """The page's icon, drawn here: a 3x3 palette, as a SOM codebook looks.

    An ICO file of 16x16, 32x32 and 48x48 pictures (Pillow writes it).
    """
    from PIL import Image

    colours = [
        (164, 58, 43), (214, 150, 61), (233, 214, 140),
        (112, 139, 74), (128, 128, 128), (196, 190, 178),
        (47, 92, 128), (92, 146, 176), (160, 196, 214),
    ]  # fmt: skip
    icon = Image.new("RGB", (48, 48))
    for k, colour in enumerate(colours):
        row, col = divmod(k, 3)
        icon.paste(colour, (16 * col, 16 * row, 16 * col + 16, 16 * row + 16))
    buffer = io.BytesIO()
    icon.save(buffer, format="ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    return buffer.getvalue()


async def _colorize_in_turn(lanes, model, file, name, limits):
    """Save the upload, wait for a lane by its size, colorize it (threads)."""
    upload = await anyio.to_thread.run_sync(
        jobs.save_upload, file, name, limits.max_pixels
    )
    try:
        pixels = limits.max_pixels if upload.pixels is None else upload.pixels
        async with lanes.turn(pixels):
            return await anyio.to_thread.run_sync(
                jobs.colorize, model, upload, limits.max_pixels
            )
    finally:
        upload.close()


async def _recolour_in_turn(lanes, model, photo, file, name, limits):
    """Save the hints layer, wait for a lane, colorize again (threads)."""
    pixels = photo.grey.shape[0] * photo.grey.shape[1]
    upload = await anyio.to_thread.run_sync(
        jobs.save_upload, file, "hints layer", limits.max_pixels
    )
    try:
        async with lanes.turn(pixels):
            return await anyio.to_thread.run_sync(
                jobs.recolour, model, photo, upload, name, limits.max_pixels
            )
    finally:
        upload.close()


async def _fit_in_turn(lanes, files, limits):
    """Save the references, wait for a lane, fit on them (threads)."""
    uploads = []
    try:
        for file, name in files:
            uploads.append(
                await anyio.to_thread.run_sync(
                    jobs.save_upload, file, name, limits.max_pixels
                )
            )
        pixels = sum(
            limits.max_pixels if u.pixels is None else u.pixels for u in uploads
        )
        if len(uploads) > 1 and pixels > limits.max_pixels:  # memory, as one
            raise jobs.BadUpload(
                f"the reference photographs have {pixels:,} pixels together, "
                f"more than this server fits on at once ({limits.max_pixels:,}; "
                "somcolor serve --max-megapixels sets it).",
                413,
            )
        async with lanes.turn(pixels):
            return await anyio.to_thread.run_sync(
                jobs.fit_references, uploads, limits.max_pixels
            )
    finally:
        for upload in uploads:
            upload.close()


class _Refused(Exception):
    """A request turned away before its work, with the answer to give."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


async def _read_form(request, max_files):
    """The multipart form of a POST (or :class:`_Refused`)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise _Refused(
            _error(
                415,
                "send the photograph as multipart/form-data, in a field named 'file'.",
            )
        )
    try:
        return await request.form(max_files=max_files, max_fields=8, max_part_size=1024)
    except ClientDisconnect:  # the page was closed during the upload
        raise _Refused(Response(status_code=400)) from None
    except HTTPException as exc:
        if exc.status_code == 400:
            raise HTTPException(400, f"bad upload: {exc.detail}") from None
        raise


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
    Routes: ``GET /`` the page (and ``/static/app.js``, ``/static/style.css``,
    ``/favicon.ico``);
    ``GET /api/config`` the models, their options and the limits;
    ``POST /api/colorize`` one photograph (multipart form: ``file``,
    ``model``, optional ``decoding`` and ``temperature``), answered with
    JSON describing the result once it is colorized (one large photograph
    at a time, and one small one beside it; waiting uploads go smallest
    first, moved up as they wait); ``GET /api/results/ID/KIND.png`` (KIND is
    grey, colorized or original; ``?download=1`` to save it);
    ``GET /api/results.zip?id=ID&id=...`` the colorized PNGs as a zip;
    ``POST /api/results/ID/hints`` the photograph of result ID colorized
    again with colour hints (multipart form: ``hints``, an RGBA PNG of the
    photograph's size whose opaque pixels are the hints), answered as
    ``/api/colorize`` is, the layer kept as the new result's ``hints``
    picture; ``POST /api/references`` a model fitted with
    :func:`somcolor.fit_reference` on the reference photographs of the form
    (``file``, up to ``max_files`` of them), answered with its display name
    (``like: <file name>``, usable as ``model`` from then on) and the
    address of its ``.skops`` file, ``GET /api/models/KEY.skops`` (the last
    few fitted models are kept, in memory). An error is answered with a
    4xx status and ``{"error": message}``.

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
    results = jobs.Results(limits.result_bytes)
    fitted = jobs.FittedModels(taken=models)
    lanes = jobs.Lanes()
    waiting = 0

    def find_model(name):
        """The model of a display name (served, or fitted on references)."""
        if not name and len(models) == 1:
            name = next(iter(models))
        if isinstance(name, str) and name in models:
            return name, models[name]
        model = fitted.model(name) if isinstance(name, str) else None
        if model is not None:
            return name, model
        shown = str(name)[:60]
        gone = (
            f" (the server keeps the last {fitted.cap} models fitted on reference "
            "photographs: drop the reference again)"
            if isinstance(name, str) and name.startswith("like: ")
            else ""
        )
        raise HTTPException(
            400, f"unknown model {shown!r}{gone}; this server has: {', '.join(models)}."
        )

    @contextlib.asynccontextmanager
    async def admitted(request, max_files):
        """The request's form while its work is done, counted as waiting;
        a full queue or a bad form is :class:`_Refused`."""
        nonlocal waiting
        if waiting >= limits.max_waiting:
            raise _Refused(
                _error(
                    429,
                    f"the server is busy ({waiting} photographs waiting); try "
                    "again in a moment.",
                )
            )
        waiting += 1
        form = None
        try:
            form = await _read_form(request, max_files)
            yield form
        finally:
            waiting -= 1
            if form is not None:
                await form.close()

    def answer(key, result):
        base = f"/api/results/{key}"
        photo = result.photo
        reply = {
            "id": key,
            "name": result.name,
            "model": photo.model,
            "options": photo.options,
            **result.info,
            "images": {kind: f"{base}/{kind}.png" for kind in result.pngs},
            "download": f"{base}/colorized.png?download=1",
            "download_name": jobs.download_name(result.name),
        }
        if "hints" in result.pngs:
            reply["hints_download"] = f"{base}/hints.png?download=1"
            reply["hints_download_name"] = jobs.download_name(result.name, "hints")
        return JSONResponse(reply)

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
        async with admitted(request, 1) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return _error(
                    400, "no photograph in the request (a file field named 'file')."
                )
            name = jobs.display_name(upload.filename)
            model_name, model = find_model(form.get("model"))
            model, options = _with_options(model, form)
            try:
                result = await _colorize_in_turn(
                    lanes, model, upload.file, name, limits
                )
            except jobs.BadUpload as exc:
                return _error(exc.status, str(exc))
            except MemoryError:
                return _error(
                    413, f"{name}: not enough memory to colorize this photograph."
                )
        result.photo.model = model_name
        result.photo.options = options
        return answer(results.add(result), result)

    async def recolour(request: Request):
        key = request.path_params["key"]
        kept = results.get(key) if _RESULT_ID.fullmatch(key) else None
        if kept is None or kept.photo is None:
            return _error(404, _expired())
        async with admitted(request, 1) as form:
            layer = form.get("hints")
            if not isinstance(layer, UploadFile):
                return _error(
                    400,
                    "no hints layer in the request (an RGBA PNG in a file field "
                    "named 'hints').",
                )
            photo = kept.photo
            _, model = find_model(photo.model)
            model = copy.copy(model)
            if photo.options:
                model.set_params(**photo.options)
            try:
                result = await _recolour_in_turn(
                    lanes, model, photo, layer.file, kept.name, limits
                )
            except jobs.BadUpload as exc:
                message = str(exc).replace("hints layer", "the hints layer", 1)
                return _error(exc.status, message)
            except ValueError as exc:  # the library refuses the hints
                return _error(400, f"{kept.name}: {_one_line(exc)}")
        return answer(results.add(result), result)

    async def fit(request: Request):
        async with admitted(request, limits.max_files) as form:
            uploads = [u for u in form.getlist("file") if isinstance(u, UploadFile)]
            if not uploads:
                return _error(
                    400,
                    "no reference photograph in the request (file fields named "
                    "'file').",
                )
            files = [(u.file, jobs.display_name(u.filename)) for u in uploads]
            start = time.perf_counter()
            try:
                made = await _fit_in_turn(lanes, files, limits)
            except jobs.BadUpload as exc:
                return _error(exc.status, str(exc))
            except MemoryError:
                return _error(413, "not enough memory to fit on these photographs.")
        key = fitted.add(made)
        return JSONResponse(
            {
                "name": made.name,
                "options": _model_options(made.model),
                "references": made.references,
                "seconds": round(time.perf_counter() - start, 3),
                "download": f"/api/models/{key}.skops",
                "download_name": _model_file_name(made.references[0]),
            }
        )

    async def fitted_model(request: Request):
        key = request.path_params["key"]
        made = fitted.by_key(key) if _RESULT_ID.fullmatch(key) else None
        if made is None:
            return _error(
                404,
                f"this model is no longer kept (the server keeps the last "
                f"{fitted.cap} models fitted on reference photographs, and "
                "forgets them when it stops); drop the reference again.",
            )
        return Response(
            made.skops,
            media_type="application/octet-stream",
            headers={
                "content-disposition": _attachment(_model_file_name(made.references[0]))
            },
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
                jobs.download_name(result.name, kind)
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
                entry, k = jobs.download_name(result.name), 2
                while entry in used:
                    entry = jobs.download_name(result.name, f"{k}-colorized")
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

    async def refused(request, exc: _Refused):
        return exc.response

    async def server_error(request, exc: Exception):
        # uvicorn prints the traceback in the terminal; the page gets one line.
        return _error(500, f"internal error ({type(exc).__name__}); see the terminal.")

    icon = _favicon()

    async def favicon(request):
        return Response(icon, media_type="image/x-icon")

    routes = [Route(path, page_file(path)) for path in _PAGE_FILES]
    routes += [
        Route("/favicon.ico", favicon),
        Route("/api/config", config),
        Route("/api/colorize", colorize, methods=["POST"]),
        Route("/api/results/{key}/hints", recolour, methods=["POST"]),
        Route("/api/references", fit, methods=["POST"]),
        Route("/api/models/{key}.skops", fitted_model),
        Route("/api/results/{key}/{kind}.png", result_image),
        Route("/api/results.zip", result_zip),
    ]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(_Guard, max_body=limits.max_upload_bytes, local_only=local_only)
        ],
        exception_handlers={
            HTTPException: http_error,
            _Refused: refused,
            Exception: server_error,
        },
    )


def _expired() -> str:
    return (
        "this result is no longer kept (the server keeps the newest results "
        "within its memory budget, and forgets them when it stops); colorize "
        "the photograph again."
    )


def _model_file_name(reference: str) -> str:
    """``coffee.jpg`` -> ``like-coffee.skops``."""
    stem = reference.rsplit(".", 1)[0] if "." in reference else reference
    return f"like-{stem or 'photograph'}.skops"


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
