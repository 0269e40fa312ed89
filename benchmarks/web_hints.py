"""The web page's colour hints and reference fits, timed through the server.

Run from the repository root::

    python -m benchmarks.web_hints                     # about a minute
    python -m benchmarks.web_hints --quick --output /tmp/WEB_HINTS.md  # seconds

Writes ``benchmarks/WEB_HINTS.md``. No data set needed (scikit-image's
astronaut, resized; its left half is the reference photograph). The server
of ``somcolor serve`` (:func:`somcolor.web.create_app` in uvicorn, on
127.0.0.1, in this process) gets what the page sends (issue 21's speed goal:
a new hint re-colours a 1-megapixel photograph in at most 0.5 s on two
cores, server time):

* the reference photograph, fitted on (``POST /api/references``);
* the grey photograph, colorized by the shipped ``photos`` model and by the
  model fitted on the reference (``POST /api/colorize``);
* then, one at a time as a person places them, hints layers with 1, 2, ...
  marks (discs of radius 10 pixels; ``POST /api/results/ID/hints``): the
  server's time for each (reading the layer, ``predict(..., hints=...)``,
  encoding the PNG: the ``seconds`` of its answer) and the round trip the
  page waits for (request and answer over loopback included);
* in this process, ``predict`` with those hints on numba's default threads
  and on one thread (the server solves on one thread: see
  ``somcolor._web_jobs._one_numba_thread``).

Every time is the median of the repeats, all in this one run.
"""

import argparse
import datetime
import io
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from .run import cpu_model, fmt, table, versions

HERE = Path(__file__).resolve().parent


def _png(image):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def _photograph(size):
    from skimage import data
    from skimage.transform import resize

    image = resize(data.astronaut(), (size, size), anti_aliasing=True)
    return np.round(image * 255).astype(np.uint8)


def _layers(size, count, radius=10):
    """Hints layers with 1..count marks (each adds one disc of a colour)."""
    rng = np.random.default_rng(0)
    rows, cols = np.ogrid[:size, :size]
    layer = np.zeros((size, size, 4), np.uint8)
    layers = []
    for _ in range(count):
        row, col = rng.integers(radius, size - radius, 2)
        colour = rng.integers(0, 256, 3)
        disc = (rows - row) ** 2 + (cols - col) ** 2 <= radius * radius
        layer[disc] = (*colour, 255)
        layers.append(layer.copy())
    return layers


def _serve(models):
    from somcolor import web

    limits = web.ServeLimits()
    sock = web._listening_socket("127.0.0.1", 0)
    server = web._uvicorn_server(web.create_app(models, limits), limits)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True
    )
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def _timed_post(url, **kwargs):
    import requests

    start = time.perf_counter()
    response = requests.post(url, timeout=600, **kwargs)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return response.json(), elapsed


def cases(size, repeat):
    from somcolor import to_grey, web
    from somcolor._files import to_uint8
    from somcolor._web_jobs import _one_numba_thread
    from somcolor.steering import hints_from_rgba

    photo = _photograph(size)
    grey = to_uint8(to_grey([photo])[0])
    reference = _photograph(max(size, 512))[:, : max(size, 512) // 2]
    layers = _layers(size, repeat + 1)
    models = web.load_models(["photos"])
    url, server, thread = _serve(models)
    rows = []
    try:
        fitted, fit_trip = _timed_post(
            f"{url}/api/references",
            files={"file": ("astronaut-left.png", _png(reference))},
        )
        names = ["photos", fitted["name"]]
        for name in names:
            first, _ = _timed_post(
                f"{url}/api/colorize",
                files={"file": ("astronaut.png", _png(grey))},
                data={"model": name},
            )
            server_times, trips = [], []
            for layer in layers:
                answer, trip = _timed_post(
                    f"{url}/api/results/{first['id']}/hints",
                    files={"hints": ("hints.png", _png(layer))},
                )
                server_times.append(answer["seconds"])
                trips.append(trip)
            # The first hint of a run warms the caches: not counted.
            server_times, trips = server_times[1:], trips[1:]
            model = models.get(name)
            if model is None:  # the fitted one: load it back as the page would
                import requests

                from somcolor.persistence import load

                download = requests.get(url + fitted["download"], timeout=600)
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "model.skops"
                    path.write_bytes(download.content)
                    model = load(path)
            hints = [hints_from_rgba(layers[-1])]
            default = _median(repeat, model.predict, [grey], hints=hints)
            with _one_numba_thread():
                one = _median(repeat, model.predict, [grey], hints=hints)
            rows.append(
                [
                    name,
                    fmt(first["seconds"]),
                    fmt(float(np.median(server_times))),
                    fmt(float(np.max(server_times))),
                    fmt(float(np.median(trips))),
                    fmt(default),
                    fmt(one),
                ]
            )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    fit_row = (
        f"Fit on the reference ({reference.shape[1]}x{reference.shape[0]}) through "
        f"the server: {fmt(fitted['seconds'])} s (round trip {fmt(fit_trip)} s)."
    )
    header = [
        f"model, {size}x{size} grey",
        "colorize (s, server)",
        "new hint: median (s, server)",
        "slowest (s, server)",
        "median round trip (s)",
        f"predict, {len(layers)} marks, default threads (s)",
        "one numba thread (s)",
    ]
    return table(header, rows), fit_row


def _median(repeat, fn, *args, **kwargs):
    fn(*args, **kwargs)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--output", type=Path, default=HERE / "WEB_HINTS.md")
    args = parser.parse_args(argv)
    size, repeat = (256, 2) if args.quick else (1024, 9)
    command = "python -m benchmarks.web_hints" + (" --quick" if args.quick else "")
    load_before = os.getloadavg()[0]
    hints_table, fit_row = cases(size, repeat)
    load = (
        f"load average {load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after"
    )
    lines = [
        "# The web page: a new colour hint, and a reference fit",
        "",
        f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
        f"machine: {cpu_model()}, {os.cpu_count()} cores, {load}; "
        f"command: `{command}`",
        "",
        "versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        "",
        "## A new hint re-colours the photograph",
        "",
        f"Each of {repeat} hints adds one mark (a disc of radius 10 pixels) to "
        "the layer the page sends; the goal is at most 0.5 s of server time "
        "at one megapixel on two cores.",
        "",
        hints_table,
        "",
        "## Fitting on a reference photograph",
        "",
        fit_row,
        "",
    ]
    args.output.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
