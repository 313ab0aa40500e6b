"""``keras.quantizers.get`` / ``serialize`` / ``deserialize``."""
from __future__ import annotations

import inspect

from fkeras.quantizers import quantization_config as _qc, quantizers as _q
from fkeras.utils.naming import to_snake_case

_CLASSES = (_q.Quantizer, _q.AbsMaxQuantizer, _qc.QuantizationConfig, _qc.Int8QuantizationConfig,
            _qc.Int4QuantizationConfig, _qc.Float8QuantizationConfig, _qc.GPTQConfig, _qc.AWQConfig)
ALL_OBJECTS_DICT = {c.__name__: c for c in _CLASSES}
ALL_OBJECTS_DICT.update({to_snake_case(c.__name__): c for c in _CLASSES})


def serialize(quantizer):
    """The Keras 3 config dict of a quantizer or quantization config.

    Args:
        quantizer: a ``Quantizer`` or ``QuantizationConfig`` instance.

    Returns:
        ``{"module": "keras.quantizers", "class_name", "config", "registered_name"}``.
    """
    from fkeras.saving import registry

    return registry.serialize_keras_object(quantizer)


def deserialize(config, custom_objects=None):
    """Rebuild a quantizer or quantization config from ``serialize``'s dict.

    Only the classes of ``keras.quantizers`` and classes the caller registered (or passes in
    ``custom_objects``) are constructed.

    Args:
        config: the config dict.
        custom_objects: optional ``{name: class}``.

    Returns:
        The object.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret quantizer config: {config!r}")
    from fkeras.saving import registry

    names = [n for n in (config.get("registered_name"), config["class_name"]) if n]
    cls = None
    for name in names:
        cls = registry.get_registered_object(name, custom_objects) or ALL_OBJECTS_DICT.get(name)
        if cls is not None:
            break
    if not (inspect.isclass(cls) and issubclass(cls, (_q.Quantizer, _qc.QuantizationConfig))):
        raise ValueError(f"Unknown quantizer class {config['class_name']!r}: expected one of "
                         f"{sorted(c.__name__ for c in _CLASSES)} or a registered custom quantizer.")
    return cls.from_config(config.get("config") or {})


def get(identifier, **kwargs):
    """A quantizer from an identifier.

    Args:
        identifier: ``None``, a config dict, a class name (``"AbsMaxQuantizer"`` or
            ``"abs_max_quantizer"``), a class, or a quantizer instance.
        **kwargs: constructor arguments when ``identifier`` names a class.

    Returns:
        The quantizer (``None`` for ``None``).
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            from fkeras.utils.naming import did_you_mean

            raise ValueError(f"Could not interpret quantizer identifier: {identifier!r}."
                             f"{did_you_mean(identifier, list(ALL_OBJECTS_DICT))}")
    else:
        obj = identifier
    if inspect.isclass(obj):
        return obj(**kwargs)
    if callable(obj) or isinstance(obj, _qc.QuantizationConfig):
        return obj
    raise ValueError(f"Could not interpret quantizer identifier: {identifier!r}")
