"""``keras.activations.get`` / ``serialize`` / ``deserialize``, and the table of built-in activations
(with Keras's aliases) they look names up in."""
from __future__ import annotations

import types

from fkeras.activations.activations import (
    celu,
    elu,
    exponential,
    gelu,
    glu,
    hard_shrink,
    hard_sigmoid,
    hard_silu,
    hard_tanh,
    leaky_relu,
    linear,
    log_sigmoid,
    log_softmax,
    mish,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    soft_shrink,
    softmax,
    softplus,
    softsign,
    sparse_plus,
    sparse_sigmoid,
    sparsemax,
    squareplus,
    tanh,
    tanh_shrink,
    threshold,
)
from fkeras.saving import registry as _registry
from fkeras.utils.naming import unknown_identifier_error

_BUILTINS = (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus, soft_shrink,
    sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid, sparse_sigmoid,
    exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear, mish, log_softmax,
    log_sigmoid, sparsemax,
)

#: Every built-in activation by name, plus Keras's aliases (``swish``, ``hard_swish``).
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in _BUILTINS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
_ACTIVATIONS = ALL_OBJECTS_DICT  # private name layers may import

# Lenient extras accepted by ``get`` besides Keras 3's names (any case is also accepted).
_EXTRA_ALIASES = {"None": linear, "leakyrelu": leaky_relu}
_REVERSE = {fn: name for name, fn in ALL_OBJECTS_DICT.items() if name not in ("swish", "hard_swish")}


def serialize(activation):
    """Turn an activation into a serializable config.

    Args:
        activation: A built-in activation function (serialized as its name), a function registered
            with ``@keras.saving.register_keras_serializable()``, or an object with ``get_config``.

    Returns:
        The activation's name for built-ins, otherwise a registry config dict.

    Raises:
        ValueError: If ``activation`` is a lambda or an unregistered function.

    Example:
        >>> serialize(silu)
        'silu'
    """
    if activation in _REVERSE:
        return _REVERSE[activation]
    if isinstance(activation, (types.FunctionType, types.BuiltinFunctionType)):
        cfg = _registry.serialize_keras_object(activation)
        if isinstance(cfg, dict):
            name = _registry.get_registered_name(activation)
            if name == getattr(activation, "__name__", None) and name == "<lambda>":
                raise ValueError(
                    "A lambda cannot be serialized as an activation. Define a named function "
                    "and decorate it with `@keras.saving.register_keras_serializable()`.")
        return cfg
    if hasattr(activation, "get_config"):
        return _registry.serialize_keras_object(activation)
    raise ValueError(f"Unknown activation function {activation!r} cannot be serialized. Make sure "
                     "it is a built-in activation or registered with "
                     "`@keras.saving.register_keras_serializable()`.")


def deserialize(config, custom_objects=None):
    """Rebuild an activation function from a name or a serialized config.

    Args:
        config: An activation name (``"relu"``) or a config dict from ``serialize``.
        custom_objects: Optional dict mapping names to custom activation functions, consulted before
            the built-in ones.

    Returns:
        The activation function.

    Raises:
        ValueError: If the name is unknown (the message lists close matches).

    Example:
        >>> deserialize("relu") is relu
        True
    """
    if isinstance(config, str):
        fn = _lookup(config, custom_objects)
        if fn is None:
            raise unknown_identifier_error("activation", config, sorted(ALL_OBJECTS_DICT))
        return fn
    if isinstance(config, dict):
        inner = config.get("config")
        if config.get("class_name") == "function" and isinstance(inner, str):
            registered = config.get("registered_name") or inner
            fn = (_registry.get_registered_object(registered, custom_objects)
                  or _lookup(inner, custom_objects))
            if fn is None:
                raise unknown_identifier_error("activation", registered, sorted(ALL_OBJECTS_DICT))
            return fn
        if "class_name" in config and isinstance(config["class_name"], str) and not inner and \
                config["class_name"] in ALL_OBJECTS_DICT:
            return ALL_OBJECTS_DICT[config["class_name"]]
    return _registry.deserialize_keras_object(config, custom_objects=custom_objects,
                                              module_objects=ALL_OBJECTS_DICT)


def _lookup(name, custom_objects=None):
    fn = _registry.get_registered_object(name, custom_objects)
    if fn is not None:
        return fn
    if name in ALL_OBJECTS_DICT:
        return ALL_OBJECTS_DICT[name]
    if name in _EXTRA_ALIASES:
        return _EXTRA_ALIASES[name]
    lowered = name.lower()
    if lowered in ALL_OBJECTS_DICT:
        return ALL_OBJECTS_DICT[lowered]
    return None


def get(identifier):
    """Look up an activation function from ``None``, a name, a config dict or a callable.

    Args:
        identifier: ``None`` (gives ``linear``), a name such as ``"relu"`` (any case), a config
            dict, or a callable (returned as it is).

    Returns:
        The activation function.

    Raises:
        ValueError: If ``identifier`` is an unknown name or cannot be interpreted.

    Example:
        >>> get(None) is linear
        True
        >>> get("relu")([-1.0, 2.0])
        Array([0., 2.], dtype=float32)
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _lookup(identifier)
        if fn is None:
            raise unknown_identifier_error("activation", identifier, sorted(ALL_OBJECTS_DICT))
        return fn
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}. "
                     "Expected None, a string name, a config dict or a callable.")
