"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax) vs numpy references, eager and jitted."""
import os
import warnings

import jax
import numpy as np
import pytest

from fkeras.layers import activation_layers as A
from fkeras.layers.input_layer import Input

JIT = [False, True]
X = np.array([[-10.0, -5.0, -0.5, 0.0, 0.5, 2.0, 5.0, 10.0]], "float32")


def _run(layer, x, jit, **kwargs):
    if not layer.built:
        layer(x, **kwargs)
    if not jit:
        return np.asarray(layer(x, **kwargs))
    out, _ = jax.jit(lambda v, a: layer.apply(v, a, **kwargs))(layer.get_variables(), x)
    return np.asarray(out)


def relu_ref(x, negative_slope=0.0, max_value=None, threshold=0.0):
    x = np.asarray(x, np.float64)
    y = np.where(x > threshold, x, 0.0) if threshold else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.clip(y, 0.0, max_value)
    return y - negative_slope * np.maximum(threshold - x, 0.0)


def softmax_ref(x, axis=-1, mask=None):
    x = np.asarray(x, np.float64)
    if mask is not None:
        mask = np.broadcast_to(np.asarray(mask) > 0.5, x.shape)
        x = np.where(mask, x, -1e9)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    y = e / e.sum(axis=axis, keepdims=True)
    return np.where(mask, y, 0.0) if mask is not None else y


# --- ReLU / LeakyReLU / ELU -----------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("kw", [{}, {"max_value": 6.0}, {"negative_slope": 0.5},
                                {"threshold": 1.0}, {"max_value": 4.0, "negative_slope": 0.1, "threshold": 0.5}])
def test_relu_matches_numpy(kw, jit):
    y = _run(A.ReLU(**kw), X, jit)
    np.testing.assert_allclose(y, relu_ref(X, **kw), rtol=1e-6, atol=1e-6)


def test_relu_docstring_example():
    y = A.ReLU(max_value=10, negative_slope=0.5)(np.array([-10.0, -5.0, 0.0, 5.0, 10.0], "float32"))
    np.testing.assert_allclose(np.asarray(y), [-5.0, -2.5, 0.0, 5.0, 10.0])


@pytest.mark.parametrize("kw,arg", [({"max_value": -1.0}, "max_value"), ({"negative_slope": -0.1}, "negative_slope"),
                                    ({"threshold": -2.0}, "threshold"), ({"negative_slope": None}, "negative_slope")])
def test_relu_rejects_negative_arguments(kw, arg):
    with pytest.raises(ValueError, match=arg):
        A.ReLU(**kw)


@pytest.mark.parametrize("jit", JIT)
def test_leaky_relu_matches_numpy(jit):
    layer = A.LeakyReLU()
    assert layer.negative_slope == 0.3
    y = _run(layer, X, jit)
    np.testing.assert_allclose(y, np.where(X >= 0, X, 0.3 * X), rtol=1e-6)
    y = _run(A.LeakyReLU(negative_slope=0.05), X, jit)
    np.testing.assert_allclose(y, np.where(X >= 0, X, 0.05 * X), rtol=1e-6)


def test_leaky_relu_alpha_is_deprecated_but_accepted():
    with pytest.warns(DeprecationWarning, match="`alpha` is deprecated. Use `negative_slope` instead"):
        layer = A.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert "alpha" not in layer.get_config() and layer.get_config()["negative_slope"] == 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A.LeakyReLU(negative_slope=0.1)  # no warning with the Keras 3 name


def test_leaky_relu_rejects_negative_slope():
    with pytest.raises(ValueError, match="negative_slope"):
        A.LeakyReLU(negative_slope=-0.2)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_elu_matches_numpy(alpha, jit):
    y = _run(A.ELU(alpha=alpha), X, jit)
    np.testing.assert_allclose(y, np.where(X > 0, X, alpha * np.expm1(X.astype(np.float64))), rtol=1e-5, atol=1e-6)


# --- PReLU -----------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("shared_axes,alpha_shape", [(None, (3, 4)), ([1], (1, 4)), (2, (3, 1)), ([1, 2], (1, 1))])
def test_prelu_matches_numpy(shared_axes, alpha_shape, jit, rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = A.PReLU(shared_axes=shared_axes)
    layer.build(x.shape)
    assert [w.name for w in layer.weights] == ["alpha"] and layer.alpha.shape == alpha_shape
    np.testing.assert_array_equal(layer.get_weights()[0], np.zeros(alpha_shape))  # "Zeros" default
    alpha = rng.uniform(0.1, 0.9, size=alpha_shape).astype("float32")
    layer.set_weights([alpha])
    y = _run(layer, x, jit)
    np.testing.assert_allclose(y, np.where(x >= 0, x, alpha * x), rtol=1e-6)


def test_prelu_input_spec_and_shapes():
    layer = A.PReLU(shared_axes=[1, 2])
    out = layer(Input((5, 6, 3)))
    assert out.shape == (None, 5, 6, 3)
    assert layer.alpha.shape == (1, 1, 3)
    with pytest.raises(ValueError, match="axis -1|axis 3|expected"):
        layer(np.ones((2, 5, 6, 4), "float32"))
    with pytest.raises(ValueError, match="shared_axes"):
        A.PReLU(shared_axes=[0])


def test_prelu_trains_in_fit():
    import fkeras as keras

    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = np.where(x >= 0, x, 0.5 * x).sum(axis=1, keepdims=True)
    model = keras.Sequential([Input((4,)), A.PReLU(alpha_initializer="zeros"),
                              keras.layers.Dense(1, use_bias=False, kernel_initializer="ones", trainable=False)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.2 * before
    alpha = model.layers[0].get_weights()[0]
    np.testing.assert_allclose(alpha, 0.5, atol=0.1)


# --- Softmax ---------------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_softmax_matches_numpy(jit, rng):
    x = rng.normal(size=(2, 3, 5)).astype("float32")
    np.testing.assert_allclose(_run(A.Softmax(), x, jit), softmax_ref(x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(_run(A.Softmax(axis=1), x, jit), softmax_ref(x, axis=1), rtol=1e-5, atol=1e-7)
    y = _run(A.Softmax(axis=(1, 2)), x, jit)
    np.testing.assert_allclose(y, softmax_ref(x, axis=(1, 2)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(y.sum(axis=(1, 2)), 1.0, rtol=1e-5)


@pytest.mark.parametrize("jit", JIT)
def test_softmax_with_mask(jit, rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    mask = np.array([[[1, 0, 1, 1], [0, 0, 0, 0], [1, 1, 1, 0]],
                     [[1, 1, 1, 1], [0, 1, 0, 0], [1, 0, 0, 1]]], bool)
    layer = A.Softmax()
    if jit:
        y = np.asarray(jax.jit(lambda a, m: layer.apply({}, a, mask=m)[0])(x, mask))
    else:
        y = np.asarray(layer(x, mask=mask))
    ref = softmax_ref(x, mask=mask)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-7)
    assert np.all(y[~mask] == 0) and np.all(y[0, 1] == 0)  # a fully masked row is all zeros
    # A float mask counts > 0.5 as kept; a broadcastable (B, 1, 4) mask works too.
    fmask = np.array([[[0.9, 0.2, 0.7, 1.0]], [[0.0, 1.0, 0.6, 0.4]]], "float32")
    np.testing.assert_allclose(np.asarray(layer(x, mask=fmask)), softmax_ref(x, mask=fmask), rtol=1e-5, atol=1e-7)


def test_softmax_mask_must_broadcast():
    with pytest.raises(ValueError, match="broadcastable"):
        A.Softmax()(np.ones((2, 3), "float32"), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="broadcastable"):
        A.Softmax()(np.ones((3,), "float32"), mask=np.ones((1, 3), bool))


# --- shapes, configs -------------------------------------------------------------------------

FACTORIES = [lambda: A.ReLU(max_value=6.0), lambda: A.LeakyReLU(0.2), lambda: A.PReLU(shared_axes=[1]),
             lambda: A.ELU(alpha=0.5), lambda: A.Softmax(axis=1)]


@pytest.mark.parametrize("factory", FACTORIES)
def test_output_shapes_agree(factory):
    layer = factory()
    x = np.ones((2, 3, 4), "float32")
    assert tuple(layer.compute_output_shape((2, 3, 4))) == (2, 3, 4)
    assert factory()(Input((3, 4))).shape == (None, 3, 4)
    assert layer(x).shape == (2, 3, 4)


@pytest.mark.parametrize("cls,kw,keys", [
    (A.ReLU, {"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5}, ["max_value", "negative_slope", "threshold"]),
    (A.LeakyReLU, {"negative_slope": 0.2}, ["negative_slope"]),
    (A.PReLU, {"alpha_initializer": "ones", "shared_axes": [1, 2]},
     ["alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"]),
    (A.ELU, {"alpha": 0.7}, ["alpha"]),
    (A.Softmax, {"axis": [1, 2]}, ["axis"]),
])
def test_get_config_round_trip(cls, kw, keys):
    layer = cls(**kw, name="act")
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", *keys}
    clone = cls.from_config(config)
    assert clone.get_config() == config
    x = np.linspace(-2, 2, 24, dtype="float32").reshape(2, 3, 4)
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(layer(x)), rtol=1e-6)


def test_supports_masking_passes_mask_through():
    for f in FACTORIES:
        layer = f()
        m = np.array([[True, False, True]])
        assert layer.supports_masking and layer.compute_mask(None, m) is m


# --- optional parity with Keras 3 --------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return keras


@pytest.mark.parametrize("name,kw", [("ReLU", {"max_value": 4.0, "negative_slope": 0.1, "threshold": 0.5}),
                                     ("LeakyReLU", {}), ("ELU", {"alpha": 0.5}), ("Softmax", {"axis": 1}),
                                     ("PReLU", {"shared_axes": [2]})])
def test_parity_with_keras(name, kw, rng):
    keras = _keras()
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    ours, theirs = getattr(A, name)(**kw), getattr(keras.layers, name)(**kw)
    ours(x)
    theirs(x)
    assert [w.path.split("/")[-1] for w in theirs.weights] == [w.name for w in ours.weights]
    weights = [rng.uniform(0.1, 0.5, size=w.shape).astype("float32") for w in ours.weights]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    ck, ok = theirs.get_config(), ours.get_config()
    assert set(ck) == set(ok)
    for k in ck:
        if k not in ("name", "dtype") and not isinstance(ck[k], dict):
            assert ck[k] == ok[k], k
    if name == "Softmax":
        m = rng.uniform(size=(2, 3, 4)) > 0.4
        np.testing.assert_allclose(np.asarray(ours(x, mask=m)), np.asarray(theirs(x, mask=m)), atol=1e-6)
