"""More ``keras.ops.numpy`` array creation and manipulation: splits, flips, ``kron``,
``vander``, ``unique``, ``unravel_index``, ``view`` and ``vectorize``.

Re-exported from :mod:`fkeras.ops.numpy` and the flat ``keras.ops`` namespace.

Example:
    >>> [a.shape for a in array_split(jnp.arange(7), 3)]
    [(3,), (2,), (2,)]
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, arr_or_scalar, standardize_dtype


def _opt_dtype(dtype):
    return None if dtype is None else standardize_dtype(dtype)


def _sections(value):
    """``indices_or_sections`` as numpy takes it (an int or a tuple of split points)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    return value


# --- splitting --------------------------------------------------------------------------------

@keras_op
def array_split(x, indices_or_sections, axis=0):
    """Split ``x`` into ``indices_or_sections`` nearly equal parts along ``axis``.

    Unlike ``split``, the length need not divide evenly: the first ``n % sections`` parts
    get one extra element.

    Args:
        x: Input tensor.
        indices_or_sections: Number of parts, a positive int.
        axis: The axis to split along.

    Returns:
        A list of tensors.

    Example:
        >>> [p.tolist() for p in array_split(jnp.arange(5), 2)]
        [[0, 1, 2], [3, 4]]
    """
    if not isinstance(indices_or_sections, int) or isinstance(indices_or_sections, bool):
        raise TypeError("Argument `indices_or_sections` must be of type `int`. "
                        f"Received: indices_or_sections={indices_or_sections!r}")
    if indices_or_sections <= 0:
        raise ValueError("Argument `indices_or_sections` must be a positive integer. "
                         f"Received: indices_or_sections={indices_or_sections}")
    if not isinstance(axis, int):
        raise TypeError(f"Argument `axis` must be of type `int`. Received: axis={axis!r}")
    return list(jnp.array_split(arr(x), indices_or_sections, axis=axis))


def _split_along(x, indices_or_sections, axis, min_ndim, name):
    x = arr(x)
    if x.ndim < min_ndim:
        raise ValueError(f"`{name}` needs a tensor of rank >= {min_ndim}. Received: x.shape={x.shape}")
    return list(jnp.split(x, _sections(indices_or_sections), axis=axis))


@keras_op
def hsplit(x, indices_or_sections):
    """Split ``x`` horizontally: along axis 1, or axis 0 for a 1-D tensor.

    Args:
        x: Input tensor.
        indices_or_sections: Number of equal parts, or the split points.

    Returns:
        A list of tensors.
    """
    x = arr(x)
    return _split_along(x, indices_or_sections, 0 if x.ndim == 1 else 1, 1, "hsplit")


@keras_op
def vsplit(x, indices_or_sections):
    """Split ``x`` vertically (along axis 0); ``x`` must have rank >= 2.

    Args:
        x: Input tensor.
        indices_or_sections: Number of equal parts, or the split points.

    Returns:
        A list of tensors.
    """
    return _split_along(x, indices_or_sections, 0, 2, "vsplit")


@keras_op
def dsplit(x, indices_or_sections):
    """Split ``x`` depth-wise (along axis 2); ``x`` must have rank >= 3.

    Args:
        x: Input tensor.
        indices_or_sections: Number of equal parts, or the split points.

    Returns:
        A list of tensors.
    """
    return _split_along(x, indices_or_sections, 2, 3, "dsplit")


# --- flips and structured matrices ------------------------------------------------------------

@keras_op
def fliplr(x):
    """Reverse the order of columns (axis 1); ``x`` must have rank >= 2.

    Args:
        x: Input tensor.

    Returns:
        The flipped tensor.
    """
    x = arr(x)
    if x.ndim < 2:
        raise ValueError(f"`fliplr` needs a tensor of rank >= 2. Received: x.shape={x.shape}")
    return jnp.flip(x, axis=1)


@keras_op
def flipud(x):
    """Reverse the order of rows (axis 0); ``x`` must have rank >= 1.

    Args:
        x: Input tensor.

    Returns:
        The flipped tensor.
    """
    x = arr(x)
    if x.ndim < 1:
        raise ValueError(f"`flipud` needs a tensor of rank >= 1. Received: x.shape={x.shape}")
    return jnp.flip(x, axis=0)


@keras_op
def diagflat(x, k=0):
    """A 2-D tensor with the flattened ``x`` on its ``k``-th diagonal.

    Args:
        x: Input tensor (flattened first).
        k: Diagonal offset: positive above the main diagonal, negative below.

    Returns:
        A square 2-D tensor of side ``x.size + abs(k)``.

    Example:
        >>> diagflat([[1, 2]], k=1)
        Array([[0, 1, 0],
               [0, 0, 2],
               [0, 0, 0]], dtype=int32)
    """
    return jnp.diagflat(arr(x), k=k)


@keras_op
def kron(x1, x2):
    """Kronecker product: ``x2`` scaled by every element of ``x1``, tiled block-wise.

    Args:
        x1: First tensor.
        x2: Second tensor.

    Returns:
        A tensor whose shape is the element-wise product of the (rank-padded) input shapes.
    """
    return jnp.kron(arr(x1), arr(x2))


@keras_op
def vander(x, N=None, increasing=False):
    """Vandermonde matrix of a 1-D tensor: columns are powers of ``x``.

    Args:
        x: 1-D input tensor.
        N: Number of columns (defaults to ``len(x)``).
        increasing: Powers increase left to right when True (``x**0`` first).

    Returns:
        A 2-D tensor of shape ``(len(x), N)``.

    Example:
        >>> vander([1, 2, 3], N=3)
        Array([[1, 1, 1],
               [4, 2, 1],
               [9, 3, 1]], dtype=int32)
    """
    x = arr(x)
    if x.ndim != 1:
        raise ValueError(f"`vander` expects a 1-dimensional tensor. Received: x.shape={x.shape}")
    if N is not None:
        if not isinstance(N, int) or isinstance(N, bool):
            raise TypeError(f"Argument `N` must be of type `int`. Received: N={N!r}")
        if N < 0:
            raise ValueError(f"Argument `N` must be non-negative. Received: N={N}")
    if not isinstance(increasing, bool):
        raise TypeError(f"Argument `increasing` must be of type `bool`. Received: increasing={increasing!r}")
    return jnp.vander(x, N=N, increasing=increasing)


# --- creation ---------------------------------------------------------------------------------

@keras_op
def empty_like(x, dtype=None):
    """A tensor with the shape (and, unless ``dtype`` is given, the dtype) of ``x``.

    XLA has no uninitialized memory, so the contents are zeros; do not rely on that.

    Args:
        x: Template tensor.
        dtype: Optional dtype of the result.

    Returns:
        A new tensor.
    """
    return jnp.empty_like(arr(x), dtype=_opt_dtype(dtype))


@keras_op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` numbers spaced evenly on a log scale (a geometric progression).

    Args:
        start: First value (non-zero).
        stop: Last value (included when ``endpoint``); same sign as ``start``.
        num: Number of samples.
        endpoint: Whether ``stop`` is the last sample.
        dtype: Dtype of the result (floatx when ``None``).
        axis: Where the samples go when ``start``/``stop`` are tensors.

    Returns:
        A tensor of ``num`` samples.

    Example:
        >>> [round(float(v), 3) for v in geomspace(1.0, 1000.0, num=4)]
        [1.0, 10.0, 100.0, 1000.0]
    """
    return jnp.geomspace(arr_or_scalar(start), arr_or_scalar(stop), num=num, endpoint=endpoint,
                         dtype=standardize_dtype(dtype), axis=axis)


# --- indices and unique values -----------------------------------------------------------------

@keras_op
def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    """The distinct elements (or slices along ``axis``) of ``x``, in ascending order.

    The number of distinct values depends on the data, so under ``jax.jit`` give ``size``:
    the output is then cut or padded to exactly ``size`` entries (padding with
    ``fill_value``, by default the smallest unique value).

    Args:
        x: Input tensor.
        sorted: Passed through to ``jax.numpy.unique``, which currently always sorts.
        return_index: Also return the index of each value's first occurrence.
        return_inverse: Also return, for every input element, the index of its value in the
            result (so ``result[inverse]`` rebuilds ``x``).
        return_counts: Also return how often each value occurs.
        axis: Find unique slices along this axis; ``None`` flattens ``x``.
        size: Static output length (required under ``jit``).
        fill_value: Padding value used when ``size`` exceeds the number of unique values.

    Returns:
        The unique values, or a tuple ``(values, [index], [inverse], [counts])`` when any
        ``return_*`` flag is set.

    Example:
        >>> unique([3, 1, 3, 2])
        Array([1, 2, 3], dtype=int32)
    """
    if size is not None and (not isinstance(size, int) or size <= 0):
        raise ValueError(f"Argument `size` must be a positive int or None. Received: size={size!r}")
    flags = (bool(sorted), bool(return_index), bool(return_inverse), bool(return_counts), axis)
    if size is None:  # data-dependent output length: eager only, as in Keras on JAX
        return _unique(arr(x), *flags, None, fill_value)
    return _unique_sized(arr(x), *flags, size, fill_value)


def _unique(x, sorted, return_index, return_inverse, return_counts, axis, size, fill_value):
    out = jnp.unique(x, return_index=return_index, return_inverse=return_inverse, return_counts=return_counts,
                     axis=axis, equal_nan=False, size=size, fill_value=fill_value, sorted=sorted)
    return tuple(out) if isinstance(out, tuple) else out


# With a static size the whole computation compiles once instead of dispatching op by op.
_unique_sized = jax.jit(_unique, static_argnums=(1, 2, 3, 4, 5, 6))


@keras_op
def unravel_index(indices, shape):
    """Convert flat indices into a tuple of coordinate tensors for a tensor of ``shape``.

    Args:
        indices: Integer tensor of flat (row-major) indices.
        shape: The shape the indices refer to.

    Returns:
        A tuple of ``len(shape)`` integer tensors, each shaped like ``indices``.

    Example:
        >>> unravel_index([5, 7], (2, 4))
        (Array([1, 1], dtype=int32), Array([1, 3], dtype=int32))
    """
    shape = tuple(int(s) for s in shape)
    return tuple(jnp.unravel_index(arr(indices), shape))


@keras_op
def view(x, dtype=None):
    """Reinterpret the bytes of ``x`` as another dtype (no value conversion).

    When the item sizes differ, the last axis shrinks or grows accordingly.

    Args:
        x: Input tensor.
        dtype: The new dtype; ``None`` keeps the current one.

    Returns:
        A tensor sharing ``x``'s bits.

    Example:
        >>> view(jnp.array([1.0], "float32"), "int32")
        Array([1065353216], dtype=int32)
    """
    x = arr(x)
    if dtype is None:
        return x
    return x.view(standardize_dtype(dtype))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """Turn a function over scalars (or core-shaped arrays) into one that broadcasts.

    Built on ``jax.vmap``, so the result traces once per call and works under ``jit``.

    Args:
        pyfunc: The callable to vectorize.
        excluded: Optional set of argument positions/names passed through unvectorized.
        signature: Optional generalized-ufunc signature such as ``"(n),(n)->()"``.

    Returns:
        The vectorized callable.

    Example:
        >>> f = vectorize(lambda a, b: a + b)
        >>> f(jnp.ones((2, 3)), jnp.arange(3.0)).shape
        (2, 3)
    """
    if not callable(pyfunc):
        raise ValueError(f"Expected argument `pyfunc` to be a callable. Received: pyfunc={pyfunc!r}")
    return jnp.vectorize(pyfunc, excluded=set() if excluded is None else set(excluded),
                         signature=signature)


__all__ = [
    "array_split", "hsplit", "vsplit", "dsplit", "fliplr", "flipud", "diagflat", "kron", "vander",
    "empty_like", "geomspace", "unique", "unravel_index", "view", "vectorize",
]
