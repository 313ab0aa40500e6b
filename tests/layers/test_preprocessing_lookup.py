"""StringLookup, IntegerLookup, TextVectorization vs hand-made vocabularies; experimental names."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from fkeras.layers.preprocessing import lookup, text

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]


def test_string_lookup_keras_examples():
    layer = lookup.StringLookup(vocabulary=VOCAB)
    np.testing.assert_array_equal(layer(DATA), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == ["[UNK]"] + VOCAB and layer.vocabulary_size() == 5
    assert layer.get_vocabulary(include_special_tokens=False) == VOCAB
    np.testing.assert_array_equal(layer(np.array(DATA, dtype=object)), [[1, 3, 4], [4, 0, 2]])
    np.testing.assert_array_equal(layer(np.array([[b"a", b"zz"]])), [[1, 0]])
    adapted = lookup.StringLookup()
    adapted.adapt(DATA)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]  # count desc, ties reverse order
    np.testing.assert_array_equal(adapted(DATA), [[5, 3, 1], [1, 2, 4]])
    two_oov = lookup.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    np.testing.assert_array_equal(two_oov([["a", "c", "d"], ["m", "z", "b"]]), [[2, 4, 5], [0, 1, 3]])


def test_string_lookup_encodings_and_tf_idf():
    rows = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    oh = lookup.StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    np.testing.assert_array_equal(oh, np.eye(5)[[1, 2, 3, 4, 0]])
    np.testing.assert_array_equal(lookup.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(rows),
                                  [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(lookup.StringLookup(vocabulary=VOCAB, output_mode="count")(rows),
                                  [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    tfidf = lookup.StringLookup(output_mode="tf_idf")
    tfidf.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(rows), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], rtol=1e-6)
    tfidf.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(tfidf(rows), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], rtol=1e-6)
    docs = [["a", "b"], ["a", "a"], ["c", "b"]]
    learned = lookup.StringLookup(output_mode="tf_idf")
    learned.adapt(docs)
    vocab = learned.get_vocabulary()
    assert vocab == ["[UNK]", "a", "b", "c"]
    doc_freq = {"a": 2, "b": 2, "c": 1}
    idf = np.array([np.log(1 + 3 / (1 + doc_freq[t])) for t in vocab[1:]])
    np.testing.assert_allclose(learned.idf_weights, np.concatenate([[idf.mean()], idf]), rtol=1e-6)


def test_string_lookup_mask_invert_and_errors():
    masked = lookup.StringLookup(vocabulary=VOCAB, mask_token="")
    np.testing.assert_array_equal(masked([["a", "", "z"]]), [[2, 0, 1]])
    assert masked.get_vocabulary() == ["", "[UNK]"] + VOCAB
    inv = lookup.StringLookup(vocabulary=VOCAB, invert=True)
    out = inv([[1, 3, 4], [4, 0, 2]])
    assert out.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    round_trip = lookup.StringLookup(vocabulary=VOCAB, mask_token="", invert=True)(masked([["a", "", "q"]]))
    assert round_trip.tolist() == [["a", "", "[UNK]"]]
    strict = lookup.StringLookup(vocabulary=VOCAB, num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices"):
        strict(["q"])
    with pytest.raises(ValueError, match="repeated"):
        lookup.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="Did you mean 'multi_hot'"):
        lookup.StringLookup(output_mode="multi_hott")
    with pytest.raises(RuntimeError, match="vocabulary"):
        lookup.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="max_tokens"):
        lookup.StringLookup(max_tokens=3, vocabulary=VOCAB)


def test_string_lookup_max_tokens_and_config_round_trip():
    layer = lookup.StringLookup(max_tokens=3)
    layer.adapt(np.array(["x", "y", "y", "z", "z", "z"]))
    assert layer.get_vocabulary() == ["[UNK]", "z", "y"]
    config = lookup.StringLookup(vocabulary=VOCAB, mask_token="", num_oov_indices=2).get_config()
    assert "vocabulary_dtype" not in config and config["encoding"] == "utf-8"
    assert {"invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token", "output_mode", "sparse",
            "pad_to_max_tokens", "idf_weights", "vocabulary", "vocabulary_size", "oov_method", "salt"} <= set(config)
    clone = lookup.StringLookup.from_config(config)
    assert clone.get_config() == config
    np.testing.assert_array_equal(clone([["a", "", "d"]]), [[3, 0, 6]])


@pytest.mark.parametrize("jit", [False, True])
def test_integer_lookup_host_and_device_paths_agree(jit):
    vocab = [12, 36, 1138, 42]
    x = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = lookup.IntegerLookup(vocabulary=vocab)
    expected = [[1, 3, 4], [4, 0, 2]]
    np.testing.assert_array_equal(layer(x), expected)  # numpy in -> host path (int64)
    dev = (jax.jit(lambda a: layer.apply({}, a)[0])(jnp.asarray(x)) if jit else layer(jnp.asarray(x)))
    np.testing.assert_array_equal(np.asarray(dev), expected)
    multi = lookup.IntegerLookup(vocabulary=vocab, num_oov_indices=2, mask_token=0)
    y = np.array([[12, 0, 1001], [1000, 36, 7]])
    ref = [[3, 0, 1 + 1001 % 2], [1 + 1000 % 2, 4, 1 + 7 % 2]]
    np.testing.assert_array_equal(multi(y), ref)
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda a: multi.apply({}, a)[0])(jnp.asarray(y))), ref)
    inv = lookup.IntegerLookup(vocabulary=vocab, invert=True)
    ids = np.array([[1, 3, 4], [4, 0, 2]])
    ref_inv = [[12, 1138, 42], [42, -1, 36]]
    np.testing.assert_array_equal(inv(ids), ref_inv)
    np.testing.assert_array_equal(np.asarray(jax.jit(lambda a: inv.apply({}, a)[0])(jnp.asarray(ids))), ref_inv)
    mh = lookup.IntegerLookup(vocabulary=vocab, output_mode="multi_hot")
    z = np.array([[12, 12, 5], [42, 36, 42]])
    np.testing.assert_array_equal(mh(z), [[1, 1, 0, 0, 0], [0, 0, 1, 0, 1]])
    np.testing.assert_array_equal(np.asarray(mh(jnp.asarray(z))), [[1, 1, 0, 0, 0], [0, 0, 1, 0, 1]])


def test_integer_lookup_adapt_and_config():
    layer = lookup.IntegerLookup()
    layer.adapt(np.array([[12, 1138, 42], [42, 1000, 36], [36, 36, 5]]))
    assert layer.get_vocabulary() == [-1, 36, 42, 1138, 1000, 12, 5]
    config = lookup.IntegerLookup(vocabulary=np.array([3, 1]), mask_token=0).get_config()
    assert config["vocabulary"] == [3, 1] and config["mask_token"] == 0 and config["vocabulary_dtype"] == "int64"
    assert lookup.IntegerLookup.from_config(config).get_config() == config


def test_text_vectorization_tiny_corpus():
    corpus = ["The cat sat.", "the dog sat!", "A cat, a CAT"]
    vec = text.TextVectorization(output_sequence_length=4)
    vec.adapt(corpus)
    # counts: cat 3, the 2, sat 2, a 2, dog 1 -> frequency, then reverse order of the tied tokens
    assert vec.get_vocabulary() == ["", "[UNK]", "cat", "the", "sat", "a", "dog"]
    np.testing.assert_array_equal(vec(["the cat", "a dog sat on the mat"]), [[3, 2, 0, 0], [5, 6, 4, 1]])
    unpadded = text.TextVectorization(vocabulary=["cat", "the"])
    np.testing.assert_array_equal(unpadded(np.array([["the cat cat"], ["x"]])), [[3, 2, 2], [1, 0, 0]])
    bow = text.TextVectorization(output_mode="multi_hot", ngrams=2, vocabulary=["a", "b", "a b"])
    np.testing.assert_array_equal(bow(["a b", "b a"]), [[0, 1, 1, 1], [1, 1, 1, 0]])
    count = text.TextVectorization(output_mode="count", standardize=None, vocabulary=["A", "b"])
    np.testing.assert_array_equal(count(["A A b a"]), [[1, 2, 1]])
    chars = text.TextVectorization(split="character", standardize="lower", vocabulary=["a", "b"])
    np.testing.assert_array_equal(chars(["AbC"]), [[2, 3, 1]])
    custom = text.TextVectorization(standardize=lambda a: np.char.upper(a.astype(str)), vocabulary=["HI"])
    np.testing.assert_array_equal(custom(["hi there"]), [[2, 1]])


def test_text_vectorization_config_and_errors():
    vec = text.TextVectorization(max_tokens=10, ngrams=(1, 2), output_mode="tf_idf", vocabulary=["a", "b"],
                                 idf_weights=[0.5, 0.25])
    config = vec.get_config()
    for key in ("max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
                "pad_to_max_tokens", "sparse", "ragged", "vocabulary", "idf_weights", "encoding", "vocabulary_size"):
        assert key in config
    clone = text.TextVectorization.from_config(config)
    assert clone.get_config() == config
    np.testing.assert_allclose(clone(["a a b"]), vec(["a a b"]))
    with pytest.raises(ValueError, match="output_sequence_length"):
        text.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="Did you mean 'whitespace'"):
        text.TextVectorization(split="whitespac")


def test_experimental_preprocessing_names_resolve():
    from fkeras.layers import preprocessing
    from fkeras.layers.experimental import preprocessing as experimental

    for name in preprocessing.__all__:
        assert getattr(experimental, name) is getattr(preprocessing, name)
