"""Probabilistic metrics: crossentropies, KL divergence and Poisson (means of the loss functions)."""
from __future__ import annotations

from fkeras.losses import losses as _losses
from fkeras.metrics.reduction_metrics import MeanMetricWrapper


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence: ``result = mean(sum(y_true * log(y_true / y_pred), axis=-1))``.

    Both inputs are clipped to ``[epsilon, 1]``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"kl_divergence"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.KLDivergence()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> float(m.result())
    0.45814306
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=_losses.kl_divergence, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss: ``result = mean(y_pred - y_true * log(y_pred + epsilon))``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to ``"poisson"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.Poisson()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.49999997
    """

    _rank1_as_samples = True

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=_losses.poisson, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy: ``result = mean(-(y * log(p) + (1 - y) * log(1 - p)))``.

    For 0/1 labels; ``p`` is the clipped probability (``sigmoid(y_pred)`` with
    ``from_logits=True``).

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"binary_crossentropy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        from_logits: Whether ``y_pred`` holds logits rather than probabilities. Defaults to
            ``False``.
        label_smoothing: Float in ``[0, 1]``; the labels become ``y_true * (1 - s) + 0.5 * s``.
            ``0`` (default) leaves them unchanged.

    Example:

    >>> m = keras.metrics.BinaryCrossentropy()
    >>> m.update_state([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    >>> float(m.result())
    0.8149245
    """

    _rank1_as_samples = True

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(_losses.binary_crossentropy, name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy: ``result = mean(-sum(y_true * log(p), axis))``.

    For one-hot labels; ``p`` is the normalised, clipped ``y_pred`` (``softmax(y_pred)`` with
    ``from_logits=True``).

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"categorical_crossentropy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        from_logits: Whether ``y_pred`` holds logits rather than probabilities. Defaults to
            ``False``.
        label_smoothing: Float in ``[0, 1]``; the targets become
            ``y_true * (1 - s) + s / num_classes``. ``0`` (default) leaves them unchanged.
        axis: The class axis. Defaults to ``-1``.

    Example:

    >>> m = keras.metrics.CategoricalCrossentropy()
    >>> m.update_state([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> float(m.result())
    1.1769392
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(_losses.categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical crossentropy: ``result = mean(-log(p[y_true]))``.

    For integer labels of shape ``(batch,)`` or ``(batch, 1)`` and predictions
    ``(batch, num_classes)``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to
            ``"sparse_categorical_crossentropy"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        from_logits: Whether ``y_pred`` holds logits rather than probabilities. Defaults to
            ``False``.
        axis: The class axis of ``y_pred``. Defaults to ``-1``.

    Example:

    >>> m = keras.metrics.SparseCategoricalCrossentropy()
    >>> m.update_state([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    >>> float(m.result())
    1.1769392
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(_losses.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)
        self.from_logits = from_logits
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "axis": self.axis}
