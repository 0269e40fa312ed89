"""Bad image files: reading, ``colorize_many`` and the command line (issue #7).

A corpus of files that cannot be read as images sits next to a few good
ones. Each bad file must be refused by :func:`somcolor._files.read_image` with
one :class:`ImageFileError` naming it, reported in one line and skipped by
:func:`somcolor.colorize_many` and by ``somcolor fit/colorize/evaluate``,
while the good files are processed and the exit status says something
failed. A bounded fuzz test feeds random and mutated bytes to ``read_image``.
"""

import contextlib
import io
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import textwrap
import warnings
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps
from skimage import io as skio

from somcolor import colorize_many
from somcolor._files import ImageFileError, read_image
from somcolor.cli import main

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534

# -- the corpus ------------------------------------------------------------


def _png_chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _png_declaring(width, height):
    """A well-formed PNG header declaring ``width x height`` grey pixels, with
    a valid but tiny IDAT (far fewer rows than declared)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + _png_chunk(b"IEND", b"")
    )


def _truncated(path):
    data = path.read_bytes()
    return data[: len(data) // 2]


#: Bad files of the corpus: name -> (kind, how to make it in ``folder``).
BAD_FILES = {
    "truncated.jpg": "a real JPEG cut in half",
    "truncated.png": "a real PNG cut in half",
    "empty.png": "zero bytes",
    "notes.jpg": "a text file named .jpg",
    "huge.png": "a PNG header declaring 100000 x 100000 pixels",
    "large.png": "a PNG header declaring 10000 x 10000 pixels, data missing",
    "folder.jpg": "a folder named like an image",
    "dangling.png": "a symbolic link to nowhere",
    "unreadable.png": "a real PNG without read permission",
}
#: Files whose read must fail here: chmod 000 stops no read by root.
UNREADABLE_SKIP = (
    "running as root, which reads chmod 000 files: "
    "test_cli_reports_unreadable_file_as_nobody covers it"
)


def _good_images(small_rgb_images):
    """Good files: name -> colour image (PNG, JPEG, PNG)."""
    return {
        "good0.png": small_rgb_images[0],
        "good1.jpg": small_rgb_images[1],
        "good2.png": small_rgb_images[2],
    }


def _build_corpus(folder, small_rgb_images, unreadable=True):
    """Write the good images and the bad files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    good = _good_images(small_rgb_images)
    for name, image in good.items():
        skio.imsave(folder / name, image, check_contrast=False)
    (folder / "truncated.jpg").write_bytes(_truncated(folder / "good1.jpg"))
    (folder / "truncated.png").write_bytes(_truncated(folder / "good0.png"))
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.jpg").write_text("Holiday notes, not a photograph.\n")
    (folder / "huge.png").write_bytes(_png_declaring(100_000, 100_000))
    (folder / "large.png").write_bytes(_png_declaring(10_000, 10_000))
    (folder / "folder.jpg").mkdir()
    os.symlink(folder / "nowhere.png", folder / "dangling.png")
    bad = {name: folder / name for name in BAD_FILES if name != "unreadable.png"}
    if unreadable:
        target = folder / "unreadable.png"
        shutil.copyfile(folder / "good2.png", target)
        target.chmod(0)
        bad["unreadable.png"] = target
    return SimpleNamespace(
        folder=folder,
        good={name: folder / name for name in good},
        shapes={name: image.shape for name, image in good.items()},
        bad=bad,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, small_rgb_images):
    """Three good colour images and the bad files (``unreadable.png`` only
    when not root, since root reads it anyway)."""
    folder = tmp_path_factory.mktemp("corpus") / "photos"
    return _build_corpus(folder, small_rgb_images, unreadable=not IS_ROOT)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, small_rgb_images):
    """A small model written by ``somcolor fit`` on good files only."""
    root = tmp_path_factory.mktemp("files-model")
    for k, image in enumerate(small_rgb_images[:3]):
        skio.imsave(root / f"train{k}.png", image, check_contrast=False)
    model = root / "model.skops"
    argv = ["fit", str(root), "-o", str(model), "-q", "--pixels-per-image", "300"]
    argv += ["--hidden-layers", "8", "--som-rows", "2", "--som-cols", "3"]
    assert main(argv) == 0
    return model


#: Warnings Python hides by default outside ``__main__``.
HIDDEN_WARNINGS = (
    DeprecationWarning,
    PendingDeprecationWarning,
    ImportWarning,
    ResourceWarning,
)


def _check_refusal(exc, path):
    message = str(exc)
    assert type(exc) is ImageFileError and isinstance(exc, ValueError)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message, message


# -- read_image ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_read_image_refuses_bad_file_cleanly(corpus, name):
    if name not in corpus.bad:
        pytest.skip(UNREADABLE_SKIP)
    path = corpus.bad[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ImageFileError) as info:
            read_image(path)
    _check_refusal(info.value, path)
    # Nothing else on the way out: no decoder warning for the user either
    # (the command line promises one line per bad file). Categories Python
    # hides by default are not counted: imageio leaves the files it probed
    # to the garbage collector (ResourceWarning) and notes deprecations of
    # its own plugins (DeprecationWarning).
    shown = [w for w in caught if not issubclass(w.category, HIDDEN_WARNINGS)]
    assert [f"{w.category.__name__}: {w.message}" for w in shown] == []


@pytest.mark.parametrize(
    "name, words",
    [
        ("truncated.jpg", "a JPEG image cut short (the file is truncated"),
        ("truncated.png", "a PNG image cut short (the file is truncated"),
        ("large.png", "a PNG image cut short (the file is truncated"),
        ("huge.png", "declares more pixels than the image decoder accepts"),
        ("folder.jpg", "is a folder"),
        ("empty.png", "the file is empty (0 bytes), not an image"),
        (
            "notes.jpg",
            "not an image somcolor can read: its contents are not in any of the "
            "formats somcolor reads (JPEG, PNG, TIFF, BMP, GIF or WebP)",
        ),
        ("dangling.png", "cannot be opened (No such file or directory; it is a link"),
        ("unreadable.png", "cannot be opened (Permission denied)"),
    ],
)
def test_read_image_says_why(corpus, name, words):
    if name not in corpus.bad:
        pytest.skip(UNREADABLE_SKIP)
    with pytest.raises(ImageFileError) as info:
        read_image(corpus.bad[name])
    assert words in str(info.value)
    # In somcolor's words: nothing of the decoders' internals.
    for internal in ("backend", "iomode", "plugin", "Errno", "`"):
        assert internal not in str(info.value)


def test_read_image_reads_the_good_files(corpus):
    for name, path in corpus.good.items():
        image = read_image(path)
        assert image.dtype == np.uint8 and image.shape == corpus.shapes[name]


def test_read_image_max_pixels_refuses_before_decoding(tmp_path):
    path = tmp_path / "ten_by_twelve.png"
    image = np.arange(120, dtype=np.uint8).reshape(10, 12)
    skio.imsave(path, image, check_contrast=False)
    np.testing.assert_array_equal(read_image(path, max_pixels=120), image)
    with pytest.raises(ImageFileError, match="declares 120 pixels") as info:
        read_image(path, max_pixels=119)
    _check_refusal(info.value, path)
    # A header alone is enough to refuse: its data is never decoded.
    lying = tmp_path / "lying.png"
    lying.write_bytes(_png_declaring(3000, 2000))
    with pytest.raises(ImageFileError, match="declares 6,000,000 pixels"):
        read_image(lying, max_pixels=5_999_999)


def _with_orientation(path, image, orientation):
    """Save ``image`` as a JPEG whose EXIF says to show it turned/mirrored."""
    picture = Image.fromarray(image)
    exif = picture.getexif()
    exif[274] = orientation  # the EXIF orientation tag
    picture.save(path, exif=exif, quality=100)
    return path


@pytest.mark.parametrize("orientation", range(1, 9))
def test_read_image_turns_photographs_upright_as_pillow_does(tmp_path, orientation):
    stored = np.random.default_rng(orientation).integers(0, 256, (6, 9, 3), np.uint8)
    path = _with_orientation(tmp_path / "phone.jpg", stored, orientation)
    with Image.open(path) as picture:  # the library it stands for
        expected = np.asarray(ImageOps.exif_transpose(picture))
    image = read_image(path)
    assert image.shape == ((6, 9, 3) if orientation < 5 else (9, 6, 3))
    np.testing.assert_array_equal(image, expected)
    assert image.flags.c_contiguous


def test_read_image_reads_a_cmyk_jpeg_in_rgb_as_pillow_shows_it(tmp_path):
    # A JPEG made for the press stores inks, four channels: not RGB + alpha.
    rgb = np.zeros((8, 10, 3), np.uint8)
    rgb[:4] = (200, 30, 30)
    rgb[4:] = (30, 30, 200)
    path = tmp_path / "press.jpg"
    Image.fromarray(rgb).convert("CMYK").save(path, quality=100)
    with Image.open(path) as picture:  # the library it stands for
        assert picture.mode == "CMYK"
        expected = np.asarray(picture.convert("RGB"))
    image = read_image(path)
    assert image.shape == (8, 10, 3)
    np.testing.assert_array_equal(image, expected)
    assert image[0, 0, 0] > 150 > image[0, 0, 2]  # red on top, as it was
    assert image[-1, 0, 2] > 150 > image[-1, 0, 0]


def test_a_sideways_phone_photograph_is_colorized_upright(model_file, tmp_path):
    upright = np.zeros((30, 20, 3), np.uint8)
    upright[:10] = (200, 60, 40)  # a red top: where it ends up tells the turn
    # A camera held upright stores the sensor's rows (turned a quarter) and
    # orientation 6, which says to turn them a quarter clockwise to show.
    folder = tmp_path / "in"
    folder.mkdir()
    _with_orientation(folder / "phone.jpg", np.rot90(upright, 1), 6)
    summary = colorize_many(model_file, folder, tmp_path / "out")
    (written,) = summary.written
    out = skio.imread(written)  # written upright, so shown as the input is
    assert out.shape == (30, 20, 3)
    grey = out.mean(axis=2)  # the lightness of the light top, the black bottom
    assert grey[:10].mean() > grey[12:].mean() + 50


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
def test_read_image_refuses_a_named_pipe_without_blocking(tmp_path):
    # Opening a FIFO to read would wait forever for a writer.
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageFileError, match="is not a regular file") as info:
        read_image(fifo)
    _check_refusal(info.value, fifo)


# -- colorize_many -----------------------------------------------------------


def test_colorize_many_reports_and_skips_bad_files(corpus, model_file, tmp_path):
    outdir = tmp_path / "out"
    summary = colorize_many(model_file, corpus.folder, outdir)
    assert not summary.ok
    assert sorted(p.name for p in summary.written) == sorted(corpus.good)
    for path in summary.written:
        picture = skio.imread(path)
        height, width = corpus.shapes[path.name][:2]
        assert picture.dtype == np.uint8 and picture.shape == (height, width, 3)
    failed = {path: reason for path, reason in summary.failed}
    assert set(failed) == {Path(p) for p in corpus.bad.values()}
    for path, reason in failed.items():
        assert reason.startswith(f"{path}: ") and "\n" not in reason, reason
    assert summary.skipped == []
    # Only the good files' outputs are there, and no temporary file is left.
    assert sorted(p.name for p in outdir.iterdir()) == sorted(corpus.good)

    rerun = colorize_many(model_file, corpus.folder, outdir)
    assert rerun.written == []
    assert sorted(p.name for p in rerun.skipped) == sorted(corpus.good)
    assert {path for path, _ in rerun.failed} == set(failed)
    assert not rerun.ok


# -- the command line --------------------------------------------------------


def _failure_lines(err, bad):
    """The ``failed:`` lines of ``err``, checked: one per bad file."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert all(line.startswith("failed: ") for line in lines), err
    assert len(lines) == len(bad), err
    for path in bad.values():
        assert sum(line.startswith(f"failed: {path}: ") for line in lines) == 1, err
    return lines


def test_cli_colorize_reports_bad_files_one_line_each(
    model_file, small_rgb_images, tmp_path, capsys
):
    corpus = _build_corpus(
        tmp_path / "photos", small_rgb_images, unreadable=not IS_ROOT
    )
    outdir = tmp_path / "out"
    argv = ["colorize", str(model_file), str(corpus.folder), "-o", str(outdir)]
    assert main(argv + ["-q"]) == 1
    captured = capsys.readouterr()
    _failure_lines(captured.err, corpus.bad)
    n_bad = len(corpus.bad)
    assert f"3 written, 0 skipped, {n_bad} failed" in captured.out
    for name in corpus.good:
        assert skio.imread(outdir / name).shape[:2] == corpus.shapes[name][:2]
    assert sorted(p.name for p in outdir.iterdir()) == sorted(corpus.good)


def test_cli_colorize_reports_folder_named_like_an_image(
    model_file, small_rgb_images, tmp_path, capsys
):
    photos = tmp_path / "photos"
    photos.mkdir()
    skio.imsave(photos / "good.png", small_rgb_images[0], check_contrast=False)
    (photos / "folder.jpg").mkdir()
    outdir = tmp_path / "out"
    argv = ["colorize", str(model_file), str(photos), "-o", str(outdir), "-q"]
    status = main(argv)
    captured = capsys.readouterr()
    assert (outdir / "good.png").exists()
    _failure_lines(captured.err, {"folder.jpg": photos / "folder.jpg"})
    assert status == 1


def test_cli_fit_reports_bad_files_and_writes_model(corpus, tmp_path, capsys):
    import somcolor

    model = tmp_path / "m.skops"
    argv = ["fit", str(corpus.folder), "-o", str(model), "-q", "--hidden-layers"]
    argv += ["8", "--pixels-per-image", "200", "--som-rows", "2", "--som-cols", "2"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    _failure_lines(captured.err, corpus.bad)
    n_bad = len(corpus.bad)
    assert (
        f"trained on 3 colour image(s) ({n_bad} unreadable file(s) skipped)"
        in captured.out
    )
    fitted = somcolor.load(model)
    assert fitted.n_training_pixels_ == 3 * 200


def test_cli_evaluate_reports_bad_files(corpus, model_file, capsys):
    assert main(["evaluate", str(model_file), str(corpus.folder), "-q"]) == 1
    captured = capsys.readouterr()
    _failure_lines(captured.err, corpus.bad)
    n_bad = len(corpus.bad)
    assert f"3 colour image(s) ({n_bad} unreadable file(s) skipped)" in captured.out
    assert "colorized" in captured.out


_AS_NOBODY = textwrap.dedent(
    """
    import os, sys
    from somcolor.cli import main

    model, corpus, warm, out = sys.argv[1:]
    # As root first, on good files only: imports every module the run needs
    # and compiles the kernels (nobody may not read the interpreter's files).
    if main(["colorize", model, warm, "-o", warm + "-out", "-q"]) != 0:
        sys.exit(70)
    try:
        os.setgroups([])
        os.setgid({nobody})
        os.setuid({nobody})
    except PermissionError as exc:
        print(f"cannot become nobody: {{exc}}", file=sys.stderr)
        sys.exit(77)
    sys.exit(main(["colorize", model, corpus, "-o", out, "-q"]))
    """
).format(nobody=NOBODY)


@pytest.mark.slow  # runs the command as another user
@pytest.mark.skipif(
    not IS_ROOT, reason="not root: chmod 000 is tested in-process (unreadable.png)"
)
def test_cli_reports_unreadable_file_as_nobody(model_file, small_rgb_images):
    """``somcolor colorize`` run as user nobody on the whole corpus, where
    ``unreadable.png`` (chmod 000, owned by root) cannot be opened."""
    shared = Path(tempfile.mkdtemp(prefix="somcolor-nobody-"))
    try:
        shared.chmod(0o777)
        corpus = _build_corpus(shared / "photos", small_rgb_images, unreadable=True)
        warm = shared / "warm"
        warm.mkdir()
        shutil.copyfile(corpus.good["good0.png"], warm / "good0.png")
        model = shared / "model.skops"
        shutil.copyfile(model_file, model)
        for path in [corpus.folder, warm, model, *corpus.good.values()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        (shared / "numba").mkdir(mode=0o777)
        (shared / "numba").chmod(0o777)
        env = dict(os.environ)
        repo = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(
            [repo] + [p for p in [env.get("PYTHONPATH")] if p]
        )
        env.update(HOME=str(shared), NUMBA_CACHE_DIR=str(shared / "numba"))
        outdir = shared / "out"
        argv = [str(model), str(corpus.folder), str(warm), str(outdir)]
        result = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, *argv],
            capture_output=True,
            text=True,
            env=env,
            cwd=shared,
            timeout=300,
        )
        if result.returncode == 77:
            pytest.skip(result.stderr.strip().splitlines()[-1])
        assert result.returncode == 1, result.stderr
        lines = _failure_lines(result.stderr, corpus.bad)
        (line,) = [s for s in lines if "unreadable.png" in s]
        assert "Permission denied" in line
        assert f"3 written, 0 skipped, {len(corpus.bad)} failed" in result.stdout
        for name in corpus.good:
            assert (outdir / name).stat().st_uid == NOBODY
            assert skio.imread(outdir / name).shape[:2] == corpus.shapes[name][:2]
    finally:
        shutil.rmtree(shared, ignore_errors=True)


# -- fuzzing read_image ------------------------------------------------------


def _encoded(image, fmt, **kwargs):
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


_SMALL = np.random.default_rng(0).integers(0, 256, (6, 7, 3), dtype=np.uint8)
#: Small valid files to mutate, one per format read.
SEEDS = [
    _encoded(_SMALL, "PNG"),
    _encoded(_SMALL[..., 0], "PNG"),
    _encoded(_SMALL, "JPEG", quality=90),
    _encoded(_SMALL, "BMP"),
    _encoded(_SMALL, "TIFF"),
    _encoded(_SMALL, "GIF"),
]
SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"BM", b"II*\x00", b"GIF89a"]
SUFFIXES = [".png", ".jpg", ".bmp", ".tif", ".gif"]


@st.composite
def _mutated(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    flips = draw(
        st.lists(
            st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)),
            max_size=8,
        )
    )
    for position, value in flips:
        data[position] = value
    return bytes(data[: draw(st.integers(0, len(data)))])


FILE_BYTES = st.one_of(
    st.binary(max_size=256),
    st.builds(
        lambda signature, rest: signature + rest,
        st.sampled_from(SIGNATURES),
        st.binary(max_size=256),
    ),
    _mutated(),
)


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise _Hang after ``seconds`` (a decoder that loops on a bad file)."""

    def expire(signum, frame):
        raise _Hang(f"read_image took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.slow  # hypothesis, 300 cases
@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=FILE_BYTES, suffix=st.sampled_from(SUFFIXES))
def test_fuzz_read_image_returns_image_or_clean_error(fuzz_dir, data, suffix):
    path = fuzz_dir / f"fuzz{suffix}"
    path.write_bytes(data)
    try:
        with _time_limit(10):
            image = read_image(path)
    except ImageFileError as exc:
        _check_refusal(exc, path)
        return
    assert isinstance(image, np.ndarray)
    assert image.ndim in (2, 3) and 0 not in image.shape
    assert image.ndim == 2 or image.shape[-1] in (2, 3, 4)
    if image.dtype != np.uint8:
        assert image.dtype == np.float64
        assert np.isfinite(image).all()
        assert image.min() >= 0.0 and image.max() <= 1.0


# -- permissions of what somcolor writes -----------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_written_images_get_the_mode_the_umask_gives(tmp_path, umask, mask):
    from somcolor._files import temporary_sibling, write_image

    expected = umask(mask)
    target = tmp_path / "picture.png"
    assert write_image(target, np.zeros((3, 4, 3), np.uint8))
    assert os.stat(target).st_mode & 0o777 == expected
    replaced = write_image(target, np.ones((3, 4, 3), np.uint8), overwrite=True)
    assert replaced and os.stat(target).st_mode & 0o777 == expected
    with temporary_sibling(tmp_path / "model.skops") as tmp:
        assert os.stat(tmp).st_mode & 0o777 == expected
        assert Path(tmp).name.startswith(".model-")
    assert not os.path.exists(tmp)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["picture.png"]
