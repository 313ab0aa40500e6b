"""UpSampling1D/2D/3D: repeat the spatial axes (nearest or bilinear for 2D).
``data_format`` defaults to ``keras.config.image_data_format()``."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.layers.convolutional import standardize_tuple
from fkeras.layers.reshaping import _int_arg, _known, _ShapeSpecMixin, _spatial_axes
from fkeras.utils.naming import unknown_identifier_error

_INTERPOLATIONS = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic",
                   "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


class UpSampling1D(_ShapeSpecMixin, Layer):
    """Repeats each time step ``size`` times.

    Args:
        size: How many times each time step is repeated, a positive int. Defaults to 2.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        keras.layers.UpSampling1D(size=2)(np.ones((2, 3, 4))).shape   # (2, 6, 4)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = _int_arg(f"UpSampling1D {self.name!r}", "size", size)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def call(self, inputs):
        return jnp.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        n = _known(input_shape[1])
        return (input_shape[0], None if n is None else n * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class UpSampling2D(_ShapeSpecMixin, Layer):
    """Upsamples rows and columns by ``size``: ``"nearest"`` repeats pixels; ``"bilinear"`` (and
    ``"bicubic"``, ``"lanczos3"``, ``"lanczos5"``) resample with half-pixel centers, as
    ``keras.ops.image.resize`` / ``jax.image.resize``.

    Args:
        size: an integer or a pair of integers ``(rows, cols)``, the upsampling factors; defaults to
            ``(2, 2)``.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        interpolation: ``"nearest"`` (the default), ``"bilinear"``, ``"bicubic"``, ``"lanczos3"`` or
            ``"lanczos5"`` (case-insensitive). Non-nearest modes cast integer inputs to the compute
            dtype.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, rows, cols, channels)`` or, channels first, ``(batch_size, channels, rows, cols)``.

    Output shape:
        The same layout with ``rows * size[0]`` rows and ``cols * size[1]`` columns.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``size`` or an unknown ``interpolation``.

    Example:
        keras.layers.UpSampling2D(size=(2, 3))(np.ones((1, 2, 2, 1))).shape   # (1, 4, 6, 1)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        where = f"UpSampling2D {self.name!r}"
        self.data_format = backend_config.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size", where=where)
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise unknown_identifier_error("interpolation", interpolation, list(_INTERPOLATIONS))
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        axes = _spatial_axes(self.data_format, 2)
        if self.interpolation == "nearest":
            x = jnp.repeat(inputs, self.size[0], axis=axes[0])
            return jnp.repeat(x, self.size[1], axis=axes[1])
        x = inputs if jnp.issubdtype(inputs.dtype, jnp.floating) else inputs.astype(self.compute_dtype)
        shape = list(x.shape)
        for ax, f in zip(axes, self.size):
            shape[ax] = shape[ax] * f
        return jax.image.resize(x, tuple(shape), method=_INTERPOLATIONS[self.interpolation],
                                antialias=False).astype(x.dtype)

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for ax, f in zip(_spatial_axes(self.data_format, 2), self.size):
            n = _known(out[ax])
            out[ax] = None if n is None else n * f
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config


class UpSampling3D(_ShapeSpecMixin, Layer):
    """Repeats the three spatial axes of volumes ``size`` times each (nearest neighbour).

    Args:
        size: an integer or a triple of integers, the repeat factor per spatial axis; defaults to
            ``(2, 2, 2)``.
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, dim1, dim2, dim3, channels)`` or, channels first,
        ``(batch_size, channels, dim1, dim2, dim3)``.

    Output shape:
        The same layout with each spatial size multiplied by its factor.

    Call arguments:
        inputs: the input tensor.

    Raises:
        ValueError: for a malformed ``size``.

    Example:
        keras.layers.UpSampling3D(size=2)(np.ones((1, 2, 2, 2, 3))).shape   # (1, 4, 4, 4, 3)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size", where=f"UpSampling3D {self.name!r}")
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def call(self, inputs):
        x = inputs
        for ax, f in zip(_spatial_axes(self.data_format, 3), self.size):
            x = jnp.repeat(x, f, axis=ax)
        return x

    def compute_output_shape(self, input_shape):
        out = list(input_shape)
        for ax, f in zip(_spatial_axes(self.data_format, 3), self.size):
            n = _known(out[ax])
            out[ax] = None if n is None else n * f
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
