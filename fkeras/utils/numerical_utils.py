"""``to_categorical`` and ``normalize``."""
from __future__ import annotations

import numpy as np


def to_categorical(x, num_classes=None):
    """Convert integer class labels to a one-hot float32 matrix: ``out[i, x[i]] = 1``.

    A trailing axis of size 1 in the labels is dropped, so ``(n, 1)`` labels give
    ``(n, num_classes)``.

    Args:
        x: Array-like of non-negative integer class labels (floats holding whole numbers are
            accepted).
        num_classes: Total number of classes; ``None`` (default) uses ``max(x) + 1``.

    Returns:
        A float32 numpy array of shape ``x.shape + (num_classes,)``.

    Raises:
        ValueError: If a label is negative, not a whole number, or ``>= num_classes``.

    Example:

    >>> keras.utils.to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
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
    """Scale ``x`` to unit norm along ``axis``: ``x / norm(x, ord=order, axis=axis)``.

    Slices whose norm is 0 are left unchanged.

    Args:
        x: Array to normalise.
        axis: Axis along which the norm is taken. Defaults to ``-1``.
        order: Order of the norm (``2`` for L2, the default; ``1`` for L1; ...).

    Returns:
        An array of the shape of ``x``.

    Example:

    >>> keras.utils.normalize(np.array([[3.0, 4.0]]))   # [[0.6, 0.8]]
    """
    x = np.asarray(x, dtype=np.float32) if not hasattr(x, "dtype") else x
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
