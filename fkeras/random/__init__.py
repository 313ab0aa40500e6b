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


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draw samples from a normal distribution: ``x ~ N(mean, stddev**2)``.

    Args:
        shape: Shape of the output, a tuple of integers.
        mean: Mean of the distribution. Defaults to ``0.0``.
        stddev: Standard deviation of the distribution. Defaults to ``1.0``.
        dtype: Float dtype of the output; ``None`` (default) uses ``keras.backend.floatx()``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the given shape and dtype.

    Example:

    >>> keras.random.normal((2, 3), seed=0).shape   # (2, 3)
    """
    return mean + stddev * jax.random.normal(draw_key(seed), tuple(shape), dtype or floatx())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draw samples from a uniform distribution: ``x ~ U[minval, maxval)``.

    Args:
        shape: Shape of the output, a tuple of integers.
        minval: Lower bound (inclusive). Defaults to ``0.0``.
        maxval: Upper bound (exclusive). Defaults to ``1.0``.
        dtype: Float dtype of the output; ``None`` (default) uses ``keras.backend.floatx()``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the given shape and dtype.

    Example:

    >>> keras.random.uniform((4,), minval=-1.0, maxval=1.0, seed=0)
    """
    return jax.random.uniform(draw_key(seed), tuple(shape), dtype or floatx(), minval, maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draw samples from a truncated normal: ``N(mean, stddev**2)`` restricted to ``mean +- 2 * stddev``.

    Args:
        shape: Shape of the output, a tuple of integers.
        mean: Mean of the underlying normal distribution. Defaults to ``0.0``.
        stddev: Standard deviation of the underlying normal distribution (before truncation).
            Defaults to ``1.0``.
        dtype: Float dtype of the output; ``None`` (default) uses ``keras.backend.floatx()``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the given shape and dtype.
    """
    return mean + stddev * jax.random.truncated_normal(draw_key(seed), -2.0, 2.0, tuple(shape), dtype or floatx())


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draw random integers uniformly from ``[minval, maxval)``.

    Args:
        shape: Shape of the output, a tuple of integers.
        minval: Lowest value (inclusive).
        maxval: Upper bound (exclusive).
        dtype: Integer dtype of the output. Defaults to ``"int32"``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An integer array of the given shape.

    Example:

    >>> keras.random.randint((3,), 0, 10, seed=0)
    """
    return jax.random.randint(draw_key(seed), tuple(shape), minval, maxval, dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draw class indices from categorical distributions given by unnormalised log-probabilities.

    Args:
        logits: Array of shape ``(batch, num_classes)`` (or more leading axes); each row holds the
            log-probabilities (up to a constant) of one distribution.
        num_samples: Number of independent draws per row.
        dtype: Integer dtype of the output. Defaults to ``"int32"``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An integer array of shape ``(batch, num_samples)``.

    Example:

    >>> keras.random.categorical(np.log([[0.1, 0.9]]), num_samples=5, seed=0).shape   # (1, 5)
    """
    logits = jnp.asarray(logits)
    out = jax.random.categorical(draw_key(seed), logits[..., None, :], axis=-1,
                                 shape=logits.shape[:-1] + (num_samples,))
    return out.astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Randomly zero entries of ``inputs`` with probability ``rate``, scaling the rest by ``1 / (1 - rate)``.

    The scaling keeps the expected value of every entry unchanged.

    Args:
        inputs: Input array.
        rate: Float in ``[0, 1)``, the probability of dropping an entry.
        noise_shape: Optional shape of the keep/drop mask, broadcast against ``inputs`` (e.g.
            ``(batch, 1, features)`` to drop the same features at every time step). ``None``
            (default) uses the shape of ``inputs``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the shape and dtype of ``inputs``.

    Example:

    >>> keras.random.dropout(np.ones((2, 4)), rate=0.5, seed=0)   # entries 0 or 2
    """
    inputs = jnp.asarray(inputs)
    shape = inputs.shape if noise_shape is None else tuple(noise_shape)
    keep = jax.random.bernoulli(draw_key(seed), 1.0 - rate, shape)
    return jnp.where(keep, inputs / (1.0 - rate), 0).astype(inputs.dtype)


def shuffle(x, axis=0, seed=None):
    """Randomly permute the slices of ``x`` along ``axis``.

    Args:
        x: Input array.
        axis: Axis along which to shuffle. Defaults to ``0``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array with the same shape, dtype and elements as ``x``, reordered along ``axis``.

    Example:

    >>> keras.random.shuffle(np.arange(5), seed=0)
    """
    return jax.random.permutation(draw_key(seed), jnp.asarray(x), axis=axis, independent=False)


def gamma(shape, alpha, dtype=None, seed=None):
    """Draw samples from a gamma distribution with shape parameter ``alpha`` and scale 1.

    The density is ``x**(alpha - 1) * exp(-x) / Gamma(alpha)`` for ``x > 0``.

    Args:
        shape: Shape of the output, a tuple of integers.
        alpha: Positive shape (concentration) parameter, a float or an array broadcastable to
            ``shape``.
        dtype: Float dtype of the output; ``None`` (default) uses ``keras.backend.floatx()``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the given shape and dtype.
    """
    return jax.random.gamma(draw_key(seed), alpha, tuple(shape), dtype or floatx())


def beta(shape, alpha, beta, dtype=None, seed=None):  # noqa: A002
    """Draw samples from a beta distribution with parameters ``alpha`` and ``beta``.

    The density is ``x**(alpha - 1) * (1 - x)**(beta - 1) / B(alpha, beta)`` on ``(0, 1)``.

    Args:
        shape: Shape of the output, a tuple of integers.
        alpha: Positive first concentration parameter, a float or an array broadcastable to
            ``shape``.
        beta: Positive second concentration parameter, likewise.
        dtype: Float dtype of the output; ``None`` (default) uses ``keras.backend.floatx()``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the given shape and dtype with values in ``(0, 1)``.
    """
    return jax.random.beta(draw_key(seed), alpha, beta, tuple(shape), dtype or floatx())


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draw samples from a binomial distribution: the number of successes in ``counts`` trials.

    Args:
        shape: Shape of the output, a tuple of integers.
        counts: Number of trials, a number or an array broadcastable to ``shape``.
        probabilities: Success probability of each trial, in ``[0, 1]``, broadcastable to ``shape``.
        dtype: Float dtype of the output; ``None`` (default) uses ``keras.backend.floatx()``.
        seed: ``None`` (default: the global stream set by ``keras.utils.set_random_seed``, or the
            step's key inside a training step), an integer (the same values on every call), a
            ``keras.random.SeedGenerator`` (its next key) or a raw JAX PRNG key.

    Returns:
        An array of the given shape and (float) dtype holding whole numbers.

    Example:

    >>> keras.random.binomial((3,), counts=10, probabilities=0.5, seed=0)
    """
    return jax.random.binomial(draw_key(seed), counts, probabilities, tuple(shape), dtype or floatx())
