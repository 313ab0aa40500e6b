"""``Model.stateless_compute_loss`` and ``model.metrics_variables`` (Keras 3's JAX trainer API), and
Keras-form steps whose loss includes weight penalties and add_loss terms on the traced values."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras

X = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
Y = np.random.default_rng(1).normal(size=(6, 2)).astype("float32")


def _model(cls=keras.Sequential, l2=0.3):
    keras.utils.set_random_seed(0)
    model = cls([keras.Input((3,)), keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(l2))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    model.evaluate(X, Y, verbose=0)  # builds the compiled loss and metrics
    return model


def _reference(kernel, bias):
    pred = X @ kernel + bias
    return np.mean((pred - Y) ** 2) + 0.3 * np.sum(kernel ** 2), pred


@pytest.mark.parametrize("jit", [False, True])
def test_loss_follows_the_given_variables_not_the_models(jit):
    model = _model()
    kernel = np.full((3, 2), 0.5, "float32")
    bias = np.array([0.1, -0.2], "float32")
    mv = [v.value for v in model.metrics_variables]

    def fn(t, mv):
        y_pred, _ = model.stateless_call(t, [], X)
        return model.stateless_compute_loss(t, [], mv, X, Y, y_pred)

    fn = jax.jit(fn) if jit else fn
    loss, (t, nt, mv2) = fn([jnp.asarray(kernel), jnp.asarray(bias)], mv)
    expected, _ = _reference(kernel, bias)
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    assert len(t) == 2 and nt == [] and len(mv2) == len(mv)


def test_penalty_is_differentiated_through_the_given_kernel():
    model = _model()
    kernel, bias = (v.numpy() for v in model.layers[0].weights)
    mv = [v.value for v in model.metrics_variables]

    def loss_fn(t):
        y_pred, _ = model.stateless_call(t, [], X)
        return model.stateless_compute_loss(t, [], mv, X, Y, y_pred)[0]

    g_kernel, g_bias = jax.grad(loss_fn)([jnp.asarray(kernel), jnp.asarray(bias)])
    _, pred = _reference(kernel, bias)
    resid = 2 * (pred - Y) / Y.size
    np.testing.assert_allclose(g_kernel, X.T @ resid + 2 * 0.3 * kernel, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(g_bias, resid.sum(0), rtol=1e-4, atol=1e-6)


def test_metrics_variables_follow_model_metrics():
    model = _model()
    expected = [v for m in model.metrics for v in m.variables]
    assert len(model.metrics_variables) == len(expected) > 0
    assert all(a is b for a, b in zip(model.metrics_variables, expected))


def test_wrong_list_length_names_the_argument():
    model = _model()
    t = [v.value for v in model.trainable_variables]
    with pytest.raises(ValueError, match="`metrics_variables`.*Received a list with 0"):
        model.stateless_compute_loss(t, [], [], X, Y, model(X))


def test_default_keras_form_step_trains_like_the_fast_step_with_a_regularizer():
    class Overriding(keras.Sequential):
        def train_step(self, state, data):  # Keras's own step, reached through an override
            return super().train_step(state, data)

    fast, keras_form = _model(), _model(Overriding)
    fast.fit(X, Y, epochs=3, batch_size=6, verbose=0)
    h = keras_form.fit(X, Y, epochs=3, batch_size=6, verbose=0)
    for a, b in zip(fast.get_weights(), keras_form.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    kernel = _model().layers[0].kernel.numpy()
    bias = np.zeros(2, "float32")
    assert h.history["loss"][0] == pytest.approx(_reference(kernel, bias)[0], rel=1e-5)


def test_keras_form_step_of_an_add_loss_only_model():
    class Penalty(keras.layers.Layer):
        def call(self, x):
            self.add_loss(keras.ops.mean(keras.ops.square(x)))
            return x

    class Overriding(keras.Model):
        def train_step(self, state, data):
            return super().train_step(state, data)

    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    model = Overriding(inputs, Penalty()(keras.layers.Dense(2)(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    kernel, bias = (v.numpy() for v in model.weights)
    model(X)  # an eager call leaves its own add_loss term behind; the step must not add it
    h = model.fit(X, epochs=1, batch_size=6, verbose=0)
    assert h.history["loss"][0] == pytest.approx(np.mean((X @ kernel + bias) ** 2), rel=1e-5)
