"""``keras.models``."""
from fkeras.models.model import Model
from fkeras.models.functional import Functional
from fkeras.models.sequential import Sequential
from fkeras.models.cloning import clone_model
from fkeras.saving import save_model


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (with fresh, untrained weights) from ``model.to_json()``.

    Args:
        json_string: The JSON string ``model.to_json()`` returned.
        custom_objects: ``{"Name": class_or_function}`` for custom layers and functions it names.

    Returns:
        A model.
    """
    import json

    from fkeras.saving import registry

    config = json.loads(json_string)
    version = config.get("keras_version") if isinstance(config, dict) else None
    with registry.written_by(version):  # named when a field this fkeras does not take is refused
        return registry.deserialize_keras_object(config, custom_objects=custom_objects)


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


def model_from_yaml(yaml_string, custom_objects=None):
    """tf.keras's ``model_from_yaml``, rebuilt on ``yaml.safe_load`` (it never runs code).

    Args:
        yaml_string: The YAML text of a model config (``model.to_yaml()`` in tf.keras).
        custom_objects: ``{"Name": class_or_function}`` for custom objects it names.

    Returns:
        A model with fresh weights.
    """
    from fkeras.saving import yaml_io

    return yaml_io.model_from_yaml(yaml_string, custom_objects=custom_objects)
