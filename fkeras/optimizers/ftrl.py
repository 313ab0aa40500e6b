"""FTRL-Proximal, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Ftrl(Optimizer):
    """Follow The Regularized Leader (McMahan et al., 2013), with L1/L2 and shrinkage.

    Example:

    ```python
    opt = Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    ```
    """

    _needs_params = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="ftrl", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        checks = {
            "initial_accumulator_value": (initial_accumulator_value, "positive or zero", lambda x: x >= 0),
            "learning_rate_power": (learning_rate_power, "negative or zero", lambda x: x <= 0),
            "l1_regularization_strength": (l1_regularization_strength, "positive or zero", lambda x: x >= 0),
            "l2_regularization_strength": (l2_regularization_strength, "positive or zero", lambda x: x >= 0),
            "l2_shrinkage_regularization_strength": (
                l2_shrinkage_regularization_strength, "positive or zero", lambda x: x >= 0),
        }
        for arg, (value, what, ok) in checks.items():
            if not ok(value):
                raise ValueError(f"`{arg}` needs to be {what}. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_names(self):
        return ("accumulator", "linear")

    def _init_slot(self, name, param):
        if name == "accumulator":
            return jnp.full_like(param, self.initial_accumulator_value)
        return jnp.zeros_like(param)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        accum, linear = slots
        power = jnp.asarray(-self.learning_rate_power, dtype)
        l2_reg = self.l2_regularization_strength + self.beta / (2.0 * lr)
        grad_to_use = g + 2 * jnp.asarray(self.l2_shrinkage_regularization_strength, dtype) * p
        new_accum = accum + jnp.square(g)
        linear = linear + (grad_to_use - ((jnp.power(new_accum, power) - jnp.power(accum, power)) / lr) * p)
        quadratic = jnp.power(new_accum, power) / lr + 2 * l2_reg
        l1 = jnp.asarray(self.l1_regularization_strength, dtype)
        linear_clipped = jnp.clip(linear, -l1, l1)
        new_p = (linear_clipped - linear) / quadratic
        return new_p - p, (new_accum, linear)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
