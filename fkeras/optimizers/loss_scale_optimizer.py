"""``LossScaleOptimizer``: dynamic loss scaling for float16 training, as pure optax state.

The scale and the count of finite steps since the last change live in the optimizer state (so in
the jitted train step's state, and in the list that ``stateless_apply`` takes in a custom JAX
loop). Each update divides the gradients by the scale; if any gradient is not finite the update is
skipped (variables and the inner optimizer's state, its step counter included, stay as they were)
and the scale halves; after ``dynamic_growth_steps`` finite steps in a row it doubles.
"""
from __future__ import annotations

import warnings
import weakref
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fkeras.optimizers import keras_variables, training_state
from fkeras.optimizers.base import _UNSET, Optimizer

# Base-optimizer arguments a Keras config of a LossScaleOptimizer may carry (with these values only).
_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
    "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
    "gradient_accumulation_steps": None,
}


class LossScaleState(NamedTuple):
    """State of `dynamic_loss_scale`: the loss ``scale`` (Keras's ``dynamic_scale``), the finite
    steps since it last changed (``good_steps``, Keras's ``step_counter``) and the inner state."""

    scale: Any
    good_steps: Any
    inner: Any


def dynamic_loss_scale(inner: optax.GradientTransformation, initial_scale=2.0 ** 15, growth_steps=2000,
                       dynamic=True):
    """Wrap ``inner`` with dynamic loss scaling.

    Args:
        inner: the optax transformation that receives the unscaled gradients.
        initial_scale: the first loss scale.
        growth_steps: the scale doubles after this many finite steps in a row.
        dynamic: False keeps the scale fixed (non-finite steps are still skipped).

    Returns:
        An ``optax.GradientTransformation`` whose state is a `LossScaleState`. Gradients are divided
        by the current scale; a step with any non-finite gradient returns zero updates, keeps the
        inner state, halves the scale (never below 1) and resets the count.
    """

    def init(params):
        return LossScaleState(scale=jnp.asarray(initial_scale, jnp.float32), good_steps=jnp.zeros((), jnp.int32),
                              inner=inner.init(params))

    def update(grads, state, params=None):
        grads = jax.tree_util.tree_map(lambda g: (g.astype(jnp.float32) / state.scale).astype(g.dtype), grads)
        leaves = jax.tree_util.tree_leaves(grads)
        finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(g)) for g in leaves])) if leaves else jnp.asarray(True)
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
        return updates, LossScaleState(scale=scale, good_steps=good.astype(jnp.int32), inner=new_inner)

    return optax.GradientTransformation(init, update)


def step_was_applied(old, new):
    """1 if the update from state ``old`` to ``new`` applied the gradients, 0 if it skipped them.

    A finite step either counts a good step or (when the count reached ``growth_steps``) doubles
    the scale; a skipped one zeroes the count and never raises the scale."""
    return jnp.logical_or(new.good_steps > 0, new.scale > old.scale).astype(jnp.int32)


class LossScaleOptimizer(Optimizer):
    """Wrap ``inner_optimizer`` with dynamic loss scaling (for ``float16`` training).

    The loss is multiplied by the current scale before differentiating, so that small float16
    gradients do not underflow; the gradients are divided by it again before the inner update.
    A step whose gradients contain ``inf``/``nan`` is skipped (no variable or inner-state
    change, no iteration counted) and halves the scale; ``dynamic_growth_steps`` finite steps in
    a row double it. ``compile`` wraps the optimizer in one automatically under a
    ``mixed_float16`` policy. The scale never drops below 1 (Keras 3 lets it reach 0).

    ``fit`` scales the loss itself. In a custom JAX loop, scale the loss with
    ``optimizer.scale_loss(loss, optimizer_variables)`` and pass the scaled gradients to
    ``stateless_apply``. ``learning_rate`` and ``iterations`` are the inner optimizer's.

    Args:
        inner_optimizer: the `keras.optimizers.Optimizer` to wrap (a name such as ``"adam"`` works
            too). Its ``loss_scale_factor`` is reset to None.
        initial_scale: the first loss scale. Defaults to ``2.0 ** 15``.
        dynamic_growth_steps: finite steps in a row after which the scale doubles. Defaults to ``2000``.
        name: the optimizer's name.
        **kwargs: only the base optimizer arguments at their defaults (as in configs written by
            older Keras versions); anything else is refused.

    Example:

    ```python
    opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(), initial_scale=2.0 ** 15)
    opt.build(model.trainable_variables)
    optimizer_variables = [v.value for v in opt.variables]
    # inside the step: grads of opt.scale_loss(loss, optimizer_variables), then
    # trainable, optimizer_variables = opt.stateless_apply(optimizer_variables, grads, trainable)
    ```
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        from fkeras.optimizers import serialization as optimizers_module

        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` on the "
                                 "`inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        inner = optimizers_module.get(inner_optimizer)
        if not isinstance(inner, Optimizer):
            raise ValueError("Argument `inner_optimizer` must be a Keras optimizer. "
                             f"Received: inner_optimizer={inner_optimizer!r}")
        if isinstance(inner, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer cannot wrap another LossScaleOptimizer.")
        try:
            initial_scale = float(initial_scale)
        except (TypeError, ValueError):
            raise ValueError(f"Argument `initial_scale` must be a positive float. "
                             f"Received: initial_scale={initial_scale!r}") from None
        if not initial_scale > 0:
            raise ValueError(
                f"Argument `initial_scale` must be a positive float. Received: initial_scale={initial_scale}")
        if isinstance(dynamic_growth_steps, bool) or int(dynamic_growth_steps) != dynamic_growth_steps \
                or dynamic_growth_steps < 1:
            raise ValueError("Argument `dynamic_growth_steps` must be an integer >= 1. "
                             f"Received: dynamic_growth_steps={dynamic_growth_steps!r}")
        self.inner_optimizer = inner
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        if inner.loss_scale_factor is not None:
            if inner.built:
                raise ValueError("The inner optimizer of a LossScaleOptimizer must not scale the loss itself "
                                 f"(it was built with loss_scale_factor={inner.loss_scale_factor}).")
            inner.loss_scale_factor = None  # otherwise the gradients would be unscaled twice
            inner._tx = None
        super().__init__(learning_rate=_UNSET, name=name or "loss_scale_optimizer")
        self._wrapped = True
        inner.__dict__["_wrapper_ref"] = weakref.ref(self)  # its Keras variables are views on our state

    # The learning rate and the step count are the inner optimizer's.
    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    lr = learning_rate

    @property
    def _learning_rate(self):
        return self.inner_optimizer._learning_rate

    @_learning_rate.setter
    def _learning_rate(self, value):
        self.inner_optimizer._learning_rate = value

    @property
    def _lr_version(self):
        return self.inner_optimizer._lr_version

    @_lr_version.setter
    def _lr_version(self, value):
        pass  # the base __init__ sets it; the inner optimizer owns the real counter

    @property
    def _model_ref(self):
        return self.__dict__.get("_model_ref_value")

    @_model_ref.setter
    def _model_ref(self, ref):
        # compile() tells the optimizer its model; the inner one reads the variables' paths from it.
        self.__dict__["_model_ref_value"] = ref
        self.inner_optimizer._model_ref = ref

    @property
    def _iterations(self):
        return self.inner_optimizer._iterations

    @_iterations.setter
    def _iterations(self, value):
        if self.__dict__.get("_wrapped"):  # (the base __init__ must not reset the inner count)
            self.inner_optimizer._iterations = value

    @property
    def iterations(self):
        """The inner optimizer's ``iterations`` (skipped steps are not counted)."""
        return self.inner_optimizer.iterations

    def _build_tx(self):
        return dynamic_loss_scale(self.inner_optimizer.tx, self.initial_scale, self.dynamic_growth_steps)

    def _write_hyperparams(self, opt_state):
        return opt_state._replace(inner=self.inner_optimizer._write_hyperparams(opt_state.inner))

    def _lr_is_schedule(self):
        return self.inner_optimizer._lr_is_schedule()

    def _ema_average(self, opt_state):
        return self.inner_optimizer._ema_average(opt_state.inner)

    def _replace_ema_average(self, opt_state, average):
        return opt_state._replace(inner=self.inner_optimizer._replace_ema_average(opt_state.inner, average))

    def _set_variable_info(self, var_list):
        super()._set_variable_info(var_list)
        self.inner_optimizer._set_variable_info(var_list)

    def _adopt_state(self, handles, treedef):
        super()._adopt_state(handles, treedef)
        # The inner optimizer shares the slice of these handles that holds its state, as Keras's
        # LossScaleOptimizer lists the inner optimizer's own variables after its two.
        inner_def = jax.tree_util.tree_structure(self._state_from_handles().inner)
        self.inner_optimizer._adopt_state(self._variables[2:], inner_def)

    @property
    def dynamic_scale(self):
        """The current loss scale: from the optimizer's variables once built, else from the state it
        holds for the model ``fit``/``train_on_batch`` train, else ``initial_scale``."""
        if self.built:
            return float(self.current_scale([v.value for v in self._variables]))
        state = self._held_state
        if isinstance(state, LossScaleState):
            return float(state.scale)
        return self.initial_scale

    def current_scale(self, opt_state):
        """The loss scale held in a LossScaleOptimizer state (or in its flat variable list)."""
        if isinstance(opt_state, (list, tuple)) and not isinstance(opt_state, LossScaleState):
            opt_state = self._state_from_handles([getattr(v, "value", v) for v in opt_state])
        return opt_state.scale

    def scale_loss(self, loss, optimizer_variables=None):
        """``loss * scale``: the scale from ``optimizer_variables`` in a custom loop (inside ``jit``),
        else the current one."""
        if optimizer_variables is not None:
            return loss * self.current_scale(optimizer_variables)
        return loss * self.dynamic_scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    # ---- Keras's variable list ------------------------------------------------------------------
    # Keras 3 lists its own ``iteration`` and ``learning_rate`` (never used: both are the inner
    # optimizer's, so they stay 0), then ``step_counter`` and ``dynamic_scale`` once built, then the
    # inner optimizer's list. Files hold that list under ``optimizer/vars`` and the inner optimizer's
    # own list again under ``optimizer/inner_optimizer/vars``.

    @staticmethod
    def _own_header():
        return [("iteration", np.asarray(0, np.int32)), ("learning_rate", np.asarray(0.0, np.float32))]

    def _parts(self):
        """``(own entries, inner entries)`` of the held state (a fresh one before the first step when
        the model is built; headers only when it is not)."""
        state, items = self._held_state, self._held_items
        if state is None and self._variables:  # built: its handles hold the state
            state, items = self._state_from_handles(), self._built_items()
        if state is None:
            items = self._keras_items()
            if items is None:
                return self._own_header(), keras_variables.header(self.inner_optimizer)
            state = self.tx.init(keras_variables.trainable_tree(items))
        own = self._own_header() + [("step_counter", state.good_steps), ("dynamic_scale", state.scale)]
        return own, keras_variables.entries(self.inner_optimizer, state.inner, items)

    def _keras_entries(self):
        own, inner = self._parts()
        return own + inner

    def _inner_keras_entries(self):
        return self._parts()[1]

    def _keras_variable_entries(self):
        if self._held_state is None:
            if self._trained_model() is None:
                return None
            own, inner = self._own_header(), keras_variables.header(self.inner_optimizer)  # not built yet
        else:
            own, inner = self._parts()
        return [(self.name, n, a) for n, a in own] + [(self.inner_optimizer.name, n, a) for n, a in inner]

    def _inner_keras_variable_entries(self):
        entries = self._keras_variable_entries()
        if entries is None:
            return None
        return entries[len(self._own_header()) + (0 if self._held_state is None else 2):]

    def _held_state_as_list(self, var_list, fresh):
        # The inner optimizer's part goes through its own Keras layout; the scale and count carry over.
        held = self._held_state
        if held is None:
            return None
        inner = training_state.relaid_over_list(self.inner_optimizer, held.inner, self._held_items, var_list,
                                                fresh.inner)
        return None if inner is None else held._replace(inner=inner)

    def _load_keras_arrays(self, arrays):
        arrays = list(arrays)
        inner_header = len(keras_variables.header(self.inner_optimizer))
        if len(arrays) == 2 + inner_header:  # saved before the first step: the two headers only
            return self._load_inner_keras_arrays(arrays[2:])
        if len(arrays) < 4 + inner_header:
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}': the file holds {len(arrays)} "
                          f"variable(s), fewer than its header, step_counter, dynamic_scale and the inner "
                          f"optimizer's header ({4 + inner_header}).", stacklevel=3)
            return False
        return self._load_inner_keras_arrays(arrays[4:], good_steps=arrays[2], scale=arrays[3])

    def _load_inner_keras_arrays(self, arrays, good_steps=None, scale=None):
        """Load the inner optimizer's Keras list ``arrays`` (and, when given, the loss-scale counters)
        into the held state; the scale held so far is kept when the file gives none."""
        built = self._held_state is None and bool(self._variables)  # then its handles hold the state
        items = self._built_items() if built else self._keras_items()
        base = None
        if built:
            base = self._state_from_handles()
        elif items is not None:
            held = self._held_state if self._holds_state_for_items(items) else None
            base = held if held is not None else self.tx.init(keras_variables.trainable_tree(items))
        parsed = keras_variables.read_arrays(self.inner_optimizer, list(arrays), items,
                                             template=None if base is None else base.inner)
        if parsed is None:
            return False
        iterations, lr, inner_state = parsed
        self._iterations = iterations
        if lr is not None:
            self.learning_rate = lr
        if items is None or (inner_state is None and scale is None):
            return True  # counters only
        state = LossScaleState(
            scale=base.scale if scale is None else jnp.asarray(np.asarray(scale), jnp.float32),
            good_steps=base.good_steps if good_steps is None else jnp.asarray(np.asarray(good_steps), jnp.int32),
            inner=base.inner if inner_state is None else inner_state)
        if lr is not None:
            state = self._write_hyperparams(state)
        if built:
            self._write_handles(state)
        else:
            self._keep_training_state(state, items=items)
        return True

    def get_config(self):
        from fkeras.saving import registry

        return {"name": self.name, "inner_optimizer": registry.serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from fkeras.optimizers import serialization as optimizers_module

        config = dict(config)
        inner = config.pop("inner_optimizer")
        if isinstance(inner, dict):
            inner = optimizers_module.deserialize(inner, custom_objects=custom_objects)
        return cls(inner, **config)
