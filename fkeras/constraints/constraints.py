"""Weight constraints (Keras 3's ``keras.constraints``): projections applied after each update."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.saving import registry
from fkeras.utils.naming import unknown_identifier_error


class Constraint:
    """Base class of weight constraints: ``constraint(w)`` returns the projected weights.

    Subclasses implement ``__call__(w)`` with ``jax.numpy`` (it runs inside the jitted train step)
    and ``get_config()``. The optimizer applies the constraint to the variable after every update;
    pass it as ``kernel_constraint=`` / ``bias_constraint=`` of a layer.

    Example:

    ```python
    class NonNegMax(keras.constraints.Constraint):
        def __init__(self, ceiling=1.0):
            self.ceiling = ceiling

        def __call__(self, w):
            return jnp.clip(w, 0.0, self.ceiling)

        def get_config(self):
            return {"ceiling": self.ceiling}
    ```
    """
    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments as a JSON-able dict (empty for a constraint without any)."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A new constraint from the dict ``get_config`` returned.

        Args:
            config: The dict of constructor arguments.
        """
        return cls(**config)


def _norm(w, axis):
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Max-norm constraint: ``w * clip(norm(w), 0, max_value) / norm(w)`` along ``axis``.

    Weight vectors whose L2 norm exceeds ``max_value`` are scaled back to it; shorter ones are left
    alone. The optimizer applies the constraint to the variable after every update; pass it as
    ``kernel_constraint=`` / ``bias_constraint=`` of a layer.

    Args:
        max_value: Maximum norm of the weight vectors. Defaults to ``2``.
        axis: Axis (or tuple of axes) along which the norm is computed. For a ``Dense`` kernel
            ``(input_dim, units)`` the default ``0`` constrains each unit's incoming weight vector;
            for a conv kernel use ``[0, 1, 2]``.

    Example:

    >>> keras.constraints.MaxNorm(1.0)(np.array([[3.0], [4.0]]))   # [[0.6], [0.8]]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Non-negativity constraint: ``w * (w >= 0)``, zeroing negative weights.

    The optimizer applies the constraint to the variable after every update; pass it as
    ``kernel_constraint=`` / ``bias_constraint=`` of a layer.

    Example:

    >>> keras.constraints.NonNeg()(np.array([-1.0, 2.0]))   # [0., 2.]
    """

    def __call__(self, w):
        return w * (w >= 0.0).astype(w.dtype)


class UnitNorm(Constraint):
    """Unit-norm constraint: ``w / norm(w)`` along ``axis``.

    The optimizer applies the constraint to the variable after every update; pass it as
    ``kernel_constraint=`` / ``bias_constraint=`` of a layer.

    Args:
        axis: Axis (or tuple of axes) along which the norm is computed. For a ``Dense`` kernel
            ``(input_dim, units)`` the default ``0`` constrains each unit's incoming weight vector;
            for a conv kernel use ``[0, 1, 2]``.

    Example:

    >>> keras.constraints.UnitNorm()(np.array([[3.0], [4.0]]))   # [[0.6], [0.8]]
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + _norm(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Min-max-norm constraint: ``w * (rate * clip(n, min_value, max_value) + (1 - rate) * n) / n``, ``n = norm(w)``.

    The norm ``n`` along ``axis`` of each weight vector is moved into ``[min_value, max_value]``,
    fully (``rate=1``) or part of the way. The optimizer applies the constraint to the variable
    after every update; pass it as ``kernel_constraint=`` / ``bias_constraint=`` of a layer.

    Args:
        min_value: Minimum norm. Defaults to ``0.0``.
        max_value: Maximum norm. Defaults to ``1.0``.
        rate: Fraction of the way to move the norm towards the allowed range per update; ``1.0``
            (default) enforces the range strictly.
        axis: Axis (or tuple of axes) along which the norm is computed. For a ``Dense`` kernel
            ``(input_dim, units)`` the default ``0`` constrains each unit's incoming weight vector;
            for a conv kernel use ``[0, 1, 2]``.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norm(w, self.axis)
        desired = self.rate * jnp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
_BY_NAME = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
            "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


def serialize(constraint):
    """Turn a constraint into its Keras 3 config.

    Args:
        constraint: A ``Constraint`` instance (built-in or a registered custom class).

    Returns:
        A JSON-compatible dict with ``"class_name"`` and ``"config"`` keys.

    Example:

    >>> keras.constraints.serialize(keras.constraints.MaxNorm(2.0))["class_name"]
    """
    return registry.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """Rebuild a constraint from the output of ``serialize``.

    Args:
        config: A config dict with ``"class_name"`` and ``"config"`` keys.
        custom_objects: Optional dict mapping names to custom constraint classes, consulted before
            the built-in ones.

    Returns:
        A new ``Constraint`` instance.

    Raises:
        ValueError: If the class name is unknown.
    """
    return registry.deserialize_keras_object(config, custom_objects, module_objects=_BY_NAME)


def get(identifier):
    """Look up a constraint from a name, a config dict or a callable.

    Args:
        identifier: ``None``, a built-in name such as ``"max_norm"`` (giving an instance with
            default arguments), a config dict, or a callable such as a ``Constraint`` instance
            (returned as it is).

    Returns:
        The constraint, or ``None`` when ``identifier`` is ``None``.

    Raises:
        ValueError: If ``identifier`` is an unknown name or cannot be interpreted.

    Example:

    >>> keras.constraints.get("max_norm")
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise unknown_identifier_error("constraint", identifier, _BY_NAME)
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")
