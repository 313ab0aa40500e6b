"""Adadelta, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adadelta(Optimizer):
    """Adadelta optimizer: per-dimension rates from running averages of gradients and updates (Zeiler, 2012).

    ``acc_g = rho * acc_g + (1 - rho) * g**2``;
    ``delta = -sqrt(acc_delta + eps) * g / sqrt(acc_g + eps)``;
    ``acc_delta = rho * acc_delta + (1 - rho) * delta**2``; ``w += lr * delta``. The paper uses no
    learning rate (``lr = 1``); Keras keeps one, so ``learning_rate=1.0`` reproduces the original.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        rho: Decay rate of both running averages. Defaults to ``0.95``.
        epsilon: Small constant that keeps the square roots away from zero (and starts the first
            updates). Defaults to ``1e-7``.
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
        name: Name of the optimizer, used as the prefix of its variables. Defaults to
            ``"adadelta"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95)
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
