"""ZeroPadding1D/2D/3D: add zeros at the edges of the spatial axes.
``data_format`` defaults to ``keras.config.image_data_format()``."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.layers.convolutional import standardize_tuple
from fkeras.layers.reshaping import _known, _pairs, _ShapeSpecMixin, _spatial_axes


class _ZeroPadding(_ShapeSpecMixin, Layer):
    _rank = 1

    def _axes(self):
        return _spatial_axes(self.data_format, self._rank)

    def _pad_pairs(self):
        return self.padding

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for pair, ax in zip(self._pad_pairs(), self._axes()):
            widths[ax] = tuple(pair)
        return jnp.pad(inputs, widths)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for (lo, hi), ax in zip(self._pad_pairs(), self._axes()):
            n = _known(out[ax])
            out[ax] = None if n is None else n + lo + hi
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        config["data_format"] = self.data_format
        return config


class ZeroPadding1D(_ZeroPadding):
    """Pads the time axis with zeros: ``padding=n`` or ``(before, after)``.

    Args:
        padding: an integer (zeros added at both ends; defaults to 1) or a pair ``(before, after)``.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, steps, features)`` or, channels first, ``(batch_size, features, steps)``.

    Output shape:
        The same layout with ``steps + before + after`` steps.

    Call arguments:
        inputs: the input tensor.

    Example:
        keras.layers.ZeroPadding1D(padding=2)(np.ones((2, 3, 2))).shape   # (2, 7, 2)
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f"ZeroPadding1D {self.name!r}"
        self.data_format = backend_config.standardize_data_format(data_format)
        self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True, where=where)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def _pad_pairs(self):
        return (self.padding,)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns of images with zeros: an int, ``(sym_h, sym_w)`` or
    ``((top, bottom), (left, right))``.

    Args:
        padding: an integer (the same padding on all four sides), a pair ``(symmetric_height,
            symmetric_width)``, or a pair of pairs ``((top, bottom), (left, right))``. Defaults to
            ``(1, 1)``.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, rows, cols, channels)`` or, channels first, ``(batch_size, channels, rows, cols)``.

    Output shape:
        The same layout with ``rows + top + bottom`` rows and ``cols + left + right`` columns.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed or negative ``padding``.

    Example:
        keras.layers.ZeroPadding2D(padding=1)(np.ones((1, 2, 2, 1))).shape   # (1, 4, 4, 1)
    """

    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.padding = _pairs(padding, 2, "padding", f"ZeroPadding2D {self.name!r}")
        self.input_spec = InputSpec(ndim=4)
        self.built = True


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes of volumes with zeros.

    Args:
        padding: an integer (the same padding at both ends of every spatial axis), a triple of
            integers (symmetric padding per axis), or a triple of ``(before, after)`` pairs. Defaults
            to one zero at each end of every spatial axis.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` or, channels first,
        ``(batch_size, channels, dim1, dim2, dim3)``.

    Output shape:
        The same layout with each spatial size increased by its two padding amounts.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed or negative ``padding``.

    Example:
        keras.layers.ZeroPadding3D(padding=(1, 0, 2))(np.ones((1, 2, 2, 2, 1))).shape   # (1, 4, 2, 6, 1)
    """

    _rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.padding = _pairs(padding, 3, "padding", f"ZeroPadding3D {self.name!r}")
        self.input_spec = InputSpec(ndim=5)
        self.built = True
