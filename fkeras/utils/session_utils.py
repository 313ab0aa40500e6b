"""``keras.utils.clear_session``: drop the global state fkeras keeps between models."""
from __future__ import annotations

__all__ = ["clear_session"]


def clear_session(free_memory=True):
    """Reset the global state built up by creating models, as Keras 3's ``clear_session`` does.

    - the auto-name counters restart (the next ``Dense`` is named ``dense`` again);
    - the global dtype policy goes back to the default (``keras.config.floatx()``);
    - the global distribution (``keras.distribution.set_distribution``) is unset;
    - with ``free_memory=True``: Python garbage collection runs, and JAX's compilation caches
      and fkeras's per-class caches are emptied, so compiled programs of old models are freed.

    The random seed set with ``keras.utils.set_random_seed`` is kept.

    Example:

    >>> _ = [keras.layers.Dense(10) for _ in range(10)]
    >>> keras.layers.Dense(10).name
    'dense_10'
    >>> keras.utils.clear_session()
    >>> keras.layers.Dense(10).name
    'dense'
    """
    from fkeras import backend, distribution

    distribution.set_distribution(None)
    if free_memory:
        _clear_function_caches()
    backend.clear_session(free_memory=free_memory)  # names, dtype policy, gc + jax.clear_caches


def _clear_function_caches():
    """Empty fkeras's module-level ``functools`` caches (they hold classes and jitted functions)."""
    from fkeras.engine import layer as _layer
    from fkeras.initializers import random_initializers as _random_initializers

    for fn in (getattr(_layer, "_call_signature_info", None),
               getattr(_random_initializers, "_block_sampler", None)):
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
