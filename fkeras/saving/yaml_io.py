"""``model.to_yaml()`` / ``keras.models.model_from_yaml()`` over YAML's *safe* subset.

tf.keras removed these because ``yaml.load`` could construct arbitrary Python objects. Here
they dump and read the same config as ``to_json`` with ``yaml.safe_dump`` / ``yaml.safe_load``,
which only know plain scalars, lists and mappings. PyYAML is optional.

Example:
    text = to_yaml(model)
    clone = model_from_yaml(text)
"""
from __future__ import annotations

import json

from fkeras.saving import registry


def _yaml():
    try:
        import yaml
    except ImportError as e:
        raise ImportError(
            "`to_yaml()` / `model_from_yaml()` need PyYAML, which is not installed. Install it with "
            "`pip install pyyaml`, or use `model.to_json()` / `keras.models.model_from_json()`."
        ) from e
    return yaml


def to_yaml(model, **kwargs):
    """The model's architecture (as in ``to_json``) as a YAML string; ``kwargs`` go to ``yaml.safe_dump``."""
    yaml = _yaml()
    config = json.loads(json.dumps(registry.serialize_keras_object(model)))  # tuples -> lists
    kwargs.setdefault("sort_keys", False)
    return yaml.safe_dump(config, **kwargs)


def model_from_yaml(yaml_string, custom_objects=None):
    """tf.keras's ``model_from_yaml`` (``keras.models.model_from_yaml``): rebuild an (untrained) model
    from ``to_yaml()`` output. Never constructs Python objects from YAML tags: the text is read with
    ``yaml.safe_load``.

    Args:
        yaml_string: The YAML text of a model config (``model.to_yaml()``).
        custom_objects: ``{"Name": class_or_function}`` for custom objects it names.

    Returns:
        A model with fresh weights.
    """
    yaml = _yaml()
    config = yaml.safe_load(yaml_string)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("`model_from_yaml` expects the YAML written by `model.to_yaml()` (a mapping with "
                         f"'class_name' and 'config'); received {type(config).__name__}.")
    with registry.safe_mode_scope(True):
        return registry.deserialize_keras_object(config, custom_objects=custom_objects)
