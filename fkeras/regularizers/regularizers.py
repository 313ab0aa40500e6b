"""Weight regularizers (Keras 3's ``keras.regularizers``): penalties added to the training loss."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.saving import registry
from fkeras.utils.naming import unknown_identifier_error


class Regularizer:
    """Base class of weight regularizers: ``regularizer(x)`` returns a scalar penalty added to the loss.

    Subclasses implement ``__call__(x)`` with ``jax.numpy`` (it runs inside the jitted train step)
    and ``get_config()`` returning their constructor arguments; ``from_config`` rebuilds them. Pass
    an instance as ``kernel_regularizer=`` / ``bias_regularizer=`` / ``activity_regularizer=`` of a
    layer.

    Example:

    ```python
    class L1Mean(keras.regularizers.Regularizer):
        def __init__(self, factor=0.01):
            self.factor = factor

        def __call__(self, x):
            return self.factor * jnp.mean(jnp.abs(x))

        def get_config(self):
            return {"factor": self.factor}
    ```
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """The constructor arguments as a JSON-able dict (a subclass that is saved with a model
        must implement it; ``from_config`` reads it back)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        """A new regularizer from the dict ``get_config`` returned.

        Args:
            config: The dict of constructor arguments.
        """
        return cls(**config)


def _validate(name, value):
    value = float(value)
    if value < 0 or value != value:
        raise ValueError(f"Value for argument `{name}` must be a non-negative float. Received: {name}={value}")
    return value


class L1L2(Regularizer):
    """L1 and L2 penalty together: ``loss = l1 * sum(abs(x)) + l2 * sum(square(x))``.

    Call the instance on a weight tensor to get the penalty, a scalar added to the training loss.

    Args:
        l1: Non-negative L1 factor. Defaults to ``0.0`` (``None`` also means 0).
        l2: Non-negative L2 factor. Defaults to ``0.0`` (``None`` also means 0).

    Raises:
        ValueError: If a factor is negative or NaN.

    Example:

    ```python
    layer = keras.layers.Dense(4, kernel_regularizer=keras.regularizers.L1L2(l1=1e-5, l2=1e-4))
    ```
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate("l1", 0.0 if l1 is None else l1)
        self.l2 = _validate("l2", 0.0 if l2 is None else l2)

    def __call__(self, x):
        x = jnp.asarray(getattr(x, "value", x))
        out = jnp.zeros((), dtype=jnp.float32)
        if self.l1:
            out = out + self.l1 * jnp.sum(jnp.abs(x))
        if self.l2:
            out = out + self.l2 * jnp.sum(jnp.square(x))
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """L1 penalty: ``loss = l1 * sum(abs(x))``, which pushes weights to exactly zero.

    Call the instance on a weight tensor to get the penalty, a scalar added to the training loss.

    Args:
        l1: Non-negative L1 factor. Defaults to ``0.01``.

    Raises:
        ValueError: If ``l1`` is negative or NaN.

    Example:

    >>> keras.regularizers.L1(0.1)(np.array([1.0, -2.0]))   # 0.3
    """

    def __init__(self, l1=0.01):
        self.l1 = _validate("l1", 0.01 if l1 is None else l1)

    def __call__(self, x):
        return self.l1 * jnp.sum(jnp.abs(jnp.asarray(getattr(x, "value", x))))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """L2 penalty (weight decay in the loss): ``loss = l2 * sum(square(x))``.

    Call the instance on a weight tensor to get the penalty, a scalar added to the training loss.

    Args:
        l2: Non-negative L2 factor. Defaults to ``0.01``.

    Raises:
        ValueError: If ``l2`` is negative or NaN.

    Example:

    >>> keras.regularizers.L2(0.1)(np.array([1.0, -2.0]))   # 0.5
    """

    def __init__(self, l2=0.01):
        self.l2 = _validate("l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        return self.l2 * jnp.sum(jnp.square(jnp.asarray(getattr(x, "value", x))))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Orthogonality penalty: ``loss = factor * mean(abs(dot(r_i, r_j)))`` over pairs ``i != j`` of L2-normalised rows.

    With ``mode="columns"`` the columns are compared instead. The penalty is 0 when the rows (or
    columns) of the 2-D kernel are orthogonal. Call the instance on a weight tensor to get the
    penalty, a scalar added to the training loss.

    Args:
        factor: Non-negative scale of the penalty. Defaults to ``0.01``.
        mode: ``"rows"`` (default) or ``"columns"``: which vectors should be orthogonal.

    Raises:
        ValueError: If ``factor`` is negative or ``mode`` unknown, or (when called) the input is not
            2-D.

    Example:

    >>> keras.regularizers.OrthogonalRegularizer(factor=1.0)(np.eye(3))   # 0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate("factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError("Invalid value for argument `mode`. Expected one of {'rows', 'columns'}. "
                             f"Received: mode={mode}")
        self.mode = mode

    def __call__(self, x):
        x = jnp.asarray(getattr(x, "value", x))
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer expects a 2-D input; received shape {x.shape}.")
        if self.mode == "columns":
            x = x.T
        x = x / jnp.maximum(jnp.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        prod = x @ x.T
        n = x.shape[0]
        off = prod * (1.0 - jnp.eye(n))
        return self.factor * jnp.sum(jnp.abs(off)) / (n * (n - 1) if n > 1 else 1)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    """Shortcut for ``L1L2`` with both factors defaulting to 0.01: ``l1 * sum(abs(x)) + l2 * sum(square(x))``.

    Args:
        l1: Non-negative L1 factor. Defaults to ``0.01``.
        l2: Non-negative L2 factor. Defaults to ``0.01``.

    Returns:
        An ``L1L2`` instance.

    Example:

    >>> reg = keras.regularizers.l1_l2(l1=0.001, l2=0.01)
    """
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer, "OrthogonalRegularizer": OrthogonalRegularizer}


def serialize(regularizer):
    """Turn a regularizer into its Keras 3 config.

    Args:
        regularizer: A ``Regularizer`` instance (built-in or a registered custom class).

    Returns:
        A JSON-compatible dict with ``"class_name"`` and ``"config"`` keys.

    Example:

    >>> keras.regularizers.serialize(keras.regularizers.L2(0.01))["class_name"]
    """
    return registry.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """Rebuild a regularizer from the output of ``serialize``.

    Args:
        config: A config dict with ``"class_name"`` and ``"config"`` keys.
        custom_objects: Optional dict mapping names to custom regularizer classes, consulted before
            the built-in ones.

    Returns:
        A new ``Regularizer`` instance.

    Raises:
        ValueError: If the class name is unknown.
    """
    return registry.deserialize_keras_object(config, custom_objects, module_objects=_BY_NAME)


def get(identifier):
    """Look up a regularizer from a name, a config dict or a callable.

    Args:
        identifier: ``None``, a built-in name such as ``"l2"`` (giving an instance with default
            arguments), a config dict, or a callable such as a ``Regularizer`` instance (returned as
            it is).

    Returns:
        The regularizer, or ``None`` when ``identifier`` is ``None``.

    Raises:
        ValueError: If ``identifier`` is an unknown name or cannot be interpreted.

    Example:

    >>> keras.regularizers.get("l2")
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise unknown_identifier_error("regularizer", identifier, _BY_NAME)
        return _BY_NAME[identifier]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")
