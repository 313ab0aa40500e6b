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
    """Vector or matrix norm of ``x`` (numpy's semantics).

    With ``axis=None`` a 1-D input gets a vector norm, a 2-D input a matrix norm, and higher
    ranks the 2-norm of the flattened tensor (only when ``ord`` is ``None``).

    Args:
        x: Input tensor; integers are promoted to floatx.
        ord: Order of the norm. For vectors: ``None``/2 (Euclidean), any number ``p``
            (``sum(|x| ** p) ** (1 / p)``), ``inf``, ``-inf``, 0 (count of non-zeros). For matrices:
            ``None``/``"fro"`` (Frobenius), ``"nuc"`` (nuclear), ``inf``, ``-inf``, 1, -1, 2, -2.
        axis: An int for vector norms along that axis, a pair of ints for matrix norms over those
            two axes, or ``None`` (default, see above).
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor of norms.

    Example:
        >>> keras.ops.norm([3.0, 4.0])
        Array(5., dtype=float32)
    """
    if isinstance(axis, list):
        axis = tuple(axis)
    return jnp.linalg.norm(to_float(arr(x)), ord=ord, axis=axis, keepdims=keepdims)


@keras_op
def inv(x):
    """Inverse of a square matrix (or of each matrix in a batch).

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        The inverses, shape ``(..., M, M)`` (non-finite values for singular matrices).

    Example:
        >>> keras.ops.inv([[2.0, 0.0], [0.0, 4.0]])
        Array([[0.5 , 0.  ],
               [0.  , 0.25]], dtype=float32)
    """
    return jnp.linalg.inv(to_float(arr(x)))


@keras_op
def det(x):
    """Determinant of a square matrix (or of each matrix in a batch).

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        A tensor of shape ``(...)``.

    Example:
        >>> keras.ops.det([[1.0, 2.0], [3.0, 4.0]])
        Array(-2., dtype=float32)
    """
    return jnp.linalg.det(to_float(arr(x)))


@keras_op
def slogdet(x):
    """Sign and natural log of the absolute determinant, computed without overflow.

    ``det(x) == sign * exp(logabsdet)``; prefer it to ``log(det(x))`` for large matrices.

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        A tuple ``(sign, logabsdet)`` of tensors of shape ``(...)``; ``sign`` is 0 (and
        ``logabsdet`` is ``-inf``) for singular matrices.

    Example:
        >>> sign, logabsdet = keras.ops.slogdet([[2.0, 0.0], [0.0, -3.0]])
        >>> float(sign), round(float(logabsdet), 4)
        (-1.0, 1.7918)
    """
    return jnp.linalg.slogdet(to_float(arr(x)))


@keras_op
def cholesky(x, upper=False):
    """Cholesky factor of a symmetric (Hermitian) positive-definite matrix.

    Finds triangular ``L`` with ``x = L @ L^H`` (or ``U`` with ``x = U^H @ U`` when ``upper``).
    Matrices that are not positive-definite give NaNs.

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.
        upper: Return the upper-triangular factor instead of the lower one (default ``False``).

    Returns:
        The triangular factors, shape ``(..., M, M)``.

    Example:
        >>> keras.ops.cholesky([[4.0, 2.0], [2.0, 2.0]])
        Array([[2., 0.],
               [1., 1.]], dtype=float32)
    """
    lower = jnp.linalg.cholesky(to_float(arr(x)))
    return jnp.swapaxes(lower, -1, -2).conj() if upper else lower


@keras_op
def solve(a, b):
    """Solve the linear system ``a @ x = b`` for ``x``.

    Args:
        a: Coefficient matrices, shape ``(..., M, M)``; integers are promoted to floatx.
        b: Right-hand sides, shape ``(..., M)`` or ``(..., M, K)``.

    Returns:
        The solution, with the shape of ``b``.

    Example:
        >>> keras.ops.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0])
        Array([1. , 0.5], dtype=float32)
    """
    return jnp.linalg.solve(to_float(arr(a)), to_float(arr(b)))


@keras_op
def solve_triangular(a, b, lower=False):
    """Solve ``a @ x = b`` for ``x`` when ``a`` is triangular (by substitution).

    Only the triangle of ``a`` named by ``lower`` is read; the other one is ignored.

    Args:
        a: Triangular matrices, shape ``(..., M, M)``; integers are promoted to floatx.
        b: Right-hand sides, shape ``(..., M)`` or ``(..., M, K)``.
        lower: Whether ``a`` is lower-triangular (default ``False``: upper-triangular).

    Returns:
        The solution, with the shape of ``b``.

    Example:
        >>> keras.ops.solve_triangular([[1.0, 0.0], [1.0, 2.0]], [1.0, 3.0], lower=True)
        Array([1., 1.], dtype=float32)
    """
    return jsl.solve_triangular(to_float(arr(a)), to_float(arr(b)), lower=lower)


@keras_op
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition ``x = u @ diag(s) @ vh``.

    Args:
        x: Tensor of shape ``(..., M, N)``; integers are promoted to floatx.
        full_matrices: If ``True`` (default), ``u`` is ``(..., M, M)`` and ``vh`` ``(..., N, N)``;
            if ``False``, only the ``K = min(M, N)`` leading vectors are kept: ``(..., M, K)`` and
            ``(..., K, N)``.
        compute_uv: If ``False``, return only the singular values (default ``True``).

    Returns:
        ``(u, s, vh)``, with ``s`` of shape ``(..., K)`` in descending order, or just ``s`` when
        ``compute_uv`` is ``False``.

    Example:
        >>> keras.ops.svd([[3.0, 0.0], [0.0, -4.0]], compute_uv=False)
        Array([4., 3.], dtype=float32)
    """
    return jnp.linalg.svd(to_float(arr(x)), full_matrices=full_matrices, compute_uv=compute_uv)


@keras_op
def eig(x):
    """Eigenvalues and right eigenvectors of a general square matrix.

    The results are complex even for real ``x``, and the eigenvectors are normalised to unit length.

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        A tuple ``(w, v)``: complex eigenvalues ``(..., M)`` and eigenvectors ``(..., M, M)``,
        where column ``v[..., :, i]`` belongs to ``w[..., i]``.

    Example:
        >>> w, v = keras.ops.eig([[2.0, 0.0], [0.0, 3.0]])
        >>> w
        Array([2.+0.j, 3.+0.j], dtype=complex64)
    """
    return jnp.linalg.eig(to_float(arr(x)))


@keras_op
def eigh(x):
    """Eigenvalues and eigenvectors of a symmetric (Hermitian) matrix.

    ``x`` is symmetrised first, as ``(x + x^H) / 2``, so only its symmetric part matters.

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        A tuple ``(w, v)``: real eigenvalues ``(..., M)`` in ascending order and orthonormal
        eigenvectors ``(..., M, M)``, column ``v[..., :, i]`` belonging to ``w[..., i]``.

    Example:
        >>> w, v = keras.ops.eigh([[2.0, 1.0], [1.0, 2.0]])
        >>> w
        Array([1., 3.], dtype=float32)
    """
    return jnp.linalg.eigh(to_float(arr(x)))


@keras_op
def lu_factor(x):
    """LU factorisation with partial pivoting, in LAPACK's compact form.

    ``x = P @ L @ U`` with ``L`` unit lower-triangular and ``U`` upper-triangular.

    Args:
        x: Tensor of shape ``(..., M, M)``; integers are promoted to floatx.

    Returns:
        A tuple ``(lu, pivots)``: ``lu`` ``(..., M, M)`` holds ``U`` in its upper triangle and the
        strictly lower part of ``L`` below it; ``pivots`` ``(..., M)`` (int32) says that row ``i``
        was swapped with row ``pivots[i]``.

    Example:
        >>> lu, pivots = keras.ops.lu_factor([[1.0, 2.0], [3.0, 4.0]])
        >>> pivots
        Array([1, 1], dtype=int32)
    """
    return jsl.lu_factor(to_float(arr(x)))


@keras_op
def lstsq(a, b, rcond=None):
    """Least-squares solution ``x`` of ``a @ x ~= b``: the ``x`` minimising ``||b - a @ x||``.

    Args:
        a: Coefficient matrix of shape ``(M, N)``; integers are promoted to floatx.
        b: Right-hand side of shape ``(M,)`` or ``(M, K)``.
        rcond: Cut-off ratio for small singular values of ``a``: those below
            ``rcond * largest`` count as zero. ``None`` (default) uses ``max(M, N) * eps``.

    Returns:
        The solution, shape ``(N,)`` or ``(N, K)``.

    Example:
        >>> keras.ops.lstsq([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], [2.0, 3.0, 5.0])
        Array([1., 3.], dtype=float32)
    """
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
