"""``keras.ops.linalg`` over ``jax.numpy.linalg`` / ``jax.scipy.linalg``."""
from __future__ import annotations

import jax
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


def _check_matrix(x, name, square=False):
    if x.ndim < 2:
        raise ValueError(f"`{name}` expects a tensor of rank >= 2. Received: x.shape={x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"`{name}` expects square matrices in the last two axes. Received: x.shape={x.shape}")


@keras_op
def cholesky_inverse(x, upper=False):
    """Inverse of a symmetric positive-definite matrix ``A`` from its Cholesky factor.

    ``x`` is the factor, as returned by :func:`cholesky`: lower-triangular ``L`` with
    ``A = L @ L.T`` (or, with ``upper=True``, upper-triangular ``U`` with ``A = U.T @ U``).

    Args:
        x: Cholesky factor(s), shape ``(..., M, M)``.
        upper: Whether ``x`` is the upper factor.

    Returns:
        ``inv(A)``, shape ``(..., M, M)``.

    Example:
        >>> a = jnp.array([[4.0, 2.0], [2.0, 3.0]])
        >>> bool(jnp.allclose(cholesky_inverse(cholesky(a)) @ a, jnp.eye(2), atol=1e-5))
        True
    """
    x = to_float(arr(x))
    _check_matrix(x, "cholesky_inverse", square=True)
    eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    factor_inv = jsl.solve_triangular(x, eye, lower=not upper)
    if upper:  # A = U^T U  ->  A^-1 = U^-1 U^-T
        return factor_inv @ jnp.swapaxes(factor_inv, -1, -2).conj()
    return jnp.swapaxes(factor_inv, -1, -2).conj() @ factor_inv  # A = L L^T -> A^-1 = L^-T L^-1


@keras_op
def matrix_rank(x, tol=None):
    """Numerical rank: the number of singular values above ``tol``.

    Args:
        x: Matrices, shape ``(..., M, N)``.
        tol: Threshold; by default ``max(M, N) * eps * largest singular value``.

    Returns:
        An int32 tensor of shape ``(...)``.

    Example:
        >>> matrix_rank(jnp.array([[1.0, 2.0], [2.0, 4.0]]))
        Array(1, dtype=int32)
    """
    x = to_float(arr(x))
    _check_matrix(x, "matrix_rank")
    return jnp.linalg.matrix_rank(x, tol=tol).astype("int32")


@keras_op
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse, via the SVD.

    Args:
        x: Matrices, shape ``(..., M, N)``.
        rcond: Relative cutoff: singular values below ``rcond * largest`` count as zero
            (default ``max(M, N) * eps``).

    Returns:
        The pseudo-inverses, shape ``(..., N, M)``.
    """
    x = to_float(arr(x))
    _check_matrix(x, "pinv")
    return jnp.linalg.pinv(x, rtol=rcond)


def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product of ``fun`` at ``primals`` along ``tangents``.

    Args:
        fun: Function of ``len(primals)`` positional arguments (arrays or pytrees of arrays).
        primals: Tuple or list of the arguments at which to differentiate.
        tangents: Tuple or list of tangents, with the structure and shapes of ``primals``.
        has_aux: Whether ``fun`` returns ``(output, aux)``; ``aux`` is passed through.

    Returns:
        ``(outputs, output_tangents)``, or ``(outputs, output_tangents, aux)`` with ``has_aux``.

    Example:
        >>> jvp(lambda x: x ** 2, (jnp.array(3.0),), (jnp.array(1.0),))
        (Array(9., dtype=float32, weak_type=True), Array(6., dtype=float32, weak_type=True))
    """
    if not callable(fun):
        raise TypeError(f"`jvp`: `fun` must be callable. Received: fun={fun!r}")
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("`jvp`: `primals` and `tangents` must be tuples or lists. Received: "
                        f"{type(primals).__name__} and {type(tangents).__name__}")
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
