"""Where Keras 3 puts each object's variables in a weights file, computed for fkeras objects.

Keras 3 (``keras/src/saving/saving_lib.py``) walks a model's attributes and writes every
saveable object's own variables under ``<path>/vars/<i>``:

- the model itself at ``vars``;
- a Sequential/Functional model's ``layers`` list first, each layer named after its *class*
  in snake case with a counter (``layers/dense``, ``layers/dense_1``), never by layer name;
- then the remaining attributes in sorted order (public before private), e.g. an LSTM's cell at
  ``layers/lstm/cell``, a subclassed model's ``self.block`` at ``block``, the optimizer at
  ``optimizer``; lists/dicts of layers as containers (``blk/lst/dense``), nested containers as
  ``container``, ``container_1``. An object reachable twice is saved once, at its first path.

``saveables(model)`` reproduces that walk over fkeras objects; ``optimizer_arrays`` /
``restore_optimizer`` translate between fkeras's optax state and Keras's flat optimizer
variable list (``iteration``, ``learning_rate``, then the slots in Keras's order).
"""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.utils import naming
from fkeras.engine.layer import own_variables  # noqa: F401  (re-exported: saving_lib reads it here)

# Engine-private attributes that may reference layers but are not part of the object tree.
_ALWAYS_SKIP = frozenset({
    "_auto_config", "_inbound_nodes", "_var_attrs", "_own_trainable", "_own_non_trainable",
    "_functional_graph", "_binding", "_compile_loss", "_compile_metrics", "_fns",
    "_last_saved_state", "_metrics_template", "_output_spec_cache", "_built_output_spec",
})


def _is_layer(obj):
    from fkeras.engine.layer import Layer

    return isinstance(obj, Layer) and not getattr(obj, "_is_fkeras_metric", False)


def _is_optimizer(obj):
    from fkeras.optimizers.base import Optimizer

    return isinstance(obj, Optimizer)


def is_saveable(obj):
    return _is_layer(obj) or _is_optimizer(obj)


def _is_graph_model(obj):
    from fkeras.models.functional import Functional
    from fkeras.models.sequential import Sequential

    return isinstance(obj, (Functional, Sequential)) or obj.__dict__.get("_functional_graph") is not None


def _name_key(name):
    return "~" + name if name.startswith("_") else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _children(obj):
    """``(attribute, value)`` pairs in Keras's visiting order."""
    if _is_optimizer(obj):
        return []
    out = []
    graph = _is_graph_model(obj)
    if graph:
        out.append(("layers", list(obj.layers)))
    names = set(obj.__dict__)
    from fkeras.models.model import Model

    if isinstance(obj, Model):
        names.add("optimizer")
        if not graph:
            names.add("layers")
    for name in sorted(names, key=_name_key):
        if name.startswith("__") or name in _ALWAYS_SKIP:
            continue
        if graph and (name.startswith("_") or name == "layers"):
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 - like Keras, ignore attributes that fail to read
            continue
        out.append((name, value))
    return out


def _join(path, name):
    return f"{path}/{name}" if path else name


def saveables(model):
    """``[(path, object)]``: every layer/optimizer reachable from ``model``, at Keras 3's path."""
    out, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            if is_saveable(child):
                visit(child, _join(path, attr))
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, _join(path, attr), set())

    def visit_container(container, path, seen):
        if id(container) in seen:
            return
        seen.add(id(container))
        used = {}
        items = list(container.values()) if isinstance(container, dict) else list(container)
        for item in items:
            if is_saveable(item):
                visit(item, _join(path, _unique(naming.to_snake_case(type(item).__name__), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, _join(path, _unique("container", used)), seen)

    visit(model, "")
    return out


# ------------------------------------------------------------------------------------------
# Optimizer state <-> Keras's flat optimizer variables
# ------------------------------------------------------------------------------------------


def _trainable_items(model):
    from fkeras.trainers.state import Binding as _Binding

    return _Binding(model).t_items


def _trainable_tree(items):
    tree = {}
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


def _find(state, cls):
    from fkeras.optimizers.base import _find_state

    return _find_state(state, cls)


def _slot_groups(opt):
    """How Keras interleaves the optimizer's per-variable slots (one list per build call)."""
    names = list(opt._slot_names())
    cls = type(opt).__name__
    if cls == "RMSprop":
        return [[n] for n in names]
    if "velocity_hat" in names:
        rest = [n for n in names if n != "velocity_hat"]
        return [rest, ["velocity_hat"]]
    return [names] if names else []


def _lr_is_variable(opt):
    return not callable(getattr(opt, "_learning_rate", None))


def _header(opt):
    arrays = [("iteration", np.asarray(int(getattr(opt, "_iterations", 0) or 0), np.int32))]
    if _lr_is_variable(opt):
        arrays.append(("learning_rate", np.asarray(opt._learning_rate, np.float32)))
    return arrays


def _layout(opt, state, items):
    """``[(name, array)]`` of the state's slots in Keras's order (after the header), named as
    Keras 3 names them (``<variable path with _ for />_<slot>``)."""
    from fkeras.optimizers.base import EMAState, GradientAccumulationState, KerasOptimizerState

    ks = _find(state, KerasOptimizerState)
    if ks is None:
        return None
    out = []
    names = [str(getattr(v, "path", None) or "/".join(p)).replace("/", "_") for p, v in items]
    ema = _find(state, EMAState)
    if ema is not None:
        out += [(f"{n}_average", _get_path(ema.average, p)) for n, (p, _) in zip(names, items)]
    acc = _find(state, GradientAccumulationState)
    if acc is not None:
        out += [(f"{n}_gradient_accumulator", _get_path(acc.accumulated_gradients, p))
                for n, (p, _) in zip(names, items)]
    slot_index = {s: i for i, s in enumerate(opt._slot_names())}
    for group in _slot_groups(opt):
        for n, (p, _) in zip(names, items):
            for s in group:
                out.append((f"{n}_{s}", _get_path(ks.slots[slot_index[s]], p)))
    for k, v in ks.extra.items():
        out.append((k, v))
    return out


def optimizer_entries(model):
    """Keras's optimizer variables for ``model.optimizer``, ``[(name, array)]`` (the names of
    Keras 3's ``optimizer.variables``; arrays left where they live), or ``None``."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not _is_optimizer(opt):
        return None
    entries = _header(opt)
    if not model.built:
        return entries
    items = _trainable_items(model)
    state = getattr(model, "_opt_state", None)
    if state is None:
        state = opt.tx.init(_trainable_tree(items))
    body = _layout(opt, state, items)
    if body is None:  # a raw optax transformation: its leaves, in tree order (fkeras-only layout)
        body = [(f"state_{i}", leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(state))]
    return entries + body


def optimizer_arrays(model):
    """``optimizer_entries`` as numpy arrays (what the files hold)."""
    entries = optimizer_entries(model)
    return None if entries is None else [(n, np.asarray(v)) for n, v in entries]


def _rebuild(state, fn):
    """``state`` with every NamedTuple ``t`` replaced by ``fn(t)`` (bottom-up)."""
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        new = type(state)(*[_rebuild(c, fn) for c in state])
        return fn(new)
    if isinstance(state, (tuple, list)):
        return type(state)(_rebuild(c, fn) for c in state)
    if isinstance(state, dict):
        return {k: _rebuild(v, fn) for k, v in state.items()}
    return state


def restore_optimizer(model, arrays, where="optimizer"):
    """Load Keras's flat optimizer variables into ``model`` (``_opt_state``, iterations, lr).

    A count or shape mismatch warns and leaves the optimizer fresh, as Keras does.
    """
    opt = getattr(model, "optimizer", None)
    if opt is None or not _is_optimizer(opt) or not arrays:
        return False
    header = _header(opt)
    if len(arrays) < len(header):
        warnings.warn(f"Skipping variable loading for optimizer '{opt.name}': the file holds "
                      f"{len(arrays)} variable(s), fewer than its iteration/learning-rate header.",
                      stacklevel=3)
        return False
    iterations = int(np.asarray(arrays[0]))
    lr = float(np.asarray(arrays[1])) if _lr_is_variable(opt) else None
    expected = template = items = None
    if model.built:
        items = _trainable_items(model)
        template = opt.tx.init(_trainable_tree(items))
        expected = _layout(opt, template, items)
        raw = expected is None
        if raw:
            expected = [(f"state_{i}", leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(template))]
    if len(arrays) == len(header) and (expected is None or expected):
        # Saved before the optimizer was built (no slots in the file): counters only.
        opt._iterations = iterations
        if lr is not None:
            opt.learning_rate = lr
        return True
    if expected is None:
        warnings.warn(f"Skipping variable loading for optimizer '{opt.name}' because the model is not "
                      "built.", stacklevel=3)
        return False
    body = list(arrays[len(header):])
    problem = None
    if len(body) != len(expected):
        problem = (f"it has {len(header) + len(expected)} variables whereas the saved optimizer has "
                   f"{len(arrays)} variables")
    else:
        for (name, ref), got in zip(expected, body):
            if tuple(np.shape(ref)) != tuple(np.shape(got)):
                problem = (f"variable {name!r} has shape {tuple(np.shape(ref))} but the saved one has "
                           f"shape {tuple(np.shape(got))}")
                break
    if problem is not None:
        warnings.warn(f"Skipping variable loading for optimizer '{opt.name}', because {problem}.",
                      stacklevel=3)
        return False
    body = [jnp.asarray(np.asarray(got), dtype=jnp.asarray(ref).dtype) for (_, ref), got in zip(expected, body)]
    if raw:
        treedef = jax.tree_util.tree_structure(template)
        state = jax.tree_util.tree_unflatten(treedef, body)
    else:
        state = _fill_state(opt, template, items, body, iterations)
    opt._iterations = iterations
    if lr is not None:
        opt.learning_rate = lr
        state = opt._write_hyperparams(state)
    model._opt_state = state
    return True


def _fill_state(opt, template, items, body, iterations):
    from fkeras.optimizers.base import EMAState, GradientAccumulationState, KerasOptimizerState

    it = iter(body)
    n = len(items)
    ema = _find(template, EMAState)
    acc = _find(template, GradientAccumulationState)
    ema_vals = [next(it) for _ in range(n)] if ema is not None else None
    acc_vals = [next(it) for _ in range(n)] if acc is not None else None
    ks = _find(template, KerasOptimizerState)
    slot_names = list(opt._slot_names())
    slot_vals = {s: [None] * n for s in slot_names}
    for group in _slot_groups(opt):
        for i in range(n):
            for s in group:
                slot_vals[s][i] = next(it)
    extra = {k: next(it) for k in ks.extra}
    steps = opt.gradient_accumulation_steps

    def tree_of(values, like):
        out = jax.tree_util.tree_map(lambda x: x, like)  # fresh dicts, then fill in place
        for (p, _), v in zip(items, values):
            node = out
            for k in p[:-1]:
                node = node[k]
            node[p[-1]] = v
        return out

    def fix(t):
        if isinstance(t, KerasOptimizerState):
            count = iterations // steps if steps else iterations
            slots = tuple(tree_of(slot_vals[s], t.slots[i]) for i, s in enumerate(slot_names))
            return t._replace(count=jnp.asarray(count, jnp.asarray(t.count).dtype), slots=slots,
                              extra={k: extra[k] for k in t.extra})
        if isinstance(t, EMAState):
            count = iterations // steps if steps else iterations
            return t._replace(count=jnp.asarray(count, jnp.asarray(t.count).dtype),
                              average=tree_of(ema_vals, t.average))
        if isinstance(t, GradientAccumulationState):
            return t._replace(mini_step=jnp.asarray(iterations, jnp.asarray(t.mini_step).dtype),
                              accumulated_gradients=tree_of(acc_vals, t.accumulated_gradients))
        if "count" in t._fields:  # inject_hyperparams and schedule step counters
            return t._replace(count=jnp.asarray(iterations, jnp.asarray(t.count).dtype))
        return t

    return _rebuild(template, fix)
