"""Small private helpers shared by the ``fkeras.ops`` modules."""
from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from fkeras.backend import config
from fkeras.ops._dispatch import to_array

_PY_SCALARS = (bool, int, float, complex)


def arr(x):
    """A jax array from ``x`` (Variable handle, numpy array, list, jax array)."""
    x = to_array(x)
    if isinstance(x, jnp.ndarray):
        return x
    return jnp.asarray(x)


def arr_or_scalar(x):
    """Like ``arr`` but keeps Python scalars as they are, so jax's weak typing applies
    (``bfloat16_array * 2.0`` stays bfloat16, as in Keras)."""
    x = to_array(x)
    if isinstance(x, _PY_SCALARS) and not isinstance(x, np.generic):
        return x
    if isinstance(x, jnp.ndarray):
        return x
    return jnp.asarray(x)


def arrs(xs):
    """Convert each element of a sequence with ``arr``.

    Args:
        xs: Sequence of tensors, arrays, Variables, lists or scalars.

    Returns:
        A list of JAX arrays.
    """
    return [arr(x) for x in xs]


_DTYPE_ALIASES = {"float": None, "int": "int32", "uint": "uint32", "bool": "bool",
                  "complex": "complex64"}


def standardize_dtype(dtype, default=None):
    """A dtype name string (``'float32'``); ``None`` gives ``default`` (floatx if not given)."""
    if dtype is None:
        return default if default is not None else config.floatx()
    if isinstance(dtype, type) and dtype in (bool, int, float, complex):
        dtype = {bool: "bool", int: "int32", float: "float", complex: "complex"}[dtype]
    if isinstance(dtype, str) and dtype in _DTYPE_ALIASES:
        alias = _DTYPE_ALIASES[dtype]
        return config.floatx() if alias is None else alias
    if hasattr(dtype, "name") and not isinstance(dtype, (str, np.dtype)):
        # jnp.float32 (a scalar type class) or a Keras-like DTypePolicy.
        try:
            return np.dtype(dtype).name
        except TypeError:
            return standardize_dtype(dtype.name, default)
    try:
        if str(dtype) == "bfloat16":
            return "bfloat16"
        return jnp.dtype(dtype).name
    except TypeError as e:
        raise ValueError(f"Invalid `dtype` argument: expected a dtype name such as 'float32'. "
                         f"Received: dtype={dtype!r}") from e


def is_float_dtype(dtype) -> bool:
    return jnp.issubdtype(jnp.dtype(dtype), jnp.floating)


def to_float(x):
    """Cast integer/bool arrays to floatx (Keras promotes e.g. ``sqrt(int)`` to float)."""
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return x.astype(config.floatx())
    return x
