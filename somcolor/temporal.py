"""Colorizing the frames of a film in order, with colours that stay steady.

A film colorized frame by frame with one model keeps its colours wherever
the classifier's decision is stable; where two classes are nearly tied, the
decision flips from frame to frame and the colour flickers. Here each frame
goes through the edge-aware solver of :mod:`somcolor.steering` with one more
datum: the previous frame's chroma, weighted where the lightness has not
changed (:func:`somcolor.steering.temporal_weights`), so that still things
keep their colour and moving ones are coloured afresh. The solver starts
from the previous frame's chroma and needs few iterations.

Keyframes whose colours are known (frames of a colour film, as the command
line's ``--keyframes`` takes them) are output as they are and carry their
true colours to the next frames.
"""

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_is_fitted, check_scalar

from . import _fast_predict, _options, steering
from ._images import check_images
from .color import grey_to_lightness, rgb_to_luv

__all__ = ["FrameColorizer"]

#: Default weight of the previous frame's chroma where nothing moved
#: (chosen on the ten DAVIS 2016 sequences with ``fit_reference`` on frame 0,
#: ``docs/reference.md``: mean CIEDE2000 5.79 at 0.2, 5.55 at 0.5, 5.46 at 1,
#: 5.41 at 2 and 5; flicker 0.15-0.16 at all of them).
STEADINESS = 1.0

#: Default pull to grey where the model is unsure, for a film's frames
#: (the model's own ``fade``, 1e-4 by default, is for photographs with
#: hints). Chosen on the same ten sequences with seeds 0, 1 and 2
#: (``docs/reference.md``): the smallest fade better than grey on all ten
#: with every seed. At steadiness 1, mean CIEDE2000 5.46 / 5.53 / 5.47 and
#: 9 of 10 with each seed at fade 1e-4 (bmx-trees, whose camera leaves the
#: keyframe's scene, worse than grey); 5.38 / 5.46 / 5.39 and 10, 9, 10 of
#: 10 at 0.002; 5.47 / 5.55 / 5.47 and 10 of 10 with each at 0.003, with
#: steadier colours; seed 0: 5.71 at 0.005, 6.32 at 0.01.
FADE = 0.003


class FrameColorizer:
    """Colorize a film's grey frames in order, with steady colours.

    A callable ``colorizer(grey_frame, index)`` for
    :func:`somcolor.video.colorize_video`: frames must come in playing
    order (each one is steered by the previous one).

    Parameters
    ----------
    model : ColorizerPipeline
        Fitted, for example by :func:`somcolor.fit_reference` on keyframes.
    steadiness : float, default=1.0
        Weight of the previous frame's chroma where the lightness has not
        changed, against at most 0.01 for the model's own colour: the
        larger, the steadier (and the slower to follow a change). 0 turns
        the temporal datum off: every frame is then colorized as
        ``predict`` with ``refine=True`` and this ``fade`` would.
    fade : float or None, default=0.003
        Pull to grey where the model is unsure (the model's ``fade``, here
        for the frames; None keeps the model's own): a film's later frames
        show things its keyframes did not, and colour fades there instead
        of taking a wrong hue.
    keyframes : dict of int to ndarray, optional
        Frames whose colours are known, by index: ``(H, W, 3)`` RGB (uint8
        or float in [0, 1]) of the frame's size. They are output as given
        and their colours carry to the next frames.

    Examples
    --------
    >>> import numpy as np
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline, to_grey
    >>> from somcolor.temporal import FrameColorizer
    >>> left, right, _ = data.stereo_motorcycle()
    >>> model = ColorizerPipeline(pixels_per_image=5000, random_state=0)
    >>> model = model.fit([left[::4, ::4]])
    >>> colorize = FrameColorizer(model)
    >>> frames = to_grey([right[::4, ::4], right[::4, ::4]])
    >>> film = [colorize(frame, k) for k, frame in enumerate(frames)]
    >>> film[1].shape
    (125, 186, 3)
    """

    def __init__(self, model, *, steadiness=STEADINESS, fade=FADE, keyframes=None):
        check_is_fitted(model)
        model._check_options()
        check_scalar(steadiness, "steadiness", Real, min_val=0)
        if fade is not None:
            check_scalar(fade, "fade", Real, min_val=0)
            model = copy.copy(model)  # the caller's model keeps its own
            model.set_params(fade=float(fade))
        self.model = model
        self.steadiness = float(steadiness)
        self.fade = float(model.fade)
        self.keyframes = _check_keyframes(keyframes)
        self._compiled = (
            _fast_predict._Model(model) if model._fast_path_applicable() else None
        )
        self._previous = None
        self._index = None

    def reset(self):
        """Forget the previous frame (a new shot or a new film)."""
        self._previous = None
        self._index = None

    def __call__(self, grey, index):
        """The colour frame of grey frame number ``index``.

        Parameters
        ----------
        grey : ndarray of shape (H, W)
            uint8 or float in [0, 1].
        index : int
            Its frame number; a frame that does not follow the previous one
            starts afresh.

        Returns
        -------
        rgb : ndarray of shape (H, W, 3)
            Float RGB in [0, 1].
        """
        (grey,), _ = check_images([grey], color=False, name="grey", convert=False)
        follows = self._index == index - 1 and self.steadiness > 0
        previous = self._previous if follows else None
        self._index = index
        if index in self.keyframes:
            rgb = self.keyframes[index]
            if rgb.shape[:2] != grey.shape:
                raise ValueError(
                    f"keyframe {index} has shape {rgb.shape[:2]}, but frame "
                    f"{index} has shape {grey.shape}."
                )
            self._previous = self._carry_of(rgb)
            return rgb
        if self._compiled is not None:
            ((codes, floats),), _ = _fast_predict._grey_inputs([grey])
            rgb, self._previous = self._compiled.steered_rgb(
                codes, floats, None, previous, self.steadiness
            )
        else:
            (checked,), _ = check_images([grey], color=False, name="grey")
            rgb, self._previous = self.model._steered_rgb(
                grey_to_lightness(checked), None, previous, self.steadiness
            )
        return rgb

    def _carry_of(self, rgb):
        """A known frame's lightness and chroma at the model's working scale."""
        luv = rgb_to_luv(rgb)
        small = _options.training_scale_shape(self.model, luv.shape[:2])
        if small is not None:
            luv = np.stack(
                [_options.shrink(luv[..., k], small) for k in range(3)], axis=-1
            )
        return steering.Carry(luv[..., 0], np.ascontiguousarray(luv[..., 1:]))


def _check_keyframes(keyframes):
    """``keyframes`` as a dict of int to float RGB, checked."""
    if keyframes is None:
        return {}
    if not isinstance(keyframes, dict):
        raise TypeError(
            "keyframes must be a dict {frame number: RGB image}, got "
            f"{type(keyframes).__name__}."
        )
    out = {}
    for index, rgb in keyframes.items():
        if not isinstance(index, Integral) or index < 0:
            raise ValueError(f"keyframe numbers must be ints >= 0, got {index!r}.")
        (checked,), _ = check_images([rgb], color=True, name=f"keyframes[{index}]")
        out[int(index)] = checked
    return out
