"""Pooling layers: Max/Average pooling (1D/2D/3D) and their global variants.

Windows run on ``jax.lax.reduce_window`` in either data format (no transposes). ``"same"``
padding follows TensorFlow/Keras: the output has ``ceil(n / stride)`` positions, padded
positions never win a max, and average pooling divides by the number of real (unpadded)
elements in each window.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.convolutional import standardize_padding, standardize_tuple


def compute_pooling_output_shape(input_shape, pool_size, strides, padding="valid",
                                 data_format="channels_last", where="Pooling"):
    """Keras's pooling output shape (``None`` dims stay ``None``)."""
    input_shape = tuple(input_shape)
    rank = len(pool_size)
    spatial = input_shape[1:-1] if data_format == "channels_last" else input_shape[2:]
    out = []
    for n, k, s in zip(spatial, pool_size, strides):
        if n is None:
            out.append(None)
            continue
        o = (n - k) // s + 1 if padding == "valid" else (n - 1) // s + 1
        if o <= 0:
            raise ValueError(
                f"{where}: computed output size would be zero or negative. Received input shape="
                f"{input_shape}, pool_size={tuple(pool_size)}, strides={tuple(strides)}, "
                f"padding={padding!r}."
            )
        out.append(o)
    if len(out) != rank:
        raise ValueError(f"{where}: expected {rank} spatial dimensions in input shape {input_shape}.")
    if data_format == "channels_last":
        return (input_shape[0],) + tuple(out) + (input_shape[-1],)
    return (input_shape[0], input_shape[1]) + tuple(out)


def _window(layer, values):
    if layer.data_format == "channels_last":
        return (1,) + tuple(values) + (1,)
    return (1, 1) + tuple(values)


def _floating(x, dtype):
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(dtype)


class BasePooling(Layer):
    """Shared N-D max / average pooling."""

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        where = f"{type(self).__name__} {self.name!r}"
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size", where=where)
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides", where=where)
        if pool_mode not in ("max", "average"):
            raise ValueError(f"{where}: `pool_mode` must be 'max' or 'average'. Received: {pool_mode!r}")
        self.pool_mode = pool_mode
        self.padding = standardize_padding(padding, where=where)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.rank = pool_dimensions
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        if all(isinstance(d, int) for d in inputs.shape):
            self.compute_output_shape(inputs.shape)  # a clear error instead of an empty output
        window = _window(self, self.pool_size)
        strides = _window(self, self.strides)
        padding = self.padding.upper()
        if self.pool_mode == "max":
            # Concrete numpy init values let lax pick its differentiable max/sum window reducers.
            x = inputs
            if jnp.issubdtype(x.dtype, jnp.floating):
                init = np.array(-np.inf, x.dtype)
            elif x.dtype == jnp.bool_:
                init = np.array(False)
            else:
                init = np.array(jnp.iinfo(x.dtype).min, x.dtype)
            return jax.lax.reduce_window(x, init, jax.lax.max, window, strides, padding)
        x = _floating(inputs, self.compute_dtype)
        zero = np.array(0, x.dtype)
        summed = jax.lax.reduce_window(x, zero, jax.lax.add, window, strides, padding)
        if self.padding == "valid":
            return summed / jnp.asarray(float(np.prod(self.pool_size)), x.dtype)
        # Count the real elements in each window: pool a block of ones with the same padding.
        spatial = x.shape[1:-1] if self.data_format == "channels_last" else x.shape[2:]
        ones = jnp.ones(_window(self, spatial), x.dtype)
        counts = jax.lax.reduce_window(ones, zero, jax.lax.add, window, strides, padding)
        return summed / counts

    def compute_output_shape(self, input_shape):
        return compute_pooling_output_shape(input_shape, self.pool_size, self.strides, self.padding,
                                            self.data_format,
                                            where=f"Layer {self.name!r} ({type(self).__name__})")

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = inputs.dtype
        if jnp.issubdtype(jnp.dtype(dtype), jnp.floating) or self.pool_mode == "average":
            dtype = self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        })
        return config


class MaxPooling1D(BasePooling):
    """1D max pooling: the maximum over each window of ``pool_size`` steps.

    Downsamples a sequence by keeping the largest value of each channel in every window. With
    ``"same"`` padding the padded positions never win the max. Integer and boolean inputs keep their
    dtype. ``keras.layers.MaxPool1D`` is the same class.

    Args:
        pool_size: integer or tuple of one integer, the window size; defaults to 2.
        strides: integer or tuple of one integer, the step between windows; ``None`` (the default)
            uses ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` (the default; windows stay inside the input) or ``"same"`` (the input is
            padded so that an axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, steps)``). ``None`` uses ``keras.config.image_data_format()``.
        name: optional name of the layer; a unique one is generated by default.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or ``(batch_size, channels, steps)`` with
        ``"channels_first"``.

    Output shape:
        ``(batch_size, pooled_steps, channels)`` (or the channels-first equivalent), where an axis of size ``n`` gives
        ``(n - pool_size) // strides + 1`` outputs with ``"valid"`` and ``ceil(n / strides)`` with
        ``"same"``.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``pool_size``/``strides``, an unknown ``padding``, or inputs too
            small for one window.

    Example:
        y = keras.layers.MaxPooling1D(2)(np.ones((2, 6, 3)))   # (2, 3, 3)
        y = keras.layers.MaxPooling1D(2, strides=1, padding="same")(np.ones((2, 6, 3)))   # (2, 6, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class MaxPooling2D(BasePooling):
    """2D max pooling: the maximum over each window of ``pool_size`` positions.

    Downsamples images by keeping the largest value of each channel in every window. With
    ``"same"`` padding the padded positions never win the max. Integer and boolean inputs keep their
    dtype. ``keras.layers.MaxPool2D`` is the same class.

    Args:
        pool_size: integer or tuple of two integers, the window size; defaults to ``(2, 2)``. One integer is
            used for every axis.
        strides: integer or tuple of two integers, the step between windows; ``None`` (the default)
            uses ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` (the default; windows stay inside the input) or ``"same"`` (the input is
            padded so that an axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        name: optional name of the layer; a unique one is generated by default.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, pooled_height, pooled_width, channels)`` (or the channels-first equivalent), where an
        axis of size ``n`` gives ``(n - pool_size) // strides + 1`` outputs with ``"valid"`` and
        ``ceil(n / strides)`` with ``"same"``.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``pool_size``/``strides``, an unknown ``padding``, or inputs too
            small for one window.

    Example:
        y = keras.layers.MaxPooling2D((2, 2))(np.ones((2, 8, 8, 3)))   # (2, 4, 4, 3)
        y = keras.layers.MaxPooling2D(3, strides=2, padding="same")(np.ones((2, 7, 7, 3)))   # (2, 4, 4, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class MaxPooling3D(BasePooling):
    """3D max pooling: the maximum over each window of ``pool_size`` positions.

    Downsamples volumes by keeping the largest value of each channel in every window. With
    ``"same"`` padding the padded positions never win the max. Integer and boolean inputs keep their
    dtype. ``keras.layers.MaxPool3D`` is the same class.

    Args:
        pool_size: integer or tuple of three integers, the window size; defaults to ``(2, 2, 2)``. One integer
            is used for every axis.
        strides: integer or tuple of three integers, the step between windows; ``None`` (the default)
            uses ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` (the default; windows stay inside the input) or ``"same"`` (the input is
            padded so that an axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, depth, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, depth, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        name: optional name of the layer; a unique one is generated by default.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, depth, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, depth, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, pooled_depth, pooled_height, pooled_width, channels)`` (or the channels-first
        equivalent), where an axis of size ``n`` gives ``(n - pool_size) // strides + 1`` outputs with
        ``"valid"`` and ``ceil(n / strides)`` with ``"same"``.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``pool_size``/``strides``, an unknown ``padding``, or inputs too
            small for one window.

    Example:
        y = keras.layers.MaxPooling3D()(np.ones((1, 4, 4, 4, 2)))   # (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class AveragePooling1D(BasePooling):
    """1D average pooling: the mean over each window of ``pool_size`` steps.

    Downsamples a sequence by averaging each channel over every window. With ``"same"`` padding a
    window that overlaps the border is averaged over its real (unpadded) elements only, as in
    Keras/TensorFlow. Integer inputs are cast to the compute dtype. ``keras.layers.AvgPool1D`` is the
    same class.

    Args:
        pool_size: integer or tuple of one integer, the window size; defaults to 2.
        strides: integer or tuple of one integer, the step between windows; ``None`` (the default)
            uses ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` (the default; windows stay inside the input) or ``"same"`` (the input is
            padded so that an axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, steps)``). ``None`` uses ``keras.config.image_data_format()``.
        name: optional name of the layer; a unique one is generated by default.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or ``(batch_size, channels, steps)`` with
        ``"channels_first"``.

    Output shape:
        ``(batch_size, pooled_steps, channels)`` (or the channels-first equivalent), where an axis of size ``n`` gives
        ``(n - pool_size) // strides + 1`` outputs with ``"valid"`` and ``ceil(n / strides)`` with
        ``"same"``.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``pool_size``/``strides``, an unknown ``padding``, or inputs too
            small for one window.

    Example:
        y = keras.layers.AveragePooling1D(2)(np.ones((2, 6, 3)))   # (2, 3, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class AveragePooling2D(BasePooling):
    """2D average pooling: the mean over each window of ``pool_size`` positions.

    Downsamples images by averaging each channel over every window. With ``"same"`` padding a
    window that overlaps the border is averaged over its real (unpadded) elements only, as in
    Keras/TensorFlow. Integer inputs are cast to the compute dtype. ``keras.layers.AvgPool2D`` is the
    same class.

    Args:
        pool_size: integer or tuple of two integers, the window size; defaults to ``(2, 2)``. One integer is
            used for every axis.
        strides: integer or tuple of two integers, the step between windows; ``None`` (the default)
            uses ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` (the default; windows stay inside the input) or ``"same"`` (the input is
            padded so that an axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        name: optional name of the layer; a unique one is generated by default.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, pooled_height, pooled_width, channels)`` (or the channels-first equivalent), where an
        axis of size ``n`` gives ``(n - pool_size) // strides + 1`` outputs with ``"valid"`` and
        ``ceil(n / strides)`` with ``"same"``.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``pool_size``/``strides``, an unknown ``padding``, or inputs too
            small for one window.

    Example:
        y = keras.layers.AveragePooling2D()(np.ones((2, 8, 8, 3)))   # (2, 4, 4, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


class AveragePooling3D(BasePooling):
    """3D average pooling: the mean over each window of ``pool_size`` positions.

    Downsamples volumes by averaging each channel over every window. With ``"same"`` padding a
    window that overlaps the border is averaged over its real (unpadded) elements only, as in
    Keras/TensorFlow. Integer inputs are cast to the compute dtype. ``keras.layers.AvgPool3D`` is the
    same class.

    Args:
        pool_size: integer or tuple of three integers, the window size; defaults to ``(2, 2, 2)``. One integer
            is used for every axis.
        strides: integer or tuple of three integers, the step between windows; ``None`` (the default)
            uses ``pool_size`` (non-overlapping windows).
        padding: ``"valid"`` (the default; windows stay inside the input) or ``"same"`` (the input is
            padded so that an axis of size ``n`` gives ``ceil(n / strides)`` outputs). Case-insensitive.
        data_format: ``"channels_last"`` (inputs ``(batch, depth, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, depth, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        name: optional name of the layer; a unique one is generated by default.
        **kwargs: other base layer arguments (``dtype``, ...).

    Input shape:
        ``(batch_size, depth, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, depth, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, pooled_depth, pooled_height, pooled_width, channels)`` (or the channels-first
        equivalent), where an axis of size ``n`` gives ``(n - pool_size) // strides + 1`` outputs with
        ``"valid"`` and ``ceil(n / strides)`` with ``"same"``.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``pool_size``/``strides``, an unknown ``padding``, or inputs too
            small for one window.

    Example:
        y = keras.layers.AveragePooling3D(2)(np.ones((1, 4, 4, 4, 2)))   # (1, 2, 2, 2, 2)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average", padding=padding,
                         data_format=data_format, name=name, **kwargs)


# --- global pooling --------------------------------------------------------------------------

class BaseGlobalPooling(Layer):
    """Shared global pooling: reduces all spatial axes."""

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.rank = pool_dimensions
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def _axes(self):
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * self.rank
        return (input_shape[0], input_shape[1])

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = inputs.dtype
        if jnp.issubdtype(jnp.dtype(dtype), jnp.floating) or self._mode == "average":
            dtype = self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class _GlobalMax(BaseGlobalPooling):
    _mode = "max"

    def call(self, inputs):
        return jnp.max(inputs, axis=self._axes(), keepdims=self.keepdims)


class _GlobalAverage(BaseGlobalPooling):
    _mode = "average"

    def call(self, inputs):
        return jnp.mean(_floating(inputs, self.compute_dtype), axis=self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    """Global 1D max pooling: the maximum of each channel over the steps axis.

    ``keras.layers.GlobalMaxPool1D`` is the same class.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, steps)``). ``None`` uses ``keras.config.image_data_format()``.
        keepdims: if ``True``, the reduced axes are kept with size 1; if ``False`` (the default) they
            are removed.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or ``(batch_size, channels, steps)`` with
        ``"channels_first"``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` ``(batch_size, 1, channels)`` (channels last) or
        ``(batch_size, channels, 1)`` (channels first).

    Call arguments:
        inputs: the input tensor.

    Example:
        y = keras.layers.GlobalMaxPooling1D()(np.ones((2, 5, 3)))   # (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalMaxPooling2D(_GlobalMax):
    """Global 2D max pooling: the maximum of each channel over the height and width axes.

    ``keras.layers.GlobalMaxPool2D`` is the same class.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        keepdims: if ``True``, the reduced axes are kept with size 1; if ``False`` (the default) they
            are removed.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` ``(batch_size, 1, 1, channels)`` (channels last) or
        ``(batch_size, channels, 1, 1)`` (channels first).

    Call arguments:
        inputs: the input tensor.

    Example:
        y = keras.layers.GlobalMaxPooling2D()(np.ones((2, 4, 4, 3)))   # (2, 3)
        y = keras.layers.GlobalMaxPooling2D(keepdims=True)(np.ones((2, 4, 4, 3)))   # (2, 1, 1, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    """Global 3D max pooling: the maximum of each channel over the depth, height and width axes.

    ``keras.layers.GlobalMaxPool3D`` is the same class.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, depth, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, depth, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        keepdims: if ``True``, the reduced axes are kept with size 1; if ``False`` (the default) they
            are removed.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, depth, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, depth, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` ``(batch_size, 1, 1, 1, channels)`` (channels last) or
        ``(batch_size, channels, 1, 1, 1)`` (channels first).

    Call arguments:
        inputs: the input tensor.

    Example:
        y = keras.layers.GlobalMaxPooling3D()(np.ones((2, 3, 3, 3, 4)))   # (2, 4)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalAveragePooling1D(_GlobalAverage):
    """Global 1D average pooling: the mean of each channel over the steps axis.

    With a mask, the mean runs over the unmasked steps only, and no mask is passed on.
    ``keras.layers.GlobalAvgPool1D`` is the same class. Integer inputs are cast to the compute dtype.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, steps, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, steps)``). ``None`` uses ``keras.config.image_data_format()``.
        keepdims: if ``True``, the reduced axes are kept with size 1; if ``False`` (the default) they
            are removed.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, steps, channels)`` with ``"channels_last"``, or ``(batch_size, channels, steps)`` with
        ``"channels_first"``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` ``(batch_size, 1, channels)`` (channels last) or
        ``(batch_size, channels, 1)`` (channels first).

    Call arguments:
        inputs: the input tensor.
        mask: optional boolean ``(batch_size, steps)`` tensor; ``False`` steps are left out of the mean.

    Example:
        x = np.ones((2, 3, 4)); mask = np.array([[1, 1, 0], [1, 0, 0]], bool)
        y = keras.layers.GlobalAveragePooling1D()(x, mask=mask)   # (2, 4)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        x = _floating(inputs, self.compute_dtype)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        m = jnp.expand_dims(jnp.asarray(mask).astype(bool), 2 if self.data_format == "channels_last" else 1)
        total = jnp.sum(jnp.where(m, x, jnp.zeros((), x.dtype)), axis=steps_axis, keepdims=self.keepdims)
        count = jnp.sum(m.astype(x.dtype), axis=steps_axis, keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs, previous_mask=None):
        return None


class GlobalAveragePooling2D(_GlobalAverage):
    """Global 2D average pooling: the mean of each channel over the height and width axes.

    ``keras.layers.GlobalAvgPool2D`` is the same class. Integer inputs are cast to the compute dtype.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        keepdims: if ``True``, the reduced axes are kept with size 1; if ``False`` (the default) they
            are removed.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` ``(batch_size, 1, 1, channels)`` (channels last) or
        ``(batch_size, channels, 1, 1)`` (channels first).

    Call arguments:
        inputs: the input tensor.

    Example:
        y = keras.layers.GlobalAveragePooling2D()(np.ones((2, 4, 4, 3)))   # (2, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    """Global 3D average pooling: the mean of each channel over the depth, height and width axes.

    ``keras.layers.GlobalAvgPool3D`` is the same class. Integer inputs are cast to the compute dtype.

    Args:
        data_format: ``"channels_last"`` (inputs ``(batch, depth, height, width, channels)``) or ``"channels_first"``
            (inputs ``(batch, channels, depth, height, width)``). ``None`` uses ``keras.config.image_data_format()``.
        keepdims: if ``True``, the reduced axes are kept with size 1; if ``False`` (the default) they
            are removed.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, depth, height, width, channels)`` with ``"channels_last"``, or
        ``(batch_size, channels, depth, height, width)`` with ``"channels_first"``.

    Output shape:
        ``(batch_size, channels)``; with ``keepdims=True`` ``(batch_size, 1, 1, 1, channels)`` (channels last) or
        ``(batch_size, channels, 1, 1, 1)`` (channels first).

    Call arguments:
        inputs: the input tensor.

    Example:
        y = keras.layers.GlobalAveragePooling3D()(np.ones((2, 3, 3, 3, 4)))   # (2, 4)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


# Keras aliases (the same classes).
MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D",
]
