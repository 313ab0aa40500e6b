"""Adafactor, as Keras 3 (factored second moments over the last two axes)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


class Adafactor(Optimizer):
    """Adafactor optimizer: adaptive rates with factored second moments, using sublinear memory (Shazeer & Stern, 2018).

    For a variable of rank >= 2 only row and column averages of the squared gradient are kept (the
    slots ``r`` and ``c``) and the second moment is their outer product; lower-rank variables keep a
    full ``velocity``. At step ``t`` the decay is ``1 - t**beta_2_decay``, the step size is
    ``max(epsilon_2, rms(w)) * min(lr, 1 / sqrt(t))``, and the normalised update ``g / sqrt(v)`` is
    scaled down when its RMS exceeds ``clip_threshold``.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        beta_2_decay: Exponent of the second-moment decay schedule ``1 - t**beta_2_decay``. Defaults
            to ``-0.8``.
        epsilon_1: Small constant added to the squared gradients. Defaults to ``1e-30``.
        epsilon_2: Lower bound of the variable's RMS in the relative step size. Defaults to
            ``1e-3``.
        clip_threshold: Maximum RMS of the normalised update before it is scaled down. Defaults to
            ``1.0``.
        relative_step: Whether the step size is relative to the variable's RMS and capped by
            ``1 / sqrt(t)`` (stored in the config for Keras compatibility; the update always uses
            the relative, capped step). Defaults to ``True``.
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
            ``"adafactor"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.Adafactor(learning_rate=0.01)
    ```
    """

    _needs_params = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="adafactor", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _slot_names(self):
        return ("r", "c", "velocity")

    def _init_slot(self, name, param):
        shape = tuple(param.shape)
        if name == "velocity":
            return jnp.zeros_like(param)
        if len(shape) < 2:  # not factored: a scalar placeholder, as Keras
            return jnp.zeros([], param.dtype)
        if name == "r":
            return jnp.zeros(shape[:-1], param.dtype)
        return jnp.zeros(shape[:-2] + (shape[-1],), param.dtype)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        r, c, v = slots
        t = step.astype(dtype)
        one = jnp.asarray(1.0, dtype)
        # (Keras also applies min(lr, 1/sqrt(t)) for relative_step; rho_t below subsumes it.)
        rho_t = jnp.minimum(lr, 1 / jnp.sqrt(t))
        alpha_t = jnp.maximum(jnp.asarray(self.epsilon_2, dtype), _rms(p)) * rho_t
        regulated_grad_square = jnp.square(g) + jnp.asarray(self.epsilon_1, dtype)
        beta_2_t = 1 - jnp.power(t, jnp.asarray(self.beta_2_decay, dtype))
        if g.ndim >= 2:
            r = beta_2_t * r + (1 - beta_2_t) * jnp.mean(regulated_grad_square, axis=-1)
            c = beta_2_t * c + (1 - beta_2_t) * jnp.mean(regulated_grad_square, axis=-2)
            v = jnp.expand_dims(r / jnp.mean(r, axis=-1, keepdims=True), -1) * jnp.expand_dims(c, -2)
        else:
            v = beta_2_t * v + (1 - beta_2_t) * regulated_grad_square
        u_t = g / jnp.sqrt(v)
        u_t_hat = u_t / jnp.maximum(one, _rms(u_t) / jnp.asarray(self.clip_threshold, dtype))
        return -(alpha_t * u_t_hat), (r, c, v)

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config
