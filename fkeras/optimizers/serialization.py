"""``keras.optimizers.get`` / ``serialize`` / ``deserialize``, and the table of built-in optimizers
(by lowercase class name) they look names up in."""
from __future__ import annotations

import optax

from fkeras.optimizers.adadelta import Adadelta
from fkeras.optimizers.adafactor import Adafactor
from fkeras.optimizers.adagrad import Adagrad
from fkeras.optimizers.adam import Adam, AdamW
from fkeras.optimizers.adamax import Adamax
from fkeras.optimizers.base import Optimizer
from fkeras.optimizers.ftrl import Ftrl
from fkeras.optimizers.lamb import Lamb
from fkeras.optimizers.lion import Lion
from fkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from fkeras.optimizers.multi_optimizer import MultiOptimizer
from fkeras.optimizers.muon import Muon
from fkeras.optimizers.nadam import Nadam
from fkeras.optimizers.optax_optimizer import OptaxOptimizer
from fkeras.optimizers.rmsprop import RMSprop
from fkeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from fkeras.optimizers.sgd import SGD
from fkeras.saving import registry
from fkeras.utils import naming

ALL_OBJECTS = (
    Optimizer,
    Adam,
    SGD,
    RMSprop,
    Adadelta,
    AdamW,
    Adagrad,
    Adamax,
    Adafactor,
    Nadam,
    Ftrl,
    Lion,
    Lamb,
    Muon,
    ScheduleFreeAdamW,
    LossScaleOptimizer,
    MultiOptimizer,
)
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}
# Names `get("...")` can build with no arguments (the wrappers need an inner optimizer).
_BUILTIN_NAMES = sorted(k for k in ALL_OBJECTS_DICT
                        if k not in ("optimizer", "lossscaleoptimizer", "multioptimizer"))


unknown_identifier_error = naming.unknown_identifier_error  # typos one edit away come first there


def serialize(optimizer):
    """Turn an optimizer into a Keras 3 config.

    Args:
        optimizer: An ``Optimizer`` instance (built-in or a registered custom class).

    Returns:
        A JSON-compatible dict with ``"class_name"`` and ``"config"`` (``get_config()``) keys.

    Example:

    ```python
    config = keras.optimizers.serialize(keras.optimizers.Adam(1e-3))
    config["config"]["learning_rate"]   # 0.001
    ```
    """
    return registry.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer from the output of ``keras.optimizers.serialize`` (or a config Keras wrote).

    Built-in class names are matched without regard to case (``"Adam"`` or ``"adam"``).

    Args:
        config: A dict with ``"class_name"`` and ``"config"`` keys.
        custom_objects: Optional dict mapping names to custom optimizer classes, consulted before
            the built-in ones.

    Returns:
        A new ``Optimizer`` instance.

    Raises:
        ValueError: If ``config`` is not such a dict or names an unknown optimizer (the message
            suggests the closest built-in name).

    Example:

    >>> opt = keras.optimizers.deserialize({"class_name": "SGD", "config": {"learning_rate": 0.1}})
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "Expected an optimizer config: a dict with 'class_name' and 'config' keys. "
            f"Received: {config!r}"
        )
    config = dict(config)
    if config["class_name"].lower() in ALL_OBJECTS_DICT:
        config["class_name"] = config["class_name"].lower()
    elif not config.get("registered_name") and (custom_objects is None
                                                 or config["class_name"] not in custom_objects):
        if registry.get_registered_object(config["class_name"], custom_objects) is None:
            raise unknown_identifier_error("optimizer", config["class_name"], _BUILTIN_NAMES)
    return registry.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT
    )


def get(identifier):
    """Look up an optimizer from a name, a config, an instance or an optax transformation.

    Args:
        identifier: A built-in optimizer name (``"adam"``, ``"sgd"``, ... in any case), a config
            dict, an ``Optimizer`` (returned as it is), an ``optax.GradientTransformation`` (wrapped
            in ``OptaxOptimizer``), or ``None``.

    Returns:
        An ``Optimizer`` instance (a new one with default arguments for a name), or ``None`` when
        ``identifier`` is ``None``.

    Raises:
        ValueError: If ``identifier`` is an unknown name (with a suggestion for typos) or cannot be
            interpreted as an optimizer.

    Example:

    >>> keras.optimizers.get("Adam").learning_rate            # 0.001
    >>> keras.optimizers.get(optax.sgd(0.1))                  # an OptaxOptimizer
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, optax.GradientTransformation):
        return OptaxOptimizer(identifier)
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BUILTIN_NAMES:
            raise unknown_identifier_error("optimizer", identifier, _BUILTIN_NAMES)
        obj = ALL_OBJECTS_DICT[key]()
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(
        "Could not interpret optimizer identifier: expected a string, a config dict, an "
        f"Optimizer or an optax.GradientTransformation. Received: {identifier!r}"
    )
