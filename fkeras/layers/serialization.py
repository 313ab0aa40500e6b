"""``keras.layers.serialize`` / ``deserialize``."""
from __future__ import annotations

import sys

from fkeras.engine.layer import Layer
from fkeras.saving import registry


def _public_layer_classes():
    """``{name: class}`` of the layer classes ``keras.layers`` exports. This module sits below the
    package's ``__init__`` (which re-exports it), so it reads the package's namespace instead of
    importing it; by the time a layer is deserialized the package is loaded."""
    package = sys.modules["fkeras.layers"]
    return {k: v for k, v in vars(package).items() if isinstance(v, type) and issubclass(v, Layer)}


def serialize(layer):
    """The layer's config as a JSON-able dict, in Keras 3's format (``keras.layers.serialize``).

    Args:
        layer: The ``keras.layers.Layer`` instance to serialize.

    Example:
        config = keras.layers.serialize(keras.layers.Dense(3))
        layer = keras.layers.deserialize(config)
    """
    return registry.serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from a config written by ``serialize`` (or by Keras); custom layer classes
    come from ``custom_objects`` or the registered objects (``keras.layers.deserialize``).

    Args:
        config: A dict written by ``keras.layers.serialize`` (or by Keras): ``class_name``, ``config`` and, for
            registered custom classes, ``module`` / ``registered_name``.
        custom_objects: An optional dict mapping class names to custom layer classes (or functions) used in the
            config.
    """
    obj = registry.deserialize_keras_object(config, custom_objects=custom_objects,
                                            module_objects=_public_layer_classes())
    if not isinstance(obj, Layer):
        raise ValueError("`keras.layers.deserialize` was passed a `config` object that is not a "
                         f"`keras.layers.Layer`. Received: {config}")
    return obj
