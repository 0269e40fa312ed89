"""somcolor side by side with its anchors; writes ``benchmarks/RESULTS.md``.

Run from the repository root::

    SOMCOLOR_SCENE8=../shared/data/scene8 python -m benchmarks          # full
    python -m benchmarks --quick --output /tmp/RESULTS.md               # < 1 min

Every case runs somcolor and its anchor in the same process, on the same
data, repeats each measurement and reports the median and the ratio (the
machines are shared and noisy: ratios from one run are what count). The
cases and goals are those of issue 3 (see ``../shared/DESIGN.md``, section 4).
``--quick`` runs every case on small inputs so that the scripts cannot rot;
its figures mean nothing. The full run needs the eight-scene data
(``SOMCOLOR_SCENE8``) and ``minisom``; it takes 15 to 25 minutes on two busy
cores (MiniSom's online pass over 1.7 M vectors dominates).
"""

import argparse
import datetime
import gc
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


# -- helpers ---------------------------------------------------------------


#: A call slower than this is not repeated (the anchors at 400 units take
#: half a minute each); RESULTS.md says how many runs each median has.
SLOW_CALL_S = 5.0


def median_time(fn, repeat):
    """Median wall time of up to ``repeat`` calls of ``fn``, and the last result.

    Calls stop after the first if it took more than ``SLOW_CALL_S``.
    """
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if times[0] > SLOW_CALL_S:
            break
    return float(np.median(times)), result


def peak_traced_mb(fn):
    """Peak memory traced by :mod:`tracemalloc` (NumPy allocations) during ``fn``."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(x, digits=3):
    if isinstance(x, str):
        return x
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.{digits}g}"
    return f"{x:.2e}"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions():
    import numba
    import scipy
    import skimage
    import sklearn

    import somcolor

    out = {
        "python": platform.python_version(),
        "somcolor": somcolor.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "scikit-image": skimage.__version__,
        "numba": numba.__version__,
    }
    try:
        from importlib.metadata import version

        out["minisom"] = version("minisom")
    except Exception:  # noqa: BLE001
        out["minisom"] = "not installed"
    return out


def opencountry_images(quick):
    """All Open Country images (a few in quick mode), or skimage photos."""
    from somcolor.datasets import load_scene8, scene8_home

    if scene8_home() is not None:
        images = load_scene8("opencountry").images
        return (images[:12] if quick else images), "Open Country (all 410 images)"
    if not quick:
        raise SystemExit(
            "The full benchmark needs the eight-scene data: set SOMCOLOR_SCENE8."
        )
    return skimage_photos(), "four skimage photographs (no SOMCOLOR_SCENE8)"


def skimage_photos():
    """Four scikit-image sample photographs as 64x64 uint8 RGB (no data set)."""
    from skimage import data
    from skimage.transform import resize

    return [
        np.round(resize(im, (64, 64), anti_aliasing=True) * 255).astype(np.uint8)
        for im in (data.astronaut(), data.coffee(), data.chelsea(), data.rocket())
    ]


def grey_photo(shape):
    """A uint8 grey photograph of ``shape`` (skimage's astronaut, resized)."""
    from skimage import data
    from skimage.transform import resize

    from somcolor import to_grey

    grey = to_grey([resize(data.astronaut(), shape, anti_aliasing=True)])[0]
    return np.round(grey * 255).astype(np.uint8)


# -- cases -----------------------------------------------------------------


def bench_bmu(quick):
    """BMU search vs NumPy broadcasting and cKDTree."""
    from scipy.spatial import cKDTree

    from somcolor.som import best_matching_units

    n = 20_000 if quick else 1_000_000
    repeat = 1 if quick else 3
    rng = np.random.default_rng(0)
    X64 = rng.normal(scale=30.0, size=(n, 2))
    rows = []
    for n_units in (9, 25, 100, 400):
        for dtype in (np.float32, np.float64):
            X = X64.astype(dtype)
            codebook = rng.normal(scale=30.0, size=(n_units, 2)).astype(dtype)
            best_matching_units(X[:10], codebook)  # compile / load cache

            def numpy_argmin(X=X, codebook=codebook, n_units=n_units):
                out = np.empty(len(X), dtype=np.intp)
                step = max(1, (1 << 24) // (n_units * 2))  # bounded memory
                for s in range(0, len(X), step):
                    d = ((X[s : s + step, None, :] - codebook[None]) ** 2).sum(-1)
                    out[s : s + step] = d.argmin(axis=1)
                return out

            def kdtree(X=X, codebook=codebook):
                return cKDTree(codebook).query(X, workers=-1)[1]

            t_ours, ours = median_time(
                lambda X=X, codebook=codebook: best_matching_units(X, codebook),
                repeat,
            )
            t_np, ref = median_time(numpy_argmin, repeat)
            t_kd, kd = median_time(kdtree, repeat)
            rows.append(
                [
                    n_units,
                    np.dtype(dtype).name,
                    fmt(n / t_ours / 1e6),
                    fmt(n / t_np / 1e6),
                    fmt(n / t_kd / 1e6),
                    fmt(t_np / t_ours),
                    fmt(t_kd / t_ours),
                    f"{np.mean(ours == ref):.6f}",
                    f"{np.mean(ours == kd):.6f}",
                ]
            )
    text = (
        f"{n:,} random 2-D vectors (normal, scale 30, like U, V), units drawn "
        f"the same way; median of {repeat} runs (1 where a run takes more than "
        f"{SLOW_CALL_S:g} s). Throughput in M vectors/s. NumPy "
        "broadcasting is chunked to 16 M distances at a time (1 M x 400 at "
        "once would need 6.4 GB); cKDTree time includes building the tree. "
        "'same as NumPy' is the share of identical labels (somcolor's kernel "
        "and the NumPy reference break ties the same way; cKDTree may not).\n\n"
    )
    return text + table(
        [
            "units",
            "dtype",
            "somcolor",
            "NumPy argmin",
            "cKDTree",
            "x NumPy",
            "x cKDTree",
            "same as NumPy",
            "same as cKDTree",
        ],
        rows,
    )


def bench_som(quick, images):
    """SOM training vs MiniSom's online pass."""
    import minisom

    from somcolor import SOMQuantizer
    from somcolor.color import rgb_to_luv

    uv = np.concatenate(
        [
            rgb_to_luv(np.asarray(im, dtype=np.float64) / 255.0)[..., 1:].reshape(-1, 2)
            for im in images
        ]
    )
    uv = uv[np.random.default_rng(0).permutation(len(uv))]
    if quick:
        uv = uv[:20_000]
    sizes = (3,) if quick else (3, 10, 20)
    repeat = 1 if quick else 3
    rows = []
    for n in sizes:
        t_ours, som = median_time(
            lambda n=n: SOMQuantizer(n, n, random_state=0).fit(uv), repeat
        )

        def mini(n=n):
            m = minisom.MiniSom(n, n, 2, random_seed=0)
            m.pca_weights_init(uv)
            m.train(uv, len(uv), use_epochs=False)  # one pass, shuffled data
            return m

        t_mini, msom = median_time(mini, 1)
        qe_mini = float(msom.quantization_error(uv))
        qe_ours = som.quantization_error_
        rows.append(
            [
                f"{n}x{n}",
                fmt(t_ours),
                fmt(t_mini),
                fmt(t_mini / t_ours),
                f"{qe_ours:.4f}",
                f"{qe_mini:.4f}",
                f"{100 * (qe_ours / qe_mini - 1):+.1f}%",
                som.n_iter_,
            ]
        )
    text = (
        f"The (U, V) chroma of every pixel ({len(uv):,} vectors), shuffled once. "
        "somcolor: `SOMQuantizer(n, n, random_state=0)` with its defaults "
        "(batch SOM on a 200,000-sample subset; labels and error on all "
        f"vectors), median of {repeat} (1 if a fit takes more than "
        f"{SLOW_CALL_S:g} s). MiniSom: `MiniSom(n, n, 2, "
        "random_seed=0)`, `pca_weights_init`, `train(uv, len(uv), "
        "use_epochs=False)` (one online pass over the shuffled data), run "
        "once (it takes minutes). Quantization error: mean Euclidean distance "
        "to the BMU over all vectors, in U, V units.\n\n"
    )
    return text + table(
        [
            "map",
            "somcolor s",
            "MiniSom s",
            "x MiniSom",
            "QE somcolor",
            "QE MiniSom",
            "QE vs MiniSom",
            "somcolor epochs",
        ],
        rows,
    )


def bench_patches(quick):
    """Dense patch extraction vs extract_patches_2d and sliding_window_view."""
    from sklearn.feature_extraction.image import extract_patches_2d

    from somcolor import PatchExtractor

    sizes = (256, 512) if quick else (256, 2048)
    rows = []
    for side in sizes:
        image = np.random.default_rng(0).random((side, side)).astype(np.float32)
        repeat = 1 if quick else (7 if side <= 256 else 3)
        for p in (3, 5, 11):
            half = p // 2

            def ours(p=p, image=image):
                return PatchExtractor(p).transform([image])

            def sklearn_(p=p, half=half, image=image):
                padded = np.pad(image, half, mode="reflect")
                return extract_patches_2d(padded, (p, p)).reshape(-1, p * p)

            def swv(p=p, half=half, image=image):
                padded = np.pad(image, half, mode="reflect")
                win = np.lib.stride_tricks.sliding_window_view(padded, (p, p))
                return win.reshape(-1, p * p).copy()

            ours()
            t_ours, a = median_time(ours, repeat)
            t_sk, b = median_time(sklearn_, repeat)
            equal = np.array_equal(a, b)
            del a, b
            t_swv, _ = median_time(swv, repeat)
            m_ours = peak_traced_mb(ours)
            m_sk = peak_traced_mb(sklearn_)
            m_swv = peak_traced_mb(swv)
            gc.collect()
            rows.append(
                [
                    f"{side}x{side}",
                    p,
                    fmt(1e3 * t_ours),
                    fmt(1e3 * t_sk),
                    fmt(1e3 * t_swv),
                    fmt(t_sk / t_ours),
                    fmt(t_swv / t_ours),
                    fmt(m_ours),
                    fmt(m_sk),
                    fmt(m_swv),
                    "yes" if equal else "NO",
                ]
            )
    text = (
        "float32 image, reflect padding (every pixel gets a patch); the "
        "anchors get the same `np.pad` first and are timed with it; output "
        "(n_pixels, p*p) float32. Times in ms (median); peak memory is the "
        "peak traced by `tracemalloc` during one call (NumPy allocations, MB; "
        "the output itself is H*W*p*p*4 bytes).\n\n"
    )
    return text + table(
        [
            "image",
            "p",
            "somcolor ms",
            "extract_patches_2d ms",
            "sliding_window_view+copy ms",
            "x extract_patches_2d",
            "x sliding_window_view",
            "somcolor MB",
            "extract_patches_2d MB",
            "sliding_window_view MB",
            "same output",
        ],
        rows,
    )


class _Timed:
    """Mixin recording the wall time of ``fit`` in a class attribute."""

    seconds = 0.0

    def fit(self, *args, **kwargs):
        start = time.perf_counter()
        result = super().fit(*args, **kwargs)
        type(self).seconds += time.perf_counter() - start
        return result


def bench_fit(quick, images, label):
    """Fit of the default pipeline: MLP training vs everything else."""
    from sklearn.neural_network import MLPClassifier

    from somcolor import ColorizerPipeline, SOMQuantizer
    from somcolor.pipeline import _default_component

    class TimedMLP(_Timed, MLPClassifier):
        pass

    class TimedSOM(_Timed, SOMQuantizer):
        pass

    mlp = TimedMLP(**_default_component("classifier").get_params())
    if quick:
        mlp.set_params(max_iter=3)
    som = TimedSOM(3, 3)
    ppi = 500 if quick else 2500
    model = ColorizerPipeline(
        quantizer=som, classifier=mlp, pixels_per_image=ppi, random_state=0
    )
    start = time.perf_counter()
    model.fit(images)
    total = time.perf_counter() - start
    t_mlp = TimedMLP.seconds
    t_som = TimedSOM.seconds
    other = total - t_mlp - t_som
    rows = [
        ["MLPClassifier.fit", fmt(t_mlp), f"{100 * t_mlp / total:.1f}%"],
        ["SOMQuantizer.fit", fmt(t_som), f"{100 * t_som / total:.1f}%"],
        [
            "the rest (colour conversion, sampling, patches, validation)",
            fmt(other),
            f"{100 * other / total:.1f}%",
        ],
        [
            "everything outside the MLP",
            fmt(total - t_mlp),
            f"**{100 * (total - t_mlp) / total:.1f}%**",
        ],
        ["total `ColorizerPipeline.fit`", fmt(total), "100%"],
    ]
    text = (
        f"Default pipeline (3x3 SOM, 3x3 patches, MLP 50+50 with the default "
        f"early stopping) on {label}, {ppi} pixels per image "
        f"({model.n_training_pixels_:,} patches), `random_state=0`, one fit "
        f"({model.classifier_.n_iter_} MLP epochs). Times in s.\n\n"
    )
    # The plain default pipeline with the same fitted components (picklable:
    # the timing subclasses are local), for the colorizing cases.
    model.classifier_.__class__ = MLPClassifier
    model.quantizer_.__class__ = SOMQuantizer
    plain = ColorizerPipeline(pixels_per_image=ppi, random_state=0)
    for name in (
        "quantizer_",
        "extractor_",
        "classifier_",
        "codebook_",
        "n_training_pixels_",
    ):
        setattr(plain, name, getattr(model, name))
    return text + table(["part", "seconds", "share"], rows), plain


def bench_colorize(quick, model):
    """Colorizing one grey uint8 image, end to end, vs the anchor."""
    from skimage import color as skcolor
    from sklearn.feature_extraction.image import extract_patches_2d

    from somcolor import _fast_predict
    from somcolor.color import gamut_scale, grey_to_lightness

    side = 512 if quick else 2048
    grey = grey_photo((side, side))
    n = grey.size
    clf = model.classifier_
    codebook = model.codebook_

    def anchor():
        # The straightforward composition, as a user would write it.
        L = grey_to_lightness(grey / 255.0)
        padded = np.pad(L / 100.0, 1, mode="reflect")
        X = extract_patches_2d(padded, (3, 3)).reshape(-1, 9).astype(np.float64)
        labels = clf.predict(X)
        uv = codebook[labels].reshape(L.shape + (2,))
        return skcolor.luv2rgb(np.concatenate([L[..., None], uv], axis=-1)), labels

    def reference():
        with _fast_predict.disabled():
            return model.predict([grey])[0]

    assert model._fast_path_applicable()
    model.predict([grey])  # compile / load cache
    t_fast, fast = median_time(lambda: model.predict([grey])[0], 1 if quick else 5)
    t_anchor, (anchor_rgb, anchor_labels) = median_time(anchor, 1 if quick else 3)
    t_ref, ref = median_time(reference, 1 if quick else 3)
    labels = model.predict_labels([grey])[0].ravel()
    with _fast_predict.disabled():
        ref_labels = model.predict_labels([grey])[0].ravel()
    same_anchor = labels == anchor_labels
    same_ref = labels == ref_labels
    L = grey_to_lightness(grey / 255.0)
    uv = codebook[labels.reshape(grey.shape)]
    in_gamut = gamut_scale(L, uv[..., 0], uv[..., 1]) == 1.0
    diff_ref = np.abs(fast - ref).max(axis=-1)
    diff_anchor = np.abs(fast - anchor_rgb).max(axis=-1)
    keep = same_anchor.reshape(grey.shape) & in_gamut
    rows = [
        ["somcolor `predict` (fast path)", fmt(t_fast), fmt(n / t_fast / 1e6), "1"],
        [
            "somcolor reference path (`_fast_predict.disabled()`)",
            fmt(t_ref),
            fmt(n / t_ref / 1e6),
            fmt(t_ref / t_fast),
        ],
        [
            "anchor: float64 patches, `MLPClassifier.predict`, `skimage.color.luv2rgb`",
            fmt(t_anchor),
            fmt(n / t_anchor / 1e6),
            fmt(t_anchor / t_fast),
        ],
    ]
    checks = [
        ["pixels with the anchor's class", f"{same_anchor.mean():.6f}"],
        ["pixels with the reference path's class", f"{same_ref.mean():.6f}"],
        [
            "max abs RGB difference to the reference path",
            fmt(float(diff_ref[same_ref.reshape(grey.shape)].max())),
        ],
        [
            "max abs RGB difference to the anchor, same class, in gamut",
            fmt(float(diff_anchor[keep].max()) if keep.any() else 0.0),
        ],
        [
            "pixels whose codebook chroma is out of gamut at their L (the anchor "
            "clips RGB there, somcolor scales chroma to keep L)",
            f"{1 - in_gamut.mean():.4f}",
        ],
    ]
    text = (
        f"A {side}x{side} grey uint8 photograph (skimage's astronaut), model "
        "of the fit above (3x3 patches, 50+50 ReLU, 9 colours); grey in, "
        f"float RGB out. Median of {1 if quick else 5} (fast) and "
        f"{1 if quick else 3} (others) runs, 1 where a run takes more than "
        f"{SLOW_CALL_S:g} s. The reference path is the "
        "obviously correct one the tests compare the fast path with (the code "
        "before the fast path); the anchor is the straightforward composition "
        "of the issue.\n\n"
    )
    return (
        text
        + table(["path", "seconds", "M pixels/s", "x fast path"], rows)
        + "\n\nEquality checks:\n\n"
        + table(["check", "value"], checks)
    )


def _configurations(quick, model, images):
    """(name, fitted model) of every configuration the docs and README show.

    Speed does not depend on how well a model is trained, so the configured
    fits here are short (a few epochs on the benchmark's images); the shipped
    models are the real ones.
    """
    from sklearn.base import clone

    from somcolor import PatchExtractor, load_pretrained
    from somcolor.pretrained import available

    def configured(**params):
        fitted = clone(model).set_params(**params)
        fitted.set_params(classifier__max_iter=2 if quick else 5)
        return fitted.fit(images[:40])

    out = [("default (the paper's)", model)]
    soft = clone(model).set_params(decoding="soft", temperature=0.38)
    soft.__dict__.update({k: v for k, v in model.__dict__.items() if k[-1] == "_"})
    out.append(("soft decoding, T = 0.38", soft))
    out.append(
        (
            "position + context 4, soft, training scale (README of issue 4)",
            configured(
                extractor=PatchExtractor(3, context=4, position=True),
                decoding="soft",
                predict_scale="training",
            ),
        )
    )
    out.append(
        (
            "context pyramid 4-32 + texture 3, 9 + position, 25 colours",
            configured(
                extractor=PatchExtractor(
                    3, context=(4, 8, 16, 32), texture=(3, 9), position=True
                ),
                quantizer__n_rows=5,
                quantizer__n_cols=5,
                decoding="soft",
            ),
        )
    )
    for name in available():
        try:
            out.append((f"shipped `{name}`", load_pretrained(name)))
        except FileNotFoundError:
            pass
    return out


def bench_configurations(quick, model, images):
    """Every configuration, uint8 and float input: compiled vs reference path."""
    from somcolor import _fast_predict

    side = 256 if quick else 2048
    grey8 = grey_photo((side, side))
    grey_float = grey8 / 255.0 + 0.5 / 255.0 * (grey8 < 255)  # not k / 255
    repeat = 1 if quick else 3
    rows = []
    default_rate = None
    for name, fitted in _configurations(quick, model, images):
        assert fitted._fast_path_applicable(), name
        for kind, grey in (("uint8", grey8), ("float", grey_float)):
            fitted.predict([grey[:64, :64]])  # compile / load cache
            t_fast, _ = median_time(
                lambda g=grey, fitted=fitted: fitted.predict([g]), repeat
            )

            def reference(g=grey, fitted=fitted):
                with _fast_predict.disabled():
                    return fitted.predict([g])

            t_ref, _ = median_time(reference, 1)
            rate = grey.size / t_fast / 1e6
            if default_rate is None:
                default_rate = rate
            rows.append(
                [
                    name,
                    kind,
                    fmt(rate),
                    fmt(grey.size / t_ref / 1e6),
                    fmt(t_ref / t_fast),
                    f"{100 * rate / default_rate:.0f}%",
                ]
            )
    text = (
        f"A {side}x{side} grey photograph (skimage's astronaut): uint8, and "
        "float in [0, 1] off the k / 255 grid (converted per pixel). Compiled "
        f"path: median of {repeat} runs; reference path "
        "(`_fast_predict.disabled()`: dense features, scikit-learn's "
        "`predict`/`predict_proba`, scikit-image's `luv2rgb`): one run. "
        "Throughput in M pixels/s.\n\n"
    )
    return text + table(
        [
            "configuration",
            "input",
            "compiled",
            "reference",
            "x reference",
            "of default uint8",
        ],
        rows,
    )


def bench_matmul_bound(quick, model):
    """What the default network's float32 matrix products alone allow."""
    from threadpoolctl import threadpool_limits

    clf = model.classifier_
    weights = [w.astype(np.float32) for w in clf.coefs_]
    biases = [b.astype(np.float32) for b in clf.intercepts_]
    n = 1 << (18 if quick else 22)
    x = np.random.default_rng(0).random((n, weights[0].shape[0]), dtype=np.float32)
    chunk = 1 << 16
    outs = [np.empty((chunk, w.shape[1]), dtype=np.float32) for w in weights]

    def products():
        for s in range(0, n, chunk):
            h = x[s : s + chunk]
            for k, (w, b) in enumerate(zip(weights, biases)):
                np.matmul(h, w, out=outs[k][: len(h)])
                h = outs[k][: len(h)]
                h += b
                if k < len(weights) - 1:
                    np.maximum(h, 0, out=h)

    products()
    with threadpool_limits(limits=os.cpu_count(), user_api="blas"):
        t, _ = median_time(products, 1 if quick else 3)
    macs = sum(w.size for w in weights)
    rate = n / t / 1e6
    # The compiled path's own products: BLAS on cache-sized tiles, one BLAS
    # thread per numba thread, as colorize_tiles runs them.
    from benchmarks import _tiles
    from somcolor._fast_predict import TILE_PIXELS

    _tiles.run(model, x[: 4 * TILE_PIXELS], TILE_PIXELS)
    t_tiles, _ = median_time(
        lambda: _tiles.run(model, x, TILE_PIXELS), 1 if quick else 3
    )
    tile_rate = n / t_tiles / 1e6
    side = 512 if quick else 2048
    grey = grey_photo((side, side))
    model.predict([grey])
    t_predict, _ = median_time(lambda: model.predict([grey]), 1 if quick else 5)
    predict_rate = grey.size / t_predict / 1e6
    layers = " x ".join(str(w.shape[0]) for w in weights) + f" x {weights[-1].shape[1]}"
    rows = [
        ["multiply-adds per pixel", macs],
        [
            f"M pixels/s, NumPy products + bias + ReLU, chunks of {chunk:,}",
            fmt(rate),
        ],
        ["GFLOP/s in those products", fmt(2 * macs * n / t / 1e9)],
        [
            f"M pixels/s, the compiled path's network alone, tiles of {TILE_PIXELS}",
            fmt(tile_rate),
        ],
        ["GFLOP/s in those products", fmt(2 * macs * n / t_tiles / 1e9)],
        [f"M pixels/s, `predict` of a {side}x{side} uint8 image", fmt(predict_rate)],
        ["`predict` / the network alone on tiles", f"{predict_rate / tile_rate:.0%}"],
    ]
    text = (
        f"The default network's layers ({layers}) in float32 on {n:,} random "
        "rows, every core, with no features, no decoding and no colour "
        f"conversion: as NumPy matrix products in chunks of {chunk:,} (BLAS "
        "threads), and as the compiled path runs them "
        "(`somcolor._colorize_kernels._scores` on tiles that stay in cache, "
        "one BLAS thread per numba thread; `benchmarks/_tiles.py`). No "
        "colorizer built on these products can be faster than the network "
        "alone; the last rows put the whole `predict` (features, network, "
        "decoding, RGB) next to it, in the same run.\n\n"
    )
    return text + table(["", "value"], rows), rate


def run_child(*args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p]
    )
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks._child", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    if out.returncode:
        raise RuntimeError(
            f"python -m benchmarks._child {' '.join(map(str, args))} failed:\n"
            + out.stderr[-3000:]
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _big_models(model):
    """The default model and the shipped general-photographs model."""
    from somcolor import load_pretrained

    out = [("default (the paper's)", model)]
    try:
        out.append(("shipped `photos`", load_pretrained("photos")))
    except FileNotFoundError:
        pass
    return out


def bench_big(quick, model_paths):
    height, width = (1500, 2000) if quick else (4000, 6000)
    rows = []
    for name, path in model_paths.items():
        res = run_child("big", path, height, width)
        checked = (
            f"{res['checked_pixels']:,}: {res['pixels_off_by_more_than_1_255']} off "
            f"by more than 1/255, max {fmt(res['max_abs_rgb_diff'])}"
            if res["checked_pixels"]
            else "n/a (features reach beyond a band)"
        )
        rows.append(
            [
                name,
                "yes" if res["fast_path"] else "NO",
                fmt(res["seconds"]),
                fmt(res["megapixels"] / res["seconds"]),
                fmt(res["peak_rss_mb"]),
                fmt(res["rss_before_mb"]),
                checked,
            ]
        )
    text = (
        f"A {height}x{width} ({height * width / 1e6:.0f} MP) grey uint8 "
        "photograph (a grey photograph tiled to the size), in a fresh process "
        "(`python -m benchmarks._child big ...`) per model; peak resident "
        "memory is `VmHWM` from /proc/self/status; the float64 RGB output "
        f"alone is {height * width * 24 / 2**20:.0f} MB. Identity with "
        "colorizing it whole (for patch-only models at the input scale): three "
        "bands of 48 rows colorized by the reference path with the patch's "
        "halo, compared with the big output.\n\n"
    )
    return text + table(
        [
            "model",
            "compiled path",
            "seconds",
            "M pixels/s",
            "peak RSS (MB)",
            "RSS before predict (MB)",
            "pixels checked against the reference",
        ],
        rows,
    )


def bench_busy_machine(quick, model, images):
    from .busy import bench_busy

    side = 256 if quick else 2048
    rows = bench_busy(quick, model, images, grey_photo((side, side)))
    text = (
        "The default model. Each repeat runs the workload on the idle machine, "
        "then next to one other process keeping a core busy (a bounded loop "
        "started by the benchmark, `benchmarks/busy.py`); medians of "
        f"{1 if quick else 3} repeats. 'as is': the classifier trains with one "
        "BLAS thread; 'BLAS on every core in training': scikit-learn's default "
        "(somcolor's before), to show where the slowdown came from; 'numba 1 "
        "thread': numba's kernels on one thread.\n\n"
    )
    return text + table(
        ["workload", "threads", "idle (s)", "busy (s)", "busy / idle"],
        [[w, v, fmt(i), fmt(b), fmt(r)] for w, v, i, b, r in rows],
    )


def _process_seconds(args, repeat):
    """Median wall time of a fresh Python process running ``args``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_startup(quick, model_path):
    repeat = 1 if quick else 5
    run_child("first-predict", model_path)  # warm numba's cache
    bare = _process_seconds(["-c", "pass"], repeat)
    somcolor_s = _process_seconds(["-c", "import somcolor"], repeat)
    sklearn_s = _process_seconds(["-c", "import sklearn.base"], repeat)
    help_s = _process_seconds(["-m", "somcolor", "--help"], repeat)
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, somcolor.cli; print(','.join(m for m in ('sklearn', "
            "'skimage', 'scipy', 'numba', 'numpy') if m in sys.modules))",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    firsts = [run_child("first-predict", model_path) for _ in range(repeat)]
    first = float(np.median([f["first_s"] for f in firsts]))
    second = float(np.median([f["second_s"] for f in firsts]))
    rows = [
        ["`python -c pass` (the interpreter alone)", fmt(bare)],
        ["`python -c 'import somcolor'`", fmt(somcolor_s)],
        ["`python -c 'import sklearn.base'`", fmt(sklearn_s)],
        ["`import somcolor` minus `import sklearn.base`", fmt(somcolor_s - sklearn_s)],
        ["`python -m somcolor --help`", fmt(help_s)],
        [
            "libraries `somcolor --help` imports (of sklearn, skimage, scipy, "
            "numba, numpy)",
            imported or "none",
        ],
        [
            "first `predict` of a 256x256 uint8 image, fresh process, warm cache (s)",
            fmt(first),
        ],
        ["second `predict`, same process (s)", fmt(second)],
        ["first minus second: what start-up adds (s)", fmt(first - second)],
    ]
    text = (
        f"Whole fresh processes, median of {repeat}, in seconds; numba's cache "
        "warmed by one run before.\n\n"
    )
    return text + table(["", "value"], rows)


# -- main ------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small inputs, < 1 min")
    parser.add_argument(
        "--output", default=str(HERE / "RESULTS.md"), help="markdown file to write"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    started = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    command = "python -m benchmarks" + (" --quick" if quick else "")
    if args.output != str(HERE / "RESULTS.md"):
        command += f" --output {args.output}"
    images, label = opencountry_images(quick)

    sections = []

    def write(done):
        finished = datetime.datetime.now(datetime.timezone.utc)
        header = [
            "# Benchmark results"
            + (" (quick mode: figures mean nothing)" if quick else ""),
            "",
            f"- date: {started:%Y-%m-%d %H:%M} UTC, "
            f"{(finished - started).total_seconds():.0f} s"
            + ("" if done else " so far (RUN NOT FINISHED: cases missing)"),
            f"- command (from the repository root): `{command}`"
            + ("" if quick else " with `SOMCOLOR_SCENE8=../shared/data/scene8`"),
            f"- machine: {cpu_model()}, {os.cpu_count()} cores, "
            f"load average {load_before[0]:.1f} at start, "
            f"{os.getloadavg()[0]:.1f} at end (shared machine)",
            "- versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
            "",
            "Each case runs somcolor and its anchor in this one process on the "
            "same data; ratios (x anchor) are anchor time / somcolor time.",
            "",
        ]
        Path(args.output).write_text("\n".join(header) + "\n" + "\n".join(sections))

    def section(title, fn, *a):
        print(f"[benchmarks] {title} ...", flush=True)
        start = time.perf_counter()
        out = fn(*a)
        body = out[0] if isinstance(out, tuple) else out
        sections.append(f"## {title}\n\n{body}\n")
        print(f"[benchmarks] {title}: {time.perf_counter() - start:.1f} s", flush=True)
        write(done=False)  # keep what is measured if the run is stopped
        return out

    _, model = section("Fitting the default pipeline", bench_fit, quick, images, label)
    section("Colorizing one image", bench_colorize, quick, model)
    section(
        "Every configuration, uint8 and float input",
        bench_configurations,
        quick,
        model,
        images,
    )
    section("What the matrix products allow", bench_matmul_bound, quick, model)
    section("Next to a busy process", bench_busy_machine, quick, model, images)
    with tempfile.TemporaryDirectory() as tmp:
        big_title = "Colorizing a " + ("3" if quick else "24") + "-megapixel image"
        paths = {}
        for name, fitted in _big_models(model):
            paths[name] = Path(tmp) / f"{len(paths)}.pkl"
            paths[name].write_bytes(pickle.dumps(fitted))
        section(big_title, bench_big, quick, paths)
        section("Start-up", bench_startup, quick, paths["default (the paper's)"])
    from .ciede2000 import TITLE, bench_ciede2000

    section(TITLE, bench_ciede2000, quick)
    from .reference import TITLE as REFERENCE_TITLE
    from .reference import bench_reference

    section(REFERENCE_TITLE, bench_reference, quick)
    section("BMU search", bench_bmu, quick)
    section("Dense patch extraction", bench_patches, quick)
    section("SOM training", bench_som, quick, images)
    write(done=True)
    print(f"[benchmarks] wrote {args.output}", flush=True)


if __name__ == "__main__":
    main()
