"""``keras.ops`` math: reductions and special functions beyond numpy (logsumexp, top_k, segments, FFT)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax import lax

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, to_float
from fkeras.ops.signal import istft, stft  # noqa: F401  (keras.ops.stft / istft live in keras.ops.math)


@keras_op
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` computed stably.

    Example:
        >>> logsumexp([0.0, 0.0])
        Array(0.6931472, dtype=float32)
    """
    if isinstance(axis, list):
        axis = tuple(axis)
    return jss.logsumexp(to_float(arr(x)), axis=axis, keepdims=keepdims)


@keras_op
def top_k(x, k, sorted=True):
    """The ``k`` largest entries along the last axis: ``(values, indices)`` (always sorted)."""
    values, indices = lax.top_k(arr(x), k)
    return values, indices.astype("int32")


@keras_op
def in_top_k(targets, predictions, k):
    """For each row, whether ``predictions[row, targets[row]]`` is among the top ``k``."""
    targets, predictions = arr(targets), arr(predictions)
    target_vals = jnp.take_along_axis(predictions, targets.astype("int32")[..., None], axis=-1)
    kth = lax.top_k(predictions, k)[0][..., -1:]
    return jnp.squeeze(target_vals >= kth, axis=-1)


def _segment(op, data, segment_ids, num_segments, sorted):
    data, segment_ids = arr(data), arr(segment_ids)
    if segment_ids.ndim != 1:
        raise ValueError("Argument `segment_ids` must be a 1-D tensor (flatten `data` and `segment_ids`, or "
                         f"vmap, for more dimensions). Received: segment_ids.shape={segment_ids.shape}")
    if data.ndim == 0 or data.shape[0] != segment_ids.shape[0]:
        raise ValueError("Arguments `segment_ids` and `data` must have the same leading dimension. "
                         f"Received: segment_ids.shape={segment_ids.shape}, data.shape={data.shape}")
    if num_segments is None:
        num_segments = int(jnp.max(segment_ids)) + 1
    return op(data, segment_ids, num_segments=num_segments, indices_are_sorted=sorted)


@keras_op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of ``data`` rows sharing a segment id (give ``num_segments`` under ``jit``)."""
    return _segment(jax.ops.segment_sum, data, segment_ids, num_segments, sorted)


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of ``data`` rows sharing a segment id (give ``num_segments`` under ``jit``)."""
    return _segment(jax.ops.segment_max, data, segment_ids, num_segments, sorted)


@keras_op
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minima of ``data`` rows sharing a segment id.

    Empty segments hold the largest value of the dtype (``inf`` for floats). Pass
    ``num_segments`` under ``jit``: without it the count is read from ``segment_ids``.

    Args:
        data: Tensor whose leading axis is segmented.
        segment_ids: 1-D integer tensor, one id per row of ``data``.
        num_segments: Number of segments (output rows).
        sorted: Whether ``segment_ids`` is sorted (a speed hint).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``.

    Example:
        >>> segment_min(jnp.array([3.0, 1.0, 5.0]), jnp.array([0, 0, 1]), num_segments=2)
        Array([1., 5.], dtype=float32)
    """
    return _segment(jax.ops.segment_min, data, segment_ids, num_segments, sorted)


@keras_op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Products of ``data`` rows sharing a segment id (empty segments give 1).

    Args:
        data: Tensor whose leading axis is segmented.
        segment_ids: 1-D integer tensor, one id per row of ``data``.
        num_segments: Number of segments (give it under ``jit``).
        sorted: Whether ``segment_ids`` is sorted (a speed hint).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``.
    """
    return _segment(jax.ops.segment_prod, data, segment_ids, num_segments, sorted)


@keras_op
def erf(x):
    return jss.erf(to_float(arr(x)))


@keras_op
def erfinv(x):
    return jss.erfinv(to_float(arr(x)))


@keras_op
def erfc(x):
    """Complementary error function ``1 - erf(x)``, accurate for large ``x``.

    Args:
        x: Input tensor (integers promote to floatx).

    Returns:
        A floating tensor.

    Example:
        >>> erfc([0.0])
        Array([1.], dtype=float32)
    """
    return jss.erfc(to_float(arr(x)))


@keras_op
def cdist(x, y):
    """Pairwise Euclidean distances between the rows of ``x`` and of ``y``.

    Args:
        x: Tensor ``(..., P, M)``.
        y: Tensor ``(..., R, M)`` (batch dims broadcast against ``x``'s).

    Returns:
        A tensor ``(..., P, R)`` with ``out[..., i, j] = ||x[..., i, :] - y[..., j, :]||``.

    Example:
        >>> cdist(jnp.array([[0.0, 0.0]]), jnp.array([[3.0, 4.0], [0.0, 1.0]]))
        Array([[5., 1.]], dtype=float32)
    """
    x, y = to_float(arr(x)), to_float(arr(y))
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"`cdist` inputs must have rank >= 2. Received: x.shape={x.shape}, y.shape={y.shape}")
    if x.shape[-1] != y.shape[-1]:
        raise ValueError("The last dimensions of the inputs to `cdist` must match. "
                         f"Received: x.shape={x.shape}, y.shape={y.shape}")
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))


@keras_op
def view_as_complex(x):
    """Combine a real tensor ``(..., 2)`` of (real, imaginary) pairs into a complex64 tensor.

    Args:
        x: Real tensor whose last dimension has size 2.

    Returns:
        A complex64 tensor of shape ``x.shape[:-1]``.

    Example:
        >>> view_as_complex(jnp.array([[1.0, 2.0]]))
        Array([1.+2.j], dtype=complex64)
    """
    x = arr(x)
    if x.ndim < 1 or x.shape[-1] != 2:
        raise ValueError("`view_as_complex`: the last dimension of the input must have size 2 (real and "
                         f"imaginary parts). Received shape: {x.shape}")
    return lax.complex(x[..., 0].astype("float32"), x[..., 1].astype("float32"))


@keras_op
def view_as_real(x):
    """Split a complex tensor into a real tensor ``(..., 2)`` of (real, imaginary) pairs.

    Args:
        x: Complex (or real) tensor.

    Returns:
        A real tensor of shape ``x.shape + (2,)``.
    """
    x = arr(x)
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)


@keras_op
def polar(abs_, angle):
    """The complex tensor ``abs_ * (cos(angle) + i sin(angle))`` from magnitudes and phases.

    Args:
        abs_: Floating tensor of magnitudes.
        angle: Floating tensor of phase angles in radians (broadcast against ``abs_``).

    Returns:
        A complex tensor.

    Example:
        >>> polar(jnp.array([2.0]), jnp.array([0.0]))
        Array([2.+0.j], dtype=complex64)
    """
    abs_, angle = arr(abs_), arr(angle)
    for name, value in (("abs_", abs_), ("angle", angle)):
        if not jnp.issubdtype(value.dtype, jnp.floating):
            raise ValueError(f"`polar`: `{name}` must be a floating tensor. Received dtype: {value.dtype}")
    real, imag = abs_ * jnp.cos(angle), abs_ * jnp.sin(angle)
    return lax.complex(real, imag)


@keras_op
def rsqrt(x):
    """``1 / sqrt(x)``."""
    return lax.rsqrt(to_float(arr(x)))


@keras_op
def logdet(x):
    """``log(det(x))`` for symmetric positive-definite ``x``."""
    return jnp.linalg.slogdet(to_float(arr(x)))[1]


@keras_op
def qr(x, mode="reduced"):
    """QR decomposition: ``(q, r)`` (``mode`` 'reduced' or 'complete')."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode!r}")
    return jnp.linalg.qr(to_float(arr(x)), mode=mode)


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of length ``sequence_length`` every ``sequence_stride`` along the last axis."""
    x = arr(x)
    n = (x.shape[-1] - sequence_length) // sequence_stride + 1
    idx = jnp.arange(n)[:, None] * sequence_stride + jnp.arange(sequence_length)[None, :]
    return x[..., idx]


def _complex(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("Expected `x` to be a tuple `(real, imag)` of two tensors. "
                         f"Received: x={x!r}")
    real, imag = to_float(arr(x[0])), to_float(arr(x[1]))
    if real.shape != imag.shape:
        raise ValueError(f"Real and imaginary parts must have the same shape. Received: "
                         f"{real.shape} and {imag.shape}")
    return lax.complex(real, imag)


@keras_op
def fft(x):
    """FFT over the last axis of ``(real, imag)``; returns ``(real, imag)``."""
    y = jnp.fft.fft(_complex(x))
    return jnp.real(y), jnp.imag(y)


@keras_op
def fft2(x):
    y = jnp.fft.fft2(_complex(x))
    return jnp.real(y), jnp.imag(y)


@keras_op
def ifft2(x):
    y = jnp.fft.ifft2(_complex(x))
    return jnp.real(y), jnp.imag(y)


@keras_op
def rfft(x, fft_length=None):
    y = jnp.fft.rfft(to_float(arr(x)), n=fft_length)
    return jnp.real(y), jnp.imag(y)


@keras_op
def irfft(x, fft_length=None):
    return jnp.fft.irfft(_complex(x), n=fft_length)
