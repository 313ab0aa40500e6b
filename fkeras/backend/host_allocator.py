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

Scratch above 64 MiB (most conv nets: the MNIST CNN at batch 128 needs 110 MiB) needs one more
step. A block that size cannot live in a worker thread's arena, whose heaps glibc caps at 64 MiB,
so glibc maps it afresh whatever the settings above — and with JAX's asynchronous CPU dispatch
every computation runs on one of XLA's worker threads (blocks between 32 and 64 MiB are not
always safe there either; see ``MIN_INLINE_SCRATCH``). ``prefer_inline_cpu_execution()``,
called at ``import fkeras``, therefore builds JAX's CPU client synchronous
(``jax_cpu_enable_async_dispatch=False``, a documented JAX option): a computation whose inputs
are ready then runs on the thread that launched it, and the trainer waits for each call of a
program with that much scratch before launching the next, so its scratch comes from the main
thread's heap, reused step after step (MNIST CNN at batch 128 on 2 cores: ~1,450 -> ~2,600
samples/s, 28,000 -> ~150 page faults a step). Programs with less scratch are not waited for
and keep running ahead of Python. It is done only when ``import fkeras`` comes
before JAX has created its CPU client; ``JAX_CPU_ENABLE_ASYNC_DISPATCH=true`` in the environment
keeps JAX's asynchronous dispatch (``false`` asks for the synchronous client even with
``FKERAS_TUNE_MALLOC=0``). (``M_ARENA_MAX=1`` would also keep such blocks in the
main heap, but then every XLA thread shares one allocator lock, which cost a small MLP 12-37%.)

``FKERAS_TUNE_MALLOC=0`` leaves both glibc and JAX's dispatch mode alone.
"""
from __future__ import annotations

import ctypes
import os
import platform
import threading

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
DEFAULT_TRIM_THRESHOLD = 512 * 2 ** 20
# The trainer waits for each call of a program with at least this much scratch, so that it runs
# on the launching thread. glibc caps the heaps of a thread's own arena at 64 MiB on 64-bit (HEAP_MAX_SIZE): a block
# that does not fit in one is mapped afresh when a worker thread allocates it (measured on 2 cores:
# a 68 MiB scratch buffer page-faulted 18,000 times a step). Blocks between glibc's 32 MiB mmap
# ceiling and that cap usually stay in a worker's heap, but a heap that empties can be unmapped
# (a 48 MiB buffer faulted again in one run of a dozen), so they are kept on the main heap too.
MIN_INLINE_SCRATCH = 32 * 2 ** 20

_lock = threading.Lock()
_state = {"done": False, "applied": False}


_FALSE = ("0", "false", "no", "off", "n", "f")


def _enabled():
    return os.environ.get("FKERAS_TUNE_MALLOC", "1").strip().lower() not in _FALSE


def _glibc():
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def tune_for_cpu_training(trim_threshold=DEFAULT_TRIM_THRESHOLD):
    """Apply the glibc settings described in the module docstring once; return whether they are
    in effect."""
    with _lock:
        if _state["done"]:
            return _state["applied"]
        _state["done"] = True
        if not _enabled() or not _glibc():
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


def prefer_inline_cpu_execution():
    """Have JAX build its CPU client synchronous (see the module docstring); return whether this
    call set it. ``JAX_CPU_ENABLE_ASYNC_DISPATCH`` in the environment decides when set (``true``
    keeps JAX's asynchronous dispatch, ``false`` asks for the synchronous client; this JAX does not
    read that variable itself); otherwise it is done unless ``FKERAS_TUNE_MALLOC=0`` or off glibc.
    A no-op once JAX has created its backends."""
    choice = os.environ.get("JAX_CPU_ENABLE_ASYNC_DISPATCH")
    if choice is not None:
        if choice.strip().lower() not in _FALSE:
            return False
    elif not _enabled() or not _glibc():
        return False
    import jax

    try:
        from jax._src import xla_bridge
    except ImportError:  # pragma: no cover - JAX moved its internals: leave the default
        return False
    if getattr(xla_bridge, "_backends", None) != {}:  # the CPU client exists already (or unknown)
        return False
    jax.config.update("jax_cpu_enable_async_dispatch", False)
    return True


def cpu_runs_inline():
    """Whether computations on JAX's default backend run on the thread that launches them: the
    CPU backend with a synchronous client. Then the trainer waits for each non-trivial step, so
    that the next one is launched with its inputs ready and runs on the launching thread too."""
    import jax

    return jax.config.values.get("jax_cpu_enable_async_dispatch", True) is False and jax.default_backend() == "cpu"
