"""Keras 3's input-rank rule for Functional models: ``(batch,)`` data fed to an ``Input((1,))``
gets a last axis of 1, data with one extra last axis of size 1 loses it, anything else is an
error; in direct calls, under ``jax.jit``, in fit/evaluate/predict, and for dict inputs."""
import jax
import numpy as np
import pytest

import fkeras as keras

W = np.array([[0.5, -1.0, 2.0]], "float32")  # (1, 3)
B = np.array([0.1, 0.2, -0.3], "float32")


def _scalar_model():
    inp = keras.Input((1,), name="x")
    dense = keras.layers.Dense(3, name="dense")
    model = keras.Model(inp, dense(inp))
    dense.set_weights([W, B])
    return model


def _reference(x):  # x: (n,) -> (n, 3)
    return x.reshape(-1, 1) @ W + B


@pytest.mark.parametrize("jit", [False, True])
def test_batch_vector_is_expanded_for_an_input_of_shape_1(jit):
    model = _scalar_model()
    x = np.array([1.0, -2.0, 0.5, 3.0], "float32")
    if jit:
        v = model.init(jax.random.PRNGKey(0))
        v["dense"]["kernel"], v["dense"]["bias"] = W, B
        y = jax.jit(model.apply)(v, x)[0]
    else:
        y = model(x)
    np.testing.assert_allclose(np.asarray(y), _reference(x), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(model(x[:, None])), _reference(x), rtol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_extra_last_axis_of_size_1_is_squeezed(jit):
    inp = keras.Input((2,))
    dense = keras.layers.Dense(3)
    model = keras.Model(inp, dense(inp))
    w = np.arange(6, dtype="float32").reshape(2, 3) / 10
    dense.set_weights([w, B])
    x = np.array([[1.0, 2.0], [-1.0, 0.5]], "float32")
    y = jax.jit(lambda a: model(a))(x[..., None]) if jit else model(x[..., None])
    np.testing.assert_allclose(np.asarray(y), x @ w + B, rtol=1e-6)


def test_other_rank_differences_are_errors_naming_the_input():
    model = _scalar_model()
    with pytest.raises(ValueError, match=r"Invalid input shape for input 'x'.*expected shape \(None, 1\).*\(4, 1, 2\)"):
        model(np.zeros((4, 1, 2), "float32"))
    inp = keras.Input((3,), name="wide")
    wide = keras.Model(inp, keras.layers.Dense(1)(inp))
    with pytest.raises(ValueError, match=r"Invalid input shape for input 'wide'.*\(4,\)"):
        wide(np.zeros((4,), "float32"))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(4, 2\)"):
        wide(np.zeros((4, 2), "float32"))  # same rank, wrong size: the shape check as before


def test_fit_evaluate_predict_expand_batch_vectors():
    x = np.linspace(-1.0, 1.0, 12).astype("float32")
    y = (2.0 * x - 0.5).reshape(-1, 1).astype("float32")
    results = []
    for data in (x, x[:, None]):
        keras.utils.set_random_seed(3)
        inp = keras.Input((1,))
        model = keras.Model(inp, keras.layers.Dense(1)(inp))
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.fit(data, y, batch_size=5, epochs=3, shuffle=False, verbose=0)
        results.append((model.get_weights(), model.evaluate(data, y, verbose=0), model.predict(data, verbose=0)))
    (w_a, loss_a, p_a), (w_b, loss_b, p_b) = results
    for a, b in zip(w_a, w_b, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-6)
    np.testing.assert_allclose(p_a, p_b, rtol=1e-6)
    kernel, bias = w_a
    np.testing.assert_allclose(p_a, x[:, None] @ kernel + bias, rtol=1e-5)
    np.testing.assert_allclose(loss_a, np.mean((p_a - y) ** 2), rtol=1e-5)


def test_generator_batches_are_expanded():
    model = _scalar_model()
    model.compile("sgd", "mse")
    x = np.array([1.0, 2.0, 3.0, 4.0], "float32")
    y = _reference(x)

    def batches():
        for i in range(0, 4, 2):
            yield x[i:i + 2], y[i:i + 2]

    assert model.evaluate(batches(), verbose=0) == pytest.approx(0.0, abs=1e-10)
    np.testing.assert_allclose(model.predict(batches(), verbose=0), y, rtol=1e-6)


def test_dict_inputs_are_adjusted_per_input():
    a = keras.Input((1,), name="a")
    b = keras.Input((2,), name="b")
    merged = keras.layers.Concatenate()([a, b])
    model = keras.Model({"a": a, "b": b}, merged)
    feed = {"a": np.array([1.0, 2.0], "float32"), "b": np.array([[[3.0], [4.0]], [[5.0], [6.0]]], "float32")}
    expected = np.array([[1.0, 3.0, 4.0], [2.0, 5.0, 6.0]], "float32")
    np.testing.assert_array_equal(np.asarray(model(feed)), expected)
    np.testing.assert_array_equal(model.predict(feed, verbose=0), expected)
    model.compile("sgd", "mse")
    assert model.evaluate(feed, expected, verbose=0) == 0.0
    one = {"a": np.array([7.0], "float32"), "b": np.array([[8.0, 9.0]], "float32")}  # a single sample
    np.testing.assert_array_equal(model.predict(one, verbose=0), [[7.0, 8.0, 9.0]])


def test_parity_with_keras_3():
    k = pytest.importorskip("keras")
    x = np.array([1.0, -2.0, 0.5], "float32")
    k_in = k.Input((1,))
    k_dense = k.layers.Dense(3)
    k_model = k.Model(k_in, k_dense(k_in))
    k_dense.set_weights([W, B])
    np.testing.assert_allclose(np.asarray(_scalar_model()(x)), np.asarray(k_model(x)), rtol=1e-6)
    k_in2 = k.Input((2,))
    k_model2 = k.Model(k_in2, k_in2 * 1.0)
    x2 = np.ones((3, 2, 1), "float32")
    assert tuple(k_model2(x2).shape) == (3, 2)  # Keras squeezes the extra axis of 1 too
    with pytest.raises(ValueError, match="Invalid input shape"):
        k_model(np.zeros((4, 1, 2), "float32"))  # ... and refuses other rank differences, as fkeras


def test_sequential_adjusts_input_rank_like_functional():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    kernel, bias = model.get_weights()
    x = np.arange(4, dtype="float32")
    np.testing.assert_allclose(model(x), x[:, None] @ kernel + bias, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), x[:, None] @ kernel + bias, rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    wide = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    np.testing.assert_allclose(wide(np.ones((2, 3, 1), "float32")), wide(np.ones((2, 3), "float32")), rtol=1e-6)
    with pytest.raises(ValueError, match="Invalid input shape for input .* expected shape \\(None, 3\\)"):
        wide(np.ones((2,), "float32"))
