"""Hinge metrics (means of the hinge loss functions)."""
from __future__ import annotations

from fkeras.losses import losses as _losses
from fkeras.metrics.reduction_metrics import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """Mean hinge loss: ``result = mean(maximum(1 - y_true * y_pred, 0))``.

    Labels should be -1 or 1; 0/1 labels are mapped to -1/1.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to ``"hinge"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.Hinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> float(m.result())
    1.3
    """

    _rank1_as_samples = True

    def __init__(self, name="hinge", dtype=None):
        super().__init__(fn=_losses.hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss: ``result = mean(square(maximum(1 - y_true * y_pred, 0)))``.

    Labels should be -1 or 1; 0/1 labels are mapped to -1/1.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"squared_hinge"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.SquaredHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> float(m.result())
    1.86
    """

    _rank1_as_samples = True

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(fn=_losses.squared_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss: ``result = mean(maximum(neg - pos + 1, 0))``.

    ``pos = sum(y_true * y_pred, axis=-1)`` and ``neg = max((1 - y_true) * y_pred, axis=-1)``, with
    one-hot ``y_true``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"categorical_hinge"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.CategoricalHinge()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> float(m.result())
    1.4
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(fn=_losses.categorical_hinge, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
