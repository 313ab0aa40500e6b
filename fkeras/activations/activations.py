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

from fkeras.ops import nn as _nn, numpy as _np
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr as _arr, to_float as _to_float


@keras_op
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with optional leak, ceiling and threshold: ``max(x, 0)`` by default.

    Values above ``threshold`` pass through (capped at ``max_value``); values below it become
    ``negative_slope * (x - threshold)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        negative_slope: Slope for values below ``threshold``. Defaults to ``0.0`` (no leak).
        max_value: Optional ceiling of the output; ``None`` (default) means no ceiling.
        threshold: Values at or below it are zeroed (or leaked). Defaults to ``0.0``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.

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
    """Leaky ReLU: ``x`` if ``x >= 0`` else ``negative_slope * x``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        negative_slope: Slope of the negative part. Defaults to ``0.2``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.

    Example:

    >>> keras.activations.leaky_relu([-2.0, 3.0])   # [-0.4, 3.0]
    """
    return _nn.leaky_relu(x, negative_slope=negative_slope)


def relu6(x):
    """ReLU capped at 6: ``min(max(x, 0), 6)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.relu6(x)


def softmax(x, axis=-1):
    """Softmax: ``exp(x) / sum(exp(x))`` along ``axis``, turning scores into probabilities.

    Computed stably (the maximum is subtracted first); works on 1-D inputs too.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        axis: Axis along which the probabilities sum to 1. Defaults to ``-1``.

    Returns:
        A tensor of the same shape as ``x`` with entries in ``[0, 1]`` summing to 1 along ``axis``.

    Example:
        >>> softmax([[1.0, 1.0, 1.0, 1.0]])
        Array([[0.25, 0.25, 0.25, 0.25]], dtype=float32)
    """
    return _nn.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        alpha: Scale of the negative part, which saturates at ``-alpha``. Defaults to ``1.0``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.elu(x, alpha=alpha)


def selu(x):
    """Scaled exponential linear unit: ``scale * (x if x > 0 else alpha * (exp(x) - 1))``.

    The constants ``alpha = 1.67326324`` and ``scale = 1.05070098`` keep activations
    self-normalising (Klambauer et al., 2017) when the weights use ``LecunNormal`` and dropout is
    ``AlphaDropout``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.selu(x)


def softplus(x):
    """Softplus: ``log(exp(x) + 1)``, a smooth ReLU.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.softplus(x)


def softsign(x):
    """Softsign: ``x / (abs(x) + 1)``, bounded in ``(-1, 1)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.softsign(x)


def soft_shrink(x, threshold=0.5):
    """Soft shrinkage: ``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, else 0.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        threshold: Half-width of the zeroed band. Defaults to ``0.5``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.soft_shrink(x, threshold=threshold)


def sparse_plus(x):
    """SparsePlus: 0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``|x| < 1``, ``x`` for ``x >= 1``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.sparse_plus(x)


def silu(x):
    """Swish / SiLU: ``x * sigmoid(x)`` (Ramachandran et al., 2017). ``swish`` is the same function.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.

    Example:

    >>> keras.activations.silu([0.0, 1.0])   # [0.0, 0.731]
    """
    return _nn.silu(x)


swish = silu


def squareplus(x, b=4):
    """Squareplus: ``(x + sqrt(x**2 + b)) / 2``, a smooth ReLU built from square roots.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        b: Smoothness; ``b = 0`` gives the ReLU. Defaults to ``4``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.squareplus(x, b=b)


def gelu(x, approximate=False):
    """Gaussian error linear unit: ``x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2)))``.

    Note the default here is the exact form, unlike ``keras.ops.gelu`` (``approximate=True``), as in
    Keras.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        approximate: Whether to use the tanh approximation
            ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``. Defaults to ``False``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.gelu(x, approximate=approximate)


def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        alpha: Scale of the negative part. Defaults to ``1.0``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.celu(x, alpha=alpha)


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` into halves ``a, b`` along ``axis`` and return ``a * sigmoid(b)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        axis: Axis to split; its size must be even. Defaults to ``-1``.

    Returns:
        A tensor like ``x`` with the size of ``axis`` halved.
    """
    return _nn.glu(x, axis=axis)


def tanh(x):
    """Hyperbolic tangent: ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))``, in ``(-1, 1)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.

    Example:

    >>> keras.activations.tanh([-1.0, 0.0, 1.0])   # [-0.762, 0.0, 0.762]
    """
    return _nn.tanh(x)


def tanh_shrink(x):
    """Tanh shrink: ``x - tanh(x)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.tanh_shrink(x)


def hard_tanh(x):
    """Hard tanh: ``clip(x, -1, 1)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    """Hard shrinkage: ``x`` where ``|x| > threshold`` else 0.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        threshold: Half-width of the zeroed band. Defaults to ``0.5``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.hard_shrink(x, threshold=threshold)


def threshold(x, threshold, default_value):
    """Threshold: ``x`` where ``x > threshold`` else ``default_value``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        threshold: Values at or below it are replaced.
        default_value: The replacement value.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.threshold(x, threshold, default_value)


def sigmoid(x):
    """Logistic sigmoid: ``1 / (1 + exp(-x))``, in ``(0, 1)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.

    Example:

    >>> keras.activations.sigmoid([0.0])   # [0.5]
    """
    return _nn.sigmoid(x)


def sparse_sigmoid(x):
    """Sparse sigmoid: 0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` in between.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.sparse_sigmoid(x)


def exponential(x):
    """Exponential: ``exp(x)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _np.exp(x)


def hard_sigmoid(x):
    """Hard sigmoid: ``clip(x / 6 + 0.5, 0, 1)``, a piecewise-linear sigmoid (0 below -3, 1 above 3).

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.hard_sigmoid(x)


def hard_silu(x):
    """Hard SiLU / hard swish: ``x * relu6(x + 3) / 6``. ``hard_swish`` is the same function.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.hard_silu(x)


hard_swish = hard_silu


def linear(x):
    """Linear (identity) activation: returns ``x`` unchanged.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        ``x`` itself.
    """
    return x


@keras_op
def mish(x):
    """Mish: ``x * tanh(softplus(x))`` (Misra, 2019).

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    x = _to_float(_arr(x))
    return x * jnp.tanh(jnp.logaddexp(x, 0.0))


def log_softmax(x, axis=-1):
    """Log-softmax: ``x - logsumexp(x)`` along ``axis``, the logarithm of ``softmax`` computed stably.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        axis: Axis of the normalisation. Defaults to ``-1``.

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.log_softmax(x, axis=axis)


def log_sigmoid(x):
    """Log-sigmoid: ``log(sigmoid(x)) = -softplus(-x)``.

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).

    Returns:
        A tensor of the same shape as ``x``, in a floating dtype.
    """
    return _nn.log_sigmoid(x)


def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex along ``axis``.

    Like softmax the outputs are non-negative and sum to 1, but small scores get exactly 0 (Martins
    & Astudillo, 2016).

    Args:
        x: Input tensor (array, nested list of numbers or symbolic tensor).
        axis: Axis of the projection. Defaults to ``-1``.

    Returns:
        A tensor of the same shape as ``x`` whose entries along ``axis`` sum to 1.
    """
    return _nn.sparsemax(x, axis=axis)
