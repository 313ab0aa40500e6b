"""``Sum``, ``Mean`` and ``MeanMetricWrapper`` (Keras 3 semantics)."""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from fkeras.losses.loss import squeeze_or_expand_to_same_rank
from fkeras.metrics.metric import Metric
from fkeras.saving import registry as _registry

# What a saved wrapper's ``fn`` may name: the metric and loss functions, then the metric classes.
# Every metric module imports this one, so the module that gathers them all,
# ``fkeras.metrics.serialization``, fills the table when it is imported.
_WRAPPED_FN_OBJECTS = {}


def _register_wrapped_functions(objects):
    """Add ``{name: function or class}`` to the names a saved ``MeanMetricWrapper``'s ``fn`` resolves to."""
    _WRAPPED_FN_OBJECTS.update(objects)


def _arr(x, dtype=None):
    if getattr(x, "_is_fkeras_variable", False):
        x = x.value
    return jnp.asarray(x, dtype=dtype)


def weighted(values, weights):
    """``values * weights`` where a zero weight gives exactly 0 even if the value is NaN/inf
    (so padded rows, masked with weight 0, can never poison a metric)."""
    return jnp.where(weights != 0, values * weights, jnp.zeros_like(values))


def divide_no_nan(a, b):
    a, b = _arr(a), _arr(b)
    safe = jnp.where(b == 0, jnp.ones_like(b), b)
    return jnp.where(b == 0, jnp.zeros_like(a / safe), a / safe)


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Weight ``values`` and reduce them to one value per sample (Keras 3 rules).

    ``values`` is reduced with ``reduce_fn`` down to the rank of ``sample_weight``, multiplied
    by it, and then reduced to shape ``(batch,)``. Returns ``(values, sample_weight)`` with
    ``sample_weight`` reduced to per-sample weights (or ``None``).
    """
    values = _arr(values).astype(dtype)
    if sample_weight is not None:
        sample_weight = _arr(sample_weight).astype(dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        try:
            sample_weight = jnp.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {tuple(sample_weight.shape)} cannot be broadcast to the "
                f"metric values of shape {tuple(values.shape)}. Expected a shape such as "
                f"{tuple(values.shape[:1])}."
            ) from None
        values = weighted(values, sample_weight)
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


def _mean_increments(values, sample_weight, dtype):
    """``(total, count)`` increments of ``Mean`` for one batch (pure)."""
    values, sample_weight = reduce_to_samplewise_values(values, sample_weight, jnp.mean, dtype)
    if sample_weight is not None:
        count = jnp.sum(sample_weight)
    elif values.ndim >= 1:
        count = values.shape[0]
    else:
        count = 1
    return jnp.sum(values), jnp.asarray(count, dtype=dtype)


# Built-in metric arithmetic is pure, so it is compiled once per (config, input shapes) and
# shared by every instance: eager `update_state` costs one dispatch instead of dozens.
# Inside an outer `jit` (the trainer, `stateless_update_state`) the call is simply inlined.
_jit_mean_increments = jax.jit(_mean_increments, static_argnames="dtype")


def _as_input(x):
    return None if x is None else _arr(x)


def _wrapped_values(fn, kwargs, rank1_as_samples, y_true, y_pred):
    if rank1_as_samples:
        y_true, y_pred = _arr(y_true), _arr(y_pred)
        if y_pred.ndim == 1 and y_true.ndim <= 1:
            y_pred = y_pred[:, None]
            y_true = y_true[:, None] if y_true.ndim == 1 else y_true
    return fn(y_true, y_pred, **kwargs)


@functools.partial(jax.jit, static_argnames=("fn", "kwargs", "rank1_as_samples", "dtype"))
def _jit_wrapper_increments(y_true, y_pred, sample_weight, fn, kwargs, rank1_as_samples, dtype):
    values = _wrapped_values(fn, dict(kwargs), rank1_as_samples, y_true, y_pred)
    return _mean_increments(values, sample_weight, dtype)


def _hashable_kwargs(kwargs):
    try:
        items = tuple(sorted(kwargs.items()))
        hash(items)
        return items
    except TypeError:
        return None


class Sum(Metric):
    """Running (weighted) sum of the given values: ``result = sum(values * sample_weight)``.

    ``update_state(values, sample_weight=None)`` adds one batch; the state is one scalar variable,
    ``total``.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to ``"sum"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    4.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, jnp.sum, self.dtype)
        self.total.assign_add(jnp.sum(values))

    def reset_state(self):
        self.total.assign(0)

    def result(self):
        return self.total.value.astype(self.dtype)


class Mean(Metric):
    """Running (weighted) mean of the given values: ``result = sum(values * sample_weight) / sum(sample_weight)``.

    ``update_state(values, sample_weight=None)`` adds one batch to the ``total`` and ``count``
    variables. Without weights every value counts once; values of rank > 1 are first averaged to one
    value per sample.

    Args:
        name: Name of the metric instance, shown in logs and ``History``. Defaults to ``"mean"``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.

    Example:

    >>> m = keras.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    4.0
    >>> m.reset_state()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="count")

    def update_state(self, values, sample_weight=None):
        total, count = _jit_mean_increments(_arr(values), _as_input(sample_weight),
                                            dtype=self.dtype)
        self._add_increments(total, count)

    def _add_increments(self, total, count):
        self.total.assign_add(total)
        self.count.assign_add(count)

    def reset_state(self):
        self.total.assign(0)
        self.count.assign(0)

    def result(self):
        return divide_no_nan(self.total, self.count).astype(self.dtype)


class MeanMetricWrapper(Mean):
    """Turn a function ``fn(y_true, y_pred, **kwargs) -> per-sample values`` into a ``Mean`` metric.

    Each ``update_state(y_true, y_pred, sample_weight=None)`` evaluates ``fn`` and folds the
    (weighted) values into the running mean: ``result = mean(fn(y_true, y_pred))`` over everything
    seen. Built-in functions are compiled once; a user function runs as written.

    Args:
        fn: The function to average. It must return one value per sample (or values that are
            averaged per sample).
        name: Name of the metric instance. ``None`` (default) uses ``fn.__name__``.
        dtype: Dtype of the metric's state variables and of its result. ``None`` (default) uses
            ``keras.backend.floatx()``; a mixed-precision policy keeps the state in ``float32``.
        **kwargs: Extra keyword arguments passed to ``fn`` on every call and kept in the config.

    Example:

    ```python
    def mse(y_true, y_pred):
        return ops.mean((y_true - y_pred) ** 2, axis=-1)

    mse_metric = keras.metrics.MeanMetricWrapper(fn=mse)
    ```
    """

    # Built-in wrappers whose function averages over the last axis set this: rank-1
    # `y_true`/`y_pred` are then treated as one value per sample (shape (batch, 1)), so
    # sample weights and padded-row masks apply per sample instead of to a batch mean.
    _rank1_as_samples = False

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        from fkeras.losses import serialization as _losses

        builtin = set(map(id, _losses.ALL_OBJECTS))
        if id(fn) in builtin or id(type(fn)) in builtin:
            self._direction = "down"
        # Built-in (pure, traceable) functions are compiled; user functions run as written.
        module = getattr(fn, "__module__", "") or ""
        self._jit_kwargs = (_hashable_kwargs(kwargs)
                            if module.startswith(("fkeras.metrics.", "fkeras.losses."))
                            and callable(fn) and not isinstance(fn, type) else None)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._jit_kwargs is not None:
            total, count = _jit_wrapper_increments(
                _arr(y_true), _arr(y_pred), _as_input(sample_weight), fn=self._fn,
                kwargs=self._jit_kwargs, rank1_as_samples=self._rank1_as_samples,
                dtype=self.dtype)
            return self._add_increments(total, count)
        values = _wrapped_values(self._fn, self._fn_kwargs, self._rank1_as_samples, y_true, y_pred)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype,
                  "fn": _registry.serialize_keras_object(self._fn)}
        config.update(_registry.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            fn = config["fn"]
            config["fn"] = _registry.deserialize_keras_object(fn, module_objects=_WRAPPED_FN_OBJECTS)
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"
