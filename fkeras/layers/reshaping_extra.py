"""Reshaping layers: Permute, RepeatVector, Cropping1D/2D/3D, ZeroPadding1D/2D/3D, UpSampling1D/2D/3D.

(Flatten and Reshape live in ``fkeras.layers.reshaping``.) Keras 3's arguments, defaults and
``get_config`` keys; ``data_format`` defaults to ``keras.config.image_data_format()``.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.convolutional import standardize_tuple
from fkeras.utils.naming import unknown_identifier_error


def _int_arg(where, name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: expected an integer value for `{name}`, got {value!r} "
                        f"of type {type(value).__name__}.")
    if value <= 0:
        raise ValueError(f"{where}: argument `{name}` should be a positive integer. Received: {name}={value}")
    return int(value)


def _known(d):
    return d if isinstance(d, (int, np.integer)) else None


def _pairs(value, n, name, where):
    """``int`` | ``n`` ints | ``n`` pairs  ->  a tuple of ``n`` ``(before, after)`` pairs of ints >= 0."""
    ordinal = ["1st", "2nd", "3rd"]
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        if value < 0:
            raise ValueError(f"{where}: `{name}` cannot be negative. Received: {name}={value}.")
        return tuple((int(value), int(value)) for _ in range(n))
    if hasattr(value, "__len__") and not isinstance(value, str):
        if len(value) != n:
            raise ValueError(f"{where}: `{name}` should have {n} elements. Received: {name}={value!r}.")
        return tuple(standardize_tuple(v, 2, f"{ordinal[i]} entry of {name}", allow_zero=True, where=where)
                     for i, v in enumerate(value))
    raise ValueError(
        f"{where}: `{name}` should be either an int, a tuple of {n} ints, or a tuple of {n} tuples of "
        f"2 ints ((before, after) for each spatial dimension). Received: {name}={value!r}."
    )


class _ShapeSpecMixin:
    """Symbolic outputs from ``compute_output_shape`` (unknown spatial sizes stay ``None``)."""

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = inputs.dtype
        if jnp.issubdtype(jnp.dtype(dtype), jnp.floating) and self.autocast:
            dtype = self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape)), dtype)


def _spatial_axes(data_format, rank):
    return tuple(range(2, 2 + rank)) if data_format == "channels_first" else tuple(range(1, 1 + rank))


# --- Permute / RepeatVector ----------------------------------------------------------------

class Permute(_ShapeSpecMixin, Layer):
    """Permutes the non-batch axes: ``dims`` is a permutation of ``1..rank-1`` (1-based).

    Example:
        keras.layers.Permute((2, 1))(np.ones((4, 10, 64))).shape   # (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            self.dims = tuple(int(d) for d in dims)
        except TypeError:
            raise ValueError(f"Permute: `dims` must be a tuple of ints. Received dims={dims!r}") from None
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                f"must be consecutive and start from 1. Received dims={dims!r}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return jnp.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(_ShapeSpecMixin, Layer):
    """Repeats a ``(batch, features)`` input ``n`` times: ``(batch, n, features)``.

    Example:
        keras.layers.RepeatVector(3)(np.ones((2, 32))).shape   # (2, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = _int_arg(f"RepeatVector {self.name!r}", "n", n)
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return jnp.repeat(jnp.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


# --- Cropping ------------------------------------------------------------------------------

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


# --- ZeroPadding ---------------------------------------------------------------------------

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


# --- UpSampling ----------------------------------------------------------------------------

_INTERPOLATIONS = {"nearest": "nearest", "bilinear": "bilinear", "bicubic": "bicubic",
                   "lanczos3": "lanczos3", "lanczos5": "lanczos5"}


class UpSampling1D(_ShapeSpecMixin, Layer):
    """Repeats each time step ``size`` times.

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
