"""GroupQueryAttention against a numpy reference (jit and eager), Keras 3 parity, masks, config, fit."""
import jax
import numpy as np
import pytest

import fkeras as keras
from fkeras.layers import deserialize, serialize
from fkeras.layers.group_query_attention import GroupedQueryAttention, GroupQueryAttention
from fkeras.layers.input_layer import Input

# Keras 3.15 calls np.array(variable) in get_weights, which numpy 2 flags; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

RNG = np.random.default_rng(0)
B, T, S, DIM = 2, 4, 5, 6
Q = RNG.standard_normal((B, T, DIM)).astype("float32")
V = RNG.standard_normal((B, S, DIM)).astype("float32")
K = RNG.standard_normal((B, S, DIM)).astype("float32")


# --- numpy reference ------------------------------------------------------------------------------

def np_gqa(weights, q, v, k=None, mask=None, use_gate=False, n_kv=1, fully_masked_uniform=True):
    """Reference grouped-query attention. ``weights`` in Keras order (with biases)."""
    k = v if k is None else k
    w = list(weights)
    qk, qb, kk, kb = w[:4]
    rest = w[4:]
    if use_gate:
        gk, gb = rest[:2]
        rest = rest[2:]
    vk, vb, ok, ob = rest
    hq, hd = qk.shape[1], qk.shape[2]
    query = np.einsum("btd,dnh->btnh", q, qk) + qb
    key = np.einsum("bsd,dnh->bsnh", k, kk) + kb
    value = np.einsum("bsd,dnh->bsnh", v, vk) + vb
    rep = hq // n_kv
    key = np.repeat(key, rep, axis=2)      # kv head j serves query heads j*rep .. j*rep+rep-1
    value = np.repeat(value, rep, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", query, key) / np.sqrt(hd)
    if mask is not None:
        m = np.broadcast_to(mask[:, None], logits.shape)
        logits = np.where(m, logits, -1e30)
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs = probs / probs.sum(-1, keepdims=True)
    if mask is not None and not fully_masked_uniform:
        probs = np.where(m, probs, 0.0)
    ctx = np.einsum("bnts,bsnh->btnh", probs, value)
    if use_gate:
        gate = 1.0 / (1.0 + np.exp(-(np.einsum("btd,dnh->btnh", q, gk) + gb)))
        ctx = ctx * gate
    return np.einsum("btnh,nhd->btd", ctx, ok) + ob, probs


def make(head_dim=2, n_q=4, n_kv=2, **kw):
    layer = GroupQueryAttention(head_dim, n_q, n_kv, **kw)
    layer.build(Q.shape, V.shape)
    weights = [RNG.standard_normal(w.shape).astype("float32") * 0.5 for w in layer.weights]
    layer.set_weights(weights)
    return layer, weights


def run_both(layer, *args, **kwargs):
    eager = layer(*args, **kwargs)
    jitted = jax.jit(lambda v, *a: layer.apply(v, *a, **kwargs)[0])(layer.get_variables(), *args)
    return [eager, jitted]


def close(a, b, tol=2e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), b, rtol=tol, atol=tol)


# --- numerics -------------------------------------------------------------------------------------

@pytest.mark.parametrize("n_kv", [1, 2, 4])
def test_matches_numpy_grouping(n_kv):
    layer, w = make(n_kv=n_kv)
    ref, _ = np_gqa(w, Q, V, K, n_kv=n_kv)
    for out in run_both(layer, Q, V, K):
        close(out, ref)


def test_masks_causal_window_and_gate():
    layer, w = make(use_gate=True, sliding_window=2)
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 0, 1, 1], [0, 1, 1, 1, 1]], bool)
    t, s = np.arange(T)[:, None], np.arange(S)[None, :]
    mask = q_mask[:, :, None] & v_mask[:, None, :] & (t >= s)[None] & (np.abs(t - s) < 2)[None]
    ref, _ = np_gqa(w, Q, V, mask=mask, use_gate=True, n_kv=2)
    for out in run_both(layer, Q, V, query_mask=q_mask, value_mask=v_mask, use_causal_mask=True):
        close(out, ref)


def test_attention_scores_path_zeroes_fully_masked_rows():
    layer, w = make()
    att = np.ones((B, T, S), bool)
    att[0, 1] = False  # a fully masked query row
    att[1, :, 3] = False
    ref, probs = np_gqa(w, Q, V, mask=att, n_kv=2, fully_masked_uniform=False)
    out, scores = layer(Q, V, attention_mask=att, return_attention_scores=True)
    close(out, ref)
    close(scores, probs)
    assert scores.shape == (B, 4, T, S)
    # The fused path (no scores) averages uniformly over a fully masked row, as Keras's does.
    fused = layer(Q, V, attention_mask=att)
    close(fused, np_gqa(w, Q, V, mask=att, n_kv=2)[0])


def test_dropout_training_only():
    layer, w = make(dropout=0.5, seed=2)
    ref, _ = np_gqa(w, Q, V, n_kv=2)
    close(layer(Q, V), ref)
    v = layer.get_variables()
    f = jax.jit(lambda v, key: layer.apply(v, Q, V, training=True, rng=key)[0])
    a, b = f(v, jax.random.PRNGKey(0)), f(v, jax.random.PRNGKey(1))
    assert not np.allclose(a, b) and not np.allclose(a, ref)


def test_symbolic_shapes_and_weights():
    layer = GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True)
    q, v = Input((None, 8)), Input((7, 8))
    out, scores = layer(q, v, return_attention_scores=True)
    assert out.shape == (None, None, 8) and scores.shape == (None, 4, None, 7)
    assert layer.compute_output_shape((2, 5, 8), (2, 7, 8)) == (2, 5, 8)
    assert [(w.path.split("/", 1)[1], tuple(w.shape)) for w in layer.weights] == [
        ("query/kernel", (8, 4, 3)), ("query/bias", (4, 3)), ("key/kernel", (8, 2, 3)), ("key/bias", (2, 3)),
        ("gate/kernel", (8, 4, 3)), ("gate/bias", (4, 3)), ("value/kernel", (8, 2, 3)), ("value/bias", (2, 3)),
        ("attention_output/kernel", (4, 3, 8)), ("attention_output/bias", (8,))]
    # Weights files use Keras's paths: the sublayers sit in private attributes, as in Keras.
    import fkeras as keras
    from fkeras.saving import keras_layout

    paths = [p for p, _ in keras_layout.saveables(keras.Model([q, v], out)) if "_dense" in p]
    assert paths == [f"layers/grouped_query_attention/_{n}_dense" for n in ("gate", "key", "output", "query", "value")]
    nb = GroupQueryAttention(2, 2, 1, use_bias=False)
    nb.build((None, 3, 4), (None, 3, 4))
    assert [w.name for w in nb.weights] == ["kernel"] * 4


def test_config_round_trip():
    layer = GroupQueryAttention(4, 6, 3, dropout=0.1, use_bias=False, sliding_window=3, use_gate=True, seed=5,
                                kernel_initializer="he_normal", name="gqa")
    cfg = layer.get_config()
    assert GroupQueryAttention.from_config(cfg).get_config() == cfg
    ser = serialize(layer)
    assert ser["class_name"] == "GroupQueryAttention" and layer.name == "gqa"  # Keras's exported name
    assert GroupQueryAttention(2, 2, 1).name.startswith("grouped_query_attention")  # Keras's auto-name
    assert deserialize(ser).get_config() == cfg
    assert GroupedQueryAttention is GroupQueryAttention


def test_trains_in_fit():
    import fkeras as keras

    x = RNG.standard_normal((16, 4, 6)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None]
    inp = keras.Input((4, 6))
    h = GroupQueryAttention(2, 4, 2, dropout=0.1)(inp, inp, use_causal_mask=True)
    out = keras.layers.Dense(1)(keras.layers.Flatten()(h))
    model = keras.Model(inp, out)
    model.compile(optimizer="adam", loss="mse")
    before = [w.copy() for w in model.get_weights()]
    hist = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))


def test_bad_arguments():
    with pytest.raises(ValueError, match="divisible"):
        GroupQueryAttention(2, 4, 3)
    with pytest.raises(ValueError, match="num_query_heads"):
        GroupQueryAttention(2, 0, 1)
    with pytest.raises(ValueError, match="head_dim"):
        GroupQueryAttention(2.5, 4, 2)
    with pytest.raises(ValueError, match="sliding_window"):
        GroupQueryAttention(2, 4, 2, sliding_window=0)
    with pytest.raises(ValueError, match="dropout"):
        GroupQueryAttention(2, 4, 2, dropout=1.5)
    with pytest.raises(ValueError, match="flash attention"):
        GroupQueryAttention(2, 4, 2, dropout=0.1, flash_attention=True)
    layer = GroupQueryAttention(2, 4, 2, flash_attention=True)
    with pytest.raises(ValueError, match="attention scores"):
        layer(Q, V, return_attention_scores=True)
    with pytest.raises(ValueError, match="rank 3"):
        GroupQueryAttention(2, 4, 2)(np.ones((2, 3, 4, 6), "float32"), np.ones((2, 3, 4, 6), "float32"))
    with pytest.raises(ValueError, match="last dimension"):
        GroupQueryAttention(2, 4, 2).compute_output_shape((2, 3, 4), (2, 3, 5))


# --- Keras 3 parity -------------------------------------------------------------------------------

@pytest.mark.parametrize("kw, call", [
    (dict(use_gate=True), dict(use_causal_mask=True)),
    (dict(sliding_window=2), dict(return_attention_scores=True)),
])
def test_parity_with_keras(kw, call):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "jax":
        pytest.skip("keras is not running on the jax backend")
    k_layer = keras.layers.GroupQueryAttention(2, 4, 2, **kw)
    k_layer.build(Q.shape, V.shape, K.shape)
    ours = GroupQueryAttention(2, 4, 2, **kw)
    ours.build(Q.shape, V.shape, K.shape)
    assert [(w.path.split("/", 1)[1], tuple(w.shape)) for w in ours.weights] == [
        (w.path.split("/", 1)[1], tuple(w.shape)) for w in k_layer.weights]
    weights = [RNG.standard_normal(w.shape).astype("float32") for w in ours.weights]
    ours.set_weights(weights)
    k_layer.set_weights(weights)
    mask = np.array([[1, 1, 1, 0, 1], [1, 1, 1, 1, 0]], bool)
    ko = k_layer(Q, V, K, value_mask=mask, **call)
    oo = ours(Q, V, K, value_mask=mask, **call)
    for a, b in zip(jax.tree_util.tree_leaves(oo), jax.tree_util.tree_leaves(ko), strict=True):
        close(a, np.asarray(b), tol=1e-5)
    k_cfg, cfg = k_layer.get_config(), ours.get_config()
    assert set(k_cfg) == set(cfg)
    assert {k: v for k, v in cfg.items() if k not in ("name", "dtype", "kernel_initializer", "bias_initializer")} \
        == {k: v for k, v in k_cfg.items() if k not in ("name", "dtype", "kernel_initializer", "bias_initializer")}
    # A config written by Keras loads here. (Zero initializers: Keras 3.15's GlorotUniform config
    # carries `input_axes`/`output_axes`, which is not this layer's business.)
    k_zero = keras.layers.GroupQueryAttention(2, 4, 2, kernel_initializer="zeros", **kw)
    clone = deserialize(keras.layers.serialize(k_zero))
    assert isinstance(clone, GroupedQueryAttention) and clone.get_config()["num_key_value_heads"] == 2


def test_keras_loads_a_saved_fkeras_model_with_gqa(tmp_path):
    keras3 = pytest.importorskip("keras")
    inp = keras.Input((4, 8))
    model = keras.Model(inp, GroupQueryAttention(head_dim=4, num_query_heads=2, num_key_value_heads=1)(inp, inp))
    model.save(tmp_path / "gqa.keras")
    x = np.random.default_rng(0).normal(size=(2, 4, 8)).astype("float32")
    loaded = keras3.saving.load_model(tmp_path / "gqa.keras")
    np.testing.assert_allclose(np.asarray(loaded(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)
