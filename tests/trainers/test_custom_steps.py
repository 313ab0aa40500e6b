"""Keras 3's JAX-form step overrides ("customizing what happens in fit"): fit, evaluate and
predict run a model's own train_step / test_step / predict_step, with Keras's state tuples."""
import jax
import jax.numpy as jnp
import numpy as np

import fkeras as keras
from fkeras.trainers.programs import ProgramKey


class GuideModel(keras.Model):
    """The Keras 3 guide's low-level example: own loss and metric trackers, compile() without a loss."""

    def __init__(self, *args, grad_scale=1.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.grad_scale = grad_scale

    def compute_loss_and_updates(self, trainable_variables, non_trainable_variables, x, y, training=False):
        y_pred, non_trainable_variables = self.stateless_call(trainable_variables, non_trainable_variables, x,
                                                              training=training)
        return jnp.mean((y - y_pred) ** 2), (y_pred, non_trainable_variables)

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_vars, metrics_vars = state
        x, y = data
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        (loss, (y_pred, non_trainable)), grads = grad_fn(trainable, non_trainable, x, y, training=True)
        grads = [g * self.grad_scale for g in grads]
        trainable, optimizer_vars = self.optimizer.stateless_apply(optimizer_vars, grads, trainable)
        n = len(self.loss_tracker.variables)
        loss_vars = self.loss_tracker.stateless_update_state(metrics_vars[:n], loss)
        mae_vars = self.mae_metric.stateless_update_state(metrics_vars[n:], y, y_pred)
        logs = {"loss": self.loss_tracker.stateless_result(loss_vars),
                "mae": self.mae_metric.stateless_result(mae_vars)}
        return logs, (trainable, non_trainable, optimizer_vars, loss_vars + mae_vars)

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


def _data(n=100):
    r = np.random.default_rng(0)
    x = r.normal(size=(n, 4)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32")).astype("float32")


def _guide(**kw):
    inputs = keras.Input(shape=(4,))
    model = GuideModel(inputs, keras.layers.Dense(1)(inputs), **kw)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    return model


def test_fit_runs_the_overridden_train_step_and_logs_only_its_metrics():
    x, y = _data()
    keras.utils.set_random_seed(1)
    model = _guide()
    h = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert set(h.history) == {"loss", "mae"}
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert model.optimizer.iterations == 3 * 7
    # the same training with fkeras's own step (mse, SGD, unshuffled): the same weights
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(4,))
    ref = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    ref.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    ref.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # the trackers hold the last epoch's values after fit
    np.testing.assert_allclose(float(model.loss_tracker.result()), h.history["loss"][-1], rtol=1e-6)


def test_the_override_is_what_trains():
    x, y = _data()
    model = _guide(grad_scale=0.0)  # a step that never moves the weights
    w0 = model.get_weights()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    for a, b in zip(w0, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_step_returning_only_mae_and_seeing_unpadded_batches():
    class RowCounter(keras.Model):
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metrics_vars = state
            x, y = data
            y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x)
            return {"mae": jnp.mean(jnp.abs(y - y_pred)), "rows": jnp.asarray(x.shape[0], jnp.float32)}, state

    x, y = _data(100)  # batches of 32: 32, 32, 32 and a last one of 4 real rows
    inputs = keras.Input(shape=(4,))
    model = RowCounter(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(int(logs["rows"])))
    h = model.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[cb])
    assert seen == [32, 32, 32, 4]
    assert set(h.history) == {"mae", "rows"}
    keys = set(model.trace_counts)
    assert keys == {ProgramKey("train"), ProgramKey("train", rows=4)}


def test_evaluate_and_predict_run_overridden_test_and_predict_steps():
    class Custom(keras.Model):
        def test_step(self, state, data):
            trainable, non_trainable, metrics_vars = state
            x, y = data
            y_pred, _ = self.stateless_call(trainable, non_trainable, x)
            return {"sum_abs_error": jnp.sum(jnp.abs(y - y_pred))}, state

        def predict_step(self, state, data):
            trainable, non_trainable = state
            y_pred, _ = self.stateless_call(trainable, non_trainable, data[0])
            return {"doubled": 2.0 * y_pred}

    x, y = _data(50)
    inputs = keras.Input(shape=(4,))
    model = Custom(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    w, b = model.get_weights()
    ref = x @ w + b
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert set(logs) == {"sum_abs_error"}
    np.testing.assert_allclose(logs["sum_abs_error"], np.sum(np.abs(y[48:] - ref[48:])), rtol=1e-5)  # last batch
    out = model.predict(x, batch_size=16, verbose=0)
    np.testing.assert_allclose(out["doubled"], 2 * ref, rtol=1e-5, atol=1e-6)


def test_super_train_step_is_keras_default_step():
    class Delegating(keras.Model):
        calls = 0

        def train_step(self, state, data):
            Delegating.calls += 1  # counted while tracing
            return super().train_step(state, data)

    x, y = _data(64)
    keras.utils.set_random_seed(2)
    inputs = keras.Input(shape=(4,))
    model = Delegating(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    h = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert Delegating.calls >= 1 and {"loss", "mae"} <= set(h.history)
    keras.utils.set_random_seed(2)
    inputs = keras.Input(shape=(4,))
    ref = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    ref.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    hr = ref.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.history["loss"], hr.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(h.history["mae"], hr.history["mae"], rtol=1e-5)


class Penalized(keras.Model):
    """The Keras 3 guide's `compute_loss` override: the compiled loss plus a penalty on y_pred."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return super().compute_loss(x, y, y_pred, sample_weight, training=training) + jnp.mean(y_pred ** 2)


def test_an_overridden_compute_loss_is_what_fit_and_evaluate_minimise_and_report():
    x, y = _data(64)
    inputs = keras.Input(shape=(4,))
    model = Penalized(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    w0 = [np.asarray(w) for w in model.get_weights()]
    pred = np.asarray(model.predict(x, verbose=0))
    expected = float(np.mean((y - pred) ** 2) + np.mean(pred ** 2))
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=64, verbose=0), expected, rtol=1e-5)
    model.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
    # one full-batch SGD step on the penalized loss, by hand
    k, b = w0
    p = x @ k + b
    g = 2 * (p - y) / len(x) + 2 * p / len(x)
    np.testing.assert_allclose(model.get_weights()[0], k - 0.05 * x.T @ g, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b - 0.05 * g.sum(0), rtol=1e-4, atol=1e-6)


def test_an_overridden_compute_metrics_is_refused_before_any_step():
    class OwnMetrics(keras.Model):
        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            return {}

    x, y = _data(16)
    inputs = keras.Input(shape=(4,))
    model = OwnMetrics(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    for call in (lambda: model.fit(x, y, verbose=0), lambda: model.evaluate(x, y, verbose=0)):
        try:
            call()
        except NotImplementedError as e:
            assert "compute_metrics" in str(e) and "train_step" in str(e)
        else:
            raise AssertionError("compute_metrics was silently ignored")
    assert model.predict(x, verbose=0).shape == (16, 1)
    assert int(model.optimizer.iterations) == 0


def _guide_adam():
    inputs = keras.Input(shape=(4,))
    model = GuideModel(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.01))
    return model


def test_optimizer_state_of_an_overridden_train_step_is_saved_and_trained_on(tmp_path):
    """The state an overridden train_step keeps (in the handles of ``optimizer.build``) is what a
    `.keras` file holds (before: fresh zero slots), and a loaded model's step starts from it."""
    x, y = _data(64)
    model = _guide_adam()
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    entries = model.optimizer._keras_entries()
    assert [n for n, _ in entries][:3] == ["iteration", "learning_rate", "dense_kernel_momentum"]
    assert int(entries[0][1]) == 8 and float(np.abs(np.asarray(entries[2][1])).sum()) > 0
    path = tmp_path / "guide.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, custom_objects={"GuideModel": GuideModel})
    # Keras 3 revives a graph-built subclass (`__init__(*args, **kwargs)`) as its own class and name
    assert type(loaded) is GuideModel and loaded.name == model.name
    for (n, a), (m, b) in zip(entries, loaded.optimizer._keras_entries()):
        assert n == m
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(loaded.optimizer.iterations) == 12
    # load_weights into the trained (built) optimizer writes the file's state into its handles
    again = _guide_adam()
    again.fit(x[:16], y[:16], batch_size=16, epochs=1, verbose=0)  # built, with other slot values
    again.load_weights(path)
    for (_, a), (_, b) in zip(entries, again.optimizer._keras_entries()):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
