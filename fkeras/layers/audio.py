"""Audio front-ends: ``STFTSpectrogram`` (a convolution with STFT kernels, optionally trainable)
and ``MelSpectrogram`` (STFT power -> mel filterbank -> decibels), with Keras 3's arguments."""
from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend.config import epsilon, standardize_data_format
from fkeras.engine.layer import InputSpec, Layer
from fkeras.initializers.stft_initializer import STFT

__all__ = ["STFTSpectrogram", "MelSpectrogram"]

_STFT_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
_FLOAT_INPUTS = ("float16", "bfloat16", "float32", "float64")


def _positive_int(value, arg, layer, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer}: `{arg}` must be a positive integer. Received: {arg}={value!r}")
    return int(value)


def _window_to_config(window):
    return window.tolist() if isinstance(window, (np.ndarray, jax.Array)) else window


class STFTSpectrogram(Layer):
    """Spectrogram of a 1-D signal computed as a strided convolution with STFT kernels.

    The real and imaginary parts of the short-time Fourier transform are two ``Conv1D``-like
    kernels (``real_kernel`` and ``imag_kernel``, shape ``(frame_length, 1, fft_length // 2 + 1)``,
    initialised by ``keras.initializers.STFT``); each input channel is transformed on its own.
    With ``trainable=False`` the layer is a fixed preprocessing step; with ``trainable=True``
    (the default, as in Keras) the kernels can be fine-tuned with the model.

    Args:
        mode: What to output: ``"log"`` (log magnitude, default), ``"magnitude"``, ``"psd"``
            (power spectral density, one-sided), ``"real"``, ``"imag"``, ``"angle"`` (phase) or
            ``"stft"`` (real and imaginary parts concatenated on the frequency axis).
        frame_length: Samples per frame (the window length). Defaults to 256.
        frame_step: Hop between frames; ``None`` means ``frame_length // 2``.
        fft_length: FFT size (at least ``frame_length``); ``None`` means the smallest power of
            two not below ``frame_length``. Gives ``fft_length // 2 + 1`` frequency bins.
        window: A ``scipy.signal.windows`` name (``"hann"``, ``"hamming"``, ...), an array of
            ``frame_length`` values, or ``None``. Defaults to ``"hann"``.
        periodic: Whether a named window is periodic rather than symmetric. Defaults to False.
        scaling: ``"density"`` (default), ``"spectrum"`` or ``None``: how the window is normalised.
        padding: ``"valid"`` (default) or ``"same"``, as for a convolution with stride
            ``frame_step``.
        expand_dims: If True, keep frequency and channels as two axes (an image-like output)
            instead of merging them. Defaults to False.
        data_format: ``"channels_last"`` (inputs ``(batch, time, channels)``) or
            ``"channels_first"`` (``(batch, channels, time)``); ``None`` uses the global setting.
        **kwargs: Base layer arguments (``name``, ``dtype``, ``trainable``).

    Returns:
        ``(batch, frames, channels * bins)`` for ``channels_last`` (``(batch, frames, bins,
        channels)`` with ``expand_dims``); ``(batch, channels * bins, frames)`` for
        ``channels_first`` (``(batch, channels, frames, bins)`` with ``expand_dims``). ``bins``
        doubles in ``"stft"`` mode.

    Example:

    ```python
    layer = keras.layers.STFTSpectrogram(frame_length=64, frame_step=32, fft_length=64,
                                         trainable=False)
    layer(np.random.rand(2, 1024, 1).astype("float32")).shape   # (2, 31, 33)
    ```
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann",
                 periodic=False, scaling="density", padding="valid", expand_dims=False, data_format=None,
                 **kwargs):
        name = type(self).__name__
        frame_length = _positive_int(frame_length, "frame_length", name)
        frame_step = _positive_int(frame_step, "frame_step", name, allow_none=True)
        fft_length = _positive_int(fft_length, "fft_length", name, allow_none=True)
        if frame_step is not None and frame_step > frame_length:
            raise ValueError(f"{name}: `frame_step` must not be greater than `frame_length`. Received "
                             f"frame_step={frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"{name}: `fft_length` must be at least `frame_length`. Received "
                             f"fft_length={fft_length}, frame_length={frame_length}")
        if fft_length is not None and fft_length & (fft_length - 1):
            warnings.warn(f"{name}: `fft_length` is best a power of two. Received fft_length={fft_length}",
                          stacklevel=2)
        if mode not in _STFT_MODES:
            raise ValueError(f"{name}: `mode` must be one of {_STFT_MODES}. Received: mode={mode!r}")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(f"{name}: `scaling` must be None, 'density' or 'spectrum'. Received: "
                             f"scaling={scaling!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f"{name}: `padding` must be 'valid' or 'same'. Received: padding={padding!r}")
        if isinstance(window, str):
            import scipy.signal

            scipy.signal.get_window(window, 1)  # raises ValueError for an unknown window name
        elif window is not None and np.shape(window) != (frame_length,):
            raise ValueError(f"{name}: a `window` array must have shape ({frame_length},) (frame_length). "
                             f"Received shape {np.shape(window)}")
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self.fft_length = fft_length
        self._frame_step = frame_step or frame_length // 2
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=STFT("imag", self.window, self.scaling, self.periodic))

    def _transform(self, signals, kernel):
        """``signals`` (n, 1, time) -> (n, bins, frames): one strided convolution."""
        return jax.lax.conv_general_dilated(
            signals, jnp.asarray(kernel).astype(signals.dtype), window_strides=(self._frame_step,),
            padding=self.padding.upper(), dimension_numbers=("NCH", "HIO", "NCH"))

    def call(self, inputs):
        if str(inputs.dtype) not in _FLOAT_INPUTS:
            raise TypeError(f"{self.name}: expected a float16, float32 or float64 signal. Received "
                            f"dtype={inputs.dtype}")
        x = jnp.swapaxes(inputs, 1, 2) if self.data_format == "channels_last" else inputs
        batch, channels, time = x.shape
        flat = x.reshape(-1, 1, time)

        def side(kernel):
            out = self._transform(flat, kernel)
            return out.reshape(-1, channels, out.shape[1], out.shape[2])  # (batch, ch, bins, frames)

        real = side(self.real_kernel) if self.mode != "imag" else None
        imag = side(self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            out = real
        elif self.mode == "imag":
            out = imag
        elif self.mode == "angle":
            out = jnp.arctan2(imag, real)
        elif self.mode == "stft":
            out = jnp.concatenate([real, imag], axis=2)
        else:
            power = jnp.square(real) + jnp.square(imag)
            if self.mode == "psd":
                # One-sided density: every bin but DC and Nyquist also stands for its mirror.
                out = power + jnp.pad(power[:, :, 1:-1, :], ((0, 0), (0, 0), (1, 1), (0, 0)))
            else:
                out = jnp.sqrt(jnp.maximum(power, epsilon()))
                if self.mode == "log":
                    out = jnp.log(jnp.maximum(out, epsilon()))
        return self._arrange(out)

    def _arrange(self, out):
        """(batch, channels, bins, frames) -> the layout of ``data_format`` / ``expand_dims``."""
        _, channels, bins, frames = out.shape
        if self.expand_dims:
            return jnp.transpose(out, (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2))
        out = out.reshape(-1, channels * bins, frames)
        return jnp.swapaxes(out, 1, 2) if self.data_format == "channels_last" else out

    def _frames(self, time):
        if time is None:
            return None
        if self.padding == "same":
            return -(-time // self._frame_step)
        return max((time - self.frame_length) // self._frame_step + 1, 0)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(f"{self.name}: expected a 3-D input shape. Received {input_shape}")
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        frames = self._frames(time)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, bins, channels)
            return (batch, channels, frames, bins)
        merged = None if channels is None else channels * bins
        return (batch, frames, merged) if self.data_format == "channels_last" else (batch, merged, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": self.mode, "frame_length": self.frame_length, "frame_step": self.frame_step,
            "fft_length": self.fft_length, "window": _window_to_config(self.window),
            "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
            "data_format": self.data_format, "expand_dims": self.expand_dims,
        })
        return config


# --- MelSpectrogram -------------------------------------------------------------------------------

def _hz_to_mel(hz):
    """The HTK mel scale, ``1127 ln(1 + f / 700)`` (= ``2595 log10(1 + f / 700)``)."""
    return 1127.0 * np.log1p(np.asarray(hz, dtype="float64") / 700.0)


def _frames_and_window(x, sequence_length, sequence_stride, fft_length, window):
    """Centered (reflect-padded) frames of ``fft_length`` samples and the window padded to match."""
    half = fft_length // 2
    pad = [(0, 0)] * (x.ndim - 1) + [(half, half)]
    x = jnp.pad(x, pad, mode="reflect")
    num = 1 + (x.shape[-1] - fft_length) // sequence_stride
    idx = np.arange(num)[:, None] * sequence_stride + np.arange(fft_length)[None, :]
    frames = x[..., idx]  # (..., frames, fft_length)
    left = (fft_length - sequence_length) // 2
    if window is None:
        win = np.ones(sequence_length)
    elif isinstance(window, str):
        import scipy.signal

        win = scipy.signal.get_window(window, sequence_length)  # periodic, as for spectral analysis
    else:
        win = np.asarray(window, dtype="float64")
    win = np.pad(win, (left, fft_length - sequence_length - left))
    return frames, jnp.asarray(win, dtype=x.dtype)


class MelSpectrogram(Layer):
    """Mel spectrogram of raw audio: STFT magnitude ``** mag_exp``, mel filterbank, then decibels.

    Frames are centred on ``t * sequence_stride`` (the signal is reflect-padded by
    ``fft_length // 2`` on each side), windowed and transformed with a real FFT; the spectrum
    is projected onto ``num_mel_bins`` triangular filters on the HTK mel scale between
    ``min_freq`` and ``max_freq``. The layer has no weights and runs inside ``jax.jit``.

    Args:
        fft_length: FFT size. Defaults to 2048.
        sequence_stride: Samples between successive frames. Defaults to 512.
        sequence_length: Window length (at most ``fft_length``); ``None`` means ``fft_length``.
        window: ``"hann"`` (default), ``"hamming"``, an array of ``sequence_length`` values, or
            ``None`` for no window.
        sampling_rate: Sample rate of the signal in Hz. Defaults to 16000.
        num_mel_bins: Number of mel bands. Defaults to 128.
        min_freq: Lower edge of the lowest band, in Hz. Defaults to 20.
        max_freq: Upper edge of the highest band; ``None`` means ``sampling_rate / 2``.
        power_to_db: Whether to convert to decibels. Defaults to True.
        top_db: Dynamic range kept in decibels: values below ``max - top_db`` are raised to it.
            As in Keras, the maximum is taken over the whole input (all examples of a batch).
            Defaults to 80.
        mag_exp: Exponent of the magnitude (1 for magnitude, 2 for power). Defaults to 2.
        min_power: Floor of the power (and of ``ref_power``) before the logarithm. Defaults
            to 1e-10.
        ref_power: Reference power: decibels are ``10 log10(S / ref_power)``. Defaults to 1.
        **kwargs: Base layer arguments (``name``, ``dtype``).

    Returns:
        For an input ``(..., samples)`` (one signal, or a batch of them), an output
        ``(..., num_mel_bins, frames)`` with ``frames = 1 + samples // sequence_stride`` for
        an even ``fft_length``.

    Example:

    ```python
    layer = keras.layers.MelSpectrogram(num_mel_bins=40, sampling_rate=8000,
                                        sequence_stride=128, fft_length=512)
    layer(np.random.rand(2, 8000).astype("float32")).shape   # (2, 40, 63)
    ```
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann",
                 sampling_rate=16000, num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True,
                 top_db=80.0, mag_exp=2.0, min_power=1e-10, ref_power=1.0, **kwargs):
        name = type(self).__name__
        fft_length = _positive_int(fft_length, "fft_length", name)
        sequence_stride = _positive_int(sequence_stride, "sequence_stride", name)
        sequence_length = _positive_int(sequence_length, "sequence_length", name, allow_none=True) or fft_length
        num_mel_bins = _positive_int(num_mel_bins, "num_mel_bins", name)
        if fft_length < sequence_length:
            raise ValueError(f"{name}: `fft_length` must be at least `sequence_length`. Received "
                             f"sequence_length={sequence_length}, fft_length={fft_length}")
        if isinstance(window, str):
            if window not in ("hann", "hamming"):
                raise ValueError(f"{name}: a string `window` must be 'hann' or 'hamming'. Received: "
                                 f"window={window!r}")
        elif window is not None and np.shape(window) != (sequence_length,):
            raise ValueError(f"{name}: a `window` array must have shape ({sequence_length},) "
                             f"(sequence_length). Received shape {np.shape(window)}")
        if not sampling_rate or sampling_rate <= 0:
            raise ValueError(f"{name}: `sampling_rate` must be positive. Received: sampling_rate={sampling_rate!r}")
        max_freq = max_freq or int(sampling_rate / 2)
        if not 0 <= min_freq < max_freq:
            raise ValueError(f"{name}: expected 0 <= min_freq < max_freq. Received min_freq={min_freq}, "
                             f"max_freq={max_freq}")
        super().__init__(**kwargs)
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        self._mel_matrix = self.linear_to_mel_weight_matrix(
            num_mel_bins, fft_length // 2 + 1, sampling_rate, min_freq, max_freq)

    def linear_to_mel_weight_matrix(self, num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                    lower_edge_hertz=125.0, upper_edge_hertz=3800.0, dtype="float32"):
        """The ``(num_spectrogram_bins, num_mel_bins)`` matrix taking a linear spectrum to mel bands.

        Band ``k`` is a triangle on the mel scale rising from edge ``k`` to a peak of 1 at edge
        ``k + 1`` and falling to 0 at edge ``k + 2``, the ``num_mel_bins + 2`` edges being evenly
        spaced in mel between ``lower_edge_hertz`` and ``upper_edge_hertz``. The DC bin gets no
        weight. Multiply a spectrogram ``(..., frames, bins)`` by it on the right.

        Args:
            num_mel_bins: Number of mel bands.
            num_spectrogram_bins: Number of linear bins, ``fft_length // 2 + 1``.
            sampling_rate: Sample rate in Hz (the bins span ``[0, sampling_rate / 2]``).
            lower_edge_hertz: Lower edge of the lowest band.
            upper_edge_hertz: Upper edge of the highest band.
            dtype: Float dtype of the result.

        Returns:
            A ``jax.Array`` of shape ``(num_spectrogram_bins, num_mel_bins)``.
        """
        bin_mel = _hz_to_mel(np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:])[:, None]
        edges = np.linspace(_hz_to_mel(lower_edge_hertz), _hz_to_mel(upper_edge_hertz), num_mel_bins + 2)
        lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
        rising = (bin_mel - lower) / (center - lower)
        falling = (upper - bin_mel) / (upper - center)
        weights = np.maximum(0.0, np.minimum(rising, falling))
        return jnp.asarray(np.pad(weights, ((1, 0), (0, 0))), dtype=dtype)

    def call(self, inputs):
        dtype = "float64" if self.compute_dtype == "float64" else "float32"
        x = jnp.asarray(inputs).astype(dtype)
        frames, win = _frames_and_window(x, self.sequence_length, self.sequence_stride, self.fft_length,
                                         self.window)
        spectrum = jnp.fft.rfft(frames * win, n=self.fft_length, axis=-1)
        spec = jnp.abs(spectrum) ** self.mag_exp  # (..., frames, bins)
        mel = jnp.tensordot(spec, self._mel_matrix.astype(dtype), axes=1)  # (..., frames, mel)
        if self.power_to_db:
            mel = self._to_db(mel)
        return jnp.swapaxes(mel, -1, -2).astype(self.compute_dtype)

    def _to_db(self, power):
        db = 10.0 * jnp.log10(jnp.maximum(power, self.min_power))
        db = db - 10.0 * jnp.log10(jnp.maximum(abs(self.ref_power), self.min_power))
        return jnp.maximum(db, jnp.max(db) - self.top_db)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            raise ValueError(f"{self.name}: expected an input of rank >= 1 (samples last). Received shape ()")
        samples = input_shape[-1]
        frames = None
        if samples is not None:
            frames = 1 + (samples + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride
        return input_shape[:-1] + (self.num_mel_bins, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length, "window": _window_to_config(self.window),
            "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq, "max_freq": self.max_freq, "power_to_db": self.power_to_db,
            "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config
