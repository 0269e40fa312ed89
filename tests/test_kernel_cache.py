"""numba's on-disk cache never kills a process.

A cached numba function that is not ``parallel=True`` but calls one that is
crashes the process (segmentation fault) when it is the first numba function
the process runs and its machine code comes from numba's on-disk cache, on
numba before 0.63 (numba issue 8578). ``SOMQuantizer.fit`` did exactly that
through ``bmu_search``. The first test checks that no serial kernel calls
a parallel one, on any numba; the others run the public entry
points as the first numba call of fresh processes, twice with the same
``NUMBA_CACHE_DIR`` (the second run loads every kernel from the cache), and
compare what they compute with this process.
"""

import importlib
import json
import pickle
import pkgutil
import signal
import types

import numpy as np
import pytest
from numba.core.registry import CPUDispatcher

import somcolor
from somcolor import PatchExtractor, SOMQuantizer


def _kernels():
    """Every numba dispatcher defined at module level in somcolor."""
    found = {}
    for info in pkgutil.iter_modules(somcolor.__path__):
        try:
            module = importlib.import_module(f"somcolor.{info.name}")
        except ImportError:  # a module of an optional extra
            continue
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = value
    return found


def _callees(dispatcher):
    """numba dispatchers that ``dispatcher``'s Python code refers to."""
    code = dispatcher.py_func.__code__
    names = set(code.co_names)
    for const in code.co_consts:  # nested functions
        if isinstance(const, types.CodeType):
            names |= set(const.co_names)
    scope = dispatcher.py_func.__globals__
    out = []
    for name in names:
        value = scope.get(name)
        if isinstance(value, CPUDispatcher):
            out.append(value)
        elif isinstance(value, types.ModuleType):  # module.kernel(...)
            out += [
                getattr(value, attr)
                for attr in names
                if isinstance(getattr(value, attr, None), CPUDispatcher)
            ]
    return out


def _is_parallel(dispatcher):
    return bool(dispatcher.targetoptions.get("parallel"))


def test_no_serial_kernel_calls_a_parallel_one():
    kernels = _kernels()
    assert "somcolor._som_kernels._bmu_search_2d" in kernels  # the scan works
    offenders = []
    for name, kernel in kernels.items():
        if _is_parallel(kernel):
            continue
        seen, stack = set(), list(_callees(kernel))
        while stack:  # what it calls, and what those call
            callee = stack.pop()
            if id(callee) in seen:
                continue
            seen.add(id(callee))
            if _is_parallel(callee):
                offenders.append(f"{name} -> {callee.py_func.__qualname__}")
            else:
                stack += _callees(callee)
    assert not offenders, (
        "a kernel that is not parallel calls a parallel one (with cache=True, "
        "numba before 0.63 segfaults on a warm cache: numba issue 8578): "
        f"{offenders}"
    )


# Each script makes its entry point the first numba call of the process
# (``import somcolor`` compiles nothing: checked, as ``compiled_before``) and
# prints what it computed as JSON on its last line.
_PREAMBLE = """
import json, pickle, sys
import numpy as np
import somcolor
from numba.core.registry import CPUDispatcher

compiled_before = [
    name
    for module in list(sys.modules.values())
    if getattr(module, "__name__", "").startswith("somcolor")
    for name, value in vars(module).items()
    if isinstance(value, CPUDispatcher) and value.signatures
]
"""

_SOM_FIT = """
X = np.random.default_rng(0).normal(size=(3000, 2)).astype(np.float32)
som = somcolor.SOMQuantizer(3, 3, random_state=0).fit(X)
out = {"codebook": som.codebook_.tolist(), "labels": som.predict(X[:200]).tolist()}
"""

_PATCHES = """
image = np.random.default_rng(1).random((40, 30))
out = {"patches": somcolor.PatchExtractor(3).transform([image]).tolist()}
"""

_PREDICT = """
with open(sys.argv[1], "rb") as f:
    model, grey = pickle.load(f)
out = {"rgb": model.predict([grey])[0].tolist()}
"""

_PRINT = """
print(json.dumps({"compiled_before": compiled_before, **out}))
"""


def _run_twice(run_from_repository, tmp_path, script, *args):
    """Run ``script`` in two fresh processes sharing one numba cache."""
    cache = tmp_path / "numba-cache"
    env = {"NUMBA_CACHE_DIR": str(cache)}
    outputs = []
    for attempt in ("cold cache", "warm cache"):
        done = run_from_repository("-c", _PREAMBLE + script + _PRINT, *args, env=env)
        if done.returncode < 0:
            pytest.fail(
                f"the process died on a {attempt} with signal "
                f"{signal.Signals(-done.returncode).name}: {done.stderr[-2000:]}"
            )
        assert done.returncode == 0, f"{attempt}: {done.stderr[-2000:]}"
        out = json.loads(done.stdout.strip().splitlines()[-1])
        assert out.pop("compiled_before") == [], "import somcolor compiled kernels"
        outputs.append(out)
        if attempt == "cold cache":  # the kernels were written to the cache
            assert any(cache.rglob("*.nbi")), f"nothing cached in {cache}"
    return outputs


@pytest.mark.slow  # fresh processes loading numba's cache (numba before 0.63)
def test_som_fit_first_call_on_warm_cache(run_from_repository, tmp_path):
    # Chroma-like data: two features, the case that crashed.
    cold, warm = _run_twice(run_from_repository, tmp_path, _SOM_FIT)
    X = np.random.default_rng(0).normal(size=(3000, 2)).astype(np.float32)
    som = SOMQuantizer(3, 3, random_state=0).fit(X)
    for out in (cold, warm):
        codebook = np.asarray(out["codebook"], dtype=som.codebook_.dtype)
        np.testing.assert_array_equal(codebook, som.codebook_)
        np.testing.assert_array_equal(out["labels"], som.predict(X[:200]))


@pytest.mark.slow  # fresh processes loading numba's cache (numba before 0.63)
def test_patches_first_call_on_warm_cache(run_from_repository, tmp_path):
    cold, warm = _run_twice(run_from_repository, tmp_path, _PATCHES)
    image = np.random.default_rng(1).random((40, 30))
    expected = PatchExtractor(3).transform([image])
    for out in (cold, warm):
        patches = np.asarray(out["patches"], dtype=expected.dtype)
        np.testing.assert_array_equal(patches, expected)


@pytest.mark.slow  # fresh processes loading numba's cache (numba before 0.63)
def test_predict_first_call_on_warm_cache(
    run_from_repository, tmp_path, small_model, small_rgb_images
):
    grey = np.round(somcolor.to_grey(small_rgb_images[:1])[0] * 255).astype(np.uint8)
    assert small_model._fast_path_applicable()  # the compiled colorizing path
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps((small_model, grey)))
    cold, warm = _run_twice(run_from_repository, tmp_path, _PREDICT, path)
    expected = small_model.predict([grey])[0]
    for out in (cold, warm):
        np.testing.assert_array_equal(np.array(out["rgb"]), expected)
