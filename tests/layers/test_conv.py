"""Convolution layers vs direct-loop numpy references, eagerly and under jax.jit."""
import jax
import numpy as np
import pytest

from fkeras.layers import convolutional as conv
from fkeras.layers.input_layer import Input

RNG = np.random.default_rng(0)
# Weights are overwritten with set_weights; zero initializers keep the tests from compiling a
# random initializer for every kernel shape.
ZK = {"kernel_initializer": "zeros"}
ZD = {"depthwise_initializer": "zeros"}
ZS = {"depthwise_initializer": "zeros", "pointwise_initializer": "zeros"}


# --- numpy references (channels_last, float64) ----------------------------------------------

def _same_pads(n, k_eff, s):
    """TensorFlow 'SAME': ceil(n/s) outputs, the extra padding going to the end."""
    out = -(-n // s)
    total = max((out - 1) * s + k_eff - n, 0)
    return total // 2, total - total // 2


def _pads(x_spatial, ks, strides, padding, dilation):
    pads = []
    for n, k, s, d in zip(x_spatial, ks, strides, dilation):
        k_eff = (k - 1) * d + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "same":
            pads.append(_same_pads(n, k_eff, s))
        else:  # causal
            pads.append((k_eff - 1, 0))
    return pads


def conv_ref(x, kernel, strides, padding, dilation, groups=1):
    """x: (B, *spatial, C); kernel: (*ks, C // groups, F). Loops over output positions and taps."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    rank = x.ndim - 2
    ks = kernel.shape[:rank]
    xp = np.pad(x, [(0, 0)] + _pads(x.shape[1:-1], ks, strides, padding, dilation) + [(0, 0)])
    out_sp = [(xp.shape[1 + i] - (ks[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(rank)]
    c, f = x.shape[-1], kernel.shape[-1]
    cg, fg = c // groups, f // groups
    out = np.zeros((x.shape[0], *out_sp, f))
    for o in np.ndindex(*out_sp):
        for j in np.ndindex(*ks):
            idx = tuple(o[i] * strides[i] + j[i] * dilation[i] for i in range(rank))
            patch = xp[(slice(None),) + idx]  # (B, C)
            for g in range(groups):
                out[(slice(None),) + o + (slice(g * fg, (g + 1) * fg),)] += (
                    patch[:, g * cg:(g + 1) * cg] @ kernel[j][:, g * fg:(g + 1) * fg])
    return out


def depthwise_ref(x, kernel, strides, padding, dilation):
    """kernel: (*ks, C, M); output channel c * M + m."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    rank = x.ndim - 2
    ks = kernel.shape[:rank]
    c, m = kernel.shape[-2:]
    xp = np.pad(x, [(0, 0)] + _pads(x.shape[1:-1], ks, strides, padding, dilation) + [(0, 0)])
    out_sp = [(xp.shape[1 + i] - (ks[i] - 1) * dilation[i] - 1) // strides[i] + 1 for i in range(rank)]
    out = np.zeros((x.shape[0], *out_sp, c * m))
    for o in np.ndindex(*out_sp):
        for j in np.ndindex(*ks):
            idx = tuple(o[i] * strides[i] + j[i] * dilation[i] for i in range(rank))
            for ci in range(c):
                for mi in range(m):
                    out[(slice(None),) + o + (ci * m + mi,)] += xp[(slice(None),) + idx + (ci,)] * kernel[j + (ci, mi)]
    return out


def conv_transpose_ref(x, kernel, strides, padding, output_padding, dilation):
    """Scatter each input pixel through the kernel, then crop (the adjoint of a forward conv).

    kernel: (*ks, F, C). Output length is Keras's documented one; the crop is the left padding of
    the forward convolution that maps the output length back to the input length.
    """
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    rank = x.ndim - 2
    ks = kernel.shape[:rank]
    lengths, crops = [], []
    for i in range(rank):
        n, k, s, d = x.shape[1 + i], ks[i], strides[i], dilation[i]
        op = None if output_padding is None else output_padding[i]
        k_eff = (k - 1) * d + 1
        if padding == "valid":
            L = (n - 1) * s + (max(k_eff, s) if op is None else k_eff + op)
            crop = 0
        else:
            L = n * s if op is None else (n - 1) * s + k_eff % 2 + op
            crop = _same_pads(L, k_eff, s)[0]
        lengths.append(L)
        crops.append(crop)
    full = [max((x.shape[1 + i] - 1) * strides[i] + (ks[i] - 1) * dilation[i] + 1, crops[i] + lengths[i])
            for i in range(rank)]
    out = np.zeros((x.shape[0], *full, kernel.shape[-2]))
    for p in np.ndindex(*x.shape[1:-1]):
        for m in np.ndindex(*ks):
            idx = tuple(p[i] * strides[i] + m[i] * dilation[i] for i in range(rank))
            out[(slice(None),) + idx] += x[(slice(None),) + p] @ kernel[m].T
    sl = tuple(slice(c, c + L) for c, L in zip(crops, lengths))
    return out[(slice(None),) + sl]


# --- helpers ---------------------------------------------------------------------------------

def _to_cf(x):
    return np.moveaxis(x, -1, 1)


def _run(layer, x):
    """Eager output, jitted pure-apply output."""
    y = np.asarray(layer(x))
    y_jit = np.asarray(jax.jit(lambda v, a: layer.apply(v, a)[0])(layer.get_variables(), x))
    return y, y_jit


def _randomize(layer):
    layer.set_weights([RNG.standard_normal(w.shape).astype("float32") for w in layer.weights])
    return [np.asarray(w.value) for w in layer.weights]


def _check_shapes(layer, x, y):
    assert layer.compute_output_shape(x.shape) == y.shape
    sym = layer(Input(batch_shape=(None,) + x.shape[1:]))
    assert sym.shape == (None,) + y.shape[1:]


# --- Conv1D / Conv2D / Conv3D ------------------------------------------------------------------

CONV_CASES = [
    # cls, spatial, channels, filters, kernel, strides, padding, dilation, groups
    (conv.Conv1D, (7,), 3, 4, 3, 1, "valid", 1, 1),
    (conv.Conv1D, (7,), 3, 2, 3, 2, "same", 1, 1),
    (conv.Conv1D, (8,), 2, 2, 2, 1, "causal", 2, 1),
    (conv.Conv1D, (6,), 4, 6, 3, 1, "same", 1, 2),
    (conv.Conv2D, (5, 6), 2, 3, (2, 3), (2, 1), "valid", 1, 1),
    (conv.Conv2D, (6, 5), 2, 3, 3, 2, "same", 1, 1),
    (conv.Conv2D, (7, 6), 2, 2, (3, 2), 1, "same", (2, 1), 1),
    (conv.Conv2D, (5, 5), 4, 4, 3, 1, "valid", 1, 4),
    (conv.Conv3D, (4, 5, 3), 2, 2, 2, (1, 2, 1), "same", 1, 1),
    (conv.Conv3D, (5, 4, 4), 2, 2, (3, 2, 2), 1, "valid", (2, 1, 1), 1),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c[0].__name__}-{c[6]}-{c[1]}")
def test_conv_matches_reference(case, data_format):
    cls, spatial, channels, filters, kernel, strides, padding, dilation, groups = case
    rank = len(spatial)
    layer = cls(filters, kernel, strides=strides, padding=padding, dilation_rate=dilation, groups=groups,
                data_format=data_format, **ZK)
    x_cl = RNG.standard_normal((2,) + spatial + (channels,)).astype("float32")
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    layer.build(x.shape)
    k, b = _randomize(layer)
    assert k.shape == layer.kernel_size + (channels // groups, filters)
    ref = conv_ref(x_cl, k, layer.strides, padding, layer.dilation_rate, groups) + b
    if data_format == "channels_first":
        ref = _to_cf(ref)
    y, y_jit = _run(layer, x)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-4, atol=1e-4)
    _check_shapes(layer, x, y)
    assert len(layer.kernel_size) == rank


def test_conv_activation_and_no_bias():
    layer = conv.Conv1D(3, 2, activation="relu", use_bias=False, **ZK)
    x = RNG.standard_normal((2, 5, 2)).astype("float32")
    layer.build(x.shape)
    (k,) = _randomize(layer)
    np.testing.assert_allclose(layer(x), np.maximum(conv_ref(x, k, (1,), "valid", (1,)), 0), rtol=1e-4,
                               atol=1e-5)
    assert [w.name for w in layer.weights] == ["kernel"]


def test_conv_leading_batch_dims():
    layer = conv.Conv1D(2, 3, padding="same", **ZK)
    x = RNG.standard_normal((2, 3, 5, 4)).astype("float32")
    y = np.asarray(layer(x))
    assert y.shape == (2, 3, 5, 2)
    np.testing.assert_allclose(y[1], np.asarray(layer(x[1])), rtol=1e-5, atol=1e-6)


def test_conv_unknown_spatial_dims_symbolic():
    assert conv.Conv1D(4, 3, padding="causal")(Input((None, 3))).shape == (None, None, 4)
    assert conv.Conv2D(4, 3, strides=2)(Input((None, 9, 3))).shape == (None, None, 4, 4)
    assert conv.Conv2DTranspose(4, 3, strides=2)(Input((None, 5, 3))).shape == (None, None, 11, 4)


def test_keras_doc_examples():
    assert conv.Conv1D(32, 3, activation="relu", **ZK)(np.ones((4, 10, 128), "float32")).shape == (4, 8, 32)
    assert conv.Conv2DTranspose(32, 2, 2, activation="relu", **ZK)(
        np.ones((4, 10, 8, 16), "float32")).shape == (4, 20, 16, 32)
    assert conv.SeparableConv2D(3, 4, 3, activation="relu", **ZS)(
        np.ones((4, 10, 10, 12), "float32")).shape == (4, 3, 3, 3)
    assert conv.DepthwiseConv1D(kernel_size=3, depth_multiplier=3, strides=2, **ZD)(
        np.ones((4, 10, 12), "float32")).shape == (4, 4, 36)


# --- transposed convolution -------------------------------------------------------------------

TRANSPOSE_CASES = [
    # cls, spatial, channels, filters, kernel, strides, padding, output_padding, dilation
    (conv.Conv1DTranspose, (4,), 2, 3, 3, 1, "valid", None, 1),
    (conv.Conv1DTranspose, (4,), 2, 3, 3, 2, "same", None, 1),
    (conv.Conv1DTranspose, (4,), 2, 2, 2, 3, "valid", None, 1),   # stride > kernel
    (conv.Conv1DTranspose, (4,), 2, 2, 3, 1, "same", None, 2),    # dilation
    (conv.Conv1DTranspose, (4,), 2, 2, 3, 3, "same", 1, 1),       # output_padding, odd kernel
    (conv.Conv2DTranspose, (3, 4), 2, 3, (3, 2), (2, 2), "same", None, 1),
    (conv.Conv2DTranspose, (3, 3), 2, 2, (4, 3), (2, 1), "valid", (1, 0), 1),
    (conv.Conv3DTranspose, (2, 3, 2), 2, 2, 2, (2, 1, 2), "same", None, 1),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("case", TRANSPOSE_CASES, ids=lambda c: f"{c[0].__name__}-{c[6]}-{c[5]}-{c[7]}")
def test_conv_transpose_matches_reference(case, data_format):
    cls, spatial, channels, filters, kernel, strides, padding, output_padding, dilation = case
    layer = cls(filters, kernel, strides=strides, padding=padding, output_padding=output_padding,
                dilation_rate=dilation, data_format=data_format, **ZK)
    x_cl = RNG.standard_normal((2,) + spatial + (channels,)).astype("float32")
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    layer.build(x.shape)
    k, b = _randomize(layer)
    assert k.shape == layer.kernel_size + (filters, channels)
    ref = conv_transpose_ref(x_cl, k, layer.strides, padding, layer.output_padding, layer.dilation_rate) + b
    if data_format == "channels_first":
        ref = _to_cf(ref)
    y, y_jit = _run(layer, x)
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-4, atol=1e-4)
    _check_shapes(layer, x, y)


@pytest.mark.parametrize("n,k,s,padding,op,d,expected", [
    (5, 3, 2, "same", None, 1, 10),       # input * stride
    (5, 3, 2, "valid", None, 1, 11),      # (n-1)*s + k
    (5, 2, 3, "valid", None, 1, 15),      # (n-1)*s + max(k, s)
    (5, 3, 2, "same", 1, 1, 10),          # (n-1)*s + k%2 + op
    (5, 4, 2, "same", 1, 1, 9),
    (5, 3, 1, "valid", None, 2, 9),       # dilated kernel 5
])
def test_conv_transpose_output_length_formula(n, k, s, padding, op, d, expected):
    from fkeras.ops import nn as ops_nn  # the one home of both formulas (layers and ops use them)

    assert ops_nn.conv_transpose_output_length(n, k, padding, op, s, d) == expected
    left, right = ops_nn._conv_transpose_padding(k, s, d, padding, op)
    k_eff = (k - 1) * d + 1
    assert (n - 1) * s + 2 - k_eff + left + right == expected  # lax.conv_transpose's output length


# --- depthwise / separable ------------------------------------------------------------------

DEPTHWISE_CASES = [
    # cls, spatial, channels, depth_multiplier, kernel, strides, padding, dilation
    (conv.DepthwiseConv1D, (7,), 3, 2, 3, 2, "same", 1),
    (conv.DepthwiseConv1D, (7,), 2, 1, 2, 1, "valid", 2),
    (conv.DepthwiseConv2D, (5, 4), 2, 3, (3, 2), 1, "valid", 1),
    (conv.DepthwiseConv2D, (5, 5), 3, 1, 3, 2, "same", 1),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("case", DEPTHWISE_CASES, ids=lambda c: f"{c[0].__name__}-{c[6]}-{c[3]}")
def test_depthwise_matches_reference(case, data_format):
    cls, spatial, channels, dm, kernel, strides, padding, dilation = case
    layer = cls(kernel, strides=strides, padding=padding, depth_multiplier=dm, dilation_rate=dilation,
                data_format=data_format, **ZD)
    x_cl = RNG.standard_normal((2,) + spatial + (channels,)).astype("float32")
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    layer.build(x.shape)
    k, b = _randomize(layer)
    assert [w.name for w in layer.weights] == ["kernel", "bias"]
    assert k.shape == layer.kernel_size + (channels, dm) and b.shape == (channels * dm,)
    ref = depthwise_ref(x_cl, k, layer.strides, padding, layer.dilation_rate) + b
    if data_format == "channels_first":
        ref = _to_cf(ref)
    y, y_jit = _run(layer, x)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-4, atol=1e-4)
    _check_shapes(layer, x, y)


SEPARABLE_CASES = [
    # cls, spatial, channels, filters, depth_multiplier, kernel, strides, padding, dilation
    (conv.SeparableConv1D, (7,), 3, 4, 2, 3, 1, "same", 2),
    (conv.SeparableConv1D, (6,), 2, 3, 1, 2, 2, "valid", 1),
    (conv.SeparableConv2D, (5, 4), 2, 3, 2, (2, 3), (2, 1), "same", 1),
    (conv.SeparableConv2D, (5, 5), 3, 2, 1, 3, 1, "valid", 1),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("case", SEPARABLE_CASES, ids=lambda c: f"{c[0].__name__}-{c[7]}-{c[4]}")
def test_separable_matches_reference(case, data_format):
    cls, spatial, channels, filters, dm, kernel, strides, padding, dilation = case
    rank = len(spatial)
    layer = cls(filters, kernel, strides=strides, padding=padding, depth_multiplier=dm,
                dilation_rate=dilation, data_format=data_format, **ZS)
    x_cl = RNG.standard_normal((2,) + spatial + (channels,)).astype("float32")
    x = x_cl if data_format == "channels_last" else _to_cf(x_cl)
    layer.build(x.shape)
    dk, pk, b = _randomize(layer)
    assert [w.name for w in layer.weights] == ["depthwise_kernel", "pointwise_kernel", "bias"]
    assert dk.shape == layer.kernel_size + (channels, dm)
    assert pk.shape == (1,) * rank + (channels * dm, filters)
    mid = depthwise_ref(x_cl, dk, layer.strides, padding, layer.dilation_rate)
    ref = mid @ pk.reshape(channels * dm, filters).astype(np.float64) + b
    if data_format == "channels_first":
        ref = _to_cf(ref)
    y, y_jit = _run(layer, x)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y_jit, ref, rtol=1e-4, atol=1e-4)
    _check_shapes(layer, x, y)


# --- weights, config, errors -----------------------------------------------------------------

@pytest.mark.parametrize("layer,shape,expected", [
    (conv.Conv2D(8, 3, groups=2, **ZK), (1, 5, 5, 4), [("kernel", (3, 3, 2, 8)), ("bias", (8,))]),
    (conv.Conv1D(3, 2, data_format="channels_first", **ZK), (1, 5, 6),
     [("kernel", (2, 5, 3)), ("bias", (3,))]),
    (conv.Conv3D(2, (1, 2, 3), **ZK), (1, 3, 3, 3, 1), [("kernel", (1, 2, 3, 1, 2)), ("bias", (2,))]),
    (conv.Conv2DTranspose(5, 2, **ZK), (1, 3, 3, 4), [("kernel", (2, 2, 5, 4)), ("bias", (5,))]),
    (conv.DepthwiseConv2D(3, depth_multiplier=2, **ZD), (1, 5, 5, 3),
     [("kernel", (3, 3, 3, 2)), ("bias", (6,))]),
    (conv.SeparableConv1D(4, 3, depth_multiplier=2, **ZS), (1, 6, 3),
     [("depthwise_kernel", (3, 3, 2)), ("pointwise_kernel", (1, 6, 4)), ("bias", (4,))]),
])
def test_weight_names_shapes_order(layer, shape, expected):
    layer.build(shape)
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == expected
    assert list(layer.get_variables()) == [n for n, _ in expected]


CONFIG_LAYERS = [
    lambda: conv.Conv1D(4, 3, strides=2, padding="causal", activation="relu", use_bias=False),
    lambda: conv.Conv2D(6, (3, 2), dilation_rate=(2, 1), groups=3, data_format="channels_first",
                        kernel_initializer="he_normal", kernel_regularizer="l2"),
    lambda: conv.Conv3D(2, 2, padding="same"),
    lambda: conv.Conv1DTranspose(3, 3, strides=2, output_padding=1, padding="same"),
    lambda: conv.Conv2DTranspose(3, 2, strides=(2, 1)),
    lambda: conv.Conv3DTranspose(3, 2, dilation_rate=2),
    lambda: conv.DepthwiseConv1D(3, depth_multiplier=2, padding="same"),
    lambda: conv.DepthwiseConv2D((3, 2), strides=2),
    lambda: conv.SeparableConv1D(4, 3, depth_multiplier=3),
    lambda: conv.SeparableConv2D(4, 3, pointwise_initializer="ones", activation="tanh"),
]

BASE_KEYS = {"kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
             "bias_initializer", "bias_regularizer", "activity_regularizer", "bias_constraint", "name",
             "trainable", "dtype"}


@pytest.mark.parametrize("make", CONFIG_LAYERS)
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    if isinstance(layer, conv.BaseConv):
        assert BASE_KEYS | {"filters", "groups", "kernel_initializer", "kernel_regularizer",
                            "kernel_constraint"} <= set(config)
    elif isinstance(layer, conv.BaseConvTranspose):
        assert BASE_KEYS | {"filters", "output_padding", "kernel_initializer"} <= set(config)
    elif isinstance(layer, conv.BaseDepthwiseConv):
        assert BASE_KEYS | {"depth_multiplier", "depthwise_initializer", "depthwise_regularizer",
                            "depthwise_constraint"} <= set(config)
        assert "filters" not in config
    else:
        assert BASE_KEYS | {"filters", "depth_multiplier", "depthwise_initializer", "pointwise_initializer",
                            "pointwise_regularizer", "pointwise_constraint"} <= set(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_conv_weights_apply_after_round_trip():
    layer = conv.Conv2D(3, 2, padding="same", activation="relu", kernel_initializer="ones")
    x = RNG.standard_normal((1, 4, 4, 2)).astype("float32")
    y = np.asarray(layer(x))
    clone = conv.Conv2D.from_config(layer.get_config())
    clone.build(x.shape)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x), y, rtol=1e-6)


@pytest.mark.parametrize("make,match", [
    (lambda: conv.Conv2D(0, 3), "filters"),
    (lambda: conv.Conv2D(-2, 3), "filters"),
    (lambda: conv.Conv2D(4, 3, groups=3), "divisible"),
    (lambda: conv.Conv2D(4, 3, groups=0), "groups"),
    (lambda: conv.Conv2D(4, (3, 0)), "kernel_size"),
    (lambda: conv.Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: conv.Conv2D(4, 3, strides=0), "strides"),
    (lambda: conv.Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: conv.Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: conv.Conv1D(4, 3, padding="full"), "padding"),
    (lambda: conv.Conv2D(4, 3, data_format="NHWC"), "data_format"),
    (lambda: conv.Conv2DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: conv.Conv1DTranspose(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: conv.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    (lambda: conv.SeparableConv2D(0, 3), "filters"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_input_errors():
    layer = conv.Conv2D(4, 3, **ZK)
    with pytest.raises(ValueError, match="min_ndim=4"):
        layer(np.ones((2, 5, 3), "float32"))
    layer(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="axis -1"):
        layer(np.ones((1, 5, 5, 2), "float32"))
    layer_cf = conv.Conv1D(2, 2, data_format="channels_first", **ZK)
    layer_cf(np.ones((1, 3, 5), "float32"))
    with pytest.raises(ValueError, match="axis"):
        layer_cf(np.ones((1, 4, 5), "float32"))
    with pytest.raises(ValueError, match="channel dimension"):
        conv.Conv2D(4, 3)(Input((5, 5, None)))
    with pytest.raises(ValueError, match="groups"):
        conv.Conv2D(4, 3, groups=2)(np.ones((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="zero or negative"):
        conv.Conv2D(4, 5)(np.ones((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="min_ndim=3"):
        conv.DepthwiseConv1D(3)(np.ones((4, 5), "float32"))


def test_gradients_flow():
    layer = conv.Conv1DTranspose(2, 3, strides=2, padding="same", kernel_initializer="ones")
    x = RNG.standard_normal((2, 4, 3)).astype("float32")
    variables = layer.init(jax.random.key(0), x)
    grads = jax.grad(lambda v: (layer.apply(v, x)[0] ** 2).sum())(variables)
    assert grads["kernel"].shape == (3, 2, 3) and np.all(np.isfinite(grads["kernel"]))
    assert np.abs(np.asarray(grads["kernel"])).sum() > 0
