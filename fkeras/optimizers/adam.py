"""Adam and AdamW, as Keras 3 (epsilon added to ``sqrt(v)``, bias correction folded into lr)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam optimizer: adaptive estimates of the first and second moments of the gradient (Kingma & Ba, 2014).

    Per step ``t``: ``m += (g - m) * (1 - beta_1)``, ``v += (g**2 - v) * (1 - beta_2)``,
    ``w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)`` (with ``amsgrad``,
    ``v`` is replaced by its running maximum). The slots are ``momentum`` and ``velocity`` (plus
    ``velocity_hat``) per variable.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        beta_1: Decay rate of the first-moment (mean) estimate. Defaults to ``0.9``.
        beta_2: Decay rate of the second-moment (uncentered variance) estimate. Defaults to
            ``0.999``.
        epsilon: Small constant added to ``sqrt(v)`` for numerical stability (the "epsilon hat" of
            the paper). Defaults to ``1e-7``.
        amsgrad: Whether to use the AMSGrad variant (Reddi et al., 2018), dividing by the running
            maximum of ``v``. Defaults to ``False``.
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
        name: Name of the optimizer, used as the prefix of its variables. Defaults to ``"adam"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.Adam(learning_rate=1e-3, amsgrad=True)
    ```
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adam", **kwargs):
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
        self.amsgrad = amsgrad

    def _slot_names(self):
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        t = step.astype(dtype)
        beta_1_power = jnp.power(jnp.asarray(self.beta_1, dtype), t)
        beta_2_power = jnp.power(jnp.asarray(self.beta_2, dtype), t)
        alpha = lr * jnp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m = slots[0] + (g - slots[0]) * jnp.asarray(1 - self.beta_1, dtype)
        v = slots[1] + (jnp.square(g) - slots[1]) * jnp.asarray(1 - self.beta_2, dtype)
        new_slots = (m, v)
        v_used = v
        if self.amsgrad:
            v_hat = jnp.maximum(slots[2], v)
            new_slots = (m, v, v_hat)
            v_used = v_hat
        delta = -((m * alpha) / (jnp.sqrt(v_used) + jnp.asarray(self.epsilon, dtype)))
        return delta, new_slots

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config


class AdamW(Adam):
    """AdamW optimizer: Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    The Adam update, preceded on every step by ``w -= w * weight_decay * lr`` (not added to the
    gradient, so the decay is not rescaled by the adaptive denominator). Use
    ``exclude_from_weight_decay`` to keep e.g. biases and normalisation scales out of it.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        weight_decay: Float, the decoupled decay rate. Defaults to ``0.004``; ``None`` is refused.
        beta_1: Decay rate of the first-moment (mean) estimate. Defaults to ``0.9``.
        beta_2: Decay rate of the second-moment (uncentered variance) estimate. Defaults to
            ``0.999``.
        epsilon: Small constant added to ``sqrt(v)`` for numerical stability (the "epsilon hat" of
            the paper). Defaults to ``1e-7``.
        amsgrad: Whether to use the AMSGrad variant (Reddi et al., 2018), dividing by the running
            maximum of ``v``. Defaults to ``False``.
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
        name: Name of the optimizer, used as the prefix of its variables. Defaults to ``"adamw"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If ``weight_decay`` is ``None``; or if more than one clipping argument is set,
            ``ema_momentum`` or ``ema_overwrite_frequency`` is out of range,
            ``gradient_accumulation_steps`` is not an integer >= 2, or an unknown keyword argument
            is given.

    Example:

    ```python
    opt = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)
    opt.exclude_from_weight_decay(var_names=["bias"])
    ```
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name="adamw", **kwargs):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
