"""Accuracy metrics: functions returning per-sample matches and their ``Mean`` wrappers."""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.backend.config import floatx
from fkeras.losses.loss import squeeze_or_expand_to_same_rank
from fkeras.metrics.reduction_metrics import MeanMetricWrapper, _arr


def accuracy(y_true, y_pred):
    """Exact-match accuracy per sample: ``mean(y_true == y_pred, axis=-1)``.

    Args:
        y_true: Ground-truth labels, shape ``(batch, ..., d)``.
        y_pred: Predicted labels, same shape as ``y_true`` (or one size-1 axis more or less).

    Returns:
        A float array of shape ``(batch, ...)``: the fraction of exact matches along the last axis.

    Example:

    >>> keras.metrics.accuracy([[1, 2]], [[1, 3]])   # [0.5]
    """
    y_pred = _arr(y_pred)
    y_true = _arr(y_true).astype(y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return jnp.mean(jnp.equal(y_true, y_pred).astype(floatx()), axis=-1)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Binary accuracy per sample: ``mean(y_true == (y_pred > threshold), axis=-1)``.

    Args:
        y_true: Binary (0/1) labels, shape ``(batch, ..., d)``.
        y_pred: Predicted probabilities (or scores), same shape as ``y_true``.
        threshold: A prediction above it counts as class 1. Defaults to ``0.5``.

    Returns:
        A float array of shape ``(batch, ...)``.

    Example:

    >>> keras.metrics.binary_accuracy([[1], [0]], [[0.8], [0.6]])   # [1., 0.]
    """
    y_true, y_pred = _arr(y_true), _arr(y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    threshold = jnp.asarray(threshold, dtype=y_pred.dtype)
    y_pred = (y_pred > threshold).astype(y_true.dtype)
    return jnp.mean(jnp.equal(y_true, y_pred).astype(floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """Categorical accuracy per sample: ``argmax(y_true, -1) == argmax(y_pred, -1)`` as 0/1 floats.

    Args:
        y_true: One-hot labels, shape ``(batch, ..., num_classes)``.
        y_pred: Predicted class scores or probabilities, same shape as ``y_true``.

    Returns:
        A float array of shape ``(batch, ...)`` with 1 where the top class matches.

    Example:

    >>> keras.metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    ... # [0., 1.]
    """
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
    """Sparse categorical accuracy per sample: ``y_true == argmax(y_pred, -1)`` as 0/1 floats.

    Args:
        y_true: Integer class labels, shape ``(batch,)`` or ``(batch, 1)`` (more generally
            ``y_pred.shape`` without the class axis).
        y_pred: Predicted class scores or probabilities, shape ``(batch, ..., num_classes)``.

    Returns:
        A float array of shape ``(batch, ...)`` with 1 where the top class is the label.

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
    """Top-k accuracy per sample for one-hot labels: ``y_pred[argmax(y_true)] >= k-th largest(y_pred)``.

    Ties at the ``k``-th score count as hits.

    Args:
        y_true: One-hot labels, shape ``(batch, ..., num_classes)``.
        y_pred: Predicted class scores, same shape as ``y_true``.
        k: How many of the highest-scored classes count as a hit. Defaults to ``5``.

    Returns:
        A float array of shape ``(batch, ...)`` with 1 where the true class is in the top ``k``.

    Example:

    >>> keras.metrics.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]],
    ...                                          [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)  # [0., 1.]
    """
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
    """Top-k accuracy per sample for integer labels: ``y_pred[y_true] >= k-th largest(y_pred)``.

    With ``from_sorted_ids=True``, ``y_pred`` holds the ids of the top ``N >= k`` classes, best
    first, instead of scores, and a hit means ``y_true`` is among its first ``k`` entries.

    Args:
        y_true: Integer class labels, shape ``(batch,)`` (or ``(batch, 1)``).
        y_pred: Predicted class scores of shape ``(batch, num_classes)``, or sorted class ids of
            shape ``(batch, N)`` with ``from_sorted_ids=True``.
        k: How many of the highest-scored classes count as a hit. Defaults to ``5``.
        from_sorted_ids: Whether ``y_pred`` holds sorted class ids rather than scores. Defaults to
            ``False``.

    Returns:
        A float array of shape ``(batch,)`` with 1 where the label is in the top ``k``.

    Example:

    >>> keras.metrics.sparse_top_k_categorical_accuracy([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], k=1)
    ... # [0., 1.]
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
    """Exact-match accuracy: the (weighted) mean of ``y_true == y_pred`` over all samples.

    Tracks ``total`` and ``count``; ``result()`` is ``total / count``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"accuracy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

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
    """Binary accuracy: the (weighted) mean of ``y_true == (y_pred > threshold)``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"binary_accuracy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        threshold: Float in ``(0, 1)``; predictions above it count as class 1. Defaults to ``0.5``.

    Raises:
        ValueError: If ``threshold`` is not in ``(0, 1)``.

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
    """Categorical accuracy: the (weighted) mean of ``argmax(y_true, -1) == argmax(y_pred, -1)``.

    For one-hot labels; use ``SparseCategoricalAccuracy`` for integer labels.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"categorical_accuracy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

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
    """Sparse categorical accuracy: the (weighted) mean of ``y_true == argmax(y_pred, -1)``.

    ``y_true`` holds integer labels of shape ``(batch,)`` or ``(batch, 1)``; ``y_pred`` scores of
    shape ``(batch, num_classes)``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"sparse_categorical_accuracy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

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
    """Top-k categorical accuracy: the (weighted) mean of ``argmax(y_true) in top_k(y_pred, k)``.

    For one-hot labels; ties at the ``k``-th score count as hits.

    Args:
        k: How many of the highest-scored classes count as a hit. Defaults to ``5``.
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"top_k_categorical_accuracy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

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
    """Sparse top-k categorical accuracy: the (weighted) mean of ``y_true in top_k(y_pred, k)``.

    For integer labels. With ``from_sorted_ids=True``, ``y_pred`` holds the ids of the best
    ``N >= k`` classes, best first, instead of scores.

    Args:
        k: How many of the highest-scored classes count as a hit. Defaults to ``5``.
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"sparse_top_k_categorical_accuracy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        from_sorted_ids: Whether ``y_pred`` holds sorted class ids rather than scores. Defaults to
            ``False``.

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
