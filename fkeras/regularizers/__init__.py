"""Weight regularizers (Keras 3's ``keras.regularizers``): penalties added to the training loss."""
from __future__ import annotations

import jax.numpy as jnp

from fkeras.saving import registry
from fkeras.utils.naming import unknown_identifier_error


class Regularizer:
    """Base class: ``__call__(x) -> scalar`` penalty, ``get_config``/``from_config``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _validate(name, value):
    value = float(value)
    if value < 0 or value != value:
        raise ValueError(f"Value for argument `{name}` must be a non-negative float. Received: {name}={value}")
    return value


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

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
    """``l1 * sum(|x|)`` (default ``l1=0.01``)."""

    def __init__(self, l1=0.01):
        self.l1 = _validate("l1", 0.01 if l1 is None else l1)

    def __call__(self, x):
        return self.l1 * jnp.sum(jnp.abs(jnp.asarray(getattr(x, "value", x))))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x**2)`` (default ``l2=0.01``)."""

    def __init__(self, l2=0.01):
        self.l2 = _validate("l2", 0.01 if l2 is None else l2)

    def __call__(self, x):
        return self.l2 * jnp.sum(jnp.square(jnp.asarray(getattr(x, "value", x))))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Encourages orthogonal rows (``mode='rows'``) or columns of a 2-D kernel."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate("factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid value for argument `mode`. Expected one of {{'rows', 'columns'}}. Received: mode={mode}")
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
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2,
            "orthogonal_regularizer": OrthogonalRegularizer, "OrthogonalRegularizer": OrthogonalRegularizer}


def serialize(regularizer):
    return registry.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    return registry.deserialize_keras_object(config, custom_objects, module_objects=_BY_NAME)


def get(identifier):
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
