"""``MultiOptimizer`` and ``OptimizerMap``: different optimizers for different variables, as Keras 3.

The MultiOptimizer's optax transformation splits the flat list of variables into one group per
inner optimizer (decided once per parameter structure, from each variable's path), runs each inner
optimizer's transformation on its group, and puts the updates back in place. Its state holds a step
counter and the inner states; ``variables`` lists the counter, then each inner optimizer's
variables (which that optimizer shares, as in Keras).
"""
from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import jax
import jax.numpy as jnp
import optax

from fkeras.optimizers.base import EMAState, Optimizer, _find_state, _path_to_str
from fkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer


class OptimizerMap(MutableMapping):
    """Map variable paths to optimizers: keys are exact paths or regular expressions
    (``re.fullmatch``) such as ``"encoder/.*"``; unmatched paths get ``default_optimizer``.

    Args:
        default_optimizer: the `Optimizer` of every variable no key matches.
        optimizer_map: optional dict ``{path or pattern: Optimizer}``.

    Looking up a key returns the optimizer of the exact key if there is one, else the one
    pattern that fully matches it (a `ValueError` if several do), else the default. Calling the
    map on a variable looks up ``variable.path``.

    Example:

    ```python
    opt_map = keras.optimizers.OptimizerMap(default_optimizer=keras.optimizers.SGD())
    opt_map["encoder/.*"] = keras.optimizers.Adam()
    opt_map["encoder/dense/kernel"].name      # 'adam'
    opt_map["decoder/dense/kernel"].name      # the default SGD's name
    ```
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. Received: {default_optimizer!r}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map!r}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}: patterns {matches} all match it.")
        if matches:
            return self._optimizer_map[matches[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value {self._optimizer_map[key]}. "
                             "Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key!r}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer!r}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        from fkeras.saving import registry

        return {"default_optimizer": registry.serialize_keras_object(self._default_optimizer),
                "optimizer_map": registry.serialize_keras_object(self._optimizer_map)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from fkeras.optimizers import serialization as optimizers_module

        default = optimizers_module.deserialize(config["default_optimizer"], custom_objects=custom_objects)
        mapping = {k: optimizers_module.deserialize(v, custom_objects=custom_objects)
                   for k, v in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class _LeafVariable:
    """Stands in for a variable where only a parameter tree is known (its path and shape)."""

    def __init__(self, path, leaf):
        self.path = path
        self.name = path.rsplit("/", 1)[-1]
        self.shape = tuple(jnp.shape(leaf))
        self.dtype = getattr(leaf, "dtype", None)


@jax.tree_util.register_pytree_with_keys_class
class MultiOptimizerState:
    """State of a MultiOptimizer: its step ``count`` and one state per group (``inner``).

    A pytree of its own kind (not a tuple), so code that searches an optimizer state for one
    optimizer's pieces does not mistake an inner optimizer's state for the whole one."""

    def __init__(self, count, inner, plan):
        self.count = count
        self.inner = tuple(inner)
        self.plan = plan  # (params treedef, ((inner optimizer index, leaf indices), ...)), static

    def tree_flatten_with_keys(self):
        return ((jax.tree_util.GetAttrKey("count"), self.count),
                (jax.tree_util.GetAttrKey("inner"), self.inner)), self.plan

    @classmethod
    def tree_unflatten(cls, plan, children):
        return cls(children[0], children[1], plan)

    def __repr__(self):
        return f"MultiOptimizerState(count={self.count!r}, inner={self.inner!r})"


class MultiOptimizer(Optimizer):
    """Delegate each variable to its own optimizer: an `OptimizerMap` (paths or patterns to
    optimizers, with a default) or a callable ``fn(variable) -> Optimizer``, called once per
    variable when the optimizer is built (or, under ``fit``, when training starts).

    ``learning_rate`` is not defined on a MultiOptimizer (read and set it on the inner optimizers,
    ``optimizer.optimizers``); ``iterations`` counts the MultiOptimizer's own steps. Inner
    optimizers may not be `LossScaleOptimizer`s or MultiOptimizers.

    Args:
        optimizer_map: an `OptimizerMap`, or a callable taking a variable (with ``.path`` and
            ``.shape``) and returning an `Optimizer`.
        loss_scale_factor: overrides the inner optimizers' ``loss_scale_factor``.
        name: the optimizer's name.

    Example:

    ```python
    opt = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(
        default_optimizer=keras.optimizers.SGD(0.1),
        optimizer_map={"sequential/encoder/.*": keras.optimizers.Adam(1e-3)}))
    model.compile(optimizer=opt, loss="mse")
    ```
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not (isinstance(optimizer_map, OptimizerMap) or callable(optimizer_map)):
            raise TypeError("Argument `optimizer_map` must be an OptimizerMap or a callable that returns an "
                            f"Optimizer for a variable. Received: {optimizer_map!r}")
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._plans = {}
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            candidates.append(default)
        for opt in candidates:
            self._add_inner(opt)

    # ---- the inner optimizers -------------------------------------------------------------

    def _add_inner(self, opt):
        if not isinstance(opt, Optimizer):
            raise ValueError(f"The optimizer map returned {opt!r}, which is not a Keras Optimizer.")
        if isinstance(opt, LossScaleOptimizer):
            raise ValueError("LossScaleOptimizer cannot be used inside a MultiOptimizer.")
        if isinstance(opt, MultiOptimizer):
            raise ValueError("MultiOptimizer cannot be used inside a MultiOptimizer.")
        for i, known in enumerate(self._inner_optimizers):
            if known is opt:
                return i
        if opt.loss_scale_factor != self.loss_scale_factor:
            opt.loss_scale_factor = self.loss_scale_factor
            opt._tx = None
        self._inner_optimizers.append(opt)
        return len(self._inner_optimizers) - 1

    @property
    def optimizers(self):
        """The inner optimizers (each once)."""
        return self._inner_optimizers

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self.__dict__["_loss_scale_factor"] = value
        for opt in self.__dict__.get("_inner_optimizers", []):
            opt.loss_scale_factor = value
            opt._tx = None

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the learning rate on "
                             "the individual sub-optimizers (`optimizer.optimizers`) instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        if not callable(value) and float(value) == 0.0:
            return  # Keras's MultiOptimizer keeps a learning_rate variable fixed at 0.0 (a file restores it)
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning rate on the "
                             "individual sub-optimizers (`optimizer.optimizers`) instead.")

    lr = learning_rate

    @property
    def _lr_version(self):
        return sum(opt._lr_version for opt in self.__dict__.get("_inner_optimizers", []))

    @_lr_version.setter
    def _lr_version(self, value):
        pass  # each inner optimizer counts its own learning-rate changes

    def _lr_is_schedule(self):
        return False

    # ---- which variable goes where ---------------------------------------------------------

    def _leaf_variables(self, params):
        """One variable-like object (``.path``, ``.shape``) per leaf of ``params``."""
        with_paths = jax.tree_util.tree_flatten_with_path(params)[0]
        built = self.__dict__.get("_trainable_variables") or []
        if isinstance(params, (list, tuple)) and len(built) == len(with_paths):
            return list(built)
        known = self._tree_variables()  # the trained model's variables by tree path (none: the tree's own paths)
        out = []
        for path, leaf in with_paths:
            key = tuple(_path_to_str((k,)) for k in path)
            var = known.get(key)
            out.append(var if var is not None else _LeafVariable("/".join(key), leaf))
        return out

    def _plan(self, params):
        """``(treedef, groups, variables)`` for this parameter structure (computed once)."""
        treedef = jax.tree_util.tree_structure(params)
        cached = self._plans.get(treedef)
        if cached is not None:
            return cached
        variables = self._leaf_variables(params)
        groups = {}
        for j, var in enumerate(variables):
            groups.setdefault(self._add_inner(self._optimizer_map(var)), []).append(j)
        groups = tuple((i, tuple(idx)) for i, idx in sorted(groups.items()))
        plan = (treedef, groups, variables)
        self._plans[treedef] = plan
        return plan

    def _tell_inner(self, groups, variables):
        for i, idx in groups:
            opt = self._inner_optimizers[i]
            if not opt.built:
                opt._set_variable_info([variables[j] for j in idx])

    # ---- the transformation ------------------------------------------------------------------

    def _build_tx(self):
        def init(params):
            treedef, groups, variables = self._plan(params)
            self._tell_inner(groups, variables)
            leaves = jax.tree_util.tree_leaves(params)
            inner = tuple(self._inner_optimizers[i].tx.init([leaves[j] for j in idx]) for i, idx in groups)
            return MultiOptimizerState(jnp.zeros((), jnp.int32), inner, (treedef, groups))

        def update(grads, state, params=None):
            treedef, groups = state.plan
            self._tell_inner(groups, self._plan_variables(treedef))
            g = treedef.flatten_up_to(grads)
            p = treedef.flatten_up_to(params) if params is not None else None
            out = [None] * len(g)
            new_inner = []
            for (i, idx), inner_state in zip(groups, state.inner):
                sub_p = [p[j] for j in idx] if p is not None else None
                updates, inner_state = self._inner_optimizers[i].tx.update([g[j] for j in idx], inner_state, sub_p)
                for j, u in zip(idx, updates):
                    out[j] = u
                new_inner.append(inner_state)
            return treedef.unflatten(out), MultiOptimizerState(state.count + 1, new_inner, state.plan)

        return optax.GradientTransformation(init, update)

    def _plan_variables(self, treedef):
        plan = self._plans.get(treedef)
        return plan[2] if plan is not None else None

    def _write_hyperparams(self, opt_state):
        treedef, groups = opt_state.plan
        inner = [self._inner_optimizers[i]._write_hyperparams(s) for (i, _), s in zip(groups, opt_state.inner)]
        return MultiOptimizerState(opt_state.count, inner, opt_state.plan)

    def _read_learning_rate(self, opt_state):
        raise AttributeError("A MultiOptimizer has no single learning rate; read it from an inner optimizer.")

    # ---- Keras's stateless / eager API -------------------------------------------------------

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        self._set_variable_info(var_list)
        treedef = jax.tree_util.tree_structure([0] * len(var_list))
        self._plans.pop(treedef, None)  # the real variables decide, not an earlier guess
        super().build(var_list)

    @property
    def _iterations(self):
        return Optimizer._iterations.fget(self)

    @_iterations.setter
    def _iterations(self, value):
        Optimizer._iterations.fset(self, value)
        # Under fit the inner optimizers hold no variables of their own; every step runs each of
        # them once, so their step count is the MultiOptimizer's.
        for opt in self.__dict__.get("_inner_optimizers", []):
            if not opt.built:
                opt._iterations = value

    def _locate_counts(self, treedef):
        return [(0, False)]  # the MultiOptimizer's own counter is its first leaf

    def _adopt_state(self, handles, treedef):
        super()._adopt_state(handles, treedef)
        state = self._state_from_handles()
        variables = self._plan_variables(state.plan[0])
        start = 1
        for (i, idx), inner_state in zip(state.plan[1], state.inner):
            leaves, inner_def = jax.tree_util.tree_flatten(inner_state)
            opt = self._inner_optimizers[i]
            opt._set_variable_info([variables[j] for j in idx])
            opt._adopt_state(self._variables[start:start + len(leaves)], inner_def)
            start += len(leaves)

    def finalize_variable_values(self, var_list):
        """With inner optimizers that keep a moving average (``use_ema=True``), write it into
        their variables of ``var_list``."""
        if not self.built:
            return
        var_list = list(var_list)
        for i, idx in self._state_from_handles().plan[1]:
            opt = self._inner_optimizers[i]
            if opt.use_ema:
                opt.finalize_variable_values([var_list[j] for j in idx])

    def _ema_average(self, opt_state):
        """Like params: the moving average where the variable's optimizer keeps one, else None."""
        treedef, groups = opt_state.plan
        out = [None] * treedef.num_leaves
        found = False
        for (_, idx), inner_state in zip(groups, opt_state.inner):
            ema = _find_state(inner_state, EMAState)
            if ema is not None:
                found = True
                for j, avg in zip(idx, ema.average):
                    out[j] = avg
        if not found:
            raise ValueError(f"No inner optimizer of {self.name!r} keeps a moving average (use_ema=False).")
        return treedef.unflatten(out)

    def _replace_ema_average(self, opt_state, average):
        treedef, groups = opt_state.plan
        leaves = treedef.flatten_up_to(average)
        inner = []
        for (i, idx), inner_state in zip(groups, opt_state.inner):
            if _find_state(inner_state, EMAState) is not None:
                inner_state = self._inner_optimizers[i]._replace_ema_average(inner_state, [leaves[j] for j in idx])
            inner.append(inner_state)
        return MultiOptimizerState(opt_state.count, inner, opt_state.plan)

    # ---- config --------------------------------------------------------------------------------

    def get_config(self):
        from fkeras.saving import registry

        return {"optimizer_map": registry.serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from fkeras.saving import registry

        config = dict(config)
        spec: Any = config["optimizer_map"]
        if isinstance(spec, dict) and spec.get("class_name") == "OptimizerMap":
            # our own class (not a modeling object the registry's allow-list names)
            config["optimizer_map"] = OptimizerMap.from_config(spec.get("config") or {}, custom_objects)
        else:
            config["optimizer_map"] = registry.deserialize_keras_object(spec, custom_objects=custom_objects)
        return cls(**config)
