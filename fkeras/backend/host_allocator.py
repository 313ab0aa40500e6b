"""Keep glibc from handing XLA:CPU fresh pages on every training step.

XLA:CPU allocates each executable's scratch ("temp") buffer with ``malloc`` on every run. glibc
serves allocations above its mmap threshold with a fresh ``mmap`` and unmaps them on ``free``;
the threshold adapts upwards only to 32 MiB. A train step whose temp buffer is larger than
that (an Embedding+LSTM at batch 32 needs ~33 MiB; most real models need more) therefore
page-faults through its whole scratch space on every step — about 8,500 minor faults and
~20% of the step time for that LSTM on 2 cores.

``tune_for_cpu_training()`` tells glibc to serve large blocks from the heap (``M_MMAP_MAX=0``)
and to keep up to ``trim_threshold`` bytes of free heap instead of returning it to the kernel
after each step, so the same pages are reused step after step. The trainer applies it once per
process, on Linux with glibc, when it builds its first jitted function and JAX's backend is
the CPU. Set ``FKERAS_TUNE_MALLOC=0`` to leave the allocator alone (e.g. when you preload
tcmalloc or jemalloc, which do not have this problem).

The cost: memory a process freed stays mapped (up to ``trim_threshold`` at the top of the heap)
instead of going back to the system, as with any caching allocator.

Limits, measured: a scratch buffer allocated by one of XLA's worker threads lives in that
thread's arena, whose heaps glibc caps at 64 MiB; larger ones are still mapped afresh.
``M_ARENA_MAX=1`` fixes that too — the MNIST CNN at batch 128 trains 1.65x faster with it on 2
cores — but the lock it makes all threads share cost a small MLP 12-37% of its throughput, so it
is left to the user: start Python with ``MALLOC_ARENA_MAX=1`` in the environment for conv nets on
CPU.
"""
from __future__ import annotations

import ctypes
import os
import platform
import threading

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
DEFAULT_TRIM_THRESHOLD = 512 * 2 ** 20

_lock = threading.Lock()
_state = {"done": False, "applied": False}


def tune_for_cpu_training(trim_threshold=DEFAULT_TRIM_THRESHOLD):
    """Apply the glibc settings described in the module docstring once; return whether they are
    in effect."""
    with _lock:
        if _state["done"]:
            return _state["applied"]
        _state["done"] = True
        if os.environ.get("FKERAS_TUNE_MALLOC", "1").strip().lower() in ("0", "false", "no", "off"):
            return False
        if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
            return False
        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):
            return False
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        ok = mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)) == 1
        ok = mallopt(_M_MMAP_MAX, 0) == 1 and ok
        _state["applied"] = ok
        return ok


def maybe_tune_for_backend():
    """``tune_for_cpu_training()`` when JAX's default backend is the CPU (cheap after the first call)."""
    if _state["done"]:
        return _state["applied"]
    import jax

    if jax.default_backend() != "cpu":
        with _lock:
            _state["done"] = True
        return False
    return tune_for_cpu_training()
