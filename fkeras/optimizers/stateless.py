"""Keras 3's stateless and eager optimizer API over ``tx.init`` / ``tx.update``.

``optimizer.build(var_list)`` makes the optimizer hold a state for a list of variables, one
``_StateVariable`` handle per leaf of the optax state (``optimizer.variables``). On top of it:

- ``stateless_apply(optimizer_variables, grads, trainable_variables)``: the pure, jittable update
  of Keras's JAX custom-loop guide, over the flat lists of values;
- ``apply(grads, variables)`` / ``apply_gradients(grads_and_vars)``: the eager update, writing the
  new values into the variables and the handles;
- ``set_weights`` / ``get_weights``, ``scale_loss``, ``finalize_variable_values`` and the moving
  average of the weights (``use_ema=True``).

A wrapper (``LossScaleOptimizer``, ``MultiOptimizer``) shares the slice of its handles that holds an
inner optimizer's state with that optimizer (``_adopt_state``), as Keras lists an inner optimizer's
variables among the wrapper's.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fkeras.optimizers.hyperparams import _find_state, _locate_counts, _replace_first
from fkeras.optimizers.transforms import EMAState
from fkeras.optimizers.variables import _StateVariable, _value_of


class StatelessAPI:
    """Mixin of ``Optimizer``: ``build``, ``stateless_apply``, ``apply``, ``apply_gradients`` and friends."""

    def build(self, var_list: Iterable[Any]) -> None:
        """Create the optimizer's state for ``var_list`` (Keras 3's custom-loop API); nothing happens
        when it is built already.

        Args:
            var_list: the variables the optimizer will update (objects with ``.value``, such as
                ``model.trainable_variables``, or plain arrays), in the order ``stateless_apply`` and
                ``apply`` take their gradients.
        """
        if self.built:
            return
        var_list = list(var_list)
        values = [_value_of(v) for v in var_list]
        self._set_variable_info(var_list)
        state = self.tx.init(values)
        held = self._held_state_as_list(var_list, state)  # what fit or a loaded file left, if over these
        if held is not None:
            state = held
            self._held_state = self._held_items = None  # the handles hold it from now on
        state = self._write_hyperparams(state)
        with_paths, treedef = jax.tree_util.tree_flatten_with_path(state)
        self._adopt_state(
            [_StateVariable(leaf, name=f"{self.name}{jax.tree_util.keystr(path)}") for path, leaf in with_paths],
            treedef)

    def _set_variable_info(self, var_list: Sequence[Any]) -> None:
        """Record the model variables the update runs over (order, identity, weight-decay flags)."""
        self._trainable_variables = list(var_list)
        self._trainable_ids = {id(v): i for i, v in enumerate(self._trainable_variables)}
        self._var_decay_flags = [self._use_weight_decay(v) for v in self._trainable_variables]

    def _locate_counts(self, treedef) -> list[tuple[int, bool]]:
        """``[(leaf index, per_update)]``: where the step counters sit among the flat state leaves
        (``per_update``: counts applied updates, not calls, under gradient accumulation)."""
        return _locate_counts(treedef)

    def _adopt_state(self, handles: Sequence[Any], treedef) -> None:
        """Make ``handles`` (one per leaf of a state with structure ``treedef``) this optimizer's
        ``variables``; a wrapper shares a slice of its own handles with the optimizer it wraps."""
        pending = self.__dict__.get("_iterations_value", 0)
        self._state_treedef = treedef
        self._variables = list(handles)
        self._count_positions = self._locate_counts(treedef)
        self.built = True
        if pending:
            self._iterations = pending  # counted before the build (restored, or trained by fit)

    def _sync_lr_handle(self) -> None:
        """Write a changed learning rate into the handles' state."""
        self._write_handles(self._write_hyperparams(self._state_from_handles()))

    def _write_handles(self, state: optax.OptState) -> None:
        """Write ``state`` (over the built list of variables) into the handles, leaf by leaf."""
        for h, v in zip(self._variables, jax.tree_util.tree_leaves(state)):
            h.assign(v)

    def _state_from_handles(self, values: Sequence[Any] | None = None) -> optax.OptState:
        if values is None:
            values = [h.value for h in self._variables]
        return jax.tree_util.tree_unflatten(self._state_treedef, list(values))

    def _check_grads(self, grads):
        missing = [i for i, g in enumerate(grads) if g is None]
        if missing:
            raise ValueError(
                f"Received None gradients for variables at positions {missing}. fkeras optimizers "
                "update every variable they were built with; pass zeros, or build the optimizer "
                "on the variables that do receive gradients."
            )

    def _pure_apply(self, optimizer_variables: Sequence[jax.Array], grads: Sequence[jax.Array],
                    trainable_values: Sequence[jax.Array]) -> tuple[list[jax.Array], list[jax.Array]]:
        state = self._state_from_handles(optimizer_variables)
        grads = [jnp.asarray(g) for g in grads]
        params = [jnp.asarray(p) for p in trainable_values]
        updates, new_state = self.tx.update(grads, state, params)
        new_params = optax.apply_updates(params, updates)
        return list(new_params), jax.tree_util.tree_leaves(new_state)

    def stateless_apply(self, optimizer_variables: Sequence[Any], grads: Sequence[Any],
                        trainable_variables: Sequence[Any]) -> tuple[list[jax.Array], list[jax.Array]]:
        """Pure, jittable update (Keras 3's JAX custom-loop API).

        Args:
            optimizer_variables: the values of ``optimizer.variables`` (one per handle, in order).
            grads: one gradient per variable the optimizer was built with, in that order.
            trainable_variables: the current values of those variables.

        Returns:
            ``(new_trainable_values, new_optimizer_variables)``, two lists of arrays.

        Raises:
            ValueError: if the optimizer is not built, a list has the wrong length, or a gradient
                is None.

        Example:

        ```python
        opt.build(params)
        opt_vars = [v.value for v in opt.variables]
        params, opt_vars = jax.jit(opt.stateless_apply)(opt_vars, grads, params)
        ```
        """
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {self.__class__.__name__} must be built (i.e. its "
                "variables must have been created). You can build it via "
                "`optimizer.build(trainable_variables)`."
            )
        if len(optimizer_variables) != len(self._variables):
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                f"{self.__class__.__name__}().variables. Received list with length "
                f"{len(optimizer_variables)}, but expected {len(self._variables)} variables."
            )
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                "Argument `trainable_variables` must be a list of tensors corresponding 1:1 to "
                "the trainable variables list that the optimizer was built with. Received "
                f"len(trainable_variables) == {len(trainable_variables)} whereas the optimizer "
                f"was built with {len(self._trainable_variables)} variables."
            )
        grads = list(grads)
        if len(grads) != len(self._trainable_variables):
            raise ValueError(
                f"Expected {len(self._trainable_variables)} gradients (one per trainable "
                f"variable), received {len(grads)}."
            )
        self._check_grads(grads)
        return self._pure_apply(
            [_value_of(v) for v in optimizer_variables], grads,
            [_value_of(v) for v in trainable_variables],
        )

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Any] | None = None) -> None:
        """Eager update: applies ``grads`` to the variables in place (``.assign``), building the
        optimizer on ``trainable_variables`` the first time.

        Args:
            grads: one gradient per variable.
            trainable_variables: the variables (with ``.assign``) the gradients are for, any order
                of the list the optimizer was built with; None: that list.
        """
        grads = list(grads)
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            for v in trainable_variables:
                if id(v) not in self._trainable_ids:
                    raise ValueError(
                        f"Unknown variable: {v}. This optimizer can only be called for the "
                        "variables it was originally built with. When working with a new set of "
                        "variables, you should recreate a new optimizer instance."
                    )
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"Received {len(grads)} gradients for {len(trainable_variables)} variables."
            )
        for v in trainable_variables:
            if not hasattr(v, "assign"):
                raise TypeError(
                    "`apply()` updates variables in place and needs objects with `.assign()`; "
                    f"received {type(v).__name__}. For plain arrays use `stateless_apply`."
                )
        self._check_grads(grads)
        # Order grads like the built variable list (callers may pass a permutation).
        ordered = [None] * len(self._trainable_variables)
        for g, v in zip(grads, trainable_variables):
            ordered[self._trainable_ids[id(v)]] = g
        if any(g is None for g in ordered):
            raise ValueError(
                "`apply()` needs a gradient for every variable the optimizer was built with."
            )
        state = self._write_hyperparams(self._state_from_handles())
        opt_values = jax.tree_util.tree_leaves(state)
        if self._jit_apply is None:
            self._jit_apply = jax.jit(self._pure_apply)
        new_params, new_opt = self._jit_apply(
            opt_values, ordered, [_value_of(v) for v in self._trainable_variables]
        )
        for h, v in zip(self._variables, new_opt):
            h.assign(v)
        for var, value in zip(self._trainable_variables, new_params):
            var.assign(value)
            constraint = getattr(var, "constraint", None)
            if constraint is not None:
                var.assign(constraint(_value_of(var)))
        if self._raw_count_index() is None:
            self._iterations += 1  # a raw optax state without a counter we know: count here

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> int:
        """Eager update from ``[(grad, variable), ...]`` (``apply`` with the pairs split).

        Args:
            grads_and_vars: ``(gradient, variable)`` pairs.

        Returns:
            The raw count of update calls so far.
        """
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:
            return self._iterations
        grads, variables = zip(*grads_and_vars)
        self.apply(list(grads), list(variables))
        return self._iterations

    def scale_loss(self, loss: Any) -> Any:
        """Multiply the loss by ``loss_scale_factor`` (if set) before taking gradients."""
        if self.loss_scale_factor is not None:
            return loss * self.loss_scale_factor
        return loss

    def finalize_variable_values(self, var_list: Sequence[Any]) -> None:
        """With ``use_ema=True``, overwrite ``var_list`` by their moving averages."""
        if not self.use_ema or not self.built:
            return
        average = self._ema_average(self._state_from_handles())
        if len(var_list) != len(average):
            raise ValueError(
                f"The length of model variables ({len(var_list)}) to override does not match the "
                f"length of model variables stored in the optimizer ({len(average)})."
            )
        for var, avg in zip(var_list, average):
            var.assign(avg)

    def _ema_average(self, opt_state: optax.OptState) -> Any:
        """The moving average of the weights held in ``opt_state`` (``use_ema=True``), a pytree
        like the params; a trainer writes it into the model at the end of ``fit``."""
        ema = _find_state(opt_state, EMAState)
        if ema is None:
            raise ValueError(f"Optimizer {self.name!r} keeps no moving average (use_ema=False).")
        return ema.average

    def _replace_ema_average(self, opt_state: optax.OptState, average: Any) -> optax.OptState:
        """``opt_state`` with the moving average of the weights (``use_ema=True``) replaced by
        ``average`` (a pytree like the params); used to swap EMA weights in and out."""
        new_state, found = _replace_first(opt_state, lambda s: isinstance(s, EMAState),
                                          lambda s: s._replace(average=average))
        if not found:
            raise ValueError(f"Optimizer {self.name!r} keeps no moving average (use_ema=False).")
        return new_state

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set the optimizer's state from a list of arrays (one per ``variables`` entry)."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(np.shape(weight)):
                raise ValueError(
                    f"Optimizer variable {variable.name} has shape {variable.shape} not compatible "
                    f"with provided weight shape {tuple(np.shape(weight))}."
                )
            variable.assign(weight)

    def get_weights(self) -> list[np.ndarray]:
        """The values of the handles of ``build`` as numpy arrays."""
        return [v.numpy() for v in self._variables]
