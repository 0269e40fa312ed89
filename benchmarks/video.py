"""Video files: decoding, encoding and the colorize_video loop at 854x480.

Run from the repository root::

    SOMCOLOR_DAVIS2016=../shared/data/davis2016 python -m benchmarks.video
    python -m benchmarks.video --quick --output /tmp/VIDEO.md      # < 1 min

Writes ``benchmarks/VIDEO.md``. Needs PyAV (``pip install ".[video]"``)
and, for the full run, the DAVIS 2016 frames (``--data`` or
``SOMCOLOR_DAVIS2016``); ``--quick`` runs every case on a few small
synthetic frames so that the script cannot rot (its figures mean nothing).
Cases (issue 20, items 3 and 4):

* decoding: a DAVIS sequence (854x480 JPEG frames) encoded once to H.264
  mp4 (somcolor's defaults), read by plain PyAV (the anchor: FFmpeg's
  threads, ``to_ndarray(format="rgb24")``), by :func:`somcolor.video.open_video`
  (RGB, and grey levels as :func:`~somcolor.video.colorize_video` takes
  them), and the JPEG folder itself;
* encoding: :class:`somcolor.video.VideoWriter` per libx264 preset, 4:2:0
  and 4:4:4, CRF 0 (lossless YUV: what the chroma subsampling alone costs),
  18 (somcolor's default) and 23 (x264's), and VP9: frames per second, size,
  and the mean CIEDE2000 of the decoded file against the frames written,
  both for the true colour frames and for a colorizer's output (the default
  pipeline fit on frame 0), since a colorizer's chroma, not the camera's,
  is what gets subsampled;
* the loop: :func:`~somcolor.video.colorize_video` from the mp4 to an mp4
  with a trivial colorizer (grey to RGB) and with that fitted model, next to
  the same three stages run one after the other in one thread, and the
  working time of each stage (the threaded loop cannot beat the slowest).

Every time is the median of the repeats, all in this one run.
"""

import argparse
import datetime
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from .run import cpu_model, fmt, table, versions

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DAVIS_ENV = "SOMCOLOR_DAVIS2016"
SEQUENCE = "cows"  # the longest of the ten: 104 frames
#: Frames scored with CIEDE2000 (every n-th; it costs 0.3 s a frame).
SCORE_EVERY = 8


def _median(fn, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def _frames(args):
    """(folder of JPEG frames, its RGB frames, label)."""
    from skimage import io as skio

    from somcolor._files import write_image

    data = args.data or os.environ.get(DAVIS_ENV)
    if data is None:
        default = ROOT.parent / "shared" / "data" / "davis2016"
        data = default if default.is_dir() else None
    if args.quick:
        folder = Path(tempfile.mkdtemp(prefix="somcolor-video-frames-"))
        y, x = np.mgrid[0:96, 0:128] / 128
        frames = []
        for k in range(12):
            rgb = np.stack(
                [0.5 + 0.4 * np.sin(6 * x + k / 3), 0.5 + 0.4 * np.cos(5 * y), x], -1
            )
            frames.append(np.round(rgb * 255).astype(np.uint8))
            write_image(folder / f"{k:05d}.jpg", frames[-1])
        return folder, frames, "12 synthetic 128x96 frames (quick mode)"
    if data is None or not (Path(data) / SEQUENCE).is_dir():
        raise SystemExit(
            f"The full benchmark needs the DAVIS 2016 frames: set {DAVIS_ENV} "
            "(../shared/data/davis2016) or pass --data."
        )
    folder = Path(data) / SEQUENCE
    files = sorted(folder.glob("*.jpg"))
    frames = [skio.imread(f) for f in files]
    h, w = frames[0].shape[:2]
    return folder, frames, f"DAVIS 2016 `{SEQUENCE}`, {len(frames)} frames of {w}x{h}"


def _colorizer(frames, name="photos"):
    """Fit on frame 0 with 20,000 pixels: the photos recipe (issue 20's
    "today"), or the paper's default pipeline."""
    from somcolor import ColorizerPipeline
    from somcolor.pretrained import recipe

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = recipe("photos") if name == "photos" else ColorizerPipeline()
        model.set_params(pixels_per_image=20000, random_state=0)
        model.fit([frames[0]])
    model.predict([np.zeros((8, 8), np.uint8)])  # compile / load the kernels
    return model


def _write(path, frames, **options):
    from somcolor.video import VideoWriter

    if os.path.exists(path):
        os.remove(path)
    h, w = frames[0].shape[:2]
    with VideoWriter(path, 25, (w, h), **options) as writer:
        for frame in frames:
            writer.write(frame)


# -- cases -------------------------------------------------------------------


def bench_decode(folder, mp4, n, repeat):
    import av

    from somcolor.video import open_video

    def plain_pyav():
        with av.open(str(mp4)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            return sum(
                1 for f in container.decode(stream) if f.to_ndarray(format="rgb24").size
            )

    def somcolor_rgb():
        return sum(1 for _ in open_video(mp4))

    def somcolor_grey():
        return sum(1 for _ in open_video(mp4).frames(grey=True))

    def folder_rgb():
        return sum(1 for _ in open_video(folder))

    cases = [
        ("plain PyAV: decode, `to_ndarray(format='rgb24')` (anchor)", plain_pyav),
        ("`open_video(mp4)`: RGB frames", somcolor_rgb),
        ("`open_video(mp4).frames(grey=True)`: grey levels", somcolor_grey),
        ("`open_video(folder)`: the JPEG frames", folder_rgb),
    ]
    times = {label: [] for label, _ in cases}
    for _ in range(3 * repeat):  # the cases alternate, to share the load
        for label, fn in cases:
            start = time.perf_counter()
            count = fn()
            times[label].append(time.perf_counter() - start)
            assert count == n, (label, count, n)
    rows, anchor = [], None
    for label, _ in cases:
        seconds = float(np.median(times[label]))
        anchor = anchor or seconds
        rows.append([label, fmt(n / seconds), fmt(anchor / seconds)])
    text = (
        f"{n} frames; median of {3 * repeat}, the readers alternating. "
        "`open_video` opens the file twice (it checks the first frame "
        "decodes when opened). Frames decoded ahead in a background "
        "thread (two at most), converted to RGB with the YUV matrix the file "
        "is tagged with.\n\n"
    )
    return text + table(["reader", "frames/s", "x anchor"], rows)


def _decoded(path):
    from somcolor.video import open_video

    return list(open_video(path))


def _score(written, path):
    from somcolor.metrics import mean_ciede2000

    decoded = _decoded(path)
    assert len(decoded) == len(written)
    picks = range(0, len(written), SCORE_EVERY)
    return mean_ciede2000([written[k] for k in picks], [decoded[k] for k in picks])


def bench_chroma(frames, colorized, tmp, repeat):
    from somcolor.metrics import mean_ciede2000
    from somcolor.video import DEFAULT_PRESET

    picks = range(0, len(frames), SCORE_EVERY)
    truth = [frames[k] for k in picks]
    unencoded = mean_ciede2000(truth, [colorized[k] for k in picks])
    rows, figures = [], {}
    for label, source in (("true", frames), ("colorized", colorized)):
        for pix_fmt, crf in [
            (p, c) for c in (0, 18, 23) for p in ("yuv420p", "yuv444p")
        ]:
            path = tmp / f"c-{pix_fmt}-{crf}.mp4"
            options = {"crf": crf, "pix_fmt": pix_fmt, "preset": DEFAULT_PRESET}
            seconds, _ = _median(
                lambda s=source, p=path, o=options: _write(p, s, **o), repeat
            )
            decoded = _decoded(path)
            decoded = [decoded[k] for k in picks]
            damage = mean_ciede2000([source[k] for k in picks], decoded)
            against_truth = mean_ciede2000(truth, decoded)
            kb = path.stat().st_size / 1024 / len(source)
            figures[(label, pix_fmt, crf)] = (len(source) / seconds, kb, damage)
            rows.append(
                [
                    label,
                    pix_fmt,
                    crf,
                    fmt(len(source) / seconds),
                    fmt(kb),
                    f"{damage:.3f}",
                    f"{against_truth:.3f}",
                ]
            )
    text = (
        f"libx264, preset `{DEFAULT_PRESET}`; median of {repeat} encodings (frames/s: "
        "`VideoWriter` from uint8 RGB frames, the RGB to YUV conversion "
        f"included); kB per frame; mean CIEDE2000 on every {SCORE_EVERY}th "
        "frame of the decoded file against the frames written (what encoding "
        "changed) and against the true colour frames. 'true': the sequence's "
        "colour frames; 'colorized': `somcolor.pretrained.recipe('photos')` "
        "with 20,000 pixels per image fit on frame 0, colouring every frame's "
        f"grey: {unencoded:.3f} from the truth before encoding. CRF 0 is "
        "lossless YUV: what 8-bit YUV and, in 4:2:0, the chroma subsampling "
        "cost alone.\n\n"
    )
    body = text + table(
        [
            "frames",
            "pix_fmt",
            "crf",
            "frames/s",
            "kB/frame",
            "CIEDE2000 to the frames written",
            "to the truth",
        ],
        rows,
    )
    lines = []
    for label in ("true", "colorized"):
        for crf in (0, 18):
            f420 = figures[(label, "yuv420p", crf)]
            f444 = figures[(label, "yuv444p", crf)]
            lines.append(
                f"- {label} frames, CRF {crf}: 4:2:0 adds "
                f"{f420[2] - f444[2]:.3f} CIEDE2000 to 4:4:4's "
                f"({f420[2]:.3f} against {f444[2]:.3f}); 4:4:4 encodes at "
                f"{f444[0] / f420[0]:.2f}x the speed of 4:2:0, in "
                f"{f444[1] / f420[1]:.2f}x the size."
            )
    return body + "\n\n" + "\n".join(lines)


def bench_presets(frames, tmp, repeat):
    rows = []
    for codec, preset in [
        ("libx264", "ultrafast"),
        ("libx264", "superfast"),
        ("libx264", "veryfast"),
        ("libx264", "faster"),
        ("libx264", "medium"),
        ("libvpx-vp9", "superfast"),
        ("libvpx-vp9", "veryfast"),
        ("libvpx-vp9", "medium"),
    ]:
        suffix = ".webm" if codec == "libvpx-vp9" else ".mp4"
        path = tmp / f"p-{preset}{suffix}"
        seconds, _ = _median(
            lambda p=path, s=preset: _write(p, frames, preset=s), repeat
        )
        kb = path.stat().st_size / 1024 / len(frames)
        delta = _score(frames, path)
        rows.append(
            [f"{codec} `{preset}`", fmt(len(frames) / seconds), fmt(kb), f"{delta:.3f}"]
        )
    text = (
        f"The true colour frames, 4:2:0, default CRF (18 for H.264, 32 for VP9); "
        f"median of {repeat}. VP9's presets map to libvpx's speed "
        "(`superfast`: real-time deadline, cpu-used 8; `veryfast`: real-time, 7; "
        "`medium`: good, 4). somcolor's default: `superfast`.\n\n"
    )
    return text + table(["encoder, preset", "frames/s", "kB/frame", "CIEDE2000"], rows)


def _serial(colorize, mp4, out):
    """Decode, colorize and encode one after the other, in this thread."""
    from somcolor.video import VideoWriter, open_video

    video = open_video(mp4)
    with VideoWriter(out, video.fps, video.size, overwrite=True) as writer:
        for index, grey in enumerate(video._decode_file(grey=True)):
            writer.write(colorize(grey, index))
    return writer.frames_written


def bench_loop(mp4, models, n, tmp, repeat):
    from somcolor.video import colorize_video

    def trivial(grey, index):
        return np.repeat(grey[..., None], 3, axis=2)

    def paper(grey, index):
        return models["paper"].predict([grey])[0]

    def photos(grey, index):
        return models["photos"].predict([grey])[0]

    def sleeper(grey, index):
        time.sleep(0.030)
        return np.repeat(grey[..., None], 3, axis=2)

    rows = []
    for label, colorize in [
        ("trivial (grey to RGB)", trivial),
        (
            "30 ms of sleep, then grey to RGB (a stage that leaves the cores free)",
            sleeper,
        ),
        ("the paper's default pipeline fit on frame 0, `predict`", paper),
        ("the photos recipe fit on frame 0, `predict`", photos),
    ]:
        out = tmp / "loop.mp4"

        def threaded(colorize=colorize, out=out):
            return colorize_video(colorize, mp4, out, overwrite=True)

        # Alternately, so that both see the same load.
        threaded_times, serial_times = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            summary = threaded()
            threaded_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            count = _serial(colorize, mp4, out)
            serial_times.append(time.perf_counter() - start)
        t_threaded = float(np.median(threaded_times))
        t_serial = float(np.median(serial_times))
        assert summary.frames == count == n
        stages = summary.stage_seconds
        slowest = max(stages.values())
        rows.append(
            [
                label,
                fmt(n / t_threaded),
                fmt(n / t_serial),
                fmt(t_serial / t_threaded),
                " / ".join(fmt(n / s) for s in stages.values()),
                fmt(n / slowest),
            ]
        )
    text = (
        f"`colorize_video(colorize, mp4, out.mp4)` over the {n} frames (mp4 "
        "to mp4, somcolor's default encoding: H.264 4:2:0, CRF 18, "
        f"`superfast`), median of {repeat}, threaded and serial runs "
        "alternating; 'serial': the same three stages one after the other in "
        "one thread. Stages: frames per second of each "
        "stage's own working time in the last threaded run (decode and make "
        "grey / the colorizer / encode); with two cores "
        "shared by the three threads (and FFmpeg's and numba's own), the "
        "threaded loop cannot beat the slowest stage alone.\n\n"
    )
    return text + table(
        [
            "colorizer",
            "threaded frames/s",
            "serial frames/s",
            "x serial",
            "stages: decode / colorize / encode (frames/s)",
            "slowest stage alone",
        ],
        rows,
    )


# -- main ----------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, < 1 min")
    parser.add_argument("--output", default=str(HERE / "VIDEO.md"))
    parser.add_argument("--data", default=None, help=f"DAVIS 2016 (or {DAVIS_ENV})")
    args = parser.parse_args(argv)
    import av

    quick = args.quick
    repeat = 1 if quick else 3
    started = datetime.datetime.now(datetime.timezone.utc)
    load = os.getloadavg()[0]
    command = "python -m benchmarks.video" + (" --quick" if quick else "")
    if args.output != str(HERE / "VIDEO.md"):
        command += f" --output {args.output}"

    folder, frames, label = _frames(args)
    n = len(frames)
    tmp = Path(tempfile.mkdtemp(prefix="somcolor-video-"))
    sections = []

    def write(done):
        now = datetime.datetime.now(datetime.timezone.utc)
        header = [
            "# Video files" + (" (quick mode: figures mean nothing)" if quick else ""),
            "",
            f"- date: {started:%Y-%m-%d %H:%M} UTC, "
            f"{(now - started).total_seconds():.0f} s"
            + ("" if done else " so far (RUN NOT FINISHED: cases missing)"),
            f"- command (from the repository root): `{command}`"
            + ("" if quick else f" with `{DAVIS_ENV}=../shared/data/davis2016`"),
            f"- machine: {cpu_model()}, {os.cpu_count()} cores, load average "
            f"{load:.1f} at start, {os.getloadavg()[0]:.1f} at end (shared machine)",
            "- versions: "
            + ", ".join(f"{k} {v}" for k, v in versions().items() if k != "minisom")
            + f", av {av.__version__} (FFmpeg libavcodec "
            + ".".join(map(str, av.library_versions["libavcodec"]))
            + ")",
            f"- frames: {label}",
            "",
        ]
        Path(args.output).write_text("\n".join(header) + "\n" + "\n".join(sections))

    def section(title, fn, *a):
        print(f"[benchmarks.video] {title} ...", flush=True)
        start = time.perf_counter()
        sections.append(f"## {title}\n\n{fn(*a)}\n")
        print(f"[benchmarks.video] {title}: {time.perf_counter() - start:.1f} s")
        write(done=False)

    try:
        mp4 = tmp / "source.mp4"
        _write(mp4, frames)
        model = _colorizer(frames)
        colorized = [
            np.round(model.predict([g])[0] * 255).astype(np.uint8)
            for g in _greys(frames)
        ]
        section("Decoding", bench_decode, folder, mp4, n, repeat)
        section(
            "Encoding: 4:2:0 or 4:4:4", bench_chroma, frames, colorized, tmp, repeat
        )
        section("Encoding: presets", bench_presets, frames, tmp, repeat)
        models = {"photos": model, "paper": _colorizer(frames, "paper")}
        section("The colorize_video loop", bench_loop, mp4, models, n, tmp, repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if quick:
            shutil.rmtree(folder, ignore_errors=True)
    write(done=True)
    print(f"[benchmarks.video] wrote {args.output}", flush=True)


def _greys(frames):
    from somcolor.video import grey_levels

    for frame in frames:
        yield grey_levels(frame)


if __name__ == "__main__":
    main()
