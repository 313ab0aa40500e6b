"""SGD with optional (Nesterov) momentum, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent (with momentum) optimizer.

    ``w -= lr * g`` when ``momentum == 0``; otherwise ``velocity = momentum * velocity - lr * g``
    and ``w += velocity`` (Nesterov: ``w += momentum * velocity - lr * g``).

    Example:

    ```python
    opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    ```
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="SGD", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def _slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def _update_leaf(self, g, p, slots, lr, step, extra):
        if self.momentum == 0:
            return -(g * lr), ()
        momentum = jnp.asarray(self.momentum, g.dtype)
        m = slots[0] * momentum - g * lr
        if self.nesterov:
            return m * momentum - g * lr, (m,)
        return m, (m,)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
