"""Keras 3 activation functions as pure functions of jax arrays.

Each one is built from ``fkeras.ops`` so it also works on symbolic tensors
(``keras.Input``), under ``jax.jit``, and on Variable handles.

Example:
    >>> from fkeras.activations import relu
    >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], max_value=5.0)
    Array([0., 0., 0., 5., 5.], dtype=float32)
"""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.ops import nn as _nn
from fkeras.ops import numpy as _np
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr as _arr
from fkeras.ops._helpers import to_float as _to_float


@keras_op
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with optional leak, ceiling and threshold.

    ``x`` above ``threshold`` (capped at ``max_value``); below it,
    ``negative_slope * (x - threshold)``.

    Example:
        >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], negative_slope=0.5)
        Array([-5. , -2.5,  0. ,  5. , 10. ], dtype=float32)
        >>> relu([-10.0, -5.0, 0.0, 5.0, 10.0], threshold=5.0)
        Array([-0., -0.,  0.,  0., 10.], dtype=float32)
    """
    x = _to_float(_arr(x))
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return jnp.where(x >= 0, x, negative_slope * x).astype(x.dtype)
    if negative_slope != 0.0:
        negative_part = jnp.maximum(threshold - x, 0.0) if threshold != 0 else jnp.maximum(-x, 0.0)
    clip_max = max_value is not None
    if threshold != 0:
        y = x * (x > jnp.asarray(threshold, x.dtype)).astype(x.dtype)
    else:
        y = jnp.maximum(x, 0.0).astype(x.dtype)
    if clip_max:
        y = jnp.clip(y, jnp.asarray(0.0, x.dtype), jnp.asarray(max_value, x.dtype))
    if negative_slope != 0.0:
        y = y - negative_slope * negative_part
    return y.astype(x.dtype)


def leaky_relu(x, negative_slope=0.2):
    """``x`` if ``x >= 0`` else ``negative_slope * x``."""
    return _nn.leaky_relu(x, negative_slope=negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return _nn.relu6(x)


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis`` (works on 1-D inputs too, as Keras 3).

    Example:
        >>> softmax([[1.0, 1.0, 1.0, 1.0]])
        Array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
    """
    return _nn.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""
    return _nn.elu(x, alpha=alpha)


def selu(x):
    """Scaled ELU (``scale=1.05070098``, ``alpha=1.67326324``); pair with ``LecunNormal``."""
    return _nn.selu(x)


def softplus(x):
    """``log(exp(x) + 1)``."""
    return _nn.softplus(x)


def softsign(x):
    """``x / (abs(x) + 1)``."""
    return _nn.softsign(x)


def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0."""
    return _nn.soft_shrink(x, threshold=threshold)


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``|x| < 1``, ``x`` for ``x >= 1``."""
    return _nn.sparse_plus(x)


def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)``."""
    return _nn.silu(x)


swish = silu


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    return _nn.squareplus(x, b=b)


def gelu(x, approximate=False):
    """Gaussian error linear unit ``0.5 x (1 + erf(x / sqrt(2)))`` (tanh form if ``approximate``).

    Note the default differs from ``keras.ops.gelu`` (``approximate=True``), as in Keras.
    """
    return _nn.gelu(x, approximate=approximate)


def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _nn.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: halves ``a, b`` of ``x`` along ``axis``, ``a * sigmoid(b)``."""
    return _nn.glu(x, axis=axis)


def tanh(x):
    """Hyperbolic tangent."""
    return _nn.tanh(x)


def tanh_shrink(x):
    """``x - tanh(x)``."""
    return _nn.tanh_shrink(x)


def hard_tanh(x):
    """``clip(x, -1, 1)``."""
    return _nn.hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold`` else 0."""
    return _nn.hard_shrink(x, threshold=threshold)


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold`` else ``default_value``."""
    return _nn.threshold(x, threshold, default_value)


def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return _nn.sigmoid(x)


def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    return _nn.sparse_sigmoid(x)


def exponential(x):
    """``exp(x)``."""
    return _np.exp(x)


def hard_sigmoid(x):
    """Piecewise-linear sigmoid: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between."""
    return _nn.hard_sigmoid(x)


def hard_silu(x):
    """Hard swish: ``x * relu6(x + 3) / 6``."""
    return _nn.hard_silu(x)


hard_swish = hard_silu


def linear(x):
    """Identity (pass-through)."""
    return x


@keras_op
def mish(x):
    """``x * tanh(softplus(x))``."""
    x = _to_float(_arr(x))
    return x * jnp.tanh(jnp.logaddexp(x, 0.0))


def log_softmax(x, axis=-1):
    """``x - logsumexp(x)`` along ``axis``."""
    return _nn.log_softmax(x, axis=axis)


def log_sigmoid(x):
    """``-softplus(-x)``."""
    return _nn.log_sigmoid(x)


def sparsemax(x, axis=-1):
    """Sparsemax: Euclidean projection of ``x`` onto the simplex along ``axis``."""
    return _nn.sparsemax(x, axis=axis)
