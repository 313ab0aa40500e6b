"""``keras.preprocessing.text``: tf.keras 2's ``Tokenizer`` and text helpers (same outputs).

Example:

```python
tok = Tokenizer(num_words=100, oov_token="<OOV>")
tok.fit_on_texts(["the cat sat", "the dog sat down"])
tok.word_index        # {'<OOV>': 1, 'the': 2, 'sat': 3, 'cat': 4, 'dog': 5, 'down': 6}
tok.texts_to_sequences(["the bird sat"])   # [[2, 1, 3]]
```
"""
from __future__ import annotations

import collections
import hashlib
import json
import warnings

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

__all__ = ["Tokenizer", "text_to_word_sequence", "one_hot", "hashing_trick", "tokenizer_from_json"]


def _check_text(text, where, i=None):
    if not isinstance(text, str):
        pos = f" (item {i})" if i is not None else ""
        raise TypeError(f"{where} expects strings; got {type(text).__name__}{pos}: {text!r:.80}")


def text_to_word_sequence(input_text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into words: optional lower-casing, ``filters`` characters become ``split``.

    Example:

    >>> text_to_word_sequence("Hello, World!  Hi")
    ['hello', 'world', 'hi']
    """
    _check_text(input_text, "text_to_word_sequence")
    if lower:
        input_text = input_text.lower()
    if filters:
        input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """Words -> indices in ``[1, n - 1]`` by hashing (``hash_function``: callable, ``"md5"`` or ``None``
    for Python's salted ``hash``, which differs between processes)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(hashlib.md5(w.encode(), usedforsecurity=False).hexdigest(), 16)
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"`n` must be an integer >= 2 (the hashing space size); received n={n!r}.")
    seq = analyzer(text) if analyzer is not None else text_to_word_sequence(text, filters, lower, split)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


def one_hot(input_text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with Python's ``hash`` (tf.keras's ``one_hot``: word indices, not one-hot rows)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


class Tokenizer:
    """Turns texts into sequences of word indices or into bag-of-words matrices (tf.keras 2's).

    ``word_index`` ranks words by count (ties: first appearance), starting at 1 (0 is reserved for
    padding); an ``oov_token`` takes index 1. ``num_words`` keeps only indices ``< num_words`` in
    the outputs of ``texts_to_sequences`` / ``texts_to_matrix`` (``word_index`` keeps every word).

    Args:
        num_words: maximum number of words to keep (by frequency), or ``None``.
        filters: characters removed from texts.
        lower: lower-case texts.
        split: word separator.
        char_level: treat every character as a token.
        oov_token: token that replaces out-of-vocabulary words (index 1), or ``None`` to drop them.
        analyzer: optional callable text -> list of tokens, replacing the default splitting.

    Example:

    ```python
    tok = Tokenizer(num_words=1000, oov_token="<OOV>")
    tok.fit_on_texts(texts)
    x = keras.utils.pad_sequences(tok.texts_to_sequences(texts), maxlen=50)
    ```
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ", char_level=False,
                 oov_token=None, analyzer=None, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument in `Tokenizer` has been renamed `num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        document_count = kwargs.pop("document_count", 0)
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
        if num_words is not None and (not isinstance(num_words, (int, np.integer)) or num_words < 0):
            raise ValueError(f"`num_words` must be a non-negative integer or None; received num_words={num_words!r}.")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    # -- tokenizing -----------------------------------------------------------------------------
    def _tokens(self, text, where, i):
        if isinstance(text, (list, tuple)):  # pre-tokenized input, as tf.keras accepts
            for t in text:
                _check_text(t, where, i)
            return [t.lower() for t in text] if self.lower else list(text)
        _check_text(text, where, i)
        if self.char_level:
            return text.lower() if self.lower else text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, filters=self.filters, lower=self.lower, split=self.split)

    @staticmethod
    def _check_texts(texts, where):
        if isinstance(texts, (str, bytes)):
            raise TypeError(f"{where} expects a list of strings, not a single {type(texts).__name__}; "
                            "wrap it in a list: [text].")
        if not hasattr(texts, "__iter__"):
            raise TypeError(f"{where} expects a list of strings; got {type(texts).__name__}.")

    def fit_on_texts(self, texts):
        """Update the vocabulary from a list of texts (or of lists of tokens)."""
        self._check_texts(texts, "Tokenizer.fit_on_texts")
        for i, text in enumerate(texts):
            seq = self._tokens(text, "Tokenizer.fit_on_texts", i)
            self.document_count += 1
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        wcounts = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)  # stable: ties keep order
        sorted_voc = [] if self.oov_token is None else [self.oov_token]
        sorted_voc.extend(w for w, _ in wcounts)
        self.word_index = dict(zip(sorted_voc, range(1, len(sorted_voc) + 1)))
        self.index_word = {c: w for w, c in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Update document counts (for ``tfidf``) from sequences of indices."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Texts -> lists of word indices (words beyond ``num_words`` or unknown -> ``oov_token`` or dropped)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        self._check_texts(texts, "Tokenizer.texts_to_sequences")
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for i, text in enumerate(texts):
            vect = []
            for w in self._tokens(text, "Tokenizer.texts_to_sequences", i):
                j = self.word_index.get(w)
                if j is not None:
                    if num_words and j >= num_words:
                        if oov is not None:
                            vect.append(oov)
                    else:
                        vect.append(j)
                elif self.oov_token is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences):
        """Lists of indices -> space-joined texts (inverse of ``texts_to_sequences``, lower-cased)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for seq in sequences:
            vect = []
            for num in seq:
                word = self.index_word.get(int(num))
                if word is not None:
                    if num_words and num >= num_words:
                        if oov is not None:
                            vect.append(self.index_word[oov])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov])
            yield " ".join(vect)

    # -- matrices -------------------------------------------------------------------------------
    def texts_to_matrix(self, texts, mode="binary"):
        """Texts -> ``(len(texts), num_words)`` float64 matrix; ``mode``: binary, count, tfidf or freq."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Sequences of indices -> bag-of-words matrix (see ``texts_to_matrix``)."""
        modes = ("binary", "count", "tfidf", "freq")
        if mode not in modes:
            from fkeras.utils.naming import unknown_identifier_error

            raise unknown_identifier_error("vectorization mode", mode, modes)
        if not self.num_words:
            if not self.word_index:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some text data first.")
            num_words = len(self.word_index) + 1
        else:
            num_words = self.num_words
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        if mode == "tfidf":
            docs = np.zeros(num_words)
            for j, c in self.index_docs.items():
                if 0 <= j < num_words:
                    docs[j] = c
            idf = np.log(1 + self.document_count / (1 + docs))
        for i, seq in enumerate(sequences):
            seq = np.asarray(seq, dtype=np.int64).reshape(-1)
            if not seq.size:
                continue
            kept = seq[(seq >= 0) & (seq < num_words)]
            counts = np.bincount(kept, minlength=num_words)[:num_words].astype(np.float64)
            nz = counts > 0
            if mode == "count":
                x[i] = counts
            elif mode == "freq":
                x[i] = counts / seq.size
            elif mode == "binary":
                x[i] = nz
            else:  # tfidf, "weighting scheme 2": (1 + log tf) * log(1 + N / (1 + df))
                x[i, nz] = (1 + np.log(counts[nz])) * idf[nz]
        return x

    # -- serialization --------------------------------------------------------------------------
    def get_config(self):
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer (vocabulary and settings) as a JSON string; reload with ``tokenizer_from_json``."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """Rebuild a ``Tokenizer`` from ``Tokenizer.to_json()``'s output."""
    cfg = dict(json.loads(json_string).get("config"))
    word_counts = json.loads(cfg.pop("word_counts"))
    word_docs = json.loads(cfg.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(cfg.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(cfg.pop("index_word")).items()}
    word_index = json.loads(cfg.pop("word_index"))
    tok = Tokenizer(**cfg)
    tok.word_counts = collections.OrderedDict(word_counts)
    tok.word_docs = collections.defaultdict(int, word_docs)
    tok.index_docs = collections.defaultdict(int, index_docs)
    tok.word_index = word_index
    tok.index_word = index_word
    return tok
