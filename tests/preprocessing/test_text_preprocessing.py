"""Tokenizer outputs pinned from tf.keras 2's documented behaviour; pad_sequences via the alias."""
import hashlib
import math

import numpy as np
import pytest

from fkeras.preprocessing import sequence, text
from fkeras.preprocessing.text import Tokenizer, text_to_word_sequence, tokenizer_from_json

TEXTS = ["The cat sat on the mat.", "The dog sat on the log!", "Cats and dogs?"]
# counts: the 4, sat 2, on 2, then single words in order of first appearance
INDEX = {"the": 1, "sat": 2, "on": 3, "cat": 4, "mat": 5, "dog": 6, "log": 7, "cats": 8, "and": 9, "dogs": 10}


def test_text_to_word_sequence_default_filters():
    assert text_to_word_sequence('Hello, World!\tTab\n"q" a-b') == ["hello", "world", "tab", "q", "a", "b"]
    assert text_to_word_sequence("A.B", filters="", lower=False) == ["A.B"]
    assert text.DEFAULT_FILTERS == '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def test_word_index_by_frequency_then_first_appearance():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    assert tok.word_index == INDEX
    assert tok.index_word == {v: k for k, v in INDEX.items()}
    assert list(tok.word_counts.items())[:3] == [("the", 4), ("cat", 1), ("sat", 2)]
    assert tok.word_docs["the"] == 2 and tok.word_docs["cats"] == 1
    assert tok.document_count == 3
    assert tok.texts_to_sequences(["the cat sat on the bird"]) == [[1, 4, 2, 3, 1]]
    assert tok.sequences_to_texts([[1, 4, 2, 99]]) == ["the cat sat"]


def test_oov_token_gets_index_1_and_num_words_limit():
    tok = Tokenizer(num_words=4, oov_token="<OOV>")
    tok.fit_on_texts(TEXTS)
    assert tok.word_index["<OOV>"] == 1 and tok.word_index["the"] == 2 and tok.word_index["dogs"] == 11
    # indices >= num_words (cat=5, on=4) and unknown words (bird) -> 1
    assert tok.texts_to_sequences(["the cat sat on the bird"]) == [[2, 1, 3, 1, 2, 1]]
    assert tok.sequences_to_texts([[2, 5, 3]]) == ["the <OOV> sat"]
    plain = Tokenizer(num_words=4)
    plain.fit_on_texts(TEXTS)
    assert plain.texts_to_sequences(["the cat sat on the bird"]) == [[1, 2, 3, 1]]


def test_char_level_lower_and_pretokenized_input():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["aAb", "b"])
    assert tok.word_index == {"a": 1, "b": 2}
    assert tok.texts_to_sequences(["ba c"]) == [[2, 1]]
    cased = Tokenizer(lower=False)
    cased.fit_on_texts(["The the THE the"])
    assert cased.word_index == {"the": 1, "The": 2, "THE": 3}
    pre = Tokenizer()
    pre.fit_on_texts([["Hello", "world"], ["hello"]])
    assert pre.word_index == {"hello": 1, "world": 2}


def test_texts_to_matrix_modes():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    docs = ["the cat sat on the mat", "dogs dogs zebra"]
    binary = tok.texts_to_matrix(docs, mode="binary")
    assert binary.shape == (2, 11) and binary.dtype == np.float64
    np.testing.assert_array_equal(binary[0], [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    count = tok.texts_to_matrix(docs, mode="count")
    assert count[0, 1] == 2 and count[1, 10] == 2 and count[1].sum() == 2
    freq = tok.texts_to_matrix(docs, mode="freq")
    np.testing.assert_allclose(freq[0, 1], 2 / 6)
    np.testing.assert_allclose(freq[1, 10], 1.0)  # "zebra" is unknown, dropped before counting
    tfidf = tok.texts_to_matrix(docs, mode="tfidf")
    # tf = 1 + log(count), idf = log(1 + N_docs / (1 + doc_freq)), N_docs = 3
    np.testing.assert_allclose(tfidf[0, 1], (1 + math.log(2)) * math.log(1 + 3 / 3))  # "the": 2 docs
    np.testing.assert_allclose(tfidf[0, 4], 1 * math.log(1 + 3 / 2))  # "cat": 1 doc
    np.testing.assert_allclose(tfidf[1, 10], (1 + math.log(2)) * math.log(1 + 3 / 2))
    assert tfidf[0, 6] == 0
    limited = Tokenizer(num_words=3)
    limited.fit_on_texts(TEXTS)
    m = limited.texts_to_matrix(["the cat sat"], mode="freq")  # "cat" (4) is cut by texts_to_sequences
    assert m.shape == (1, 3)
    np.testing.assert_allclose(m[0], [0, 1 / 2, 1 / 2])
    m = limited.sequences_to_matrix([[1, 2, 4]], mode="freq")  # an index >= num_words still counts in the length
    np.testing.assert_allclose(m[0], [0, 1 / 3, 1 / 3])


def test_json_round_trip():
    tok = Tokenizer(num_words=6, oov_token="?")
    tok.fit_on_texts(TEXTS)
    back = tokenizer_from_json(tok.to_json())
    assert back.word_index == tok.word_index and back.index_word == tok.index_word
    assert back.num_words == 6 and back.oov_token == "?" and back.document_count == 3
    docs = ["the cats sat on a mat"]
    assert back.texts_to_sequences(docs) == tok.texts_to_sequences(docs)
    np.testing.assert_allclose(back.texts_to_matrix(docs, "tfidf"), tok.texts_to_matrix(docs, "tfidf"))
    assert set(tok.get_config()) == {"num_words", "filters", "lower", "split", "char_level", "oov_token",
                                     "document_count", "word_counts", "word_docs", "index_docs", "index_word",
                                     "word_index"}


def test_hashing_trick_md5():
    out = text.hashing_trick("Hello world hello", 10, hash_function="md5")
    want = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1 for w in ["hello", "world", "hello"]]
    assert out == want
    assert all(1 <= v <= 9 for v in text.one_hot("a b c d", 10))


def test_non_string_texts_are_clear_errors():
    tok = Tokenizer()
    with pytest.raises(TypeError, match=r"int \(item 1\)"):
        tok.fit_on_texts(["fine", 5])
    with pytest.raises(TypeError, match="single str"):
        tok.fit_on_texts("a whole text")
    tok.fit_on_texts(["a b"])
    with pytest.raises(TypeError, match="NoneType"):
        tok.texts_to_sequences([None])
    with pytest.raises(TypeError, match="strings"):
        text_to_word_sequence(b"bytes")
    with pytest.raises(ValueError, match="Did you mean 'tfidf'"):
        tok.texts_to_matrix(["a"], mode="tfid")
    with pytest.raises(ValueError, match="fit on some text"):
        Tokenizer().texts_to_matrix(["a"])


def test_pad_sequences_alias():
    from fkeras.utils.sequence_utils import pad_sequences

    assert sequence.pad_sequences is pad_sequences
    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    np.testing.assert_array_equal(sequence.pad_sequences(seqs, maxlen=4),
                                  [[0, 1, 2, 3], [0, 0, 0, 4], [6, 7, 8, 9]])
    np.testing.assert_array_equal(sequence.pad_sequences(seqs, maxlen=4, padding="post", truncating="post", value=-1),
                                  [[1, 2, 3, -1], [4, -1, -1, -1], [5, 6, 7, 8]])
    out = sequence.pad_sequences(seqs, dtype="float32")
    assert out.shape == (3, 5) and out.dtype == np.float32
    for bad in (0, -2):
        with pytest.raises(ValueError, match="maxlen"):
            sequence.pad_sequences(seqs, maxlen=bad)


def test_timeseries_generator():
    data = np.arange(20).reshape(20, 1)
    targets = np.arange(20) * 10
    gen = sequence.TimeseriesGenerator(data, targets, length=4, sampling_rate=2, stride=3, batch_size=2)
    # rows: 4, 7, 10, 13, 16, 19 -> 3 batches
    assert len(gen) == 3
    x, y = gen[1]
    np.testing.assert_array_equal(x[..., 0], [[10 - 4, 10 - 2], [13 - 4, 13 - 2]])
    np.testing.assert_array_equal(y, [100, 130])
    xr, _ = sequence.TimeseriesGenerator(data, targets, length=4, reverse=True, batch_size=1)[0]
    np.testing.assert_array_equal(xr[0, :, 0], [3, 2, 1, 0])
    with pytest.raises(ValueError, match="same length"):
        sequence.TimeseriesGenerator(data, targets[:5], length=2)
    with pytest.raises(ValueError, match="start_index"):
        sequence.TimeseriesGenerator(data, targets, length=25)
