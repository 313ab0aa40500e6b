"""A metric *function* that returns one value per batch (the hand-written F1 of many tutorials) works
with a partial last batch: each batch counts once, computed on its real rows only, as in Keras."""
import numpy as np
import pytest

import fkeras as keras
from fkeras import ops


def f1(y_true, y_pred):
    y_pred = ops.round(y_pred)
    tp = ops.sum(y_true * y_pred)
    precision = tp / (ops.sum(y_pred) + 1e-7)
    recall = tp / (ops.sum(y_true) + 1e-7)
    return 2 * precision * recall / (precision + recall + 1e-7)


def f1_numpy(y_true, y_pred):
    y_pred = np.round(y_pred)
    tp = np.sum(y_true * y_pred)
    precision, recall = tp / (np.sum(y_pred) + 1e-7), tp / (np.sum(y_true) + 1e-7)
    return 2 * precision * recall / (precision + recall + 1e-7)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 4)).astype("float32")
    y = (x[:, :1] + 0.3 * rng.normal(size=(100, 1)) > 0).astype("float32")
    return x, y


def _model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=[f1, "accuracy"])
    return model


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_evaluate_averages_batch_values_over_real_rows(data, run_eagerly):
    x, y = data
    model = _model()
    model.compile("adam", "binary_crossentropy", metrics=[f1, "accuracy"], run_eagerly=run_eagerly)
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    p = model.predict(x, batch_size=64, verbose=0)
    expected = np.mean([f1_numpy(y[:64], p[:64]), f1_numpy(y[64:], p[64:])])
    assert logs["f1"] == pytest.approx(expected, rel=1e-5)
    assert logs["accuracy"] == pytest.approx(np.mean((p > 0.5) == y), rel=1e-6)


def test_fit_with_validation_split_and_a_partial_batch(data):
    x, y = data
    model = _model()
    hist = model.fit(x, y, batch_size=64, epochs=2, verbose=0, validation_split=0.2, shuffle=False)
    assert set(hist.history) == {"loss", "f1", "accuracy", "val_loss", "val_f1", "val_accuracy"}
    assert all(np.isfinite(v).all() for v in hist.history.values())
    p = model.predict(x[80:], verbose=0)
    assert hist.history["val_f1"][-1] == pytest.approx(f1_numpy(y[80:], p), rel=1e-5)
