"""``LossScaleOptimizer``: dynamic loss scaling for float16 training, as pure optax state.

The scale and the count of good steps live in the optimizer state (so in the jitted train
step's state, and in the lists that ``stateless_apply`` takes in a custom JAX loop). Each
update divides the gradients by the scale; if any gradient is not finite, the update is
skipped (variables and inner optimizer state unchanged) and the scale halves; after
``dynamic_growth_steps`` finite steps in a row it doubles.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax

from fkeras import optimizers as optimizers_module
from fkeras.optimizers.base import Optimizer


class LossScaleState(NamedTuple):
    scale: Any
    good_steps: Any
    inner: Any


def dynamic_loss_scale(inner: optax.GradientTransformation, initial_scale=2.0 ** 15, growth_steps=2000,
                       dynamic=True):
    """Wrap ``inner``: unscale gradients, skip non-finite steps, adapt the scale."""

    def init(params):
        return LossScaleState(scale=jnp.asarray(initial_scale, jnp.float32), good_steps=jnp.zeros((), jnp.int32),
                              inner=inner.init(params))

    def update(grads, state, params=None):
        grads = jax.tree_util.tree_map(lambda g: (g.astype(jnp.float32) / state.scale).astype(g.dtype), grads)
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in jax.tree_util.tree_leaves(grads)]))
        safe_grads = jax.tree_util.tree_map(lambda g: jnp.where(finite, g, jnp.zeros_like(g)), grads)
        updates, new_inner = inner.update(safe_grads, state.inner, params)
        updates = jax.tree_util.tree_map(lambda u: jnp.where(finite, u, jnp.zeros_like(u)), updates)
        new_inner = jax.tree_util.tree_map(lambda n, o: jnp.where(finite, n, o), new_inner, state.inner)
        if not dynamic:
            return updates, state._replace(inner=new_inner)
        good = jnp.where(finite, state.good_steps + 1, 0)
        grow = good >= growth_steps
        scale = jnp.where(finite, jnp.where(grow, state.scale * 2.0, state.scale), state.scale / 2.0)
        scale = jnp.maximum(scale, 1.0)
        good = jnp.where(grow, 0, good)
        return updates, LossScaleState(scale=scale, good_steps=good, inner=new_inner)

    return optax.GradientTransformation(init, update)


def step_was_applied(old, new):
    """1 if the update from state ``old`` to ``new`` applied the gradients, 0 if it skipped them.

    A finite step either counts a good step or (when the count reached ``growth_steps``) doubles
    the scale; a skipped one zeroes the count and never raises the scale."""
    return jnp.logical_or(new.good_steps > 0, new.scale > old.scale).astype(jnp.int32)


class LossScaleOptimizer(Optimizer):
    """An optimizer that applies dynamic loss scaling around ``inner_optimizer``.

    ``fit`` multiplies the loss by the current scale before differentiating; in a custom
    loop, scale the loss with ``optimizer.scale_loss(loss, optimizer_variables)`` and pass the
    scaled gradients to ``stateless_apply``.

    Example:
        opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.Adam())
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        inner = optimizers_module.get(inner_optimizer)
        if not isinstance(inner, Optimizer):
            raise ValueError(f"LossScaleOptimizer needs a keras optimizer; received {inner_optimizer!r}.")
        if isinstance(inner, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer cannot wrap another LossScaleOptimizer.")
        self.inner_optimizer = inner
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        if self.initial_scale <= 0:
            raise ValueError(f"`initial_scale` must be positive; received {initial_scale}.")
        if self.dynamic_growth_steps < 1:
            raise ValueError(f"`dynamic_growth_steps` must be >= 1; received {dynamic_growth_steps}.")
        super().__init__(learning_rate=inner._learning_rate, name=name or f"loss_scale_{inner.name}", **kwargs)

    # The learning rate is the inner optimizer's.
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def _lr_version(self):
        return self.inner_optimizer._lr_version

    @_lr_version.setter
    def _lr_version(self, value):
        pass  # the base __init__ sets it; the inner optimizer owns the real counter

    @property
    def dynamic_scale(self):
        """The current loss scale: from the optimizer's variables, else the state of the last
        ``fit``/``train_on_batch``, else ``initial_scale``."""
        if self.built:
            return self.current_scale([v.value for v in self.variables])
        state = getattr(self, "_trained_state", None)
        if isinstance(state, LossScaleState):
            return state.scale
        return self.initial_scale

    def _build_tx(self):
        return dynamic_loss_scale(self.inner_optimizer.tx, self.initial_scale, self.dynamic_growth_steps)

    def _write_hyperparams(self, opt_state):
        return opt_state._replace(inner=self.inner_optimizer._write_hyperparams(opt_state.inner))

    def _lr_is_schedule(self):
        return self.inner_optimizer._lr_is_schedule()

    def current_scale(self, opt_state):
        """The loss scale stored in a LossScaleOptimizer state (or its flat variable list)."""
        if isinstance(opt_state, (list, tuple)) and not isinstance(opt_state, LossScaleState):
            opt_state = self._state_from_handles(opt_state)
        return opt_state.scale

    def scale_loss(self, loss, optimizer_variables=None):
        """``loss * scale`` (the scale from ``optimizer_variables`` in a custom loop, else the current one)."""
        if optimizer_variables is not None:
            return loss * self.current_scale(optimizer_variables)
        return loss * self.dynamic_scale

    def get_config(self):
        return {"name": self.name, "inner_optimizer": optimizers_module.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["inner_optimizer"] = optimizers_module.deserialize(config["inner_optimizer"],
                                                                  custom_objects=custom_objects)
        return cls(**config)
