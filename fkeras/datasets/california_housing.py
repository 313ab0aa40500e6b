"""California housing prices (``keras.datasets.california_housing``)."""
from __future__ import annotations

import numpy as np

from fkeras.datasets._utils import require_keys
from fkeras.datasets.boston_housing import split_shuffled
from fkeras.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Load the California housing regression data (20,640 samples, 8 features; targets in $).

    Args:
        version: ``"large"`` (all 20,640 samples) or ``"small"`` (the first 600).
        path: file name in the cache.
        test_split: fraction kept for testing.
        seed: shuffling seed.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float arrays ``(n, 8)`` and ``(n,)``.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be in [0, 1).")
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version!r}")
    path = get_file(path, origin=ORIGIN_FOLDER + "california_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        require_keys(f, ("x", "y"), path)
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return split_shuffled(x, y, test_split, seed)
