"""Deterministic initializers: Constant, Zeros, Ones, Identity, STFTInitializer."""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from fkeras.initializers.initializer import Initializer, _dtype, _shape
from fkeras.saving import registry as _registry


class Constant(Initializer):
    """Fills with ``value`` (a scalar, or an array broadcastable to the shape).

    Args:
        value: The fill value: a Python number, or an array broadcastable to the requested shape. Defaults to 0.

    Example:
        >>> Constant(10.0)(shape=(2, 2))
        Array([[10., 10.],
               [10., 10.]], dtype=float32)
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return self.init(None, shape, dtype)

    def init(self, key, shape, dtype=None):
        dtype = _dtype(dtype)
        value = jnp.asarray(getattr(self.value, "value", self.value)).astype(dtype)
        return jnp.broadcast_to(value, _shape(shape, "Constant"))

    def get_config(self):
        return {"value": _registry.serialize_keras_object(self.value)}

    @classmethod
    def from_config(cls, config):
        value = config.get("value", 0.0)
        if isinstance(value, dict):
            value = _registry.deserialize_keras_object(value)
        return cls(value)


class Zeros(Initializer):
    """All zeros (floatx by default; any dtype allowed).

    Example:
        >>> Zeros()(shape=(2,))
        Array([0., 0.], dtype=float32)
    """

    def __call__(self, shape, dtype=None):
        return self.init(None, shape, dtype)

    def init(self, key, shape, dtype=None):
        return jnp.zeros(_shape(shape, "Zeros"), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones (floatx by default; any dtype allowed).

    Example:
        >>> Ones()(shape=(2,), dtype="int32")
        Array([1, 1], dtype=int32)
    """

    def __call__(self, shape, dtype=None):
        return self.init(None, shape, dtype)

    def init(self, key, shape, dtype=None):
        return jnp.ones(_shape(shape, "Ones"), dtype=_dtype(dtype))


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular allowed).

    Args:
        gain: The factor multiplying the identity matrix. Defaults to 1.0.

    Example:
        >>> Identity(gain=2.0)(shape=(2, 3))
        Array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        return self.init(None, shape, dtype)

    def init(self, key, shape, dtype=None):
        shape = _shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        dtype = _dtype(dtype)
        return (self.gain * jnp.eye(*shape, dtype=dtype)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity


class STFTInitializer(Initializer):
    """Conv kernel computing the real or imaginary part of a (windowed) STFT.

    The kernel shape is ``(frame_length, 1, fft_length // 2 + 1)``. ``window`` is a name from
    ``scipy.signal.windows`` (needs scipy), an array, or None.
    """

    def __init__(self, side, window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"`side` must be 'real' or 'imag'. Received: side={side!r}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("`scaling` must be None, 'density' or 'spectrum'. "
                             f"Received: scaling={scaling!r}")
        if isinstance(window, str):
            import scipy.signal

            scipy.signal.get_window(window, 1)  # raises for unknown windows
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        return self.init(None, shape, dtype)

    def init(self, key, shape, dtype=None):
        dtype = _dtype(dtype)
        frame_length, _, fft_bins = _shape(shape, "STFTInitializer")
        n_fft = (fft_bins - 1) * 2
        t = np.arange(frame_length, dtype="float64").reshape(frame_length, 1, 1)
        f = np.arange(fft_bins, dtype="float64").reshape(1, 1, fft_bins) / n_fft
        args = -2.0 * math.pi * t * f
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = self.window
            if isinstance(win, str):
                import scipy.signal

                win = scipy.signal.get_window(win, frame_length, self.periodic)
            win = np.asarray(win, dtype="float64")
            if win.shape != (frame_length,):
                raise ValueError("The shape of `window` must be equal to [frame_length]. "
                                 f"Received: window shape={win.shape}")
            win = win.reshape(frame_length, 1, 1)
            scale = 1.0
            if self.scaling == "density":
                scale = np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                scale = np.sum(np.abs(win))
            kernel = kernel * win / scale
        return jnp.asarray(kernel, dtype=dtype)

    def get_config(self):
        window = self.window
        if isinstance(window, np.ndarray):
            window = window.tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}
