"""The ``somcolor`` command line (also ``python -m somcolor``).

Commands: ``fit``, ``colorize``, ``evaluate``, ``demo`` and ``serve``;
``somcolor COMMAND --help`` describes each. Bad input (a missing file, a file that is
not an image, an output folder that cannot be written) is explained in one
line on stderr, without a traceback, and gives a non-zero exit status.
"""

import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import click

from . import __version__

__all__ = ["cli", "main"]


class _InputError(click.ClickException):
    """Bad input, reported in one line as ``somcolor: error: ...``."""

    def show(self, file=None):
        click.echo(f"somcolor: error: {self.format_message()}", err=True)


def _files(patterns):
    """Expand files, folders and globs, or fail in one line."""
    from ._files import list_image_files, no_images_found

    try:
        files = list_image_files(list(patterns))
    except FileNotFoundError as exc:
        raise _InputError(str(exc)) from exc
    if not files:
        raise _InputError(no_images_found(patterns))
    return files


def _read_colour(files, quiet, use):
    """Colour images of ``files``; grey ones and unreadable ones set apart.

    Returns ``(colour_images, grey_paths, failures)``; each failure is
    reported on stderr in one line as it is met, and colour images with an
    alpha channel, whose alpha is ignored, in one note (``use`` says what
    the command does with their pixels).
    """
    from ._files import colour_or_none, has_alpha
    from ._progress import progress

    colour, grey, failed, transparent = [], [], [], []
    for path in progress(files, verbose=not quiet, desc="reading"):
        try:
            image = _read(path)
        except _InputError as exc:
            failed.append(path)
            click.echo(f"failed: {exc.format_message()}", err=True)
            continue
        rgb = colour_or_none(image)
        if rgb is None:
            grey.append(path)
        else:
            colour.append(rgb)
            if has_alpha(image):
                transparent.append(Path(path))
    if transparent:
        click.echo(
            f"note: {len(transparent)} image(s) have transparency (an alpha "
            f"channel), which is ignored: {use} every pixel with the colour it "
            f"stores, transparent or not ({_names(transparent)})"
        )
    return colour, grey, failed


def _read(path):
    """Read one image file as an array; raise _InputError when it cannot."""
    from ._files import ImageFileError, read_image

    try:
        return read_image(path)
    except ImageFileError as exc:
        raise _InputError(str(exc)) from exc


def _one_line(exc):
    from ._files import _one_line

    return _one_line(exc)


def _load_model(model):
    """A model file, or a shipped model's name (a file of that name wins)."""
    from .persistence import ModelFileError
    from .pretrained import resolve_model

    try:
        return resolve_model(model)
    except (FileNotFoundError, ModelFileError, ImportError) as exc:
        raise _InputError(str(exc)) from exc


def _check_writable_folder(folder):
    """Create ``folder`` if needed and check that files can be written there."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise _InputError(f"{folder}: exists and is not a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".somcolor-write-test-")
        os.close(fd)
        os.remove(probe)
    except OSError as exc:
        raise _InputError(f"cannot write in {folder}: {exc.strerror or exc}.") from exc


def _quiet(ctx, quiet):
    return bool(quiet or (ctx.obj or {}).get("quiet"))


quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress bars (the summary is printed)."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="somcolor")
@quiet_option
@click.pass_context
def cli(ctx, quiet):
    """Colorize grey photographs with a SOM chroma codebook and an MLP.

    No training needed: somcolor ships fitted models (photos for general
    photographs, landscapes, opencountry). Colorize a folder of old grey
    photographs into another folder:

    \b
      somcolor colorize photos old/ -o out/

    Far better, when you have one colour photograph of something similar
    (or one coloured frame of your film): colour like it, in seconds:

    \b
      somcolor colorize --like beach-colour.jpg old-beach/ -o out/
      somcolor colorize --like keyframe.jpg film.mp4 -o film-colour.mp4

    Or train on a folder of your own colour photographs of one kind
    (portraits, a family archive, ...), then colorize grey photographs of
    that kind:

    \b
      somcolor fit my-colour-photos/ -o model.skops --palette
      somcolor colorize model.skops old/ -o out/
      somcolor evaluate model.skops held-out-photos/

    To see both at work on bundled photographs: somcolor demo. For a web
    page instead of a terminal: somcolor serve. Run ``somcolor COMMAND
    --help`` for the options of each command.
    """
    ctx.ensure_object(dict)
    ctx.obj["quiet"] = quiet


@cli.command()
@click.argument("images", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Model file to write (a .skops file, read by 'somcolor colorize').",
)
@click.option(
    "--recipe",
    default=None,
    metavar="NAME",
    help="Start from the configuration of a shipped model (photos, landscapes "
    "or opencountry: its features, codebook, network and decoding) and fit it "
    "on IMAGES; options given on the command line override it. Without it, "
    "the paper's configuration.",
)
@click.option(
    "--patch-size",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Side of the square lightness patch around each pixel (odd).",
)
@click.option(
    "--som-rows",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows of the SOM colour map.",
)
@click.option(
    "--som-cols",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Columns of the SOM colour map (rows x cols colours).",
)
@click.option(
    "--hidden-layers",
    default="50,50",
    show_default=True,
    help="Sizes of the MLP's hidden layers, comma separated.",
)
@click.option(
    "--pixels-per-image",
    default=2500,
    show_default=True,
    type=click.IntRange(min=1),
    help="Training pixels sampled per image.",
)
@click.option(
    "--max-epochs",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most passes of the MLP over the training pixels; it stops earlier "
    "when its score on a held-out tenth stops improving.",
)
@click.option(
    "--random-state",
    default=0,
    show_default=True,
    type=int,
    help="Seed of the sampled pixels, the SOM and the MLP. The same seed, images "
    "and options give the same model, to the bit, with the same versions of "
    "somcolor, NumPy, SciPy and scikit-learn on the same kind of CPU, whatever "
    "-j, the thread settings and the machine's load (the MLP trains with one "
    "BLAS thread, whose count would change its weights). Other versions or "
    "another CPU may give another model.",
)
@click.option(
    "--decoding",
    type=click.Choice(["argmax", "soft"]),
    default="argmax",
    show_default=True,
    help="Chroma of a pixel: its most likely colour (the paper), or the annealed "
    "mean of the colours under the classifier's probabilities.",
)
@click.option(
    "--temperature",
    default=0.38,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Temperature of --decoding soft (lower: closer to argmax, more colourful).",
)
@click.option(
    "--rebalance",
    default=None,
    type=click.FloatRange(min=0, max=1, min_open=True),
    help="Weight rare colours up in training: in (0, 1], smaller favours rare "
    "colours more, 1 is no rebalancing (Zhang et al. use 0.5).",
)
@click.option(
    "--position-features/--no-position-features",
    default=False,
    show_default=True,
    help="Add each pixel's normalised row and column to its features.",
)
@click.option(
    "--context",
    default=None,
    metavar="SCALES",
    help="Add coarser, wider views: for each scale s (comma separated, e.g. "
    "4,8,16,32), the mean lightness of s x s boxes at 3x3 points s pixels apart.",
)
@click.option(
    "--texture",
    default=None,
    metavar="SIZES",
    help="Add the local standard deviation of the lightness over boxes of these "
    "sides (comma separated, e.g. 3,9).",
)
@click.option(
    "--predict-scale",
    type=click.Choice(["input", "training"]),
    default="input",
    show_default=True,
    help="Colorize at the input's size, or at the training images' scale with "
    "the chroma enlarged (for photos larger than the training ones).",
)
@click.option(
    "--palette/--no-palette",
    default=False,
    show_default=True,
    help="Also write the codebook as a palette picture, MODEL-palette.png "
    "(needs matplotlib).",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing model file.")
@quiet_option
@click.pass_context
def fit(
    ctx,
    images,
    output,
    recipe,
    patch_size,
    som_rows,
    som_cols,
    hidden_layers,
    pixels_per_image,
    max_epochs,
    random_state,
    decoding,
    temperature,
    rebalance,
    position_features,
    context,
    texture,
    predict_scale,
    palette,
    overwrite,
    quiet,
):
    """Train a colorizer on colour IMAGES and save it to a model file.

    IMAGES are image files, folders (every image inside, not recursive) or
    glob patterns ("photos/*.jpg", quoted). Grey images are skipped: there
    is no colour to learn from them.
    """
    import numpy as np
    from click.core import ParameterSource

    from .persistence import save
    from .pipeline import ColorizerPipeline, _default_component
    from .pretrained import available
    from .pretrained import recipe as recipe_of

    quiet = _quiet(ctx, quiet)
    start = time.perf_counter()
    if recipe is not None and recipe not in available():
        from .pretrained import _did_you_mean

        raise _InputError(
            f"--recipe must be one of {', '.join(available())}, got "
            f"{recipe!r}{_did_you_mean(recipe) or '.'}"
        )
    layers = _int_list(hidden_layers, "--hidden-layers", 1)
    context = None if context is None else _int_list(context, "--context", 2)
    texture = None if texture is None else _int_list(texture, "--texture", 2)
    if patch_size % 2 == 0:
        raise _InputError(f"--patch-size must be odd, got {patch_size}.")
    output = Path(output)
    if output.exists() and not overwrite:
        raise _InputError(
            f"{output} exists; pass --overwrite to replace it, or choose another "
            "name with -o."
        )
    _check_writable_folder(output.parent if str(output.parent) else Path("."))
    files = _files(images)
    colour, grey, failed = _read_colour(files, quiet, "fit learns from")
    if not colour:
        readable = len(files) - len(failed)
        raise _InputError(
            f"all {readable} image(s) are grey"
            + (f" ({len(failed)} unreadable)" if failed else "")
            + "; fit needs colour photographs."
        )
    # Every option as a parameter of the pipeline; with --recipe, only those
    # given on the command line override the recipe's.
    options = {
        "patch_size": ("extractor__patch_size", patch_size),
        "som_rows": ("quantizer__n_rows", som_rows),
        "som_cols": ("quantizer__n_cols", som_cols),
        "hidden_layers": ("classifier__hidden_layer_sizes", layers),
        "max_epochs": ("classifier__max_iter", max_epochs),
        "pixels_per_image": ("pixels_per_image", pixels_per_image),
        "random_state": ("random_state", random_state),
        "decoding": ("decoding", decoding),
        "temperature": ("temperature", temperature),
        "rebalance": ("rebalance", rebalance),
        "position_features": ("extractor__position", position_features),
        "context": ("extractor__context", context),
        "texture": ("extractor__texture", texture),
        "predict_scale": ("predict_scale", predict_scale),
    }
    if recipe is None:
        model = ColorizerPipeline()
    else:
        model = recipe_of(recipe)
        options = {
            name: option
            for name, option in options.items()
            if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT
        }
    for name in ("quantizer", "extractor", "classifier"):
        if getattr(model, name) is None:
            model.set_params(**{name: _default_component(name)})
    model.set_params(verbose=int(not quiet), **dict(options.values()))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(colour)
    except (ValueError, TypeError) as exc:
        raise _InputError(_one_line(exc)) from exc
    notes = _fit_notes(caught, len(colour))
    # Pixel accuracy on (at most 20, evenly spaced) training images.
    shown = np.linspace(0, len(colour) - 1, min(len(colour), 20)).round().astype(int)
    accuracy = _training_accuracy(model, [colour[i] for i in np.unique(shown)])
    model.set_params(verbose=0)
    save(model, output)
    seconds = time.perf_counter() - start
    lines = [
        f"trained on {len(colour)} colour image(s)"
        + (f" ({len(grey)} grey image(s) skipped)" if grey else "")
        + (f" ({len(failed)} unreadable file(s) skipped)" if failed else "")
        + f", {model.n_training_pixels_} training pixels",
        f"codebook: {model.quantizer_.n_rows}x{model.quantizer_.n_cols} = "
        f"{len(model.codebook_)} colours; "
        f"{len(model.extractor_.get_feature_names_out())} features per pixel "
        f"({model.extractor_.patch_size}x{model.extractor_.patch_size} patch"
        f"{_extras(model.extractor_)}); MLP hidden layers "
        f"{','.join(map(str, model.classifier_.hidden_layer_sizes))}",
        f"training pixel accuracy: {accuracy:.3f} (class of every pixel of "
        f"{min(len(colour), 20)} training image(s))",
        f"wrote {output} in {seconds:.1f} s",
    ]
    if palette:
        lines.append(_write_palette(model, output))
    for line in lines + notes:
        click.echo(line)
    return 1 if failed else 0


def _extras(extractor):
    """The features an extractor adds to its patch, for fit's summary."""
    extras = []
    for name in ("context", "texture"):
        value = getattr(extractor, name)
        if value is not None:
            value = (value,) if isinstance(value, int) else value
            extras.append(f"{name} {','.join(map(str, value))}")
    if extractor.position:
        extras.append("position")
    return "".join(f", {extra}" for extra in extras)


def _int_list(text, option, minimum):
    """Comma-separated integers of at least ``minimum``, or a one-line error."""
    try:
        values = tuple(int(n) for n in text.split(",") if n.strip())
        if not values or min(values) < minimum:
            raise ValueError
    except ValueError:
        raise _InputError(
            f"{option} must be integers >= {minimum} separated by commas, got {text!r}."
        ) from None
    return values


def _fit_notes(caught, n_images):
    """The warnings of a fit as the command's own lines, each said once."""
    from ._warnings import MIN_TRAINING_IMAGES as _MIN_IMAGES
    from ._warnings import MIN_TRAINING_PIXELS as _MIN_PIXELS
    from ._warnings import NotConvergedWarning, TrainingDataWarning

    notes = []
    for warning in caught:
        message = warning.message
        if isinstance(message, NotConvergedWarning):
            limit = message.max_iter
            line = (
                f"note: the MLP stopped at its limit of {limit} epochs before "
                "converging; the model is usable, and may improve with "
                f"--max-epochs {2 * limit} (slower)"
            )
        elif isinstance(message, TrainingDataWarning):
            line = (
                f"note: {message.n_pixels:,} training pixels from {n_images} "
                "image(s) is very little: expect a poor model on other "
                f"photographs (on landscapes, fewer than {_MIN_IMAGES} images or "
                f"{_MIN_PIXELS:,} pixels colorized worse than plain grey); train "
                "on more photographs"
            )
        else:
            line = f"note: {_one_line(message)}"
        if line not in notes:
            notes.append(line)
    return notes


def _training_accuracy(model, images):
    """Share of training pixels whose predicted class is their true class."""
    import numpy as np

    from .color import rgb_to_luv, to_grey

    greys = to_grey(images)
    predicted = model.predict_labels(greys)
    hits = total = 0
    for rgb, labels in zip(images, predicted):
        rgb = rgb.astype(np.float64) / 255.0 if rgb.dtype == np.uint8 else rgb
        uv = rgb_to_luv(rgb)[..., 1:].reshape(-1, 2)
        truth = np.asarray(model.quantizer_.predict(uv))
        hits += int(np.count_nonzero(truth == labels.ravel()))
        total += truth.size
    return hits / total


def _write_palette(model, output):
    from .demo import free_path

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plotting import plot_codebook
    except ImportError:
        return (
            "palette not written: it needs matplotlib (pip install matplotlib, or "
            "'somcolor[plot]')"
        )
    from ._files import temporary_sibling

    path = free_path(output.with_name(f"{output.stem}-palette.png"))
    fig = plot_codebook(model)
    try:
        with temporary_sibling(path) as tmp:
            fig.savefig(tmp, dpi=100, bbox_inches="tight")
            os.replace(tmp, path)
    finally:
        plt.close(fig)
    return f"wrote the palette to {path}"


@cli.command()
@click.argument("inputs", nargs=-1, required=True, metavar="[MODEL] IMAGES...")
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(),
    help="Folder for the colorized images and videos (created if needed); "
    "for one video, a video file (.mp4, .m4v, .mov, .mkv, .webm) may be "
    "named instead.",
)
@click.option(
    "--like",
    "references",
    multiple=True,
    metavar="REF",
    help="Colour like this photograph: fit on REF (files, folders or globs of "
    "colour photographs; repeat --like for more) in about a second, instead "
    "of a MODEL. Give a photograph of something similar, or a coloured frame "
    "of the film.",
)
@click.option(
    "--keyframes",
    default=None,
    metavar="N,M,...",
    help="Frame numbers (from 0) of the input video, in colour, to fit on (with "
    "any --like): those frames are written as they are and the others take "
    "their colours.",
)
@click.option(
    "--save-model",
    default=None,
    type=click.Path(dir_okay=False),
    help="With --like or --keyframes: also save the fitted colorizer to this "
    "file (.skops), for 'somcolor colorize MODEL' or Python's somcolor.load.",
)
@click.option(
    "--hints",
    "hints_dir",
    default=None,
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Colour hints: for an input photos/beach.jpg, DIR/beach.png is an "
    "RGBA PNG of the same size whose opaque pixels are colour marks (painted "
    "on a transparent layer in any paint program); the colours spread along "
    "the photograph's smooth regions. Inputs without one get none.",
)
@click.option(
    "--steadiness",
    default=None,
    type=click.FloatRange(min=0),
    help="Videos: how strongly a frame keeps the previous frame's colours "
    "where nothing moved (0: every frame on its own; default "
    "somcolor.temporal.STEADINESS). Makes a folder of numbered frames a film.",
)
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace files that already exist in the output folder (by default "
    "they are skipped), an existing output video and the --save-model file.",
)
@click.option(
    "-j",
    "--jobs",
    default=None,
    type=int,
    help="Parallel tasks on this machine (-1: every core). Worker processes "
    "start only for about 17 megapixels or more in all: below that, starting "
    "them costs more than they save (one process already uses every core). "
    "Unused with --scheduler, where every worker thread of the cluster takes "
    "tasks.",
)
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run on a Dask cluster (e.g. tcp://host:8786); the images must be at "
    "the same paths on the workers. Needs somcolor[distributed].",
)
@click.option(
    "--quality",
    default=95,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Quality of JPEG and WebP outputs. Both formats are lossy: at 95 "
    "(written without chroma subsampling) a JPEG is about 2/255 per channel "
    "from the colorization on average, at 100 about 0.5/255. PNG, TIFF and "
    "BMP outputs are exact; GIF holds 256 colours.",
)
@quiet_option
@click.pass_context
def colorize(
    ctx,
    inputs,
    outdir,
    references,
    keyframes,
    save_model,
    hints_dir,
    steadiness,
    overwrite,
    jobs,
    scheduler,
    quality,
    quiet,
):
    """Colorize IMAGES with MODEL, or like a reference; write them to a folder.

    MODEL is a model file written by 'somcolor fit' (or --save-model), or
    the name of a model that ships with somcolor: photos (general
    photographs), landscapes (natural scenes) or opencountry (the paper's
    setting). With --like REF (or --keyframes) there is no MODEL: a
    colorizer is fit on the reference photographs first, which colours
    photographs of similar things far better than a shipped model:

    \b
      somcolor colorize --like beach-colour.jpg old-beach/ -o out/
      somcolor colorize --like keyframe.jpg film.mp4 -o film-colour.mp4
      somcolor colorize --keyframes 0,250 film.mp4 -o film-recoloured.mp4

    IMAGES are files, folders or glob patterns, in any format scikit-image
    reads; colour images are made grey first (same lightness). Each output
    has its input's name and so its format: JPEG and WebP are lossy (see
    --quality); transparency (alpha) is kept in PNG, TIFF and WebP, and
    16-bit input is written with 16 bits per channel in TIFF (with 8
    elsewhere); what could not be kept is said once per run. An existing
    output file is never replaced unless --overwrite is given; each image is
    written to a temporary file and then renamed, so an interrupted run
    leaves no half-written image, and rerunning it finishes the rest. A file
    that cannot be read is reported in one line and skipped; the exit status
    is 1 when any image failed.

    Videos: a video file (needs somcolor[video]) is colorized frame by
    frame in order, streaming (never the whole film in memory), with
    steady colours (--steadiness). So is a folder of numbered frames of one
    size (00000.png, 00001.png, ...) given with --keyframes, --steadiness
    or a video file as output (its frames keep their names); otherwise a
    folder's images are photographs, each colorized on its own.
    """
    quiet = _quiet(ctx, quiet)
    if jobs == 0:
        raise _InputError("--jobs must not be 0 (1: serial, -1: every core).")
    fitting = bool(references or keyframes)
    if fitting:
        model, images = None, list(inputs)
    else:
        if save_model:
            raise _InputError("--save-model needs --like or --keyframes (a fit).")
        if len(inputs) < 2:
            raise _InputError(
                "give a MODEL and IMAGES (somcolor colorize photos old/ -o out/), "
                "or colour like a reference photograph: somcolor colorize --like "
                "REF IMAGES -o OUT."
            )
        model, images = _load_model(inputs[0]), list(inputs[1:])
    outdir = Path(outdir)
    video_out = outdir.suffix.lower() in _video().VIDEO_SUFFIXES
    # A folder of numbered frames is a film when something says so (its
    # keyframes, a steadiness, a video file to write); otherwise its images
    # are photographs, colorized each on its own (and on a cluster with
    # --scheduler). Checked before any fit: a video that cannot be read
    # fails at once.
    as_film = video_out or keyframes is not None or steadiness is not None
    videos, photos = _split_videos(images, as_film)
    if video_out and (photos or len(videos) != 1):
        raise _InputError(
            f"-o {outdir}: a video file holds one video; for photographs or "
            "several videos name a folder."
        )
    if hints_dir is not None and videos:
        raise _InputError(
            "--hints colour photographs; give the videos in another run "
            f"({_names([v.path for v in videos])})."
        )
    if hints_dir is not None and not Path(hints_dir).is_dir():
        raise _InputError(f"--hints {hints_dir}: no such folder.")
    known = _keyframes(keyframes, videos)
    if photos:
        _files(photos)  # fail early, in one line, when nothing matches
    if save_model and os.path.lexists(save_model) and not overwrite:
        raise _InputError(
            f"--save-model {save_model}: the file exists; pass --overwrite to "
            "replace it."
        )
    if not video_out:
        _check_writable_folder(outdir)
    targets = [_video_target(video, outdir, video_out, overwrite) for video in videos]
    fitted = _fit_like(references, known, save_model, quiet) if fitting else model
    status = 0
    if photos:
        status |= _colorize_photos(
            fitted,
            photos,
            outdir,
            overwrite,
            jobs,
            scheduler,
            quality,
            hints_dir,
            quiet,
        )
    for video, target in zip(videos, targets):
        status |= _colorize_one_video(
            fitted,
            video,
            target,
            overwrite,
            quality,
            steadiness,
            known.get(video.path, {}),
            quiet,
        )
    return status


def _video():
    from . import video

    return video


# Files read as videos (by FFmpeg through PyAV) rather than as images.
_VIDEO_FILE_SUFFIXES = (
    ".mp4",
    ".m4v",
    ".mov",
    ".mkv",
    ".webm",
    ".avi",
    ".mpg",
    ".mpeg",
    ".ogv",
    ".wmv",
    ".flv",
    ".3gp",
    ".ts",
)


def _split_videos(inputs, folders_are_films):
    """``(videos, photos)``: video files, opened (:func:`somcolor.video.open_video`
    checks them), and with ``folders_are_films`` folders too, as films of
    numbered frames of one size; the rest are photographs."""
    video = _video()
    videos, photos = [], []
    for entry in inputs:
        path = Path(entry)
        is_video_file = path.is_file() and path.suffix.lower() in _VIDEO_FILE_SUFFIXES
        if is_video_file or (path.is_dir() and folders_are_films):
            try:
                videos.append(video.open_video(path))
            except (video.VideoFileError, ImportError) as exc:
                raise _InputError(_one_line(exc)) from exc
        else:
            photos.append(entry)
    return videos, photos


def _video_target(video, outdir, video_out, overwrite):
    """Where ``video`` is written: ``outdir`` itself (a video file, or the
    folder of a frame folder's frames), or the video file of its name in
    ``outdir``; refused at once if it exists (a video is one whole)."""
    if video_out or video.is_folder:
        target = outdir
    else:
        target = outdir / video.path.name
    if overwrite:
        return target
    if video.is_folder and not video_out:
        existing = [name for name in video.names if (outdir / name).exists()]
        if existing:
            raise _InputError(
                f"{outdir}: holds frames of the same names as {video.path} "
                f"({existing[0]}, ...); pass --overwrite to replace them, or "
                "name another folder."
            )
    elif os.path.lexists(target):
        raise _InputError(f"{target}: exists; pass --overwrite to replace it.")
    return target


def _keyframes(text, videos):
    """``{video: {frame number: rgb}}`` for ``--keyframes``, read and checked."""
    if text is None:
        return {}
    numbers = _int_list(text, "--keyframes", 0)
    if len(videos) != 1:
        raise _InputError(
            "--keyframes are frame numbers of the input video: give exactly one "
            f"video (got {len(videos)})."
        )
    path = videos[0].path
    video = _video()
    try:
        frames = video.read_frames(path, numbers)
    except (video.VideoFileError, ImportError, ValueError, IndexError) as exc:
        raise _InputError(f"--keyframes: {_one_line(exc)}") from exc
    return {path: dict(zip(numbers, frames))}


def _fit_like(references, known, save_model, quiet):
    """``fit_reference`` on the --like photographs and the keyframes."""
    from .persistence import save
    from .reference import fit_reference

    colour, names = [], []
    if references:
        for reference in references:
            try:
                files = _files([reference])
            except _InputError as exc:
                raise _InputError(
                    f"--like {reference}: {exc.format_message()}"
                ) from exc
            found, grey, failed = _read_colour(files, quiet, "--like learns from")
            if failed:
                raise _InputError(
                    f"--like {reference}: {len(failed)} file(s) "
                    "could not be read (see above)."
                )
            if grey:
                raise _InputError(
                    f"--like {_names([Path(p) for p in grey])}: a grey image; a "
                    "reference must be a colour photograph whose colours the grey "
                    "ones are to take."
                )
            colour += found
            names += files
    for path, frames in known.items():
        colour += list(frames.values())
        names += [f"{path.name} frame {n}" for n in frames]
    start = time.perf_counter()
    if not quiet:
        click.echo(f"fitting on {len(colour)} reference image(s) ...", err=True)
    try:
        model = fit_reference(colour, random_state=0)
    except (ValueError, TypeError) as exc:
        message = _one_line(exc)
        for index, name in enumerate(names):
            message = message.replace(f"images[{index}]", str(name))
        raise _InputError(f"--like: {message}") from exc
    click.echo(
        f"fitted on {len(colour)} reference image(s) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    if save_model:
        save(model, save_model)
        click.echo(f"saved the fitted colorizer to {save_model}")
    return model


def _colorize_photos(
    model, photos, outdir, overwrite, jobs, scheduler, quality, hints_dir, quiet
):
    """``colorize_many`` with its outcome said in lines; the exit status."""
    from .batch import colorize_many

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            summary = colorize_many(
                model,
                photos,  # the patterns: colorize_many lists them itself
                outdir,
                overwrite=overwrite,
                n_jobs=jobs,
                scheduler=scheduler,
                quality=quality,
                hints=hints_dir,
                verbose=int(not quiet),
            )
    except ImportError as exc:
        raise _InputError(_one_line(exc)) from exc
    except ValueError as exc:  # a hints file
        raise _InputError(_one_line(exc)) from exc
    except OSError as exc:  # e.g. the scheduler cannot be reached
        where = f"--scheduler {scheduler}: " if scheduler else ""
        raise _InputError(f"{where}{_one_line(exc)}") from exc
    for warning in caught:
        if str(warning.message).startswith("hints:"):
            click.echo(f"warning: {warning.message}", err=True)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    skipped = summary.skipped
    if skipped:
        click.echo(
            f"skipped {len(skipped)} image(s) whose output exists in {outdir} "
            f"({_names(skipped)}); pass --overwrite to replace them"
        )
    for note, paths in summary.notes.items():
        click.echo(f"note: {len(paths)} image(s) {note} ({_names(paths)})")
    for _, reason in summary.failed:
        click.echo(f"failed: {reason}", err=True)
    click.echo(str(summary))
    return 1 if summary.failed else 0


def _colorize_one_video(
    model, source, target, overwrite, quality, steadiness, keyframes, quiet
):
    """One video (file or frame folder) through :func:`colorize_video`."""
    from .temporal import STEADINESS, FrameColorizer

    video = _video()
    colorizer = FrameColorizer(
        model,
        steadiness=STEADINESS if steadiness is None else steadiness,
        keyframes=keyframes or None,
    )
    try:
        summary = video.colorize_video(
            colorizer,
            source,
            target,
            overwrite=overwrite,
            quality=quality,
            verbose=int(not quiet),
        )
    except FileExistsError as exc:
        # (written meanwhile by someone else: it was checked before the fit)
        raise _InputError(f"{target}: exists; pass --overwrite to replace it.") from exc
    except (video.VideoFileError, ImportError, ValueError) as exc:
        raise _InputError(_one_line(exc)) from exc
    for note in summary.notes:
        click.echo(f"note: {note}")
    click.echo(str(summary))
    return 0


def _names(paths, shown=5):
    """File names of ``paths``, the first ``shown`` and how many more."""
    names = ", ".join(p.name for p in paths[:shown])
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return names + more


@cli.command()
@click.argument("model")
@click.argument("images", nargs=-1, required=True)
@quiet_option
@click.pass_context
def evaluate(ctx, model, images, quiet):
    """Score MODEL on colour IMAGES, next to grey and the mean colour.

    MODEL is a model file or the name of a shipped model (photos,
    landscapes, opencountry). Each image is made grey (same lightness),
    colorized and compared with the original: mean CIEDE2000 colour
    difference over all pixels (lower is better; about 1 is just
    noticeable), colourfulness relative to the original (Hasler and
    Suesstrunk 2003; 1 is as colourful) and the share of images colorized
    better than grey. The references: grey (U = V = 0), the training set's
    mean colour at every pixel, and the oracle, the true colours snapped to
    the model's codebook (the best any classifier can do with it). Use
    images the model was not trained on.
    """
    from .metrics import evaluate as evaluate_model

    quiet = _quiet(ctx, quiet)
    fitted = _load_model(model)
    files = _files(images)
    colour, grey, failed = _read_colour(files, quiet, "evaluate compares")
    if not colour:
        raise _InputError(
            "no colour image to compare with: evaluate needs colour photographs."
        )
    if not quiet:
        fitted.set_params(verbose=1)
    table = evaluate_model(fitted, colour)
    note = f" ({len(grey)} grey image(s) skipped)" if grey else ""
    if failed:
        note += f" ({len(failed)} unreadable file(s) skipped)"
    click.echo(f"{len(colour)} colour image(s){note}, {model}")
    click.echo(
        f"{'':20s} {'mean CIEDE2000':>15s} {'colourfulness':>14s} "
        f"{'better than grey':>17s}"
    )
    names = {
        "model": "colorized",
        "grey": "grey (U = V = 0)",
        "mean chroma": "mean colour",
        "oracle": "oracle (codebook)",
    }
    for k, method in enumerate(table.methods):
        better = table.better_than_grey[k]
        click.echo(
            f"{names[method]:20s} {table.mean_ciede2000[k]:15.2f} "
            f"{table.colourfulness_ratio[k]:14.2f} "
            f"{'' if better != better else f'{better:.0%}':>17s}"
        )
    click.echo(
        f"pixel accuracy of the class map: {table.pixel_accuracy[0]:.3f}; "
        "CIEDE2000: lower is better; colourfulness: ratio to the original"
    )
    return 1 if failed else 0


@cli.command()
@click.option(
    "-o",
    "--output",
    default="somcolor-demo.png",
    show_default=True,
    help="PNG to write (never overwritten: a numbered name is used instead).",
)
@click.option("--random-state", default=0, show_default=True, type=int, help="Seed.")
def demo(output, random_state):
    """Colorize bundled photographs with no training, and after a short fit.

    First with no training: the shipped photos model colorizes the grey
    version of scikit-learn's china.jpg, as

    \b
      somcolor colorize photos old/ -o out/

    colorizes your own photographs. Then a colorizer is fit on the left view
    of scikit-image's stereo motorcycle pair and colorizes the grey right
    view. Writes both as grey | colorized | original to one PNG, and prints
    each mean CIEDE2000 next to plain grey's and the mean colour's. Needs no
    download.
    """
    from .demo import run_demo

    folder = Path(output).parent
    _check_writable_folder(folder if str(folder) else Path("."))
    run_demo(output, random_state=random_state, echo=click.echo)
    return 0


@cli.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME_OR_FILE",
    help="A fitted model file (.skops, from 'somcolor fit') or the name of a "
    "shipped model; repeat to offer several (the first is selected). The "
    "shipped models are offered in any case.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. The default serves this machine only; any "
    "other address lets other machines use the page.",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--max-upload-mb",
    default=50.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Largest photograph file accepted, in MB (2**20 bytes).",
)
@click.option(
    "--max-megapixels",
    default=25.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Largest photograph colorized, in millions of pixels.",
)
@click.option(
    "--max-files",
    default=20,
    show_default=True,
    type=click.IntRange(min=1),
    help="Photographs the page colorizes in one go.",
)
@click.option(
    "--max-waiting",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="Uploads in progress or waiting for their turn (one photograph is "
    "colorized at a time); more are asked to try again.",
)
@click.option(
    "--result-memory-mb",
    default=512.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Memory for results kept for the page; the oldest are dropped beyond.",
)
def serve(
    models,
    host,
    port,
    max_upload_mb,
    max_megapixels,
    max_files,
    max_waiting,
    result_memory_mb,
):
    """Colorize photographs in a web browser: a page on this machine.

    Starts a local web server and prints the address to open. On the page,
    drop or choose photographs, pick a model and the colour options, see
    grey / colorized (/ original) side by side, and download the results
    as PNG or zip. Nothing is written to disk; press Ctrl+C to stop.
    Needs the web extra: pip install "somcolor[web]".

    \b
      somcolor serve --model my-photos.skops
      somcolor serve --model a.skops --model b.skops --port 8080
    """
    try:
        from . import web
    except ImportError as exc:
        raise _InputError(
            f'serve needs the web extra: pip install "somcolor[web]" '
            f"({_one_line(exc)})."
        ) from exc
    try:
        limits = web.ServeLimits(
            max_upload_bytes=max(1, int(max_upload_mb * 2**20)),
            max_pixels=max(1, int(max_megapixels * 1e6)),
            max_files=max_files,
            max_waiting=max_waiting,
            result_bytes=max(1, int(result_memory_mb * 2**20)),
        )
        served = web.load_models(models)
    except ValueError as exc:
        raise _InputError(_one_line(exc)) from exc
    try:
        web.serve(served, host=host, port=port, limits=limits, echo=click.echo)
    except OSError as exc:
        raise _InputError(
            f"cannot listen on {host} port {port}: {exc.strerror or exc}; "
            "choose another --port (or --host)."
        ) from exc
    return 0


def main(argv=None):
    """Run the command line and return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments after the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        0 on success, 1 when the input was bad or an image failed, 2 for a
        usage error.

    Examples
    --------
    >>> from somcolor.cli import main
    >>> main(["--version"])
    somcolor, version 0.2.0
    0
    """
    said = sys.modules.get("somcolor._warnings")
    if said is not None:  # not imported for --help: scikit-learn is slow to load
        said.forget_said()  # each run says each warning once
    try:
        status = cli.main(args=argv, prog_name="somcolor", standalone_mode=False)
    except click.exceptions.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("somcolor: interrupted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("somcolor: interrupted", err=True)
        return 130
    return status if isinstance(status, int) else 0
