"""Nadam, as Keras 3 (Dozat's momentum schedule with the running ``u_product`` cache)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum.

    With ``u_t = beta_1 * (1 - 0.5 * 0.96**t)`` and ``u_product`` the running product of the
    ``u_t``: ``m_hat = u_{t+1} * m / (1 - u_product * u_{t+1}) + (1 - u_t) * g / (1 - u_product)``,
    ``v_hat = v / (1 - beta_2**t)``, ``w -= lr * m_hat / (sqrt(v_hat) + epsilon)``.

    Example:

    ```python
    opt = Nadam(learning_rate=2e-3)
    ```
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="nadam", **kwargs):
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
        return ("momentum", "velocity")

    def _init_extra(self, param_leaves):
        dtype = param_leaves[0].dtype if param_leaves else jnp.float32
        return {"u_product": jnp.ones([], dtype)}

    def _update_extra(self, extra, step):
        u = extra["u_product"]
        dtype = u.dtype
        factor = jnp.asarray(self.beta_1, dtype) * (
            1.0 - 0.5 * jnp.power(jnp.asarray(0.96, dtype), step.astype(dtype)))
        return {"u_product": u * factor}

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        t = step.astype(dtype)
        decay = jnp.asarray(0.96, dtype)
        beta_1 = jnp.asarray(self.beta_1, dtype)
        beta_2 = jnp.asarray(self.beta_2, dtype)
        u_t = beta_1 * (1.0 - 0.5 * jnp.power(decay, t))
        u_t_1 = beta_1 * (1.0 - 0.5 * jnp.power(decay, t + 1))
        u_product_t = extra["u_product"].astype(dtype)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = jnp.power(beta_2, t)
        m = slots[0] + (g - slots[0]) * (1 - beta_1)
        v = slots[1] + (jnp.square(g) - slots[1]) * (1 - beta_2)
        m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * g) / (1 - u_product_t)
        v_hat = v / (1 - beta_2_power)
        delta = -((m_hat * lr) / (jnp.sqrt(v_hat) + jnp.asarray(self.epsilon, dtype)))
        return delta, (m, v)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
