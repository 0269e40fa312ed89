"""Flush subnormal floats to zero while training, on x86-64.

Training an MLP with Adam drives some numbers towards zero geometrically:
the first moment of a unit whose ReLU never fires decays by 0.9 per step, and
its weights by the L2 penalty. Once they fall below the smallest normal float
(1.2e-38 in float32, 2.2e-308 in float64) they become subnormal, and x86 CPUs
handle every operation on a subnormal in microcode, tens of times slower. On
the Table II protocol (scikit-learn's ``MLPClassifier``, 50,000 samples,
two hidden layers of 300, float32) an epoch went from 1 s to 11 s after ten
epochs; with subnormals flushed it stays at 1 s (``examples/paper_table2.py``).

The SSE control register (MXCSR) of the calling thread decides: its FTZ bit
(flush results to zero) and DAZ bit (read subnormal inputs as zero). NumPy has
no switch for them, so :func:`flush_denormals` sets them through LLVM's
``llvm.x86.sse.stmxcsr``/``ldmxcsr`` intrinsics in two tiny numba functions,
and restores the register on exit. TensorFlow's CPU kernels run this way by
default. The register is per thread: threads already running (BLAS's pool,
started when NumPy loads it) keep their own, so the effect is complete with
one BLAS thread (as in Dask's workers) and partial otherwise; threads started
inside the context inherit it (POSIX) and keep it after the context ends.
"""

import contextlib
import platform
from collections.abc import Iterator

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

__all__ = ["flush_denormals", "mxcsr_supported"]

_FTZ = 0x8000  # flush-to-zero: subnormal results become zero
_DAZ = 0x0040  # denormals-are-zero: subnormal inputs read as zero


def mxcsr_supported() -> bool:
    """Whether this machine has the SSE control register (x86-64)."""
    return platform.machine().lower() in ("x86_64", "amd64")


def _register_call(builder, name, pointer):
    byte_pointer = ir.PointerType(ir.IntType(8))
    function = builder.module.declare_intrinsic(
        name, fnty=ir.FunctionType(ir.VoidType(), [byte_pointer])
    )
    builder.call(function, [builder.bitcast(pointer, byte_pointer)])


@intrinsic
def _stmxcsr(typingctx):
    def codegen(context, builder, signature, args):
        slot = builder.alloca(ir.IntType(32))
        _register_call(builder, "llvm.x86.sse.stmxcsr", slot)
        return builder.load(slot)

    return types.uint32(), codegen


@intrinsic
def _ldmxcsr(typingctx, value):
    def codegen(context, builder, signature, args):
        slot = builder.alloca(ir.IntType(32))
        builder.store(args[0], slot)
        _register_call(builder, "llvm.x86.sse.ldmxcsr", slot)
        return context.get_dummy_value()

    return types.void(types.uint32), codegen


@numba.njit(cache=True)
def _get_mxcsr():  # pragma: no cover - compiled
    return _stmxcsr()


@numba.njit(cache=True)
def _set_mxcsr(value):  # pragma: no cover - compiled
    _ldmxcsr(value)


@contextlib.contextmanager
def flush_denormals() -> Iterator[bool]:
    """Context in which the calling thread flushes subnormal floats to zero.

    Yields whether flushing is on: True on x86-64, False elsewhere or with
    ``NUMBA_DISABLE_JIT=1`` (the context then changes nothing). The
    thread's previous FTZ and DAZ bits are restored on exit, also on error;
    the rest of the register (rounding, exception flags) is left as it is.
    Threads started inside the context inherit the setting and keep it.

    Examples
    --------
    >>> import numpy as np
    >>> from somcolor._fpenv import flush_denormals
    >>> tiny = np.float32(1e-39)  # subnormal in float32
    >>> with flush_denormals() as on:
    ...     inside = tiny * np.float32(0.5)
    >>> bool(inside == 0) == on
    True
    >>> float(tiny * np.float32(0.5)) > 0
    True
    """
    if not mxcsr_supported() or numba.config.DISABLE_JIT:
        # Without numba's compiler the intrinsics cannot run.
        yield False
        return
    bits = np.uint32(_FTZ | _DAZ)
    current = np.uint32(_get_mxcsr())
    previous = current & bits
    _set_mxcsr(current | bits)
    try:
        yield True
    finally:
        # Only the two bits: exception flags raised inside stay raised.
        _set_mxcsr(np.uint32((_get_mxcsr() & ~bits) | previous))
