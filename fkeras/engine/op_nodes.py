"""``keras.ops`` graph nodes in Keras 3's config format.

Calling a ``keras.ops`` function (or a Python operator: ``x + 3.0``, ``x[:, 1:]``) on symbolic
tensors records a graph node. Keras 3 records such a call as an instance of the op's
``Operation`` class, built with the op's constructor arguments (``Mean(axis=-1, keepdims=True)``)
and called on its tensor arguments (``x``), and a model config holds it as::

    {"module": "keras.src.ops.numpy", "class_name": "Mean", "registered_name": "Mean",
     "config": {"name": "mean", "axis": -1, "keepdims": true},
     "name": "mean", "inbound_nodes": [{"args": [<x>], "kwargs": {}}]}

fkeras does the same with one ``OpLayer`` subclass per operation (named like Keras's class), made
here from the facts in ``keras_op_table`` (generated from Keras; fkeras never imports it): a call is
split into the constructor arguments (``op_config``, written as the node's ``config``) and the
node's call arguments, exactly as the Keras function splits it. Loading goes the other way: a
``{"module": "keras.src.ops.<family>", "class_name": ...}`` entry names one of these classes, and
only the ``keras.ops`` functions of fkeras can be reached that way.

A call that has no Keras form - a lambda or user function, an fkeras op Keras does not have, a
tensor where Keras keeps a constant - still runs, but saving the model raises an error naming the
node and suggesting a ``keras.layers.Lambda`` or a custom layer.
"""
from __future__ import annotations

import importlib
import inspect
import threading

import numpy as np

from fkeras.engine import symbolic

_lock = threading.Lock()
_index = None  # (by function, by (module, class_name)), built on first use
_classes = {}  # (family, name) -> the OpLayer subclass
_OP_MODULE_PREFIX = "keras.src.ops."


class OpSpec:
    """One Keras operation as fkeras implements it: the table entry plus fkeras's function."""

    __slots__ = ("family", "name", "module", "class_name", "init", "call", "args", "kwargs", "fn", "signature")

    def __init__(self, family, name, entry, fn):
        self.family, self.name = family, name
        self.module, self.class_name = entry["module"], entry["class_name"]
        self.init, self.call = entry["init"], entry["call"]
        self.args, self.kwargs = entry["args"], entry["kwargs"]
        self.fn = fn
        self.signature = inspect.signature(fn)

    def __repr__(self):
        return f"<OpSpec keras.ops.{self.family}.{self.name} -> {self.module}.{self.class_name}>"


def _fkeras_op(family, name, flat):
    """fkeras's ``keras_op`` wrapper for ``keras.ops.<family>.<name>``, or None."""
    try:
        module = importlib.import_module(f"fkeras.ops.{family}")
    except ImportError:
        module = None
    wrapper = getattr(module, name, None) if module is not None else None
    if wrapper is None and flat:
        wrapper = getattr(importlib.import_module("fkeras.ops"), name, None)
    return wrapper if callable(getattr(wrapper, "_fkeras_op", None)) else None


def _prefer(current, candidate, wanted):
    return current is None or (current.name != wanted and candidate.name == wanted)


def _build_index():
    from fkeras.engine.keras_op_table import OPS  # a large table: loaded on first use
    from fkeras.utils import naming

    by_fn, by_class = {}, {}
    for (family, name), entry in OPS.items():
        wrapper = _fkeras_op(family, name, entry["flat"])
        if wrapper is None:
            continue
        spec = OpSpec(family, name, entry, wrapper._fkeras_op)
        if _prefer(by_fn.get(spec.fn), spec, spec.fn.__name__):
            by_fn[spec.fn] = spec
        key = (spec.module, spec.class_name)
        if _prefer(by_class.get(key), spec, naming.to_snake_case(spec.class_name)):
            by_class[key] = spec
    return by_fn, by_class


def _get_index():
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _build_index()
    return _index


def spec_for_function(fn):
    """The Keras operation that ``fn`` (a raw fkeras op, as ``keras_op`` records it) is, or None."""
    try:
        return _get_index()[0].get(fn)
    except TypeError:  # an unhashable callable
        return None


def op_layer_class(spec):
    """The ``OpLayer`` subclass (named like Keras's ``Operation`` class) for one operation."""
    key = (spec.family, spec.name)
    cls = _classes.get(key)
    if cls is None:
        from fkeras.engine.layer import OpLayer

        with _lock:
            cls = _classes.get(key)
            if cls is None:
                doc = (f"The graph node of ``keras.ops.{spec.family}.{spec.name}`` (Keras's "
                       f"``{spec.module}.{spec.class_name}``).")
                cls = type(spec.class_name, (OpLayer,), {"_op_spec": spec, "__doc__": doc,
                                                         "__module__": __name__})
                _classes[key] = cls
    return cls


def resolve_op_class(module, class_name):
    """The node class a config's ``{"module": "keras.src.ops.<family>", "class_name": ...}`` names.

    Only operations of Keras's ``keras.ops`` that fkeras implements resolve; anything else raises
    a ValueError naming it (nothing is imported or constructed).
    """
    spec = _get_index()[1].get((module, class_name))
    if spec is not None:
        return op_layer_class(spec)
    from fkeras.utils import naming

    known = sorted({c for m, c in _get_index()[1] if m == module})
    if not known:
        raise ValueError(
            f"Refusing to deserialize `{module}.{class_name}`: {module!r} is not a module of keras.ops "
            f"operations (a model file may name Keras's keras.ops operations under "
            f"'{_OP_MODULE_PREFIX}<numpy|nn|core|math|linalg|image|einops>').")
    raise ValueError(
        f"Unknown keras.ops operation `{class_name}` in module {module!r}: it is not an operation of "
        f"Keras's keras.ops that fkeras implements.{naming.did_you_mean(class_name, known)}")


# ------------------------------------------------------------------------------------------
# Recording a call
# ------------------------------------------------------------------------------------------


def _same(value, default):
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except Exception:  # noqa: BLE001 - arrays and other values without a plain truth value
        return False


def _param_of_kind(signature, kind):
    return next((n for n, p in signature.parameters.items() if p.kind == kind), None)


def _split_call(spec, args, kwargs):
    """``(op_config, node_args, node_kwargs)`` for a call of ``spec``'s function, or
    ``(None, reason)`` when the call has no Keras form."""
    from fkeras.engine.keras_op_table import REQUIRED

    sig = spec.signature
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError:
        return None, None  # the function itself raises the informative error
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    var_pos, var_kw = (_param_of_kind(sig, inspect.Parameter.VAR_POSITIONAL),
                       _param_of_kind(sig, inspect.Parameter.VAR_KEYWORD))
    extra = dict(arguments.pop(var_kw, {})) if var_kw else {}
    used = set()
    public = f"keras.ops.{spec.name}"

    config = {}
    for param, source, default in spec.init:
        if source is not None and source in sig.parameters:
            value = arguments[source]
            used.add(source)
        elif param in extra:
            value = extra.pop(param)
        elif isinstance(default, str) and default == REQUIRED:
            return None, f"{public} was called without its argument {param!r}"
        else:
            value = default
        if symbolic.any_symbolic((value,)):
            return None, (f"{public} received a symbolic tensor as {source or param!r}, where Keras's "
                          f"{spec.class_name} operation stores a constant")
        config[param] = value

    node_args, node_kwargs = [], {}
    for name in spec.args:
        if name.startswith("*"):
            node_args.extend(arguments.get(var_pos, ()))
            used.add(var_pos)
        elif name in arguments:
            node_args.append(arguments[name])
            used.add(name)
        else:
            return None, f"fkeras's {public} has no argument {name!r}"
    for keyword, source in spec.kwargs:
        if keyword == "**":
            node_kwargs.update(extra)
            extra = {}
        elif source in arguments:
            node_kwargs[keyword] = arguments[source]
            used.add(source)
        else:
            return None, f"fkeras's {public} has no argument {source!r}"

    # What fkeras's function takes beyond Keras's must be left at its default to be saved.
    for name, value in arguments.items():
        param = sig.parameters[name]
        if name in used or param.kind == param.VAR_POSITIONAL and not value:
            continue
        if param.default is param.empty or not _same(value, param.default):
            return None, f"{public} was called with {name}={value!r}, which Keras's {spec.class_name} does not take"
    if extra:
        return None, f"{public} was called with {sorted(extra)}, which Keras's {spec.class_name} does not take"
    if spec.name == "get_item" and len(node_args) > 1 and isinstance(node_args[1], list):
        # numpy reads a list index as an integer array (Keras's GetItem would read it as a tuple)
        node_args[1] = np.asarray(node_args[1])
    return config, node_args, node_kwargs


def record(fn, args, kwargs):
    """Record ``fn(*args, **kwargs)`` on symbolic tensors as a graph node; returns its outputs."""
    from fkeras.engine.layer import OpLayer

    spec = spec_for_function(fn)
    reason = None
    if spec is not None:
        split = _split_call(spec, args, kwargs)
        if len(split) == 3:
            config, node_args, node_kwargs = split
            return op_layer_class(spec)(op_config=config)(*node_args, **node_kwargs)
        reason = split[1]
        if reason is None:  # arguments the function does not take: let it raise its own error
            return fn(*args, **kwargs)
    layer = OpLayer(fn)
    layer._unsaveable_reason = reason
    return layer(*args, **kwargs)


# ------------------------------------------------------------------------------------------
# Running a node
# ------------------------------------------------------------------------------------------


def _from_json(value):
    """Config values as the op functions take them: JSON lists back to tuples."""
    if isinstance(value, list):
        return tuple(_from_json(v) for v in value)
    return value


def config_to_kwargs(spec, op_config):
    """The keyword arguments of ``spec``'s function that ``op_config`` (constructor arguments) gives."""
    sig = spec.signature
    takes_kwargs = _param_of_kind(sig, inspect.Parameter.VAR_KEYWORD) is not None
    out = {}
    for param, source, default in spec.init:
        if param not in op_config:
            continue
        value = op_config[param]
        target = source if source in sig.parameters else param
        if target in sig.parameters or takes_kwargs:
            out[target] = value
        elif not _same(_from_json(value), _from_json(default)):
            raise ValueError(
                f"Cannot build the {spec.class_name} node: fkeras's keras.ops.{spec.name} does not take the "
                f"argument {param!r}, and its value {value!r} differs from Keras's default {default!r}.")
    return out


def call_op(layer, args, kwargs):
    """Run a node: its call arguments and constructor arguments, mapped onto fkeras's function."""
    spec = layer._op_spec
    sig = spec.signature
    args, kwargs = list(args), dict(kwargs)
    arguments, var_args, var_kw = {}, (), {}
    for name in spec.args:
        if name.startswith("*"):
            var_args, args = tuple(args), []
        elif args:
            arguments[name] = args.pop(0)
    if args:
        raise TypeError(f"The {spec.class_name} node ({layer.name!r}) takes {len(spec.args)} positional "
                        f"argument(s) ({', '.join(spec.args)}); received {len(spec.args) + len(args)}.")
    keyword_source = {k: s for k, s in spec.kwargs if k != "**"}
    # Keras's Operation.call names its parameters; the first ones are the function's positional args.
    keyword_source.update({c: a for c, a in zip(spec.call, spec.args, strict=False) if not c.startswith("*")})
    for key, value in kwargs.items():
        if key in keyword_source:
            arguments[keyword_source[key]] = value
        elif any(k == "**" for k, _ in spec.kwargs):
            var_kw[key] = value
        else:
            raise TypeError(f"The {spec.class_name} node ({layer.name!r}) got an unexpected argument {key!r}; "
                            f"it takes {', '.join(spec.call)}.")
    arguments.update(layer._fn_kwargs)
    if spec.name == "get_item" and isinstance(arguments.get("key"), list):
        arguments["key"] = tuple(arguments["key"])  # a key read from JSON (Keras's GetItem does the same)
    ordered = {}
    for name, param in sig.parameters.items():
        if param.kind == param.VAR_POSITIONAL:
            ordered[name] = var_args
        elif param.kind == param.VAR_KEYWORD:
            ordered[name] = {**var_kw, **{k: v for k, v in arguments.items() if k not in sig.parameters}}
        elif name in arguments:
            ordered[name] = arguments[name]
        elif param.default is not param.empty:
            ordered[name] = param.default
    bound = inspect.BoundArguments(sig, ordered)
    return spec.fn(*bound.args, **bound.kwargs)


# ------------------------------------------------------------------------------------------
# Config
# ------------------------------------------------------------------------------------------


def _describe(layer):
    fn = layer.fn
    reason = getattr(layer, "_unsaveable_reason", None)
    if reason:
        return reason
    name = getattr(fn, "__name__", None)
    module = getattr(fn, "__module__", "") or ""
    if name == "<lambda>":
        return "it applies a Python lambda"
    if module.startswith("fkeras.ops") and name:
        return f"keras.ops.{name} is not an operation Keras 3 can store"
    if name:
        return f"it applies the function {module + '.' if module else ''}{getattr(fn, '__qualname__', name)}"
    return f"it applies {fn!r}"


def unsaveable_error(layer):
    """The error for saving a node that has no Keras form (a TypeError, as for any object that cannot be
    serialized, so that it reaches the caller with its explanation)."""
    return TypeError(
        f"Cannot serialize the graph node {layer.name!r}: {_describe(layer)}, which has no Keras config. "
        "Wrap that computation in a `keras.layers.Lambda` (or a custom layer with `get_config()`) to save "
        "the model.")


def _to_json(value, spec, param):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_to_json(v, spec, param) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _to_json(v, spec, param) for k, v in value.items()}
    if isinstance(value, np.generic) or (hasattr(value, "dtype") and getattr(value, "shape", None) == ()):
        return np.asarray(value).item()
    if param == "dtype":
        try:
            return np.dtype(value).name
        except TypeError:
            pass
    raise TypeError(
        f"Cannot serialize the {spec.class_name} node: its argument {param!r} is {value!r}; Keras stores only "
        "numbers, strings, booleans, None and lists of them there. Pass a constant, or wrap the computation "
        "in a `keras.layers.Lambda` or a custom layer.")


def op_layer_config(layer):
    """``get_config()`` of a node: ``{"name": ..., **constructor arguments}``, as Keras writes it."""
    from fkeras.engine.keras_op_table import REQUIRED

    spec = layer._op_spec
    if spec is None:
        raise unsaveable_error(layer)
    config = {"name": layer.name}
    for param, _, default in spec.init:
        value = layer.op_config.get(param, default)
        if isinstance(value, str) and value == REQUIRED:
            raise ValueError(f"The {spec.class_name} node {layer.name!r} has no value for its argument {param!r}.")
        config[param] = _to_json(value, spec, param)
    return config


def serialize_op_layer(layer):
    """A node's entry in a Functional config's ``layers`` (without ``name`` and ``inbound_nodes``)."""
    spec = layer._op_spec
    if spec is None:
        raise unsaveable_error(layer)
    return {"module": spec.module, "class_name": spec.class_name, "config": op_layer_config(layer),
            "registered_name": spec.class_name}


def op_layer_from_config(cls, config):
    """Rebuild a node of class ``cls`` from ``{"name": ..., **constructor arguments}``."""
    from fkeras.engine.keras_op_table import REQUIRED

    spec = cls._op_spec
    if spec is None:
        raise TypeError("A graph node that applies an arbitrary function cannot be rebuilt from a config; use a "
                        "keras.layers.Lambda or a custom layer.")
    if not isinstance(config, dict):
        raise TypeError(f"The config of a {spec.class_name} node must be a dict; received {config!r}.")
    config = dict(config)
    name = config.pop("name", None)
    known = [p for p, _, _ in spec.init]
    unknown = {k: v for k, v in config.items() if k not in known}
    if unknown:
        from fkeras.saving import registry

        registry.unknown_fields(spec.class_name, unknown, loading=True)
    for param, _, default in spec.init:
        if isinstance(default, str) and default == REQUIRED and param not in config:
            raise ValueError(f"The config of the {spec.class_name} node {name!r} lacks its argument {param!r}.")
    op_config = {k: _from_json(v) for k, v in config.items() if k in known}
    return cls(name=name, op_config=op_config)


symbolic.set_op_recorder(record)
