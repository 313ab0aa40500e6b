"""MultiHeadAttention, Attention, AdditiveAttention and EinsumDense vs numpy references.

The references re-derive Keras 3's computation in plain numpy from the weights the layer holds:
projections with the (dim, heads, key_dim) kernels, scaled dot products, masks AND-ed and applied
as ``-1e9`` before the softmax and exact zeros after it, and the output projection.
"""
import os

import jax
import numpy as np
import pytest

from fkeras.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from fkeras.layers.einsum_dense import EinsumDense
from fkeras.layers.input_layer import Input

JIT = [False, True]
MHA_WEIGHT_NAMES = ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
                    "attention_output/kernel", "attention_output/bias"]


# --- numpy references ------------------------------------------------------------------------

def np_softmax(x, mask=None):
    x = np.asarray(x, np.float64)
    if mask is not None:
        mask = np.broadcast_to(mask, x.shape)
        x = np.where(mask, x, -1e9)
    e = np.exp(x - x.max(-1, keepdims=True))
    p = e / e.sum(-1, keepdims=True)
    return np.where(mask, p, 0.0) if mask is not None else p


def mha_ref(weights, q, v, k=None, mask=None, use_bias=True, gate=False):
    """(B, T, D) / (B, S, Dv) attention with Keras 3's weight layout; mask (B|1, T, S) bool."""
    k = v if k is None else k
    w = list(weights)

    def proj(x):
        kern = w.pop(0)
        b = w.pop(0) if use_bias else 0.0
        return np.einsum("btd,dnh->btnh", x, kern) + b

    Q, K = proj(q), proj(k)
    G = None
    if gate:
        G = 1.0 / (1.0 + np.exp(-proj(q)))
    V = proj(v)
    scores = np.einsum("bsnh,btnh->bnts", K, Q / np.sqrt(Q.shape[-1]))
    P = np_softmax(scores, None if mask is None else mask[:, None])
    ctx = np.einsum("bnts,bsnh->btnh", P, V)
    if G is not None:
        ctx = ctx * G
    wo = w.pop(0)
    out = np.einsum("btnh,nho->bto", ctx, wo) + (w.pop(0) if use_bias else 0.0)
    return out, P


def causal(t, s):
    return (np.arange(t)[:, None] >= np.arange(s)[None, :])[None]


Q_SHAPE, V_SHAPE = (2, 4, 6), (2, 5, 6)  # shared shapes: eager op compilations are reused across tests


def _qv(rng):
    return rng.normal(size=Q_SHAPE).astype("float32"), rng.normal(size=V_SHAPE).astype("float32")


def _random_weights(layer, rng, scale=0.5):
    ws = [rng.normal(scale=scale, size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(ws)
    return ws


def _mha_call(layer, jit, *args, **kwargs):
    if not jit:
        return layer(*args, **kwargs)
    out, _ = jax.jit(lambda v, a: layer.apply(v, *a, **kwargs))(layer.get_variables(), args)
    return out


# --- MultiHeadAttention ----------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
def test_mha_cross_attention_matches_numpy(jit, rng):
    q, v = _qv(rng)
    k = rng.normal(size=V_SHAPE).astype("float32")
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    layer(q, v, key=k)
    ws = _random_weights(layer, rng)
    out, scores = _mha_call(layer, jit, q, v, k, return_attention_scores=True)
    ref_out, ref_scores = mha_ref(ws, q, v, k)
    assert out.shape == (2, 4, 6) and scores.shape == (2, 2, 4, 5)
    np.testing.assert_allclose(np.asarray(out), ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), ref_scores, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(_mha_call(layer, jit, q, v, k)), ref_out, rtol=1e-4, atol=1e-5)


def test_mha_weight_names_shapes_and_order_match_keras(rng):
    layer = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, name="mha")
    layer.build((None, 4, 6), (None, 5, 6))
    assert [w.path for w in layer.weights] == [f"mha/{n}" for n in MHA_WEIGHT_NAMES]
    assert [tuple(w.shape) for w in layer.weights] == [(6, 2, 3), (2, 3), (6, 2, 3), (2, 3), (6, 2, 4), (2, 4),
                                                      (2, 4, 6), (6,)]
    assert list(layer.get_variables()) == ["query", "key", "value", "attention_output"]
    assert [l.name for l in (layer.query_dense, layer.key_dense, layer.value_dense, layer.output_dense)] == [
        "query", "key", "value", "attention_output"]
    nb = MultiHeadAttention(2, 3, use_bias=False)
    nb.build((None, 4, 6), (None, 5, 6))
    assert [w.path.split("/", 1)[1] for w in nb.weights] == [n for n in MHA_WEIGHT_NAMES if n.endswith("kernel")]


def test_mha_masks_combine_like_keras(rng):
    B, T, S = 2, 4, 5
    q, v = _qv(rng)
    qm = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    vm = np.array([[1, 1, 0, 1, 1], [1, 1, 1, 1, 0]], bool)
    km = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 1, 1]], bool)
    am = rng.uniform(size=(B, T, S)) > 0.3
    am[:, :, 0] = True  # every row keeps at least one key
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    layer(q, v)
    ws = _random_weights(layer, rng)
    cases = [
        (dict(query_mask=qm), qm[:, :, None] & np.ones((1, 1, S), bool)),
        (dict(value_mask=vm), vm[:, None, :] & np.ones((1, T, 1), bool)),
        (dict(value_mask=vm, key_mask=km), (vm & km)[:, None, :] & np.ones((1, T, 1), bool)),
        (dict(attention_mask=am), am),
        (dict(use_causal_mask=True), np.broadcast_to(causal(T, S), (B, T, S))),
        (dict(query_mask=qm, value_mask=vm, attention_mask=am, use_causal_mask=True),
         qm[:, :, None] & vm[:, None, :] & am & causal(T, S)),
    ]
    for i, (kwargs, mask) in enumerate(cases):
        jit = i < len(cases) - 1  # every case jitted; the last (all masks AND-ed) eagerly too
        out, scores = _mha_call(layer, jit, q, v, return_attention_scores=True, **kwargs)
        ref_out, ref_scores = mha_ref(ws, q, v, mask=mask)
        np.testing.assert_allclose(np.asarray(scores), ref_scores, rtol=1e-4, atol=1e-6, err_msg=str(kwargs))
        np.testing.assert_allclose(np.asarray(out), ref_out, rtol=1e-4, atol=1e-5, err_msg=str(kwargs))
        assert np.all(np.asarray(scores)[~np.broadcast_to(mask[:, None], scores.shape)] == 0)
    out = _mha_call(layer, True, q, v, **cases[-1][0])
    np.testing.assert_allclose(np.asarray(out), mha_ref(ws, q, v, mask=cases[-1][1])[0], rtol=1e-4, atol=1e-5)


def test_mha_causal_self_attention_ignores_the_future(rng):
    x, _ = _qv(rng)
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    y1 = np.asarray(layer(x, x, use_causal_mask=True))
    x2 = x.copy()
    x2[:, 2:] += 10.0  # change the future
    y2 = np.asarray(layer(x2, x2, use_causal_mask=True))
    np.testing.assert_allclose(y1[:, :2], y2[:, :2], rtol=1e-5, atol=1e-6)
    assert not np.allclose(y1[:, 2:], y2[:, 2:])


def test_mha_multi_axis_attention_equals_flattened_attention(rng):
    jit = True  # the eager path of multi-axis attention is covered by the next test
    # Attention over axes (1, 2) of (B, T1, T2, D) is attention over the flattened T1*T2 axis.
    q = rng.normal(size=(2, 3, 2, 5)).astype("float32")
    v = rng.normal(size=(2, 2, 2, 5)).astype("float32")
    layer = MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
    layer(q, v)
    assert layer.attention_axes == (1, 2)
    ws = _random_weights(layer, rng)
    out, scores = _mha_call(layer, jit, q, v, return_attention_scores=True)
    assert out.shape == q.shape and scores.shape == (2, 2, 3, 2, 2, 2)
    ref_out, ref_scores = mha_ref(ws, q.reshape(2, 6, 5), v.reshape(2, 4, 5))
    np.testing.assert_allclose(np.asarray(out), ref_out.reshape(q.shape), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), ref_scores.reshape(2, 2, 3, 2, 2, 2), rtol=1e-4, atol=1e-6)
    # With a (B, T1, T2, S1, S2) attention mask.
    am = rng.uniform(size=(2, 3, 2, 2, 2)) > 0.3
    am[..., 0, 0] = True
    out = _mha_call(layer, jit, q, v, attention_mask=am)
    ref_out, _ = mha_ref(ws, q.reshape(2, 6, 5), v.reshape(2, 4, 5), mask=am.reshape(2, 6, 4))
    np.testing.assert_allclose(np.asarray(out), ref_out.reshape(q.shape), rtol=1e-4, atol=1e-5)


def test_mha_attention_over_inner_axis_batches_the_outer_one(rng):
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    layer = MultiHeadAttention(num_heads=1, key_dim=2, attention_axes=2)
    layer(x, x)
    ws = _random_weights(layer, rng)
    out, scores = layer(x, x, return_attention_scores=True)
    assert scores.shape == (2, 3, 1, 4, 4)
    for i in range(3):
        ref_out, ref_scores = mha_ref(ws, x[:, i], x[:, i])
        np.testing.assert_allclose(np.asarray(out)[:, i], ref_out, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(scores)[:, i], ref_scores, rtol=1e-4, atol=1e-6)


def test_mha_output_shape_gate_and_sliding_window(rng):
    q, _ = _qv(rng)
    layer = MultiHeadAttention(num_heads=2, key_dim=3, output_shape=7)
    assert layer(q, q).shape == (2, 4, 7)
    assert layer.compute_output_shape((None, 4, 6), (None, 4, 6)) == (None, 4, 7)
    assert layer.get_config()["output_shape"] == (7,)
    g = MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True, sliding_window=2)
    g(q, q)
    assert [w.path.split("/", 1)[1] for w in g.weights][4:6] == ["gate/kernel", "gate/bias"]
    ws = _random_weights(g, rng)
    band = (np.abs(np.arange(4)[:, None] - np.arange(4)[None, :]) < 2)[None]
    out, scores = g(q, q, return_attention_scores=True)
    ref_out, ref_scores = mha_ref(ws, q, q, mask=np.broadcast_to(band, (2, 4, 4)), gate=True)
    np.testing.assert_allclose(np.asarray(scores), ref_scores, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(out), ref_out, rtol=1e-4, atol=1e-5)


def test_mha_no_bias_matches_numpy(rng):
    q, _ = _qv(rng)
    layer = MultiHeadAttention(num_heads=2, key_dim=3, use_bias=False)
    layer(q, q)
    ws = _random_weights(layer, rng)
    np.testing.assert_allclose(np.asarray(layer(q, q)), mha_ref(ws, q, q, use_bias=False)[0], rtol=1e-4, atol=1e-5)


def test_mha_dropout_only_in_training(rng):
    x, _ = _qv(rng)
    layer = MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5)
    plain = MultiHeadAttention(num_heads=2, key_dim=3)
    layer(x, x)
    plain(x, x)
    plain.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(layer(x, x)), np.asarray(plain(x, x)), rtol=1e-6)
    v = layer.get_variables()
    f = jax.jit(lambda v, a, key: layer.apply(v, a, a, training=True, rng=key, return_attention_scores=True)[0])
    (a1, s1), (a2, _) = f(v, x, jax.random.PRNGKey(1)), f(v, x, jax.random.PRNGKey(2))
    assert not np.allclose(np.asarray(a1), np.asarray(a2))
    np.testing.assert_array_equal(np.asarray(a1), np.asarray(f(v, x, jax.random.PRNGKey(1))[0]))
    np.testing.assert_allclose(np.asarray(s1).sum(-1), 1.0, rtol=1e-5)  # scores are pre-dropout


def test_mha_symbolic_shapes_and_functional_model_trains(rng):
    import fkeras as keras

    q_in, v_in = Input((4, 6)), Input((5, 3))
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = layer(q_in, v_in, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    assert layer.compute_output_shape((None, 4, 6), (None, 5, 3)) == (None, 4, 6)
    assert MultiHeadAttention(2, 3)(Input((None, 6)), Input((None, 6))).shape == (None, None, 6)
    x = Input((4, 6))
    y = keras.layers.Dense(1)(MultiHeadAttention(num_heads=2, key_dim=3)(x, x, use_causal_mask=True))
    model = keras.Model(x, y)
    xs = rng.normal(size=(32, 4, 6)).astype("float32")
    ys = xs.sum(-1, keepdims=True)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    before = model.evaluate(xs, ys, verbose=0)
    model.fit(xs, ys, epochs=3, batch_size=8, verbose=0)
    assert model.evaluate(xs, ys, verbose=0) < before


def test_mha_get_config_round_trip_and_build_config(rng):
    layer = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, dropout=0.1, output_shape=(5,),
                               attention_axes=-2, bias_initializer="ones", seed=3, name="mha")
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "num_heads", "key_dim", "value_dim", "dropout", "use_bias",
                           "use_gate", "output_shape", "attention_axes", "sliding_window", "kernel_initializer",
                           "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
                           "kernel_constraint", "bias_constraint", "seed"}
    assert config["value_dim"] == 4 and config["attention_axes"] == (-2,) and config["output_shape"] == (5,)
    clone = MultiHeadAttention.from_config(config)
    assert clone.get_config() == config
    q, v = _qv(rng)
    layer(q, v)
    assert layer.attention_axes == (1,)
    rebuilt = MultiHeadAttention.from_config(layer.get_config())
    rebuilt.build_from_config(layer.get_build_config())
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in layer.weights]
    rebuilt.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(rebuilt(q, v)), np.asarray(layer(q, v)), rtol=1e-6)


def test_mha_kernel_init_uses_einsum_fans():
    # Keras 3 gives VarianceScaling fan_in = dim, fan_out = heads * key_dim for a (dim, heads, key_dim)
    # kernel, so glorot_uniform's limit is sqrt(6 / (16 + 32)), not the convolution rule's sqrt(6 / 192).
    layer = MultiHeadAttention(num_heads=4, key_dim=8)
    layer(np.ones((1, 2, 16), "float32"), np.ones((1, 2, 16), "float32"))
    k = layer.get_weights()[0]
    limit = np.sqrt(6.0 / (16 + 32))
    assert np.abs(k).max() <= limit + 1e-6 and np.abs(k).max() > 0.8 * limit
    assert not np.allclose(layer.get_weights()[0], layer.get_weights()[2])  # query and key differ


@pytest.mark.parametrize("kw,match", [
    ({"num_heads": 2, "key_dim": 0}, "key_dim"), ({"num_heads": 2, "key_dim": -3}, "key_dim"),
    ({"num_heads": 0, "key_dim": 2}, "num_heads"), ({"num_heads": 2, "key_dim": 2, "value_dim": 0}, "value_dim"),
    ({"num_heads": 2, "key_dim": 2, "dropout": 1.5}, "dropout"),
    ({"num_heads": 2, "key_dim": 2, "attention_axes": "1"}, "attention_axes"),
    ({"num_heads": 2, "key_dim": 2, "sliding_window": 0}, "sliding_window"),
])
def test_mha_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        MultiHeadAttention(**kw)


def test_mha_bad_shapes():
    layer = MultiHeadAttention(2, 2)
    with pytest.raises(ValueError, match="except the last one"):
        layer(np.ones((1, 3, 4), "float32"), np.ones((1, 5, 4), "float32"), key=np.ones((1, 6, 4), "float32"))
    with pytest.raises(ValueError, match="rank >= 3"):
        MultiHeadAttention(2, 2)(np.ones((2, 4), "float32"), np.ones((2, 4), "float32"))


# --- Attention / AdditiveAttention -----------------------------------------------------------

def luong_ref(q, v, k=None, scale=None, concat_w=None, mode="dot", q_mask=None, v_mask=None, causal_mask=False,
              additive_scale=None):
    k = v if k is None else k
    if mode == "dot":
        s = np.einsum("bqd,bkd->bqk", q, k)
        if scale is not None:
            s = s * scale
    elif mode == "concat":
        t = q[:, :, None, :] + k[:, None, :, :]
        s = concat_w * np.tanh(t * (scale if scale is not None else 1.0)).sum(-1)
    else:  # additive
        t = np.tanh(q[:, :, None, :] + k[:, None, :, :])
        s = (t * (additive_scale if additive_scale is not None else 1.0)).sum(-1)
    keep = np.ones(s.shape, bool)
    if v_mask is not None:
        keep &= v_mask[:, None, :]
    if causal_mask:
        keep &= causal(s.shape[1], s.shape[2])
    s = np.where(keep, s, s - 1e9)
    e = np.exp(s - s.max(-1, keepdims=True))
    w = e / e.sum(-1, keepdims=True)
    out = w @ v
    if q_mask is not None:
        out = np.where(q_mask[..., None], out, 0.0)
    return out, w


def _att_call(layer, jit, inputs, **kwargs):
    if not jit:
        return layer(inputs, **kwargs)
    return jax.jit(lambda v, a: layer.apply(v, a, **kwargs)[0])(layer.get_variables(), inputs)


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("use_scale,mode", [(False, "dot"), (True, "dot"), (False, "concat"), (True, "concat")])
def test_attention_matches_numpy(use_scale, mode, jit, rng):
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    k = rng.normal(size=(2, 5, 4)).astype("float32")
    layer = Attention(use_scale=use_scale, score_mode=mode)
    layer([q, v, k])
    names = (["scale"] if use_scale else []) + (["concat_score_weight"] if mode == "concat" else [])
    assert [w.name for w in layer.weights] == names
    ws = [np.float32(0.7), np.float32(1.3)][:len(names)]
    layer.set_weights(ws)
    scale = ws[0] if use_scale else None
    concat_w = ws[-1] if mode == "concat" else None
    out, w = _att_call(layer, jit, [q, v, k], return_attention_scores=True)
    ref_out, ref_w = luong_ref(q, v, k, scale=scale, concat_w=concat_w, mode=mode)
    assert out.shape == (2, 3, 4) and w.shape == (2, 3, 5)
    np.testing.assert_allclose(np.asarray(out), ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(w), ref_w, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("jit", JIT)
def test_attention_masks_and_causal(jit, rng):
    q = rng.normal(size=(2, 4, 3)).astype("float32")
    v = rng.normal(size=(2, 4, 3)).astype("float32")
    q_mask = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)
    layer = Attention()
    for causal_mask in (False, True):
        out, w = _att_call(layer, jit, [q, v], mask=[q_mask, v_mask], use_causal_mask=causal_mask,
                           return_attention_scores=True)
        ref_out, ref_w = luong_ref(q, v, q_mask=q_mask, v_mask=v_mask, causal_mask=causal_mask)
        np.testing.assert_allclose(np.asarray(out), ref_out, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(w), ref_w, rtol=1e-4, atol=1e-6)
    out = _att_call(layer, jit, [q, v], mask=[None, v_mask])
    np.testing.assert_allclose(np.asarray(out), luong_ref(q, v, v_mask=v_mask)[0], rtol=1e-4, atol=1e-5)
    assert layer.compute_mask([q, v], [q_mask, v_mask]) is not None
    np.testing.assert_array_equal(np.asarray(layer.compute_mask([q, v], [q_mask, v_mask])), q_mask)
    assert layer.compute_mask([q, v], None) is None and layer.compute_mask([q, v], [None, v_mask]) is None


@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("use_scale", [True, False])
def test_additive_attention_matches_numpy(use_scale, jit, rng):
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = AdditiveAttention(use_scale=use_scale)
    layer([q, v])
    assert [w.name for w in layer.weights] == (["scale"] if use_scale else [])
    scale = None
    if use_scale:
        assert layer.scale.shape == (4,)
        scale = rng.normal(size=(4,)).astype("float32")
        layer.set_weights([scale])
    out, w = _att_call(layer, jit, [q, v], mask=[None, v_mask], return_attention_scores=True)
    ref_out, ref_w = luong_ref(q, v, mode="additive", additive_scale=scale, v_mask=v_mask)
    np.testing.assert_allclose(np.asarray(out), ref_out, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(w), ref_w, rtol=1e-4, atol=1e-6)


def test_attention_dropout_only_in_training(rng):
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = Attention(dropout=0.5)
    np.testing.assert_allclose(np.asarray(layer([q, q])), luong_ref(q, q)[0], rtol=1e-4, atol=1e-5)
    f = jax.jit(lambda a, key: layer.apply({}, a, training=True, rng=key)[0])
    assert not np.allclose(np.asarray(f([q, q], jax.random.PRNGKey(0))), np.asarray(f([q, q], jax.random.PRNGKey(1))))


def test_attention_shapes_configs_and_errors(rng):
    q_in, v_in = Input((3, 4)), Input((5, 6))
    out, w = Attention()([q_in, v_in, Input((5, 4))], return_attention_scores=True)
    assert out.shape == (None, 3, 6) and w.shape == (None, 3, 5)
    assert Attention().compute_output_shape([(None, 3, 4), (None, 5, 6)]) == (None, 3, 6)
    config = Attention(use_scale=True, score_mode="concat", dropout=0.2, seed=1).get_config()
    assert set(config) == {"name", "trainable", "dtype", "use_scale", "score_mode", "dropout", "seed"}
    assert Attention.from_config(config).get_config() == config
    config = AdditiveAttention(use_scale=False, dropout=0.1).get_config()
    assert set(config) == {"name", "trainable", "dtype", "use_scale", "dropout", "seed"}
    assert AdditiveAttention.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="Did you mean 'concat'"):
        Attention(score_mode="conact")
    q = np.ones((1, 2, 3), "float32")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        Attention()(q)
    with pytest.raises(ValueError, match="length 2 or 3"):
        Attention()([q])
    with pytest.raises(ValueError, match="mask must be a list"):
        Attention()([q, q], mask=np.ones((1, 2), bool))


# --- EinsumDense -----------------------------------------------------------------------------

@pytest.mark.parametrize("jit", JIT)
@pytest.mark.parametrize("equation,output_shape,bias_axes,in_shape,kernel_shape,bias_shape", [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,)),
    ("abc,cd->abd", (None, 4), "d", (2, 5, 3), (3, 4), (4,)),
    ("abc,cde->abde", (5, 2, 4), "de", (2, 5, 3), (3, 2, 4), (2, 4)),
    ("abc,cde->abde", (5, 2, 4), "d", (2, 5, 3), (3, 2, 4), (2, 1)),
    ("...b,bc->...c", 4, "c", (2, 5, 3), (3, 4), (4,)),
    ("ab...,bc->ac...", (4,), "c", (2, 3, 5), (3, 4), (4, 1)),
    ("abcd,cde->abe", (5, 4), None, (2, 5, 3, 2), (3, 2, 4), None),
])
def test_einsum_dense_matches_numpy(equation, output_shape, bias_axes, in_shape, kernel_shape, bias_shape, jit, rng):
    x = rng.normal(size=in_shape).astype("float32")
    layer = EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="relu")
    layer.build(in_shape)
    assert tuple(layer.kernel.shape) == kernel_shape
    assert [w.name for w in layer.weights] == ["kernel"] + (["bias"] if bias_shape else [])
    if bias_shape:
        assert tuple(layer.bias.shape) == bias_shape
    ws = [rng.normal(size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(ws)
    if jit:
        y = np.asarray(jax.jit(lambda v, a: layer.apply(v, a)[0])(layer.get_variables(), x))
    else:
        y = np.asarray(layer(x))
    ref = np.einsum(equation, x, ws[0]) + (ws[1] if bias_shape else 0.0)
    np.testing.assert_allclose(y, np.maximum(ref, 0.0), rtol=1e-4, atol=1e-5)
    assert tuple(layer.compute_output_shape(in_shape)) == y.shape
    assert EinsumDense(equation, output_shape, bias_axes=bias_axes)(Input(in_shape[1:])).shape == (None,) + y.shape[1:]


def test_einsum_dense_config_and_errors():
    layer = EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d", name="ed")
    config = layer.get_config()
    assert set(config) == {"name", "trainable", "dtype", "output_shape", "equation", "activation", "bias_axes",
                           "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                           "activity_regularizer", "kernel_constraint", "bias_constraint", "quantization_config"}
    assert config["output_shape"] == (None, 4)
    assert EinsumDense.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="invalid einsum equation"):
        EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match="Bias dimension 'z'|bias dimension 'z'"):
        EinsumDense("ab,bc->ac", 3, bias_axes="z").build((2, 4))
    with pytest.raises(ValueError, match="do not match at shared dimension"):
        EinsumDense("abc,cd->abd", (6, 3)).build((2, 5, 4))
    with pytest.raises(ValueError, match="did not have a match"):
        EinsumDense("ab,bcz->ac", 3).build((2, 4))


# --- optional parity with Keras 3 --------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return keras


def test_mha_parity_with_keras(rng):
    keras = _keras()
    q = rng.normal(size=(2, 4, 6)).astype("float32")
    v = rng.normal(size=(2, 6, 7)).astype("float32")
    kw = dict(num_heads=2, key_dim=3, output_shape=5)  # Keras's fused jax path breaks with value_dim != key_dim
    theirs, ours = keras.layers.MultiHeadAttention(**kw), MultiHeadAttention(**kw)
    theirs(q, v)
    ours(q, v)
    assert [w.path.split("/", 1)[1] for w in theirs.weights] == [w.path.split("/", 1)[1] for w in ours.weights]
    assert [tuple(w.shape) for w in theirs.weights] == [tuple(w.shape) for w in ours.weights]
    ws = _random_weights(ours, rng)
    theirs.set_weights(ws)
    vm = np.array([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
    am = rng.uniform(size=(2, 4, 6)) > 0.4
    am[:, :, 0] = True
    for scores, call_kw in [(True, {"use_causal_mask": True}), (False, {"value_mask": vm, "attention_mask": am})]:
        a = theirs(q, v, return_attention_scores=scores, **call_kw)
        b = ours(q, v, return_attention_scores=scores, **call_kw)
        for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
            np.testing.assert_allclose(np.asarray(y), np.asarray(x), rtol=1e-4, atol=1e-5)
    ck, ok = theirs.get_config(), ours.get_config()
    assert set(ck) == set(ok)
    for k in ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes"):
        assert ck[k] == ok[k], k


@pytest.mark.parametrize("name,kw", [("Attention", {"use_scale": True, "score_mode": "concat"}),
                                     ("Attention", {}), ("AdditiveAttention", {})])
def test_luong_bahdanau_parity_with_keras(name, kw, rng):
    keras = _keras()
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    theirs = getattr(keras.layers, name)(**kw)
    ours = {"Attention": Attention, "AdditiveAttention": AdditiveAttention}[name](**kw)
    theirs([q, v])
    ours([q, v])
    assert [w.path.split("/")[-1] for w in theirs.weights] == [w.name for w in ours.weights]
    ws = [rng.uniform(0.5, 1.5, size=w.shape).astype("float32") for w in ours.weights]
    ours.set_weights(ws)
    theirs.set_weights(ws)
    mask = [np.array([[1, 0, 1], [1, 1, 1]], bool), np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 1]], bool)]
    a = theirs([q, v], mask=mask, return_attention_scores=True, use_causal_mask=True)
    b = ours([q, v], mask=mask, return_attention_scores=True, use_causal_mask=True)
    for x, y in zip(a, b):
        np.testing.assert_allclose(np.asarray(y), np.asarray(x), rtol=1e-4, atol=1e-5)
    assert set(theirs.get_config()) == set(ours.get_config())


def test_einsum_dense_parity_with_keras(rng):
    keras = _keras()
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    kw = dict(equation="abc,cde->abde", output_shape=(None, 2, 4), bias_axes="e")
    theirs, ours = keras.layers.EinsumDense(**kw), EinsumDense(**kw)
    theirs(x)
    ours(x)
    assert [tuple(w.shape) for w in theirs.weights] == [tuple(w.shape) for w in ours.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
    assert set(theirs.get_config()) == set(ours.get_config())
