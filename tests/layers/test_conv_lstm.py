"""ConvLSTM1D/2D/3D against a numpy reference (explicit convolution loops), under jit and eagerly,
plus Keras 3 parity, configs, stateful calls, dropout and a fit step."""
import itertools

import jax
import numpy as np
import pytest

from fkeras.layers import conv_lstm
from fkeras.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from fkeras.layers.input_layer import Input

# Keras 3.15 calls np.array(variable) in get_weights, which numpy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RNG = np.random.default_rng(0)
CLASSES = {1: ConvLSTM1D, 2: ConvLSTM2D, 3: ConvLSTM3D}
Z = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}  # tests set the weights


# --- numpy reference ------------------------------------------------------------------------------

def np_conv(x, w, strides, padding, dilation):
    """Channels-last N-D cross-correlation by explicit sums over the kernel offsets (TF "same" padding)."""
    rank = x.ndim - 2
    ks = w.shape[:rank]
    spatial = x.shape[1:-1]
    pads, outs = [], []
    for n, k, s, d in zip(spatial, ks, strides, dilation, strict=True):
        eff = (k - 1) * d + 1
        if padding == "valid":
            out = (n - eff) // s + 1
            pads.append((0, 0))
        else:
            out = -(-n // s)
            total = max((out - 1) * s + eff - n, 0)
            pads.append((total // 2, total - total // 2))
        outs.append(out)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    y = np.zeros((x.shape[0],) + tuple(outs) + (w.shape[-1],), np.float64)
    for offs in itertools.product(*[range(k) for k in ks]):
        idx = tuple(slice(o * d, o * d + (m - 1) * s + 1, s)
                    for o, d, s, m in zip(offs, dilation, strides, outs, strict=True))
        y += np.einsum("...c,cf->...f", xp[(slice(None),) + idx], w[offs])
    return y


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def np_conv_lstm(x, weights, strides=None, padding="valid", dilation=None, mask=None, go_backwards=False,
                 h0=None, c0=None):
    """Run the ConvLSTM recurrence; returns (outputs in processing order, h, c)."""
    k, rk, b = weights
    rank = x.ndim - 3
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    f = rk.shape[-2]
    steps = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    h = c = None
    outs = []
    for t in steps:
        z = np_conv(x[:, t], k, strides, padding, dilation) + b
        if h is None:
            h = np.zeros(z.shape[:-1] + (f,)) if h0 is None else h0
            c = np.zeros_like(h) if c0 is None else c0
        z = z + np_conv(h, rk, (1,) * rank, "same", (1,) * rank)
        i, fg, cc, o = (z[..., j * f:(j + 1) * f] for j in range(4))
        c_new = sigmoid(fg) * c + sigmoid(i) * np.tanh(cc)
        h_new = sigmoid(o) * np.tanh(c_new)
        if mask is not None:
            m = mask[:, t].reshape((-1,) + (1,) * (h.ndim - 1))
            out = np.where(m, h_new, outs[-1] if outs else np.zeros_like(h_new))
            h, c = np.where(m, h_new, h), np.where(m, c_new, c)
        else:
            out, h, c = h_new, h_new, c_new
        outs.append(out)
    return np.stack(outs, 1), h, c


def random_weights(layer):
    return [RNG.standard_normal(w.shape).astype("float32") * 0.4 for w in layer.weights]


def both(layer, x, **kwargs):
    """The layer's outputs eagerly and through a jitted pure apply."""
    eager = layer(x, **kwargs)
    jitted = jax.jit(lambda v, a: layer.apply(v, a, **kwargs)[0])(layer.get_variables(), x)
    return [eager, jitted]


def close(a, b, tol=2e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), b, rtol=tol, atol=tol)


# --- numerics -------------------------------------------------------------------------------------

@pytest.mark.parametrize("rank, spatial, kw", [
    (1, (7,), dict(kernel_size=3, padding="same", strides=2)),
    (2, (5, 4), dict(kernel_size=(2, 3), padding="valid", dilation_rate=(2, 1))),
    (3, (3, 4, 3), dict(kernel_size=2, padding="same")),
])
def test_matches_numpy(rank, spatial, kw):
    x = RNG.standard_normal((2, 3) + spatial + (2,)).astype("float32")
    layer = CLASSES[rank](3, return_sequences=True, return_state=True, **kw, **Z)
    layer.build(x.shape)
    w = random_weights(layer)
    layer.set_weights(w)
    ks = layer.kernel_size
    seq, h, c = np_conv_lstm(x, w, strides=layer.strides, padding=layer.padding, dilation=layer.dilation_rate)
    assert w[0].shape == ks + (2, 12) and w[1].shape == ks + (3, 12) and w[2].shape == (12,)
    for out in both(layer, x):
        close(out[0], seq)
        close(out[1], h)
        close(out[2], c)
    assert tuple(out[0].shape) == layer.compute_output_shape(x.shape)[0]


def test_mask_go_backwards_and_last_output():
    x = RNG.standard_normal((2, 4, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], bool)
    layer = ConvLSTM1D(2, 3, padding="same", go_backwards=True, **Z)
    layer.build(x.shape)
    w = random_weights(layer)
    layer.set_weights(w)
    seq, _, _ = np_conv_lstm(x, w, padding="same", mask=mask, go_backwards=True)
    for out in both(layer, x, mask=mask):
        close(out, seq[:, -1])


def test_channels_first_matches_channels_last():
    x = RNG.standard_normal((2, 3, 4, 4, 2)).astype("float32")
    last = ConvLSTM2D(3, 3, padding="same", return_sequences=True, **Z)
    first = ConvLSTM2D(3, 3, padding="same", return_sequences=True, data_format="channels_first", **Z)
    last.build(x.shape)
    xf = np.moveaxis(x, -1, 2)
    first.build(xf.shape)
    w = random_weights(last)
    last.set_weights(w)
    first.set_weights(w)
    seq, _, _ = np_conv_lstm(x, w, padding="same")
    close(last(x), seq)
    close(np.moveaxis(np.asarray(first(xf)), 2, -1), seq)
    assert first.compute_output_shape(xf.shape) == (2, 3, 3, 4, 4)


def test_initial_state_and_stateful_calls():
    x = RNG.standard_normal((2, 4, 5, 2)).astype("float32")
    ref = ConvLSTM1D(2, 3, padding="same", return_state=True, **Z)
    ref.build(x.shape)
    w = random_weights(ref)
    ref.set_weights(w)
    h0 = RNG.standard_normal((2, 5, 2)).astype("float32")
    c0 = RNG.standard_normal((2, 5, 2)).astype("float32")
    _, h, c = np_conv_lstm(x, w, padding="same", h0=h0, c0=c0)
    out = ref(x, initial_state=[h0, c0])
    close(out[1], h)
    close(out[2], c)
    # stateful: two half-sequences == one full sequence
    st = ConvLSTM1D(2, 3, padding="same", stateful=True, **Z)
    st.build(x.shape)
    st.set_weights(w)
    st(x[:, :2])
    second = st(x[:, 2:])
    _, h_full, _ = np_conv_lstm(x, w, padding="same")
    close(second, h_full)
    assert len(st.weights) == 3  # state variables are not weights
    st.reset_state()
    close(st(x[:, :2]), np_conv_lstm(x[:, :2], w, padding="same")[1])


def test_symbolic_shapes_weights_and_unit_forget_bias():
    layer = ConvLSTM2D(4, (3, 3), strides=2, padding="same", return_state=True)
    out = layer(Input((None, 8, 7, 3)))
    assert [tuple(o.shape) for o in out] == [(None, 4, 4, 4)] * 3
    assert layer.compute_output_shape((None, 5, 8, 7, 3)) == ((None, 4, 4, 4), (None, 4, 4, 4), (None, 4, 4, 4))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("conv_lstm2d/conv_lstm_cell/kernel", (3, 3, 3, 16)),
        ("conv_lstm2d/conv_lstm_cell/recurrent_kernel", (3, 3, 4, 16)),
        ("conv_lstm2d/conv_lstm_cell/bias", (16,))]
    np.testing.assert_array_equal(layer.weights[2].numpy(), np.repeat([0.0, 1.0, 0.0, 0.0], 4))
    nb = ConvLSTM1D(2, 2, use_bias=False, unit_forget_bias=False)
    nb.build((None, 3, 5, 1))
    assert [w.name for w in nb.weights] == ["kernel", "recurrent_kernel"]


def test_config_round_trip():
    layer = ConvLSTM3D(2, (1, 2, 3), padding="same", data_format="channels_first", dropout=0.25, seed=3,
                       return_sequences=True, go_backwards=True, kernel_regularizer="l2", name="cl")
    cfg = layer.get_config()
    clone = ConvLSTM3D.from_config(cfg)
    assert clone.get_config() == cfg
    assert cfg["kernel_size"] == (1, 2, 3) and cfg["strides"] == (1, 1, 1) and cfg["seed"] == 3
    assert clone.dropout == 0.25 and clone.data_format == "channels_first"
    from fkeras.layers import deserialize, serialize

    assert deserialize(serialize(layer)).get_config() == cfg


def test_dropout_training_only_and_gradients():
    x = RNG.standard_normal((2, 3, 5, 2)).astype("float32")
    layer = ConvLSTM1D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.5, seed=1, **Z)
    layer.build(x.shape)
    w = random_weights(layer)
    layer.set_weights(w)
    v = layer.get_variables()
    infer = layer.apply(v, x)[0]
    close(infer, np_conv_lstm(x, w, padding="same")[1])

    def loss(v, key):
        return (layer.apply(v, x, training=True, rng=key)[0] ** 2).sum()

    f = jax.jit(jax.value_and_grad(loss))
    l1, g1 = f(v, jax.random.PRNGKey(0))
    l2, _ = f(v, jax.random.PRNGKey(1))
    assert float(l1) != float(l2)
    assert all(np.isfinite(np.asarray(g)).all() for g in jax.tree_util.tree_leaves(g1))
    assert np.abs(np.asarray(g1["conv_lstm_cell"]["recurrent_kernel"])).sum() > 0


def test_trains_in_fit():
    import fkeras as keras

    x = RNG.standard_normal((16, 3, 6, 2)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None]
    model = keras.Sequential([keras.Input((3, 6, 2)), ConvLSTM1D(2, 3, padding="same", recurrent_dropout=0.1),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    hist = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_bad_arguments():
    with pytest.raises(ValueError, match="strides > 1"):
        ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters"):
        ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="kernel_size"):
        ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        ConvLSTM1D(2, 3, padding="full")
    with pytest.raises(ValueError, match="data_format"):
        ConvLSTM1D(2, 3, data_format="nhwc")
    with pytest.raises(ValueError, match="rank"):
        conv_lstm.ConvLSTMCell(4, 2, 3)
    with pytest.raises(ValueError, match="dropout"):
        ConvLSTM1D(2, 3, dropout="x")
    with pytest.raises(ValueError, match="rank 5"):
        ConvLSTM2D(2, 3)(np.ones((2, 3, 4, 4), "float32"))
    with pytest.raises(ValueError, match="static input shapes"):
        ConvLSTM2D(2, 3)(Input((3, None, 4, 1)))


# --- Keras 3 parity -------------------------------------------------------------------------------

def test_parity_with_keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("keras is not running on the jax backend")
    x = RNG.standard_normal((2, 3, 5, 4, 2)).astype("float32")
    # (Keras's JAX backend cannot run ConvLSTM with a mask: its mask does not broadcast over the
    # feature maps; ours is checked against numpy in test_mask_go_backwards_and_last_output.)
    kw = dict(strides=(2, 1), padding="same", return_sequences=True, return_state=True, go_backwards=True)
    k_layer = keras.layers.ConvLSTM2D(3, (3, 2), **kw)
    k_out = k_layer(x)
    ours = ConvLSTM2D(3, (3, 2), **kw)
    ours.build(x.shape)
    ours.set_weights([np.asarray(w) for w in k_layer.get_weights()])
    assert [w.path for w in ours.weights] == [w.path.replace(k_layer.name, ours.name) for w in k_layer.weights]
    for a, b in zip(ours(x), k_out, strict=True):
        close(a, np.asarray(b), tol=1e-5)
    k_cfg, cfg = k_layer.get_config(), ours.get_config()
    assert set(k_cfg) == set(cfg)
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                "recurrent_activation", "unit_forget_bias", "return_sequences", "return_state", "go_backwards",
                "stateful", "unroll", "zero_output_for_mask", "dropout", "recurrent_dropout", "seed"):
        assert cfg[key] == k_cfg[key], key
    assert ours.compute_output_shape((None, 3, 5, 4, 2)) == k_layer.compute_output_shape((None, 3, 5, 4, 2))
