"""Correlation metrics: ``PearsonCorrelation`` and ``ConcordanceCorrelation`` (Keras 3).

Both compute one coefficient per sample along ``axis`` (each row is a series) and average the
coefficients over samples, weighted by ``sample_weight``, like any ``MeanMetricWrapper``.
With rank-1 inputs the whole batch is one series (one value per batch), as in Keras.
"""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.backend.config import epsilon, floatx
from fkeras.losses.loss import squeeze_or_expand_to_same_rank
from fkeras.metrics.reduction_metrics import MeanMetricWrapper, _arr


def _as_float_pair(y_true, y_pred):
    y_pred = _arr(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(floatx())
    y_true = _arr(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson correlation coefficient along ``axis``: ``mean(z(y_true) * z(y_pred), axis)``.

    ``z`` standardises each series (subtract the mean, divide by the population standard deviation);
    a constant series gives NaN, as in Keras.

    Args:
        y_true: Observed series, e.g. shape ``(batch, steps)``.
        y_pred: Predicted series, same shape as ``y_true``.
        axis: Axis (or tuple of axes) along which each coefficient is computed. Defaults to ``-1``.

    Returns:
        The coefficients in ``[-1, 1]``, with ``axis`` reduced.

    Example:

    >>> keras.metrics.pearson_correlation([[0, 1, 0.5], [1, 1, 0.2]],
    ...                                   [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    Array([1.        , 0.99339926], dtype=float32)
    """
    y_true, y_pred = _as_float_pair(y_true, y_pred)
    t = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    t = t / jnp.std(t, axis=axis, keepdims=True)
    p = p / jnp.std(p, axis=axis, keepdims=True)
    return jnp.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient: ``2 * cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))**2)``.

    Population moments along ``axis``; ``epsilon`` is added to the denominator. Unlike Pearson's
    coefficient it also penalises a shift or a scale difference between the two series.

    Args:
        y_true: Observed series ``t``, e.g. shape ``(batch, steps)``.
        y_pred: Predicted series ``p``, same shape as ``y_true``.
        axis: Axis (or tuple of axes) along which each coefficient is computed. Defaults to ``-1``.

    Returns:
        The coefficients in ``[-1, 1]``, with ``axis`` reduced.

    Example:

    >>> keras.metrics.concordance_correlation([[0, 1, 0.5], [1, 1, 0.2]],
    ...                                       [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    Array([0.97560966, 0.98765427], dtype=float32)
    """
    y_true, y_pred = _as_float_pair(y_true, y_pred)
    mean_t = jnp.mean(y_true, axis=axis, keepdims=True)
    mean_p = jnp.mean(y_pred, axis=axis, keepdims=True)
    var_t = jnp.var(y_true, axis=axis, keepdims=True)
    var_p = jnp.var(y_pred, axis=axis, keepdims=True)
    covariance = (y_true - mean_t) * (y_pred - mean_p)
    denominator = var_t + var_p + jnp.square(mean_t - mean_p)
    return jnp.mean(2.0 * covariance / (denominator + epsilon()), axis=axis)


class _CorrelationMetric(MeanMetricWrapper):
    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_CorrelationMetric):
    """Mean Pearson correlation coefficient: ``result = mean(pearson(y_true, y_pred, axis))`` over samples.

    One coefficient is computed per sample (each row is a series), then averaged with the sample
    weights. Rank-1 inputs form a single series, giving one value per batch.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"pearson_correlation"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        axis: Axis (or axes) along which each coefficient is computed. Defaults to ``-1``.

    Example:

    >>> pcc = keras.metrics.PearsonCorrelation(axis=-1)
    >>> pcc.update_state([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> float(pcc.result())
    0.9966996
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(fn=pearson_correlation, name=name, dtype=dtype,
                         axis=tuple(axis) if isinstance(axis, list) else axis)
        self.axis = axis
        self._direction = "up"


class ConcordanceCorrelation(_CorrelationMetric):
    """Mean concordance correlation coefficient (Lin's CCC): ``result = mean(ccc(y_true, y_pred, axis))``.

    ``ccc = 2 * cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))**2)`` is computed per sample
    (each row is a series), then averaged with the sample weights.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"concordance_correlation"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        axis: Axis (or axes) along which each coefficient is computed. Defaults to ``-1``.

    Example:

    >>> ccc = keras.metrics.ConcordanceCorrelation(axis=-1)
    >>> ccc.update_state([[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]])
    >>> float(ccc.result())
    0.98163193
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(fn=concordance_correlation, name=name, dtype=dtype,
                         axis=tuple(axis) if isinstance(axis, list) else axis)
        self.axis = axis
        self._direction = "up"
