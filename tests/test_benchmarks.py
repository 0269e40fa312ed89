"""Smoke test: the benchmark scripts run (quick mode) and write every case.

Asserts nothing about speed (see DESIGN.md, section 4): only that the
scripts still work, so that they cannot rot.
"""

import pytest

pytestmark = pytest.mark.slow  # runs the benchmark scripts


@pytest.fixture
def run_quick(run_from_repository):
    """``run_quick(module, output)``: run ``python -m module --quick --output
    output``; return what it wrote."""

    def run(module, output):
        completed = run_from_repository("-m", module, "--quick", "--output", output)
        assert completed.returncode == 0, completed.stderr
        return output.read_text()

    return run


def test_quick_benchmarks_write_every_case(tmp_path, run_quick):
    pytest.importorskip("minisom")
    text = run_quick("benchmarks", tmp_path / "RESULTS.md")
    for heading in (
        "## BMU search",
        "## SOM training",
        "## Dense patch extraction",
        "## Fitting the default pipeline",
        "## Colorizing one image",
        "## Every configuration, uint8 and float input",
        "## What the matrix products allow",
        "## Next to a busy process",
        "-megapixel image",
        "## Start-up",
        "## Scoring: CIEDE2000",
        "## Fitting on a reference photograph (fit_reference)",
    ):
        assert heading in text
    assert "date:" in text and "versions:" in text and "command" in text
    # The equality checks ran and the compiled path was the one measured.
    assert "| default (the paper's) | yes |" in text
    assert ": 0 off by more than 1/255" in text
    # Every configuration ran with both kinds of input.
    assert text.count("| uint8 |") == text.count("| float |") >= 4


def test_quick_ciede2000_benchmark_updates_its_section(tmp_path, run_quick):
    output = tmp_path / "RESULTS.md"
    output.write_text("# Benchmark results\n\n## BMU search\n\nkept\n")
    for _ in range(2):  # added, then replaced
        text = run_quick("benchmarks.ciede2000", output)
    assert text.count("## Scoring: CIEDE2000") == 1
    assert "## BMU search\n\nkept" in text
    assert "`python -m benchmarks.ciede2000 --quick`" in text
    assert text.count("x** |") == 3  # three pairs, each with its ratio


def test_quick_reference_benchmark_updates_its_section(tmp_path, run_quick):
    output = tmp_path / "RESULTS.md"
    output.write_text("# Benchmark results\n\n## BMU search\n\nkept\n")
    for _ in range(2):  # added, then replaced
        text = run_quick("benchmarks.reference", output)
    assert text.count("## Fitting on a reference photograph (fit_reference)") == 1
    assert "## BMU search\n\nkept" in text
    assert "`python -m benchmarks.reference --quick`" in text
    assert "date:" in text and "versions:" in text
    for heading in (
        "### Fit time on a BSDS500 half",
        "### A 12-megapixel reference",
        "### Colorizing 854x480 video frames",
    ):
        assert heading in text
    # Both ways on each of the two references, with their ratio, and the
    # two colorize_video frame rates (bold).
    assert text.count("** |") == 4 and "Median ratio over the references" in text
    assert "| fit_reference, `predict` |" in text
    assert "`FrameColorizer(model, steadiness=" in text
    assert "Decoding and encoding included:" in text
    assert "| `FrameColorizer(model)` (steady colours" in text


def test_quick_denormals_benchmark_writes_both_cases(tmp_path, run_quick):
    text = run_quick("benchmarks.denormals", tmp_path / "DENORMALS.md")
    assert "## MLP epochs" in text and "## Fitting the default pipeline" in text
    assert "| subnormals flushed |" in text and "| IEEE (scikit-learn as is) |" in text


def test_quick_scaling_benchmark_writes_every_case(tmp_path, run_quick):
    pytest.importorskip("distributed")
    text = run_quick("benchmarks.scaling", tmp_path / "SCALING.md")
    for heading in (
        "## Colorizing",
        "## Overhead of one task",
        "## Cluster start-up",
        "## GridSearchCV",
    ):
        assert heading in text
    # A one-thread cluster's grid search is run by joblib in this process,
    # and the row says so.
    assert "1 worker(s) (joblib ran it in this process)" in text


def test_quick_video_benchmark_writes_every_case(tmp_path, run_quick):
    pytest.importorskip(
        "av", reason='video files need PyAV: pip install "somcolor[video]"'
    )
    text = run_quick("benchmarks.video", tmp_path / "VIDEO.md")
    for heading in (
        "## Decoding",
        "## Encoding: 4:2:0 or 4:4:4",
        "## Encoding: presets",
        "## The colorize_video loop",
    ):
        assert heading in text
    assert "date:" in text and "versions:" in text and "command" in text
    assert "4:2:0 adds" in text and "| trivial (grey to RGB) |" in text


def test_quick_steering_benchmark_writes_every_case(tmp_path, run_quick):
    text = run_quick("benchmarks.steering", tmp_path / "STEERING.md")
    for heading in (
        "## The solver next to SciPy's direct solve",
        "## predict with hints and refinement",
    ):
        assert heading in text
    assert "date:" in text and "versions:" in text and "command" in text
    assert "| shipped photos (training scale) |" in text


def test_quick_web_hints_benchmark_writes_every_case(tmp_path, run_quick):
    pytest.importorskip("starlette", reason="the web page needs '.[web]'")
    pytest.importorskip("requests", reason="the benchmark posts with requests")
    text = run_quick("benchmarks.web_hints", tmp_path / "WEB_HINTS.md")
    for heading in (
        "## A new hint re-colours the photograph",
        "## Fitting on a reference photograph",
    ):
        assert heading in text
    assert "date:" in text and "versions:" in text and "command" in text
    assert "| photos |" in text and "| like: astronaut-left.png |" in text
