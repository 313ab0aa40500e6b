"""``keras.saving`` (only re-exports). The serialization registry is loaded with the package; the
functions that read and write files (``fkeras.saving.saving_api``), ``KerasFileEditor`` and ``Checkpointer``
are loaded on first use: this package is imported early (the registry is the lowest floor), before
the layers and models those need exist."""
from typing import TYPE_CHECKING

from fkeras.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    deserialize_keras_object,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
    serialize_keras_object,
)

if TYPE_CHECKING:  # the names loaded on first use, for static tools (type checkers, the API docs)
    from fkeras.saving.checkpointer import Checkpointer
    from fkeras.saving.file_editor import KerasFileEditor
    from fkeras.saving.saving_api import load_model, load_weights, save_model, save_weights

__all__ = ["Checkpointer", "CustomObjectScope", "KerasFileEditor", "custom_object_scope", "deserialize_keras_object",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model", "load_weights",
           "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object"]


def __getattr__(name):
    if name in ("load_model", "save_model", "load_weights", "save_weights"):
        from fkeras.saving import saving_api as module
    elif name == "KerasFileEditor":
        from fkeras.saving import file_editor as module
    elif name == "Checkpointer":
        from fkeras.saving import checkpointer as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
