"""Reuters newswire topics (``keras.datasets.reuters``)."""
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
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Load the Reuters dataset: 11,228 newswires over 46 topics, as lists of word indices.

    Same encoding arguments as ``imdb.load_data``; ``test_split`` is the fraction kept for testing.

    Args:
        path: The file name in the cache (``~/.fkeras/datasets``). Defaults to ``"reuters.npz"``.
        num_words: Keep only the ``num_words`` most frequent words (the others become ``oov_char``); ``None`` (the
            default) keeps every word.
        skip_top: Also replace the ``skip_top`` most frequent words by ``oov_char``. Defaults to 0.
        maxlen: Drop the newswires of length ``>= maxlen``; ``None`` (the default) keeps all.
        test_split: The fraction of the newswires kept for testing, in ``[0, 1)``. Defaults to 0.2.
        seed: The seed of the shuffle done before the split. Defaults to 113.
        start_char: The index that starts every sequence. Defaults to 1.
        oov_char: The index that replaces the words cut by ``num_words`` or ``skip_top``. Defaults to 2.
        index_from: The offset added to every word index. Defaults to 3.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: 1-D object arrays of lists of ints and integer
        topic labels.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split}")
    path = get_file(fname=path, origin=ORIGIN_FOLDER + "reuters.npz", file_hash=FILE_HASH)
    f = load_npz(path)
    require_keys(f, ("x", "y"), path)
    xs, labels = f["x"], f["y"]
    rng = np.random.RandomState(seed)
    idx = np.arange(len(xs))
    rng.shuffle(idx)
    xs, labels = xs[idx], labels[idx]
    xs = encode_sequences(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_seq(maxlen, xs, labels)
    xs = limit_vocabulary(xs, num_words, skip_top, oov_char)
    labels = np.asarray(labels)
    n = int(len(xs) * (1 - test_split))
    return (object_array(xs[:n]), np.array(labels[:n])), (object_array(xs[n:]), np.array(labels[n:]))


def get_word_index(path="reuters_word_index.json"):
    """The ``{word: index}`` dict of the Reuters dataset (indices in the data are offset by 3).

    Args:
        path: The file name in the cache (``~/.fkeras/datasets``). Defaults to ``"reuters_word_index.json"``.
    """
    path = get_file(path, origin=ORIGIN_FOLDER + "reuters_word_index.json", file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed like the labels."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
            "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi",
            "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal",
            "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc",
            "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead")
