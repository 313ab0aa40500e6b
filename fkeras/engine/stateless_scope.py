"""Keras 3's ``keras.StatelessScope`` and ``keras.remat``, over fkeras's binding scope.

Inside a ``StatelessScope``, variables read the values the scope maps them to, and ``assign``
records the new value in the scope instead of changing the variable, so a layer can be run as a pure
function of values you choose and you read its state updates afterwards. This is the mechanism
``model.stateless_call`` and the jitted train step use (``BindingScope``).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import jax
import jax.numpy as jnp

from fkeras.engine.variables import _MISSING, BindingScope, Variable


class StatelessScope:
    """Run layers on chosen variable values without changing the variables (Keras 3's
    ``keras.StatelessScope``).

    Inside the scope, each variable of ``state_mapping`` reads its mapped value; any ``assign``
    (a metric update, a BatchNormalization moving statistic, a layer's own ``assign``) is recorded
    in the scope and the variable itself keeps its value. Read the recorded values with
    ``get_current_value``. Other variables read their own values.

    Args:
        state_mapping: Pairs ``(variable, value)``: the value each variable reads inside the scope.
            Each value must have the variable's shape; it is cast to the variable's dtype.
        collect_losses: If ``True``, the ``add_loss`` terms of the layers called inside the scope
            are kept in ``scope.losses``.
        initialize_variables: Accepted for Keras compatibility: fkeras variables always hold a
            value, so nothing needs initializing.

    Example:

    ```python
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    kernel = dense.kernel  # the Variable (inside a scope, `dense.kernel` reads as its value)
    with keras.StatelessScope(state_mapping=[(kernel, np.zeros((3, 2)))]) as scope:
        y = dense(np.ones((1, 3)))  # the zero kernel: y is the bias, [[0., 0.]]
        kernel.assign(np.ones((3, 2)))
    scope.get_current_value(kernel)  # ones; the variable itself is unchanged
    ```
    """

    def __init__(self, state_mapping: Iterable[tuple[Variable, Any]] | None = None, collect_losses: bool = False,
                 initialize_variables: bool = True):
        pairs = list(state_mapping or [])
        values = {}
        for i, pair in enumerate(pairs):
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
                raise ValueError("Argument `state_mapping` must be a list of `(variable, value)` pairs. "
                                 f"Received entry {i}: {pair!r}")
            var, value = pair
            if not isinstance(var, Variable):
                raise ValueError("Argument `state_mapping` must map `keras.Variable` instances to values. "
                                 f"Received entry {i} with key {var!r} of type {type(var).__name__}.")
            value = jnp.asarray(value, dtype=var.dtype)
            if tuple(value.shape) != tuple(var.shape):
                raise ValueError(f"Invalid value for variable {var.path!r} in `state_mapping`: expected shape "
                                 f"{tuple(var.shape)}, received shape {tuple(value.shape)}.")
            values[id(var)] = value
        self.collect_losses = bool(collect_losses)
        self.initialize_variables = initialize_variables
        self._scope = BindingScope(variables=[v for v, _ in pairs], values=values)
        self.losses: list = []

    def __enter__(self) -> "StatelessScope":
        self._scope.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._scope.__exit__(exc_type, exc, tb)
        if self.collect_losses:
            self.losses = list(self._scope.losses)

    def get_current_value(self, variable: Variable) -> Any:
        """The value ``variable`` has in this scope: its mapped value, or the value last assigned
        inside the scope; None if the scope neither maps nor assigned it.

        Args:
            variable: A ``keras.Variable``.

        Returns:
            An array, or None.
        """
        value = self._scope.lookup(variable)
        return None if value is _MISSING else value

    def add_loss(self, loss: Any) -> None:
        """Record an ``add_loss`` term in the scope (what a layer's ``add_loss`` does inside it).

        Args:
            loss: A scalar tensor.
        """
        self._scope.losses.append(loss)


def remat(f: Callable) -> Callable:
    """``f`` with rematerialization (Keras 3's ``keras.remat``; ``jax.checkpoint`` underneath): its
    intermediate activations are not kept for the backward pass but recomputed there, trading
    compute for memory.

    Args:
        f: A function of arrays (for example a layer's ``call`` body, or a block of layers called
            on tensors).

    Returns:
        A function computing the same values, whose gradient recomputes ``f``'s forward pass.

    Example:

    ```python
    block = keras.remat(lambda x, w: jnp.tanh(x @ w))
    grads = jax.grad(lambda w: jnp.sum(block(x, w)))(w)
    ```
    """
    if not callable(f):
        raise TypeError(f"`remat` expects a callable. Received: {f!r}")
    return jax.checkpoint(f)
