"""Cropping1D/2D/3D: remove rows/columns (and depth slices) at the edges of the spatial axes.
``data_format`` defaults to ``keras.config.image_data_format()``."""
from __future__ import annotations

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.layers.convolutional import standardize_tuple
from fkeras.layers.reshaping import _known, _pairs, _ShapeSpecMixin, _spatial_axes


class _Cropping(_ShapeSpecMixin, Layer):
    _rank = 1

    def _init_cropping(self, cropping, data_format):
        where = f"{type(self).__name__} {self.name!r}"
        self.data_format = backend_config.standardize_data_format(data_format)
        self.cropping = _pairs(cropping, self._rank, "cropping", where)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self.built = True

    def _axes(self):
        return _spatial_axes(self.data_format, self._rank)

    def _crop_pairs(self):
        return self.cropping

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for (lo, hi), ax in zip(self._crop_pairs(), self._axes()):
            n = _known(out[ax])
            if n is None:
                out[ax] = None
                continue
            if lo + hi >= n:
                raise ValueError(
                    f"{type(self).__name__} {self.name!r}: values in `cropping` must be smaller than the "
                    f"corresponding spatial dimension of the input. Received: input_shape="
                    f"{tuple(_known(d) for d in input_shape)}, cropping={self.cropping}"
                )
            out[ax] = n - lo - hi
        return tuple(out)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)  # a clear error instead of an empty output
        idx = [slice(None)] * inputs.ndim
        for (lo, hi), ax in zip(self._crop_pairs(), self._axes()):
            idx[ax] = slice(lo, -hi if hi else None)
        return inputs[tuple(idx)]

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        config["data_format"] = self.data_format
        return config


class Cropping1D(_Cropping):
    """Crops along the time axis of ``(batch, steps, features)``: ``cropping=(before, after)``.

    Args:
        cropping: How many steps to remove: an int (the same at both ends) or a pair ``(before, after)``. Defaults
            to ``(1, 1)``.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        keras.layers.Cropping1D(cropping=1)(np.ones((2, 3, 2))).shape   # (2, 1, 2)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        where = f"Cropping1D {self.name!r}"
        self.data_format = "channels_last"
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True, where=where)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def _crop_pairs(self):
        return (self.cropping,)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class Cropping2D(_Cropping):
    """Crops the spatial axes of images: ``cropping=((top, bottom), (left, right))`` (or an int,
    or ``(symmetric_height, symmetric_width)``).

    Args:
        cropping: an integer (the same amount removed from all four sides), a pair
            ``(symmetric_height, symmetric_width)``, or a pair of pairs ``((top, bottom), (left, right))``.
            Defaults to no cropping.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, rows, cols, channels)`` or, channels first, ``(batch_size, channels, rows, cols)``.

    Output shape:
        The same layout with ``rows - top - bottom`` rows and ``cols - left - right`` columns.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed or negative ``cropping``, or one that would leave no rows or
            columns.

    Example:
        keras.layers.Cropping2D(((2, 2), (4, 4)))(np.ones((2, 28, 28, 3))).shape   # (2, 24, 20, 3)
    """

    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_cropping(cropping, data_format)


class Cropping3D(_Cropping):
    """Crops the three spatial axes of volumes (``((d0, d1), (h0, h1), (w0, w1))`` or ints).

    Args:
        cropping: an integer (the same amount removed at both ends of every spatial axis), a triple
            of integers (symmetric amounts per axis), or a triple of pairs
            ``((left_dim1, right_dim1), (left_dim2, right_dim2), (left_dim3, right_dim3))``.
            Defaults to one element off each end of every spatial axis.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` or, channels first,
        ``(batch_size, channels, dim1, dim2, dim3)``.

    Output shape:
        The same layout with each spatial size reduced by its two cropping amounts.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed or negative ``cropping``, or one that would leave an empty axis.

    Example:
        keras.layers.Cropping3D(((1, 1), (2, 2), (1, 0)))(np.ones((1, 4, 5, 6, 2))).shape  # (1, 2, 1, 5, 2)
    """

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._init_cropping(cropping, data_format)
