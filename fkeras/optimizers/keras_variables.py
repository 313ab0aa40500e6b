"""Keras 3's flat list of optimizer variables, computed from (and loaded into) an fkeras optax state.

Keras 3 keeps an optimizer's state as a flat list of variables, which is what ``optimizer.variables``
lists and what a ``.keras`` / ``.weights.h5`` file stores under ``optimizer/vars/<i>``:
``iteration``, ``learning_rate`` (absent when the rate is a schedule), then the slots of every
trainable variable, named ``<variable path with _ for />_<slot>`` (``net_dense_kernel_momentum``):
the EMA averages first, then the gradient accumulators, then the update rule's slots in the order
Keras builds them, then the rule's global scalars. fkeras keeps the same numbers in one optax state
tree (``transforms``); ``entries`` lays that tree out in Keras's order and ``read_arrays`` rebuilds
a tree from Keras's list. A raw optax transformation has no Keras layout: its leaves are listed in
tree order (``state_0``, ``state_1``, ...), a layout only fkeras reads back.

``items`` is always ``[(path, Variable)]``: the trainable variables the state is for, keyed by their
path in the model's variable tree (``training_state.trainable_items``).
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.optimizers.hyperparams import _find_state
from fkeras.optimizers.transforms import EMAState, GradientAccumulationState, KerasOptimizerState

Entries = list[tuple[str, Any]]  # [(Keras variable name, array)]


def trainable_tree(items) -> dict:
    """The nested dict of the current values of ``items`` (the tree a trainer's step updates)."""
    tree: dict = {}
    for path, var in items:
        node = tree
        for k in path[:-1]:
            node = node.setdefault(k, {})
        node[path[-1]] = var._value
    return tree


def _get_path(tree, path):
    for k in path:
        tree = tree[k]
    return tree


def slot_groups(opt) -> list:
    """How Keras interleaves the optimizer's per-variable slots (one list of slot names per build call)."""
    names = list(opt._slot_names())
    if type(opt).__name__ == "RMSprop":
        return [[n] for n in names]
    if "velocity_hat" in names:
        rest = [n for n in names if n != "velocity_hat"]
        return [rest, ["velocity_hat"]]
    return [names] if names else []


def _lr_is_variable(opt) -> bool:
    return not callable(getattr(opt, "_learning_rate", None))


def header(opt) -> Entries:
    """``[("iteration", ...), ("learning_rate", ...)]``: the variables every Keras optimizer has
    before it is built (no ``learning_rate`` when the rate is a schedule)."""
    arrays = [("iteration", np.asarray(int(getattr(opt, "_iterations", 0) or 0), np.int32))]
    if _lr_is_variable(opt):
        arrays.append(("learning_rate", np.asarray(opt._learning_rate, np.float32)))
    return arrays


def layout(opt, state, items) -> Entries | None:
    """``[(name, array)]`` of ``state``'s slots in Keras's order (after the header), named as Keras 3
    names them; None when ``state`` holds no Keras update rule (a raw optax transformation)."""
    ks = _find_state(state, KerasOptimizerState)
    if ks is None:
        return None
    out = []
    names = [str(getattr(v, "path", None) or "/".join(p)).replace("/", "_") for p, v in items]
    ema = _find_state(state, EMAState)
    if ema is not None:
        out += [(f"{n}_average", _get_path(ema.average, p)) for n, (p, _) in zip(names, items)]
    acc = _find_state(state, GradientAccumulationState)
    if acc is not None:
        out += [(f"{n}_gradient_accumulator", _get_path(acc.accumulated_gradients, p))
                for n, (p, _) in zip(names, items)]
    slot_index = {s: i for i, s in enumerate(opt._slot_names())}
    for group in slot_groups(opt):
        for n, (p, _) in zip(names, items):
            for s in group:
                out.append((f"{n}_{s}", _get_path(ks.slots[slot_index[s]], p)))
    for k, v in ks.extra.items():
        out.append((k, v))
    return out


def _body(opt, state, items) -> Entries:
    body = layout(opt, state, items)
    if body is None:  # a raw optax transformation: its leaves, in tree order (fkeras-only layout)
        body = [(f"state_{i}", leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(state))]
    return body


def entries(opt, state, items) -> Entries:
    """Keras's optimizer variables ``[(name, array)]`` for ``state`` (trained over ``items``): the
    header, then the slots (arrays left where they live)."""
    return header(opt) + _body(opt, state, items)


def read_arrays(opt, arrays: Sequence[Any], items, template=None) -> tuple[int, float | None, Any] | None:
    """Keras's flat optimizer variables ``arrays`` as ``(iterations, learning_rate, state)`` for ``opt``
    training ``items`` (None: the model is not built yet). ``template``: a state over ``items`` whose
    structure the result takes (default: a fresh ``tx.init`` of the tree ``items`` make).

    ``state`` is None when ``arrays`` hold only the header (saved before the optimizer was built);
    ``learning_rate`` is None when the optimizer's rate is a schedule. A count or shape mismatch warns
    and returns None, as Keras skips loading such an optimizer.
    """
    head = header(opt)
    if len(arrays) < len(head):
        warnings.warn(f"Skipping variable loading for optimizer '{opt.name}': the file holds "
                      f"{len(arrays)} variable(s), fewer than its iteration/learning-rate header.", stacklevel=4)
        return None
    iterations = int(np.asarray(arrays[0]))
    lr = float(np.asarray(arrays[1])) if _lr_is_variable(opt) else None
    expected = None
    raw = False
    if items is not None:
        if template is None:
            template = opt.tx.init(trainable_tree(items))
        expected = layout(opt, template, items)
        raw = expected is None
        if raw:
            expected = [(f"state_{i}", leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(template))]
    if len(arrays) == len(head) and (expected is None or expected):
        return iterations, lr, None  # saved before the optimizer was built: counters only
    if expected is None:
        warnings.warn(f"Skipping variable loading for optimizer '{opt.name}' because the model is not built.",
                      stacklevel=4)
        return None
    body = list(arrays[len(head):])
    problem = None
    if len(body) != len(expected):
        problem = (f"it has {len(head) + len(expected)} variables whereas the saved optimizer has "
                   f"{len(arrays)} variables")
    else:
        for (name, ref), got in zip(expected, body):
            if tuple(np.shape(ref)) != tuple(np.shape(got)):
                problem = (f"variable {name!r} has shape {tuple(np.shape(ref))} but the saved one has "
                           f"shape {tuple(np.shape(got))}")
                break
    if problem is not None:
        warnings.warn(f"Skipping variable loading for optimizer '{opt.name}', because {problem}.", stacklevel=4)
        return None
    body = [jnp.asarray(np.asarray(got), dtype=jnp.asarray(ref).dtype) for (_, ref), got in zip(expected, body)]
    if raw:
        state = jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(template), body)
    else:
        state = _fill_state(opt, template, items, body, iterations)
    return iterations, lr, state


def _rebuild(state, fn):
    """``state`` with every NamedTuple ``t`` replaced by ``fn(t)`` (bottom-up)."""
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        return fn(type(state)(*[_rebuild(c, fn) for c in state]))
    if isinstance(state, (tuple, list)):
        return type(state)(_rebuild(c, fn) for c in state)
    if isinstance(state, dict):
        return {k: _rebuild(v, fn) for k, v in state.items()}
    return state


def _fill_state(opt, template, items, body, iterations):
    """``template`` (a fresh state over ``items``) with Keras's slot values ``body`` and the step
    counters set from ``iterations``."""
    it = iter(body)
    n = len(items)
    ema = _find_state(template, EMAState)
    acc = _find_state(template, GradientAccumulationState)
    ema_vals = [next(it) for _ in range(n)] if ema is not None else None
    acc_vals = [next(it) for _ in range(n)] if acc is not None else None
    ks = _find_state(template, KerasOptimizerState)
    slot_names = list(opt._slot_names())
    slot_vals = {s: [None] * n for s in slot_names}
    for group in slot_groups(opt):
        for i in range(n):
            for s in group:
                slot_vals[s][i] = next(it)
    extra = {k: next(it) for k in ks.extra}
    steps = opt.gradient_accumulation_steps
    updates = iterations // steps if steps else iterations

    def tree_of(values, like):
        out = jax.tree_util.tree_map(lambda x: x, like)  # fresh dicts, then fill in place
        for (p, _), v in zip(items, values):
            node = out
            for k in p[:-1]:
                node = node[k]
            node[p[-1]] = v
        return out

    def count(value, like):
        return jnp.asarray(value, jnp.asarray(like).dtype)

    def fix(t):
        if isinstance(t, KerasOptimizerState):
            slots = tuple(tree_of(slot_vals[s], t.slots[i]) for i, s in enumerate(slot_names))
            return t._replace(count=count(updates, t.count), slots=slots, extra={k: extra[k] for k in t.extra})
        if isinstance(t, EMAState):
            return t._replace(count=count(updates, t.count), average=tree_of(ema_vals, t.average))
        if isinstance(t, GradientAccumulationState):
            return t._replace(mini_step=count(iterations, t.mini_step),
                              accumulated_gradients=tree_of(acc_vals, t.accumulated_gradients))
        if "count" in t._fields:  # inject_hyperparams and schedule step counters
            return t._replace(count=count(iterations, t.count))
        return t

    return _rebuild(template, fix)
