"""keras.activations vs numpy references, eagerly and under jax.jit; get/serialize/deserialize."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp

from fkeras import activations
from fkeras.saving import registry

rng = np.random.default_rng(3)
X = (rng.standard_normal((3, 6)) * 3).astype("float32")
XD = X.astype("float64")


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _relu_ref(x, negative_slope=0.0, max_value=None, threshold=0.0):
    y = np.where(x > threshold, x, 0.0) if threshold else np.maximum(x, 0.0)
    if max_value is not None:
        y = np.minimum(y, max_value)
    return y - negative_slope * np.maximum(threshold - x, 0.0)


CASES = [
    ("relu", activations.relu, _relu_ref, {}),
    ("relu_slope", activations.relu, _relu_ref, {"negative_slope": 0.1}),
    ("relu_max", activations.relu, _relu_ref, {"max_value": 2.0}),
    ("relu_threshold", activations.relu, _relu_ref, {"threshold": 1.0}),
    ("relu_all", activations.relu, _relu_ref, {"negative_slope": 0.3, "max_value": 4.0, "threshold": 0.5}),
    ("relu6", activations.relu6, lambda x: np.clip(x, 0, 6), {}),
    ("leaky_relu", activations.leaky_relu, lambda x, negative_slope=0.2: np.where(x >= 0, x, negative_slope * x), {}),
    ("elu", activations.elu, lambda x, alpha=1.0: np.where(x > 0, x, alpha * np.expm1(x)), {"alpha": 0.7}),
    ("selu", activations.selu,
     lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)), {}),
    ("softplus", activations.softplus, lambda x: np.logaddexp(x, 0), {}),
    ("softsign", activations.softsign, lambda x: x / (1 + np.abs(x)), {}),
    ("sigmoid", activations.sigmoid, _sig, {}),
    ("hard_sigmoid", activations.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), {}),
    ("hard_silu", activations.hard_silu, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), {}),
    ("hard_swish", activations.hard_swish, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), {}),
    ("silu", activations.silu, lambda x: x * _sig(x), {}),
    ("swish", activations.swish, lambda x: x * _sig(x), {}),
    ("gelu", activations.gelu, lambda x: 0.5 * x * (1 + sp.erf(x / np.sqrt(2))), {}),
    ("gelu_approx", activations.gelu,
     lambda x, approximate: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
     {"approximate": True}),
    ("celu", activations.celu, lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)), {}),
    ("glu", activations.glu, lambda x: x[:, :3] * _sig(x[:, 3:]), {}),
    ("tanh", activations.tanh, np.tanh, {}),
    ("tanh_shrink", activations.tanh_shrink, lambda x: x - np.tanh(x), {}),
    ("hard_tanh", activations.hard_tanh, lambda x: np.clip(x, -1, 1), {}),
    ("soft_shrink", activations.soft_shrink, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0), {}),
    ("hard_shrink", activations.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0), {}),
    ("threshold", activations.threshold,
     lambda x, threshold, default_value: np.where(x > threshold, x, default_value),
     {"threshold": 0.0, "default_value": 0.5}),
    ("squareplus", activations.squareplus, lambda x, b=4: (x + np.sqrt(x * x + b)) / 2, {"b": 1.0}),
    ("sparse_plus", activations.sparse_plus,
     lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x)), {}),
    ("sparse_sigmoid", activations.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1), {}),
    ("exponential", activations.exponential, np.exp, {}),
    ("linear", activations.linear, lambda x: x, {}),
    ("log_sigmoid", activations.log_sigmoid, lambda x: -np.logaddexp(0, -x), {}),
    ("softmax", activations.softmax, _softmax, {}),
    ("softmax_axis0", activations.softmax, lambda x, axis: _softmax(x, axis), {"axis": 0}),
    ("log_softmax", activations.log_softmax, lambda x: np.log(_softmax(x)), {}),
    ("mish", activations.mish, lambda x: x * np.tanh(np.logaddexp(x, 0)), {}),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name,fn,ref,kwargs", CASES, ids=[c[0] for c in CASES])
def test_activation_values(name, fn, ref, kwargs, jit):
    call = jax.jit(lambda x: fn(x, **kwargs)) if jit else (lambda x: fn(x, **kwargs))
    got = np.asarray(call(X))
    np.testing.assert_allclose(got, ref(XD, **kwargs), rtol=1e-5, atol=1e-5)


def test_keras_docstring_examples():
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    np.testing.assert_allclose(activations.relu(x), [0, 0, 0, 5, 10])
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(activations.relu(x, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_allclose(activations.relu(x, threshold=5.0), [0, 0, 0, 0, 10])


def test_softmax_1d_and_sparsemax():
    # Keras 3 applies softmax to 1-D inputs along the only axis (no error, unlike tf.keras 2).
    np.testing.assert_allclose(activations.softmax(np.array([1.0, 2.0, 3.0])), _softmax(np.array([1.0, 2.0, 3.0])),
                               rtol=1e-6)
    out = np.asarray(activations.sparsemax(np.array([[2.0, 1.0, -1.0], [0.1, 0.2, 0.3]])))
    np.testing.assert_allclose(out, [[1.0, 0.0, 0.0], [0.2333333, 0.3333333, 0.4333333]], rtol=1e-5)


def test_dtypes_preserved():
    for fn in (activations.relu, activations.gelu, activations.sigmoid, activations.softmax,
               activations.mish, activations.hard_sigmoid):
        assert fn(jnp.ones((2,), "bfloat16")).dtype == jnp.bfloat16, fn.__name__
    assert activations.relu(np.array([1, -2])).dtype == jnp.float32


def test_gradients_finite():
    for fn in (activations.relu, activations.elu, activations.softplus, activations.mish,
               activations.sparse_plus, activations.sparsemax):
        g = jax.grad(lambda x, fn=fn: jnp.sum(fn(x)))(jnp.asarray(X))
        assert np.all(np.isfinite(g)), fn.__name__


def test_get():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get("swish") is activations.silu
    assert activations.get("hard_swish") is activations.hard_silu
    assert activations.get("ReLU") is activations.relu  # lenient case
    f = lambda x: x * 2  # noqa: E731
    assert activations.get(f) is f
    assert activations.get({"class_name": "function", "config": "tanh", "module": "keras.activations",
                            "registered_name": "tanh"}) is activations.tanh
    with pytest.raises(ValueError, match="Did you mean 'relu'"):
        activations.get("rleu")
    with pytest.raises(ValueError, match="Could not interpret"):
        activations.get(3)


def test_serialize_round_trip():
    for name, fn in activations.ALL_OBJECTS_DICT.items():
        s = activations.serialize(fn)
        assert isinstance(s, str)
        assert activations.deserialize(s) is fn
        if name not in ("swish", "hard_swish"):
            assert s == name
    assert activations.serialize(activations.swish) == "silu"
    assert activations.deserialize("linear") is activations.linear


def test_custom_registered_activation():
    @registry.register_keras_serializable(package="TestAct")
    def my_act(x):
        return x * 3

    cfg = activations.serialize(my_act)
    assert isinstance(cfg, dict) and cfg["registered_name"] == "TestAct>my_act"
    assert activations.deserialize(cfg) is my_act
    assert activations.get(cfg) is my_act
    assert activations.deserialize("local", custom_objects={"local": my_act}) is my_act


def test_variable_like_input():
    class V:
        _is_fkeras_variable = True
        value = jnp.asarray(X)

    np.testing.assert_allclose(activations.relu(V()), np.maximum(X, 0))
    np.testing.assert_allclose(activations.mish(V()), X * np.tanh(np.logaddexp(X, 0)), rtol=1e-5)
