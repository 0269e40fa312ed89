"""Shared fixtures: small images, the eight-scene data when available,
running the repository's scripts from a terminal, and the web server.

The eight-scene data set is found through the ``SOMCOLOR_SCENE8``
environment variable (the folder holding ``opencountry/`` etc.), BSDS500
through ``SOMCOLOR_BSDS500`` (the folder holding ``train/``, ``val/`` and
``test/``). Tests that need them are skipped, with the reason, when they are
not set or not there.
"""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from skimage import data as skdata
from skimage.transform import resize

from somcolor.datasets import (
    BSDS500_ENV,
    SCENE8_ENV,
    bsds500_home,
    load_bsds500,
    load_scene8,
    scene8_home,
)

REPOSITORY = Path(__file__).resolve().parents[1]

#: The fixtures that give a test a data set (or skip it without one).
DATA_FIXTURES = {
    "scene8_data",
    "opencountry_train",
    "opencountry_test",
    "bsds500_test",
    "bsds500_data",  # tests/test_examples.py
    "davis_data",  # tests/test_examples.py
}

#: How the reason of a skip for want of a data set begins.
DATA_SKIPS = ("needs the eight-scene data", "needs BSDS500", "needs the DAVIS 2016")


def _needs_data(item):
    return bool(
        DATA_FIXTURES & set(getattr(item, "fixturenames", ()))
        or item.get_closest_marker("scene8")
        or item.get_closest_marker("data")
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test that needs a data set is marked ``data``: those using a data
    fixture, or marked ``scene8``, as well as those marked by hand (the
    README's and the docs' data blocks), so that ``-m data`` selects them
    all (before ``-m`` deselects)."""
    for item in items:
        if _needs_data(item) and not item.get_closest_marker("data"):
            item.add_marker(pytest.mark.data)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test skipped for want of a data set must be marked ``data``, or it
    fails, naming itself: so no data test is left out of ``-m data``. The
    outcomes of the data tests are counted (``pytest_sessionfinish``)."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not isinstance(report.longrepr, tuple):
        _count(item, report)
        return
    reason = str(report.longrepr[2]).removeprefix("Skipped: ")
    if reason.startswith(DATA_SKIPS) and not item.get_closest_marker("data"):
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} was skipped for want of a data set ({reason}) but is "
            "not marked 'data': use a data fixture of tests/conftest.py, or mark it."
        )
    _count(item, report, data_skip=reason.startswith(DATA_SKIPS))


#: Outcomes of the tests marked ``data`` in this run (see ``pytest_sessionfinish``).
_DATA_COUNTS = {"passed": 0, "skipped_for_data": 0, "skipped": 0, "failed": 0}


def _count(item, report, data_skip=False):
    if not item.get_closest_marker("data"):
        return
    if report.when == "call" or report.outcome != "passed":
        key = report.outcome
        if report.skipped and data_skip:
            key = "skipped_for_data"
        _DATA_COUNTS[key] += 1


def pytest_sessionfinish(session, exitstatus):
    """With ``CI_DATA_COUNTS=FILE``, write the outcomes of the data tests there
    (JSON): ``.ci/run`` checks that the run with the data sets runs every
    data test that a fresh machine's run skips."""
    path = os.environ.get("CI_DATA_COUNTS")
    if path:
        Path(path).write_text(json.dumps(_DATA_COUNTS))


@pytest.fixture
def run_from_repository():
    """``run(*args, env=None)``: ``python *args`` from the repository root.

    As a user runs the benchmarks and examples from a checkout: the root is
    on ``PYTHONPATH``; ``env`` adds variables. Returns the
    ``subprocess.CompletedProcess`` (text output captured).
    """

    def run(*args, env=None):
        env = {**os.environ, **(env or {})}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPOSITORY)] + [p for p in [env.get("PYTHONPATH")] if p]
        )
        return subprocess.run(
            [sys.executable, *map(str, args)],
            cwd=REPOSITORY,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return run


@pytest.fixture(autouse=True)
def _each_test_hears_warnings_anew():
    """Warnings somcolor said in an earlier test are said again in this one."""
    from somcolor._warnings import forget_said

    forget_said()


@pytest.fixture
def umask():
    """``umask(mask)`` sets the process's umask; the old one is restored after.

    Returns the mode a new file gets from ``open`` under that mask.
    """
    previous = os.umask(0o022)
    os.umask(previous)

    def set_umask(mask):
        os.umask(mask)
        return 0o666 & ~mask

    yield set_umask
    os.umask(previous)


@pytest.fixture(scope="session")
def small_rgb_images():
    """Six small uint8 RGB photographs of different sizes (ship with skimage)."""
    sources = [skdata.astronaut(), skdata.coffee(), skdata.chelsea(), skdata.rocket()]
    images = []
    for k, image in enumerate(sources):
        shape = (40 + 4 * k, 48 - 2 * k)
        small = resize(image, shape, anti_aliasing=True)
        images.append(np.round(small * 255).astype(np.uint8))
    return images


def _scene8_or_skip():
    if scene8_home() is None:
        pytest.skip(
            f"needs the eight-scene data: set {SCENE8_ENV} to the folder holding "
            "opencountry/ (in CI: ../shared/data/scene8)"
        )


@pytest.fixture(scope="session")
def bsds500_test():
    """The 200 BSDS500 test photographs; skip, with the reason, without them."""
    if bsds500_home() is None:
        pytest.skip(
            f"needs BSDS500: set {BSDS500_ENV} to the folder holding train/, "
            "val/ and test/ (in CI: ../shared/data/bsds500)"
        )
    return load_bsds500("test")


@pytest.fixture(scope="session")
def scene8_data():
    """Skip the test, with the reason, when the eight-scene data are missing."""
    _scene8_or_skip()


@pytest.fixture(scope="session")
def opencountry_train():
    _scene8_or_skip()
    return load_scene8("opencountry", split="train")


@pytest.fixture(scope="session")
def opencountry_test():
    _scene8_or_skip()
    return load_scene8("opencountry", split="test")


@pytest.fixture(scope="session")
def small_model(small_rgb_images):
    """A pipeline fitted in a second on the small images (not a good model)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    from somcolor import ColorizerPipeline, TrainingDataWarning

    classifier = MLPClassifier(hidden_layer_sizes=(16,), max_iter=30, tol=1e-3)
    model = ColorizerPipeline(
        classifier=classifier, pixels_per_image=400, random_state=0
    )
    with warnings.catch_warnings():  # small and quick on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", TrainingDataWarning)
        return model.fit(small_rgb_images)


@pytest.fixture(scope="session")
def small_model_file(small_model, tmp_path_factory):
    """``small_model`` saved with :func:`somcolor.save` (a ``.skops`` file)."""
    from somcolor import save

    path = tmp_path_factory.mktemp("models") / "small.skops"
    save(small_model, path)
    return path


@pytest.fixture
def web_server():
    """``start(models, limits=None) -> base URL`` of somcolor's web page.

    Runs :func:`somcolor.web.create_app` in uvicorn, configured as ``somcolor
    serve`` runs it, in a thread, on a free port of 127.0.0.1; every server
    started is stopped after the test. Skips without the web extra.
    """
    pytest.importorskip("starlette", reason="the web page needs '.[web]'")
    pytest.importorskip("uvicorn", reason="the web page needs '.[web]'")
    from somcolor import web

    running = []

    def start(models, limits=None):
        limits = web.ServeLimits() if limits is None else limits
        sock = web._listening_socket("127.0.0.1", 0)
        server = web._uvicorn_server(web.create_app(models, limits), limits)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        thread.start()
        running.append((server, thread, sock))
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the web server did not start")
            time.sleep(0.01)
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread, sock in running:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
