"""Pooling layers vs direct-loop numpy references, eagerly and under jax.jit."""
import jax
import numpy as np
import pytest

from fkeras.layers import pooling
from fkeras.layers.input_layer import Input

RNG = np.random.default_rng(0)


def pool_ref(x, pool, strides, padding, mode):
    """x: (B, *spatial, C). Each window is clipped to the real input (TF 'SAME' placement)."""
    x = np.asarray(x, np.float64)
    rank = x.ndim - 2
    starts, out_sp = [], []
    for n, k, s in zip(x.shape[1:-1], pool, strides):
        if padding == "valid":
            out, lo = (n - k) // s + 1, 0
        else:
            out = -(-n // s)
            lo = max((out - 1) * s + k - n, 0) // 2
        out_sp.append(out)
        starts.append([o * s - lo for o in range(out)])
    y = np.zeros((x.shape[0], *out_sp, x.shape[-1]))
    for o in np.ndindex(*out_sp):
        sl = tuple(slice(max(starts[i][o[i]], 0), min(starts[i][o[i]] + pool[i], x.shape[1 + i]))
                   for i in range(rank))
        window = x[(slice(None),) + sl].reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None),) + o] = window.max(axis=1) if mode == "max" else window.mean(axis=1)
    return y


def _to_cf(x):
    return np.moveaxis(x, -1, 1)


def _run(layer, x):
    y = np.asarray(layer(x))
    y_jit = np.asarray(jax.jit(lambda a: layer.apply({}, a)[0])(x))
    return y, y_jit


CASES = [
    # (max class, avg class), spatial, pool, strides, padding
    ((pooling.MaxPooling1D, pooling.AveragePooling1D), (7,), 2, None, "valid"),
    ((pooling.MaxPooling1D, pooling.AveragePooling1D), (7,), 3, 2, "same"),
    ((pooling.MaxPooling1D, pooling.AveragePooling1D), (5,), 2, 1, "same"),
    ((pooling.MaxPooling2D, pooling.AveragePooling2D), (5, 6), (2, 3), None, "valid"),
    ((pooling.MaxPooling2D, pooling.AveragePooling2D), (5, 5), 3, 2, "same"),
    ((pooling.MaxPooling2D, pooling.AveragePooling2D), (4, 5), (2, 2), (1, 2), "same"),
    ((pooling.MaxPooling3D, pooling.AveragePooling3D), (4, 5, 3), 2, None, "valid"),
    ((pooling.MaxPooling3D, pooling.AveragePooling3D), (3, 4, 5), (2, 3, 2), (2, 1, 2), "same"),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{len(c[1])}d-{c[4]}-{c[2]}-{c[3]}")
def test_pooling_matches_reference(case, mode, data_format):
    classes, spatial, pool, strides, padding = case
    cls = classes[0] if mode == "max" else classes[1]
    layer = cls(pool_size=pool, strides=strides, padding=padding, data_format=data_format)
    x_cl = RNG.standard_normal((2,) + spatial + (3,)).astype("float32")
    if padding == "same" and mode == "max":
        x_cl = x_cl - 10.0  # all negative: a zero-padded max would be wrong
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    ref = pool_ref(x_cl, layer.pool_size, layer.strides, padding, mode)
    if data_format == "channels_first":
        ref = _to_cf(ref)
    y, y_jit = _run(layer, x)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape(x.shape) == y.shape
    assert layer(Input(batch_shape=(None,) + x.shape[1:])).shape == (None,) + y.shape[1:]
    assert layer.weights == []


def test_average_same_divides_by_valid_count():
    x = np.ones((1, 3, 1), "float32")
    y = np.asarray(pooling.AveragePooling1D(2, strides=2, padding="same")(x))
    np.testing.assert_allclose(y[0, :, 0], [1.0, 1.0])  # last window holds one real element
    x = np.arange(1, 6, dtype="float32").reshape(1, 5, 1)
    y = np.asarray(pooling.AveragePooling1D(3, strides=1, padding="same")(x))
    np.testing.assert_allclose(y[0, :, 0], [1.5, 2, 3, 4, 4.5])


def test_integer_max_pooling_keeps_dtype():
    x = np.array([[[1], [-5], [3], [7], [-2]]], "int32")
    y = pooling.MaxPooling1D(2, padding="same")(x)
    assert y.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(y)[0, :, 0], [1, 7, -2])


def test_unknown_spatial_dims_symbolic():
    assert pooling.MaxPooling2D()(Input((None, 6, 3))).shape == (None, None, 3, 3)
    assert pooling.AveragePooling1D(3, strides=2, padding="same")(Input((None, 4))).shape == (None, None, 4)


GLOBAL = [
    (pooling.GlobalMaxPooling1D, "max", 1),
    (pooling.GlobalMaxPooling2D, "max", 2),
    (pooling.GlobalMaxPooling3D, "max", 3),
    (pooling.GlobalAveragePooling1D, "average", 1),
    (pooling.GlobalAveragePooling2D, "average", 2),
    (pooling.GlobalAveragePooling3D, "average", 3),
]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("cls,mode,rank", GLOBAL, ids=lambda v: getattr(v, "__name__", str(v)))
def test_global_pooling(cls, mode, rank, data_format, keepdims):
    layer = cls(data_format=data_format, keepdims=keepdims)
    x_cl = RNG.standard_normal((2,) + (4, 3, 2)[:rank] + (5,)).astype("float32")
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    axes = tuple(range(1, rank + 1)) if data_format == "channels_last" else tuple(range(2, rank + 2))
    # Reference: loop over the flattened spatial positions.
    flat = x_cl.reshape(2, -1, 5).astype(np.float64)
    ref = flat.max(axis=1) if mode == "max" else flat.sum(axis=1) / flat.shape[1]
    if keepdims:
        ref = ref.reshape((2,) + (1,) * rank + (5,))
        if data_format == "channels_first":
            ref = _to_cf(ref)
    y, y_jit = _run(layer, x)
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape(x.shape) == y.shape
    sym = layer(Input(batch_shape=(None,) + x.shape[1:]))
    assert sym.shape == (None,) + y.shape[1:]
    assert len(axes) == rank


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_1d_mask(data_format):
    x_cl = RNG.standard_normal((3, 4, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 0, 1, 1], [1, 1, 1, 1]], bool)
    ref = np.stack([x_cl[b][mask[b]].astype(np.float64).mean(axis=0) for b in range(3)])
    layer = pooling.GlobalAveragePooling1D(data_format=data_format)
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    np.testing.assert_allclose(layer(x, mask=mask), ref, rtol=1e-5, atol=1e-6)
    y_jit = jax.jit(lambda a, m: layer.apply({}, a, mask=m)[0])(x, mask)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-5, atol=1e-6)
    assert layer.supports_masking and layer.compute_mask(x, mask) is None
    keep = pooling.GlobalAveragePooling1D(data_format=data_format, keepdims=True)(x, mask=mask)
    assert keep.shape == ((3, 1, 2) if data_format == "channels_last" else (3, 2, 1))


def test_aliases_are_keras_classes():
    assert pooling.MaxPool1D is pooling.MaxPooling1D and pooling.MaxPool3D is pooling.MaxPooling3D
    assert pooling.AvgPool2D is pooling.AveragePooling2D
    assert pooling.GlobalMaxPool2D is pooling.GlobalMaxPooling2D
    assert pooling.GlobalAvgPool1D is pooling.GlobalAveragePooling1D
    assert pooling.GlobalAvgPool3D is pooling.GlobalAveragePooling3D


def test_defaults():
    assert pooling.MaxPooling1D().pool_size == (2,) and pooling.MaxPooling1D().strides == (2,)
    assert pooling.AveragePooling2D().pool_size == (2, 2)
    layer = pooling.MaxPooling3D(pool_size=3, strides=(1, 2, 1))
    assert layer.pool_size == (3, 3, 3) and layer.strides == (1, 2, 1)
    assert layer.padding == "valid"


@pytest.mark.parametrize("layer", [
    pooling.MaxPooling2D((2, 3), strides=(1, 2), padding="same", data_format="channels_first"),
    pooling.AveragePooling1D(3),
    pooling.AveragePooling3D(2, strides=1),
    pooling.GlobalMaxPooling2D(keepdims=True),
    pooling.GlobalAveragePooling1D(data_format="channels_first"),
])
def test_config_round_trip(layer):
    config = layer.get_config()
    if isinstance(layer, pooling.BasePooling):
        assert {"pool_size", "strides", "padding", "data_format", "name", "trainable", "dtype"} <= set(config)
    else:
        assert {"data_format", "keepdims", "name", "trainable", "dtype"} <= set(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("make,match", [
    (lambda: pooling.MaxPooling2D(pool_size=-1), r"pool_size.*-1"),
    (lambda: pooling.MaxPooling1D(pool_size=0), r"pool_size.*0"),
    (lambda: pooling.AveragePooling2D(pool_size=(2, -3)), r"pool_size.*-3"),
    (lambda: pooling.AveragePooling1D(2, strides=-2), r"strides.*-2"),
    (lambda: pooling.MaxPooling3D(2, strides=0), r"strides.*0"),
    (lambda: pooling.MaxPooling2D((2, 2, 2)), "pool_size"),
    (lambda: pooling.MaxPooling2D(padding="causal"), "padding"),
    (lambda: pooling.GlobalMaxPooling2D(data_format="NHWC"), "data_format"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match) as info:
        make()
    assert "Pool" in str(info.value) or "data_format" in str(info.value)


def test_input_errors():
    with pytest.raises(ValueError, match="expected ndim=4"):
        pooling.MaxPooling2D()(np.ones((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="expected ndim=3"):
        pooling.GlobalAveragePooling1D()(np.ones((2, 4, 3, 1), "float32"))
    with pytest.raises(ValueError, match="zero or negative"):
        pooling.MaxPooling1D(4)(np.ones((1, 3, 2), "float32"))


def test_pooling_is_differentiable():
    x = RNG.permutation(16).astype("float32").reshape(1, 4, 4, 1)
    max_layer = pooling.MaxPooling2D(2, padding="same")
    g = np.asarray(jax.jit(jax.grad(lambda a: max_layer.apply({}, a)[0].sum()))(x))[0, :, :, 0]
    expected = np.zeros((4, 4))
    for i in (0, 2):
        for j in (0, 2):
            win = x[0, i:i + 2, j:j + 2, 0]
            a, b = np.unravel_index(np.argmax(win), win.shape)
            expected[i + a, j + b] = 1.0
    np.testing.assert_array_equal(g, expected)
    avg_layer = pooling.AveragePooling1D(2, strides=1, padding="same")
    x1 = np.ones((1, 3, 1), "float32")
    g1 = np.asarray(jax.grad(lambda a: avg_layer.apply({}, a)[0].sum())(x1))[0, :, 0]
    # windows [0,1], [1,2], [2] -> d/dx0 = 1/2, d/dx1 = 1/2 + 1/2, d/dx2 = 1/2 + 1
    np.testing.assert_allclose(g1, [0.5, 1.0, 1.5], rtol=1e-6)
