"""``keras.ops.nn``: activations, convolutions, pooling, losses and normalization primitives.

Convolution kernels use Keras's layout, ``kernel_size + (in_channels, out_channels)``,
for both data formats; inputs are ``(batch, *spatial, channels)`` for ``channels_last``
and ``(batch, channels, *spatial)`` for ``channels_first``.
"""
from __future__ import annotations

import math as _math

import jax
import jax.numpy as jnp
from jax import lax

from fkeras.backend import config
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, standardize_dtype, to_float

# Re-exported so that keras.ops.nn.<name> works; each family lives in its own module.
from fkeras.ops.ctc import ctc_decode, ctc_loss  # noqa: F401
from fkeras.ops.math import polar  # noqa: F401
from fkeras.ops.spatial import (  # noqa: F401
    adaptive_average_pool,
    adaptive_max_pool,
    depth_to_space,
    fold,
    space_to_depth,
    unfold,
)

# --- activations ------------------------------------------------------------------------------


@keras_op
def relu(x):
    """Rectified linear unit, element-wise: ``max(x, 0)``.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.

    Example:
        >>> keras.ops.relu([-1.0, 0.0, 2.0])
        Array([0., 0., 2.], dtype=float32)
    """
    return jax.nn.relu(arr(x))


@keras_op
def relu6(x):
    """ReLU capped at 6, element-wise: ``min(max(x, 0), 6)``.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.

    Example:
        >>> keras.ops.relu6([-1.0, 3.0, 8.0])
        Array([0., 3., 6.], dtype=float32)
    """
    return jax.nn.relu6(arr(x))


@keras_op
def sigmoid(x):
    """Logistic sigmoid, element-wise: ``1 / (1 + exp(-x))``, with values in ``(0, 1)``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.sigmoid([0.0])
        Array([0.5], dtype=float32)
    """
    return jax.nn.sigmoid(to_float(arr(x)))


@keras_op
def sparse_sigmoid(x):
    """Piecewise-linear sigmoid, element-wise: 0 for ``x <= -1``, 1 for ``x >= 1`` and ``(x + 1) / 2`` between.

    Unlike ``sigmoid`` it reaches exactly 0 and 1, so its outputs can be sparse.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.sparse_sigmoid([-2.0, 0.0, 0.5])
        Array([0.  , 0.5 , 0.75], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.clip(0.5 * (x + 1.0), 0.0, 1.0).astype(x.dtype)


@keras_op
def softplus(x):
    """Softplus, element-wise: ``log(1 + exp(x))``, a smooth approximation of ReLU.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.softplus([0.0])
        Array([0.6931472], dtype=float32)
    """
    return jax.nn.softplus(to_float(arr(x)))


@keras_op
def softsign(x):
    """Softsign, element-wise: ``x / (1 + |x|)``, with values in ``(-1, 1)``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.softsign([-1.0, 3.0])
        Array([-0.5 ,  0.75], dtype=float32)
    """
    x = to_float(arr(x))
    return x / (1.0 + jnp.abs(x))


@keras_op
def silu(x):
    """Sigmoid linear unit (also called swish), element-wise: ``x * sigmoid(x)``.

    ``keras.ops.swish`` is the same function.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.silu([0.0, 1.0])
        Array([0.       , 0.7310586], dtype=float32)
    """
    return jax.nn.silu(to_float(arr(x)))


swish = silu


@keras_op
def log_sigmoid(x):
    """Logarithm of the sigmoid, element-wise: ``log(1 / (1 + exp(-x))) = -softplus(-x)``.

    Computed without the overflow or ``log(0)`` a direct evaluation would hit for large ``|x|``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.log_sigmoid([0.0])
        Array([-0.6931472], dtype=float32)
    """
    return jax.nn.log_sigmoid(to_float(arr(x)))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    """Leaky ReLU, element-wise: ``x`` for ``x >= 0`` and ``negative_slope * x`` below.

    Args:
        x: Input tensor; integers are promoted to floatx.
        negative_slope: Slope for negative inputs (default 0.2).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.leaky_relu([-1.0, 2.0])
        Array([-0.2,  2. ], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.where(x >= 0, x, negative_slope * x).astype(x.dtype)


@keras_op
def hard_sigmoid(x):
    """Hard sigmoid, element-wise: ``relu6(x + 3) / 6``, a piecewise-linear sigmoid.

    It is 0 for ``x <= -3``, 1 for ``x >= 3`` and linear in between.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.hard_sigmoid([-4.0, 0.0, 4.0])
        Array([0. , 0.5, 1. ], dtype=float32)
    """
    x = to_float(arr(x))
    return (jax.nn.relu6(x + 3.0) / 6.0).astype(x.dtype)


@keras_op
def hard_silu(x):
    """Hard SiLU (hard swish), element-wise: ``x * relu6(x + 3) / 6``.

    ``keras.ops.hard_swish`` is the same function.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.hard_silu([-4.0, 0.0, 4.0])
        Array([-0.,  0.,  4.], dtype=float32)
    """
    x = to_float(arr(x))
    return (x * jax.nn.relu6(x + 3.0) / 6.0).astype(x.dtype)


hard_swish = hard_silu


@keras_op
def elu(x, alpha=1.0):
    """Exponential linear unit, element-wise: ``x`` for ``x > 0`` and ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        x: Input tensor; integers are promoted to floatx.
        alpha: Scale of the negative part, its limit as ``x -> -inf`` being ``-alpha`` (default 1.0).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.elu([-1.0, 2.0])
        Array([-0.63212055,  2.        ], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.minimum(x, 0.0))).astype(x.dtype)


@keras_op
def selu(x):
    """Scaled exponential linear unit, element-wise: ``scale * elu(x, alpha)``.

    The constants ``alpha ~= 1.67326`` and ``scale ~= 1.05070`` are the ones of Klambauer et al.
    (2017), chosen so that activations keep zero mean and unit variance (with
    ``lecun_normal`` initialisation).

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.selu([0.0, 1.0])
        Array([0.      , 1.050701], dtype=float32)
    """
    return jax.nn.selu(to_float(arr(x)))


@keras_op
def celu(x, alpha=1.0):
    """Continuously differentiable ELU, element-wise: ``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        alpha: Scale of the negative part (default 1.0).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.celu([-1.0, 2.0])
        Array([-0.63212055,  2.        ], dtype=float32)
    """
    x = to_float(arr(x))
    return (jnp.maximum(x, 0.0) + jnp.minimum(0.0, alpha * jnp.expm1(x / alpha))).astype(x.dtype)


@keras_op
def gelu(x, approximate=True):
    """Gaussian error linear unit, element-wise: ``x * P(X <= x)`` for a standard normal ``X``.

    With ``approximate=True`` (the default) it uses
    ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))``; with ``False`` the exact
    ``0.5 * x * (1 + erf(x / sqrt(2)))``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        approximate: Whether to use the tanh approximation (default ``True``).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.gelu([0.0, 1.0], approximate=False)
        Array([0.       , 0.8413447], dtype=float32)
    """
    return jax.nn.gelu(to_float(arr(x)), approximate=approximate)


@keras_op
def glu(x, axis=-1):
    """Gated linear unit: split ``x`` into halves ``a, b`` along ``axis`` and return ``a * sigmoid(b)``.

    Args:
        x: Input tensor whose ``axis`` has even length; integers are promoted to floatx.
        axis: Axis to split (default ``-1``).

    Returns:
        A floating-point tensor like ``x`` with ``axis`` halved.

    Raises:
        ValueError: If the length of ``axis`` is odd.

    Example:
        >>> keras.ops.glu(keras.ops.ones((2, 6))).shape
        (2, 3)
    """
    x = to_float(arr(x))
    if x.shape[axis] % 2 != 0:
        raise ValueError("glu expects the size of `axis` to be even. "
                         f"Received: x.shape={x.shape}, axis={axis}")
    a, b = jnp.split(x, 2, axis=axis)
    return a * jax.nn.sigmoid(b)


@keras_op
def tanh(x):
    """Hyperbolic tangent activation, element-wise, with values in ``(-1, 1)``.

    The same computation as ``keras.ops.tanh``, exposed as ``keras.ops.nn.tanh``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.nn.tanh([0.0])
        Array([0.], dtype=float32)
    """
    return jnp.tanh(to_float(arr(x)))


@keras_op
def tanh_shrink(x):
    """Tanh shrink, element-wise: ``x - tanh(x)``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.tanh_shrink([0.0])
        Array([0.], dtype=float32)
    """
    x = to_float(arr(x))
    return x - jnp.tanh(x)


@keras_op
def hard_tanh(x):
    """Hard tanh, element-wise: ``x`` clipped to ``[-1, 1]``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.hard_tanh([-2.0, 0.5, 2.0])
        Array([-1. ,  0.5,  1. ], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.clip(x, -1.0, 1.0).astype(x.dtype)


@keras_op
def hard_shrink(x, threshold=0.5):
    """Hard shrink, element-wise: ``x`` where ``|x| > threshold`` and 0 elsewhere.

    Args:
        x: Input tensor; integers are promoted to floatx.
        threshold: Magnitude at or below which values are zeroed (default 0.5).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.hard_shrink([-1.0, 0.2, 0.7])
        Array([-1. ,  0. ,  0.7], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


@keras_op
def soft_shrink(x, threshold=0.5):
    """Soft shrink, element-wise: moves ``x`` toward zero by ``threshold``, zeroing ``|x| <= threshold``.

    It gives ``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        threshold: Non-negative shrinkage amount (default 0.5).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.soft_shrink([-1.0, 0.2, 0.75])
        Array([-0.5 ,  0.  ,  0.25], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.where(x > threshold, x - threshold,
                     jnp.where(x < -threshold, x + threshold, jnp.zeros_like(x))).astype(x.dtype)


@keras_op
def threshold(x, threshold, default_value):
    """Threshold, element-wise: ``x`` where ``x > threshold``, ``default_value`` elsewhere.

    Args:
        x: Input tensor.
        threshold: Values greater than this are kept.
        default_value: Value that replaces the others (cast to the dtype of ``x``).

    Returns:
        A tensor with the shape and dtype of ``x``.

    Example:
        >>> keras.ops.threshold([-1.0, 0.5, 2.0], 1.0, 0.0)
        Array([0., 0., 2.], dtype=float32)
    """
    x = arr(x)
    return jnp.where(x > threshold, x, jnp.asarray(default_value, dtype=x.dtype))


@keras_op
def squareplus(x, b=4):
    """Squareplus, element-wise: ``(x + sqrt(x ** 2 + b)) / 2``, a smooth, algebraic ReLU.

    Args:
        x: Input tensor; integers are promoted to floatx.
        b: Non-negative smoothness parameter; 0 gives exactly ReLU (default 4).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.squareplus([0.0], b=4)
        Array([1.], dtype=float32)
    """
    x = to_float(arr(x))
    return ((x + jnp.sqrt(jnp.square(x) + b)) / 2.0).astype(x.dtype)


@keras_op
def sparse_plus(x):
    """SparsePlus, element-wise: 0 for ``x <= -1``, ``(x + 1) ** 2 / 4`` for ``-1 < x < 1``, ``x`` above.

    A smooth softplus-like function that is exactly 0 for ``x <= -1``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.sparse_plus([-2.0, 0.0, 2.0])
        Array([0.  , 0.25, 2.  ], dtype=float32)
    """
    x = to_float(arr(x))
    return jnp.where(x <= -1, jnp.zeros_like(x),
                     jnp.where(x < 1, 0.25 * jnp.square(x + 1), x)).astype(x.dtype)


@keras_op
def sparsemax(x, axis=-1):
    """Sparsemax along ``axis``: the Euclidean projection of ``x`` onto the probability simplex.

    Like ``softmax`` its outputs are non-negative and sum to 1, but small logits get exactly 0
    (Martins & Astudillo, 2016).

    Args:
        x: Input tensor of logits; integers are promoted to floatx.
        axis: Axis along which the projection is taken (default ``-1``).

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.sparsemax([1.0, 2.0, 5.0])
        Array([0., 0., 1.], dtype=float32)
    """
    x = to_float(arr(x))
    z = jnp.moveaxis(x, axis, -1)
    z_sorted = -jnp.sort(-z, axis=-1)
    k = jnp.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    cumsum = jnp.cumsum(z_sorted, axis=-1)
    support = (1 + k * z_sorted) > cumsum
    k_z = jnp.sum(support, axis=-1, keepdims=True).astype(z.dtype)
    cs_k = jnp.take_along_axis(cumsum, k_z.astype("int32") - 1, axis=-1)
    tau = (cs_k - 1) / k_z
    out = jnp.maximum(z - tau, 0.0)
    return jnp.moveaxis(out, -1, axis)


@keras_op
def softmax(x, axis=-1):
    """Softmax along ``axis``: ``exp(x) / sum(exp(x))``, computed stably.

    The outputs along ``axis`` are positive and sum to 1.

    Args:
        x: Input tensor of logits; integers are promoted to floatx.
        axis: Axis or tuple/list of axes to normalise over (default ``-1``); ``None`` normalises
            over all elements.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.softmax([1.0, 1.0])
        Array([0.5, 0.5], dtype=float32)
    """
    x = to_float(arr(x))
    if axis is None:
        return jax.nn.softmax(x.reshape(-1), axis=-1).reshape(x.shape)
    if isinstance(axis, list):
        axis = tuple(axis)
    return jax.nn.softmax(x, axis=axis)


@keras_op
def log_softmax(x, axis=-1):
    """Log-softmax along ``axis``: ``x - logsumexp(x, axis)``, computed stably.

    Args:
        x: Input tensor of logits; integers are promoted to floatx.
        axis: Axis or tuple/list of axes to normalise over (default ``-1``); ``None`` normalises
            over all elements.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.log_softmax([0.0, 0.0])
        Array([-0.6931472, -0.6931472], dtype=float32)
    """
    x = to_float(arr(x))
    if axis is None:
        return jax.nn.log_softmax(x.reshape(-1), axis=-1).reshape(x.shape)
    if isinstance(axis, list):
        axis = tuple(axis)
    return jax.nn.log_softmax(x, axis=axis)


# --- convolution and pooling ------------------------------------------------------------------


def _tuple(value, n, name):
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise ValueError(f"`{name}` must be an int or a tuple of {n} ints. Received: {name}={value}")
    return value


def _padding(padding):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    return p.upper()


def _dimension_numbers(num_spatial, data_format):
    n = num_spatial + 2
    if data_format == "channels_last":
        lhs = (0, n - 1) + tuple(range(1, n - 1))
    else:
        lhs = (0, 1) + tuple(range(2, n))
    rhs = (n - 1, n - 2) + tuple(range(n - 2))  # kernel: (*spatial, in, out)
    return lax.ConvDimensionNumbers(lhs_spec=lhs, rhs_spec=rhs, out_spec=lhs)


def _check_conv_rank(inputs, kernel, name):
    if inputs.ndim < 3:
        raise ValueError(f"{name} expects inputs of rank >= 3 (batch, spatial..., channels). "
                         f"Received: inputs.shape={inputs.shape}")
    if kernel.ndim != inputs.ndim:
        raise ValueError(f"{name} expects a kernel of rank {inputs.ndim} "
                         f"(kernel_size + (in_channels, out_channels)). Received: kernel.shape={kernel.shape}")


@keras_op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """General N-D convolution (a cross-correlation, as in Keras and TensorFlow).

    The number of spatial dimensions (1, 2 or 3) follows from the rank of ``inputs``. Grouped
    convolution is implied when ``kernel.shape[-2]`` is a divisor of the input channels: the
    channels form ``in_channels // kernel.shape[-2]`` groups.

    Args:
        inputs: Tensor of rank ``N + 2``, laid out as ``data_format`` says.
        kernel: Tensor of shape ``kernel_size + (in_channels // groups, filters)``.
        strides: Int or tuple of ints, the stride along each spatial dimension (default 1).
        padding: ``"valid"`` (no padding, default) or ``"same"`` (pad so that the output has
            ``ceil(input / stride)`` positions).
        data_format: ``"channels_last"`` (inputs ``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: Int or tuple of ints, the spacing between kernel taps (default 1,
            no dilation).

    Returns:
        A tensor of rank ``N + 2`` with ``filters`` channels.

    Raises:
        ValueError: If the ranks of ``inputs`` and ``kernel`` disagree, the channels are not a
            multiple of ``kernel.shape[-2]``, ``padding`` is unknown, or a tuple argument has the
            wrong length.

    Example:
        >>> keras.ops.conv(keras.ops.ones((1, 5, 5, 3)), keras.ops.ones((3, 3, 3, 8))).shape
        (1, 3, 3, 8)
    """
    inputs, kernel = arr(inputs), arr(kernel)
    _check_conv_rank(inputs, kernel, "conv")
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if channels % kernel.shape[-2] != 0:
        raise ValueError(
            "conv: the input channels must be a multiple of kernel.shape[-2] (channels per group). "
            f"Received: inputs.shape={inputs.shape}, kernel.shape={kernel.shape}")
    groups = channels // kernel.shape[-2]
    kernel = kernel.astype(jnp.result_type(inputs.dtype, kernel.dtype))
    inputs = inputs.astype(kernel.dtype)
    return lax.conv_general_dilated(
        inputs, kernel,
        window_strides=_tuple(strides, n, "strides"),
        padding=_padding(padding),
        rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
        dimension_numbers=_dimension_numbers(n, data_format),
        feature_group_count=groups,
    )


@keras_op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Depthwise N-D convolution: each input channel is convolved with its own filters.

    Every input channel gets ``depth_multiplier`` filters, so the output has
    ``in_channels * depth_multiplier`` channels (those of channel ``c`` are adjacent).

    Args:
        inputs: Tensor of rank ``N + 2``, laid out as ``data_format`` says.
        kernel: Tensor of shape ``kernel_size + (in_channels, depth_multiplier)``.
        strides: Int or tuple of ints, the stride along each spatial dimension (default 1).
        padding: ``"valid"`` (no padding, default) or ``"same"`` (pad so that the output has
            ``ceil(input / stride)`` positions).
        data_format: ``"channels_last"`` (inputs ``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: Int or tuple of ints, the spacing between kernel taps (default 1,
            no dilation).

    Returns:
        A tensor of rank ``N + 2`` with ``in_channels * depth_multiplier`` channels.

    Raises:
        ValueError: If ``kernel.shape[-2]`` differs from the input channels, or the ranks disagree.

    Example:
        >>> keras.ops.depthwise_conv(keras.ops.ones((1, 5, 5, 3)), keras.ops.ones((3, 3, 3, 2))).shape
        (1, 3, 3, 6)
    """
    inputs, kernel = arr(inputs), arr(kernel)
    _check_conv_rank(inputs, kernel, "depthwise_conv")
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    if kernel.shape[-2] != channels:
        raise ValueError("depthwise_conv: kernel.shape[-2] must equal the input channels. "
                         f"Received: inputs.shape={inputs.shape}, kernel.shape={kernel.shape}")
    kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, kernel.shape[-2] * kernel.shape[-1]))
    kernel = kernel.astype(jnp.result_type(inputs.dtype, kernel.dtype))
    inputs = inputs.astype(kernel.dtype)
    return lax.conv_general_dilated(
        inputs, kernel,
        window_strides=_tuple(strides, n, "strides"),
        padding=_padding(padding),
        rhs_dilation=_tuple(dilation_rate, n, "dilation_rate"),
        dimension_numbers=_dimension_numbers(n, data_format),
        feature_group_count=channels,
    )


@keras_op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Separable N-D convolution: a depthwise convolution followed by a pointwise (1x1) one.

    ``strides``, ``padding`` and ``dilation_rate`` apply to the depthwise step; the pointwise
    step mixes channels with stride 1.

    Args:
        inputs: Tensor of rank ``N + 2``, laid out as ``data_format`` says.
        depthwise_kernel: Tensor of shape ``kernel_size + (in_channels, depth_multiplier)``.
        pointwise_kernel: Tensor of shape ``(1,) * N + (in_channels * depth_multiplier, filters)``.
        strides: Int or tuple of ints, the stride along each spatial dimension (default 1).
        padding: ``"valid"`` (no padding, default) or ``"same"`` (pad so that the output has
            ``ceil(input / stride)`` positions).
        data_format: ``"channels_last"`` (inputs ``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: Int or tuple of ints, the spacing between kernel taps (default 1,
            no dilation).

    Returns:
        A tensor of rank ``N + 2`` with ``filters`` channels.

    Example:
        >>> x = keras.ops.ones((1, 5, 5, 3))
        >>> keras.ops.separable_conv(x, keras.ops.ones((3, 3, 3, 2)), keras.ops.ones((1, 1, 6, 4))).shape
        (1, 3, 3, 4)
    """
    y = depthwise_conv(inputs, depthwise_kernel, strides=strides, padding=padding,
                       data_format=data_format, dilation_rate=dilation_rate)
    return conv(y, pointwise_kernel, strides=1, padding="valid", data_format=data_format,
                dilation_rate=1)


def _conv_transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    k = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        if output_padding is None:
            output_padding = max(k, stride) - k
        return k - 1, k - 1 + output_padding
    if output_padding is None:
        total = stride + k - 2
    else:
        total = k + k % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, k - 1)
    return left, total - left


def conv_transpose_output_length(input_length, kernel_size, padding, output_padding, stride,
                                 dilation):
    """Length of one spatial dimension after a transposed convolution, as Keras computes it.

    Used by ``conv_transpose`` and the ``Conv*Transpose`` layers' ``compute_output_shape``.

    Args:
        input_length: Input length along the dimension, or ``None`` when unknown.
        kernel_size: Kernel length along the dimension.
        padding: ``"valid"`` or ``"same"``.
        output_padding: Extra length added on one side, or ``None`` to infer the smallest length
            consistent with the stride.
        stride: Stride along the dimension.
        dilation: Dilation rate along the dimension.

    Returns:
        The output length (an int), or ``None`` when ``input_length`` is ``None``.

    Example:
        >>> keras.ops.nn.conv_transpose_output_length(4, 3, "same", None, 2, 1)
        8
    """
    if input_length is None:
        return None
    k = (kernel_size - 1) * dilation + 1
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(k - stride, 0)
        return input_length * stride
    pad = k // 2 if padding == "same" else 0
    return (input_length - 1) * stride + k - 2 * pad + output_padding


@keras_op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed N-D convolution (sometimes called deconvolution).

    The gradient of ``conv`` with respect to its input: it upsamples by ``strides``. Each spatial
    output length is ``conv_transpose_output_length(...)`` of the input length.

    Args:
        inputs: Tensor of rank ``N + 2``, laid out as ``data_format`` says.
        kernel: Tensor of shape ``kernel_size + (filters, in_channels)`` (Keras's layout: output
            channels before input channels).
        strides: Int or tuple of ints, the stride along each spatial dimension (default 1).
        padding: ``"valid"`` (no padding, default) or ``"same"`` (pad so that the output has
            ``ceil(input / stride)`` positions).
        data_format: ``"channels_last"`` (inputs ``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``); ``None`` uses
            ``keras.config.image_data_format()``.
        dilation_rate: Int or tuple of ints, the spacing between kernel taps (default 1,
            no dilation).
        output_padding: Int or tuple of ints: extra length added to one side of each output
            dimension (must be smaller than the stride); ``None`` (default) infers it.

    Returns:
        A tensor of rank ``N + 2`` with ``filters`` channels.

    Example:
        >>> x = keras.ops.ones((1, 4, 4, 3))
        >>> keras.ops.conv_transpose(x, keras.ops.ones((3, 3, 8, 3)), strides=2, padding="same").shape
        (1, 8, 8, 8)
    """
    inputs, kernel = arr(inputs), arr(kernel)
    _check_conv_rank(inputs, kernel, "conv_transpose")
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    strides = _tuple(strides, n, "strides")
    dilation = _tuple(dilation_rate, n, "dilation_rate")
    pad = str(padding).lower()
    _padding(pad)
    if output_padding is None:
        out_pads = (None,) * n
    else:
        out_pads = _tuple(output_padding, n, "output_padding")
    pads = [_conv_transpose_padding(kernel.shape[i], strides[i], dilation[i], pad, out_pads[i])
            for i in range(n)]
    nd = n + 2
    if data_format == "channels_last":
        lhs = (0, nd - 1) + tuple(range(1, nd - 1))
    else:
        lhs = (0, 1) + tuple(range(2, nd))
    rhs = (nd - 2, nd - 1) + tuple(range(nd - 2))  # (*spatial, out, in): O then I
    dn = lax.ConvDimensionNumbers(lhs_spec=lhs, rhs_spec=rhs, out_spec=lhs)
    kernel = kernel.astype(jnp.result_type(inputs.dtype, kernel.dtype))
    inputs = inputs.astype(kernel.dtype)
    # Gradient-of-conv formulation: dilate the input by the stride, flip the kernel.
    flipped = jnp.flip(kernel, axis=tuple(range(n)))
    return lax.conv_general_dilated(
        inputs, flipped,
        window_strides=(1,) * n,
        padding=pads,
        lhs_dilation=strides,
        rhs_dilation=dilation,
        dimension_numbers=dn,
    )


def _pool(inputs, pool_size, strides, padding, data_format, name):
    inputs = arr(inputs)
    data_format = config.standardize_data_format(data_format)
    n = inputs.ndim - 2
    if n < 1:
        raise ValueError(f"{name} expects inputs of rank >= 3. Received: inputs.shape={inputs.shape}")
    pool_size = _tuple(pool_size, n, "pool_size")
    strides = pool_size if strides is None else _tuple(strides, n, "strides")
    if data_format == "channels_last":
        window = (1,) + pool_size + (1,)
        stride = (1,) + strides + (1,)
    else:
        window = (1, 1) + pool_size
        stride = (1, 1) + strides
    return inputs, window, stride, _padding(padding)


@keras_op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial dimensions: the maximum of each window.

    Args:
        inputs: Tensor of rank ``N + 2`` (``N`` spatial dimensions), laid out as ``data_format`` says.
        pool_size: Int or tuple of ints, the window size along each spatial dimension.
        strides: Int or tuple of ints, the step between windows; ``None`` (default) uses
            ``pool_size``.
        padding: ``"valid"`` (no padding, default) or ``"same"`` (pad so that the output has
            ``ceil(input / stride)`` positions).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses
            ``keras.config.image_data_format()``.

    Returns:
        A tensor of rank ``N + 2`` with the pooled spatial dimensions and the dtype of ``inputs``.

    Example:
        >>> keras.ops.max_pool(keras.ops.ones((1, 4, 4, 3)), 2).shape
        (1, 2, 2, 3)
    """
    inputs, window, stride, pad = _pool(inputs, pool_size, strides, padding, data_format, "max_pool")
    if jnp.issubdtype(inputs.dtype, jnp.floating):
        init = -jnp.inf
    else:
        init = jnp.iinfo(inputs.dtype).min
    return lax.reduce_window(inputs, jnp.asarray(init, inputs.dtype), lax.max, window, stride, pad)


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the spatial dimensions: the mean of each window.

    With ``"same"`` padding, padded positions are left out of the mean (as in Keras/TensorFlow).

    Args:
        inputs: Tensor of rank ``N + 2`` (``N`` spatial dimensions), laid out as ``data_format`` says.
        pool_size: Int or tuple of ints, the window size along each spatial dimension.
        strides: Int or tuple of ints, the step between windows; ``None`` (default) uses
            ``pool_size``.
        padding: ``"valid"`` (no padding, default) or ``"same"`` (pad so that the output has
            ``ceil(input / stride)`` positions).
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses
            ``keras.config.image_data_format()``.

    Returns:
        A floating-point tensor of rank ``N + 2`` with the pooled spatial dimensions.

    Example:
        >>> keras.ops.average_pool(keras.ops.ones((1, 5, 5, 3)), 2, padding="same").shape
        (1, 3, 3, 3)
    """
    inputs, window, stride, pad = _pool(inputs, pool_size, strides, padding, data_format,
                                        "average_pool")
    inputs = to_float(inputs)
    zero = jnp.asarray(0, inputs.dtype)
    summed = lax.reduce_window(inputs, zero, lax.add, window, stride, pad)
    if pad == "VALID":
        return summed / _math.prod(window)
    ones = jnp.ones(inputs.shape, inputs.dtype)
    counts = lax.reduce_window(ones, zero, lax.add, window, stride, pad)
    return summed / counts


# --- encodings --------------------------------------------------------------------------------

@keras_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer class ids.

    Negative or out-of-range ids give all-zero vectors.

    Args:
        x: Integer tensor of class ids.
        num_classes: Number of classes (length of the new axis).
        axis: Position of the new axis in the result (default ``-1``, last).
        dtype: Dtype of the result; ``None`` (default) uses floatx.
        sparse: Must be ``False``: sparse outputs are not supported.

    Returns:
        A tensor of rank ``ndim(x) + 1`` holding 0s and 1s.

    Raises:
        ValueError: If ``sparse`` is ``True``.

    Example:
        >>> keras.ops.one_hot([0, 2], 3)
        Array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported.")
    x = arr(x)
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=standardize_dtype(dtype))


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode integer class ids: a 1 at every class listed in a sample.

    A 1-D ``inputs`` is one sample; a 2-D ``inputs`` is a batch with one sample per row.

    Args:
        inputs: Integer tensor of class ids, 1-D or ``(batch, ids)``.
        num_classes: Number of classes (length of the encoding).
        axis: Position of the class axis in the result (default ``-1``).
        dtype: Dtype of the result; ``None`` (default) uses floatx.
        sparse: Must be ``False``: sparse outputs are not supported.
        **kwargs: Accepts the legacy name ``num_tokens`` for ``num_classes``.

    Returns:
        A tensor of shape ``(num_classes,)`` or ``(batch, num_classes)``.

    Raises:
        ValueError: If ``num_classes`` is missing or ``sparse`` is ``True``.

    Example:
        >>> keras.ops.multi_hot([[0, 2], [1, 1]], 3)
        Array([[1., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` is required.")
    if sparse:
        raise ValueError("`sparse=True` is not supported.")
    x = arr(inputs)
    reduction_axis = 1 if x.ndim > 1 else 0
    oh = jax.nn.one_hot(x, num_classes, axis=axis, dtype=standardize_dtype(dtype))
    return jnp.max(oh, axis=reduction_axis)


# --- losses (element-wise / per-sample, no reduction) ----------------------------------------

def _check_same_shape(target, output, name):
    if target.shape != output.shape:
        raise ValueError(f"{name}: arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={target.shape}, output.shape={output.shape}")


@keras_op
def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary crossentropy between targets and predictions (no reduction).

    ``-(target * log(p) + (1 - target) * log(1 - p))``, with ``p`` clipped to
    ``[epsilon, 1 - epsilon]`` (``keras.config.epsilon()``) unless ``from_logits`` is set.

    Args:
        target: Tensor of targets in ``[0, 1]``.
        output: Tensor of predictions with the shape of ``target``: probabilities, or logits when
            ``from_logits`` is ``True``.
        from_logits: Whether ``output`` holds logits (default ``False``); with logits the loss is
            computed through ``log_sigmoid``, which is more stable.

    Returns:
        A floating-point tensor with the shape of ``target``.

    Raises:
        ValueError: If ``target`` and ``output`` have different shapes.

    Example:
        >>> keras.ops.binary_crossentropy([1.0, 0.0], [0.5, 0.5])
        Array([0.6931472, 0.6931472], dtype=float32)
    """
    target, output = to_float(arr(target)), to_float(arr(output))
    _check_same_shape(target, output, "binary_crossentropy")
    return binary_crossentropy_values(target.astype(output.dtype), output, from_logits)


def binary_crossentropy_values(target, output, from_logits):
    """The element-wise binary crossentropy formula on arrays already checked and cast (the one
    home of it: ``keras.ops``, ``keras.losses`` and ``K.binary_crossentropy`` all call it)."""
    if from_logits:
        return -target * jax.nn.log_sigmoid(output) - (1.0 - target) * jax.nn.log_sigmoid(-output)
    eps = config.epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot (or probability) targets and predictions along ``axis``.

    ``-sum(target * log(p), axis)``, where ``p`` is ``softmax(output)`` with ``from_logits``, and
    otherwise ``output`` renormalised to sum to 1 and clipped to ``[epsilon, 1 - epsilon]``.

    Args:
        target: Tensor of target distributions (usually one-hot).
        output: Tensor of predictions with the shape of ``target``: probabilities, or logits when
            ``from_logits`` is ``True``.
        from_logits: Whether ``output`` holds logits (default ``False``).
        axis: The class axis (default ``-1``).

    Returns:
        A floating-point tensor with ``axis`` removed (one loss per sample).

    Raises:
        ValueError: If ``target`` and ``output`` have different shapes.

    Example:
        >>> keras.ops.categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])
        Array([0.6931472], dtype=float32)
    """
    target, output = to_float(arr(target)), to_float(arr(output))
    _check_same_shape(target, output, "categorical_crossentropy")
    target = target.astype(output.dtype)
    if from_logits:
        log_prob = jax.nn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        log_prob = jnp.log(jnp.clip(output, eps, 1.0 - eps))
    return -jnp.sum(target * log_prob, axis=axis)


@keras_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between integer class targets and predictions along ``axis``.

    The same loss as ``categorical_crossentropy`` with ``one_hot(target)`` as the target.

    Args:
        target: Integer tensor of class ids with one dimension less than ``output`` (a trailing
            length-1 axis is squeezed first).
        output: Tensor of predictions: probabilities, or logits when ``from_logits`` is ``True``.
        from_logits: Whether ``output`` holds logits (default ``False``).
        axis: The class axis of ``output`` (default ``-1``).

    Returns:
        A floating-point tensor with the shape of ``target`` (one loss per sample).

    Raises:
        ValueError: If ``target`` does not have one dimension less than ``output``.

    Example:
        >>> keras.ops.sparse_categorical_crossentropy([1], [[0.5, 0.5]])
        Array([0.6931472], dtype=float32)
    """
    target, output = arr(target), to_float(arr(output))
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = jnp.squeeze(target, axis=-1)
    if target.ndim != output.ndim - 1:
        raise ValueError("sparse_categorical_crossentropy: `target` must have one dimension less "
                         f"than `output`. Received: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    target = target.astype("int32")
    if from_logits:
        log_prob = jax.nn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis=axis, keepdims=True)
        eps = config.epsilon()
        log_prob = jnp.log(jnp.clip(output, eps, 1.0 - eps))
    oh = jax.nn.one_hot(target, output.shape[axis], axis=axis, dtype=log_prob.dtype)
    return -jnp.sum(oh * log_prob, axis=axis)


# --- normalization ----------------------------------------------------------------------------

@keras_op
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of ``x`` over ``axes``.

    float16 and bfloat16 inputs are reduced in float32 and cast back, to avoid overflow.

    Args:
        x: Input tensor; integers are promoted to floatx.
        axes: Axis or list/tuple of axes to reduce.
        keepdims: If ``True``, the reduced axes stay in the results with length 1 (default
            ``False``).
        synchronized: Accepted for Keras compatibility; it only matters for TensorFlow's
            distribution strategies and is ignored here (under JAX, reductions over a sharded
            batch are global already).

    Returns:
        A tuple ``(mean, variance)`` of tensors.

    Example:
        >>> mean, variance = keras.ops.moments(keras.ops.array([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
        >>> mean, variance
        (Array([2., 4.], dtype=float32), Array([1., 4.], dtype=float32))
    """
    x = to_float(arr(x))
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    orig = x.dtype
    if orig in (jnp.float16, jnp.bfloat16):
        x = x.astype("float32")
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean = jnp.squeeze(mean, axes)
        variance = jnp.squeeze(variance, axes)
    return mean.astype(orig), variance.astype(orig)


@keras_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalise ``x`` with given statistics: ``(x - mean) / sqrt(variance + epsilon) * scale + offset``.

    ``mean``, ``variance``, ``offset`` and ``scale`` are usually vectors for the ``axis`` dimension
    (as from ``moments``); 1-D ones are reshaped to broadcast along ``axis``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        mean: Mean to subtract.
        variance: Variance to divide by (after adding ``epsilon`` and taking the square root).
        axis: The feature axis the statistics belong to (e.g. ``-1`` for channels-last).
        offset: Optional shift (``beta``) added at the end.
        scale: Optional multiplier (``gamma``).
        epsilon: Small constant added to the variance for stability (default ``1e-3``).

    Returns:
        A tensor with the shape and dtype of ``x``.

    Example:
        >>> x = keras.ops.array([[1.0, 2.0], [3.0, 6.0]])
        >>> keras.ops.batch_normalization(x, [2.0, 4.0], [1.0, 4.0], axis=-1, epsilon=0.0)
        Array([[-1., -1.],
               [ 1.,  1.]], dtype=float32)
    """
    x = to_float(arr(x))
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def _b(v):
        v = arr(v)
        return jnp.reshape(v, shape) if v.ndim == 1 else v

    inv = lax.rsqrt(_b(variance) + epsilon)
    if scale is not None:
        inv = inv * _b(scale)
    res = -_b(mean) * inv
    if offset is not None:
        res = res + _b(offset)
    return (x * inv + res).astype(x.dtype)


@keras_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """Divide ``x`` by its ``order``-norm along ``axis``.

    Norms smaller than ``epsilon`` are replaced by ``epsilon``, so zero vectors stay finite.

    Args:
        x: Input tensor; integers are promoted to floatx.
        axis: Axis (or tuple of axes) along which the norm is taken (default ``-1``).
        order: Order of the norm, as in ``keras.ops.norm`` (default 2, Euclidean).
        epsilon: Lower bound for the norm; ``None`` uses ``keras.config.epsilon()``.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.normalize([3.0, 4.0])
        Array([0.6, 0.8], dtype=float32)
    """
    x = to_float(arr(x))
    if epsilon is None:
        epsilon = config.epsilon()
    if order == 2:
        sq = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
        return x * jnp.minimum(lax.rsqrt(sq), 1.0 / epsilon)
    norm = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / jnp.maximum(norm, epsilon)


@keras_op
def rms_normalization(x, scale=1, axis=-1, epsilon=None):
    """Root-mean-square normalisation: ``x / sqrt(mean(x ** 2, axis) + epsilon) * scale``.

    Unlike ``layer_normalization`` it does not subtract the mean (Zhang & Sennrich, 2019).

    Args:
        x: Input tensor; integers are promoted to floatx.
        scale: Multiplier applied after normalising: a scalar (default 1) or a tensor
            broadcastable against ``x`` (typically a vector along ``axis``).
        axis: Axis or tuple of axes over which the mean square is taken (default ``-1``).
        epsilon: Small constant added to the mean square; ``None`` uses ``keras.config.epsilon()``.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.rms_normalization([[3.0, 4.0]], epsilon=0.0)
        Array([[0.84852815, 1.1313709 ]], dtype=float32)
    """
    x = to_float(arr(x))
    if epsilon is None:
        epsilon = config.epsilon()
    rrms = lax.rsqrt(jnp.mean(jnp.square(x), axis=axis, keepdims=True) + epsilon)
    return x * rrms * (arr(scale) if not isinstance(scale, (int, float)) else scale)


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
    """Layer normalisation: ``(x - mean) / sqrt(var + epsilon) * gamma + beta`` over ``axis``.

    Statistics are computed per sample over ``axis`` (Ba et al., 2016).

    Args:
        x: Input tensor; integers are promoted to floatx.
        gamma: Optional scale, broadcastable against ``x`` (typically a vector along ``axis``).
        beta: Optional offset, broadcastable against ``x``.
        axis: Axis or tuple of axes to normalise over (default ``-1``).
        epsilon: Small constant added to the variance; ``None`` uses ``keras.config.epsilon()``.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.layer_normalization([[1.0, 3.0]], epsilon=0.0)
        Array([[-1.,  1.]], dtype=float32)
    """
    x = to_float(arr(x))
    if epsilon is None:
        epsilon = config.epsilon()
    mean = jnp.mean(x, axis=axis, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=axis, keepdims=True)
    y = (x - mean) * lax.rsqrt(var + epsilon)
    if gamma is not None:
        y = y * arr(gamma)
    if beta is not None:
        y = y + arr(beta)
    return y


@keras_op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio between two signals, in decibels.

    ``20 * log10(max_val) - 10 * log10(mean((x1 - x2) ** 2))``, with the mean over every element
    (identical inputs give ``inf``).

    Args:
        x1: First signal (e.g. an image batch); integers are promoted to floatx.
        x2: Second signal, with the shape of ``x1``.
        max_val: Largest possible value of the signal (e.g. 1.0 or 255).

    Returns:
        A scalar floating-point tensor.

    Raises:
        ValueError: If ``x1`` and ``x2`` have different shapes.

    Example:
        >>> float(keras.ops.psnr(keras.ops.zeros((4,)), keras.ops.full((4,), 0.1), 1.0))
        20.0
    """
    x1, x2 = to_float(arr(x1)), to_float(arr(x2))
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: shapes differ: {x1.shape} vs {x2.shape}")
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20.0 * jnp.log10(max_val) - 10.0 * jnp.log10(mse)


@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention: ``softmax(query @ key^T * scale + bias) @ value``.

    Shapes use ``B`` batch, ``T`` query length, ``S`` key/value length, ``N`` heads and ``H`` head
    size.

    Args:
        query: Tensor of shape ``(B, T, N, H)``.
        key: Tensor of shape ``(B, S, N, H)``.
        value: Tensor of shape ``(B, S, N, H)``.
        bias: Optional tensor added to the attention logits, broadcastable to ``(B, N, T, S)``
            (use it for additive masks).
        mask: Optional boolean tensor broadcastable to ``(B, N, T, S)``; ``True`` marks the
            positions that may be attended to.
        scale: Multiplier of the logits; ``None`` (default) uses ``1 / sqrt(H)``.
        is_causal: If ``True``, query position ``t`` only attends to key positions ``<= t``.
        flash_attention: ``None`` (default) follows ``keras.config.enable_flash_attention()`` /
            ``disable_flash_attention()`` (off unless enabled: plain XLA); ``True`` runs JAX's
            fused cuDNN kernel and raises where the platform or inputs do not allow one (it never
            falls back silently); ``False`` always uses the XLA implementation.
        attn_logits_soft_cap: Optional positive cap: logits become
            ``cap * tanh(logits / cap)`` before the softmax (not supported with flash attention).

    Returns:
        A tensor with the shape of ``query``.

    Raises:
        ValueError: If ``flash_attention=True`` cannot be honoured (no GPU, unsupported inputs, or a
            soft cap).

    Example:
        >>> q = keras.ops.ones((2, 4, 3, 8))
        >>> kv = keras.ops.ones((2, 6, 3, 8))
        >>> keras.ops.dot_product_attention(q, kv, kv, is_causal=True).shape
        (2, 4, 3, 8)
    """
    q, k, v = arr(query), arr(key), arr(value)
    if not q.ndim == k.ndim == v.ndim == 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs (batch, sequence, heads, head_dim); "
                         "add a heads axis of size 1 with `ops.expand_dims(x, -2)` for single-head inputs. "
                         f"Received: query.shape={q.shape}, key.shape={k.shape}, value.shape={v.shape}.")
    if scale is None:
        scale = 1.0 / _math.sqrt(q.shape[-1])
    if flash_attention is None:
        flash_attention = bool(config.is_flash_attention_enabled())
    if flash_attention:
        return _flash_dot_product_attention(q, k, v, bias, mask, scale, is_causal, attn_logits_soft_cap)
    if k.shape[-2] != q.shape[-2]:  # grouped-query attention: each key/value head serves a group
        if k.shape[-2] == 0 or q.shape[-2] % k.shape[-2] or v.shape[-2] != k.shape[-2]:
            raise ValueError(f"dot_product_attention: the number of query heads ({q.shape[-2]}) must be a "
                             f"multiple of the key/value heads ({k.shape[-2]}, {v.shape[-2]}).")
        group = q.shape[-2] // k.shape[-2]
        k, v = jnp.repeat(k, group, axis=-2), jnp.repeat(v, group, axis=-2)
    logits = jnp.einsum("BTNH,BSNH->BNTS", q, k) * scale
    if attn_logits_soft_cap is not None:
        logits = attn_logits_soft_cap * jnp.tanh(logits / attn_logits_soft_cap)
    if bias is not None:
        logits = logits + arr(bias)
    big_neg = jnp.finfo(logits.dtype).min
    if mask is not None:
        logits = jnp.where(arr(mask), logits, big_neg)
    if is_causal:
        t, s = logits.shape[-2], logits.shape[-1]
        causal = jnp.tril(jnp.ones((t, s), dtype=bool))
        logits = jnp.where(causal, logits, big_neg)
    probs = jax.nn.softmax(logits.astype("float32"), axis=-1).astype(v.dtype)
    return jnp.einsum("BNTS,BSNH->BTNH", probs, v)


def _flash_dot_product_attention(q, k, v, bias, mask, scale, is_causal, soft_cap):
    platform = jax.default_backend()
    if platform != "gpu":
        raise ValueError(f"dot_product_attention: flash_attention=True needs a GPU with cuDNN; this process runs on "
                         f"{platform!r}. Pass flash_attention=None (or keras.config.disable_flash_attention()).")
    if soft_cap is not None:
        raise ValueError("dot_product_attention: flash_attention=True does not support attn_logits_soft_cap; "
                         f"received attn_logits_soft_cap={soft_cap}.")
    try:
        return jax.nn.dot_product_attention(q, k, v, bias=None if bias is None else arr(bias),
                                            mask=None if mask is None else arr(mask).astype(bool), scale=scale,
                                            is_causal=is_causal, implementation="cudnn")
    except (ValueError, NotImplementedError, RuntimeError) as e:
        raise ValueError(f"dot_product_attention: the cuDNN flash kernel cannot run these inputs (query "
                         f"{q.shape} {q.dtype}, key {k.shape}, value {v.shape}): {e}") from e
