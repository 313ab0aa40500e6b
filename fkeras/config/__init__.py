"""``keras.config``: global settings."""
from __future__ import annotations

import os

from fkeras.backend.config import (backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
                                   set_image_data_format)
from fkeras.engine.dtype_policy import global_policy as dtype_policy
from fkeras.engine.dtype_policy import set_global_policy as set_dtype_policy

_UNSAFE_DESERIALIZATION = False


def enable_jit_cache(directory=None, min_compile_time_secs=0.0):
    """Turn on JAX's persistent compilation cache, so a re-run skips XLA compilation.

    Example:
        keras.config.enable_jit_cache("~/.cache/fkeras-jit")
    """
    import jax

    if directory is None:
        from fkeras.backend.config import fkeras_home

        directory = os.path.join(fkeras_home(), "jit_cache")
    directory = os.path.expanduser(str(directory))
    os.makedirs(directory, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", directory)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", float(min_compile_time_secs))
    try:
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except AttributeError:
        pass
    return directory


def disable_jit_cache():
    import jax

    jax.config.update("jax_compilation_cache_dir", None)


def enable_unsafe_deserialization():
    """Turn safe mode off for every load in this process, as Keras 3 does: a ``Lambda`` layer's
    Python bytecode stored in a model file is then loaded (and runs), as if every call passed
    ``safe_mode=False``. Only for processes that load nothing but files they trust; prefer
    ``load_model(path, safe_mode=False)`` for one trusted file. The allow-list of objects a
    config may name (see ``docs/security.md``) applies either way."""
    global _UNSAFE_DESERIALIZATION
    _UNSAFE_DESERIALIZATION = True


def is_unsafe_deserialization_enabled():
    """Whether ``enable_unsafe_deserialization()`` was called in this process."""
    return _UNSAFE_DESERIALIZATION


def set_resident_data_budget(budget=None):
    """How much device memory ``fit``, ``evaluate`` and ``predict`` may use to keep in-memory
    arrays on the device, where each epoch's shuffle and every batch's gather then run with no
    host work per step. Data over the budget streams through host buffers instead.

    Args:
        budget: a fraction in (0, 1] of the device memory free when the data is placed, a number
            of bytes (an int > 1), 0 to always stream, or None for the default:
            ``FKERAS_RESIDENT_DATA_BUDGET`` from the environment if set, else 0.5. On the CPU
            backend, numpy arrays are never copied (the device computes from host memory, and
            host threads gather their batches in place); the budget there applies to arrays
            already on the device (jax arrays), which stream when it is 0.

    Example:
        keras.config.set_resident_data_budget(0.25)      # a quarter of the free memory
        keras.config.set_resident_data_budget(8 * 2**30)  # 8 GiB
    """
    from fkeras.trainers import feeding

    feeding.set_resident_data_budget(budget)


def resident_data_budget():
    """The value last given to ``set_resident_data_budget`` (None: the default)."""
    from fkeras.trainers import feeding

    return feeding.resident_data_budget()


def set_prefetch_depth(depth=None):
    """How many streamed chunks may be prepared ahead of the training step (None: 3)."""
    from fkeras.trainers import feeding

    feeding.set_prefetch_depth(depth)
