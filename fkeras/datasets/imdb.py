"""IMDB movie-review sentiment (``keras.datasets.imdb``)."""
from __future__ import annotations

import json

import numpy as np

from fkeras.datasets._utils import (
    encode_sequences,
    limit_vocabulary,
    load_npz,
    object_array,
    remove_long_seq,
    require_keys,
)
from fkeras.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """Load the IMDB dataset: 25,000 train and 25,000 test reviews as lists of word indices.

    Words are indexed by overall frequency (index ``i + index_from`` is the i-th most frequent word);
    ``0`` is padding, ``start_char`` marks the start, ``oov_char`` replaces words cut by ``num_words``
    or ``skip_top``.

    Args:
        path: file name in the cache (``~/.fkeras/datasets``).
        num_words: keep only the ``num_words`` most frequent words (others become ``oov_char``).
        skip_top: also replace the ``skip_top`` most frequent words.
        maxlen: drop sequences of length ``>= maxlen``.
        seed: shuffling seed.
        start_char: the index that starts every sequence (default 1).
        oov_char: the index that replaces the words cut by ``num_words`` or ``skip_top``
            (default 2).
        index_from: the offset added to every word index (default 3: 0, 1 and 2 are padding,
            start and out-of-vocabulary).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` are 1-D object arrays of Python lists of ints,
        ``y`` integer arrays of 0/1 labels.

    Example:

    ```python
    (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
    ```
    """
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    path = get_file(fname=path, origin=ORIGIN_FOLDER + "imdb.npz", file_hash=FILE_HASH)
    f = load_npz(path)
    require_keys(f, ("x_train", "y_train", "x_test", "y_test"), path)
    x_train, labels_train, x_test, labels_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]

    rng = np.random.RandomState(seed)
    idx = np.arange(len(x_train))
    rng.shuffle(idx)
    x_train, labels_train = x_train[idx], labels_train[idx]
    idx = np.arange(len(x_test))
    rng.shuffle(idx)
    x_test, labels_test = x_test[idx], labels_test[idx]

    x_train = encode_sequences(x_train, start_char, index_from)
    x_test = encode_sequences(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long_seq(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_seq(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was "
                             "kept. Increase maxlen.")
    xs = limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    n = len(x_train)
    return (object_array(xs[:n]), labels[:n]), (object_array(xs[n:]), labels[n:])


def get_word_index(path="imdb_word_index.json"):
    """The ``{word: index}`` dict of the IMDB dataset (add ``index_from`` to match ``load_data``).

    Args:
        path: The file name in the cache (``~/.fkeras/datasets``). Defaults to ``"imdb_word_index.json"``.
    """
    path = get_file(fname=path, origin=ORIGIN_FOLDER + "imdb_word_index.json", file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
