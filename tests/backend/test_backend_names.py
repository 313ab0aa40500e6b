"""keras.backend: dtype helpers (against fixed expectations and Keras 3), get_uid, and tf.keras's K.*
functions (moved to fkeras.backend.legacy, re-exported) against numpy."""
import itertools

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

import fkeras as keras
from fkeras import backend as K

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "bfloat16", "float16",
          "float32", "float64", "complex64", "complex128", int, float, None]


@pytest.fixture
def restore_floatx():
    before = K.floatx()
    yield
    K.set_floatx(before)


@pytest.mark.parametrize("given, expected", [
    (None, "float32"), (int, "int32"), (float, "float32"), (bool, "bool"), (complex, "complex64"), (str, "string"),
    ("int", "int32"), ("float16", "float16"), ("string", "string"), (np.float64, "float64"),
    (np.dtype("uint8"), "uint8"), (np.dtype("float64"), "float64"), (jnp.bfloat16, "bfloat16"),
    (jnp.dtype("bfloat16"), "bfloat16"), (jnp.float16, "float16"), (ml_dtypes.float8_e4m3fn, "float8_e4m3fn"),
    (np.bool_, "bool"),
])
def test_standardize_dtype(given, expected):
    assert K.standardize_dtype(given) == expected


@pytest.mark.parametrize("bad", ["float", "uint", "float128", "foo", 3, np.zeros(2)])
def test_standardize_dtype_rejects_unknown(bad):
    with pytest.raises(ValueError, match="Invalid dtype"):
        K.standardize_dtype(bad)


def test_float_and_int_predicates():
    assert [K.is_float_dtype(d) for d in ("float16", "bfloat16", np.float64, "int8", "bool", "complex64")] == \
        [True, True, True, False, False, False]
    assert [K.is_int_dtype(d) for d in ("int8", "uint32", int, "bool", "float32")] == [True, True, True, False, False]


@pytest.mark.parametrize("args, expected", [
    ((), "float32"), (("int8",), "int8"), (("int32", "float16"), "float16"), (("bfloat16", float), "bfloat16"),
    (("bfloat16", int), "bfloat16"), (("int8", int), "int8"), (("uint8", "int8"), "int16"),
    (("bfloat16", "float16"), "float32"), (("int64", "uint64"), "float32"), (("float64",), "float32"),
    (("int64", "int8"), "int32"), (("complex64", int), "complex64"), ((int, float), "float32"),
    ((int, int), "int32"), (("bool", int), "int32"), (("bool", "bool"), "bool"), ((None, "int8"), "float32"),
    (("uint32", "int32"), "int32"), (("float32", "complex128"), "complex64"),
])
def test_result_type_fixed_expectations(args, expected):
    assert K.result_type(*args) == expected


def test_result_type_weak_float_follows_floatx(restore_floatx):
    K.set_floatx("float16")
    assert K.result_type(int, float) == "float16"
    assert K.result_type("int32", float) == "float16"
    assert K.result_type() == "float16"
    K.set_floatx("float64")
    assert K.result_type("int8", float) == "float32"  # 64-bit results are reported at 32 bits (as Keras on JAX)


def test_result_type_errors():
    with pytest.raises(ValueError, match="float8"):
        K.result_type("float8_e4m3fn", "float32")
    with pytest.raises(ValueError, match="Invalid dtype"):
        K.result_type("float32", "nope")


def test_dtype_helpers_match_keras_on_all_pairs():
    keras3 = pytest.importorskip("keras")

    def outcome(fn, *args):
        try:
            return fn(*args)
        except ValueError:
            return "error"

    for pair in itertools.product(DTYPES, repeat=2):
        assert outcome(K.result_type, *pair) == outcome(keras3.backend.result_type, *pair), pair
    for d in DTYPES[:-3] + ["string", "int", "float", jnp.bfloat16, np.float16]:
        assert outcome(K.standardize_dtype, d) == outcome(keras3.backend.standardize_dtype, d), d
        if d not in ("float",):
            assert K.is_float_dtype(d) == keras3.backend.is_float_dtype(d)
            assert K.is_int_dtype(d) == keras3.backend.is_int_dtype(d)


def test_get_uid_shares_the_layer_name_counters():
    keras.backend.clear_session()
    assert K.get_uid("fk_block") == 1 and K.get_uid("fk_block") == 2
    assert keras.layers.Dense(2).name == "dense"
    assert K.get_uid("dense") == 2
    assert keras.layers.Dense(2).name == "dense_2"
    keras.backend.clear_session()
    assert K.get_uid("fk_block") == 1


def test_backend_module_keeps_every_legacy_name():
    from fkeras.backend import legacy

    for name in legacy.__all__:
        assert getattr(K, name) is getattr(legacy, name)
        assert "Args:" in getattr(K, name).__doc__ or name == "learning_phase"
    for name in ("floatx", "epsilon", "set_floatx", "clear_session", "is_keras_tensor", "np", "_v", "_jnp"):
        assert hasattr(K, name)


X = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.5]], np.float32)
Y = np.array([[1.0, 2.0, -1.0], [0.5, 0.5, 4.0]], np.float32)

CASES = [
    ("mean", lambda f: f(X, axis=1), X.mean(1)),
    ("sum", lambda f: f(X, axis=0, keepdims=True), X.sum(0, keepdims=True)),
    ("max", lambda f: f(X), X.max()),
    ("std", lambda f: f(X, axis=1), X.std(1)),
    ("var", lambda f: f(X), X.var()),
    ("square", lambda f: f(X), X ** 2),
    ("abs", lambda f: f(X), np.abs(X)),
    ("exp", lambda f: f(X), np.exp(X)),
    ("pow", lambda f: f(X, 3), X ** 3),
    ("clip", lambda f: f(X, -0.5, 1.0), np.clip(X, -0.5, 1.0)),
    ("maximum", lambda f: f(X, Y), np.maximum(X, Y)),
    ("greater", lambda f: f(X, Y), X > Y),
    ("argmax", lambda f: f(X), X.argmax(-1)),
    ("dot", lambda f: f(X, Y.T), X @ Y.T),
    ("batch_dot", lambda f: f(X[:, None, :], Y[:, :, None]),
     np.einsum("bij,bjk->bik", X[:, None, :], Y[:, :, None])),
    ("concatenate", lambda f: f([X, Y], axis=0), np.concatenate([X, Y], 0)),
    ("batch_flatten", lambda f: f(X.reshape(2, 3, 1)), X),
    ("one_hot", lambda f: f(np.array([0, 2]), 3), np.eye(3)[[0, 2]]),
    ("switch", lambda f: f(X > 0, X, Y), np.where(X > 0, X, Y)),
    ("relu", lambda f: f(X, alpha=0.1, max_value=2.5), np.clip(np.where(X > 0, X, 0.1 * X), None, 2.5)),
    ("sigmoid", lambda f: f(X), 1 / (1 + np.exp(-X))),
    ("softmax", lambda f: f(X), np.exp(X) / np.exp(X).sum(-1, keepdims=True)),
    ("softplus", lambda f: f(X), np.log1p(np.exp(X))),
    ("l2_normalize", lambda f: f(X, axis=1), X / np.linalg.norm(X, axis=1, keepdims=True)),
]


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_legacy_functions_match_numpy(name, call, expected):
    fn = getattr(K, name)
    np.testing.assert_allclose(np.asarray(call(fn)), expected, rtol=1e-5, atol=1e-6)
    jitted = jax.jit(lambda: call(fn))()
    np.testing.assert_allclose(np.asarray(jitted), expected, rtol=1e-5, atol=1e-6)


def test_legacy_losses_match_numpy():
    eps = K.epsilon()
    t = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    p = np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]], np.float32)
    clipped = np.clip(p, eps, 1 - eps)
    np.testing.assert_allclose(K.binary_crossentropy(t, p), -(t * np.log(clipped) + (1 - t) * np.log(1 - clipped)),
                               rtol=1e-5)
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]], np.float32)
    sig = 1 / (1 + np.exp(-logits))
    np.testing.assert_allclose(K.binary_crossentropy(t, logits, from_logits=True),
                               -(t * np.log(sig) + (1 - t) * np.log(1 - sig)), rtol=1e-5)
    np.testing.assert_allclose(K.categorical_crossentropy(t, p), -np.sum(t * np.log(clipped), -1), rtol=1e-5)
    np.testing.assert_allclose(K.sparse_categorical_crossentropy(np.array([1, 0]), p), -np.log(p[[0, 1], [1, 0]]),
                               rtol=1e-5)


def test_legacy_variables_and_constants():
    v = K.variable([[1.0, 2.0]], name="v")
    assert K.int_shape(v) == (1, 2) and K.ndim(v) == 2 and K.dtype(v) == "float32" and K.count_params(v) == 2
    K.set_value(v, np.array([[3.0, 4.0]]))
    np.testing.assert_array_equal(K.get_value(v), [[3.0, 4.0]])
    np.testing.assert_array_equal(K.batch_get_value([v])[0], [[3.0, 4.0]])
    np.testing.assert_array_equal(K.constant(2.0, shape=(2, 2)), np.full((2, 2), 2.0))
    assert K.cast(np.array([1.7]), "int32").dtype == jnp.int32
    assert K.random_normal((3,), seed=1).shape == (3,)
    np.testing.assert_array_equal(K.random_uniform((4,), seed=2), K.random_uniform((4,), seed=2))
    assert K.learning_phase() == 0
    with pytest.warns(DeprecationWarning):
        K.set_learning_phase(1)


def test_one_clear_session_under_both_names():
    import fkeras as keras

    assert keras.backend.clear_session is keras.utils.clear_session
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=keras.distribution.list_devices()[:1]))
    keras.backend.clear_session()
    assert keras.distribution.distribution() is None  # the backend name resets the distribution too


def test_device_scope_places_arrays():
    import jax
    import pytest

    import fkeras as keras

    with keras.device("cpu:0"):
        x = keras.ops.ones((2,))
    assert list(x.devices())[0] == jax.devices("cpu")[0]
    with pytest.raises(ValueError, match="out of range"):
        with keras.device("cpu:99"):
            pass
