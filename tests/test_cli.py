"""The ``somcolor`` command line."""

import re
import subprocess
import sys

import numpy as np
from skimage import data as skdata
from skimage import io as skio

from somcolor.__main__ import main


def test_help():
    result = subprocess.run(
        [sys.executable, "-m", "somcolor", "demo", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "colorize" in result.stdout


def test_demo_writes_comparison_and_never_overwrites(tmp_path, capsys):
    target = tmp_path / "demo.png"
    target.write_bytes(b"user file")
    assert main(["demo", "-o", str(target)]) == 0
    assert target.read_bytes() == b"user file"
    written = tmp_path / "demo-1.png"
    picture = skio.imread(written)
    height, width = skdata.stereo_motorcycle()[1].shape[:2]
    assert picture.shape == (height, 3 * width + 2 * 8, 3)
    out = capsys.readouterr().out
    assert str(written) in out
    colorized = float(re.search(r"colorized (\d+\.\d+)", out).group(1))
    grey = float(re.search(r"grey baseline (\d+\.\d+)", out).group(1))
    assert colorized < grey
    # The left third is grey, the middle third is colour.
    left = picture[:, :width].astype(int)
    assert np.abs(left[..., 0] - left[..., 1]).max() <= 1
    middle = picture[:, width + 8 : 2 * width + 8].astype(int)
    assert np.abs(middle[..., 0] - middle[..., 2]).mean() > 2
