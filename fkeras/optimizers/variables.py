"""The handles behind an optimizer's Keras 3 object API: ``learning_rate``, ``iterations`` and ``variables``.

Every handle here is made by the optimizer that owns the values (see ``training_state`` for who owns
what); none holds a reference to a model:

- ``_LearningRateValue`` / ``_IterationsValue``: what ``optimizer.learning_rate`` and
  ``optimizer.iterations`` return, a plain number that also answers ``.numpy()`` / ``.assign()``;
- ``_StateVariable``: one leaf of the state an optimizer built with ``build(var_list)`` holds (the
  custom-loop state that ``stateless_apply`` takes as a flat list);
- ``_KerasVariable``: a view on one of Keras's optimizer variables (Keras's names and order, as in
  ``.keras`` files) of the state the optimizer holds for the model it trains under ``fit``.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.engine.variables import behaves_as_array


class _LiveNumber:
    """What ``optimizer.learning_rate`` and ``optimizer.iterations`` return: the number (a
    ``float`` / ``int`` subclass, so arithmetic, formatting and comparisons are a number's) that
    also answers Keras 3's variable API — ``.numpy()``, ``.value``, ``.assign(v)`` — so that
    ``keras.backend.set_value(model.optimizer.learning_rate, 1e-4)`` and
    ``model.optimizer.iterations.numpy()`` work. ``assign`` writes through to the optimizer; the
    number itself is a snapshot (read the attribute again after a change). Pickling or copying
    gives a plain number."""

    shape = ()

    def _bind(self, write):
        self._write = write
        return self

    @property
    def value(self):
        return jnp.asarray(self._plain(), self.dtype)

    def numpy(self):
        return np.asarray(self._plain(), self.dtype)[()]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._plain(), dtype or self.dtype)

    def assign(self, value):
        self._write(np.asarray(value).item())
        return self

    def _plain(self):
        return self._number(self)

    def __reduce__(self):
        return self._number, (self._plain(),)


class _LearningRateValue(_LiveNumber, float):
    _number = float
    dtype = np.dtype("float32")


class _IterationsValue(_LiveNumber, int):
    _number = int
    dtype = np.dtype("int32")


class _OptimizerVariable:
    """What both kinds of optimizer-variable handle share: ``numpy()``, ``__array__``, the repr
    and the shape check of ``assign`` (subclasses provide ``name``, ``shape``, ``dtype``, ``value``)."""

    def _check_shape(self, value):
        if tuple(np.shape(value)) != tuple(self.shape):
            raise ValueError(f"Cannot assign a value of shape {tuple(np.shape(value))} to optimizer variable "
                             f"{self.name!r} of shape {tuple(self.shape)}.")

    def numpy(self):
        return np.asarray(self.value)

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        return arr.astype(dtype) if dtype is not None else arr

    def __repr__(self):
        return f"<OptimizerVariable name={self.name!r} shape={tuple(self.shape)} dtype={self.dtype}>"


@behaves_as_array
class _StateVariable(_OptimizerVariable):
    """A minimal mutable handle over one leaf of the optax state (private to the optimizer)."""

    def __init__(self, value, name=None):
        self._value = jnp.asarray(value)
        self.name = name
        self.path = name

    @property
    def value(self):
        return self._value

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype

    def assign(self, value):
        value = jnp.asarray(value, dtype=self.dtype)
        self._check_shape(value)
        self._value = value
        return self


def _value_of(v):
    return v.value if hasattr(v, "value") else jnp.asarray(v)


@behaves_as_array
class _KerasVariable(_OptimizerVariable):
    """A view on Keras's optimizer variable number ``index`` (``iteration``, ``learning_rate``, then
    the slots such as ``dense_kernel_momentum``) of the state the optimizer holds for the model it
    trains: each read lays that state out in Keras's order, each write loads the whole list back."""

    def __init__(self, optimizer, index: int, name: str, path: str, shape, dtype):
        self._optimizer = optimizer
        self._index = index
        self.name, self.path = name, path
        self.shape = tuple(shape)
        self.dtype = dtype

    @property
    def value(self) -> jax.Array:
        return jnp.asarray(self._optimizer._keras_entries()[self._index][1])

    def assign(self, value: Any) -> "_KerasVariable":
        self._check_shape(value)
        values = [a for _, a in self._optimizer._keras_entries()]
        values[self._index] = np.asarray(value, dtype=self.dtype)
        if not self._optimizer._load_keras_arrays(values):
            raise ValueError(f"Could not write optimizer variable {self.name!r} back into the optimizer's state.")
        return self
