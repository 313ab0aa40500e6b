"""Sequential, Functional and subclassed models: construction, graph semantics, variables, summary()."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras
from fkeras import layers
from fkeras.models.functional import Functional


def _summary(model, **kwargs):
    out = []
    model.summary(print_fn=out.append, **kwargs)
    assert len(out) == 1
    return out[0]


def _header(text):
    line = next(l for l in text.splitlines() if l.startswith("┃"))
    return [c.strip() for c in line.strip().strip("┃").split("┃")]


def _rows(text):
    """Table rows as lists of cell texts; cells wrapped over several lines are joined by a space."""
    rows, cur = [], None
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip().strip("│").split("│")]
            cur = cells if cur is None else [f"{a} {b}".strip() for a, b in zip(cur, cells)]
        elif line.startswith(("├", "└")) and cur is not None:
            rows.append(cur)
            cur = None
    return rows


def _dense_ref(x, variables, name, act=None):
    y = x @ np.asarray(variables[name]["kernel"]) + np.asarray(variables[name]["bias"])
    return act(y) if act is not None else y


# --- Sequential ----------------------------------------------------------------------------

def test_sequential_list_constructor_with_input():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(2)])
    assert model.built and model.name == "sequential"
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense"]  # no InputLayer (Keras 3)
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    assert [t.shape for t in model.inputs] == [(None, 4)] and [t.shape for t in model.outputs] == [(None, 2)]
    assert [w.name for w in model.weights] == ["kernel", "bias", "kernel", "bias"]
    assert model.count_params() == (4 * 3 + 3) + (3 * 2 + 2)


@pytest.mark.parametrize("jit", [False, True])
def test_sequential_add_pop_and_numpy_reference(jit, rng):
    model = keras.Sequential(name="stack")
    assert not model.built and model.layers == []
    model.add(layers.Dense(5, activation="tanh", input_shape=(3,)))
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 5)
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2) and len(model.layers) == 2
    x = rng.normal(size=(4, 3)).astype("float32")
    v = model.get_variables()
    assert set(v) == {"dense", "dense_1"}
    ref = _dense_ref(_dense_ref(x, v, "dense", np.tanh), v, "dense_1")
    y = jax.jit(model.apply)(v, x)[0] if jit else model(x)
    np.testing.assert_allclose(np.asarray(y), ref, rtol=1e-5, atol=1e-5)
    popped = model.pop()
    assert popped.name == "dense_1" and [l.name for l in model.layers] == ["dense"]
    assert model.output_shape == (None, 5) and len(model.weights) == 2
    np.testing.assert_allclose(np.asarray(model(x)), _dense_ref(x, v, "dense", np.tanh), rtol=1e-5, atol=1e-5)


def test_sequential_input_tensor_added_first():
    model = keras.Sequential()
    model.add(keras.Input((6,)))
    model.add(layers.Dense(2))
    assert model.built and len(model.layers) == 1 and model.input_shape == (None, 6)
    assert len(model.weights) == 2
    with pytest.raises(ValueError, match="Input"):
        model.add(keras.Input((6,)))


def test_sequential_deferred_build_on_first_call():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built and not model.layers[0].built and model.weights == []
    y = model(np.ones((5, 3), "float32"))
    assert y.shape == (5, 2)
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (None, 2)
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense"]
    assert model.count_params() == (3 * 4 + 4) + (4 * 2 + 2)


def test_sequential_deferred_build_on_fit():
    model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert not model.built
    model.fit(np.ones((8, 5), "float32"), np.ones((8, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    assert model.built and model.input_shape == (None, 5) and model.output_shape == (None, 1)
    assert len(model.layers) == 2


def test_sequential_explicit_build():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    model.build((None, 6))
    assert model.built and model.input_shape == (None, 6) and model.output_shape == (None, 2)
    assert model.count_params() == (6 * 4 + 4) + (4 * 2 + 2)
    assert [l.name for l in model.layers] == ["dense", "dense_1"]


def test_sequential_errors_and_get_layer():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="hidden"), layers.Dense(2, name="head")])
    for bad in ("dense", lambda x: x, 3):
        with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
            model.add(bad)
    assert model.get_layer("head") is model.layers[1]
    assert model.get_layer(index=0).name == "hidden"
    with pytest.raises(ValueError, match="nope"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 5"):
        model.get_layer(index=5)
    with pytest.raises(ValueError):
        model.get_layer()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(2, 4\)"):
        model(np.ones((2, 4), "float32"))


def test_sequential_config_round_trip(rng):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"), layers.Dropout(0.5),
                              layers.Dense(2)], name="seq")
    cfg = model.get_config()
    assert cfg["name"] == "seq" and len(cfg["layers"]) == 4  # InputLayer + 3 layers, as in Keras 3
    clone = keras.Sequential.from_config(cfg)
    assert clone.name == "seq" and clone.input_shape == (None, 3) and clone.output_shape == (None, 2)
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dropout", "Dense"]
    clone.set_weights(model.get_weights())
    x = rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), rtol=1e-6)


def test_sequential_unbuilt_input_shape_message():
    model = keras.Sequential([layers.Dense(2)], name="s")
    with pytest.raises((ValueError, AttributeError), match="no defined input shape"):
        _ = model.input_shape


def test_sequential_rejects_duplicate_layer_names():
    with pytest.raises(ValueError, match="unique names"):
        keras.Sequential([layers.Dense(2, name="x"), layers.Dense(2, name="x")])


def test_sequential_build_without_layers_raises():
    with pytest.raises(ValueError, match="no layers"):
        keras.Sequential().build((None, 3))


# --- Functional ------------------------------------------------------------------------------

def _two_in_two_out():
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    h = layers.Concatenate(name="cat")([a, b])
    o1 = layers.Dense(1, name="o1")(h)
    o2 = layers.Dense(2, activation="softmax", name="o2")(h)
    return a, b, o1, o2


@pytest.mark.parametrize("jit", [False, True])
def test_functional_multi_input_multi_output(jit, rng):
    a, b, o1, o2 = _two_in_two_out()
    model = keras.Model(inputs=[a, b], outputs=[o1, o2], name="two")
    assert isinstance(model, Functional) and isinstance(model, keras.Model)
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "InputLayer", "Concatenate", "Dense", "Dense"]
    assert model.input_shape == [(None, 3), (None, 2)] and model.output_shape == [(None, 1), (None, 2)]
    xa, xb = rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 2)).astype("float32")
    v = model.get_variables()
    assert set(v) == {"o1", "o2"}
    h = np.concatenate([xa, xb], axis=1)
    z = _dense_ref(h, v, "o2")
    ref2 = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    ref1 = _dense_ref(h, v, "o1")
    for inputs in ([xa, xb], {"a": xa, "b": xb}):
        y1, y2 = jax.jit(model.apply)(v, inputs)[0] if jit else model(inputs)
        np.testing.assert_allclose(np.asarray(y1), ref1, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.asarray(y2), ref2, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="'a', 'b'"):
        model({"a": xa, "c": xb})


def test_functional_dict_inputs_and_dict_outputs(rng):
    a, b, o1, o2 = _two_in_two_out()
    model = keras.Model({"first": a, "second": b}, {"score": o1, "probs": o2})
    xa, xb = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 2)).astype("float32")
    out = model({"first": xa, "second": xb})
    assert isinstance(out, dict) and set(out) == {"score", "probs"}
    assert out["score"].shape == (2, 1) and out["probs"].shape == (2, 2)
    np.testing.assert_allclose(np.asarray(out["probs"]).sum(-1), [1.0, 1.0], rtol=1e-5)
    v = model.get_variables()
    jout, _ = jax.jit(model.apply)(v, {"first": xa, "second": xb})
    np.testing.assert_allclose(np.asarray(jout["score"]), np.asarray(out["score"]), rtol=1e-6)
    with pytest.raises(ValueError, match="second"):
        model({"first": xa})


def test_functional_config_round_trip_with_shared_layer(rng):
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, name="shared")
    out = layers.Concatenate(name="cat")([shared(a), shared(b)])
    model = keras.Model([a, b], layers.Dense(1, name="head")(out), name="pair")
    cfg = model.get_config()
    assert cfg["name"] == "pair" and {"layers", "input_layers", "output_layers"} <= set(cfg)
    clone = keras.Model.from_config(cfg)
    assert clone.name == "pair" and [l.name for l in clone.layers] == ["a", "b", "shared", "cat", "head"]
    assert clone.count_params() == model.count_params() == (3 * 2 + 2) + (4 + 1)
    clone.set_weights(model.get_weights())
    xs = [rng.normal(size=(2, 3)).astype("float32") for _ in range(2)]
    np.testing.assert_allclose(np.asarray(clone(xs)), np.asarray(model(xs)), rtol=1e-6)


def test_shared_layer_has_one_set_of_weights_and_gradients_add_up(rng):
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, name="shared")
    out = layers.Add()([shared(a), shared(b)])
    model = keras.Model([a, b], out)
    assert len(model.weights) == 2 and model.count_params() == 8
    assert len(shared._inbound_nodes) == 2
    v = model.init(jax.random.PRNGKey(0))
    assert set(v) == {"shared"}
    xa, xb = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    k, bias = np.asarray(v["shared"]["kernel"]), np.asarray(v["shared"]["bias"])
    y, _ = jax.jit(model.apply)(v, [xa, xb])
    np.testing.assert_allclose(np.asarray(y), xa @ k + xb @ k + 2 * bias, rtol=1e-5, atol=1e-5)

    grads = jax.jit(jax.grad(lambda v: jnp.sum(model.apply(v, [xa, xb])[0])))(v)
    np.testing.assert_allclose(np.asarray(grads["shared"]["kernel"]),
                               np.repeat((xa + xb).sum(0)[:, None], 2, axis=1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(grads["shared"]["bias"]), [10.0, 10.0], rtol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_nested_models_variable_tree_and_outputs(jit, rng):
    inner_seq = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu", name="d_in")],
                                 name="inner")
    t = keras.Input((4,))
    inner_fn = keras.Model(t, layers.Dense(2, name="f_d")(t), name="finner")
    x = keras.Input((3,), name="x")
    outer = keras.Model(x, layers.Dense(1, name="head")(inner_fn(inner_seq(x))), name="outer")
    assert [l.name for l in outer.layers] == ["x", "inner", "finner", "head"]
    assert outer.count_params() == (3 * 4 + 4) + (4 * 2 + 2) + (2 + 1)
    v = outer.init(jax.random.PRNGKey(1))
    shapes = jax.tree_util.tree_map(lambda a: a.shape, v)
    assert shapes == {"inner": {"d_in": {"kernel": (3, 4), "bias": (4,)}},
                      "finner": {"f_d": {"kernel": (4, 2), "bias": (2,)}},
                      "head": {"kernel": (2, 1), "bias": (1,)}}
    xs = rng.normal(size=(5, 3)).astype("float32")
    ref = _dense_ref(_dense_ref(_dense_ref(xs, v["inner"], "d_in", lambda z: np.maximum(z, 0)),
                                v["finner"], "f_d"), v, "head")
    y = (jax.jit(outer.apply) if jit else outer.apply)(v, xs)[0]
    np.testing.assert_allclose(np.asarray(y), ref, rtol=1e-5, atol=1e-5)
    # a Sequential nested in a Sequential works the same way
    seq = keras.Sequential([keras.Input((3,)), inner_seq, layers.Dense(2, name="s_head")])
    assert set(seq.init(jax.random.PRNGKey(0))) == {"inner", "s_head"}
    inner_seq.trainable = False
    assert len(outer.trainable_weights) == 4 and len(outer.non_trainable_weights) == 2


def test_graph_errors():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    out = layers.Add()([layers.Dense(2)(a), layers.Dense(2)(b)])
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(a, out)
    c = keras.Input((3,))
    with pytest.raises(ValueError, match='The name "x" is used 2 times'):
        keras.Model(c, layers.Dense(2, name="x")(layers.Dense(3, name="x")(c)))
    m = keras.Model([a, b], out)
    with pytest.raises(ValueError, match="2 input"):
        m(np.ones((1, 2), "float32"))


@pytest.mark.parametrize("jit", [False, True])
def test_ops_on_symbolic_tensors(jit):
    x = keras.Input((4,))
    affine = x * 2 + 1
    head = x[:, :2]
    both = keras.ops.concatenate([x, -x], axis=-1)
    assert (affine.shape, head.shape, both.shape) == ((None, 4), (None, 2), (None, 8))
    model = keras.Model(x, [affine, head, both])
    data = np.arange(8, dtype="float32").reshape(2, 4)
    outs = (jax.jit(model.apply) if jit else model.apply)(model.get_variables(), data)[0]
    np.testing.assert_allclose(np.asarray(outs[0]), data * 2 + 1)
    np.testing.assert_allclose(np.asarray(outs[1]), data[:, :2])
    np.testing.assert_allclose(np.asarray(outs[2]), np.concatenate([data, -data], axis=-1))


def test_functional_dropout_uses_training_flag_and_apply_key():
    x = keras.Input((50,))
    model = keras.Model(x, layers.Dropout(0.5)(x))
    data = np.ones((4, 50), "float32")
    np.testing.assert_array_equal(np.asarray(model(data)), data)
    y = np.asarray(jax.jit(lambda d, k: model.apply({}, d, training=True, rng=k)[0])(data, jax.random.PRNGKey(2)))
    assert set(np.unique(y)) == {0.0, 2.0}


# --- subclassed Model -----------------------------------------------------------------------

class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stem = layers.Dense(4, name="stem")
        self.blocks = [layers.Dense(4, activation="relu", name=f"block{i}") for i in range(2)]
        self.head = layers.Dense(1, name="head")
        self.seen_training = []

    def call(self, inputs, training=None):
        self.seen_training.append(training)
        h = self.stem(inputs)
        for block in self.blocks:
            h = block(h)
        if training:
            h = h * 0.0  # a Dropout-like branch only taken in training
        return self.head(h)


def test_subclassed_tracks_layers_and_builds(rng):
    model = MLP()
    assert not model.built
    assert [l.name for l in model.layers] == ["stem", "block0", "block1", "head"]
    model.build((None, 3))
    assert model.built
    assert model.count_params() == (3 * 4 + 4) + 2 * (4 * 4 + 4) + (4 + 1)
    assert [w.name for w in model.weights] == ["kernel", "bias"] * 4
    v = model.init(jax.random.PRNGKey(0))
    assert set(v) == {"stem", "block0", "block1", "head"}
    x = rng.normal(size=(2, 3)).astype("float32")
    h = _dense_ref(x, v, "stem")
    for name in ("block0", "block1"):
        h = _dense_ref(h, v, name, lambda z: np.maximum(z, 0))
    y, _ = jax.jit(model.apply)(v, x)
    np.testing.assert_allclose(np.asarray(y), _dense_ref(h, v, "head"), rtol=1e-5, atol=1e-5)
    yt, _ = jax.jit(lambda v, x: model.apply(v, x, training=True))(v, x)
    np.testing.assert_allclose(np.asarray(yt), np.broadcast_to(np.asarray(v["head"]["bias"]), (2, 1)), atol=1e-6)


def test_subclassed_receives_training_from_fit_and_predict():
    model = MLP()
    model.compile(optimizer="sgd", loss="mse")
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    fit_flags = [t for t in model.seen_training if t is not None]
    assert fit_flags and all(t is True for t in fit_flags)
    model.seen_training.clear()
    model.predict(x, verbose=0)
    pred_flags = [t for t in model.seen_training if t is not None]
    assert pred_flags and all(t is False for t in pred_flags)


def test_subclassed_freezing_sublayer(rng):
    model = MLP()
    model.build((None, 3))
    assert len(model.trainable_weights) == 8
    model.stem.trainable = False
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 2
    frozen = [w.copy() for w in model.stem.get_weights()]
    head_bias = model.head.get_weights()[1].copy()  # the only weight with a gradient in training
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = rng.normal(size=(16, 3)).astype("float32")
    model.fit(x, np.ones((16, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    for a, b in zip(frozen, model.stem.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head_bias, model.head.get_weights()[1])


# --- summary() ------------------------------------------------------------------------------

def test_summary_sequential_exact_structure():
    model = keras.Sequential([keras.Input((784,)), layers.Dense(64, activation="relu"),
                              layers.Dense(64, activation="relu"), layers.Dense(10)], name="mlp")
    text = _summary(model)
    lines = text.splitlines()
    assert lines[0] == 'Model: "mlp"'
    assert _header(text) == ["Layer (type)", "Output Shape", "Param #"]
    p1, p2, p3 = 784 * 64 + 64, 64 * 64 + 64, 64 * 10 + 10
    assert (p1, p2, p3) == (50240, 4160, 650)
    assert _rows(text) == [["dense (Dense)", "(None, 64)", "50,240"],
                           ["dense_1 (Dense)", "(None, 64)", "4,160"],
                           ["dense_2 (Dense)", "(None, 10)", "650"]]
    total = p1 + p2 + p3
    assert total == 55050
    kb = f"{total * 4 / 1024:.2f} KB"
    assert " Total params: 55,050 (215.04 KB)" in lines and kb == "215.04 KB"
    assert " Trainable params: 55,050 (215.04 KB)" in lines
    assert " Non-trainable params: 0 (0.00 B)" in lines
    assert lines[-1] == " Non-trainable params: 0 (0.00 B)"


def test_summary_counts_frozen_weights_as_non_trainable():
    model = keras.Sequential([keras.Input((784,)), layers.Dense(64), layers.Dense(10)])
    model.layers[0].trainable = False
    lines = _summary(model).splitlines()
    assert " Total params: 50,890 (198.79 KB)" in lines
    assert " Trainable params: 650 (2.54 KB)" in lines
    assert " Non-trainable params: 50,240 (196.25 KB)" in lines


def test_summary_functional_connected_to_and_trainable_column():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(2, name="shared")
    out = layers.Add(name="add")([shared(a), shared(b)])
    model = keras.Model([a, b], out, name="siamese")
    text = _summary(model)
    assert text.splitlines()[0] == 'Model: "siamese"'
    assert _header(text) == ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    assert _rows(text) == [["a (InputLayer)", "(None, 3)", "0", "-"],
                           ["b (InputLayer)", "(None, 3)", "0", "-"],
                           ["shared (Dense)", "(None, 2)", "8", "a[0][0], b[0][0]"],
                           ["add (Add)", "(None, 2)", "0", "shared[0][0], shared[1][0]"]]
    assert " Total params: 8 (32.00 B)" in text.splitlines()
    shared.trainable = False
    text = _summary(model, show_trainable=True)
    header = _header(text)
    assert len(header) == 5 and header[-1].startswith("Trai")  # rich may ellipsize "Trainable"
    assert [r[-1] for r in _rows(text)] == ["-", "-", "N", "-"]
    shared.trainable = True
    assert [r[-1] for r in _rows(_summary(model, show_trainable=True))] == ["-", "-", "Y", "-"]


def test_summary_expand_nested():
    inner = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="d_in")], name="inner")
    x = keras.Input((3,), name="x")
    outer = keras.Model(x, layers.Dense(1, name="head")(inner(x)), name="outer")
    rows = _rows(_summary(outer))
    assert [r[0] for r in rows] == ["x (InputLayer)", "inner (Sequential)", "head (Dense)"]
    assert rows[1][1:] == ["(None, 4)", "16"]
    rows = _rows(_summary(outer, expand_nested=True))
    assert [r[0] for r in rows] == ["x (InputLayer)", "inner (Sequential)", "└ d_in (Dense)", "head (Dense)"]
    assert rows[2][1:] == ["(None, 4)", "16"]


def test_summary_unbuilt_sequential():
    model = keras.Sequential([layers.Dense(3), layers.Dense(2)])
    text = _summary(model)
    assert _rows(text) == [["dense (Dense)", "?", "0 (unbuilt)"], ["dense_1 (Dense)", "?", "0 (unbuilt)"]]
    assert " Total params: 0 (0.00 B)" in text.splitlines()


def test_summary_subclassed_model():
    model = MLP(name="my_mlp")
    model.build((None, 3))
    text = _summary(model)
    assert text.splitlines()[0] == 'Model: "my_mlp"'
    assert _header(text) == ["Layer (type)", "Output Shape", "Param #"]
    assert [(r[0], r[2]) for r in _rows(text)] == [("stem (Dense)", "16"), ("block0 (Dense)", "20"),
                                                    ("block1 (Dense)", "20"), ("head (Dense)", "5")]
    assert " Total params: 61 (244.00 B)" in text.splitlines()
    assert model.count_params() == 61


def test_functional_passes_embedding_mask_to_attention_query_and_value_masks():
    inp = keras.Input((6,), dtype="int32")
    emb = layers.Embedding(20, 8, mask_zero=True)
    mha = layers.MultiHeadAttention(2, 4)
    e = emb(inp)
    model = keras.Model(inp, mha(e, e))
    x = np.array([[1, 2, 3, 0, 0, 0]])
    ex = emb(x)
    mk = x != 0
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(mha(ex, ex, query_mask=mk, value_mask=mk)),
                               rtol=1e-5, atol=1e-6)
    # an eager Embedding output carries its mask (`_keras_mask`), so MHA uses it as Keras 3 does
    np.testing.assert_allclose(np.asarray(mha(ex, ex)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
    plain = ex + 0.0  # a new array: no mask
    assert not np.allclose(np.asarray(model(x)), np.asarray(mha(plain, plain)))


def test_models_pickle_and_deepcopy_through_the_keras_format():
    """Keras 3 models pickle (for multiprocessing, joblib, Ray...) as the bytes of their `.keras`
    file: architecture, weights, compile arguments and optimizer state. A trained fkeras model hit
    a RecursionError in deepcopy and an AttributeError in pickle before."""
    import copy
    import pickle

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    for other in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert type(other) is type(model) and other is not model
        np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
        assert int(other.optimizer.iterations) == 4
    copied = copy.deepcopy(model)
    copied.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)  # both train on from the same state
    for a, b in zip(model.get_weights(), copied.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    unbuilt = copy.deepcopy(keras.Sequential([keras.layers.Dense(2)]))
    assert not unbuilt.built and len(unbuilt.layers) == 1
