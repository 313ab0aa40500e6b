"""Hyperparameter injection and schedule plumbing shared by every optimizer.

``Optimizer.tx`` runs inside ``optax.inject_hyperparams``, so the learning rate is a value in the
optax state (``state.hyperparams["learning_rate"]``) that a callback can change between steps
without re-tracing. This module finds and rewrites that value in any optax state, finds the step
counters a state keeps (so ``iterations`` can be read from and written into a state), turns
Keras's zero-argument schedules into callables of the step, and holds ``LearningRateAndSteps``,
the mixin behind ``optimizer.learning_rate`` / ``optimizer.iterations``.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from fkeras.optimizers.schedules import learning_rate_schedule
from fkeras.optimizers.transforms import EMAState, GradientAccumulationState, KerasOptimizerState
from fkeras.optimizers.variables import _IterationsValue, _LearningRateValue

# ---------------------------------------------------------------------------------------------
# Locating the injected learning rate and the step counters inside any optax state.
# ---------------------------------------------------------------------------------------------


def _children(state):
    """The sub-states a search looks into: tuples (NamedTuples too), lists and dict values."""
    if isinstance(state, (tuple, list)):
        return list(state)
    if isinstance(state, dict):
        return list(state.values())
    return []


def _find_first(state, pred: Callable[[Any], bool]):
    """The first sub-state (depth first, ``state`` itself included) for which ``pred`` holds, or None."""
    if pred(state):
        return state
    for child in _children(state):
        found = _find_first(child, pred)
        if found is not None:
            return found
    return None


def _replace_first(state, pred: Callable[[Any], bool], fn: Callable[[Any], Any]):
    """``(new_state, found)``: ``state`` with its first sub-state ``s`` for which ``pred`` holds
    replaced by ``fn(s)`` (the containers around it rebuilt, everything else kept)."""
    done = [False]

    def rec(s):
        if done[0]:
            return s
        if pred(s):
            done[0] = True
            return fn(s)
        if isinstance(s, tuple) and hasattr(s, "_fields"):
            return type(s)(*[rec(c) for c in s])
        if isinstance(s, (tuple, list)):
            return type(s)(rec(c) for c in s)
        if isinstance(s, dict):
            return {k: rec(v) for k, v in s.items()}
        return s

    new = rec(state)
    return new, done[0]


def _has_lr_hyperparam(s):
    hp = getattr(s, "hyperparams", None)
    return isinstance(hp, dict) and "learning_rate" in hp and hasattr(s, "_replace")


def _find_lr_state(state):
    """The ``inject_hyperparams`` state holding a ``learning_rate`` inside ``state``, or None."""
    return _find_first(state, _has_lr_hyperparam)


def _find_state(state, cls):
    """The first sub-state of ``state`` that is a ``cls`` (e.g. ``EMAState``), or None."""
    return _find_first(state, lambda s: isinstance(s, cls))


def _replace_lr(state, value):
    """``state`` with the first injected ``learning_rate`` set to ``value`` (dtype/shape kept)."""

    def write(s):
        old = s.hyperparams["learning_rate"]
        old_arr = jnp.asarray(old)
        new = jnp.full(old_arr.shape, value, dtype=old_arr.dtype)
        if isinstance(old, jax.Array) and not isinstance(old, jax.core.Tracer):
            new = jax.device_put(new, old.sharding)  # placed as before: no recompile
        return s._replace(hyperparams={**s.hyperparams, "learning_rate": new})

    return _replace_first(state, _has_lr_hyperparam, write)[0]


def _locate_counts(treedef):
    """``[(leaf index, per_update)]``: where the step counters of a state with structure ``treedef``
    sit among its flat leaves (found by unflattening a state of leaf indices). ``per_update``: the
    counter counts applied updates, not calls (they differ under gradient accumulation)."""
    idx = jax.tree_util.tree_unflatten(treedef, list(range(treedef.num_leaves)))
    out = []
    injected = _find_lr_state(idx)
    if injected is not None and isinstance(getattr(injected, "count", None), int):
        out.append((injected.count, False))
        for schedule_state in (getattr(injected, "hyperparams_states", None) or {}).values():
            if isinstance(getattr(schedule_state, "count", None), int):  # the step a schedule is evaluated at
                out.append((schedule_state.count, False))
    for cls, field, per_update in ((GradientAccumulationState, "mini_step", False), (EMAState, "count", False),
                                   (KerasOptimizerState, "count", True)):
        found = _find_state(idx, cls)
        if found is not None and isinstance(getattr(found, field), int):
            out.append((getattr(found, field), per_update))
    return out


def _path_to_str(path):
    """A ``jax.tree_util`` key path as ``"a/b/0"``."""
    parts = []
    for key in path:
        for attr in ("key", "name", "idx"):
            if hasattr(key, attr):
                parts.append(str(getattr(key, attr)))
                break
        else:
            parts.append(str(key))
    return "/".join(parts)


def _as_step_schedule(fn):
    """A Keras zero-argument callable, or a callable of the step, as a callable of the step."""
    if isinstance(fn, learning_rate_schedule.LearningRateSchedule):
        return fn
    try:
        params = [
            p for p in inspect.signature(fn).parameters.values()
            if p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        takes_step = len(params) >= 1 or any(
            p.kind == p.VAR_POSITIONAL for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        takes_step = True
    if takes_step:
        return fn
    return lambda step: fn()


_UNSET = object()  # "no learning rate argument" (wrappers whose learning rate is another optimizer's)

# ---------------------------------------------------------------------------------------------
# The learning rate and the step count of an optimizer.
# ---------------------------------------------------------------------------------------------


class LearningRateAndSteps:
    """``learning_rate`` / ``lr`` and ``iterations`` of an optimizer (Keras 3's names and variable
    API), with the plumbing that writes the Python-side learning rate into an optax state and reads
    the step count from the optimizer's own state once it is built."""

    # ---- learning rate ---------------------------------------------------------------------

    @staticmethod
    def _check_learning_rate(learning_rate: Any) -> float | Callable:
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            return learning_rate
        if callable(learning_rate):
            return learning_rate
        if isinstance(learning_rate, (bool, np.bool_)):
            pass
        elif isinstance(learning_rate, (int, float, np.integer, np.floating)):
            return float(learning_rate)
        elif isinstance(learning_rate, (np.ndarray, jax.Array)) and np.ndim(learning_rate) == 0:
            return float(learning_rate)
        raise ValueError(
            "Argument `learning_rate` should be a float, an instance of LearningRateSchedule, or "
            "a callable (that takes the current iteration value and returns the corresponding "
            f"learning rate value). Received instead: learning_rate={learning_rate!r}"
        )

    def _lr_is_schedule(self) -> bool:
        return callable(self._learning_rate)

    def _get_current_learning_rate(self) -> float:
        lr = self._learning_rate
        if isinstance(lr, learning_rate_schedule.LearningRateSchedule):
            return float(lr(self._iterations))
        if callable(lr):
            return float(_as_step_schedule(lr)(self._iterations))
        return lr

    @property
    def learning_rate(self) -> float:
        """The current learning rate (a float; a schedule is evaluated at the current step). As
        with Keras 3's variable, ``.numpy()`` reads it and ``.assign(v)`` (or
        ``keras.backend.set_value``) sets it."""
        return _LearningRateValue(self._get_current_learning_rate())._bind(self._assign_learning_rate)

    def _assign_learning_rate(self, value):
        self.learning_rate = value

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule) or callable(
            learning_rate
        ):
            # A new schedule changes the transformation (and its state layout): rebuild it.
            if self.built:
                raise TypeError(
                    f"Cannot switch the learning rate of {self.name!r} to a schedule after the "
                    "optimizer is built (its state layout would change); create a new optimizer."
                )
            self._learning_rate = learning_rate
            self._tx = None
            self._jit_apply = None
            self._lr_version += 1
            return
        if self._lr_is_schedule():
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not settable "
                "(learning_rate is a schedule, cannot set it to a float). If you need the learning "
                "rate to be settable, you should instantiate the optimizer with a float "
                f"`learning_rate` argument. Received: learning_rate={learning_rate!r}"
            )
        self._learning_rate = self._check_learning_rate(learning_rate)
        self._lr_version += 1
        if self.built:
            self._sync_lr_handle()

    lr = learning_rate  # Keras's alias.

    def _write_hyperparams(self, opt_state: optax.OptState) -> optax.OptState:
        """``opt_state`` with the Python-side learning rate written into the injected
        hyperparameter (no-op for schedules, which are evaluated inside the transformation)."""
        if self._lr_is_schedule():
            return opt_state
        return _replace_lr(opt_state, self._learning_rate)

    def _read_learning_rate(self, opt_state: optax.OptState) -> jax.Array:
        """The learning rate stored in ``opt_state`` (the one used by the last update for a
        schedule)."""
        found = _find_lr_state(opt_state)
        if found is None:
            raise ValueError(
                f"No injected `learning_rate` hyperparameter found in the optimizer state of {self.name!r}."
            )
        return found.hyperparams["learning_rate"]

    @property
    def _iterations(self) -> int:
        """Raw count of update calls. Once the optimizer is built it is read from the step counter
        among ``variables`` (so values written back into them, as Keras's JAX custom-loop guide
        does after ``stateless_apply``, are what ``iterations`` and a schedule see)."""
        index = self._raw_count_index()
        if index is not None:
            return int(np.asarray(self._variables[index].value))
        return self.__dict__.get("_iterations_value", 0)

    def _raw_count_index(self) -> int | None:
        """Index in ``variables`` of the counter of update calls, or None (not built / unknown)."""
        if not self.__dict__.get("_variables"):
            return None
        for index, per_update in self.__dict__.get("_count_positions") or ():
            if not per_update:
                return index
        return None

    @_iterations.setter
    def _iterations(self, value: int) -> None:
        value = int(value)
        self.__dict__["_iterations_value"] = value
        positions = self.__dict__.get("_count_positions")
        if positions and self._variables:
            steps = self.gradient_accumulation_steps or 1
            for index, per_update in positions:
                self._variables[index].assign(value // steps if per_update else value)

    @property
    def iterations(self) -> int:
        """Number of optimizer steps taken (divided by ``gradient_accumulation_steps`` if set); an
        ``int`` with Keras 3's variable API (``.numpy()``, ``.assign(n)``)."""
        steps = self.gradient_accumulation_steps or 1
        return _IterationsValue(int(self._iterations) // steps)._bind(self._assign_iterations)

    def _assign_iterations(self, value):
        self._iterations = int(value) * (self.gradient_accumulation_steps or 1)
