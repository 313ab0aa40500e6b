"""MNIST handwritten digits (``keras.datasets.mnist``)."""
from __future__ import annotations

import numpy as np

from fkeras.datasets._utils import require_keys
from fkeras.utils.file_utils import get_file

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """Load MNIST: 60,000 train and 10,000 test 28x28 grayscale digit images.

    Args:
        path: file name in the cache (``~/.fkeras/datasets`` or ``$FKERAS_HOME/datasets``).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` arrays of shapes ``(60000, 28, 28)``,
        ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``; pixels 0-255, labels 0-9.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28)
    ```
    """
    path = get_file(fname=path, origin=ORIGIN_FOLDER + "mnist.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        require_keys(f, ("x_train", "y_train", "x_test", "y_test"), path)
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
