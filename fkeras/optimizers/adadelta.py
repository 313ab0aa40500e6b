"""Adadelta, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012), with Keras's learning rate on top.

    ``acc_g = rho * acc_g + (1 - rho) * g**2``;
    ``delta = -sqrt(acc_delta + eps) * g / sqrt(acc_g + eps)``;
    ``acc_delta = rho * acc_delta + (1 - rho) * delta**2``; ``w += lr * delta``.

    Example:

    ```python
    opt = Adadelta(learning_rate=1.0, rho=0.95)
    ```
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adadelta", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.rho = rho
        self.epsilon = epsilon

    def _slot_names(self):
        return ("accumulated_grad", "accumulated_delta_var")

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        rho = jnp.asarray(self.rho, dtype)
        one_minus_rho = jnp.asarray(1 - self.rho, dtype)
        eps = jnp.asarray(self.epsilon, dtype)
        acc_g, acc_delta = slots
        acc_g = rho * acc_g + one_minus_rho * jnp.square(g)
        delta_var = -((jnp.sqrt(acc_delta + eps) * g) / jnp.sqrt(acc_g + eps))
        acc_delta = rho * acc_delta + one_minus_rho * jnp.square(delta_var)
        return lr * delta_var, (acc_g, acc_delta)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
