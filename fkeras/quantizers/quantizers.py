"""Quantization primitives (Keras 3's ``keras.quantizers`` functions) on ``jax.numpy``.

Conventions, as in Keras: an abs-max quantizer returns ``(q, scale)`` with ``q = round(x * scale)``
(so ``x ~ q / scale``); the grouped zero-point quantizer returns ``(q, scale, zero)`` with
``x ~ (q - zero) * scale``; float8 scales divide (``x ~ cast(x / scale) * scale``).
"""
from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np

from fkeras.backend import config as _config
from fkeras.ops._dispatch import keras_op, to_array


def _eps(epsilon):
    return _config.epsilon() if epsilon is None else float(epsilon)


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= int(a) < ndim:
            raise ValueError(f"`axis` {axis!r} is out of range for an input of rank {ndim}.")
    return tuple(int(a) % ndim for a in axes) if ndim else ()


def _check_range(value_range):
    try:
        lo, hi = value_range
    except (TypeError, ValueError):
        raise ValueError(f"`value_range` must be a pair (min, max). Received: value_range={value_range!r}") from None
    if not lo < hi:
        raise ValueError(f"`value_range` must satisfy min < max. Received: value_range={value_range!r}")
    return lo, hi


class Quantizer:
    """Base class of quantizers: a callable from a float tensor to its quantized form.

    Args:
        output_dtype: the dtype of the quantized values (``"int8"`` by default).
    """

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        """The quantized form of ``x``; the base quantizer returns ``x`` unchanged."""
        return x

    @classmethod
    def from_config(cls, config):
        """A quantizer from the dict ``get_config`` returned."""
        return cls(**config)

    def get_config(self):
        """The quantizer's constructor arguments as a JSON-able dict."""
        return {"output_dtype": self.output_dtype}


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=None, to_numpy=False):
    """Symmetric abs-max quantization: ``q = clip(round(x * scale))`` with
    ``scale = value_range[1] / (max|x| + epsilon)`` reduced over ``axis`` (kept as size-1 axes).

    Args:
        inputs: the float tensor to quantize.
        axis: an axis or tuple of axes to take the absolute maximum over.
        value_range: ``(min, max)`` of the quantized values.
        dtype: the dtype of the quantized values.
        epsilon: added to the maximum so an all-zero slice gets a finite scale; ``None`` uses
            ``keras.config.epsilon()``.
        to_numpy: compute on the host with numpy (what ``layer.quantize`` does, to spare device memory).

    Returns:
        ``(quantized, scale)``; ``scale`` has the input's dtype and shape with ``axis`` reduced to 1.

    Example:
        >>> q, s = keras.quantizers.abs_max_quantize(np.array([[0.5, -1.0]]), axis=-1)
        >>> q, s   # [[64, -127]], [[127.]] (up to epsilon)
    """
    lo, hi = _check_range(value_range)
    eps = _eps(epsilon)
    if to_numpy:
        x = np.asarray(to_array(inputs))
        original = x.dtype
        axes = _axes(axis, x.ndim)
        scale = np.divide(hi, np.add(np.max(np.abs(x), axis=axes, keepdims=True), eps))
        q = np.clip(np.round(np.multiply(x, scale)), lo, hi).astype(dtype)
        return jnp.asarray(q), jnp.asarray(scale, dtype=original)
    x = jnp.asarray(to_array(inputs))
    axes = _axes(axis, x.ndim)
    scale = (hi / (jnp.max(jnp.abs(x), axis=axes, keepdims=True) + eps)).astype(x.dtype)
    q = jnp.clip(jnp.round(x * scale), lo, hi).astype(dtype)
    return q, scale


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7), dtype="int8", epsilon=None,
                                             to_numpy=False):
    """Asymmetric quantization of a 2-D ``(input_dim, output_dim)`` tensor in groups of
    ``block_size`` rows: ``q = clip(round(x / scale) + zero)`` per group and column.

    Args:
        inputs: a 2-D float tensor.
        block_size: rows per group; the last group is zero-padded.
        value_range: ``(min, max)`` of the quantized values (``(-8, 7)`` for int4).
        dtype: the dtype of the quantized values.
        epsilon: added to the range ``max - min``; ``None`` uses ``keras.config.epsilon()``.
        to_numpy: compute on the host with numpy (Keras's ``layer.quantize`` path: padding rows
            count in every group's min/max).

    Returns:
        ``(quantized, scale, zero)``: ``quantized`` has the input's shape; ``scale`` and ``zero``
        (int8) are ``(ceil(input_dim / block_size), output_dim)``.
    """
    lo, hi = _check_range(value_range)
    if not isinstance(block_size, (int, np.integer)) or isinstance(block_size, bool) or block_size <= 0:
        raise ValueError(f"`block_size` must be a positive integer. Received: block_size={block_size!r}")
    eps = _eps(epsilon)
    xp = np if to_numpy else jnp
    x = xp.asarray(to_array(inputs))
    if x.ndim != 2:
        raise ValueError(f"`inputs` must be 2-D (input_dim, output_dim). Received shape {tuple(x.shape)}.")
    rows, cols = x.shape
    groups = math.ceil(rows / block_size)
    padded = xp.concatenate([x, xp.zeros((groups * block_size - rows, cols), x.dtype)], axis=0)
    blocks = padded.reshape(groups, block_size, cols)
    if to_numpy:
        mn, mx = blocks.min(axis=1, keepdims=True), blocks.max(axis=1, keepdims=True)
        scale = (mx - mn + eps) / (hi - lo)
        zero = np.clip(np.round(-mn / scale) + lo, lo, hi)
    else:
        if groups > 1:
            mn, mx = blocks.min(axis=1, keepdims=True), blocks.max(axis=1, keepdims=True)
        else:  # one group: the statistics of the real rows only (Keras's device path)
            mn, mx = x.min(axis=0, keepdims=True)[None], x.max(axis=0, keepdims=True)[None]
        same = mn == mx
        mn, mx = jnp.where(same, mn - 1, mn), jnp.where(same, mx + 1, mx)
        span = mx - mn + eps if eps > 0 else mx - mn
        scale = span / float(2 ** int(math.log2(hi - lo + 1)) - 1)
        scale = jnp.where(scale <= 0, 1e-8, scale)
        zero = jnp.clip(jnp.round(-mn / scale) + lo, lo, hi)
    q = xp.clip(xp.round(blocks / scale) + zero, lo, hi).astype(dtype)
    q = q.reshape(groups * block_size, cols)[:rows]
    scale = xp.squeeze(scale, axis=1).astype(x.dtype)
    zero = xp.squeeze(zero, axis=1).astype("int8")
    return jnp.asarray(q), jnp.asarray(scale), jnp.asarray(zero)


def dequantize_with_sz_map(weights, scale, zero, g_idx, group_axis=-1):
    """``(weights - zero[g]) * scale[g]``: per-group scale and zero point mapped onto every position.

    Args:
        weights: the quantized tensor.
        scale: per-group scales, groups along ``group_axis``.
        zero: per-group zero points, same shape as ``scale``.
        g_idx: for each position along the grouped dimension, the index of its group.
        group_axis: the axis of ``scale``/``zero`` holding the groups.

    Returns:
        The float tensor, in ``scale``'s dtype.
    """
    groups = jnp.asarray(to_array(g_idx)).astype(jnp.int32)
    scale = jnp.asarray(to_array(scale))
    s = jnp.take(scale, groups, axis=group_axis)
    z = jnp.take(jnp.asarray(to_array(zero)), groups, axis=group_axis).astype(s.dtype)
    return (jnp.asarray(to_array(weights)).astype(s.dtype) - z) * s


class AbsMaxQuantizer(Quantizer):
    """Abs-max quantizer: ``quantizer(x, axis)`` returns ``abs_max_quantize(x, axis, ...)``.

    Args:
        axis: a default axis (deprecated in Keras; pass ``axis`` to the call instead).
        value_range: ``(min, max)`` of the quantized values.
        epsilon: added to the maximum before dividing.
        output_dtype: the dtype of the quantized values.

    Example:
        >>> q, scale = keras.quantizers.AbsMaxQuantizer()(np.ones((2, 3)), axis=-1)
    """

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=None, output_dtype="int8"):
        super().__init__(output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, (int, np.integer)) else tuple(axis))
        self.value_range = tuple(_check_range(value_range))
        self.epsilon = _eps(epsilon)
        if output_dtype == "int8" and (self.value_range[0] < -128 or self.value_range[1] > 127):
            raise ValueError("Quantizer with output_dtype='int8' requires value_range to be within the interval "
                             f"[-128, 127]. Received: value_range={value_range!r}")

    def __call__(self, x, axis=None, to_numpy=False):
        """``(quantized, scale)`` of ``x`` reduced over ``axis`` (the constructor's, else -1)."""
        axis = self.axis if axis is None else axis
        return abs_max_quantize(x, -1 if axis is None else axis, self.value_range, self.output_dtype,
                                self.epsilon, to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon, "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _nudge(min_val, max_val, num_bits, narrow_range):
    dt = jnp.promote_types(min_val.dtype, jnp.float32)
    min_val, max_val = min_val.astype(dt), max_val.astype(dt)
    qmax = (1 << num_bits) - 1
    qmin = 1 if narrow_range else 0
    scale = (max_val - min_val) / (qmax - qmin)
    inv_scale = (qmax - qmin) / (max_val - min_val)
    zero = jnp.round(jnp.clip(qmin - min_val / scale, qmin, qmax))
    return (qmin - zero) * scale, (qmax - zero) * scale, scale, inv_scale


@keras_op
def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False, axis=None):
    """Quantize to ``num_bits`` levels between ``min_vals`` and ``max_vals`` and back (TensorFlow's
    fake quantization): the range is nudged so zero is exactly representable, inputs are clamped
    to it and rounded to the grid.

    Gradients pass straight through inside the range; below (above) it they flow to
    ``min_vals`` (``max_vals``), so the range can be trained.

    Args:
        inputs: a float tensor.
        min_vals: the range minimum: a scalar, or one value per channel along ``axis``.
        max_vals: the range maximum, shaped like ``min_vals``.
        num_bits: the bit width (levels ``0 .. 2**num_bits - 1``).
        narrow_range: drop the lowest level (levels ``1 .. 2**num_bits - 1``).
        axis: the channel axis of per-channel ranges; ``None`` for one range.

    Returns:
        A tensor with the input's shape and dtype.
    """
    x = jnp.asarray(to_array(inputs))
    mins, maxs = jnp.asarray(to_array(min_vals)), jnp.asarray(to_array(max_vals))
    num_bits = int(num_bits)
    if axis is not None:
        axis = _axes(axis, x.ndim)[0]
    return _fake_quant(x, mins, maxs, num_bits, bool(narrow_range), axis)


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4, 5))
def _fake_quant(x, mins, maxs, num_bits, narrow_range, axis):
    return _fq_forward(x, mins, maxs, num_bits, narrow_range)[0]


def _fq_forward(x, mins, maxs, num_bits, narrow_range):
    lo, hi, scale, inv_scale = _nudge(mins, maxs, num_bits, narrow_range)
    zero = jnp.floor(-lo * inv_scale + 0.5)
    clamped = jnp.clip(x.astype(lo.dtype), lo, hi)
    out = (jnp.floor((clamped - lo) * inv_scale - zero + 0.5) * scale).astype(x.dtype)
    return out, (x, lo, hi, mins, maxs)


def _fq_fwd(x, mins, maxs, num_bits, narrow_range, axis):
    return _fq_forward(x, mins, maxs, num_bits, narrow_range)


def _fq_bwd(num_bits, narrow_range, axis, res, g):
    x, lo, hi, mins, maxs = res
    reduce = tuple(i for i in range(g.ndim) if i != axis) if axis is not None else None
    zero = jnp.zeros((), g.dtype)
    dx = jnp.where((x >= lo) & (x <= hi), g, zero).astype(x.dtype)
    dmin = jnp.sum(jnp.where(x <= lo, g, zero), axis=reduce).reshape(mins.shape).astype(mins.dtype)
    dmax = jnp.sum(jnp.where(x >= hi, g, zero), axis=reduce).reshape(maxs.shape).astype(maxs.dtype)
    return dx, dmin, dmax


_fake_quant.defvjp(_fq_fwd, _fq_bwd)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from an absolute maximum (Transformer Engine's delayed scaling).

    ``1 / scale`` becomes ``dtype_max / amax / 2**margin``; a zero or non-finite ``amax`` keeps
    the current scale.

    Args:
        amax: the largest absolute value seen (usually the max of an amax history).
        scale: the current scale.
        dtype_max: the largest finite value of the float8 format.
        margin: extra headroom, in powers of two.

    Returns:
        The new scale.
    """
    amax, scale = jnp.asarray(to_array(amax)), jnp.asarray(to_array(scale))
    inv = 1.0 / scale
    sf = dtype_max / amax / (2 ** margin)
    sf = jnp.where(amax > 0.0, sf, inv)
    sf = jnp.where(jnp.isfinite(amax), sf, inv)
    return 1.0 / sf


def compute_float8_amax_history(x, amax_history):
    """Push ``max|x|`` onto an amax history: the history rolls one step and the new value
    takes position 0 (the oldest entry drops out).

    Args:
        x: the tensor whose absolute maximum is recorded.
        amax_history: a 1-D history.

    Returns:
        The updated history.
    """
    hist = jnp.asarray(to_array(amax_history))
    amax = jnp.max(jnp.abs(jnp.asarray(to_array(x)))).astype(hist.dtype)
    return jnp.roll(hist, -1).at[0].set(amax)


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """Round-trip ``inputs / scale`` through a float8 (or other float) format and scale back.

    Args:
        inputs: the tensor.
        scale: the scale; values are clipped to the format's finite range after dividing by it.
        quantized_dtype: e.g. ``"float8_e4m3fn"`` or ``"float8_e5m2"``.
        compute_dtype: the dtype of the computation and of the result.

    Returns:
        ``cast(clip(inputs / scale), quantized_dtype) * scale`` in ``compute_dtype``.
    """
    dmax = jnp.asarray(float(ml_dtypes.finfo(quantized_dtype).max), dtype=compute_dtype)
    scale = jnp.asarray(to_array(scale)).astype(compute_dtype)
    x = jnp.clip(jnp.asarray(to_array(inputs)) / scale, -dmax, dmax).astype(quantized_dtype)
    return x.astype(compute_dtype) * scale


def _check_int4_dtype(dtype):
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got {dtype!r}.")


def pack_int4(arr, axis=0, dtype="int8"):
    """Pack int4 values (int8 in ``[-8, 7]``, or uint8 in ``[0, 15]``) two per byte along ``axis``:
    the first of each pair in the low nibble, the second in the high nibble (an odd length is
    padded with one zero).

    Args:
        arr: an ``int8`` (or ``uint8``) tensor of int4 values.
        axis: the axis to pack along.
        dtype: ``"int8"`` or ``"uint8"``: the dtype of ``arr`` and of the result.

    Returns:
        ``(packed, packed_shape, orig_len)``: ``orig_len`` is the unpadded length of ``axis``.

    Example:
        >>> packed, shape, n = keras.quantizers.pack_int4(np.array([[-3, 7], [2, -8], [1, 0]], "int8"))
        >>> packed   # [[45, -121], [1, 0]]
    """
    _check_int4_dtype(dtype)
    x = jnp.asarray(to_array(arr))
    if str(x.dtype) != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {x.dtype}.")
    axis = _axes(axis, x.ndim)[0]
    x = jnp.moveaxis(x, axis, 0)
    n = x.shape[0]
    if n % 2:
        x = jnp.concatenate([x, jnp.zeros((1,) + x.shape[1:], x.dtype)], axis=0)
    nib = jnp.bitwise_and(jax.lax.bitcast_convert_type(x, jnp.uint8), jnp.uint8(0x0F))
    packed = jnp.bitwise_or(nib[0::2], jnp.left_shift(nib[1::2], jnp.uint8(4)))
    packed = jnp.moveaxis(jax.lax.bitcast_convert_type(packed, jnp.dtype(dtype)), 0, axis)
    return packed, tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Undo ``pack_int4``: split each byte into its two nibbles along ``axis`` and drop the padding.

    Args:
        packed: the packed ``int8``/``uint8`` tensor.
        orig_len: the unpadded length of ``axis`` (``pack_int4``'s third result).
        axis: the axis that was packed.
        dtype: ``"int8"`` (signed values ``[-8, 7]``) or ``"uint8"`` (``[0, 15]``).

    Returns:
        The unpacked tensor, in ``dtype``.
    """
    _check_int4_dtype(dtype)
    p = jnp.asarray(to_array(packed))
    if str(p.dtype) not in ("int8", "uint8"):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {p.dtype}")
    axis = _axes(axis, p.ndim)[0]
    u = jax.lax.bitcast_convert_type(jnp.moveaxis(p, axis, 0), jnp.uint8)
    low, high = jnp.bitwise_and(u, jnp.uint8(0x0F)), jnp.right_shift(u, jnp.uint8(4))
    both = jnp.stack([low, high], axis=1).reshape((-1,) + u.shape[1:])[:orig_len]
    if dtype == "int8":
        both = jnp.bitwise_xor(both, jnp.uint8(8)).astype(jnp.int8) - jnp.int8(8)
    return jnp.moveaxis(both.astype(dtype), 0, axis)
