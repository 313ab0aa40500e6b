"""Adagrad, as Keras 3 (accumulator starts at ``initial_accumulator_value``; eps inside sqrt)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad: per-parameter rates shrinking with the sum of squared gradients.

    ``accumulator += g**2``; ``w -= lr * g / sqrt(accumulator + epsilon)``.

    Example:

    ```python
    opt = Adagrad(learning_rate=0.01, initial_accumulator_value=0.1)
    ```
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_names(self):
        return ("accumulator",)

    def _init_slot(self, name, param):
        return jnp.full_like(param, self.initial_accumulator_value)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        accumulator = slots[0] + jnp.square(g)
        delta = -((lr * g) / jnp.sqrt(accumulator + jnp.asarray(self.epsilon, g.dtype)))
        return delta, (accumulator,)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
