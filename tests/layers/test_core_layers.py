"""Core, reshaping, regularization, input and merging layers against numpy references.

Covers Dense, Activation, Identity, Dropout, Flatten, Reshape, Lambda, InputLayer / Input and
Add / Subtract / Multiply / Average / Maximum / Minimum / Concatenate / Dot (plus their function
forms). Each numeric check runs eagerly and under ``jax.jit``.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras import layers

JIT = [False, True]


def _run(layer, x, jit, **kwargs):
    """The layer's output on concrete ``x``: eager ``layer(x)`` or jitted pure ``layer.apply``."""
    if not layer.built:
        layer(x)  # build eagerly so the variable tree exists
    if not jit:
        return np.asarray(layer(x, **kwargs))
    variables = layer.get_variables()
    out, _ = jax.jit(lambda v, x: layer.apply(v, x, **kwargs))(variables, x)
    return np.asarray(out)


def _shapes_agree(layer_factory, input_shapes):
    """compute_output_shape, the symbolic call on keras.Input and the concrete call all agree."""
    multi = isinstance(input_shapes, list)
    shapes = input_shapes if multi else [input_shapes]
    layer = layer_factory()
    cos = layer.compute_output_shape(shapes if multi else shapes[0])
    sym_in = [keras.Input(batch_shape=s) for s in shapes]
    sym = layer_factory()(sym_in if multi else sym_in[0]).shape
    conc_in = [np.ones(tuple(2 if d is None else d for d in s), "float32") for s in shapes]
    conc = layer_factory()(conc_in if multi else conc_in[0]).shape
    assert tuple(cos) == tuple(sym), (cos, sym)
    assert tuple(conc) == tuple(2 if d is None else d for d in sym), (conc, sym)
    return tuple(sym)


# --- Dense ---------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_dense_matches_numpy(jit, rng):
    x = rng.normal(size=(5, 4)).astype("float32")
    layer = layers.Dense(3, activation="relu", bias_initializer="random_normal")
    y = _run(layer, x, jit)
    k, b = layer.get_weights()
    assert k.shape == (4, 3) and b.shape == (3,)
    np.testing.assert_allclose(y, np.maximum(x @ k + b, 0.0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("jit", JIT)
def test_dense_on_rank3_contracts_last_axis(jit, rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.Dense(5, use_bias=False)
    y = _run(layer, x, jit)
    (k,) = layer.get_weights()
    assert y.shape == (2, 3, 5)
    np.testing.assert_allclose(y, np.einsum("bti,io->bto", x, k), rtol=1e-5, atol=1e-5)
    assert _shapes_agree(lambda: layers.Dense(5), (None, 3, 4)) == (None, 3, 5)


def test_dense_weight_names_order_and_init_tree():
    d = layers.Dense(3)
    d.build((None, 4))
    assert [w.name for w in d.weights] == ["kernel", "bias"]
    assert [w.shape for w in d.weights] == [(4, 3), (3,)]
    assert d.count_params() == 4 * 3 + 3
    nb = layers.Dense(3, use_bias=False)
    nb.build((None, 4))
    assert [w.name for w in nb.weights] == ["kernel"]
    tree = layers.Dense(2).init(jax.random.PRNGKey(0), jax.ShapeDtypeStruct((1, 4), jnp.float32))
    assert set(tree) == {"kernel", "bias"} and tree["kernel"].shape == (4, 2)
    np.testing.assert_array_equal(np.asarray(tree["bias"]), np.zeros(2))


def test_dense_errors():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="last dimension"):
        layers.Dense(2)(keras.Input((None,)))
    with pytest.raises(ValueError, match="min_ndim=2"):
        layers.Dense(2)(np.ones((3,), "float32"))


# --- Activation / Identity ----------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_activation_and_identity(jit):
    x = np.linspace(-2.0, 2.0, 12, dtype="float32").reshape(3, 4)
    np.testing.assert_allclose(_run(layers.Activation("relu"), x, jit), np.maximum(x, 0.0))
    np.testing.assert_allclose(_run(layers.Activation("sigmoid"), x, jit), 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(_run(layers.Activation(jnp.tanh), x, jit), np.tanh(x), rtol=1e-6)
    np.testing.assert_array_equal(_run(layers.Identity(), x, jit), x)
    assert _shapes_agree(lambda: layers.Activation("relu"), (None, 3, 4)) == (None, 3, 4)
    assert _shapes_agree(layers.Identity, (None, 7)) == (None, 7)
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        layers.Activation("rellu")


# --- Dropout ------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_dropout_is_identity_when_not_training(jit, rng):
    x = rng.normal(size=(4, 5)).astype("float32")
    d = layers.Dropout(0.5)
    np.testing.assert_array_equal(_run(d, x, jit), x)
    np.testing.assert_array_equal(_run(d, x, jit, training=False), x)
    assert _shapes_agree(lambda: layers.Dropout(0.5), (None, 3, 4)) == (None, 3, 4)


@pytest.mark.parametrize("jit", JIT)
def test_dropout_training_scales_kept_and_drops_rate(jit):
    rate = 0.3
    x = np.full((100, 100), 2.0, "float32")
    d = layers.Dropout(rate)
    if jit:
        y = jax.jit(lambda x, k: d.apply({}, x, training=True, rng=k)[0])(x, jax.random.PRNGKey(3))
    else:
        y = d(x, training=True)
    y = np.asarray(y)
    kept = y != 0
    np.testing.assert_allclose(y[kept], 2.0 / (1 - rate), rtol=1e-6)
    assert abs((~kept).mean() - rate) < 0.03, (~kept).mean()


def test_dropout_apply_key_controls_the_mask():
    d = layers.Dropout(0.5)
    x = np.ones((8, 16), "float32")
    f = jax.jit(lambda x, k: d.apply({}, x, training=True, rng=k)[0])
    a, b, c = f(x, jax.random.PRNGKey(0)), f(x, jax.random.PRNGKey(0)), f(x, jax.random.PRNGKey(1))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))


@pytest.mark.parametrize("jit", JIT)
def test_dropout_noise_shape_broadcasts(jit):
    x = np.ones((4, 6, 5), "float32")
    d = layers.Dropout(0.5, noise_shape=(None, 1, 5))
    if jit:
        y = jax.jit(lambda x, k: d.apply({}, x, training=True, rng=k)[0])(x, jax.random.PRNGKey(5))
    else:
        y = d(x, training=True)
    y = np.asarray(y)
    # the mask is shared along axis 1, drawn independently per sample and feature
    np.testing.assert_array_equal(y, np.broadcast_to(y[:, :1, :], y.shape))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0 < (y[:, 0, :] == 0).sum() < y[:, 0, :].size


def test_dropout_rate_validation_and_extremes():
    for bad in (-0.1, 1.5, "0.5"):
        with pytest.raises(ValueError, match="rate"):
            layers.Dropout(bad)
    x = np.ones((2, 3), "float32")
    np.testing.assert_array_equal(np.asarray(layers.Dropout(0.0)(x, training=True)), x)


# --- Flatten / Reshape --------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_flatten_channels_last_and_first(jit):
    x = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(_run(layers.Flatten(), x, jit), x.reshape(2, -1))
    y = _run(layers.Flatten(data_format="channels_first"), x, jit)
    np.testing.assert_array_equal(y, np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))
    assert _shapes_agree(layers.Flatten, (None, 3, 4, 5)) == (None, 60)
    assert layers.Flatten()(keras.Input((None, 4))).shape == (None, None)
    assert layers.Flatten()(np.ones((5,), "float32")).shape == (5, 1)


@pytest.mark.parametrize("jit", JIT)
def test_reshape_with_minus_one(jit):
    x = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_array_equal(_run(layers.Reshape((-1, 2)), x, jit), x.reshape(2, 6, 2))
    np.testing.assert_array_equal(_run(layers.Reshape((4, 3)), x, jit), x.reshape(2, 4, 3))
    assert _shapes_agree(lambda: layers.Reshape((-1, 2)), (None, 3, 4)) == (None, 6, 2)
    assert _shapes_agree(lambda: layers.Reshape((12,)), (None, 3, 4)) == (None, 12)


def test_reshape_errors():
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5,))(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5, -1))(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5,))(keras.Input((3, 4)))
    with pytest.raises(ValueError, match="-1"):
        layers.Reshape((-1, -1))


def test_reshape_symbolic_error_shows_none_batch_dim():
    with pytest.raises(ValueError) as e:
        layers.Reshape((5,))(keras.Input((3, 4)))
    assert "(None, 3, 4)" in str(e.value) and "_d0" not in str(e.value)


# --- Lambda -------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_lambda_with_arguments(jit, rng):
    x = rng.normal(size=(3, 4)).astype("float32")
    layer = layers.Lambda(lambda t, scale, shift: t * scale + shift, arguments={"scale": 3.0, "shift": -1.0})
    np.testing.assert_allclose(_run(layer, x, jit), x * 3.0 - 1.0, rtol=1e-6)
    sym = layers.Lambda(lambda t: t[:, :2] ** 2)(keras.Input((5,)))
    assert sym.shape == (None, 2)
    assert layer.get_config()["arguments"] == {"scale": 3.0, "shift": -1.0}


def _square(t):
    return t * t


def test_lambda_config_round_trip_and_safe_mode():
    x = np.array([[1.0, -2.0]], "float32")
    lam = layers.Lambda(lambda t, k: t * k, arguments={"k": 2.0}, name="lam")
    cfg = lam.get_config()
    with pytest.raises(ValueError, match="safe_mode"):
        layers.Lambda.from_config(cfg)
    back = layers.Lambda.from_config(cfg, safe_mode=False)
    assert back.name == "lam" and back.arguments == {"k": 2.0}
    np.testing.assert_allclose(np.asarray(back(x)), [[2.0, -4.0]])
    named = layers.Lambda(_square)
    np.testing.assert_allclose(np.asarray(named(x)), [[1.0, 4.0]])
    with pytest.raises(ValueError, match="callable"):
        layers.Lambda(3)


# --- Input / InputLayer ---------------------------------------------------------------------

def test_input_and_input_layer():
    x = keras.Input((3, 4), name="img")
    assert x.shape == (None, 3, 4) and x.dtype == "float32" and x.ndim == 3
    assert keras.Input((3,), dtype="int32").dtype == "int32"
    assert keras.Input((3,), batch_size=8).shape == (8, 3)
    assert keras.Input(batch_shape=(2, None)).shape == (2, None)
    il = layers.InputLayer(shape=(5,), name="inp")
    assert il.batch_shape == (None, 5) and il.output.shape == (None, 5) and il.weights == []
    cfg = il.get_config()
    assert cfg["batch_shape"] == [None, 5] and cfg["name"] == "inp" and cfg["dtype"] == "float32"
    assert layers.InputLayer.from_config(cfg).batch_shape == (None, 5)
    # default auto names follow Keras 3: input_layer, input_layer_1, ...
    keras.backend.clear_session()
    assert [keras.Input((1,)).name for _ in range(2)] == ["input_layer", "input_layer_1"]
    with pytest.raises(ValueError, match="batch_shape"):
        keras.Input(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="shape"):
        layers.InputLayer()


def test_symbolic_tensor_misuse_errors():
    x = keras.Input((3,))
    with pytest.raises(TypeError, match="keras.ops"):
        np.asarray(x)
    with pytest.raises(TypeError):
        bool(x)


# --- merging layers -------------------------------------------------------------------------

MERGES = [
    (layers.Add, layers.add, lambda xs: xs[0] + xs[1] + xs[2]),
    (layers.Multiply, layers.multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (layers.Average, layers.average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3.0),
    (layers.Maximum, layers.maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (layers.Minimum, layers.minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
]


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("cls,fn,ref", MERGES, ids=[m[0].__name__ for m in MERGES])
def test_elementwise_merges_match_numpy(cls, fn, ref, jit, rng):
    xs = [rng.normal(size=(4, 5)).astype("float32") for _ in range(3)]
    layer = cls()
    out = jax.jit(lambda a, b, c: layer([a, b, c]))(*xs) if jit else layer(xs)
    np.testing.assert_allclose(np.asarray(out), ref(xs), rtol=1e-5, atol=1e-6)
    # function form, eager and on symbolic inputs
    np.testing.assert_allclose(np.asarray(fn(xs)), ref(xs), rtol=1e-5, atol=1e-6)
    sym = fn([keras.Input((5,)) for _ in range(3)])
    assert sym.shape == (None, 5)
    assert layer.weights == []


@pytest.mark.parametrize("jit", JIT)
def test_subtract_two_inputs_only(jit, rng):
    a, b = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32")
    layer = layers.Subtract()
    out = jax.jit(lambda a, b: layer([a, b]))(a, b) if jit else layer([a, b])
    np.testing.assert_allclose(np.asarray(out), a - b, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layers.subtract([a, b])), a - b, rtol=1e-6)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, b, a])
    with pytest.raises(ValueError, match="exactly 2 inputs|at least 2"):
        layers.Subtract()([a])


def test_merge_broadcasting_rules_and_errors():
    # size-1 axes broadcast, as in Keras's _compute_elemwise_op_output_shape
    x, y = np.arange(8, dtype="float32").reshape(2, 4), np.array([[10.0], [20.0]], "float32")
    np.testing.assert_array_equal(np.asarray(layers.Add()([x, y])), x + y)
    assert _shapes_agree(layers.Add, [(None, 4), (None, 1)]) == (None, 4)
    assert _shapes_agree(layers.Multiply, [(None, 3, 1), (None, 1, 5)]) == (None, 3, 5)
    with pytest.raises(ValueError, match=r"incompatible shapes.*\(None, 4\).*\(None, 3\)"):
        layers.Add()([keras.Input((4,)), keras.Input((3,))])
    with pytest.raises(ValueError, match=r"incompatible shapes.*\(2, 4\).*\(2, 3\)"):
        layers.Maximum()([np.ones((2, 4), "float32"), np.ones((2, 3), "float32")])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(np.ones((2, 3), "float32"))


def test_merge_different_ranks_expand_at_axis_1(rng):
    a = rng.normal(size=(3, 4)).astype("float32")
    b = rng.normal(size=(3, 3, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(layers.Add()([a, b])), a[:, None, :] + b, rtol=1e-6)


def test_merge_compute_mask_is_logical_or():
    xs = [jnp.ones((1, 3, 2))] * 2
    m1, m2 = jnp.array([[True, False, False]]), jnp.array([[False, False, True]])
    np.testing.assert_array_equal(np.asarray(layers.Add().compute_mask(xs, [m1, m2])), [[True, False, True]])
    assert layers.Add().compute_mask(xs, [m1, None]) is None


@pytest.mark.parametrize("jit", JIT)
def test_concatenate_axes_and_function_form(jit, rng):
    a = rng.normal(size=(2, 3, 4)).astype("float32")
    b = rng.normal(size=(2, 3, 2)).astype("float32")
    c = rng.normal(size=(2, 1, 4)).astype("float32")
    last = layers.Concatenate()
    out = jax.jit(lambda a, b: last([a, b]))(a, b) if jit else last([a, b])
    np.testing.assert_array_equal(np.asarray(out), np.concatenate([a, b], axis=-1))
    mid = layers.Concatenate(axis=1)
    out = jax.jit(lambda a, c: mid([a, c]))(a, c) if jit else mid([a, c])
    np.testing.assert_array_equal(np.asarray(out), np.concatenate([a, c], axis=1))
    np.testing.assert_array_equal(np.asarray(layers.concatenate([a, c], axis=1)), np.concatenate([a, c], 1))
    assert _shapes_agree(layers.Concatenate, [(None, 3, 4), (None, 3, 2)]) == (None, 3, 6)
    assert _shapes_agree(lambda: layers.Concatenate(axis=1), [(None, 3, 4), (None, 1, 4)]) == (None, 4, 4)
    assert layers.concatenate([keras.Input((None, 4)), keras.Input((2, 4))], axis=1).shape == (None, None, 4)


def test_concatenate_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"matching shapes.*\(None, 2, 3\).*\(None, 4, 5\)"):
        layers.Concatenate()([keras.Input((2, 3)), keras.Input((4, 5))])
    with pytest.raises(ValueError, match=r"matching shapes.*\(2, 2, 3\).*\(2, 2, 4\)"):
        layers.Concatenate(axis=1)([np.ones((2, 2, 3), "float32"), np.ones((2, 2, 4), "float32")])
    with pytest.raises(ValueError, match="matching shapes"):
        layers.Concatenate()([keras.Input((2, 3)), keras.Input((3,))])


def _l2n(x, axis):
    return x / np.linalg.norm(x, axis=axis, keepdims=True)


@pytest.mark.parametrize("jit", JIT)
def test_dot_axes_and_normalize(jit, rng):
    x1 = rng.normal(size=(2, 3)).astype("float32")
    x2 = rng.normal(size=(2, 3)).astype("float32")
    d = layers.Dot(axes=1)
    out = jax.jit(lambda a, b: d([a, b]))(x1, x2) if jit else d([x1, x2])
    np.testing.assert_allclose(np.asarray(out), np.sum(x1 * x2, axis=1, keepdims=True), rtol=1e-5)
    cos = layers.Dot(axes=-1, normalize=True)
    out = jax.jit(lambda a, b: cos([a, b]))(x1, x2) if jit else cos([x1, x2])
    ref = np.sum(_l2n(x1, 1) * _l2n(x2, 1), axis=1, keepdims=True)
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-6)
    # Keras's docstring example: (B,3,5) . (B,10,3) with axes=(1, 2) -> (B,5,10)
    a = rng.normal(size=(2, 3, 5)).astype("float32")
    b = rng.normal(size=(2, 10, 3)).astype("float32")
    d2 = layers.Dot(axes=(1, 2), normalize=True)
    out = jax.jit(lambda a, b: d2([a, b]))(a, b) if jit else d2([a, b])
    ref = np.einsum("bki,bjk->bij", _l2n(a, 1), _l2n(b, 2))
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-6)
    assert _shapes_agree(lambda: layers.Dot(axes=(1, 2)), [(None, 3, 5), (None, 10, 3)]) == (None, 5, 10)
    assert _shapes_agree(lambda: layers.Dot(axes=1), [(None, 3), (None, 3)]) == (None, 1)
    np.testing.assert_allclose(np.asarray(layers.dot([x1, x2], axes=1)),
                               np.sum(x1 * x2, axis=1, keepdims=True), rtol=1e-5)


def test_dot_incompatible_shapes_error_is_clear():
    with pytest.raises(ValueError, match=r"Incompatible input shapes.*\(2, 3\).*\(2, 4\)"):
        layers.Dot(axes=1)([np.ones((2, 3), "float32"), np.ones((2, 4), "float32")])


def test_dot_validates_axes():
    with pytest.raises(TypeError, match="axes"):
        layers.Dot(axes="last")
    with pytest.raises(ValueError, match="axis 0"):
        layers.Dot(axes=0)([np.ones((2, 3), "float32"), np.ones((2, 3), "float32")])


# --- config round trips ---------------------------------------------------------------------


CONFIG_CASES = [
    pytest.param(lambda: layers.Dense(3, activation="relu", use_bias=False, kernel_initializer="ones", name="d"),
                 {"units": 3, "activation": "relu", "use_bias": False}, id="Dense"),
    pytest.param(lambda: layers.Activation("tanh"), {"activation": "tanh"}, id="Activation"),
    pytest.param(lambda: layers.Identity(name="ident"), {"name": "ident"}, id="Identity"),
    pytest.param(lambda: layers.Dropout(0.25, noise_shape=(None, 1, 4), seed=7), {"rate": 0.25, "seed": 7},
                 id="Dropout"),
    pytest.param(lambda: layers.Flatten(data_format="channels_first"), {"data_format": "channels_first"},
                 id="Flatten"),
    pytest.param(lambda: layers.Reshape((-1, 2)), {}, id="Reshape"),
    pytest.param(lambda: layers.Add(), {}, id="Add"),
    pytest.param(lambda: layers.Subtract(), {}, id="Subtract"),
    pytest.param(lambda: layers.Multiply(), {}, id="Multiply"),
    pytest.param(lambda: layers.Average(), {}, id="Average"),
    pytest.param(lambda: layers.Maximum(), {}, id="Maximum"),
    pytest.param(lambda: layers.Minimum(), {}, id="Minimum"),
    pytest.param(lambda: layers.Concatenate(axis=1), {"axis": 1}, id="Concatenate"),
    pytest.param(lambda: layers.Dot(axes=(1, 2), normalize=True), {"normalize": True}, id="Dot"),
]


@pytest.mark.parametrize("factory,expected", CONFIG_CASES)
def test_get_config_from_config_round_trip(factory, expected):
    layer = factory()
    cfg = layer.get_config()
    assert {"name", "trainable", "dtype"} <= set(cfg)
    for k, v in expected.items():
        assert cfg[k] == v, (k, cfg[k])
    clone = type(layer).from_config(cfg)
    assert type(clone) is type(layer) and clone.name == layer.name
    assert clone.get_config() == cfg


def test_config_values_keep_keras_meaning():
    assert list(layers.Reshape((-1, 2)).get_config()["target_shape"]) == [-1, 2]
    assert list(layers.Dot(axes=(1, 2)).get_config()["axes"]) == [1, 2]
    assert tuple(layers.Dropout(0.5, noise_shape=(None, 1)).get_config()["noise_shape"]) == (None, 1)
    dense_keys = {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                  "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint"}
    assert dense_keys <= set(layers.Dense(2).get_config())
    # A rebuilt Dense computes the same function once given the same weights.
    d = layers.Dense(2, activation="relu")
    x = np.array([[1.0, -1.0, 0.5]], "float32")
    y = np.asarray(d(x))
    d2 = layers.Dense.from_config(d.get_config())
    d2.build((None, 3))
    d2.set_weights(d.get_weights())
    np.testing.assert_allclose(np.asarray(d2(x)), y)


def test_weightless_layers_have_no_weights():
    for layer in (layers.Activation("relu"), layers.Identity(), layers.Dropout(0.1), layers.Flatten(),
                  layers.Reshape((4,)), layers.Lambda(lambda t: t)):
        layer(np.ones((2, 2, 2), "float32"))
        assert layer.weights == [] and layer.count_params() == 0
