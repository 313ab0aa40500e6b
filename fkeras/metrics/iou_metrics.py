"""Intersection-over-union metrics: ``IoU``, ``MeanIoU``, ``BinaryIoU``, ``OneHotIoU``, ``OneHotMeanIoU``.

All five accumulate one ``(num_classes, num_classes)`` confusion matrix (rows: true class,
columns: predicted class) in the state variable ``total_confusion_matrix``, as Keras 3 does,
and compute per-class ``tp / (tp + fp + fn)`` from it in ``result``.

Where fkeras differs from Keras 3 on purpose:

- ``dtype=None`` gives a ``float32`` confusion matrix (Keras 3 uses ``int32``). With an integer
  matrix, fractional ``sample_weight`` values are truncated towards zero -- Keras 3's own
  docstring examples with weights such as ``0.3`` then return 0. A float matrix counts them as
  documented (and as tf.keras 2 did); integer and 0/1 weights give identical results.
  ``dtype="int32"`` (what a Keras 3 config carries) keeps Keras 3's behaviour, warning included.
- A ``sample_weight`` of lower rank than the labels is broadcast over the trailing axes
  (shape ``(batch,)`` weights every pixel of a segmentation map), so the trainer's per-row
  weights and padding masks work with image-shaped labels.
"""
from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend.config import epsilon
from fkeras.metrics.metric import Metric
from fkeras.metrics.reduction_metrics import _arr


def _standardize_iou_dtype(dtype):
    if dtype is None:
        return None  # Metric turns it into floatx
    if isinstance(dtype, str) and dtype in ("int", "uint"):
        return dtype + "32"
    return dtype


def _is_int_dtype(dtype):
    return jnp.issubdtype(jnp.dtype(dtype), jnp.integer)


def _broadcast_weight(sample_weight, label_shape):
    """Flatten ``sample_weight`` to one weight per label (``label_shape`` before flattening)."""
    sw = sample_weight
    n = int(np.prod(label_shape)) if label_shape else 1
    if sw.ndim == 0:
        return jnp.broadcast_to(sw, (n,))
    if sw.size == n:
        return sw.reshape(-1)
    # Lower-rank weights (e.g. one per sample) cover the trailing label axes.
    while sw.ndim > len(label_shape) and sw.shape[-1] == 1:
        sw = sw.reshape(sw.shape[:-1])
    if sw.ndim < len(label_shape):
        sw = sw.reshape(sw.shape + (1,) * (len(label_shape) - sw.ndim))
    try:
        sw = jnp.broadcast_to(sw, label_shape)
    except ValueError:
        raise ValueError(
            f"`sample_weight` of shape {tuple(sample_weight.shape)} cannot be broadcast to the labels of "
            f"shape {tuple(label_shape)}. Pass one weight per sample, per label, or a scalar."
        ) from None
    return sw.reshape(-1)


@functools.partial(jax.jit, static_argnames=("num_classes", "ignore_class", "sparse_y_true",
                                             "sparse_y_pred", "axis", "threshold", "dtype"))
def _confusion_matrix_increment(y_true, y_pred, sample_weight, num_classes, ignore_class,
                                sparse_y_true, sparse_y_pred, axis, threshold, dtype):
    """The (weighted) confusion matrix of one batch, ``(num_classes, num_classes)`` of ``dtype``."""
    if threshold is not None:
        y_pred = (y_pred.astype("float32") >= threshold).astype("int32")
    if not sparse_y_true:
        y_true = jnp.argmax(y_true, axis=axis)
    if not sparse_y_pred:
        y_pred = jnp.argmax(y_pred, axis=axis)
    label_shape = y_true.shape
    # Labels become integer class ids (floats truncate towards zero, as a cast to int does).
    y_true = y_true.reshape(-1)
    y_pred = y_pred.reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"IoU metrics need as many predicted labels as true labels. Received {y_true.shape[0]} "
            f"true labels and {y_pred.shape[0]} predicted labels."
        )
    valid = jnp.ones(y_true.shape, bool)
    for y in (y_true, y_pred):
        if jnp.issubdtype(y.dtype, jnp.floating):
            valid = valid & jnp.isfinite(y)
    y_true = jnp.where(valid, y_true, 0).astype("int32")
    y_pred = jnp.where(valid, y_pred, 0).astype("int32")
    valid = valid & (y_true >= 0) & (y_true < num_classes) & (y_pred >= 0) & (y_pred < num_classes)
    if ignore_class is not None:
        valid = valid & (y_true != ignore_class)
    if sample_weight is None:
        weight = jnp.ones(y_true.shape, dtype)
    else:
        weight = _broadcast_weight(sample_weight, label_shape).astype(dtype)
    weight = jnp.where(valid & (weight != 0), weight, jnp.zeros((), dtype))
    index = jnp.where(valid, y_true * num_classes + y_pred, 0)
    cm = jnp.zeros((num_classes * num_classes,), dtype).at[index].add(weight)
    return cm.reshape(num_classes, num_classes)


class _IoUBase(Metric):
    """Accumulates the confusion matrix that every IoU metric is computed from.

    Args:
        num_classes: number of classes; the confusion matrix is ``num_classes x num_classes``.
        ignore_class: a class id (e.g. a "void" label such as 255 or -1) whose true labels
            are left out. Labels outside ``[0, num_classes)`` are always left out.
        sparse_y_true: ``True``: labels are class ids; ``False``: ``argmax`` over ``axis``.
        sparse_y_pred: ``True``: predictions are class ids; ``False``: ``argmax`` over ``axis``.
        axis: the class axis of dense labels / predictions.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=_standardize_iou_dtype(dtype))
        self._direction = "up"
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
                or num_classes < 1:
            raise ValueError(f"Argument `num_classes` must be a positive integer. "
                             f"Received: num_classes={num_classes!r}")
        self.num_classes = int(num_classes)
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.sparse_y_true = bool(sparse_y_true)
        self.sparse_y_pred = bool(sparse_y_pred)
        self.axis = axis
        self._threshold = None
        self.total_cm = self.add_variable(name="total_confusion_matrix",
                                          shape=(self.num_classes, self.num_classes),
                                          initializer="zeros", dtype=self.dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's (weighted) confusion matrix.

        ``sample_weight``: a scalar, one weight per label (same shape as ``y_true``), or one
        per sample (broadcast over the remaining axes). A weight of 0 masks a label.
        """
        if sample_weight is not None:
            sample_weight = _arr(sample_weight)
            if _is_int_dtype(self.dtype) and jnp.issubdtype(sample_weight.dtype, jnp.floating):
                warnings.warn(
                    f"{self.__class__.__name__} {self.name!r}: `sample_weight` is float but the "
                    f"confusion matrix has dtype {self.dtype}, so weights are truncated to integers. "
                    "Use integer weights, or a float `dtype` (the default).", stacklevel=2)
        cm = _confusion_matrix_increment(
            _arr(y_true), _arr(y_pred), sample_weight, num_classes=self.num_classes,
            ignore_class=self.ignore_class, sparse_y_true=self.sparse_y_true,
            sparse_y_pred=self.sparse_y_pred, axis=self.axis, threshold=self._threshold,
            dtype=self.dtype)
        self.total_cm.assign(self.total_cm.value + cm)

    def reset_state(self):
        self.total_cm.assign(jnp.zeros(self.total_cm.shape, dtype=self.dtype))


class IoU(_IoUBase):
    """Intersection-over-union: ``result = mean(tp / (tp + fp + fn))`` over the ``target_class_ids``.

    Per class, ``iou = tp / (tp + fp + fn)`` is read from a confusion matrix accumulated over every
    batch (weighted by ``sample_weight``; a weight of 0 masks a label). Classes that never occur in
    labels or predictions are left out of the average.

    Args:
        num_classes: Number of classes; the confusion matrix has shape
            ``(num_classes, num_classes)``.
        target_class_ids: A list or tuple of class ids whose IoUs are averaged (a single id gives
            that class's IoU).
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"io_u"``, ...).
        dtype: Dtype of the confusion matrix and the result. ``None`` (default) uses ``float32``, so
            fractional sample weights count exactly; an integer dtype such as ``"int32"`` (Keras 3's
            default) truncates them.
        ignore_class: Optional class id (e.g. a "void" label such as 255 or -1) whose true labels
            are left out of the confusion matrix. ``None`` (default) keeps every label.
        sparse_y_true: Whether labels are integer class ids (``True``, default) or scores/one-hot
            vectors turned into ids with ``argmax`` over ``axis`` (``False``).
        sparse_y_pred: Whether predictions are integer class ids (``True``) or scores turned into
            ids with ``argmax`` over ``axis`` (``False``). Defaults to ``True``.
        axis: The class axis of dense labels or predictions. Defaults to ``-1``.

    Raises:
        ValueError: If ``target_class_ids`` is empty or holds an id outside ``[0, num_classes)``.

    Example:

    >>> m = keras.metrics.IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> float(m.result())   # cm = [[1, 1], [1, 1]]: class 0 -> 1 / (2 + 2 - 1)
    0.33333334
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        ids = [int(i) for i in target_class_ids]
        if not ids:
            raise ValueError("Argument `target_class_ids` must name at least one class. "
                             f"Received: target_class_ids={target_class_ids!r}")
        if max(ids) >= self.num_classes or min(ids) < 0:
            bad = max(ids) if max(ids) >= self.num_classes else min(ids)
            raise ValueError(f"Target class id {bad} is out of range, which is [0, {self.num_classes}).")
        self.target_class_ids = ids

    def result(self):
        cm = self.total_cm.value.astype("float32")
        true_positives = jnp.diagonal(cm)
        denominator = jnp.sum(cm, axis=0) + jnp.sum(cm, axis=1) - true_positives
        ids = np.asarray(self.target_class_ids, dtype="int32")
        true_positives, denominator = true_positives[ids], denominator[ids]
        valid = denominator > 1e-9
        iou = jnp.where(valid, true_positives / (denominator + epsilon()), 0.0)
        return jnp.sum(iou) / (jnp.sum(valid.astype("float32")) + epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": list(self.target_class_ids), "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of a binary task: ``result = mean(tp / (tp + fp + fn))`` over classes 0 and/or 1.

    Predictions ``>= threshold`` are class 1, the others class 0; labels are 0/1. Otherwise as
    ``IoU``.

    Args:
        target_class_ids: ``[0]``, ``[1]`` or ``[0, 1]``; the default ``(0, 1)`` averages the IoU of
            both classes.
        threshold: Decision threshold applied to ``y_pred``. Defaults to ``0.5``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"binary_io_u"``, ...).
        dtype: Dtype of the confusion matrix and the result. ``None`` (default) uses ``float32``, so
            fractional sample weights count exactly; an integer dtype such as ``"int32"`` (Keras 3's
            default) truncates them.

    Example:

    >>> m = keras.metrics.BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
    >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
    >>> float(m.result())
    0.33333334
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold
        self._threshold = float(threshold)

    def get_config(self):
        return {"target_class_ids": list(self.target_class_ids), "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """Mean intersection-over-union over all classes: ``result = mean(tp / (tp + fp + fn))``.

    Per class, ``iou = tp / (tp + fp + fn)`` is read from a confusion matrix accumulated over every
    batch (weighted by ``sample_weight``; a weight of 0 masks a label). Classes that never occur in
    labels or predictions are left out of the average.

    Args:
        num_classes: Number of classes; the confusion matrix has shape
            ``(num_classes, num_classes)``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"mean_io_u"``, ...).
        dtype: Dtype of the confusion matrix and the result. ``None`` (default) uses ``float32``, so
            fractional sample weights count exactly; an integer dtype such as ``"int32"`` (Keras 3's
            default) truncates them.
        ignore_class: Optional class id (e.g. a "void" label such as 255 or -1) whose true labels
            are left out of the confusion matrix. ``None`` (default) keeps every label.
        sparse_y_true: Whether labels are integer class ids (``True``, default) or scores/one-hot
            vectors turned into ids with ``argmax`` over ``axis`` (``False``).
        sparse_y_pred: Whether predictions are integer class ids (``True``) or scores turned into
            ids with ``argmax`` over ``axis`` (``False``). Defaults to ``True``.
        axis: The class axis of dense labels or predictions. Defaults to ``-1``.

    Example:

    >>> m = keras.metrics.MeanIoU(num_classes=2)
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> float(m.result())
    0.33333334
    >>> m.reset_state()
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[0.3, 0.3, 0.3, 0.1])
    >>> float(m.result())
    0.23809524
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=list(range(num_classes)),
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU for one-hot labels: ``result = mean(tp / (tp + fp + fn))`` over the ``target_class_ids``.

    Labels are one-hot and go through ``argmax`` over ``axis``; predictions too unless
    ``sparse_y_pred``. Otherwise as ``IoU``.

    Args:
        num_classes: Number of classes; the confusion matrix has shape
            ``(num_classes, num_classes)``.
        target_class_ids: A list or tuple of class ids whose IoUs are averaged (a single id gives
            that class's IoU).
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"one_hot_io_u"``, ...).
        dtype: Dtype of the confusion matrix and the result. ``None`` (default) uses ``float32``, so
            fractional sample weights count exactly; an integer dtype such as ``"int32"`` (Keras 3's
            default) truncates them.
        ignore_class: Optional class id (e.g. a "void" label such as 255 or -1) whose true labels
            are left out of the confusion matrix. ``None`` (default) keeps every label.
        sparse_y_pred: Whether predictions are integer class ids (``True``) or scores turned into
            ids with ``argmax`` over ``axis`` (``False``, default).
        axis: The class axis of dense labels or predictions. Defaults to ``-1``.

    Example:

    >>> y_true = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    >>> y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> m = keras.metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    >>> m.update_state(y_true, y_pred, sample_weight=[0.1, 0.2, 0.3, 0.4])
    >>> float(m.result())
    0.071428575
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids, name=name,
                         dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": list(self.target_class_ids),
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """Mean IoU for one-hot labels: ``result = mean(tp / (tp + fp + fn))`` over all classes.

    Labels are one-hot and go through ``argmax`` over ``axis``; predictions too unless
    ``sparse_y_pred``. Otherwise as ``MeanIoU``.

    Args:
        num_classes: Number of classes; the confusion matrix has shape
            ``(num_classes, num_classes)``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"one_hot_mean_io_u"``, ...).
        dtype: Dtype of the confusion matrix and the result. ``None`` (default) uses ``float32``, so
            fractional sample weights count exactly; an integer dtype such as ``"int32"`` (Keras 3's
            default) truncates them.
        ignore_class: Optional class id (e.g. a "void" label such as 255 or -1) whose true labels
            are left out of the confusion matrix. ``None`` (default) keeps every label.
        sparse_y_pred: Whether predictions are integer class ids (``True``) or scores turned into
            ids with ``argmax`` over ``axis`` (``False``, default).
        axis: The class axis of dense labels or predictions. Defaults to ``-1``.

    Example:

    >>> y_true = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    >>> y_pred = np.array([[0.2, 0.3, 0.5], [0.1, 0.2, 0.7], [0.5, 0.3, 0.1], [0.1, 0.4, 0.5]])
    >>> m = keras.metrics.OneHotMeanIoU(num_classes=3)
    >>> m.update_state(y_true, y_pred, sample_weight=[0.1, 0.2, 0.3, 0.4])
    >>> float(m.result())
    0.04761905
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes=num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
