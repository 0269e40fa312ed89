"""Smoke tests of the example scripts behind docs/paper.md, on the eight-scene data.

They run the scripts as a user would, from a terminal, in reduced runs
(``--quick``, few training pixels): Tables I and II, the resumable results
file of ``paper_table2.py`` (checked against a second run), and
``colorize_better.py`` saving a model that ``evaluate_scales.py`` and
``paper_figure10.py`` then load. The figures they print are not checked
against the documented ones (those need the full runs). The scripts'
refusals of bad arguments need no data.
"""

import json

import pytest
from skimage import io as skio


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
