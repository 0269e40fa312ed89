"""Films colorized frame by frame with steady colours: ``FrameColorizer``."""

import copy

import numpy as np
import pytest
from skimage import data

from somcolor import ColorizerPipeline, PatchExtractor, _fast_predict, to_grey
from somcolor.color import rgb_to_luv
from somcolor.temporal import FADE, FrameColorizer

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("ignore::somcolor.TrainingDataWarning"),
]


@pytest.fixture(scope="module")
def scene():
    return data.astronaut()[::4, ::4]


@pytest.fixture(scope="module")
def model(scene):
    return ColorizerPipeline(
        extractor=PatchExtractor(3, context=4),
        decoding="soft",
        pixels_per_image=4000,
        random_state=0,
    ).fit([scene])


def _film(scene, n=6, seed=0):
    """A still shot with sensor noise: the classifier's near-ties flicker."""
    rng = np.random.default_rng(seed)
    grey = to_grey([scene])[0]
    return [
        np.clip(grey + rng.normal(scale=0.01, size=grey.shape), 0, 1) for _ in range(n)
    ]


def _flicker(frames):
    uv = [rgb_to_luv(f)[..., 1:] for f in frames]
    return np.mean([np.linalg.norm(b - a, axis=-1).mean() for a, b in zip(uv, uv[1:])])


@pytest.mark.parametrize("fade", [FADE, 0.05, None])
def test_without_steadiness_each_frame_is_the_refined_prediction(model, scene, fade):
    colorize = FrameColorizer(model, steadiness=0.0, fade=fade)
    # None keeps the model's own fade; a number is the model's fade for frames.
    own = model.fade if fade is None else fade
    assert colorize.fade == own
    refined = copy.deepcopy(model).set_params(refine=True, fade=own)
    for k, frame in enumerate(_film(scene, 3)):
        np.testing.assert_array_equal(colorize(frame, k), refined.predict([frame])[0])
    assert model.fade == 1e-4  # the caller's model keeps its own


def test_fade_pulls_unsure_colour_to_grey(model, scene):
    (frame,) = _film(scene, 1)

    def chroma(fade):
        rgb = FrameColorizer(model, fade=fade)(frame, 0)
        return np.linalg.norm(rgb_to_luv(rgb)[..., 1:], axis=-1).mean()

    assert FADE > model.fade
    assert chroma(0.05) < chroma(FADE) < chroma(None)
    with pytest.raises(ValueError, match="fade"):
        FrameColorizer(model, fade=-1.0)


def test_steadiness_calms_flicker(model, scene):
    film = _film(scene)
    # The model's own colours (fade=None): fading calms flicker on its own.
    loose_colorizer = FrameColorizer(model, steadiness=0.0, fade=None)
    loose = [loose_colorizer(f, k) for k, f in enumerate(film)]
    steady_colorizer = FrameColorizer(model, steadiness=0.5, fade=None)
    steady = [steady_colorizer(f, k) for k, f in enumerate(film)]
    assert _flicker(steady) < 0.5 * _flicker(loose)


def test_a_keyframe_is_output_as_given_and_carries_its_colours(model, scene):
    film = _film(scene, 4)
    truth = scene / 255.0
    colorize = FrameColorizer(model, steadiness=1.0, keyframes={0: scene})
    first = colorize(film[0], 0)
    np.testing.assert_array_equal(first, truth)
    after = colorize(film[1], 1)
    fresh = FrameColorizer(model, steadiness=1.0)(film[1], 1)
    truth_uv = rgb_to_luv(truth)[..., 1:]

    def error(rgb):
        return np.linalg.norm(rgb_to_luv(rgb)[..., 1:] - truth_uv, axis=-1).mean()

    assert error(after) < 0.5 * error(fresh)


def test_a_frame_out_of_order_starts_afresh(model, scene):
    film = _film(scene, 3)
    colorize = FrameColorizer(model, steadiness=0.5)
    colorize(film[0], 0)
    jumped = colorize(film[2], 7)
    np.testing.assert_array_equal(
        jumped, FrameColorizer(model, steadiness=0.5)(film[2], 7)
    )


def test_compiled_and_reference_paths_agree(model, scene):
    film = _film(scene, 3)
    fast = FrameColorizer(model, steadiness=0.3)
    fast_frames = [fast(f, k) for k, f in enumerate(film)]
    with _fast_predict.disabled():
        slow = FrameColorizer(model, steadiness=0.3)
        slow_frames = [slow(f, k) for k, f in enumerate(film)]
    for a, b in zip(fast_frames, slow_frames):
        np.testing.assert_allclose(a, b, atol=2e-4)


@pytest.mark.parametrize(
    "keyframes, error, message",
    [
        ([np.zeros((4, 4, 3))], TypeError, "keyframes must be a dict"),
        ({-1: np.zeros((4, 4, 3))}, ValueError, "ints >= 0"),
        ({0: np.zeros((4, 4))}, ValueError, r"keyframes\[0\]"),
    ],
)
def test_bad_keyframes_are_refused(model, keyframes, error, message):
    with pytest.raises(error, match=message):
        FrameColorizer(model, keyframes=keyframes)


def test_keyframe_of_another_size_is_refused(model, scene):
    colorize = FrameColorizer(model, keyframes={0: scene[:50]})
    with pytest.raises(ValueError, match="keyframe 0 has shape"):
        colorize(to_grey([scene])[0], 0)
