"""Helpers for the callback tests: a tiny model, tiny data, and recorders."""
import numpy as np

import fkeras as keras
from fkeras import layers
from fkeras.callbacks.callback import Callback


def make_data(n=48, d=4, seed=0):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int32")
    return x, y


def make_model(d=4, lr=0.05, optimizer=None):
    model = keras.Sequential([keras.Input((d,)), layers.Dense(8, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer or keras.optimizers.SGD(lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class WeightRecorder(Callback):
    """Records ``model.get_weights()`` at every epoch end (and batch end when ``batches=True``)."""

    def __init__(self, batches=False):
        super().__init__()
        self.epochs = {}
        self.batches = []
        if batches:
            self.on_train_batch_end = self._batch_end

    def on_epoch_end(self, epoch, logs=None):
        self.epochs[epoch] = [np.array(w) for w in self.model.get_weights()]

    def _batch_end(self, batch, logs=None):
        self.batches.append([np.array(w) for w in self.model.get_weights()])


class ScriptedMetric(Callback):
    """Puts ``values[epoch]`` into the epoch logs under ``name`` (placed before the callback under test)."""

    def __init__(self, name, values):
        super().__init__()
        self.name = name
        self.values = list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.name] = self.values[epoch]


def saving_available():
    try:
        from fkeras.saving import saving_api  # noqa: F401
    except ImportError:
        return False
    return hasattr(saving_api, "save_weights") and hasattr(saving_api, "load_weights")
