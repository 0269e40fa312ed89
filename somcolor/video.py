"""Videos: reading, writing and colorizing them frame by frame, streaming.

A video is a video file (any container and codec FFmpeg reads: mp4, mkv,
webm, avi, mov, ...) or a folder of numbered frames (``00000.jpg``,
``00001.jpg``, ... or ``frame_1.png``, ``frame_2.png``, ...). Video files are
read and written with PyAV, which bundles FFmpeg and installs from wheels:
``pip install "somcolor[video]"``; somcolor imports it only when a video
file is opened, so that folders of frames need nothing more.

* :func:`open_video` (a :class:`VideoReader`): frame rate, size, frame count
  and the frames, in order, as uint8 arrays, decoded in a background thread;
* :func:`read_frames`: a few frames by number (keyframes);
* :class:`VideoWriter`: frames to a video file (H.264 in mp4, mov and mkv,
  VP9 in webm) or to a folder of frames, through a temporary sibling renamed
  when complete;
* :func:`colorize_video`: the three together around a caller's per-frame
  colorizer, decoding, colorizing and encoding in three threads, with a few
  frames in memory at any time, whatever the length of the film.

Writing is all or nothing, as for images (``somcolor._files``): the frames
go to a hidden temporary file (or folder) next to the output, renamed onto
it when the last frame is written, and removed on any failure, including
``KeyboardInterrupt``; an existing output is replaced only when asked.
"""

import contextlib
import os
import queue
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from ._files import (
    DEFAULT_QUALITY,
    IMAGE_SUFFIXES,
    ImageFileError,
    _one_line,
    _orientation,
    decode_image,
    temporary_sibling,
    to_uint8,
    unit_levels,
    write_image,
)
from ._progress import progress

__all__ = [
    "DEFAULT_CRF",
    "DEFAULT_PIX_FMT",
    "DEFAULT_PRESET",
    "FOLDER_FPS",
    "VIDEO_SUFFIXES",
    "VideoFileError",
    "VideoReader",
    "VideoSummary",
    "VideoWriter",
    "colorize_video",
    "grey_levels",
    "open_video",
    "read_frames",
]

#: Output file name endings and their container formats (FFmpeg's names).
#: H.264 (libx264) in all but webm, which holds VP9 (libvpx-vp9). Any file
#: FFmpeg reads can be a source; these are what somcolor writes.
VIDEO_SUFFIXES = {
    ".mp4": "mp4",
    ".m4v": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
}

#: Frame rate of a folder of frames (or of frames given as arrays), which
#: stores none, unless one is given.
FOLDER_FPS = Fraction(25)

#: Default chroma subsampling of written video: 4:2:0, what every player
#: plays, and on DAVIS 2016 as close to the truth as 4:4:4 at the same
#: size (``benchmarks/VIDEO.md``; see :class:`VideoWriter`).
DEFAULT_PIX_FMT = "yuv420p"

#: Default constant rate factor (quality; lower is better) per codec.
DEFAULT_CRF = {"libx264": 18, "libvpx-vp9": 32}

#: Default libx264 preset (speed against file size): 1.6 to 2.4 times as
#: fast as ``veryfast`` for files 7% larger, so that encoding 854x480 frames
#: leaves most of two cores to the colorizer (see :class:`VideoWriter`).
DEFAULT_PRESET = "superfast"

_PIX_FMTS = ("yuv420p", "yuv422p", "yuv444p")
_X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
# libvpx-vp9's speed for each preset name (its "cpu-used", 0 slowest .. 8),
# with the real-time deadline from "veryfast" on.
_VP9_SPEED = {
    "ultrafast": 8,
    "superfast": 8,
    "veryfast": 7,
    "faster": 6,
    "fast": 5,
    "medium": 4,
    "slow": 3,
    "slower": 2,
    "veryslow": 1,
}

#: Frames waiting between two stages of :func:`colorize_video` (and decoded
#: ahead by a reader): enough to absorb the jitter of each stage.
_QUEUE_FRAMES = 2

_STEM_NUMBER = re.compile(r"^(.*?)(\d+)$")


class VideoFileError(ImageFileError):
    """A video file or folder of frames that cannot be read; names the path.

    A subclass of :class:`somcolor._files.ImageFileError` (so of
    ``ValueError``): code that reports unreadable images reports these too.
    """


def _import_av():
    """PyAV, or an ImportError that says how to install it."""
    try:
        import av
    except ImportError:
        raise ImportError(
            "reading and writing video files needs PyAV: "
            'pip install "somcolor[video]" (folders of frames need nothing more).'
        ) from None
    return av


def _av_errors():
    av = _import_av()
    return (av.error.FFmpegError, OSError, ValueError, EOFError)


# -- grey levels -------------------------------------------------------------


def _grey_tables():
    """Per-channel luminance tables (fixed point) and the rounding table."""
    from skimage.color.colorconv import xyz_from_rgb

    from .color import _srgb_to_linear

    scale = 1 << 20
    linear = _srgb_to_linear(np.arange(256) / 255.0)
    channels = [np.round(w * linear * scale).astype(np.uint32) for w in xyz_from_rgb[1]]
    # Grey level k covers the luminances between the linear values of the
    # sRGB levels k - 1/2 and k + 1/2 (rounding to the nearest level).
    edges = np.round(_srgb_to_linear((np.arange(255) + 0.5) / 255.0) * scale)
    levels = np.searchsorted(edges, np.arange(scale + 4), side="right")
    return channels, levels.astype(np.uint8)


_GREY_TABLES = None


def grey_levels(frame: np.ndarray) -> np.ndarray:
    """Grey uint8 levels with the CIE lightness of a uint8 RGB frame.

    The same as ``np.round(somcolor.to_grey([frame])[0] * 255)`` (the grey
    level whose luminance is the pixel's), to within one level on a few
    pixels in ten thousand, and ten times faster: luminance is summed in
    fixed point from per-channel tables, then rounded through a table. A
    grey frame (2-D, or three equal channels) keeps its levels.

    Parameters
    ----------
    frame : ndarray of shape (H, W, 3) or (H, W), uint8

    Returns
    -------
    grey : ndarray of shape (H, W), uint8

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor.video import grey_levels
    >>> frame = np.array([[[255, 0, 0], [90, 90, 90]]], dtype=np.uint8)
    >>> grey_levels(frame)
    array([[127,  90]], dtype=uint8)
    """
    global _GREY_TABLES
    frame = np.asarray(frame)
    if frame.dtype != np.uint8:
        raise TypeError(f"frame must be uint8, got {frame.dtype}.")
    if frame.ndim == 2:
        return frame
    if frame.ndim != 3 or frame.shape[-1] != 3:
        raise ValueError(
            f"frame must have shape (H, W, 3) or (H, W), got {frame.shape}."
        )
    if _GREY_TABLES is None:
        _GREY_TABLES = _grey_tables()
    (red, green, blue), levels = _GREY_TABLES
    luminance = np.take(red, frame[..., 0])  # take: twice as fast as [...]
    luminance += np.take(green, frame[..., 1])
    luminance += np.take(blue, frame[..., 2])
    return np.take(levels, luminance)


# -- frames as somcolor reads them --------------------------------------------


def _uint8_frame(image):
    """A decoded image file as a frame: uint8, (H, W) or (H, W, 3)."""
    if image.dtype == np.uint16:
        image = ((image.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = to_uint8(unit_levels(image))
    if image.ndim == 3:
        image = image[..., 0] if image.shape[-1] == 2 else image[..., :3]
    return np.ascontiguousarray(image)


def _unit_to_uint8(image):
    """Float levels in [0, 1] as uint8, as ``to_uint8`` but in place (4x faster)."""
    levels = np.multiply(
        image, 255.0, dtype=np.float32 if image.itemsize <= 4 else None
    )
    np.clip(levels, 0.0, 255.0, out=levels)
    np.rint(levels, out=levels)
    return levels.astype(np.uint8)


def _frame_from_array(frame, index):
    """A frame given by the caller as an array, as a uint8 frame."""
    array = np.asarray(frame)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] != 3):
        raise ValueError(
            f"source frame {index} must have shape (H, W, 3) or (H, W), got "
            f"{array.shape}."
        )
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or array.min() < 0 or array.max() > 1:
            raise ValueError(
                f"source frame {index}: float frames must hold finite values in [0, 1]."
            )
        return to_uint8(array)
    raise TypeError(
        f"source frame {index} has dtype {array.dtype}; expected uint8 or float "
        "in [0, 1]."
    )


# -- folders of frames -------------------------------------------------------


def _frame_files(folder):
    """The frames of a folder, in playing order (by the number in the name).

    Frames are the folder's image files (:data:`somcolor._files.IMAGE_SUFFIXES`,
    hidden files excepted); other files (notes, thumbnails databases) are
    ignored. Each frame's name is one prefix, a number and an extension;
    a folder with an image of another name, two prefixes (two films) or two
    frames of one number is refused rather than guessed at.
    """
    folder = Path(folder)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise VideoFileError(
            f"{folder}: cannot list the folder ({_one_line(exc)})"
        ) from exc
    images = [
        p
        for p in entries
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    ]
    if not images:
        raise VideoFileError(
            f"{folder}: no image files; a folder of frames holds images named "
            "with their frame number (00000.jpg, 00001.jpg, ... or frame_1.png, ...)."
        )
    numbered, prefixes = {}, {}
    for path in images:
        match = _STEM_NUMBER.match(path.stem)
        if match is None:
            raise VideoFileError(
                f"{folder}: {path.name} has no frame number at the end of its name; "
                "every image of a folder of frames must be numbered "
                "(move the others out)."
            )
        prefix, number = match.group(1), int(match.group(2))
        if number in numbered:
            raise VideoFileError(
                f"{folder}: {numbered[number].name} and {path.name} have the same "
                f"frame number ({number})."
            )
        numbered[number] = path
        prefixes.setdefault(prefix, path)
    if len(prefixes) > 1:
        (a, first), (b, second) = list(prefixes.items())[:2]
        raise VideoFileError(
            f"{folder}: frames of two sequences ({first.name} and {second.name}: "
            f"names starting {a!r} and {b!r}); keep one sequence per folder."
        )
    return [numbered[n] for n in sorted(numbered)]


def _image_size(path):
    """(width, height) from an image file's header, or None if unreadable."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                if _orientation(image) in (5, 6, 7, 8):  # shown turned a quarter
                    width, height = height, width
                grey = image.mode in ("1", "L", "LA", "I", "I;16", "F")
                return (width, height), grey
    except Exception:  # noqa: BLE001 - the decoder will say what is wrong
        return None


# -- reading -------------------------------------------------------------------


_END = object()


def _prefetched(make, prefetch, busy):
    """Iterate ``make()`` in a background thread, ``prefetch`` items ahead.

    The generator is created, run and closed in the thread; its exceptions
    are raised here, in order. ``busy[0]`` accumulates the thread's working
    time (not its waits). Stopping early (``break``, an exception, garbage
    collection) stops the thread and waits for it.
    """
    items = queue.Queue(maxsize=prefetch)
    stop = threading.Event()

    def put(entry):
        while not stop.is_set():
            try:
                items.put(entry, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work():
        try:
            with contextlib.closing(make()) as produced:
                while True:
                    start = time.perf_counter()
                    item = next(produced, _END)
                    busy[0] += time.perf_counter() - start
                    if item is _END:
                        break
                    if not put((item, None)):
                        return
                    del item
            put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - raised in the consumer
            put((None, exc))

    thread = threading.Thread(target=work, name="somcolor-video-read", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
            del item
    finally:
        stop.set()
        thread.join()


class VideoReader:
    """The frames of a video file or of a folder of numbered frames.

    Made by :func:`open_video`, which checks the source. Iterating decodes
    the frames in order, in a background thread a couple of frames ahead,
    so that decoding overlaps what the caller does with each frame; each
    iteration starts from the first frame. No file stays open between
    iterations.

    Attributes
    ----------
    path : pathlib.Path
        The video file or folder.
    is_folder : bool
        Whether ``path`` is a folder of frames.
    fps : fractions.Fraction
        Frames per second: the file's average rate, or the ``fps`` given to
        :func:`open_video` for a folder (default :data:`FOLDER_FPS`).
    size : tuple of int
        ``(width, height)`` of every frame (arrays have shape
        ``(height, width[, 3])``), upright: a file whose display matrix says
        to show it turned (a phone's video filmed upright) is read turned
        as players show it, and a folder's frames as their EXIF orientation
        says.
    n_frames : int or None
        Number of frames: exact for a folder, the container's count for a
        file (None when the container does not say, as in mkv and webm).
    duration : float or None
        A file's duration in seconds, as its container declares it.
    has_audio : bool
        Whether a file holds sound too (which the frames leave out).
    grey : bool
        Whether the first frame is stored grey (one channel); such frames
        are read as 2-D arrays.
    names : list of str or None
        A folder's frame file names, in playing order; None for a file.
    codec : str or None
        A file's video codec (FFmpeg's name); None for a folder.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from somcolor._files import write_image
    >>> from somcolor.video import open_video
    >>> folder = tempfile.mkdtemp()
    >>> for k in (1, 2, 10):
    ...     frame = np.full((4, 6, 3), 20 * k, np.uint8)
    ...     _ = write_image(os.path.join(folder, f"frame_{k}.png"), frame)
    >>> video = open_video(folder)
    >>> video.names, video.size, video.n_frames
    (['frame_1.png', 'frame_2.png', 'frame_10.png'], (6, 4), 3)
    >>> [int(frame[0, 0, 0]) for frame in video]
    [20, 40, 200]
    """

    def __init__(
        self, path: "str | os.PathLike", *, fps: "float | Fraction | None" = None
    ):
        self.path = Path(path)
        self.is_folder = self.path.is_dir()
        self.fps = None
        self.size = None
        self.n_frames = None
        self.grey = False
        self.names = None
        self.codec = None
        self.duration = None
        self.has_audio = False
        self._files = None
        self._turns = 0  # quarter turns counter-clockwise that show it upright
        if fps is not None:
            fps = _check_fps(fps)
        if self.is_folder:
            self._probe_folder(fps)
        else:
            if fps is not None:
                raise ValueError(
                    "fps applies to a folder of frames only; a video file has "
                    f"its own ({self.path})."
                )
            self._probe_file()

    def __repr__(self):
        return (
            f"VideoReader({str(self.path)!r}, fps={self.fps}, size={self.size}, "
            f"n_frames={self.n_frames})"
        )

    def __len__(self):
        if self.n_frames is None:
            raise TypeError(f"{self.path}: the container does not say its length.")
        return self.n_frames

    # probing

    def _probe_folder(self, fps):
        files = _frame_files(self.path)
        first = None
        for path in files:
            header = _image_size(path)
            if header is None:  # let the decoder say what is wrong
                decode_image(path)
                raise VideoFileError(f"{path}: not a readable image.")
            size, grey = header
            if first is None:
                first = (path, size)
                self.grey = grey
            elif size != first[1]:
                raise VideoFileError(
                    f"{self.path}: frames of different sizes: {first[0].name} is "
                    f"{first[1][0]}x{first[1][1]}, {path.name} is {size[0]}x{size[1]}; "
                    "every frame of a video has one size."
                )
        self._files = files
        self.names = [p.name for p in files]
        self.n_frames = len(files)
        self.size = first[1]
        self.fps = FOLDER_FPS if fps is None else fps

    def _probe_file(self):
        path = self.path
        if not path.exists():
            raise FileNotFoundError(f"No such video file or folder: {str(path)!r}.")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            raise VideoFileError(
                f"{path}: is an image, not a video (a video is a video file or a "
                "folder of numbered frames)."
            )
        av = _import_av()
        try:
            with av.open(str(path), mode="r") as container:
                if not container.streams.video:
                    raise VideoFileError(f"{path}: has no video stream.")
                stream = container.streams.video[0]
                rate = stream.average_rate or stream.guessed_rate or stream.base_rate
                self.fps = Fraction(rate) if rate else FOLDER_FPS
                self.n_frames = int(stream.frames) or None
                if container.duration:
                    self.duration = container.duration / 1_000_000
                elif stream.duration and stream.time_base:
                    self.duration = float(stream.duration * stream.time_base)
                self.codec = stream.codec_context.name
                self.has_audio = bool(container.streams.audio)
                first = next(container.decode(stream), None)
                if first is None:
                    raise VideoFileError(f"{path}: holds no frame that decodes.")
                self._turns = _quarter_turns(first)
                if self._turns % 2:
                    self.size = (first.height, first.width)
                else:
                    self.size = (first.width, first.height)
                self.grey = _is_grey_format(first.format.name)
        except VideoFileError:
            raise
        except _av_errors() as exc:
            raise VideoFileError(
                f"{path}: not a readable video ({_decoder_words(exc)})."
            ) from exc

    # reading

    def _decode_file(self, grey):
        av = _import_av()
        path = self.path
        try:
            container = av.open(str(path), mode="r")
        except _av_errors() as exc:
            raise VideoFileError(
                f"{path}: not a readable video ({_decoder_words(exc)})."
            ) from exc
        index = 0
        with container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"  # frame and slice threads in FFmpeg
            frames = container.decode(stream)
            while True:
                try:
                    frame = next(frames, None)
                    if frame is None:
                        break
                    array = _frame_array(frame, grey)
                    if self._turns:
                        array = np.ascontiguousarray(np.rot90(array, self._turns))
                except _av_errors() as exc:
                    raise VideoFileError(
                        f"{path}: frame {index} cannot be decoded ({_one_line(exc)})."
                    ) from exc
                if array.shape[1::-1] != self.size:
                    raise VideoFileError(
                        f"{path}: frame {index} is {array.shape[1]}x{array.shape[0]}, "
                        f"not {self.size[0]}x{self.size[1]} like the first; "
                        "somcolor reads videos of one frame size."
                    )
                yield array
                index += 1
        if index == 0:
            raise VideoFileError(f"{path}: holds no frame that decodes.")
        expected = self._expected_frames()
        if expected is not None and index < expected - max(2, expected // 50):
            # FFmpeg stops quietly at the end of a cut file (its frame
            # threads even swallow the decoding error): what the container
            # declares tells a truncated file from a short one.
            raise VideoFileError(
                f"{path}: ends after {index} frames, though it declares "
                f"{expected}: a truncated or damaged file."
            )

    def _expected_frames(self):
        """Frames the file declares: its count, or duration x rate; or None."""
        if self.n_frames is not None:
            return self.n_frames
        if self.duration is not None and self.fps:
            return round(self.duration * float(self.fps))
        return None

    def _decode_folder(self, grey):
        for path in self._files:
            frame = _uint8_frame(decode_image(path))
            if frame.shape[1::-1] != self.size:
                raise VideoFileError(
                    f"{path}: is {frame.shape[1]}x{frame.shape[0]}, not "
                    f"{self.size[0]}x{self.size[1]} like the first frame."
                )
            yield grey_levels(frame) if grey else frame

    def frames(
        self, *, grey: bool = False, prefetch: int = _QUEUE_FRAMES, _busy=None
    ) -> Iterator[np.ndarray]:
        """Iterate over the frames in order, decoded in a background thread.

        Parameters
        ----------
        grey : bool, default=False
            Give grey levels with each frame's lightness
            (:func:`grey_levels`), what somcolor's colorizers take, computed
            in the decoding thread. Otherwise frames are as stored: RGB, or
            grey for a grey file.
        prefetch : int, default=2
            Frames decoded ahead of the caller (at most ``prefetch + 2``
            frames exist at once on the reading side).

        Yields
        ------
        frame : ndarray
            uint8, ``(height, width, 3)`` RGB or ``(height, width)`` grey.

        Raises
        ------
        VideoFileError
            A frame cannot be decoded, or differs in size from the first.
        """
        if not isinstance(prefetch, Integral) or prefetch < 1:
            raise ValueError(f"prefetch must be a positive int, got {prefetch!r}.")
        busy = [0.0] if _busy is None else _busy
        if self.is_folder:
            return _prefetched(lambda: self._decode_folder(grey), prefetch, busy)
        return _prefetched(lambda: self._decode_file(grey), prefetch, busy)

    def __iter__(self) -> Iterator[np.ndarray]:
        return self.frames()


def _decoder_words(exc):
    """What FFmpeg said, without its error number or the repeated path:
    ``FFmpeg: invalid data found when processing input``."""
    words = getattr(exc, "strerror", None)
    if not isinstance(words, str) or not words:
        return _one_line(exc)
    return f"FFmpeg: {words[0].lower()}{words[1:]}"


def _is_grey_format(name):
    return name.startswith(("gray", "ya", "mono"))


# FFmpeg's AVColorSpace values -> swscale's matrices by PyAV's names.
_MATRICES = {1: "ITU709", 4: "FCC", 5: "ITU601", 6: "ITU601", 7: "SMPTE240M"}


def _quarter_turns(frame):
    """Quarter turns counter-clockwise (0 to 3) that show a decoded frame as
    its display matrix says (``frame.rotation``: degrees counter-clockwise,
    -90 for a phone's video filmed upright; rounded to a quarter turn, and
    a mirroring in the matrix is not applied)."""
    return round((frame.rotation or 0) / 90) % 4


def _frame_array(frame, grey):
    """A decoded ``av.VideoFrame`` as a uint8 array (RGB, or grey levels).

    YUV is converted to RGB with the matrix and range the stream is tagged
    with (untagged: BT.601 below 720 lines, BT.709 from 720, as players
    assume), whatever the PyAV version's own defaults.
    """
    name = frame.format.name
    if _is_grey_format(name):
        return frame.to_ndarray(format="gray") if name != "gray" else frame.to_ndarray()
    if name in ("rgb24",):
        rgb = frame.to_ndarray()
    elif name.startswith(("rgb", "bgr", "gbr", "argb", "abgr", "pal8")):
        rgb = frame.to_ndarray(format="rgb24")
    else:
        matrix = _MATRICES.get(int(frame.colorspace))
        if matrix is None:
            matrix = "ITU709" if frame.height >= 720 else "ITU601"
        full = int(frame.color_range) == 2 or name.startswith("yuvj")
        rgb = frame.reformat(
            format="rgb24",
            src_colorspace=matrix,
            dst_colorspace=matrix,
            src_color_range="JPEG" if full else "MPEG",
            dst_color_range="JPEG",
        ).to_ndarray()
    return grey_levels(rgb) if grey else rgb


def _check_fps(fps):
    if isinstance(fps, bool) or not isinstance(fps, (Real, Fraction)):
        raise TypeError(f"fps must be a positive number, got {fps!r}.")
    if not np.isfinite(float(fps)) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}.")
    return Fraction(str(fps)) if isinstance(fps, float) else Fraction(fps)


def open_video(
    path: "str | os.PathLike", *, fps: "float | Fraction | None" = None
) -> VideoReader:
    """Open a video file or a folder of numbered frames for reading.

    Checks the source at once (a file must decode its first frame; a
    folder's frames must be numbered and of one size, from their headers),
    so that a bad source fails before anything is written.

    Parameters
    ----------
    path : str or path-like
        A video file FFmpeg reads (needs ``somcolor[video]``), or a folder
        of frames: image files named with a frame number at the end
        (``00000.jpg``, ``frame_2.png``, ``frame_10.png``), played in the
        order of that number (not of the names as text). Other files of the
        folder (not images, or hidden) are ignored; an image without a
        number, two of one number or two name prefixes (two sequences in
        one folder) are refused, since their place in the film would be a
        guess.
    fps : float or fractions.Fraction, optional
        Frame rate of a folder of frames (default :data:`FOLDER_FPS`, 25);
        a video file has its own.

    Returns
    -------
    video : VideoReader
        Its frames are uint8: a video's frames are converted to RGB with
        the YUV matrix and range the file is tagged with; a folder's images
        are read as :func:`somcolor.colorize_many` reads them, 16-bit ones
        rounded to 8 bits and transparency dropped.

    Raises
    ------
    FileNotFoundError
        No such file or folder.
    VideoFileError
        Not a video, or a folder that is not a sequence of frames of one
        size; the message names the file.
    ImportError
        A video file without PyAV installed.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from somcolor.video import VideoWriter, open_video
    >>> path = os.path.join(tempfile.mkdtemp(), "grey.mp4")
    >>> with VideoWriter(path, fps=24, size=(64, 48)) as writer:
    ...     for level in range(0, 250, 25):
    ...         writer.write(np.full((48, 64, 3), level, np.uint8))
    >>> video = open_video(path)
    >>> video.fps, video.size, video.n_frames
    (Fraction(24, 1), (64, 48), 10)
    >>> levels = [int(frame[0, 0, 0]) for frame in video]  # 8-bit YUV rounds
    >>> bool(np.abs(np.subtract(levels, range(0, 250, 25))).max() <= 1)
    True
    """
    return VideoReader(path, fps=fps)


def read_frames(
    path: "str | os.PathLike", indices: "int | Iterable[int]", *, grey: bool = False
) -> list[np.ndarray]:
    """Frames of a video by number (keyframes), decoding no further than needed.

    Parameters
    ----------
    path : str or path-like
        A video file or a folder of frames (see :func:`open_video`).
    indices : int or iterable of int
        Frame numbers counted from 0 in playing order (for a folder, the
        position in that order, not the number in the file name).
    grey : bool, default=False
        Grey levels (:func:`grey_levels`) instead of the frames as stored.

    Returns
    -------
    frames : list of ndarray
        uint8 frames in the order of ``indices``.

    Raises
    ------
    ValueError
        An index that is negative or past the last frame (the message says
        how many frames the video has).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from somcolor._files import write_image
    >>> from somcolor.video import read_frames
    >>> folder = tempfile.mkdtemp()
    >>> for k in range(5):
    ...     _ = write_image(os.path.join(folder, f"{k:05d}.png"),
    ...                     np.full((4, 4, 3), 10 * k, np.uint8))
    >>> [int(frame[0, 0, 0]) for frame in read_frames(folder, [3, 0])]
    [30, 0]
    """
    if isinstance(indices, (Integral, np.integer)) and not isinstance(indices, bool):
        indices = [indices]
    if isinstance(indices, (str, bytes)) or not isinstance(indices, Iterable):
        raise TypeError(f"indices must be frame numbers (ints), got {indices!r}.")
    indices = list(indices)
    for index in indices:
        if isinstance(index, bool) or not isinstance(index, (Integral, np.integer)):
            raise TypeError(f"indices must be frame numbers (ints), got {index!r}.")
        if index < 0:
            raise ValueError(f"indices: frame numbers count from 0, got {index}.")
    if not indices:
        return []
    video = open_video(path)
    last = max(indices)
    if video.n_frames is not None and last >= video.n_frames:
        raise ValueError(
            f"indices: frame {last} is past the end of {video.path} "
            f"({_frames_text(video.n_frames)})."
        )
    wanted = set(indices)
    found = {}
    if video.is_folder:
        for index in wanted:
            frame = _uint8_frame(decode_image(video._files[index]))
            found[index] = grey_levels(frame) if grey else frame
    else:
        count = 0
        frames = video.frames(grey=grey)
        try:
            for count, frame in enumerate(frames):  # noqa: B007
                if count in wanted:
                    found[count] = frame
                if count == last:
                    break
        finally:
            frames.close()
        if last not in found:
            raise ValueError(
                f"indices: frame {last} is past the end of {video.path} "
                f"({_frames_text(count + 1)})."
            )
    return [found[index] for index in indices]


def _frames_text(n):
    return f"{n} frame{'s' if n != 1 else ''}, numbered 0 to {n - 1}"


# -- writing -------------------------------------------------------------------


def _output_kind(path):
    """'folder', or the container format of a video file ``path``."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        return "folder"
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return VIDEO_SUFFIXES[suffix]
    hint = (
        " (for a folder of frames, give a folder: a path without extension)"
        if suffix in IMAGE_SUFFIXES
        else ""
    )
    raise ValueError(
        f"output {str(path)!r}: unknown video file extension {path.suffix!r}; "
        f"somcolor writes {', '.join(VIDEO_SUFFIXES)}, or a folder of frames{hint}."
    )


def _exists_error(path, what="output"):
    return FileExistsError(
        f"{what} {str(path)!r} exists: pass overwrite=True to replace it."
    )


def _folder_conflicts(folder, names):
    """Files of ``folder`` that writing ``names`` (None: any frame) would hit."""
    if not folder.is_dir():
        return []
    if names is not None:
        return [n for n in names if os.path.lexists(folder / n)]
    return [
        p.name
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    ]


@contextlib.contextmanager
def _temporary_folder(path):
    """A new, empty, hidden folder next to ``path``, removed unless renamed."""
    path = Path(path)
    for _ in range(100):
        tmp = path.parent / f".{path.name}-{secrets.token_hex(4)}.part"
        try:
            os.mkdir(tmp)
        except FileExistsError:
            continue
        break
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(f"cannot create a temporary folder next to {path}.")
    try:
        yield tmp
    finally:
        if os.path.lexists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)


class VideoWriter:
    """Write frames to a video file or a folder of frames, all or nothing.

    Frames go to a hidden temporary file (``.NAME-XXXXXXXX.part.mp4``) or
    folder next to ``path``; :meth:`close` renames it onto ``path``, and
    :meth:`abort` (or leaving a ``with`` block by an exception, including
    ``KeyboardInterrupt``) removes it, so that ``path`` is never half
    written. An existing ``path`` is refused unless ``overwrite``.

    Parameters
    ----------
    path : str or path-like
        A video file, its format from its extension: ``.mp4``, ``.m4v``,
        ``.mov``, ``.mkv`` (H.264, libx264) or ``.webm`` (VP9,
        libvpx-vp9); or a folder (an existing one, or a path without
        extension), which receives one image file per frame.
    fps : float or fractions.Fraction
        Frames per second (NTSC rates as ``Fraction(30000, 1001)``).
    size : tuple of int
        ``(width, height)`` of every frame.
    overwrite : bool, default=False
        Replace an existing file (or, for a folder, files of the same
        names). Otherwise an existing output raises ``FileExistsError``, at
        once and again at the rename should it appear meanwhile.
    crf : int, optional
        Constant rate factor: the quality of a video file, lower is better
        (0 to 51 for H.264, 0 to 63 for VP9). Default
        :data:`DEFAULT_CRF`: 18 for H.264, about visually lossless; 32 for
        VP9, a file 30% smaller at about the same CIEDE2000. On DAVIS 2016
        ``cows`` (854x480, ``benchmarks/VIDEO.md``), CRF 18 takes 43 kB a
        frame (8.6 Mbit/s at 25 frames/s on that grassy film) and moves a
        colorized film 0.21 CIEDE2000 further from the truth (7.57 against
        7.36 before encoding); CRF 23, 16 kB a frame and 0.41.
    preset : str, default='superfast'
        libx264's speed against file size (``ultrafast`` ... ``veryslow``);
        for VP9 the same names set libvpx's speed (``superfast``: real-time,
        ``cpu-used`` 8). Encoding shares two cores with the colorizer, so it
        must be cheap: on DAVIS ``cows`` at CRF 18, ``superfast`` encodes
        81 frames/s, ``veryfast`` 48 and libx264's own default ``medium``
        16 (1.6 to 2.4 times ``veryfast``'s speed over four runs on busy
        cores), for files 7% larger than ``veryfast``'s and 11% smaller
        than ``medium``'s at about the same CIEDE2000 (2.03, 1.95, 1.63);
        ``ultrafast`` encodes 117, but its files are 2.2 times larger.
    pix_fmt : {'yuv420p', 'yuv444p', 'yuv422p'}, default='yuv420p'
        Chroma subsampling: a real choice for a colorizer, whose work is the
        chroma. 4:2:0 (``yuv420p``) stores it at half the width and height,
        and every player plays it; 4:4:4 keeps it whole, but browsers and
        many players do not play 4:4:4 H.264. Measured on DAVIS ``cows``:
        losslessly (CRF 0), 4:2:0 alone costs 0.42 CIEDE2000 on the true
        frames and 0.57 on a colorizer's (the photos recipe fit on frame
        0), with files a third smaller; at CRF 18 both give files of the
        same size and 4:2:0 is the closer (2.03 against 2.22; colorized
        2.11 against 2.45), and the colorized film is as far from the truth
        in either (7.57 against 7.55). Hence 4:2:0. A frame of odd width or
        height is written 4:4:4 in H.264, whose 4:2:0 needs even sizes.
    names : sequence of str, optional
        A folder output's file names, in frame order (their extension sets
        each file's format). Default ``00000.png``, ``00001.png``, ...
    quality : int in [1, 100], default=95
        Quality of JPEG and WebP frames in a folder (JPEG without chroma
        subsampling, as ``colorize_many`` writes them).

    Attributes
    ----------
    frames_written : int
    codec : str or None
        ``'libx264'`` or ``'libvpx-vp9'``; None for a folder.
    pix_fmt : str or None
        The pixel format written (None for a folder).

    Notes
    -----
    The output is tagged with the YUV matrix its frames were converted
    with (BT.601 below 720 lines, BT.709 from 720, as players assume when a
    file is not tagged), limited range, BT.709 primaries (those of sRGB).
    Frames are stamped at a constant rate.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from somcolor.video import VideoWriter
    >>> path = os.path.join(tempfile.mkdtemp(), "ramp.webm")
    >>> with VideoWriter(path, fps=25, size=(32, 16)) as writer:
    ...     for k in range(5):
    ...         writer.write(np.full((16, 32, 3), k / 4))  # float RGB in [0, 1]
    >>> writer.frames_written, os.path.exists(path)
    (5, True)
    """

    def __init__(
        self,
        path: "str | os.PathLike",
        fps: "float | Fraction",
        size: "tuple[int, int]",
        *,
        overwrite: bool = False,
        crf: int | None = None,
        preset: str = DEFAULT_PRESET,
        pix_fmt: str = DEFAULT_PIX_FMT,
        names: "Sequence[str] | None" = None,
        quality: int = DEFAULT_QUALITY,
    ):
        self.path = Path(path)
        self.fps = _check_fps(fps)
        self.size = _check_size(size)
        self.overwrite = bool(overwrite)
        self.frames_written = 0
        self.codec = None
        self.pix_fmt = None
        self._kind = _output_kind(self.path)
        self._names = None if names is None else _check_names(names)
        self._quality = _check_quality(quality)
        self._stack = contextlib.ExitStack()
        self._container = self._stream = None
        self._closed = False
        if self._kind != "folder":
            crf, preset, pix_fmt = _check_encoding(crf, preset, pix_fmt)
        if not self.path.parent.is_dir():
            raise ValueError(
                f"output {str(self.path)!r}: its folder {str(self.path.parent)!r} "
                "does not exist."
            )
        if self._kind == "folder":
            conflicts = _folder_conflicts(self.path, self._names)
            if conflicts and not self.overwrite:
                raise _exists_error(self.path / conflicts[0], "output frame")
            self._tmp = Path(self._stack.enter_context(_temporary_folder(self.path)))
            return
        if os.path.lexists(self.path) and not self.overwrite:
            raise _exists_error(self.path)
        if self.path.is_dir():
            raise ValueError(f"output {str(self.path)!r} is a folder.")
        av = _import_av()
        self._tmp = Path(self._stack.enter_context(temporary_sibling(self.path)))
        try:
            self._open(av, crf, preset, pix_fmt)
        except BaseException:
            self._stack.close()
            raise

    def _open(self, av, crf, preset, pix_fmt):
        width, height = self.size
        vp9 = self._kind == "webm"
        self.codec = "libvpx-vp9" if vp9 else "libx264"
        if self.codec not in av.codecs_available:
            raise RuntimeError(
                f"this FFmpeg (PyAV {av.__version__}) has no {self.codec} encoder."
            )
        if not vp9 and pix_fmt != "yuv444p" and (width % 2 or height % 2):
            pix_fmt = "yuv444p"  # libx264's 4:2:0 and 4:2:2 need even sizes
        self.pix_fmt = pix_fmt
        crf = DEFAULT_CRF[self.codec] if crf is None else crf
        if vp9:
            speed = _VP9_SPEED[preset]
            options = {
                "crf": str(crf),
                "b": "0",  # constant quality
                "deadline": "realtime" if speed >= 7 else "good",
                "cpu-used": str(speed),
                "row-mt": "1",
            }
        else:
            options = {"crf": str(crf), "preset": preset}
        container_options = {}
        if self._kind in ("mp4", "mov"):
            container_options["movflags"] = "+faststart"  # plays while loading
        self._matrix = "ITU709" if height >= 720 else "ITU601"
        container = av.open(
            str(self._tmp),
            mode="w",
            format=self._kind,
            container_options=container_options,
        )
        self._container = container
        self._stack.callback(self._close_container)
        stream = container.add_stream(self.codec, rate=self.fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = pix_fmt
        context = stream.codec_context
        context.colorspace = 1 if height >= 720 else 6  # BT.709 / SMPTE 170M
        context.color_range = 1  # limited ("MPEG")
        context.color_primaries = 1  # BT.709, sRGB's
        context.color_trc = 1
        stream.options = options
        self._stream = stream

    def _close_container(self):
        if self._container is not None:
            container, self._container = self._container, None
            with contextlib.suppress(Exception):
                container.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, frame: np.ndarray) -> None:
        """Append one frame.

        Parameters
        ----------
        frame : ndarray
            ``(height, width, 3)`` RGB or ``(height, width)`` grey; uint8,
            or float in [0, 1] (rounded to 8 bits).
        """
        if self._closed:
            raise ValueError(f"{self.path}: the writer is closed.")
        array = np.asarray(frame)
        width, height = self.size
        index = self.frames_written
        if array.shape not in ((height, width, 3), (height, width)):
            raise ValueError(
                f"frame {index} has shape {array.shape}; this video's frames "
                f"have shape ({height}, {width}, 3) (or ({height}, {width}) grey)."
            )
        if array.dtype != np.uint8:
            if array.dtype.kind != "f":
                raise TypeError(
                    f"frame {index} has dtype {array.dtype}; expected uint8 or "
                    "float in [0, 1]."
                )
            array = _unit_to_uint8(array)
        if self._kind == "folder":
            self._write_file(array, index)
        else:
            self._encode(array)
        self.frames_written += 1

    def _write_file(self, array, index):
        if self._names is not None:
            if index >= len(self._names):
                raise ValueError(
                    f"frame {index}: only {len(self._names)} names were given."
                )
            name = self._names[index]
        else:
            name = f"{index:05d}.png"
        write_image(self._tmp / name, array, overwrite=True, quality=self._quality)

    def _encode(self, array):
        av = _import_av()
        stream = self._stream
        source = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(array), format="rgb24" if array.ndim == 3 else "gray"
        )
        frame = source.reformat(
            format=self.pix_fmt,
            src_colorspace=self._matrix,
            dst_colorspace=self._matrix,
            src_color_range="JPEG",
            dst_color_range="MPEG",
        )
        frame.pts = self.frames_written
        try:
            self._container.mux(stream.encode(frame))
        except _av_errors() as exc:
            raise OSError(f"{self.path}: cannot write ({_one_line(exc)})") from exc

    def close(self) -> Path:
        """Finish the output and move it to ``path``; return ``path``.

        Raises
        ------
        FileExistsError
            ``path`` appeared meanwhile and ``overwrite`` is False (the
            frames written are removed).
        ValueError
            No frame was written (nothing is left behind).
        """
        if self._closed:
            return self.path
        self._closed = True
        with self._stack:
            if self.frames_written == 0:
                raise ValueError(f"{self.path}: no frame was written; nothing saved.")
            if self._kind == "folder":
                self._place_folder()
            else:
                try:
                    self._container.mux(self._stream.encode(None))  # flush
                    container, self._container = self._container, None
                    container.close()
                except _av_errors() as exc:
                    raise OSError(
                        f"{self.path}: cannot write ({_one_line(exc)})"
                    ) from exc
                _place_file(self._tmp, self.path, self.overwrite)
        return self.path

    def abort(self) -> None:
        """Stop writing and remove the temporary output; ``path`` is untouched."""
        if not self._closed:
            self._closed = True
            self._stack.close()

    def _place_folder(self):
        tmp, folder = self._tmp, self.path
        if not folder.exists():
            try:
                os.rename(tmp, folder)
                return
            except OSError:  # created meanwhile: merge below
                pass
        names = sorted(os.listdir(tmp))
        if not self.overwrite:
            conflicts = [n for n in names if os.path.lexists(folder / n)]
            if conflicts:
                raise _exists_error(folder / conflicts[0], "output frame")
        folder.mkdir(exist_ok=True)
        for name in names:
            _place_file(tmp / name, folder / name, self.overwrite)


def _place_file(tmp, path, overwrite):
    """Rename ``tmp`` onto ``path``; without ``overwrite`` never replace it."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError:  # no hard links here: check, then rename
        if os.path.lexists(path):
            raise _exists_error(path) from None
        os.replace(tmp, path)
    else:
        os.remove(tmp)


def _check_size(size):
    try:
        width, height = size
    except (TypeError, ValueError):
        raise TypeError(f"size must be (width, height), got {size!r}.") from None
    for value in (width, height):
        if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
            raise TypeError(f"size must be two positive ints, got {size!r}.")
        if value < 1:
            raise ValueError(f"size must be two positive ints, got {size!r}.")
    return int(width), int(height)


def _check_names(names):
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise TypeError(f"names must be a sequence of file names, got {names!r}.")
    names = [str(n) for n in names]
    for name in names:
        if (
            Path(name).name != name
            or Path(name).suffix.lower() not in IMAGE_SUFFIXES
            or name.startswith(".")
        ):
            raise ValueError(
                f"names: {name!r} is not an image file name (no folder, an image "
                "extension, not hidden)."
            )
    return names


def _check_quality(quality):
    if isinstance(quality, bool) or not isinstance(quality, Integral):
        raise ValueError(f"quality must be an int from 1 to 100, got {quality!r}.")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be an int from 1 to 100, got {quality!r}.")
    return int(quality)


def _check_encoding(crf, preset, pix_fmt):
    if crf is not None:
        if isinstance(crf, bool) or not isinstance(crf, (Integral, np.integer)):
            raise TypeError(f"crf must be an int (lower is better), got {crf!r}.")
        if not 0 <= crf <= 63:
            raise ValueError(
                f"crf must be from 0 to 51 (H.264) or 63 (VP9), got {crf}."
            )
        crf = int(crf)
    if preset not in _X264_PRESETS:
        raise ValueError(
            f"preset must be one of {', '.join(_X264_PRESETS)}; got {preset!r}."
        )
    if pix_fmt not in _PIX_FMTS:
        raise ValueError(
            f"pix_fmt must be one of {', '.join(_PIX_FMTS)}; got {pix_fmt!r}."
        )
    return crf, preset, pix_fmt


# -- colorizing ------------------------------------------------------------------


@dataclass
class VideoSummary:
    """What :func:`colorize_video` did.

    Attributes
    ----------
    output : pathlib.Path
        The video file or folder written.
    frames : int
        Frames written.
    seconds : float
        Wall time of the call, opening the source included.
    frame_rate : fractions.Fraction
        The output's frames per second (of film).
    size : tuple of int
        ``(width, height)``.
    stage_seconds : dict of str to float
        Working time of each stage, ``'decode'`` (reading and converting
        to grey), ``'colorize'`` (the caller's function) and ``'encode'``
        (writing): they run in three threads, so ``seconds`` approaches the
        largest of them rather than their sum.
    notes : list of str
        What was written otherwise than read or asked: the source's sound
        left out, a pixel format changed.
    frames_per_second : float
        Frames written per second of wall time (a property).

    Examples
    --------
    >>> from pathlib import Path
    >>> from somcolor.video import VideoSummary
    >>> print(VideoSummary(Path("film.mp4"), frames=50, seconds=2.0))
    50 frames in 2.0 s (25.0 frames/s) to film.mp4
    """

    output: Path
    frames: int = 0
    seconds: float = 0.0
    frame_rate: Fraction = FOLDER_FPS
    size: tuple = (0, 0)
    stage_seconds: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def frames_per_second(self) -> float:
        """Frames written per second of wall time."""
        return self.frames / self.seconds if self.seconds > 0 else float("inf")

    def __str__(self) -> str:
        return (
            f"{self.frames} frames in {self.seconds:.1f} s "
            f"({self.frames_per_second:.1f} frames/s) to {self.output}"
        )


class _ArraySource:
    """Frames given as an iterable of arrays, read like a :class:`VideoReader`."""

    is_folder = False
    names = None

    def __init__(self, frames, fps):
        self._frames = frames
        self.fps = FOLDER_FPS if fps is None else fps
        self.size = None
        self.n_frames = len(frames) if hasattr(frames, "__len__") else None
        self.path = None

    def frames(self, *, grey=False, prefetch=_QUEUE_FRAMES, _busy=None):
        def produce():
            for index, frame in enumerate(self._frames):
                frame = _frame_from_array(frame, index)
                yield grey_levels(frame) if grey else frame

        return _prefetched(produce, prefetch, [0.0] if _busy is None else _busy)


def _same_path(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _own_uint8(colour, index, shape):
    """``colorize_frame``'s result, checked, as a new uint8 array.

    A copy of its own, made before the frame is queued: a colorizer may
    reuse one output buffer from frame to frame while the writing thread
    still encodes the last (and uint8 takes an eighth of float64's memory).
    """
    array = np.asarray(colour)
    if array.shape != (*shape, 3):
        raise ValueError(
            f"colorize_frame returned shape {array.shape} for frame {index}; "
            f"expected an RGB frame of shape {(*shape, 3)}."
        )
    if array.dtype != np.uint8 and array.dtype.kind != "f":
        raise TypeError(
            f"colorize_frame returned dtype {array.dtype} for frame {index}; "
            "expected float RGB in [0, 1] (or uint8)."
        )
    return array.copy() if array.dtype == np.uint8 else _unit_to_uint8(array)


class _Encoder:
    """The writing stage of :func:`colorize_video`: a thread and its queue."""

    def __init__(self, writer):
        self.writer = writer
        self.queue = queue.Queue(maxsize=_QUEUE_FRAMES)
        self.error = None
        self.busy = 0.0
        self.thread = threading.Thread(
            target=self._work, name="somcolor-video-write", daemon=True
        )
        self.thread.start()

    def _work(self):
        while True:
            frame = self.queue.get()
            if frame is None:
                return
            if self.error is not None:
                continue  # drain: the main thread stops on the error
            start = time.perf_counter()
            try:
                self.writer.write(frame)
            except BaseException as exc:  # noqa: BLE001 - raised in the caller
                self.error = exc
            del frame
            self.busy += time.perf_counter() - start

    def put(self, frame):
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.queue.put(frame, timeout=0.05)
                return
            except queue.Full:
                if not self.thread.is_alive():  # pragma: no cover - defensive
                    raise RuntimeError("the writing thread stopped") from None

    def finish(self):
        """Wait for the frames queued to be written; raise a writing error."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self):
        """Drop what is queued and stop the thread (after an error)."""
        with contextlib.suppress(queue.Empty):
            while True:
                self.queue.get_nowait()
        self.error = self.error or RuntimeError("stopped")
        self.queue.put(None)
        self.thread.join()


def colorize_video(
    colorize_frame: Callable[[np.ndarray, int], np.ndarray],
    source: "str | os.PathLike | VideoReader | Iterable[np.ndarray]",
    output: "str | os.PathLike",
    *,
    overwrite: bool = False,
    fps: "float | Fraction | None" = None,
    crf: int | None = None,
    preset: str = DEFAULT_PRESET,
    pix_fmt: str = DEFAULT_PIX_FMT,
    quality: int = DEFAULT_QUALITY,
    verbose: int = 0,
) -> VideoSummary:
    """Colorize a video frame by frame, streaming from ``source`` to ``output``.

    Three threads overlap: one decodes ``source`` and makes each frame grey,
    this one calls ``colorize_frame`` on each in order, one encodes and
    writes the results, with at most two frames waiting between stages (so
    about eight frames in memory at any time, plus what the encoder keeps
    for its look-ahead, whatever the length of the film). Decoding and
    encoding in FFmpeg, and somcolor's compiled kernels, release the GIL,
    so throughput approaches that of the slowest stage.

    Parameters
    ----------
    colorize_frame : callable
        ``colorize_frame(grey, index) -> rgb``, called once per frame in
        playing order (so it may keep state from frame to frame, such as a
        temporal smoothing), always from the calling thread. ``grey`` is a
        uint8 ``(height, width)`` array of grey levels with the frame's CIE
        lightness (:func:`grey_levels`; the same as
        ``somcolor.to_grey`` rounded to 8 bits), ``index`` counts from 0;
        ``rgb`` is ``(height, width, 3)``, float in [0, 1] or uint8, and
        is copied (as uint8) before the next call, so the function may
        reuse one output buffer.
        A fitted :class:`somcolor.ColorizerPipeline` ``model`` gives
        ``lambda grey, index: model.predict([grey])[0]``.
    source : str, path-like, VideoReader or iterable of ndarray
        A video file or a folder of numbered frames (see :func:`open_video`),
        or frames as uint8 or float arrays (RGB or grey, one size).
    output : str or path-like
        A video file (``.mp4``, ``.m4v``, ``.mov``, ``.mkv``: H.264;
        ``.webm``: VP9) or a folder (an existing one, or a path without
        extension), which receives one image per frame: the source
        folder's file names (and so formats), or ``00000.png``, ... for
        other sources. Written to a hidden temporary sibling and renamed
        when complete: an error or an interruption leaves nothing.
    overwrite : bool, default=False
        Replace an existing ``output`` (for a folder, frames of the same
        names). Otherwise it raises ``FileExistsError`` before anything is
        decoded.
    fps : float or fractions.Fraction, optional
        Frame rate of the output. Default: the source's (a file's own
        rate; :data:`FOLDER_FPS`, 25, for frames from a folder or arrays).
    crf, preset, pix_fmt
        Encoding of a video file: quality, speed, chroma subsampling (see
        :class:`VideoWriter`).
    quality : int in [1, 100], default=95
        Quality of JPEG and WebP frames written to a folder.
    verbose : int, default=0
        A progress bar in frames (stderr) when positive.

    Returns
    -------
    summary : VideoSummary
        Output, frames written, seconds, frames per second, and the working
        time of each stage.

    Raises
    ------
    FileNotFoundError
        No such source.
    FileExistsError
        ``output`` exists and ``overwrite`` is False.
    VideoFileError
        ``source`` cannot be read as a video (not a video, a frame that
        does not decode, frames of different sizes, a folder with no
        frames); the message names the file.
    ValueError, TypeError
        A bad argument (an unknown output extension, the output the same as
        the source), or ``colorize_frame`` returned a frame of the wrong
        shape or type; the message names it.

    Notes
    -----
    Sound is not copied (somcolor writes the picture only; the summary's
    notes say so when the source has some); frames are written at a
    constant rate, the source's average.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skimage import data
    >>> from somcolor import ColorizerPipeline, colorize_video
    >>> photo = data.astronaut()[::8, ::8]  # 64 x 64
    >>> model = ColorizerPipeline(pixels_per_image=2000, random_state=0)
    >>> model = model.fit([photo])
    >>> frames = [np.roll(photo, 4 * k, axis=1) for k in range(10)]  # a pan
    >>> out = os.path.join(tempfile.mkdtemp(), "pan.mp4")
    >>> summary = colorize_video(
    ...     lambda grey, index: model.predict([grey])[0], frames, out
    ... )
    >>> summary.frames, summary.size, summary.frame_rate
    (10, (64, 64), Fraction(25, 1))
    """
    start = time.perf_counter()
    if not callable(colorize_frame):
        raise TypeError(
            "colorize_frame must be a callable colorize_frame(grey, index) -> rgb, "
            f"got {type(colorize_frame).__name__}."
        )
    if fps is not None:
        fps = _check_fps(fps)
    kind = _output_kind(output)
    if kind != "folder":
        _check_encoding(crf, preset, pix_fmt)
    _check_quality(quality)
    output = Path(output)
    if kind != "folder" and os.path.lexists(output) and not overwrite:
        raise _exists_error(output)  # before decoding anything

    if isinstance(source, VideoReader):
        reader = source
    elif isinstance(source, (str, os.PathLike)):
        reader = open_video(source)
    elif isinstance(source, Iterable) and not isinstance(source, (bytes, np.ndarray)):
        reader = _ArraySource(source, fps)
    else:
        raise TypeError(
            "source must be a video file, a folder of frames or an iterable of "
            f"frames (arrays), got {type(source).__name__}."
        )
    if reader.path is not None and _same_path(reader.path, output):
        raise ValueError(
            f"output {str(output)!r} is the source: colorized frames would replace "
            "the originals; choose another output."
        )
    names = reader.names if (kind == "folder" and reader.is_folder) else None
    if kind == "folder" and names is None and reader.n_frames is not None:
        digits = max(5, len(str(reader.n_frames - 1)))
        names = [f"{k:0{digits}d}.png" for k in range(reader.n_frames)]
    if kind == "folder" and not overwrite:
        conflicts = _folder_conflicts(output, names)
        if conflicts:
            raise _exists_error(output / conflicts[0], "output frame")
    frame_rate = fps if fps is not None else reader.fps
    notes = []
    if getattr(reader, "has_audio", False):
        notes.append(
            "the source's sound is not copied: somcolor writes the picture only"
        )

    decode_busy = [0.0]
    colorize_busy = 0.0
    writer = encoder = None
    frames = reader.frames(grey=True, _busy=decode_busy)
    expected = getattr(reader, "_expected_frames", lambda: reader.n_frames)()
    bar = progress(total=expected, verbose=verbose, desc="colorizing", unit="frame")
    try:
        for index, grey in enumerate(frames):
            if writer is None:
                size = (grey.shape[1], grey.shape[0])
                writer = VideoWriter(
                    output,
                    frame_rate,
                    size,
                    overwrite=overwrite,
                    crf=crf,
                    preset=preset,
                    pix_fmt=pix_fmt,
                    names=names,
                    quality=quality,
                )
                if writer.pix_fmt is not None and writer.pix_fmt != pix_fmt:
                    notes.append(
                        f"written {writer.pix_fmt}, not {pix_fmt}: H.264 needs an "
                        f"even width and height for {pix_fmt}, and the frames are "
                        f"{size[0]}x{size[1]}"
                    )
                encoder = _Encoder(writer)
            elif grey.shape != (writer.size[1], writer.size[0]):
                raise ValueError(
                    f"source frame {index} is {grey.shape[1]}x{grey.shape[0]}, not "
                    f"{writer.size[0]}x{writer.size[1]} like the first."
                )
            began = time.perf_counter()
            colour = colorize_frame(grey, index)
            colorize_busy += time.perf_counter() - began
            colour = _own_uint8(colour, index, grey.shape)
            del grey
            encoder.put(colour)
            del colour
            bar.update(1)
        if writer is None:
            raise VideoFileError(f"{reader.path or 'source'}: has no frames.")
        encoder.finish()
        encode_busy, encoder = encoder.busy, None
        writer.close()
    except BaseException:
        frames.close()
        if encoder is not None:
            encoder.stop()
        if writer is not None:
            writer.abort()
        raise
    finally:
        bar.close()
    return VideoSummary(
        output=output,
        frames=writer.frames_written,
        seconds=time.perf_counter() - start,
        frame_rate=frame_rate,
        size=writer.size,
        stage_seconds={
            "decode": decode_busy[0],
            "colorize": colorize_busy,
            "encode": encode_busy,
        },
        notes=notes,
    )
