"""RMSprop, as Keras 3 (epsilon inside the square root; lr inside the momentum buffer)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running RMS of recent gradients.

    ``velocity = rho * velocity + (1 - rho) * g**2``; ``increment = lr * g / sqrt(velocity + eps)``
    (centered: ``sqrt(velocity - average_grad**2 + eps)``); with momentum,
    ``momentum_buf = momentum * momentum_buf + increment`` and ``w -= momentum_buf``.

    Example:

    ```python
    opt = RMSprop(learning_rate=1e-3, momentum=0.9, centered=True)
    ```
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="rmsprop",
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _slot_names(self):
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        rho = jnp.asarray(self.rho, dtype)
        one_minus_rho = jnp.asarray(1 - self.rho, dtype)
        eps = jnp.asarray(self.epsilon, dtype)
        slots = list(slots)
        velocity = rho * slots[0] + one_minus_rho * jnp.square(g)
        new = [velocity]
        k = 1
        momentum_buf = None
        if self.momentum > 0:
            momentum_buf = slots[k]
            k += 1
        if self.centered:
            average_grad = rho * slots[k] + one_minus_rho * g
            denominator = velocity - jnp.square(average_grad) + eps
        else:
            denominator = velocity + eps
        increment = (lr * g) / jnp.sqrt(denominator)
        if self.momentum > 0:
            momentum_buf = jnp.asarray(self.momentum, dtype) * momentum_buf + increment
            new.append(momentum_buf)
            delta = -momentum_buf
        else:
            delta = -increment
        if self.centered:
            new.append(average_grad)
        return delta, tuple(new)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
