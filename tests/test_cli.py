"""The ``somcolor`` command line."""

import re
import subprocess
import sys

import numpy as np
import pytest
from skimage import data as skdata
from skimage import io as skio

from somcolor import load as somcolor_load
from somcolor.__main__ import main
from somcolor._warnings import MIN_TRAINING_IMAGES as MIN_IMAGES
from somcolor._warnings import MIN_TRAINING_PIXELS as MIN_PIXELS


def _help(*command):
    return subprocess.run(
        [sys.executable, "-m", "somcolor", *command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_help_leads_with_what_needs_no_training():
    # The first example of somcolor --help, and the one demo --help gives,
    # colorize with a shipped model; training comes after.
    shipped = "somcolor colorize photos old/ -o out/"
    top = _help()
    examples = re.findall(r"^\s+(somcolor \w+ .*)$", top, re.M)
    assert examples[0] == shipped
    assert top.index("No training needed") < top.index("somcolor fit")
    demo = _help("demo")
    assert "no training" in demo and shipped in demo


def test_documented_exit_statuses(tmp_path, capsys):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    statuses = dict(re.findall(r"^- (\d+): ([^\n]*)", doc, re.M))
    assert set(statuses) == {"0", "1", "2", "130"}
    assert statuses["1"].startswith("bad input") and statuses["2"].startswith(
        "a usage error"
    )
    missing = str(tmp_path / "missing.png")
    # Bad input: 1, one line.
    assert main(["colorize", "photos", missing, "-o", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err.startswith("somcolor: error: ")
    assert main(["colorize", "photo", missing, "-o", str(tmp_path / "o")]) == 1
    assert "did you mean 'photos'?" in capsys.readouterr().err
    # Usage errors: 2, with the usage line and "Error:".
    for argv in (
        ["fitt"],
        ["colorize"],
        ["colorize", "photos", "x", "-o", "o", "-j", "two"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("Usage: somcolor") and "\nError: " in err


def test_a_misspelt_model_name_gets_a_suggestion(tmp_path, capsys):
    photo = tmp_path / "photo.png"
    skio.imsave(photo, skdata.astronaut()[::16, ::16])
    for argv in (
        ["evaluate", "photo", str(photo)],
        ["colorize", "landscape", str(photo), "-o", str(tmp_path / "out")],
        ["fit", str(photo), "-o", str(tmp_path / "m.skops"), "--recipe", "phots"],
    ):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith("somcolor: error: ") and "\n" not in err
        assert err.endswith(("did you mean 'photos'?", "did you mean 'landscapes'?"))


@pytest.mark.slow  # the demo fits a model
def test_demo_writes_comparison_and_never_overwrites(tmp_path, capsys, umask):
    import os

    from sklearn.datasets import load_sample_image

    from somcolor import load_pretrained, to_grey
    from somcolor.metrics import per_image_ciede2000

    expected = umask(0o002)  # group may write: 0o664
    target = tmp_path / "demo.png"
    target.write_bytes(b"user file")
    assert main(["demo", "-o", str(target)]) == 0
    assert target.read_bytes() == b"user file"
    written = tmp_path / "demo-1.png"
    assert os.stat(written).st_mode & 0o777 == expected
    picture = skio.imread(written)
    out = capsys.readouterr().out
    assert str(written) in out
    figures = re.findall(
        r"colorized (\d+\.\d+), grey (\d+\.\d+), mean colour (\d+\.\d+)", out
    )
    (shipped, fitted) = [tuple(map(float, f)) for f in figures]
    # 1. The shipped model on scikit-learn's china.jpg, no training: the
    # printed figure is that model's, recomputed here.
    china = load_sample_image("china.jpg")
    colour = load_pretrained("photos").predict(to_grey([china]))
    assert shipped[0] == round(per_image_ciede2000([china], colour)[0], 2)
    # 2. Fit on the left motorcycle view: the right view comes out closer to
    # its truth than grey and than the mean colour.
    assert fitted[0] < fitted[1] and fitted[0] < fitted[2]
    # Two rows, grey | colorized | original, each titled above its panels,
    # equally wide: the wider photograph's panels are shown at the other's
    # width (500 x 741 at 432 x 640), the figures measured at full size.
    (h0, w0), (h1, w1) = china.shape[:2], skdata.stereo_motorcycle()[1].shape[:2]
    assert w0 < w1
    rows = [((h0, w0), shipped), ((round(h1 * w0 / w1), w0), fitted)]
    assert picture.shape[1] == 3 * w0 + 2 * 8
    top = 0
    for (height, width), (colorized, grey, _) in rows:
        band = int(round(max(12, height // 16) * 1.6))
        panels = picture[top + band : top + band + height]
        left = panels[:, :width].astype(int)
        assert np.abs(left[..., 0] - left[..., 1]).max() <= 1  # grey
        middle = panels[:, width + 8 : 2 * width + 8].astype(int)
        assert np.abs(middle[..., 0] - middle[..., 2]).mean() > 2  # colour
        titles = [
            f"grey: CIEDE2000 {grey:.2f}",
            f"colorized: CIEDE2000 {colorized:.2f}",
            "original",
        ]
        for k, title in enumerate(titles):
            above = picture[top : top + band, k * (width + 8) : k * (width + 8) + width]
            ink = above.min(axis=-1) < 128
            size = max(12, height // 16)
            assert np.array_equal(ink, _title_ink(title, width, band, size))
            assert not np.array_equal(ink, _title_ink(title + "1", width, band, size))
        top += band + height + 8
    assert picture.shape[0] == top - 8


def _title_ink(text, width, band, size):
    """Dark pixels of ``text`` drawn centred with Pillow's default font."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (width, band), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=size)
    x = (width - draw.textlength(text, font=font)) / 2
    draw.text((x, band / 2), text, fill=0, font=font, anchor="lm")
    return np.asarray(image) < 128


# -- fit / colorize / evaluate on real image files ------------------------

COMMANDS = ["fit", "colorize", "evaluate", "demo"]


def _write_folder(folder, images, suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, image in enumerate(images):
        path = folder / f"photo{k}{suffix}"
        skio.imsave(path, image, check_contrast=False)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def fitted_model(tmp_path_factory, small_rgb_images):
    """A model written by ``somcolor fit`` on a folder of PNG files."""
    root = tmp_path_factory.mktemp("cli")
    train = root / "train"
    _write_folder(train, small_rgb_images[:3])
    model = root / "model.skops"
    status = main(
        [
            "fit",
            str(train),
            "-o",
            str(model),
            "--pixels-per-image",
            "400",
            "--hidden-layers",
            "16",
            "--som-rows",
            "2",
            "--som-cols",
            "3",
            "--palette",
            "--quiet",
        ]
    )
    assert status == 0
    return model


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: somcolor {command}")
    assert "--quiet" in out or command == "demo"


def test_top_level_help_lists_commands():
    result = subprocess.run(
        [sys.executable, "-m", "somcolor", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("Usage: somcolor")
    for command in COMMANDS:
        assert command in result.stdout


def test_fit_writes_model_palette_and_summary(fitted_model, capsys):
    import somcolor

    model = somcolor.load(fitted_model)
    assert isinstance(model, somcolor.ColorizerPipeline)
    assert model.codebook_.shape == (6, 2)
    assert model.classifier_.hidden_layer_sizes == (16,)
    assert model.n_training_pixels_ == 3 * 400
    palette = skio.imread(fitted_model.with_name("model-palette.png"))
    assert palette.ndim == 3 and palette.shape[0] > 50
    # The palette is colourful: its channels differ.
    assert np.abs(palette[..., 0].astype(int) - palette[..., 2]).max() > 30


def test_fit_summary_and_refuses_to_overwrite(tmp_path, small_rgb_images, capsys):
    _write_folder(tmp_path / "train", small_rgb_images[:2], suffix=".jpg")
    model = tmp_path / "m.skops"
    args = ["fit", str(tmp_path / "train" / "*.jpg"), "-o", str(model), "-q"]
    args += ["--pixels-per-image", "200", "--hidden-layers", "8"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "trained on 2 colour image(s), 400 training pixels" in out
    assert "codebook: 3x3 = 9 colours" in out
    assert re.search(r"training pixel accuracy: 0\.\d{3}", out)
    before = model.read_bytes()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "exists; pass --overwrite" in err and len(err.strip().splitlines()) == 1
    assert model.read_bytes() == before


def test_every_file_written_gets_the_mode_the_umask_gives(
    tmp_path, small_rgb_images, umask
):
    import os

    from somcolor import to_grey

    expected = umask(0o027)  # group may read, others nothing: 0o640
    _write_folder(tmp_path / "train", small_rgb_images[:2])
    model = tmp_path / "m.skops"
    args = ["fit", str(tmp_path / "train"), "-o", str(model), "-q", "--palette"]
    assert main(args + ["--pixels-per-image", "200", "--hidden-layers", "8"]) == 0
    grey = np.round(to_grey(small_rgb_images[2:3])[0] * 255).astype(np.uint8)
    _write_folder(tmp_path / "old", [grey])
    outdir = tmp_path / "out"
    assert main(["colorize", str(model), str(tmp_path / "old"), "-o", str(outdir)]) == 0
    written = [model, tmp_path / "m-palette.png", outdir / "photo0.png"]
    assert [os.stat(p).st_mode & 0o777 for p in written] == [expected] * 3


def test_fit_on_tiny_data_says_so_once_in_its_own_words(
    tmp_path, small_rgb_images, capsys
):
    import warnings

    _write_folder(tmp_path / "train", small_rgb_images[:2])
    model = tmp_path / "m.skops"
    args = ["fit", str(tmp_path / "train"), "-o", str(model), "-q"]
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        assert main(args + ["--hidden-layers", "8", "--max-epochs", "3"]) == 0
    assert leaked == []  # nothing through Python's warnings
    captured = capsys.readouterr()
    assert "Warning" not in captured.err and "warnings.warn" not in captured.err
    notes = [line for line in captured.out.splitlines() if line.startswith("note:")]
    pixels = 40 * 48 + 44 * 46  # every pixel of both: fewer than 2500 each
    assert notes == [
        f"note: {pixels:,} training pixels from 2 image(s) is very little: expect "
        f"a poor model on other photographs (on landscapes, fewer than "
        f"{MIN_IMAGES} images or {MIN_PIXELS:,} pixels colorized worse than "
        "plain grey); train on more photographs",
        "note: the MLP stopped at its limit of 3 epochs before converging; the "
        "model is usable, and may improve with --max-epochs 6 (slower)",
    ]
    assert somcolor_load(model).classifier_.max_iter == 3


def test_fit_refuses_grey_images(tmp_path, small_rgb_images, capsys):
    from somcolor import to_grey

    grey = [np.round(g * 255).astype(np.uint8) for g in to_grey(small_rgb_images[:2])]
    _write_folder(tmp_path / "grey", grey)
    status = main(
        ["fit", str(tmp_path / "grey"), "-o", str(tmp_path / "m.skops"), "-q"]
    )
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith("somcolor: error: all 2 image(s) are grey")
    assert not (tmp_path / "m.skops").exists()


def test_colorize_keeps_names_and_never_overwrites(
    fitted_model, tmp_path, small_rgb_images, capsys
):
    from somcolor import to_grey

    inputs = tmp_path / "in"
    colour = _write_folder(inputs, small_rgb_images[3:4])  # a colour PNG
    grey = np.round(to_grey(small_rgb_images[:1])[0] * 255).astype(np.uint8)
    skio.imsave(inputs / "old.jpg", grey)  # a grey JPEG
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "old.jpg").write_bytes(b"keep me")

    status = main(["colorize", str(fitted_model), str(inputs), "-o", str(outdir)])
    assert status == 0
    out = capsys.readouterr().out
    assert "1 written, 1 skipped, 0 failed" in out
    assert (outdir / "old.jpg").read_bytes() == b"keep me"
    result = skio.imread(outdir / colour[0].name)
    assert result.shape == small_rgb_images[3].shape
    # Colour inputs are made grey first: the output is a colorization, and
    # its chroma is not the original's.
    assert np.abs(result[..., 0].astype(int) - result[..., 2]).mean() > 1
    assert not np.array_equal(result, small_rgb_images[3])

    status = main(
        ["-q", "colorize", str(fitted_model), str(inputs), "-o", str(outdir)]
        + ["--overwrite"]
    )
    assert status == 0
    captured = capsys.readouterr()
    assert "2 written, 0 skipped, 0 failed" in captured.out
    assert captured.err == ""  # --quiet: no progress bar
    replaced = skio.imread(outdir / "old.jpg")
    assert replaced.shape == grey.shape + (3,)
    assert sorted(p.name for p in outdir.iterdir()) == ["old.jpg", "photo0.png"]


def test_colorize_write_is_atomic(
    fitted_model, tmp_path, small_rgb_images, monkeypatch
):
    import skimage.io

    inputs = _write_folder(tmp_path / "in", small_rgb_images[:1])
    outdir = tmp_path / "out"

    def broken_imsave(path, image, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise OSError("disk full")

    monkeypatch.setattr(skimage.io, "imsave", broken_imsave)
    status = main(["colorize", str(fitted_model), str(inputs[0]), "-o", str(outdir)])
    assert status == 1
    # Neither the target nor a temporary file is left behind.
    assert list(outdir.iterdir()) == []


def test_colorize_reports_bad_inputs_in_one_line(
    fitted_model, tmp_path, small_rgb_images, capsys
):
    inputs = tmp_path / "in"
    _write_folder(inputs, small_rgb_images[:1])
    (inputs / "notes.png").write_text("not an image")
    outdir = tmp_path / "out"
    status = main(["colorize", str(fitted_model), str(inputs), "-o", str(outdir), "-q"])
    assert status == 1
    captured = capsys.readouterr()
    assert "1 written, 0 skipped, 1 failed" in captured.out
    failures = captured.err.strip().splitlines()
    assert (
        len(failures) == 1
        and "notes.png: not an image somcolor can read" in failures[0]
    )
    assert "Traceback" not in captured.err

    for argv, expected in [
        (["colorize", str(fitted_model), str(tmp_path / "missing.png")], "No file"),
        (
            ["colorize", str(tmp_path / "nope.skops"), str(inputs)],
            "names no model file, and is not the name of a shipped model",
        ),
        (["colorize", str(inputs / "notes.png"), str(inputs)], "not a somcolor model"),
    ]:
        status = main(argv + ["-o", str(outdir)])
        err = capsys.readouterr().err
        assert status == 1
        assert err.startswith("somcolor: error:") and expected in err
        assert len(err.strip().splitlines()) == 1


def test_colorize_unwritable_output_folder(
    fitted_model, tmp_path, small_rgb_images, capsys
):
    inputs = _write_folder(tmp_path / "in", small_rgb_images[:1])
    blocker = tmp_path / "file"
    blocker.write_text("x")
    argv = ["colorize", str(fitted_model), str(inputs[0]), "-o", str(blocker / "out")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("somcolor: error: cannot write in")
    assert len(err.strip().splitlines()) == 1


def test_evaluate_prints_table_next_to_grey(
    fitted_model, tmp_path, small_rgb_images, capsys
):
    _write_folder(tmp_path / "held_out", small_rgb_images[3:])
    status = main(["evaluate", str(fitted_model), str(tmp_path / "held_out"), "-q"])
    assert status == 0
    out = capsys.readouterr().out
    rows = {}
    for line in out.splitlines():
        match = re.match(
            r"(colorized|grey \(U = V = 0\)|oracle \(codebook\))\s+"
            r"(\d+\.\d+)\s+(\d+\.\d+)",
            line,
        )
        if match:
            rows[match.group(1)] = (float(match.group(2)), float(match.group(3)))
    assert set(rows) == {"colorized", "grey (U = V = 0)", "oracle (codebook)"}
    assert rows["grey (U = V = 0)"][1] == 0.0  # grey has no colourfulness
    # The colorized row is the pipeline's own score on the same files.
    import somcolor

    held_out = [skio.imread(p) for p in sorted((tmp_path / "held_out").iterdir())]
    expected = -somcolor.load(fitted_model).score(held_out)
    assert rows["colorized"][0] == pytest.approx(expected, abs=0.006)
    assert re.search(r"pixel accuracy of the class map: [01]\.\d{3}", out)


def test_fit_quality_options_reach_the_model(tmp_path, small_rgb_images):
    from somcolor import load, to_grey

    _write_folder(tmp_path / "train", small_rgb_images[:2])
    common = ["fit", str(tmp_path / "train"), "-q", "--pixels-per-image", "200"]
    common += ["--hidden-layers", "8"]
    plain = tmp_path / "plain.skops"
    tuned = tmp_path / "tuned.skops"
    assert main(common + ["-o", str(plain)]) == 0
    options = ["--decoding", "soft", "--temperature", "0.5", "--rebalance", "0.5"]
    options += ["--position-features", "--context", "3,6", "--texture", "5"]
    options += ["--predict-scale", "training"]
    assert main(common + ["-o", str(tuned)] + options) == 0
    model = load(tuned)
    params = model.get_params()
    assert params["decoding"] == "soft" and params["temperature"] == 0.5
    assert params["rebalance"] == 0.5 and params["extractor__position"] is True
    assert params["extractor__context"] == (3, 6)
    assert params["extractor__texture"] == (5,)
    assert params["predict_scale"] == "training"
    # 9 patch values + 18 context values + 1 texture value + 2 positions.
    assert model.classifier_.n_features_in_ == 30
    grey = to_grey(small_rgb_images[2:3])
    assert not np.array_equal(model.predict(grey)[0], load(plain).predict(grey)[0])


@pytest.mark.parametrize(
    "option, value", [("--context", "1"), ("--texture", "3,x"), ("--context", ",")]
)
def test_fit_refuses_bad_scales(tmp_path, capsys, small_rgb_images, option, value):
    _write_folder(tmp_path / "train", small_rgb_images[:1])
    out = tmp_path / "m.skops"
    status = main(["fit", str(tmp_path / "train"), "-o", str(out), option, value])
    assert status == 1 and not out.exists()
    assert f"{option} must be integers >= 2" in capsys.readouterr().err


def test_fit_recipe_is_the_shipped_configuration_with_overrides(
    tmp_path, capsys, small_rgb_images
):
    from somcolor import load
    from somcolor.pretrained import recipe

    _write_folder(tmp_path / "train", small_rgb_images[:2])
    common = ["fit", str(tmp_path / "train"), "-q", "--max-epochs", "2"]
    out = tmp_path / "photos.skops"
    assert main(common + ["-o", str(out), "--recipe", "photos"]) == 0
    params = load(out).get_params()
    expected = recipe("photos").get_params()
    for name in ("decoding", "temperature", "predict_scale", "random_state"):
        assert params[name] == expected[name]
    for name in ("patch_size", "context", "texture", "position"):
        assert params[f"extractor__{name}"] == getattr(expected["extractor"], name)
    assert params["classifier__max_iter"] == 2  # given, so it overrides
    # An option given on the command line overrides the recipe's; the rest stay.
    tuned = tmp_path / "tuned.skops"
    options = ["--recipe", "photos", "--temperature", "0.5", "--context", "4,8"]
    assert main(common + ["-o", str(tuned)] + options) == 0
    params = load(tuned).get_params()
    assert params["temperature"] == 0.5 and params["extractor__context"] == (4, 8)
    assert params["extractor__texture"] == expected["extractor"].texture
    assert params["decoding"] == "soft"
    capsys.readouterr()
    unknown = tmp_path / "unknown.skops"
    assert main(common + ["-o", str(unknown), "--recipe", "nope"]) == 1
    err = capsys.readouterr().err
    assert "--recipe must be one of photos, landscapes, opencountry" in err
    assert not unknown.exists()


# -- colour like a reference, hints, videos ---------------------------------


@pytest.fixture(scope="module")
def motorcycle(tmp_path_factory):
    """A colour reference (the left view) and a grey photograph to colour."""
    from somcolor import to_grey

    left, right, _ = skdata.stereo_motorcycle()
    folder = tmp_path_factory.mktemp("motorcycle")
    reference, grey = folder / "left.png", folder / "right.png"
    skio.imsave(reference, left[::4, ::4])
    skio.imsave(grey, np.round(to_grey([right[::4, ::4]])[0] * 255).astype(np.uint8))
    return reference, grey


def test_colorize_like_a_reference_is_fit_reference(motorcycle, tmp_path, capsys):
    from somcolor import fit_reference
    from somcolor._files import read_image, to_uint8

    reference, grey = motorcycle
    out, saved = tmp_path / "out", tmp_path / "like.skops"
    argv = ["-q", "colorize", "--like", str(reference), str(grey), "-o", str(out)]
    assert main(argv + ["--save-model", str(saved)]) == 0
    stdout = capsys.readouterr().out
    assert "fitted on 1 reference image(s)" in stdout and "1 written" in stdout
    expected = fit_reference([read_image(reference)], random_state=0)
    colour = to_uint8(expected.predict([read_image(grey)])[0])
    np.testing.assert_array_equal(skio.imread(out / "right.png"), colour)
    # The saved colorizer is that fit.
    np.testing.assert_array_equal(
        to_uint8(somcolor_load(saved).predict([read_image(grey)])[0]), colour
    )
    # The saved model is never replaced without --overwrite, and nothing is
    # fit or written then.
    before = saved.read_bytes()
    assert main(argv + ["--save-model", str(saved)]) == 1
    assert "--save-model" in capsys.readouterr().err
    assert saved.read_bytes() == before


@pytest.mark.parametrize(
    "case, expected",
    [
        ("grey", "a grey image; a reference must be a colour photograph"),
        ("tiny", "too small (10x12 pixels)"),
        ("empty", "no image files found"),
        ("save without fit", "--save-model needs --like or --keyframes"),
    ],
)
def test_colorize_like_refuses_bad_references_in_one_line(
    motorcycle, tmp_path, capsys, case, expected
):
    reference, grey = motorcycle
    out = tmp_path / "out"
    (tmp_path / "empty").mkdir()
    skio.imsave(
        tmp_path / "tiny.png",
        np.full((10, 12, 3), (200, 40, 40), np.uint8),
        check_contrast=False,
    )
    argv = {
        "grey": ["--like", str(grey), str(grey)],
        "tiny": ["--like", str(tmp_path / "tiny.png"), str(grey)],
        "empty": ["--like", str(tmp_path / "empty"), str(grey)],
        "save without fit": ["photos", str(grey), "--save-model", "m.skops"],
    }[case]
    assert main(["-q", "colorize", *argv, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("somcolor: error: ") and expected in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def _hint_layer(shape, box, colour):
    layer = np.zeros(shape + (4,), np.uint8)
    (r0, r1), (c0, c1) = box
    layer[r0:r1, c0:c1] = (*colour, 255)
    return layer


def test_colorize_hints_folder(fitted_model, tmp_path, small_rgb_images, capsys):
    from somcolor import load, to_grey
    from somcolor._files import to_uint8
    from somcolor.steering import hints_from_rgba

    inputs, hints, out = tmp_path / "in", tmp_path / "hints", tmp_path / "out"
    inputs.mkdir(), hints.mkdir()
    greys = [np.round(g * 255).astype(np.uint8) for g in to_grey(small_rgb_images[:2])]
    skio.imsave(inputs / "a.jpg", greys[0])
    skio.imsave(inputs / "b.png", greys[1])
    layer = _hint_layer(greys[0].shape, ((5, 12), (5, 12)), (230, 30, 200))
    skio.imsave(hints / "a.png", layer, check_contrast=False)  # for a.jpg
    skio.imsave(hints / "nobody.png", layer, check_contrast=False)
    argv = ["-q", "colorize", str(fitted_model), str(inputs), "-o", str(out)]
    assert main(argv + ["--hints", str(hints)]) == 0
    captured = capsys.readouterr()
    warning = [line for line in captured.err.splitlines() if "nobody.png" in line]
    assert len(warning) == 1 and warning[0].startswith("warning: hints:")
    model = load(fitted_model)
    a = skio.imread(inputs / "a.jpg")
    expected = model.predict([a], hints=[hints_from_rgba(layer)])[0]
    written = skio.imread(out / "b.png")  # no hints: the plain colorization
    np.testing.assert_array_equal(written, to_uint8(model.predict([greys[1]])[0]))
    # a.jpg took hints/a.png: its (JPEG, so lossy) output is the hinted
    # colorization, which differs from the plain one where the hint is.
    hinted = skio.imread(out / "a.jpg").astype(float)
    plain = model.predict([a])[0]
    box = np.s_[5:12, 5:12]
    assert np.abs(expected - plain)[box].mean() > 0.02
    near = np.abs(hinted - to_uint8(expected))[box].mean()
    assert near < 3 < np.abs(hinted - to_uint8(plain))[box].mean()


@pytest.mark.parametrize(
    "layer, expected",
    [
        ("small", "hints {hints}/b.png is 15x16 pixels, but its image"),
        ("rgb", "a PNG in RGB without an alpha channel"),
        ("grey", "a PNG in grey without an alpha channel"),
    ],
)
def test_colorize_refuses_bad_hints_before_writing(
    fitted_model, tmp_path, small_rgb_images, capsys, layer, expected
):
    inputs, hints, out = tmp_path / "in", tmp_path / "hints", tmp_path / "out"
    _write_folder(inputs, small_rgb_images[:2])  # photo0.png, photo1.png
    hints.mkdir()
    shape = small_rgb_images[1].shape[:2]
    image = {
        "small": _hint_layer((16, 15), ((0, 2), (0, 2)), (0, 0, 255)),
        "rgb": np.zeros(shape + (3,), np.uint8),
        "grey": np.zeros(shape, np.uint8),
    }[layer]
    skio.imsave(hints / "photo1.png", image, check_contrast=False)
    argv = ["-q", "colorize", str(fitted_model), str(inputs), "-o", str(out)]
    assert main(argv + ["--hints", str(hints)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("somcolor: error: hints ")
    assert expected.format(hints=hints).replace("b.png", "photo1.png") in err
    assert not out.exists() or not any(out.iterdir())


def _frames(folder, count=6, shift=3):
    """A pan over a colour photograph, as numbered PNG frames."""
    photo = skdata.astronaut()[::8, ::8]
    folder.mkdir()
    frames = [np.roll(photo, shift * k, axis=1) for k in range(count)]
    for k, frame in enumerate(frames):
        skio.imsave(folder / f"frame_{k:03d}.png", frame)
    return frames


def test_colorize_frame_folder_with_keyframes(tmp_path, capsys):
    from somcolor import fit_reference
    from somcolor._files import to_uint8
    from somcolor.temporal import STEADINESS, FrameColorizer
    from somcolor.video import grey_levels

    frames = _frames(tmp_path / "film")
    out = tmp_path / "out"
    argv = ["-q", "colorize", "--keyframes", "0", str(tmp_path / "film")]
    assert main(argv + ["-o", str(out)]) == 0
    assert "6 frames" in capsys.readouterr().out
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"frame_{k:03d}.png" for k in range(6)]
    # Keyframe 0 is written as it is; the others are the FrameColorizer's.
    np.testing.assert_array_equal(skio.imread(out / names[0]), frames[0])
    model = fit_reference([frames[0]], random_state=0)
    colorize = FrameColorizer(model, steadiness=STEADINESS, keyframes={0: frames[0]})
    # colorize_video hands the colorizer each frame's grey_levels.
    for k, grey in enumerate(map(grey_levels, frames)):
        expected = to_uint8(colorize(grey, k))
        np.testing.assert_array_equal(skio.imread(out / names[k]), expected)
    # Rerun: the frames exist, so nothing is fit or written.
    assert main(argv + ["-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "pass --overwrite" in err and "fitted" not in err


def test_colorize_video_file(tmp_path, capsys):
    pytest.importorskip(
        "av", reason='video files need PyAV: pip install "somcolor[video]"'
    )
    from somcolor.video import VideoWriter, open_video

    frames = _frames(tmp_path / "film", count=8)
    film = tmp_path / "film.mp4"
    with VideoWriter(film, fps=12, size=frames[0].shape[1::-1]) as writer:
        for frame in frames:
            writer.write(frame)
    out = tmp_path / "colour.mp4"
    argv = ["-q", "colorize", "--like", str(tmp_path / "film" / "frame_000.png")]
    assert main(argv + [str(film), "-o", str(out)]) == 0
    video = open_video(out)
    assert (video.n_frames, video.size, video.fps) == (8, (64, 64), 12)
    colour = list(video)
    assert np.abs(colour[3][..., 0].astype(int) - colour[3][..., 2]).mean() > 2
    # Into a folder: the video keeps its name.
    assert main(argv + [str(film), "-o", str(tmp_path / "outdir")]) == 0
    assert (tmp_path / "outdir" / "film.mp4").is_file()
    capsys.readouterr()
    # An existing output, a file that is not a video, two videos into one file.
    (tmp_path / "bad.mp4").write_bytes(b"not a film")
    for inputs, output, expected in [
        ([film], out, "exists; pass --overwrite"),
        ([tmp_path / "bad.mp4"], tmp_path / "o.mp4", "bad.mp4"),
        ([film, film], tmp_path / "o2.mp4", "a video file holds one video"),
    ]:
        before = sorted(tmp_path.iterdir())
        assert main(argv + [*map(str, inputs), "-o", str(output)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("somcolor: error: ") and expected in err
        assert len(err.strip().splitlines()) == 1
        assert sorted(tmp_path.iterdir()) == before


def test_colorize_refuses_frames_of_different_sizes(tmp_path, capsys):
    folder = tmp_path / "film"
    folder.mkdir()
    skio.imsave(
        folder / "f_0.png", np.full((40, 50, 3), 90, np.uint8), check_contrast=False
    )
    skio.imsave(
        folder / "f_1.png", np.full((41, 50, 3), 90, np.uint8), check_contrast=False
    )
    argv = ["-q", "colorize", "--keyframes", "0", str(folder), "-o"]
    assert main(argv + [str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "frames of different sizes" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_folder_of_numbered_photographs_stays_photographs(tmp_path, capsys):
    # IMG_0001.jpg, IMG_0002.jpg, ... of one size: photographs, each on its
    # own, unless --keyframes, --steadiness or a video output make a film.
    _frames(tmp_path / "film", count=3)
    out = tmp_path / "out"
    argv = ["-q", "colorize", "--like", str(tmp_path / "film" / "frame_000.png")]
    assert main(argv + [str(tmp_path / "film"), "-o", str(out)]) == 0
    assert "3 written, 0 skipped, 0 failed" in capsys.readouterr().out
    assert (
        main(
            argv
            + [str(tmp_path / "film"), "-o", str(tmp_path / "f")]
            + ["--steadiness", "0.5"]
        )
        == 0
    )
    assert "3 frames" in capsys.readouterr().out
