"""``keras.initializers.get`` / ``serialize`` / ``deserialize``, and the table of built-in initializers
(class names, snake_case names and Keras's aliases) they look names up in."""
from __future__ import annotations

import inspect

from fkeras.engine import variables as _variables
from fkeras.initializers.constant_initializers import (
    Constant,
    Identity,
    Ones,
    Zeros,
)
from fkeras.initializers.initializer import Initializer
from fkeras.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
)
from fkeras.initializers.stft_initializer import STFT, STFTInitializer
from fkeras.saving import registry as _registry
from fkeras.utils.naming import to_snake_case, unknown_identifier_error

_CLASSES = (
    Initializer, Constant, Identity, Ones, Zeros, STFTInitializer, GlorotNormal, GlorotUniform,
    HeNormal, HeUniform, LecunNormal, LecunUniform, RandomNormal, TruncatedNormal, RandomUniform,
    VarianceScaling, Orthogonal,
)

#: Every built-in initializer class by class name, snake_case name and Keras alias.
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({
    "uniform": RandomUniform,
    "normal": RandomNormal,
    "orthogonal": Orthogonal,
    "OrthogonalInitializer": Orthogonal,
    "orthogonal_initializer": Orthogonal,
    "IdentityInitializer": Identity,
    "identity_initializer": Identity,
    "one": Ones,
    "zero": Zeros,
    "STFTInitializer": STFT,
    "stft_initializer": STFT,
})
_INITIALIZERS = ALL_OBJECTS_DICT  # private name layers may import


def serialize(initializer):
    """Turn an initializer into its Keras 3 config.

    Args:
        initializer: An ``Initializer`` instance (built-in or a registered custom class).

    Returns:
        A JSON-compatible dict with ``"class_name"`` and ``"config"`` keys.

    Example:
        >>> serialize(Zeros())["class_name"]
        'Zeros'
    """
    return _registry.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """Rebuild an initializer from a config dict or a name.

    Args:
        config: A config dict from ``serialize``, or an initializer name such as ``"he_normal"``.
        custom_objects: Optional dict mapping names to custom initializer classes or functions,
            consulted before the built-in ones.

    Returns:
        A new initializer instance.

    Raises:
        ValueError: If the name or class is unknown.

    Example:
        >>> deserialize({"class_name": "Ones", "config": {}})
        Ones()
    """
    if isinstance(config, str):
        return get(config) if custom_objects is None else _from_name(config, custom_objects)
    return _registry.deserialize_keras_object(config, custom_objects=custom_objects,
                                              module_objects=ALL_OBJECTS_DICT)


def _from_name(name, custom_objects=None):
    obj = _registry.get_registered_object(name, custom_objects, ALL_OBJECTS_DICT)
    if obj is None:
        raise unknown_identifier_error("initializer", name, sorted(ALL_OBJECTS_DICT))
    return obj() if inspect.isclass(obj) else obj


def get(identifier):
    """Look up an initializer from a name, a config dict, a class, an instance or a callable.

    Args:
        identifier: ``None``, a name (``"glorot_uniform"``, ``"HeNormal"``, ...), a config dict, an
            initializer class (instantiated with default arguments), an instance, or a callable
            ``(shape, dtype) -> array`` (returned as it is).

    Returns:
        An initializer, or ``None`` when ``identifier`` is ``None``.

    Raises:
        ValueError: If ``identifier`` is an unknown name or cannot be interpreted.

    Example:
        >>> get("he_normal")
        HeNormal(seed=None)
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = _from_name(identifier)
    else:
        obj = identifier
    if callable(obj):
        if inspect.isclass(obj):
            obj = obj()
        return obj
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}. Expected None, "
                     "a string name, a config dict, an Initializer class or instance, or a callable.")


_variables.initializer_lookup = get  # keras.Variable(initializer="zeros", ...) resolves names through it
