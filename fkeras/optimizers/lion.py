"""Lion, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Lion(Optimizer):
    """Lion optimizer: the sign of an interpolated momentum, found by program search (Chen et al., 2023).

    ``w -= lr * sign(beta_1 * m + (1 - beta_1) * g)``, then ``m = beta_2 * m + (1 - beta_2) * g``.
    Every entry moves by exactly ``lr``, so Lion usually wants a learning rate 3-10x smaller and a
    weight decay 3-10x larger than AdamW.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        beta_1: Interpolation factor between momentum and gradient for the update direction.
            Defaults to ``0.9``.
        beta_2: Decay rate of the momentum ``m``. Defaults to ``0.99``.
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
        name: Name of the optimizer, used as the prefix of its variables. Defaults to ``"lion"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If ``beta_1`` is not in ``(0, 1]``; or if more than one clipping argument is
            set, ``ema_momentum`` or ``ema_overwrite_frequency`` is out of range,
            ``gradient_accumulation_steps`` is not an integer >= 2, or an unknown keyword argument
            is given.

    Example:

    ```python
    opt = keras.optimizers.Lion(learning_rate=1e-4, weight_decay=0.1)
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
