"""``keras.random.SeedGenerator`` and ``draw_key``: how a ``seed`` argument becomes a JAX key.

``seed`` may be an int, a ``SeedGenerator``, a raw JAX key, or None (the global stream set by
``keras.utils.set_random_seed``). Inside a jitted training step a ``SeedGenerator`` draws
from the step's key, so values differ every step without a Python-side state.
"""
from __future__ import annotations

import itertools

import jax

from fkeras.backend import random_state

_gen_ids = itertools.count()


class SeedGenerator:
    """A stream of random keys for the ``seed`` argument of random ops and layers.

    Each ``next()`` returns a new JAX key derived from ``seed`` and a counter. Inside a jitted
    training step the keys come from the step's key (folded with the generator's name and seed), so
    the values differ on every step without any Python-side state; ``get_config`` / ``from_config``
    round-trip the seed and name.

    Args:
        seed: Integer seed of the stream; ``None`` (default) draws one from the global stream, which
            ``keras.utils.set_random_seed`` makes reproducible.
        name: Name of the generator, which also separates its keys from those of other generators
            inside a step. ``None`` (default) gives a unique ``"seed_generator_<n>"``.
        **kwargs: Accepted for compatibility with Keras 3 (e.g. ``backend``) and ignored.

    Example:

    ```python
    seed_gen = keras.random.SeedGenerator(seed=1337)
    a = keras.random.normal((2,), seed=seed_gen)
    b = keras.random.normal((2,), seed=seed_gen)  # differs from a
    ```
    """

    def __init__(self, seed=None, name=None, **kwargs):
        self._seed = random_state.draw_seed() if seed is None else int(seed)
        self.name = name or f"seed_generator_{next(_gen_ids)}"
        self._key = jax.random.PRNGKey(self._seed)
        self._count = 0

    def next(self, ordered=True):
        from fkeras.engine.variables import current_scope

        scope = current_scope()
        if scope is not None and scope.rng is not None:
            return jax.random.fold_in(scope.next_rng(self.name), self._seed)
        if scope is not None and scope.symbolic:
            return self._key
        self._count += 1
        return jax.random.fold_in(self._key, self._count)

    @property
    def state(self):
        return self._key

    def get_config(self):
        return {"seed": self._seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def draw_key(seed):
    """Turn any accepted ``seed`` value into a JAX PRNG key.

    Args:
        seed: The seed to resolve: ``None`` (default: the global stream set by
            ``keras.utils.set_random_seed``, or the step's key inside a training step), an integer
            (the same values on every call), a ``keras.random.SeedGenerator`` (its next key) or a
            raw JAX PRNG key.

    Returns:
        A JAX PRNG key.

    Example:

    >>> key = keras.random.draw_key(42)   # the same key as jax.random.PRNGKey(42)
    """
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        from fkeras.engine.variables import current_scope

        scope = current_scope()
        if scope is not None and scope.rng is not None:
            return scope.next_rng("keras.random")
        return random_state.next_key()
    if isinstance(seed, int):
        return jax.random.PRNGKey(seed)
    return seed
