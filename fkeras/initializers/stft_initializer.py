"""``keras.initializers.STFT`` (also exported as ``STFTInitializer`` and ``stft``).

Keras 3 names the class ``STFT`` and writes that name into configs; its kernel values are
computed by the DFT-kernel code in :mod:`fkeras.initializers.constant_initializers`, which
this class extends with Keras's name and defaults.
"""
from __future__ import annotations

from fkeras.initializers.constant_initializers import STFTInitializer as _DFTKernel


class STFT(_DFTKernel):
    """Conv kernels that compute one side (real or imaginary) of a windowed STFT.

    The kernel has shape ``(frame_length, 1, fft_length // 2 + 1)``: convolving a signal with
    the ``"real"`` kernel at stride ``frame_step`` gives the real parts of the STFT frames,
    the ``"imag"`` kernel their imaginary parts. This is how ``keras.layers.STFTSpectrogram``
    computes a spectrogram with (optionally trainable) convolutions.

    Args:
        side: ``"real"`` or ``"imag"``: which part of the transform the kernel computes.
            Defaults to ``"real"``.
        window: A window name from ``scipy.signal.windows`` (``"hann"``, ``"hamming"``, ...),
            an array of ``frame_length`` values, or ``None`` for no window. Defaults to
            ``"hann"``.
        scaling: ``"density"`` (divide by the window's L2 norm), ``"spectrum"`` (divide by its
            L1 norm) or ``None``. Defaults to ``"density"``.
        periodic: Whether a named window is the periodic variant (as used for spectral
            analysis) instead of the symmetric one. Defaults to False.

    Returns:
        Calling the initializer with ``(shape, dtype=None)`` returns the kernel array.

    Example:

    ```python
    real = keras.initializers.STFT("real", "hann")(shape=(64, 1, 33))
    imag = keras.initializers.STFT("imag", "hann")(shape=(64, 1, 33))
    ```
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        super().__init__(side, window=window, scaling=scaling, periodic=periodic)


STFTInitializer = STFT
stft = STFT

__all__ = ["STFT", "STFTInitializer", "stft"]
