"""``keras.models``."""
from fkeras.models.model import Model
from fkeras.models.functional import Functional
from fkeras.models.sequential import Sequential
from fkeras.models.cloning import clone_model


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (untrained) from ``model.to_json()``."""
    import json

    from fkeras.saving import registry

    return registry.deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved with ``model.save`` (``.keras`` or legacy ``.h5``)."""
    from fkeras.saving import saving_api

    return saving_api.load_model(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


def model_from_yaml(yaml_string, custom_objects=None):
    """tf.keras's ``model_from_yaml``, rebuilt on ``yaml.safe_load`` (it never runs code)."""
    from fkeras.saving import yaml_io

    return yaml_io.model_from_yaml(yaml_string, custom_objects=custom_objects)
