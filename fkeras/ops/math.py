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
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow.

    Args:
        x: Input tensor; integers are promoted to floatx.
        axis: Axis or tuple/list of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor.

    Example:
        >>> keras.ops.logsumexp([0.0, 0.0])
        Array(0.6931472, dtype=float32)
    """
    if isinstance(axis, list):
        axis = tuple(axis)
    return jss.logsumexp(to_float(arr(x)), axis=axis, keepdims=keepdims)


@keras_op
def top_k(x, k, sorted=True):
    """The ``k`` largest entries along the last axis of ``x`` and their indices.

    Args:
        x: Input tensor with at least ``k`` entries along the last axis.
        k: Number of entries to keep.
        sorted: Accepted for Keras compatibility; the results are always sorted in descending
            order (ties keep the lower index first).

    Returns:
        A tuple ``(values, indices)``, each of shape ``x.shape[:-1] + (k,)``; ``indices`` is int32.

    Example:
        >>> values, indices = keras.ops.top_k([1.0, 5.0, 3.0], 2)
        >>> values, indices
        (Array([5., 3.], dtype=float32), Array([1, 2], dtype=int32))
    """
    values, indices = lax.top_k(arr(x), k)
    return values, indices.astype("int32")


@keras_op
def in_top_k(targets, predictions, k):
    """Whether each target class is among the ``k`` highest predictions of its row.

    A target whose score ties with the ``k``-th largest counts as in the top ``k``.

    Args:
        targets: Integer tensor of class ids, shape ``(batch,)``.
        predictions: Scores, shape ``(batch, num_classes)``.
        k: Number of top predictions to consider.

    Returns:
        A boolean tensor of shape ``(batch,)``.

    Example:
        >>> keras.ops.in_top_k([2, 0], [[0.1, 0.3, 0.6], [0.1, 0.3, 0.6]], 2)
        Array([ True, False], dtype=bool)
    """
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
    """Sum of the rows of ``data`` that share a segment id.

    Empty segments give 0.

    Args:
        data: Tensor whose leading axis is split into segments.
        segment_ids: 1-D integer tensor with one segment id per row of ``data`` (ids in
            ``[0, num_segments)``; rows with other ids are dropped).
        num_segments: Number of segments (output rows). ``None`` reads ``max(segment_ids) + 1``
            from the values, which needs a concrete ``segment_ids``: give it under ``jax.jit``.
        sorted: Whether ``segment_ids`` is sorted in ascending order (a speed hint; default
            ``False``).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``.

    Raises:
        ValueError: If ``segment_ids`` is not 1-D or its length differs from ``data.shape[0]``.

    Example:
        >>> keras.ops.segment_sum([1.0, 2.0, 3.0], [0, 0, 1], num_segments=2)
        Array([3., 3.], dtype=float32)
    """
    return _segment(jax.ops.segment_sum, data, segment_ids, num_segments, sorted)


@keras_op
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of ``data`` that share a segment id.

    Empty segments hold the smallest value of the dtype (``-inf`` for floats).

    Args:
        data: Tensor whose leading axis is split into segments.
        segment_ids: 1-D integer tensor with one segment id per row of ``data`` (ids in
            ``[0, num_segments)``; rows with other ids are dropped).
        num_segments: Number of segments (output rows). ``None`` reads ``max(segment_ids) + 1``
            from the values, which needs a concrete ``segment_ids``: give it under ``jax.jit``.
        sorted: Whether ``segment_ids`` is sorted in ascending order (a speed hint; default
            ``False``).

    Returns:
        A tensor of shape ``(num_segments,) + data.shape[1:]``.

    Raises:
        ValueError: If ``segment_ids`` is not 1-D or its length differs from ``data.shape[0]``.

    Example:
        >>> keras.ops.segment_max([1.0, 2.0, 3.0], [0, 0, 1], num_segments=2)
        Array([2., 3.], dtype=float32)
    """
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
    """Gauss error function, element-wise: ``2 / sqrt(pi) * integral_0^x exp(-t ** 2) dt``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``, with values in ``[-1, 1]``.

    Example:
        >>> keras.ops.erf([0.0])
        Array([0.], dtype=float32)
    """
    return jss.erf(to_float(arr(x)))


@keras_op
def erfinv(x):
    """Inverse of the error function, element-wise: ``erf(erfinv(y)) == y`` for ``y`` in ``(-1, 1)``.

    Args:
        x: Input tensor with values in ``[-1, 1]`` (``+-inf`` at ``+-1``, NaN outside); integers are
            promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.erfinv([0.0])
        Array([0.], dtype=float32)
    """
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
    """Reciprocal square root, element-wise: ``1 / sqrt(x)``.

    Args:
        x: Input tensor; integers are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.rsqrt([4.0, 16.0])
        Array([0.5 , 0.25], dtype=float32)
    """
    return lax.rsqrt(to_float(arr(x)))


@keras_op
def logdet(x):
    """Natural log of the determinant of symmetric positive-definite matrices.

    Computed from ``slogdet``, so it does not overflow for large matrices; the sign is dropped,
    so the result only means ``log(det(x))`` when the determinant is positive.

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        A tensor of shape ``(...)``.

    Example:
        >>> round(float(keras.ops.logdet([[2.0, 0.0], [0.0, 3.0]])), 4)
        1.7918
    """
    return jnp.linalg.slogdet(to_float(arr(x)))[1]


@keras_op
def qr(x, mode="reduced"):
    """QR decomposition ``x = q @ r`` with orthonormal ``q`` and upper-triangular ``r``.

    Args:
        x: Tensor of shape ``(..., M, N)``; integers are promoted to floatx.
        mode: ``"reduced"`` (default): ``q`` is ``(..., M, K)`` and ``r`` ``(..., K, N)`` with
            ``K = min(M, N)``; ``"complete"``: ``q`` is ``(..., M, M)`` and ``r`` ``(..., M, N)``.

    Returns:
        A tuple ``(q, r)``.

    Raises:
        ValueError: If ``mode`` is not ``"reduced"`` or ``"complete"``.

    Example:
        >>> q, r = keras.ops.qr(keras.ops.ones((4, 3)))
        >>> q.shape, r.shape
        ((4, 3), (3, 3))
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode!r}")
    return jnp.linalg.qr(to_float(arr(x)), mode=mode)


@keras_op
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of length ``sequence_length`` taken every ``sequence_stride`` along the last axis.

    Frames that would run past the end are dropped; the number of frames is
    ``(x.shape[-1] - sequence_length) // sequence_stride + 1``.

    Args:
        x: Input tensor; the last axis is framed.
        sequence_length: Length of each frame.
        sequence_stride: Step between the starts of consecutive frames.

    Returns:
        A tensor of shape ``x.shape[:-1] + (num_frames, sequence_length)``.

    Example:
        >>> keras.ops.extract_sequences(keras.ops.arange(6), 3, 2)
        Array([[0, 1, 2],
               [2, 3, 4]], dtype=int32)
    """
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
    """One-dimensional discrete Fourier transform over the last axis.

    Args:
        x: A tuple ``(real, imag)`` of two floating-point tensors of the same shape, the real and
            imaginary parts of the input.

    Returns:
        A tuple ``(real, imag)`` of the transform, each with the input's shape.

    Raises:
        ValueError: If ``x`` is not a pair of tensors of the same shape.

    Example:
        >>> real, imag = keras.ops.fft((keras.ops.ones((4,)), keras.ops.zeros((4,))))
        >>> real
        Array([4., 0., 0., 0.], dtype=float32)
    """
    y = jnp.fft.fft(_complex(x))
    return jnp.real(y), jnp.imag(y)


@keras_op
def fft2(x):
    """Two-dimensional discrete Fourier transform over the last two axes.

    Args:
        x: A tuple ``(real, imag)`` of two floating-point tensors of the same shape, the real and
            imaginary parts of the input.

    Returns:
        A tuple ``(real, imag)`` of the transform, each with the input's shape.

    Raises:
        ValueError: If ``x`` is not a pair of tensors of the same shape.

    Example:
        >>> real, imag = keras.ops.fft2((keras.ops.ones((2, 2)), keras.ops.zeros((2, 2))))
        >>> real
        Array([[4., 0.],
               [0., 0.]], dtype=float32)
    """
    y = jnp.fft.fft2(_complex(x))
    return jnp.real(y), jnp.imag(y)


@keras_op
def ifft2(x):
    """Two-dimensional inverse discrete Fourier transform over the last two axes.

    The inverse of ``fft2``, including the ``1 / (M * N)`` normalisation.

    Args:
        x: A tuple ``(real, imag)`` of two floating-point tensors of the same shape, the real and
            imaginary parts of the input.

    Returns:
        A tuple ``(real, imag)`` of the inverse transform, each with the input's shape.

    Raises:
        ValueError: If ``x`` is not a pair of tensors of the same shape.

    Example:
        >>> real, imag = keras.ops.ifft2((keras.ops.full((2, 2), 4.0), keras.ops.zeros((2, 2))))
        >>> real
        Array([[4., 0.],
               [0., 0.]], dtype=float32)
    """
    y = jnp.fft.ifft2(_complex(x))
    return jnp.real(y), jnp.imag(y)


@keras_op
def rfft(x, fft_length=None):
    """Discrete Fourier transform of a real signal over the last axis (non-negative frequencies).

    Args:
        x: Real input tensor; integers are promoted to floatx.
        fft_length: Number of points of the transform: the signal is cropped or zero-padded to it
            along the last axis. ``None`` (default) uses the length of that axis.

    Returns:
        A tuple ``(real, imag)``, each of shape ``x.shape[:-1] + (fft_length // 2 + 1,)``.

    Example:
        >>> real, imag = keras.ops.rfft(keras.ops.ones((4,)))
        >>> real
        Array([4., 0., 0.], dtype=float32)
    """
    y = jnp.fft.rfft(to_float(arr(x)), n=fft_length)
    return jnp.real(y), jnp.imag(y)


@keras_op
def irfft(x, fft_length=None):
    """Inverse of ``rfft``: a real signal from its non-negative-frequency spectrum over the last axis.

    Args:
        x: A tuple ``(real, imag)`` of two floating-point tensors of the same shape, the spectrum
            as ``rfft`` returns it.
        fft_length: Length of the output signal; ``None`` (default) gives
            ``2 * (x[0].shape[-1] - 1)``. The spectrum is cropped or zero-padded to
            ``fft_length // 2 + 1`` entries.

    Returns:
        A real tensor of shape ``x[0].shape[:-1] + (fft_length,)``.

    Raises:
        ValueError: If ``x`` is not a pair of tensors of the same shape.

    Example:
        >>> keras.ops.irfft((keras.ops.array([4.0, 0.0, 0.0]), keras.ops.zeros((3,))))
        Array([1., 1., 1., 1.], dtype=float32)
    """
    return jnp.fft.irfft(_complex(x), n=fft_length)
