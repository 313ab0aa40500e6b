"""Functional models with ``keras.Input(dtype="string")``: the layers that read strings run on the
host (in the data path for fit/evaluate/predict), the rest of the graph in the jitted step."""
import jax
import numpy as np
import pytest

import fkeras as keras
from fkeras.models.functional import EncodedInputs

VOCAB = ["cat", "dog", "sat"]
KERNEL = np.array([[0.5], [1.0], [-2.0], [0.25]], "float32")  # ids: [UNK], cat, dog, sat
BIAS = np.array([0.1], "float32")
TEXTS = np.array(["The cat sat", "a dog", "dog, dog!", "cat"])


def _multi_hot(texts):
    """Reference for TextVectorization(output_mode="multi_hot", vocabulary=VOCAB)."""
    out = np.zeros((len(texts), 4), "float32")
    for i, text in enumerate(texts):
        for token in "".join(c for c in text.lower() if c.isalnum() or c == " ").split():
            out[i, VOCAB.index(token) + 1 if token in VOCAB else 0] = 1.0
    return out


def _text_model(name="text_model"):
    inp = keras.Input(shape=(1,), dtype="string", name="text")
    vec = keras.layers.TextVectorization(output_mode="multi_hot", vocabulary=VOCAB)
    dense = keras.layers.Dense(1, name="dense")
    model = keras.Model(inp, dense(vec(inp)), name=name)
    dense.set_weights([KERNEL, BIAS])
    return model


def test_string_input_records_the_string_dtype():
    inp = keras.Input(shape=(1,), dtype="string")
    assert inp.dtype == "string" and inp.shape == (None, 1)
    assert inp._node.layer.get_config()["dtype"] == "string"
    for spelling in (str, "str", np.dtype("<U3")):
        assert keras.Input(shape=(1,), dtype=spelling).dtype == "string"
    assert keras.Input(shape=(2,), dtype="int32").dtype == "int32"


def test_direct_call_runs_the_string_layers_eagerly():
    model = _text_model()
    expected = _multi_hot(TEXTS) @ KERNEL + BIAS
    np.testing.assert_allclose(np.asarray(model(TEXTS)), expected, rtol=1e-6)  # (batch,) is expanded
    np.testing.assert_allclose(np.asarray(model(TEXTS[:, None])), expected, rtol=1e-6)
    texts_obj = np.array(list(TEXTS), dtype=object)
    np.testing.assert_allclose(np.asarray(model(texts_obj)), expected, rtol=1e-6)


def test_predict_and_evaluate_match_the_reference():
    model = _text_model()
    expected = _multi_hot(TEXTS) @ KERNEL + BIAS
    np.testing.assert_allclose(model.predict(TEXTS, batch_size=3, verbose=0), expected, rtol=1e-6)
    y = np.array([[1.0], [0.0], [2.0], [-1.0]], "float32")
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(model.evaluate(TEXTS, y, batch_size=3, verbose=0), np.mean((expected - y) ** 2),
                               rtol=1e-5)

    def batches():
        for i in range(0, 4, 2):
            yield TEXTS[i:i + 2], y[i:i + 2]

    np.testing.assert_allclose(model.evaluate(batches(), verbose=0), np.mean((expected - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(model.predict(batches(), verbose=0), expected, rtol=1e-6)


def test_the_traced_part_runs_under_jit_on_encoded_inputs():
    model = _text_model()
    encoded = model._host_encoder()(TEXTS)
    assert isinstance(encoded, EncodedInputs)
    assert all(np.asarray(a).dtype.kind == "f" for a in jax.tree_util.tree_leaves(encoded))
    np.testing.assert_array_equal(encoded.tensors[0], _multi_hot(TEXTS))
    y = jax.jit(lambda e: model(e))(encoded)
    np.testing.assert_allclose(np.asarray(y), _multi_hot(TEXTS) @ KERNEL + BIAS, rtol=1e-6)


def test_fit_trains_like_the_same_model_on_pre_encoded_data():
    y = np.array([[1.0], [0.0], [2.0], [-1.0]], "float32")
    strings = _text_model()
    num_in = keras.Input((4,))
    num_dense = keras.layers.Dense(1)
    numeric = keras.Model(num_in, num_dense(num_in))
    num_dense.set_weights([KERNEL, BIAS])
    for model, x in ((strings, TEXTS), (numeric, _multi_hot(TEXTS))):
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, batch_size=3, epochs=3, shuffle=False, verbose=0)
    for a, b in zip(strings.get_weights(), numeric.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert not np.allclose(strings.get_weights()[0], KERNEL)

    def gen():  # an iterable yielding string batches, and string validation data
        while True:
            yield TEXTS[:2], y[:2]

    history = strings.fit(gen(), steps_per_epoch=2, epochs=2, validation_data=(TEXTS, y), verbose=0)
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 2


def test_string_lookup_with_a_numeric_side_input():
    color = keras.Input(shape=(1,), dtype="string", name="color")
    size = keras.Input(shape=(1,), name="size")
    onehot = keras.layers.StringLookup(vocabulary=["red", "green"], output_mode="one_hot")(color)
    out = keras.layers.Concatenate()([onehot, size * 2.0])
    model = keras.Model({"color": color, "size": size}, out)
    feed = {"color": np.array(["green", "red", "blue"]), "size": np.array([1.0, 2.0, 3.0], "float32")}
    expected = np.array([[0, 0, 1, 2], [0, 1, 0, 4], [1, 0, 0, 6]], "float32")
    np.testing.assert_array_equal(np.asarray(model(feed)), expected)
    np.testing.assert_array_equal(model.predict(feed, verbose=0), expected)
    model.compile("sgd", "mse")
    assert model.evaluate(feed, expected, verbose=0) == 0.0


def test_nested_string_model_keeps_training_its_weights():
    inner = _text_model("inner")
    inp = keras.Input(shape=(1,), dtype="string")
    outer = keras.Model(inp, keras.layers.Dense(1, kernel_initializer="ones", name="head")(inner(inp)))
    expected = _multi_hot(TEXTS) @ KERNEL + BIAS  # the head starts as the identity plus 0 bias
    np.testing.assert_allclose(outer.predict(TEXTS, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(outer(TEXTS)), expected, rtol=1e-6)
    outer.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    outer.fit(TEXTS, np.zeros((4, 1), "float32"), epochs=1, verbose=0)
    assert not np.allclose(inner.get_layer("dense").get_weights()[0], KERNEL)  # trained in the jitted step


def test_save_and_load_round_trip(tmp_path):
    vec = keras.layers.TextVectorization(output_sequence_length=3)
    vec.adapt(["the cat sat", "the dog", "a cat ran"])
    inp = keras.Input(shape=(1,), dtype="string")
    x = keras.layers.Embedding(10, 2)(vec(inp))
    model = keras.Model(inp, keras.layers.Dense(1)(keras.layers.Flatten()(x)))
    path = str(tmp_path / "text.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.inputs[0].dtype == "string"
    assert loaded.get_config()["layers"][0]["config"]["dtype"] == "string"
    texts = np.array(["the cat", "dog ran far", "zebra"])
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), model.predict(texts, verbose=0), rtol=1e-6)


def test_strings_for_a_numeric_model_get_a_clear_error():
    inp = keras.Input((3,), name="features")
    model = keras.Model(inp, keras.layers.Dense(1)(inp))
    model.compile("sgd", "mse")
    text = np.array([["a", "b", "c"]] * 4)
    for run in (lambda: model.fit(text, np.zeros((4, 1)), verbose=0), lambda: model.predict(text, verbose=0),
                lambda: model.evaluate(text, np.zeros((4, 1)), verbose=0),
                lambda: model.fit(iter([(text, np.zeros((4, 1)))]), verbose=0)):
        with pytest.raises(ValueError, match=r"`x` holds strings .*has no string input.*StringLookup"):
            run()
    with pytest.raises(ValueError, match=r"Input 'features' .* received strings .*dtype=\"string\""):
        model(text)
    seq = keras.Sequential([keras.Input((1,), dtype="string"),
                            keras.layers.StringLookup(vocabulary=["a"], output_mode="one_hot")])
    with pytest.raises(ValueError, match=r"`x` holds strings .*only Functional models .*Sequential model"):
        seq.predict(np.array([["a"]]), verbose=0)


def test_string_graphs_that_cannot_be_split_are_refused():
    inp = keras.Input(shape=(1,), dtype="string")
    echo = keras.Model(inp, inp)
    with pytest.raises(ValueError, match="string tensor .* reaches the model's outputs"):
        echo.predict(np.array(["a"]), verbose=0)

    class JoinLength(keras.layers.Layer):
        """Length of each string plus a numeric column: reads strings, so it runs on the host."""

        def call(self, inputs):
            text, num = inputs
            return np.char.str_len(np.asarray(text, dtype=str)).astype("float32") + np.asarray(num)

        def compute_output_spec(self, inputs):
            return keras.KerasTensor((None, 1), "float32")

    text = keras.Input(shape=(1,), dtype="string")
    num = keras.Input(shape=(1,))
    hidden = keras.layers.Dense(1)(num)  # computed in the traced part
    model = keras.Model([text, num], JoinLength()([text, hidden]))
    with pytest.raises(ValueError, match="reads strings, so it runs on the host .* only the traced part"):
        model.predict([np.array(["ab"]), np.ones((1, 1), "float32")], verbose=0)
    ok = keras.Model([text, num], JoinLength()([text, num]))  # host part reading a model input: fine
    np.testing.assert_array_equal(ok.predict([np.array(["ab", "c"]), np.ones((2, 1), "float32")], verbose=0),
                                  [[3.0], [2.0]])


def test_on_batch_methods_encode_strings_on_the_host():
    model = _text_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x, y = TEXTS[:, None], np.ones((4, 1), "float32")
    pred = _multi_hot(TEXTS) @ KERNEL + BIAS
    np.testing.assert_allclose(model.predict_on_batch(x), pred, rtol=1e-6)
    assert model.test_on_batch(x, y) == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    assert model.train_on_batch(x, y) == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    grad = 2 * _multi_hot(TEXTS).T @ (pred - y) / len(y)
    np.testing.assert_allclose(model.get_layer("dense").kernel.numpy(), KERNEL - 0.1 * grad, rtol=1e-5)
