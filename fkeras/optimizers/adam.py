"""Adam and AdamW, as Keras 3 (epsilon added to ``sqrt(v)``, bias correction folded into lr)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam: adaptive first and second moment estimates (Kingma & Ba, 2014).

    Per step ``t``: ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``,
    ``w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)``
    (with ``amsgrad``, ``v`` is replaced by its running maximum).

    Example:

    ```python
    opt = Adam(learning_rate=1e-3, amsgrad=True)
    ```
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adam", **kwargs):
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
        self.amsgrad = amsgrad

    def _slot_names(self):
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        t = step.astype(dtype)
        beta_1_power = jnp.power(jnp.asarray(self.beta_1, dtype), t)
        beta_2_power = jnp.power(jnp.asarray(self.beta_2, dtype), t)
        alpha = lr * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = slots[0] + (g - slots[0]) * jnp.asarray(1 - self.beta_1, dtype)
        v = slots[1] + (jnp.square(g) - slots[1]) * jnp.asarray(1 - self.beta_2, dtype)
        new_slots = (m, v)
        v_used = v
        if self.amsgrad:
            v_hat = jnp.maximum(slots[2], v)
            new_slots = (m, v, v_hat)
            v_used = v_hat
        delta = -((m * alpha) / (jnp.sqrt(v_used) + jnp.asarray(self.epsilon, dtype)))
        return delta, new_slots

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): Adam with
    ``weight_decay=0.004`` by default (``w -= w * weight_decay * lr`` before each update).

    Example:

    ```python
    opt = AdamW(learning_rate=1e-3, weight_decay=0.01)
    opt.exclude_from_weight_decay(var_names=["bias"])
    ```
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adamw", **kwargs):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
