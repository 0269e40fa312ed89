"""somcolor.video: video files and folders of frames, read, written, colorized.

Folders of frames need nothing beyond somcolor; the tests of video files
need PyAV (``pip install "somcolor[video]"``) and are skipped, with that
reason, without it. Every video here is generated in ``tmp_path``: small
frames (64x48 and so on), a few dozen at most.
"""

import os
import sys
import threading
import weakref
from fractions import Fraction

import numpy as np
import pytest

from somcolor import to_grey
from somcolor._files import ImageFileError, write_image
from somcolor.video import (
    VideoFileError,
    VideoWriter,
    colorize_video,
    grey_levels,
    open_video,
    read_frames,
)

H, W = 48, 64


@pytest.fixture
def av():
    return pytest.importorskip(
        "av", reason='video files need PyAV: pip install "somcolor[video]"'
    )


def synthetic_frames(n, height=H, width=W, start=0):
    """Smooth colour frames that change from one to the next (uint8 RGB)."""
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    frames = []
    for k in range(start, start + n):
        t = k / 10
        r = 0.5 + 0.4 * np.sin(2 * np.pi * (x + t))
        g = 0.5 + 0.4 * np.cos(2 * np.pi * (y - t))
        b = 0.5 + 0.4 * np.sin(2 * np.pi * (x + y) / 2)
        rgb = np.stack([r, g, b], axis=-1)
        frames.append(np.round(rgb * 255).astype(np.uint8))
    return frames


def write_video(path, frames, fps=25, **options):
    with VideoWriter(path, fps, frames[0].shape[1::-1], **options) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def write_folder(folder, frames, names):
    folder.mkdir(exist_ok=True)
    for frame, name in zip(frames, names):
        assert write_image(folder / name, frame)
    return folder


def to_rgb(grey, index):
    """A trivial colorizer: the grey frame as RGB floats."""
    return np.repeat(grey[..., None], 3, axis=2) / 255.0


def one_line(excinfo):
    text = str(excinfo.value)
    assert "\n" not in text
    return text


def leftovers(folder, *keep):
    """Entries of ``folder`` other than ``keep`` (temporary files included)."""
    return sorted(set(os.listdir(folder)) - set(keep))


# -- grey levels ----------------------------------------------------------------


def test_grey_levels_match_to_grey_rounded():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(400, 500, 3), dtype=np.uint8)
    expected = np.round(to_grey([rgb])[0] * 255).astype(np.uint8)
    got = grey_levels(rgb)
    assert got.dtype == np.uint8 and got.shape == (400, 500)
    difference = np.abs(got.astype(int) - expected)
    assert difference.max() <= 1
    assert np.mean(difference > 0) < 1e-3


def test_grey_levels_keep_grey_frames():
    levels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(grey_levels(np.dstack([levels] * 3)), levels)
    assert grey_levels(levels) is levels


def test_grey_levels_refuse_other_arrays():
    with pytest.raises(TypeError, match="uint8"):
        grey_levels(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match="shape"):
        grey_levels(np.zeros((4, 4, 4), np.uint8))


# -- video files: round trips ------------------------------------------------------


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".mov", ".webm", ".m4v"])
def test_round_trip_keeps_rate_size_count_and_colours(av, tmp_path, suffix):
    frames = synthetic_frames(12)
    path = write_video(tmp_path / f"film{suffix}", frames, fps=Fraction(30000, 1001))
    assert leftovers(tmp_path) == [path.name]
    video = open_video(path)
    assert video.fps == Fraction(30000, 1001)
    assert video.size == (W, H)
    assert video.n_frames in (12, None)  # mkv and webm do not store a count
    assert video.codec == ("vp9" if suffix == ".webm" else "h264")
    assert not video.is_folder and video.names is None
    read = list(video)
    assert len(read) == 12
    for written, got in zip(frames, read):
        assert got.dtype == np.uint8 and got.shape == (H, W, 3)
        error = np.abs(got.astype(int) - written)
        # crf 18 (32 for VP9) and 4:2:0 on tiny frames: 4:2:0 alone costs
        # 2.5 levels here (a wrong YUV matrix 10 to 40: see below).
        assert error.mean() < 5.0, error.mean()
    assert list(video)[3].tolist() == read[3].tolist()  # iterate again


@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_a_file_with_a_display_matrix_is_read_as_players_show_it(
    av, tmp_path, rotation
):
    path = tmp_path / "phone.mp4"
    stored = np.zeros((H, W, 3), np.uint8)
    stored[: H // 4] = 220  # a light band along the stored top
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        if not hasattr(stream, "set_display_rotation"):
            pytest.skip("writing a display matrix needs a newer PyAV")
        stream.set_display_rotation(rotation)  # degrees counter-clockwise
        for _ in range(3):
            frame = av.VideoFrame.from_ndarray(stored, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    # FFmpeg's player turns it by the matrix's angle: -90 (a phone filmed
    # upright) a quarter clockwise, so the stored top is then on the right.
    expected = np.rot90(stored, rotation // 90)
    video = open_video(path)
    assert video.size == expected.shape[1::-1]
    frames = list(video)
    assert len(frames) == 3
    for frame in frames:
        assert frame.shape == expected.shape
        assert np.abs(frame.astype(int) - expected).mean() < 5.0
    colorize_video(to_rgb, path, tmp_path / "out.mp4")  # written upright
    out = open_video(tmp_path / "out.mp4")
    assert out.size == video.size
    assert np.abs(next(iter(out)).astype(int) - expected).mean() < 5.0


@pytest.mark.parametrize("fps", [24, 25.0, Fraction(24000, 1001), 60])
def test_frame_rate_is_kept(av, tmp_path, fps):
    path = write_video(tmp_path / "film.mp4", synthetic_frames(3), fps=fps)
    assert open_video(path).fps == Fraction(str(fps))


def test_lossless_444_round_trip_is_within_rounding(av, tmp_path):
    frames = synthetic_frames(4)
    path = write_video(tmp_path / "film.mkv", frames, crf=0, pix_fmt="yuv444p")
    for written, got in zip(frames, open_video(path)):
        # Only 8-bit limited-range YUV stands between RGB and RGB.
        assert np.abs(got.astype(int) - written).max() <= 3


@pytest.mark.parametrize("height", [48, 720])
def test_colours_survive_the_yuv_matrix(av, tmp_path, height):
    # Saturated flat colours: read with another matrix than written they
    # would be 10 to 40 levels off. Below 720 lines somcolor writes BT.601,
    # from 720 BT.709, and says so in the file; the reader follows the tags.
    colours = [(220, 30, 30), (30, 200, 40), (40, 40, 220), (230, 200, 20)]
    width = 64 if height < 720 else 1280
    frames = [np.full((height, width, 3), c, np.uint8) for c in colours]
    path = write_video(tmp_path / "flat.mp4", frames, crf=0, pix_fmt="yuv444p")
    with av.open(str(path)) as container:
        context = container.streams.video[0].codec_context
        assert context.colorspace == (1 if height >= 720 else 6)
    for colour, got in zip(colours, open_video(path)):
        assert np.abs(got[4:-4, 4:-4].astype(int) - colour).max() <= 3


def test_reads_untagged_and_foreign_files(av, tmp_path):
    # Written by PyAV alone, as other programs write: no colour tags (the
    # reader assumes BT.601 below 720 lines), another codec and container.
    colour = (200, 60, 40)
    frames = [np.full((H, W, 3), colour, np.uint8)] * 6
    for name, codec, pix_fmt in [
        ("plain.avi", "mpeg4", "yuv420p"),
        ("plain.mp4", "libx264", "yuv420p"),
    ]:
        with av.open(str(tmp_path / name), "w") as container:
            stream = container.add_stream(codec, rate=30)
            stream.width, stream.height, stream.pix_fmt = W, H, pix_fmt
            for frame in frames:
                vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
                container.mux(stream.encode(vf))
            container.mux(stream.encode(None))
        video = open_video(tmp_path / name)
        assert video.size == (W, H) and video.fps == 30
        read = list(video)
        assert len(read) == 6
        assert np.abs(read[2][8:-8, 8:-8].astype(int) - colour).max() <= 6


def test_grey_video_is_read_grey(av, tmp_path):
    levels = np.tile(np.arange(W, dtype=np.uint8) * 4, (H, 1))
    path = tmp_path / "grey.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("ffv1", rate=25)  # lossless, grey
        stream.width, stream.height, stream.pix_fmt = W, H, "gray"
        for k in range(3):
            frame = av.VideoFrame.from_ndarray(levels + k, format="gray")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    video = open_video(path)
    assert video.grey
    read = list(video)
    assert [f.shape for f in read] == [(H, W)] * 3
    assert all(np.array_equal(f, levels + k) for k, f in enumerate(read))


def test_odd_sizes(av, tmp_path):
    frames = synthetic_frames(3, height=47, width=63)
    summary = colorize_video(to_rgb, frames, tmp_path / "odd.mp4")
    assert "yuv444p" in summary.notes[0]
    assert open_video(tmp_path / "odd.mp4").size == (63, 47)
    summary = colorize_video(to_rgb, frames, tmp_path / "odd.webm")
    assert summary.notes == []  # VP9 has odd 4:2:0 sizes
    assert len(list(open_video(tmp_path / "odd.webm"))) == 3


# -- folders of frames -----------------------------------------------------------


def test_folder_of_sideways_phone_frames_is_played_upright(tmp_path):
    # Stored turned a quarter, with the EXIF orientation (6) to show upright.
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    upright = np.zeros((H, W, 3), np.uint8)
    upright[: H // 4] = 200  # a light top
    for k in range(3):
        picture = Image.fromarray(np.ascontiguousarray(np.rot90(upright, 1)))
        exif = picture.getexif()
        exif[274] = 6
        picture.save(folder / f"frame_{k}.jpg", exif=exif, quality=100)
    video = open_video(folder)
    assert video.size == (W, H)
    frames = list(video)
    assert all(frame.shape[:2] == (H, W) for frame in frames)
    assert frames[0][: H // 4].mean() > frames[0][H // 2 :].mean() + 100
    colorize_video(to_rgb, folder, tmp_path / "out")
    assert open_video(tmp_path / "out").size == (W, H)


def test_folder_is_played_in_numeric_order_and_names_are_kept(tmp_path):
    names = ["frame_10.png", "frame_2.png", "frame_1.png", "frame_33.png"]
    order = [2, 1, 0, 3]  # frame_1, frame_2, frame_10, frame_33
    frames = [np.full((H, W, 3), 10 * (k + 1), np.uint8) for k in range(4)]
    source = write_folder(tmp_path / "in", frames, names)
    (source / "notes.txt").write_text("not a frame")  # ignored
    (source / ".frame_5.png.part").write_text("a temporary file")  # ignored
    video = open_video(source)
    assert video.is_folder and video.n_frames == 4 and video.fps == 25
    assert video.names == ["frame_1.png", "frame_2.png", "frame_10.png", "frame_33.png"]
    seen = []

    def colorize(grey, index):
        seen.append((index, int(grey[0, 0])))
        return to_rgb(grey, index)

    summary = colorize_video(colorize, source, tmp_path / "out")
    assert seen == [(i, 10 * (order[i] + 1)) for i in range(4)]
    assert sorted(os.listdir(tmp_path / "out")) == sorted(names)
    assert summary.frames == 4 and summary.output == tmp_path / "out"
    assert leftovers(tmp_path, "in") == ["out"]
    out = open_video(tmp_path / "out")
    assert out.names == video.names
    assert [int(f[0, 0, 0]) for f in out] == [v for _, v in seen]


def test_folder_keeps_formats_and_reads_grey_and_deep_frames(tmp_path):
    grey = np.tile(np.arange(W, dtype=np.uint8) * 4, (H, 1))
    source = write_folder(tmp_path / "in", [grey, grey], ["00000.png", "00001.png"])
    video = open_video(source)
    assert video.grey and [f.shape for f in video] == [(H, W)] * 2
    deep = (grey.astype(np.uint16) * 257)[..., None].repeat(3, axis=2)
    deep_folder = write_folder(tmp_path / "deep", [deep], ["0.tif"])
    (frame,) = list(open_video(deep_folder))
    assert frame.dtype == np.uint8 and np.array_equal(frame[..., 0], grey)
    jpegs = write_folder(tmp_path / "jpegs", synthetic_frames(2), ["0.jpg", "1.jpg"])
    colorize_video(to_rgb, jpegs, tmp_path / "out")
    assert sorted(os.listdir(tmp_path / "out")) == ["0.jpg", "1.jpg"]


def test_folder_frame_rate(tmp_path):
    source = write_folder(tmp_path / "in", synthetic_frames(2), ["1.png", "2.png"])
    assert open_video(source, fps=12.5).fps == Fraction(25, 2)


def test_video_file_to_folder_and_back(av, tmp_path):
    path = write_video(tmp_path / "film.mp4", synthetic_frames(11), fps=30)
    summary = colorize_video(to_rgb, path, tmp_path / "frames")
    names = sorted(os.listdir(tmp_path / "frames"))
    assert names == [f"{k:05d}.png" for k in range(11)]
    assert summary.frame_rate == 30
    summary = colorize_video(to_rgb, tmp_path / "frames", tmp_path / "again.mp4")
    assert summary.frame_rate == 25  # a folder stores no rate
    summary = colorize_video(to_rgb, tmp_path / "frames", tmp_path / "b.mp4", fps=30)
    assert open_video(tmp_path / "b.mp4").fps == 30


@pytest.mark.parametrize(
    "names, message",
    [
        (["00000.png", "cover.png"], "cover.png has no frame number"),
        (["frame_1.png", "frame_01.png"], "same frame number"),
        (["a_1.png", "b_2.png"], "two sequences"),
    ],
)
def test_folder_of_unclear_frames_is_refused(tmp_path, names, message):
    source = write_folder(tmp_path / "in", synthetic_frames(len(names)), names)
    with pytest.raises(VideoFileError, match=message) as excinfo:
        open_video(source)
    assert one_line(excinfo).startswith(str(source))


def test_empty_folder_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("no frames here")
    with pytest.raises(VideoFileError, match="no image files") as excinfo:
        colorize_video(to_rgb, tmp_path / "in", tmp_path / "out")
    one_line(excinfo)
    assert leftovers(tmp_path) == ["in"]


def test_frames_of_different_sizes_are_refused_before_anything_is_written(tmp_path):
    frames = synthetic_frames(3) + synthetic_frames(1, height=H + 2)
    source = write_folder(tmp_path / "in", frames, [f"{k}.png" for k in range(4)])
    with pytest.raises(VideoFileError, match="different sizes") as excinfo:
        colorize_video(to_rgb, source, tmp_path / "out")
    assert "0.png is 64x48, 3.png is 64x50" in one_line(excinfo)
    assert leftovers(tmp_path) == ["in"]


def test_arrays_of_different_sizes_are_refused(tmp_path):
    frames = synthetic_frames(2) + synthetic_frames(1, width=W + 2)
    with pytest.raises(ValueError, match="source frame 2 is 66x48") as excinfo:
        colorize_video(to_rgb, frames, tmp_path / "out")
    one_line(excinfo)
    assert leftovers(tmp_path) == []


def test_broken_frame_in_a_folder_leaves_nothing(tmp_path):
    source = write_folder(tmp_path / "in", synthetic_frames(3), ["0.png", "1.png"])
    (source / "2.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ImageFileError, match="2.png") as excinfo:
        colorize_video(to_rgb, source, tmp_path / "out")
    one_line(excinfo)
    assert leftovers(tmp_path) == ["in"]


# -- keyframes ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_read_frames_by_number(av, tmp_path, suffix):
    path = write_video(tmp_path / f"film{suffix}", synthetic_frames(20))
    every = list(open_video(path))
    got = read_frames(path, [7, 0, 7, 19])
    assert [f.shape for f in got] == [(H, W, 3)] * 4
    for frame, index in zip(got, [7, 0, 7, 19]):
        assert np.array_equal(frame, every[index])
    (grey,) = read_frames(path, 3, grey=True)
    assert np.array_equal(grey, grey_levels(every[3]))
    assert read_frames(path, []) == []


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_read_frames_past_the_end(av, tmp_path, suffix):
    path = write_video(tmp_path / f"film{suffix}", synthetic_frames(20))
    with pytest.raises(ValueError, match="frame 20 is past the end") as excinfo:
        read_frames(path, [0, 20])
    assert "20 frames, numbered 0 to 19" in one_line(excinfo)


def test_read_frames_of_a_folder_by_position(tmp_path):
    frames = [np.full((H, W, 3), 10 * k, np.uint8) for k in range(3)]
    source = write_folder(tmp_path / "in", frames, ["f_1.png", "f_2.png", "f_10.png"])
    assert [int(f[0, 0, 0]) for f in read_frames(source, [2, 0])] == [20, 0]
    with pytest.raises(ValueError, match="past the end .*3 frames"):
        read_frames(source, 3)
    with pytest.raises(ValueError, match="count from 0"):
        read_frames(source, [-1])
    with pytest.raises(TypeError, match="frame numbers"):
        read_frames(source, "0,2")
    with pytest.raises(TypeError, match="frame numbers"):
        read_frames(source, [True])


# -- streaming -------------------------------------------------------------------


class Census:
    """Counts the arrays of one kind alive at once (freed ones are dropped)."""

    def __init__(self):
        self.alive = 0
        self.peak = 0
        self.lock = threading.Lock()

    def track(self, array):
        with self.lock:
            self.alive += 1
            self.peak = max(self.peak, self.alive)
        weakref.finalize(array, self._freed)
        return array

    def _freed(self):
        with self.lock:
            self.alive -= 1


@pytest.mark.parametrize("output", ["film.mkv", "frames"])
def test_a_few_frames_exist_at_once_and_frames_come_in_order(tmp_path, output, av):
    n = 120
    made, greys, colours = Census(), Census(), Census()
    calls = []

    def source():
        for k in range(n):
            yield made.track(synthetic_frames(1, start=k)[0])

    def colorize(grey, index):
        calls.append((index, threading.current_thread() is threading.main_thread()))
        greys.track(grey)
        return colours.track(to_rgb(grey, index))

    summary = colorize_video(colorize, source(), tmp_path / output)
    assert summary.frames == n
    assert calls == [(k, True) for k in range(n)]
    # Two frames queued between stages, one in each stage's hands.
    assert made.peak <= 4 and greys.peak <= 5 and colours.peak <= 5
    assert made.peak + greys.peak + colours.peak <= 12
    assert made.alive == greys.alive == colours.alive == 0


def test_summary_and_progress_bar(tmp_path, capsys, av):
    path = write_video(tmp_path / "film.mp4", synthetic_frames(8))
    summary = colorize_video(to_rgb, path, tmp_path / "out.mp4", verbose=1)
    assert "frame" in capsys.readouterr().err
    assert summary.frames == 8 and summary.size == (W, H)
    assert summary.frame_rate == 25 and summary.seconds > 0
    assert summary.frames_per_second == pytest.approx(8 / summary.seconds)
    assert set(summary.stage_seconds) == {"decode", "colorize", "encode"}
    assert str(summary).startswith("8 frames in ")


def test_colorize_frame_gets_grey_levels_of_the_frames(tmp_path):
    frames = synthetic_frames(3)
    got = []
    colorize_video(lambda g, i: got.append(g) or to_rgb(g, i), frames, tmp_path / "o")
    assert all(np.array_equal(g, grey_levels(f)) for g, f in zip(got, frames))


# -- all or nothing ------------------------------------------------------------------


class Stop(Exception):
    pass


@pytest.mark.parametrize("output", ["out.mp4", "out.webm", "out"])
@pytest.mark.parametrize("error", [Stop, KeyboardInterrupt])
def test_a_failure_midway_leaves_no_output(tmp_path, output, error, av):
    source = write_folder(
        tmp_path / "in", synthetic_frames(12), [f"{k}.png" for k in range(12)]
    )

    def colorize(grey, index):
        if index == 6:
            raise error("stop here")
        return to_rgb(grey, index)

    with pytest.raises(error):
        colorize_video(colorize, source, tmp_path / output)
    assert leftovers(tmp_path) == ["in"]
    # The reading and writing threads ended.
    assert not [t for t in threading.enumerate() if t.name.startswith("somcolor")]


def test_a_writing_error_leaves_no_output(tmp_path, monkeypatch, av):
    write = VideoWriter.write

    def failing(self, frame):
        if self.frames_written == 3:
            raise OSError("disk full")
        return write(self, frame)

    monkeypatch.setattr(VideoWriter, "write", failing)
    with pytest.raises(OSError, match="disk full"):
        colorize_video(to_rgb, synthetic_frames(10), tmp_path / "out.mp4")
    assert leftovers(tmp_path) == []


def test_a_bad_colorizer_result_is_named(tmp_path):
    frames = synthetic_frames(4)
    with pytest.raises(ValueError, match="colorize_frame returned shape") as excinfo:
        colorize_video(lambda g, i: g, frames, tmp_path / "out")
    assert "frame 0" in one_line(excinfo)
    with pytest.raises(TypeError, match="dtype int64"):
        colorize_video(
            lambda g, i: np.zeros((H, W, 3), np.int64), frames, tmp_path / "o"
        )
    assert leftovers(tmp_path) == []


def test_existing_output_is_kept_unless_overwrite(tmp_path, av):
    frames = synthetic_frames(4)
    out = tmp_path / "out.mp4"
    out.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=True") as excinfo:
        colorize_video(to_rgb, frames, out)
    one_line(excinfo)
    assert out.read_bytes() == b"precious"
    colorize_video(to_rgb, frames, out, overwrite=True)
    assert open_video(out).n_frames == 4
    assert leftovers(tmp_path) == ["out.mp4"]


def test_existing_frames_are_kept_unless_overwrite(tmp_path):
    source = write_folder(
        tmp_path / "in", synthetic_frames(3), ["0.png", "1.png", "2.png"]
    )
    out = write_folder(tmp_path / "out", [np.zeros((2, 2, 3), np.uint8)], ["1.png"])
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="1.png"):
        colorize_video(to_rgb, source, out)
    assert sorted(os.listdir(out)) == ["1.png", "keep.txt"]
    colorize_video(to_rgb, source, out, overwrite=True)
    assert sorted(os.listdir(out)) == ["0.png", "1.png", "2.png", "keep.txt"]
    assert open_video(out).size == (W, H)
    assert leftovers(tmp_path, "in") == ["out"]
    # An existing folder without frames is a place to write to.
    (tmp_path / "empty").mkdir()
    colorize_video(to_rgb, source, tmp_path / "empty")
    assert len(os.listdir(tmp_path / "empty")) == 3


def test_writer_used_directly(tmp_path, av):
    path = tmp_path / "w.mp4"
    with pytest.raises(ValueError, match="no frame was written"):
        with VideoWriter(path, 25, (W, H)):
            pass
    with pytest.raises(RuntimeError):
        with VideoWriter(path, 25, (W, H)) as writer:
            writer.write(np.zeros((H, W), np.uint8))  # grey frames are fine
            raise RuntimeError
    with VideoWriter(path, 25, (W, H)) as writer:
        with pytest.raises(ValueError, match=r"frame 0 has shape \(48, 65, 3\)"):
            writer.write(np.zeros((H, W + 1, 3), np.uint8))
        writer.write(np.zeros((H, W), np.uint8))
        writer.write(np.full((H, W, 3), 0.5))
    assert writer.frames_written == 2 and writer.pix_fmt == "yuv420p"
    assert leftovers(tmp_path) == ["w.mp4"]


# -- bad input -----------------------------------------------------------------------


def test_not_a_video(tmp_path, av):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video at all")
    with pytest.raises(VideoFileError, match="not a readable video") as excinfo:
        colorize_video(to_rgb, path, tmp_path / "out.mp4")
    assert one_line(excinfo).startswith(str(path))
    assert "FFmpeg: invalid data" in str(excinfo.value)
    assert "Errno" not in str(excinfo.value)  # in our words, not the decoder's
    assert leftovers(tmp_path) == ["notes.mp4"]


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_truncated_video(tmp_path, av, suffix):
    path = write_video(tmp_path / f"film{suffix}", synthetic_frames(20))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    with pytest.raises(VideoFileError, match="truncated") as excinfo:
        colorize_video(to_rgb, path, tmp_path / "out.mp4")
    assert one_line(excinfo).startswith(str(path))
    assert leftovers(tmp_path) == [path.name]


def test_truncated_video_with_its_index_at_the_end(tmp_path, av):
    # As most programs write mp4: the index (moov) last, lost with the end.
    path = tmp_path / "cut.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for frame in synthetic_frames(20):
            vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
            container.mux(stream.encode(vf))
        container.mux(stream.encode(None))
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(VideoFileError, match="not a readable video") as excinfo:
        open_video(path)
    one_line(excinfo)


def test_an_image_or_nothing_is_not_a_video(tmp_path):
    write_image(tmp_path / "photo.png", synthetic_frames(1)[0])
    with pytest.raises(VideoFileError, match="is an image, not a video"):
        colorize_video(to_rgb, tmp_path / "photo.png", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        colorize_video(to_rgb, tmp_path / "missing.mp4", tmp_path / "out")
    assert leftovers(tmp_path) == ["photo.png"]


@pytest.mark.parametrize("name", ["out.avi", "out.png", "out.txt", "out.gif"])
def test_unknown_output_extension(tmp_path, name):
    with pytest.raises(ValueError, match="unknown video file extension") as excinfo:
        colorize_video(to_rgb, synthetic_frames(2), tmp_path / name)
    assert one_line(excinfo).startswith(f"output {str(tmp_path / name)!r}")
    assert leftovers(tmp_path) == []


def test_output_is_the_source(tmp_path):
    source = write_folder(tmp_path / "in", synthetic_frames(2), ["0.png", "1.png"])
    with pytest.raises(ValueError, match="is the source"):
        colorize_video(to_rgb, source, source, overwrite=True)


def test_output_folder_must_exist(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        colorize_video(to_rgb, synthetic_frames(2), tmp_path / "no" / "out.mp4")


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"crf": 70}, ValueError, "crf must be from 0"),
        ({"crf": 1.5}, TypeError, "crf must be an int"),
        ({"preset": "quick"}, ValueError, "preset must be one of"),
        ({"pix_fmt": "rgb24"}, ValueError, "pix_fmt must be one of"),
        ({"fps": 0}, ValueError, "fps must be a positive number"),
        ({"fps": True}, TypeError, "fps must be a positive number"),
        ({"quality": 0}, ValueError, "quality must be an int"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message) as excinfo:
        colorize_video(to_rgb, synthetic_frames(2), tmp_path / "out.mp4", **kwargs)
    one_line(excinfo)
    assert leftovers(tmp_path) == []


def test_bad_colorizer_and_source(tmp_path):
    with pytest.raises(TypeError, match="colorize_frame must be a callable"):
        colorize_video(None, synthetic_frames(2), tmp_path / "out")
    with pytest.raises(TypeError, match="source must be"):
        colorize_video(to_rgb, 3, tmp_path / "out")
    with pytest.raises(TypeError, match="source frame 0 has dtype"):
        colorize_video(to_rgb, [np.zeros((H, W), np.int32)], tmp_path / "out")
    with pytest.raises(VideoFileError, match="has no frames"):
        colorize_video(to_rgb, [], tmp_path / "out")
    assert leftovers(tmp_path) == []


def test_without_pyav_files_say_how_to_install_it_and_folders_work(
    tmp_path, monkeypatch
):
    source = write_folder(tmp_path / "in", synthetic_frames(2), ["0.png", "1.png"])
    (tmp_path / "film.mp4").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "av", None)  # import av raises ImportError
    with pytest.raises(ImportError, match=r'pip install "somcolor\[video\]"'):
        open_video(tmp_path / "film.mp4")
    with pytest.raises(ImportError, match=r'pip install "somcolor\[video\]"'):
        colorize_video(to_rgb, source, tmp_path / "out.mp4")
    assert colorize_video(to_rgb, source, tmp_path / "out").frames == 2
    assert leftovers(tmp_path, "in") == ["film.mp4", "out"]


def test_sound_is_left_out_and_said(av, tmp_path):
    path = tmp_path / "talkie.mkv"
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        audio = container.add_stream("aac", rate=44100)
        for k, frame in enumerate(synthetic_frames(10)):
            container.mux(video.encode(av.VideoFrame.from_ndarray(frame, "rgb24")))
            samples = np.zeros((1, 1764), np.float32)  # 1/25 s of silence
            sound = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            sound.sample_rate, sound.pts = 44100, k * 1764
            container.mux(audio.encode(sound))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    assert open_video(path).has_audio
    summary = colorize_video(to_rgb, path, tmp_path / "out.mp4")
    assert summary.frames == 10
    assert summary.notes == [
        "the source's sound is not copied: somcolor writes the picture only"
    ]
    assert not open_video(tmp_path / "out.mp4").has_audio


def test_fps_is_for_folders(av, tmp_path):
    path = write_video(tmp_path / "film.mp4", synthetic_frames(2))
    with pytest.raises(ValueError, match="fps applies to a folder"):
        open_video(path, fps=30)


def test_colorizer_may_reuse_its_output_buffer(tmp_path):
    buffer = np.empty((H, W, 3))

    def colorize(grey, index):
        buffer[...] = index / 20  # the same array every time
        return buffer

    colorize_video(colorize, synthetic_frames(12), tmp_path / "out")
    levels = [int(frame[0, 0, 0]) for frame in open_video(tmp_path / "out")]
    assert levels == [round(255 * k / 20) for k in range(12)]
