"""FTRL-Proximal, as Keras 3."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal optimizer: Follow The Regularized Leader with L1/L2 penalties (McMahan et al., 2013).

    Per variable it keeps an ``accumulator`` of squared gradients ``n`` and a ``linear`` term ``z``:
    ``n_new = n + g**2``; ``z += g' - (n_new**-p - n**-p) / lr * w`` with
    ``g' = g + 2 * l2_shrinkage * w`` and ``p = learning_rate_power``; then
    ``w = (clip(z, -l1, l1) - z) / (n_new**-p / lr + 2 * l2)``, which sets weights exactly to zero
    when ``|z| <= l1``. Suited to large sparse linear models.

    Args:
        learning_rate: A float, a ``keras.optimizers.schedules.LearningRateSchedule``, or a callable
            of the step count returning the rate. Defaults to ``0.001``.
        learning_rate_power: Non-positive float controlling how the rate decays with the accumulated
            squared gradients; ``-0.5`` (default) is the paper's ``1 / sqrt(n)``, ``0`` keeps it
            fixed.
        initial_accumulator_value: Non-negative starting value of the accumulators. Defaults to
            ``0.1``.
        l1_regularization_strength: Non-negative L1 penalty; larger values give sparser weights.
            Defaults to ``0.0``.
        l2_regularization_strength: Non-negative L2 penalty (stabilisation of the solution).
            Defaults to ``0.0``.
        l2_shrinkage_regularization_strength: Non-negative L2 penalty added to the gradient itself
            (a magnitude penalty, unlike the stabilising ``l2_regularization_strength``). Defaults
            to ``0.0``.
        beta: Float; adds ``beta / (2 * lr)`` to the L2 strength (the paper's beta). Defaults to
            ``0.0``.
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
        name: Name of the optimizer, used as the prefix of its variables. Defaults to ``"ftrl"``.
        **kwargs: Only the deprecated ``decay`` is accepted (and ignored, with a warning); anything
            else raises ``ValueError``.

    Raises:
        ValueError: If ``learning_rate_power`` is positive or any accumulator or regularization
            value is negative; or if more than one clipping argument is set, ``ema_momentum`` or
            ``ema_overwrite_frequency`` is out of range, ``gradient_accumulation_steps`` is not an
            integer >= 2, or an unknown keyword argument is given.

    Example:

    ```python
    opt = keras.optimizers.Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    ```
    """

    _needs_params = True

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="ftrl", **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        checks = {
            "initial_accumulator_value": (initial_accumulator_value, "positive or zero", lambda x: x >= 0),
            "learning_rate_power": (learning_rate_power, "negative or zero", lambda x: x <= 0),
            "l1_regularization_strength": (l1_regularization_strength, "positive or zero", lambda x: x >= 0),
            "l2_regularization_strength": (l2_regularization_strength, "positive or zero", lambda x: x >= 0),
            "l2_shrinkage_regularization_strength": (
                l2_shrinkage_regularization_strength, "positive or zero", lambda x: x >= 0),
        }
        for arg, (value, what, ok) in checks.items():
            if not ok(value):
                raise ValueError(f"`{arg}` needs to be {what}. Received: {arg}={value}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _slot_names(self):
        return ("accumulator", "linear")

    def _init_slot(self, name, param):
        if name == "accumulator":
            return jnp.full_like(param, self.initial_accumulator_value)
        return jnp.zeros_like(param)

    def _update_leaf(self, g, p, slots, lr, step, extra):
        dtype = g.dtype
        accum, linear = slots
        power = jnp.asarray(-self.learning_rate_power, dtype)
        l2_reg = self.l2_regularization_strength + self.beta / (2.0 * lr)
        grad_to_use = g + 2 * jnp.asarray(self.l2_shrinkage_regularization_strength, dtype) * p
        new_accum = accum + jnp.square(g)
        linear = linear + (grad_to_use - ((jnp.power(new_accum, power) - jnp.power(accum, power)) / lr) * p)
        quadratic = jnp.power(new_accum, power) / lr + 2 * l2_reg
        l1 = jnp.asarray(self.l1_regularization_strength, dtype)
        linear_clipped = jnp.clip(linear, -l1, l1)
        new_p = (linear_clipped - linear) / quadratic
        return new_p - p, (new_accum, linear)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
