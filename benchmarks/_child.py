"""Code run in fresh processes by the benchmarks (start-up, peak memory).

``python -m benchmarks._child startup`` prints the import time of somcolor
(``dependencies``: of the libraries it imports, alone);
``python -m benchmarks._child first-predict MODEL`` the time of the first and
second ``predict`` of a pickled model; ``python -m benchmarks._child big MODEL
HEIGHT WIDTH OUT`` colorizes a large grey image and reports its time and the
process's peak resident memory (VmHWM), then checks bands of the output against the
reference path run on those bands (with the patch's halo).
"""

import json
import pickle
import resource
import sys
import time


def _status_mb(field):
    """``VmHWM`` (peak) or ``VmRSS`` (current) resident memory, in MB.

    From /proc (Linux): unlike ``getrusage``'s ``ru_maxrss``, ``VmHWM``
    belongs to this process's own address space and does not inherit the
    parent's peak across ``fork`` + ``exec``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    # Elsewhere: ru_maxrss (kilobytes on Linux, bytes on macOS).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _peak_rss_mb():
    return _status_mb("VmHWM")


def startup():
    start = time.perf_counter()
    import somcolor  # noqa: F401

    print(json.dumps({"import_s": time.perf_counter() - start}))


def dependencies():
    start = time.perf_counter()
    import numba  # noqa: F401
    import numpy  # noqa: F401
    import scipy  # noqa: F401
    import skimage.color  # noqa: F401
    import sklearn.base  # noqa: F401
    import sklearn.neural_network  # noqa: F401

    print(json.dumps({"import_s": time.perf_counter() - start}))


def first_predict(model_path):
    import numpy as np

    import somcolor  # noqa: F401

    with open(model_path, "rb") as f:
        model = pickle.load(f)
    grey = np.random.default_rng(0).integers(0, 256, (256, 256)).astype(np.uint8)
    start = time.perf_counter()
    model.predict([grey])
    first = time.perf_counter() - start
    start = time.perf_counter()
    model.predict([grey])
    second = time.perf_counter() - start
    print(json.dumps({"first_s": first, "second_s": second}))


def big(model_path, height, width):
    import numpy as np
    from skimage import data
    from skimage.transform import resize

    from somcolor import _fast_predict, to_grey

    with open(model_path, "rb") as f:
        model = pickle.load(f)
    source = to_grey([resize(data.astronaut(), (512, 512), anti_aliasing=True)])[0]
    tile = np.round(source * 255).astype(np.uint8)
    reps = (-(-height // tile.shape[0]), -(-width // tile.shape[1]))
    grey = np.ascontiguousarray(np.tile(tile, reps)[:height, :width])
    baseline = _status_mb("VmRSS")
    start = time.perf_counter()
    rgb = model.predict([grey])[0]
    seconds = time.perf_counter() - start
    peak = _peak_rss_mb()
    # Identity with colorizing whole: the reference path on bands of the
    # image (plus the patch's halo) must give the same pixels. Only where a
    # pixel's features come from its patch alone, at the input's scale.
    extractor = model.extractor_
    local = (
        extractor.context is None
        and extractor.texture is None
        and not extractor.position
        and model.predict_scale == "input"
    )
    half = extractor.patch_size // 2
    band = 48
    worst = 0.0
    differing = 0
    checked = 0
    for r0 in (0, height // 2, height - band) if local else ():
        lo, hi = max(0, r0 - half), min(height, r0 + band + half)
        with _fast_predict.disabled():
            ref = model.predict([grey[lo:hi]])[0][r0 - lo : r0 - lo + band]
        diff = np.abs(rgb[r0 : r0 + band] - ref).max(axis=-1)
        worst = max(worst, float(diff.max()))
        differing += int((diff > 1 / 255).sum())
        checked += diff.size
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_mb": peak,
                "rss_before_mb": baseline,
                "megapixels": height * width / 1e6,
                "checked_pixels": checked,
                "pixels_off_by_more_than_1_255": differing,
                "max_abs_rgb_diff": worst,
                "fast_path": bool(model._fast_path_applicable()),
            }
        )
    )


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "startup":
        startup()
    elif command == "dependencies":
        dependencies()
    elif command == "first-predict":
        first_predict(sys.argv[2])
    elif command == "big":
        big(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown command {command!r}")
