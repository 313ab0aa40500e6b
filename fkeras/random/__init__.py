"""``keras.random``: random ops with explicit seeds, and ``SeedGenerator``.

``seed`` may be an int, a ``SeedGenerator``, a raw JAX key, or None (the global stream set by
``keras.utils.set_random_seed``). Inside a jitted training step a ``SeedGenerator`` draws
from the step's key, so values differ every step without a Python-side state.
"""
from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp

from fkeras.backend import random_state
from fkeras.backend.config import floatx

_gen_ids = itertools.count()


class SeedGenerator:
    """A stream of keys: ``SeedGenerator(seed=1337).next()``."""

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


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return mean + stddev * jax.random.normal(draw_key(seed), tuple(shape), dtype or floatx())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return jax.random.uniform(draw_key(seed), tuple(shape), dtype or floatx(), minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return mean + stddev * jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, tuple(shape), dtype or floatx())


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return jax.random.randint(draw_key(seed), tuple(shape), minval, maxval, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    logits = jnp.asarray(logits)
    out = jax.random.categorical(draw_key(seed), logits[..., None, :], axis=-1,
                                 shape=logits.shape[:-1] + (num_samples,))
    return out.astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    inputs = jnp.asarray(inputs)
    shape = inputs.shape if noise_shape is None else tuple(noise_shape)
    keep = jax.random.bernoulli(draw_key(seed), 1.0 - rate, shape)
    return jnp.where(keep, inputs / (1.0 - rate), 0).astype(inputs.dtype)


def shuffle(x, axis=0, seed=None):
    return jax.random.permutation(draw_key(seed), jnp.asarray(x), axis=axis, independent=False)


def gamma(shape, alpha, dtype=None, seed=None):
    return jax.random.gamma(draw_key(seed), alpha, tuple(shape), dtype or floatx())


def beta(shape, alpha, beta, dtype=None, seed=None):  # noqa: A002
    return jax.random.beta(draw_key(seed), alpha, beta, tuple(shape), dtype or floatx())


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    return jax.random.binomial(draw_key(seed), counts, probabilities, tuple(shape), dtype or floatx())
