"""``train_on_batch`` / ``test_on_batch`` / ``predict_on_batch`` on a model that overrides Keras's
steps run the overrides (Keras 3's JAX form), like ``fit`` / ``evaluate`` / ``predict`` do."""
import numpy as np
import pytest

import fkeras as keras

X = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
Y = np.random.default_rng(1).normal(size=(5, 1)).astype("float32")


class Overriding(keras.Sequential):
    def train_step(self, state, data):
        return super().train_step(state, data)

    def test_step(self, state, data):
        return super().test_step(state, data)

    def predict_step(self, state, data):
        return super().predict_step(state, data) * 2.0


def _model(cls):
    keras.utils.set_random_seed(0)
    model = cls([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    return model


def test_train_on_batch_runs_the_overridden_step_like_the_fast_one():
    fast, keras_form = _model(keras.Sequential), _model(Overriding)
    kernel, bias = (w.copy() for w in fast.get_weights())
    a = fast.train_on_batch(X, Y, return_dict=True)
    b = keras_form.train_on_batch(X, Y, return_dict=True)
    pred = X @ kernel + bias
    assert b["loss"] == pytest.approx(np.mean((pred - Y) ** 2), rel=1e-5)
    assert b["mae"] == pytest.approx(np.mean(np.abs(pred - Y)), rel=1e-5)
    assert a == pytest.approx(b, rel=1e-5)
    for u, v in zip(fast.get_weights(), keras_form.get_weights()):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-7)
    assert keras_form.train_on_batch(X, Y) == pytest.approx(fast.train_on_batch(X, Y), rel=1e-5)  # list form
    assert int(keras_form.optimizer.iterations.numpy()) == 2


def test_test_and_predict_on_batch_run_the_overrides():
    model = _model(Overriding)
    kernel, bias = model.get_weights()
    pred = X @ kernel + bias
    logs = model.test_on_batch(X, Y, return_dict=True)
    assert logs["loss"] == pytest.approx(np.mean((pred - Y) ** 2), rel=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(X), 2 * pred, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(X, verbose=0), 2 * pred, rtol=1e-5, atol=1e-6)
