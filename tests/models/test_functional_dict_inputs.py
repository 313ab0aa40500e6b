"""A Functional model whose inputs are a dict with keys not in sorted order gets each value on its
own input (call, predict, fit/evaluate)."""
import numpy as np

import fkeras as keras


def test_unsorted_dict_inputs_reach_their_own_input_layers():
    b = keras.Input((1,), name="b")
    a = keras.Input((1,), name="a")
    model = keras.Model({"b": b, "a": a}, keras.layers.Concatenate()([b, a * 10.0]))
    feed = {"b": np.ones((2, 1), "float32"), "a": np.full((2, 1), 2.0, "float32")}
    expected = np.array([[1.0, 20.0], [1.0, 20.0]], "float32")
    np.testing.assert_array_equal(np.asarray(model(feed)), expected)
    np.testing.assert_array_equal(model.predict(feed, verbose=0), expected)
    model.compile("sgd", "mse")
    assert model.evaluate(feed, expected, verbose=0) == 0.0
    assert [t.name for t in model.inputs] == ["a", "b"]  # flattened in sorted-key order, as Keras
