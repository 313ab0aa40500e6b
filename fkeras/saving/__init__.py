"""``keras.saving``."""
from fkeras.saving.registry import (CustomObjectScope, custom_object_scope, deserialize_keras_object,
                                    get_custom_objects, get_registered_name, get_registered_object,
                                    register_keras_serializable, serialize_keras_object)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (``.keras`` or legacy ``.h5``).

    Args:
        filepath: Path of the file (or of an unzipped ``.keras`` directory).
        custom_objects: ``{"Name": class_or_function}`` for custom objects the file names.
        compile: Whether to compile the model with its saved ``compile()`` arguments and restore
            the optimizer state.
        safe_mode: Refuse Python code in the file (a ``Lambda``'s lambda); pass False only for
            files you trust.

    Returns:
        The model.
    """
    from fkeras.saving import saving_api

    return saving_api.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Save a whole model: architecture, weights, compile arguments and optimizer state.

    Args:
        model: The model to save.
        filepath: A path ending in ``.keras`` (or ``.h5``, tf.keras's legacy format).
        overwrite: Whether to replace an existing file (the write is atomic either way).
        **kwargs: ``zipped=False`` writes the ``.keras`` content as a directory;
            ``include_optimizer`` (``.h5`` only).

    Example:
        >>> keras.models.save_model(model, "model.keras")   # same as model.save("model.keras")
    """
    from fkeras.saving import saving_api

    return saving_api.save_model(model, filepath, overwrite=overwrite, **kwargs)


def __getattr__(name):
    if name == "KerasFileEditor":
        from fkeras.saving.file_editor import KerasFileEditor

        return KerasFileEditor
    if name == "Checkpointer":
        from fkeras.saving.checkpointer import Checkpointer

        return Checkpointer
    raise AttributeError(f"module 'fkeras.saving' has no attribute {name!r}")


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Save a model's weights (and optimizer variables) to ``.weights.h5`` (or legacy ``.h5``).

    Args:
        model: The (built) model.
        filepath: A path ending in ``.weights.h5`` or ``.h5``.
        overwrite: Whether to replace an existing file.
        **kwargs: ``save_format`` is accepted and ignored (the suffix decides).
    """
    from fkeras.saving import saving_api

    return saving_api.save_weights(model, filepath, overwrite=overwrite, **kwargs)


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights into a built model from ``.weights.h5``, a ``.keras`` archive or legacy ``.h5``.

    Args:
        model: The (built) model.
        filepath: The file to read.
        skip_mismatch: Skip (with a warning) layers whose variable count or shapes differ,
            instead of raising.
        **kwargs: No other argument is supported (``by_name=True`` raises, as in Keras 3).
    """
    from fkeras.saving import saving_api

    return saving_api.load_weights(model, filepath, skip_mismatch=skip_mismatch, **kwargs)
