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
    """The static shape of ``x`` as a tuple of ints (``None`` for unknown dims of symbolic tensors).

    Example:
        >>> shape(ops.zeros((2, 3)))
        (2, 3)
    """
    x = to_array(x)
    if hasattr(x, "shape"):
        return tuple(x.shape)
    return tuple(np.shape(x))


def dtype(x):
    """The dtype name of ``x`` (e.g. ``'float32'``)."""
    x = to_array(x)
    if hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    return standardize_dtype(jnp.asarray(x).dtype)


def is_tensor(x):
    """True for jax arrays (concrete or traced)."""
    return isinstance(to_array(x), jax.Array)


def convert_to_numpy(x):
    """A numpy array with the value of ``x``."""
    return np.asarray(to_array(x))


# --- conversion -------------------------------------------------------------------------------

@keras_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A jax array from ``x`` (list, numpy array, Variable, scalar).

    Example:
        >>> convert_to_tensor([1.0, 2.0]).dtype
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

    Example:
        >>> cast([1.7, -2.2], "int32")
        Array([ 1, -2], dtype=int32)
    """
    dtype = standardize_dtype(dtype)
    return jnp.asarray(to_array(x)).astype(dtype)


@keras_op
def saturate_cast(x, dtype):
    """Cast with clipping to the target dtype's range (no wrap-around)."""
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
    """The value of ``variable`` with no gradient flowing through it."""
    return jax.lax.stop_gradient(arr(variable))


# --- control flow -----------------------------------------------------------------------------

@keras_op
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``, traced once (``lax.cond``).

    Example:
        >>> cond(x > 0, lambda: x, lambda: -x)
    """
    return jax.lax.cond(arr(pred), true_fn, false_fn)


@keras_op
def switch(index, branches, *operands):
    """``branches[index](*operands)`` (``lax.switch``; index clamped to the valid range)."""
    return jax.lax.switch(arr(index), branches, *operands)


@keras_op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``lax.scan``: ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``.

    Returns ``(final_carry, stacked_ys)``.
    """
    xs = jax.tree_util.tree_map(to_array, xs)
    init = jax.tree_util.tree_map(to_array, init)
    return jax.lax.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)


@keras_op
def associative_scan(f, elems, reverse=False, axis=0):
    """Parallel prefix scan with an associative ``f`` (``lax.associative_scan``)."""
    elems = jax.tree_util.tree_map(to_array, elems)
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


@keras_op
def fori_loop(lower, upper, body_fun, init_val):
    """``for i in range(lower, upper): val = body_fun(i, val)`` (``lax.fori_loop``)."""
    init_val = jax.tree_util.tree_map(to_array, init_val)
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


@keras_op
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``while cond(*loop_vars): loop_vars = body(*loop_vars)``.

    ``loop_vars`` may be a tuple/list (unpacked into ``cond``/``body``) or a single value.

    Example:
        >>> while_loop(lambda i: i < 10, lambda i: i + 1, 0)
        Array(10, dtype=int32, weak_type=True)
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
    """Apply ``f`` to each slice along the leading axis of ``xs`` (``lax.map``)."""
    xs = jax.tree_util.tree_map(to_array, xs)
    return jax.lax.map(f, xs)


@keras_op
def vectorized_map(function, elements):
    """``jax.vmap(function)(elements)`` over the leading axis."""
    elements = jax.tree_util.tree_map(to_array, elements)
    return jax.vmap(function)(elements)


def custom_gradient(f):
    """Decorator: ``f(*args)`` returns ``(output, grad_fn)``; ``grad_fn(*args, upstream)``
    returns the gradients of the inputs (Keras's JAX-backend convention).

    Example:
        >>> @custom_gradient
        ... def log1pexp(x):
        ...     e = ops.exp(x)
        ...     def grad(*args, upstream=None):
        ...         if upstream is None:
        ...             (upstream,) = args
        ...         return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))
        ...     return ops.log(1 + e), grad
    """

    return jax.custom_gradient(f)


# --- slicing and scatter ----------------------------------------------------------------------

@keras_op
def slice(inputs, start_indices, shape):
    """``inputs[start:start+shape]`` with (possibly traced) start indices, static ``shape``."""
    inputs = arr(inputs)
    starts = _index_list(start_indices)
    return jax.lax.dynamic_slice(inputs, starts, tuple(int(s) for s in shape))


@keras_op
def slice_update(inputs, start_indices, updates):
    """Write ``updates`` into ``inputs`` at ``start_indices`` (functional update)."""
    inputs = arr(inputs)
    updates = arr(updates).astype(inputs.dtype)
    return jax.lax.dynamic_update_slice(inputs, updates, _index_list(start_indices))


@keras_op
def dynamic_update_slice(operand, update, start_indices):
    """``lax.dynamic_update_slice`` argument order (not a Keras name; see ``slice_update``)."""
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
    """A zeros tensor of ``shape`` with ``values`` added at ``indices`` (duplicates sum).

    ``indices`` has shape ``(num_updates, index_depth)``.
    """
    indices = arr(indices)
    values = arr(values)
    zeros = jnp.zeros(tuple(shape), dtype=values.dtype)
    key = tuple(jnp.moveaxis(indices, -1, 0))
    return zeros.at[key].add(values)


@keras_op
def scatter_update(inputs, indices, updates):
    """``inputs`` with the entries at ``indices`` replaced by ``updates``."""
    inputs = arr(inputs)
    indices = arr(indices)
    updates = arr(updates).astype(inputs.dtype)
    key = tuple(jnp.moveaxis(indices, -1, 0))
    return inputs.at[key].set(updates)


@keras_op
def unstack(x, num=None, axis=0):
    """Split ``x`` along ``axis`` into a list of tensors with that axis removed."""
    x = arr(x)
    n = x.shape[axis]
    if num is not None and num != n:
        raise ValueError(f"unstack: `num`={num} does not match x.shape[{axis}]={n}.")
    return [jnp.take(x, i, axis=axis) for i in range(n)]
