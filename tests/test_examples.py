"""Smoke tests of the paper's example scripts on the eight-scene data.

They run the scripts' ``--quick`` modes as a user would, from a terminal, so
that the commands quoted in ``docs/paper.md`` cannot rot; the resumable
results file of ``paper_table2.py`` is checked against a second run.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from somcolor.datasets import SCENE8_ENV, scene8_home

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    scene8_home() is None,
    reason=f"eight-scene data not found: set {SCENE8_ENV} "
    "(in CI: ../shared/data/scene8)",
)


def _run_example(name, *args):
    """Run ``python examples/name args`` from the repository; return stdout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / name), *map(str, args)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return completed.stdout


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


def test_paper_table1_quick_prints_every_som_size():
    rows = _table_rows(_run_example("paper_table1.py", "--quick"))
    assert [row[0] for row in rows] == ["9", "25", "100", "400"]
    # More units quantize more finely, on raw and on normalised (U, V).
    for column in (2, 3):
        errors = [float(row[column]) for row in rows]
        assert errors == sorted(errors, reverse=True) and errors[-1] > 0


def test_paper_table2_results_file_resumes(tmp_path):
    results = tmp_path / "table2.jsonl"
    _run_example("paper_table2.py", "--quick", "--results", results)
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
    out = _run_example("paper_table2.py", "--quick", "--results", results)
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

    report = _run_example(
        "paper_table2.py", "--quick", "--results", results, "--report"
    )
    table = _table_rows(report)
    assert [row[:3] for row in table] == [
        ["3x3", "10", "1"],
        ["3x3", "50+50", "1"],
        ["5x5", "10", "1"],
        ["5x5", "50+50", "1"],
    ]
    # A report runs no fit.
    assert not [line for line in report.splitlines() if line.startswith("split ")]
