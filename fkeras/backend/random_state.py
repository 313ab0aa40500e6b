"""The global seed: ``keras.utils.set_random_seed`` and the key stream drawn from it.

Everything random in fkeras (initializers, dropout at train time, shuffling) derives its
keys from here, so a run is reproducible given ``set_random_seed(n)``.
"""
from __future__ import annotations

import os
import random as _pyrandom
import threading

import numpy as np

_lock = threading.Lock()
_seed: int | None = None
_counter = 0


def set_random_seed(seed: int) -> None:
    """Seeds Python's ``random``, numpy and fkeras's key stream (Keras's ``set_random_seed``).

    Args:
        seed: An integer.
    """
    global _seed, _counter
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    seed = int(seed)
    _pyrandom.seed(seed)
    np.random.seed(seed % (2**32))
    with _lock:
        _seed = seed
        _counter = 0


def global_seed() -> int:
    global _seed
    with _lock:
        if _seed is None:
            _seed = int.from_bytes(os.urandom(4), "little")
        return _seed


def draw_seed() -> int:
    """A fresh integer seed from the global stream (deterministic after set_random_seed)."""
    global _counter
    base = global_seed()
    with _lock:
        _counter += 1
        n = _counter
    # splitmix-style mixing keeps consecutive draws decorrelated.
    z = (base * 0x9E3779B97F4A7C15 + n * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 31
    z = (z * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    z ^= z >> 29
    return int(z & 0x7FFFFFFF)


def raw_key(seed: int):
    """``jax.random.PRNGKey(seed)``. For JAX's default threefry keys and a seed in ``[0, 2**31)``
    (every seed ``draw_seed`` makes) that key is the pair ``[0, seed]`` of uint32 words, which is
    placed here without compiling and running JAX's seeding program (tens of ms before the first
    step of a fit)."""
    import jax

    if (0 <= seed < 2**31 and jax.config.jax_default_prng_impl == "threefry2x32"
            and not jax.config.jax_enable_custom_prng):
        return jax.numpy.asarray(np.array([0, seed], np.uint32))
    return jax.random.PRNGKey(seed)


def next_key():
    """A fresh ``jax.random`` key from the global stream."""
    return raw_key(draw_seed())


def key_from_seed(seed):
    """Turn an int seed, a key, or None (draw from the global stream) into a raw PRNG key."""
    if seed is None:
        return raw_key(draw_seed())
    if isinstance(seed, (int, np.integer)):
        return raw_key(int(seed))
    return seed
