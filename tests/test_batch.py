"""colorize_many: files in, files out, nothing lost or overwritten."""

import os
import re

import numpy as np
import pytest
from skimage import io as skio
from sklearn.exceptions import NotFittedError

from somcolor import ColorizerPipeline, ColorizeSummary, colorize_many, save, to_grey


def _grey_folder(folder, images, suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, image in enumerate(images):
        grey = np.round(to_grey([image])[0] * 255).astype(np.uint8)
        path = folder / f"img{k:02d}{suffix}"
        skio.imsave(path, grey, check_contrast=False)
        paths.append(path)
    return paths


def _expected(model, path):
    """What colorizing one file should give: the model's predict, as 8 bits."""
    grey = skio.imread(path)
    colour = model.predict([grey])[0]
    return np.round(np.clip(colour, 0, 1) * 255).astype(np.uint8)


def test_writes_every_image_as_predict_gives_it(
    small_model, small_rgb_images, tmp_path
):
    inputs = _grey_folder(tmp_path / "in", small_rgb_images)
    summary = colorize_many(small_model, tmp_path / "in", tmp_path / "out")
    assert isinstance(summary, ColorizeSummary) and summary.ok
    assert [p.name for p in summary.written] == [p.name for p in inputs]
    assert summary.skipped == [] and summary.failed == []
    for source in inputs:
        written = skio.imread(tmp_path / "out" / source.name)
        np.testing.assert_array_equal(written, _expected(small_model, source))
    # No temporary file is left behind.
    assert sorted(os.listdir(tmp_path / "out")) == sorted(p.name for p in inputs)
    assert str(summary).startswith(f"{len(inputs)} written, 0 skipped, 0 failed")


def test_colour_inputs_are_made_grey_first(small_model, small_rgb_images, tmp_path):
    (tmp_path / "in").mkdir()
    skio.imsave(tmp_path / "in" / "c.png", small_rgb_images[0])
    summary = colorize_many(small_model, [tmp_path / "in" / "c.png"], tmp_path / "o")
    assert summary.ok
    colour = small_model.predict(to_grey([small_rgb_images[0]]))[0]
    expected = np.round(np.clip(colour, 0, 1) * 255).astype(np.uint8)
    np.testing.assert_array_equal(skio.imread(tmp_path / "o" / "c.png"), expected)


def test_rerun_skips_finished_files_and_never_overwrites(
    small_model, small_rgb_images, tmp_path
):
    inputs = _grey_folder(tmp_path / "in", small_rgb_images[:4])
    out = tmp_path / "out"
    out.mkdir()
    keep = out / inputs[1].name
    keep.write_bytes(b"the user's own file")
    summary = colorize_many(small_model, tmp_path / "in", out)
    # written and skipped both name files of the output folder.
    assert summary.skipped == [keep]
    assert summary.written == [out / inputs[k].name for k in (0, 2, 3)]
    assert keep.read_bytes() == b"the user's own file"
    again = colorize_many(small_model, tmp_path / "in", out)
    assert again.written == [] and len(again.skipped) == 4
    forced = colorize_many(small_model, tmp_path / "in", out, overwrite=True)
    assert len(forced.written) == 4
    np.testing.assert_array_equal(skio.imread(keep), _expected(small_model, inputs[1]))


@pytest.mark.slow  # process workers
def test_same_files_with_process_workers_and_any_batch_size(
    small_model, small_rgb_images, tmp_path, monkeypatch
):
    monkeypatch.setattr("somcolor.batch.MIN_PIXELS_FOR_WORKERS", 0)  # start them
    _grey_folder(tmp_path / "in", small_rgb_images * 2)
    serial = colorize_many(small_model, tmp_path / "in", tmp_path / "serial")
    for n_jobs, batch_size in [(2, "auto"), (2, 1), (-1, 5)]:
        out = tmp_path / f"p{n_jobs}{batch_size}"
        summary = colorize_many(
            small_model, tmp_path / "in", out, n_jobs=n_jobs, batch_size=batch_size
        )
        assert [p.name for p in summary.written] == [p.name for p in serial.written]
        for path in serial.written:
            assert (out / path.name).read_bytes() == path.read_bytes()


def test_model_file_and_duplicate_names(small_model, small_rgb_images, tmp_path):
    save(small_model, tmp_path / "m.skops")
    a = _grey_folder(tmp_path / "a", small_rgb_images[:2])
    b = _grey_folder(tmp_path / "b", small_rgb_images[2:3])  # b/img00.png
    summary = colorize_many(tmp_path / "m.skops", a + b, tmp_path / "out")
    assert [p.name for p in summary.written] == ["img00.png", "img01.png"]
    assert len(summary.failed) == 1 and not summary.ok
    path, reason = summary.failed[0]
    assert path == b[0] and "also named img00.png" in reason


def test_bad_arguments_are_refused_clearly(small_model, small_rgb_images, tmp_path):
    _grey_folder(tmp_path / "in", small_rgb_images[:1])
    with pytest.raises(NotFittedError):
        colorize_many(ColorizerPipeline(), tmp_path / "in", tmp_path / "o")
    with pytest.raises(TypeError, match="model must be a fitted"):
        colorize_many(object(), tmp_path / "in", tmp_path / "o")
    with pytest.raises(FileNotFoundError, match="No file, folder or glob"):
        colorize_many(small_model, tmp_path / "missing", tmp_path / "o")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="inputs: no image files") as info:
        colorize_many(small_model, tmp_path / "empty", tmp_path / "o")
    assert "convert" not in str(info.value)
    # A phone's HEIC photographs are named, with what to do.
    for name in ("IMG_0001.HEIC", "IMG_0002.heic", "IMG_0003.DNG", "notes.txt"):
        (tmp_path / "empty" / name).write_bytes(b"not read")
    with pytest.raises(ValueError, match="inputs: no image files") as info:
        colorize_many(small_model, tmp_path / "empty", tmp_path / "o")
    assert "2 .heic file(s), a format somcolor does not read" in str(info.value)
    assert "1 .dng file(s)" in str(info.value) and ".txt" not in str(info.value)
    assert "convert them to JPEG or PNG" in str(info.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="output_dir .* not a folder"):
        colorize_many(small_model, tmp_path / "in", tmp_path / "file")
    for bad in (0, -1, 2.5, "big"):
        with pytest.raises(ValueError, match="batch_size"):
            colorize_many(small_model, tmp_path / "in", tmp_path / "o", batch_size=bad)


def test_scheduler_without_dask_says_what_to_install(
    small_model, small_rgb_images, tmp_path, monkeypatch
):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ImportError("No module named 'distributed'")
        return real_import(name, *args, **kwargs)

    _grey_folder(tmp_path / "in", small_rgb_images[:1])
    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ImportError, match=r"somcolor\[distributed\]"):
        colorize_many(small_model, tmp_path / "in", tmp_path / "o", scheduler="x")
    assert not (tmp_path / "o" / "img00.png").exists()


def test_outputs_are_as_readable_as_plain_files(
    small_model, small_rgb_images, tmp_path
):
    _grey_folder(tmp_path / "in", small_rgb_images[:1])
    summary = colorize_many(small_model, tmp_path / "in", tmp_path / "out")
    plain = tmp_path / "plain.txt"
    plain.write_text("x")  # created with the process's umask
    assert summary.written[0].stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_never_writes_over_its_own_inputs(small_model, small_rgb_images, tmp_path):
    inputs = _grey_folder(tmp_path / "in", small_rgb_images[:2])
    before = [p.read_bytes() for p in inputs]
    for overwrite in (False, True):
        summary = colorize_many(
            small_model, tmp_path / "in", tmp_path / "in", overwrite=overwrite
        )
        assert summary.written == [] and len(summary.failed) == 2
        assert all("would replace it" in reason for _, reason in summary.failed)
    assert [p.read_bytes() for p in inputs] == before


def test_names_differing_only_in_case_are_refused(
    small_model, small_rgb_images, tmp_path
):
    a = _grey_folder(tmp_path / "a", small_rgb_images[:1])[0]
    b = tmp_path / "b" / "IMG00.PNG"
    b.parent.mkdir()
    b.write_bytes(a.read_bytes())
    summary = colorize_many(small_model, (str(p) for p in [a, b]), tmp_path / "o")
    assert [p.name for p in summary.written] == ["img00.png"]
    assert summary.failed[0][0] == b and "also named IMG00.PNG" in summary.failed[0][1]


def test_hidden_leftovers_of_a_killed_write_are_not_inputs(
    small_model, small_rgb_images, tmp_path
):
    inputs = _grey_folder(tmp_path / "in", small_rgb_images[:1])
    (tmp_path / "in" / ".img00-x1y2.part.png").write_bytes(b"\x89PNG half")
    summary = colorize_many(small_model, tmp_path / "in", tmp_path / "out")
    assert summary.ok and [p.name for p in summary.written] == [inputs[0].name]


# -- what is kept of an input: transparency, depth; JPEG quality -------------


def _colorized(model, grey):
    """The model's colorization of one grey image, as floats in [0, 1]."""
    return np.clip(model.predict([grey])[0], 0, 1)


def test_alpha_is_kept_in_png_output(small_model, small_rgb_images, tmp_path):
    rgb = small_rgb_images[0]
    alpha = np.linspace(0, 255, rgb.shape[1]).round().astype(np.uint8)
    alpha = np.broadcast_to(alpha, rgb.shape[:2])
    grey = np.round(to_grey([rgb])[0] * 255).astype(np.uint8)
    (tmp_path / "in").mkdir()
    skio.imsave(tmp_path / "in" / "rgba.png", np.dstack([rgb, alpha]))
    skio.imsave(tmp_path / "in" / "la.png", np.dstack([grey, alpha]))
    summary = colorize_many(small_model, tmp_path / "in", tmp_path / "out")
    assert summary.ok and summary.notes == {}
    for name, source in [("rgba.png", to_grey([rgb])[0]), ("la.png", grey)]:
        written = skio.imread(tmp_path / "out" / name)
        assert written.shape == rgb.shape[:2] + (4,)
        np.testing.assert_array_equal(written[..., 3], alpha)
        expected = np.round(_colorized(small_model, source) * 255).astype(np.uint8)
        np.testing.assert_array_equal(written[..., :3], expected)


def test_alpha_in_a_format_without_one_is_noted():
    from somcolor.batch import ALPHA_DROPPED, _encode

    colour, alpha = np.full((2, 3, 3), 0.5), np.zeros((2, 3), np.uint8)
    out, notes = _encode(colour, alpha, False, "x.bmp")
    assert out.shape == (2, 3, 3) and notes == (ALPHA_DROPPED,)
    out, notes = _encode(colour, alpha, False, "x.webp")
    assert out.shape == (2, 3, 4) and notes == ()


def test_16_bit_input_is_16_bit_in_tiff_and_noted_in_png(
    small_model, small_rgb_images, tmp_path
):
    from somcolor.batch import DEPTH_REDUCED

    grey = to_grey([small_rgb_images[1]])[0]
    grey16 = np.round(grey * 65535).astype(np.uint16)
    (tmp_path / "in").mkdir()
    skio.imsave(tmp_path / "in" / "deep.tif", grey16, check_contrast=False)
    skio.imsave(tmp_path / "in" / "deep.png", grey16, check_contrast=False)
    assert skio.imread(tmp_path / "in" / "deep.png").dtype == np.uint16
    summary = colorize_many(small_model, tmp_path / "in", tmp_path / "out")
    assert summary.ok
    assert summary.notes == {DEPTH_REDUCED: [tmp_path / "out" / "deep.png"]}
    colour = _colorized(small_model, grey16 / 65535.0)
    tiff = skio.imread(tmp_path / "out" / "deep.tif")
    assert tiff.dtype == np.uint16
    np.testing.assert_array_equal(tiff, np.round(colour * 65535).astype(np.uint16))
    png = skio.imread(tmp_path / "out" / "deep.png")
    assert png.dtype == np.uint8
    np.testing.assert_array_equal(png, np.round(colour * 255).astype(np.uint8))


def test_jpeg_quality(small_model, small_rgb_images, tmp_path):
    import io

    from PIL import Image

    grey = np.round(to_grey([small_rgb_images[2]])[0] * 255).astype(np.uint8)
    (tmp_path / "in").mkdir()
    Image.fromarray(grey).save(tmp_path / "in" / "old.jpg", quality=100)
    stored = skio.imread(tmp_path / "in" / "old.jpg")
    exact = np.round(_colorized(small_model, stored) * 255).astype(np.uint8)

    def error(quality):
        out = tmp_path / f"q{quality}"
        summary = colorize_many(small_model, tmp_path / "in", out, quality=quality)
        assert summary.ok
        return np.abs(skio.imread(out / "old.jpg").astype(int) - exact).mean()

    # Pillow's own default (quality 75, chroma subsampled 4:2:0), the
    # loss that the default quality avoids.
    buffer = io.BytesIO()
    Image.fromarray(exact).save(buffer, "JPEG")
    pillow = np.abs(np.asarray(Image.open(buffer)).astype(int) - exact).mean()
    default = error(95)
    assert error(100) < default < error(75) < pillow
    assert default < pillow / 2
    with pytest.raises(ValueError, match="quality must be an int from 1 to 100"):
        colorize_many(small_model, tmp_path / "in", tmp_path / "bad", quality=0)


@pytest.mark.slow  # process workers
def test_workers_start_only_when_the_work_pays(
    small_model, small_rgb_images, tmp_path, monkeypatch
):
    import somcolor._parallel
    from somcolor.batch import MIN_PIXELS_FOR_WORKERS

    started = []
    real = somcolor._parallel.Parallel

    def recording(*args, **kwargs):
        started.append(kwargs.get("n_jobs"))
        return real(*args, **kwargs)

    monkeypatch.setattr(somcolor._parallel, "Parallel", recording)
    inputs = _grey_folder(tmp_path / "in", small_rgb_images)
    pixels = sum(image.shape[0] * image.shape[1] for image in small_rgb_images)
    assert pixels < MIN_PIXELS_FOR_WORKERS
    serial = colorize_many(small_model, tmp_path / "in", tmp_path / "a", n_jobs=-1)
    assert serial.ok and len(serial.written) == len(inputs) and started == []
    # Just enough pixels: the workers start, and write the same files.
    monkeypatch.setattr("somcolor.batch.MIN_PIXELS_FOR_WORKERS", pixels)
    parallel = colorize_many(small_model, tmp_path / "in", tmp_path / "b", n_jobs=2)
    assert started == [2]
    for a, b in zip(serial.written, parallel.written):
        assert a.read_bytes() == b.read_bytes()


def test_progress_bar_counts_images(small_model, small_rgb_images, tmp_path, capsys):
    _grey_folder(tmp_path / "in", small_rgb_images * 2)
    colorize_many(small_model, tmp_path / "in", tmp_path / "out", verbose=1)
    counts = re.findall(r"(\d+)/(\d+) \[", capsys.readouterr().err)
    # Four tasks of 2 images: the bar counts the 8 images.
    assert counts and {total for _, total in counts} == {"8"}


def test_no_progress_bar_when_every_output_exists(
    small_model, small_rgb_images, tmp_path, capsys
):
    _grey_folder(tmp_path / "in", small_rgb_images)
    colorize_many(small_model, tmp_path / "in", tmp_path / "out", verbose=1)
    capsys.readouterr()
    summary = colorize_many(small_model, tmp_path / "in", tmp_path / "out", verbose=1)
    assert len(summary.skipped) == len(small_rgb_images)
    assert capsys.readouterr().err == ""  # not even "colorizing: 0image"


def test_one_group_of_images_is_held_at_a_time(
    small_model, small_rgb_images, tmp_path, monkeypatch
):
    # Two images a group cannot hold together: the first is colorized (and
    # written, and let go) before the second is read, so that the memory of
    # two large photographs is never held at once.
    import somcolor.batch as batch

    _grey_folder(tmp_path / "in", small_rgb_images[:3])
    sizes = [image.shape[0] * image.shape[1] for image in small_rgb_images[:3]]
    monkeypatch.setattr(batch, "_PIXELS_PER_CALL", max(sizes) + 1)
    events = []
    read, colorize_group = batch._read_grey, batch._colorize_group

    def reading(source):
        events.append(("read", os.path.basename(source)))
        return read(source)

    def colorizing(group, *args):
        events.append(("colorize", [os.path.basename(item[1]) for item in group]))
        return colorize_group(group, *args)

    monkeypatch.setattr(batch, "_read_grey", reading)
    monkeypatch.setattr(batch, "_colorize_group", colorizing)
    # One task of three files (batch_size), as a run of many files has.
    summary = colorize_many(
        small_model, tmp_path / "in", tmp_path / "out", batch_size=3
    )
    assert summary.ok and len(summary.written) == 3
    assert events == [
        ("read", "img00.png"),
        ("colorize", ["img00.png"]),
        ("read", "img01.png"),
        ("colorize", ["img01.png"]),
        ("read", "img02.png"),
        ("colorize", ["img02.png"]),
    ]
    # A limit that holds them all: one group, one call.
    events.clear()
    monkeypatch.setattr(batch, "_PIXELS_PER_CALL", sum(sizes) + 1)
    colorize_many(small_model, tmp_path / "in", tmp_path / "all", batch_size=3)
    assert [e for e in events if e[0] == "colorize"] == [
        ("colorize", ["img00.png", "img01.png", "img02.png"])
    ]


def _layer(shape, rows, cols, colour):
    layer = np.zeros(shape + (4,), np.uint8)
    layer[rows, cols] = (*colour, 255)
    return layer


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_hints_folder_steers_the_images_that_have_one(
    small_model, small_rgb_images, tmp_path, n_jobs
):
    from somcolor.steering import hints_from_rgba

    inputs = _grey_folder(tmp_path / "in", small_rgb_images[:3])
    (tmp_path / "hints").mkdir()
    layers = {}
    for k in (0, 2):  # img01 has none
        grey = skio.imread(inputs[k])
        layers[k] = _layer(grey.shape, slice(3, 9), slice(4, 10), (40, 200, 60))
        skio.imsave(
            tmp_path / "hints" / inputs[k].name, layers[k], check_contrast=False
        )
    summary = colorize_many(
        small_model,
        tmp_path / "in",
        tmp_path / "out",
        hints=tmp_path / "hints",
        n_jobs=n_jobs,
    )
    assert summary.ok and len(summary.written) == 3
    for k, source in enumerate(inputs):
        grey = skio.imread(source)
        hints = [hints_from_rgba(layers[k])] if k in layers else None
        expected = small_model.predict([grey], hints=hints)[0]
        written = skio.imread(tmp_path / "out" / source.name)
        np.testing.assert_array_equal(written, np.round(expected * 255))


def test_hints_are_checked_before_anything_is_written(
    small_model, small_rgb_images, tmp_path
):
    inputs = _grey_folder(tmp_path / "in", small_rgb_images[:2])
    hints = tmp_path / "hints"
    hints.mkdir()
    shape = skio.imread(inputs[1]).shape
    skio.imsave(
        hints / "img00.png", _layer(shape, 0, 0, (9, 9, 9)), check_contrast=False
    )
    skio.imsave(
        hints / "unrelated.png", _layer(shape, 0, 0, (9, 9, 9)), check_contrast=False
    )
    with pytest.warns(
        UserWarning, match=r"1 file\(s\) .* belong to no input.*unrelated"
    ):
        with pytest.raises(
            ValueError, match=r"img00.png is \d+x\d+ pixels, but its image"
        ):
            colorize_many(small_model, tmp_path / "in", tmp_path / "out", hints=hints)
    assert not (tmp_path / "out").exists()
    with pytest.raises(FileNotFoundError, match="is not a folder"):
        colorize_many(
            small_model, tmp_path / "in", tmp_path / "o", hints=tmp_path / "x"
        )
