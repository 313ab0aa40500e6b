"""Weights a callback writes at an epoch's end (``set_weights``, ``assign``) are what the next epoch
trains from, and what the model holds after ``fit`` returns (Keras 3 re-reads its variables after
callbacks; the "writing your own callbacks" guide restores best weights this way)."""
import jax
import numpy as np
import pytest

import fkeras as keras

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _model(train_step=None):
    keras.utils.set_random_seed(0)
    cls = keras.Sequential
    if train_step is not None:
        cls = type("Custom", (keras.Sequential,), {"train_step": train_step})
    model = cls([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


class SetAt(keras.callbacks.Callback):
    def __init__(self, epoch, value, stop=False):
        super().__init__()
        self.epoch, self.value, self.stop = epoch, value, stop

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.set_weights([self.value])
            self.model.stop_training = self.stop


def _sgd_step(w):
    grad = 2 * X.T @ (X @ w - Y) / len(X)
    return w - 0.1 * grad


W = np.full((3, 1), 0.25, "float32")


def test_weights_set_by_a_callback_before_stopping_survive_fit():
    model = _model()
    model.fit(X, Y, epochs=5, batch_size=8, verbose=0, callbacks=[SetAt(1, W, stop=True)])
    np.testing.assert_array_equal(model.get_weights()[0], W)


def test_next_epoch_trains_from_weights_a_callback_set():
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[SetAt(0, W)])
    np.testing.assert_allclose(model.get_weights()[0], _sgd_step(W), rtol=1e-5, atol=1e-6)


def test_weights_set_after_the_last_epoch_survive_fit():
    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[SetAt(1, W)])
    np.testing.assert_array_equal(model.get_weights()[0], W)


def test_optimizer_state_and_untouched_training_carry_on():
    model, ref = _model(), _model()
    model.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=[SetAt(7, W)])  # never fires
    ref.fit(X, Y, epochs=3, batch_size=8, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], ref.get_weights()[0])


def test_keras_form_train_step_sees_weights_a_callback_set():
    def train_step(self, state, data):
        trainable, non_trainable, opt_vars, metric_vars = state
        x, y = data

        def loss_fn(t):
            y_pred, nt = self.stateless_call(t, non_trainable, x, training=True)
            return keras.ops.mean(keras.ops.square(y_pred - y)), nt

        (loss, nt), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
        trainable, opt_vars = self.optimizer.stateless_apply(opt_vars, grads, trainable)
        return {"loss": loss}, (trainable, nt, opt_vars, metric_vars)

    model = _model(train_step)
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[SetAt(0, W)])
    np.testing.assert_allclose(model.get_weights()[0], _sgd_step(W), rtol=1e-5, atol=1e-6)
    model.fit(X, Y, epochs=3, batch_size=8, verbose=0, callbacks=[SetAt(1, W, stop=True)])
    np.testing.assert_array_equal(model.get_weights()[0], W)


@pytest.mark.parametrize("how", ["assign", "layer_set_weights"])
def test_other_ways_of_writing_weights(how):
    class Write(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                if how == "assign":
                    self.model.layers[0].kernel.assign(W)
                else:
                    self.model.layers[0].set_weights([W])

    model = _model()
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0, callbacks=[Write()])
    np.testing.assert_allclose(model.get_weights()[0], _sgd_step(W), rtol=1e-5, atol=1e-6)
