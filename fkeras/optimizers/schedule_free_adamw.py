"""Schedule-Free AdamW, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fkeras.optimizers.base import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW (Defazio et al., 2024): no learning-rate decay schedule is needed,
    because the weights are an interpolation between a fast sequence ``z`` (where the
    Adam-normalised gradient steps land) and its running average ``x``.

    Per step ``t`` (with ``lr`` ramped linearly over the first ``warmup_steps`` steps), for a
    weight ``y`` (after decoupled weight decay, if any) with slots ``z`` (``momentum``, which
    starts equal to the weight) and ``v`` (``velocity``):
    ``v += (g**2 - v) * (1 - beta_2)``, ``z_new = z - lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)``,
    ``x = (y - (1 - beta_1) * z) / beta_1``, ``x_new = (1 - 1/t) * x + z_new / t`` and
    ``y_new = (1 - beta_1) * z_new + beta_1 * x_new``.

    Args:
        learning_rate: a float, a `keras.optimizers.schedules.LearningRateSchedule`, or a callable
            of the step. Defaults to ``0.0025``.
        beta_1: interpolation weight between ``z`` and its average ``x``. Defaults to ``0.9``.
        beta_2: decay rate of the second-moment estimate. Defaults to ``0.999``.
        epsilon: small constant added to the denominator. Defaults to ``1e-8``.
        warmup_steps: number of steps over which the learning rate grows linearly from
            ``lr / warmup_steps`` to ``lr``; ``0`` for none. Defaults to ``0``.
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
    variable, ``<path>_momentum`` (initialised to the variable's value) and ``<path>_velocity``.

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.ScheduleFreeAdamW(learning_rate=0.0025), loss="mse")
    ```
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, (int, np.integer)) or warmup_steps < 0:
            raise ValueError(f"Argument `warmup_steps` must be a non-negative integer. Received: "
                             f"warmup_steps={warmup_steps!r}")
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Argument `beta_1` must be in (0, 1] (the update divides by it). "
                             f"Received: beta_1={beta_1!r}")
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = int(warmup_steps)

    _needs_params = True  # the average x is recovered from the weights

    def _slot_names(self):
        return ("momentum", "velocity")

    def _init_slot(self, name, param):
        if name == "momentum":
            return jnp.array(param, copy=True)  # z starts at the weights
        return jnp.zeros_like(param)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = p.dtype
        t = step.astype(dtype)
        beta_1 = jnp.asarray(self.beta_1, dtype)
        beta_2 = jnp.asarray(self.beta_2, dtype)
        if self.warmup_steps > 0:
            lr = lr * jnp.minimum(t / jnp.asarray(self.warmup_steps, dtype), 1.0)
        z_old, v = slots
        v = v + (jnp.square(g) - v) * (1 - beta_2)
        denom = jnp.sqrt(v / (1 - jnp.power(beta_2, t))) + jnp.asarray(self.epsilon, dtype)
        z = z_old - lr * g / denom
        weight = 1.0 / t
        x_old = (p - (1 - beta_1) * z_old) / beta_1
        x = (1 - weight) * x_old + weight * z
        y = (1 - beta_1) * z + beta_1 * x
        return y - p, (z, v)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
