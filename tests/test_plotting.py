"""Pictures: each function returns a Figure that saves to a real PNG."""

import numpy as np
import pytest
from skimage import io as skio

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from somcolor import ColorizerPipeline, SOMQuantizer, to_grey  # noqa: E402
from somcolor.color import luv_to_rgb  # noqa: E402
from somcolor.plotting import (  # noqa: E402
    codebook_colors,
    plot_class_map,
    plot_codebook,
    plot_comparison,
)

# These tests fit small or short models on purpose (to be quick): somcolor's
# warnings that such a model is poor are expected here (tests/test_warnings.py
# checks them).
SMALL_FITS = [
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.NotConvergedWarning"),
]
pytestmark = SMALL_FITS


@pytest.fixture(scope="module")
def fitted(small_rgb_images):
    quantizer = SOMQuantizer(n_rows=2, n_cols=4)
    return ColorizerPipeline(
        quantizer=quantizer, pixels_per_image=500, random_state=0
    ).fit(small_rgb_images)


def _saved(fig, path):
    assert isinstance(fig, Figure)
    fig.savefig(path, dpi=80)
    matplotlib.pyplot.close(fig)
    picture = skio.imread(path)
    assert picture.ndim == 3 and picture.shape[0] > 40 and picture.shape[1] > 40
    return picture


def test_codebook_colors_are_the_codebook_at_fixed_lightness(fitted):
    colors = codebook_colors(fitted, lightness=50)
    expected = luv_to_rgb(np.full((1, 8), 50.0), fitted.codebook_[None])[0]
    np.testing.assert_allclose(colors, expected)


def test_plot_codebook_draws_the_map_layout(fitted, tmp_path):
    fig = plot_codebook(fitted)
    image = fig.axes[0].images[0].get_array()
    assert image.shape == (2, 4, 3)  # rows x cols of the SOM
    np.testing.assert_allclose(image[1, 2], codebook_colors(fitted)[6])
    picture = _saved(fig, tmp_path / "palette.png")
    assert len(np.unique(picture.reshape(-1, 4), axis=0)) > 8


def test_plot_comparison_grid(fitted, small_rgb_images, tmp_path):
    fig = plot_comparison(
        fitted, small_rgb_images[:3], oracle=True, titles=["a", "b", "c"]
    )
    assert len(fig.axes) == 3 * 4
    assert [ax.get_title() for ax in fig.axes[:4]] == [
        "grey input",
        "colorized",
        "original",
        "oracle (codebook)",
    ]
    shown = fig.axes[1].images[0].get_array()
    expected = fitted.predict(to_grey(small_rgb_images[:1]))[0]
    np.testing.assert_allclose(shown, expected)
    _saved(fig, tmp_path / "comparison.png")


def test_plot_class_map(fitted, small_rgb_images, tmp_path):
    fig = plot_class_map(fitted, small_rgb_images[0])
    shown = np.asarray(fig.axes[0].images[0].get_array())
    labels = fitted.predict_labels(to_grey(small_rgb_images[:1]))[0]
    np.testing.assert_array_equal(shown, labels)
    assert len(fig.axes) == 2  # the map and its class bar
    _saved(fig, tmp_path / "classes.png")
