"""Signal processing ops: the NumPy window functions (``keras.ops.numpy.bartlett`` ...) and the
short-time Fourier transform pair ``stft`` / ``istft`` (``keras.ops.stft``).

``stft`` follows Keras: with ``center=True`` the signal is reflect-padded by
``fft_length // 2`` on both sides; a window of ``sequence_length`` samples (a periodic
``"hann"``/``"hamming"`` window, a tensor, or ``None`` for no window) is zero-padded to
``fft_length`` around its centre; frames start every ``sequence_stride`` samples; the
result is ``rfft(frame * window)``, unscaled, as ``(real, imag)`` of shape
``(..., num_frames, fft_length // 2 + 1)``. ``istft`` inverts it by windowed overlap-add.

Example:
    >>> real, imag = stft(jnp.ones((2, 32)), 8, 4, 8)
    >>> real.shape
    (2, 9, 5)
"""
from __future__ import annotations

import functools
import operator

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from fkeras.backend import config
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr

# --- window functions -------------------------------------------------------------------------


def _window_length(x, name):
    """The static window length ``M`` from an int or a concrete scalar tensor."""
    try:
        return operator.index(x)
    except TypeError:
        pass
    try:
        value = np.asarray(x)
    except Exception as e:  # a tracer: the length decides the output shape, so it must be static
        raise TypeError(f"`{name}` needs a concrete integer window length (it sets the output "
                        f"shape). Received: x={x!r}") from e
    if value.ndim != 0 or not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f"`{name}` expects an integer window length. Received: x={x!r}")
    return int(value)


def _as_floatx(w):
    return jnp.asarray(w, dtype=config.floatx())


@keras_op
def bartlett(x):
    """The Bartlett (triangular) window of ``x`` points, zero at both ends.

    Args:
        x: Number of points, a non-negative int.

    Returns:
        A 1-D floatx tensor of length ``x``.

    Example:
        >>> bartlett(5)
        Array([0. , 0.5, 1. , 0.5, 0. ], dtype=float32)
    """
    return _as_floatx(jnp.bartlett(_window_length(x, "bartlett")))


@keras_op
def blackman(x):
    """The (symmetric) Blackman window of ``x`` points.

    Args:
        x: Number of points, a non-negative int.

    Returns:
        A 1-D floatx tensor of length ``x``.
    """
    return _as_floatx(jnp.blackman(_window_length(x, "blackman")))


@keras_op
def hamming(x):
    """The (symmetric) Hamming window of ``x`` points: ``0.54 - 0.46 cos(2 pi n / (x - 1))``.

    Args:
        x: Number of points, a non-negative int.

    Returns:
        A 1-D floatx tensor of length ``x``.
    """
    return _as_floatx(jnp.hamming(_window_length(x, "hamming")))


@keras_op
def hanning(x):
    """The (symmetric) Hann window of ``x`` points: ``0.5 - 0.5 cos(2 pi n / (x - 1))``.

    Args:
        x: Number of points, a non-negative int.

    Returns:
        A 1-D floatx tensor of length ``x``.
    """
    return _as_floatx(jnp.hanning(_window_length(x, "hanning")))


@keras_op
def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``.

    Args:
        x: Number of points, a non-negative int.
        beta: Shape parameter; 0 gives a rectangle, larger values a narrower bell.

    Returns:
        A 1-D floatx tensor of length ``x``.
    """
    return _as_floatx(jnp.kaiser(_window_length(x, "kaiser"), beta))


# --- short-time Fourier transform ------------------------------------------------------------

def _periodic_window(name, length):
    """A periodic (DFT-even) window, as ``scipy.signal.get_window(name, length)`` builds it."""
    n = np.arange(length)
    if name == "hann":
        return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / length)
    if name == "hamming":
        return 0.54 - 0.46 * np.cos(2.0 * np.pi * n / length)
    from scipy.signal import get_window  # other names: scipy's catalogue (istft only)

    return get_window(name, length)


def _padded_window(window, sequence_length, fft_length, dtype, name):
    """The analysis window, zero-padded to ``fft_length`` around its centre (ones for None)."""
    if window is None:
        return jnp.ones((fft_length,), dtype)
    if isinstance(window, str):
        win = jnp.asarray(_periodic_window(window, sequence_length), dtype)
    else:
        win = arr(window).astype(dtype)
    if win.ndim != 1 or win.shape[0] != sequence_length:
        raise ValueError(f"`{name}`: the shape of `window` must be ({sequence_length},) "
                         f"(`sequence_length`). Received: window shape={tuple(win.shape)}")
    left = (fft_length - sequence_length) // 2
    return jnp.pad(win, (left, fft_length - sequence_length - left))


def _check_stft_args(sequence_length, sequence_stride, fft_length, name):
    for arg, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                       ("fft_length", fft_length)):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"`{name}`: `{arg}` must be a positive integer. Received: {arg}={value!r}")
    if fft_length < sequence_length:
        raise ValueError(f"`{name}`: `fft_length` must be >= `sequence_length`. Received: "
                         f"sequence_length={sequence_length}, fft_length={fft_length}")


@keras_op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis of a real signal.

    Args:
        x: Real float32/float64 signal of shape ``(..., samples)``.
        sequence_length: Window length in samples.
        sequence_stride: Hop between frame starts.
        fft_length: FFT size (>= ``sequence_length``; the window is zero-padded to it).
        window: ``"hann"``, ``"hamming"`` (periodic), a 1-D tensor of ``sequence_length``
            values, or ``None`` for no windowing.
        center: Reflect-pad ``fft_length // 2`` samples on both ends so frame ``t`` is
            centred on sample ``t * sequence_stride``.

    Returns:
        A tuple ``(real, imag)``, each of shape ``(..., num_frames, fft_length // 2 + 1)``.

    Example:
        >>> real, imag = stft(jnp.zeros((16,)), 4, 2, 4, center=False)
        >>> real.shape
        (7, 3)
    """
    _check_stft_args(sequence_length, sequence_stride, fft_length, "stft")
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError(f"`stft`: a string `window` must be 'hann' or 'hamming'. Received: window={window!r}")
    x = arr(x)
    if x.dtype not in (jnp.float32, jnp.float64):
        raise TypeError(f"`stft` expects a float32 or float64 signal. Received: x.dtype={x.dtype}")
    padded_length = x.shape[-1] + (2 * (fft_length // 2) if center else 0)
    if padded_length < fft_length:
        raise ValueError(f"`stft`: the signal ({padded_length} samples after padding) is shorter than "
                         f"`fft_length`={fft_length}.")
    win = _padded_window(window, sequence_length, fft_length, x.dtype, "stft")
    return _stft(x, win, sequence_stride, fft_length, bool(center))


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _stft(x, win, sequence_stride, fft_length, center):
    if center:
        half = fft_length // 2
        x = jnp.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
    num_frames = (x.shape[-1] - fft_length) // sequence_stride + 1
    starts = np.arange(num_frames) * sequence_stride
    frames = x[..., starts[:, None] + np.arange(fft_length)[None, :]]
    spectrum = jnp.fft.rfft(frames * win, n=fft_length)
    return jnp.real(spectrum), jnp.imag(spectrum)


def _complex_pair(x, name):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"`{name}` expects `x` to be a tuple `(real, imag)` of two tensors. Received: x={x!r}")
    real, imag = arr(x[0]), arr(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"`{name}`: the real and imaginary parts must have the same shape. "
                         f"Received: {real.shape} and {imag.shape}")
    if not (jnp.issubdtype(real.dtype, jnp.floating) and jnp.issubdtype(imag.dtype, jnp.floating)):
        raise ValueError(f"`{name}`: both parts of `x` must be floating tensors. "
                         f"Received dtypes: {real.dtype} and {imag.dtype}")
    return lax.complex(real, imag)


@functools.partial(jax.jit, static_argnums=(2, 3, 4))
def _istft(spec, win, sequence_stride, fft_length, unwindowed):
    frames = jnp.fft.irfft(spec, n=fft_length, axis=-1)
    signal = _overlap_add(frames * win, sequence_stride)
    norm = _overlap_add(jnp.broadcast_to(win * win, frames.shape[-2:]), sequence_stride)
    signal = signal / jnp.where(norm > 1e-10, norm, 1.0)
    if unwindowed:  # Keras's scaling for a transform without a window
        signal = signal * (fft_length / sequence_stride)
    return signal


def _overlap_add(frames, stride):
    """Sum ``(..., num_frames, frame_length)`` frames placed every ``stride`` samples."""
    num_frames, frame_length = frames.shape[-2:]
    total = frame_length + stride * (num_frames - 1)
    idx = np.arange(num_frames)[:, None] * stride + np.arange(frame_length)[None, :]
    out = jnp.zeros(frames.shape[:-2] + (total,), frames.dtype)
    return out.at[..., idx].add(frames)


@keras_op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """Inverse short-time Fourier transform (windowed overlap-add), the inverse of :func:`stft`.

    Args:
        x: Tuple ``(real, imag)`` of float tensors of shape ``(..., num_frames, fft_length // 2 + 1)``.
        sequence_length: Window length in samples used by the forward transform.
        sequence_stride: Hop between frames.
        fft_length: FFT size used by the forward transform.
        length: Optional number of output samples to keep (trim).
        window: The forward window: ``"hann"``, ``"hamming"`` (or another scipy window name),
            a 1-D tensor of ``sequence_length`` values, or ``None``.
        center: Whether the forward transform centred its frames; if so the padding is removed.

    Returns:
        The reconstructed real signal of shape ``(..., samples)``.

    Example:
        >>> sig = jnp.sin(jnp.arange(64.0))
        >>> back = istft(stft(sig, 16, 4, 16), 16, 4, 16, length=64)
        >>> bool(jnp.allclose(back, sig, atol=1e-5))
        True
    """
    _check_stft_args(sequence_length, sequence_stride, fft_length, "istft")
    spec = _complex_pair(x, "istft")
    if spec.ndim < 2:
        raise ValueError(f"`istft`: `x` must have rank >= 2 (frames, bins). Received shape: {spec.shape}")
    win = _padded_window(window, sequence_length, fft_length, jnp.real(spec).dtype, "istft")
    signal = _istft(spec, win, sequence_stride, fft_length, window is None)
    start = fft_length // 2 if center else 0
    if length is not None:
        return signal[..., start:start + length]
    if center:
        return signal[..., start:signal.shape[-1] - fft_length // 2]
    return signal
