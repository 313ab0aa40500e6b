"""Adamax, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm.

    ``m += (g - m) * (1 - beta_1)``; ``u = max(beta_2 * u, |g|)``;
    ``w -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.

    Example:

    ```python
    opt = Adamax(learning_rate=0.002)
    ```
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adamax", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _slot_names(self):
        return ("momentum", "norm")

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        beta_1_power = jnp.power(jnp.asarray(self.beta_1, dtype), step.astype(dtype))
        m = slots[0] + (g - slots[0]) * jnp.asarray(1 - self.beta_1, dtype)
        u = jnp.maximum(jnp.asarray(self.beta_2, dtype) * slots[1], jnp.abs(g))
        delta = -((lr * m) / ((1 - beta_1_power) * (u + jnp.asarray(self.epsilon, dtype))))
        return delta, (m, u)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
