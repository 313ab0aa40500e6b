"""The Layer engine: variables, binding, pure init/apply, stateless_call, config."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras import layers


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w


class Linear(keras.layers.Layer):
    """The tutorial's custom layer, written with jax.numpy instead of tf.matmul."""

    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return jnp.matmul(inputs, self.w) + self.b


class Counter(keras.layers.Layer):
    """A layer with non-trainable state updated in call (like BatchNorm statistics)."""

    def build(self, input_shape):
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")
        self.total = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False, name="total")

    def call(self, x, training=False):
        if training:
            self.count.assign(self.count + 1.0)
            self.total.assign(self.total + jnp.sum(x, axis=0))
        return x


def test_custom_layer_builds_on_first_call_and_matches_numpy(rng):
    x = rng.normal(size=(4, 3)).astype("float32")
    layer = Linear(5)
    y = layer(x)
    w, b = layer.get_weights()
    assert w.shape == (3, 5) and b.shape == (5,)
    np.testing.assert_allclose(np.asarray(y), x @ w + b, rtol=1e-5, atol=1e-6)
    assert [v.name for v in layer.weights] == ["variable", "variable_1"]
    assert layer.count_params() == 20


def test_auto_names_are_unique_and_reset_by_clear_session():
    a, b = layers.Dense(2), layers.Dense(2)
    assert (a.name, b.name) == ("dense", "dense_1")
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense"


def test_variable_handle_outside_and_array_inside():
    layer = Scale()
    layer.build((None, 3))
    assert isinstance(layer.w, keras.Variable)
    assert layer.w.shape == (3,) and layer.w.dtype == "float32"
    np.testing.assert_array_equal(layer.w.numpy(), np.ones(3))
    layer.w.assign(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(np.asarray(layer(np.ones((1, 3)))), [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="shape"):
        layer.w.assign(np.ones(4))


def test_set_weights_checks_count_and_shapes():
    d = layers.Dense(2)
    d.build((None, 3))
    with pytest.raises(ValueError, match="expects 2 weights"):
        d.set_weights([np.ones((3, 2))])
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        d.set_weights([np.ones((4, 2)), np.ones(2)])
    d.set_weights([np.full((3, 2), 0.5), np.array([1.0, -1.0])])
    np.testing.assert_allclose(np.asarray(d(np.ones((1, 3)))), [[2.5, 0.5]])


@pytest.mark.parametrize("jit", [False, True])
def test_init_apply_are_pure_and_match_eager_call(jit, rng):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="tanh"), layers.Dense(2)])
    key = jax.random.PRNGKey(7)
    v1 = model.init(key)
    v2 = model.init(key)
    jax.tree_util.tree_map(np.testing.assert_array_equal, v1, v2)
    assert set(v1) == {"dense", "dense_1"} and set(v1["dense"]) == {"kernel", "bias"}
    x = rng.normal(size=(5, 4)).astype("float32")
    apply = jax.jit(model.apply) if jit else model.apply
    y, new_vars = apply(v1, x)
    k, b = np.asarray(v1["dense"]["kernel"]), np.asarray(v1["dense"]["bias"])
    k2, b2 = np.asarray(v1["dense_1"]["kernel"]), np.asarray(v1["dense_1"]["bias"])
    np.testing.assert_allclose(np.asarray(y), np.tanh(x @ k + b) @ k2 + b2, rtol=1e-5, atol=1e-5)
    # init did not touch the model's own values
    assert not np.allclose(model.layers[0].get_weights()[0], k)


def test_apply_returns_updated_state_without_mutating(rng):
    model = keras.Sequential([keras.Input((2,)), Counter()])
    variables = model.get_variables()
    x = np.ones((3, 2), "float32")
    _, new = jax.jit(lambda v, x: model.apply(v, x, training=True))(variables, x)
    assert float(new["counter"]["count"]) == 1.0
    np.testing.assert_allclose(np.asarray(new["counter"]["total"]), [3.0, 3.0])
    assert float(model.layers[0].count.numpy()) == 0.0  # the object is untouched


def test_eager_call_writes_state_back():
    layer = Counter()
    layer(np.ones((2, 3), "float32"), training=True)
    layer(np.ones((2, 3), "float32"), training=True)
    assert float(layer.count.numpy()) == 2.0


@pytest.mark.parametrize("jit", [False, True])
def test_stateless_call_keras3_style(jit, rng):
    model = keras.Sequential([keras.Input((3,)), Counter(), layers.Dense(2)])
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    x = rng.normal(size=(4, 3)).astype("float32")
    fn = jax.jit(model.stateless_call, static_argnames="training") if jit else model.stateless_call
    y, new_ntv = fn(tv, ntv, x, training=True)
    np.testing.assert_allclose(np.asarray(y), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
    assert float(new_ntv[0]) == 1.0
    with pytest.raises(ValueError, match="trainable_variables"):
        model.stateless_call(tv[:1], ntv, x)


def test_compute_output_shape_and_symbolic_batch_dim():
    d = layers.Dense(7)
    assert d.compute_output_shape((None, 3)) == (None, 7)
    x = keras.Input((5, 3))
    y = layers.Dense(4)(x)
    assert y.shape == (None, 5, 4)
    z = layers.Flatten()(y)
    assert z.shape == (None, 20)


def test_input_shape_errors_name_layer():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2, name="head")])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(2, 5\)"):
        model(np.ones((2, 5), "float32"))
    d = layers.Dense(3, name="proj")
    d(np.ones((1, 4), "float32"))
    with pytest.raises(ValueError, match='layer "proj".*axis -1.*value 4'):
        d(np.ones((1, 6), "float32"))


def test_unknown_activation_suggests_nearest():
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        layers.Dense(3, activation="rleu")


def test_trainable_flag_moves_weights_between_lists():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(2)])
    assert len(model.trainable_weights) == 4
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4


def test_get_config_round_trip_and_auto_config():
    d = layers.Dense(3, activation="relu", use_bias=False, name="d")
    cfg = d.get_config()
    assert cfg["units"] == 3 and cfg["activation"] == "relu" and cfg["use_bias"] is False
    d2 = layers.Dense.from_config(cfg)
    assert d2.get_config() == cfg
    lin = Linear(units=9)
    assert lin.get_config()["units"] == 9  # captured from __init__ arguments


def test_regularizer_losses_and_activity_regularizer():
    d = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1), kernel_initializer="ones")
    d.build((None, 3))
    np.testing.assert_allclose(float(d.losses[0]), 0.1 * 6.0, rtol=1e-6)


def test_function_layer_in_sequential_trains(rng):
    def init(key, shape):
        return {"w": jax.random.normal(key, (shape[-1], 1)) * 0.1, "b": jnp.zeros((1,))}

    def apply(params, x):
        return x @ params["w"] + params["b"]

    model = keras.Sequential([keras.Input((3,)), layers.FunctionLayer(init, apply)])
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    h = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert h.history["loss"][-1] < 0.01 * h.history["loss"][0]
    v1 = model.init(jax.random.PRNGKey(0))
    v2 = model.init(jax.random.PRNGKey(0))
    jax.tree_util.tree_map(np.testing.assert_array_equal, v1, v2)


def test_flax_module_with_batch_stats_in_functional(rng):
    import flax.linen as nn

    class Block(nn.Module):
        @nn.compact
        def __call__(self, x, train: bool = False):
            x = nn.Dense(8)(x)
            x = nn.BatchNorm(use_running_average=not train)(x)
            return nn.relu(x)

    inp = keras.Input((4,))
    h = layers.FlaxModule(Block())(inp)
    out = layers.Dense(1)(h)
    model = keras.Model(inp, out)
    flax_layer = model.layers[1]
    names = sorted(v.name for v in flax_layer.weights)
    assert any("batch_stats" in n for n in names) and any("params" in n for n in names)
    assert len(flax_layer.non_trainable_weights) == 2
    before = [w.copy() for w in flax_layer.get_weights()]
    x = rng.normal(size=(32, 4)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0)
    stats_changed = [not np.allclose(a, b) for a, b, v in zip(before, flax_layer.get_weights(),
                                                                 flax_layer.weights) if not v.trainable]
    assert all(stats_changed)


def test_random_layer_under_user_jit_without_key_errors_instead_of_freezing_mask():
    drop = layers.Dropout(0.5)
    with pytest.raises(ValueError, match="rng=jax.random.PRNGKey"):
        jax.jit(lambda x: drop(x, training=True))(np.ones((1, 8), "float32"))
    # eager calls draw a fresh mask each time from the global stream
    a = np.asarray(drop(np.ones((1, 64), "float32"), training=True))
    b = np.asarray(drop(np.ones((1, 64), "float32"), training=True))
    assert not np.array_equal(a, b)


def test_tf_keras_weights_argument_sets_initial_values():
    k = np.arange(6, dtype="float32").reshape(3, 2)
    b = np.array([1.0, -1.0], "float32")
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2, weights=[k, b])])
    np.testing.assert_allclose(np.asarray(model(np.ones((1, 3), "float32"))), np.ones((1, 3)) @ k + b)
    with pytest.raises(ValueError, match="expects 2 weights"):
        keras.Sequential([keras.Input((3,)), layers.Dense(2, weights=[k])])
