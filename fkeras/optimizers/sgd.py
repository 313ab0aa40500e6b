"""SGD with optional (Nesterov) momentum, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    ``w -= lr * g`` when ``momentum == 0``; otherwise ``velocity = momentum * velocity - lr * g``
    and ``w += velocity`` (Nesterov: ``w += momentum * velocity - lr * g``).

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.01``.
        momentum: Float >= 0 that accelerates descent along consistent directions and damps
            oscillations; ``0.0`` (default) is plain gradient descent.
        nesterov: Whether to apply Nesterov momentum. Defaults to ``False``.
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
        name: Name of the optimizer, used as the prefix of its variables. Defaults to ``"SGD"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If ``momentum`` is not a number in ``[0, 1]``; or if more than one clipping
            argument is set, ``ema_momentum`` or ``ema_overwrite_frequency`` is out of range,
            ``gradient_accumulation_steps`` is not an integer >= 2, or an unknown keyword argument
            is given.

    Example:

    ```python
    opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
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
