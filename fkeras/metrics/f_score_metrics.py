"""``FBetaScore`` and ``F1Score`` (Keras 3 semantics)."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from fkeras.backend.config import epsilon
from fkeras.metrics.metric import Metric
from fkeras.metrics.reduction_metrics import _arr


class FBetaScore(Metric):
    """F-beta score: ``result = (1 + beta**2) * P * R / (beta**2 * P + R)`` from precision ``P`` and recall ``R``.

    For multi-class or multi-label data given as 2D arrays ``(batch, num_classes)``. True and false
    positives and false negatives are accumulated per class (or globally for ``"micro"``); ``beta``
    sets how much more recall counts than precision.

    Args:
        average: How the per-class scores are combined: ``None`` (default, one score per class),
            ``"micro"`` (one score from the counts of all classes together), ``"macro"`` (unweighted
            mean of the class scores) or ``"weighted"`` (mean weighted by each class's number of
            true labels).
        beta: Positive Python float; ``1.0`` (default) weighs precision and recall equally, larger
            values favour recall.
        threshold: Predictions above this Python float in ``(0, 1]`` count as 1. ``None`` (default)
            marks the highest prediction of each row instead.
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"fbeta_score"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``average`` is not a known value, ``beta`` is not a positive float,
            ``threshold`` is not a float in ``(0, 1]`` (at construction), or the inputs are not 2D
            (at the first update).

    Example:

    >>> m = keras.metrics.FBetaScore(beta=2.0, threshold=0.5)
    >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> m.result()   # [0.3846154, 0.90909094, 0.8333334]
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                f"{self.__class__.__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}.")
        num_classes = y_pred_shape[-1]
        shape = () if self.average == "micro" else (num_classes,)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape=shape, initializer="zeros",
                                                  dtype=self.dtype, name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _arr(y_true), _arr(y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        inc = _jit_fbeta_increments(y_true, y_pred,
                                    None if sample_weight is None else _arr(sample_weight),
                                    threshold=self.threshold, axis=self.axis, dtype=self.dtype)
        for name, value in zip(("true_positives", "false_positives", "false_negatives",
                                "intermediate_weights"), inc):
            var = getattr(self, name)
            var.assign(var + value)

    def result(self):
        if not self._built:
            return jnp.zeros((), dtype=self.dtype)
        return _jit_fbeta_result(self.true_positives.value, self.false_positives.value,
                                 self.false_negatives.value, self.intermediate_weights.value,
                                 beta=self.beta, average=self.average, dtype=self.dtype)

    def reset_state(self):
        for v in self.variables:
            v.assign(jnp.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: ``result = 2 * P * R / (P + R)``, the harmonic mean of precision and recall.

    ``FBetaScore`` with ``beta=1``, for 2D inputs ``(batch, num_classes)``.

    Args:
        average: How the per-class scores are combined: ``None`` (default, one score per class),
            ``"micro"`` (one score from the counts of all classes together), ``"macro"`` (unweighted
            mean of the class scores) or ``"weighted"`` (mean weighted by each class's number of
            true labels).
        threshold: Predictions above this Python float in ``(0, 1]`` count as 1. ``None`` (default)
            marks the highest prediction of each row instead.
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"f1_score"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``average`` or ``threshold`` is invalid.

    Example:

    >>> m = keras.metrics.F1Score(threshold=0.5)
    >>> m.update_state(np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0]]),
    ...                np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]]))
    >>> m.result()   # [0.5, 0.8, 0.6666667]
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


@functools.partial(jax.jit, static_argnames=("threshold", "axis", "dtype"))
def _jit_fbeta_increments(y_true, y_pred, sample_weight, threshold, axis, dtype):
    y_true = y_true.astype(dtype)
    y_pred = y_pred.astype(dtype)
    if threshold is None:
        top = jnp.max(y_pred, axis=-1, keepdims=True)
        # [0, 0, 0] must not become [1, 1, 1].
        y_pred = jnp.logical_and(y_pred >= top, jnp.abs(y_pred) > 1e-9)
    else:
        y_pred = y_pred > threshold
    y_pred = y_pred.astype(dtype)
    if sample_weight is not None:
        sample_weight = sample_weight.astype(dtype)
        if sample_weight.ndim == 1:
            sample_weight = sample_weight[:, None]
        sample_weight = jnp.broadcast_to(sample_weight, y_true.shape)

    def weighted_sum(val):
        if sample_weight is not None:
            # weight-0 entries (padded rows) add exactly nothing, even if they hold NaN
            val = jnp.where(sample_weight != 0, val * sample_weight, 0.0)
        return jnp.sum(val, axis=axis)

    return (weighted_sum(y_pred * y_true), weighted_sum(y_pred * (1 - y_true)),
            weighted_sum((1 - y_pred) * y_true), weighted_sum(y_true))


@functools.partial(jax.jit, static_argnames=("beta", "average", "dtype"))
def _jit_fbeta_result(tp, fp, fn, support, beta, average, dtype):
    eps = epsilon()
    precision = tp / (tp + fp + eps)
    recall = tp / (tp + fn + eps)
    b2 = beta ** 2
    f_score = (precision * recall) / (b2 * precision + recall + eps) * (1 + b2)
    if average == "weighted":
        f_score = jnp.sum(f_score * (support / (jnp.sum(support) + eps)))
    elif average is not None:
        f_score = jnp.mean(f_score)
    return f_score.astype(dtype)
