"""tf.keras's ``K.*`` activations, losses, randomness and learning-phase functions.

Part of ``fkeras.backend.legacy`` (which re-exports everything here); see that module.
"""
from __future__ import annotations

from fkeras.backend.config import epsilon, floatx
from fkeras.backend.legacy import _jnp, _v

# --- activations ------------------------------------------------------------------------------

def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with tf.keras's options.

    Args:
        x: A tensor, array or Variable.
        alpha: Slope for values below ``threshold``.
        max_value: Optional saturation value.
        threshold: Values below it are damped by ``alpha``.

    Returns:
        A jax array.
    """
    from fkeras.activations.activations import relu as _relu

    return _relu(_v(x), negative_slope=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``.

    Args:
        x: A tensor, array or Variable.

    Returns:
        A jax array.
    """
    import jax

    return jax.nn.sigmoid(_v(x))


def softmax(x, axis=-1):
    """Softmax of ``x`` along ``axis``.

    Args:
        x: A tensor, array or Variable.
        axis: The axis that sums to one.

    Returns:
        A jax array.
    """
    import jax

    return jax.nn.softmax(_v(x), axis=axis)


def softplus(x):
    """``log(1 + exp(x))``, computed stably.

    Args:
        x: A tensor, array or Variable.

    Returns:
        A jax array.
    """
    import jax

    return jax.nn.softplus(_v(x))


def l2_normalize(x, axis=None):
    """Scale ``x`` to unit L2 norm along ``axis`` (the squared norm is floored at ``1e-12``).

    Args:
        x: A tensor, array or Variable.
        axis: The axis (or axes) to normalize over; None for all.

    Returns:
        A jax array.
    """
    jnp = _jnp()
    x = _v(x)
    return x / jnp.sqrt(jnp.maximum(jnp.sum(jnp.square(x), axis=axis, keepdims=True), 1e-12))


# --- losses -----------------------------------------------------------------------------------

def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy (tf.keras's ``K.binary_crossentropy``).

    Probabilities are clipped to ``[epsilon(), 1 - epsilon()]``; logits use the stable form
    ``max(z, 0) - z * t + log(1 + exp(-|z|))``.

    Args:
        target: Targets in ``[0, 1]``.
        output: Predicted probabilities, or logits when ``from_logits=True``.
        from_logits: Whether ``output`` holds logits.

    Returns:
        A float32 jax array with the shape of the inputs.
    """
    from fkeras.ops.nn import binary_crossentropy_values

    jnp = _jnp()
    target, output = jnp.asarray(_v(target), jnp.float32), jnp.asarray(_v(output), jnp.float32)
    return binary_crossentropy_values(target, output, from_logits)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or soft) targets and predictions along ``axis``.

    Probabilities are renormalized to sum to one, then clipped to ``[epsilon(), 1 - epsilon()]``.

    Args:
        target: Target distributions.
        output: Predicted probabilities, or logits when ``from_logits=True``.
        from_logits: Whether ``output`` holds logits.
        axis: The class axis.

    Returns:
        A float32 jax array with ``axis`` reduced.
    """
    import jax

    jnp = _jnp()
    target, output = jnp.asarray(_v(target), jnp.float32), jnp.asarray(_v(output), jnp.float32)
    if from_logits:
        return -jnp.sum(target * jax.nn.log_softmax(output, axis=axis), axis=axis)
    output = output / jnp.sum(output, axis=axis, keepdims=True)
    output = jnp.clip(output, epsilon(), 1.0 - epsilon())
    return -jnp.sum(target * jnp.log(output), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer class ids and predictions along ``axis``.

    Args:
        target: Integer class ids (a trailing axis of length 1 is dropped).
        output: Predicted probabilities, or logits when ``from_logits=True``.
        from_logits: Whether ``output`` holds logits.
        axis: The class axis of ``output``.

    Returns:
        A float32 jax array with ``axis`` reduced.
    """
    import jax

    jnp = _jnp()
    output = jnp.asarray(_v(output), jnp.float32)
    target = jnp.asarray(_v(target)).astype(jnp.int32)
    if target.ndim == output.ndim:
        target = jnp.squeeze(target, axis)
    onehot = jax.nn.one_hot(target, output.shape[axis])
    return categorical_crossentropy(onehot, output, from_logits=from_logits, axis=axis)


# --- gradients, randomness, learning phase ------------------------------------------------------

def stop_gradient(x):
    """``x`` with its gradient blocked (``jax.lax.stop_gradient``).

    Args:
        x: A tensor, array or Variable.

    Returns:
        A jax array.
    """
    import jax

    return jax.lax.stop_gradient(_v(x))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normally distributed values.

    Args:
        shape: The shape.
        mean: Mean of the distribution.
        stddev: Standard deviation of the distribution.
        dtype: The dtype; defaults to ``floatx()``.
        seed: Optional int seed; without it the global fkeras random state draws a fresh key.

    Returns:
        A jax array.
    """
    import jax

    from fkeras.backend.random_state import key_from_seed

    return mean + stddev * jax.random.normal(key_from_seed(seed), shape, dtype or floatx())


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniformly distributed values in ``[minval, maxval)``.

    Args:
        shape: The shape.
        minval: Lower bound (inclusive).
        maxval: Upper bound (exclusive).
        dtype: The dtype; defaults to ``floatx()``.
        seed: Optional int seed; without it the global fkeras random state draws a fresh key.

    Returns:
        A jax array.
    """
    import jax

    from fkeras.backend.random_state import key_from_seed

    return jax.random.uniform(key_from_seed(seed), shape, dtype or floatx(), minval, maxval)


def learning_phase():
    """Always 0: fkeras has no global learning phase (pass ``training=`` to calls instead).

    Returns:
        The int 0.
    """
    return 0


def set_learning_phase(value):
    """Deprecated no-op kept for tf.keras code; it warns (pass ``training=`` to calls instead).

    Args:
        value: Ignored (0 or 1 in tf.keras).
    """
    import warnings

    warnings.warn("`set_learning_phase` is deprecated and has no effect; pass `training=` to calls.",
                  DeprecationWarning, stacklevel=2)


__all__ = [
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "l2_normalize",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "stop_gradient",
    "random_normal",
    "random_uniform",
    "learning_phase",
    "set_learning_phase",
]
