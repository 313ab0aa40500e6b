"""``keras.wrappers``: scikit-learn estimators around fkeras models.

``SKLearnClassifier``, ``SKLearnRegressor`` and ``SKLearnTransformer`` need scikit-learn (an
optional dependency: ``pip install scikit-learn``). They are loaded on first use, so
``import fkeras`` never imports scikit-learn.
"""
import importlib

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


def __getattr__(name):
    if name in __all__:
        value = getattr(importlib.import_module("fkeras.wrappers.sklearn_wrapper"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
