"""Functional model configs in Keras 3's layout (``layers`` with ``inbound_nodes``,
``input_layers``, ``output_layers``), so ``get_config``/``from_config`` round-trip and configs
move between fkeras and Keras."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.engine import op_nodes
from fkeras.engine.layer import OpLayer
from fkeras.engine.symbolic import KerasTensor
from fkeras.saving import registry


def _is_kt(x):
    return isinstance(x, KerasTensor)


def _model_nodes(model):
    return [n for n in model._nodes] + [t._node for t in model._flat_inputs]


def _node_index(layer, node, model_nodes):
    own = [n for n in layer._inbound_nodes if n in model_nodes]
    return own.index(node)


def functional_get_config(model):
    model_nodes = _model_nodes(model)

    def tensor_ref(t):
        layer = t._node.layer
        return [layer.name, _node_index(layer, t._node, model_nodes), t._index]

    def serialize_arg(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__",
                    "config": {"shape": list(x.shape), "dtype": x.dtype, "keras_history": tensor_ref(x)}}
        if isinstance(x, tuple):
            return [serialize_arg(e) for e in x]
        if isinstance(x, list):
            return [serialize_arg(e) for e in x]
        if isinstance(x, dict):
            return {k: serialize_arg(v) for k, v in x.items()}
        if isinstance(x, slice):  # an index of a `get_item` node (`x[:, 1:]`), as Keras writes it
            return {"class_name": "__slice__", "config": {"start": serialize_arg(x.start),
                                                          "stop": serialize_arg(x.stop),
                                                          "step": serialize_arg(x.step)}}
        if x is Ellipsis:
            return {"class_name": "__ellipsis__", "config": {}}
        return registry.serialize_keras_object(x)

    layer_configs = []
    for layer in model.operations:
        if isinstance(layer, OpLayer):  # a keras.ops node: Keras's Operation format
            cfg = op_nodes.serialize_op_layer(layer)
        else:
            cfg = registry.serialize_keras_object(layer)
        cfg["name"] = layer.name
        nodes = []
        for node in layer._inbound_nodes:
            if node not in model_nodes or not node.input_tensors:
                continue
            nodes.append({"args": serialize_arg(list(node.call_args)), "kwargs": serialize_arg(node.call_kwargs)})
        cfg["inbound_nodes"] = nodes
        layer_configs.append(cfg)

    def structure(s):
        return jax.tree_util.tree_map(tensor_ref, s, is_leaf=_is_kt)

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": structure(model._input_struct),
        "output_layers": structure(model._output_struct),
    }


def _is_ref(x):
    return isinstance(x, list) and len(x) == 3 and isinstance(x[0], str) and all(isinstance(i, int) for i in x[1:])


def functional_from_config(cls, config, custom_objects=None):
    created = {}
    pending = []
    for layer_cfg in config["layers"]:
        layer_cfg = dict(layer_cfg)
        inbound = layer_cfg.pop("inbound_nodes", [])
        name = layer_cfg.pop("name", None) or layer_cfg.get("config", {}).get("name")
        layer = registry.deserialize_keras_object({k: v for k, v in layer_cfg.items() if k != "build_config"},
                                                  custom_objects=custom_objects)
        created[name] = layer
        pending.extend((layer, node) for node in inbound)

    def node_outputs(layer_name, node_index, tensor_index):
        layer = created[layer_name]
        nodes = [n for n in layer._inbound_nodes if n.output_tensors]
        if node_index >= len(nodes):
            return None
        return nodes[node_index].output_tensors[tensor_index]

    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            t = node_outputs(*x["config"]["keras_history"])
            if t is None:
                raise LookupError
            return t
        if isinstance(x, dict) and x.get("class_name") == "__slice__" and isinstance(x.get("config"), dict):
            inner = x["config"]
            return slice(resolve(inner.get("start")), resolve(inner.get("stop")), resolve(inner.get("step")))
        if isinstance(x, dict) and x.get("class_name") == "__ellipsis__":
            return Ellipsis
        if isinstance(x, dict) and x.get("class_name") == "__tensor__" and isinstance(x.get("config"), dict):
            # a constant tensor argument of a node, as Keras writes it (fkeras writes "__numpy__")
            return jnp.asarray(x["config"]["value"], dtype=x["config"].get("dtype"))
        if isinstance(x, dict) and "class_name" in x and "config" in x:
            return registry.deserialize_keras_object(x, custom_objects=custom_objects)
        if isinstance(x, list):
            if _is_ref(x) and x[0] in created:  # legacy tf.keras node format [name, node, tensor, kwargs]
                t = node_outputs(*x[:3])
                if t is None:
                    raise LookupError
                return t
            return [resolve(e) for e in x]
        if isinstance(x, dict):
            return {k: resolve(v) for k, v in x.items()}
        return x

    # Nodes are applied once their inputs exist (configs list layers topologically, but be robust).
    while pending:
        progressed = False
        remaining = []
        for layer, node in pending:
            try:
                args = resolve(node.get("args", []))
                kwargs = resolve(node.get("kwargs", {}))
            except LookupError:
                remaining.append((layer, node))
                continue
            if isinstance(args, list) and len(args) == 1 or not isinstance(args, list):
                layer(*(args if isinstance(args, list) else [args]), **kwargs)
            else:
                layer(*args, **kwargs)
            progressed = True
        if not progressed:
            names = sorted({l.name for l, _ in remaining})
            raise ValueError(f"Could not connect layers {names} while rebuilding the Functional model: their "
                             "inputs are never produced.")
        pending = remaining

    def structure(s):
        if _is_ref(s):
            return node_outputs(*s)
        if isinstance(s, dict):
            return {k: structure(v) for k, v in s.items()}
        return [structure(e) for e in s]

    inputs = structure(config["input_layers"])
    outputs = structure(config["output_layers"])
    from fkeras.models.functional import Functional

    target = cls if issubclass(cls, Functional) or _revivable_as_graph(cls) else Functional
    return target(inputs=inputs, outputs=outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _revivable_as_graph(cls):
    """Keras 3's rule for a ``Model`` subclass whose saved config is a graph's: its class is rebuilt
    from the graph (``cls(inputs=..., outputs=..., name=...)``) when its ``__init__`` takes what
    Functional's does, or forwards ``*args, **kwargs``."""
    import inspect

    from fkeras.models.model import Model

    if not (isinstance(cls, type) and issubclass(cls, Model)) or cls is Model:
        return False
    spec = inspect.getfullargspec(cls.__init__)
    return spec.args[1:] == ["inputs", "outputs", "name"] or (spec.varargs == "args" and spec.varkw == "kwargs")
