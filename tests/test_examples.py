"""Smoke tests of the example scripts, on the data they need.

They run the scripts as a user would, from a terminal, in reduced runs
(``--quick``, few training pixels). On the eight-scene data, the scripts
behind docs/paper.md: Tables I and II, the resumable results file of
``paper_table2.py`` (checked against a second run), and
``colorize_better.py`` saving a model that ``evaluate_scales.py`` and
``paper_figure10.py`` then load. On BSDS500 (``SOMCOLOR_BSDS500``) and the
DAVIS 2016 frames (``SOMCOLOR_DAVIS2016``), the steering protocols:
``reference_halves.py``, ``video_keyframes.py`` and ``hints_protocol.py``.
The figures they print are not checked against the documented ones (those
need the full runs). The scripts' refusals of bad arguments need no data,
nor do the tests of the classic anchors in ``examples/_anchors.py``
(Levin et al.'s matrix against a loop-for-loop transcription of their
``getColorExact``).
"""

import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest
from skimage import io as skio

from somcolor.datasets import BSDS500_ENV, bsds500_home

pytestmark = pytest.mark.slow  # runs the example scripts


def needs_scene8(test):
    """Mark ``test`` as needing the eight-scene data (skipped without them)."""
    return pytest.mark.scene8(pytest.mark.usefixtures("scene8_data")(test))


@pytest.fixture
def example(run_from_repository):
    """``example(name, *args)``: run ``python examples/name args``.

    Returns the ``subprocess.CompletedProcess``; unless
    ``expect_success=False``, a failing run fails the test with the script's
    error output.
    """

    def run(name, *args, expect_success=True, env=None):
        completed = run_from_repository(f"examples/{name}", *args, env=env)
        if expect_success:
            assert completed.returncode == 0, completed.stderr
        return completed

    return run


def _table_rows(text):
    """The cells of the data rows of the Markdown table printed in ``text``."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith("|---")) + 1
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@needs_scene8
def test_paper_table1_quick_prints_every_som_size(example):
    rows = _table_rows(example("paper_table1.py", "--quick").stdout)
    assert [row[0] for row in rows] == ["9", "25", "100", "400"]
    # More units quantize more finely, on raw and on normalised (U, V).
    for column in (2, 3):
        errors = [float(row[column]) for row in rows]
        assert errors == sorted(errors, reverse=True) and errors[-1] > 0


@needs_scene8
def test_paper_table2_results_file_resumes(tmp_path, example):
    results = tmp_path / "table2.jsonl"
    example("paper_table2.py", "--quick", "--results", results)
    lines = results.read_text().splitlines()
    rows = [json.loads(line) for line in lines]
    # --quick: 3x3 and 5x5 patches x hidden 10 and 50+50, one split.
    assert sorted((row["patch"], tuple(row["hidden"])) for row in rows) == [
        (3, (10,)),
        (3, (50, 50)),
        (5, (10,)),
        (5, (50, 50)),
    ]
    for row in rows:
        assert row["split"] == 0 and row["max_iter"] == 30
        assert row["dtype"] == "float32" and row["category"] == "opencountry"
        assert 0.0 <= row["test"] <= 1.0 and 0.0 <= row["train"] <= 1.0
        assert 1 <= row["epochs"] <= 30

    # Drop the last fit and leave a line cut short, as a killed run would:
    # the next run ignores the cut line, fits only the missing configuration,
    # and gets the same result (one BLAS thread, seeded by the split).
    dropped = rows[-1]
    results.write_text("\n".join(lines[:-1]) + '\n{"patch": 3, "hidd')
    out = example("paper_table2.py", "--quick", "--results", results).stdout
    assert "not a whole JSON line, ignored" in out
    assert "3 fits already in" in out
    fitted = [line for line in out.splitlines() if line.startswith("split ")]
    assert len(fitted) == 1
    resumed = [
        json.loads(line) for line in results.read_text().splitlines()[len(lines) :]
    ]
    assert len(resumed) == 1
    for key in ("patch", "hidden", "split", "train", "test", "epochs"):
        assert resumed[0][key] == dropped[key]

    report = example(
        "paper_table2.py", "--quick", "--results", results, "--report"
    ).stdout
    table = _table_rows(report)
    assert [row[:3] for row in table] == [
        ["3x3", "10", "1"],
        ["3x3", "50+50", "1"],
        ["5x5", "10", "1"],
        ["5x5", "50+50", "1"],
    ]
    # A report runs no fit.
    assert not [line for line in report.splitlines() if line.startswith("split ")]


@needs_scene8
def test_colorize_better_saves_models_that_evaluate_scales_loads(tmp_path, example):
    save_dir = tmp_path / "new" / "models"  # created by the script
    out = example(
        "colorize_better.py",
        *("--fits", "paper", "--pixels-per-image", 20, "--save-dir", save_dir),
    ).stdout
    rows = _table_rows(out)
    # The paper's fit with argmax and six temperatures of soft decoding.
    assert [row[:2] for row in rows] == [
        ["paper", decoding]
        for decoding in ["argmax"]
        + [f"soft T={t}" for t in ("0.1", "0.2", "0.3", "0.38", "0.6", "1")]
    ]
    assert "grey" in out.split("references")[1]
    model = save_dir / "paper_20.pkl"
    assert model.is_file()

    out = example(
        "evaluate_scales.py",
        *("--model", model, "--scales", "1,2"),
        *("--decoding", "soft", "--temperature", 0.2),
    ).stdout
    assert "'decoding': 'soft'" in out and "'temperature': 0.2" in out
    rows = _table_rows(out)
    assert [row[:2] for row in rows] == [["1x", "64x64"], ["2x", "128x128"]]
    # At the training scale both ways of colorizing are the same computation.
    assert rows[0][2] == rows[0][3]

    pytest.importorskip("matplotlib")
    figure = tmp_path / "figure10.png"
    completed = example(
        "paper_figure10.py",
        *("--model", model, "--images", "0,1", "--output", figure),
        env={"MPLCONFIGDIR": str(tmp_path / "mpl")},  # no user matplotlibrc
    )
    assert f"wrote {figure}" in completed.stdout
    pixels = skio.imread(figure)
    # Two rows of five panels, 7.5 x 3.2 inches at 64 dpi.
    height, width = pixels.shape[:2]
    assert abs(height - 3.2 * 64) <= 1 and abs(width - 7.5 * 64) <= 1
    assert pixels[..., :3].std() > 10  # drawn, not blank


def test_colorize_better_refuses_an_unknown_fit(example):
    # Checked before any data is read: runs without the data set.
    completed = example(
        "colorize_better.py", "--fits", "paper,bogus", expect_success=False
    )
    assert completed.returncode == 2
    assert "unknown fit(s) ['bogus']" in completed.stderr


def test_evaluate_scales_refuses_a_temperature_not_above_zero(example):
    completed = example(
        "evaluate_scales.py", "--temperature", "0", expect_success=False
    )
    assert completed.returncode == 2
    assert "--temperature: must be above 0, got 0" in completed.stderr


# -- The steering protocols (reference halves, keyframes, hints) -----------

DAVIS_ENV = "SOMCOLOR_DAVIS2016"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def bsds500_data():
    """Skip the test, with the reason, when BSDS500 is missing."""
    if bsds500_home() is None:
        pytest.skip(
            f"needs BSDS500: set {BSDS500_ENV} to the folder holding train/, "
            "val/ and test/ (in CI: ../shared/data/bsds500)"
        )


@pytest.fixture
def davis_data():
    """Skip the test, with the reason, when the DAVIS 2016 frames are missing."""
    folder = os.environ.get(DAVIS_ENV)
    if not folder or not (Path(folder) / "blackswan").is_dir():
        pytest.skip(
            f"needs the DAVIS 2016 frames: set {DAVIS_ENV} to the folder holding "
            "blackswan/ and the other sequences (in CI: ../shared/data/davis2016)"
        )


@pytest.fixture(scope="module")
def anchors():
    """``examples/_anchors.py`` as a module (the examples are not a package)."""
    spec = importlib.util.spec_from_file_location("_anchors", EXAMPLES / "_anchors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _number(cell):
    return float(cell.rstrip("%"))


def test_reference_halves_quick(bsds500_data, example):
    out = example("reference_halves.py", "--quick").stdout
    assert "3 photographs" in out
    rows = {row[0]: row for row in _table_rows(out)}
    assert list(rows)[:3] == ["grey", "welsh", "today"]
    assert rows["grey"][1:3] == [rows["grey"][1], "0%"]
    assert rows["grey"][4] == "0.00"  # grey has no colour
    for row in rows.values():
        assert 0 < _number(row[1]) < 50
        assert 0 <= _number(row[2]) <= 100
    assert rows["welsh"][3] == ""  # not compared with itself
    assert 0 < _number(rows["today"][4]) < 3 and _number(rows["today"][5]) > 0


def test_video_keyframes_quick(davis_data, example):
    out = example("video_keyframes.py", "--quick", "--methods", "grey,today").stdout
    summary = {row[0]: row for row in _table_rows(out.split("| method |")[-1])}
    assert list(summary) == ["grey", "today"]
    assert summary["grey"][1] == summary["grey"][2]  # grey is grey's figure
    assert summary["grey"][4:6] == ["0.00", "0.00"]  # grey never flickers
    assert 0 < _number(summary["today"][4]) <= _number(summary["today"][5])
    table = _table_rows(out.split("\ntoday\n")[1])
    assert [row[:4] for row in table] == [
        ["blackswan", "11", "0", "2"],  # scored: frames 5 and 10
        ["car-shadow", "11", "0", "2"],
        ["average", "", "", "4"],
    ]


def test_video_keyframes_drops_late_keyframes_and_scores_no_keyframe(
    davis_data, example
):
    out = example(
        "video_keyframes.py", "--quick", "--methods", "grey", "--keyframes", "0,5,40"
    ).stdout
    table = _table_rows(out.split("\ngrey\n")[1])
    # Frame 40 is past the 11 frames; keyframe 5 is no longer scored.
    assert [row[2:4] for row in table[:2]] == [["0,5", "1"], ["0,5", "1"]]


def test_video_keyframes_steady_method_outputs_its_keyframes(davis_data, example):
    out = example(
        "video_keyframes.py",
        "--quick",
        "--methods",
        "fit_reference,steady:1.0",
        "--keyframes",
        "0,5",
    ).stdout
    summary = {row[0]: row for row in _table_rows(out.split("| method |")[-1])}
    assert list(summary) == ["fit_reference", "steady:1.0"]
    for row in summary.values():
        assert 0 < _number(row[1]) < _number(row[2])  # better than grey
        assert 0 < _number(row[4]) <= _number(row[5])


def test_video_keyframes_refuses_a_bad_steadiness(example):
    completed = example(
        "video_keyframes.py", "--methods", "steady:much", expect_success=False
    )
    assert completed.returncode == 2
    assert "bad candidate 'steady:much'" in completed.stderr


def test_video_keyframes_refuses_an_unknown_method(example):
    completed = example(
        "video_keyframes.py", "--methods", "grey,bogus", expect_success=False
    )
    assert completed.returncode == 2
    assert "unknown method(s) ['bogus']" in completed.stderr


def test_hints_protocol_quick(bsds500_data, example):
    out = example("hints_protocol.py", "--quick").stdout
    assert "2 photographs at 256x256" in out
    header = out.splitlines()[1]
    assert header.startswith("| method | 0 | 1 | 10 |")
    rows = {row[0]: row for row in _table_rows(out)}
    assert list(rows)[:3] == ["grey", "levin", "pasted"]
    assert len(set(rows["grey"][1:4])) == 1  # hints do not change grey
    assert rows["levin"][1] == ""  # no hint, no Levin
    for name in ("levin", "pasted"):
        assert all(10 < _number(cell) < 60 for cell in rows[name][2:4])


def test_do_no_harm_on_the_bundled_photographs(example, tmp_path):
    out = example("do_no_harm.py", "--sets", "samples").stdout
    rows = _table_rows(out)
    assert [row[2] for row in rows] == ["grey", "refine=False", "refine=True"]
    assert all(row[:2] == ["samples", "8"] for row in rows)
    grey, plain, refined = (_number(row[3]) for row in rows)
    # Grey's own columns, and refinement changes the colours.
    assert rows[0][5] == "" and _number(rows[0][6]) == 0
    assert plain != refined and all(0 < v < 40 for v in (grey, plain, refined))


def _get_color_exact_matrix(y, mask):
    """Levin et al.'s getColorExact matrix, loop for loop (column-major order)."""
    n, m = y.shape
    size = n * m
    a = np.zeros((size, size))
    index = np.arange(size).reshape(m, n).T  # MATLAB's reshape(1:n*m, n, m)
    for j in range(m):
        for i in range(n):
            row = index[i, j]
            if not mask[i, j]:
                gvals, cols = [], []
                for ii in range(max(0, i - 1), min(i + 2, n)):
                    for jj in range(max(0, j - 1), min(j + 2, m)):
                        if ii != i or jj != j:
                            gvals.append(y[ii, jj])
                            cols.append(index[ii, jj])
                gvals = np.array(gvals)
                window = np.append(gvals, y[i, j])
                csig = np.mean((window - window.mean()) ** 2) * 0.6
                mgv = np.min((gvals - y[i, j]) ** 2)
                if csig < -mgv / np.log(0.01):
                    csig = -mgv / np.log(0.01)
                if csig < 0.000002:
                    csig = 0.000002
                w = np.exp(-((gvals - y[i, j]) ** 2) / csig)
                a[row, cols] = -w / w.sum()
            a[row, row] = 1.0
    # Back to C order (the anchor numbers pixels row by row).
    order = index.ravel()
    return a[np.ix_(order, order)]


def test_levin_matrix_is_get_color_exact(anchors):
    rng = np.random.default_rng(0)
    y = rng.random((5, 6))
    y[1:3, 2:4] = 0.5  # flat patches hit the 2e-6 floor
    mask = np.zeros(y.shape, dtype=bool)
    mask[0, 0] = mask[3, 4] = True
    ours = anchors.levin_matrix(y, mask).toarray()
    np.testing.assert_allclose(ours, _get_color_exact_matrix(y, mask), atol=1e-12)


def test_levin_colorize_keeps_hints_and_spreads_a_constant(anchors):
    rng = np.random.default_rng(1)
    y = rng.random((12, 10))
    mask = np.zeros(y.shape, dtype=bool)
    mask[2, 3] = mask[9, 7] = True
    chroma = rng.normal(size=(12, 10, 2)) * 30
    solved = anchors.levin_colorize(y, mask, chroma)
    np.testing.assert_allclose(solved[mask], chroma[mask], atol=1e-9)
    # Every unhinted value is a weighted mean of its neighbours: inside the
    # hints' range.
    for k in range(2):
        low, high = chroma[mask][:, k].min(), chroma[mask][:, k].max()
        assert low - 1e-9 <= solved[..., k].min() <= solved[..., k].max() <= high + 1e-9
    constant = anchors.levin_colorize(y, mask, np.full((12, 10, 2), 7.0))
    np.testing.assert_allclose(constant, 7.0, atol=1e-9)
    with pytest.raises(ValueError, match="at least one"):
        anchors.levin_colorize(y, np.zeros_like(mask), chroma)


def test_zhang_hints_reveal_the_mean_chroma_with_the_pixels_own_lightness(anchors):
    from somcolor.color import rgb_to_luv

    rng = np.random.default_rng(2)
    rgb = (0.3 + 0.4 * rng.random((40, 50, 3))).round(3)  # chroma in gamut
    mask, colours = anchors.zhang_hints(rgb, 0, 0)
    assert not mask.any() and not colours.any()
    mask, colours = anchors.zhang_hints(rgb, 1, np.random.default_rng(3))
    rows, cols = np.nonzero(mask)
    assert mask.sum() == 36 and np.ptp(rows) == 5 and np.ptp(cols) == 5
    truth, hinted = rgb_to_luv(rgb), rgb_to_luv(colours)
    np.testing.assert_allclose(hinted[mask][:, 0], truth[mask][:, 0], atol=1e-6)
    mean_chroma = truth[mask][:, 1:].mean(axis=0)
    np.testing.assert_allclose(hinted[mask][:, 1:] - mean_chroma, 0.0, atol=1e-6)
    again = anchors.zhang_hints(rgb, 1, np.random.default_rng(3))
    np.testing.assert_array_equal(again[0], mask)
    mask, _ = anchors.zhang_hints(rgb, 20, np.random.default_rng(4))
    assert 36 <= mask.sum() <= 20 * 36


def test_welsh_transfer_keeps_lightness_and_copies_reference_chroma(anchors):
    from somcolor import to_grey
    from somcolor.color import grey_to_lightness, rgb_to_luv

    rng = np.random.default_rng(5)
    reference = np.zeros((30, 40, 3))
    reference[..., 0] = np.linspace(0.2, 0.8, 40)  # red ramp, constant G, B
    reference[..., 1:] = 0.3
    target = to_grey([rng.random((20, 24, 3))])[0]
    out = anchors.welsh_transfer(reference, target, n_samples=50, rng=0)
    luv = rgb_to_luv(out)
    np.testing.assert_allclose(luv[..., 0], grey_to_lightness(target), atol=1e-6)
    # Each pixel has the hue of a reference pixel (chroma scaled into the
    # gamut at the target's L keeps the hue).
    hues = np.arctan2(luv[..., 2], luv[..., 1])[np.hypot(luv[..., 1], luv[..., 2]) > 1]
    ref_luv = rgb_to_luv(reference)
    ref_hues = np.unique(np.arctan2(ref_luv[..., 2], ref_luv[..., 1]).round(6))
    assert hues.size > 0.9 * target.size
    assert np.abs(hues[:, None] - ref_hues[None]).min(axis=1).max() < 1e-5
    rows, cols = anchors.jittered_grid((30, 40), 50, np.random.default_rng(0))
    assert len(rows) == len(set(zip(rows, cols))) and abs(len(rows) - 50) <= 5
