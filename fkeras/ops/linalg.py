"""``keras.ops.linalg`` over ``jax.numpy.linalg`` / ``jax.scipy.linalg``."""
from __future__ import annotations

import jax.numpy as jnp
import jax.scipy.linalg as jsl

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, to_float
from fkeras.ops.math import qr  # noqa: F401  (keras.ops.linalg.qr)


@keras_op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (numpy semantics).

    Example:
        >>> norm([3.0, 4.0])
        Array(5., dtype=float32)
    """
    if isinstance(axis, list):
        axis = tuple(axis)
    return jnp.linalg.norm(to_float(arr(x)), ord=ord, axis=axis, keepdims=keepdims)


@keras_op
def inv(x):
    return jnp.linalg.inv(to_float(arr(x)))


@keras_op
def det(x):
    return jnp.linalg.det(to_float(arr(x)))


@keras_op
def slogdet(x):
    return jnp.linalg.slogdet(to_float(arr(x)))


@keras_op
def cholesky(x, upper=False):
    """Lower (or, with ``upper=True``, upper) Cholesky factor."""
    lower = jnp.linalg.cholesky(to_float(arr(x)))
    return jnp.swapaxes(lower, -1, -2).conj() if upper else lower


@keras_op
def solve(a, b):
    """Solve ``a @ x = b``."""
    return jnp.linalg.solve(to_float(arr(a)), to_float(arr(b)))


@keras_op
def solve_triangular(a, b, lower=False):
    return jsl.solve_triangular(to_float(arr(a)), to_float(arr(b)), lower=lower)


@keras_op
def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` (or just ``s`` with ``compute_uv=False``)."""
    return jnp.linalg.svd(to_float(arr(x)), full_matrices=full_matrices, compute_uv=compute_uv)


@keras_op
def eig(x):
    return jnp.linalg.eig(to_float(arr(x)))


@keras_op
def eigh(x):
    return jnp.linalg.eigh(to_float(arr(x)))


@keras_op
def lu_factor(x):
    return jsl.lu_factor(to_float(arr(x)))


@keras_op
def lstsq(a, b, rcond=None):
    """Least-squares solution ``x`` of ``a @ x ≈ b``."""
    return jnp.linalg.lstsq(to_float(arr(a)), to_float(arr(b)), rcond=rcond)[0]
