"""keras.utils.FeatureSpace: each feature type's encoding against numpy references, crosses,
output modes, adapt inputs, the Functional flow of the structured-data guide, config and files."""
import collections
import os

import numpy as np
import pytest

import fkeras as keras
from fkeras.layers.preprocessing._hash import fingerprint64
from fkeras.utils import FeatureSpace

U64 = (1 << 64) - 1
MUL = 0xC6A4A7935BD1E995


def ref_bin(token, num_bins):
    """Hashing's bin: FarmHash64 of the value's text, modulo the number of bins."""
    return fingerprint64(str(token).encode()) % num_bins


def ref_cross(values, num_bins):
    """tf.sparse.cross_hashed: strings by FarmHash64, integers as themselves, chained with
    FingerprintCat64 from TensorFlow's default hash key."""
    def mix(v):
        return v ^ (v >> 47)

    out = 0xDECAFCAFFE
    for v in values:
        fp = fingerprint64(v.encode()) if isinstance(v, str) else int(v) & U64
        acc = out ^ MUL
        acc ^= (mix((fp * MUL) & U64) * MUL) & U64
        acc = (acc * MUL) & U64
        out = mix((mix(acc) * MUL) & U64)
    return out % num_bins


def ref_vocab(values):
    """Lookup vocabulary order: decreasing count, ties by decreasing value."""
    counts = collections.Counter(values)
    return sorted(counts, key=lambda t: (counts[t], t), reverse=True)


def one_hot(ids, depth):
    out = np.zeros((len(ids), depth), np.float32)
    for i, j in enumerate(ids):
        if 0 <= j < depth:
            out[i, j] = 1.0
    return out


DATA = {
    "price": np.array([1.0, 2.5, 4.0, 2.0, 7.5, 3.0], np.float32),
    "color": np.array(["red", "blue", "red", "green", "red", "blue"]),
    "size": np.array([1, 2, 3, 2, 2, 9]),
    "tag": np.array(["a", "b", "c", "d", "a", "e"]),
    "code": np.array([10, 20, 30, 40, 50, 60]),
    "level": np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2], np.float32),
    "raw": np.array([5.0, 6.0, 7.0, 8.0, 9.0, 10.0], np.float32),
    "scaled": np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], np.float32),
}


def make_space(output_mode="concat", crosses=(("color", "size"),)):
    return FeatureSpace(
        features={
            "price": "float_normalized",
            "color": "string_categorical",
            "size": "integer_categorical",
            "tag": FeatureSpace.string_hashed(num_bins=4),
            "code": FeatureSpace.integer_hashed(num_bins=5),
            "level": FeatureSpace.float_discretized(num_bins=None, bin_boundaries=[0.25, 0.6]),
            "raw": "float",
            "scaled": FeatureSpace.float_rescaled(scale=0.5, offset=1.0),
        },
        crosses=list(crosses), crossing_dim=8, output_mode=output_mode)


def reference_encoding(data):
    """The concat output computed with numpy only (sorted features, then sorted crosses)."""
    color_vocab = ["[UNK]"] + ref_vocab(DATA["color"].tolist())
    size_vocab = [-1] + ref_vocab(DATA["size"].tolist())
    color_ids = [color_vocab.index(c) if c in color_vocab[1:] else 0 for c in data["color"]]
    size_ids = [size_vocab.index(int(s)) if int(s) in size_vocab[1:] else 0 for s in data["size"]]
    mean, std = DATA["price"].astype(np.float64).mean(), DATA["price"].astype(np.float64).std()
    parts = {
        "code": one_hot([ref_bin(int(c), 5) for c in data["code"]], 5),
        "color": one_hot(color_ids, len(color_vocab)),
        "level": one_hot(np.digitize(data["level"], [0.25, 0.6]), 3),
        "price": ((data["price"] - mean) / std)[:, None],
        "raw": np.asarray(data["raw"], np.float32)[:, None],
        "scaled": (np.asarray(data["scaled"]) * 0.5 + 1.0)[:, None],
        "size": one_hot(size_ids, len(size_vocab)),
        "tag": one_hot([ref_bin(t, 4) for t in data["tag"]], 4),
        "color_X_size": one_hot([ref_cross([c, s], 8) for c, s in zip(color_ids, size_ids, strict=True)], 8),
    }
    order = sorted(k for k in parts if "_X_" not in k) + ["color_X_size"]
    return np.concatenate([parts[k] for k in order], axis=1).astype(np.float32), parts


def test_reference_hashes_match_keras_documented_values():
    # Values from Keras's Hashing and HashedCrossing docstrings (computed with TensorFlow).
    assert [ref_bin(t, 3) for t in "ABCDE"] == [1, 0, 1, 1, 2]
    pairs = zip(["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102], strict=True)
    assert [ref_cross(p, 5) for p in pairs] == [1, 4, 1, 1, 3]


def test_concat_encoding_matches_numpy_reference():
    fs = make_space()
    fs.adapt(DATA)
    out = fs(DATA)
    expected, _ = reference_encoding(DATA)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # unseen values go to the OOV ids (position 0 of each vocabulary)
    new = {k: v[:2].copy() for k, v in DATA.items()}
    new["color"] = np.array(["purple", "red"])
    new["size"] = np.array([77, 2])
    np.testing.assert_allclose(fs(new), reference_encoding(new)[0], rtol=1e-5, atol=1e-6)


def test_dict_mode_and_int_outputs():
    fs = FeatureSpace(
        features={"color": FeatureSpace.string_categorical(output_mode="int"),
                  "size": FeatureSpace.integer_categorical(output_mode="int"),
                  "price": "float_normalized"},
        crosses=[FeatureSpace.cross(("color", "size"), crossing_dim=16, output_mode="int")],
        output_mode="dict")
    fs.adapt(DATA)
    out = fs(DATA)
    assert sorted(out) == ["color", "color_X_size", "price", "size"]
    color_vocab = ["[UNK]"] + ref_vocab(DATA["color"].tolist())
    size_vocab = [-1] + ref_vocab(DATA["size"].tolist())
    color_ids = [color_vocab.index(c) for c in DATA["color"]]
    size_ids = [size_vocab.index(int(s)) for s in DATA["size"]]
    np.testing.assert_array_equal(out["color"][:, 0], color_ids)
    np.testing.assert_array_equal(out["size"][:, 0], size_ids)
    np.testing.assert_array_equal(out["color_X_size"][:, 0],
                                  [ref_cross([c, s], 16) for c, s in zip(color_ids, size_ids, strict=True)])
    enc = fs.get_encoded_features()
    assert enc["color"].shape == (None, 1) and enc["price"].dtype == "float32"


def test_single_row_and_adapt_from_batches():
    fs = make_space()
    # an iterable of (features, labels) batches adapts like the whole dict at once
    batches = [({k: v[i:i + 2] for k, v in DATA.items()}, np.zeros(2)) for i in range(0, 6, 2)]
    fs.adapt(batches)
    full = fs(DATA)
    np.testing.assert_allclose(full, reference_encoding(DATA)[0], rtol=1e-5, atol=1e-6)
    row = fs({k: v[3] for k, v in DATA.items()})  # scalars: one unbatched row
    assert row.shape == (full.shape[1],)
    np.testing.assert_allclose(row, full[3], rtol=1e-6)
    # single-row dicts as a generator also adapt
    rows = ({k: v[i] for k, v in DATA.items()} for i in range(6))
    fs2 = make_space()
    fs2.adapt(rows)
    np.testing.assert_allclose(fs2(DATA), full, rtol=1e-5, atol=1e-6)


def test_adapted_discretization_and_defaults():
    x = np.linspace(0.0, 1.0, 101).astype(np.float32)
    fs = FeatureSpace(features={"x": FeatureSpace.float_discretized(num_bins=4), "h": "string_hashed"},
                      hashing_dim=6)
    fs.adapt({"x": x, "h": np.array(["q"] * 101)})
    boundaries = fs.preprocessors["x"].bin_boundaries
    np.testing.assert_allclose(boundaries, np.quantile(x, [0.25, 0.5, 0.75]), atol=0.02)
    out = fs({"x": x, "h": np.array(["q"] * 101)})
    assert out.shape == (101, 6 + 4)  # sorted: "h" (6 hashed bins) before "x" (4 bins)
    np.testing.assert_array_equal(out[:, :6].argmax(1), ref_bin("q", 6))
    np.testing.assert_array_equal(out[:, 6:].argmax(1), np.digitize(x, boundaries))


def test_errors_are_clear():
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace({"a": "float"}, output_mode="stack")
    with pytest.raises(ValueError, match="string_categorical"):
        FeatureSpace({"a": "string_categorcal"})
    with pytest.raises(ValueError, match="unknown features"):
        FeatureSpace({"a": "string_categorical"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="not encoded"):
        FeatureSpace({"a": FeatureSpace.string_categorical(output_mode="int")})
    with pytest.raises(ValueError, match="non-empty dict"):
        FeatureSpace({})
    fs = FeatureSpace({"a": "float_normalized", "b": "integer_categorical"})
    with pytest.raises(ValueError, match="adapt"):
        fs({"a": np.ones(2), "b": np.ones(2, int)})
    with pytest.raises(ValueError, match="missing features"):
        fs.adapt({"a": np.ones(3)})
    fs.adapt({"a": np.arange(3.0), "b": np.ones(3, int)})
    with pytest.raises(ValueError, match="only be called with a dict"):
        fs(np.ones((2, 2)))
    with pytest.raises(ValueError, match="missing features"):
        fs({"a": np.ones(2)})
    # no adaptable feature: usable without adapt
    plain = FeatureSpace({"a": "float", "b": FeatureSpace.integer_hashed(3)})
    np.testing.assert_allclose(plain({"a": [1.5, 2.0], "b": [7, 8]}),
                               np.concatenate([[[1.5], [2.0]], one_hot([ref_bin(7, 3), ref_bin(8, 3)], 3)], 1))


def test_guide_flow_functional_models():
    """The structured-data guide: adapt, encode batches, train on encoded features, then call an
    inference model on raw dicts."""
    fs = make_space()
    fs.adapt(DATA)
    inputs = fs.get_inputs()
    encoded = fs.get_encoded_features()
    width = reference_encoding(DATA)[0].shape[1]
    assert sorted(inputs) == sorted(DATA) and encoded.shape == (None, width)
    assert inputs["color"].dtype == "string" and inputs["price"].dtype == "float32"
    keras.utils.set_random_seed(0)
    hidden = keras.layers.Dense(4, activation="relu")(encoded)
    predictions = keras.layers.Dense(1, activation="sigmoid")(hidden)
    training_model = keras.Model(inputs=encoded, outputs=predictions)
    training_model.compile(optimizer="adam", loss="binary_crossentropy")
    labels = np.array([0, 1, 0, 1, 1, 0], np.float32)
    training_model.fit(fs(DATA), labels, batch_size=3, epochs=2, verbose=0)
    inference_model = keras.Model(inputs=inputs, outputs=predictions)
    raw = {k: v[:, None] for k, v in DATA.items()}
    np.testing.assert_allclose(np.asarray(inference_model(raw)),
                               training_model.predict(fs(DATA), verbose=0), rtol=1e-5, atol=1e-6)


def test_its_layers_survive_their_own_config_round_trip():
    """FeatureSpace's config holds its layers' configs (Hashing's dtype, an adapted lookup's
    vocabulary_size): each must rebuild from its own config."""
    from fkeras.saving import registry

    lookup = keras.layers.StringLookup()
    lookup.adapt(["a", "b"])
    for layer in (keras.layers.Hashing(4), keras.layers.IntegerLookup(vocabulary=[1, 2]), lookup):
        again = registry.deserialize_keras_object(registry.serialize_keras_object(layer))
        assert again.get_config() == layer.get_config()


def test_config_round_trip_and_save_load(tmp_path):
    fs = make_space()
    config = fs.get_config()
    assert set(config) >= {"features", "output_mode", "crosses", "crossing_dim", "hashing_dim",
                           "num_discretization_bins"}
    rebuilt = FeatureSpace.from_config(config)
    assert rebuilt.get_config() == config
    fs.adapt(DATA)
    path = os.path.join(tmp_path, "fs.keras")
    fs.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, FeatureSpace)
    np.testing.assert_allclose(loaded(DATA), fs(DATA), rtol=1e-6)
    assert loaded.get_encoded_features().shape == fs.get_encoded_features().shape


def test_loads_keras_config_of_numeric_features():
    keras3 = pytest.importorskip("keras")
    try:
        kfs = keras3.utils.FeatureSpace(
            features={"a": "float_normalized", "r": keras3.utils.FeatureSpace.float_rescaled(2.0, 1.0),
                      "f": "float", "d": keras3.utils.FeatureSpace.float_discretized(3, output_mode="int")},
            output_mode="dict")
        kconfig = kfs.get_config()
    except ImportError as e:  # Keras's FeatureSpace needs TensorFlow for some layers
        pytest.skip(str(e))
    ours = make_space().get_config()
    assert set(kconfig) <= set(ours)
    assert set(kconfig["features"]["a"]["config"]) == set(ours["features"]["price"]["config"])
    fs = FeatureSpace.from_config(kconfig)
    assert fs.output_mode == "dict" and fs.features["d"].output_mode == "int"
    fs.adapt({"a": np.array([1.0, 3.0]), "d": np.array([0.0, 1.0]), "f": np.ones(2), "r": np.ones(2)})
    out = fs({"a": np.array([1.0, 3.0]), "d": np.array([0.0, 1.0]), "f": np.array([4.0, 5.0]),
              "r": np.array([1.0, 2.0])})
    np.testing.assert_allclose(out["a"][:, 0], [-1.0, 1.0], rtol=1e-5)
    np.testing.assert_allclose(out["r"][:, 0], [3.0, 5.0])
    np.testing.assert_allclose(out["f"][:, 0], [4.0, 5.0])


def test_adapt_tf_dataset():
    tf = pytest.importorskip("tensorflow")
    fs = make_space()
    fs.adapt(tf.data.Dataset.from_tensor_slices(dict(DATA)).batch(4))
    np.testing.assert_allclose(fs(DATA), reference_encoding(DATA)[0], rtol=1e-5, atol=1e-6)


class FakeFrame:
    """The slice of the pandas DataFrame API FeatureSpace uses (pandas is not installed here)."""

    def __init__(self, data):
        self._data = data
        self.columns = list(data)

    def __getitem__(self, key):
        return FakeSeries(self._data[key])

    def to_numpy(self):
        return np.stack(list(self._data.values()), 1)


class FakeSeries:
    def __init__(self, values):
        self._values = values

    def to_numpy(self):
        return np.asarray(self._values)


def test_dataframe_like_input():
    fs = make_space()
    fs.adapt(FakeFrame(DATA))
    np.testing.assert_allclose(fs(FakeFrame(DATA)), reference_encoding(DATA)[0], rtol=1e-5, atol=1e-6)
