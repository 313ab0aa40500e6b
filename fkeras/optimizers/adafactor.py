"""Adafactor, as Keras 3 (factored second moments over the last two axes)."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.optimizers.base import Optimizer


def _rms(x):
    return jnp.sqrt(jnp.mean(jnp.square(x)))


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018): sublinear-memory adaptive rates.

    Example:

    ```python
    opt = Adafactor(learning_rate=0.01)
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
