"""Confusion-matrix metrics: TP/FP/TN/FN counts, Precision, Recall, the "X at Y" family and AUC."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.backend.config import epsilon
from fkeras.metrics import metrics_utils
from fkeras.metrics.metric import Metric
from fkeras.metrics.metrics_utils import ConfusionMatrix
from fkeras.metrics.reduction_metrics import divide_no_nan


class _ConfusionMatrixConditionCount(Metric):
    """Weighted count of one confusion-matrix condition, per threshold."""

    def __init__(self, confusion_matrix_cond, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
            self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), initializer="zeros",
                                             name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate the count. ``sample_weight`` broadcasts to ``y_true`` (per row: shape ``(B,)``)."""
        metrics_utils.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator}, y_true, y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight)

    def result(self):
        acc = self.accumulator.value
        return acc[0] if len(self.thresholds) == 1 else acc

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted count of false positives: ``sum(sample_weight * (y_pred > t) * (y_true == 0))`` per threshold ``t``.

    Inputs: ``update_state(y_true, y_pred, sample_weight=None)`` takes labels (cast to bool) and
    predictions in ``[0, 1]`` of the same shape; ``sample_weight`` broadcasts to ``y_true`` (a
    ``(batch,)`` weight applies per row).

    Args:
        thresholds: A float or a list of floats in ``[0, 1]``; a prediction above a threshold counts
            as positive. The result has one entry per threshold (a scalar for a single one).
            ``None`` (default) means ``0.5``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"false_positives"``, ``"false_positives_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.FalsePositives()
    >>> m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.FALSE_POSITIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of false negatives: ``sum(sample_weight * (y_pred <= t) * (y_true == 1))`` per threshold ``t``.

    Inputs: ``update_state(y_true, y_pred, sample_weight=None)`` takes labels (cast to bool) and
    predictions in ``[0, 1]`` of the same shape; ``sample_weight`` broadcasts to ``y_true`` (a
    ``(batch,)`` weight applies per row).

    Args:
        thresholds: A float or a list of floats in ``[0, 1]``; a prediction above a threshold counts
            as positive. The result has one entry per threshold (a scalar for a single one).
            ``None`` (default) means ``0.5``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"false_negatives"``, ``"false_negatives_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.FalseNegatives()
    >>> m.update_state([0, 1, 1, 1], [0, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.FALSE_NEGATIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted count of true negatives: ``sum(sample_weight * (y_pred <= t) * (y_true == 0))`` per threshold ``t``.

    Inputs: ``update_state(y_true, y_pred, sample_weight=None)`` takes labels (cast to bool) and
    predictions in ``[0, 1]`` of the same shape; ``sample_weight`` broadcasts to ``y_true`` (a
    ``(batch,)`` weight applies per row).

    Args:
        thresholds: A float or a list of floats in ``[0, 1]``; a prediction above a threshold counts
            as positive. The result has one entry per threshold (a scalar for a single one).
            ``None`` (default) means ``0.5``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"true_negatives"``, ``"true_negatives_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.TrueNegatives()
    >>> m.update_state([0, 1, 0, 0], [1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.TRUE_NEGATIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted count of true positives: ``sum(sample_weight * (y_pred > t) * (y_true == 1))`` per threshold ``t``.

    Inputs: ``update_state(y_true, y_pred, sample_weight=None)`` takes labels (cast to bool) and
    predictions in ``[0, 1]`` of the same shape; ``sample_weight`` broadcasts to ``y_true`` (a
    ``(batch,)`` weight applies per row).

    Args:
        thresholds: A float or a list of floats in ``[0, 1]``; a prediction above a threshold counts
            as positive. The result has one entry per threshold (a scalar for a single one).
            ``None`` (default) means ``0.5``.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"true_positives"``, ``"true_positives_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(ConfusionMatrix.TRUE_POSITIVES, thresholds=thresholds, name=name,
                         dtype=dtype)


class _PrecisionRecallBase(Metric):
    _second = None  # ConfusionMatrix member paired with true positives
    _second_name = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds,
                                                              default_threshold=default_threshold)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
            self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros",
                                                name="true_positives")
        setattr(self, self._second_name,
                self.add_variable(shape=(n,), initializer="zeros", name=self._second_name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate statistics. ``y_pred`` values in ``[0, 1]``; ``y_true`` cast to bool."""
        metrics_utils.update_confusion_matrix_variables(
            {ConfusionMatrix.TRUE_POSITIVES: self.true_positives,
             self._second: getattr(self, self._second_name)},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)

    def result(self):
        tp = self.true_positives.value
        res = divide_no_nan(tp, tp + getattr(self, self._second_name).value)
        return res[0] if len(self.thresholds) == 1 else res

    def reset_state(self):
        n = len(self.thresholds)
        self.true_positives.assign(jnp.zeros((n,)))
        getattr(self, self._second_name).assign(jnp.zeros((n,)))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecallBase):
    """Precision of thresholded predictions: ``result = tp / (tp + fp)``.

    The true and false positives are accumulated over every batch (weighted by ``sample_weight``);
    the result is 0 when nothing was predicted positive.

    Args:
        thresholds: A float or a list of floats in ``[0, 1]``; a prediction above a threshold counts
            as positive, and the result has one entry per threshold (a scalar for a single one).
            ``None`` (default) means ``0.5``, or no threshold at all when ``top_k`` is set.
        top_k: If set, only the ``top_k`` highest predictions of each row count as positive (the
            others as negative). ``None`` (default) uses the thresholds alone.
        class_id: If set, the metric is computed for this class (column of ``y_pred``) only, as a
            binary problem. ``None`` (default) treats every entry alike.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"precision"``, ``"precision_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())   # 2 / 3
    0.6666667
    """

    _second = ConfusionMatrix.FALSE_POSITIVES
    _second_name = "false_positives"


class Recall(_PrecisionRecallBase):
    """Recall of thresholded predictions: ``result = tp / (tp + fn)``.

    The true positives and false negatives are accumulated over every batch (weighted by
    ``sample_weight``); the result is 0 when there was no positive label.

    Args:
        thresholds: A float or a list of floats in ``[0, 1]``; a prediction above a threshold counts
            as positive, and the result has one entry per threshold (a scalar for a single one).
            ``None`` (default) means ``0.5``, or no threshold at all when ``top_k`` is set.
        top_k: If set, only the ``top_k`` highest predictions of each row count as positive (the
            others as negative). ``None`` (default) uses the thresholds alone.
        class_id: If set, the metric is computed for this class (column of ``y_pred``) only, as a
            binary problem. ``None`` (default) treats every entry alike.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"recall"``, ``"recall_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.Recall()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())   # 2 / 3
    0.6666667
    """

    _second = ConfusionMatrix.FALSE_NEGATIVES
    _second_name = "false_negatives"


class SensitivitySpecificityBase(Metric):
    """Base of the "best X where Y >= value" metrics: TP/FP/TN/FN over an even threshold grid."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros",
                                                name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), initializer="zeros",
                                                 name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), initializer="zeros",
                                                name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), initializer="zeros",
                                                 name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        metrics_utils.update_confusion_matrix_variables(
            {ConfusionMatrix.TRUE_POSITIVES: self.true_positives,
             ConfusionMatrix.TRUE_NEGATIVES: self.true_negatives,
             ConfusionMatrix.FALSE_POSITIVES: self.false_positives,
             ConfusionMatrix.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id, sample_weight=sample_weight)

    def reset_state(self):
        n = len(self.thresholds)
        for v in (self.true_positives, self.false_positives, self.true_negatives,
                  self.false_negatives):
            v.assign(jnp.zeros((n,)))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}

    def _find_max_under_constraint(self, constrained, dependent, predicate):
        """Max of ``dependent`` where ``predicate(constrained, value)`` holds, else 0."""
        feasible = predicate(constrained, self.value)
        return jnp.max(jnp.where(feasible, dependent, 0.0), initial=0.0)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return tp, fp, tn, fn


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Best sensitivity at a minimum specificity: ``max(tp / (tp + fn))`` where ``tn / (tn + fp) >= specificity``.

    The four confusion counts are accumulated on a grid of ``num_thresholds`` thresholds; the result
    is the best value over the thresholds that meet the constraint, or 0 if none does.

    Args:
        specificity: The minimum specificity (true-negative rate), in ``[0, 1]``.
        num_thresholds: Number of evenly spaced thresholds in ``[0, 1]`` the curve is evaluated on
            (``1`` means the single threshold 0.5). Defaults to ``200``.
        class_id: If set, the metric is computed for this class (column of ``y_pred``) only.
            ``None`` (default) treats every entry alike.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"sensitivity_at_specificity"``, ``"sensitivity_at_specificity_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``specificity`` is outside ``[0, 1]`` or ``num_thresholds`` is not positive.

    Example:

    >>> m = keras.metrics.SensitivityAtSpecificity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        if specificity < 0 or specificity > 1:
            raise ValueError("Argument `specificity` must be in the range [0, 1]. "
                             f"Received: specificity={specificity}")
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)

    def result(self):
        tp, fp, tn, fn = self._rates()
        sensitivities = divide_no_nan(tp, tp + fn)
        specificities = divide_no_nan(tn, tn + fp)
        return self._find_max_under_constraint(specificities, sensitivities, jnp.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Best specificity at a minimum sensitivity: ``max(tn / (tn + fp))`` where ``tp / (tp + fn) >= sensitivity``.

    The four confusion counts are accumulated on a grid of ``num_thresholds`` thresholds; the result
    is the best value over the thresholds that meet the constraint, or 0 if none does.

    Args:
        sensitivity: The minimum sensitivity (recall), in ``[0, 1]``.
        num_thresholds: Number of evenly spaced thresholds in ``[0, 1]`` the curve is evaluated on
            (``1`` means the single threshold 0.5). Defaults to ``200``.
        class_id: If set, the metric is computed for this class (column of ``y_pred``) only.
            ``None`` (default) treats every entry alike.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"specificity_at_sensitivity"``, ``"specificity_at_sensitivity_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``sensitivity`` is outside ``[0, 1]`` or ``num_thresholds`` is not positive.

    Example:

    >>> m = keras.metrics.SpecificityAtSensitivity(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.6666667
    """

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        if sensitivity < 0 or sensitivity > 1:
            raise ValueError("Argument `sensitivity` must be in the range [0, 1]. "
                             f"Received: sensitivity={sensitivity}")
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)

    def result(self):
        tp, fp, tn, fn = self._rates()
        sensitivities = divide_no_nan(tp, tp + fn)
        specificities = divide_no_nan(tn, tn + fp)
        return self._find_max_under_constraint(sensitivities, specificities, jnp.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


class PrecisionAtRecall(SensitivitySpecificityBase):
    """Best precision subject to a minimum recall: ``max(tp / (tp + fp))`` where ``tp / (tp + fn) >= recall``.

    The four confusion counts are accumulated on a grid of ``num_thresholds`` thresholds; the result
    is the best value over the thresholds that meet the constraint, or 0 if none does.

    Args:
        recall: The minimum recall, in ``[0, 1]``.
        num_thresholds: Number of evenly spaced thresholds in ``[0, 1]`` the curve is evaluated on
            (``1`` means the single threshold 0.5). Defaults to ``200``.
        class_id: If set, the metric is computed for this class (column of ``y_pred``) only.
            ``None`` (default) treats every entry alike.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"precision_at_recall"``, ``"precision_at_recall_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``recall`` is outside ``[0, 1]`` or ``num_thresholds`` is not positive.

    Example:

    >>> m = keras.metrics.PrecisionAtRecall(0.5)
    >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    >>> float(m.result())
    0.5
    """

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        if recall < 0 or recall > 1:
            raise ValueError(f"Argument `recall` must be in the range [0, 1]. Received: recall={recall}")
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(value=recall, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)

    def result(self):
        tp, fp, tn, fn = self._rates()
        recalls = divide_no_nan(tp, tp + fn)
        precisions = divide_no_nan(tp, tp + fp)
        return self._find_max_under_constraint(recalls, precisions, jnp.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "recall": self.recall}


class RecallAtPrecision(SensitivitySpecificityBase):
    """Best recall subject to a minimum precision: ``max(tp / (tp + fn))`` where ``tp / (tp + fp) >= precision``.

    The four confusion counts are accumulated on a grid of ``num_thresholds`` thresholds; the result
    is the best value over the thresholds that meet the constraint, or 0 if none does.

    Args:
        precision: The minimum precision, in ``[0, 1]``.
        num_thresholds: Number of evenly spaced thresholds in ``[0, 1]`` the curve is evaluated on
            (``1`` means the single threshold 0.5). Defaults to ``200``.
        class_id: If set, the metric is computed for this class (column of ``y_pred``) only.
            ``None`` (default) treats every entry alike.
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"recall_at_precision"``, ``"recall_at_precision_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``precision`` is outside ``[0, 1]`` or ``num_thresholds`` is not positive.

    Example:

    >>> m = keras.metrics.RecallAtPrecision(0.8)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.5
    """

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        if precision < 0 or precision > 1:
            raise ValueError("Argument `precision` must be in the range [0, 1]. "
                             f"Received: precision={precision}")
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(value=precision, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        tp, fp, tn, fn = self._rates()
        recalls = divide_no_nan(tp, tp + fn)
        precisions = divide_no_nan(tp, tp + fp)
        return self._find_max_under_constraint(precisions, recalls, jnp.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "precision": self.precision}


class AUC(Metric):
    """Approximate area under the ROC or precision-recall curve: ``result = sum(dx * height)`` over a threshold grid.

    The confusion counts are accumulated on the thresholds
    ``[-eps, 1/(n-1), ..., (n-2)/(n-1), 1 + eps]`` for ``num_thresholds=n`` (or
    ``[-eps] + sorted(thresholds) + [1 + eps]``), giving points of the curve (false-positive rate
    vs. recall for ROC, recall vs. precision for PR). The area is a Riemann sum over them;
    predictions are expected in ``[0, 1]`` unless ``from_logits=True``.

    Args:
        num_thresholds: Number of thresholds of the evenly spaced grid, an integer > 1. More
            thresholds approximate the curve better. Defaults to ``200``; ignored when
            ``thresholds`` is given.
        curve: ``"ROC"`` (default) for the receiver operating characteristic or ``"PR"`` for the
            precision-recall curve.
        summation_method: ``"interpolation"`` (default: the trapezoid rule for ROC, Davis &
            Goadrich's interpolation for PR), ``"minoring"`` (lower Riemann sum) or ``"majoring"``
            (upper Riemann sum).
        name: Name of the metric instance. ``None`` (default) derives a unique one from the class
            name (``"auc"``, ``"auc_1"``, ...).
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        thresholds: Optional explicit list of thresholds in ``[0, 1]``; the endpoints ``-eps`` and
            ``1 + eps`` are added. Overrides ``num_thresholds``.
        multi_label: Whether ``y_pred`` of shape ``(batch, num_labels)`` holds independent labels:
            ``True`` computes one curve per label and averages the areas; ``False`` (default)
            flattens all entries into a single binary problem.
        num_labels: Number of labels with ``multi_label=True``, to create the state at construction;
            ``None`` (default) infers it from the first batch.
        label_weights: Optional non-negative weight per label. With ``multi_label=True`` they weight
            the average of the per-label areas; otherwise they weight each label's contribution to
            the counts.
        from_logits: Whether ``y_pred`` holds logits; they are passed through a sigmoid first.
            Defaults to ``False``.

    Raises:
        ValueError: If ``num_thresholds <= 1``, if ``curve`` or ``summation_method`` is not a known
            name, or if ``num_labels`` is given without ``multi_label=True``.

    Example:

    >>> m = keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(float(t) for t in thresholds)
            self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - epsilon()] + thresholds + [1.0 + epsilon()])
        self.curve = curve if isinstance(curve, metrics_utils.AUCCurve) else \
            metrics_utils.AUCCurve.from_str(curve)
        self.summation_method = summation_method if isinstance(
            summation_method, metrics_utils.AUCSummationMethod) else \
            metrics_utils.AUCSummationMethod.from_str(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        if label_weights is not None:
            self.label_weights = jnp.asarray(np.asarray(label_weights), dtype=self.dtype)
        else:
            self.label_weights = None
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds used for evaluating AUC (including the two endpoints)."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. "
                                 f"Found rank {len(shape)}. Full shape received for `y_pred`: "
                                 f"{tuple(shape)}")
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = self.add_variable(shape=variable_shape, initializer="zeros",
                                                name="true_positives")
        self.false_positives = self.add_variable(shape=variable_shape, initializer="zeros",
                                                 name="false_positives")
        self.true_negatives = self.add_variable(shape=variable_shape, initializer="zeros",
                                                name="true_negatives")
        self.false_negatives = self.add_variable(shape=variable_shape, initializer="zeros",
                                                 name="false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Accumulate TP/FP/TN/FN on the threshold grid. ``sample_weight`` broadcasts to ``y_true``."""
        y_pred = jnp.asarray(y_pred.value if hasattr(y_pred, "_is_fkeras_variable") else y_pred)
        if not self._built:
            self._build(y_pred.shape)
        label_weights = None if self.multi_label else self.label_weights
        if self._from_logits:
            y_pred = jax.nn.sigmoid(y_pred)
        metrics_utils.update_confusion_matrix_variables(
            {ConfusionMatrix.TRUE_POSITIVES: self.true_positives,
             ConfusionMatrix.TRUE_NEGATIVES: self.true_negatives,
             ConfusionMatrix.FALSE_POSITIVES: self.false_positives,
             ConfusionMatrix.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=label_weights)

    def interpolate_pr_auc(self):
        """PR-AUC with Davis & Goadrich (2006) interpolation: TP and predicted positives P vary
        linearly between thresholds, so precision is integrated in closed form per interval."""
        return self._result(curve="PR", method="interpolation")

    def result(self):
        if not self._built:
            return jnp.zeros((), dtype=self.dtype)
        return self._result(self.curve.value, self.summation_method.value)

    def _result(self, curve, method):
        return _jit_auc_result(self.true_positives.value, self.false_positives.value,
                               self.true_negatives.value, self.false_negatives.value,
                               self.label_weights, curve=curve, method=method,
                               multi_label=bool(self.multi_label))

    def reset_state(self):
        if self._built:
            shape = ((self.num_thresholds, self._num_labels) if self.multi_label
                     else (self.num_thresholds,))
            for v in (self.true_positives, self.false_positives, self.true_negatives,
                      self.false_negatives):
                v.assign(jnp.zeros(shape))

    def get_config(self):
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = np.asarray(label_weights).tolist()
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve.value,
            "summation_method": self.summation_method.value,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return {**super().get_config(), **config}


def _average_labels(by_label_auc, label_weights):
    if label_weights is None:
        return jnp.mean(by_label_auc)
    return divide_no_nan(jnp.sum(by_label_auc * label_weights), jnp.sum(label_weights))


def _auc_result(tp, fp, tn, fn, label_weights, curve, method, multi_label):
    """AUC from the confusion counts on the threshold grid (pure)."""
    if curve == "PR" and method == "interpolation":
        # Between two thresholds TP and P = TP + FP vary linearly, so precision = TP / P has
        # the closed-form integral slope * (dTP + intercept * log(P_A / P_B)).
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, jnp.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = jnp.where((p[:-1] > 0) & (p[1:] > 0),
                                 divide_no_nan(p[:-1], jnp.maximum(p[1:], 0)),
                                 jnp.ones_like(p[1:]))
        terms = divide_no_nan(prec_slope * (dtp + intercept * jnp.log(safe_p_ratio)),
                              jnp.maximum(tp[1:] + fn[1:], 0))
    else:
        recall = divide_no_nan(tp, tp + fn)
        if curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif method == "minoring":
            heights = jnp.minimum(y[:-1], y[1:])
        else:
            heights = jnp.maximum(y[:-1], y[1:])
        terms = (x[:-1] - x[1:]) * heights
    if multi_label:
        return _average_labels(jnp.sum(terms, axis=0), label_weights)
    return jnp.sum(terms)


_jit_auc_result = jax.jit(_auc_result, static_argnames=("curve", "method", "multi_label"))
