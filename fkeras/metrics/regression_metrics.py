"""Regression metrics: MSE, MAE, MAPE, MSLE, RMSE, cosine similarity, log-cosh and R2Score."""
from __future__ import annotations

import functools
import warnings

import jax
import jax.numpy as jnp

from fkeras.losses import losses as _losses
from fkeras.losses.loss import squeeze_or_expand_to_same_rank
from fkeras.metrics.metric import Metric
from fkeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, _arr


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity per sample: ``sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=axis)``.

    The metric's sign convention: ``+1`` for identical directions (the loss
    ``keras.losses.cosine_similarity`` is its negative).

    Args:
        y_true: Target vectors, shape ``(batch, ..., d)``.
        y_pred: Predicted vectors, same shape as ``y_true``.
        axis: Axis along which the vectors are compared. Defaults to ``-1``.

    Returns:
        The cosine similarity with ``axis`` reduced, values in ``[-1, 1]``.
    """
    return -_losses.cosine_similarity(y_true, y_pred, axis=axis)


class _SimpleWrapper(MeanMetricWrapper):
    """A built-in wrapper whose config is just ``name`` and ``dtype``."""

    _rank1_as_samples = True

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_SimpleWrapper):
    """Mean squared error over all samples seen: ``result = mean(square(y_true - y_pred))``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"mean_squared_error"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=_losses.mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanAbsoluteError(_SimpleWrapper):
    """Mean absolute error over all samples seen: ``result = mean(abs(y_true - y_pred))``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"mean_absolute_error"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.MeanAbsoluteError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(fn=_losses.mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanAbsolutePercentageError(_SimpleWrapper):
    """Mean absolute percentage error: ``result = 100 * mean(abs((y_true - y_pred) / y_true))``.

    The denominator is floored at ``keras.backend.epsilon()``, so zero targets give large but finite
    values.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"mean_absolute_percentage_error"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.MeanAbsolutePercentageError()
    >>> m.update_state([[1., 2.]], [[1.5, 2.]])
    >>> float(m.result())
    25.0
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(fn=_losses.mean_absolute_percentage_error, name=name, dtype=dtype)
        self._direction = "down"


class MeanSquaredLogarithmicError(_SimpleWrapper):
    """Mean squared logarithmic error: ``result = mean(square(log(y_true + 1) - log(y_pred + 1)))``.

    Both inputs are floored at ``keras.backend.epsilon()`` before the logarithm.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"mean_squared_logarithmic_error"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(fn=_losses.mean_squared_logarithmic_error, name=name, dtype=dtype)
        self._direction = "down"


class LogCoshError(_SimpleWrapper):
    """Mean log-cosh error: ``result = mean(log(cosh(y_pred - y_true)))``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to ``"logcosh"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.LogCoshError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.10844523
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(fn=_losses.log_cosh, name=name, dtype=dtype)
        self._direction = "down"


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity: ``result = mean(sum(l2_normalize(y_true) * l2_normalize(y_pred), axis))``.

    ``1`` means the predictions point exactly like the labels, ``-1`` the opposite way.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"cosine_similarity"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        axis: Axis along which the vectors are compared. Defaults to ``-1``.

    Example:

    >>> m = keras.metrics.CosineSimilarity(axis=1)
    >>> m.update_state([[0., 1.], [1., 1.]], [[1., 0.], [1., 1.]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(fn=cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class RootMeanSquaredError(Mean):
    """Root mean squared error over all samples seen: ``result = sqrt(mean(square(y_pred - y_true)))``.

    The square root is taken of the running mean, not averaged per batch.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"root_mean_squared_error"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _arr(y_true).astype(self.dtype)
        y_pred = _arr(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return super().update_state(jnp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return jnp.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination: ``R2 = 1 - SS_res / SS_tot`` per output, then aggregated.

    ``SS_res = sum((y_true - y_pred)**2)`` and ``SS_tot = sum((y_true - mean(y_true))**2)`` are
    accumulated over every batch for each output column. With ``num_regressors = p > 0`` the
    adjusted score ``1 - (1 - R2) * (n - 1) / (n - p - 1)`` is returned (``n`` samples). Inputs must
    be 2D, ``(batch, num_outputs)``.

    Args:
        class_aggregation: How the per-output scores are combined: ``"uniform_average"`` (default,
            their mean), ``"variance_weighted_average"`` (weighted by each output's variance) or
            ``None`` (one score per output), like scikit-learn's ``multioutput``.
        num_regressors: Number of independent regressors for the adjusted R2; ``0`` (default) gives
            the plain R2.
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"r2_score"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Raises:
        ValueError: If ``class_aggregation`` is not one of the accepted values or ``num_regressors``
            is negative (at construction), or the inputs are not 2D (at the first update).

    Example:

    >>> m = keras.metrics.R2Score()
    >>> m.update_state(np.array([[1], [4], [3]], "float32"), np.array([[2], [4], [4]], "float32"))
    >>> float(m.result())
    0.5714286
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                             f"y_true.shape={tuple(y_true_shape)}.")
        n = y_pred_shape[-1]
        self.squared_sum = self.add_variable(name="squared_sum", shape=(n,), initializer="zeros")
        self.sum = self.add_variable(name="sum", shape=(n,), initializer="zeros")
        self.total_mse = self.add_variable(name="residual", shape=(n,), initializer="zeros")
        self.count = self.add_variable(name="count", shape=(n,), initializer="zeros")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _arr(y_true).astype(self.dtype)
        y_pred = _arr(y_pred).astype(self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        inc = _jit_r2_increments(y_true, y_pred,
                                 None if sample_weight is None else _arr(sample_weight),
                                 dtype=self.dtype)
        for var, value in zip((self.sum, self.squared_sum, self.total_mse, self.count,
                               self.num_samples), inc):
            var.assign(var + value)

    def result(self):
        if not self._built:
            return jnp.zeros((), dtype=self.dtype)
        s, sq = self.sum.value, self.squared_sum.value
        mean = s / self.count.value
        total = sq - s * mean
        raw_scores = 1 - (self.total_mse.value / total)
        raw_scores = jnp.where(jnp.isinf(raw_scores), 0.0, raw_scores)
        if self.class_aggregation == "uniform_average":
            r2 = jnp.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2 = jnp.sum(total * raw_scores) / jnp.sum(total)
        else:
            r2 = raw_scores
        if self.num_regressors != 0:
            n = self.num_samples.value.astype("float32")
            p = float(self.num_regressors)
            if not isinstance(n, jax.core.Tracer):
                if p > float(n) - 1:
                    warnings.warn("More independent predictors than datapoints in adjusted R2 "
                                  "score. Falling back to standard R2 score.", stacklevel=2)
                elif p == float(n) - 1:
                    warnings.warn("Division by zero in Adjusted R2 score. Falling back to "
                                  "standard R2 score.", stacklevel=2)
            ok = p < n - 1
            den = jnp.where(ok, n - p - 1.0, 1.0)
            adjusted = 1.0 - (1.0 - r2) * (n - 1.0) / den
            r2 = jnp.where(ok, adjusted, r2)
        return r2

    def reset_state(self):
        for v in self.variables:
            v.assign(jnp.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


@functools.partial(jax.jit, static_argnames="dtype")
def _jit_r2_increments(y_true, y_pred, sample_weight, dtype):
    sample_weight = jnp.ones((), dtype) if sample_weight is None else sample_weight.astype(dtype)
    if sample_weight.ndim == 1:
        sample_weight = sample_weight[:, None]
    sample_weight = jnp.broadcast_to(sample_weight, y_true.shape)
    live = sample_weight != 0
    # Zero-weight entries (padded rows) contribute nothing, even if they hold NaN/inf.
    y_true = jnp.where(live, y_true, 0.0)
    y_pred = jnp.where(live, y_pred, 0.0)
    weighted_y_true = y_true * sample_weight
    return (jnp.sum(weighted_y_true, axis=0),
            jnp.sum(y_true * weighted_y_true, axis=0),
            jnp.sum((y_true - y_pred) ** 2 * sample_weight, axis=0),
            jnp.sum(sample_weight, axis=0),
            # Keras counts `size(y_true)`; we count the entries with non-zero weight, which is
            # the same without weights and ignores padded rows.
            jnp.sum(live).astype(dtype))
