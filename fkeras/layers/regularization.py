"""Regularization layers: Dropout (more in the layer library)."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.engine.layer import Layer


class Dropout(Layer):
    """Sets inputs to 0 with probability ``rate`` during training, scaling the rest by ``1/(1-rate)``.

    The mask is drawn from the step's key, folded by layer name and call count, so it differs
    every step (and every replica) and is reproducible after ``keras.utils.set_random_seed``.
    Outside training the layer is the identity, so no rescaling is needed at inference.

    Args:
        rate: float in ``[0, 1]``, the fraction of inputs to drop.
        noise_shape: optional tuple, the shape of the keep/drop mask, broadcast against the input;
            ``None`` entries take the input's size. For example ``(batch, 1, features)`` on
            ``(batch, timesteps, features)`` inputs drops the same features at every timestep.
            ``None`` (the default) draws one value per input element.
        seed: optional integer folded into the layer's random key. The key itself comes from the
            training step (or ``keras.utils.set_random_seed``), so masks differ between steps either
            way; ``seed`` makes two layers draw different, reproducible masks.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Call arguments:
        inputs: the input tensor (any shape).
        training: ``True`` applies the noise; ``False`` (the default) returns the inputs unchanged.
            ``fit`` passes ``True``, ``predict``/``evaluate`` pass ``False``.

    Raises:
        ValueError: if ``rate`` is not a number in ``[0, 1]``.

    Example:
        drop = keras.layers.Dropout(0.5)
        y = drop(np.ones((2, 4)), training=True)   # entries are 0.0 or 2.0
        y = drop(np.ones((2, 4)))                  # unchanged
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate!r}"
            )
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True
        self.built = True

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return inputs.shape
        return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return jnp.zeros_like(inputs)
        key = self.make_rng()
        if self.seed is not None:
            key = jax.random.fold_in(key, self.seed)
        keep = jax.random.bernoulli(key, 1.0 - self.rate, self._noise_shape(inputs))
        return jnp.where(keep, inputs / (1.0 - self.rate), jnp.zeros((), inputs.dtype)).astype(inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape})
        return config
