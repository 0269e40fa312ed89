"""A local web page for colorizing photographs: ``somcolor serve``.

For people who will not write Python: ``pip install "somcolor[web]"``, then
``somcolor serve --model my-model.skops`` prints an address to open in a web
browser. There one drops photographs (grey or colour; colour ones are made
grey first, keeping their lightness), chooses a model and the decoding
options a fitted model can change without refitting, sees grey / colorized
(/ original, with the CIEDE2000 of the colorization when the input was in
colour) side by side, and downloads each result as PNG, or all as a zip.
One may also drop colour reference photographs, on which a model is fitted
(:func:`somcolor.fit_reference`) and offered like the others, and paint
colour hints on a colorized picture, which is then colorized again with
them (``predict(..., hints=...)``).

The server is a small Starlette application run by uvicorn. It serves its
page, script and style sheet from the package (no CDN: nothing is fetched
from the internet), and loads only the models it was given at start-up: a
request names a model by its display name, never by a path, and nothing is
ever unpickled. Uploads are read with the same checks as the command line
(:func:`somcolor._files.read_image`: truncated files, non-images,
decompression bombs and oversized pictures are refused with a one-line
message), colorized one large photograph at a time (and one small one
beside it, so that a small photograph never waits behind a large one), and
kept in memory, within a budget, until the page asks for them; the only
files written are the temporary copies of uploads, removed as soon as they
are read. Every limit is a field of :class:`ServeLimits` and an option of
``somcolor serve``.

The parts: this module (the models offered, running the server), the
routes (``_web_routes.py``: :func:`create_app`), the jobs and the queue
(``_web_jobs.py``: reading, colorizing and encoding one upload; which upload
goes next) and the limits (``_web_limits.py``: :class:`ServeLimits`, the
checks before a request is read).

A colorized PNG has exactly the pixels of
``to_uint8(model.predict([grey])[0])`` (the conversion ``somcolor colorize``
writes), where ``grey`` is the upload read as the command line reads it.
"""

from __future__ import annotations

import copy
import functools
import ipaddress
import os
import socket
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

try:
    import anyio  # noqa: F401
    from starlette import formparsers

    if formparsers.multipart is None:  # Starlette reads forms with python-multipart
        raise ImportError("No module named 'python_multipart'")
    from ._web_limits import ServeLimits
    from ._web_routes import _model_options, create_app
except ImportError as exc:  # the web extra is not installed
    raise ImportError(
        f'somcolor.web needs the web extra: pip install "somcolor[web]" ({exc})'
    ) from exc

from ._files import _one_line

__all__ = ["ServeLimits", "create_app", "load_models", "serve", "shipped_models"]


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
            from .pretrained import _did_you_mean

            known = (
                f"shipped models: {', '.join(shipped)}"
                if shipped
                else "no model ships with this version of somcolor"
            )
            raise ValueError(
                f"--model {entry!r}: no such model file, and not the name of a "
                f"shipped model ({known}){_did_you_mean(entry, shipped) or '.'}"
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


def _uvicorn_server(
    app, limits: ServeLimits, on_started: Callable[[], Any] | None = None
):
    """The uvicorn server that runs ``app`` (quiet: no access log).

    ``on_started()`` is called once the server listens, with its Ctrl+C
    handling in place: a person who presses Ctrl+C as soon as the address
    is printed stops it (a signal that came earlier, while asyncio and
    uvicorn were still starting, could be lost and leave it running).
    """
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started and on_started is not None:
                on_started()

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        limit_concurrency=max(32, 4 * limits.max_waiting),
        timeout_keep_alive=5,
    )
    return Server(config)


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

        def started():
            echo(
                f"somcolor: serving {len(models)} model(s) ({', '.join(models)}) "
                f"at {_address(sock)}"
            )
            echo("open that address in a web browser; press Ctrl+C here to stop.")
            if not local:
                where, port = sock.getsockname()[:2]
                echo(
                    f"warning: listening on {where}, not only on this machine: "
                    f"anyone who can reach it on port {port} can open the page, "
                    "upload photographs, use its processors and memory, and see "
                    "the models' names and the results. There is no password and "
                    "no encryption (plain http). Use it only on a network you "
                    "trust."
                )
            echo(
                f"limits: {limits.max_upload_bytes / 2**20:g} MB and "
                f"{limits.max_pixels / 1e6:g} megapixels per photograph, "
                f"{limits.max_files} photographs at a time; results are kept in "
                "memory only."
            )

        app = create_app(models, limits, local_only=local)
        server = _uvicorn_server(app, limits, started)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:  # uvicorn passes Ctrl+C on once it has stopped
            pass
        echo("somcolor: stopped.")
    finally:
        sock.close()
