"""The code of the "Scaling out" page (``docs/scaling_out.md``) runs.

Every ```python block of the page is self-contained: each one is written to
a script in its own temporary folder and run alone, as ``__main__``, in a
subprocess with a timeout and ``PYTHONPATH`` pointing at this checkout. The
blocks start process-based Dask clusters, which need a script with the
``if __name__ == "__main__":`` guard (Dask's worker processes are spawned and
import the main module), hence scripts rather than ``exec``. The ```bash
blocks (starting a cluster, the command line on a scheduler's address)
are not run. Skipped when ``somcolor[distributed]`` is not installed.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a Dask cluster

pytest.importorskip(
    "distributed", reason="the page's examples need somcolor[distributed]"
)

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "scaling_out.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TIMEOUT = 120  # seconds per block; each takes a few on two cores


def _blocks():
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_the_examples():
    blocks = _blocks()
    assert len(blocks) >= 4
    text = "\n".join(blocks)
    for needle in (
        "GridSearchCV",
        "extractor__patch_size",
        "quantizer__n_rows",
        "quantizer__n_cols",
        'parallel_config(backend="dask")',
        "colorize_many(",
        "scheduler=client",
        "n_jobs=-1",
        "inner_max_num_threads",
        "threading_layer()",
    ):
        assert needle in text, needle
    for block in blocks:
        if "LocalCluster(" in block:
            assert 'if __name__ == "__main__":' in block


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_block_runs_as_a_script(index, tmp_path):
    script = tmp_path / f"block{index}.py"
    script.write_text(_blocks()[index], encoding="utf-8")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, (
        f"block {index} of {PAGE.name} failed:\n{result.stdout[-2000:]}\n"
        f"{result.stderr[-4000:]}"
    )
