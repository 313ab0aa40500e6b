"""A Functional model whose inputs are a dict with keys not in sorted order gets each value on its
own input (call, predict, fit/evaluate)."""
import numpy as np
import pytest

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


def test_a_dict_with_other_keys_than_the_input_names_is_refused_as_in_keras():
    x, y = np.ones((8, 4), "float32"), np.ones((8, 1), "float32")
    i = keras.Input((4,), name="feat")
    functional = keras.Model(i, keras.layers.Dense(1)(i))
    sequential = keras.Sequential([keras.Input((4,), name="feat"), keras.layers.Dense(1)])
    for model, message in ((functional, r'Missing data for input "feat".*keys \[\'wrong\'\]'),
                           (sequential, r'one input named "feat"; received a data dictionary with keys \[\'wrong\'\]')):
        model.compile("sgd", "mse")
        with pytest.raises(ValueError, match=message):
            model({"wrong": x})
        with pytest.raises(ValueError, match=message):
            model.fit({"wrong": x}, y, verbose=0)
        assert int(model.optimizer.iterations) == 0
        np.testing.assert_allclose(np.asarray(model({"feat": x})), np.asarray(model(x)))  # the right key works
