"""The pictures of the demo: panels side by side, titled in the pixels."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from somcolor.demo import rows_of_one_width, side_by_side, titled_side_by_side


def _ink(picture, band):
    return picture[:band].min(axis=-1) < 128


def test_titles_sit_above_their_panels_and_fit_them():
    panels = [np.zeros((120, 90)), np.full((120, 60, 3), 0.5)]
    picture = titled_side_by_side(panels, ["grey", "colour"])
    band = picture.shape[0] - 120
    assert band >= 12 and picture.shape[1] == 90 + 8 + 60
    np.testing.assert_array_equal(picture[band:], side_by_side(panels))
    ink = _ink(picture, band)
    assert ink[:, :90].any() and ink[:, 98:].any()
    assert not ink[:, 90:98].any()  # above the gap: white
    # A title wider than its panel is shortened to fit above it.
    long = titled_side_by_side(panels, ["a title far too long for ninety pixels", ""])
    ink = _ink(long, band)
    assert ink[:, :90].any() and not ink[:, 90:].any()


def test_one_title_per_panel():
    with pytest.raises(ValueError, match="one entry per image"):
        titled_side_by_side([np.zeros((20, 20))], ["a", "b"])


@pytest.mark.slow  # a new process
def test_titles_need_no_matplotlib():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["matplotlib"] = None  # importing it fails
        import numpy as np
        from somcolor.demo import titled_side_by_side
        picture = titled_side_by_side([np.zeros((50, 40))], ["grey"])
        print(picture.shape)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("(")


def test_rows_of_photographs_of_other_sizes_are_as_wide_as_each_other():
    # The demo's two rows: a 427x640 photograph and a 500x741 one.
    rows = [
        ([np.full((427, 640), 0.2), np.full((427, 640, 3), 0.3)], ["a", "b"]),
        ([np.full((500, 741), 0.4), np.full((500, 741, 3), 0.5)], ["c", "d"]),
    ]
    picture = rows_of_one_width(rows)
    assert picture.shape[1] == 2 * 640 + 8
    dark = picture.min(axis=-1) < 200  # panels (grey levels), not white
    # Every row of pixels through panels (not the titles' sparse ink) ends with
    # a panel, at the right edge: no white band beside a narrower row.
    holding = dark.mean(axis=1) > 0.5
    assert dark[holding, -1].all() and dark[holding, 0].all()
    # The second row's panels keep their proportions (500 x 741 -> 432 x 640).
    edges = np.flatnonzero(np.diff(np.concatenate([[0], holding, [0]]).astype(int)))
    heights = [int(b - a) for a, b in zip(edges[::2], edges[1::2])]
    assert heights == [427, 432]
