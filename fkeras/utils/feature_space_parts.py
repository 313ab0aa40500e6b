"""The pieces of ``keras.utils.FeatureSpace``: ``Feature`` and ``Cross`` specs and host-column helpers."""
from __future__ import annotations

import numpy as np

from fkeras.layers.core import Identity

_FEATURE_MODES = ("int", "one_hot", "float")
_CROSS_MODES = ("int", "one_hot")


def positive_int(value, arg, where):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{where}: `{arg}` must be a positive integer. Received: {arg}={value!r}")
    return int(value)


def deserialize_layer(config):
    """A preprocessing layer from its config; Keras's ``TFDIdentity`` (the plain-float feature's
    preprocessor, a TensorFlow-only class) becomes ``Identity``."""
    from fkeras.saving import registry

    if isinstance(config, dict) and config.get("class_name") == "TFDIdentity":
        inner = dict(config.get("config") or {})
        return Identity(name=inner.get("name"), dtype="float32")
    return registry.deserialize_keras_object(config)


class Cross:
    """A cross of features: their preprocessed values, hashed together into ``crossing_dim`` bins.

    Args:
        feature_names: Names of the features to cross (at least two).
        crossing_dim: Number of hash bins.
        output_mode: ``"one_hot"`` (encoded as a one-hot vector) or ``"int"`` (the bin id).
    """

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in _CROSS_MODES:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                             f"Received: output_mode={output_mode!r}")
        if isinstance(feature_names, str) or len(tuple(feature_names)) < 2:
            raise ValueError(f"A cross needs at least two feature names. Received: feature_names={feature_names!r}")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = positive_int(crossing_dim, "crossing_dim", "FeatureSpace.cross")
        self.output_mode = output_mode

    @property
    def name(self):
        """The cross's name: the feature names joined by ``"_X_"``."""
        return "_X_".join(self.feature_names)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        """Rebuild a cross from ``get_config()``'s dict.

        Args:
            config: The dict.
        """
        return cls(**config)


class Feature:
    """One feature of a FeatureSpace: its input dtype, preprocessing layer and encoding.

    Args:
        dtype: The raw values' dtype: ``"float32"``, ``"int32"`` / ``"int64"`` or ``"string"``.
        preprocessor: A preprocessing layer (or its serialized config).
        output_mode: ``"float"`` (use the preprocessor's output as is), ``"one_hot"`` (one-hot
            encode the integer ids it returns) or ``"int"`` (keep the ids).
    """

    def __init__(self, dtype, preprocessor, output_mode):
        from fkeras.backend.dtypes import standardize_dtype

        if output_mode not in _FEATURE_MODES:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot', 'float'}. "
                             f"Received: output_mode={output_mode!r}")
        self.dtype = standardize_dtype(dtype)
        if isinstance(preprocessor, dict):
            preprocessor = deserialize_layer(preprocessor)
        if not callable(preprocessor):
            raise ValueError(f"`preprocessor` must be a preprocessing layer. Received: {preprocessor!r}")
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        """The dtype, the serialized preprocessor and the output mode, as a dict."""
        from fkeras.saving import registry

        return {"dtype": self.dtype, "preprocessor": registry.serialize_keras_object(self.preprocessor),
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        """Rebuild a feature from ``get_config()``'s dict.

        Args:
            config: The dict.
        """
        return cls(**config)


def from_serialized(value, cls):
    """``cls`` rebuilt from a registry-style ``{"class_name": ..., "config": ...}`` dict (or the bare config)."""
    if isinstance(value, dict) and "class_name" in value:
        if value["class_name"] != cls.__name__:
            raise ValueError(f"Expected a serialized {cls.__name__}; received class_name={value['class_name']!r}.")
        value = value.get("config") or {}
    return cls.from_config(dict(value))


def string_input(name):
    """A ``keras.Input`` of shape ``(None, 1)`` marked as holding strings (host data only)."""
    from fkeras.layers.input_layer import Input

    tensor = Input(shape=(1,), dtype="int32", name=name)
    tensor.dtype = "string"
    tensor._node.layer._dtype_name = "string"
    return tensor


def as_column(value, name):
    """Host array of shape ``(n, k)`` for one feature's batch (scalars become ``(1, 1)``)."""
    from fkeras.layers.preprocessing._base import to_host

    arr = to_host(value)
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr[:, None]
    if arr.ndim > 2:
        raise ValueError(f"Feature '{name}' must have shape (), (batch,) or (batch, 1); received {arr.shape}.")
    return arr


def cast_column(arr, dtype):
    if dtype == "string":
        return arr
    if arr.dtype.kind in "SUO":
        raise ValueError(f"Expected {dtype} values, received strings (dtype {arr.dtype}).")
    if dtype.startswith("float") or dtype == "bfloat16":
        return arr.astype(np.float32)
    return arr.astype(np.int64) if arr.dtype.kind != "i" else arr
