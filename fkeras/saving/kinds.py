"""Kinds of fkeras objects, for code on a floor below the classes that define them.

The serialization registry sits on the lowest floor of the package, and the weights-file layout
sits below ``fkeras.models``; both still have to ask "is this a layer? a model? an optimizer?".
Importing ``Layer`` or ``Model`` for that would make the lower floor depend on the higher one.
Instead they ask a *kind* from this module::

    from fkeras.saving.kinds import Layer, Model

    isinstance(obj, Model)            # True for every fkeras Model (and subclasses)
    issubclass(cls, (Layer, Model))   # tuples work as with classes

A kind names the class it stands for by its module and name (``Layer`` is
``fkeras.engine.layer.Layer``) and compares against that class only if its module is already
loaded: nothing is imported here. If the module is not loaded, no instance of the class can
exist, so the answer (False) is right. Other attribute reads are forwarded to the class
(``Layer.from_config`` is ``fkeras.engine.layer.Layer.from_config``).

When a class moves to another module, update its line in ``_KINDS`` (a module that still
re-exports the class under the old path keeps working).
"""
from __future__ import annotations

import sys

# kind name -> module that defines (or re-exports) the class of that name
_KINDS = {
    "Layer": "fkeras.engine.layer",
    "Model": "fkeras.models.model",
    "Functional": "fkeras.models.functional",
    "Sequential": "fkeras.models.sequential",
    "Loss": "fkeras.losses.loss",
    "Metric": "fkeras.metrics.metric",
    "Optimizer": "fkeras.optimizers.base",
    "LearningRateSchedule": "fkeras.optimizers.schedules.learning_rate_schedule",
    "Initializer": "fkeras.initializers.initializer",
    "Regularizer": "fkeras.regularizers.regularizers",
    "Constraint": "fkeras.constraints.constraints",
    "DTypePolicy": "fkeras.dtype_policies.dtype_policy",
    "SeedGenerator": "fkeras.random.seed_generator",
}


class Kind(type):
    """Metaclass of the kinds: ``isinstance``/``issubclass`` against a kind test the real class."""

    def defining_class(cls):
        """The class this kind stands for, or None while its module is not loaded."""
        module = sys.modules.get(cls._module)
        return getattr(module, cls.__name__, None) if module is not None else None

    def __instancecheck__(cls, obj):
        real = cls.defining_class()
        return real is not None and isinstance(obj, real)

    def __subclasscheck__(cls, sub):
        real = cls.defining_class()
        return real is not None and isinstance(sub, type) and issubclass(sub, real)

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        real = cls.defining_class()
        if real is None:
            raise AttributeError(f"{cls.__name__}.{name}: {cls._module} is not imported yet")
        return getattr(real, name)

    def __repr__(cls):
        return f"<kind {cls.__name__} of {cls._module}>"


def _kind(name, module):
    doc = f"The kind of ``{module}.{name}`` instances (see the module docstring)."
    return Kind(name, (), {"__module__": __name__, "__doc__": doc, "_module": module})


Layer = _kind("Layer", _KINDS["Layer"])
Model = _kind("Model", _KINDS["Model"])
Functional = _kind("Functional", _KINDS["Functional"])
Sequential = _kind("Sequential", _KINDS["Sequential"])
Loss = _kind("Loss", _KINDS["Loss"])
Metric = _kind("Metric", _KINDS["Metric"])
Optimizer = _kind("Optimizer", _KINDS["Optimizer"])
LearningRateSchedule = _kind("LearningRateSchedule", _KINDS["LearningRateSchedule"])
Initializer = _kind("Initializer", _KINDS["Initializer"])
Regularizer = _kind("Regularizer", _KINDS["Regularizer"])
Constraint = _kind("Constraint", _KINDS["Constraint"])
DTypePolicy = _kind("DTypePolicy", _KINDS["DTypePolicy"])
SeedGenerator = _kind("SeedGenerator", _KINDS["SeedGenerator"])

__all__ = list(_KINDS)
