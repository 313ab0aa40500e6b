"""Accuracy metrics: functions returning per-sample matches and their ``Mean`` wrappers."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.backend.config import floatx
from fkeras.losses.loss import squeeze_or_expand_to_same_rank
from fkeras.metrics.reduction_metrics import MeanMetricWrapper, _arr


def accuracy(y_true, y_pred):
    """How often ``y_pred`` equals ``y_true`` (mean over the last axis)."""
    y_pred = _arr(y_pred)
    y_true = _arr(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.equal(y_true, y_pred).astype(floatx()), axis=-1)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """How often ``y_pred > threshold`` matches binary ``y_true`` (mean over the last axis).

    Example:

    >>> keras.metrics.binary_accuracy([[1], [0]], [[0.8], [0.6]])   # [1., 0.]
    """
    y_true, y_pred = _arr(y_true), _arr(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    threshold = jnp.asarray(threshold, dtype=y_pred.dtype)
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return jnp.mean(jnp.equal(y_true, y_pred).astype(floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """Whether ``argmax(y_pred) == argmax(y_true)`` per sample (one-hot labels)."""
    y_true = jnp.argmax(_arr(y_true), axis=-1)
    y_pred = _arr(y_pred)
    reshape_matches = False
    y_true_org_shape = y_true.shape
    if y_true.ndim == y_pred.ndim:
        y_true = jnp.squeeze(y_true, -1)
        reshape_matches = True
    y_pred = jnp.argmax(y_pred, axis=-1)
    if y_pred.dtype != y_true.dtype:
        y_pred = y_pred.astype(y_true.dtype)
    matches = jnp.equal(y_true, y_pred).astype(floatx())
    if reshape_matches:
        matches = jnp.reshape(matches, y_true_org_shape)
    return matches


def sparse_categorical_accuracy(y_true, y_pred):
    """Whether ``argmax(y_pred) == y_true`` per sample (integer labels, shape ``(B,)`` or ``(B, 1)``).

    Example:

    >>> keras.metrics.sparse_categorical_accuracy([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    Array([0., 1.], dtype=float32)
    """
    y_pred = _arr(y_pred)
    y_true = _arr(y_true)
    reshape_matches = False
    y_true_org_shape = y_true.shape
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
        reshape_matches = True
    y_pred = jnp.argmax(y_pred, axis=-1)
    if y_pred.dtype != y_true.dtype:
        y_pred = y_pred.astype(y_true.dtype)
    matches = jnp.equal(y_true, y_pred).astype(floatx())
    if reshape_matches:
        matches = jnp.reshape(matches, y_true_org_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = jnp.squeeze(matches, -1)
    return matches


def _in_top_k(targets, predictions, k):
    """Row-wise: is ``predictions[targets]`` among the ``k`` largest (ties count as in)."""
    k = min(int(k), predictions.shape[-1])
    target_vals = jnp.take_along_axis(predictions, targets[:, None], axis=-1)[:, 0]
    kth = jax.lax.top_k(predictions, k)[0][:, -1]
    return target_vals >= kth


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Whether the one-hot target is among the top ``k`` predictions, per sample."""
    y_pred = _arr(y_pred)
    y_true = jnp.argmax(_arr(y_true), axis=-1)
    y_true_org_shape = y_true.shape
    reshape_matches = False
    if y_pred.ndim > 2:
        y_pred = jnp.reshape(y_pred, (-1, y_pred.shape[-1]))
    if y_true.ndim > 1:
        reshape_matches = True
        y_true = jnp.reshape(y_true, (-1,))
    matches = _in_top_k(y_true.astype("int32"), y_pred, k).astype(floatx())
    if reshape_matches:
        matches = jnp.reshape(matches, y_true_org_shape)
    return matches


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """Whether the integer target is among the top ``k`` predictions, per sample.

    With ``from_sorted_ids=True``, ``y_pred`` holds the ids of the top ``N >= k`` classes,
    best first, instead of scores.
    """
    y_pred = _arr(y_pred)
    y_true = _arr(y_true)
    y_true_org_shape = y_true.shape
    reshape_matches = False
    if y_pred.ndim > 2:
        y_pred = jnp.reshape(y_pred, (-1, y_pred.shape[-1]))
    if y_true.ndim > 1:
        reshape_matches = True
        y_true = jnp.reshape(y_true, (-1,))
    if from_sorted_ids:
        top = y_pred[:, :k]
        matches = jnp.any(top == y_true.astype(top.dtype)[:, None], axis=-1).astype(floatx())
    else:
        matches = _in_top_k(y_true.astype("int32"), y_pred, k).astype(floatx())
    if reshape_matches:
        matches = jnp.reshape(matches, y_true_org_shape)
    return matches


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels.

    Example:

    >>> m = keras.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    _rank1_as_samples = True

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches binary labels.

    Example:

    >>> m = keras.metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    _rank1_as_samples = True

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and (threshold <= 0 or threshold >= 1):
            raise ValueError(
                "Invalid value for argument `threshold`. Expected a value in interval (0, 1). "
                f"Received: threshold={threshold}"
            )
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches one-hot labels.

    Example:

    >>> m = keras.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often ``argmax(y_pred)`` matches integer labels.

    Example:

    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target is in the top ``k`` predictions.

    Example:

    >>> m = keras.metrics.TopKCategoricalAccuracy(k=1)
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer target is in the top ``k`` predictions.

    Example:

    >>> m = keras.metrics.SparseTopKCategoricalAccuracy(k=1)
    >>> m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
