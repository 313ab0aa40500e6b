"""Confusion-matrix accumulation shared by Precision, Recall, AUC and friends (Keras 3 rules).

For every (label, prediction) pair and every threshold ``t``:

- true positive:  ``label and pred > t``      - false negative: ``label and pred <= t``
- false positive: ``not label and pred > t``  - true negative:  ``not label and pred <= t``

each counted with its weight (``sample_weight`` broadcast to ``y_pred``, times
``label_weights``). Evenly spaced thresholds (AUC's grid) use Keras's bucketed O(T + N)
algorithm, which agrees with the direct comparison.
"""
from __future__ import annotations

import enum

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend.config import epsilon
from fkeras.losses.loss import squeeze_or_expand_to_same_rank
from fkeras.metrics.reduction_metrics import _arr

NEG_INF = -1e10


class ConfusionMatrix(enum.Enum):
    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


class AUCCurve(enum.Enum):
    """Type of AUC curve (ROC or PR)."""

    ROC = "ROC"
    PR = "PR"

    @staticmethod
    def from_str(key):
        if key in ("pr", "PR"):
            return AUCCurve.PR
        if key in ("roc", "ROC"):
            return AUCCurve.ROC
        raise ValueError(f'Invalid AUC curve value: "{key}". Expected values are ["PR", "ROC"]')


class AUCSummationMethod(enum.Enum):
    """Riemann summation method: 'interpolation', 'majoring' or 'minoring'."""

    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        if key in ("interpolation", "Interpolation"):
            return AUCSummationMethod.INTERPOLATION
        if key in ("majoring", "Majoring"):
            return AUCSummationMethod.MAJORING
        if key in ("minoring", "Minoring"):
            return AUCSummationMethod.MINORING
        raise ValueError(
            f'Invalid AUC summation method value: "{key}". '
            'Expected values are ["interpolation", "majoring", "minoring"]'
        )


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist() if x.ndim else [x.item()]
    return [x]


def assert_thresholds_range(thresholds):
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")


def parse_init_thresholds(thresholds, default_threshold=0.5):
    if thresholds is not None:
        assert_thresholds_range(_to_list(thresholds))
    return _to_list(default_threshold if thresholds is None else thresholds)


def is_evenly_distributed_thresholds(thresholds):
    """Whether ``thresholds`` is ``[0, 1/(n-1), ..., 1]`` (n >= 3), enabling the bucketed path."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def _filter_top_k(x, k):
    """Keep the top-``k`` values of the last axis, set the others to ``NEG_INF``."""
    _, idx = jax.lax.top_k(x, k)
    mask = jnp.sum(jax.nn.one_hot(idx, x.shape[-1], dtype=x.dtype), axis=-2)
    return x * mask + NEG_INF * (1 - mask)


def _optimized_counts(y_true, y_pred, thresholds, multi_label, sample_weights, label_weights,
                      thresholds_with_epsilon):
    num_thresholds = thresholds.shape[0]
    if sample_weights is None:
        sample_weights = 1.0
    else:
        sample_weights = jnp.broadcast_to(sample_weights.astype(y_pred.dtype), y_pred.shape)
        if not multi_label:
            sample_weights = jnp.reshape(sample_weights, (-1,))
    if label_weights is None:
        label_weights = 1.0
    else:
        label_weights = jnp.broadcast_to(jnp.expand_dims(label_weights, 0), y_pred.shape)
        if not multi_label:
            label_weights = jnp.reshape(label_weights, (-1,))
    weights = jnp.asarray(sample_weights * label_weights, dtype=y_true.dtype)

    y_pred = jnp.clip(y_pred, 0.0, 1.0)
    y_true = y_true.astype(bool).astype(y_true.dtype)
    if not multi_label:
        y_true = jnp.reshape(y_true, (-1,))
        y_pred = jnp.reshape(y_pred, (-1,))
    weights = jnp.broadcast_to(weights, y_true.shape)
    # Weight-0 entries (padded rows) add exactly nothing, whatever their labels hold.
    true_labels = jnp.where(weights != 0, y_true * weights, 0.0)
    false_labels = jnp.where(weights != 0, (1.0 - y_true) * weights, 0.0)

    # A prediction p lands in bucket ceil(p * (T - 1)) - 1: it is > thresholds[i] for all
    # i <= bucket. Predictions exactly at 0 fall below the first threshold unless the grid
    # starts at -epsilon.
    bucket = jnp.ceil(y_pred * (num_thresholds - 1)) - 1
    if thresholds_with_epsilon:
        bucket = jax.nn.relu(bucket)
    bucket = bucket.astype("int32")

    def counts(labels, idx):
        b = jax.ops.segment_sum(labels, idx, num_segments=num_thresholds)
        return jnp.flip(jnp.cumsum(jnp.flip(b)))

    if multi_label:
        tp = jax.vmap(counts, in_axes=(1, 1), out_axes=1)(true_labels, bucket)
        fp = jax.vmap(counts, in_axes=(1, 1), out_axes=1)(false_labels, bucket)
        total_true = jnp.sum(true_labels, axis=0)
        total_false = jnp.sum(false_labels, axis=0)
    else:
        tp = counts(true_labels, bucket)
        fp = counts(false_labels, bucket)
        total_true = jnp.sum(true_labels)
        total_false = jnp.sum(false_labels)

    return {"tp": tp, "fp": fp, "tn": total_false - fp, "fn": total_true - tp}


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, multi_label=False,
                                      label_weights=None, thresholds_distributed_evenly=False):
    """Accumulate weighted TP/FP/TN/FN counts per threshold into the given variables.

    ``variables_to_update`` maps ``ConfusionMatrix`` members to Variable handles of shape
    ``(num_thresholds,)`` (or ``(num_thresholds, num_labels)`` with ``multi_label``).
    ``sample_weight`` broadcasts to ``y_true`` (a ``(batch,)`` vector weights whole rows).
    """
    if multi_label and label_weights is not None:
        raise ValueError("`label_weights` for multilabel data should be handled outside of "
                         "`update_confusion_matrix_variables` when `multi_label` is True.")
    if variables_to_update is None:
        return
    invalid = [k for k in variables_to_update if not isinstance(k, ConfusionMatrix)]
    if invalid or not variables_to_update:
        raise ValueError(f"Invalid keys: {invalid}. Valid variable key options are: "
                         f"{list(ConfusionMatrix)}")
    dtype = str(jnp.dtype(list(variables_to_update.values())[0].dtype))
    y_pred = _arr(y_pred)
    if class_id is not None and y_pred.ndim == 1:
        raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                         f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}")
    increments = _jit_confusion_increments(
        _arr(y_true), y_pred, None if sample_weight is None else _arr(sample_weight),
        None if label_weights is None else _arr(label_weights),
        keys=tuple(sorted(k.value for k in variables_to_update)),
        thresholds=tuple(float(t) for t in _to_list(thresholds)), top_k=top_k,
        class_id=class_id, multi_label=bool(multi_label),
        evenly=bool(thresholds_distributed_evenly), dtype=dtype)
    for key, var in variables_to_update.items():
        var.assign(var.value + increments[key.value].astype(var.value.dtype))


def _confusion_increments(y_true, y_pred, sample_weight, label_weights, keys, thresholds, top_k,
                          class_id, multi_label, evenly, dtype):
    """Per-threshold weighted counts for the requested ``keys`` ("tp", "fp", "tn", "fn")."""
    y_true = y_true.astype(dtype)
    y_pred = y_pred.astype(dtype)
    thresholds_with_epsilon = evenly and (thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    thresholds = jnp.asarray(np.asarray(thresholds, dtype=np.float64), dtype=dtype)

    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = jnp.expand_dims(sample_weight.astype(dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if label_weights is not None:
        label_weights = label_weights.astype(dtype)

    if evenly:
        counts = _optimized_counts(y_true, y_pred, thresholds, multi_label=multi_label,
                                   sample_weights=sample_weight, label_weights=label_weights,
                                   thresholds_with_epsilon=thresholds_with_epsilon)
        return {k: counts[k] for k in keys}

    # Direct comparison against every threshold: (T, N) or, multi-label, (T, B, L).
    if sample_weight is not None:
        weights = jnp.broadcast_to(sample_weight, y_pred.shape)
    else:
        weights = None
    if label_weights is not None and not multi_label:
        lw = jnp.broadcast_to(jnp.expand_dims(label_weights, 0), y_pred.shape)
        weights = lw if weights is None else weights * lw
    if not multi_label:
        y_pred = jnp.reshape(y_pred, (-1,))
        y_true = jnp.reshape(y_true, (-1,))
        if weights is not None:
            weights = jnp.reshape(weights, (-1,))
    label_is_pos = y_true.astype(bool)[None]
    pred_is_pos = y_pred[None] > jnp.reshape(thresholds, (-1,) + (1,) * y_pred.ndim)

    def weighted_count(label, pred):
        hit = jnp.logical_and(label, pred).astype(dtype)
        if weights is not None:
            # weight-0 entries (padded rows) add exactly nothing
            hit = jnp.where(weights[None] != 0, hit * weights[None], 0.0)
        return jnp.sum(hit, axis=1)

    conds = {"tp": (label_is_pos, pred_is_pos), "fn": (label_is_pos, ~pred_is_pos),
             "fp": (~label_is_pos, pred_is_pos), "tn": (~label_is_pos, ~pred_is_pos)}
    return {k: weighted_count(*conds[k]) for k in keys}


_jit_confusion_increments = jax.jit(
    _confusion_increments,
    static_argnames=("keys", "thresholds", "top_k", "class_id", "multi_label", "evenly", "dtype"))
