"""Dtype policies and dynamic loss scaling."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras import layers


@pytest.fixture(autouse=True)
def _reset_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


@pytest.mark.parametrize("policy,compute", [("mixed_float16", "float16"), ("mixed_bfloat16", "bfloat16")])
def test_mixed_policy_dtypes(policy, compute):
    keras.mixed_precision.set_global_policy(policy)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2),
                              layers.Activation("softmax", dtype="float32")])
    dense = model.layers[0]
    assert dense.dtype_policy.name == policy
    assert dense.compute_dtype == compute and dense.variable_dtype == "float32"
    assert dense.kernel.dtype == "float32"
    hidden = keras.Model(model.inputs, model.layers[0].output)
    assert hidden(np.ones((1, 4), "float32")).dtype == jnp.dtype(compute)
    assert model(np.ones((1, 4), "float32")).dtype == jnp.float32
    # gradients w.r.t. the float32 variables are float32
    variables = model.get_variables()
    grads = jax.grad(lambda v: jnp.sum(model.apply(v, jnp.ones((2, 4)))[0]))(variables)
    assert all(g.dtype == jnp.float32 for g in jax.tree_util.tree_leaves(grads))


def test_float16_compile_wraps_loss_scale_optimizer_and_trains():
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    h = model.fit(x, x[:, :1], epochs=3, verbose=0)
    assert np.isfinite(h.history["loss"]).all()


def _lso_model():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(1, dtype="float32")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


def test_loss_scale_optimizer_state_survives_save_and_load(tmp_path):
    import zipfile

    import h5py

    keras.mixed_precision.set_global_policy("mixed_float16")
    model = _lso_model()
    opt = model.optimizer
    # Keras's layout before the first step: the wrapper's header, then the inner optimizer's
    assert [v.path for v in opt.variables] == ["loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
                                               "adam/iteration", "adam/learning_rate"]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    names = [v.path for v in opt.variables]
    assert names[:6] == ["loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
                         "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale",
                         "adam/iteration", "adam/learning_rate"]
    assert names[6:8] == ["adam/sequential_dense_kernel_momentum", "adam/sequential_dense_kernel_velocity"]
    values = {v.path: np.asarray(v.value) for v in opt.variables}
    assert int(values["loss_scale_optimizer/step_counter"]) == 4 and int(values["adam/iteration"]) == 4
    assert [v.path for v in opt.inner_optimizer.variables] == names[4:]  # views on the wrapper's state
    path = tmp_path / "lso.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z, z.open("model.weights.h5") as f, h5py.File(f) as h5:
        assert len(h5["optimizer/vars"]) == len(names)  # Keras's layout: the whole list, and the inner one again
        assert len(h5["optimizer/inner_optimizer/vars"]) == len(names) - 4
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.optimizer, keras.mixed_precision.LossScaleOptimizer)
    got = [np.asarray(v.value) for v in loaded.optimizer.variables]
    assert len(got) == len(names)
    for want, have in zip(values.values(), got):
        np.testing.assert_array_equal(want, have)
    # and both train on identically from there
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)
    assert int(loaded.optimizer.iterations) == 8


def test_overflow_skips_step_and_halves_scale():
    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=8.0,
                                                   dynamic_growth_steps=2)
    w = keras.Variable(np.ones(3, "float32"))
    opt.build([w])
    ov = [v.value for v in opt.variables]
    params = [w.value]
    # non-finite gradient: nothing moves, scale halves
    new_params, ov = jax.jit(opt.stateless_apply)(ov, [jnp.array([1.0, jnp.inf, 2.0])], params)
    np.testing.assert_array_equal(np.asarray(new_params[0]), np.ones(3))
    assert float(opt.current_scale(ov)) == 4.0
    # two finite steps: updates use unscaled gradients, then the scale doubles
    g = jnp.array([4.0, 8.0, 0.0])  # scaled by 4 -> true gradient [1, 2, 0]
    p1, ov = opt.stateless_apply(ov, [g], new_params)
    np.testing.assert_allclose(np.asarray(p1[0]), [0.9, 0.8, 1.0], rtol=1e-6)
    assert float(opt.current_scale(ov)) == 4.0
    _, ov = opt.stateless_apply(ov, [g], p1)
    assert float(opt.current_scale(ov)) == 8.0


def test_fit_overflow_is_skipped_inside_the_jitted_step():
    """float16 activations overflow (inf) for huge inputs: the step is skipped, weights stay finite."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse")
    w0 = model.get_weights()
    x = np.full((8, 2), 60000.0, "float32")  # x @ 1 = 120000 > float16 max (65504)
    model.fit(x, np.zeros((8, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    for a, b in zip(w0, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model._opt_state.scale) == 2.0 ** 14
    # As in Keras, the optimizer reports the scale it reached, and skipped steps are no iterations.
    assert float(model.optimizer.dynamic_scale) == 2.0 ** 14
    assert model.optimizer.iterations == 0
    x_ok = np.ones((8, 2), "float32")
    model.fit(np.concatenate([x, x_ok, x_ok]), np.zeros((24, 1), "float32"), batch_size=8, epochs=1,
              shuffle=False, verbose=0)
    assert model.optimizer.iterations == 2  # one more skipped step, two applied
    assert float(model.optimizer.dynamic_scale) == 2.0 ** 13


def test_custom_loop_with_loss_scaling_and_stateless_apply():
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.05))
    opt.build(model.trainable_variables)
    x = np.random.default_rng(1).normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-1.0], [0.5]], "float32")

    @jax.jit
    def step(tv, ntv, ov):
        def loss_fn(tv):
            pred, _ = model.stateless_call(tv, ntv, x)
            loss = jnp.mean((pred.astype(jnp.float32) - y) ** 2)
            return opt.scale_loss(loss, ov), loss

        (_, loss), grads = jax.value_and_grad(loss_fn, has_aux=True)(tv)
        tv, ov = opt.stateless_apply(ov, grads, tv)
        return tv, ov, loss

    tv = [v.value for v in model.trainable_variables]
    ov = [v.value for v in opt.variables]
    losses = []
    for _ in range(60):
        tv, ov, loss = step(tv, [], ov)
        losses.append(float(loss))
    assert losses[-1] < 0.1 * losses[0]


def test_bfloat16_cnn_trains_close_to_float32():
    """The digits example's CNN in mixed_bfloat16 reaches the float32 test accuracy within a small margin."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype("float32")[..., None]
    y = d.target.astype("int32")
    x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]

    def run(policy):
        keras.mixed_precision.set_global_policy(policy)
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(16, 3, activation="relu"),
                                  layers.Flatten(), layers.Dense(32, activation="relu"), layers.Dense(10),
                                  layers.Activation("softmax", dtype="float32")])
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=6, batch_size=64, verbose=0)
        return model.evaluate(x_test, y_test, verbose=0)[1]

    acc32 = run("float32")
    acc16 = run("mixed_bfloat16")
    assert acc32 > 0.85 and acc16 > acc32 - 0.03


def test_building_a_loss_scale_optimizer_starts_from_the_state_fit_left():
    """An overridden train_step builds the optimizer (list-form state); it starts from the tree state
    fit (or a loaded file) left: inner slots and the loss scale with its count."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    model = _lso_model()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(24, 4)).astype("float32"), rng.normal(size=(24, 1)).astype("float32")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    opt = model.optimizer
    opt._held_state = opt._held_state._replace(scale=jnp.asarray(1024.0, jnp.float32))  # as a file might hold
    before = [np.asarray(a) for _, a in opt._keras_entries()]
    opt.build(model.trainable_variables)
    assert opt.dynamic_scale == 1024.0
    after = [np.asarray(a) for _, a in opt._keras_entries()]
    assert len(before) == len(after)
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
