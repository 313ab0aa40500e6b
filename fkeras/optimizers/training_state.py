"""An optimizer owns its training state (Keras 3's model); the trainer borrows it for a fit.

An optimizer holds a state in one of two forms:

- built with ``optimizer.build(var_list)`` (Keras's custom-loop API, ``stateless``): a state over a
  list of variables, one ``_StateVariable`` handle per leaf of the optax state;
- compiled into a model and trained by ``fit`` / ``train_on_batch``: the optax state over the
  model's trainable variable tree, the tree the jitted step updates. The trainer takes it into its
  ``TrainState`` when a fit starts (``_training_state``: the held state, or a fresh one) and hands
  it back at every epoch end and when training stops (``_keep_training_state``, with the step count,
  which becomes ``iterations``). Between those hand-overs the optimizer's copy is the only one.
  ``compile`` and a change in which variables are trainable drop it (``_reset_training_state``).

``optimizer.variables`` shows the held tree state as Keras does (``keras_variables``: Keras's names
and order) through ``_KerasVariable`` views made here, and ``save_own_variables`` /
``load_own_variables`` (Keras 3's saving hooks, which ``fkeras.saving`` calls) write and read that
same list, so ``.keras`` files move between fkeras and Keras with the optimizer's state.

The optimizer learns which variables the tree state is for from the trainer (the ``items`` passed
with the state) or, before the first step, from the model ``compile`` gave it (``_model_ref``),
through the model's own variable API (``trainable_items``), never through the trainer's internals.
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import jax
import numpy as np
import optax

from fkeras.optimizers import keras_variables
from fkeras.optimizers.variables import _KerasVariable

Items = Sequence[tuple[tuple[str, ...], Any]]  # [(path in the model's variable tree, Variable)]


def trainable_items(model, items: Items | None = None) -> list[tuple[tuple[str, ...], Any]]:
    """``[(path, Variable)]``: ``model``'s trainable variables, each with its path in the model's
    variable tree (``("dense", "kernel")``), in the model's weight order: the leaves of the tree a
    trainer's step updates and a compiled optimizer's tree state mirrors. ``items``: the model's
    ``_variable_items()`` when the caller has them already."""
    trainable_ids = {id(v) for v in model.trainable_weights}
    return [(p, v) for p, v in (model._variable_items() if items is None else items) if id(v) in trainable_ids]


def fresh_state(tx: optax.GradientTransformation, params: Any) -> optax.OptState:
    """``tx.init(params)`` as one compiled program. Run eagerly, each ``zeros_like`` of a new shape
    compiles a small program of its own (about 40 ms each on CPU, before the first step of every
    fit of a new model); under ``jax.jit`` they are one. An ``init`` that cannot be traced (it
    reads parameter values in Python, or returns something that is not an array) runs eagerly."""
    try:
        return jax.jit(tx.init)(params)
    except TypeError:  # jax's tracer errors (concretization, non-array outputs) are TypeErrors
        return tx.init(params)


def relaid_over_list(opt, state: optax.OptState, items: Items, var_list: Sequence[Any],
                     fresh: optax.OptState) -> optax.OptState | None:
    """``opt``'s tree ``state`` over ``items`` re-laid over the list ``var_list`` (the structure of
    ``fresh``), through Keras's flat layout; None unless ``items`` are exactly those variables."""
    held_paths = {id(v): p for p, v in items}
    if len(held_paths) != len(var_list) or any(id(v) not in held_paths for v in var_list):
        return None
    in_list_order = [(held_paths[id(v)], v) for v in var_list]
    arrays = [a for _, a in keras_variables.entries(opt, state, in_list_order)]
    built_items = [((i,), v) for i, v in enumerate(var_list)]
    parsed = keras_variables.read_arrays(opt, arrays, built_items, template=fresh)
    return None if parsed is None else parsed[2]


def _signature(items) -> tuple:
    return tuple((tuple(p), id(v)) for p, v in items)


class TrainingState:
    """Mixin of ``Optimizer``: the tree state it holds for the model it trains, its Keras-style
    ``variables`` and Keras 3's ``save_own_variables`` / ``load_own_variables``."""

    _held_state = None  # the optax state over the trained model's trainable tree, or None
    _held_items = None  # the [(path, Variable)] that state is over

    # ---- the trainer's seam ---------------------------------------------------------------------

    def _training_state(self, items: Items, trainable: Any) -> optax.OptState:
        """The state this optimizer holds for the variables ``items`` (whose current values are the
        tree ``trainable``); a fresh ``tx.init(trainable)`` the first time, or when the state held is
        for other variables. The trainer copies it into its ``TrainState`` when a fit starts."""
        if self._held_state is not None and _signature(self._held_items) == _signature(items):
            return self._held_state
        self._held_items, self._held_state = list(items), None  # (items first: Muon/MultiOptimizer read them)
        self._held_state = fresh_state(self.tx, trainable)
        return self._held_state

    def _keep_training_state(self, opt_state: optax.OptState, step: int | None = None,
                             items: Items | None = None) -> None:
        """Hold ``opt_state`` (over ``items``, or the variables held so far) as this optimizer's state,
        after ``step`` training steps when given (``iterations``). The trainer calls it at every
        epoch end and when training stops; loading a file calls it too."""
        if items is not None:
            self._held_items = list(items)
        self._held_state = opt_state
        if step is not None:
            self._iterations = int(step)

    def _holds_state_for_items(self, items: Items) -> bool:
        """Whether the held tree state is over the variables ``items``."""
        return self._held_state is not None and _signature(self._held_items) == _signature(items)

    def _holds_state_for(self, model) -> bool:
        """Whether the held tree state is over ``model``'s trainable variables (as they are now)."""
        return self._held_state is not None and _signature(self._held_items) == _signature(trainable_items(model))

    def _reset_training_state(self) -> None:
        """Drop the held tree state (``compile``, or a change in which variables are trainable):
        the next step starts from fresh slots. ``iterations`` is kept, as with Keras's ``compile``."""
        self._held_state = self._held_items = None

    # ---- which model, which variables -----------------------------------------------------------

    def _linked_model(self):
        """The model ``compile`` gave this optimizer (a weak reference), or None."""
        ref = getattr(self, "_model_ref", None)
        return ref() if ref is not None else None

    def _trained_model(self):
        """The linked model if this optimizer is (still) that model's optimizer, else None."""
        model = self._linked_model()
        return model if model is not None and getattr(model, "optimizer", None) is self else None

    def _tree_variables(self) -> dict:
        """``{path: Variable}`` for the leaves of the trained model's trainable tree (the variables
        held with the state, else those of the model ``compile`` gave this optimizer); ``{}`` when
        neither is known. Optimizers that pick a rule per variable (Muon, MultiOptimizer) read it."""
        items = self._held_items
        if items is None:
            model = self._linked_model()
            try:
                items = trainable_items(model) if model is not None else []
            except Exception:  # noqa: BLE001 - an unbuilt model: the tree's own paths are used
                items = []
        return {tuple(p): v for p, v in items}

    def _keras_items(self):
        """The variables Keras's list is laid out over: the trained model's (when built), else the
        ones held with the state; None when neither is known (the model is not built)."""
        model = self._trained_model()
        if model is not None and model.built:
            return trainable_items(model)
        return self._held_items

    # ---- Keras's flat list of optimizer variables -----------------------------------------------

    def _wrapper(self):
        """The optimizer that wraps this one (a ``LossScaleOptimizer``), or None. A wrapped
        optimizer's state lives inside its wrapper's; its Keras variables are views on that part."""
        ref = self.__dict__.get("_wrapper_ref")
        return ref() if ref is not None else None

    def _keras_entries(self) -> list[tuple[str, Any]]:
        """Keras's optimizer variables ``[(name, array)]`` of the held tree state: ``iteration``,
        ``learning_rate``, then the slots. Before the first step, the slots of a fresh state (what
        Keras writes for a built optimizer), or only the header when the model is not built."""
        wrapper = self._wrapper()
        if wrapper is not None:
            return wrapper._inner_keras_entries()
        if self._held_state is None and self._variables:  # built: its handles hold the state
            return keras_variables.entries(self, self._state_from_handles(), self._built_items())
        if self._held_state is not None:
            return keras_variables.entries(self, self._held_state, self._held_items)
        items = self._keras_items()
        if items is None:
            return keras_variables.header(self)
        return keras_variables.entries(self, self.tx.init(keras_variables.trainable_tree(items)), items)

    def _load_keras_arrays(self, arrays: Sequence[Any]) -> bool:
        """Load Keras's flat optimizer variables ``arrays`` (iterations, learning rate and, when
        present, the held tree state). A count or shape mismatch warns and loads nothing, as in
        Keras. Returns whether anything was loaded."""
        arrays = list(arrays)
        if not arrays:
            return False
        wrapper = self._wrapper()
        if wrapper is not None:
            return wrapper._load_inner_keras_arrays(arrays)
        if self._held_state is None and self._variables:  # built: load into its handles
            return self._load_into_handles(arrays)
        items = self._keras_items()
        parsed = keras_variables.read_arrays(self, arrays, items)
        if parsed is None:
            return False
        iterations, lr, state = parsed
        self._iterations = iterations
        if lr is not None:
            self.learning_rate = lr
        if state is not None:
            if lr is not None:
                state = self._write_hyperparams(state)
            self._keep_training_state(state, items=items)
        return True

    # ---- a built optimizer (handles over a list of variables) ------------------------------------

    def _built_items(self) -> list:
        """``[((i,), variable)]``: the variables ``build`` was given, keyed by their place in that list
        (the state over them is over a list)."""
        return [((i,), v) for i, v in enumerate(self._trainable_variables)]

    def _load_into_handles(self, arrays: Sequence[Any]) -> bool:
        parsed = keras_variables.read_arrays(self, list(arrays), self._built_items(),
                                             template=self._state_from_handles())
        if parsed is None:
            return False
        iterations, lr, state = parsed
        if lr is not None:
            self.learning_rate = lr
        if state is not None:
            if lr is not None:
                state = self._write_hyperparams(state)
            self._write_handles(state)
        self._iterations = iterations
        return True

    def _held_state_as_list(self, var_list: Sequence[Any], fresh: optax.OptState) -> optax.OptState | None:
        """The held tree state re-laid over ``var_list`` (the structure of ``fresh``, a ``tx.init`` of
        that list), when it is over exactly those variables; else None. ``build`` starts from it, so
        an overridden ``train_step`` trains on from a state that ``fit`` or a loaded file left."""
        if self._held_state is None:
            return None
        return relaid_over_list(self, self._held_state, self._held_items, var_list, fresh)

    def _shows_keras_layout(self) -> bool:
        wrapper = self._wrapper()
        if wrapper is not None:
            return wrapper._shows_keras_layout()
        return self._held_state is not None or self._trained_model() is not None

    def _keras_variable_entries(self) -> list[tuple[str, str, Any]] | None:
        """``[(owner name, variable name, array)]`` that ``variables`` shows for the model this
        optimizer trains (only the header before the first step, as Keras builds its slots then),
        or None when it trains none."""
        wrapper = self._wrapper()
        if wrapper is not None:
            return wrapper._inner_keras_variable_entries()
        if self._held_state is None:
            if self._trained_model() is None:
                return None
            return [(self.name, n, a) for n, a in keras_variables.header(self)]  # Keras has built no slots yet
        return [(self.name, n, a) for n, a in self._keras_entries()]

    @property
    def variables(self) -> list:
        """The optimizer's state as a flat list of handles (``.value``, ``.numpy()``, ``.assign``).

        After ``optimizer.build(...)``: the handles of that state (Keras 3's custom-loop API). For a
        model's optimizer that ``compile``/``fit`` drive: Keras's variables in Keras's order and names
        (``iteration``, ``learning_rate``, then each trainable variable's slots such as
        ``dense_kernel_momentum``; only the first two before the first step), views on the state
        this optimizer holds for the model."""
        if self._variables:
            return self._variables[:]
        entries = self._keras_variable_entries()
        if entries is None:
            return []
        return [_KerasVariable(self, i, name, f"{owner}/{name}", np.shape(a), np.dtype(a.dtype))
                for i, (owner, name, a) in enumerate(entries)]

    # ---- Keras 3's saving hooks -----------------------------------------------------------------

    def save_own_variables(self, store) -> None:
        """Write the optimizer's variables into ``store`` under ``"0"``, ``"1"``, ... (Keras 3's
        saving hook): Keras's list for a model's optimizer (what ``.keras`` files hold), else the
        handles of ``build``."""
        if self._shows_keras_layout():
            arrays = [np.asarray(a) for _, a in self._keras_entries()]
        else:
            arrays = [v.numpy() for v in self._variables]
        for i, value in enumerate(arrays):
            store[str(i)] = value

    def load_own_variables(self, store) -> None:
        """Read the optimizer's variables written by ``save_own_variables`` (or by Keras 3) from
        ``store``. A count or shape mismatch warns and loads nothing, as Keras does."""
        arrays = [store[str(i)] for i in range(len(store.keys()))]
        if self._shows_keras_layout():
            self._load_keras_arrays(arrays)
            return
        if len(arrays) != len(self._variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self._variables)} variables whereas the saved optimizer has {len(arrays)} variables. ")
            if len(self._variables) == 0:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for variable, value in zip(self._variables, arrays):
            variable.assign(value)
