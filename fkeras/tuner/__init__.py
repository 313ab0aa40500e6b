"""``fkeras.tuner``: hyperparameter search with keras_tuner's API, run by optuna.

``import fkeras.tuner as kt`` stands in for ``import keras_tuner as kt``. Needs ``pip install optuna``.

Example:
    import fkeras as keras
    from fkeras import tuner as kt

    def build_model(hp):
        model = keras.Sequential([
            keras.layers.Dense(hp.Int("units", 32, 256, step=32), activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ])
        model.compile(keras.optimizers.Adam(hp.Float("lr", 1e-4, 1e-2, sampling="log")),
                      "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    tuner = kt.RandomSearch(build_model, objective="val_accuracy", max_trials=10, directory="runs")
    tuner.search(x, y, epochs=5, validation_split=0.2)
    best_hp = tuner.get_best_hyperparameters()[0]
"""
from fkeras.tuner.hypermodel import HyperModel
from fkeras.tuner.hyperparameters import Boolean, Choice, Fixed, Float, HyperParameter, HyperParameters, Int
from fkeras.tuner.objective import Objective, ObjectiveNotLoggedError
from fkeras.tuner.tuner import Oracle, Trial, Tuner
from fkeras.tuner.tuners import BayesianOptimization, Hyperband, RandomSearch

__all__ = ["HyperModel", "HyperParameters", "HyperParameter", "Int", "Float", "Choice", "Boolean", "Fixed",
           "Objective", "ObjectiveNotLoggedError", "Tuner", "Oracle", "Trial", "RandomSearch",
           "BayesianOptimization", "Hyperband"]
