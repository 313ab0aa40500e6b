"""Adagrad, as Keras 3 (accumulator starts at ``initial_accumulator_value``; eps inside sqrt)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad optimizer: per-parameter rates that shrink with the sum of past squared gradients (Duchi et al., 2011).

    ``accumulator += g**2``; ``w -= lr * g / sqrt(accumulator + epsilon)``. Parameters that get
    large or frequent gradients take smaller steps.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        initial_accumulator_value: Non-negative starting value of every ``accumulator`` entry.
            Defaults to ``0.1``.
        epsilon: Small constant added inside the square root. Defaults to ``1e-7``.
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
        name: Name of the optimizer; ``None`` (default) derives a unique one from the class name. It
            prefixes the optimizer's variables.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.Adagrad(learning_rate=0.01, initial_accumulator_value=0.1)
    ```
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _slot_names(self):
        return ("accumulator",)

    def _init_slot(self, name, param):
        return jnp.full_like(param, self.initial_accumulator_value)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        accumulator = slots[0] + jnp.square(g)
        delta = -((lr * g) / jnp.sqrt(accumulator + jnp.asarray(self.epsilon, g.dtype)))
        return delta, (accumulator,)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
