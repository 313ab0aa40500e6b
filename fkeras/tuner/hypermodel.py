"""``HyperModel``: a model-building function with a search space (keras_tuner's API)."""
from __future__ import annotations


class HyperModel:
    """Subclass and override ``build(hp)`` (and optionally ``fit``) to define a tunable model.

    Example:
        class MyHyperModel(HyperModel):
            def build(self, hp):
                model = keras.Sequential([keras.layers.Dense(hp.Int("units", 8, 64), activation="relu"),
                                          keras.layers.Dense(1)])
                model.compile("adam", "mse")
                return model

            def fit(self, hp, model, *args, **kwargs):
                return model.fit(*args, batch_size=hp.Choice("batch_size", [16, 32]), **kwargs)
    """

    def __init__(self, name=None, tunable=True):
        self.name = name
        self.tunable = tunable

    def build(self, hp):
        """Build (and compile) a model for the hyperparameters ``hp``."""
        raise NotImplementedError(f"{type(self).__name__} must implement build(hp).")

    def declare_hyperparameters(self, hp):
        pass

    def fit(self, hp, model, *args, **kwargs):
        """Train ``model``; returns a ``History``, a dict of metrics, or the objective value itself."""
        return model.fit(*args, **kwargs)


class FunctionHyperModel(HyperModel):
    """Wraps a ``build_model(hp)`` function."""

    def __init__(self, build_fn, name=None):
        super().__init__(name=name or getattr(build_fn, "__name__", None))
        self._build_fn = build_fn

    def build(self, hp):
        return self._build_fn(hp)


def get_hypermodel(hypermodel):
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if callable(hypermodel):
        return FunctionHyperModel(hypermodel)
    raise TypeError("`hypermodel` must be a HyperModel instance or a function `build_model(hp)` returning a "
                    f"compiled model; received {hypermodel!r}.")
