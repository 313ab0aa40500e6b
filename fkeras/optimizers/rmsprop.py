"""RMSprop, as Keras 3 (epsilon inside the square root; lr inside the momentum buffer)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSprop optimizer: divide the gradient by a running root mean square of recent gradients.

    ``velocity = rho * velocity + (1 - rho) * g**2``;
    ``increment = lr * g / sqrt(velocity + epsilon)`` (centered:
    ``sqrt(velocity - average_grad**2 + epsilon)``); with momentum,
    ``momentum_buf = momentum * momentum_buf + increment`` and ``w -= momentum_buf``, otherwise
    ``w -= increment``.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        rho: Decay rate of the running average of squared gradients. Defaults to ``0.9``.
        momentum: Momentum factor; ``0.0`` (default) uses no momentum.
        epsilon: Small constant added inside the square root. Defaults to ``1e-7``.
        centered: Whether to normalise by the estimated variance (subtracting the squared running
            mean of the gradients) instead of the uncentered second moment; it can help training at
            some extra cost. Defaults to ``False``.
        weight_decay: Optional float. When set, decoupled weight decay shrinks every variable before
            each update, ``w -= w * weight_decay * learning_rate`` (see
            ``exclude_from_weight_decay``). ``None`` (default) disables it.
        clipnorm: Optional float; each variable's gradient is rescaled so that its own L2 norm is at
            most this value.
        clipvalue: Optional float; every gradient entry is clipped to ``[-clipvalue, clipvalue]``.
        global_clipnorm: Optional float; all gradients are rescaled together so that their joint L2
            norm is at most this value. At most one of ``clipnorm``, ``clipvalue`` and
            ``global_clipnorm`` may be set.
        use_ema: Whether to keep an exponential moving average of the weights (``EMA``). Defaults to
            ``False``.
        ema_momentum: Float in ``[0, 1]``, the momentum of that average: after each step
            ``average = ema_momentum * average + (1 - ema_momentum) * w``. Only used with
            ``use_ema``. Defaults to ``0.99``.
        ema_overwrite_frequency: Optional integer >= 1; with ``use_ema``, every this many steps the
            weights are replaced by their moving average. ``None`` (default) leaves that to
            ``finalize_variable_values`` (called at the end of ``fit``).
        loss_scale_factor: Optional float. ``scale_loss`` multiplies the loss by it and the
            gradients are divided by it before the update, a static loss scale for mixed precision.
            ``None`` (default) means no scaling.
        gradient_accumulation_steps: Optional integer >= 2. The variables are then updated only
            every this many steps, with the mean of the gradients gathered since the last update.
            ``None`` (default) updates every step.
        name: Name of the optimizer, used as the prefix of its variables. Defaults to ``"rmsprop"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.RMSprop(learning_rate=1e-3, momentum=0.9, centered=True)
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
