"""Normalization, Rescaling, CategoryEncoding, Discretization, Hashing vs numpy references."""
import jax
import numpy as np
import pytest

import fkeras as keras
from fkeras.layers.input_layer import Input
from fkeras.layers.preprocessing import categorical, normalization

RNG = np.random.default_rng(0)
JIT = [False, True]


def _run(layer, x, jit, **kw):
    if jit:
        return np.asarray(jax.jit(lambda v, a: layer.apply(v, a, **kw)[0])(layer.get_variables(), x))
    return np.asarray(layer(x, **kw))


# --- Normalization ------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("axis", [-1, None, (1, 2)])
def test_normalization_adapt_matches_numpy(jit, axis):
    data = RNG.normal(3.0, 2.0, size=(20, 3, 4)).astype("float32")
    layer = normalization.Normalization(axis=axis)
    layer.adapt(data)
    keep = () if axis is None else tuple(a % 3 for a in np.atleast_1d(axis))
    red = tuple(d for d in range(3) if d not in keep)
    mean = data.astype(np.float64).mean(axis=red, keepdims=True)
    var = data.astype(np.float64).var(axis=red, keepdims=True)
    np.testing.assert_allclose(np.asarray(layer.adapt_mean.numpy()).reshape(-1), mean.reshape(-1), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(layer.adapt_variance.numpy()).reshape(-1), var.reshape(-1), rtol=1e-5)
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_allclose(_run(layer, x, jit), (x - mean) / np.sqrt(var), rtol=1e-4, atol=1e-5)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert layer.trainable_weights == []


def test_normalization_streaming_adapt_equals_one_shot():
    data = RNG.normal(100.0, 0.01, size=(37, 5)).astype("float32")  # large mean: a stability check
    one = normalization.Normalization()
    one.adapt(data)
    batches = [data[:10], data[10:11], data[11:30], data[30:]]
    for source in (batches, iter(batches), ((b, None) for b in batches)):
        streamed = normalization.Normalization()
        streamed.adapt(source)
        np.testing.assert_allclose(streamed.adapt_mean.numpy(), one.adapt_mean.numpy(), rtol=1e-6)
        np.testing.assert_allclose(streamed.adapt_variance.numpy(), one.adapt_variance.numpy(), rtol=1e-4)
    np.testing.assert_allclose(one.adapt_variance.numpy(), data.astype(np.float64).var(0), rtol=1e-4)
    limited = normalization.Normalization()
    limited.adapt(batches, steps=1)
    np.testing.assert_allclose(limited.adapt_mean.numpy(), data[:10].astype(np.float64).mean(0), rtol=1e-6)


@pytest.mark.parametrize("jit", JIT)
def test_normalization_given_stats_invert_and_keras_doc_examples(jit):
    x = np.array([[1.0], [2.0], [3.0]], "float32")
    np.testing.assert_allclose(_run(normalization.Normalization(mean=3.0, variance=2.0), x, jit),
                               (x - 3.0) / np.sqrt(2.0), rtol=1e-6)
    adapt = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]], "float32")
    inv = normalization.Normalization(axis=-1, invert=True)
    inv.adapt(adapt)
    np.testing.assert_allclose(_run(inv, np.array([[1.0, 2.0, 3.0]], "float32"), jit), [[2.0, 10.0, 8.0]])
    fwd = normalization.Normalization(axis=-1, mean=[1.0, 8.0, 5.0], variance=[1.0, 1.0, 1.0])
    y = np.array([[0.5, -1.0, 2.0]], "float32")
    np.testing.assert_allclose(_run(inv, _run(fwd, _run(inv, y, jit), jit), jit), _run(inv, y, jit), rtol=1e-6)
    assert normalization.Normalization()(Input((3,))).shape == (None, 3)


def test_normalization_errors_and_config():
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        normalization.Normalization(mean=1.0)
    layer = normalization.Normalization(axis=-1)
    layer.adapt(np.ones((4, 3), "float32"))
    with pytest.raises(ValueError, match="incompatible shape"):
        layer.adapt(np.ones((4, 5), "float32"))
    config = normalization.Normalization(axis=(1, 2), mean=[1.0, 2.0], variance=[3.0, 4.0], invert=True).get_config()
    assert {"axis", "invert", "mean", "variance"} <= set(config)
    clone = normalization.Normalization.from_config(config)
    assert clone.get_config() == config


# --- Rescaling ----------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_rescaling(jit):
    x = np.array([[0, 128, 255]], "uint8")
    np.testing.assert_allclose(_run(normalization.Rescaling(1 / 127.5, offset=-1), x, jit),
                               x / 127.5 - 1, atol=1e-6)
    img = RNG.uniform(size=(2, 3, 3, 2)).astype("float32")
    layer = normalization.Rescaling(np.array([2.0, 0.5]))
    np.testing.assert_allclose(_run(layer, img, jit), img * np.array([2.0, 0.5]), rtol=1e-6)
    clone = normalization.Rescaling.from_config(layer.get_config())
    np.testing.assert_allclose(np.asarray(clone(img)), img * np.array([2.0, 0.5]), rtol=1e-6)
    assert normalization.Rescaling.from_config(normalization.Rescaling(0.5).get_config()).scale == 0.5


# --- CategoryEncoding ---------------------------------------------------------------------

def _one_hot_ref(x, depth):
    return (np.asarray(x)[..., None] == np.arange(depth)).astype("float32")


@pytest.mark.parametrize("jit", JIT)
def test_category_encoding_modes(jit):
    x = np.array([[0, 1, 1], [3, 3, 2]], "int32")
    ce = categorical.CategoryEncoding
    np.testing.assert_array_equal(_run(ce(4, "multi_hot"), x, jit), _one_hot_ref(x, 4).max(1))
    np.testing.assert_array_equal(_run(ce(4, "count"), x, jit), _one_hot_ref(x, 4).sum(1))
    np.testing.assert_array_equal(_run(ce(4, "one_hot"), np.array([3, 2, 0]), jit), _one_hot_ref([3, 2, 0], 4))
    np.testing.assert_array_equal(_run(ce(4, "one_hot"), np.array([[3], [1]]), jit), _one_hot_ref([3, 1], 4))
    np.testing.assert_array_equal(_run(ce(5, "multi_hot"), np.array([0, 4]), jit), [1, 0, 0, 0, 1])
    w = np.array([[0.1, 0.2, 0.3], [1.0, 2.0, 3.0]], "float32")
    np.testing.assert_allclose(np.asarray(ce(4, "count")(x, count_weights=w)),
                               (_one_hot_ref(x, 4) * w[..., None]).sum(1), rtol=1e-6)
    layer = ce(4, "multi_hot")
    assert layer(Input((3,), dtype="int32")).shape == (None, 4) == layer.compute_output_shape((None, 3))
    with pytest.raises(ValueError, match="count_weights"):
        layer(x, count_weights=w)
    with pytest.raises(ValueError, match="Did you mean 'one_hot'"):
        ce(4, "one_hott")
    assert ce.from_config(layer.get_config()).get_config() == layer.get_config()


# --- Discretization -----------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_discretization_bins_match_digitize(jit):
    bins = [0.0, 1.0, 2.0]
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]], "float32")
    layer = categorical.Discretization(bin_boundaries=bins)
    y = _run(layer, x, jit)
    np.testing.assert_array_equal(y, np.digitize(x, bins))
    np.testing.assert_array_equal(y, [[0, 2, 3, 1], [1, 3, 2, 1]])  # Keras docstring
    assert y.dtype == np.int32
    oh = _run(categorical.Discretization(bin_boundaries=bins, output_mode="one_hot"), x[0], jit)
    np.testing.assert_array_equal(oh, _one_hot_ref(np.digitize(x[0], bins), 4))
    assert layer(Input((4,))).shape == (None, 4)


def test_discretization_adapt_quantiles():
    x = np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    layer = categorical.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(x)
    np.testing.assert_array_equal(np.asarray(layer(x)), [[0, 2, 3, 2], [1, 3, 3, 1]])  # Keras docstring
    data = RNG.uniform(size=(1000,)).astype("float32")
    layer = categorical.Discretization(num_bins=4, epsilon=0.001)
    layer.adapt([data[:500], data[500:]])
    np.testing.assert_allclose(layer.bin_boundaries, np.quantile(data, [0.25, 0.5, 0.75]), atol=0.01)
    config = layer.get_config()
    assert set(config) == {"bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse", "name", "dtype"}
    assert categorical.Discretization.from_config(config).bin_boundaries == layer.bin_boundaries
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        categorical.Discretization()


# --- Hashing ------------------------------------------------------------------------------

def test_hashing_matches_keras_farmhash_and_siphash_vectors():
    H = categorical.Hashing
    letters = [["A"], ["B"], ["C"], ["D"], ["E"]]
    names = np.asarray([["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]])
    np.testing.assert_array_equal(H(3)(letters), [[1], [0], [1], [1], [2]])
    np.testing.assert_array_equal(H(3, mask_value="")([["A"], ["B"], [""], ["C"], ["D"]]), [[1], [1], [0], [2], [2]])
    np.testing.assert_array_equal(H(3, salt=[133, 137])(letters), [[1], [2], [1], [0], [2]])
    np.testing.assert_array_equal(H(3, salt=133)(letters), [[0], [0], [2], [1], [0]])
    np.testing.assert_array_equal(H(2)(names), [[0], [0], [1], [0], [0]])
    np.testing.assert_array_equal(H(3, mask_value="omar")(names), [[0], [1], [2], [1], [1]])
    np.testing.assert_array_equal(H(2, salt=[133, 137])(names), [[0], [1], [0], [1], [0]])
    np.testing.assert_array_equal(H(2, salt=[211, 137])(names), [[1], [0], [1], [0], [1]])
    np.testing.assert_array_equal(H(3)(np.asarray([[0], [1], [2], [3], [4]])), [[1], [0], [1], [0], [2]])
    np.testing.assert_array_equal(H(3, salt=[133, 137])(np.asarray([[0], [1], [2], [3], [4]])),
                                  [[1], [1], [2], [0], [1]])
    np.testing.assert_array_equal(H(3)([0, 1, 2, 3, 4]), [1, 0, 1, 0, 2])
    np.testing.assert_array_equal(H(1)(letters), np.zeros((5, 1)))
    oh = H(3, output_mode="one_hot")(np.array([0, 1, 2, 3, 4]))
    np.testing.assert_array_equal(oh, _one_hot_ref([1, 0, 1, 0, 2], 3))
    np.testing.assert_array_equal(H(3, output_mode="multi_hot")(np.array([[0, 1, 2, 3, 4]])), [[1.0, 1.0, 1.0]])


def test_fingerprint64_all_length_paths():
    from fkeras.layers.preprocessing import _hash

    # Reference values from Google's FarmHash (pyfarmhash 0.5.1 ``fingerprint64``).
    cases = {"": 11160318154034397263, "a" * 20: 15065261471293997870,
             "hello world, this is a 40-byte string!!": 12909050952639234000, "x" * 100: 6590480085648050719}
    for s, expected in cases.items():
        assert _hash._fingerprint64_py(s.encode()) == expected, s


def test_hashing_config_and_errors():
    layer = categorical.Hashing(num_bins=4, mask_value="", salt=7, output_mode="count")
    config = layer.get_config()
    assert config["salt"] == [7, 7] and config["num_bins"] == 4 and config["mask_value"] == ""
    assert categorical.Hashing.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="num_bins"):
        categorical.Hashing(0)
    with pytest.raises(ValueError, match="salt"):
        categorical.Hashing(2, salt="x")
    with pytest.raises(TypeError, match="jax.jit"):
        jax.jit(lambda a: categorical.Hashing(3).apply({}, a)[0])(np.arange(3))


def test_normalization_mean_and_variance_attributes():
    """Keras code reads ``layer.mean`` / ``layer.variance`` after ``adapt`` (broadcast-shaped)."""
    data = np.array([[0.0, 10.0], [2.0, 14.0], [4.0, 12.0]], np.float32)
    layer = keras.layers.Normalization()
    assert not hasattr(layer, "mean")  # nothing adapted or built yet
    layer.adapt(data)
    np.testing.assert_allclose(np.asarray(layer.mean), data.mean(0, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layer.variance), data.var(0, keepdims=True), rtol=1e-6)
    given = keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    given.build((None, 2))
    np.testing.assert_allclose(np.asarray(given.mean), [[1.0, 2.0]])
    np.testing.assert_allclose(np.asarray(given.variance), [[4.0, 9.0]])
