"""Embedding and Masking vs numpy, eagerly and under jax.jit."""
import warnings

import jax
import numpy as np
import pytest

from fkeras.layers.embedding import Embedding
from fkeras.layers.input_layer import Input
from fkeras.layers.masking import Masking

RNG = np.random.default_rng(0)
IDS = np.array([[1, 4, 0, 2], [0, 0, 3, 4]], dtype="int32")


def _both(layer, x):
    return [np.asarray(layer(x)),
            np.asarray(jax.jit(lambda v, a: layer.apply(v, a)[0])(layer.get_variables(), x))]


# --- Embedding ----------------------------------------------------------------------------------

def test_embedding_lookup_matches_numpy():
    layer = Embedding(5, 3)
    layer.build()
    table = RNG.standard_normal((5, 3)).astype("float32")
    layer.set_weights([table])
    for out in _both(layer, IDS):
        np.testing.assert_array_equal(out, table[IDS])
        assert out.dtype == np.float32
    # Float indices are cast to int32 (Keras), higher-rank index arrays work.
    np.testing.assert_array_equal(layer(IDS.astype("float32")), table[IDS])
    ids3 = RNG.integers(0, 5, size=(2, 3, 2))
    np.testing.assert_array_equal(layer(ids3), table[ids3])


def test_embedding_shapes_and_weights():
    layer = Embedding(7, 4)
    assert layer.compute_output_shape((2, 9)) == (2, 9, 4)
    sym = layer(Input(shape=(None,), dtype="int32"))
    assert sym.shape == (None, None, 4)
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [("embedding/embeddings", (7, 4))]
    init = np.asarray(layer.weights[0].value)
    assert init.min() >= -0.05 and init.max() <= 0.05  # "uniform" = RandomUniform(-0.05, 0.05)
    assert layer.count_params() == 28


def test_embedding_mask_zero():
    layer = Embedding(5, 2, mask_zero=True)
    mask = np.asarray(layer.compute_mask(IDS))
    np.testing.assert_array_equal(mask, IDS != 0)
    assert mask.dtype == bool
    assert layer.supports_masking
    assert Embedding(5, 2).compute_mask(IDS) is None


def test_embedding_weights_argument_and_input_length():
    table = RNG.standard_normal((4, 2)).astype("float32")
    layer = Embedding(4, 2, weights=[table])
    assert layer.built
    np.testing.assert_array_equal(layer(np.array([[3, 0]])), table[[[3, 0]]])
    layer2 = Embedding(4, 2, weights=table)
    np.testing.assert_array_equal(layer2.get_weights()[0], table)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        layer3 = Embedding(4, 2, input_length=10)
    assert any("input_length" in str(r.message) for r in rec)
    assert "input_length" not in layer3.get_config()


def test_embedding_config_round_trip():
    layer = Embedding(10, 3, mask_zero=True, embeddings_regularizer="l2", name="emb")
    cfg = layer.get_config()
    assert sorted(cfg) == sorted(["name", "trainable", "dtype", "input_dim", "output_dim",
                                  "embeddings_initializer", "embeddings_regularizer", "activity_regularizer",
                                  "embeddings_constraint", "mask_zero", "quantization_config"])
    assert cfg["embeddings_initializer"]["class_name"] == "RandomUniform"
    clone = Embedding.from_config(cfg)
    assert clone.get_config() == cfg
    assert clone.mask_zero is True


def test_embedding_lora():
    layer = Embedding(6, 3, lora_rank=2)
    layer.build()
    assert [w.name for w in layer.weights] == ["embeddings", "lora_embeddings_a", "lora_embeddings_b"]
    assert [w.name for w in layer.trainable_weights] == ["lora_embeddings_a", "lora_embeddings_b"]
    table = RNG.standard_normal((6, 3)).astype("float32")
    a = RNG.standard_normal((6, 2)).astype("float32")
    b = RNG.standard_normal((2, 3)).astype("float32")
    layer.set_weights([table, a, b])
    ref = (table + (2 / 2) * a @ b)[IDS]
    for out in _both(layer, IDS):
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    cfg = layer.get_config()
    assert cfg["lora_rank"] == 2 and cfg["lora_alpha"] == 2


def test_embedding_errors():
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        Embedding(3, 2.5)


# --- Masking ------------------------------------------------------------------------------------

def test_masking_zeroes_and_masks():
    x = RNG.standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    x[1, 0, 0] = 0.0  # one zero feature is not a masked step
    layer = Masking(mask_value=0.0)
    keep = np.any(x != 0.0, axis=-1)
    for out in _both(layer, x):
        np.testing.assert_array_equal(out, np.where(keep[..., None], x, 0.0))
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), keep)
    assert layer.compute_output_shape((2, 4, 3)) == (2, 4, 3)
    assert layer(Input(shape=(None, 3))).shape == (None, None, 3)


def test_masking_other_value_and_config():
    x = np.array([[[1.0, 1.0], [2.0, 1.0], [1.0, 1.0]]], "float32")
    layer = Masking(mask_value=1.0)
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), [[False, True, False]])
    np.testing.assert_array_equal(layer(x), [[[0, 0], [2, 1], [0, 0]]])
    cfg = layer.get_config()
    assert sorted(cfg) == ["dtype", "mask_value", "name", "trainable"]
    assert Masking.from_config(cfg).mask_value == 1.0
    assert layer.weights == []
