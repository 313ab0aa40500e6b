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

``saveables(model)`` reproduces that walk over fkeras objects. An optimizer lays out its own
variables in Keras's order (``iteration``, ``learning_rate``, then the slots) and reads them back,
through Keras 3's ``save_own_variables`` / ``load_own_variables``; ``optimizer_arrays`` /
``restore_optimizer`` are the same with Keras's names, for the legacy ``.h5`` format.
"""
from __future__ import annotations

import numpy as np

from fkeras.engine.layer import own_variables  # noqa: F401  (re-exported: saving_lib reads it here)
from fkeras.utils import naming

# Engine-private attributes of every layer that may reference layers but are not part of the
# object tree (a subclassed model's constructor arguments in ``_auto_config``, graph nodes, ...).
# Training attributes need no entry: none holds a layer or an optimizer inside a list or dict.
_ALWAYS_SKIP = frozenset({
    "_auto_config", "_inbound_nodes", "_var_attrs", "_own_trainable", "_own_non_trainable",
    "_functional_graph", "_output_spec_cache", "_built_output_spec",
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
    from fkeras.saving.kinds import Functional, Sequential  # models sit above saving: compare by kind

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
    if _is_optimizer(obj):  # a wrapper's inner optimizer (LossScaleOptimizer.inner_optimizer), as Keras visits it
        return sorted((k, v) for k, v in vars(obj).items() if _is_optimizer(v) and not k.startswith("_"))
    out = []
    graph = _is_graph_model(obj)
    if graph:
        out.append(("layers", list(obj.layers)))
    names = set(obj.__dict__)
    from fkeras.saving.kinds import Model

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
# The optimizer's variables: the optimizer lays them out itself (Keras 3's saving hooks)
# ------------------------------------------------------------------------------------------


def optimizer_arrays(model):
    """``[(name, array)]``: Keras's optimizer variables of ``model.optimizer`` (``iteration``,
    ``learning_rate``, then the slots), as the optimizer lays them out; None without an optimizer."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not _is_optimizer(opt):
        return None
    return [(name, np.asarray(value)) for name, value in opt._keras_entries()]


def restore_optimizer(model, arrays):
    """Load Keras's flat optimizer variables ``arrays`` into ``model.optimizer`` (see
    ``Optimizer.load_own_variables``). A count or shape mismatch warns and loads nothing, as Keras
    does. Returns whether anything was loaded."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not _is_optimizer(opt):
        return False
    return opt._load_keras_arrays(arrays)
