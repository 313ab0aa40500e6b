"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector (Keras 3's arguments, defaults and
``get_config`` keys), and the argument helpers the cropping, padding and up-sampling layers share.
"""
from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.symbolic import KerasTensor
from fkeras.layers.convolutional import standardize_tuple


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


class Flatten(Layer):
    """Flattens all but the batch axis: ``(B, 4, 4, 8) -> (B, 128)``.

    A ``(batch,)`` input becomes ``(batch, 1)``. With ``"channels_first"`` the channel axis is moved
    last before flattening, so the element order matches a channels-last model and the weights of a
    following ``Dense`` layer carry over between the two layouts.

    Args:
        data_format: ``"channels_last"`` (channels on the last axis) or ``"channels_first"`` (channels
            on axis 1); ``None`` uses ``keras.config.image_data_format()``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, ...)``, rank 1 or more.

    Output shape:
        ``(batch_size, product of the other sizes)``.

    Call arguments:
        inputs: the input tensor.

    Example:
        y = keras.layers.Flatten()(np.ones((2, 4, 4, 8)))   # (2, 128)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = backend_config.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = jnp.moveaxis(x, 1, -1)
        return x.reshape((x.shape[0], -1)) if x.ndim > 1 else x.reshape((x.shape[0], 1))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes the non-batch axes to ``target_shape`` (one entry may be -1).

    Args:
        target_shape: The output shape without the batch axis, a tuple of ints; one entry may be -1 (inferred from
            the input's size).
        **kwargs: Base layer arguments (``name``, ``dtype``...).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, int):
            target_shape = (target_shape,)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError(f"Reshape: there can be at most one unknown dimension (-1) in "
                             f"target_shape; received target_shape={target_shape}.")
        self.target_shape = target_shape
        self.built = True

    def _resolve(self, input_shape):
        known = math.prod(d for d in input_shape[1:]) if all(d is not None for d in input_shape[1:]) else None
        target = list(self.target_shape)
        if known is not None:
            fixed = math.prod(d for d in target if d != -1)
            if -1 in target:
                if fixed == 0 or known % fixed:
                    raise ValueError(
                        f"Layer {self.name!r}: total size of the new array must be unchanged; cannot "
                        f"reshape input shape {tuple(input_shape)} to target_shape {self.target_shape}."
                    )
                target[target.index(-1)] = known // fixed
            elif fixed != known:
                raise ValueError(
                    f"Layer {self.name!r}: total size of the new array must be unchanged; input shape "
                    f"{tuple(input_shape)} has {known} elements per sample, target_shape "
                    f"{self.target_shape} has {fixed}."
                )
        return tuple(target)

    def call(self, inputs):
        from fkeras.engine.layer import display_shape

        target = self._resolve(display_shape(inputs.shape))
        return jnp.reshape(inputs, (inputs.shape[0],) + target)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class Permute(_ShapeSpecMixin, Layer):
    """Permutes the non-batch axes: ``dims`` is a permutation of ``1..rank-1`` (1-based).

    Args:
        dims: A tuple, a permutation of ``1..rank-1`` (axis 0, the batch, is not included): ``(2, 1)`` swaps the
            first two non-batch axes.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

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

    Args:
        n: How many times to repeat the input, a positive int.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

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
