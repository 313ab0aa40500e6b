"""``keras.ops`` core: conversion, control flow, slicing, scatter.

Control flow maps straight onto ``jax.lax`` (``cond``, ``scan``, ``fori_loop``,
``while_loop``), so these ops trace once under ``jax.jit``.
"""
from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.ops._dispatch import keras_op, to_array
from fkeras.ops._helpers import arr, standardize_dtype

__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor", "custom_gradient",
    "dtype", "dynamic_update_slice", "fori_loop", "is_tensor", "map", "saturate_cast", "scan",
    "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient", "switch",
    "unstack", "vectorized_map", "while_loop",
]


# --- introspection (not recorded as graph ops: they answer from static shapes) ---------------

def shape(x):
    """The static shape of ``x`` as a tuple.

    Introspection only: it answers from the static shape and records nothing in a Functional graph.

    Args:
        x: Tensor, numpy array, Variable, symbolic tensor (``keras.Input``), list or scalar.

    Returns:
        A tuple of ints; symbolic tensors have ``None`` for unknown dimensions (such as the batch).

    Example:
        >>> keras.ops.shape(keras.ops.zeros((2, 3)))
        (2, 3)
    """
    x = to_array(x)
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return tuple(np.shape(x))


def dtype(x):
    """The dtype of ``x`` as a standard name string.

    Args:
        x: Tensor, numpy array, Variable, symbolic tensor, list or scalar.

    Returns:
        A string such as ``"float32"`` or ``"int32"``.

    Example:
        >>> keras.ops.dtype(keras.ops.ones((2,), dtype="int32"))
        'int32'
    """
    x = to_array(x)
    if hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    return standardize_dtype(jnp.asarray(x).dtype)


def is_tensor(x):
    """Whether ``x`` is a backend tensor: a JAX array, concrete or traced.

    Args:
        x: Any object; Variable handles are judged by their value.

    Returns:
        A Python bool (``False`` for numpy arrays, lists and scalars).

    Example:
        >>> keras.ops.is_tensor(keras.ops.zeros(2)), keras.ops.is_tensor([0.0, 0.0])
        (True, False)
    """
    return isinstance(to_array(x), jax.Array)


def convert_to_numpy(x):
    """Copy the value of ``x`` into a numpy array on the host.

    Args:
        x: Tensor, Variable or array-like (not a traced value inside ``jax.jit``).

    Returns:
        A ``numpy.ndarray``.

    Example:
        >>> keras.ops.convert_to_numpy(keras.ops.ones((2,)))
        array([1., 1.], dtype=float32)
    """
    return np.asarray(to_array(x))


# --- conversion -------------------------------------------------------------------------------

@keras_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Convert ``x`` to a backend tensor (a JAX array).

    Python floats (and lists of them) become floatx; JAX arrays without a ``dtype`` request are
    returned as they are.

    Args:
        x: A list, scalar, numpy array, JAX array or Variable.
        dtype: Dtype of the result; ``None`` (default) infers it.
        sparse: Must be falsy: fkeras tensors are dense JAX arrays.
        ragged: Must be falsy: ragged tensors are not supported.

    Returns:
        A JAX array.

    Raises:
        ValueError: If ``sparse`` or ``ragged`` is ``True``.

    Example:
        >>> keras.ops.convert_to_tensor([1.0, 2.0]).dtype
        dtype('float32')
    """
    if sparse:
        raise ValueError("`sparse=True` is not supported: fkeras tensors are dense jax arrays.")
    if ragged:
        raise ValueError("`ragged=True` is not supported: fkeras tensors are dense jax arrays.")
    x = to_array(x)
    if dtype is not None:
        dtype = standardize_dtype(dtype)
        return jnp.asarray(x, dtype=dtype)
    if isinstance(x, jax.Array):
        return x
    if isinstance(x, float) or (isinstance(x, (list, tuple)) and _all_py_floats(x)):
        from fkeras.backend import config

        return jnp.asarray(x, dtype=config.floatx())
    return jnp.asarray(x)


def _all_py_floats(seq):
    flat = list(jax.tree_util.tree_leaves(list(seq)))
    return bool(flat) and builtins.any(isinstance(v, float) for v in flat) and builtins.all(
        isinstance(v, (int, float, bool)) for v in flat)


@keras_op
def cast(x, dtype):
    """Cast ``x`` to ``dtype``.

    Float-to-integer casts truncate toward zero; use ``saturate_cast`` to clip out-of-range values.

    Args:
        x: Tensor or array-like.
        dtype: Target dtype (a name such as ``"int32"`` or a dtype object).

    Returns:
        A tensor with the values of ``x`` in ``dtype``.

    Example:
        >>> keras.ops.cast([1.7, -2.2], "int32")
        Array([ 1, -2], dtype=int32)
    """
    dtype = standardize_dtype(dtype)
    return jnp.asarray(to_array(x)).astype(dtype)


@keras_op
def saturate_cast(x, dtype):
    """Cast ``x`` to ``dtype``, clipping values to the range the target dtype can hold.

    A plain ``cast`` of an out-of-range value wraps around or is undefined; this clips first, so
    e.g. ``300`` becomes ``255`` in uint8.

    Args:
        x: Tensor or array-like.
        dtype: Target dtype (a name such as ``"uint8"`` or a dtype object).

    Returns:
        A tensor with the values of ``x``, clipped and cast to ``dtype``.

    Example:
        >>> keras.ops.saturate_cast([-10, 300], "uint8")
        Array([  0, 255], dtype=uint8)
    """
    dtype = standardize_dtype(dtype)
    x = arr(x)
    if jnp.issubdtype(jnp.dtype(dtype), jnp.integer) or jnp.issubdtype(jnp.dtype(dtype), jnp.floating):
        info = jnp.iinfo(dtype) if jnp.issubdtype(jnp.dtype(dtype), jnp.integer) else jnp.finfo(dtype)
        lo, hi = info.min, info.max
        if jnp.issubdtype(x.dtype, jnp.integer) or jnp.issubdtype(x.dtype, jnp.floating):
            src = jnp.iinfo(x.dtype) if jnp.issubdtype(x.dtype, jnp.integer) else jnp.finfo(x.dtype)
            lo = builtins.max(float(lo), float(src.min))
            hi = builtins.min(float(hi), float(src.max))
            x = jnp.clip(x, jnp.asarray(lo).astype(x.dtype), jnp.asarray(hi).astype(x.dtype))
    return x.astype(dtype)


@keras_op
def stop_gradient(variable):
    """Return ``variable`` unchanged but block gradients from flowing through it.

    In the backward pass the result counts as a constant, so whatever produced ``variable``
    receives no gradient through this path.

    Args:
        variable: Tensor or Variable.

    Returns:
        A tensor with the value of ``variable``.

    Example:
        >>> import jax
        >>> f = lambda x: x * keras.ops.stop_gradient(x)
        >>> float(jax.grad(f)(3.0))  # d/dx of x * c, with c = 3
        3.0
    """
    return jax.lax.stop_gradient(arr(variable))


# --- control flow -----------------------------------------------------------------------------

@keras_op
def cond(pred, true_fn, false_fn):
    """Call ``true_fn()`` if ``pred`` is true, otherwise ``false_fn()``.

    Runs as ``jax.lax.cond``: both branches are traced once, so it works on traced predicates
    inside ``jax.jit``; the two branches must return the same structure, shapes and dtypes.

    Args:
        pred: Scalar boolean (a Python bool or a scalar tensor).
        true_fn: Function of no arguments called when ``pred`` is true.
        false_fn: Function of no arguments called otherwise.

    Returns:
        The output of the branch taken.

    Example:
        >>> x = keras.ops.convert_to_tensor(-2.0)
        >>> keras.ops.cond(x > 0, lambda: x, lambda: -x)
        Array(2., dtype=float32)
    """
    return jax.lax.cond(arr(pred), true_fn, false_fn)


@keras_op
def switch(index, branches, *operands):
    """Call ``branches[index](*operands)``.

    Runs as ``jax.lax.switch``: every branch is traced, so ``index`` may be a traced value; an
    out-of-range index is clamped to the first or last branch. All branches must return the same
    structure, shapes and dtypes.

    Args:
        index: Scalar integer (Python int or scalar tensor) choosing the branch.
        branches: Sequence of functions taking ``*operands``.
        *operands: Arguments passed to the chosen branch.

    Returns:
        The output of the chosen branch.

    Example:
        >>> branches = [lambda x: x + 1, lambda x: x * 10]
        >>> keras.ops.switch(1, branches, keras.ops.array([2]))
        Array([20], dtype=int32)
    """
    return jax.lax.switch(arr(index), branches, *operands)


@keras_op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``f`` over the leading axis of ``xs`` while carrying a state: ``jax.lax.scan``.

    Semantically::

        carry = init
        for x in xs:
            carry, y = f(carry, x)
            ys.append(y)
        return carry, stack(ys)

    The loop is traced once, so it compiles to a single loop under ``jax.jit``.

    Args:
        f: Function ``f(carry, x) -> (new_carry, y)``; ``new_carry`` must match ``init`` in
            structure, shapes and dtypes. ``x`` is ``None`` when ``xs`` is ``None``.
        init: Initial carry (a tensor or a pytree of tensors).
        xs: Tensor or pytree of tensors scanned along their leading axis; ``None`` (default) loops
            ``length`` times without inputs.
        length: Number of iterations; required when ``xs`` is ``None``, otherwise it must match
            the leading axis of ``xs``.
        reverse: If ``True``, scan from the end of ``xs`` to its start (``ys`` keeps the
            positions of ``xs``).
        unroll: Number of iterations unrolled into each step of the compiled loop (default 1), or
            ``True`` to unroll fully: a speed/compile-time trade-off, same results.

    Returns:
        A tuple ``(final_carry, ys)`` where ``ys`` stacks the per-step ``y`` along a new leading
        axis.

    Example:
        >>> add = lambda carry, x: (carry + x, carry + x)
        >>> keras.ops.scan(add, 0.0, keras.ops.array([1.0, 2.0, 3.0]))
        (Array(6., dtype=float32), Array([1., 3., 6.], dtype=float32))
    """
    xs = jax.tree_util.tree_map(to_array, xs)
    init = jax.tree_util.tree_map(to_array, init)
    return jax.lax.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)


@keras_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix scan with an associative binary function: ``jax.lax.associative_scan``.

    Computes ``[e0, f(e0, e1), f(f(e0, e1), e2), ...]`` along ``axis`` in ``O(log n)`` parallel
    steps, which is only correct when ``f`` is associative (e.g. addition, maximum, matrix
    products).

    Args:
        f: Associative function ``f(a, b)`` that combines two slices elementwise (it is called on
            whole stacks of slices at once, so it must broadcast over the scan axis).
        elems: Tensor or pytree of tensors sharing the length of ``axis``.
        reverse: If ``True``, scan from the end to the start.
        axis: Axis to scan along (default 0).

    Returns:
        A tensor or pytree with the structure and shapes of ``elems``.

    Example:
        >>> keras.ops.associative_scan(keras.ops.add, keras.ops.array([1, 2, 3, 4]))
        Array([ 1,  3,  6, 10], dtype=int32)
    """
    elems = jax.tree_util.tree_map(to_array, elems)
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


@keras_op
def fori_loop(lower, upper, body_fun, init_val):
    """Run ``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``: ``jax.lax.fori_loop``.

    The body is traced once; with concrete bounds the loop is differentiable (it becomes a
    ``scan``), with traced bounds it is a ``while_loop``.

    Args:
        lower: First loop index (inclusive).
        upper: Last loop index (exclusive).
        body_fun: Function ``body_fun(i, val) -> new_val``; ``new_val`` must match ``init_val``
            in structure, shapes and dtypes.
        init_val: Initial loop value (a tensor or a pytree of tensors).

    Returns:
        The final loop value.

    Example:
        >>> keras.ops.fori_loop(0, 5, lambda i, total: total + i, 0)
        Array(10, dtype=int32, weak_type=True)
    """
    init_val = jax.tree_util.tree_map(to_array, init_val)
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


@keras_op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` is true.

    Runs as ``jax.lax.while_loop``, so the number of iterations may depend on traced values.
    ``loop_vars`` may be a tuple/list, which is unpacked into ``cond`` and ``body`` and returned
    with the same type, or a single value. Reverse-mode differentiation through it is not
    available (a JAX restriction); use ``fori_loop`` or ``scan`` with a fixed trip count for that.

    Args:
        cond: Function of the loop variables returning a scalar boolean.
        body: Function of the loop variables returning new ones with the same structure,
            shapes and dtypes.
        loop_vars: Initial loop variables: a tuple/list of tensors (or pytrees), or one value.
        maximum_iterations: Optional cap on the number of iterations; the loop also stops after
            that many steps.

    Returns:
        The final loop variables, with the structure of ``loop_vars``.

    Example:
        >>> keras.ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0)
        Array(10, dtype=int32, weak_type=True)
        >>> keras.ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * 2), (0, 1))
        (Array(3, dtype=int32, weak_type=True), Array(8, dtype=int32, weak_type=True))
    """
    is_seq = isinstance(loop_vars, (tuple, list))
    state = tuple(loop_vars) if is_seq else (loop_vars,)
    state = jax.tree_util.tree_map(to_array, state)

    def _pack(out):
        return tuple(out) if is_seq else (out,)

    if maximum_iterations is None:
        out = jax.lax.while_loop(lambda s: cond(*s), lambda s: _pack(body(*s)), state)
    else:
        def _cond(s):
            return jnp.logical_and(cond(*s[0]), s[1] < maximum_iterations)

        def _body(s):
            return _pack(body(*s[0])), s[1] + 1

        out, _ = jax.lax.while_loop(_cond, _body, (state, jnp.asarray(0, dtype="int32")))
    if is_seq:
        return type(loop_vars)(out) if isinstance(loop_vars, list) else tuple(out)
    return out[0]


@keras_op
def map(f, xs):
    """Apply ``f`` to each slice of ``xs`` along its leading axis and stack the results.

    Runs as ``jax.lax.map``: a sequential loop traced once (lower memory than ``vectorized_map``).

    Args:
        f: Function applied to one slice (a tensor, or a pytree slice when ``xs`` is a pytree).
        xs: Tensor or pytree of tensors sharing a leading axis.

    Returns:
        The outputs of ``f``, stacked along a new leading axis.

    Example:
        >>> keras.ops.map(lambda row: keras.ops.sum(row), keras.ops.array([[1, 2], [3, 4]]))
        Array([3, 7], dtype=int32)
    """
    xs = jax.tree_util.tree_map(to_array, xs)
    return jax.lax.map(f, xs)


@keras_op
def vectorized_map(function, elements):
    """Apply ``function`` to every slice of ``elements`` along the leading axis, vectorised.

    Runs as ``jax.vmap(function)(elements)``: one batched computation instead of a loop.

    Args:
        function: Function applied to one slice (a tensor, or a pytree slice when ``elements`` is
            a pytree).
        elements: Tensor or pytree of tensors sharing a leading (batch) axis.

    Returns:
        The outputs of ``function``, batched along a new leading axis.

    Example:
        >>> x = keras.ops.ones((4, 3, 2))
        >>> keras.ops.vectorized_map(lambda m: keras.ops.matmul(m, keras.ops.ones((2, 5))), x).shape
        (4, 3, 5)
    """
    elements = jax.tree_util.tree_map(to_array, elements)
    return jax.vmap(function)(elements)


def custom_gradient(f):
    """Decorator that gives a function a hand-written gradient.

    The decorated ``f(*args)`` returns ``(output, grad_fn)``. In the backward pass ``grad_fn`` is
    called with the upstream gradient (the cotangent of ``output``), passed positionally as in
    Keras's JAX backend, and returns the gradient of each argument of ``f`` (one value for one
    argument, a tuple for several). It wraps ``jax.custom_gradient``.

    Args:
        f: Function ``f(*args) -> (output, grad_fn)``.

    Returns:
        A function with the signature of ``f`` that returns only ``output`` and uses ``grad_fn``
        for its gradient.

    Example:
        >>> import jax
        >>> @keras.ops.custom_gradient
        ... def log1pexp(x):
        ...     e = keras.ops.exp(x)
        ...     def grad(*args, upstream=None):
        ...         if upstream is None:
        ...             (upstream,) = args
        ...         return keras.ops.multiply(upstream, 1.0 - 1.0 / keras.ops.add(1, e))
        ...     return keras.ops.log(1 + e), grad
        >>> float(jax.grad(log1pexp)(100.0))
        1.0
    """

    return jax.custom_gradient(f)


# --- slicing and scatter ----------------------------------------------------------------------

@keras_op
def slice(inputs, start_indices, shape):
    """A block of ``inputs`` of size ``shape`` starting at ``start_indices``.

    ``start_indices`` may be traced values (the block is taken with ``jax.lax.dynamic_slice``);
    ``shape`` must be static. Start indices are clamped so the block stays inside ``inputs``.

    Args:
        inputs: Input tensor.
        start_indices: One start index per axis (list/tuple of ints or scalar tensors, or a 1-D
            integer tensor).
        shape: Static size of the block along each axis.

    Returns:
        A tensor of shape ``shape``.

    Example:
        >>> x = keras.ops.reshape(keras.ops.arange(12), (3, 4))
        >>> keras.ops.slice(x, (1, 1), (2, 2))
        Array([[ 5,  6],
               [ 9, 10]], dtype=int32)
    """
    inputs = arr(inputs)
    starts = _index_list(start_indices)
    return jax.lax.dynamic_slice(inputs, starts, tuple(int(s) for s in shape))


@keras_op
def slice_update(inputs, start_indices, updates):
    """Return ``inputs`` with the block at ``start_indices`` replaced by ``updates``.

    A functional update (the input is not modified): ``jax.lax.dynamic_update_slice``, so start
    indices may be traced; they are clamped so the block fits.

    Args:
        inputs: Input tensor.
        start_indices: One start index per axis (list/tuple of ints or scalar tensors, or a 1-D
            integer tensor).
        updates: Tensor with the rank of ``inputs`` holding the new block (cast to the dtype of
            ``inputs``).

    Returns:
        A tensor with the shape and dtype of ``inputs``.

    Example:
        >>> keras.ops.slice_update(keras.ops.zeros((4,)), [1], keras.ops.ones((2,)))
        Array([0., 1., 1., 0.], dtype=float32)
    """
    inputs = arr(inputs)
    updates = arr(updates).astype(inputs.dtype)
    return jax.lax.dynamic_update_slice(inputs, updates, _index_list(start_indices))


@keras_op
def dynamic_update_slice(operand, update, start_indices):
    """``slice_update`` with ``jax.lax.dynamic_update_slice``'s argument order.

    Not a Keras name; kept for code written against ``lax``.

    Args:
        operand: Input tensor.
        update: Block to write (cast to the dtype of ``operand``).
        start_indices: One start index per axis (list/tuple of ints or scalar tensors, or a 1-D
            integer tensor).

    Returns:
        A tensor with the shape and dtype of ``operand``.
    """
    operand = arr(operand)
    return jax.lax.dynamic_update_slice(operand, arr(update).astype(operand.dtype),
                                        _index_list(start_indices))


def _index_list(start_indices):
    start_indices = to_array(start_indices)
    if isinstance(start_indices, (list, tuple)):
        return [to_array(s) for s in start_indices]
    a = jnp.asarray(start_indices)
    return [a[i] for i in range(a.shape[0])]


@keras_op
def scatter(indices, values, shape):
    """A zeros tensor of ``shape`` with ``values`` added at ``indices``.

    Duplicate indices add up. An index may address a whole sub-tensor: with ``index_depth``
    smaller than ``len(shape)``, each value is a slice of shape ``shape[index_depth:]``.

    Args:
        indices: Integer tensor of shape ``(num_updates, index_depth)``.
        values: Tensor of shape ``(num_updates,) + shape[index_depth:]``.
        shape: Shape of the output.

    Returns:
        A tensor of ``shape`` with the dtype of ``values``.

    Example:
        >>> keras.ops.scatter([[0], [2], [0]], keras.ops.array([1.0, 2.0, 3.0]), (4,))
        Array([4., 0., 2., 0.], dtype=float32)
    """
    indices = arr(indices)
    values = arr(values)
    zeros = jnp.zeros(tuple(shape), dtype=values.dtype)
    key = tuple(jnp.moveaxis(indices, -1, 0))
    return zeros.at[key].add(values)


@keras_op
def scatter_update(inputs, indices, updates):
    """Return ``inputs`` with the entries at ``indices`` replaced by ``updates``.

    A functional update (the input is not modified). With duplicate indices one of the updates
    wins, unspecified which.

    Args:
        inputs: Input tensor.
        indices: Integer tensor of shape ``(num_updates, index_depth)``.
        updates: Tensor of shape ``(num_updates,) + inputs.shape[index_depth:]`` (cast to the
            dtype of ``inputs``).

    Returns:
        A tensor with the shape and dtype of ``inputs``.

    Example:
        >>> keras.ops.scatter_update(keras.ops.zeros((2, 2)), [[0, 1]], keras.ops.array([5.0]))
        Array([[0., 5.],
               [0., 0.]], dtype=float32)
    """
    inputs = arr(inputs)
    indices = arr(indices)
    updates = arr(updates).astype(inputs.dtype)
    key = tuple(jnp.moveaxis(indices, -1, 0))
    return inputs.at[key].set(updates)


@keras_op
def unstack(x, num=None, axis=0):
    """Split ``x`` along ``axis`` into a list of tensors with that axis removed.

    Args:
        x: Input tensor.
        num: Expected length of ``axis``; ``None`` (default) reads it from the shape.
        axis: Axis to unstack along (default 0).

    Returns:
        A list of ``x.shape[axis]`` tensors.

    Raises:
        ValueError: If ``num`` is given and differs from ``x.shape[axis]``.

    Example:
        >>> [t.shape for t in keras.ops.unstack(keras.ops.zeros((2, 3)), axis=1)]
        [(2,), (2,), (2,)]
    """
    x = arr(x)
    n = x.shape[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: `num`={num} does not match x.shape[{axis}]={n}.")
    return [jnp.take(x, i, axis=axis) for i in range(n)]
