"""``keras.initializers``: initializer classes, their lowercase aliases, and get/serialize/deserialize.

Example:
    >>> from fkeras import initializers
    >>> init = initializers.get("glorot_uniform")
    >>> init(shape=(3, 4)).shape
    (3, 4)
    >>> initializers.serialize(initializers.HeNormal(seed=1))["class_name"]
    'HeNormal'
"""
from __future__ import annotations

import inspect

from fkeras.initializers.constant_initializers import (
    Constant,
    Identity,
    IdentityInitializer,
    Ones,
    Zeros,
)
from fkeras.initializers.initializer import Initializer, initialize
from fkeras.initializers.random_initializers import (
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
    Orthogonal,
    OrthogonalInitializer,
    RandomInitializer,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    compute_fans,
)
from fkeras.initializers.stft_initializer import STFT, STFTInitializer, stft
from fkeras.saving import registry as _registry
from fkeras.utils.naming import to_snake_case, unknown_identifier_error

# Keras exports each class under a lowercase, function-style name too.
constant = Constant
zeros = Zeros
ones = Ones
identity = Identity
random_normal = RandomNormal
truncated_normal = TruncatedNormal
random_uniform = RandomUniform
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
he_normal = HeNormal
he_uniform = HeUniform
orthogonal = Orthogonal

__all__ = [
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "IdentityInitializer", "Initializer", "LecunNormal", "LecunUniform", "Ones", "Orthogonal",
    "OrthogonalInitializer", "RandomNormal", "RandomUniform", "STFT", "STFTInitializer", "stft",
    "TruncatedNormal", "VarianceScaling", "Zeros", "compute_fans", "constant", "deserialize",
    "get", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
    "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform",
    "serialize", "truncated_normal", "variance_scaling", "zeros",
]

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
