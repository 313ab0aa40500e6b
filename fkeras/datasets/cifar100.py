"""CIFAR-100 (``keras.datasets.cifar100``)."""
from __future__ import annotations

import os

import numpy as np

from fkeras.backend import config
from fkeras.datasets.cifar import load_batch
from fkeras.utils.file_utils import get_file

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Load CIFAR-100: 50,000 train and 10,000 test 32x32 colour images, 100 fine / 20 coarse classes.

    Args:
        label_mode: ``"fine"`` (100 classes) or ``"coarse"`` (20 super-classes).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``uint8`` images ``(50000, 32, 32, 3)`` /
        ``(10000, 32, 32, 3)``, integer labels of shapes ``(50000, 1)`` / ``(10000, 1)`` (int64, as
        Keras returns them).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of "fine", "coarse". Received: label_mode={label_mode!r}.')
    path = get_file(fname="cifar-100-python-target", origin=ORIGIN, extract=True, file_hash=FILE_HASH)
    path = os.path.join(path, "cifar-100-python")
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_mode + "_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_mode + "_labels")
    y_train = np.reshape(np.asarray(y_train, dtype="int64"), (-1, 1))
    y_test = np.reshape(np.asarray(y_test, dtype="int64"), (-1, 1))
    x_train = np.asarray(x_train, dtype="uint8")
    x_test = np.asarray(x_test, dtype="uint8")
    if config.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
