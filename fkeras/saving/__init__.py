"""``keras.saving``."""
from fkeras.saving.registry import (CustomObjectScope, custom_object_scope, deserialize_keras_object,
                                    get_custom_objects, get_registered_name, get_registered_object,
                                    register_keras_serializable, serialize_keras_object)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (``.keras`` or legacy ``.h5``)."""
    from fkeras.saving import saving_api

    return saving_api.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    from fkeras.saving import saving_api

    return saving_api.save_model(model, filepath, overwrite=overwrite, **kwargs)


def __getattr__(name):
    if name == "Checkpointer":
        from fkeras.saving.checkpointer import Checkpointer

        return Checkpointer
    raise AttributeError(f"module 'fkeras.saving' has no attribute {name!r}")


def save_weights(model, filepath, overwrite=True, **kwargs):
    from fkeras.saving import saving_api

    return saving_api.save_weights(model, filepath, overwrite=overwrite, **kwargs)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    from fkeras.saving import saving_api

    return saving_api.load_weights(model, filepath, skip_mismatch=skip_mismatch, **kwargs)
