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
    return jax.nn.relu(arr(x))


@keras_op
def relu6(x):
    return jax.nn.relu6(arr(x))


@keras_op
def sigmoid(x):
    return jax.nn.sigmoid(to_float(arr(x)))


@keras_op
def sparse_sigmoid(x):
    """0 for ``x <= -1``, 1 for ``x >= 1``, ``(x + 1) / 2`` between."""
    x = to_float(arr(x))
    return jnp.clip(0.5 * (x + 1.0), 0.0, 1.0).astype(x.dtype)


@keras_op
def softplus(x):
    return jax.nn.softplus(to_float(arr(x)))


@keras_op
def softsign(x):
    x = to_float(arr(x))
    return x / (1.0 + jnp.abs(x))


@keras_op
def silu(x):
    return jax.nn.silu(to_float(arr(x)))


swish = silu


@keras_op
def log_sigmoid(x):
    return jax.nn.log_sigmoid(to_float(arr(x)))


@keras_op
def leaky_relu(x, negative_slope=0.2):
    x = to_float(arr(x))
    return jnp.where(x >= 0, x, negative_slope * x).astype(x.dtype)


@keras_op
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    x = to_float(arr(x))
    return (jax.nn.relu6(x + 3.0) / 6.0).astype(x.dtype)


@keras_op
def hard_silu(x):
    """``x * relu6(x + 3) / 6``."""
    x = to_float(arr(x))
    return (x * jax.nn.relu6(x + 3.0) / 6.0).astype(x.dtype)


hard_swish = hard_silu


@keras_op
def elu(x, alpha=1.0):
    x = to_float(arr(x))
    return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.minimum(x, 0.0))).astype(x.dtype)


@keras_op
def selu(x):
    return jax.nn.selu(to_float(arr(x)))


@keras_op
def celu(x, alpha=1.0):
    """``max(x, 0) + min(0, alpha * (exp(x / alpha) - 1))``."""
    x = to_float(arr(x))
    return (jnp.maximum(x, 0.0) + jnp.minimum(0.0, alpha * jnp.expm1(x / alpha))).astype(x.dtype)


@keras_op
def gelu(x, approximate=True):
    """GELU; ``approximate=True`` (the ``keras.ops`` default) uses the tanh formula."""
    return jax.nn.gelu(to_float(arr(x)), approximate=approximate)


@keras_op
def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in two halves ``a, b`` along ``axis``; ``a * sigmoid(b)``."""
    x = to_float(arr(x))
    if x.shape[axis] % 2 != 0:
        raise ValueError("glu expects the size of `axis` to be even. "
                         f"Received: x.shape={x.shape}, axis={axis}")
    a, b = jnp.split(x, 2, axis=axis)
    return a * jax.nn.sigmoid(b)


@keras_op
def tanh(x):
    return jnp.tanh(to_float(arr(x)))


@keras_op
def tanh_shrink(x):
    x = to_float(arr(x))
    return x - jnp.tanh(x)


@keras_op
def hard_tanh(x):
    x = to_float(arr(x))
    return jnp.clip(x, -1.0, 1.0).astype(x.dtype)


@keras_op
def hard_shrink(x, threshold=0.5):
    x = to_float(arr(x))
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


@keras_op
def soft_shrink(x, threshold=0.5):
    x = to_float(arr(x))
    return jnp.where(x > threshold, x - threshold,
                     jnp.where(x < -threshold, x + threshold, jnp.zeros_like(x))).astype(x.dtype)


@keras_op
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold`` else ``default_value``."""
    x = arr(x)
    return jnp.where(x > threshold, x, jnp.asarray(default_value, dtype=x.dtype))


@keras_op
def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2``."""
    x = to_float(arr(x))
    return ((x + jnp.sqrt(jnp.square(x) + b)) / 2.0).astype(x.dtype)


@keras_op
def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1``."""
    x = to_float(arr(x))
    return jnp.where(x <= -1, jnp.zeros_like(x),
                     jnp.where(x < 1, 0.25 * jnp.square(x + 1), x)).astype(x.dtype)


@keras_op
def sparsemax(x, axis=-1):
    """Sparsemax: the Euclidean projection of ``x`` onto the probability simplex."""
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
    """Softmax along ``axis`` (``axis=None``: over all elements).

    Example:
        >>> softmax([1.0, 1.0])
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
    """N-D convolution (cross-correlation, like Keras/TF).

    ``kernel`` has shape ``kernel_size + (in_channels // groups, filters)``; grouped
    convolution is inferred from ``in_channels / kernel.shape[-2]``.

    Example:
        >>> conv(ops.ones((1, 5, 5, 3)), ops.ones((3, 3, 3, 8))).shape
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
    """Depthwise convolution; ``kernel`` is ``kernel_size + (in_channels, depth_multiplier)``."""
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
    """Depthwise convolution followed by a 1x1 (pointwise) convolution."""
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
    """Keras's deconvolution output length (used by the Conv*Transpose layers)."""
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
    """Transposed convolution; ``kernel`` is ``kernel_size + (filters, in_channels)`` (Keras)."""
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
    """Max pooling over the spatial dims (``strides`` defaults to ``pool_size``)."""
    inputs, window, stride, pad = _pool(inputs, pool_size, strides, padding, data_format, "max_pool")
    if jnp.issubdtype(inputs.dtype, jnp.floating):
        init = -jnp.inf
    else:
        init = jnp.iinfo(inputs.dtype).min
    return lax.reduce_window(inputs, jnp.asarray(init, inputs.dtype), lax.max, window, stride, pad)


@keras_op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling; with ``'same'`` padding the padded cells are not counted (as Keras/TF)."""
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
    """One-hot encode integer ``x``; negative / out-of-range indices give all-zero rows.

    Example:
        >>> one_hot([0, 2], 3)
        Array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported.")
    x = arr(x)
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=standardize_dtype(dtype))


@keras_op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encode: for each row of integer ``inputs``, 1 at every listed class."""
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
    """Element-wise binary crossentropy (no reduction)."""
    target, output = to_float(arr(target)), to_float(arr(output))
    _check_same_shape(target, output, "binary_crossentropy")
    target = target.astype(output.dtype)
    if from_logits:
        return -target * jax.nn.log_sigmoid(output) - (1.0 - target) * jax.nn.log_sigmoid(-output)
    eps = config.epsilon()
    output = jnp.clip(output, eps, 1.0 - eps)
    return -(target * jnp.log(output) + (1.0 - target) * jnp.log(1.0 - output))


@keras_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy between one-hot/probability ``target`` and ``output`` along ``axis``."""
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
    """Crossentropy with integer ``target`` class ids (a trailing size-1 dim is squeezed)."""
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
    """``(mean, variance)`` of ``x`` over ``axes`` (float16/bfloat16 computed in float32)."""
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
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``; ``mean`` etc. are vectors
    along ``axis``."""
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
    """``x`` divided by its ``order``-norm along ``axis`` (norm floored at ``epsilon``)."""
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
    x = to_float(arr(x))
    if epsilon is None:
        epsilon = config.epsilon()
    rrms = lax.rsqrt(jnp.mean(jnp.square(x), axis=axis, keepdims=True) + epsilon)
    return x * rrms * (arr(scale) if not isinstance(scale, (int, float)) else scale)


@keras_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
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
    """Peak signal-to-noise ratio in dB: ``20 log10(max_val) - 10 log10(mse)``."""
    x1, x2 = to_float(arr(x1)), to_float(arr(x2))
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: shapes differ: {x1.shape} vs {x2.shape}")
    mse = jnp.mean(jnp.square(x1 - x2))
    return 20.0 * jnp.log10(max_val) - 10.0 * jnp.log10(mse)


@keras_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention; inputs ``(batch, seq, heads, head_dim)``.

    ``flash_attention``: ``None`` follows ``keras.config.enable_flash_attention`` /
    ``disable_flash_attention`` (default: the XLA implementation); ``True`` runs JAX's fused cuDNN
    kernel and raises where the platform or inputs do not allow one (it never silently falls back).
    """
    q, k, v = arr(query), arr(key), arr(value)
    if scale is None:
        scale = 1.0 / _math.sqrt(q.shape[-1])
    if flash_attention is None:
        from fkeras import config

        flash_attention = bool(config.is_flash_attention_enabled())
    if flash_attention:
        return _flash_dot_product_attention(q, k, v, bias, mask, scale, is_causal, attn_logits_soft_cap)
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
