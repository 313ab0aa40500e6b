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
    """Allow loading Python lambdas from model files (runs code from the file)."""
    global _UNSAFE_DESERIALIZATION
    _UNSAFE_DESERIALIZATION = True


def is_unsafe_deserialization_enabled():
    return _UNSAFE_DESERIALIZATION
