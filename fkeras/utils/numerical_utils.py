"""``to_categorical`` and ``normalize``."""
from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes=None):
    """Integer class vector -> one-hot matrix (Keras's ``to_categorical``)."""
    x = np.asarray(x)
    if x.dtype.kind == "f" and not np.all(np.equal(np.mod(x, 1), 0)):
        raise ValueError("to_categorical expects integer class labels; received non-integer values.")
    x = x.astype("int64")
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical expects non-negative class labels; received {int(x.min())}.")
    if not num_classes:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and x.max() >= num_classes:
        raise ValueError(f"Class label {int(x.max())} is out of range for num_classes={num_classes}.")
    out = np.zeros((x.shape[0], num_classes), dtype="float32")
    out[np.arange(x.shape[0]), x] = 1
    return out.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis``."""
    x = np.asarray(x, dtype=np.float32) if not hasattr(x, "dtype") else x
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
