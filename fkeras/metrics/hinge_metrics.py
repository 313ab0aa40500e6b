"""Hinge metrics (means of the hinge loss functions)."""
from __future__ import annotations

from fkeras.losses import losses as _losses
from fkeras.metrics.reduction_metrics import MeanMetricWrapper


class Hinge(MeanMetricWrapper):
    """Mean of ``maximum(1 - y_true * y_pred, 0)``; 0/1 labels are mapped to -1/1.

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
    """Mean of ``square(maximum(1 - y_true * y_pred, 0))``; 0/1 labels are mapped to -1/1.

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
    """Mean of ``maximum(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred)`` and
    ``neg = max((1 - y_true) * y_pred)``.

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
