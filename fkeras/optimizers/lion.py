"""Lion, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Lion(Optimizer):
    """Lion (Chen et al., 2023): sign of an interpolated momentum.

    ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g)``; ``m = beta_2 * m + (1 - beta_2) * g``.

    Example:

    ```python
    opt = Lion(learning_rate=1e-4, weight_decay=0.1)
    ```
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="lion", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )

    def _slot_names(self):
        return ("momentum",)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        beta_1 = jnp.asarray(self.beta_1, dtype)
        beta_2 = jnp.asarray(self.beta_2, dtype)
        m = slots[0]
        delta = -(lr * jnp.sign(m * beta_1 + g * (1.0 - beta_1)))
        return delta, (m * beta_2 + g * (1.0 - beta_2),)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
