"""``Masking``: skip timesteps whose features all equal ``mask_value``."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.engine.layer import Layer

__all__ = ["Masking"]


class Masking(Layer):
    """Masks timesteps where every feature equals ``mask_value`` (and zeroes them in the output).

    The mask is ``any(inputs != mask_value, axis=-1)``; downstream layers that support masking
    (RNNs, pooling, losses) skip the masked timesteps.

    Args:
        mask_value: The value that marks a padded timestep (every feature equal to it). Defaults to 0.0.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        x[:, 3, :] = 0.0
        model = keras.Sequential([keras.layers.Masking(mask_value=0.0), keras.layers.LSTM(32)])
        y = model(x)   # timestep 3 is skipped
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config", None):
            from fkeras.saving import registry

            mask_value = registry.deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, previous_mask=None):
        return jnp.any(jnp.not_equal(jnp.asarray(inputs), self.mask_value), axis=-1)

    def call(self, inputs):
        keep = jnp.any(jnp.not_equal(inputs, self.mask_value), axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros((), inputs.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
