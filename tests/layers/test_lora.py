"""LoRA on Dense / EinsumDense / Embedding (Keras 3's ``lora_rank`` and ``enable_lora``)."""
import os

import jax
import numpy as np
import pytest

import fkeras as keras


def _keras3():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    k = pytest.importorskip("keras")
    if k.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return k


def _dense(mod, **kw):
    layer = mod.layers.Dense(3, **kw)
    layer.build((None, 4))
    return layer, np.random.RandomState(0).randn(2, 4).astype("float32")


def _einsum(mod, **kw):
    layer = mod.layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 5), bias_axes="e", **kw)
    layer.build((None, 3, 4))
    return layer, np.random.RandomState(0).randn(2, 3, 4).astype("float32")


def _embedding(mod, **kw):
    layer = mod.layers.Embedding(10, 4, **kw)
    layer.build()
    return layer, np.array([[1, 2, 9], [0, 3, 3]], dtype="int32")


MAKERS = {"dense": _dense, "einsum": _einsum, "embedding": _embedding}


def _randomize(layer, seed=1):
    """Give every weight (LoRA factors included, b starts at zeros) random values."""
    rs = np.random.RandomState(seed)
    layer.set_weights([rs.randn(*w.shape).astype("float32") * 0.5 for w in layer.weights])


def _reference(kind, layer, x):
    w = {v.name: np.asarray(v.numpy()) for v in layer.weights}
    scale = layer.lora_alpha / layer.lora_rank
    if kind == "dense":
        k = w["kernel"] + scale * w["lora_kernel_a"] @ w["lora_kernel_b"]
        return x @ k + w["bias"]
    if kind == "einsum":
        k = w["kernel"] + scale * np.matmul(w["lora_kernel_a"], w["lora_kernel_b"])
        return np.einsum("abc,cde->abde", x, k) + w["bias"]
    table = w["embeddings"] + scale * w["lora_embeddings_a"] @ w["lora_embeddings_b"]
    return table[x]


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize("alpha", [None, 6.0])
def test_forward_matches_numpy_eager_and_jit(kind, alpha):
    layer, x = MAKERS[kind](keras)
    before = np.asarray(layer(x))
    layer.enable_lora(2, lora_alpha=alpha)
    assert layer.lora_enabled and layer.lora_rank == 2 and layer.lora_alpha == (alpha or 2)
    # b starts at zeros: enabling LoRA does not change the output.
    np.testing.assert_allclose(np.asarray(layer(x)), before, rtol=1e-6, atol=1e-6)
    _randomize(layer)
    ref = _reference(kind, layer, x)
    np.testing.assert_allclose(np.asarray(layer(x)), ref, rtol=1e-5, atol=1e-5)
    tree = layer.get_variables()
    y, _ = jax.jit(lambda t, x: layer.apply(t, x))(tree, x)
    np.testing.assert_allclose(np.asarray(y), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_lora_rank_argument_builds_lora(kind):
    layer, x = MAKERS[kind](keras, lora_rank=3, lora_alpha=12)
    assert layer.lora_enabled and layer.lora_rank == 3 and layer.lora_alpha == 12
    _randomize(layer)
    np.testing.assert_allclose(np.asarray(layer(x)), _reference(kind, layer, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_weights_lists_match_keras3(kind):
    k3 = _keras3()
    ours, _ = MAKERS[kind](keras)
    theirs, _ = MAKERS[kind](k3)
    ours.enable_lora(2)
    theirs.enable_lora(2)

    def describe(ws):
        return [(w.name, tuple(w.shape), str(w.dtype)) for w in ws]

    assert describe(ours.weights) == describe(theirs.weights)
    assert describe(ours.trainable_weights) == describe(theirs.trainable_weights)
    assert describe(ours.non_trainable_weights) == describe(theirs.non_trainable_weights)
    # The initializers follow Keras: b is zeros, a is he_uniform (nonzero).
    b = [w for w in ours.weights if w.name.endswith("_b")][0]
    a = [w for w in ours.weights if w.name.endswith("_a")][0]
    assert not np.any(b.numpy()) and np.any(a.numpy())


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_enable_lora_errors(kind):
    layer, _ = MAKERS[kind](keras)
    layer.enable_lora(2)
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    unbuilt = {"dense": lambda: keras.layers.Dense(3),
               "einsum": lambda: keras.layers.EinsumDense("ab,bc->ac", output_shape=3),
               "embedding": lambda: keras.layers.Embedding(10, 4)}[kind]()
    with pytest.raises(ValueError, match="isn't yet built"):
        unbuilt.enable_lora(2)
    arg = "embeddings_constraint" if kind == "embedding" else "kernel_constraint"
    constrained, _ = MAKERS[kind](keras, **{arg: "non_neg"})
    with pytest.raises(ValueError, match=arg):
        constrained.enable_lora(2)


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_config_round_trip(kind):
    layer, x = MAKERS[kind](keras, lora_rank=2, lora_alpha=5)
    config = layer.get_config()
    assert config["lora_rank"] == 2 and config["lora_alpha"] == 5
    clone = type(layer).from_config(config)
    clone(x)
    assert clone.lora_enabled and clone.lora_rank == 2 and clone.lora_alpha == 5
    assert [w.name for w in clone.weights] == [w.name for w in layer.weights]
    plain, _ = MAKERS[kind](keras)
    assert "lora_rank" not in plain.get_config()
    # enable_lora after construction is recorded in the config too (as in Keras).
    plain.enable_lora(4)
    assert plain.get_config()["lora_rank"] == 4 and plain.get_config()["lora_alpha"] == 4


def _model():
    inputs = keras.Input((3,), dtype="int32")
    h = keras.layers.Embedding(10, 4, name="emb")(inputs)
    h = keras.layers.EinsumDense("abc,cd->abd", output_shape=(3, 5), bias_axes="d", name="ed")(h)
    h = keras.layers.Flatten()(h)
    return keras.Model(inputs, keras.layers.Dense(2, name="dense")(h))


def _enable_all(model, rank=2):
    for name in ("emb", "ed", "dense"):
        model.get_layer(name).enable_lora(rank, lora_alpha=3)


def test_keras_file_round_trip(tmp_path):
    model = _model()
    _enable_all(model)
    for name in ("emb", "ed", "dense"):
        _randomize(model.get_layer(name), seed=len(name))
    x = np.array([[1, 2, 3], [4, 5, 0]], dtype="int32")
    y = np.asarray(model(x))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(x)), y, rtol=1e-5, atol=1e-5)
    dense = loaded.get_layer("dense")
    assert dense.lora_enabled and dense.lora_alpha == 3
    # Keras merges a @ b into the kernel on save and zeroes the factors on load.
    assert not np.any(dense.lora_kernel_a.numpy()) and not np.any(dense.lora_kernel_b.numpy())
    ref = model.get_layer("dense")
    merged = ref.kernel.numpy() + 1.5 * ref.lora_kernel_a.numpy() @ ref.lora_kernel_b.numpy()
    np.testing.assert_allclose(dense.kernel.numpy(), merged, rtol=1e-5, atol=1e-5)


def test_save_weights_merges_into_plain_model(tmp_path):
    model = _model()
    _enable_all(model)
    for name in ("emb", "ed", "dense"):
        _randomize(model.get_layer(name), seed=len(name))
    x = np.array([[1, 2, 3], [4, 5, 0]], dtype="int32")
    y = np.asarray(model(x))
    path = str(tmp_path / "w.weights.h5")
    model.save_weights(path)
    # The file holds only the base weights (merged), so a model without LoRA loads it ...
    plain = _model()
    plain.load_weights(path)
    np.testing.assert_allclose(np.asarray(plain(x)), y, rtol=1e-5, atol=1e-5)
    # ... and so does one with LoRA enabled.
    again = _model()
    _enable_all(again)
    again.load_weights(path)
    np.testing.assert_allclose(np.asarray(again(x)), y, rtol=1e-5, atol=1e-5)


def test_fit_updates_only_lora_variables():
    rs = np.random.RandomState(0)
    x = rs.randn(64, 4).astype("float32")
    y = (x @ rs.randn(4, 2)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, name="d1"), keras.layers.Dense(2, name="d2")])
    for layer in model.layers:
        layer.enable_lora(2)
    kernels = [layer.kernel.numpy().copy() for layer in model.layers]
    a_before = model.layers[0].lora_kernel_a.numpy().copy()
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    for layer, k in zip(model.layers, kernels):
        np.testing.assert_array_equal(layer.kernel.numpy(), k)
        assert np.any(layer.lora_kernel_b.numpy())
    assert not np.array_equal(model.layers[0].lora_kernel_a.numpy(), a_before)
    assert len(model.trainable_weights) == 6 and len(model.non_trainable_weights) == 2
