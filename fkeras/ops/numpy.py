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
    """Element-wise absolute value (the magnitude, for complex inputs).

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape of ``x``; same dtype for real inputs, the matching real dtype for
        complex ones.

    Example:
        >>> keras.ops.abs([-1.5, 2.0])
        Array([1.5, 2. ], dtype=float32)
    """
    return jnp.abs(arr(x))


@keras_op
def absolute(x):
    """Element-wise absolute value; the same op as ``keras.ops.abs``.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape of ``x`` holding ``|x|``.
    """
    return jnp.abs(arr(x))


@keras_op
def negative(x):
    """Element-wise numerical negation ``-x``.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.negative(arr(x))


@keras_op
def sign(x):
    """Element-wise sign: -1 for negative, 0 for zero, 1 for positive entries.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.sign(arr(x))


@keras_op
def square(x):
    """Element-wise square ``x * x``.

    Args:
        x: Input tensor; booleans are squared as int32.

    Returns:
        A tensor with the shape of ``x``.
    """
    x = arr(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.square(x)


@keras_op
def sqrt(x):
    """Element-wise non-negative square root of ``x`` (NaN for negative real inputs).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.sqrt(to_float(arr(x)))


@keras_op
def reciprocal(x):
    """Element-wise reciprocal ``1 / x``.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.reciprocal(to_float(arr(x)))


@keras_op
def exp(x):
    """Element-wise natural exponential ``e ** x``.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.

    Example:
        >>> keras.ops.exp([0.0, 1.0])
        Array([1.       , 2.7182817], dtype=float32)
    """
    return jnp.exp(to_float(arr(x)))


@keras_op
def exp2(x):
    """Element-wise base-2 exponential ``2 ** x``.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.exp2(to_float(arr(x)))


@keras_op
def expm1(x):
    """Element-wise ``exp(x) - 1``, accurate for ``x`` near zero.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.expm1(to_float(arr(x)))


@keras_op
def log(x):
    """Element-wise natural logarithm (``-inf`` at 0, NaN for negative inputs).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.log(to_float(arr(x)))


@keras_op
def log1p(x):
    """Element-wise ``log(1 + x)``, accurate for ``x`` near zero.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.log1p(to_float(arr(x)))


@keras_op
def log2(x):
    """Element-wise base-2 logarithm.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.log2(to_float(arr(x)))


@keras_op
def log10(x):
    """Element-wise base-10 logarithm.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.log10(to_float(arr(x)))


@keras_op
def sin(x):
    """Element-wise sine of ``x`` (angles in radians).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.sin(to_float(arr(x)))


@keras_op
def cos(x):
    """Element-wise cosine of ``x`` (angles in radians).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.cos(to_float(arr(x)))


@keras_op
def tan(x):
    """Element-wise tangent of ``x`` (angles in radians).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.tan(to_float(arr(x)))


@keras_op
def arcsin(x):
    """Element-wise inverse sine, in radians in ``[-pi/2, pi/2]`` (NaN outside ``[-1, 1]``).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.arcsin(to_float(arr(x)))


@keras_op
def arccos(x):
    """Element-wise inverse cosine, in radians in ``[0, pi]`` (NaN outside ``[-1, 1]``).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.arccos(to_float(arr(x)))


@keras_op
def arctan(x):
    """Element-wise inverse tangent, in radians in ``(-pi/2, pi/2)``.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.arctan(to_float(arr(x)))


@keras_op
def sinh(x):
    """Element-wise hyperbolic sine.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.sinh(to_float(arr(x)))


@keras_op
def cosh(x):
    """Element-wise hyperbolic cosine.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.cosh(to_float(arr(x)))


@keras_op
def tanh(x):
    """Element-wise hyperbolic tangent, with values in ``(-1, 1)``.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.tanh(to_float(arr(x)))


@keras_op
def arcsinh(x):
    """Element-wise inverse hyperbolic sine.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.arcsinh(to_float(arr(x)))


@keras_op
def arccosh(x):
    """Element-wise inverse hyperbolic cosine (NaN for ``x < 1``).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.arccosh(to_float(arr(x)))


@keras_op
def arctanh(x):
    """Element-wise inverse hyperbolic tangent (``+-inf`` at ``+-1``, NaN outside ``[-1, 1]``).

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.arctanh(to_float(arr(x)))


@keras_op
def ceil(x):
    """Element-wise ceiling: the smallest integer value that is ``>= x``, as a float.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.ceil(to_float(arr(x)))


@keras_op
def floor(x):
    """Element-wise floor: the largest integer value that is ``<= x``, as a float.

    Args:
        x: Input tensor; integer and boolean inputs are promoted to floatx.

    Returns:
        A floating-point tensor with the shape of ``x``.
    """
    return jnp.floor(to_float(arr(x)))


@keras_op
def trunc(x):
    """Element-wise truncation toward zero (drops the fractional part).

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.trunc(arr(x))


@keras_op
def round(x, decimals=0):
    """Element-wise rounding to ``decimals`` decimal places, ties to even (as numpy).

    Args:
        x: Input tensor.
        decimals: Number of decimal places to keep (default 0); a negative value rounds to the
            left of the decimal point (``-1`` rounds to tens).

    Returns:
        A tensor with the shape and dtype of ``x``.

    Example:
        >>> keras.ops.round([0.5, 1.5, 2.25], decimals=0)
        Array([0., 2., 2.], dtype=float32)
    """
    return jnp.round(arr(x), decimals=decimals)


@keras_op
def isfinite(x):
    """Element-wise test for finite values (neither infinite nor NaN).

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor with the shape of ``x``.
    """
    return jnp.isfinite(arr(x))


@keras_op
def isinf(x):
    """Element-wise test for positive or negative infinity.

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor with the shape of ``x``.
    """
    return jnp.isinf(arr(x))


@keras_op
def isnan(x):
    """Element-wise test for NaN (not a number).

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor with the shape of ``x``.
    """
    return jnp.isnan(arr(x))


@keras_op
def logical_not(x):
    """Element-wise logical NOT (non-zero entries count as true).

    Args:
        x: Input tensor.

    Returns:
        A boolean tensor with the shape of ``x``.
    """
    return jnp.logical_not(arr(x))


@keras_op
def conjugate(x):
    """Element-wise complex conjugate (real inputs are returned unchanged).

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.conjugate(arr(x))


@keras_op
def conj(x):
    """Element-wise complex conjugate; the same op as ``keras.ops.conjugate``.

    Args:
        x: Input tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.conjugate(arr(x))


@keras_op
def real(x):
    """The real part of each element of ``x``.

    Args:
        x: Input tensor (complex or real).

    Returns:
        A real tensor with the shape of ``x``.
    """
    return jnp.real(arr(x))


@keras_op
def imag(x):
    """The imaginary part of each element of ``x`` (zeros for real input).

    Args:
        x: Input tensor (complex or real).

    Returns:
        A real tensor with the shape of ``x``.
    """
    return jnp.imag(arr(x))


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinite entries of ``x`` with finite numbers.

    Args:
        x: Input tensor.
        nan: Value that replaces NaN (default 0.0).
        posinf: Value that replaces ``+inf``; ``None`` uses the largest finite value of the dtype.
        neginf: Value that replaces ``-inf``; ``None`` uses the most negative finite value of the
            dtype.

    Returns:
        A tensor with the shape and dtype of ``x``.

    Example:
        >>> keras.ops.nan_to_num([float("nan"), 1.0], nan=-1.0)
        Array([-1.,  1.], dtype=float32)
    """
    return jnp.nan_to_num(arr(x), nan=nan, posinf=posinf, neginf=neginf)


@keras_op
def clip(x, x_min, x_max):
    """Clip (limit) the values of ``x`` to the interval ``[x_min, x_max]``.

    Args:
        x: Input tensor; booleans are clipped as int32.
        x_min: Lower bound, a scalar or a tensor broadcastable to ``x``.
        x_max: Upper bound, a scalar or a tensor broadcastable to ``x``.

    Returns:
        A tensor with the shape of ``x``.

    Example:
        >>> keras.ops.clip([-2, 0, 5], 0, 3)
        Array([0, 0, 3], dtype=int32)
    """
    x = arr(x)
    if x.dtype == jnp.bool_:
        x = x.astype("int32")
    return jnp.clip(x, _S(x_min), _S(x_max))


# --- element-wise binary -----------------------------------------------------------------------

@keras_op
def add(x1, x2):
    """Element-wise sum ``x1 + x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The sum, with the broadcast shape of the inputs.

    Example:
        >>> keras.ops.add([1, 2], [10, 20])
        Array([11, 22], dtype=int32)
    """
    return jnp.add(_S(x1), _S(x2))


@keras_op
def subtract(x1, x2):
    """Element-wise difference ``x1 - x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The difference, with the broadcast shape of the inputs.
    """
    return jnp.subtract(_S(x1), _S(x2))


@keras_op
def multiply(x1, x2):
    """Element-wise product ``x1 * x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The product, with the broadcast shape of the inputs.
    """
    return jnp.multiply(_S(x1), _S(x2))


@keras_op
def divide(x1, x2):
    """Element-wise true division ``x1 / x2``, with broadcasting.

    Integer inputs give a floating-point result, as in numpy and Keras.

    Args:
        x1: Dividend, a tensor or scalar.
        x2: Divisor, a tensor or scalar broadcastable against ``x1``.

    Returns:
        The quotient, with the broadcast shape of the inputs.

    Example:
        >>> keras.ops.divide([1, 3], 2)
        Array([0.5, 1.5], dtype=float32)
    """
    return jnp.true_divide(_S(x1), _S(x2))


@keras_op
def true_divide(x1, x2):
    """Element-wise true division ``x1 / x2``; the same op as ``keras.ops.divide``.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The quotient (floating point, also for integer inputs), with the broadcast shape of the inputs.
    """
    return jnp.true_divide(_S(x1), _S(x2))


@keras_op
def divide_no_nan(x1, x2):
    """Element-wise ``x1 / x2`` that gives 0 wherever ``x2 == 0``.

    Args:
        x1: Dividend, a tensor or scalar.
        x2: Divisor, a tensor or scalar broadcastable against ``x1``.

    Returns:
        The quotient, with the broadcast shape of the inputs and zeros where the divisor is zero.

    Example:
        >>> keras.ops.divide_no_nan([1.0, 2.0], [0.0, 4.0])
        Array([0. , 0.5], dtype=float32)
    """
    x1, x2 = _S(x1), _S(x2)
    safe = jnp.where(jnp.asarray(x2) == 0, 1, x2)
    return jnp.where(jnp.asarray(x2) == 0, 0, jnp.true_divide(x1, safe))


@keras_op
def floor_divide(x1, x2):
    """Element-wise floor division ``x1 // x2``: the largest integer ``<= x1 / x2``.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The floored quotient, with the broadcast shape of the inputs.
    """
    return jnp.floor_divide(_S(x1), _S(x2))


@keras_op
def mod(x1, x2):
    """Element-wise remainder of ``x1 / x2``, with the sign of ``x2`` (as numpy and Python ``%``).

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The remainder, with the broadcast shape of the inputs.
    """
    return jnp.mod(_S(x1), _S(x2))


@keras_op
def power(x1, x2):
    """Element-wise power ``x1 ** x2``.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The powers, with the broadcast shape of the inputs.
    """
    return jnp.power(_S(x1), _S(x2))


@keras_op
def maximum(x1, x2):
    """Element-wise maximum of ``x1`` and ``x2`` (NaN wins).

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The maxima, with the broadcast shape of the inputs.
    """
    return jnp.maximum(_S(x1), _S(x2))


@keras_op
def minimum(x1, x2):
    """Element-wise minimum of ``x1`` and ``x2`` (NaN wins).

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The minima, with the broadcast shape of the inputs.
    """
    return jnp.minimum(_S(x1), _S(x2))


@keras_op
def arctan2(x1, x2):
    """Element-wise quadrant-aware arctangent of ``x1 / x2``, in radians in ``[-pi, pi]``.

    The result is the angle of the point ``(x2, x1)`` from the positive x-axis.

    Args:
        x1: The y-coordinates (tensor or scalar).
        x2: The x-coordinates, broadcastable against ``x1``.

    Returns:
        A floating-point tensor of angles, with the broadcast shape of the inputs.
    """
    x1, x2 = _S(x1), _S(x2)
    return jnp.arctan2(*(to_float(jnp.asarray(v)) if not isinstance(v, (int, float)) else v
                         for v in (x1, x2)))


@keras_op
def hypot(x1, x2):
    """Element-wise hypotenuse ``sqrt(x1 ** 2 + x2 ** 2)``, computed without overflow.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        The hypotenuses, with the broadcast shape of the inputs.
    """
    return jnp.hypot(_S(x1), _S(x2))


@keras_op
def logaddexp(x1, x2):
    """Element-wise ``log(exp(x1) + exp(x2))``, computed without overflow.

    Args:
        x1: First input tensor or scalar (integers are promoted to floatx).
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A floating-point tensor with the broadcast shape of the inputs.
    """
    x1, x2 = _S(x1), _S(x2)
    if not isinstance(x1, (int, float)):
        x1 = to_float(x1)
    if not isinstance(x2, (int, float)):
        x2 = to_float(x2)
    return jnp.logaddexp(x1, x2)


@keras_op
def equal(x1, x2):
    """Element-wise comparison ``x1 == x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.equal(_S(x1), _S(x2))


@keras_op
def not_equal(x1, x2):
    """Element-wise comparison ``x1 != x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.not_equal(_S(x1), _S(x2))


@keras_op
def greater(x1, x2):
    """Element-wise comparison ``x1 > x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.greater(_S(x1), _S(x2))


@keras_op
def greater_equal(x1, x2):
    """Element-wise comparison ``x1 >= x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.greater_equal(_S(x1), _S(x2))


@keras_op
def less(x1, x2):
    """Element-wise comparison ``x1 < x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.less(_S(x1), _S(x2))


@keras_op
def less_equal(x1, x2):
    """Element-wise comparison ``x1 <= x2``, with broadcasting.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.less_equal(_S(x1), _S(x2))


@keras_op
def logical_and(x1, x2):
    """Element-wise logical AND of the truth values of ``x1`` and ``x2`` (non-zero is true).

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.logical_and(_S(x1), _S(x2))


@keras_op
def logical_or(x1, x2):
    """Element-wise logical OR of the truth values of ``x1`` and ``x2`` (non-zero is true).

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.logical_or(_S(x1), _S(x2))


@keras_op
def logical_xor(x1, x2):
    """Element-wise logical XOR (exclusive or) of the truth values of ``x1`` and ``x2`` (non-zero is true).

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.

    Returns:
        A boolean tensor with the broadcast shape of the inputs.
    """
    return jnp.logical_xor(_S(x1), _S(x2))


@keras_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Element-wise test whether ``x1`` and ``x2`` are equal within a tolerance.

    Two values count as close when ``|x1 - x2| <= atol + rtol * |x2|``.

    Args:
        x1: First input tensor or scalar.
        x2: Second input tensor or scalar, broadcastable against ``x1``.
        rtol: Relative tolerance (default ``1e-5``).
        atol: Absolute tolerance (default ``1e-8``).
        equal_nan: Whether two NaNs compare as close (default ``False``).

    Returns:
        A boolean tensor with the broadcast shape of the inputs.

    Example:
        >>> keras.ops.isclose([1.0, 1.1], [1.0 + 1e-9, 1.0])
        Array([ True, False], dtype=bool)
    """
    return jnp.isclose(_S(x1), _S(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


@keras_op
def bitwise_and(x, y):
    """Element-wise bitwise AND of the integers (or booleans) ``x`` and ``y``.

    Args:
        x: First integer or boolean tensor (or scalar).
        y: Second integer or boolean tensor, broadcastable against ``x``.

    Returns:
        A tensor with the broadcast shape and the promoted integer dtype of the inputs.
    """
    return jnp.bitwise_and(_S(x), _S(y))


@keras_op
def bitwise_or(x, y):
    """Element-wise bitwise OR of the integers (or booleans) ``x`` and ``y``.

    Args:
        x: First integer or boolean tensor (or scalar).
        y: Second integer or boolean tensor, broadcastable against ``x``.

    Returns:
        A tensor with the broadcast shape and the promoted integer dtype of the inputs.
    """
    return jnp.bitwise_or(_S(x), _S(y))


@keras_op
def bitwise_xor(x, y):
    """Element-wise bitwise XOR of the integers (or booleans) ``x`` and ``y``.

    Args:
        x: First integer or boolean tensor (or scalar).
        y: Second integer or boolean tensor, broadcastable against ``x``.

    Returns:
        A tensor with the broadcast shape and the promoted integer dtype of the inputs.
    """
    return jnp.bitwise_xor(_S(x), _S(y))


@keras_op
def bitwise_invert(x):
    """Element-wise bitwise NOT (two's complement inversion) of an integer or boolean tensor.

    Args:
        x: Integer or boolean tensor.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.invert(arr(x))


# --- reductions --------------------------------------------------------------------------------

@keras_op
def sum(x, axis=None, keepdims=False):
    """Sum of the elements of ``x`` over ``axis``.

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A tensor of sums.

    Example:
        >>> keras.ops.sum([[1, 2], [3, 4]], axis=0)
        Array([4, 6], dtype=int32)
    """
    return jnp.sum(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of the elements of ``x`` over ``axis``.

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.
        dtype: Dtype of the accumulator and result; ``None`` keeps numpy's promotion rules.

    Returns:
        A tensor of products.
    """
    return jnp.prod(arr(x), axis=_axis(axis), keepdims=keepdims, dtype=_opt_dtype(dtype))


@keras_op
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean of ``x`` over ``axis``.

    Args:
        x: Input tensor; integer inputs give a floatx result, as in Keras.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor of means.

    Example:
        >>> keras.ops.mean([[1, 2], [3, 4]], axis=1)
        Array([1.5, 3.5], dtype=float32)
    """
    return jnp.mean(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def var(x, axis=None, keepdims=False):
    """Population variance (``ddof=0``) of ``x`` over ``axis``: ``mean((x - mean(x)) ** 2)``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor of variances.
    """
    return jnp.var(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def std(x, axis=None, keepdims=False):
    """Population standard deviation (``ddof=0``) of ``x`` over ``axis``: ``sqrt(var(x))``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor of standard deviations.
    """
    return jnp.std(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def median(x, axis=None, keepdims=False):
    """Median of ``x`` over ``axis`` (the mean of the two middle values for even counts).

    Args:
        x: Input tensor; integers are promoted to floatx.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor of medians.
    """
    return jnp.median(to_float(arr(x)), axis=_axis(axis), keepdims=keepdims)


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantile(s) of ``x`` over ``axis``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        q: Quantile(s) to compute, a scalar or 1-D tensor of values in ``[0, 1]``.
        axis: Axis or tuple of axes along which to compute; ``None`` (default) uses the flattened
            tensor.
        method: How to interpolate when a quantile falls between two data points: ``"linear"``
            (default), ``"lower"``, ``"higher"``, ``"midpoint"`` or ``"nearest"``.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A floating-point tensor; a 1-D ``q`` adds a leading axis of length ``len(q)``.

    Example:
        >>> keras.ops.quantile([1.0, 2.0, 3.0, 4.0], 0.5)
        Array(2.5, dtype=float32)
    """
    return jnp.quantile(to_float(arr(x)), arr(q), axis=_axis(axis), method=method, keepdims=keepdims)


@keras_op
def max(x, axis=None, keepdims=False, initial=None):
    """Maximum of ``x`` over ``axis``.

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.
        initial: Optional starting value of the reduction, so that empty slices have a result.

    Returns:
        A tensor with the dtype of ``x``.
    """
    return jnp.max(arr(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


@keras_op
def min(x, axis=None, keepdims=False, initial=None):
    """Minimum of ``x`` over ``axis``.

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.
        initial: Optional starting value of the reduction, so that empty slices have a result.

    Returns:
        A tensor with the dtype of ``x``.
    """
    return jnp.min(arr(x), axis=_axis(axis), keepdims=keepdims, initial=initial)


@keras_op
def amax(x, axis=None, keepdims=False):
    """Maximum of ``x`` over ``axis`` (``keras.ops.max`` without ``initial``).

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A tensor with the dtype of ``x``.
    """
    return jnp.max(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def amin(x, axis=None, keepdims=False):
    """Minimum of ``x`` over ``axis`` (``keras.ops.min`` without ``initial``).

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A tensor with the dtype of ``x``.
    """
    return jnp.min(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def all(x, axis=None, keepdims=False):
    """Whether all elements of ``x`` over ``axis`` are true (non-zero).

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A boolean tensor.
    """
    return jnp.all(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def any(x, axis=None, keepdims=False):
    """Whether any element of ``x`` over ``axis`` is true (non-zero).

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to reduce; ``None`` (default) reduces over all axes.
        keepdims: If ``True``, the reduced axes stay in the result with length 1.

    Returns:
        A boolean tensor.
    """
    return jnp.any(arr(x), axis=_axis(axis), keepdims=keepdims)


@keras_op
def argmax(x, axis=None, keepdims=False):
    """Index of the largest value of ``x`` along ``axis`` (the first one on ties).

    Args:
        x: Input tensor.
        axis: Axis along which to search; ``None`` (default) searches the flattened tensor.
        keepdims: If ``True``, the searched axis stays in the result with length 1.

    Returns:
        An int32 tensor of indices.

    Example:
        >>> keras.ops.argmax([[1, 5], [7, 2]], axis=1)
        Array([1, 0], dtype=int32)
    """
    return jnp.argmax(arr(x), axis=axis, keepdims=keepdims).astype("int32")


@keras_op
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value of ``x`` along ``axis`` (the first one on ties).

    Args:
        x: Input tensor.
        axis: Axis along which to search; ``None`` (default) searches the flattened tensor.
        keepdims: If ``True``, the searched axis stays in the result with length 1.

    Returns:
        An int32 tensor of indices.
    """
    return jnp.argmin(arr(x), axis=axis, keepdims=keepdims).astype("int32")


@keras_op
def count_nonzero(x, axis=None):
    """Number of non-zero elements of ``x`` over ``axis``.

    Args:
        x: Input tensor.
        axis: Axis or tuple of axes to count over; ``None`` (default) counts over all axes.

    Returns:
        An int32 tensor of counts.
    """
    return jnp.count_nonzero(arr(x), axis=_axis(axis)).astype("int32")


@keras_op
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum of ``x`` along ``axis``.

    Args:
        x: Input tensor.
        axis: Axis along which to accumulate; ``None`` (default) uses the flattened tensor.
        dtype: Dtype of the accumulator and result; ``None`` keeps numpy's promotion rules.

    Returns:
        A tensor with the shape of ``x`` (1-D when ``axis`` is ``None``).

    Example:
        >>> keras.ops.cumsum([1, 2, 3])
        Array([1, 3, 6], dtype=int32)
    """
    return jnp.cumsum(arr(x), axis=axis, dtype=_opt_dtype(dtype))


@keras_op
def cumprod(x, axis=None, dtype=None):
    """Cumulative product of ``x`` along ``axis``.

    Args:
        x: Input tensor.
        axis: Axis along which to accumulate; ``None`` (default) uses the flattened tensor.
        dtype: Dtype of the accumulator and result; ``None`` keeps numpy's promotion rules.

    Returns:
        A tensor with the shape of ``x`` (1-D when ``axis`` is ``None``).
    """
    return jnp.cumprod(arr(x), axis=axis, dtype=_opt_dtype(dtype))


@keras_op
def average(x, axis=None, weights=None):
    """Weighted average of ``x`` along ``axis``: ``sum(x * weights) / sum(weights)``.

    Args:
        x: Input tensor; integers are promoted to floatx.
        axis: Axis along which to average; ``None`` (default) averages over all elements.
        weights: Optional weights, either with the shape of ``x`` or 1-D with length
            ``x.shape[axis]``; ``None`` gives the plain mean.

    Returns:
        A floating-point tensor of averages.

    Example:
        >>> keras.ops.average([1.0, 2.0, 3.0], weights=[3.0, 1.0, 0.0])
        Array(1.25, dtype=float32)
    """
    x = to_float(arr(x))
    if weights is None:
        return jnp.mean(x, axis=axis)
    return jnp.average(x, axis=axis, weights=arr(weights))


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal of ``x``.

    Args:
        x: Input tensor of rank >= 2.
        offset: Diagonal offset: 0 (default) is the main diagonal, positive above it, negative
            below it.
        axis1: First axis of the 2-D planes whose diagonals are taken (default 0).
        axis2: Second axis of those planes (default 1).

    Returns:
        A tensor with ``axis1`` and ``axis2`` removed (a scalar for a matrix).
    """
    return jnp.trace(arr(x), offset=offset, axis1=axis1, axis2=axis2)


# --- creation ---------------------------------------------------------------------------------

@keras_op
def array(x, dtype=None):
    """Create a tensor from array-like data.

    Args:
        x: Data: a nested list, scalar, numpy array, tensor or Variable.
        dtype: Dtype of the result; ``None`` infers it from the data.

    Returns:
        A new tensor holding ``x``.

    Example:
        >>> keras.ops.array([[1, 2], [3, 4]]).shape
        (2, 2)
    """
    return jnp.array(x if not hasattr(x, "_is_fkeras_variable") else x.value, dtype=_opt_dtype(dtype))


@keras_op
def copy(x):
    """Return a copy of ``x``.

    Args:
        x: Input tensor.

    Returns:
        A new tensor with the same values, shape and dtype.
    """
    return jnp.array(arr(x), copy=True)


@keras_op
def zeros(shape, dtype=None):
    """A tensor of the given shape filled with zeros.

    Args:
        shape: An int or a tuple/list of ints.
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        The zeros tensor.

    Example:
        >>> keras.ops.zeros((2, 3)).shape
        (2, 3)
    """
    return jnp.zeros(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def ones(shape, dtype=None):
    """A tensor of the given shape filled with ones.

    Args:
        shape: An int or a tuple/list of ints.
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        The ones tensor.
    """
    return jnp.ones(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def empty(shape, dtype=None):
    """A tensor of the given shape whose contents should not be relied on.

    JAX has no uninitialised memory, so the tensor is in fact filled with zeros.

    Args:
        shape: An int or a tuple/list of ints.
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        A tensor of ``shape``.
    """
    return jnp.zeros(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def full(shape, fill_value, dtype=None):
    """A tensor of the given shape filled with ``fill_value``.

    Args:
        shape: An int or a tuple/list of ints.
        fill_value: The value (a scalar, or a tensor broadcastable to ``shape``).
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        The filled tensor.

    Example:
        >>> keras.ops.full((2,), 7, dtype="int32")
        Array([7, 7], dtype=int32)
    """
    return jnp.full(_shape(shape), _S(fill_value), dtype=standardize_dtype(dtype))


@keras_op
def zeros_like(x, dtype=None):
    """A tensor of zeros with the shape (and, by default, the dtype) of ``x``.

    Args:
        x: Tensor whose shape and dtype are copied.
        dtype: Overrides the dtype of the result; ``None`` keeps that of ``x``.

    Returns:
        A tensor of zeros.
    """
    return jnp.zeros_like(arr(x), dtype=_opt_dtype(dtype))


@keras_op
def ones_like(x, dtype=None):
    """A tensor of ones with the shape (and, by default, the dtype) of ``x``.

    Args:
        x: Tensor whose shape and dtype are copied.
        dtype: Overrides the dtype of the result; ``None`` keeps that of ``x``.

    Returns:
        A tensor of ones.
    """
    return jnp.ones_like(arr(x), dtype=_opt_dtype(dtype))


@keras_op
def full_like(x, fill_value, dtype=None):
    """A tensor filled with ``fill_value``, with the shape (and, by default, the dtype) of ``x``.

    Args:
        x: Tensor whose shape and dtype are copied.
        fill_value: The value to fill with.
        dtype: Overrides the dtype of the result; ``None`` keeps that of ``x``.

    Returns:
        The filled tensor.
    """
    return jnp.full_like(arr(x), _S(fill_value), dtype=_opt_dtype(dtype))


@keras_op
def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in the half-open interval ``[start, stop)``.

    Called with one number, ``arange(n)`` counts from 0 to ``n - 1``.

    Args:
        start: First value, or the end of the interval when ``stop`` is ``None``.
        stop: End of the interval (excluded); ``None`` makes the interval ``[0, start)``.
        step: Spacing between consecutive values (default 1).
        dtype: Dtype of the result; ``None`` gives int32 when every argument is an integer and
            floatx otherwise.

    Returns:
        A 1-D tensor.

    Example:
        >>> keras.ops.arange(1, 7, 2)
        Array([1, 3, 5], dtype=int32)
    """
    if dtype is None:
        vals = [v for v in (start, stop, step) if v is not None]
        is_int = builtins.all(isinstance(v, int) or (hasattr(v, "dtype") and
                                                     jnp.issubdtype(v.dtype, jnp.integer))
                              for v in vals)
        dtype = "int32" if is_int else config.floatx()
    return jnp.arange(start, stop, step, dtype=standardize_dtype(dtype))


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced samples over the closed interval ``[start, stop]``.

    Args:
        start: First value (a scalar or a tensor, for one sequence per element).
        stop: Last value; excluded when ``endpoint`` is ``False``.
        num: Number of samples (default 50).
        endpoint: Whether ``stop`` is the last sample (default ``True``).
        retstep: If ``True``, also return the spacing between samples.
        dtype: Dtype of the result; ``None`` (default) uses floatx.
        axis: Axis of the result along which samples are laid out, when ``start``/``stop`` are
            tensors (default 0).

    Returns:
        The samples, or ``(samples, step)`` when ``retstep`` is ``True``.

    Example:
        >>> keras.ops.linspace(0.0, 1.0, num=5)
        Array([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    return jnp.linspace(_S(start), _S(stop), num=num, endpoint=endpoint, retstep=retstep,
                        dtype=standardize_dtype(dtype), axis=axis)


@keras_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``num`` samples evenly spaced on a log scale: ``base ** linspace(start, stop, num)``.

    Args:
        start: Exponent of the first value.
        stop: Exponent of the last value; excluded when ``endpoint`` is ``False``.
        num: Number of samples (default 50).
        endpoint: Whether ``base ** stop`` is the last sample (default ``True``).
        base: Base of the logarithm (default 10).
        dtype: Dtype of the result; ``None`` (default) uses floatx.
        axis: Axis of the result along which samples are laid out, when ``start``/``stop`` are
            tensors (default 0).

    Returns:
        A tensor of samples.
    """
    return jnp.logspace(_S(start), _S(stop), num=num, endpoint=endpoint, base=base,
                        dtype=standardize_dtype(dtype), axis=axis)


@keras_op
def eye(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones on one diagonal and zeros elsewhere.

    Args:
        N: Number of rows.
        M: Number of columns; ``None`` (default) gives ``N``.
        k: Diagonal that holds the ones: 0 (default) is the main one, positive above, negative below.
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        A tensor of shape ``(N, M)``.

    Example:
        >>> keras.ops.eye(2, dtype="int32")
        Array([[1, 0],
               [0, 1]], dtype=int32)
    """
    return jnp.eye(N, M, k=k, dtype=standardize_dtype(dtype))


@keras_op
def identity(n, dtype=None):
    """The ``n x n`` identity matrix.

    Args:
        n: Number of rows and columns.
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        A tensor of shape ``(n, n)``.
    """
    return jnp.identity(n, dtype=standardize_dtype(dtype))


@keras_op
def tri(N, M=None, k=0, dtype=None):
    """A 2-D tensor with ones at and below the ``k``-th diagonal and zeros elsewhere.

    Args:
        N: Number of rows.
        M: Number of columns; ``None`` (default) gives ``N``.
        k: The diagonal at and below which the tensor is filled: 0 (default) is the main one,
            positive above, negative below.
        dtype: Dtype of the result; ``None`` (default) uses floatx.

    Returns:
        A tensor of shape ``(N, M)``.
    """
    return jnp.tri(N, M, k=k, dtype=standardize_dtype(dtype))


@keras_op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids built from 1-D coordinate vectors.

    For inputs of lengths ``S0, ..., Sn-1``, each output expands one input over the whole grid.

    Args:
        *x: 1-D tensors of coordinates, one per grid dimension.
        indexing: ``"xy"`` (default, Cartesian: the first two output axes are swapped, so 2-D grids
            have shape ``(S1, S0)``) or ``"ij"`` (matrix indexing: shape ``(S0, S1, ...)``).

    Returns:
        A list of tensors, one per input.

    Example:
        >>> xs, ys = keras.ops.meshgrid([1, 2, 3], [4, 5], indexing="ij")
        >>> xs.shape
        (3, 2)
    """
    return jnp.meshgrid(*arrs(x), indexing=indexing)


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


# --- shape manipulation -----------------------------------------------------------------------

@keras_op
def reshape(x, newshape):
    """Give ``x`` a new shape with the same number of elements.

    Args:
        x: Input tensor.
        newshape: An int or a tuple/list of ints; one entry may be ``-1`` (or ``None``) and is then
            inferred from the size of ``x``.

    Returns:
        A tensor with the values of ``x`` (in row-major order) and shape ``newshape``.

    Example:
        >>> keras.ops.reshape(keras.ops.arange(6), (2, -1)).shape
        (2, 3)
    """
    if isinstance(newshape, int):
        newshape = (newshape,)
    newshape = tuple(-1 if s is None else s for s in newshape)
    return jnp.reshape(arr(x), newshape)


@keras_op
def ravel(x):
    """Flatten ``x`` into a 1-D tensor (row-major order).

    Args:
        x: Input tensor.

    Returns:
        A 1-D tensor of length ``size(x)``.
    """
    return jnp.ravel(arr(x))


@keras_op
def transpose(x, axes=None):
    """Permute the axes of ``x``.

    Args:
        x: Input tensor.
        axes: The new order of the axes (a permutation of ``range(ndim(x))``); ``None`` (default)
            reverses them.

    Returns:
        The transposed tensor.

    Example:
        >>> keras.ops.transpose(keras.ops.zeros((2, 3, 4)), (0, 2, 1)).shape
        (2, 4, 3)
    """
    return jnp.transpose(arr(x), axes=axes)


@keras_op
def swapaxes(x, axis1, axis2):
    """Interchange two axes of ``x``.

    Args:
        x: Input tensor.
        axis1: First axis.
        axis2: Second axis.

    Returns:
        A tensor with ``axis1`` and ``axis2`` swapped.
    """
    return jnp.swapaxes(arr(x), axis1, axis2)


@keras_op
def moveaxis(x, source, destination):
    """Move axes of ``x`` to new positions; the other axes keep their relative order.

    Args:
        x: Input tensor.
        source: Original position(s) of the axes to move (an int or a sequence of ints).
        destination: Their new position(s), matching ``source``.

    Returns:
        The tensor with axes moved.

    Example:
        >>> keras.ops.moveaxis(keras.ops.zeros((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    return jnp.moveaxis(arr(x), source, destination)


@keras_op
def expand_dims(x, axis):
    """Insert length-1 axes into the shape of ``x``.

    Args:
        x: Input tensor.
        axis: Position (or tuple/list of positions) in the result where the new axes go.

    Returns:
        A tensor with ``ndim(x) + len(axis)`` dimensions.

    Example:
        >>> keras.ops.expand_dims(keras.ops.zeros((2, 3)), 1).shape
        (2, 1, 3)
    """
    return jnp.expand_dims(arr(x), _axis(axis))


@keras_op
def squeeze(x, axis=None):
    """Remove length-1 axes from ``x``.

    Args:
        x: Input tensor.
        axis: Axis or tuple/list of axes to remove, each of which must have length 1; ``None``
            (default) removes every length-1 axis.

    Returns:
        The squeezed tensor.
    """
    return jnp.squeeze(arr(x), axis=_axis(axis))


@keras_op
def broadcast_to(x, shape):
    """Broadcast ``x`` to a new shape, following numpy's broadcasting rules.

    Args:
        x: Input tensor.
        shape: Target shape (a tuple/list of ints) compatible with that of ``x``.

    Returns:
        A tensor of shape ``shape``.

    Example:
        >>> keras.ops.broadcast_to([1, 2, 3], (2, 3)).shape
        (2, 3)
    """
    return jnp.broadcast_to(arr(x), tuple(shape))


@keras_op
def concatenate(xs, axis=0):
    """Join a sequence of tensors along an existing axis.

    Args:
        xs: Sequence of tensors with equal shapes except along ``axis``.
        axis: Axis along which to join (default 0).

    Returns:
        The concatenated tensor.

    Example:
        >>> keras.ops.concatenate([keras.ops.ones((2, 3)), keras.ops.zeros((1, 3))]).shape
        (3, 3)
    """
    return jnp.concatenate(arrs(xs), axis=axis)


@keras_op
def append(x1, x2, axis=None):
    """Append ``x2`` to the end of ``x1``.

    Args:
        x1: First tensor.
        x2: Tensor appended after ``x1``; with an ``axis`` its shape must match that of ``x1``
            except along ``axis``.
        axis: Axis along which to append; ``None`` (default) flattens both inputs first.

    Returns:
        The joined tensor (1-D when ``axis`` is ``None``).
    """
    return jnp.append(arr(x1), arr(x2), axis=axis)


@keras_op
def stack(x, axis=0):
    """Join a sequence of same-shape tensors along a new axis.

    Args:
        x: Sequence of tensors that all have the same shape.
        axis: Position of the new axis in the result (default 0).

    Returns:
        A tensor with one more dimension than the inputs.

    Example:
        >>> keras.ops.stack([keras.ops.ones(3), keras.ops.zeros(3)], axis=1).shape
        (3, 2)
    """
    return jnp.stack(arrs(x), axis=axis)


@keras_op
def hstack(xs):
    """Stack tensors horizontally: along axis 1, or axis 0 for 1-D inputs.

    Args:
        xs: Sequence of tensors with matching shapes except along the joined axis.

    Returns:
        The stacked tensor.
    """
    return jnp.hstack(arrs(xs))


@keras_op
def vstack(xs):
    """Stack tensors vertically (along axis 0); 1-D inputs of length ``N`` become rows ``(1, N)``.

    Args:
        xs: Sequence of tensors with matching shapes except along axis 0.

    Returns:
        The stacked tensor, of rank at least 2.
    """
    return jnp.vstack(arrs(xs))


@keras_op
def dstack(xs):
    """Stack tensors depth-wise (along axis 2), after promoting them to rank 3.

    1-D inputs ``(N,)`` become ``(1, N, 1)`` and 2-D inputs ``(M, N)`` become ``(M, N, 1)``.

    Args:
        xs: Sequence of tensors with matching shapes except along axis 2.

    Returns:
        The stacked tensor, of rank at least 3.
    """
    return jnp.dstack(arrs(xs))


@keras_op
def split(x, indices_or_sections, axis=0):
    """Split ``x`` into several sub-tensors along ``axis``.

    Args:
        x: Input tensor.
        indices_or_sections: An int ``n`` splits into ``n`` equal parts (the axis length must be
            divisible by ``n``); a sorted list of ints gives the split points along ``axis``.
        axis: Axis along which to split (default 0).

    Returns:
        A list of tensors.

    Example:
        >>> [p.shape for p in keras.ops.split(keras.ops.zeros((6, 2)), [1, 4])]
        [(1, 2), (3, 2), (2, 2)]
    """
    return list(jnp.split(arr(x), indices_or_sections, axis=axis))


@keras_op
def tile(x, repeats):
    """Repeat the whole of ``x`` the number of times given by ``repeats`` along each axis.

    Args:
        x: Input tensor.
        repeats: An int or a sequence of ints: the number of copies along each axis (aligned with
            the trailing axes; ``x`` gains leading axes when ``repeats`` is longer than its rank).

    Returns:
        The tiled tensor.

    Example:
        >>> keras.ops.tile([1, 2], 2)
        Array([1, 2, 1, 2], dtype=int32)
    """
    return jnp.tile(arr(x), repeats)


@keras_op
def repeat(x, repeats, axis=None):
    """Repeat each element of ``x``.

    Args:
        x: Input tensor.
        repeats: Number of repetitions, an int (the same for every element) or a 1-D sequence with
            one count per element along ``axis``.
        axis: Axis along which to repeat; ``None`` (default) flattens ``x`` first.

    Returns:
        The tensor with repeated elements.

    Example:
        >>> keras.ops.repeat([1, 2], 2)
        Array([1, 1, 2, 2], dtype=int32)
    """
    return jnp.repeat(arr(x), repeats, axis=axis)


@keras_op
def flip(x, axis=None):
    """Reverse the order of the elements of ``x`` along the given axes.

    Args:
        x: Input tensor.
        axis: Axis or tuple/list of axes to reverse; ``None`` (default) reverses every axis.

    Returns:
        A tensor with the shape of ``x``.
    """
    return jnp.flip(arr(x), axis=_axis(axis))


@keras_op
def roll(x, shift, axis=None):
    """Roll (cyclically shift) the elements of ``x`` along an axis.

    Elements that move past the last position re-enter at the first.

    Args:
        x: Input tensor.
        shift: Number of places to shift by (an int, or a tuple of ints matching a tuple ``axis``).
        axis: Axis or tuple of axes to roll along; ``None`` (default) rolls the flattened tensor and
            restores the shape.

    Returns:
        A tensor with the shape of ``x``.

    Example:
        >>> keras.ops.roll([1, 2, 3, 4], 1)
        Array([4, 1, 2, 3], dtype=int32)
    """
    return jnp.roll(arr(x), shift, axis=_axis(axis))


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    """Rotate ``array`` by 90 degrees ``k`` times, counter-clockwise, in the plane of ``axes``.

    Args:
        array: Input tensor of rank >= 2.
        k: Number of quarter turns (default 1; negative values turn clockwise).
        axes: The two axes that span the plane of rotation (default ``(0, 1)``).

    Returns:
        The rotated tensor.

    Example:
        >>> keras.ops.rot90([[1, 2], [3, 4]])
        Array([[2, 4],
               [1, 3]], dtype=int32)
    """
    return jnp.rot90(arr(array), k=k, axes=tuple(axes))


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad ``x`` along each axis.

    Args:
        x: Input tensor.
        pad_width: Amount of padding: an int (the same before and after every axis), a pair
            ``(before, after)`` for every axis, or one ``(before, after)`` pair per axis.
        mode: How padded values are made: ``"constant"`` (default), ``"edge"``, ``"linear_ramp"``,
            ``"maximum"``, ``"mean"``, ``"median"``, ``"minimum"``, ``"reflect"``, ``"symmetric"``,
            ``"wrap"`` or ``"empty"`` (numpy's meanings).
        constant_values: Value written into the padding in ``"constant"`` mode; ``None`` means 0.

    Returns:
        The padded tensor.

    Raises:
        ValueError: If ``constant_values`` is given with a ``mode`` other than ``"constant"``.

    Example:
        >>> keras.ops.pad([1, 2], (1, 2), constant_values=9)
        Array([9, 1, 2, 9, 9], dtype=int32)
    """
    kwargs = {}
    if constant_values is not None:
        if mode != "constant":
            raise ValueError("Argument `constant_values` can only be provided when "
                             f"`mode == 'constant'`. Received: mode={mode!r}")
        kwargs["constant_values"] = constant_values
    pad_width = to_pad_width(pad_width)
    return jnp.pad(arr(x), pad_width, mode=mode, **kwargs)


def to_pad_width(pad_width):
    """Normalise a ``pad_width`` argument (nested lists or an array) into nested tuples.

    Args:
        pad_width: An int, a pair, a sequence of pairs, or an array of those.

    Returns:
        The same padding as nested tuples (or the int unchanged), as ``jnp.pad`` accepts it.
    """
    if hasattr(pad_width, "tolist"):
        pad_width = pad_width.tolist()
    if isinstance(pad_width, (list, tuple)):
        return tuple(tuple(p) if isinstance(p, (list, tuple)) else p for p in pad_width)
    return pad_width


@keras_op
def diag(x, k=0):
    """Extract a diagonal of a matrix, or build a diagonal matrix from a vector.

    Args:
        x: A 1-D tensor (placed on the diagonal of a square 2-D result) or a 2-D tensor (whose
            diagonal is returned).
        k: Which diagonal: 0 (default) is the main one, positive above it, negative below it.

    Returns:
        A 2-D tensor for 1-D input, a 1-D tensor for 2-D input.

    Example:
        >>> keras.ops.diag([1, 2])
        Array([[1, 0],
               [0, 2]], dtype=int32)
    """
    return jnp.diag(arr(x), k=k)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal(s) of ``x`` in the planes spanned by ``axis1`` and ``axis2``.

    Args:
        x: Input tensor of rank >= 2.
        offset: Diagonal offset: 0 (default) is the main one, positive above it, negative below it.
        axis1: First axis of the planes (default 0).
        axis2: Second axis of the planes (default 1).

    Returns:
        A tensor with ``axis1`` and ``axis2`` removed and a new last axis holding the diagonals.
    """
    return jnp.diagonal(arr(x), offset=offset, axis1=axis1, axis2=axis2)


@keras_op
def tril(x, k=0):
    """The lower triangle of ``x``: entries above the ``k``-th diagonal are set to zero.

    Applies to the last two axes; leading axes are batch axes.

    Args:
        x: Input tensor of rank >= 2.
        k: Diagonal bounding the kept triangle: 0 (default) is the main one, positive above it,
            negative below it.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.tril(arr(x), k=k)


@keras_op
def triu(x, k=0):
    """The upper triangle of ``x``: entries below the ``k``-th diagonal are set to zero.

    Applies to the last two axes; leading axes are batch axes.

    Args:
        x: Input tensor of rank >= 2.
        k: Diagonal bounding the kept triangle: 0 (default) is the main one, positive above it,
            negative below it.

    Returns:
        A tensor with the shape and dtype of ``x``.
    """
    return jnp.triu(arr(x), k=k)


@keras_op
def diff(a, n=1, axis=-1):
    """The ``n``-th discrete difference of ``a`` along ``axis``.

    The first difference is ``out[i] = a[i + 1] - a[i]``; higher orders apply it repeatedly.

    Args:
        a: Input tensor.
        n: Number of times to take the difference (default 1).
        axis: Axis along which to take it (default ``-1``).

    Returns:
        A tensor whose ``axis`` is ``n`` shorter than that of ``a``.

    Example:
        >>> keras.ops.diff([1, 2, 4, 7])
        Array([1, 2, 3], dtype=int32)
    """
    return jnp.diff(arr(a), n=n, axis=axis)


# --- indexing, sorting, selection -------------------------------------------------------------

@keras_op
def take(x, indices, axis=None):
    """Gather elements of ``x`` at ``indices`` along an axis.

    Args:
        x: Input tensor.
        indices: Integer tensor of indices (any shape).
        axis: Axis to gather from; ``None`` (default) indexes the flattened tensor.

    Returns:
        A tensor where ``axis`` is replaced by the shape of ``indices``.

    Example:
        >>> keras.ops.take([[1, 2], [3, 4]], [1, 0], axis=1)
        Array([[2, 1],
               [4, 3]], dtype=int32)
    """
    return jnp.take(arr(x), arr(indices), axis=axis)


@keras_op
def take_along_axis(x, indices, axis=None):
    """Gather values of ``x`` with an index tensor that matches ``x`` in every other axis.

    The counterpart of ``argsort``/``argmax`` with ``keepdims``: ``take_along_axis(x, argsort(x), -1)``
    sorts ``x``.

    Args:
        x: Input tensor.
        indices: Integer tensor with the rank of ``x``, broadcastable against it except along
            ``axis``.
        axis: Axis along which to gather; ``None`` works on the flattened tensor.

    Returns:
        A tensor with the shape of ``indices`` (after broadcasting).
    """
    return jnp.take_along_axis(arr(x), arr(indices), axis=axis)


@keras_op
def get_item(x, key):
    """Return ``x[key]`` (Python indexing), usable on symbolic tensors too.

    Args:
        x: Input tensor.
        key: Any index numpy accepts: an int, a slice, ``None``, ``Ellipsis``, an integer or boolean
            tensor, or a tuple of those.

    Returns:
        The indexed tensor.
    """
    return arr(x)[key]


@keras_op
def where(condition, x1=None, x2=None):
    """Choose elements from ``x1`` where ``condition`` is true and from ``x2`` elsewhere.

    Called with ``condition`` alone, it returns the indices of the true entries, as ``nonzero``.

    Args:
        condition: Boolean tensor (or one whose non-zero entries count as true).
        x1: Values where ``condition`` holds (tensor or scalar, broadcastable).
        x2: Values where it does not.

    Returns:
        A tensor with the broadcast shape of the three arguments, or a tuple of index tensors when
        ``x1`` and ``x2`` are both omitted.

    Raises:
        ValueError: If exactly one of ``x1`` and ``x2`` is given.

    Example:
        >>> keras.ops.where([True, False], [1, 2], [10, 20])
        Array([ 1, 20], dtype=int32)
    """
    if x1 is None and x2 is None:
        return jnp.nonzero(arr(condition))
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` must both be given (or both omitted) in `where`.")
    return jnp.where(arr(condition), _S(x1), _S(x2))


@keras_op
def select(condlist, choicelist, default=0):
    """Choose, for each element, from the first choice whose condition is true.

    Args:
        condlist: Sequence of boolean tensors.
        choicelist: Sequence of tensors, one per condition, broadcastable against the conditions.
        default: Value used where no condition is true (default 0).

    Returns:
        A tensor with the broadcast shape of the conditions and choices.

    Example:
        >>> x = keras.ops.arange(5)
        >>> keras.ops.select([x < 2, x > 3], [x, x * 10], default=-1)
        Array([ 0,  1, -1, -1, 40], dtype=int32)
    """
    return jnp.select(arrs(condlist), arrs(choicelist), default=default)


@keras_op
def nonzero(x):
    """Indices of the non-zero elements of ``x``.

    The number of results depends on the values, so this cannot run under ``jax.jit`` on a
    traced ``x``.

    Args:
        x: Input tensor.

    Returns:
        A tuple of ``ndim(x)`` int32 tensors, the indices along each axis.
    """
    return tuple(i.astype("int32") for i in jnp.nonzero(arr(x)))


@keras_op
def sort(x, axis=-1):
    """Sort ``x`` in ascending order along an axis.

    Args:
        x: Input tensor.
        axis: Axis along which to sort (default ``-1``); ``None`` sorts the flattened tensor.

    Returns:
        The sorted tensor.
    """
    return jnp.sort(arr(x), axis=axis)


@keras_op
def argsort(x, axis=-1):
    """Indices that would sort ``x`` in ascending order along an axis (stable).

    Args:
        x: Input tensor.
        axis: Axis along which to sort (default ``-1``); ``None`` sorts the flattened tensor.

    Returns:
        An int32 tensor of indices with the shape of ``x``.

    Example:
        >>> keras.ops.argsort([3, 1, 2])
        Array([1, 2, 0], dtype=int32)
    """
    return jnp.argsort(arr(x), axis=axis).astype("int32")


@keras_op
def argpartition(x, kth, axis=-1):
    """Indices that partition ``x`` around its ``kth`` smallest element along an axis.

    In the result, the index of the ``kth`` element is at position ``kth``, every index before it
    points to a value that is not larger, and every index after it to one that is not smaller.

    Args:
        x: Input tensor.
        kth: Position of the partitioning element.
        axis: Axis along which to partition (default ``-1``).

    Returns:
        An int32 tensor of indices with the shape of ``x``.
    """
    return jnp.argpartition(arr(x), kth, axis=axis).astype("int32")


@keras_op
def searchsorted(sorted_sequence, values, side="left"):
    """Indices at which ``values`` would be inserted into ``sorted_sequence`` to keep it sorted.

    Args:
        sorted_sequence: 1-D tensor sorted in ascending order.
        values: Tensor of values to place.
        side: ``"left"`` (default) gives the first suitable index, ``"right"`` the last one.

    Returns:
        An int32 tensor with the shape of ``values``.

    Example:
        >>> keras.ops.searchsorted([1, 3, 5], [0, 3, 6])
        Array([0, 1, 3], dtype=int32)
    """
    return jnp.searchsorted(arr(sorted_sequence), arr(values), side=side).astype("int32")


@keras_op
def digitize(x, bins):
    """Index of the bin that each value of ``x`` falls into.

    With increasing ``bins``, value ``v`` gets the index ``i`` such that
    ``bins[i - 1] <= v < bins[i]`` (0 below the first edge, ``len(bins)`` from the last one on).

    Args:
        x: Tensor of values to bin.
        bins: 1-D tensor of monotonically increasing bin edges.

    Returns:
        An int32 tensor with the shape of ``x``.

    Example:
        >>> keras.ops.digitize([0.5, 1.0, 3.5], [1.0, 2.0, 3.0])
        Array([0, 1, 3], dtype=int32)
    """
    return jnp.digitize(arr(x), arr(bins)).astype("int32")


@keras_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Count occurrences of each non-negative integer value in ``x``.

    The output length is ``max(max(x) + 1, minlength)``; it is read from the values, so ``x`` must
    be concrete (not traced under ``jax.jit``).

    Args:
        x: 1-D non-negative integer tensor, or 2-D to count each row separately.
        weights: Optional tensor with the shape of ``x``; each occurrence then adds its weight
            instead of 1.
        minlength: Minimum number of bins in the output (default 0).
        sparse: Must be ``False``: sparse outputs are not supported.

    Returns:
        A 1-D tensor of counts (2-D, one row per input row, for 2-D ``x``).

    Raises:
        ValueError: If ``sparse`` is ``True``.

    Example:
        >>> keras.ops.bincount([1, 2, 2, 3])
        Array([0, 1, 2, 1], dtype=int32)
    """
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
    """Matrix product of ``x1`` and ``x2``, broadcasting over leading (batch) axes.

    1-D operands are treated as vectors: a 1-D ``x1`` is a row vector, a 1-D ``x2`` a column
    vector, and the added axis is removed from the result.

    Args:
        x1: First tensor, shape ``(..., n, k)`` or ``(k,)``.
        x2: Second tensor, shape ``(..., k, m)`` or ``(k,)``.

    Returns:
        The product, shape ``(..., n, m)`` (with broadcast batch axes).

    Example:
        >>> keras.ops.matmul(keras.ops.ones((2, 3)), keras.ops.ones((3, 4))).shape
        (2, 4)
    """
    return jnp.matmul(arr(x1), arr(x2))


@keras_op
def dot(x1, x2):
    """Dot product of ``x1`` and ``x2`` (numpy's ``dot``).

    Two 1-D tensors give their inner product; two 2-D tensors their matrix product; a scalar
    multiplies element-wise; otherwise it sums over the last axis of ``x1`` and the second-to-last
    axis of ``x2``.

    Args:
        x1: First tensor.
        x2: Second tensor.

    Returns:
        The dot product.
    """
    return jnp.dot(arr(x1), arr(x2))


@keras_op
def vdot(x1, x2):
    """Dot product of the flattened inputs, conjugating ``x1`` when it is complex.

    Args:
        x1: First tensor (flattened).
        x2: Second tensor with the same number of elements (flattened).

    Returns:
        A scalar tensor.
    """
    return jnp.vdot(arr(x1), arr(x2))


@keras_op
def inner(x1, x2):
    """Inner product over the last axes of ``x1`` and ``x2``.

    Args:
        x1: First tensor (or scalar).
        x2: Second tensor whose last axis matches that of ``x1``.

    Returns:
        A tensor of shape ``x1.shape[:-1] + x2.shape[:-1]``.
    """
    return jnp.inner(arr(x1), arr(x2))


@keras_op
def outer(x1, x2):
    """Outer product of two vectors: ``out[i, j] = x1[i] * x2[j]``.

    Args:
        x1: First tensor (flattened to a vector of length ``M``).
        x2: Second tensor (flattened to a vector of length ``N``).

    Returns:
        A tensor of shape ``(M, N)``.
    """
    return jnp.outer(arr(x1), arr(x2))


@keras_op
def tensordot(x1, x2, axes=2):
    """Tensor contraction of ``x1`` and ``x2`` over the given axes.

    Args:
        x1: First tensor.
        x2: Second tensor.
        axes: An int ``n`` contracts the last ``n`` axes of ``x1`` with the first ``n`` of ``x2``
            (default 2); a pair of sequences ``(axes_of_x1, axes_of_x2)`` names the contracted
            axes explicitly.

    Returns:
        The remaining axes of ``x1`` followed by the remaining axes of ``x2``.

    Example:
        >>> keras.ops.tensordot(keras.ops.ones((2, 3, 4)), keras.ops.ones((4, 5)), axes=1).shape
        (2, 3, 5)
    """
    return jnp.tensordot(arr(x1), arr(x2), axes=axes)


@keras_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over ``operands`` as described by ``subscripts``.

    Args:
        subscripts: Subscript string such as ``"ij,jk->ik"``: one comma-separated group of axis
            labels per operand and, after ``->``, the labels of the output. Labels absent from the
            output are summed over.
        *operands: The input tensors.
        **kwargs: Passed on to ``jax.numpy.einsum`` (e.g. ``precision``, ``optimize``).

    Returns:
        The resulting tensor.

    Example:
        >>> a, b = keras.ops.ones((2, 3)), keras.ops.ones((3, 4))
        >>> keras.ops.einsum("ij,jk->ik", a, b).shape
        (2, 4)
    """
    return jnp.einsum(subscripts, *arrs(operands), **kwargs)


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of (batches of) 2- or 3-vectors.

    Vectors of length 2 get a zero third component; when both inputs are 2-vectors the result is
    the z-component only.

    Args:
        x1: First vector(s).
        x2: Second vector(s), broadcastable against ``x1`` outside the vector axis.
        axisa: Axis of ``x1`` holding the vectors (default ``-1``).
        axisb: Axis of ``x2`` holding the vectors (default ``-1``).
        axisc: Axis of the result holding the product vectors (default ``-1``).
        axis: If given, overrides ``axisa``, ``axisb`` and ``axisc`` together.

    Returns:
        The cross product(s).

    Example:
        >>> keras.ops.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
        Array([0., 0., 1.], dtype=float32)
    """
    return jnp.cross(arr(x1), arr(x2), axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


@keras_op
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences: ``out[k] = sum_n x1[n + k] * x2[n]``.

    Args:
        x1: First 1-D tensor (integers are promoted to floatx).
        x2: Second 1-D tensor.
        mode: Output size: ``"valid"`` (default; only full overlaps, length
            ``max(M, N) - min(M, N) + 1``), ``"same"`` (length ``max(M, N)``) or ``"full"``
            (every overlap, length ``M + N - 1``).

    Returns:
        A 1-D floating-point tensor.

    Example:
        >>> keras.ops.correlate([1.0, 2.0, 3.0], [0.0, 1.0])
        Array([2., 3.], dtype=float32)
    """
    return jnp.correlate(to_float(arr(x1)), to_float(arr(x2)), mode=mode)


# --- shape queries ----------------------------------------------------------------------------

def ndim(x):
    """Number of dimensions (rank) of ``x``, read from its static shape.

    Args:
        x: Tensor, array, Variable, symbolic tensor, list or scalar.

    Returns:
        A Python int.
    """
    return len(getattr(_unwrap(x), "shape", jnp.shape(_unwrap(x))))


def size(x):
    """Number of elements of ``x``, read from its static shape.

    Args:
        x: Tensor, array, Variable, symbolic tensor, list or scalar.

    Returns:
        A Python int (the product of the dimensions).
    """
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
