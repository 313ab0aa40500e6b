"""``keras.random``'s sampling ops: each draws from the key its ``seed`` argument gives (see
``seed_generator.draw_key``), so a call is reproducible with an int seed and differs every step
inside a training step."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.backend.config import floatx
from fkeras.random.seed_generator import draw_key


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
