"""EarlyStopping stops at the right epoch and restores the best epoch's weights."""
import warnings

import numpy as np

import fkeras as keras


class _FakeModel:
    def __init__(self):
        self.stop_training = False
        self.epoch_weights = None
        self.restored = None

    def get_weights(self):
        return [np.array(self.epoch_weights)]

    def set_weights(self, w):
        self.restored = w[0].item()


def _drive(cb, values, monitor="val_loss"):
    model = _FakeModel()
    cb.set_model(model)
    cb.on_train_begin()
    stopped_at = None
    for epoch, v in enumerate(values):
        model.epoch_weights = float(epoch)  # "weights" = the epoch that produced them
        cb.on_epoch_end(epoch, {monitor: v})
        if model.stop_training:
            stopped_at = epoch
            break
    cb.on_train_end()
    return stopped_at, model


def test_stops_after_patience_and_restores_best_epoch():
    cb = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    stopped, model = _drive(cb, [1.0, 0.8, 0.5, 0.6, 0.55, 0.4])
    assert stopped == 4 and cb.stopped_epoch == 4 and cb.best_epoch == 2
    assert model.restored == 2.0


def test_min_delta_mode_max_baseline_and_start_from_epoch():
    cb = keras.callbacks.EarlyStopping(monitor="val_accuracy", min_delta=0.05, patience=1)
    assert cb.mode == "max"
    stopped, _ = _drive(cb, [0.5, 0.52, 0.53, 0.9], monitor="val_accuracy")
    assert stopped == 1  # +0.02 is not an improvement of at least 0.05
    # Keras's rule: an epoch that beats the best so far but not the baseline does not reset the
    # patience counter, yet it does not stop training either; a non-improving one then stops it.
    cb = keras.callbacks.EarlyStopping(monitor="loss", patience=1, baseline=0.3)
    stopped, _ = _drive(cb, [0.9, 0.8, 0.85], monitor="loss")
    assert stopped == 2
    cb = keras.callbacks.EarlyStopping(monitor="loss", patience=1, baseline=0.85)
    stopped, _ = _drive(cb, [0.9, 0.8, 0.85, 0.82], monitor="loss")
    assert stopped == 2  # 0.8 beat the baseline (counter restarted), then 0.85 is one bad epoch
    cb = keras.callbacks.EarlyStopping(monitor="loss", patience=0, start_from_epoch=2)
    stopped, _ = _drive(cb, [1.0, 2.0, 3.0, 4.0, 5.0], monitor="loss")
    assert stopped == 3


def test_missing_monitor_warns_once_and_never_stops():
    cb = keras.callbacks.EarlyStopping(monitor="val_nope", patience=0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        stopped, _ = _drive(cb, [1.0, 2.0, 3.0], monitor="loss")
    assert stopped is None
    assert sum("val_nope" in str(x.message) for x in w) == 1


def test_in_fit_restores_the_best_weights():
    r = np.random.default_rng(0)
    x = r.normal(size=(64, 3)).astype("float32")
    y = r.normal(size=(64, 1)).astype("float32")  # noise: validation loss soon stops improving

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights, self.val = [], []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append(self.model.get_weights())
            self.val.append(logs["val_loss"])

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    rec = Record()
    es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    h = model.fit(x, y, validation_split=0.25, epochs=60, batch_size=16, verbose=0, callbacks=[rec, es])
    best = int(np.argmin(rec.val))
    assert len(h.history["loss"]) == best + 4  # stopped `patience` epochs after the best one
    for a, b in zip(rec.weights[best], model.get_weights()):
        np.testing.assert_array_equal(a, b)
