"""``keras.ops`` math: reductions and special functions beyond numpy (logsumexp, top_k, segments, FFT)."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax import lax

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, to_float


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
def erf(x):
    return jss.erf(to_float(arr(x)))


@keras_op
def erfinv(x):
    return jss.erfinv(to_float(arr(x)))


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
