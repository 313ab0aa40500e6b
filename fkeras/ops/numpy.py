"""``keras.ops.numpy``: NumPy-style ops over ``jax.numpy`` with Keras 3's names and signatures.

Every op accepts jax arrays, numpy arrays, Python lists/scalars and Variable handles, and
works unchanged under ``jax.jit`` / ``grad`` / ``vmap``.

Example:
    >>> from fkeras.ops import numpy as knp
    >>> knp.sum(knp.arange(4), axis=0)
    Array(6, dtype=int32)
"""
from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp

from fkeras.backend import config
from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr, arr_or_scalar, arrs, standardize_dtype, to_float

# More keras.ops.numpy ops, kept in family modules (each lists its names in __all__).
from fkeras.ops.array_manipulation import *  # noqa: F403
from fkeras.ops.elementwise import *  # noqa: F403
from fkeras.ops.linalg import slogdet  # noqa: F401
from fkeras.ops.signal import bartlett, blackman, hamming, hanning, kaiser  # noqa: F401
from fkeras.ops.statistics import *  # noqa: F403

_S = arr_or_scalar


def _axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _opt_dtype(dtype):
    return None if dtype is None else standardize_dtype(dtype)


# --- element-wise unary ------------------------------------------------------------------------

@keras_op
def abs(x):
    """Element-wise absolute value."""
    return jnp.abs(arr(x))


@keras_op
def absolute(x):
    """Alias of ``abs``."""
    return jnp.abs(arr(x))


@keras_op
def negative(x):
    return jnp.negative(arr(x))


@keras_op
def sign(x):
    return jnp.sign(arr(x))


@keras_op
def square(x):
    x = arr(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.square(x)


@keras_op
def sqrt(x):
    return jnp.sqrt(to_float(arr(x)))


@keras_op
def reciprocal(x):
    return jnp.reciprocal(to_float(arr(x)))


@keras_op
def exp(x):
    return jnp.exp(to_float(arr(x)))


@keras_op
def exp2(x):
    return jnp.exp2(to_float(arr(x)))


@keras_op
def expm1(x):
    return jnp.expm1(to_float(arr(x)))


@keras_op
def log(x):
    return jnp.log(to_float(arr(x)))


@keras_op
def log1p(x):
    return jnp.log1p(to_float(arr(x)))


@keras_op
def log2(x):
    return jnp.log2(to_float(arr(x)))


@keras_op
def log10(x):
    return jnp.log10(to_float(arr(x)))


@keras_op
def sin(x):
    return jnp.sin(to_float(arr(x)))


@keras_op
def cos(x):
    return jnp.cos(to_float(arr(x)))


@keras_op
def tan(x):
    return jnp.tan(to_float(arr(x)))


@keras_op
def arcsin(x):
    return jnp.arcsin(to_float(arr(x)))


@keras_op
def arccos(x):
    return jnp.arccos(to_float(arr(x)))


@keras_op
def arctan(x):
    return jnp.arctan(to_float(arr(x)))


@keras_op
def sinh(x):
    return jnp.sinh(to_float(arr(x)))


@keras_op
def cosh(x):
    return jnp.cosh(to_float(arr(x)))


@keras_op
def tanh(x):
    return jnp.tanh(to_float(arr(x)))


@keras_op
def arcsinh(x):
    return jnp.arcsinh(to_float(arr(x)))


@keras_op
def arccosh(x):
    return jnp.arccosh(to_float(arr(x)))


@keras_op
def arctanh(x):
    return jnp.arctanh(to_float(arr(x)))


@keras_op
def ceil(x):
    return jnp.ceil(to_float(arr(x)))


@keras_op
def floor(x):
    return jnp.floor(to_float(arr(x)))


@keras_op
def trunc(x):
    return jnp.trunc(arr(x))


@keras_op
def round(x, decimals=0):
    """Round half to even, as numpy."""
    return jnp.round(arr(x), decimals=decimals)


@keras_op
def isfinite(x):
    return jnp.isfinite(arr(x))


@keras_op
def isinf(x):
    return jnp.isinf(arr(x))


@keras_op
def isnan(x):
    return jnp.isnan(arr(x))


@keras_op
def logical_not(x):
    return jnp.logical_not(arr(x))


@keras_op
def conjugate(x):
    return jnp.conjugate(arr(x))


@keras_op
def conj(x):
    return jnp.conjugate(arr(x))


@keras_op
def real(x):
    return jnp.real(arr(x))


@keras_op
def imag(x):
    return jnp.imag(arr(x))


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(arr(x), nan=nan, posinf=posinf, neginf=neginf)


@keras_op
def clip(x, x_min, x_max):
    """Clip values to ``[x_min, x_max]``.

    Example:
        >>> clip([-2, 0, 5], 0, 3)
        Array([0, 0, 3], dtype=int32)
    """
    x = arr(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.clip(x, _S(x_min), _S(x_max))


# --- element-wise binary -----------------------------------------------------------------------

@keras_op
def add(x1, x2):
    return jnp.add(_S(x1), _S(x2))


@keras_op
def subtract(x1, x2):
    return jnp.subtract(_S(x1), _S(x2))


@keras_op
def multiply(x1, x2):
    return jnp.multiply(_S(x1), _S(x2))


@keras_op
def divide(x1, x2):
    """True division (integers give floats)."""
    return jnp.true_divide(_S(x1), _S(x2))


@keras_op
def true_divide(x1, x2):
    return jnp.true_divide(_S(x1), _S(x2))


@keras_op
def divide_no_nan(x1, x2):
    """``x1 / x2``, with 0 where ``x2 == 0``.

    Example:
        >>> divide_no_nan([1.0, 2.0], [0.0, 4.0])
        Array([0. , 0.5], dtype=float32)
    """
    x1, x2 = _S(x1), _S(x2)
    safe = jnp.where(jnp.asarray(x2) == 0, 1, x2)
    return jnp.where(jnp.asarray(x2) == 0, 0, jnp.true_divide(x1, safe))


@keras_op
def floor_divide(x1, x2):
    return jnp.floor_divide(_S(x1), _S(x2))


@keras_op
def mod(x1, x2):
    return jnp.mod(_S(x1), _S(x2))


@keras_op
def power(x1, x2):
    return jnp.power(_S(x1), _S(x2))


@keras_op
def maximum(x1, x2):
    return jnp.maximum(_S(x1), _S(x2))


@keras_op
def minimum(x1, x2):
    return jnp.minimum(_S(x1), _S(x2))


@keras_op
def arctan2(x1, x2):
    x1, x2 = _S(x1), _S(x2)
    return jnp.arctan2(*(to_float(jnp.asarray(v)) if not isinstance(v, (int, float)) else v
                         for v in (x1, x2)))


@keras_op
def hypot(x1, x2):
    return jnp.hypot(_S(x1), _S(x2))


@keras_op
def logaddexp(x1, x2):
    x1, x2 = _S(x1), _S(x2)
    if not isinstance(x1, (int, float)):
        x1 = to_float(x1)
    if not isinstance(x2, (int, float)):
        x2 = to_float(x2)
    return jnp.logaddexp(x1, x2)


@keras_op
def equal(x1, x2):
    return jnp.equal(_S(x1), _S(x2))


@keras_op
def not_equal(x1, x2):
    return jnp.not_equal(_S(x1), _S(x2))


@keras_op
def greater(x1, x2):
    return jnp.greater(_S(x1), _S(x2))


@keras_op
def greater_equal(x1, x2):
    return jnp.greater_equal(_S(x1), _S(x2))


@keras_op
def less(x1, x2):
    return jnp.less(_S(x1), _S(x2))


@keras_op
def less_equal(x1, x2):
    return jnp.less_equal(_S(x1), _S(x2))


@keras_op
def logical_and(x1, x2):
    return jnp.logical_and(_S(x1), _S(x2))


@keras_op
def logical_or(x1, x2):
    return jnp.logical_or(_S(x1), _S(x2))


@keras_op
def logical_xor(x1, x2):
    return jnp.logical_xor(_S(x1), _S(x2))


@keras_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return jnp.isclose(_S(x1), _S(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


@keras_op
def bitwise_and(x, y):
    return jnp.bitwise_and(_S(x), _S(y))


@keras_op
def bitwise_or(x, y):
    return jnp.bitwise_or(_S(x), _S(y))


@keras_op
def bitwise_xor(x, y):
    return jnp.bitwise_xor(_S(x), _S(y))


@keras_op
def bitwise_invert(x):
    return jnp.invert(arr(x))


# --- reductions --------------------------------------------------------------------------------

@keras_op
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (all axes when None).

    Example:
        >>> sum([[1, 2], [3, 4]], axis=0)
        Array([4, 6], dtype=int32)
    """
    return jnp.sum(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    return jnp.prod(arr(x), axis=_axis(axis), keepdims=keepdims, dtype=_opt_dtype(dtype))


@keras_op
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; integer inputs give floatx (as Keras)."""
    return jnp.mean(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def var(x, axis=None, keepdims=False):
    """Population variance (``ddof=0``)."""
    return jnp.var(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def std(x, axis=None, keepdims=False):
    """Population standard deviation (``ddof=0``)."""
    return jnp.std(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def median(x, axis=None, keepdims=False):
    return jnp.median(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    return jnp.quantile(to_float(arr(x)), arr(q), axis=_axis(axis), method=method, keepdims=keepdims)


@keras_op
def max(x, axis=None, keepdims=False, initial=None):
    return jnp.max(arr(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


@keras_op
def min(x, axis=None, keepdims=False, initial=None):
    return jnp.min(arr(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


@keras_op
def amax(x, axis=None, keepdims=False):
    return jnp.max(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def amin(x, axis=None, keepdims=False):
    return jnp.min(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def all(x, axis=None, keepdims=False):
    return jnp.all(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def any(x, axis=None, keepdims=False):
    return jnp.any(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(arr(x), axis=axis, keepdims=keepdims).astype("int32")


@keras_op
def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(arr(x), axis=axis, keepdims=keepdims).astype("int32")


@keras_op
def count_nonzero(x, axis=None):
    return jnp.count_nonzero(arr(x), axis=_axis(axis)).astype("int32")


@keras_op
def cumsum(x, axis=None, dtype=None):
    return jnp.cumsum(arr(x), axis=axis, dtype=_opt_dtype(dtype))


@keras_op
def cumprod(x, axis=None, dtype=None):
    return jnp.cumprod(arr(x), axis=axis, dtype=_opt_dtype(dtype))


@keras_op
def average(x, axis=None, weights=None):
    """Weighted mean along ``axis`` (a 1-D ``weights`` matches ``x.shape[axis]``)."""
    x = to_float(arr(x))
    if weights is None:
        return jnp.mean(x, axis=axis)
    return jnp.average(x, axis=axis, weights=arr(weights))


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    return jnp.trace(arr(x), offset=offset, axis1=axis1, axis2=axis2)


# --- creation ---------------------------------------------------------------------------------

@keras_op
def array(x, dtype=None):
    return jnp.array(x if not hasattr(x, "_is_fkeras_variable") else x.value, dtype=_opt_dtype(dtype))


@keras_op
def copy(x):
    return jnp.array(arr(x), copy=True)


@keras_op
def zeros(shape, dtype=None):
    """Zeros of ``shape`` (floatx by default)."""
    return jnp.zeros(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def ones(shape, dtype=None):
    """Ones of ``shape`` (floatx by default)."""
    return jnp.ones(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def empty(shape, dtype=None):
    return jnp.zeros(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value`` (floatx unless ``dtype`` given)."""
    return jnp.full(_shape(shape), _S(fill_value), dtype=standardize_dtype(dtype))


@keras_op
def zeros_like(x, dtype=None):
    return jnp.zeros_like(arr(x), dtype=_opt_dtype(dtype))


@keras_op
def ones_like(x, dtype=None):
    return jnp.ones_like(arr(x), dtype=_opt_dtype(dtype))


@keras_op
def full_like(x, fill_value, dtype=None):
    return jnp.full_like(arr(x), _S(fill_value), dtype=_opt_dtype(dtype))


@keras_op
def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)``; int32 for integer arguments, else floatx."""
    if dtype is None:
        vals = [v for v in (start, stop, step) if v is not None]
        is_int = builtins.all(isinstance(v, int) or (hasattr(v, "dtype") and
                                                     jnp.issubdtype(v.dtype, jnp.integer))
                              for v in vals)
        dtype = "int32" if is_int else config.floatx()
    return jnp.arange(start, stop, step, dtype=standardize_dtype(dtype))


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return jnp.linspace(_S(start), _S(stop), num=num, endpoint=endpoint, retstep=retstep,
                        dtype=standardize_dtype(dtype), axis=axis)


@keras_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return jnp.logspace(_S(start), _S(stop), num=num, endpoint=endpoint, base=base,
                        dtype=standardize_dtype(dtype), axis=axis)


@keras_op
def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M, k=k, dtype=standardize_dtype(dtype))


@keras_op
def identity(n, dtype=None):
    return jnp.identity(n, dtype=standardize_dtype(dtype))


@keras_op
def tri(N, M=None, k=0, dtype=None):
    return jnp.tri(N, M, k=k, dtype=standardize_dtype(dtype))


@keras_op
def meshgrid(*x, indexing="xy"):
    return jnp.meshgrid(*arrs(x), indexing=indexing)


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


# --- shape manipulation -----------------------------------------------------------------------

@keras_op
def reshape(x, newshape):
    """Reshape ``x``; one dimension may be ``-1``."""
    if isinstance(newshape, int):
        newshape = (newshape,)
    newshape = tuple(-1 if s is None else s for s in newshape)
    return jnp.reshape(arr(x), newshape)


@keras_op
def ravel(x):
    return jnp.ravel(arr(x))


@keras_op
def transpose(x, axes=None):
    return jnp.transpose(arr(x), axes=axes)


@keras_op
def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(arr(x), axis1, axis2)


@keras_op
def moveaxis(x, source, destination):
    return jnp.moveaxis(arr(x), source, destination)


@keras_op
def expand_dims(x, axis):
    return jnp.expand_dims(arr(x), _axis(axis))


@keras_op
def squeeze(x, axis=None):
    return jnp.squeeze(arr(x), axis=_axis(axis))


@keras_op
def broadcast_to(x, shape):
    return jnp.broadcast_to(arr(x), tuple(shape))


@keras_op
def concatenate(xs, axis=0):
    """Join a sequence of tensors along ``axis``."""
    return jnp.concatenate(arrs(xs), axis=axis)


@keras_op
def append(x1, x2, axis=None):
    return jnp.append(arr(x1), arr(x2), axis=axis)


@keras_op
def stack(x, axis=0):
    return jnp.stack(arrs(x), axis=axis)


@keras_op
def hstack(xs):
    return jnp.hstack(arrs(xs))


@keras_op
def vstack(xs):
    return jnp.vstack(arrs(xs))


@keras_op
def dstack(xs):
    return jnp.dstack(arrs(xs))


@keras_op
def split(x, indices_or_sections, axis=0):
    """A list of sub-tensors (``indices_or_sections`` as in numpy)."""
    return list(jnp.split(arr(x), indices_or_sections, axis=axis))


@keras_op
def tile(x, repeats):
    return jnp.tile(arr(x), repeats)


@keras_op
def repeat(x, repeats, axis=None):
    return jnp.repeat(arr(x), repeats, axis=axis)


@keras_op
def flip(x, axis=None):
    return jnp.flip(arr(x), axis=_axis(axis))


@keras_op
def roll(x, shift, axis=None):
    return jnp.roll(arr(x), shift, axis=_axis(axis))


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    return jnp.rot90(arr(array), k=k, axes=tuple(axes))


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad ``x``; ``mode`` one of ``'constant'``, ``'edge'``, ``'linear_ramp'``, ``'maximum'``,
    ``'mean'``, ``'median'``, ``'minimum'``, ``'reflect'``, ``'symmetric'``, ``'wrap'``, ``'empty'``."""
    kwargs = {}
    if constant_values is not None:
        if mode != "constant":
            raise ValueError("Argument `constant_values` can only be provided when "
                             f"`mode == 'constant'`. Received: mode={mode!r}")
        kwargs["constant_values"] = constant_values
    pad_width = to_pad_width(pad_width)
    return jnp.pad(arr(x), pad_width, mode=mode, **kwargs)


def to_pad_width(pad_width):
    if hasattr(pad_width, "tolist"):
        pad_width = pad_width.tolist()
    if isinstance(pad_width, (list, tuple)):
        return tuple(tuple(p) if isinstance(p, (list, tuple)) else p for p in pad_width)
    return pad_width


@keras_op
def diag(x, k=0):
    return jnp.diag(arr(x), k=k)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    return jnp.diagonal(arr(x), offset=offset, axis1=axis1, axis2=axis2)


@keras_op
def tril(x, k=0):
    return jnp.tril(arr(x), k=k)


@keras_op
def triu(x, k=0):
    return jnp.triu(arr(x), k=k)


@keras_op
def diff(a, n=1, axis=-1):
    return jnp.diff(arr(a), n=n, axis=axis)


# --- indexing, sorting, selection -------------------------------------------------------------

@keras_op
def take(x, indices, axis=None):
    return jnp.take(arr(x), arr(indices), axis=axis)


@keras_op
def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(arr(x), arr(indices), axis=axis)


@keras_op
def get_item(x, key):
    return arr(x)[key]


@keras_op
def where(condition, x1=None, x2=None):
    """``x1`` where ``condition`` else ``x2``; with one argument, the indices of true entries."""
    if x1 is None and x2 is None:
        return jnp.nonzero(arr(condition))
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` must both be given (or both omitted) in `where`.")
    return jnp.where(arr(condition), _S(x1), _S(x2))


@keras_op
def select(condlist, choicelist, default=0):
    return jnp.select(arrs(condlist), arrs(choicelist), default=default)


@keras_op
def nonzero(x):
    return tuple(i.astype("int32") for i in jnp.nonzero(arr(x)))


@keras_op
def sort(x, axis=-1):
    return jnp.sort(arr(x), axis=axis)


@keras_op
def argsort(x, axis=-1):
    return jnp.argsort(arr(x), axis=axis).astype("int32")


@keras_op
def argpartition(x, kth, axis=-1):
    return jnp.argpartition(arr(x), kth, axis=axis).astype("int32")


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    return jnp.searchsorted(arr(sorted_sequence), arr(values), side=side).astype("int32")


@keras_op
def digitize(x, bins):
    return jnp.digitize(arr(x), arr(bins)).astype("int32")


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each non-negative integer in ``x`` (last axis for 2-D inputs, per row)."""
    if sparse:
        raise ValueError("`sparse=True` is not supported.")
    x = arr(x)
    length = builtins.max(int(jnp.max(x)) + 1 if x.size else 0, minlength)
    w = None if weights is None else arr(weights)
    if x.ndim == 1:
        return jnp.bincount(x, weights=w, minlength=minlength, length=length)
    if w is None:
        return jax.vmap(lambda r: jnp.bincount(r, minlength=minlength, length=length))(x)
    return jax.vmap(lambda r, rw: jnp.bincount(r, weights=rw, minlength=minlength,
                                               length=length))(x, w)


# --- products ---------------------------------------------------------------------------------

@keras_op
def matmul(x1, x2):
    """Matrix product with broadcasting over leading dims."""
    return jnp.matmul(arr(x1), arr(x2))


@keras_op
def dot(x1, x2):
    return jnp.dot(arr(x1), arr(x2))


@keras_op
def vdot(x1, x2):
    return jnp.vdot(arr(x1), arr(x2))


@keras_op
def inner(x1, x2):
    return jnp.inner(arr(x1), arr(x2))


@keras_op
def outer(x1, x2):
    return jnp.outer(arr(x1), arr(x2))


@keras_op
def tensordot(x1, x2, axes=2):
    return jnp.tensordot(arr(x1), arr(x2), axes=axes)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation.

    Example:
        >>> einsum("ij,jk->ik", a, b)  # == matmul(a, b)
    """
    return jnp.einsum(subscripts, *arrs(operands), **kwargs)


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return jnp.cross(arr(x1), arr(x2), axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@keras_op
def correlate(x1, x2, mode="valid"):
    return jnp.correlate(to_float(arr(x1)), to_float(arr(x2)), mode=mode)


# --- shape queries ----------------------------------------------------------------------------

def ndim(x):
    """Number of dimensions (static)."""
    return len(getattr(_unwrap(x), "shape", jnp.shape(_unwrap(x))))


def size(x):
    """Number of elements (static)."""
    shp = getattr(_unwrap(x), "shape", jnp.shape(_unwrap(x)))
    n = 1
    for d in shp:
        n *= d
    return n


def _unwrap(x):
    from fkeras.ops._dispatch import to_array

    x = to_array(x)
    if isinstance(x, (list, tuple, int, float, bool)):
        return jnp.asarray(x)
    return x
