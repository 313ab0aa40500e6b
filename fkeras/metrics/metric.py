"""The ``Metric`` base class: Keras 3's object API on top of fkeras's binding scopes.

A metric *declares* its state with ``add_variable`` (non-trainable ``Variable`` handles,
recorded in ``self.variables`` in creation order, followed by the variables of child
metrics assigned as attributes). ``update_state`` / ``result`` / ``reset_state`` are written
exactly as in Keras (``self.total.assign_add(...)``). The same code runs

- eagerly: handles read and write the object's own values;
- purely: ``stateless_update_state(metric_variables, ...)`` binds the given arrays in a
  ``BindingScope``, runs ``update_state`` and returns the updated arrays without touching
  the object, so it works under ``jax.jit`` (this is what the trainer uses, and it is the
  API of Keras 3's custom-training-loop guide).
"""
from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from fkeras.backend import config as _config
from fkeras.engine.variables import BindingScope, Variable
from fkeras.utils.naming import auto_name, to_snake_case


def standardize_metric_dtype(dtype):
    """A dtype name for metric state: ``None`` -> floatx; a (mixed) policy -> float32 state."""
    if dtype is None:
        return _config.floatx()
    if isinstance(dtype, dict):  # a serialized DTypePolicy, as newer Keras writes it
        dtype = (dtype.get("config") or {}).get("name", dtype.get("name"))
        if dtype is None:
            return _config.floatx()
    name = getattr(dtype, "name", None) if not isinstance(dtype, str) else dtype
    if isinstance(name, str) and name.startswith("mixed_"):
        return "float32"
    if hasattr(dtype, "variable_dtype") and not isinstance(dtype, str):
        return str(dtype.variable_dtype)
    try:
        return jnp.dtype(dtype).name if str(dtype) != "bfloat16" else "bfloat16"
    except TypeError as e:
        raise ValueError(f"Invalid metric `dtype`: expected a dtype name such as 'float32'. "
                         f"Received: dtype={dtype!r}") from e


def to_result(x):
    """Turn a metric result (array, Variable handle, number, or dict/list of them) into arrays."""
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, dict):
        return {k: to_result(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to_result(v) for v in x)
    if x is None:
        return None
    return jnp.asarray(x)


def _contains(seq, obj):
    return any(x is obj for x in seq)


class Metric:
    """Encapsulates metric logic and state (Keras 3 ``keras.metrics.Metric``).

    Subclasses create their state in ``__init__`` with ``self.add_variable(...)``, update
    it in ``update_state`` with ``assign`` / ``assign_add``, and compute the value in
    ``result``.

    Example:

    ```python
    class BinaryTruePositives(keras.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros",
                                                    name="true_positives")

        def update_state(self, y_true, y_pred, sample_weight=None):
            values = ops.cast(ops.logical_and(ops.cast(y_true, "bool"),
                                              ops.cast(y_pred, "bool")), self.dtype)
            if sample_weight is not None:
                values = values * ops.cast(sample_weight, self.dtype)
            self.true_positives.assign(self.true_positives + ops.sum(values))

        def result(self):
            return self.true_positives
    ```

    Args:
        dtype: The dtype of the metric's variables and result (a name such as ``"float32"``);
            ``None`` (the default) uses ``keras.config.floatx()``.
        name: The metric's name, the key of its result in ``fit``'s logs; ``None`` (the
            default) derives one from the class name.

    Pure use (e.g. inside ``jax.jit``)::

        state = metric.stateless_reset_state()
        state = metric.stateless_update_state(state, y_true, y_pred)
        value = metric.stateless_result(state)
    """

    _is_fkeras_metric = True

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(to_snake_case(self.__class__.__name__))
        self._dtype = standardize_metric_dtype(dtype)
        self._variables = []
        self._metrics = []

    # --- attribute tracking ------------------------------------------------------------
    def __setattr__(self, name, value):
        tracked = self.__dict__.get("_metrics")
        if tracked is not None and not name.startswith("__"):
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if isinstance(value, Metric):
            if value is not self and not _contains(self._metrics, value):
                self._metrics.append(value)
        elif isinstance(value, Variable):
            if not _contains(self._variables, value):
                self._variables.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, (Metric, Variable)):
                    self._track(v)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, (Metric, Variable)):
                    self._track(v)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{self.__class__.__name__}: you forgot to call `super().__init__()` in the "
                "`__init__()` method of your metric. Go add it!"
            )

    # --- state -----------------------------------------------------------------------
    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state variable of the metric (call it in ``__init__``).

        Args:
            shape: The variable's shape, a tuple of ints (``()`` for a scalar).
            initializer: How to fill it, and what ``reset_state`` restores: an initializer name
                (``"zeros"``, ``"ones"``...) or instance.
            dtype: The variable's dtype; ``None`` (the default) uses the metric's dtype.
            aggregation: How replicas would combine the variable in a custom distributed loop:
                ``"sum"`` (the default), ``"mean"``, ``"only_first_replica"`` or ``"none"``.
                Recorded on the variable, as in Keras.
            name: The variable's name (its path is ``"<metric name>/<name>"``).

        Returns:
            The new ``keras.Variable``, also listed in ``self.variables``.
        """
        self._check_super_called()
        from fkeras.initializers import serialization as initializers

        init = initializers.get(initializer)
        if init is None:
            raise ValueError(
                f"Metric {self.name!r}: `add_variable` needs an `initializer` (e.g. 'zeros'). "
                f"Received: initializer={initializer!r}"
            )
        shape = () if shape is None else tuple(int(d) for d in shape)
        var_name = name or "variable"
        var = Variable(
            initializer=init,
            shape=shape,
            dtype=standardize_metric_dtype(dtype),
            trainable=False,
            name=var_name,
            aggregation=aggregation,
            path=f"{self.name}/{var_name}",
        )
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Backwards-compatible alias of ``add_variable``.

        Args:
            shape: The variable's shape. Defaults to ``()`` (a scalar).
            initializer: An initializer name or instance.
            dtype: The variable's dtype; ``None`` uses the metric's dtype.
            name: The variable's name.

        Returns:
            The new ``keras.Variable``.
        """
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """The metric's own variables (creation order), then those of child metrics."""
        out = list(self._variables)
        for m in self._metrics:
            for v in m.variables:
                if not _contains(out, v):
                    out.append(v)
        return out

    @property
    def trainable_variables(self):
        return []

    @property
    def non_trainable_variables(self):
        return self.variables

    @property
    def dtype(self):
        return self._dtype

    # --- the API subclasses implement -------------------------------------------------------
    def update_state(self, *args, **kwargs):
        """Accumulate statistics for the metric."""
        raise NotImplementedError(f"{self.__class__.__name__} must implement `update_state()`.")

    def result(self):
        """Compute the current metric value (a scalar, an array, or a dict of them)."""
        raise NotImplementedError(f"{self.__class__.__name__} must implement `result()`.")

    def reset_state(self):
        """Reset every state variable to its initial value (zeros for built-in metrics)."""
        for v in self.variables:
            v.assign(_initial_value(v))

    def reset_states(self):
        """Deprecated tf.keras alias of ``reset_state``."""
        warnings.warn(
            "`Metric.reset_states()` is deprecated; use `Metric.reset_state()` instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.reset_state()

    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)`` followed by ``result()`` (eager)."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return to_result(self.result())

    # --- the pure API ----------------------------------------------------------------------
    def _check_metric_variables(self, metric_variables):
        if not self._all_built():
            raise ValueError(
                f"{self.__class__.__name__} (or a metric inside it) creates its variables from "
                "the shape of its first inputs and has not created them yet. Call "
                "`update_state` once, or `_symbolic_build(y_true, y_pred)` with arrays or "
                "`jax.ShapeDtypeStruct`s, before using the stateless API."
            )
        variables = self.variables
        if metric_variables is None or len(metric_variables) != len(variables):
            got = None if metric_variables is None else len(metric_variables)
            raise ValueError(
                "Argument `metric_variables` must be a list of arrays corresponding 1:1 to "
                f"{self.__class__.__name__}().variables. Received a list of length {got}, "
                f"but expected {len(variables)} variables."
            )
        return variables

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """Pure ``update_state``: returns the updated list of arrays (``self.variables`` order).

        Never mutates the metric; works under ``jax.jit``.

        Args:
            metric_variables: The current state arrays, in ``self.variables`` order.
            *args: The arguments of ``update_state`` (``y_true, y_pred``...).
            **kwargs: Its keyword arguments (``sample_weight=``...).

        Returns:
            The updated state arrays, in the same order.

        Example:

        >>> m = keras.metrics.Mean()
        >>> state = m.stateless_update_state(m.stateless_reset_state(), [1.0, 3.0])
        >>> float(m.stateless_result(state))
        2.0
        """
        variables = self._check_metric_variables(metric_variables)
        values = {id(v): jnp.asarray(val.value if isinstance(val, Variable) else val)
                  for v, val in zip(variables, metric_variables)}
        scope = BindingScope(values=values)
        with scope:
            self.update_state(*args, **kwargs)
        return [scope.values[id(v)] for v in variables]

    def stateless_result(self, metric_variables):
        """Pure ``result`` computed from ``metric_variables`` (arrays in ``self.variables`` order).

        Args:
            metric_variables: The state arrays, in ``self.variables`` order (as
                ``stateless_reset_state`` / ``stateless_update_state`` return them).

        Returns:
            The metric's value for that state; the metric itself is not changed.
        """
        variables = self._check_metric_variables(metric_variables)
        values = {id(v): jnp.asarray(val.value if isinstance(val, Variable) else val)
                  for v, val in zip(variables, metric_variables)}
        with BindingScope(values=values):
            return to_result(self.result())

    def stateless_reset_state(self):
        """Fresh state arrays (``self.variables`` order), computed without touching the metric."""
        variables = self.variables
        values = {id(v): v._value for v in variables}
        scope = BindingScope(values=values)
        with scope:
            self.reset_state()
        return [scope.values[id(v)] for v in variables]

    def _all_built(self):
        return getattr(self, "_built", True) is not False and all(
            m._all_built() for m in self._metrics)

    def _symbolic_build(self, *args, **kwargs):
        """Create variables that depend on input shapes (F1Score, R2Score, AUC(multi_label))
        by tracing ``update_state`` abstractly; the metric's values are not changed.

        Arguments may be arrays or ``jax.ShapeDtypeStruct``s.
        """
        if self._all_built():
            return

        def run(*a):
            with BindingScope(values={}):
                self.update_state(*a, **kwargs)
            return 0

        jax.eval_shape(run, *args)

    # --- config ------------------------------------------------------------------------------
    def get_config(self):
        """The serializable config: ``{"name": ..., "dtype": ...}`` plus subclass arguments."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """A new metric from the dict ``get_config`` returned.

        Args:
            config: The dict of constructor arguments, as ``get_config`` returns it.
        """
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()


def _initial_value(v):
    init = v.initializer
    if init is None:
        return jnp.zeros(v.shape, dtype=v.dtype)
    with jax.ensure_compile_time_eval():
        return jnp.asarray(init(v.shape, dtype=v.dtype), dtype=v.dtype)
