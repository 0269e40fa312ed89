"""The web page's limits: :class:`ServeLimits`, and the checks every request
passes before the application sees it (:mod:`somcolor.web`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

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
        through. One photograph is colorized at a time, and beside it one
        small one (at most 4 megapixels), so that a small photograph never
        waits behind a large one; a 24-megapixel photograph took 1.3 GB of
        memory at its peak (colour JPEG, scored; 1.05 GB grey) with the
        shipped ``photos`` model, a small one takes at most about 0.25 GB.
    max_files : int, default=20
        Photographs the page sends in one go (more are listed as not
        colorized), and results in one zip.
    max_waiting : int, default=8
        Uploads being received, colorized or waiting for their turn (the
        smallest goes first, and the longer an upload waits the sooner it
        goes); one more is answered 429 ("busy, try again") without being
        read.
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
