"""Boston housing prices (``keras.datasets.boston_housing``)."""
from __future__ import annotations

import numpy as np

from fkeras.datasets._utils import require_keys
from fkeras.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def split_shuffled(x, y, test_split, seed):
    rng = np.random.RandomState(seed)
    idx = np.arange(len(x))
    rng.shuffle(idx)
    x, y = x[idx], y[idx]
    n = int(len(x) * (1 - test_split))
    return (np.array(x[:n]), np.array(y[:n])), (np.array(x[n:]), np.array(y[n:]))


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Load the Boston housing regression data (506 samples, 13 features; targets in k$).

    This dataset has an ethical problem (the "B" variable); prefer ``california_housing``.

    Args:
        path: The file name in the cache (``~/.fkeras/datasets``). Defaults to ``"boston_housing.npz"``.
        test_split: The fraction of the samples kept for testing, in ``[0, 1)``. Defaults to 0.2.
        seed: The seed of the shuffle done before the split. Defaults to 113.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float arrays ``(n, 13)`` and ``(n,)``.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"`test_split` must be in [0, 1). Received: test_split={test_split}")
    path = get_file(path, origin=ORIGIN_FOLDER + "boston_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        require_keys(f, ("x", "y"), path)
        x, y = f["x"], f["y"]
    return split_shuffled(x, y, test_split, seed)
