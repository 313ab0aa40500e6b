"""Reshaping layers: Flatten, Reshape (more in the layer library)."""
from __future__ import annotations

import math

import jax.numpy as jnp

from fkeras.backend import config as backend_config
from fkeras.engine.layer import InputSpec, Layer


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
    """Reshapes the non-batch axes to ``target_shape`` (one entry may be -1)."""

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
