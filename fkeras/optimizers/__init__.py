"""``keras.optimizers``: Keras 3 optimizers implemented as optax ``GradientTransformation``s.

Example:

```python
from fkeras import optimizers
opt = optimizers.get("adam")          # Adam(learning_rate=0.001)
opt.tx                                # the optax transformation a trainer runs
```
"""
from __future__ import annotations

import optax

from fkeras.optimizers import schedules
from fkeras.optimizers.adadelta import Adadelta
from fkeras.optimizers.adafactor import Adafactor
from fkeras.optimizers.adagrad import Adagrad
from fkeras.optimizers.adam import Adam
from fkeras.optimizers.adam import AdamW
from fkeras.optimizers.adamax import Adamax
from fkeras.optimizers.base import OptaxOptimizer
from fkeras.optimizers.base import Optimizer
from fkeras.optimizers.ftrl import Ftrl
from fkeras.optimizers.lamb import Lamb
from fkeras.optimizers.lion import Lion
from fkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from fkeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from fkeras.optimizers.muon import Muon
from fkeras.optimizers.nadam import Nadam
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


def _edit_distance(a, b):
    """Damerau-Levenshtein distance (a swap of two adjacent letters counts as one edit)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def unknown_identifier_error(kind, name, options):
    """``naming.unknown_identifier_error``, but a typo one edit away (``'adma'``) is suggested
    first: difflib alone prefers ``'adamax'`` for ``'adma'``."""
    err = naming.unknown_identifier_error(kind, name, options)
    lowered = str(name).lower()
    scored = sorted((_edit_distance(lowered, o.lower()), o) for o in options)
    if scored and scored[0][0] <= 1:
        best = scored[0][1]
        msg = str(err)
        hint = naming.did_you_mean(name, options)
        if hint:
            msg = msg.replace(hint, f" Did you mean {best!r}?", 1)
        else:
            msg = msg.replace(f"{name!r}.", f"{name!r}. Did you mean {best!r}?", 1)
        err = ValueError(msg)
    return err


def serialize(optimizer):
    """The optimizer's config as a JSON-able dict (Keras 3 layout)."""
    return registry.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Rebuild an optimizer from ``serialize``'s output (or a Keras-written config)."""
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
    """Retrieve an optimizer: a name (``"adam"``), a config dict, an `Optimizer` (returned as is)
    or a raw ``optax.GradientTransformation`` (wrapped in `OptaxOptimizer`).

    Example:

    ```python
    get("Adam").learning_rate            # 0.001
    get(optax.sgd(0.1))                  # OptaxOptimizer
    ```
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


__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "OptaxOptimizer",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "SGD",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
