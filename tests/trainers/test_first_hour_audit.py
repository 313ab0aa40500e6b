"""A new user's first mistakes with data (issue 16 items 1 and 6): each fails before any step, in the
calling thread, with a message naming the argument that is wrong, what it holds, and what to do."""
import re

import numpy as np
import pytest

import fkeras as keras


def classifier(classes=3):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(classes, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


def two_inputs(as_dict):
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    m = keras.Model({"a": a, "b": b} if as_dict else [a, b], out)
    m.compile(optimizer="sgd", loss="mse")
    return m


def rows(n, d=4):
    return np.random.default_rng(n).random((n, d), dtype=np.float32)


@pytest.mark.parametrize("call, expected", [
    (lambda m: m.fit(rows(100), np.zeros(90, "int32"), validation_split=0.2, verbose=0), "'x' has 100, 'y' has 90"),
    (lambda m: m.fit(rows(100), np.zeros(100, "int32"), sample_weight=np.ones(80), validation_split=0.2, verbose=0),
     "'x' has 100, 'y' has 100, 'sample_weight' has 80"),
    (lambda m: m.evaluate(rows(100), np.zeros(90, "int32"), verbose=0), "'x' has 100, 'y' has 90"),
])
def test_length_mismatch_names_each_passed_array_with_its_size(call, expected):
    m = classifier()
    with pytest.raises(ValueError, match="same number of samples") as e:
        call(m)
    assert expected in str(e.value)
    if "80" not in expected:
        assert "sample_weight" not in str(e.value)  # not passed: not named
    assert int(m.optimizer.iterations) == 0


@pytest.mark.parametrize("as_dict", [False, True])
def test_unequal_structured_inputs_fail_in_fit_evaluate_and_predict(as_dict):
    m = two_inputs(as_dict)
    x = {"a": rows(100), "b": rows(90, 3)} if as_dict else [rows(100), rows(90, 3)]
    names = ("'x['a']' has 100", "'x['b']' has 90") if as_dict else ("'x[0]' has 100", "'x[1]' has 90")
    for call in (lambda: m.fit(x, rows(100, 1), validation_split=0.2, verbose=0),
                 lambda: m.evaluate(x, rows(100, 1), verbose=0),
                 lambda: m.predict(x, verbose=0)):
        with pytest.raises(ValueError) as e:
            call()
        assert all(n in str(e.value) for n in names), str(e.value)
    assert int(m.optimizer.iterations) == 0


def test_string_labels_in_validation_data_fail_before_any_step():
    """Before, string labels in ``validation_data`` trained a whole epoch and then stopped on JAX's
    "Dtype <U3 is not a valid JAX array type"."""
    m = classifier()
    y_val = np.array(["cat", "dog", "bird"] * 4)
    with pytest.raises(ValueError, match=r"`y` holds strings \(dtype <U4, e.g. 'cat', 'dog', 'bird'\)") as e:
        m.fit(rows(12), np.zeros(12, "int32"), validation_data=(rows(12), y_val), batch_size=4, verbose=0)
    assert "np.unique" in str(e.value)
    assert int(m.optimizer.iterations) == 0

    def batches():  # a generator: the check runs on the batches it yields
        while True:
            yield rows(4), y_val[:4]

    with pytest.raises(ValueError, match=r"`y` holds strings"):
        m.fit(rows(12), np.zeros(12, "int32"), validation_data=batches(), validation_steps=1, batch_size=4,
              verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weight` holds strings"):
        m.fit(rows(12), np.zeros(12, "int32"), sample_weight=np.array(["1"] * 12), verbose=0)


@pytest.mark.parametrize("y, kind", [([0, 1, 2, 1] * 3, "numbers"), (["cat", "dog", "bird"] * 4, "strings")])
def test_python_list_of_labels_says_to_pass_an_array(y, kind):
    """Before: ``IndexError: too many indices for array`` from the first batch."""
    m = classifier()
    for call in (lambda: m.fit(rows(12), y, verbose=0), lambda: m.evaluate(rows(12), y, verbose=0)):
        with pytest.raises(ValueError, match=re.escape(f"`y` is a Python list of {kind} (12 entries)")) as e:
            call()
        assert "np.asarray(y)" in str(e.value)
    with pytest.raises(ValueError, match=re.escape("`x` is a Python list of numbers (12 entries)")):
        m.predict(rows(12).tolist(), verbose=0)
    with pytest.raises(ValueError, match=re.escape("`sample_weight` is a single value (2.0)")):
        m.fit(rows(12), np.zeros(12, "int32"), sample_weight=2.0, verbose=0)
    assert int(m.optimizer.iterations) == 0


def test_label_shape_mismatch_messages_name_both_shapes():
    """y of shape (n, 3) for an output of shape (n, 5) under mse, and sparse labels of shape (n, 2):
    readable shapes, the loss and the output named, for fit, evaluate and validation_data."""
    x = rows(16)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5)])
    m.compile(optimizer="sgd", loss="mse")
    for call in (lambda: m.fit(x, rows(16, 3), verbose=0), lambda: m.evaluate(x, rows(16, 3), verbose=0)):
        with pytest.raises(ValueError, match=re.escape("shape (batch, 3), which is incompatible with the model's "
                                                       "output shape (batch, 5) for loss 'mse'")):
            call()
    with pytest.raises(ValueError, match=r"\(batch, 3\).*\(batch, 5\)|y_true.shape=\(16, 3\), y_pred.shape=\(16, 5\)"):
        m.fit(x, rows(16, 5), validation_data=(x, rows(16, 3)), batch_size=16, verbose=0)
    s = classifier(5)
    with pytest.raises(ValueError, match=re.escape("(batch,) or (batch, 1) for predictions of shape (batch, 5), "
                                                   "but the targets have shape (batch, 2)")):
        s.fit(x, np.zeros((16, 2), "int32"), verbose=0)
