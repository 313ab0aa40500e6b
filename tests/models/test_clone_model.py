"""keras.models.clone_model: new layers from configs (fresh, unshared weights), same structure/config,
clone_function / call_function / input_tensors / recursive, compile state."""
import numpy as np
import pytest

import fkeras as keras
from fkeras import layers


def _functional():
    inp = keras.Input((4,), name="x")
    h = layers.Dense(8, activation="relu", name="d1")(inp)
    shared = layers.Dense(8, name="shared")
    h = shared(shared(h))  # one layer called twice
    out = layers.Dense(2, name="out")(layers.Dropout(0.2, name="drop")(h))
    return keras.Model(inp, out, name="func")


def _sequential():
    return keras.Sequential([keras.Input((4,), name="seq_in"), layers.Dense(6, activation="tanh", name="s1"),
                             layers.Dense(3, name="s2")], name="seq")


def _x():
    return np.random.default_rng(0).normal(size=(5, 4)).astype("float32")


def _weight_ids(model):
    return {id(w) for w in model.weights}


@pytest.mark.parametrize("make", [_functional, _sequential], ids=["functional", "sequential"])
def test_same_config_new_weights_same_outputs_after_set_weights(make):
    model = make()
    clone = keras.models.clone_model(model)
    assert type(clone) is type(model)
    assert clone.get_config() == model.get_config()
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert clone.count_params() == model.count_params()
    assert not (_weight_ids(clone) & _weight_ids(model))
    x = _x()
    assert not np.allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0))  # fresh weights
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
    # Not shared: changing the clone leaves the original alone.
    before = [w.copy() for w in model.get_weights()]
    clone.set_weights([w + 1.0 for w in clone.get_weights()])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_shared_layer_is_cloned_once():
    clone = keras.models.clone_model(_functional())
    shared = clone.get_layer("shared")
    assert len([l for l in clone.layers if l.name == "shared"]) == 1
    assert len(clone.weights) == len(_functional().weights)
    assert shared.kernel.shape == (8, 8)


def test_clone_function_is_applied_per_layer():
    model = _functional()
    seen = []

    def fn(layer):
        seen.append(layer.name)
        config = layer.get_config()
        if isinstance(layer, layers.Dropout):
            config["rate"] = 0.5
        return layer.__class__.from_config(config)

    clone = keras.models.clone_model(model, clone_function=fn)
    assert sorted(seen) == ["d1", "drop", "out", "shared"]  # not the input; the shared layer once
    assert clone.get_layer("drop").rate == 0.5
    assert model.get_layer("drop").rate == 0.2


def test_identity_clone_function_shares_layers():
    model = _sequential()
    clone = keras.models.clone_model(model, clone_function=lambda layer: layer)
    assert clone.get_layer("s1") is model.get_layer("s1")
    assert _weight_ids(clone) == _weight_ids(model)


def test_clone_function_on_sequential_can_replace_layers():
    model = _sequential()

    def fn(layer):
        if layer.name == "s2":
            return layers.Dense(5, name="s2_wide")
        return layer.__class__.from_config(layer.get_config())

    clone = keras.models.clone_model(model, clone_function=fn)
    assert [l.name for l in clone.layers] == ["s1", "s2_wide"]
    assert clone.output_shape == (None, 5)
    assert clone.input_shape == (None, 4)


def test_call_function_inserts_layers_functional_only():
    model = _functional()

    def call_fn(layer, *args, **kwargs):
        out = layer(*args, **kwargs)
        if layer.name == "d1":
            out = layers.Activation("sigmoid", name="after_d1")(out)
        return out

    clone = keras.models.clone_model(model, call_function=call_fn)
    names = [l.name for l in clone.layers]
    assert "after_d1" in names and names.index("after_d1") == names.index("d1") + 1
    y = clone.predict(_x(), verbose=0)
    assert y.shape == (5, 2)
    with pytest.raises(ValueError, match="call_function"):
        keras.models.clone_model(_sequential(), call_function=call_fn)


def test_input_tensors():
    model = _functional()
    new_in = keras.Input((4,), name="new_input")
    clone = keras.models.clone_model(model, input_tensors=new_in)
    assert clone.inputs[0] is new_in
    assert clone.output_shape == (None, 2)
    seq_in = keras.Input((4,), name="other")
    seq_clone = keras.models.clone_model(_sequential(), input_tensors=[seq_in])
    assert seq_clone.input_shape == (None, 4)
    with pytest.raises(ValueError, match="KerasTensor"):
        keras.models.clone_model(model, input_tensors=[np.zeros((1, 4))])


def test_multi_input_output_structure():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    x = layers.Concatenate(name="cat")([a, b])
    model = keras.Model({"a": a, "b": b}, {"y1": layers.Dense(1, name="y1")(x), "y2": layers.Dense(2, name="y2")(x)})
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    data = {"a": np.ones((2, 3), "float32"), "b": np.zeros((2, 2), "float32")}
    got, want = clone.predict(data, verbose=0), model.predict(data, verbose=0)
    assert set(got) == {"y1", "y2"}
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-6)


def test_nested_models_and_recursive():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="inner_d")], name="inner")
    inp = keras.Input((4,))
    model = keras.Model(inp, layers.Dense(1, name="head")(inner(inp)), name="outer")
    seen = []

    def fn(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config())

    plain = keras.models.clone_model(model, clone_function=fn)
    assert sorted(seen) == ["head", "inner"]
    assert plain.get_layer("inner") is not inner
    seen.clear()
    deep = keras.models.clone_model(model, clone_function=fn, recursive=True)
    assert sorted(seen) == ["head", "inner_d"]
    assert not (_weight_ids(deep) & _weight_ids(model))
    deep.set_weights(model.get_weights())
    x = _x()
    np.testing.assert_allclose(deep.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)


def test_unbuilt_sequential_and_compiled_state():
    unbuilt = keras.Sequential([layers.Dense(2, name="u")])
    clone = keras.models.clone_model(unbuilt)
    assert not clone.built and [l.name for l in clone.layers] == ["u"]
    model = _sequential()
    model.compile(optimizer="adam", loss="mse")
    clone = keras.models.clone_model(model)
    assert clone.compiled and clone.optimizer is not model.optimizer
    clone.fit(_x(), np.zeros((5, 3), "float32"), epochs=1, verbose=0)
    assert not keras.models.clone_model(_sequential()).compiled


def test_unexpected_kwargs():
    with pytest.raises(ValueError, match="Unexpected keyword"):
        keras.models.clone_model(_sequential(), foo=1)
