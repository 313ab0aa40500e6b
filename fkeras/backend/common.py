"""Keras 3's session helpers in ``keras.backend``: ``clear_session``, ``get_uid``, ``is_keras_tensor``."""
from __future__ import annotations


def clear_session(free_memory=True):
    """Reset the global state built up by creating models (``keras.backend.clear_session`` and
    ``keras.utils.clear_session`` are this one function, as in Keras 3):

    - the auto-name counters restart (the next ``Dense`` is named ``dense`` again);
    - the global dtype policy goes back to the default (``keras.config.floatx()``);
    - the global distribution (``keras.distribution.set_distribution``) is unset;
    - with ``free_memory=True``: Python garbage collection runs, and JAX's compilation caches
      and fkeras's per-class caches are emptied, so compiled programs of old models are freed.

    The random seed set with ``keras.utils.set_random_seed`` is kept.

    Args:
        free_memory: Also collect garbage and drop the compilation caches (default True).

    Example:
        >>> _ = [keras.layers.Dense(10) for _ in range(10)]
        >>> keras.layers.Dense(10).name
        'dense_10'
        >>> keras.utils.clear_session()
        >>> keras.layers.Dense(10).name
        'dense'
    """
    from fkeras.distribution import distribution_lib as distribution
    from fkeras.dtype_policies import dtype_policy
    from fkeras.utils import naming

    distribution.set_distribution(None)
    naming.reset_uids()
    dtype_policy.set_global_policy(None)
    if free_memory:
        import gc

        import jax

        _clear_function_caches()
        gc.collect()
        jax.clear_caches()


# fkeras's module-level ``functools`` caches (they hold classes and jitted functions); the modules
# that define them, on higher floors, add them with ``register_function_cache`` when imported.
_FUNCTION_CACHES = []


def register_function_cache(fn):
    """Have ``clear_session()`` empty the cache of ``fn`` (a ``functools.lru_cache`` function).

    Args:
        fn: A function wrapped by ``functools.lru_cache`` or ``functools.cache``.

    Returns:
        ``fn`` itself, so that this works as a decorator above ``@functools.lru_cache``.
    """
    if not hasattr(fn, "cache_clear"):
        raise TypeError(f"register_function_cache expects a functools.lru_cache function; received {fn!r}.")
    _FUNCTION_CACHES.append(fn)
    return fn


def _clear_function_caches():
    """Empty the registered module-level ``functools`` caches."""
    for fn in _FUNCTION_CACHES:
        fn.cache_clear()


def get_uid(prefix=""):
    """Increment and return the counter of ``prefix``.

    The counters are the ones automatic layer names use: after one ``Dense`` layer was created
    (named ``dense``), ``get_uid("dense")`` returns 2 and the next ``Dense`` is named
    ``dense_2``. ``clear_session()`` resets them.

    Args:
        prefix: The counter's name.

    Returns:
        An int, 1 on the first call for ``prefix``.

    Example:
        >>> keras.backend.get_uid("block")
        1
        >>> keras.backend.get_uid("block")
        2
    """
    from fkeras.utils import naming

    with naming._uid_lock:
        naming._name_uids[prefix] += 1
        return naming._name_uids[prefix]


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic tensor of a Functional graph (``keras.Input`` or a layer's output on one).

    Args:
        x: Any object.

    Returns:
        A bool: False for concrete arrays (numpy, jax), True for ``KerasTensor``s.
    """
    from fkeras.engine.symbolic import KerasTensor

    return isinstance(x, KerasTensor)
