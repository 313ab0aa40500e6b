"""Lamb, as Keras 3 (Adam's direction rescaled per variable by a layer-wise trust ratio)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Lamb(Optimizer):
    """Lamb (You et al., 2019): Adam whose step for each variable is rescaled so that its size is
    proportional to the size of the variable, which keeps very large batches stable.

    Per step ``t`` and variable ``w`` (after decoupled weight decay, if any):
    ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``,
    ``u = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)``, then
    ``w -= r * lr * u`` with the trust ratio ``r = ||w|| / ||u||`` (``r = 1`` when either norm is 0).
    Unlike ``optax.lamb``, ``epsilon`` is added outside the square root and weight decay is
    decoupled (``w -= w * weight_decay * lr`` before the step), as in Keras.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`, or a callable
            of the step. Defaults to ``0.001``.
        beta_1: decay rate of the first-moment estimate. Defaults to ``0.9``.
        beta_2: decay rate of the second-moment estimate. Defaults to ``0.999``.
        epsilon: small constant added to the denominator. Defaults to ``1e-7``.
        weight_decay: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        clipnorm: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        clipvalue: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        global_clipnorm: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        use_ema: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        ema_momentum: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        ema_overwrite_frequency: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        loss_scale_factor: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        gradient_accumulation_steps: as for every Keras optimizer (see `keras.optimizers.Optimizer`).
        name: as for every Keras optimizer (see `keras.optimizers.Optimizer`).

    Its variables (Keras's names) are ``iteration``, ``learning_rate`` and, per trainable
    variable, ``<path>_momentum`` and ``<path>_velocity``.

    Example:

    ```python
    opt = keras.optimizers.Lamb(learning_rate=1e-3, weight_decay=0.01)
    model.compile(optimizer=opt, loss="mse")
    ```
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
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

    _needs_params = True  # the trust ratio reads the weights

    def _slot_names(self):
        return ("momentum", "velocity")

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = p.dtype
        t = step.astype(dtype)
        beta_1 = jnp.asarray(self.beta_1, dtype)
        beta_2 = jnp.asarray(self.beta_2, dtype)
        m = slots[0] + (g - slots[0]) * (1 - beta_1)
        v = slots[1] + (jnp.square(g) - slots[1]) * (1 - beta_2)
        m_hat = m / (1 - jnp.power(beta_1, t))
        v_hat = v / (1 - jnp.power(beta_2, t))
        direction = m_hat / (jnp.sqrt(v_hat) + jnp.asarray(self.epsilon, dtype))
        w_norm = jnp.sqrt(jnp.sum(jnp.square(p)))
        u_norm = jnp.sqrt(jnp.sum(jnp.square(direction)))
        safe_u = jnp.where(u_norm > 0, u_norm, jnp.ones_like(u_norm))
        ratio = jnp.where((w_norm > 0) & (u_norm > 0), w_norm / safe_u, jnp.ones_like(w_norm))
        return -(ratio * lr * direction), (m, v)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
