"""``keras.models``."""
from fkeras.models.model import Model
from fkeras.models.functional import Functional
from fkeras.models.sequential import Sequential


def model_from_json(json_string, custom_objects=None):
    """Rebuild a model (untrained) from ``model.to_json()``."""
    import json

    from fkeras.saving import registry

    return registry.deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)
