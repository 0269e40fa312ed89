"""Every code block of the README and of docs/ runs as pasted.

The blocks of one page run in order, in one empty folder, as a user
following the page in a terminal would paste them: each ```python block as
a script of its own (``python block.py``), each ```bash line in ``bash``.
Nothing carries over from one block to the next but the files they write
(the README's ``somcolor fit`` writes the ``model.skops`` that a later block
reads). The folders the pages name for the user's photographs (``photos/``,
``old-photos/``, ``held-out-photos/``, ...) hold photographs that ship with
scikit-image, colour or grey as the page expects.

What is not run, and why (each such block or line is reported as skipped,
with the reason, when its test runs):

- ``pip install ...``: the environment of the test run is that install;
  what follows ``&&`` runs.
- ``python -m pytest``: the test suite itself.
- Lines that need a Dask cluster (``--scheduler``, ``dask scheduler``).
- ``somcolor serve`` and ``somcolor.web.serve(...)``, a web server that
  runs until stopped (tests/test_web.py runs it).
- The example scripts, benchmarks and the build of the shipped models
  (``python examples/...``, ``python -m benchmarks...``,
  ``python -m somcolor.pretrained.build``), which take minutes to hours: their options
  are checked against their ``--help``; tests/test_examples.py and
  tests/test_benchmarks.py run them in reduced form.
- Blocks that need the eight-scene data (a line they run names
  ``scene8``, or ``load_scene8(``) when ``SOMCOLOR_SCENE8`` is not set,
  each as a whole, and every later block of the page that reads a file one
  of them would have written (``-o FILE``). These are the data tests
  (marked ``data``, as every test that needs a data set is).
- The ```python blocks of docs/scaling_out.md, which
  tests/test_scaling_docs.py runs.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from skimage import data
from skimage import io as skio

from somcolor.datasets import SCENE8_ENV, scene8_home

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")
)
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TIMEOUT = 600


def _blocks(page):
    """``(language, code)`` of the runnable blocks of ``page``."""
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = BLOCK.findall(text)
    return [(lang, code) for lang, code in blocks if lang in ("python", "bash")]


_OUTPUT = re.compile(r"(?:^|\s)(?:-o|--output)\s+(\S+)")


def _outputs(code):
    """Files a block writes with ``-o FILE`` or ``--output FILE``."""
    return _OUTPUT.findall(code)


def _reads_scene8(lang, code):
    """Whether running the block reads the eight-scene data."""
    if lang == "python":
        return "load_scene8(" in code
    return any(
        "scene8" in line and _why_not(line) is None and not _SCRIPT.match(line)
        for line in _runnable_lines(code)
    )


def _data_reasons(blocks, has_scene8):
    """For each ``(lang, code)`` block of a page: why it cannot run for want
    of the eight-scene data (skipped as a whole), or None.

    A block that reads the data cannot run without it, nor can a later block
    that names a file such a block would have written: the reason says
    which.
    """
    reasons, missing = [], {}
    for k, (lang, code) in enumerate(blocks):
        reason = None
        if not has_scene8 and _reads_scene8(lang, code):
            reason = f"needs the eight-scene data ({SCENE8_ENV})"
        else:
            for name, writer in missing.items():
                if re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w./-])", code):
                    reason = (
                        f"needs {name}, which block {writer} of this page writes "
                        f"from the eight-scene data ({SCENE8_ENV})"
                    )
                    break
        if reason is not None:
            missing.update(dict.fromkeys(_outputs(code), k))
        reasons.append(reason)
    return reasons


def _cases():
    """``(page, index)`` of every block, marked ``slow`` (they fit models and
    run commands), and ``data`` where the block needs the data set."""
    cases = []
    for page in PAGES:
        blocks = _blocks(page)
        for k, reason in enumerate(_data_reasons(blocks, has_scene8=False)):
            marks = [pytest.mark.slow] + ([pytest.mark.data] if reason else [])
            cases.append(pytest.param(page, k, marks=marks, id=f"{page}-{k}"))
    return cases


def _photographs(folder, images, suffix):
    folder.mkdir(parents=True, exist_ok=True)
    for name, image in images.items():
        skio.imsave(folder / f"{name}{suffix}", image, check_contrast=False)


def _grey(image):
    from somcolor import to_grey

    return np.round(to_grey([image])[0] * 255).astype(np.uint8)


def _fill_placeholders(folder):
    """The folders of photographs the pages name, as a user would have them."""
    colour = {
        "astronaut": data.astronaut(),
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "rocket": data.rocket(),
    }
    motorcycle = data.stereo_motorcycle()[1]
    held_out = {"motorcycle": motorcycle, "retina": data.retina()}
    _photographs(folder / "photos", colour, ".jpg")
    _photographs(folder / "more", {"one": data.stereo_motorcycle()[0]}, ".png")
    _photographs(folder / "old-photos", {"motorcycle": _grey(motorcycle)}, ".png")
    _photographs(folder / "held-out-photos", held_out, ".png")
    _photographs(folder / "held-out", held_out, ".png")
    # A colour photograph to colour like, hints for old-photos/, and a film
    # (a pan over a photograph) as a video file, as frames and its keyframe.
    left = data.stereo_motorcycle()[0]
    _photographs(folder, {"reference": left}, ".jpg")
    layer = np.zeros(motorcycle.shape[:2] + (4,), np.uint8)
    layer[100:120, 200:220] = (200, 40, 30, 255)
    _photographs(folder / "hints", {"motorcycle": layer}, ".png")
    pan = data.astronaut()[::8, ::8]
    frames = [np.roll(pan, 2 * k, axis=1) for k in range(260)]
    _photographs(folder, {"keyframe": frames[0]}, ".png")
    _photographs(
        folder / "frames", {f"{k:05d}": f for k, f in enumerate(frames[:12])}, ".png"
    )
    try:
        from somcolor.video import VideoWriter

        with VideoWriter(folder / "film.mp4", fps=25, size=(64, 64)) as writer:
            for frame in frames:
                writer.write(frame)
    except ImportError:  # no PyAV: the lines reading film.mp4 fail and say so
        pass
    home = scene8_home()
    if home is not None:
        (folder / "scene8").symlink_to(home, target_is_directory=True)


def _environment():
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


def _lines(code):
    """Shell lines of a bash block, continuation lines joined."""
    return [line for line in code.replace("\\\n", " ").splitlines() if line.strip()]


def _runnable_lines(code):
    """The lines of a bash block as run: ``pip install ... && X`` runs X."""
    for line in _lines(code):
        if line.lstrip().startswith("pip install"):
            if "&&" in line:
                yield line.split("&&", 1)[1].strip()
        else:
            yield line


_SCRIPT = re.compile(
    r"^(?:\w+=\S+\s+)*python "
    r"(?:-m (benchmarks\S*|somcolor\.pretrained\.build)|(examples/\S+))(.*)$"
)


def _check_script_options(line, folder, env):
    """Check a long-running script's options against its --help."""
    match = _SCRIPT.match(line)
    module, script, rest = match.groups()
    command = ["-m", module] if module else [str(ROOT / script)]
    result = subprocess.run(
        [sys.executable, *command, "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, f"{line}\n{result.stderr[-2000:]}"
    words = shlex.split(rest.split("#")[0])
    for option in (w.split("=")[0] for w in words if w.startswith("--")):
        assert option in result.stdout, f"{line}: {option} is not in its --help"


def _why_not(line):
    """The reason a bash line is not run, or None."""
    if line.startswith("python -m pytest") or " -m pytest" in line:
        return "the test suite itself"
    if "--scheduler" in line or line.startswith("dask "):
        return "needs a Dask cluster"
    if line.startswith("somcolor serve"):
        return "a web server, which runs until stopped (tests/test_web.py runs it)"
    return None


def _run_bash_block(code, folder, env, skipped):
    for line in _lines(code):
        if line.lstrip().startswith("pip install"):
            # The install is the environment of this run; run what follows.
            if "&&" not in line:
                skipped.append(f"{line}: the install is this test run's environment")
                continue
            line = line.split("&&", 1)[1].strip()
        reason = _why_not(line)
        if reason:
            skipped.append(f"{line}: {reason}")
            continue
        if _SCRIPT.match(line):
            _check_script_options(line, folder, env)
            skipped.append(f"{line}: options checked against --help only")
            continue
        assert line.startswith("somcolor "), f"unexpected command: {line}"
        line = line.replace("somcolor COMMAND", "somcolor colorize")
        result = subprocess.run(
            ["bash", "-c", line],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            timeout=TIMEOUT,
        )
        assert result.returncode == 0, (
            f"{line}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )


def _run_python_block(code, folder, env, name):
    script = folder / f"{name}.py"
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"


def _why_not_block(page, lang, code):
    if lang == "python" and page == "docs/scaling_out.md":
        return "run by tests/test_scaling_docs.py"
    if lang == "python" and re.search(r"^serve\(|\bserve\(load_models", code, re.M):
        return "starts a web server, which runs until stopped (test_web.py runs it)"
    return None


@pytest.fixture(scope="session")
def page_runs(tmp_path_factory):
    """``run_upto(page, index)``: run the page's blocks up to ``index``.

    Blocks already run are not run again (each test runs its own block,
    after its predecessors when it is selected alone). Returns what was not
    run of block ``index``, with the reasons.
    """
    runs = {}

    def run_upto(page, index):
        if page not in runs:
            folder = tmp_path_factory.mktemp(Path(page).stem.replace(".", "_"))
            _fill_placeholders(folder)
            blocks = _blocks(page)
            runs[page] = {
                "folder": folder,
                "blocks": blocks,
                "data": _data_reasons(blocks, scene8_home() is not None),
                "done": 0,
                "skipped": {},
                "whole": {},
            }
        state = runs[page]
        while state["done"] <= index:
            k = state["done"]
            state["done"] += 1  # a failing block fails once; later ones go on
            skipped = state["skipped"].setdefault(k, [])
            lang, code = state["blocks"][k]
            reason = _why_not_block(page, lang, code) or state["data"][k]
            if reason:
                state["whole"][k] = reason
            elif lang == "python":
                _run_python_block(code, state["folder"], _environment(), f"block{k}")
            else:
                _run_bash_block(code, state["folder"], _environment(), skipped)
        return state["whole"].get(index), state["skipped"].get(index, [])

    return run_upto


def test_the_pages_have_blocks():
    assert {"README.md", "docs/user_guide.md", "docs/cli.md"} <= set(PAGES)
    readme = "\n".join(code for _, code in _blocks("README.md"))
    assert "load_images(" in readme  # a folder of photographs, in Python


@pytest.mark.parametrize("page, index", _cases())
def test_block_runs_as_pasted(page_runs, page, index):
    lang, code = _blocks(page)[index]
    whole, skipped = page_runs(page, index)
    if whole is not None:
        pytest.skip(whole)
    if skipped and len(skipped) == len(_lines(code)):
        pytest.skip("; ".join(skipped))


def test_a_block_without_its_data_is_skipped_as_a_whole():
    # docs/user_guide.md's case: fit on the eight-scene data, then evaluate
    # the model that fit wrote; then a later block that reads that model.
    blocks = [
        ("bash", "somcolor fit photos/ -o mine.skops"),
        (
            "bash",
            "somcolor fit scene8/opencountry -o oc.skops\n"
            "somcolor evaluate oc.skops held-out/",
        ),
        ("bash", "somcolor evaluate mine.skops held-out/"),
        ("bash", "somcolor colorize oc.skops old-photos/ -o out/"),
        ("python", "from somcolor.datasets import load_scene8\nload_scene8()"),
        ("bash", "SOMCOLOR_SCENE8=../shared/data/scene8 python examples/x.py"),
    ]
    reasons = _data_reasons(blocks, has_scene8=False)
    assert reasons[0] is None and reasons[2] is None
    assert reasons[1] == f"needs the eight-scene data ({SCENE8_ENV})"
    assert reasons[3].startswith("needs oc.skops, which block 1 of this page writes")
    assert reasons[4] == f"needs the eight-scene data ({SCENE8_ENV})"
    assert reasons[5] is None  # a script's options are checked without data
    assert _data_reasons(blocks, has_scene8=True) == [None] * len(blocks)


def test_the_pages_data_blocks_are_marked():
    # The user guide's fit on scene8/ and the README's load_scene8 block.
    marked = {
        (case.values[0], case.values[1])
        for case in _cases()
        if any(mark.name == "data" for mark in case.marks)
    }
    assert ("docs/user_guide.md", 5) in marked
    assert any(page == "README.md" for page, _ in marked)
