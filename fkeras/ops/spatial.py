"""Spatial rearrangement ops of ``keras.ops.nn``: ``depth_to_space`` / ``space_to_depth``,
``unfold`` / ``fold`` (im2col / col2im) and adaptive average / max pooling.

Re-exported from :mod:`fkeras.ops.nn` and the flat ``keras.ops`` namespace.

Example:
    >>> depth_to_space(jnp.ones((1, 2, 2, 8)), 2).shape
    (1, 4, 4, 2)
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import config
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, to_float


def _pair(value, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return tuple(value)
    raise ValueError(f"`{name}` must be an int or a tuple of 2 ints. Received: {name}={value!r}")


# --- depth <-> space --------------------------------------------------------------------------

def _check_block(x, block_size, name):
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"`{name}`: `block_size` must be an int >= 2. Received: block_size={block_size!r}")
    if x.ndim != 4:
        raise ValueError(f"`{name}` expects a 4-D tensor. Received: x.shape={x.shape}")


@keras_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into ``block_size x block_size`` spatial tiles (pixel shuffle).

    Channel ``(i * block_size + j) * C' + c`` of an input pixel becomes channel ``c`` of the
    output pixel at offset ``(i, j)`` inside its tile (``C' = C / block_size**2``; for
    ``channels_first`` the channel index is ``c * block_size**2 + i * block_size + j``).

    Args:
        x: 4-D tensor ``(N, H, W, C)`` (or ``(N, C, H, W)`` for ``channels_first``); ``C``
            must be divisible by ``block_size**2``.
        block_size: Tile side, an int >= 2.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        A tensor of shape ``(N, H * block_size, W * block_size, C / block_size**2)`` (or the
        ``channels_first`` equivalent).
    """
    x = arr(x)
    data_format = config.standardize_data_format(data_format)
    _check_block(x, block_size, "depth_to_space")
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        if c % (b * b):
            raise ValueError(f"`depth_to_space`: channels ({c}) must be divisible by block_size**2 ({b * b}).")
        x = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    if c % (b * b):
        raise ValueError(f"`depth_to_space`: channels ({c}) must be divisible by block_size**2 ({b * b}).")
    x = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (b * b), h * b, w * b)


@keras_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Fold each ``block_size x block_size`` spatial tile into channels (inverse of ``depth_to_space``).

    Args:
        x: 4-D tensor ``(N, H, W, C)`` (or ``(N, C, H, W)`` for ``channels_first``); ``H`` and
            ``W`` must be divisible by ``block_size``.
        block_size: Tile side, an int >= 2.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        A tensor of shape ``(N, H / block_size, W / block_size, C * block_size**2)`` (or the
        ``channels_first`` equivalent).

    Example:
        >>> space_to_depth(jnp.ones((1, 4, 4, 3)), 2).shape
        (1, 2, 2, 12)
    """
    x = arr(x)
    data_format = config.standardize_data_format(data_format)
    _check_block(x, block_size, "space_to_depth")
    b = block_size
    h, w = x.shape[1:3] if data_format == "channels_last" else x.shape[2:4]
    if h % b or w % b:
        raise ValueError(f"`space_to_depth`: height and width ({h}, {w}) must be divisible by "
                         f"block_size={b}.")
    if data_format == "channels_last":
        n, _, _, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    n, c = x.shape[:2]
    x = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


# --- unfold / fold ----------------------------------------------------------------------------

def _blocks(size, kernel, dilation, padding, stride):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


@keras_op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks from a batch of ``(N, C, H, W)`` images (im2col).

    Args:
        x: 4-D tensor in ``channels_first`` layout ``(N, C, H, W)``.
        kernel_size: Block size, an int or ``(kH, kW)``.
        dilation: Spacing between block elements, an int or a pair.
        padding: Zero padding added on both sides of each spatial axis, an int or a pair.
        stride: Step between blocks, an int or a pair.

    Returns:
        A tensor ``(N, C * kH * kW, L)`` where ``L`` is the number of blocks (row-major over
        block positions); the feature axis is ordered channel, then kernel row, then column.

    Example:
        >>> unfold(jnp.ones((1, 2, 4, 4)), 2).shape
        (1, 8, 9)
    """
    x = arr(x)
    if x.ndim != 4:
        raise ValueError(f"`unfold` expects a 4-D (N, C, H, W) tensor. Received: x.shape={x.shape}")
    (kh, kw), (dh, dw) = _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation")
    (ph, pw), (sh, sw) = _pair(padding, "padding"), _pair(stride, "stride")
    n, c, h, w = x.shape
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"`unfold`: the kernel does not fit the padded input {x.shape}.")
    return _unfold(x, (kh, kw), (dh, dw), (ph, pw), (sh, sw))


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4))
def _unfold(x, kernel, dilation, padding, stride):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    n, c, h, w = x.shape
    oh, ow = _blocks(h, kh, dh, ph, sh), _blocks(w, kw, dw, pw, sw)
    x = jnp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    cols = [x[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
            for i in range(kh) for j in range(kw)]
    return jnp.stack(cols, axis=2).reshape(n, c * kh * kw, oh * ow)


@keras_op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into a batch of images (col2im, the adjoint of ``unfold``).

    Overlapping block elements are added together.

    Args:
        x: 3-D tensor ``(N, C * kH * kW, L)`` as produced by :func:`unfold`.
        output_size: Spatial size ``(H, W)`` of the result, an int or a pair.
        kernel_size: Block size, an int or ``(kH, kW)``.
        dilation: Spacing between block elements, an int or a pair.
        padding: Padding that ``unfold`` added (cropped away here), an int or a pair.
        stride: Step between blocks, an int or a pair.

    Returns:
        A tensor ``(N, C, H, W)``.

    Example:
        >>> fold(jnp.ones((1, 8, 9)), (4, 4), 2).shape
        (1, 2, 4, 4)
    """
    x = arr(x)
    if x.ndim != 3:
        raise ValueError(f"`fold` expects a 3-D (N, C * kH * kW, L) tensor. Received: x.shape={x.shape}")
    (oh, ow), (kh, kw) = _pair(output_size, "output_size"), _pair(kernel_size, "kernel_size")
    (dh, dw), (ph, pw), (sh, sw) = _pair(dilation, "dilation"), _pair(padding, "padding"), _pair(stride, "stride")
    n, ckk, length = x.shape
    if ckk % (kh * kw):
        raise ValueError(f"`fold`: the second dimension of `x` ({ckk}) must be divisible by "
                         f"kH * kW ({kh * kw}).")
    nh, nw = _blocks(oh, kh, dh, ph, sh), _blocks(ow, kw, dw, pw, sw)
    if nh * nw != length:
        raise ValueError(f"`fold`: expected {nh} x {nw} = {nh * nw} blocks for output_size={(oh, ow)}, "
                         f"kernel_size={(kh, kw)}, dilation={(dh, dw)}, padding={(ph, pw)}, "
                         f"stride={(sh, sw)}. Received: x.shape={x.shape}")
    return _fold(x, (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw))


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5))
def _fold(x, output_size, kernel, dilation, padding, stride):
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = output_size, kernel, dilation, padding, stride
    n, ckk, _ = x.shape
    nh, nw = _blocks(oh, kh, dh, ph, sh), _blocks(ow, kw, dw, pw, sw)
    c = ckk // (kh * kw)
    x = x.reshape(n, c, kh, kw, nh, nw)
    out = jnp.zeros((n, c, oh + 2 * ph, ow + 2 * pw), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out = out.at[:, :, i * dh:i * dh + sh * (nh - 1) + 1:sh,
                         j * dw:j * dw + sw * (nw - 1) + 1:sw].add(x[:, :, i, j])
    return out[:, :, ph:ph + oh, pw:pw + ow]


# --- adaptive pooling -------------------------------------------------------------------------

def _adaptive_args(inputs, output_size, data_format, name):
    data_format = config.standardize_data_format(data_format)
    rank = inputs.ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(f"`{name}` expects a 3-D, 4-D or 5-D input (batch, spatial..., channels). "
                         f"Received: inputs.shape={inputs.shape}")
    if isinstance(output_size, int) and not isinstance(output_size, bool):
        output_size = (output_size,) * rank
    if (not isinstance(output_size, (tuple, list)) or len(output_size) != rank
            or not all(isinstance(s, int) and s > 0 for s in output_size)):
        raise ValueError(f"`{name}`: `output_size` must be a positive int or a tuple of {rank} positive "
                         f"ints for a {rank}-D spatial input. Received: output_size={output_size!r}")
    first = 1 if data_format == "channels_last" else 2
    return tuple(output_size), tuple(range(first, first + rank))


def _adaptive_windows(size, out):
    """Window ``i`` covers ``[floor(i * size / out), ceil((i + 1) * size / out))``."""
    i = np.arange(out)
    starts = (i * size) // out
    ends = -((-(i + 1) * size) // out)
    width = int((ends - starts).max())
    idx = starts[:, None] + np.arange(width)[None, :]
    return np.minimum(idx, size - 1), idx < ends[:, None], (ends - starts)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _adaptive_pool(x, output_size, axes, mode):
    for axis, out in zip(axes, output_size, strict=True):
        idx, valid, counts = _adaptive_windows(x.shape[axis], out)
        gathered = jnp.take(x, idx.reshape(-1), axis=axis)
        gathered = gathered.reshape(x.shape[:axis] + idx.shape + x.shape[axis + 1:])
        bshape = (1,) * axis + valid.shape + (1,) * (x.ndim - axis - 1)
        valid = valid.reshape(bshape)
        if mode == "max":
            if jnp.issubdtype(x.dtype, jnp.floating):
                low = -jnp.inf
            else:
                low = jnp.iinfo(x.dtype).min
            x = jnp.max(jnp.where(valid, gathered, jnp.asarray(low, x.dtype)), axis=axis + 1)
        else:
            total = jnp.sum(jnp.where(valid, gathered, jnp.zeros((), x.dtype)), axis=axis + 1)
            x = total / jnp.asarray(counts, x.dtype).reshape((1,) * axis + counts.shape
                                                            + (1,) * (x.ndim - axis - 1))
    return x


@keras_op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed output size, whatever the input size (PyTorch's rule).

    Along each spatial axis of length ``n``, output ``i`` averages the input positions
    ``floor(i * n / out)`` up to (excluding) ``ceil((i + 1) * n / out)``, so windows may
    overlap and differ in size by one.

    Args:
        inputs: 3-D, 4-D or 5-D tensor (batch, spatial..., channels) for ``channels_last``,
            (batch, channels, spatial...) for ``channels_first``.
        output_size: Int or tuple with one entry per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format when ``None``.

    Returns:
        The pooled tensor (integer inputs give floatx).

    Example:
        >>> adaptive_average_pool(jnp.ones((2, 7, 5, 3)), (3, 2)).shape
        (2, 3, 2, 3)
    """
    inputs = to_float(arr(inputs))
    output_size, axes = _adaptive_args(inputs, output_size, data_format, "adaptive_average_pool")
    return _adaptive_pool(inputs, output_size, axes, "average")


@keras_op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed output size, with the windows of :func:`adaptive_average_pool`.

    Args:
        inputs: 3-D, 4-D or 5-D tensor (batch, spatial..., channels) for ``channels_last``,
            (batch, channels, spatial...) for ``channels_first``.
        output_size: Int or tuple with one entry per spatial axis.
        data_format: ``"channels_last"`` or ``"channels_first"``; the global image data
            format when ``None``.

    Returns:
        The pooled tensor, in the input dtype.

    Example:
        >>> adaptive_max_pool(jnp.arange(6.0).reshape(1, 6, 1), 4)[0, :, 0]
        Array([1., 2., 4., 5.], dtype=float32)
    """
    inputs = arr(inputs)
    output_size, axes = _adaptive_args(inputs, output_size, data_format, "adaptive_max_pool")
    return _adaptive_pool(inputs, output_size, axes, "max")
