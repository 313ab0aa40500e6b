"""keras.ops.nn vs numpy/scipy references, eagerly and under jax.jit."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp

from fkeras.ops import nn

rng = np.random.default_rng(1)
X = rng.standard_normal((3, 6)).astype("float32") * 3


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sparsemax_ref(z):
    out = np.zeros_like(z)
    for i, row in enumerate(z):
        s = np.sort(row)[::-1]
        cs = np.cumsum(s)
        k = np.arange(1, len(row) + 1)
        kz = k[1 + k * s > cs].max()
        tau = (cs[kz - 1] - 1) / kz
        out[i] = np.maximum(row - tau, 0)
    return out


SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805

ACT_CASES = [
    ("relu", nn.relu, lambda x: np.maximum(x, 0), {}),
    ("relu6", nn.relu6, lambda x: np.clip(x, 0, 6), {}),
    ("sigmoid", nn.sigmoid, _sigmoid, {}),
    ("sparse_sigmoid", nn.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1), {}),
    ("softplus", nn.softplus, lambda x: np.log1p(np.exp(x)), {}),
    ("softsign", nn.softsign, lambda x: x / (1 + np.abs(x)), {}),
    ("silu", nn.silu, lambda x: x * _sigmoid(x), {}),
    ("log_sigmoid", nn.log_sigmoid, lambda x: -np.log1p(np.exp(-x)), {}),
    ("leaky_relu", nn.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x), {}),
    ("leaky_relu_slope", nn.leaky_relu, lambda x, negative_slope: np.where(x >= 0, x, negative_slope * x),
     {"negative_slope": 0.1}),
    ("hard_sigmoid", nn.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1), {}),
    ("hard_silu", nn.hard_silu, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), {}),
    ("elu", nn.elu, lambda x: np.where(x > 0, x, np.expm1(x)), {}),
    ("elu_alpha", nn.elu, lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x)), {"alpha": 0.5}),
    ("selu", nn.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)), {}),
    ("celu", nn.celu, lambda x, alpha: np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(x / alpha)),
     {"alpha": 2.0}),
    ("gelu_exact", nn.gelu, lambda x, approximate: 0.5 * x * (1 + sp.erf(x / np.sqrt(2))),
     {"approximate": False}),
    ("gelu_tanh", nn.gelu,
     lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), {}),
    ("glu", nn.glu, lambda x: x[:, :3] * _sigmoid(x[:, 3:]), {}),
    ("tanh", nn.tanh, np.tanh, {}),
    ("tanh_shrink", nn.tanh_shrink, lambda x: x - np.tanh(x), {}),
    ("hard_tanh", nn.hard_tanh, lambda x: np.clip(x, -1, 1), {}),
    ("hard_shrink", nn.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0), {}),
    ("soft_shrink", nn.soft_shrink,
     lambda x, threshold: np.sign(x) * np.maximum(np.abs(x) - threshold, 0), {"threshold": 1.0}),
    ("threshold", nn.threshold, lambda x, threshold, default_value: np.where(x > threshold, x, default_value),
     {"threshold": 0.5, "default_value": -1.0}),
    ("squareplus", nn.squareplus, lambda x: (x + np.sqrt(x ** 2 + 4)) / 2, {}),
    ("sparse_plus", nn.sparse_plus,
     lambda x: np.where(x <= -1, 0, np.where(x < 1, (x + 1) ** 2 / 4, x)), {}),
    ("sparsemax", nn.sparsemax, _sparsemax_ref, {}),
    ("softmax", nn.softmax, _softmax, {}),
    ("softmax_axis0", nn.softmax, lambda x, axis: _softmax(x, axis=axis), {"axis": 0}),
    ("softmax_none", nn.softmax, lambda x, axis: _softmax(x.reshape(-1)).reshape(x.shape), {"axis": None}),
    ("log_softmax", nn.log_softmax, lambda x: np.log(_softmax(x)), {}),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("name,fn,ref,kwargs", ACT_CASES, ids=[c[0] for c in ACT_CASES])
def test_activation_ops(name, fn, ref, kwargs, jit):
    call = jax.jit(lambda x: fn(x, **kwargs)) if jit else (lambda x: fn(x, **kwargs))
    got = np.asarray(call(X))
    np.testing.assert_allclose(got, ref(X.astype("float64"), **kwargs), rtol=1e-5, atol=1e-5)


def test_sparsemax_sums_to_one():
    out = np.asarray(nn.sparsemax(X))
    np.testing.assert_allclose(out.sum(-1), 1.0, rtol=1e-5)
    assert (out == 0).any()


# --- convolution / pooling references ---------------------------------------------------------

def _same_pads(n, k, s, d):
    keff = (k - 1) * d + 1
    out = math.ceil(n / s)
    total = max((out - 1) * s + keff - n, 0)
    return total // 2, total - total // 2


def conv2d_ref(x, w, strides=(1, 1), padding="valid", dilation=(1, 1), groups=1):
    """NHWC x, HWIO w (I = C / groups): plain loops, cross-correlation."""
    n, h, wd, c = x.shape
    kh, kw, cin_g, cout = w.shape
    if padding == "same":
        ph, pw = _same_pads(h, kh, strides[0], dilation[0]), _same_pads(wd, kw, strides[1], dilation[1])
        x = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    h, wd = x.shape[1:3]
    kh_e, kw_e = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    oh = (h - kh_e) // strides[0] + 1
    ow = (wd - kw_e) // strides[1] + 1
    out = np.zeros((n, oh, ow, cout))
    cout_g = cout // groups
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * strides[0]: i * strides[0] + kh_e: dilation[0],
                      j * strides[1]: j * strides[1] + kw_e: dilation[1], :]
            for g in range(groups):
                p = patch[..., g * cin_g:(g + 1) * cin_g]
                wg = w[..., g * cout_g:(g + 1) * cout_g]
                out[:, i, j, g * cout_g:(g + 1) * cout_g] = np.einsum("nhwc,hwco->no", p, wg)
    return out


def pool2d_ref(x, pool, strides, padding, kind):
    n, h, w, c = x.shape
    if padding == "same":
        ph, pw = _same_pads(h, pool[0], strides[0], 1), _same_pads(w, pool[1], strides[1], 1)
        fill = -np.inf if kind == "max" else np.nan
        x = np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=fill)
    h, w = x.shape[1:3]
    oh = (h - pool[0]) // strides[0] + 1
    ow = (w - pool[1]) // strides[1] + 1
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            win = x[:, i * strides[0]: i * strides[0] + pool[0], j * strides[1]: j * strides[1] + pool[1]]
            out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else np.nanmean(win, axis=(1, 2))
    return out


IMG = rng.standard_normal((2, 7, 6, 4)).astype("float32")
K = rng.standard_normal((3, 3, 4, 5)).astype("float32")

CONV_CASES = [
    dict(strides=1, padding="valid", dilation_rate=1),
    dict(strides=2, padding="same", dilation_rate=1),
    dict(strides=(2, 1), padding="valid", dilation_rate=1),
    dict(strides=1, padding="same", dilation_rate=2),
]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("cfg", CONV_CASES, ids=[str(i) for i in range(len(CONV_CASES))])
def test_conv2d(cfg, jit):
    fn = lambda x, k: nn.conv(x, k, **cfg)  # noqa: E731
    got = (jax.jit(fn) if jit else fn)(IMG, K)
    s = cfg["strides"] if isinstance(cfg["strides"], tuple) else (cfg["strides"],) * 2
    d = (cfg["dilation_rate"],) * 2
    ref = conv2d_ref(IMG.astype("float64"), K.astype("float64"), s, cfg["padding"], d)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


def test_conv2d_channels_first_and_groups():
    got = nn.conv(np.transpose(IMG, (0, 3, 1, 2)), K, padding="same", data_format="channels_first")
    ref = conv2d_ref(IMG.astype("float64"), K.astype("float64"), padding="same")
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), ref, rtol=1e-4, atol=1e-4)
    kg = rng.standard_normal((2, 2, 2, 6)).astype("float32")  # 4 channels, 2 groups
    got = nn.conv(IMG, kg)
    ref = conv2d_ref(IMG.astype("float64"), kg.astype("float64"), groups=2)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)


def test_conv1d_and_3d_shapes():
    x1 = rng.standard_normal((2, 10, 3)).astype("float32")
    k1 = rng.standard_normal((3, 3, 4)).astype("float32")
    y = nn.conv(x1, k1, strides=2, padding="same")
    assert y.shape == (2, 5, 4)
    ref = conv2d_ref(x1[:, :, None, :].astype("float64"), k1[:, None].astype("float64"), (2, 1), "same")
    np.testing.assert_allclose(y, ref[:, :, 0, :], rtol=1e-4, atol=1e-4)
    x3 = np.ones((1, 4, 5, 6, 2), "float32")
    k3 = np.ones((2, 2, 2, 2, 3), "float32")
    assert nn.conv(x3, k3).shape == (1, 3, 4, 5, 3)
    np.testing.assert_allclose(nn.conv(x3, k3), 16.0)


def test_conv_errors_name_the_shapes():
    with pytest.raises(ValueError, match="kernel.shape"):
        nn.conv(IMG, np.ones((3, 3, 3, 2), "float32"))


def test_depthwise_and_separable_conv():
    dk = rng.standard_normal((3, 3, 4, 2)).astype("float32")
    got = nn.depthwise_conv(IMG, dk, padding="same")
    # Depthwise == grouped conv with groups=C and kernel (3,3,1,C*M) ordered channel-major.
    ref = conv2d_ref(IMG.astype("float64"), dk.reshape(3, 3, 1, 8).astype("float64"), padding="same",
                     groups=4)
    assert got.shape == (2, 7, 6, 8)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
    pk = rng.standard_normal((1, 1, 8, 3)).astype("float32")
    sep = jax.jit(lambda x: nn.separable_conv(x, dk, pk, padding="same"))(IMG)
    np.testing.assert_allclose(sep, np.einsum("nhwc,co->nhwo", ref, pk[0, 0]), rtol=1e-4, atol=1e-4)


def conv_transpose_ref(x, w, stride, padding, output_padding=None):
    """Scatter-add reference for 1-D transposed conv; w: (k, out, in) Keras layout."""
    n, length, cin = x.shape
    k, cout, _ = w.shape
    full = np.zeros((n, (length - 1) * stride + k, cout))
    for i in range(length):
        full[:, i * stride: i * stride + k, :] += np.einsum("nc,koc->nko", x[:, i, :], w)
    if output_padding is None:
        out_len = length * stride + max(k - stride, 0) if padding == "valid" else length * stride
    else:
        pad = k // 2 if padding == "same" else 0
        out_len = (length - 1) * stride + k - 2 * pad + output_padding
    if padding == "valid":
        start = 0
    else:
        total = (length - 1) * stride + k - out_len
        start = max(total // 2, 0) if output_padding is None else k // 2
    res = np.zeros((n, out_len, cout))
    avail = full[:, start:start + out_len]
    res[:, :avail.shape[1]] = avail
    return res


@pytest.mark.parametrize("stride,padding,k", [(1, "valid", 3), (2, "valid", 3), (2, "same", 3),
                                              (2, "same", 4), (3, "valid", 2)])
def test_conv_transpose_1d(stride, padding, k):
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    w = rng.standard_normal((k, 4, 3)).astype("float32")
    got = jax.jit(lambda a, b: nn.conv_transpose(a, b, strides=stride, padding=padding))(x, w)
    ref = conv_transpose_ref(x.astype("float64"), w.astype("float64"), stride, padding)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
    assert got.shape[1] == nn.conv_transpose_output_length(5, k, padding, None, stride, 1)


def test_conv_transpose_2d_shape():
    x = np.ones((1, 4, 4, 3), "float32")
    w = np.ones((3, 3, 8, 3), "float32")
    assert nn.conv_transpose(x, w, strides=2, padding="same").shape == (1, 8, 8, 8)
    assert nn.conv_transpose(x, w, strides=2, padding="valid").shape == (1, 9, 9, 8)


POOL_CASES = [((2, 2), None, "valid"), ((3, 3), (2, 2), "same"), ((2, 3), (1, 2), "valid"),
              ((3, 2), (2, 1), "same")]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("pool,strides,padding", POOL_CASES)
def test_pool2d(kind, pool, strides, padding):
    fn = nn.max_pool if kind == "max" else nn.average_pool
    got = jax.jit(lambda x: fn(x, pool, strides=strides, padding=padding))(IMG)
    ref = pool2d_ref(IMG.astype("float64"), pool, strides or pool, padding, kind)
    assert got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    eager = fn(IMG, pool, strides=strides, padding=padding)
    np.testing.assert_allclose(eager, got, rtol=1e-6)


def test_pool_channels_first_and_1d():
    got = nn.max_pool(np.transpose(IMG, (0, 3, 1, 2)), 2, data_format="channels_first")
    ref = pool2d_ref(IMG.astype("float64"), (2, 2), (2, 2), "valid", "max")
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), ref, rtol=1e-6)
    x = np.arange(12, dtype="float32").reshape(1, 6, 2)
    np.testing.assert_allclose(nn.average_pool(x, 2)[0, :, 0], [1.0, 5.0, 9.0])


# --- encodings, losses, normalization ---------------------------------------------------------

def test_one_hot_and_multi_hot():
    np.testing.assert_array_equal(nn.one_hot(np.array([0, 2, -1]), 3),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    oh = nn.one_hot(np.array([[0, 1]]), 3, axis=0)
    assert oh.shape == (3, 1, 2) and oh.dtype == jnp.float32
    np.testing.assert_array_equal(nn.multi_hot(np.array([[0, 2], [1, 1]]), 4),
                                  [[1, 0, 1, 0], [0, 1, 0, 0]])


T_BIN = rng.integers(0, 2, (4, 3)).astype("float32")
P_BIN = rng.uniform(0.05, 0.95, (4, 3)).astype("float32")
LOGITS = rng.standard_normal((4, 5)).astype("float32")
LABELS = np.array([0, 3, 4, 1], "int32")
ONEHOT = np.eye(5, dtype="float32")[LABELS]


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_crossentropies(jit):
    wrap = jax.jit if jit else (lambda f: f)
    bce = wrap(lambda t, p: nn.binary_crossentropy(t, p))(T_BIN, P_BIN)
    ref = -(T_BIN * np.log(P_BIN) + (1 - T_BIN) * np.log(1 - P_BIN))
    np.testing.assert_allclose(bce, ref, rtol=1e-5)
    bce_l = wrap(lambda t, p: nn.binary_crossentropy(t, p, from_logits=True))(T_BIN, sp.logit(P_BIN))
    np.testing.assert_allclose(bce_l, ref, rtol=1e-4)

    ref_cce = -np.log(_softmax(LOGITS.astype("float64")))[np.arange(4), LABELS]
    cce = wrap(lambda t, p: nn.categorical_crossentropy(t, p, from_logits=True))(ONEHOT, LOGITS)
    np.testing.assert_allclose(cce, ref_cce, rtol=1e-5)
    probs = _softmax(LOGITS).astype("float32")
    cce_p = wrap(lambda t, p: nn.categorical_crossentropy(t, p))(ONEHOT, probs * 3.0)  # renormalized
    np.testing.assert_allclose(cce_p, ref_cce, rtol=1e-4)
    scce = wrap(lambda t, p: nn.sparse_categorical_crossentropy(t, p, from_logits=True))(LABELS, LOGITS)
    np.testing.assert_allclose(scce, ref_cce, rtol=1e-5)
    scce2 = wrap(lambda t, p: nn.sparse_categorical_crossentropy(t, p))(LABELS[:, None], probs)
    np.testing.assert_allclose(scce2, ref_cce, rtol=1e-4)


def test_crossentropy_clipping_and_shape_errors():
    out = nn.binary_crossentropy(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert np.all(np.isfinite(out))
    # Clipped to [eps, 1 - eps] (in float32, 1 - 1e-7 rounds to 1 - 1.19e-7).
    np.testing.assert_allclose(out, -np.log(1e-7), rtol=0.02)
    with pytest.raises(ValueError, match="same shape"):
        nn.binary_crossentropy(np.ones((2, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="one dimension less"):
        nn.sparse_categorical_crossentropy(np.ones((2, 3), "int32"), np.ones((2, 3)))


def test_moments_batchnorm_normalize():
    x = rng.standard_normal((4, 3, 2)).astype("float32")
    m, v = jax.jit(lambda a: nn.moments(a, axes=(0, 1)))(x)
    np.testing.assert_allclose(m, x.mean(axis=(0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v, x.var(axis=(0, 1)), rtol=1e-5)
    mk, vk = nn.moments(x, axes=[0], keepdims=True)
    assert mk.shape == (1, 3, 2) and vk.shape == (1, 3, 2)
    mh, _ = nn.moments(x.astype("float16"), axes=(0,))
    assert mh.dtype == jnp.float16

    mean, var = np.array([0.1, -0.2], "float32"), np.array([0.5, 2.0], "float32")
    gamma, beta = np.array([2.0, 0.5], "float32"), np.array([0.0, 1.0], "float32")
    got = nn.batch_normalization(x, mean, var, axis=-1, offset=beta, scale=gamma, epsilon=1e-3)
    ref = (x - mean) / np.sqrt(var + 1e-3) * gamma + beta
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    got1 = nn.batch_normalization(x, x.mean((0, 2)), x.var((0, 2)), axis=1)
    ref1 = (x - x.mean((0, 2))[:, None]) / np.sqrt(x.var((0, 2))[:, None] + 1e-3)
    np.testing.assert_allclose(got1, ref1, rtol=1e-4, atol=1e-5)

    y = rng.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(nn.normalize(y), y / np.linalg.norm(y, axis=-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(nn.normalize(y, axis=0, order=1),
                               y / np.abs(y).sum(0, keepdims=True), rtol=1e-5)
    np.testing.assert_array_equal(nn.normalize(np.zeros((2, 3), "float32")), 0.0)


def test_layer_rms_norm_psnr_attention():
    y = rng.standard_normal((3, 4)).astype("float32")
    ln = nn.layer_normalization(y, epsilon=1e-5)
    np.testing.assert_allclose(ln, (y - y.mean(-1, keepdims=True)) / np.sqrt(y.var(-1, keepdims=True) + 1e-5),
                               rtol=1e-4, atol=1e-5)
    rms = nn.rms_normalization(y, epsilon=1e-6)
    np.testing.assert_allclose(rms, y / np.sqrt((y ** 2).mean(-1, keepdims=True) + 1e-6), rtol=1e-4)
    a, b = np.zeros((4,), "float32"), np.full((4,), 0.1, "float32")
    np.testing.assert_allclose(nn.psnr(a, b, 1.0), 20.0, rtol=1e-5)

    q = rng.standard_normal((2, 3, 2, 4)).astype("float32")
    k = rng.standard_normal((2, 5, 2, 4)).astype("float32")
    v = rng.standard_normal((2, 5, 2, 4)).astype("float32")
    out = nn.dot_product_attention(q, k, v)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / 2.0
    ref = np.einsum("bnts,bsnh->btnh", _softmax(logits), v)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    kc = k[:, :3]
    vc = v[:, :3]
    outc = nn.dot_product_attention(q, kc, vc, is_causal=True)
    logits = np.einsum("btnh,bsnh->bnts", q, kc) / 2.0
    logits = np.where(np.tril(np.ones((3, 3), bool)), logits, -np.inf)
    np.testing.assert_allclose(outc, np.einsum("bnts,bsnh->btnh", _softmax(logits), vc), rtol=1e-4, atol=1e-5)
