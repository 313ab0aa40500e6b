"""Models whose only losses come from ``add_loss`` (compiled without a ``loss``), as in Keras 3's
"training with built-in methods" and "making new layers via subclassing" guides."""
import numpy as np
import pytest

import fkeras as keras


class SquarePenalty(keras.layers.Layer):
    """Adds ``mean(x ** 2)`` as the loss and passes ``x`` through."""

    def call(self, x):
        self.add_loss(keras.ops.mean(keras.ops.square(x)))
        return x


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((3,), name="inputs")
    h = keras.layers.Dense(2, name="d")(inputs)
    return keras.Model(inputs, SquarePenalty()(h))


X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")


def test_fit_without_loss_trains_on_add_loss_terms_and_reports_them():
    model = _model()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    w, b = (v.numpy() for v in model.get_layer("d").weights)
    expected_first = np.mean(np.square(X @ w + b))
    hist = model.fit(X, epochs=3, batch_size=8, verbose=0)  # no y: the loss needs none
    assert hist.history["loss"][0] == pytest.approx(expected_first, rel=1e-5)
    # one SGD step on mean(h^2): dL/dW = 2/(n*2) X^T h, dL/db = mean over all of 2h
    h = X @ w + b
    g_w = 2 * X.T @ h / h.size
    w1 = w - 0.1 * g_w
    b1 = b - 0.1 * 2 * h.sum(0) / h.size
    assert hist.history["loss"][1] == pytest.approx(np.mean(np.square(X @ w1 + b1)), rel=1e-5)
    assert hist.history["loss"][2] < hist.history["loss"][0]
    out = model.evaluate(X, verbose=0, return_dict=True)
    w, b = (v.numpy() for v in model.get_layer("d").weights)
    assert out["loss"] == pytest.approx(np.mean(np.square(X @ w + b)), rel=1e-5)


def test_fit_without_loss_takes_a_dict_of_inputs_and_targets():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((3,), name="inputs")
    targets = keras.Input((1,), name="targets")

    class Endpoint(keras.layers.Layer):
        def call(self, targets, logits):
            self.add_loss(keras.ops.mean(keras.ops.square(targets - logits)))
            return logits

    logits = keras.layers.Dense(1)(inputs)
    model = keras.Model([inputs, targets], Endpoint()(targets, logits))
    model.compile(optimizer="adam")
    y = X[:, :1] * 2
    hist = model.fit({"inputs": X, "targets": y}, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def test_fit_without_any_loss_says_what_is_missing():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="got no `loss`.*add_loss"):
        model.fit(X, np.zeros((8, 2)), verbose=0)


def test_fit_with_a_loss_still_needs_targets():
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="needs targets"):
        model.fit(X, verbose=0)


def test_weight_regularizer_alone_is_a_loss():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))])
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    k = model.layers[0].kernel.numpy()
    hist = model.fit(X, np.zeros((8, 2)), batch_size=8, epochs=2, verbose=0)
    assert hist.history["loss"][0] == pytest.approx(0.5 * np.sum(k ** 2), rel=1e-5)
    # the penalty's gradient shrinks the kernel: k <- k - 0.1 * 2 * 0.5 * k
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), k * 0.9 ** 2, rtol=1e-5)
